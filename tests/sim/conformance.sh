#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/unit/hv_conformance on rtdd-simhv, in three roles: as dom0 with a
# peer, as a domU under `rtdd-simhv run` (hv "auto" through the
# environment run sets), and as a domU with a peer. Exit 0 pass, 77 skip.
set -u
O=${O:-build}
simhv="$O/bin/rtdd-simhv"
conf="$O/tests/test_hv_conformance"
if [ ! -x "$simhv" ] || [ ! -x "$conf" ]; then
	echo "SKIP: $simhv or $conf not built"
	exit 77
fi
tmp=$(mktemp -d /tmp/rtdd-conf-XXXXXX)
cleanup() {
	RTDD_SIM_DIR="$tmp/run" "$simhv" stop >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
export RTDD_LOG_LEVEL=${RTDD_LOG_LEVEL:-warn}
"$simhv" start --dir "$tmp/run" --daemon --log "$tmp/simhv.log" || {
	echo "FAIL: rtdd-simhv did not start"
	cat "$tmp/simhv.log"
	exit 1
}
export RTDD_SIM_DIR="$tmp/run"

fail=0
# one cmocka run: passes only when every test passed or said why it skipped
check() {
	local what=$1 log=$2 rc=$3
	if [ "$rc" -ne 0 ] || ! grep -q '^\[  PASSED  \]' "$log" ||
		grep -q '^\[  FAILED  \]' "$log"; then
		echo "FAIL: conformance $what (rc $rc)"
		tail -n 30 "$log"
		fail=1
	else
		echo "ok: conformance $what: $(grep '^\[  PASSED  \]' "$log")"
	fi
}

# a peer domain, kept alive by a process that waits to be killed
"$simhv" run --name peer -- sleep 600 &
runpid=$!
for _ in $(seq 100); do
	"$simhv" list 2>/dev/null | grep -q '^peer ' && break
	sleep 0.05
done
peer=$("$simhv" list | awk '$1 == "peer" { print $2 }')
if [ -z "$peer" ]; then
	echo "FAIL: peer domain did not come up"
	exit 1
fi

RTDD_TEST_HV=sim:0 RTDD_TEST_PEER_DOMID=$peer timeout 120 "$conf" \
	>"$tmp/dom0.log" 2>&1
check "as dom0 (peer $peer)" "$tmp/dom0.log" $?

timeout 120 "$simhv" run --name conf -- "$conf" >"$tmp/domu.log" 2>&1
check "as a domU" "$tmp/domu.log" $?

RTDD_TEST_PEER_DOMID=$peer timeout 120 "$simhv" run --name conf2 -- \
	"$conf" >"$tmp/domu-peer.log" 2>&1
check "as a domU with peer $peer" "$tmp/domu-peer.log" $?

kill "$runpid" 2>/dev/null # run destroys its domain on SIGTERM
wait "$runpid" 2>/dev/null
if "$simhv" list | grep -q '^peer '; then
	echo "FAIL: the peer domain outlived its run"
	fail=1
fi
if grep -E ': (ERR|WARN):' "$tmp/simhv.log"; then
	echo "FAIL: simhv logged errors"
	fail=1
fi
exit $fail
