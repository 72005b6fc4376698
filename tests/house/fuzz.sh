#!/bin/sh
# A short run of every libFuzzer target (make fuzz runs them longer).
cd "$(dirname "$0")/../.."
FUZZ_SECONDS=${FUZZ_SECONDS:-5} sh tests/fuzz/run.sh 2>&1 | grep -v '^# fuzzing'
