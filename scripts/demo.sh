#!/bin/bash
# SPDX-License-Identifier: MIT
# make demo: the main job on the embedded simulated hypervisor. Each step
# says what it shows; latency figures are ratios against same-run baselines
# (docs/bench.md) on whatever machine this is, so read them as such.
set -euo pipefail
O=${O:-build}
out="$O/demo"
rm -rf "$out"
mkdir -p "$out"
rtdd="$O/bin/rtdd"
mf=examples/adas-ecu.yaml
run="$out/run"

step() { printf '\n== %s\n' "$*"; }
cleanup() { "$rtdd" down "$mf" --hv sim --run-dir "$run" >/dev/null 2>&1 || true; }
trap cleanup EXIT

step "1. admission: $mf (an ADAS RT guest, its net and blk driver domains, an infotainment guest)"
"$rtdd" plan "$mf" -o "$out/plan"

step "2. the ECU on rtdd-simhv: cpupools, domains with their RTDS budgets, rtdd-devd in each driver domain, the guests' disks"
"$rtdd" up "$mf" --hv sim --run-dir "$run" --sim-disk-dir "$out/disks" \
	--sim-disk-size 32M --probe-ms 2
sleep 3 # let the guests' periodic disk probes collect samples
"$rtdd" status "$mf" --hv sim --run-dir "$run"
"$rtdd" status "$mf" --hv sim --run-dir "$run" --json >"$out/status.json"
"$rtdd" down "$mf" --hv sim --run-dir "$run"

step "3. block latency: 4 KiB random reads through the driver domain (polled and event-driven) vs a direct O_DIRECT pread"
"$rtdd" bench blk --samples 5000 --reps 3 --secs 2 --out "$out"

if "$rtdd" bench --help 2>/dev/null | grep -q '^  net '; then
	step "4. network: RTT through netfront -> netback -> RT switch vs DPDK memif; an RT vif under a best-effort flood vs the event-driven shared backend"
	"$rtdd" bench net --samples 3000 --rounds 3 --out "$out" || echo "(bench net did not complete: see above)"
fi

step "5. the hypervisor primitives underneath: event channels, granted pages, grant map and copy vs plain Linux"
"$rtdd" bench hv --quick --out "$out"

echo
echo "demo results in $out: plan/ (xl configs, apply.sh, report), status.json,"
echo "bench-*.json with every percentile and bench-*.svg plots of the distributions"
