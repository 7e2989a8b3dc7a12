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

blk_kernel() {
	wait_for 40 test -b /dev/xvda || {
		echo "no /dev/xvda from blkfront"
		return 1
	}
	size=$(cat /sys/block/xvda/size)
	mke2fs -q /dev/xvda || return 1
	mount -t ext2 /dev/xvda /mnt || return 1
	dd if=/dev/urandom of=/mnt/data bs=64k count=64 2>/dev/null || return 1
	a=$(sha256sum /mnt/data | cut -d' ' -f1)
	umount /mnt || return 1
	# Drop the page cache so the read back comes through the ring.
	sync
	echo 3 >/proc/sys/vm/drop_caches
	mount -t ext2 /dev/xvda /mnt || return 1
	b=$(sha256sum /mnt/data | cut -d' ' -f1)
	umount /mnt
	[ "$a" = "$b" ] || {
		echo "checksum mismatch: wrote $a, read $b"
		return 1
	}
	echo "xvda $((size / 2048)) MiB: mke2fs, 4 MiB written, read back after drop_caches, sha256 ${a%"${a#????????????????}"}.. matches"
}

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

case "$role" in
dd)
	step dd-ready dd_ready
	step pt-nic pt_nic
	run_labtests dd
	;;
guest)
	step guest-ready guest_ready
	step blk-kernel blk_kernel
	step net-kernel net_kernel
	run_labtests domU
	;;
esac
echo "LAB: DONE $role"
