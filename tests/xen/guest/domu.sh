# SPDX-License-Identifier: MIT
# Xen lab, domU side. Role "dd": the driver domain (kernel blkback and
# netback behind a loop device and a bridge, `xl devd` for the hotplug
# scripts, the passed-through NIC). Role "guest": kernel blkfront and
# netfront served by dd. Markers go to this domain's console, which
# xenconsoled logs in dom0, where dom0.sh relays them.
. /lab/common.sh
role=$1
dd_mac=00:16:3e:00:00:01

dd_ready() {
	xen_userspace || return 1
	mod xen-blkback xen-netback loop bridge || return 1
	mount -t tmpfs -o size=96m tmpfs /srv || return 1
	dd if=/dev/zero of=/srv/disk.img bs=1M count=64 2>/dev/null || return 1
	losetup /dev/loop0 /srv/disk.img || return 1
	no_dad
	brctl addbr xenbr0 || return 1
	# busybox brctl has no setfd/stp: forward at once through sysfs.
	echo 0 >/sys/class/net/xenbr0/bridge/forward_delay
	echo 0 >/sys/class/net/xenbr0/bridge/stp_state
	ip link set xenbr0 address $dd_mac || return 1
	# IPv4 for rtdd-netfront-linux-netback (rtdd-netfront-ping in the guest)
	ip addr add 10.99.0.1/24 dev xenbr0 || return 1
	ip link set xenbr0 up || return 1
	no_dad
	# xl devd runs the backend hotplug scripts for the guests it serves.
	# Its log goes to the console too (xenconsoled's log of dd in dom0,
	# which dom0 shows when a step that needs the scripts fails).
	xl -v devd -F >/var/log/xl-devd.log 2>&1 &
	echo $! >/run/xl-devd.pid
	tail -f /var/log/xl-devd.log 2>/dev/null | sed 's/^/[xl-devd] /' >/dev/console &
	sleep 1
	kill -0 "$(cat /run/xl-devd.pid)" || {
		cat /var/log/xl-devd.log
		echo "xl devd exited"
		return 1
	}
	# The plan's apply.sh creates the guest once this is written (what
	# rtdd-devd writes when it serves; here the kernel backends do).
	xenstore-write data/rtdd-devd/ready 1 || return 1
	echo "blkback, netback, /dev/loop0 (64 MiB), xenbr0 (10.99.0.1/24), xl devd, data/rtdd-devd/ready"
}

# The passed-through e1000e reaches dom0's e1000e over QEMU's hub.
pt_nic() {
	[ "$PT" = 1 ] || {
		echo "XENLAB_PT=0"
		return 77
	}
	mod xen-pcifront e1000e || return 1
	find_nic() {
		for n in /sys/class/net/*; do
			case "$(readlink "$n/device/driver")" in
			*/e1000e) nic=${n##*/} && return 0 ;;
			esac
		done
		return 1
	}
	wait_for 30 find_nic || {
		ls /sys/bus/pci/devices
		echo "no e1000e NIC appeared through pcifront"
		return 1
	}
	bdf=$(basename "$(readlink "/sys/class/net/$nic/device")")
	no_dad
	ip link set "$nic" up || return 1
	wait_for 20 grep -q 1 "/sys/class/net/$nic/carrier" || {
		echo "$nic: no carrier"
		return 1
	}
	peer=$(ll_of_mac "$DOM0_NIC_MAC")
	ping6 -c 3 -w 20 -I "$nic" "$peer" >/tmp/ping.out 2>&1 || {
		cat /tmp/ping.out
		echo "ping6 $peer over $nic failed"
		return 1
	}
	cat /tmp/ping.out
	irq=$(grep -c "$nic" /proc/interrupts)
	echo "e1000e $nic at $bdf (pcifront, $irq IRQs), ping6 dom0 $peer: $(grep -o '[0-9]* packets received' /tmp/ping.out)"
}

guest_ready() {
	xen_userspace || return 1
	mod xen-netfront crc32c_generic ext4 || return 1
	# xen-blkfront's probe waits for its backend; do not block on it.
	modprobe xen-blkfront &
	echo "netfront, ext4; blkfront loading"
}

