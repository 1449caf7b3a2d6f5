# SPDX-License-Identifier: GPL-2.0-or-later
# A system bus that does not answer does not hold up the daemon. With the
# bus broker stopped (SIGSTOP to dbus-daemon, always resumed on exit), a
# leaking service is judged: the jail's first call to the manager times
# out (3 s) while the loop goes on, `leakjail status` is answered from it
# meanwhile, and the attempt fails with its reason and a next attempt. Once
# the bus answers again, the next attempt jails the leaker. The most a pass
# started after it was due is reported (not asserted: a figure of the
# machine's).
. "$(dirname "$0")/lib.sh"

bus=$(systemctl show -P MainPID dbus.service)
[ "$bus" -gt 0 ] || skip "no dbus-daemon here"
resume_bus() { kill -CONT "$bus" 2>/dev/null || true; }
trap 'resume_bus; t_cleanup' EXIT
daemon_conf systemd
log=$T_DIR/daemon.log
start_daemon "$log"
kill -STOP "$bus"
u=$(unit_name busy)
# started by the manager over its private socket: no bus needed
start_service "$u" -- "$MEMHOG" leak 10 160
pid=$(systemctl show -P MainPID "$u.service")
wait_for 60 grep -q "could not jail pid $pid " "$log" || { resume_bus; fail "no attempt on pid $pid: $(tail -5 "$log")"; }
rec=$(grep -o "could not jail pid $pid .*" "$log" | head -n 1)
note "bus stopped: $rec"
grep -q "timed out" <<<"$rec" || { resume_bus; fail "not a timeout: $rec"; }
grep -q "(attempt 1, next in" <<<"$rec" || { resume_bus; fail "no next attempt: $rec"; }
out=$("$LEAKJAIL" status --config "$T_DIR/leakjail.conf" 2>&1) || { resume_bus; fail "status, bus stopped: $out"; }
note "bus stopped, status: $(head -n 1 <<<"$out")"
resume_bus
jailed_in "$log" "$pid"
note "bus back: $(grep -o "jailed pid $pid .*" "$log" | sed 's/policy=t: .*; backend/... backend/' | cut -c1-160)"
kill -TERM "$DAEMON"
wait "$DAEMON" || true
note "$(grep -o "exiting after .*" "$log")"
grep -q "exiting after .*, at most [0-9.]* s late" "$log" || fail "no figure for the loop's lateness: $(tail -3 "$log")"
