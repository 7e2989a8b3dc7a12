#!/bin/bash
# SPDX-License-Identifier: MIT
#
# rtdd-pktlat on three kinds of DPDK port, as an integrator would run it:
#   1. net_ring without a peer: loopback mode in one process;
#   2. net_memif between two processes: reflector + ping, then rate mode;
#   3. net_af_packet over a veth pair in a network namespace this test
#      creates (root only), reflector in the namespace's other end.
# Checks are functional (every frame accounted for, payloads intact, JSON and
# SVG written), never on time. Exit 0 pass, 77 skip (reason last), else fail.
set -u
O=${O:-build}
B="$O/bin/rtdd-pktlat"
tmp=$(mktemp -d /tmp/rtdd-pktlat-test.XXXXXX)
ns=""
pids=()
fail=0

cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

skip() {
	echo "SKIP: $*"
	exit 77
}
bad() {
	echo "FAIL: $*"
	fail=1
}

[ -x "$B" ] || skip "rtdd-pktlat not built (libdpdk missing?)"
case ",${SAN:-}," in
*,thread,*) skip "SAN=thread: DPDK's drivers are not instrumented, so TSan reports races inside them (memif rings) that are not ours" ;;
esac
pmds=$(ls -d /usr/lib/*/dpdk/pmds-* 2>/dev/null | head -n1)
have_pmd() { [ -n "$pmds" ] && ls "$pmds"/librte_net_"$1".so* >/dev/null 2>&1; }

EAL=(--no-huge -m 256 --no-pci --log-level=error)

# json_get FILE KEY -> value of a top-level number
json_get() { sed -n "s/^  \"$2\": \([0-9.]*\),\{0,1\}$/\1/p" "$1" | head -n1; }

check_run() { # name json count
	local name=$1 j=$2 n=$3 sent recv lost corrupt dup p50
	[ -s "$j" ] || { bad "$name: no JSON"; return; }
	sent=$(json_get "$j" sent)
	recv=$(json_get "$j" received)
	lost=$(json_get "$j" lost)
	corrupt=$(json_get "$j" corrupt)
	dup=$(json_get "$j" duplicates)
	[ "$sent" = "$n" ] || bad "$name: sent $sent, expected $n"
	[ "${corrupt:-x}" = 0 ] || bad "$name: $corrupt corrupt payloads"
	[ "${dup:-x}" = 0 ] || bad "$name: $dup duplicates"
	[ -n "$recv" ] && [ "$recv" -gt 0 ] || bad "$name: nothing received"
	# Every measured frame is received, lost, late or corrupt: nothing
	# may vanish from the books.
	late=$(json_get "$j" late)
	[ $((recv + lost + late + corrupt)) -ge "$n" ] ||
		bad "$name: $recv + $lost + $late + $corrupt < $n"
	p50=$(sed -n '/"rtt"/,/}/s/.*"p50_ns": \([0-9]*\).*/\1/p' "$j")
	[ -n "$p50" ] && [ "$p50" -gt 0 ] || bad "$name: no RTT p50"
	echo "ok: $name: $recv/$sent received, rtt p50 ${p50} ns"
}

# Wait until the reflector whose log is $1 is polling its port (EAL
# start-up took several seconds on a loaded 2-CPU machine), up to 60 s.
wait_reflector() {
	local i
	for ((i = 0; i < 600; i++)); do
		grep -q "reflecting on port" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	bad "reflector not up after 60 s: $(tail -n 3 "$1")"
	return 1
}

ran=0

# 1. net_ring loopback in one process.
if have_pmd ring; then
	"$B" -l 0 "${EAL[@]}" --file-prefix=pl-ring$$ --vdev=net_ring0 -- \
		-m loopback -n 5000 -w 100 --json "$tmp/ring.json" \
		--svg "$tmp/ring.svg" >"$tmp/ring.log" 2>&1 ||
		{ bad "ring: exit $?"; cat "$tmp/ring.log"; }
	check_run ring "$tmp/ring.json" 5000
	grep -q '<svg' "$tmp/ring.svg" 2>/dev/null || bad "ring: no SVG"
	ran=$((ran + 1))
else
	echo "note: net_ring PMD not installed, ring case skipped"
fi

