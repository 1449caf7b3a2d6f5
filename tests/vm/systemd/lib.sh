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

# as_user CMD...: run CMD as the test user, with its user manager's bus.
as_user() {
	setpriv --reuid="$GUEST_UID" --regid="$GUEST_UID" --init-groups \
		env XDG_RUNTIME_DIR=/run/user/$GUEST_UID DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/$GUEST_UID/bus \
		HOME=/home/$GUEST_USER "$@"
}

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

# wait_for SECONDS CMD...: poll until CMD succeeds
wait_for() {
	local n=$(($1 * 10))
	shift
	while [ $n -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

kib_of() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
