#!/bin/sh
# Hostile SPF data against spf/eval.c (ASan build): include and redirect
# loops, records asking for more DNS work than RFC 7208 allows, huge
# answers, garbage bytes, servers that never answer. Each case checks the
# result, the time it took and the queries the DNS server saw.
. "$(dirname "$0")/../lib/tb.sh"

TOOL=${CM_BIN%/chainmilter}/tests/tool_spfq
$PY "$TB_ROOT/tests/lib/spfbad.py" "$TOOL" >"$TB_DIR/bad.out" 2>"$TB_DIR/bad.err"
cat "$TB_DIR/bad.out"
grep -q '^ok - ' "$TB_DIR/bad.out" || fail "spfbad.py ran ($(tail -3 "$TB_DIR/bad.err" | tr '\n' ' '))"
TB_FAILS=$((TB_FAILS + $(grep -c '^not ok' "$TB_DIR/bad.out")))
tb_done
