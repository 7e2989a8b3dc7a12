#!/bin/bash
# SPDX-License-Identifier: MIT
# `rtdd pci` from the outside: clear errors for bad input (malformed BDF, no
# such device, not root for --apply, bad options), dry runs that change
# nothing, JSON that parses, xl lines, all on a copy of the fixture tree.
set -u
O=${O:-build}
RTDD=$O/bin/rtdd
here=$(cd "$(dirname "$0")" && pwd)
fixture=$here/../../fixtures/pci/sys
if [ ! -x "$RTDD" ]; then
	echo "SKIP: $RTDD not built"
	exit 77
fi
tmp=$(mktemp -d /tmp/rtdd-pci-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cp -a "$fixture" "$tmp/sys"
chmod 755 "$tmp"
export RTDD_SYSFS_ROOT=$tmp/sys
fails=0

# expect EXIT-CODE PATTERN -- command...   (PATTERN is searched in stdout+stderr)
expect() {
	local want=$1 pat=$2
	shift 3
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -ne "$want" ] || ! grep -qE -- "$pat" <<<"$out"; then
		echo "FAIL: $* -> exit $rc (want $want), output:"
		sed 's/^/    /' <<<"$out"
		echo "    (wanted /$pat/)"
		fails=$((fails + 1))
	else
		echo "ok: $*"
	fi
}

expect 2 "not a PCI address" -- "$RTDD" pci check 00:3
expect 2 "not a PCI address" -- "$RTDD" pci check 0000:00:20.0
expect 2 "not a PCI address" -- "$RTDD" pci assign zz:00.0 --to pciback
expect 1 "no PCI device 0000:42:00.0" -- "$RTDD" pci check 42:00.0
expect 1 "no PCI device 0000:42:00.0" -- "$RTDD" pci assign 0000:42:00.0 --to pciback
expect 2 "must be pciback or vfio-pci" -- "$RTDD" pci assign 01:00.0 --to ixgbe
expect 2 "--to pciback.vfio-pci is required" -- "$RTDD" pci assign 01:00.0
expect 2 "unknown option" -- "$RTDD" pci list --frobnicate
expect 2 "unknown command" -- "$RTDD" pci frob
expect 2 "only goes with" -- "$RTDD" pci check 01:00.0 --apply
expect 2 "not a VF count" -- "$RTDD" pci vfs 01:00.0 many
expect 1 "supports 0..63 VFs" -- "$RTDD" pci vfs 01:00.0 64
expect 1 "no SR-IOV" -- "$RTDD" pci vfs 05:00.0 2
expect 1 "bridge" -- "$RTDD" pci assign 02:00.0 --to pciback
expect 1 "cannot read the PCI bus" -- "$RTDD" pci list --root /nonexistent

# Verdicts and exit status of check.
expect 0 "rt-good" -- "$RTDD" pci check 01:00.0
expect 1 "not-assignable.*|blocker no-reset" -- "$RTDD" pci check 00:02.0
expect 1 "group-shared.*0000:03:01.0 \(firewire_ohci\)" -- "$RTDD" pci check 03:00.0
expect 0 "assignable-with-caveats" -- "$RTDD" pci check 00:14.0

# Dry run: shows the writes, changes nothing.
expect 0 "echo pciback > .*/bus/pci/devices/0000:01:00.0/driver_override" -- \
	"$RTDD" pci assign 01:00.0 --to pciback
expect 0 "dry run" -- "$RTDD" pci release 01:00.0
expect 0 "echo 4 > .*/sriov_numvfs" -- "$RTDD" pci vfs 01:00.0 4
if [ "$(readlink "$tmp/sys/bus/pci/devices/0000:01:00.0/driver")" != \
	"../../../../bus/pci/drivers/ixgbe" ] ||
	[ "$(cat "$tmp/sys/bus/pci/devices/0000:01:00.0/driver_override")" != "(null)" ]; then
	echo "FAIL: a dry run changed the tree"
	fails=$((fails + 1))
fi

# --apply on a tree with no kernel behind it: the writes land, the driver
# link does not move, so the read-back fails and rtdd rolls back.
expect 1 "bound to igb; rolled back to igb" -- \
	"$RTDD" pci assign 05:00.0 --to pciback --apply
if [ "$(cat "$tmp/sys/bus/pci/devices/0000:05:00.0/driver_override")" != "" ] &&
	[ "$(cat "$tmp/sys/bus/pci/devices/0000:05:00.0/driver_override")" != "(null)" ]; then
	echo "FAIL: driver_override not restored after rollback"
	fails=$((fails + 1))
fi
expect 1 "refusing: .*block:sda\(in use\)" -- "$RTDD" pci assign 00:14.0 --to pciback --apply
expect 2 "not a PCI address" -- "$RTDD" pci check "$(printf '0%.0s' $(seq 200))"

# Not root: --apply refuses before touching anything.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	expect 1 "not root" -- setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$RTDD" pci assign 01:00.0 --to pciback --apply
	expect 1 "not root" -- setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$RTDD" pci vfs 01:00.0 2 --apply
elif [ "$(id -u)" != 0 ]; then
	expect 1 "not root" -- "$RTDD" pci assign 00:00.0 --to pciback --apply --root /sys
fi

# xl lines.
expect 0 "pci = \[ '0000:01:00.0,permissive=0' \]" -- "$RTDD" pci xl 01:00.0
expect 0 "xl pci-assignable-add 0000:01:00.0" -- "$RTDD" pci xl 01:00.0
expect 0 "msitranslate=0,power_mgmt=0,rdm_policy=strict" -- "$RTDD" pci xl --type hvm 01:00.0
expect 2 "--type must be" -- "$RTDD" pci xl --type kvm 01:00.0

# JSON parses and carries the inventory.
if command -v python3 >/dev/null; then
	expect 0 "^63$" -- sh -c "'$RTDD' pci list --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print([x for x in d[\"devices\"] if x[\"bdf\"]==\"0000:01:00.0\"][0][\"sriov\"][\"total_vfs\"])'"
	expect 0 "^not-assignable$" -- sh -c "'$RTDD' pci check --json 03:00.0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"devices\"][0][\"verdict\"])'; true"
fi

# The real bus: list and check run.
if [ -d /sys/bus/pci/devices ]; then
	unset RTDD_SYSFS_ROOT
	expect 0 "BDF" -- "$RTDD" pci list
	first=$(ls /sys/bus/pci/devices | head -1)
	if [ -n "$first" ]; then
		out=$("$RTDD" pci check "$first" 2>&1)
		rc=$?
		if [ $rc -gt 1 ] || ! grep -q "^$first " <<<"$out"; then
			echo "FAIL: rtdd pci check $first on the real bus: $out"
			fails=$((fails + 1))
		fi
	fi
fi

[ "$fails" -eq 0 ] && echo "all rtdd pci CLI checks passed"
[ "$fails" -eq 0 ]
