# SPDX-License-Identifier: MIT
# Xen lab, dom0 side: brings up the toolstack, checks the hypervisor's
# schedulers, sets up the RTDS cpupool, creates the driver domain and the
# guest from /lab/*.cfg, and relays the steps those domains run from their
# console logs. Every step ends in a marker that run.sh reads.
. /lab/common.sh

conlog=/var/log/xen/console
dd_mac=00:16:3e:00:00:01

dom0_boot() {
	xen_userspace || return 1
	grep -q control_d /proc/xen/capabilities || {
		echo "not the control domain"
		return 1
	}
	xenstored --pid-file /run/xenstored.pid || return 1
	wait_for 20 xenstore-read / >/dev/null || {
		ps
		ls -l /run/xenstored /dev/xen /proc/xen
		xenstore-read /
		echo "xenstored does not answer"
		return 1
	}
	xen-init-dom0 || return 1
	xenconsoled --pid-file=/run/xenconsoled.pid --log=guest \
		--log-dir=$conlog || return 1
	xl list || return 1
	echo "dom0 $(uname -r), xenstored, xenconsoled, xl list"
}

dom0_nic() {
	# The NIC that stays with dom0; the other is hidden by xen-pciback.
	if [ "$PT" = 1 ]; then
		# busybox modprobe does not read module options from
		# /proc/cmdline: pass hide= here.
		modprobe xen-pciback "hide=($PT_BDF)" || return 1
		[ -e "/sys/bus/pci/drivers/pciback/$PT_BDF" ] || {
			echo "$PT_BDF is not bound to pciback"
			return 1
		}
	fi
	mod e1000e || return 1
	no_dad
	for n in /sys/class/net/*; do
		[ "$(cat "$n/address")" = "$DOM0_NIC_MAC" ] && nic=${n##*/}
	done
	[ -n "${nic:-}" ] || {
		echo "dom0 NIC $DOM0_NIC_MAC not found"
		return 1
	}
	ip link set "$nic" up || return 1
	if [ "$PT" = 1 ]; then
		echo "dom0 NIC $nic up, $PT_BDF held by pciback"
	else
		echo "dom0 NIC $nic up"
	fi
}

xen_info() {
	xl info >/tmp/xl-info || return 1
	v=$(awk -F': ' '/^xen_version/ { print $2 }' /tmp/xl-info)
	s=$(awk -F': ' '/^xen_scheduler/ { print $2 }' /tmp/xl-info)
	c=$(awk -F': ' '/^nr_cpus/ { print $2 }' /tmp/xl-info)
	[ -n "$v" ] || return 1
	echo "Xen $v, $c pCPUs, Pool-0 scheduler $s"
}

# An empty cpupool per scheduler: creating one fails for a scheduler the
# hypervisor was built without (Debian's binary one has only credit/credit2).
schedulers() {
	for s in rtds null arinc653; do
		xl cpupool-create "name=\"probe_$s\"" "sched=\"$s\"" 'cpus=[]' || {
			echo "scheduler $s missing in the hypervisor"
			return 1
		}
		xl cpupool-list | grep -q "probe_$s" || return 1
		xl cpupool-destroy "probe_$s" || return 1
	done
	echo "rtds, null and arinc653 cpupools created and destroyed"
}

cpupool_rt() {
	xl cpupool-cpu-remove Pool-0 1 || return 1
	xl cpupool-create 'name="rt"' 'sched="rtds"' 'cpus=["1"]' || return 1
	xl cpupool-list -c
	line=$(xl cpupool-list | awk '$1 == "rt"')
	echo "$line" | grep -q rtds || {
		echo "pool rt is not rtds: $line"
		return 1
	}
	echo "cpupool rt: rtds on pCPU 1, Pool-0 keeps pCPU 0"
}

dd_create() {
	if [ "$PT" = 1 ]; then
		xl create /lab/dd.cfg "pci=[ '$PT_BDF' ]" || return 1
	else
		xl create /lab/dd.cfg || return 1
	fi
	xl list
	echo "dd created (domid $(xl domid dd))"
}

