# SPDX-License-Identifier: GPL-2.0-or-later
# jail_descendants on the systemd backend: a leaker that shares its service
# with a process that is not its own, and has a child of its own, goes into
# its scope with that child (PIDs= both); the other process stays in the
# service.
. "$(dirname "$0")/lib.sh"

daemon_conf auto
echo "jail_descendants = yes" >>"$T_DIR/policies/t.conf"
u=$(unit_name desc)
# main: sleep (B); its child: memhog, the leaker; memhog's child: sleep (A)
start_service "$u" -- /bin/sh -c "/bin/sh -c 'sleep 1000 & exec $MEMHOG leak 10 200' & exec sleep 1001"
wait_for 10 pid_of_comm "$u.service" memhog >/dev/null || fail "no memhog in $u.service"
leaker=$(pid_of_comm "$u.service" memhog)
child=$(pgrep -P "$leaker" sleep) || fail "memhog has no child"
main=$(systemctl show -P MainPID "$u.service")
log=$T_DIR/daemon.log
start_daemon "$log"
jailed_in "$log" "$leaker"
line=$(grep "jailed pid $leaker " "$log")
note "$(echo "$line" | sed 's/policy=t: .*; backend/... backend/')"
echo "$line" | grep -q "moved into scope" || fail "not moved into a scope: $line"
scope=$(proc_cgroup "$leaker")
case $scope in */leakjail-*.scope) ;; *) fail "leaker in $scope" ;; esac
[ "$(proc_cgroup "$child")" = "$scope" ] || fail "its child $child stayed in $(proc_cgroup "$child"), the leaker is in $scope"
[ "$(proc_cgroup "$main")" = "/system.slice/$u.service" ] || fail "the service's main process moved: $(proc_cgroup "$main")"
note "leaker $leaker and its child $child in $scope; main $main stays in $u.service"
grep -q "could not jail pid $child" "$log" && fail "the child was judged as a leak of its own: $(grep "pid $child" "$log")"
kill -TERM "$DAEMON"
wait "$DAEMON" || fail "daemon exited with $?"
