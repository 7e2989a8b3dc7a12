#!/bin/bash
# SPDX-License-Identifier: MIT
# `rtdd analyze` / `rtdd simulate` end to end on examples/rtds: verdicts,
# exit codes, the located shortfall, JSON that parses, hostile input.
set -u
O=${O:-build}
RTDD=$O/bin/rtdd
EX=examples/rtds
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$RTDD" ] || { echo "SKIP: $RTDD not built"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

out=$("$RTDD" analyze $EX/ecu.yaml) || fail "ecu.yaml refused"
grep -q '^verdict: ADMITTED' <<<"$out" || fail "no ADMITTED line"
grep -q 'xl sched-rtds -d powertrain -v 0 -p [0-9]* -b [0-9]*' <<<"$out" || fail "no xl line"

out=$("$RTDD" analyze $EX/refused.yaml); rc=$?
[ $rc -eq 1 ] || fail "refused.yaml: exit $rc, want 1"
grep -q 'task fast, at t = 10000 us the demand 3000 exceeds the supply 2000' <<<"$out" ||
	fail "shortfall not located: $out"

"$RTDD" analyze --json $EX/multicore.yaml >"$tmp/a.json" || fail "multicore.yaml refused"
"$RTDD" simulate --json $EX/ecu.yaml >"$tmp/s.json" || fail "ecu.yaml misses deadlines"
if command -v python3 >/dev/null; then
	python3 -c 'import json,sys
a = json.load(open(sys.argv[1])); s = json.load(open(sys.argv[2]))
assert a["admitted"] and a["vms"][0]["interface"]["vcpus"] == 2
assert s["misses"] == 0 and len(s["vms"]) == 3' "$tmp/a.json" "$tmp/s.json" ||
		fail "JSON"
fi

# credit misses where RTDS does not (exit 1 = misses)
"$RTDD" simulate $EX/credit-vs-rtds.yaml >/dev/null || fail "RTDS missed"
"$RTDD" simulate --host credit $EX/credit-vs-rtds.yaml >"$tmp/c.txt"; rc=$?
[ $rc -eq 1 ] || fail "credit: exit $rc, want 1 (misses)"
"$RTDD" simulate --gantt=60 --horizon 20000 $EX/ecu.yaml | grep -q '^  cpu1  |' ||
	fail "no gantt"
"$RTDD" simulate --json --trace --horizon 5000 $EX/ecu.yaml >"$tmp/t.json" || fail "trace run"
if command -v python3 >/dev/null; then
	python3 -c 'import json,sys
t = json.load(open(sys.argv[1]))["trace"]
assert t and all(s[0] < s[1] <= 5000 and s[2] < 2 for s in t)' "$tmp/t.json" ||
		fail "trace JSON"
fi

# hostile input: a clear error and exit 2, never a crash
printf 'vms: [{tasks: [{period_us: 10, wcet_us: 11}]}]\n' >"$tmp/b1.yaml"
head -c 4096 /dev/urandom >"$tmp/b2.yaml"
printf 'pcpus: 2\nvms:\n  - name: a\n    tasks: [{period_us: 1e9, wcet_us: 1}]\n' >"$tmp/b3.yaml"
for f in "$tmp"/b*.yaml /nonexistent.yaml; do
	"$RTDD" analyze "$f" >/dev/null 2>"$tmp/err"; rc=$?
	[ $rc -eq 2 ] || fail "$f: exit $rc, want 2"
	grep -q 'rtdd: ERR' "$tmp/err" || fail "$f: no error message"
	"$RTDD" simulate "$f" >/dev/null 2>&1; rc=$?
	[ $rc -eq 2 ] || fail "simulate $f: exit $rc, want 2"
done
"$RTDD" analyze >/dev/null 2>&1; [ $? -eq 2 ] || fail "usage: want 2"
"$RTDD" simulate --host lottery $EX/ecu.yaml >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad --host"
echo "rtds cli: ok"