# blk_fs DEV DEVID: mke2fs on /dev/DEV, 4 MiB of random data written, the page
# cache dropped, read back through the ring and checksummed.
# be_show DEVID: the backend's xenstore entry of our vbd DEVID, on failure.
be_show() {
	be=$(xenstore-read device/vbd/$1/backend) && xenstore-ls "$be"
	xenstore-ls device/vbd/$1
}

# blk_fs DEV DEVID
blk_fs() {
	dev=$1
	# Under a loaded host the hotplug scripts in dd (xl devd runs one per
	# device) can take minutes.
	wait_for 180 test -b /dev/$dev || {
		be_show $2
		echo "no /dev/$dev from blkfront"
		return 1
	}
	size=$(cat /sys/block/$dev/size)
	mke2fs -q /dev/$dev || return 1
	mount -t ext2 /dev/$dev /mnt || return 1
	dd if=/dev/urandom of=/mnt/data bs=64k count=64 2>/dev/null || return 1
	a=$(sha256sum /mnt/data | cut -d' ' -f1)
	umount /mnt || return 1
	# Drop the page cache so the read back comes through the ring.
	sync
	echo 3 >/proc/sys/vm/drop_caches
	mount -t ext2 /dev/$dev /mnt || return 1
	b=$(sha256sum /mnt/data | cut -d' ' -f1)
	umount /mnt
	[ "$a" = "$b" ] || {
		echo "checksum mismatch: wrote $a, read $b"
		return 1
	}
	echo "$dev $((size / 2048)) MiB: mke2fs, 4 MiB written, read back after drop_caches, sha256 ${a%"${a#????????????????}"}.. matches"
}

blk_kernel() { blk_fs xvda 51712; }

net_kernel() {
	wait_for 60 test -e /sys/class/net/eth0 || {
		echo "no eth0 from netfront"
		return 1
	}
	# dd's vif-bridge script (xl devd) puts the vif into xenbr0
	be=$(xenstore-read device/vif/0/backend)
	wait_for 300 sh -c "[ \"\$(xenstore-read $be/hotplug-status)\" = connected ]" || {
		xenstore-ls "$be"
		echo "dd's vif hotplug script did not report connected for $be"
		return 1
	}
	no_dad
	ip link set eth0 up || return 1
	peer=$(ll_of_mac $dd_mac)
	ping6 -c 3 -w 30 -I eth0 "$peer" >/tmp/ping.out 2>&1 || {
		cat /tmp/ping.out
		echo "ping6 $peer (dd's xenbr0) failed"
		return 1
	}
	cat /tmp/ping.out
	echo "netfront eth0 -> netback -> dd xenbr0 $peer: $(grep -o '[0-9]* packets received' /tmp/ping.out), $(tail -n 1 /tmp/ping.out | cut -d= -f2)"
}

# ---- rtdd's block path against Linux's (after the lab tests) ------------
# dom0 drives these: it writes a phase name to rtdd-lab/phase in our
# xenstore home, we run that phase's step once, dom0 relays its marker and
# goes on (it may leave phases out when an earlier one failed).
phases() {
	last=
	while :; do
		ph=$(xenstore-read rtdd-lab/phase 2>/dev/null)
		if [ -n "$ph" ] && [ "$ph" != "$last" ]; then
			last=$ph
			"$@" "$ph"
		fi
		sleep 0.2
	done
}

# guest: Linux blkfront out of the way (xvda is detached by now), so that
# librtdd-blkfront alone drives the next vbd.
blkfront_unload() {
	rmmod xen-blkfront || return 1
	echo "xen-blkfront unloaded"
}

# guest: librtdd-blkfront (rtdd-guest --write: each probe writes a fresh
# pattern and reads it back, checked) on device/vbd/DEVID, served by
# Linux blkback in dd.
rtdd_blkfront() {
	devid=$1 secs=12
	wait_for 30 xenstore-read device/vbd/$devid/backend >/dev/null || {
		xenstore-ls device 2>&1 | tail -n 20
		echo "no device/vbd/$devid"
		return 1
	}
	# Linux blkback connects only once dd's hotplug script (xl devd) has
	# written physical-device; librtdd-blkfront gives a backend 5 s.
	be=$(xenstore-read device/vbd/$devid/backend)
	wait_for 120 sh -c "[ \"\$(xenstore-read $be/hotplug-status)\" = connected ]" || {
		be_show $devid
		echo "dd's hotplug script did not report connected for $be"
		return 1
	}
	/rtdd/bin/rtdd-guest --hv xen -v --write --period-ms 20 --span-mib 8 \
		>/tmp/rtdd-guest.log 2>&1 &
	pid=$!
	d=data/rtdd/vbd/$devid
	wait_for 60 sh -c "[ \"\$(xenstore-read $d/state)\" = probing ]" || {
		kill $pid 2>/dev/null
		cat /tmp/rtdd-guest.log
		xenstore-ls data/rtdd 2>&1
		echo "librtdd-blkfront did not connect to vbd $devid"
		return 1
	}
	sleep $secs
	bstate=$(xenstore-read "$be/state")
	st=$(xenstore-read $d/state)
	kill -TERM $pid
	wait $pid
	rc=$?
	cat /tmp/rtdd-guest.log
	xenstore-ls data/rtdd 2>&1
	n=$(xenstore-read $d/count) e=$(xenstore-read $d/errors)
	r=$(xenstore-read $d/reconnects)
	[ "$rc" = 0 ] || {
		echo "rtdd-guest exit $rc"
		return 1
	}
	case "$st:$n:$e" in
	probing:*[!0-9]*:* | probing:0:* | probing::*) ok=no ;;
	probing:*:0) ok=yes ;;
	*) ok=no ;;
	esac
	[ $ok = yes ] || {
		echo "vbd $devid: state $st, $n probes, $e errors ($(xenstore-read $d/error 2>/dev/null))"
		return 1
	}
	[ "$bstate" = 4 ] || {
		echo "backend $be state $bstate, want 4"
		return 1
	}
	echo "librtdd-blkfront on vbd $devid (Linux blkback Connected): $n probes of 4 KiB written and read back in ${secs} s, 0 errors, $r reconnects"
}

