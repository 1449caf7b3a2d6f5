# SPDX-License-Identifier: GPL-2.0-or-later
# A leaker whose name starts with ".." (its comm "..leak") moved into a
# scope: the scope's name has no '.' from the comm (leakjail-__leak-PID.scope),
# so its record reads back: a restarted daemon finds the jail, and the
# release brings the worker back into its service.
. "$(dirname "$0")/lib.sh"

daemon_conf systemd
cp "$MEMHOG" "$T_DIR/..leak"
u=$(unit_name dots)
start_service "$u" -- /bin/sh -c "\"$T_DIR/..leak\" leak 10 160 & exec sleep 1000"
wait_for 10 pid_of_comm "$u.service" ..leak >/dev/null || fail "no ..leak in $u"
W=$(pid_of_comm "$u.service" ..leak)
log=$T_DIR/daemon.log
start_daemon "$log"
jailed_in "$log" "$W"
scope=leakjail-__leak-$W.scope
[ "$(proc_cgroup "$W")" = "/system.slice/$scope" ] || fail "pid $W is in $(proc_cgroup "$W"), not $scope"
note "pid $W (..leak) in $scope"
kill -TERM "$DAEMON"
wait "$DAEMON" || fail "daemon exited with $?: $(tail -3 "$log")"
log2=$T_DIR/daemon2.log
start_daemon "$log2"
wait_for 10 grep -q "found jail system.slice/$scope: pid $W " "$log2" || fail "the restarted daemon did not find the jail: $(cat "$log2")"
note "restart: $(grep -o "found jail system.slice/$scope.*" "$log2")"
kill -TERM "$DAEMON"
wait "$DAEMON" || true
out=$("$LEAKJAIL" release --config "$T_DIR/leakjail.conf" "$W" 2>&1) || fail "release: $out"
note "release: $out"
[ "$(proc_cgroup "$W")" = "/system.slice/$u.service" ] || fail "pid $W is in $(proc_cgroup "$W") after the release"
