#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs the Debian 12 packages rtdd builds, tests and demos with.
# Idempotent: installs only what is missing. As non-root it prints the exact
# apt-get line and exits 0 when everything is present, 1 otherwise.
set -eu

# Build and test: compilers, Xen client libraries and tools, libpci, liburing,
# DPDK 22.11 (libraries, testpmd, driver SDK from the source package is fetched
# by frontends/net when needed), cmocka, libyaml, clang for libFuzzer.
PKGS="build-essential pkg-config clang clang-format libclang-rt-14-dev
libxen-dev xenstore-utils libpci-dev pciutils pci.ids liburing-dev
libdpdk-dev dpdk dpdk-dev libcmocka-dev libyaml-dev iproute2 valgrind
gnuplot-nox"
[ -n "${RTDD_EXTRA_PKGS:-}" ] && PKGS="$PKGS $RTDD_EXTRA_PKGS"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

line="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" != 0 ]; then
	echo "rtdd: missing Debian packages; run as root:"
	echo "  apt-get update && $line"
	exit 1
fi
echo "rtdd: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# A stale package list is the usual reason an install fails on a fresh machine.
if ! apt-get install -y -q --no-install-recommends $missing >/tmp/rtdd-deps.log 2>&1; then
	apt-get update -q >>/tmp/rtdd-deps.log 2>&1 || true
	apt-get install -y -q --no-install-recommends $missing >>/tmp/rtdd-deps.log 2>&1 || {
		tail -20 /tmp/rtdd-deps.log
		echo "rtdd: apt-get failed (log: /tmp/rtdd-deps.log)"
		exit 1
	}
fi
echo "rtdd: packages installed"