# dd: Linux blkback and xl devd out, rtdd-devd (which starts rtdd-blkback
# and writes hotplug-status) in, over a second loop device.
dd_rtdd_devd() {
	kill "$(cat /run/xl-devd.pid)" || return 1
	wait_for 10 sh -c "! kill -0 $(cat /run/xl-devd.pid)" || return 1
	[ -z "$(ls /sys/bus/xen-backend/devices 2>/dev/null)" ] || {
		ls /sys/bus/xen-backend/devices
		echo "kernel backends still hold devices"
		return 1
	}
	rmmod xen-blkback || return 1
	rmmod xen-netback || return 1
	xenstore-rm data/rtdd-devd/ready
	# serving only what the plan gives dd (its dd.rtdd.json), the RT
	# switch of rtdd-netback written from it; hybrid: the switch thread
	# sleeps when idle (dd has one VCPU, emulated)
	/rtdd/bin/rtdd-devd --hv xen -v --serves /lab/plan/dd.rtdd.json \
		--vif-arg --mode --vif-arg hybrid \
		>/var/log/rtdd-devd.log 2>&1 &
	echo $! >/run/rtdd-devd.pid
	sleep 1
	kill -0 "$(cat /run/rtdd-devd.pid)" || {
		cat /var/log/rtdd-devd.log
		echo "rtdd-devd exited"
		return 1
	}
	wait_for 10 xenstore-read data/rtdd-devd/ready >/dev/null || {
		cat /var/log/rtdd-devd.log
		echo "rtdd-devd did not write data/rtdd-devd/ready"
		return 1
	}
	echo "xl devd stopped, xen-blkback and xen-netback unloaded, rtdd-devd --hv xen --serves dd.rtdd.json running and ready"
}

# dd: what rtdd-devd and rtdd-blkback logged, onto the console (dom0 shows
# it when an rtdd step failed).
dd_rtdd_log() {
	{
		echo "== xl devd"
		tail -n 40 /var/log/xl-devd.log
		echo "== rtdd-devd"
		tail -n 60 /var/log/rtdd-devd.log
		echo "== switch configuration"
		cat /run/rtdd-devd/netsw.conf
		echo "== ip -s link"
		/usr/sbin/ip -s link
		echo "== xen-backend devices"
		ls /sys/bus/xen-backend/devices
		echo "== backend/"
		xenstore-ls backend
	} 2>&1 | sed "s/^/[$1] /"
	echo "LAB: PASS dd-rtdd-log $1"
}

# ---- rtdd's network path against Linux's --------------------------------

