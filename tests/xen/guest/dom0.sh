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

# The lab's domains come from `rtdd plan tests/xen/lab.yaml` (built into
# /lab/plan by mkimages.sh): its apply.sh moves pCPU 1 out of Pool-0,
# creates cpupool rt from cpupool-rt.cfg, creates dd paused, sets its RTDS
# parameters, unpauses it, waits until dd writes data/rtdd-devd/ready, then
# does the same for the guest. All with the real xl.
plan_apply() {
	RTDD_DD_READY_TIMEOUT=240 sh /lab/plan/apply.sh || {
		xl list
		echo "apply.sh of the plan failed"
		return 1
	}
	xl list
	echo "rtdd plan's apply.sh: cpupool rt, dd (domid $(xl domid dd)), guest (domid $(xl domid guest)) created paused, RTDS set, unpaused"
}

# The pool as the plan's cpupool-rt.cfg has it.
cpupool_rt() {
	cat /lab/plan/cpupool-rt.cfg
	xl cpupool-list -c
	line=$(xl cpupool-list | awk '$1 == "rt"')
	echo "$line" | grep -q rtds || {
		echo "pool rt is not rtds: $line"
		return 1
	}
	cpus=$(xl cpupool-list -c | awk '$1 == "rt" { print $2 }')
	[ "$cpus" = 1 ] || {
		echo "pool rt has pCPUs '$cpus', the plan says 1"
		return 1
	}
	echo "cpupool rt: rtds on pCPU 1 as cpupool-rt.cfg says, Pool-0 keeps pCPU 0"
}

# plan_rtds DOM: `xl sched-rtds` read back for every VCPU of DOM equals
# the plan's report.json (rtds-expected.txt: name vcpu period budget e).
plan_rtds() {
	d=$1
	xl sched-rtds -d "$d" -v all | tee /tmp/rtds.$d
	grep "^$d " /lab/plan/rtds-expected.txt >/tmp/rtds-want.$d || {
		echo "no RTDS parameters for $d in the plan"
		return 1
	}
	n=0 summary=""
	while read -r _ v p b e; do
		want_e=no
		[ "$e" = 1 ] && want_e=yes
		got=$(awk -v d="$d" -v v="$v" '$1 == d && $3 == v { print $4, $5, $6 }' /tmp/rtds.$d)
		[ "$got" = "$p $b $want_e" ] || {
			echo "$d vcpu $v: xl reads back '$got', the plan says '$p $b $want_e'"
			return 1
		}
		n=$((n + 1))
		summary="$summary vcpu $v period $p us budget $b us extratime $want_e;"
	done </tmp/rtds-want.$d
	nv=$(awk -v d="$d" '$1 == d' /tmp/rtds.$d | wc -l)
	[ "$nv" = "$n" ] || {
		echo "$d has $nv VCPUs, the plan $n"
		return 1
	}
	echo "$d:${summary%;} read back equal to the plan (report.json)"
}

