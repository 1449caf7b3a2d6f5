# SPDX-License-Identifier: GPL-2.0-or-later
# The atop "memory leakage" case on a real memory controller (tests/atop_case.sh):
# a host cgroup of 1200 MiB with swap, four processes holding 200 MiB each,
# one leaking 20 MiB/s. Without leakjail the four take major faults; with the
# daemon the leaker is jailed within the window plus two intervals, stays
# alive and swaps, and the four keep >= 98 % of their RSS. Then `leakjail
# release` puts it back, and nothing is left behind.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../atop_case.sh"
require_root
root=$(memory_root) || skip "no memory controller"
make_swap $((HOST_MIB * 2))

atop_phase without without
note "without leakjail: the four kept >= ${P_PCT} % of their RSS, took ${P_FLTS} major faults; leaker rss $((P_LRSS / 1024)) MiB swap $((P_LSWAP / 1024)) MiB"
[ "$P_FLTS" -ge 100 ] || [ "$P_PCT" -lt 98 ] ||
	fail "without leakjail the four were not hurt (${P_PCT} %, ${P_FLTS} faults): the scenario shows nothing"
atop_stop

atop_phase with with
log="$T_DIR/daemon.log"
note "with leakjail: the four kept >= ${P_PCT} % of their RSS, took ${P_FLTS} major faults; leaker rss $((P_LRSS / 1024)) MiB swap $((P_LSWAP / 1024)) MiB"
note "$(grep "jailed pid $LEAKER " "$log")"
[ -n "$JAILED_MS" ] || fail "the leaker was not jailed: $(cat "$log")"
note "jailed $JAILED_MS ms after the leak began (window ${WINDOW} s + 2 intervals of ${INTERVAL} s)"
# the bound is window + 2 intervals; JAIL_SLACK_MS (tests/atop_case.sh) is for the rest (the page-out)
[ "$JAILED_MS" -le $(((WINDOW + 2 * INTERVAL) * 1000 + JAIL_SLACK_MS)) ] || fail "jailed after $JAILED_MS ms"
[ "$P_PCT" -ge 98 ] || fail "the four kept only ${P_PCT} % of their RSS"
[ "$P_LSWAP" -gt $((50 * 1024)) ] || fail "the jailed leaker does not swap (${P_LSWAP} kB)"
jail="$root/$T_ID-jails/memhog-$LEAKER"
grep -q "$T_ID-jails/memhog-$LEAKER\$" "/proc/$LEAKER/cgroup" || fail "leaker not in $jail: $(cat "/proc/$LEAKER/cgroup")"
[ -f "$T_DIR/state/jails/$LEAKER" ] || fail "no record of the jail"
# leaked memory is cold: the leaker does not thrash in its jail, and keeps it (src/jail/jailcheck.h)
! grep -q "misjudged: pid $LEAKER " "$log" || fail "the leaker was judged a mistake: $(grep "misjudged: pid $LEAKER " "$log")"

out=$("$LEAKJAIL" status --config "$T_DIR/leakjail.conf" --interval 200ms)
grep -q "^ *$LEAKER  memhog .*atop" <<<"$out" || fail "status does not show the jail: $out"
"$LEAKJAIL" status --json --config "$T_DIR/leakjail.conf" --interval 200ms |
	grep -q "\"pid\":$LEAKER,\"comm\":\"memhog\",\"policy\":\"atop\"" || fail "status --json does not show the jail"

"$LEAKJAIL" release --config "$T_DIR/leakjail.conf" "$LEAKER" >/dev/null || fail "release failed"
grep -q ":/${HOST##*/}\$" "/proc/$LEAKER/cgroup" || fail "released leaker not back home: $(cat "/proc/$LEAKER/cgroup")"
[ ! -d "$jail" ] || fail "jail $jail left behind"
[ ! -f "$T_DIR/state/jails/$LEAKER" ] || fail "record left behind"
kill -0 "$LEAKER" || fail "release killed the leaker"

kill -TERM "$DAEMON"
wait "$DAEMON" || fail "daemon exited with $?"
