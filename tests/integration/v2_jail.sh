# SPDX-License-Identifier: GPL-2.0-or-later
# What only cgroup v2 has (run by the VM suite): +memory passed down through
# cgroup.subtree_control, the "no internal processes" rule for jail_parent,
# memory.high throttling against memory.max OOM kills, memory.swap.max,
# memory.events, and PSI from the scope's own memory.pressure.
. "$(dirname "$0")/../lib.sh"
require_root
root=$(memory_root) || skip "no memory controller"
[ "$root" = /sys/fs/cgroup ] || skip "the memory controller is not on cgroup v2 here"
make_swap 512

conf() { # FILE JAIL_PARENT SCOPE
	write_conf "$1" "[daemon]
interval = 1s
jail_parent = $2
scope = $3
state_dir = $T_DIR/state
log = stderr"
}

# 1. jail_parent holding a process: v2 refuses to pass controllers below it
mk_cgroup jp
spawn "$CG" "$MEMHOG" hold 1
conf "$T_DIR/jp.conf" "$T_ID-jp" /
rc=0
out=$("$LEAKJAIL" run --config "$T_DIR/jp.conf" --limit 32M -- true 2>&1) || rc=$?
[ $rc -eq 125 ] || fail "run under a jail_parent with processes: exit $rc (want 125, run's own failure)"
grep -q "holds processes" <<<"$out" || fail "the v2 rule is not named: $out"
note "jail_parent with a process: $out"

# 2. memory.high throttles: the leaker lives under its limit, memory.events counts it
T_CGROUPS+=("$root/$T_ID-jails")
conf "$T_DIR/run.conf" "$T_ID-jails" /
"$LEAKJAIL" run --config "$T_DIR/run.conf" --limit 32M -- "$MEMHOG" leak 10 200 --seconds 6 2>"$T_DIR/run.log" &
run=$!
T_PIDS+=("$run")
sleep 4
jail="$root/$T_ID-jails/run-memhog-$run"
[ "$(cat "$jail/memory.high")" = $((32 * 1024 * 1024)) ] || fail "memory.high is $(cat "$jail/memory.high")"
[ "$(cat "$jail/memory.max")" = $((40 * 1024 * 1024)) ] || fail "memory.max is $(cat "$jail/memory.max")"
grep -qw memory "$root/$T_ID-jails/cgroup.subtree_control" || fail "+memory not passed down to the jails"
high=$(awk '$1 == "high" {print $2}' "$jail/memory.events")
note "memory.high 32M: memory.current $(($(cat "$jail/memory.current") >> 20)) MiB, swap $(($(cat "$jail/memory.swap.current") >> 20)) MiB, events high $high"
[ "$high" -gt 0 ] || fail "memory.events counted no high"
wait "$run" || fail "the throttled leaker did not exit cleanly: $?"

# 3. memory.swap.max = 0 makes the jail an OOM line: the kill stays inside it
mk_cgroup oom
oomcg=$CG
conf "$T_DIR/oom.conf" "$T_ID-jails" "/${oomcg##*/}"
write_conf "$T_DIR/oom/p.conf" "[policy noswap]
growth = 30M
window = 3s
action = jail
jail_size = 1.0x
jail_max = 1.0x
jail_swap = 0"
"$LEAKJAIL" daemon --foreground --config "$T_DIR/oom.conf" --policies "$T_DIR/oom" 2>"$T_DIR/oom.log" &
daemon=$!
T_PIDS+=("$daemon")
wait_for "$T_DIR/oom.log" "started:" 5 || fail "daemon did not start: $(cat "$T_DIR/oom.log")"
spawn "$oomcg" "$MEMHOG" leak 15 400
leaker=$SPAWNED
wait_for "$T_DIR/oom.log" "jailed pid $leaker " 10 || fail "not jailed: $(cat "$T_DIR/oom.log")"
note "$(grep "jailed pid $leaker " "$T_DIR/oom.log")"
ojail="$root/$T_ID-jails/memhog-$leaker"
[ "$(cat "$ojail/memory.swap.max")" = 0 ] || fail "memory.swap.max is $(cat "$ojail/memory.swap.max")"
wait_for "$T_DIR/oom.log" "OOM kill inside jail" 15 || fail "no OOM kill reported: $(cat "$T_DIR/oom.log")"
note "$(grep "OOM kill inside jail" "$T_DIR/oom.log")"
wait_for "$T_DIR/oom.log" "jail $T_ID-jails/memhog-$leaker removed" 5 || fail "the empty jail was not removed"
kill -0 "$daemon" || fail "the daemon died"

# 4. pressure is the scope's own: stalls elsewhere do not count
mk_cgroup thrash
cg_limit "$CG" 24M
spawn "$CG" "$MEMHOG" hold 64 # touches 64 MiB every second with room for 24: it stalls
mk_cgroup calm
calm=$CG
conf "$T_DIR/calm.conf" "$T_ID-jails" "/${calm##*/}"
# (growth well below the leak's 15 MiB/s over the window: an emulated CPU runs it slower)
write_conf "$T_DIR/calm/p.conf" "[policy underpressure]
growth = 20M
window = 3s
pressure_some = 1%
action = jail"
kill -TERM "$daemon"
wait "$daemon" || true
"$LEAKJAIL" daemon --foreground --config "$T_DIR/calm.conf" --policies "$T_DIR/calm" 2>"$T_DIR/calm.log" &
daemon=$!
T_PIDS+=("$daemon")
wait_for "$T_DIR/calm.log" "started:" 5 || fail "daemon did not start"
sleep 3
spawn "$calm" "$MEMHOG" leak 15 300
leaker=$SPAWNED
wait_for "$T_DIR/calm.log" "grows like a leak: pid $leaker " 20 || fail "leak not seen: $(cat "$T_DIR/calm.log")"
sys=$(awk '/^some/ {sub("avg10=", "", $2); print $2}' /proc/pressure/memory)
own=$(awk '/^some/ {sub("avg10=", "", $2); print $2}' "$calm/memory.pressure")
note "system memory pressure some=$sys %, the scope's some=$own %"
note "$(grep "grows like a leak: pid $leaker " "$T_DIR/calm.log")"
awk -v s="$sys" 'BEGIN { exit !(s >= 1.0) }' || fail "the thrasher made no system pressure (some=$sys %): the test shows nothing"
sleep 3
grep -q "jailed pid $leaker " "$T_DIR/calm.log" && fail "jailed on another cgroup's pressure"
kill -TERM "$daemon"
wait "$daemon" || fail "daemon exited with $?"
