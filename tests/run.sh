#!/bin/sh
# run.sh - every test: unit tests (cmocka) in the normal and the sanitizer
# build, house checks (format, generated files), then the integration tests
# against real Postfix, nsd and miltertest. Each result is an "ok"/"not ok"
# line; the last line is "N passed, N failed". CM_ONLY=unit|integration
# narrows the run.
set -u
cd "$(dirname "$0")/.."
out=$(mktemp /tmp/cmrun.XXXXXX)
trap 'rm -f "$out"' EXIT
only=${CM_ONLY:-all}

section() { echo "# === $*"; }

run_unit() {
	for t in "$@"; do
		[ -x "$t" ] || continue
		CMOCKA_MESSAGE_OUTPUT=TAP "$t" 2>&1 | sed -E "s|^(not ok\|ok) [0-9]+ - |\1 - $t: |" |
			tee -a "$out"
	done
}

if [ "$only" = all ] || [ "$only" = unit ]; then
	section "unit tests (build/)"
	run_unit build/tests/test_*
	section "unit tests (build-asan/, ASan+UBSan)"
	ASAN_OPTIONS=detect_leaks=1 run_unit build-asan/tests/test_*
fi

if [ "$only" = all ]; then
	section "house checks"
	for t in tests/house/*.sh; do
		sh "$t" 2>&1 | tee -a "$out"
	done
fi

if [ "$only" = all ] || [ "$only" = integration ]; then
	section "integration tests (chainmilter built with ASan+UBSan)"
	for t in tests/integration/t_*.sh; do
		echo "# --- $t"
		start=$(date +%s)
		CM_BIN=$PWD/build-asan/chainmilter timeout 600 sh "$t" 2>&1 | tee -a "$out"
		echo "# $t took $(($(date +%s) - start))s"
	done
fi

passed=$(grep -c '^ok ' "$out")
failed=$(grep -c '^not ok ' "$out")
echo
grep '^not ok ' "$out" | sed 's/^/FAILED: /'
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