# guest: Linux netfront out (its vifs are detached by now), so that the
# next vifs are left to librtdd-netfront, or attached with no frontend.
netfront_unload() {
	if grep -q '^xen_netfront ' /proc/modules; then
		rmmod xen-netfront || return 1
	fi
	echo "xen-netfront unloaded"
}

# mac_devid MAC: our device/vif/N with that MAC.
mac_devid() {
	for id in $(xenstore-list device/vif 2>/dev/null); do
		[ "$(xenstore-read device/vif/$id/mac)" = "$1" ] && echo "$id" && return 0
	done
	return 1
}

# guest: rtdd-netfront-ping (librtdd-netfront) on the vif with MAC :10,
# served by Linux netback in dd: it pings dd's xenbr0 (10.99.0.1) with
# random payloads and checks every reply, and answers ARP and echo
# requests for 10.99.0.2 until dd pinged it (rtdd-netfront-end).
rtdd_netfront_open() {
	mac=00:16:3e:00:00:10
	wait_for 30 mac_devid $mac >/dev/null || {
		xenstore-ls device 2>&1 | tail -n 20
		echo "no device/vif with MAC $mac"
		return 1
	}
	id=$(mac_devid $mac)
	be=$(xenstore-read device/vif/$id/backend)
	# Linux netback connects once dd's vif-bridge script (xl devd) ran
	wait_for 120 sh -c "[ \"\$(xenstore-read $be/hotplug-status)\" = connected ]" || {
		xenstore-ls "$be"
		echo "dd's hotplug script did not report connected for $be"
		return 1
	}
	rm -f /tmp/nfping.rc
	(
		/rtdd/bin/rtdd-netfront-ping --hv xen --vif device/vif/$id \
			--ip 10.99.0.2 --peer 10.99.0.1 --count 20 \
			--min-served 5 --timeout-s 240
		echo $? >/tmp/nfping.rc
	) >/tmp/nfping.log 2>&1 &
	wait_for 90 grep -q '^connected' /tmp/nfping.log || {
		cat /tmp/nfping.log
		xenstore-ls device/vif/$id
		xenstore-ls "$be"
		echo "librtdd-netfront did not connect to device/vif/$id"
		return 1
	}
	echo "librtdd-netfront $(grep '^connected' /tmp/nfping.log), backend $be state $(xenstore-read $be/state)"
}

rtdd_netfront_end() {
	wait_for 240 test -s /tmp/nfping.rc
	rc=$(cat /tmp/nfping.rc 2>/dev/null)
	cat /tmp/nfping.log
	summary=$(grep ' pings of ' /tmp/nfping.log)
	[ "$rc" = 0 ] || {
		echo "rtdd-netfront-ping exit '${rc:-none}': $summary"
		return 1
	}
	echo "librtdd-netfront against Linux netback: $summary"
}

# dd: Linux's stack pings the guest's librtdd-netfront program through
# Linux netback (vifX.Y in xenbr0).
ping_rtdd_netfront() {
	ping -c 5 -w 90 -s 1000 10.99.0.2 >/tmp/ping.out 2>&1
	rc=$?
	cat /tmp/ping.out
	bridge=$(ls /sys/class/net/xenbr0/brif 2>/dev/null | tr '\n' ' ')
	[ $rc = 0 ] || {
		echo "ping 10.99.0.2 (rtdd-netfront-ping in the guest) over xenbr0 ($bridge) failed"
		return 1
	}
	echo "Linux netback ($bridge in xenbr0) -> librtdd-netfront 10.99.0.2: $(grep -o '[0-9]* packets received' /tmp/ping.out) of 1000 bytes"
}

