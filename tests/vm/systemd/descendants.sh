# SPDX-License-Identifier: GPL-2.0-or-later
# jail_descendants on the systemd backend: a leaker that shares its service
# with a process that is not its own, and has a child of its own, goes into
# its scope with that child (PIDs= both); the other process stays in the
# service. The child, leaking later from inside the scope, is the jail's:
# not an error, not a failed jail, not retried. Then the leader is moved
# out of the scope (by hand, behind systemd's back): its release still
# brings the child back into its service, and leaves no scope behind.
. "$(dirname "$0")/lib.sh"

daemon_conf auto
echo "jail_descendants = yes" >>"$T_DIR/policies/t.conf"
# the scopes too (leakjail-COMM-PID.scope), where the child leaks
sed -i "s|^match_cgroup = .*|match_cgroup = /system.slice/leakjail-*|" "$T_DIR/policies/t.conf"
# room in the jail for the child's leak: at 32M the scope would throttle it before it looks like one
sed -i -e "s|^jail_size = .*|jail_size = 200M|" -e "s|^jail_max = .*|jail_max = 300M|" "$T_DIR/policies/t.conf"
cat >"$T_DIR/leaker.sh" <<S
# the child leaks later, from inside its parent's jail
/bin/sh -c "sleep 8; exec $MEMHOG leak 10 100" &
exec $MEMHOG leak 10 200
S
u=$(unit_name desc)
# main: sleep; its child: memhog, the leaker; memhog's child: sh, later memhog
start_service "$u" -- /bin/sh -c "/bin/sh $T_DIR/leaker.sh & exec sleep 1001"
wait_for 10 pid_of_comm "$u.service" memhog >/dev/null || fail "no memhog in $u.service"
leaker=$(pid_of_comm "$u.service" memhog)
wait_for 5 pgrep -P "$leaker" >/dev/null || fail "memhog has no child"
child=$(pgrep -P "$leaker")
main=$(systemctl show -P MainPID "$u.service")
log=$T_DIR/daemon.log
start_daemon "$log"
jailed_in "$log" "$leaker"
line=$(grep "jailed pid $leaker " "$log")
note "$(echo "$line" | sed 's/policy=t: .*; backend/... backend/')"
grep -q "moved into scope" <<<"$line" || fail "not moved into a scope: $line"
scope=$(proc_cgroup "$leaker")
case $scope in */leakjail-*.scope) ;; *) fail "leaker in $scope" ;; esac
[ "$(proc_cgroup "$child")" = "$scope" ] || fail "its child $child stayed in $(proc_cgroup "$child"), the leaker is in $scope"
[ "$(proc_cgroup "$main")" = "/system.slice/$u.service" ] || fail "the service's main process moved: $(proc_cgroup "$main")"
note "leaker $leaker and its child $child in $scope; main $main stays in $u.service"
# the child leaks now, inside the jail: it is the jail's
wait_for 90 grep -q "pid $child ([a-z]*) policy=t: .*already in the jail" "$log" ||
	fail "the child's leak was not seen as the jail's: $(grep "pid $child" "$log")"
note "$(grep -o "pid $child ([a-z]*) policy=t: .*already in the jail.*" "$log" | head -1)"
grep -q "could not jail pid $child" "$log" && fail "the child counted as a failed jail: $(grep "could not jail pid $child" "$log")"
kill -TERM "$DAEMON"
wait "$DAEMON" || fail "daemon exited with $?"

# the leader leaves its scope; the child stays there: released all the same
echo "$leaker" >"/sys/fs/cgroup/system.slice/$u.service/cgroup.procs"
out=$("$LEAKJAIL" release --config "$T_DIR/leakjail.conf" "$leaker" 2>&1) || fail "release: $out"
note "release: $out"
[ "$(proc_cgroup "$child")" = "/system.slice/$u.service" ] || fail "the child stayed in $(proc_cgroup "$child") after the release"
wait_for 10 sh -c "[ ! -d /sys/fs/cgroup$scope ]" || fail "scope $scope left behind: $(cat "/sys/fs/cgroup$scope/cgroup.procs")"