# 2. net_memif between two processes.
if have_pmd memif; then
	sock="/run/rtdd-pktlat-$$.sock"
	"$B" -l 0 "${EAL[@]}" --file-prefix=pl-mr$$ \
		--vdev=net_memif0,role=server,socket="$sock" -- \
		-m reflect --idle-exit 30 --duration 300 --json "$tmp/refl.json" \
		>"$tmp/refl.log" 2>&1 &
	pids+=($!)
	wait_reflector "$tmp/refl.log"
	"$B" -l 1 "${EAL[@]}" --file-prefix=pl-mp$$ \
		--vdev=net_memif0,role=client,socket="$sock" -- \
		-m ping -n 20000 --one-way --json "$tmp/memif.json" \
		--svg "$tmp/memif.svg" >"$tmp/memif.log" 2>&1 ||
		{ bad "memif ping: exit $?"; cat "$tmp/memif.log"; }
	check_run "memif ping" "$tmp/memif.json" 20000
	grep -q '"one_way_fwd"' "$tmp/memif.json" || bad "memif: no one-way figures"
	"$B" -l 1 "${EAL[@]}" --file-prefix=pl-mp$$ \
		--vdev=net_memif0,role=client,socket="$sock" -- \
		-m rate -r 20000 -n 20000 --json "$tmp/memif-rate.json" \
		>"$tmp/memif-rate.log" 2>&1 ||
		{ bad "memif rate: exit $?"; cat "$tmp/memif-rate.log"; }
	check_run "memif rate" "$tmp/memif-rate.json" 20000
	wait "${pids[0]}" || bad "memif reflector: exit $?"
	pids=()
	# Every reply the two clients received was reflected (a loaded
	# machine may drop frames in rate mode, never invent them).
	r=$(json_get "$tmp/refl.json" received)
	a=$(json_get "$tmp/memif.json" received)
	b=$(json_get "$tmp/memif-rate.json" received)
	want=$((${a:-0} + ${b:-0}))
	[ "${r:-0}" -ge "$want" ] || bad "memif reflector saw ${r:-0} frames, the clients got $want replies"
	# Each client said BYE and the reflector parked before it left (the
	# memif PMD unmaps rings under a polling peer otherwise).
	y=$(json_get "$tmp/refl.json" byes)
	[ "${y:-0}" -eq 2 ] || bad "memif reflector saw ${y:-0} BYEs, want 2"
	ran=$((ran + 1))
else
	echo "note: net_memif PMD not installed, memif case skipped"
fi

# 3. net_af_packet over a veth pair in a namespace of our own.
if [ "$(id -u)" != 0 ]; then
	echo "note: not root, af_packet/veth case skipped"
elif ! have_pmd af_packet; then
	echo "note: net_af_packet PMD not installed, veth case skipped"
elif ! ip netns add "rtdd-pl$$" 2>/dev/null; then
	echo "note: cannot create a network namespace, veth case skipped"
else
	ns="rtdd-pl$$"
	ipn() { ip netns exec "$ns" "$@"; }
	if ipn ip link add pla type veth peer name plb &&
		ipn sysctl -qw net.ipv6.conf.all.disable_ipv6=1 &&
		ipn ip link set pla up && ipn ip link set plb up; then
		# Not through ipn: $! must be the reflector itself, not a
		# subshell that a kill would leave it running behind.
		ip netns exec "$ns" "$B" -l 0 "${EAL[@]}" --file-prefix=pl-ar$$ \
			--vdev=net_af_packet0,iface=plb -- -m reflect \
			--idle-exit 30 --duration 300 >"$tmp/afr.log" 2>&1 &
		pids+=($!)
		wait_reflector "$tmp/afr.log"
		ipn "$B" -l 1 "${EAL[@]}" --file-prefix=pl-ap$$ \
			--vdev=net_af_packet0,iface=pla -- -m ping -n 5000 \
			--json "$tmp/af.json" >"$tmp/af.log" 2>&1 ||
			{ bad "af_packet ping: exit $?"; cat "$tmp/af.log"; }
		check_run "af_packet/veth ping" "$tmp/af.json" 5000
		kill "${pids[0]}" 2>/dev/null
		wait 2>/dev/null
		pids=()
		# Nobody reflecting now: ping gives up with the reason.
		if ipn "$B" -l 1 "${EAL[@]}" --file-prefix=pl-ap$$ \
			--vdev=net_af_packet0,iface=pla -- -m ping -n 5000 \
			-t 10 >"$tmp/af-none.log" 2>&1; then
			bad "af_packet ping without a peer exited 0: $(tail -n 3 "$tmp/af-none.log")"
		elif ! grep -q "no reply to the first 50 pings" "$tmp/af-none.log"; then
			bad "af_packet ping without a peer: $(tail -n 2 "$tmp/af-none.log")"
		else
			echo "ok: ping without a peer gives up with the reason"
		fi
		ran=$((ran + 1))
	else
		bad "cannot set up the veth pair in $ns"
	fi
fi

[ $fail -eq 0 ] || exit 1
[ $ran -gt 0 ] || skip "no usable DPDK vdev (net_ring, net_memif, net_af_packet) installed"
echo "pass: $ran port kinds"
exit 0
