#!/bin/bash
# SPDX-License-Identifier: MIT
#
# fetch-sdk.sh CACHE_DIR - provide DPDK's driver SDK headers for building
# net_rtdd (an out-of-tree PMD) against Debian's libdpdk-dev.
#
# Debian's libdpdk-dev ships the application headers only; a PMD also needs
# ethdev_driver.h, bus_vdev_driver.h, bus_driver.h, dev_driver.h and friends.
# They are in Debian's `dpdk` source package of the very same version. This
# script fetches that source package with `apt-get source` through a PRIVATE
# apt configuration (own sources list with deb-src lines derived from the
# system's deb lines, own lists and cache directories), so the system's apt
# state is never touched, and copies the headers that libdpdk-dev lacks to
#
#     CACHE_DIR/sdk-<version>/include   (CACHE_DIR/include links to it)
#
# It prints that directory on its last line. A second run with the same
# libdpdk-dev version does nothing but print it. Exit 0 on success, 1 on
# failure (the reason on stderr). Needs network access to the Debian mirror
# the system already uses; RTDD_DPDK_SRC_LINE="deb-src URI SUITE COMPONENT"
# overrides the derived source lines.
set -euo pipefail

die() {
	echo "fetch-sdk: $*" >&2
	exit 1
}

[ $# -eq 1 ] || die "usage: fetch-sdk.sh CACHE_DIR"
cache=$1
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

ver=$(dpkg-query -W -f='${source:Version}' libdpdk-dev 2>/dev/null) ||
	die "libdpdk-dev is not installed (make deps)"
[ -n "$ver" ] || die "cannot read the libdpdk-dev version"
sdk="$cache/sdk-$ver"
if [ -f "$sdk/.done" ]; then
	ln -sfn "sdk-$ver/include" "$cache/include"
	echo "$sdk/include"
	exit 0
fi

apt_dir="$cache/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/src"
list="$apt_dir/sources.list"

# deb-src lines from the system's deb lines: one-line files and deb822 files.
derive_sources() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		sed -n 's/^[[:space:]]*deb[[:space:]]\+/deb-src /p' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk '
		function flush(   i, j, nu, ns, u, s, opt) {
			if (types ~ /(^|[ \t])deb([ \t]|$)/ && enabled != "no" && uris != "") {
				opt = (signed != "") ? "[signed-by=" signed "] " : ""
				nu = split(uris, u, /[ \t]+/)
				ns = split(suites, s, /[ \t]+/)
				for (i = 1; i <= nu; i++)
					for (j = 1; j <= ns; j++)
						if (u[i] != "" && s[j] != "")
							print "deb-src " opt u[i] " " s[j] " " comps
			}
			types = uris = suites = comps = signed = enabled = ""
		}
		/^[ \t]*#/ { next }
		/^[ \t]*$/ { flush(); next }
		{
			key = $1; sub(/:$/, "", key); val = $0
			sub(/^[^:]*:[ \t]*/, "", val)
			if (key == "Types") types = val
			else if (key == "URIs") uris = val
			else if (key == "Suites") suites = val
			else if (key == "Components") comps = val
			else if (key == "Signed-By") signed = val
			else if (key == "Enabled") enabled = val
		}
		END { flush() }' "$f"
	done
}

if [ -n "${RTDD_DPDK_SRC_LINE:-}" ]; then
	printf '%s\n' "$RTDD_DPDK_SRC_LINE" >"$list"
else
	derive_sources | sort -u >"$list"
fi
[ -s "$list" ] || die "no apt sources to derive deb-src lines from; set RTDD_DPDK_SRC_LINE"

apt_opts=(
	-o "Dir::Etc::SourceList=$list"
	-o "Dir::Etc::SourceParts=/dev/null"
	-o "Dir::State::Lists=$apt_dir/lists"
	-o "Dir::Cache=$apt_dir"
	-o "Dir::Cache::archives=$apt_dir/archives"
	-o "Dir::Cache::pkgcache="
	-o "Dir::Cache::srcpkgcache="
	-o "APT::Sandbox::User=root"
	-o "Debug::NoLocking=1"
	-q
)

echo "fetch-sdk: fetching Debian source package dpdk=$ver (private apt config in $apt_dir)" >&2
# A source that offers no deb-src index only warns; apt-get source decides.
apt-get "${apt_opts[@]}" update >"$apt_dir/update.log" 2>&1 ||
	echo "fetch-sdk: apt-get update reported errors (see $apt_dir/update.log)" >&2
(cd "$apt_dir/src" && apt-get "${apt_opts[@]}" source --download-only "dpdk=$ver") \
	>"$apt_dir/source.log" 2>&1 ||
	die "apt-get source dpdk=$ver failed (see $apt_dir/source.log)"

orig=$(ls "$apt_dir/src"/dpdk_*.orig.tar.* 2>/dev/null | head -n1)
[ -n "$orig" ] || die "no dpdk orig tarball in $apt_dir/src"

tmp="$cache/extract.$$"
rm -rf "$tmp"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
tar -xf "$orig" -C "$tmp" --wildcards '*/lib/*.h' '*/drivers/bus/vdev/*.h' ||
	die "cannot extract headers from $orig"
# Debian patches may touch headers: apply those that apply to what we have.
deb=$(ls "$apt_dir/src"/dpdk_*.debian.tar.* 2>/dev/null | head -n1)
top=$(ls -d "$tmp"/*/ | head -n1)
if [ -n "$deb" ] && tar -xf "$deb" -C "$top" debian/patches 2>/dev/null &&
	[ -f "$top/debian/patches/series" ]; then
	while read -r p _; do
		case "$p" in '' | \#*) continue ;; esac
		patch -s -p1 -d "$top" --dry-run <"$top/debian/patches/$p" >/dev/null 2>&1 &&
			patch -s -p1 -d "$top" <"$top/debian/patches/$p" >/dev/null 2>&1 || true
	done <"$top/debian/patches/series"
fi

# Copy the driver headers of the libraries a vdev ethdev PMD builds on,
# those that libdpdk-dev does not install (flat, like DPDK's own install
# layout), so nothing shadows an installed header.
mkdir -p "$sdk.tmp/include"
n=0
while IFS= read -r h; do
	b=$(basename "$h")
	[ -e "/usr/include/dpdk/$b" ] && continue
	[ -e "/usr/include/x86_64-linux-gnu/dpdk/$b" ] && continue
	cp "$h" "$sdk.tmp/include/$b"
	n=$((n + 1))
done < <(find "$top/lib/ethdev" "$top/lib/eal/include" "$top/lib/kvargs" \
	"$top/drivers/bus/vdev" -maxdepth 1 -name '*.h' | sort)
for need in ethdev_driver.h ethdev_vdev.h bus_vdev_driver.h bus_driver.h dev_driver.h; do
	[ -f "$sdk.tmp/include/$need" ] || die "$need missing from the source package"
done
echo "$ver" >"$sdk.tmp/version"
touch "$sdk.tmp/.done"
rm -rf "$sdk"
mv "$sdk.tmp" "$sdk"
ln -sfn "sdk-$ver/include" "$cache/include"
echo "fetch-sdk: $n SDK headers in $sdk/include" >&2
echo "$sdk/include"
