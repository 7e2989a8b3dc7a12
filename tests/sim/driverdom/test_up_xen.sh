#!/bin/bash
# SPDX-License-Identifier: MIT
#
# rtdd up/down --hv xen with a fake `xl` on PATH that records its
# arguments (the real one runs in the Xen lab, tests/xen):
#   1. up writes the plan into <run dir>/plan and runs apply.sh: the xl
#      calls are exactly the plan's, in order (cpupool, create -p,
#      sched-rtds with the plan's parameters, unpause);
#   2. down runs destroy.sh (guests, driver domains, then the pool);
#   3. an xl that fails makes up fail with a message and a non-zero exit.
# Exit 0 pass, 77 skip (reason last), else fail.
set -u
O=${O:-build}
rtdd="$(cd "$O/bin" 2>/dev/null && pwd)/rtdd"
m=examples/adas-ecu.yaml
tmp=$(mktemp -d /tmp/rtdd-upxen-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export RTDD_RUN_DIR="$tmp/run"
run="$RTDD_RUN_DIR/adas-ecu"
fail=0
bad() {
	echo "FAIL: $*"
	fail=1
}
[ -x "$rtdd" ] || {
	echo "SKIP: rtdd not built"
	exit 77
}

mkdir -p "$tmp/bin"
cat >"$tmp/bin/xl" <<'EOF'
#!/bin/sh
echo "xl $*" >>"$XL_LOG"
case " $* " in
*"$XL_FAIL"*) echo "xl: simulated failure" >&2; exit 1 ;;
" cpupool-list "*) echo "Pool '$2' does not exist" >&2; exit 1 ;;
esac
exit 0
EOF
chmod +x "$tmp/bin/xl"
export XL_LOG="$tmp/xl.log" XL_FAIL="no-such-call"

# ---- 1. up ----------------------------------------------------------------
PATH="$tmp/bin:$PATH" "$rtdd" up "$m" --hv xen >"$tmp/up.out" 2>&1 ||
	bad "up exit $?: $(cat "$tmp/up.out")"
cat "$tmp/up.out"
[ -f "$run/plan/apply.sh" ] || bad "no plan in $run/plan"
cat >"$tmp/want.up" <<EOF
xl cpupool-cpu-remove Pool-0 1
xl cpupool-cpu-remove Pool-0 2
xl cpupool-cpu-remove Pool-0 3
xl cpupool-list rt
xl cpupool-create $run/plan/cpupool-rt.cfg
xl create -p $run/plan/dd-net.cfg
xl sched-rtds -d dd-net -v 0 -p 300 -b 95 -e 1
xl unpause dd-net
xl create -p $run/plan/dd-blk.cfg
xl sched-rtds -d dd-blk -v 0 -p 500 -b 50 -e 1
xl unpause dd-blk
xl create -p $run/plan/adas.cfg
xl sched-rtds -d adas -v 0 -p 700 -b 479 -e 0
xl sched-rtds -d adas -v 1 -p 700 -b 479 -e 0
xl unpause adas
xl create -p $run/plan/infotainment.cfg
xl unpause infotainment
EOF
diff -u "$tmp/want.up" "$XL_LOG" || bad "up: xl calls differ from the plan"
# the configs it created from are the checked-in templates
for f in adas.cfg dd-blk.cfg dd-net.cfg infotainment.cfg cpupool-rt.cfg; do
	cmp -s "$run/plan/$f" "examples/adas-ecu/$f" || bad "$f differs from examples/adas-ecu/$f"
done
grep -q "^hv xen" "$run/rtdd-up.state" || bad "state does not say xen"
PATH="$tmp/bin:$PATH" "$rtdd" up "$m" --hv xen >"$tmp/up2.out" 2>&1 &&
	bad "a second up succeeded"
grep -q "already up" "$tmp/up2.out" || bad "second up: $(cat "$tmp/up2.out")"

# ---- 2. down (the hv comes from the state file) ---------------------------
: >"$XL_LOG"
PATH="$tmp/bin:$PATH" "$rtdd" down "$m" >"$tmp/down.out" 2>&1 ||
	bad "down exit $?: $(cat "$tmp/down.out")"
cat >"$tmp/want.down" <<EOF
xl destroy adas
xl destroy infotainment
xl destroy dd-net
xl destroy dd-blk
EOF
diff -u "$tmp/want.down" "$XL_LOG" || bad "down: xl calls differ from destroy.sh"
[ -e "$run/rtdd-up.state" ] && bad "state left after down"

# ---- 3. a failing xl --------------------------------------------------------
: >"$XL_LOG"
XL_FAIL="dd-blk.cfg" PATH="$tmp/bin:$PATH" "$rtdd" up "$m" --hv xen \
	>"$tmp/up3.out" 2>&1 && bad "up succeeded although xl create failed"
grep -q "apply.sh failed" "$tmp/up3.out" || bad "no message: $(cat "$tmp/up3.out")"
grep -q "sched-rtds -d dd-blk" "$XL_LOG" && bad "apply.sh went on after a failure"

[ $fail = 0 ] && echo "PASS: rtdd up/down --hv xen drive xl as planned"
exit $fail
