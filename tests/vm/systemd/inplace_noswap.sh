# SPDX-License-Identifier: GPL-2.0-or-later
# An in-place jail without swap does no harm: a one-process service caught
# well above the jail's size (jail_size 32M, jail_max 48M) is limited in
# place, but memory.max is never written below what it holds (that write
# OOM-kills at once, with nothing to reclaim into) and memory.high is set at
# what it can reach (its usage): the service lives, is never OOM-killed, and
# the throttle holds its growth. The record says what was done ("nothing
# reclaimed: no room in swap"), not "reclaimed in place".
. "$(dirname "$0")/lib.sh"

swaps_on=$(awk 'NR > 1 { print $1 }' /proc/swaps)
[ -n "$swaps_on" ] || skip "the VM has no swap to turn off (this test turns it off itself)"
restore_swap() { for s in $swaps_on; do swapon "$s" 2>/dev/null || true; done; }
trap 'restore_swap; t_cleanup' EXIT
swapoff -a

daemon_conf auto
u=$(unit_name noswap)
start_service "$u" -- "$MEMHOG" leak 20 400
pid=$(systemctl show -P MainPID "$u.service")
log=$T_DIR/daemon.log
start_daemon "$log"
jailed_in "$log" "$pid"
line=$(grep "jailed pid $pid " "$log")
note "$(echo "$line" | sed 's/policy=t: .*; backend/... backend/')"
grep -q "limited in place" <<<"$line" || fail "not limited in place: $line"
cg=/sys/fs/cgroup/system.slice/$u.service
# killed at the jail's write already?
[ "$(systemctl show -P ActiveState "$u.service")" = active ] ||
	fail "the service died at its jail: $(systemctl show -P Result "$u.service")"
grep -q "reclaimed in place" <<<"$line" && fail "the record says it reclaimed, without swap: $line"
grep -q "nothing reclaimed: no room in swap" <<<"$line" || fail "the record does not say why nothing was reclaimed: $line"
high=$(cat "$cg/memory.high")
[ "$high" != max ] || fail "memory.high was not set"
max=$(cat "$cg/memory.max")
# give the leaker (20 MiB/s) time to push against the throttle
sleep 8
[ "$(systemctl show -P ActiveState "$u.service")" = active ] ||
	fail "the service died: $(systemctl show -P Result "$u.service"), $(cat "$cg/memory.events" 2>/dev/null | tr '\n' ' ')"
kill -0 "$pid" || fail "pid $pid is gone"
oom=$(awk '$1 == "oom_kill" { print $2 }' "$cg/memory.events")
[ "$oom" = 0 ] || fail "OOM kills in the unit: $oom"
cur=$(cat "$cg/memory.current")
note "no swap: memory.current $((cur >> 20)) MiB, memory.high $((high >> 20)) MiB, memory.max $max; Result=$(systemctl show -P Result "$u.service")"
# the throttle holds: the leaker, 8 s at 20 MiB/s later, is still about at memory.high
[ "$cur" -le $((high + 16 * 1024 * 1024)) ] || fail "memory.current $cur is past memory.high $high: the throttle does not hold"
[ "$max" = max ] || [ "$max" -gt "$cur" ] || fail "memory.max $max below the usage $cur"
kill -TERM "$DAEMON"
wait "$DAEMON" || fail "daemon exited with $?"
