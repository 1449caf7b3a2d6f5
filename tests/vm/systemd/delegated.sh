# SPDX-License-Identifier: GPL-2.0-or-later
# A process in a delegated subtree (a service of the test user's manager,
# inside user@UID.service) belongs to that manager: the system daemon does
# not jail it, says so, and touches nothing (no scope, no limit).
. "$(dirname "$0")/lib.sh"

daemon_conf systemd
# the policy looks at the user's units too
printf 'match_cgroup = /user.slice/user-%s.slice/user@%s.service/*%s*\n' "$GUEST_UID" "$GUEST_UID" "$T_ID" \
	>>"$T_DIR/policies/t.conf"
sed -i '0,/^match_cgroup = \/system.slice/{/^match_cgroup = \/system.slice/d}' "$T_DIR/policies/t.conf"
u=$(unit_name user)
T_USER_UNITS+=("$u.service")
as_user systemd-run --user --quiet --unit="$u" "$MEMHOG" leak 10 120
pid=$(as_user systemctl --user show -P MainPID "$u.service")
[ "$pid" -gt 0 ] || fail "no user service"
cg=$(proc_cgroup "$pid")
log=$T_DIR/daemon.log
start_daemon "$log"
wait_for 120 grep -q "could not jail pid $pid " "$log" || fail "no word on pid $pid in $cg: $(cat "$log")"
grep "could not jail pid $pid " "$log" | head -n 1 | grep -q "delegated subtree of user@$GUEST_UID.service" ||
	fail "not said why: $(grep "could not jail pid $pid " "$log" | head -n 1)"
note "$(grep -o "could not jail pid $pid .*not jailed" "$log" | head -n 1)"
[ "$(proc_cgroup "$pid")" = "$cg" ] || fail "pid $pid was moved to $(proc_cgroup "$pid")"
[ "$(as_user systemctl --user show -P MemoryHigh "$u.service")" = infinity ] || fail "the user's unit was limited"
[ -z "$(ls "$T_DIR/state/jails" 2>/dev/null)" ] || fail "a record was left: $(ls "$T_DIR/state/jails")"
