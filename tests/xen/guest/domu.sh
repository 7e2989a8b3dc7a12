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
	ip link set xenbr0 up || return 1
	no_dad
	# xl devd runs the backend hotplug scripts for the guests it serves.
	xl devd -F >/var/log/xl-devd.log 2>&1 &
	echo $! >/run/xl-devd.pid
	sleep 1
	kill -0 "$(cat /run/xl-devd.pid)" || {
		cat /var/log/xl-devd.log
		echo "xl devd exited"
		return 1
	}
	echo "blkback, netback, /dev/loop0 (64 MiB), xenbr0, xl devd"
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
	# Under a loaded host the hotplug script in dd alone can take a minute.
	wait_for 120 test -b /dev/$dev || {
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
	wait_for 30 test -e /sys/class/net/eth0 || {
		echo "no eth0 from netfront"
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
	dd if=/dev/zero of=/srv/disk1.img bs=1M count=24 2>/dev/null || return 1
	losetup /dev/loop1 /srv/disk1.img || return 1
	/rtdd/bin/rtdd-devd --hv xen -v >/var/log/rtdd-devd.log 2>&1 &
	echo $! >/run/rtdd-devd.pid
	sleep 1
	kill -0 "$(cat /run/rtdd-devd.pid)" || {
		cat /var/log/rtdd-devd.log
		echo "rtdd-devd exited"
		return 1
	}
	echo "xl devd stopped, xen-blkback unloaded, /dev/loop1 (24 MiB), rtdd-devd --hv xen running"
}

# dd: what rtdd-devd and rtdd-blkback logged, onto the console (dom0 shows
# it when an rtdd step failed).
dd_rtdd_log() {
	{
		echo "== xl devd"
		tail -n 40 /var/log/xl-devd.log
		echo "== rtdd-devd"
		tail -n 60 /var/log/rtdd-devd.log
		echo "== xen-backend devices"
		ls /sys/bus/xen-backend/devices
		echo "== backend/"
		xenstore-ls backend
	} 2>&1 | sed "s/^/[$1] /"
	echo "LAB: PASS dd-rtdd-log $1"
}

blkfront_load() {
	# xen-blkfront's probe waits for its backends: do not block on it.
	modprobe xen-blkfront &
	sleep 1
	echo "xen-blkfront loading"
}

dd_phase() {
	case $1 in
	rtdd-devd) step dd-rtdd-devd dd_rtdd_devd ;;
	rtdd-log-*) dd_rtdd_log "$1" ;;
	esac
}

guest_phase() {
	case $1 in
	blkfront-unload) step guest-blkfront-unload blkfront_unload ;;
	rtdd-blkfront) step linux-blkback-rtdd-blkfront rtdd_blkfront 51744 ;;
	blkfront-load) step guest-blkfront-load blkfront_load ;;
	rtdd-blkback) step rtdd-blkback-linux-blkfront blk_fs xvdb 51728 ;;
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
