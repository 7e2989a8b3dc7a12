#!/bin/bash
# SPDX-License-Identifier: MIT
# make demo: the main job on the embedded simulated hypervisor. Each step
# says what it shows; figures are ratios against same-run baselines.
set -euo pipefail
O=${O:-build}
out="$O/demo"
mkdir -p "$out"
rtdd="$O/bin/rtdd"

step() { printf '\n== %s\n' "$*"; }

step "admission: an ADAS ECU (RT guest, net and blk driver domains, infotainment) -> RTDS interfaces and xl configs"
"$rtdd" plan examples/adas-ecu.yaml -o "$out/adas-ecu-plan"

step "hypervisor seam: rtdd-simhv with two domains sharing granted pages and event channels"
"$rtdd" bench hv --quick --out "$out"

echo
echo "demo results: $out (JSON and SVG plots)"
