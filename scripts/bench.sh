#!/bin/bash
# SPDX-License-Identifier: MIT
# make bench: runs every benchmark binary and the rtdd bench suites. Figures
# only, never pass/fail on time (BENCH.md). Results land in $O/bench-results.
set -u
O=${O:-build}
out="$O/bench-results"
mkdir -p "$out"
rc=0
for b in "$@"; do
	name=$(basename "$b")
	echo "== $name"
	RTDD_BENCH_OUT="$out" "$b" || { echo "$name: exited $?"; rc=1; }
done
echo "== rtdd bench hv"
"$O/bin/rtdd" bench hv --out "$out" || rc=1
echo "results in $out"
exit $rc