guest_create() {
	xl create /lab/guest.cfg || return 1
	xl list
	echo "guest created (domid $(xl domid guest))"
}

# sched_rtds DOM PERIOD BUDGET EXTRATIME: applies and reads back.
sched_rtds() {
	d=$1 p=$2 b=$3 e=$4
	xl sched-rtds -d "$d" -v all -p "$p" -b "$b" -e "$e" || return 1
	xl sched-rtds -d "$d" -v all | tee /tmp/rtds.$d
	want_e=no
	[ "$e" = 1 ] && want_e=yes
	got=$(awk -v d="$d" '$1 == d { print $4, $5, $6 }' /tmp/rtds.$d)
	[ -n "$got" ] || {
		echo "no RTDS parameters for $d"
		return 1
	}
	echo "$got" | while read -r gp gb ge; do
		[ "$gp $gb $ge" = "$p $b $want_e" ] || {
			echo "read back $gp/$gb/$ge, set $p/$b/$want_e"
			return 1
		}
	done || return 1
	echo "$d: period $p us, budget $b us, extratime $want_e read back"
}

# relay DOM STEP [SECONDS]: waits for STEP's result in DOM's console log
# and reports it as dom0's own marker (the timing is dom0's view).
relay() {
	dom=$1 name=$2 secs=${3:-120}
	log="$conlog/guest-$dom.log"
	begin "$name"
	t0=$(up)
	n=$((secs * 5))
	while [ $n -gt 0 ]; do
		line=$(tr -d '\r' <"$log" 2>/dev/null |
			grep -E "LAB: (PASS|FAIL|SKIP) $name( |\$)" | tail -n 1)
		if [ -n "$line" ]; then
			rest=${line#*LAB: }
			st=${rest%% *}
			rest=${rest#"$st" "$name"}
			if [ "$st" = FAIL ]; then
				tr -d '\r' <"$log" | grep -F "[$name]" | sed "s/^/  [$dom] /"
			fi
			result "$st" "$name" "[$dom]${rest}"
			[ "$st" = FAIL ] && return 1
			return 0
		fi
		if tr -d '\r' <"$log" 2>/dev/null | grep -q "Kernel panic"; then
			break
		fi
		sleep 0.2
		n=$((n - 1))
	done
	echo "---- tail of $dom's console ($log)"
	tr -d '\r' <"$log" 2>/dev/null | tail -n 40 | sed "s/^/  [$dom] /"
	echo "----"
	result FAIL "$name" "[$dom] no result after $(since "$t0") s"
	return 1
}

backend_state() {
	kind=$1 dev=$2
	ddid=$(xl domid dd) gid=$(xl domid guest)
	p=/local/domain/$ddid/backend/$kind/$gid/$dev/state
	s=$(xenstore-read "$p") || {
		echo "no $p"
		return 1
	}
	[ "$s" = 4 ] || {
		echo "$p = $s, want 4 (Connected)"
		return 1
	}
	echo "$p = 4 (Connected)"
}

teardown() {
	for d in guest dd; do
		if xl domid "$d" >/dev/null 2>&1; then
			xl destroy "$d" || return 1
		fi
	done
	wait_for 20 sh -c '[ "$(xl list | wc -l)" = 2 ]' || {
		xl list
		echo "domains still listed"
		return 1
	}
	echo "guest and dd destroyed, only Domain-0 left"
}

# ---- rtdd's block path against Linux's ----------------------------------
# The kernel-only steps leave dd with Linux blkback/netback and xl devd and
# the guest with Linux blkfront. Then, in this order:
#   linux-blkback-rtdd-blkfront: the guest's xvda and vif detached, Linux
#     blkfront unloaded in the guest, a vbd (xvdc, /dev/loop0) attached with
#     Linux blkback behind it, driven by librtdd-blkfront (rtdd-guest);
#   rtdd-blkback-linux-blkfront: xvdc detached, dd switched to rtdd-devd
#     (xl devd stopped, xen-blkback unloaded), Linux blkfront loaded again
#     and a vbd (xvdb, /dev/loop1) attached that rtdd-blkback serves.
# Each domU step runs when dom0 writes its name to rtdd-lab/phase.

ask() { xenstore-write "/local/domain/$(xl domid "$1")/rtdd-lab/phase" "$2"; }

# gone DOM-PATH: waits until a xenstore node has disappeared.
gone() { wait_for 40 sh -c "! xenstore-read '$1' >/dev/null 2>&1"; }

kernel_detach() {
	ddid=$(xl domid dd) gid=$(xl domid guest)
	xl block-detach guest xvda || return 1
	gone "/local/domain/$ddid/backend/vbd/$gid/51712" || {
		echo "backend/vbd/$gid/51712 still in dd's tree"
		return 1
	}
	xl network-detach guest 0 || return 1
	gone "/local/domain/$ddid/backend/vif/$gid/0" || {
		echo "backend/vif/$gid/0 still in dd's tree"
		return 1
	}
	echo "guest's xvda and vif 0 detached (kernel backends released)"
}

# attach VDEV TARGET: a vbd of the guest served by dd.
attach() {
	ddid=$(xl domid dd) gid=$(xl domid guest)
	xl block-attach guest "backend=dd, vdev=$1, format=raw, access=rw, target=$2" || return 1
	xl block-list guest
	echo "$1 ($2 in dd) attached: /local/domain/$ddid/backend/vbd/$gid/$3 state $(xenstore-read "/local/domain/$ddid/backend/vbd/$gid/$3/state")"
}

detach() {
	ddid=$(xl domid dd) gid=$(xl domid guest)
	timeout 60 xl block-detach guest "$1"
	gone "/local/domain/$ddid/backend/vbd/$gid/$2" || {
		echo "backend/vbd/$gid/$2 still in dd's tree"
		return 1
	}
	echo "$1 detached"
}

# dd's xl devd and rtdd-devd logs and backend tree, when a step failed.
dd_log() {
	log="$conlog/guest-dd.log"
	dd_logs=$((${dd_logs:-0} + 1))
	tok=rtdd-log-$dd_logs
	ask dd $tok
	wait_for 30 sh -c "tr -d '\r' <$log | grep -q 'LAB: PASS dd-rtdd-log $tok'"
	echo "---- dd: xl devd, rtdd-devd, backends"
	tr -d '\r' <"$log" | grep -F "[$tok]" | sed 's/^/  [dd] /'
	echo "----"
}

skip() {
	why=$1
	shift
	for s in "$@"; do
		begin "$s"
		result SKIP "$s" "$why"
	done
}

rtdd_blk() {
	step kernel-devices-detach kernel_detach || {
		skip "needs kernel-devices-detach" linux-blkback-rtdd-blkfront \
			rtdd-blkback-linux-blkfront
		return 1
	}
	ask guest blkfront-unload
	if relay guest guest-blkfront-unload 60 &&
		step rtdd-blkfront-attach attach xvdc /dev/loop0 51744; then
		ask guest rtdd-blkfront
		relay guest linux-blkback-rtdd-blkfront 300 || dd_log
	else
		skip "needs guest-blkfront-unload and rtdd-blkfront-attach" \
			linux-blkback-rtdd-blkfront
	fi
	step rtdd-blkfront-detach detach xvdc 51744 || {
		skip "needs rtdd-blkfront-detach" rtdd-blkback-linux-blkfront
		return 1
	}
	ask dd rtdd-devd
	relay dd dd-rtdd-devd 60 || {
		skip "needs dd-rtdd-devd" rtdd-blkback-linux-blkfront
		return 1
	}
	ask guest blkfront-load
	if relay guest guest-blkfront-load 60 &&
		step rtdd-blkback-attach attach xvdb /dev/loop1 51728; then
		ask guest rtdd-blkback
		relay guest rtdd-blkback-linux-blkfront 300 &&
			step rtdd-blkback-state backend_state vbd 51728 && return 0
	else
		skip "needs guest-blkfront-load and rtdd-blkback-attach" \
			rtdd-blkback-linux-blkfront
	fi
	dd_log
	return 1
}

rtdd_net_pending() {
	begin rtdd-netback-linux-netfront
	result SKIP rtdd-netback-linux-netfront "not wired into the lab yet: rtdd-netback needs a switch configuration (--config) whose other port answers the ping, a second guest's vif or a DPDK uplink in dd (the dd image has no DPDK/EAL setup); the block pair came first"
	begin rtdd-netfront-linux-netback
	result SKIP rtdd-netfront-linux-netback "not wired into the lab yet: no guest program drives librtdd-netfront over Xen here (rtdd-guest lists vifs as not-probed; rtdd-pktlat needs DPDK EAL and the net_rtdd PMD in the guest image)"
}

# A failure that leaves nothing to test ends the run at once.
abort() {
	echo "LAB: DONE dom0 aborted"
	poweroff -f
}

step boot dom0_boot || abort
step dom0-nic dom0_nic
step xen-info xen_info
step schedulers schedulers
step cpupool-rtds cpupool_rt || abort

if step dd-create dd_create; then
	relay dd dd-ready 120 &&
		step dd-sched-rtds sched_rtds dd 10000 5000 1
	if [ "$PT" = 1 ]; then
		relay dd pt-nic 90
	else
		begin pt-nic
		result SKIP pt-nic "XENLAB_PT=0: no emulated IOMMU in this run"
	fi

	if step guest-create guest_create; then
		relay guest guest-ready 120 &&
			step guest-sched-rtds sched_rtds guest 20000 4000 1
		relay guest blk-kernel 240 &&
			step blk-backend-state backend_state vbd 51712
		relay guest net-kernel 90 &&
			step net-backend-state backend_state vif 0
	fi
fi

# rtdd test binaries (lab-tests.txt) in dom0, dd and the guest, with the
# domids for @dd/@guest/@self published to the domUs.
LAB_DD=$(xl domid dd 2>/dev/null)
LAB_GUEST=$(xl domid guest 2>/dev/null)
for id in $LAB_DD $LAB_GUEST; do
	xenstore-write /local/domain/$id/rtdd-lab/dd "${LAB_DD:-}" \
		/local/domain/$id/rtdd-lab/guest "${LAB_GUEST:-}"
	xenstore-chmod -r /local/domain/$id/rtdd-lab "n$id"
	xenstore-write /local/domain/$id/rtdd-lab/go 1
	xenstore-chmod /local/domain/$id/rtdd-lab/go "n$id"
done
LAB_SELF=0
run_labtests dom0
for dom in dd guest; do
	where=$dom
	[ $dom = guest ] && where=domU
	xl domid $dom >/dev/null 2>&1 || continue
	ln=0
	while read -r w bin args; do
		ln=$((ln + 1))
		[ "$w" = $where ] && relay $dom "$(labtest_name $ln $where "$bin")" 360
	done </lab/lab-tests.txt
done
if xl domid dd >/dev/null 2>&1 && xl domid guest >/dev/null 2>&1; then
	rtdd_blk
else
	skip "needs dd and guest running" linux-blkback-rtdd-blkfront \
		rtdd-blkback-linux-blkfront
fi
rtdd_net_pending
step teardown teardown
# Removing the last pCPU of an RTDS cpupool (cpupool-destroy, or
# cpupool-cpu-remove) once domains ran in it panics Xen 4.17.5: NULL
# cpupool in rt.c move_repl_timer from rt_deinit_pdata. Run it on request.
if [ "${RTDS_POOL_DESTROY:-0}" = 1 ]; then
	step rtds-pool-destroy xl cpupool-destroy rt
else
	begin rtds-pool-destroy
	result SKIP rtds-pool-destroy "not run: destroying an RTDS pool that ran domains panics Xen 4.17.5 (rt.c move_repl_timer); XENLAB_RTDS_POOL_DESTROY=1 runs it"
fi
echo "LAB: DONE dom0"
sleep 1
poweroff -f
