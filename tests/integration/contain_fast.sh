# SPDX-License-Identifier: GPL-2.0-or-later
# The atop case (tests/atop_case.sh) with a fast leak: 150 MiB/s instead of
# 20. With the daemon the four innocents keep >= 95 % of their RSS all
# through the run (from before the leak on), and the leaker is alive at the
# end, swapping in its jail. The jail holds it at what it had before the
# leak (its floor) plus a margin, not at what it had when it was caught: its
# size is at most half the leaker's footprint (RSS + swap) as the move
# landed. The policy leaves steadiness and jail_size to leakjail's defaults
# (FAST_JAIL_SIZE sets jail_size).
#
# Shaped to fit: a host of 1600 MiB (800 of them the four's) gives the leaker
# 800 MiB of room, 5 s at 150 MiB/s, so that a policy that judges over a 3 s
# window, sampled every second, has to act before the host is full (the
# issue's 1200 MiB host leaves 2.7 s, less than a window and its samples); the
# leaker stops at 2400 MiB (16 s), and the swap file (4096 MiB) holds what it
# and its jail push out, so that it can be alive at the end. No run without
# the daemon here: tests/integration/contain.sh shows what the leak does to
# the four without it, and at this rate the kernel's reclaim sometimes takes
# the leaker's cold pages rather than the four's hot ones (two runs here: the
# four kept 37 % and 99 %). FAST_* variables scale it (the v2 VM).
. "$(dirname "$0")/../lib.sh"
HOST_MIB=${FAST_HOST_MIB:-1600} HOLD_MIB=${FAST_HOLD_MIB:-200} LEAK_RATE=${FAST_LEAK_RATE:-150}
LEAK_MAX=${FAST_LEAK_MAX:-2400} RUN_S=${FAST_RUN_S:-25} WINDOW=${FAST_WINDOW:-3} INTERVAL=${FAST_INTERVAL:-1}
GROWTH=${FAST_GROWTH:-100M} SWAP_MIB=${FAST_SWAP_MIB:-4096} STEADINESS='' JAIL_SIZE=${FAST_JAIL_SIZE:-}
. "$(dirname "$0")/../atop_case.sh"
require_root
root=$(memory_root) || skip "no memory controller"
make_swap "$SWAP_MIB"

atop_phase with with
log="$T_DIR/daemon.log"
note "with leakjail: the four kept >= ${P_PCT} % of their RSS, took ${P_FLTS} major faults; leaker rss $((P_LRSS / 1024)) MiB swap $((P_LSWAP / 1024)) MiB"
[ -n "$JAILED_MS" ] || fail "the leaker was not jailed: $(cat "$log")"
rec=$(grep "jailed pid $LEAKER " "$log" | head -1)
note "$rec"
[ -n "$JAILED_FOOT" ] || fail "the jailed leaker was never seen in its jail"
note "jailed $JAILED_MS ms after the leak began, its footprint $((JAILED_FOOT / 1024)) MiB as the move landed"
for ((i = 0; i < N_INNOCENTS; i++)); do
	note "innocent $i: rss $((P_BASE[i] / 1024)) MiB before the leak, at least $((P_MIN[i] / 1024)) MiB after, ${P_FLT[i]} major faults"
done
# the jail's size as the record gives it: v2 high=, v1 limit= (a size, K/M/G)
size=$(echo "$rec" | sed -n 's/.* \(high\|limit\)=\([0-9.]*[KMG]\?\)[ ;].*/\2/p')
[ -n "$size" ] || fail "no jail size in the record: $rec"
size_kb=$(echo "$size" | awk '/G$/ {printf "%d", $1 * 1048576; exit} /M$/ {printf "%d", $1 * 1024; exit}
	/K$/ {printf "%d", $1; exit} {printf "%d", $1 / 1024}')
note "jail size $size: $((size_kb / 1024)) MiB"
[ "$size_kb" -le $((JAILED_FOOT / 2)) ] ||
	fail "the jail ($((size_kb / 1024)) MiB) holds the leaker near what it had when caught ($((JAILED_FOOT / 1024)) MiB), not near its floor before the leak"
[ "$P_PCT" -ge 95 ] || fail "the four kept only ${P_PCT} % of their RSS"
# contain_faster.sh: the leak outran the window, and the record says when memory would have run out
if [ -n "${FAST_CHECK_FORECAST:-}" ]; then
	[[ $rec == *"out of memory in "*", faster than the window"* ]] ||
		fail "the record does not say the leak was judged faster than the window: $rec"
fi
kill -0 "$LEAKER" || fail "the leaker is not alive at the end"
kill -TERM "$DAEMON"
wait "$DAEMON" || fail "daemon exited with $? on SIGTERM"
