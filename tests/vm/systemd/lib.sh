# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the tests that run under systemd (tests/vm/systemd/*.sh, in the
# VM of tests/vm/sdvm.sh). Every unit a test starts is named
# leakjail-test-<pid>-..., and is stopped on every exit path.
set -euo pipefail

: "${LEAKJAIL:?run through tests/vm/sd-guest.sh}" "${MEMHOG:?run through tests/vm/sd-guest.sh}"
T_ID="leakjail-test-$$"
T_DIR=$(mktemp -d "/tmp/$T_ID.XXXXXX")
T_UNITS=()
T_USER_UNITS=()
T_PIDS=()
GUEST_USER=lju
GUEST_UID=1000

skip() { echo "skip: $*" >&2; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "# $*"; }

t_cleanup() {
	local u p
	for p in "${T_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	for u in "${T_UNITS[@]}"; do
		systemctl stop "$u" 2>/dev/null || true
		systemctl reset-failed "$u" 2>/dev/null || true
	done
	for u in "${T_USER_UNITS[@]}"; do
		as_user systemctl --user stop "$u" 2>/dev/null || true
		as_user systemctl --user reset-failed "$u" 2>/dev/null || true
	done
	rm -rf "$T_DIR"
}
trap t_cleanup EXIT

# as_user CMD...: run CMD as the test user, with its user manager's bus
# ("${AS_USER[@]}" CMD & gives CMD's own pid in $!: setpriv and env exec it)
AS_USER=(setpriv --reuid="$GUEST_UID" --regid="$GUEST_UID" --init-groups
	env XDG_RUNTIME_DIR=/run/user/$GUEST_UID DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/$GUEST_UID/bus
	HOME=/home/$GUEST_USER)
as_user() { "${AS_USER[@]}" "$@"; }

# unit_name SUFFIX: a unit name of this test's own
unit_name() { echo "$T_ID-$1"; }

# start_service NAME PROPS... -- CMD...: a transient service, recorded for cleanup
start_service() {
	local name=$1
	shift
	T_UNITS+=("$name.service")
	local props=()
	while [ "$1" != -- ]; do props+=(-p "$1"); shift; done
	shift
	systemd-run --quiet --unit="$name" "${props[@]}" "$@"
}

# unit_pids UNIT: the pids in the unit's cgroup
unit_pids() {
	local cg
	cg=$(systemctl show -P ControlGroup "$1")
	[ -n "$cg" ] && cat "/sys/fs/cgroup$cg/cgroup.procs"
}

# proc_cgroup PID: the process's cgroup v2 path
proc_cgroup() { sed -n 's/^0:://p' "/proc/$1/cgroup"; }

# wait_for SECONDS CMD...: poll until CMD succeeds, for SECONDS of the clock
# (an emulated CPU on a busy host makes each try slow: count time, not tries)
wait_for() {
	local end=$((SECONDS + $1))
	shift
	while :; do
		"$@" && return 0
		[ $SECONDS -lt $end ] || return 1
		sleep 0.1
	done
}

kib_of() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

# write_conf FILE TEXT: a configuration file as leakjail accepts it (root, 0644).
write_conf() {
	mkdir -p "$(dirname "$1")"
	printf '%s\n' "$2" >"$1"
	chmod 0644 "$1"
}

# test_policy FILE: a policy that jails this test's services once they grow
# 30 MiB within 3 s, at 32 MiB (48 MiB at most)
test_policy() {
	write_conf "$1" "[policy t]
match_cgroup = /system.slice/$T_ID-*
growth = 30M
window = 3s
action = jail
jail_size = 32M
jail_max = 48M"
}

# daemon_conf [BACKEND]: $T_DIR/leakjail.conf and the test_policy in $T_DIR/policies
daemon_conf() {
	write_conf "$T_DIR/leakjail.conf" "[daemon]
interval = 500ms
state_dir = $T_DIR/state
kernel_watch = no
log = stderr
backend = ${1:-auto}"
	test_policy "$T_DIR/policies/t.conf"
}

# start_daemon LOG: the daemon in the foreground, in $DAEMON, ready when it says "started:"
start_daemon() {
	"$LEAKJAIL" daemon --foreground --config "$T_DIR/leakjail.conf" --policies "$T_DIR/policies" 2>"$1" &
	DAEMON=$!
	T_PIDS+=("$DAEMON")
	wait_for 20 grep -q "started:" "$1" || fail "the daemon did not start: $(cat "$1")"
}

# jailed_in LOG PID: wait (60 s) for the daemon to jail PID
jailed_in() {
	wait_for 120 grep -q "jailed pid $2 " "$1" || fail "pid $2 was not jailed: $(cat "$1")"
}

# pid_of_comm UNIT COMM: the process of UNIT named COMM
pid_of_comm() {
	local p
	for p in $(unit_pids "$1"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$2" ] && { echo "$p"; return 0; }
	done
	return 1
}

# swaps PID KIB: does PID have at least KIB in swap?
swaps() { [ "$(kib_of "$1" VmSwap)" -ge "$2" ]; }
