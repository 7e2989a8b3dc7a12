#!/bin/bash
# SPDX-License-Identifier: MIT
# Debian's xenstore-* tools (xenstore-utils) against simhv's xenstore server
# (xsd_testd: the server library with domains 0, 1, 2). Exit 0 pass, 77 skip.
set -u
O=${O:-build}
testd="$O/bin/xsd_testd"

for t in xenstore-ls xenstore-read xenstore-write xenstore-chmod \
	xenstore-watch xenstore-rm xenstore-list xenstore-exists; do
	command -v "$t" >/dev/null || { echo "SKIP: $t missing (xenstore-utils)"; exit 77; }
done
[ -x "$testd" ] || { echo "SKIP: $testd not built"; exit 77; }

D=$(mktemp -d /tmp/rtdd-xsd-tools.XXXXXX)
pid=
cleanup() {
	exec 3>&- 2>/dev/null
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	exit 1
}

mkfifo "$D/ctl"
"$testd" "$D" <"$D/ctl" >"$D/out" 2>"$D/err" &
pid=$!
exec 3>"$D/ctl"
for _ in $(seq 100); do
	grep -q ready "$D/out" 2>/dev/null && break
	sleep 0.05
done
grep -q ready "$D/out" || fail "xsd_testd did not start: $(cat "$D/err")"

as() { # as DOMID cmd args...
	local d=$1
	shift
	XENSTORED_PATH="$D/dom$d.sock" "$@"
}

# write / read / list / exists
as 0 xenstore-write /tools/a 1 /tools/b 2 || fail "xenstore-write"
[ "$(as 0 xenstore-read /tools/a)" = 1 ] || fail "xenstore-read /tools/a"
[ "$(as 0 xenstore-list /tools | tr '\n' ' ')" = "a b " ] || fail "xenstore-list"
as 0 xenstore-exists /tools/b || fail "xenstore-exists"
as 0 xenstore-exists /tools/nope && fail "xenstore-exists on a missing node"

# chmod and the permissions as other domains see them
as 0 xenstore-chmod /tools/a n0 r1 || fail "xenstore-chmod"
as 0 xenstore-ls -p /tools | grep -q 'a = "1".*(n0,r1)' ||
	fail "xenstore-ls -p: $(as 0 xenstore-ls -p /tools)"
[ "$(as 1 xenstore-read /tools/a)" = 1 ] || fail "dom1 cannot read /tools/a"
as 2 xenstore-read /tools/a 2>/dev/null && fail "dom2 read a node it may not"
as 1 xenstore-write /tools/a x 2>/dev/null && fail "dom1 wrote a read-only node"
[ "$(as 0 xenstore-read /tools/a)" = 1 ] || fail "/tools/a changed"
as 0 xenstore-chmod -r /tools b0 || fail "xenstore-chmod -r"
as 0 xenstore-ls -p /tools | grep -q 'b = "2".*(b0)' || fail "chmod -r"
as 2 xenstore-write /tools/b by2 || fail "dom2 cannot write after b0"

# relative paths and a domain's view
[ "$(as 1 xenstore-read name)" = dom1 ] || fail "relative read"
as 1 xenstore-ls /local/domain/1 | grep -q 'domid = "1"' || fail "xenstore-ls as dom1"
as 1 xenstore-ls /local/domain/2 >/dev/null 2>&1 && fail "dom1 listed dom2's home"

# watch: the initial event, then changes in order
as 0 xenstore-watch -n 4 /tools >"$D/watch" 2>&1 &
wpid=$!
for _ in $(seq 100); do
	[ -s "$D/watch" ] && break
	sleep 0.05
done
[ "$(head -1 "$D/watch")" = /tools ] || fail "no initial watch event"
as 0 xenstore-write /tools/c 3 || fail "write /tools/c"
as 0 xenstore-rm /tools/b || fail "xenstore-rm"
as 1 xenstore-read /tools/a >/dev/null # no event: reads do not fire
as 0 xenstore-write /tools/a 4 || fail "write /tools/a"
wait "$wpid" || fail "xenstore-watch failed"
want=$'/tools\n/tools/c\n/tools/b\n/tools/a'
[ "$(cat "$D/watch")" = "$want" ] || fail "watch events: $(cat "$D/watch")"

# xenstore-control (if present): dom0 only
if command -v xenstore-control >/dev/null; then
	as 0 xenstore-control quota | grep -q nodes || fail "xenstore-control quota"
	as 1 xenstore-control quota >/dev/null 2>&1 && fail "dom1 ran a control command"
fi

# a domain's nodes vanish when simhv removes it
echo "remove 2" >&3
for _ in $(seq 100); do
	as 0 xenstore-exists /local/domain/2 || break
	sleep 0.05
done
as 0 xenstore-exists /local/domain/2 && fail "/local/domain/2 still there"
as 0 xenstore-ls / >/dev/null || fail "xenstore-ls / after remove"

kill -0 "$pid" || fail "xsd_testd died"
echo quit >&3
wait "$pid"
st=$?
pid=
[ $st -eq 0 ] || fail "xsd_testd exited with $st: $(cat "$D/err")"
echo "PASS: xenstore-ls/read/write/chmod/watch/rm/list/exists against simhv"
exit 0