# guest: Linux netfront against rtdd-netback. Both vifs of the plan are
# ports of dd's RT switch (rtdd-devd wrote its configuration from
# dd.rtdd.json); one NIC goes into a network namespace, and the two talk
# across the switch: ping, then 4 MiB over TCP, checksummed.
rtdd_netback_test() {
	find_nics() {
		a="" b=""
		for n in /sys/class/net/*; do
			case "$(cat "$n/address")" in
			00:16:3e:00:00:10) a=${n##*/} ;;
			00:16:3e:00:00:11) b=${n##*/} ;;
			esac
		done
		[ -n "$a" ] && [ -n "$b" ]
	}
	wait_for 60 find_nics || {
		ls /sys/class/net
		xenstore-ls device/vif 2>&1 | tail -n 30
		echo "no netfront NICs for both vifs (MACs :10 and :11)"
		return 1
	}
	find_nics
	no_dad
	# iproute2 by its path: busybox's sh runs its own applets first
	ip2=/usr/sbin/ip
	$ip2 netns add peer || return 1
	$ip2 link set "$b" netns peer || return 1
	$ip2 addr add 10.99.1.1/24 dev "$a" || return 1
	$ip2 link set "$a" up || return 1
	$ip2 netns exec peer $ip2 link set lo up || return 1
	$ip2 netns exec peer $ip2 addr add 10.99.1.2/24 dev "$b" || return 1
	$ip2 netns exec peer $ip2 link set "$b" up || return 1
	ping -c 5 -w 60 10.99.1.2 >/tmp/ping.out 2>&1 || {
		cat /tmp/ping.out
		$ip2 netns exec peer $ip2 -s link
		$ip2 -s link
		echo "ping 10.99.1.2 from $a across rtdd-netback to $b (netns peer) failed"
		return 1
	}
	cat /tmp/ping.out
	pings=$(grep -o '[0-9]* packets received' /tmp/ping.out)
	dd if=/dev/urandom of=/tmp/bulk bs=64k count=64 2>/dev/null || return 1
	want=$(sha256sum /tmp/bulk | cut -d' ' -f1)
	rm -f /tmp/bulk.recv
	# busybox nc ends when its stdin ends (no half-close): the receiver's
	# stdin is a pipe that stays open; it is done when 4 MiB arrived
	sleep 600 | $ip2 netns exec peer nc -l -p 5001 >/tmp/bulk.recv &
	sleep 1
	t0=$(up)
	timeout 240 nc 10.99.1.2 5001 </tmp/bulk || {
		echo "nc to 10.99.1.2:5001 failed"
		return 1
	}
	wait_for 60 sh -c '[ "$(wc -c </tmp/bulk.recv)" -ge 4194304 ]'
	t=$(since "$t0")
	got=$(sha256sum /tmp/bulk.recv | cut -d' ' -f1)
	size=$(wc -c </tmp/bulk.recv)
	[ "$got" = "$want" ] || {
		echo "4 MiB sent, $size bytes received, sha256 $got, want $want"
		return 1
	}
	echo "$a -> rtdd-netback switch -> $b (netns): ping $pings; 4 MiB over TCP in $t s (TCG), sha256 ${want%"${want#????????????????}"}.. matches"
}

blkfront_load() {
	# xen-blkfront's probe waits for its backends: do not block on it.
	modprobe xen-blkfront &
	sleep 1
	echo "xen-blkfront loading"
}

netfront_load() {
	modprobe xen-netfront || return 1
	echo "xen-netfront loaded"
}

dd_phase() {
	case $1 in
	rtdd-devd) step dd-rtdd-devd dd_rtdd_devd ;;
	ping-rtdd-netfront) step linux-netback-ping-rtdd-netfront ping_rtdd_netfront ;;
	rtdd-log-*) dd_rtdd_log "$1" ;;
	esac
}

guest_phase() {
	case $1 in
	blkfront-unload) step guest-blkfront-unload blkfront_unload ;;
	rtdd-blkfront) step linux-blkback-rtdd-blkfront rtdd_blkfront 51744 ;;
	blkfront-load) step guest-blkfront-load blkfront_load ;;
	rtdd-blkback) step rtdd-blkback-linux-blkfront blk_fs xvda 51712 ;;
	netfront-unload) step guest-netfront-unload netfront_unload ;;
	rtdd-netfront) step rtdd-netfront-open rtdd_netfront_open ;;
	rtdd-netfront-end) step rtdd-netfront-linux-netback rtdd_netfront_end ;;
	netfront-load) step guest-netfront-load netfront_load ;;
	rtdd-netback) step rtdd-netback-linux-netfront rtdd_netback_test ;;
	esac
}

case "$role" in
dd)
	step dd-ready dd_ready
	step pt-nic pt_nic
	run_labtests dd
	echo "LAB: DONE $role"
	phases dd_phase
	;;
guest)
	step guest-ready guest_ready
	step blk-kernel blk_kernel
	step net-kernel net_kernel
	run_labtests domU
	echo "LAB: DONE $role"
	phases guest_phase
	;;
esac
