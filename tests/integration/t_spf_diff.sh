#!/bin/sh
# Differential test of spf/eval.c against pyspf (python3-spf): random zones
# (every mechanism, modifier, prefix length and macro, with syntax errors,
# include chains, MX, PTR, exists and exp= data) and the official suites'
# zones with client/sender/HELO combinations they do not test, served to
# both on loopback by tests/lib/spfdns.py. Results and fail explanations
# must agree; where pyspf departs from RFC 7208 (tests/lib/spfdiff.py says
# where) the case is avoided or listed. CM_SPF_SEED picks another draw.
. "$(dirname "$0")/../lib/tb.sh"

TOOL=${CM_BIN%/chainmilter}/tests/tool_spfq
$PY "$TB_ROOT/tests/lib/spfdiff.py" "$TOOL" "${CM_SPF_ZONES:-200}" "${CM_SPF_SEED:-7208}" \
	>"$TB_DIR/diff.out" 2>"$TB_DIR/diff.err"
cat "$TB_DIR/diff.out"
grep -q '^ok - SPF differential' "$TB_DIR/diff.out" ||
	fail "SPF differential ran to the end ($(tail -3 "$TB_DIR/diff.err" | tr '\n' ' '))"
TB_FAILS=$((TB_FAILS + $(grep -c '^not ok' "$TB_DIR/diff.out")))
tb_done
