# SPDX-License-Identifier: GPL-2.0-or-later
# Page-out that finishes: a leaker whose heap has an mlocked region in the
# middle (its heap mapping split in three: unlocked, locked, unlocked) is
# jailed and paged out. The kernel refuses the locked range and stops its
# call there; the page-out goes on after it: at least 90 % of the leaker's
# unlocked anonymous memory ends in swap, and the record says what stayed
# in RAM (the mlocked part).
. "$(dirname "$0")/../lib.sh"
require_root
jail_home
LOCKED="$LJ_BUILD/progs/locked"
[ -x "$LOCKED" ] || fail "no $LOCKED (make tests)"
make_swap 1024
log="$T_DIR/daemon.log"
daemon_conf 500ms "/${home##*/}"
write_conf "$T_DIR/policies/locked.conf" "[policy locked]
growth = 20M
window = 3s
action = jail
jail_size = 16M
jail_pageout = yes"
# 240 MiB of heap, 32 MiB of it locked at a third of the way in; then (at
# SIGUSR1) a leak of 20 MiB/s up to 100 MiB
spawn "$home" "$LOCKED" 240 32 20 100 >"$T_DIR/locked.out" 2>&1
leaker=$SPAWNED
wait_for "$T_DIR/locked.out" ready 60 || fail "the leaker did not start: $(cat "$T_DIR/locked.out")"
# the daemon starts once the heap is filled: on a slow (emulated) CPU the filling looks like a leak
start_daemon "$log"
kill -USR1 "$leaker"
wait_for "$log" "jailed pid $leaker " 15 ||
	fail "not jailed: $(cat "$log"); the leaker: $(cat "$T_DIR/locked.out"), $(grep -E '^(State|VmRSS|VmSwap)' "/proc/$leaker/status" | tr -s '\n\t' '  ')"
note "$(grep "jailed pid $leaker " "$log")"
# the page-out is done in the jail's record, or in a record of its own when it took more than a slice
end=$(($(date +%s) + 30))
while ! grep -q "jailed pid $leaker .*; paged out \|page-out of pid $leaker .* done" "$log"; do
	[ "$(date +%s)" -lt $end ] || fail "the page-out did not finish: $(cat "$log")"
	sleep 0.2
done
grep -q "page-out of pid $leaker .* done" "$log" && note "$(grep "page-out of pid $leaker " "$log")"
# the leak ends 5 s after it began ("leaked"): let it end, then count
wait_for "$T_DIR/locked.out" leaked 60 || fail "the leak did not end"
sleep 1
status=$(cat "/proc/$leaker/status")
anon=$(awk '/^RssAnon:/ {print $2}' <<<"$status")
swap=$(awk '/^VmSwap:/ {print $2}' <<<"$status")
lck=$(awk '/^VmLck:/ {print $2}' <<<"$status")
unlocked=$((anon + swap - lck))
note "leaker: RssAnon $((anon / 1024)) MiB, VmSwap $((swap / 1024)) MiB, VmLck $((lck / 1024)) MiB: $((swap * 100 / unlocked)) % of its unlocked anonymous memory in swap"
[ "$lck" -ge $((32 * 1024)) ] || fail "the region is not locked ($lck kB)"
[ $((swap * 100)) -ge $((unlocked * 90)) ] ||
	fail "only $swap of $unlocked kB of unlocked anonymous memory in swap: $(grep "pid $leaker" "$log")"
grep -q "pid $leaker .*stayed in RAM: 32 MiB mlocked" "$log" || fail "the record does not say what stayed: $(grep "pid $leaker" "$log")"
kill -TERM "$DAEMON"
wait "$DAEMON" || fail "daemon exited with $?"
