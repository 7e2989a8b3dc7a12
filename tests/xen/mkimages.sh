#!/bin/bash
# SPDX-License-Identifier: MIT
# Builds the Xen lab's boot images from unpacked Debian packages
# ($XENLAB_LAB/pkgroot) and the rtdd build tree ($XENLAB_O):
#
#   img/vmlinuz        dom0 kernel (Debian's bzImage)
#   img/vmlinux.gz     domU kernel: the bzImage's xz payload as a gzip'd
#                      ELF, which libxenguest unpacks much faster under TCG
#   img/domu.cpio.gz   busybox, bash, xl and its libraries, xenstore tools,
#                      hotplug scripts, Xen kernel modules, rtdd binaries
#                      and the lab scripts (driver domain and guest)
#   img/dom0.cpio.gz   the same plus the domU kernel and image
#   img/plan/          `rtdd plan tests/xen/lab.yaml`: xl configs, apply.sh,
#                      destroy.sh, dd.rtdd.json, report.json (in both
#                      images under /lab/plan)
#
# Called by run.sh; prints one summary line at the end.
set -eu
set -o pipefail

lab=$XENLAB_LAB
O=$XENLAB_O
here=$XENLAB_HERE
pkgroot="$lab/pkgroot"
img="$lab/img"
root="$img/root"
xenbin=/usr/lib/xen-4.17/bin
multi=x86_64-linux-gnu

die() {
	echo "mkimages: $*" >&2
	exit 1
}

kver=$(ls "$pkgroot/lib/modules")
[ -n "$kver" ] || die "no kernel unpacked in $pkgroot"

rm -rf "$root"
mkdir -p "$img" "$root"
cd "$root"
mkdir -p bin sbin usr/bin usr/sbin lib lib64 "usr/lib/$multi" etc proc sys dev \
	run tmp root srv mnt lab rtdd var/lib/xen var/lib/xenstored var/log/xen/console
# /var/run and /var/lock live on the tmpfs at /run (xl and xenstored use both).
ln -s ../run var/run
ln -s ../run/lock var/lock

# Library search path for ldd: the unpacked packages first, then the host.
lddpath="$pkgroot/usr/lib/$multi:$pkgroot/lib/$multi:$O/lib"
declare -A copied=()

# copy_file SRC DEST: copies SRC to DEST inside the image (dereferenced).
copy_file() {
	local src=$1 dst=$2
	[ -n "${copied[$dst]:-}" ] && return 0
	mkdir -p "$root/$(dirname "$dst")"
	cp -L "$src" "$root/$dst"
	copied[$dst]=1
}

# image_path FILE: where a resolved library goes in the image.
image_path() {
	case "$1" in
	"$pkgroot"/*) echo "${1#"$pkgroot"}" ;;
	"$O"/lib/*) echo "/usr/lib/$multi/${1##*/}" ;;
	*) echo "$1" ;;
	esac
}

# copy_libs ELF: copies every shared library ldd lists for ELF.
copy_libs() {
	local f=$1 out lib
	file_is_dynamic "$f" || return 0
	out=$(LD_LIBRARY_PATH="$lddpath" ldd "$f" 2>&1) || die "ldd $f: $out"
	if grep -q "not found" <<<"$out"; then
		die "$f needs libraries that no package provides: $(grep 'not found' <<<"$out" | tr -s ' \t' ' ')"
	fi
	for lib in $(awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }' <<<"$out"); do
		copy_file "$lib" "$(image_path "$lib")"
	done
}

file_is_dynamic() {
	head -c 4 "$1" | grep -q ELF || return 1
	LD_LIBRARY_PATH="$lddpath" ldd "$1" >/dev/null 2>&1
}

# copy_bin SRC DEST: a program and its libraries.
copy_bin() {
	copy_file "$1" "$2"
	copy_libs "$1"
}

# busybox and its applets (never overriding a real program).
copy_file /bin/busybox /bin/busybox
for a in $(/bin/busybox --list); do
	[ -e "bin/$a" ] || ln -s busybox "bin/$a"
done
# The hotplug scripts are bash and lock with flock.
rm -f bin/bash bin/flock
copy_bin /bin/bash /bin/bash
copy_bin /usr/bin/flock /usr/bin/flock
# iproute2's ip (network namespaces, which busybox's ip lacks), ahead of
# busybox's on PATH.
for ipbin in /usr/sbin/ip /sbin/ip /bin/ip; do
	[ -x "$ipbin" ] && break
done
[ -x "$ipbin" ] || die "no iproute2 ip on the host"
copy_bin "$ipbin" /usr/sbin/ip
# glibc dlopens libgcc_s for pthread_cancel/unwinding; xl aborts without it.
copy_file "/lib/$multi/libgcc_s.so.1" "/lib/$multi/libgcc_s.so.1"

# The Xen toolstack.
for p in xl xenstored xenconsoled xen-init-dom0 libxl-save-helper xenconsole; do
	copy_bin "$pkgroot$xenbin/$p" "$xenbin/$p"
done
ln -s "$xenbin/xl" usr/sbin/xl
ln -s "$xenbin/xenstored" usr/sbin/xenstored
ln -s "$xenbin/xenconsoled" usr/sbin/xenconsoled
copy_bin "$pkgroot/usr/bin/xenstore" /usr/bin/xenstore
for l in "$pkgroot"/usr/bin/xenstore-*; do
	# hard links to one multi-call binary (xenstore-control is a wrapper
	# for the one in $xenbin, not needed here)
	cmp -s "$l" "$pkgroot/usr/bin/xenstore" && ln -s xenstore "usr/bin/${l##*/}"
