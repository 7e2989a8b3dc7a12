#!/bin/bash
# SPDX-License-Identifier: MIT
#
# rtdd-netback's command line: configurations are checked with line
# numbers, bad options are refused with exit 2, a missing hypervisor is a
# clear message and exit 1. Exit 0 pass, 77 skip, else fail.
set -u
O=${O:-build}
nb="$O/bin/rtdd-netback"
[ -x "$nb" ] || { echo "SKIP: rtdd-netback not built (libdpdk missing?)"; exit 77; }
tmp=$(mktemp -d /tmp/rtdd-nbcli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

cat >"$tmp/ok.conf" <<'CONF'
# two guests and an uplink
switch unknown up0 rt-pcp-min 5
port vif1.0 rt budget 16
port vif2.0 be rate 100M burst 32k
port up0 uplink trunk vlan 1
mac 00:16:3e:00:00:01 vif1.0
mac 00:16:3e:00:00:02 vif2.0
CONF
out=$("$nb" --config "$tmp/ok.conf" --check 2>&1) || bad "--check of a good file: $out"
echo "$out" | grep -q "3 ports (1 uplinks)" || bad "--check says: $out"

printf 'port a\nmac 00:16:3e:00:00:01 b\n' >"$tmp/bad.conf"
out=$("$nb" --config "$tmp/bad.conf" --check 2>&1)
[ $? -eq 2 ] || bad "bad config: exit not 2"
echo "$out" | grep -q "line 2: unknown port 'b'" || bad "bad config says: $out"

out=$("$nb" 2>&1)
[ $? -eq 2 ] || bad "no --config: exit not 2"
out=$("$nb" --config "$tmp/ok.conf" --queues 99 2>&1)
[ $? -eq 2 ] || bad "--queues 99 accepted"
out=$("$nb" --config "$tmp/ok.conf" --uplink nonsense 2>&1)
[ $? -eq 2 ] || bad "--uplink without = accepted"
out=$("$nb" --config "$tmp/ok.conf" --mode sometimes 2>&1)
[ $? -eq 2 ] || bad "--mode sometimes accepted"
echo "$out" | grep -q "event, poll or hybrid" || bad "bad --mode says: $out"
out=$("$nb" --config "$tmp/ok.conf" --mode hybrid --spin-us -3 2>&1)
[ $? -eq 2 ] || bad "--spin-us -3 accepted"
# A good --mode gets as far as the hypervisor (none here).
out=$(env -u RTDD_SIM_DIR "$nb" --config "$tmp/ok.conf" --mode event \
	--spin-us 10 --hv sim 2>&1)
[ $? -eq 1 ] || bad "--mode event refused: $out"
out=$("$nb" --config "$tmp/nonexistent.conf" 2>&1)
[ $? -eq 2 ] || bad "missing file: exit not 2"
echo "$out" | grep -q "No such file" || bad "missing file says: $out"

# No hypervisor: a message that says what to set up, exit 1.
out=$(env -u RTDD_SIM_DIR "$nb" --config "$tmp/ok.conf" --hv sim 2>&1)
rc=$?
[ $rc -eq 1 ] || bad "no hypervisor: exit $rc, not 1 ($out)"
[ -n "$out" ] || bad "no hypervisor: no message"

[ $fail -eq 0 ] || exit 1
echo "pass"
