# SPDX-License-Identifier: GPL-2.0-or-later
# Stalled jails: a multi-threaded leaker (4 threads) is jailed at 16 MiB
# (v2: memory.high; memory.max 1.1x)
# with 32 MiB of swap of its own (jail_swap), then works over 44 MiB: at its
# limit, swapping in and out, with its swap allowance nearly used up: no
# swap to go to. The daemon finds it stalled after STALL_HOLD_MS (10 s) and
# does what jail_stalled says: kill (the process ends, the jail goes, the
# record says why), then grow (the limit is raised by a quarter, recorded).
# On v1 the jail never OOM-kills (memory.oom_control oom_kill_disable 1): at
# its memory + swap limit the leaker waits (under_oom 1), which is a stall at
# once. Before, the kernel sometimes OOM-killed it first (2 runs in 4), and
# the stall was never seen.
# A process that works over all it holds thrashes in its jail: the jail
# would find itself a mistake and grow (src/jail/jailcheck.h); jail_thrash = keep
# leaves the stall to the stall watch, which this test is about.
. "$(dirname "$0")/../lib.sh"
require_root
jail_home
STUCK="$LJ_BUILD/progs/stuck"
[ -x "$STUCK" ] || fail "no $STUCK (make tests)"
make_swap 256

# phase WHAT: a daemon whose policy says jail_stalled = WHAT, a stuck leaker; sets LEAKER, DAEMON, LOG
phase() {
	LOG="$T_DIR/daemon-$1.log"
	daemon_conf 500ms "/${home##*/}"
	write_conf "$T_DIR/policies/stuck.conf" "[policy stuck]
growth = 16M
window = 2s
action = jail
jail_size = 16M
jail_swap = 32M
jail_pageout = no
jail_stalled = $1
jail_thrash = keep"
	start_daemon "$LOG"
	spawn "$home" "$STUCK" 4 16 44 >"$T_DIR/stuck-$1.out"
	LEAKER=$SPAWNED
	wait_for "$LOG" "jailed pid $LEAKER " 15 || fail "not jailed: $(cat "$LOG")"
	kill -USR1 "$LEAKER"
	# the working set is allocated, or (an emulated CPU swaps slowly) the jail stalls first, allocating it
	for _ in $(seq 300); do
		grep -q working "$T_DIR/stuck-$1.out" 2>/dev/null && break
		grep -q "jail .*stuck-$LEAKER stalled" "$LOG" && break
		sleep 0.1
	done
	grep -q working "$T_DIR/stuck-$1.out" || grep -q "jail .*stuck-$LEAKER stalled" "$LOG" ||
		fail "the working set was not allocated: $(cat "$LOG")"
	JAIL="$JAILS/stuck-$LEAKER"
	note "jailed, working over 44 MiB in a 16 MiB jail: $(($(cat "$JAIL/memory.usage_in_bytes" 2>/dev/null || cat "$JAIL/memory.current") >> 20)) MiB resident"
	if [ -f "$JAIL/memory.oom_control" ]; then
		grep -qx "oom_kill_disable 1" "$JAIL/memory.oom_control" ||
			fail "the v1 jail may OOM-kill: $(tr '\n' ' ' <"$JAIL/memory.oom_control")"
	fi
}

# the stall is leakjail's to handle: no OOM kill in the jail
no_oom_kill() {
	! grep -q "OOM kill inside jail" "$LOG" || fail "the kernel OOM-killed in the jail: $(grep "OOM kill" "$LOG")"
	if [ -f "$JAIL/memory.oom_control" ]; then
		grep -qx "oom_kill 0" "$JAIL/memory.oom_control" || fail "oom_control: $(tr '\n' ' ' <"$JAIL/memory.oom_control")"
	fi
}
STALLED="\(at its limit with no swap to go to\|its tasks stall on memory\|under an OOM that kills nothing\)"

# 1. kill
phase kill
wait_for "$LOG" "jail .*stuck-$LEAKER stalled" 25 || fail "not found stalled: $(cat "$LOG")"
note "$(grep "stalled" "$LOG")"
no_oom_kill
# v1 sees the limit hits with no swap room, or its task waiting under an OOM;
# v2 may see its stall time (memory.pressure) first
grep -q "stalled: pid $LEAKER (stuck) policy=stuck is $STALLED: .*killed 1 process in the jail" "$LOG" ||
	fail "not handled as the policy says: $(grep stalled "$LOG")"
for _ in $(seq 50); do kill -0 "$LEAKER" 2>/dev/null && [ "$(sed 's/.*) //; s/ .*//' "/proc/$LEAKER/stat")" != Z ] || break; sleep 0.1; done
[ "$(sed 's/.*) //; s/ .*//' "/proc/$LEAKER/stat" 2>/dev/null)" != S ] || fail "pid $LEAKER still runs"
wait "$LEAKER" 2>/dev/null || true
wait_for "$LOG" "jail .*stuck-$LEAKER removed" 5 || fail "the jail was not removed: $(cat "$LOG")"
kill -TERM "$DAEMON"
wait "$DAEMON" || fail "daemon exited with $?"

# 2. grow
phase grow
wait_for "$LOG" "jail .*stuck-$LEAKER stalled" 25 || fail "not found stalled: $(cat "$LOG")"
note "$(grep "stalled" "$LOG")"
no_oom_kill
grep -q "stalled: pid $LEAKER (stuck) policy=stuck is $STALLED: .*grown by 16 MiB" "$LOG" ||
	fail "not handled as the policy says: $(grep stalled "$LOG")"
limit=$(cat "$JAIL/memory.limit_in_bytes" 2>/dev/null || cat "$JAIL/memory.high")
[ "$limit" -eq $((32 << 20)) ] || fail "jail limit $limit, expected 32 MiB"
grep -q "^high=$((32 << 20))\$" "$T_DIR/state/jails/$LEAKER" || fail "the record does not say the new limit: $(cat "$T_DIR/state/jails/$LEAKER")"
kill -0 "$LEAKER" || fail "the leaker died"
kill -TERM "$DAEMON"
wait "$DAEMON" || fail "daemon exited with $?"
