#!/bin/sh
# `make fuzz`: build every tests/fuzz/fuzz_*.c with clang's libFuzzer (plus
# ASan/UBSan) against the library sources, and run each for FUZZ_SECONDS
# (default 60) from its seed corpus in tests/fuzz/corpus/<name>/. New inputs
# found go to build-fuzz/corpus/<name>/, crashes to build-fuzz/.
set -eu
cd "$(dirname "$0")/../.."
seconds=${FUZZ_SECONDS:-60}
out=build-fuzz
mkdir -p "$out/obj"
flags="-g -O1 -std=gnu11 -D_GNU_SOURCE -DCM_VERSION=\"fuzz\" -DCM_CONFIG_PATH=\"/dev/null\" -fsanitize=fuzzer-no-link,address,undefined"
objs=""
for src in $(make -s print-sources); do
	o=$out/obj/$(echo "$src" | tr / _).o
	if [ ! -f "$o" ] || [ "$src" -nt "$o" ]; then clang $flags -c "$src" -o "$o"; fi
	objs="$objs $o"
done
clang -c milter/defaults.S -o "$out/obj/defaults.o"
objs="$objs $out/obj/defaults.o"
status=0
for f in tests/fuzz/fuzz_*.c; do
	name=$(basename "$f" .c | sed 's/^fuzz_//')
	clang $flags -fsanitize=fuzzer "$f" $objs $(make -s print-libs) -o "$out/fuzz_$name"
	mkdir -p "$out/corpus/$name"
	echo "# fuzzing $name for ${seconds}s"
	if "$out/fuzz_$name" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
		-artifact_prefix="$out/crash-$name-" "$out/corpus/$name" "tests/fuzz/corpus/$name" \
		>"$out/$name.log" 2>&1; then
		echo "ok - fuzz $name: $(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$out/$name.log") runs, no crash"
	else
		echo "not ok - fuzz $name: see $out/$name.log"
		tail -30 "$out/$name.log" | sed 's/^/# /'
		status=1
	fi
done
exit $status