# relay DOM STEP [SECONDS]: waits for STEP's result in DOM's console log
# and reports it as dom0's own marker (the timing is dom0's view).
relay() {
	dom=$1 name=$2 secs=${3:-120}
	log="$conlog/guest-$dom.log"
	begin "$name"
	t0=$(up)
	read -r _r _ </proc/uptime
	rend=$((${_r%.*} + secs))
	while :; do
		read -r _r _ </proc/uptime
		[ "${_r%.*}" -lt "$rend" ] || break
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

# The plan's destroy.sh: guest, then dd; it leaves the RTDS pool (see
# rtds-pool-destroy).
teardown() {
	sh /lab/plan/destroy.sh || return 1
	wait_for 20 sh -c '[ "$(xl list | wc -l)" = 2 ]' || {
		xl list
		echo "domains still listed"
		return 1
	}
	echo "destroy.sh: guest and dd destroyed, only Domain-0 left"
}

# ---- rtdd's block path against Linux's ----------------------------------
# The kernel-only steps leave dd with Linux blkback/netback and xl devd and
# the guest with Linux blkfront. Then, in this order:
#   linux-blkback-rtdd-blkfront: the guest's xvda and vif detached, Linux
#     blkfront unloaded in the guest, a vbd (xvdc, /dev/loop0) attached with
#     Linux blkback behind it, driven by librtdd-blkfront (rtdd-guest);
#   rtdd-blkback-linux-blkfront: xvdc detached, dd switched to rtdd-devd
#     (xl devd stopped, xen-blkback unloaded), Linux blkfront loaded again
#     and the plan's xvda (/dev/loop0) attached again, served by rtdd-blkback.
# Each domU step runs when dom0 writes its name to rtdd-lab/phase.

ask() { xenstore-write "/local/domain/$(xl domid "$1")/rtdd-lab/phase" "$2"; }

# gone DOM-PATH: waits until a xenstore node has disappeared.
gone() { wait_for 40 sh -c "! xenstore-read '$1' >/dev/null 2>&1"; }

# Every device the plan gave the guest: xvda, vifs 0 and 1.
kernel_detach() {
	ddid=$(xl domid dd) gid=$(xl domid guest)
	xl block-detach guest xvda || return 1
	gone "/local/domain/$ddid/backend/vbd/$gid/51712" || {
		echo "backend/vbd/$gid/51712 still in dd's tree"
		return 1
	}
	for n in 0 1; do
		xl network-detach guest $n || return 1
		gone "/local/domain/$ddid/backend/vif/$gid/$n" || {
			echo "backend/vif/$gid/$n still in dd's tree"
			return 1
		}
	done
	echo "guest's xvda, vifs 0 and 1 detached (kernel backends released)"
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

# dd's xl devd log, as dd streams it to its console (kernel steps).
xl_devd_log() {
	echo "---- dd: xl devd"
	tr -d '\r' <"$conlog/guest-dd.log" | grep -F "[xl-devd]" | tail -n 80
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
		step rtdd-blkback-attach attach xvda /dev/loop0 51712; then
		ask guest rtdd-blkback
		relay guest rtdd-blkback-linux-blkfront 300 &&
			step rtdd-blkback-state backend_state vbd 51712 && return 0
	else
		skip "needs guest-blkfront-load and rtdd-blkback-attach" \
			rtdd-blkback-linux-blkfront
	fi
	dd_log
	return 1
}

# ---- rtdd's network path against Linux's ---------------------------------
# The plan's vifs (lab.yaml): 0 has MAC :10, 1 has MAC :11.
vif_mac() { echo "00:16:3e:00:00:1$1"; }

# vif_devid N: the devid of the guest's vif with plan vif N's MAC, from
# dd's backend tree (xl picks devids; they need not be 0 and 1 again).
vif_devid() {
	ddid=$(xl domid dd) gid=$(xl domid guest)
	for id in $(xenstore-list "/local/domain/$ddid/backend/vif/$gid" 2>/dev/null); do
		[ "$(xenstore-read "/local/domain/$ddid/backend/vif/$gid/$id/mac")" = "$(vif_mac $1)" ] &&
			echo "$id" && return 0
	done
	return 1
}

# nic_attach N...: the plan's vifs N... attached again, served by dd.
nic_attach() {
	ddid=$(xl domid dd) gid=$(xl domid guest)
	out=""
	for n in "$@"; do
		xl network-attach guest backend=dd "mac=$(vif_mac $n)" || return 1
		id=$(vif_devid $n) || {
			echo "no backend/vif entry with MAC $(vif_mac $n) in dd's tree"
			return 1
		}
		out="$out vif $n (MAC $(vif_mac $n)) as devid $id, backend state $(xenstore-read "/local/domain/$ddid/backend/vif/$gid/$id/state");"
	done
	xl network-list guest
	echo "${out# }"
}

# nic_detach N...
nic_detach() {
	ddid=$(xl domid dd) gid=$(xl domid guest)
	for n in "$@"; do
		id=$(vif_devid $n) || continue
		timeout 60 xl network-detach guest "$id"
		gone "/local/domain/$ddid/backend/vif/$gid/$id" || {
			echo "backend/vif/$gid/$id still in dd's tree"
			return 1
		}
	done
	echo "vif(s) $* detached"
}

# vif_states N...: every one Connected in dd's tree.
vif_states() {
	ddid=$(xl domid dd) gid=$(xl domid guest)
	out=""
	for n in "$@"; do
		id=$(vif_devid $n) || {
			echo "no vif $n"
			return 1
		}
		p=/local/domain/$ddid/backend/vif/$gid/$id/state
		st=$(xenstore-read "$p")
		[ "$st" = 4 ] || {
			echo "$p = $st, want 4 (Connected)"
			return 1
		}
		out="$out $p = 4;"
	done
	echo "${out# } (Connected)"
}

# librtdd-netfront in the guest against Linux netback in dd (xl devd
# still runs there: vif-bridge puts vifX.Y into xenbr0, 10.99.0.1/24).
rtdd_netfront() {
	steps="rtdd-netfront-linux-netback linux-netback-ping-rtdd-netfront"
	ask guest netfront-unload
	relay guest guest-netfront-unload 60 || {
		skip "needs guest-netfront-unload" $steps
		return 1
	}
	step rtdd-netfront-attach nic_attach 0 || {
		skip "needs rtdd-netfront-attach" $steps
		dd_log
		return 1
	}
	ask guest rtdd-netfront
	if relay guest rtdd-netfront-open 180; then
		ask dd ping-rtdd-netfront
		relay dd linux-netback-ping-rtdd-netfront 120 || dd_log
		ask guest rtdd-netfront-end
		relay guest rtdd-netfront-linux-netback 300 || dd_log
	else
		dd_log
		skip "needs rtdd-netfront-open" $steps
	fi
	step rtdd-netfront-detach nic_detach 0
}

# rtdd-netback in dd (run by rtdd-devd, which writes its switch
# configuration from the plan's dd.rtdd.json) serving Linux netfront: the
# guest's two vifs are the switch's two ports; the guest puts one in a
# network namespace and talks across.
rtdd_netback() {
	steps="rtdd-netback-linux-netfront"
	# Linux netfront out while the vifs are attached one after the other
	# (two xl network-attach at once pick the same devid): the second
	# restarts rtdd-netback with both ports (driverdom/devd.c), which a
	# connected Linux netfront would not follow
	if skipped netfront; then
		ask guest netfront-unload
		relay guest guest-netfront-unload 60 || {
			skip "needs guest-netfront-unload" $steps
			return 1
		}
	fi
	step rtdd-netback-attach nic_attach 0 1 || {
		skip "needs rtdd-netback-attach" $steps
		dd_log
		return 1
	}
	ask guest netfront-load
	relay guest guest-netfront-load 60 || {
		skip "needs guest-netfront-load" $steps
		return 1
	}
	ask guest rtdd-netback
	relay guest rtdd-netback-linux-netfront 300 &&
		step rtdd-netback-state vif_states 0 1 && return 0
	dd_log
	return 1
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
step plan-apply plan_apply || abort
step cpupool-rtds cpupool_rt
relay dd dd-ready 120 &&
	step dd-sched-rtds plan_rtds dd
if [ "$PT" = 1 ]; then
	relay dd pt-nic 90
else
	begin pt-nic
	result SKIP pt-nic "XENLAB_PT=0: no emulated IOMMU in this run"
fi
relay guest guest-ready 120 &&
	step guest-sched-rtds plan_rtds guest
if relay guest blk-kernel 300; then
	step blk-backend-state backend_state vbd 51712
else
	xl_devd_log
fi
if relay guest net-kernel 200; then
	step net-backend-state backend_state vif 0
else
	xl_devd_log
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
all_pairs="rtdd-netfront-linux-netback linux-netback-ping-rtdd-netfront
linux-blkback-rtdd-blkfront rtdd-blkback-linux-blkfront
rtdd-netback-linux-netfront"
if ! xl domid dd >/dev/null 2>&1 || ! xl domid guest >/dev/null 2>&1; then
	skip "needs dd and guest running" $all_pairs
elif ! step kernel-devices-detach kernel_detach; then
	skip "needs kernel-devices-detach" $all_pairs
else
	# Linux netback first: xl devd still runs in dd
	if skipped netfront; then
		skip "left out by XENLAB_SKIP=netfront" rtdd-netfront-linux-netback \
			linux-netback-ping-rtdd-netfront
	else
		rtdd_netfront
	fi
	if skipped blk; then
		skip "left out by XENLAB_SKIP=blk" linux-blkback-rtdd-blkfront \
			rtdd-blkback-linux-blkfront
		# dd still has to switch to rtdd-devd for rtdd-netback
		ask dd rtdd-devd
		relay dd dd-rtdd-devd 60
	else
		rtdd_blk
	fi
	if skipped netback; then
		skip "left out by XENLAB_SKIP=netback" rtdd-netback-linux-netfront
	elif tr -d '\r' <"$conlog/guest-dd.log" | grep -q "LAB: PASS dd-rtdd-devd"; then
		rtdd_netback
	else
		skip "needs dd-rtdd-devd" rtdd-netback-linux-netfront
	fi
fi
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
