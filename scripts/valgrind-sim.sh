#!/bin/bash
# SPDX-License-Identifier: MIT
# Runs the tests/sim cmocka binaries (simhv, xenstored, blk, net on simhv)
# under valgrind memcheck, children included (rtdd-simhv, backends), and
# fails on any memcheck error or any test failure.
#
#   make valgrind-sim [O=build]      or    O=build scripts/valgrind-sim.sh [test ...]
#
# Logs: $O/valgrind/<test>.log (test output) and <test>.vg.<pid> (one per
# process). Definite leaks count as errors; "still reachable" does not.
# scripts/valgrind.supp suppresses what is not rtdd's (DPDK's plugins).
# VALGRIND_TIMEOUT (seconds per test, default 1800) bounds each run.
# VALGRIND_SKIP lists tests left out (default: test_net_uplink; EAL and the
# memif PMD do not run under valgrind: hugepage/IOVA probing, and memif's
# interrupt thread dies on a NULL write inside librte_net_memif).
# --fair-sched=yes: valgrind runs one thread of a process at a time, and
# its default lock lets a thread that spins without a syscall (a polled
# ring: a raw test frontend waiting for its response) take it back before
# the backend thread it waits for ever runs; test_blk_hostile then timed
# out after 5 s in every run. The ticket lock hands it round in turn.
# Valgrind 3.19 has no pidfd_open: rtdd-simhv then watches the processes
# it did not spawn through /proc (hv/sim/simhv/dom.c).
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
if ! command -v valgrind >/dev/null 2>&1; then
	echo "SKIP: valgrind not installed (apt-get install valgrind)"
	exit 77
fi
tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
	read -r -a tests <<<"$(make -s --no-print-directory O="$O" sim-test-list)"
fi
out="$O/valgrind"
mkdir -p "$out"
tmo=${VALGRIND_TIMEOUT:-1800}
# The hostile suites' well-behaved guest has a per-operation budget
# (tests/sim/hostile_probe.h); memcheck runs everything 20-50 times slower.
export RTDD_HOSTILE_BUDGET_MS=${RTDD_HOSTILE_BUDGET_MS:-10000}
skip=" ${VALGRIND_SKIP-test_net_uplink} "
fail=0
printf '%-24s %-6s %8s %8s %8s\n' test status errors procs secs
for t in "${tests[@]}"; do
	bin="$O/tests/$t"
	if [ "${skip#* $t }" != "$skip" ]; then
		printf '%-24s %-6s (DPDK: not run under valgrind, VALGRIND_SKIP)\n' "$t" SKIP
		continue
	fi
	if [ ! -x "$bin" ]; then
		printf '%-24s %-6s (not built: make O=%s build)\n' "$t" MISSING "$O"
		fail=1
		continue
	fi
	rm -f "$out/$t".vg.*
	start=$(date +%s)
	# Shell helpers and system tools the tests start are not ours to check.
	timeout -k 10 "$tmo" \
		valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite --show-leak-kinds=definite \
		--trace-children=yes \
		--trace-children-skip='/bin/*,/usr/bin/*,/usr/sbin/*,/sbin/*' \
		--track-fds=no --num-callers=30 --fair-sched=yes \
		--suppressions=scripts/valgrind.supp \
		--log-file="$out/$t.vg.%p" "$bin" >"$out/$t.log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	# Processes of this test that outlived it (a test that failed before
	# its cleanup) are ours to end: exactly the processes carrying this
	# test's --log-file argument.
	for c in /proc/[0-9]*/cmdline; do
		if { tr '\0' ' ' <"$c"; } 2>/dev/null | grep -qF -- "--log-file=$out/$t.vg."; then
			p=${c#/proc/}
			kill -9 "${p%/cmdline}" 2>/dev/null
		fi
	done
	errs=0 procs=0
	for f in "$out/$t".vg.*; do
		[ -f "$f" ] || continue
		procs=$((procs + 1))
		n=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$f" | tail -1)
		errs=$((errs + ${n:-0}))
	done
	status=ok
	if [ $errs -gt 0 ]; then status=ERRORS; fi
	if [ $rc -ne 0 ] && [ $status = ok ]; then status=FAIL; fi
	[ $rc -eq 124 ] && status=TIMEOUT
	printf '%-24s %-6s %8s %8s %8s\n' "$t" "$status" "$errs" "$procs" "$secs"
	if [ $status != ok ]; then
		fail=1
		grep -l 'ERROR SUMMARY: [1-9]' "$out/$t".vg.* 2>/dev/null | head -3 |
			while read -r f; do
				echo "    $f:"
				grep -m1 -A12 -E '^==[0-9]+== (Invalid|Conditional|Syscall|Mismatched|Source and|Use of|[0-9,]+ bytes in)' "$f" |
					sed 's/^/      /'
			done
		[ $rc -ne 0 ] && [ $errs -eq 0 ] && tail -5 "$out/$t.log" | sed 's/^/    /'
	fi
done
exit $fail
