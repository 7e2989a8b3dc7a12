#!/bin/bash
# SPDX-License-Identifier: MIT
# rtdd Xen lab: boots a real Xen hypervisor with a PV dom0 under QEMU (TCG),
# creates a driver domain and a guest from xl configs and runs the lab's
# steps inside. Driven by `make test-xen`; see docs/xen-lab.md.
#
#   O=build tests/xen/run.sh
#
# Everything comes from Debian packages and is cached under $O/xen-lab:
#   debs/      the .deb files of the toolstack and the kernel, and pkgroot/
#              with them unpacked (the host's own Xen setup is not touched)
#   src/       Debian's xen source package; the hypervisor is built from it
#              with RTDS, null and ARINC653 and kept as xen/xen
#   img/       dom0.cpio.gz, domu.cpio.gz, vmlinux.gz (domU kernel)
#   run/       console.log of the last run and the per-step results
#
# Each step prints PASS, FAIL or SKIP with its wall time. Wall times are TCG
# emulation timings of a nested hypervisor on a shared 2-core host: they say
# how long the lab takes, never how fast rtdd is.
#
# Environment:
#   XENLAB_TIMEOUT       seconds for the whole QEMU run (default 1800)
#   XENLAB_STEP_TIMEOUT  seconds without a marker before the step fails
#                        (default 400; a lab test gets 300 s)
#   XENLAB_PT=0          run without the emulated IOMMU and PCI passthrough
#   XENLAB_REBUILD=1     rebuild the hypervisor even if cached
#   XENLAB_RTDS_POOL_DESTROY=1  also destroy the RTDS cpupool at the end
#                        (panics Xen 4.17.5, see docs/xen-lab.md)
#   XENLAB_SKIP="GROUP..."  leave out groups of steps, each reported as SKIP
#                        (for iterating on one part): labtests, blk,
#                        netfront, netback
# Exit status: 0 all passed or skipped, 1 something failed, 77 the lab
# cannot run on this machine (reason printed).
set -u
set -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
O=${O:-build}
case "$O" in /*) ;; *) O="$top/$O" ;; esac
lab="$O/xen-lab"
run="$lab/run"
timeout_all=${XENLAB_TIMEOUT:-1800}
timeout_step=${XENLAB_STEP_TIMEOUT:-400}
want_pt=${XENLAB_PT:-1}

# Toolstack and kernel packages unpacked into the images. The toolstack
# matches the hypervisor's major version (4.17 in Debian 12).
xen_ver=4.17
lab_debs="xen-utils-$xen_ver xen-utils-common xenstore-utils
libxenmisc$xen_ver libxenstore4 libxencall1 libxenevtchn1
libxenforeignmemory1 libxengnttab1 libxentoollog1 libxentoolcore1
libxendevicemodel1 libxenhypfs1 libyajl2 libncursesw6 libtinfo6"
# Host tools the lab itself needs (not needed by `make test`).
host_pkgs="qemu-system-x86 busybox-static cpio kmod dpkg-dev xz-utils gzip
bash util-linux iproute2 flex bison python3 make gcc"

# The hypervisor: Debian's config plus the real-time schedulers.
xen_kconfig_extra="CONFIG_EXPERT=y
CONFIG_UNSUPPORTED=y
CONFIG_SCHED_RTDS=y
CONFIG_SCHED_NULL=y
CONFIG_SCHED_ARINC653=y"

# Kernel modules in every image (their dependencies are added from
# modules.dep).
lab_modules="xenfs xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xen-blkback
xen-netback xen-pciback xen-blkfront xen-netfront xen-pcifront loop bridge
ext4 crc32c_generic e1000e"

# PCI passthrough: the NIC at this address is hidden from dom0 and given to
# the driver domain; the one at 00:04.0 stays with dom0. Both sit on
# one QEMU hub, so they reach each other and nothing else.
pt_bdf=0000:00:03.0
pt_mac=52:54:00:12:34:56
dom0_nic_mac=52:54:00:12:34:57

n_pass=0 n_fail=0 n_skip=0
qemu_pid=

now() { date +%s.%N; }
secs() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1f", e - s }'; }

# report STATUS NAME SECONDS [DETAIL]
report() {
	local st=$1 name=$2 t=$3 detail=${4:-}
	local line
	line=$(printf '%-4s  %-34s %7s s  %s' "$st" "$name" "$t" "$detail")
	echo "$line"
	case "$st" in
	PASS) n_pass=$((n_pass + 1)) ;;
	FAIL) n_fail=$((n_fail + 1)) ;;
	SKIP) n_skip=$((n_skip + 1)) ;;
	esac
	echo "$line" >>"$run/results.txt"
}

# host_step NAME CMD...: runs a host-side step, its output to run/NAME.log.
host_step() {
	local name=$1
	shift
	local t0
	t0=$(now)
	if "$@" >"$run/$name.log" 2>&1; then
		report PASS "$name" "$(secs "$t0")" "$(tail -n 1 "$run/$name.log")"
		return 0
	fi
	report FAIL "$name" "$(secs "$t0")" "see $run/$name.log"
	tail -n 20 "$run/$name.log" | sed 's/^/    /'
	return 1
}

finish() {
	local rc=0
	[ "$n_fail" -gt 0 ] && rc=1
	echo
	echo "xen-lab: console log: $run/console.log"
	echo "xen-lab: timings are TCG emulation timings, not latency results"
	echo "$n_pass passed, $n_fail failed, $n_skip skipped"
	exit $rc
}

# Stops this run's QEMU (through its `timeout` wrapper, then by the pid QEMU
# wrote itself if it lingers) and the console follower. Only our own pids.
cleanup() {
	local i qpid=""
	[ -f "$run/qemu.pid" ] && qpid=$(cat "$run/qemu.pid" 2>/dev/null)
	if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
		kill "$qemu_pid" 2>/dev/null
		for i in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$qemu_pid" 2>/dev/null || break
			sleep 0.5
		done
	fi
	if [ -n "$qpid" ] && [ "$(cat "/proc/$qpid/comm" 2>/dev/null)" = qemu-system-x86 ]; then
		kill -9 "$qpid" 2>/dev/null
	fi
	rm -f "$run/qemu.pid"
	[ -n "${tail_pid:-}" ] && kill "$tail_pid" 2>/dev/null
	return 0
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

# ---------------------------------------------------------------- host side

pkg_installed() {
	case "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" in
	*" installed") return 0 ;;
	esac
	return 1
}

step_host_packages() {
	local missing="" p
	for p in $host_pkgs; do
		pkg_installed "$p" || missing="$missing $p"
	done
	if [ -z "$missing" ]; then
		echo "all host packages present"
		return 0
	fi
	if [ "$(id -u)" != 0 ]; then
		echo "missing host packages (run as root):$missing"
		return 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q --no-install-recommends $missing ||
		{ apt-get update -q && apt-get install -y -q --no-install-recommends $missing; } ||
		return 1
	echo "installed:$missing"
}

kernel_pkg() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}

step_lab_debs() {
	local kpkg stamp want
	kpkg=$(kernel_pkg)
	[ -n "$kpkg" ] || { echo "no linux-image-amd64 in apt's lists"; return 1; }
	want="$lab_debs $kpkg"
	stamp="$lab/debs/.stamp"
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(echo $want)" ] &&
		[ -d "$lab/pkgroot/lib/modules" ]; then
		echo "cached: $(echo $want | wc -w) packages ($kpkg)"
		return 0
	fi
	rm -rf "$lab/debs" "$lab/pkgroot"
	mkdir -p "$lab/debs" "$lab/pkgroot"
	(cd "$lab/debs" && apt-get download -q $want) ||
		{ apt-get update -q && (cd "$lab/debs" && apt-get download -q $want); } ||
		return 1
	local d
	for d in "$lab"/debs/*.deb; do
		dpkg-deb -x "$d" "$lab/pkgroot" || return 1
	done
	local kver
	kver=$(ls "$lab/pkgroot/lib/modules")
	depmod -b "$lab/pkgroot" "$kver" || return 1
	echo $want >"$stamp"
	echo "downloaded $(ls "$lab"/debs/*.deb | wc -l) packages ($kpkg)"
}

# apt for source packages only, with its own lists: the system's apt
# configuration stays as it is.
src_apt() {
	local tool=$1
	shift
	"$tool" -q -o Dir::Etc::SourceList="$lab/apt/sources.list" \
		-o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$lab/apt/lists" "$@"
}

step_hypervisor() {
	local out="$lab/xen/xen"
	local cfg_hash
	cfg_hash=$(echo "$xen_kconfig_extra" | md5sum | cut -c1-8)
	if [ -z "${XENLAB_REBUILD:-}" ] && [ -f "$out" ] &&
		[ "$(cat "$lab/xen/.stamp" 2>/dev/null)" = "$cfg_hash" ]; then
		echo "cached: $(cat "$lab/xen/version")"
		return 0
	fi
	mkdir -p "$lab/apt/lists/partial" "$lab/src" "$lab/xen"
	cat >"$lab/apt/sources.list" <<-EOF
		deb-src http://deb.debian.org/debian bookworm main
		deb-src http://deb.debian.org/debian bookworm-updates main
		deb-src http://deb.debian.org/debian-security bookworm-security main
	EOF
	src_apt apt-get update || return 1
	local versions v dir=""
	versions=$(src_apt apt-cache showsrc xen 2>/dev/null |
		awk '/^Version:/ { print $2 }' | sort -rVu)
	[ -n "$versions" ] || { echo "no xen source package found"; return 1; }
	# The newest version is sometimes listed before its files reach the
	# archive: try newest first and fall back.
	for v in $versions; do
		local up=${v%-*}
		up=${up#*:}
		# a fresh tree each build: Xen refuses to build in a dirty one
		rm -rf "$lab/src/xen-$up"
		echo "trying xen source $v"
		if (cd "$lab/src" && src_apt apt-get source "xen=$v"); then
			dir="$lab/src/xen-$up"
			break
		fi
		echo "xen source $v not available, falling back"
	done
	[ -n "$dir" ] && [ -d "$dir/xen" ] || { echo "no xen source could be fetched"; return 1; }
	cp "$dir/debian/xen-kconfig" "$dir/xen/.config" || return 1
	echo "$xen_kconfig_extra" >>"$dir/xen/.config"
	# Xen's make reads O= as its output directory: keep ours (and the
	# outer make's flags) away from it.
	local xmake=(env -u O -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES
		make -C "$dir/xen" XEN_TARGET_ARCH=x86_64)
	"${xmake[@]}" olddefconfig || return 1
	local opt
	for opt in $xen_kconfig_extra; do
		grep -qx "$opt" "$dir/xen/.config" ||
			{ echo "hypervisor config lost $opt"; return 1; }
	done
	"${xmake[@]}" -j2 || return 1
	cp "$dir/xen/xen" "$out" || return 1
	cp "$dir/xen/.config" "$lab/xen/config"
	echo "${dir##*/}" >"$lab/xen/version"
	echo "$cfg_hash" >"$lab/xen/.stamp"
	# the tree is 300 MB once built; the downloaded source stays in src/
	rm -rf "$dir"
	echo "built $(cat "$lab/xen/version") with RTDS, null, ARINC653"
}

