#!/bin/bash
# SPDX-License-Identifier: MIT
# rtdd test runner: runs cmocka binaries and shell tests, one at a time, and
# ends with the line CI reads:  "N passed, N failed, N skipped".
#
#   tests/run.sh [test ...]     (make test passes every built test)
#
# cmocka binaries: counts come from their summaries. Shell tests (*.sh): exit
# 0 is one pass, 77 one skip (the reason is the last line printed), anything
# else one failure. A binary that dies before its summary counts as failed.
# RTDD_TEST_TIMEOUT (seconds, default 900) bounds each test.
#
# Under SAN= (make SAN=... test) every process a test starts, the daemons
# too (rtdd-simhv, devd, the backends), writes its sanitizer reports to
# $O/san-logs/<test>/report.<pid>; a test that leaves any report there
# fails, whatever its own result, and the report's head is printed.
set -u
O=${O:-build}
logdir="$O/test-logs"
mkdir -p "$logdir"
here=$(cd "$(dirname "$0")/.." && pwd)
sanroot="$(cd "$O" && pwd)/san-logs"
timeout_s=${RTDD_TEST_TIMEOUT:-900}
total_pass=0 total_fail=0 total_skip=0
failed_names=()

for t in "$@"; do
	name=$(basename "$t")
	log="$logdir/$name.log"
	start=$(date +%s.%N)
	san_dir=""
	if [ -n "${SAN:-}" ]; then
		san_dir="$sanroot/$name"
		rm -rf "$san_dir"
		mkdir -p "$san_dir"
		so="log_path=$san_dir/report"
		export ASAN_OPTIONS="$so"
		export UBSAN_OPTIONS="$so:print_stacktrace=1"
		export TSAN_OPTIONS="$so:suppressions=$here/scripts/tsan.supp"
	fi
	case "$t" in
	*.sh) timeout -k 10 "$timeout_s" bash "$t" >"$log" 2>&1 ;;
	*) timeout -k 10 "$timeout_s" "$t" >"$log" 2>&1 ;;
	esac
	rc=$?
	secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e-s}')
	p=0 f=0 s=0
	case "$t" in
	*.sh)
		if [ $rc -eq 0 ]; then p=1
		elif [ $rc -eq 77 ]; then s=1
		else f=1; fi
		;;
	*)
		# cmocka summaries: "[  PASSED  ] 3 test(s)." etc.
		read -r p f s < <(awk '
			function num(tag,   m) {
				if (match($0, "\\[  " tag " *\\] [0-9]+ test\\(s\\)")) {
					m = substr($0, RSTART, RLENGTH)
					sub(/.*\] /, "", m); sub(/ .*/, "", m)
					return m + 0
				}
				return 0
			}
			{ p += num("PASSED"); f += num("FAILED"); s += num("SKIPPED") }
			END { print p+0, f+0, s+0 }' "$log")
		if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
		if [ $rc -eq 0 ] && [ $((p + f + s)) -eq 0 ]; then f=1; fi
		;;
	esac
	san_reports=""
	if [ -n "$san_dir" ]; then
		san_reports=$(find "$san_dir" -type f -size +0 | sort)
		if [ -n "$san_reports" ]; then
			case "$t" in *.sh) p=0 s=0 ;; esac
			[ "$f" -eq 0 ] && f=1
		fi
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	total_skip=$((total_skip + s))
	status=ok
	[ "$f" -gt 0 ] && status=FAIL
	[ "$f" -eq 0 ] && [ "$p" -eq 0 ] && [ "$s" -gt 0 ] && status=SKIP
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then status="FAIL (timeout ${timeout_s}s)"; fi
	printf '%-28s %-6s %4d passed %3d failed %3d skipped  %6ss\n' \
		"$name" "$status" "$p" "$f" "$s" "$secs"
	if [ "$status" = SKIP ]; then
		grep -m3 -E 'SKIP' "$log" | sed 's/^/    /'
	fi
	if [ "$f" -gt 0 ]; then
		failed_names+=("$name")
		echo "---- $log (last 40 lines) ----"
		tail -n 40 "$log"
		echo "----"
		for r in $san_reports; do
			echo "---- sanitizer report $r (first 30 lines) ----"
			head -n 30 "$r"
			echo "----"
		done
	fi
done

if [ ${#failed_names[@]} -gt 0 ]; then
	echo "failed: ${failed_names[*]}"
fi
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ]
