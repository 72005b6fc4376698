#!/bin/sh
# The official SPF test suites (RFC 7208: 203 tests, RFC 4408: 191), as
# Debian's python3-spf ships them, against spf/eval.c through lib/dns.c:
# each scenario's zone data served by a loopback DNS server (tests/lib/
# spfdns.py; TIMEOUT entries really time out), explanations compared too.
# One line per test, then the counts.
. "$(dirname "$0")/../lib/tb.sh"

TOOL=${CM_BIN%/chainmilter}/tests/tool_spfq
DOC=/usr/share/doc/python3-spf
for suite in rfc7208-tests.yml.gz rfc4408-tests.yml.gz; do
	if [ ! -f "$DOC/$suite" ]; then
		fail "$suite present (package python3-spf)"
		continue
	fi
	$PY "$TB_ROOT/tests/lib/spfsuite.py" "$TOOL" "$DOC/$suite" >"$TB_DIR/suite.out" 2>"$TB_DIR/suite.err"
	cat "$TB_DIR/suite.out"
	grep -q '^# .*: [0-9]* of [0-9]* tests pass' "$TB_DIR/suite.out" ||
		fail "$suite ran to the end ($(tail -3 "$TB_DIR/suite.err" | tr '\n' ' '))"
	TB_FAILS=$((TB_FAILS + $(grep -c '^not ok' "$TB_DIR/suite.out")))
done

tb_done