done
mkdir -p etc/xen
cp -a "$pkgroot/etc/xen/." etc/xen/
# libxl's dlopen'd and helper libraries live beside the others.
for l in "$pkgroot"/usr/lib/$multi/libxen*.so.* "$pkgroot"/usr/lib/$multi/libxl*.so.*; do
	[ -e "$l" ] && copy_file "$l" "/usr/lib/$multi/${l##*/}"
done

# Kernel modules with their dependencies.
mdir="lib/modules/$kver"
mkdir -p "$mdir"
declare -A mods=()
add_module() {
	local m=$1 line path dep
	line=$(grep -E "/${m//[-_]/[-_]}\.ko(\.[a-z]+)?:" "$pkgroot/$mdir/modules.dep") ||
		die "kernel $kver has no module $m"
	path=${line%%:*}
	[ -n "${mods[$path]:-}" ] && return 0
	mods[$path]=1
	copy_file "$pkgroot/$mdir/$path" "/$mdir/$path"
	for dep in ${line#*:}; do
		dep=${dep##*/}
		add_module "${dep%%.ko*}"
	done
}
for m in $XENLAB_MODULES; do
	add_module "$m"
done
for f in modules.order modules.builtin modules.builtin.modinfo; do
	[ -f "$pkgroot/$mdir/$f" ] && cp "$pkgroot/$mdir/$f" "$mdir/"
done
depmod -b "$root" "$kver"

# rtdd binaries, under /rtdd with their paths relative to the build tree.
nr=0
for f in "$O"/bin/* "$O"/tests/*; do
	[ -f "$f" ] && [ -x "$f" ] || continue
	head -c 4 "$f" | grep -q ELF || continue
	copy_bin "$f" "/rtdd/${f#"$O"/}"
	nr=$((nr + 1))
done

# The lab's system from its manifest: `rtdd plan` writes the xl configs,
# the cpupool config, apply.sh/destroy.sh, dd.rtdd.json (what rtdd-devd in
# dd serves) and report.json. Without passthrough the "lab:pt" line goes.
plan_src="$img/lab.yaml"
if [ "$XENLAB_PT" = 1 ]; then
	cp "$here/lab.yaml" "$plan_src"
else
	grep -v '# lab:pt' "$here/lab.yaml" >"$plan_src"
fi
rm -rf "$img/plan"
"$O/bin/rtdd" plan "$plan_src" -o "$img/plan" >"$img/plan.log" 2>&1 ||
	die "rtdd plan $here/lab.yaml refused or failed: $(tail -n 3 "$img/plan.log")"
# What dom0 compares `xl sched-rtds` with: "name vcpu period budget
# extratime(0|1)" per VCPU, read from the plan's JSON report.
python3 - "$img/plan/report.json" >"$img/plan/rtds-expected.txt" <<'PYEOF' ||
import json, sys
rep = json.load(open(sys.argv[1]))
if not rep.get("admitted"):
    sys.exit("plan not admitted")
for d in rep["domains"]:
    for v in d.get("rtds", []):
        print(d["name"], v["vcpu"], v["period_us"], v["budget_us"],
              1 if v["extratime"] else 0)
PYEOF
	die "cannot read $img/plan/report.json"
[ -s "$img/plan/rtds-expected.txt" ] || die "the plan has no RTDS parameters"
mkdir -p lab/plan
cp "$img/plan"/* lab/plan/

# Lab scripts.
cp "$here/guest/init" init
chmod 755 init
cp "$here/guest/common.sh" "$here/guest/dom0.sh" "$here/guest/domu.sh" lab/
cp "$here/lab-tests.txt" lab/lab-tests.txt
cat >lab/lab.conf <<EOF
PT=$XENLAB_PT
PT_BDF=$XENLAB_PT_BDF
DOM0_NIC_MAC=$XENLAB_DOM0_NIC_MAC
KVER=$kver
RTDS_POOL_DESTROY=$XENLAB_RTDS_POOL_DESTROY
SKIP_GROUPS="$XENLAB_SKIP"
EOF
echo "root:x:0:0:root:/root:/bin/sh" >etc/passwd
echo "root:x:0:" >etc/group
echo "127.0.0.1 localhost" >etc/hosts

find . -print0 | cpio --null -o -H newc --quiet | gzip -6 >"$img/domu.cpio.gz"

# Kernels.
cp "$pkgroot/boot/vmlinuz-$kver" "$img/vmlinuz"
python3 - "$img/vmlinuz" "$img/vmlinux" <<'EOF'
import lzma, sys
data = open(sys.argv[1], "rb").read()
off = data.find(b"\xfd7zXZ\x00")
if off < 0:
    sys.exit("no xz payload in " + sys.argv[1])
elf = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[off:])
if elf[:4] != b"\x7fELF":
    sys.exit("xz payload is not an ELF kernel")
open(sys.argv[2], "wb").write(elf)
EOF
gzip -6 -f "$img/vmlinux"

# dom0: the domU image plus what only dom0 needs, as a second cpio member
# (the kernel unpacks concatenated archives in order).
extra="$img/dom0-extra"
rm -rf "$extra"
mkdir -p "$extra/lab"
cp "$img/vmlinux.gz" "$img/domu.cpio.gz" "$extra/lab/"
(cd "$extra" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) >"$img/dom0-extra.cpio.gz"
cat "$img/domu.cpio.gz" "$img/dom0-extra.cpio.gz" >"$img/dom0.cpio.gz"

echo "kernel $kver, $nr rtdd binaries, plan of lab.yaml admitted, domU image $(du -k "$img/domu.cpio.gz" | cut -f1) KiB, dom0 image $(du -k "$img/dom0.cpio.gz" | cut -f1) KiB"
