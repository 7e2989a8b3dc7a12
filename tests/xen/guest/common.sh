# SPDX-License-Identifier: MIT
# Shared helpers of the Xen lab's in-VM scripts (busybox sh).
#
# Markers, one per line on the console, are what run.sh (dom0's console) and
# dom0.sh (the domUs' console logs) parse:
#   LAB: BEGIN <step>
#   LAB: PASS|FAIL|SKIP <step> <detail>
#   LAB: DONE <role>
# Step names have no spaces.

. /lab/lab.conf

# Elapsed time inside this domain, from /proc/uptime (10 ms resolution).
up() { cut -d' ' -f1 /proc/uptime; }
since() { awk -v s="$1" -v e="$(up)" 'BEGIN { printf "%.2f", e - s }'; }

begin() { echo "LAB: BEGIN $1"; }
result() {
	st=$1 name=$2
	shift 2
	echo "LAB: $st $name $*"
}

# step NAME FUNC [ARGS]: runs FUNC with its output in /tmp/NAME.log. FUNC
# prints its one-line detail last; it returns 0 pass, 77 skip, else fail.
step() {
	name=$1
	shift
	begin "$name"
	t0=$(up)
	"$@" >"/tmp/$name.log" 2>&1
	rc=$?
	detail=$(tail -n 1 "/tmp/$name.log")
	case $rc in
	0) result PASS "$name" "$detail (in-domain $(since "$t0") s)" ;;
	77) result SKIP "$name" "$detail" ;;
	*)
		sed "s/^/  [$name] /" "/tmp/$name.log" | tail -n 60
		result FAIL "$name" "$detail"
		;;
	esac
	return $rc
}

mod() {
	for m in "$@"; do
		modprobe "$m" || {
			echo "modprobe $m failed"
			return 1
		}
	done
}

# wait_for SECONDS CMD...: polls CMD every 0.2 s for SECONDS of this
# domain's clock (not a count of polls: under TCG a poll takes long).
wait_for() {
	read -r _w _ </proc/uptime
	_wend=$((${_w%.*} + $1))
	shift
	while :; do
		"$@" 2>/dev/null && return 0
		read -r _w _ </proc/uptime
		[ "${_w%.*}" -lt "$_wend" ] || return 1
		sleep 0.2
	done
}

xen_userspace() {
	mod xenfs xen-evtchn xen-gntdev xen-privcmd || return 1
	# gntalloc's default limit is 1024 grants for the whole domain;
	# librtdd-blkfront's persistent pool alone takes slots x segments
	# (32 x 32 with its defaults) plus the ring and indirect pages.
	modprobe xen-gntalloc limit=16384 || {
		echo "modprobe xen-gntalloc limit=16384 failed"
		return 1
	}
	mount -t xenfs xenfs /proc/xen || return 1
	for d in evtchn gntdev gntalloc privcmd xenbus; do
		[ -c /dev/xen/$d ] || {
			echo "no /dev/xen/$d"
			return 1
		}
	done
}

no_dad() {
	for f in /proc/sys/net/ipv6/conf/*/accept_dad; do
		echo 0 >"$f"
	done
}

# Link-local IPv6 address of a MAC (EUI-64).
ll_of_mac() {
	old_ifs=$IFS
	IFS=:
	# shellcheck disable=SC2086
	set -- $1
	IFS=$old_ifs
	printf 'fe80::%x:%x:%x:%x\n' $(((0x$1 ^ 2) << 8 | 0x$2)) \
		$((0x$3 << 8 | 0xff)) $((0xfe00 | 0x$4)) $((0x$5 << 8 | 0x$6))
}

# One line of lab-tests.txt: "WHERE BINARY ARGS...". The step name is
# labtest-<line>-<where>-<binary's name>.
labtest_name() { echo "labtest-$1-$2-$(basename "$3")"; }

labtest_one() {
	bin=$1
	shift
	if [ ! -x "/rtdd/$bin" ]; then
		echo "not built yet: \$O/$bin does not exist"
		return 77
	fi
	# @dom0, @dd, @guest, @self: domids (LAB_DD, LAB_GUEST, LAB_SELF)
	argv=""
	for a in "$@"; do
		case "$a" in
		@dom0) a=0 ;;
		@self) a=${LAB_SELF:-} ;;
		@dd) a=${LAB_DD:-} ;;
		@guest) a=${LAB_GUEST:-} ;;
		esac
		[ -n "$a" ] || {
			echo "needs a domain that is not running here"
			return 77
		}
		argv="$argv $a"
	done
	out=/tmp/labtest-out.$$
	echo "run: $bin$argv"
	# shellcheck disable=SC2086
	timeout 300 "/rtdd/$bin" $argv >"$out" 2>&1
	rc=$?
	cat "$out"
	case $rc in
	0)
		if grep -q '\[  PASSED  \] 0 test' "$out" && grep -q 'SKIPPED' "$out"; then
			echo "all tests skipped: $(grep -m1 'SKIP' "$out")"
			return 77
		fi
		echo "$(grep -m1 'PASSED' "$out" | tr -s ' ')"
		return 0
		;;
	77) return 77 ;;
	124) echo "timeout after 300 s" ;;
	*) echo "exit $rc" ;;
	esac
	return 1
}

# skipped GROUP: XENLAB_SKIP (run.sh) names GROUP; its steps say SKIP.
skipped() {
	case " ${SKIP_GROUPS:-} " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

# run_labtests WHERE: runs this domain's lines of lab-tests.txt.
run_labtests() {
	where=$1 ln=0
	grep -q "^${where}[[:space:]]" /lab/lab-tests.txt || return 0
	if skipped labtests; then
		while read -r w bin args; do
			ln=$((ln + 1))
			[ "$w" = "$where" ] || continue
			n=$(labtest_name $ln "$w" "$bin")
			begin "$n"
			result SKIP "$n" "left out by XENLAB_SKIP=labtests"
		done </lab/lab-tests.txt
		return 0
	fi
	if [ "$where" != dom0 ]; then
		# dom0 writes the lab's domids into our xenstore home once both
		# domUs are up, so tests can name each other as peers.
		LAB_SELF=$(xenstore-read domid 2>/dev/null)
		if wait_for 300 xenstore-read rtdd-lab/go; then
			LAB_DD=$(xenstore-read rtdd-lab/dd 2>/dev/null)
			LAB_GUEST=$(xenstore-read rtdd-lab/guest 2>/dev/null)
		fi
	fi
	while read -r w bin args; do
		ln=$((ln + 1))
		case "$w" in
		'' | '#'*) continue ;;
		esac
		[ "$w" = "$where" ] || continue
		# shellcheck disable=SC2086
		step "$(labtest_name $ln "$w" "$bin")" labtest_one "$bin" $args
	done </lab/lab-tests.txt
}
