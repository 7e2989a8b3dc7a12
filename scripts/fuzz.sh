#!/bin/bash
# SPDX-License-Identifier: MIT
# Builds the libFuzzer targets of tests/fuzz and runs each for a set time.
#
#   scripts/fuzz.sh                      every target, FUZZ_SECONDS each
#   FUZZ_TARGETS="fuzz_blkif" scripts/fuzz.sh
#
# Environment: O (build dir, default build; the fuzz tree is $O/fuzz),
# FUZZ_SECONDS (default 60), FUZZ_TARGETS (default: all that build here),
# FUZZ_TIMEOUT (seconds one input may take, default 25).
#
# The fuzz tree is a separate build: CC=clang, SAN=address,undefined with
# -fno-sanitize-recover=all (UB aborts), -fsanitize=fuzzer-no-link for
# coverage. Each target starts from its checked-in corpus
# (tests/fuzz/corpus/<target>) and adds what it finds to $O/fuzz/corpus/
# <target>; crashes land in $O/fuzz/artifacts/<target>/ with the command
# that reproduces them. Prints executions and crashes per target and a
# summary ($O/fuzz/summary.txt); exits 1 if any target crashed, 77 if
# clang's libFuzzer runtime is missing.
set -u
cd "$(dirname "$0")/.."
# Run from `make test`, the outer make's flags (SAN=, O=, -j) must not leak
# into the fuzz tree's build.
unset MAKEFLAGS MFLAGS MAKELEVEL
O=${O:-build}
FO=${FUZZ_O:-$O/fuzz}
secs=${FUZZ_SECONDS:-60}
tmo=${FUZZ_TIMEOUT:-25}
CLANG=${FUZZ_CC:-clang}

# libFuzzer comes with clang's runtime (libclang-rt-14-dev on Debian 12).
probe=$(mktemp -d /tmp/rtdd-fuzz-probe.XXXXXX)
trap 'rm -rf "$probe"' EXIT
printf '#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' \
	>"$probe/p.c"
if ! command -v "$CLANG" >/dev/null 2>&1; then
	echo "SKIP: $CLANG not found (apt-get install clang libclang-rt-14-dev)"
	exit 77
fi
if ! "$CLANG" -fsanitize=fuzzer,address,undefined -o "$probe/p" "$probe/p.c" \
	>"$probe/log" 2>&1; then
	echo "SKIP: clang's libFuzzer/ASan runtime missing (apt-get install libclang-rt-14-dev)"
	sed 's/^/    /' "$probe/log" | tail -3
	exit 77
fi

mk() {
	make --no-print-directory -j2 O="$FO" CC="$CLANG" SAN=address,undefined \
		WERROR=0 CI= CFLAGS="-fsanitize=fuzzer-no-link -fno-sanitize-recover=all" "$@"
}
mkdir -p "$FO" # its build log goes beside it, in a new O= too
all=$(mk -s fuzz-list) || exit 1
targets=${FUZZ_TARGETS:-$all}
echo "  FUZZ    building ${targets} in $FO (clang, ASan+UBSan)"
# shellcheck disable=SC2086
if ! mk $(for t in $targets; do echo "$FO/fuzzers/$t"; done) >"$FO.build.log" 2>&1; then
	tail -30 "$FO.build.log"
	echo "fuzz: build failed (log: $FO.build.log)"
	exit 1
fi

summary="$FO/summary.txt"
mkdir -p "$FO"
printf '%-18s %10s %9s %7s %7s %s\n' target executions exec/s corpus crashes \
	"(${secs}s each)" | tee "$summary"
crashed=0 total=0
for t in $targets; do
	bin="$FO/fuzzers/$t"
	work="$FO/corpus/$t"
	art="$FO/artifacts/$t"
	log="$FO/logs/$t.log"
	seeds="tests/fuzz/corpus/$t"
	dict="tests/fuzz/dict/$t.dict"
	mkdir -p "$work" "$art" "$(dirname "$log")"
	args=(-max_total_time="$secs" -timeout="$tmo" -rss_limit_mb=2048
		-print_final_stats=1 -artifact_prefix="$art/")
	[ -f "$dict" ] && args+=(-dict="$dict")
	dirs=("$work")
	[ -d "$seeds" ] && dirs+=("$seeds")
	before=$(ls "$art" | wc -l)
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$bin" "${args[@]}" "${dirs[@]}" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	ncorp=$(ls "$work" | wc -l)
	after=$(ls "$art" | wc -l)
	found=$((after - before))
	if [ $rc -ne 0 ] && [ $found -eq 0 ]; then found=1; fi
	printf '%-18s %10s %9s %7s %7s\n' "$t" "${execs:-?}" "${rate:-?}" \
		"$ncorp" "$found" | tee -a "$summary"
	total=$((total + ${execs:-0}))
	if [ $found -gt 0 ]; then
		crashed=$((crashed + 1))
		grep -m1 -E 'ERROR: (AddressSanitizer|libFuzzer|LeakSanitizer)|runtime error|fuzz oracle failed|SUMMARY' "$log" |
			sed 's/^/    /'
		newest=$(ls -t "$art" | head -1)
		echo "    input:     $art/$newest"
		echo "    reproduce: $bin $art/$newest"
		echo "    minimise:  $bin -minimize_crash=1 -max_total_time=30 $art/$newest"
		echo "    log:       $log"
	fi
done
echo "total executions: $total; targets that crashed: $crashed" | tee -a "$summary"
[ $crashed -eq 0 ]
