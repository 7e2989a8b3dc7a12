#!/bin/bash
# SPDX-License-Identifier: MIT
#
# net_rtdd in unmodified DPDK applications, loaded with EAL -d:
#   1. Debian's dpdk-testpmd forwards on a net_rtdd loopback port (io mode,
#      tx-first): frames go round, the counters at exit add up;
#   2. rtdd-pktlat measures the same port (loopback mode, payload checks);
#   3. bad vdev arguments are refused at probe with a message, no crash;
#   4. EAL refuses the plugin from a world-writable directory, as the docs
#      say (so nobody loses an afternoon to it).
# Exit 0 pass, 77 skip (reason last), else fail.
set -u
O=${O:-build}
so="$O/lib/dpdk-pmds/librte_net_rtdd.so"
tmp=$(mktemp -d /tmp/rtdd-pmd-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() {
	echo "FAIL: $*"
	fail=1
}
skip() {
	echo "SKIP: $*"
	exit 77
}

[ -f "$so" ] || skip "net_rtdd not built ($so missing: libdpdk or the SDK headers unavailable)"

# EAL refuses a plugin below any world-writable directory (a clone under
# /tmp): stage it where EAL accepts it, /run as root, else ~/.cache.
path_safe() {
	local d
	d=$(dirname "$(readlink -f "$1")")
	while :; do
		[ -n "$(find "$d" -maxdepth 0 -perm -o+w 2>/dev/null)" ] && return 1
		[ "$d" = / ] && return 0
		d=$(dirname "$d")
	done
}
if ! path_safe "$so"; then
	if [ "$(id -u)" = 0 ]; then base=/run; else base=$HOME/.cache; mkdir -p "$base"; fi
	stage=$(mktemp -d "$base/rtdd-pmd.XXXXXX") || skip "cannot stage $so outside world-writable directories"
	cp "$so" "$stage/" && so="$stage/$(basename "$so")"
	trap 'rm -rf "$tmp" "$stage"' EXIT
	path_safe "$so" || skip "no directory EAL accepts for the plugin ($stage)"
fi
command -v dpdk-testpmd >/dev/null || skip "dpdk-testpmd not installed (package dpdk)"

EAL=(--no-huge -m 512 --no-pci --log-level=error)

# 1. testpmd, io forwarding on one loopback port; "enter" after 2 s.
(sleep 2; echo) | timeout 60 dpdk-testpmd -l 0,1 "${EAL[@]}" \
	--file-prefix=rtdd-tp$$ -d "$so" --vdev=net_rtdd0,loopback=1 -- \
	--tx-first --forward-mode=io --nb-cores=1 --total-num-mbufs=4096 \
	>"$tmp/testpmd.log" 2>&1
rc=$?
[ $rc -eq 0 ] || { bad "testpmd exit $rc"; tail -20 "$tmp/testpmd.log"; }
rx=$(sed -n '/Accumulated/,$ s/^ *RX-packets: *\([0-9]*\).*/\1/p' "$tmp/testpmd.log" | head -n1)
tx=$(sed -n '/Accumulated/,$ s/^ *TX-packets: *\([0-9]*\).*/\1/p' "$tmp/testpmd.log" | head -n1)
grep -q "Port 0 is closed" "$tmp/testpmd.log" || bad "testpmd did not close port 0 cleanly"
if [ -z "$rx" ] || [ -z "$tx" ]; then
	bad "no forward statistics in the testpmd output"
	tail -20 "$tmp/testpmd.log"
else
	[ "$rx" -gt 64 ] || bad "testpmd forwarded only $rx frames"
	# In flight at exit: at most the one tx-first burst of 32.
	[ $((tx - rx)) -ge 0 ] && [ $((tx - rx)) -le 32 ] ||
		bad "testpmd: tx $tx vs rx $rx differ by more than one burst"
	echo "ok: testpmd forwarded $rx frames on net_rtdd"
fi

# 2. rtdd-pktlat on the same kind of port.
if [ -x "$O/bin/rtdd-pktlat" ]; then
	"$O/bin/rtdd-pktlat" -l 0 "${EAL[@]}" --file-prefix=rtdd-pl$$ -d "$so" \
		--vdev=net_rtdd0,loopback=1,queues=2 -- -m loopback -n 10000 \
		--json "$tmp/pl.json" >"$tmp/pl.log" 2>&1 ||
		{ bad "rtdd-pktlat on net_rtdd: exit $?"; cat "$tmp/pl.log"; }
	grep -q '"received": 10000,' "$tmp/pl.json" 2>/dev/null ||
		bad "rtdd-pktlat on net_rtdd: not every frame came back"
	grep -q '"corrupt": 0,' "$tmp/pl.json" 2>/dev/null ||
		bad "rtdd-pktlat on net_rtdd: corrupt frames"
	echo "ok: rtdd-pktlat on net_rtdd"
fi

# 3. Bad arguments: probe fails with a message, the process exits cleanly.
for args in "loopback=2" "queues=0" "queues=17" "mac=ff:ff:ff:ff:ff:ff" \
	"nonsense=1" "loopback=1,queues=abc" ""; do
	out=$( (echo) | timeout 30 dpdk-testpmd -l 0,1 "${EAL[@]}" \
		--file-prefix=rtdd-tb$$ -d "$so" --vdev="net_rtdd0${args:+,$args}" \
		--log-level=pmd.net.rtdd:info -- --total-num-mbufs=2048 2>&1)
	rc=$?
	[ $rc -lt 128 ] || bad "'$args': testpmd died with signal $((rc - 128))"
	echo "$out" | grep -q "net_rtdd" ||
		bad "'$args': no net_rtdd message"
	echo "$out" | grep -q "net_rtdd: .*bad arguments\|net_rtdd: .*no data path" ||
		bad "'$args' was not refused"
done
echo "ok: bad vdev arguments refused"

# 4. World-writable plugin directory.
mkdir -p "$tmp/ww"
chmod 0777 "$tmp/ww"
cp "$so" "$tmp/ww/"
out=$( (echo) | timeout 30 dpdk-testpmd -l 0,1 "${EAL[@]}" --file-prefix=rtdd-tw$$ \
	-d "$tmp/ww" --vdev=net_rtdd0,loopback=1 -- --total-num-mbufs=2048 2>&1)
if echo "$out" | grep -q "world-writable"; then
	echo "ok: EAL refused the world-writable plugin directory"
else
	echo "note: this EAL did not complain about a world-writable plugin directory"
fi

[ $fail -eq 0 ] || exit 1
echo "pass"
exit 0