step_rtdd_build() {
	# make test-xen builds first; a direct run checks what is there.
	local n
	n=$(find "$O/bin" "$O/tests" -maxdepth 1 -type f -perm -u+x 2>/dev/null | wc -l)
	echo "$n rtdd binaries in $O/bin and $O/tests"
}

step_images() {
	XENLAB_LAB="$lab" XENLAB_O="$O" XENLAB_HERE="$here" \
		XENLAB_MODULES="$(echo $lab_modules)" XENLAB_PT="$want_pt" \
		XENLAB_PT_BDF="$pt_bdf" XENLAB_DOM0_NIC_MAC="$dom0_nic_mac" \
		XENLAB_RTDS_POOL_DESTROY="${XENLAB_RTDS_POOL_DESTROY:-0}" \
		XENLAB_SKIP="${XENLAB_SKIP:-}" \
		bash "$here/mkimages.sh"
}

# ---------------------------------------------------------------- lab run

# Reads the console as QEMU writes it; turns the lab's markers into
# results:  "LAB: BEGIN name", "LAB: PASS|FAIL|SKIP name detail",
# "LAB: DONE". Steps that do not end before XENLAB_STEP_TIMEOUT fail.
parse_console() {
	local t_boot=$1 cur="boot" t_cur=$1 line rest st name detail
	local deadline=$((SECONDS + timeout_all)) last=$SECONDS part=""
	while :; do
		if [ $((SECONDS - last)) -ge "$timeout_step" ]; then
			report FAIL "$cur" "$(secs "$t_cur")" "timeout: no marker in ${timeout_step}s"
			return 1
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			report FAIL "$cur" "$(secs "$t_cur")" "timeout: whole run over ${timeout_all}s"
			return 1
		fi
		# A timed-out read keeps what it got of a line: carry it over.
		if ! IFS= read -r -t 2 line; then
			part+=$line
			if ! kill -0 "$qemu_pid" 2>/dev/null; then
				report FAIL "$cur" "$(secs "$t_cur")" "QEMU exited before the step ended"
				return 1
			fi
			continue
		fi
		line=$part$line
		part=""
		case "$line" in
		*"LAB: "*) ;;
		*"Panic on CPU"*)
			report FAIL "$cur" "$(secs "$t_cur")" "Xen panicked (see console log)"
			return 1
			;;
		*) continue ;;
		esac
		last=$SECONDS
		echo "$(now) $line" >>"$run/markers.log"
		rest=${line#*LAB: }
		rest=${rest//$'\r'/}
		st=${rest%% *}
		rest=${rest#"$st"}
		rest=${rest# }
		name=${rest%% *}
		detail=${rest#"$name"}
		detail=${detail# }
		case "$st" in
		BEGIN)
			# boot is timed from QEMU's start
			[ "$name" = boot ] && continue
			cur=$name
			t_cur=$(now)
			;;
		PASS | FAIL | SKIP)
			if [ "$name" = "$cur" ]; then
				report "$st" "$name" "$(secs "$t_cur")" "$detail"
			else
				report "$st" "$name" "0.0" "$detail"
			fi
			cur="(between steps after $name)"
			t_cur=$(now)
			;;
		DONE)
			echo "xen-lab: QEMU start to end of the last step: $(secs "$t_boot") s (TCG)"
			case "$detail" in
			*aborted*) return 1 ;;
			esac
			return 0
			;;
		esac
	done
}

lab_run() {
	local img="$lab/img" qemu_log="$run/qemu.log"
	local machine=(-machine q35 -vga none)
	local devs=(-netdev hubport,id=p1,hubid=0
		-device "e1000e,netdev=p1,addr=04.0,mac=$dom0_nic_mac")
	local pt_arg=""
	if [ "$want_pt" = 1 ]; then
		machine+=(-device intel-iommu,intremap=on,caching-mode=on)
		devs+=(-netdev hubport,id=p0,hubid=0
			-device "e1000e,netdev=p0,addr=03.0,mac=$pt_mac")
		pt_arg=" xen-pciback.hide=($pt_bdf)"
	fi
	: >"$run/console.log"
	: >"$run/markers.log"
	local t0
	t0=$(now)
	timeout -k 5 "$timeout_all" qemu-system-x86_64 \
		-accel tcg,thread=multi \
		-cpu qemu64,+sse4.1,+sse4.2,+popcnt,+ssse3,+rdrand \
		-smp 2 -m 2048 "${machine[@]}" "${devs[@]}" \
		-kernel "$lab/xen/xen" \
		-append "console=com1 com1=115200 dom0_mem=768M,max:768M dom0_max_vcpus=1 bootscrub=0 loglvl=all guest_loglvl=all" \
		-initrd "$img/vmlinuz console=hvc0 earlyprintk=xen loglevel=4$pt_arg,$img/dom0.cpio.gz" \
		-display none -monitor none -serial "file:$run/console.log" \
		-pidfile "$run/qemu.pid" \
		-no-reboot >"$qemu_log" 2>&1 &
	qemu_pid=$!
	local rc=0 fifo="$run/console.fifo"
	rm -f "$fifo"
	mkfifo "$fifo" || return 1
	tail -n +1 -F "$run/console.log" >"$fifo" 2>/dev/null &
	tail_pid=$!
	parse_console "$t0" <"$fifo" || rc=1
	cleanup
	tail_pid=
	rm -f "$fifo"
	qemu_pid=
	# QEMU's own messages matter only when something went wrong (it always
	# warns that the hub has no host network, which is the point).
	if [ $rc != 0 ] && [ -s "$qemu_log" ]; then
		sed 's/^/    qemu: /' "$qemu_log" | head -n 20
	fi
	return $rc
}

main() {
	mkdir -p "$run"
	: >"$run/results.txt"
	echo "xen-lab: build tree $lab"
	echo "xen-lab: all times below are wall-clock TCG emulation timings"
	if [ ! -e /dev/null ] || ! command -v apt-get >/dev/null; then
		echo "SKIP: xen-lab needs a Debian host with apt"
		exit 77
	fi
	host_step host-packages step_host_packages || finish
	host_step lab-packages step_lab_debs || finish
	host_step hypervisor-build step_hypervisor || finish
	host_step rtdd-binaries step_rtdd_build || finish
	host_step images step_images || finish
	lab_run
	finish
}

main "$@"
