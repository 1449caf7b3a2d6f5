# SPDX-License-Identifier: GPL-2.0-or-later
# A jail that fails is tried again while the leak lasts, with a growing pause
# and a record each time, not forgotten: here the state directory is made
# writable by others (records there could be planted: refused), then put right;
# the next attempt jails the same leaker.
. "$(dirname "$0")/../lib.sh"
require_root
root=$(memory_root) || skip "no memory controller"

mk_cgroup retry
cg=$CG
jails_cgroup
log="$T_DIR/daemon.log"
state="$T_DIR/state"
mkdir -m 0777 "$state"
chmod 0777 "$state"
write_conf "$T_DIR/leakjail.conf" "[daemon]
interval = 200ms
scope = /${cg##*/}
jail_parent = $T_ID-jails
state_dir = $state
kernel_watch = no
log = stderr"
write_conf "$T_DIR/policies/retry.conf" "[policy retry]
growth = 20M
window = 2s
action = jail
jail_pageout = no"

start_daemon "$log"

spawn "$cg" "$MEMHOG" leak 20 400
leaker=$SPAWNED
wait_for "$log" "could not jail pid $leaker .*attempt 2, " 10 || fail "no second attempt: $(cat "$log")"
grep -q "could not jail pid $leaker (memhog) policy=retry: cannot record the jail in $state: not leakjail's own directory .*(attempt 1, next in 0.2 s while it leaks)" "$log" ||
	fail "the first failure does not say why and when the next attempt is: $(grep "could not jail" "$log")"
grep -q "(attempt 2, next in 0.4 s while it leaks)" "$log" || fail "no backoff: $(grep "could not jail" "$log")"
note "$(grep -o "could not jail pid $leaker [^;]*" "$log" | sed -n 2p)"
[ "$(mem_cgroup "$leaker")" = "/${cg##*/}" ] || fail "moved although the jail failed"
[ -z "$(find "$JAILS" -mindepth 1 -type d 2>/dev/null)" ] || fail "a failed jail left a cgroup: $(find "$JAILS" -mindepth 1 -type d)"

chmod 0755 "$state"
wait_for "$log" "jailed pid $leaker " 15 || fail "not jailed once the directory was put right: $(cat "$log")"
n=$(grep -c "could not jail pid $leaker " "$log")
note "jailed after $n failed attempts: $(grep -o "jailed pid $leaker .*policy=retry" "$log")"
[ "$(mem_cgroup "$leaker")" = "/$T_ID-jails/memhog-$leaker" ] || fail "not in its jail: $(mem_cgroup "$leaker")"
kill -KILL "$leaker"
wait "$leaker" 2>/dev/null || true
wait_for "$log" "jail $T_ID-jails/memhog-$leaker removed" 5 || fail "jail not removed: $(cat "$log")"
kill -TERM "$DAEMON"
wait "$DAEMON" || fail "daemon exited with $?"
