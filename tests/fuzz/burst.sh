#!/bin/bash
# SPDX-License-Identifier: MIT
# CI's fuzzing burst: every libFuzzer target of tests/fuzz for a few
# seconds (RTDD_FUZZ_BURST, default 7) through scripts/fuzz.sh, from the
# checked-in corpus. Fails on any crash; skips (77) when clang's fuzzer
# runtime is missing. First run builds the fuzz tree ($O/fuzz, ~1 min).
cd "$(dirname "$0")/../.." || exit 1
FUZZ_SECONDS=${RTDD_FUZZ_BURST:-7} FUZZ_TARGETS=${FUZZ_TARGETS:-} \
	exec scripts/fuzz.sh
