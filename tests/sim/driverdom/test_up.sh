#!/bin/bash
# SPDX-License-Identifier: MIT
#
# rtdd up / status / down of examples/adas-ecu.yaml on rtdd-simhv, with
# small sparse disks:
#   1. up admits, creates the pools and domains, applies RTDS, runs
#      rtdd-devd in both driver domains and rtdd-guest in both guests;
#      a second up is refused while it is up;
#   2. status (text and --json) shows every domain running with the plan's
#      RTDS parameters, every vbd Connected on both sides with
#      hotplug-status connected and live latency counters (the guests write
#      and verify);
#   3. the blkback of dd-blk is killed with SIGKILL: devd restarts it, the
#      guests reconnect and keep writing with no error;
#   4. down stops everything (the processes are gone), status and a second
#      down say it is not up;
#   5. an infeasible manifest is refused and starts nothing.
# Exit 0 pass, 77 skip (reason last), else fail.
set -u
O=${O:-build}
rtdd="$O/bin/rtdd"
m=examples/adas-ecu.yaml
tmp=$(mktemp -d /tmp/rtdd-up-test.XXXXXX)
export RTDD_RUN_DIR="$tmp/run"
run="$RTDD_RUN_DIR/adas-ecu"
fail=0
bad() {
	echo "FAIL: $*"
	fail=1
}
skip() {
	echo "SKIP: $*"
	exit 77
}
cleanup() {
	"$rtdd" down "$m" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT

for b in rtdd rtdd-simhv rtdd-devd rtdd-guest rtdd-blkback; do
	[ -x "$O/bin/$b" ] || skip "$b not built (liburing missing?)"
done

# The line of `rtdd status` for a guest's device (GUEST KIND).
dev_line() {
	"$rtdd" status "$m" 2>&1 | awk -v g="$1" -v k="$2" '$1 == g && $2 == k'
}
# Field n of that line (8 p50, 9 p99, 10 max, 11 ios, 12 errors, 13 reco).
dev_field() {
	dev_line "$1" "$2" | awk -v n="$3" '{ print $n }'
}

# ---- 1. up ----------------------------------------------------------------
"$rtdd" up "$m" --hv sim --sim-disk-dir "$tmp/disks" --sim-disk-size 8M \
	--io-mode event --probe-ms 5 --probe-write >"$tmp/up.out" 2>&1
up_rc=$?
cat "$tmp/up.out"
grep -q "ADMITTED" "$tmp/up.out" || bad "up did not print the admission"
grep -q "run dir $run" "$tmp/up.out" || bad "up did not print the run dir"
if [ -x "$O/bin/rtdd-netback" ]; then
	[ $up_rc -eq 0 ] || bad "up exit $up_rc"
	grep -q "every device connected" "$tmp/up.out" ||
		bad "up: not every device connected"
else
	# without a netback the vifs are refused by devd, visibly
	[ $up_rc -eq 1 ] || bad "up exit $up_rc with no rtdd-netback"
	grep -q "2 device(s) in error" "$tmp/up.out" || bad "up hid the vif errors"
fi
for img in adas-xvda infotainment-xvda; do
	f="$tmp/disks/$img.img"
	[ -f "$f" ] || bad "$f not created"
	[ "$(stat -c %s "$f" 2>/dev/null)" = 8388608 ] || bad "$f is not 8 MiB"
done
grep -q "^port vif.* vif rt vlan 10 pcp 6" "$run/dd-net.netsw.conf" ||
	bad "dd-net switch configuration lacks adas's RT port"
"$rtdd" up "$m" --hv sim --sim-disk-dir "$tmp/disks" >"$tmp/up2.out" 2>&1 &&
	bad "a second up succeeded"
grep -q "already up" "$tmp/up2.out" || bad "second up: $(cat "$tmp/up2.out")"

# ---- 2. status ------------------------------------------------------------
for _ in $(seq 100); do
	n=$(dev_field adas vbd 11)
	[ -n "$n" ] && [ "$n" != "-" ] && [ "$n" -gt 20 ] && break
	sleep 0.1
done
"$rtdd" status "$m" >"$tmp/st.out" 2>&1 || bad "status exit $?"
cat "$tmp/st.out"
grep -Eq '^  dd-net +[0-9]+ running +driver-domain +rt +0 +300 +95 +yes' "$tmp/st.out" || bad "dd-net RTDS"
grep -Eq '^  dd-blk +[0-9]+ running +driver-domain +rt +0 +500 +50 +yes' "$tmp/st.out" || bad "dd-blk RTDS"
grep -Eq '^  adas +[0-9]+ running +rt-guest +rt +0 +700 +479 +no' "$tmp/st.out" || bad "adas vcpu 0 RTDS"
grep -Eq '^ +1 +700 +479 +no' "$tmp/st.out" || bad "adas vcpu 1 RTDS"
grep -Eq '^  infotainment +[0-9]+ running +best-effort +Pool-0' "$tmp/st.out" || bad "infotainment"
grep -q "DIFFERS FROM PLAN" "$tmp/st.out" && bad "RTDS differs from the plan"
for g in adas infotainment; do
	l=$(dev_line $g vbd)
	echo "$l" | grep -Eq "xvda +dd-blk +Connected +Connected +connected" ||
		bad "$g vbd: $l"
	ios=$(echo "$l" | awk '{ print $11 }')
	errs=$(echo "$l" | awk '{ print $12 }')
	[ "$ios" != "-" ] && [ "$ios" -gt 0 ] || bad "$g: no latency counters"
	[ "$errs" = 0 ] || bad "$g: $errs probe errors"
	echo "$l" | awk '{ exit !($8 > 0 && $9 >= $8 && $10 >= $9) }' ||
		bad "$g: p50/p99/max not ordered: $l"
done
grep -Eq '^  dd-blk +vbd +running +[0-9]+ +0 ' "$tmp/st.out" || bad "dd-blk blkback not running"
"$rtdd" status "$m" --json >"$tmp/st.json" 2>&1 || bad "status --json exit $?"
if command -v python3 >/dev/null; then
	python3 - "$tmp/st.json" <<'PY' || bad "status --json: $(cat "$tmp/st.json")"
import json, sys
d = json.load(open(sys.argv[1]))
doms = {x["name"]: x for x in d["domains"]}
assert all(x["state"] == "running" for x in d["domains"])
for n in ("dd-net", "dd-blk", "adas"):
    assert all(v["as_planned"] for v in doms[n]["vcpus"]), n
vbds = [x for x in d["devices"] if x["kind"] == "vbd"]
assert len(vbds) == 2
for x in vbds:
    assert x["backend_state"] == "Connected" and x["hotplug_status"] == "connected", x
    assert x["probe"]["count"] > 0 and x["probe"]["errors"] == 0, x
PY
fi

# ---- 3. the blkback dies --------------------------------------------------
pid=$(awk '$1 == "dd-blk" && $2 == "vbd" { print $4 }' "$tmp/st.out")
before=$(dev_field adas vbd 11)
kill -9 "$pid" || bad "no blkback pid ($pid)"
ok=0
for _ in $(seq 150); do
	st=$("$rtdd" status "$m" 2>&1)
	r=$(echo "$st" | awk '$1 == "dd-blk" && $2 == "vbd" { print $5 }')
	n=$(echo "$st" | awk '$1 == "adas" && $2 == "vbd" { print $11 }')
	reco=$(echo "$st" | awk '$1 == "adas" && $2 == "vbd" { print $13 }')
	if [ "$r" = 1 ] && [ "$reco" != "-" ] && [ "$reco" -ge 1 ] &&
		[ "$n" -gt "$before" ]; then
		ok=1
		break
	fi
	sleep 0.1
done
echo "$st"
[ $ok = 1 ] || bad "no restart + reconnect + progress after kill -9 (restarts $r, reconnects $reco, ios $before -> $n)"
for g in adas infotainment; do
	e=$(echo "$st" | awk -v g=$g '$1 == g && $2 == "vbd" { print $12 }')
	[ "$e" = 0 ] || bad "$g: $e probe errors after the restart"
done
grep -q "killed by signal 9" "$run/dd-blk.log" || bad "devd did not log the crash"

# ---- 4. down --------------------------------------------------------------
pids=$(sed -n 's/.*(pid \([0-9]*\),.*/\1/p' "$tmp/up.out")
newpid=$(echo "$st" | awk '$1 == "dd-blk" && $2 == "vbd" { print $4 }')
"$rtdd" down "$m" >"$tmp/down.out" 2>&1 || bad "down exit $?"
grep -q "is down" "$tmp/down.out" || bad "down: $(cat "$tmp/down.out")"
for _ in $(seq 50); do
	alive=""
	for p in $pids $newpid; do
		kill -0 "$p" 2>/dev/null && alive="$alive $p"
	done
	[ -z "$alive" ] && break
	sleep 0.1
done
[ -z "$alive" ] || bad "processes left after down:$alive"
[ -e "$run/rtdd-up.state" ] && bad "state file left after down"
"$rtdd" status "$m" >"$tmp/st2.out" 2>&1 && bad "status of a down manifest succeeded"
grep -q "not up" "$tmp/st2.out" || bad "status when down: $(cat "$tmp/st2.out")"
"$rtdd" down "$m" >"$tmp/down2.out" 2>&1 && bad "second down succeeded"
grep -q "not up" "$tmp/down2.out" || bad "second down: $(cat "$tmp/down2.out")"

# ---- 5. refused -----------------------------------------------------------
cat >"$tmp/over.yaml" <<'EOF'
name: over
pcpus: 2
domains:
  - {name: g1, role: rt-guest, rtds: {period: 10ms, budget: 9ms}}
  - {name: g2, role: rt-guest, rtds: {period: 10ms, budget: 9ms}}
  - {name: g3, role: rt-guest, rtds: {period: 10ms, budget: 9ms}}
EOF
"$rtdd" up "$tmp/over.yaml" --hv sim >"$tmp/over.out" 2>&1 && bad "infeasible manifest brought up"
grep -q "refused" "$tmp/over.out" || bad "no refusal: $(cat "$tmp/over.out")"
[ -e "$RTDD_RUN_DIR/over" ] && bad "refused manifest made a run dir"

[ $fail = 0 ] && echo "PASS: up/status/down of $m on sim"
exit $fail
