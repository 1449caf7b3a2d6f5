# SPDX-License-Identifier: GPL-2.0-or-later
# A worker of a service with a restriction that a scope cannot be given
# (SocketBindDeny=: a BPF program systemd attaches to the service's own
# cgroup) is not moved: the daemon says which restriction, and leaves no
# scope, no limit and no record. The restriction is read from the unit's
# properties in one GetAll, as every other: a property missing from it
# would let the worker out of its sandbox.
. "$(dirname "$0")/lib.sh"

daemon_conf systemd
log=$T_DIR/daemon.log
u=$(unit_name restrict)
start_service "$u" SocketBindDeny=any -- /bin/bash -c "\"$MEMHOG\" leak 10 160 & exec sleep 1000"
[ -n "$(systemctl show -P SocketBindDeny "$u.service")" ] || skip "this systemd does not keep SocketBindDeny="
wait_for 10 pid_of_comm "$u.service" memhog >/dev/null || fail "no worker in $u"
W=$(pid_of_comm "$u.service" memhog)
cg=$(proc_cgroup "$W")
start_daemon "$log"
wait_for 120 grep -q "could not jail pid $W " "$log" || fail "no word on pid $W: $(tail -5 "$log")"
grep "could not jail pid $W " "$log" | head -n 1 | grep -q "whose SocketBindDeny cannot be carried over to a scope: not moved" ||
	fail "not said why: $(grep "could not jail pid $W " "$log" | head -n 1)"
note "$(grep -o "could not jail pid $W .*not moved" "$log" | head -n 1)"
[ "$(proc_cgroup "$W")" = "$cg" ] || fail "pid $W was moved to $(proc_cgroup "$W")"
[ "$(systemctl show -P LoadState "leakjail-memhog-$W.scope")" = not-found ] || fail "a scope was made for pid $W"
[ "$(systemctl show -P MemoryHigh "$u.service")" = infinity ] || fail "the service was limited"
[ -z "$(ls "$T_DIR/state/jails" 2>/dev/null)" ] || fail "a record was left: $(ls "$T_DIR/state/jails")"
