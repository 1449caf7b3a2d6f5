# SPDX-License-Identifier: GPL-2.0-or-later
# What the other tests rely on: systemd as PID 1 on the unified hierarchy with
# the memory controller, swap, the system bus, and the test user's manager
# with memory delegated to it.
. "$(dirname "$0")/lib.sh"

[ "$(cat /proc/1/comm)" = systemd ] || fail "PID 1 is $(cat /proc/1/comm), not systemd"
[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] || fail "/sys/fs/cgroup is not cgroup2"
grep -qw memory /sys/fs/cgroup/cgroup.controllers || fail "no memory controller on cgroup v2"
[ "$(awk '/^SwapTotal:/ { print $2 }' /proc/meminfo)" -gt 0 ] || fail "no swap"
busctl --system status >/dev/null 2>&1 || fail "no system bus"
note "systemd $(systemctl --version | head -n 1 | cut -d' ' -f2), kernel $(uname -r)"

wait_for 30 systemctl is-active --quiet "user@$GUEST_UID.service" || fail "user@$GUEST_UID.service is not running"
ucg=$(systemctl show -P ControlGroup "user@$GUEST_UID.service")
grep -qw memory "/sys/fs/cgroup$ucg/cgroup.controllers" || fail "memory is not delegated to user@$GUEST_UID.service"
wait_for 30 test -S "/run/user/$GUEST_UID/bus" || fail "the user's bus is missing"
as_user systemctl --user is-system-running --wait >/dev/null 2>&1 || true
as_user systemctl --user show -P Version >/dev/null || fail "cannot reach the user manager as $GUEST_USER"
note "user manager of $GUEST_USER in $ucg: $(cat "/sys/fs/cgroup$ucg/cgroup.controllers")"

# a transient service of this test: started, its cgroup named by systemd, stopped
u=$(unit_name env)
start_service "$u" -- sleep 60
pid=$(systemctl show -P MainPID "$u.service")
[ "$(proc_cgroup "$pid")" = "/system.slice/$u.service" ] || fail "pid $pid is in $(proc_cgroup "$pid")"
systemctl stop "$u.service"
! kill -0 "$pid" 2>/dev/null || fail "pid $pid survived the stop of its unit"
