# SPDX-License-Identifier: GPL-2.0-or-later
# The atop "memory leakage" case on a real memory controller: a small host
# (a cgroup with a hard limit, and swap), four processes holding 200 MiB each
# and touching it every second, one process leaking 20 MiB/s. Run once
# without leakjail (the four take major faults) and once with the daemon:
# the leaker is jailed within the window plus one interval, stays alive and
# swaps, the four keep >= 98 % of their RSS. Then `leakjail release` puts
# it back and nothing is left behind.
. "$(dirname "$0")/../lib.sh"
require_root

HOST_MIB=${HOST_MIB:-1200} HOLD_MIB=${HOLD_MIB:-200} LEAK_RATE=${LEAK_RATE:-20}
RUN_S=${RUN_S:-36} window=10 interval=1
root=$(memory_root) || skip "no memory controller"
make_swap $((HOST_MIB * 2))

# phase NAME with|without: sets P_PCT (worst RSS kept, %), P_FLT (major
# faults of the four), P_LRSS and P_LSWAP (the leaker's, kB), LEAKER, HOST
phase() {
	local name=$1 mode=$2 pids=() base=() minr=() flt0=() i r end
	mk_cgroup "$name"
	HOST=$CG
	cg_limit "$HOST" "${HOST_MIB}M"
	for i in 0 1 2 3; do
		spawn "$HOST" "$MEMHOG" hold "$HOLD_MIB"
		pids[i]=$SPAWNED
	done
	sleep 3
	for i in 0 1 2 3; do
		base[i]=$(rss_kb "${pids[i]}") minr[i]=${base[i]} flt0[i]=$(majflt "${pids[i]}")
	done
	if [ "$mode" = with ]; then
		write_conf "$T_DIR/leakjail.conf" "[daemon]
interval = ${interval}s
scope = /${HOST##*/}
jail_parent = $T_ID-jails
state_dir = $T_DIR/state
log = stderr"
		write_conf "$T_DIR/policies/contain.conf" "[policy contain]
growth = 100M
window = ${window}s
steadiness = 80%
action = jail
jail_size = 1.0x
jail_pageout = yes"
		T_CGROUPS=("$root/$T_ID-jails" "${T_CGROUPS[@]}")
		"$LEAKJAIL" daemon --foreground --config "$T_DIR/leakjail.conf" \
			--policies "$T_DIR/policies" 2>"$T_DIR/daemon.log" &
		DAEMON=$!
		T_PIDS+=("$DAEMON")
		wait_for "$T_DIR/daemon.log" "started:" 5 || fail "daemon did not start: $(cat "$T_DIR/daemon.log")"
	fi
	local t0
	t0=$(date +%s%N)
	spawn "$HOST" "$MEMHOG" leak "$LEAK_RATE" 100000
	LEAKER=$SPAWNED
	end=$(($(date +%s) + RUN_S))
	while [ "$(date +%s)" -lt $end ]; do
		for i in 0 1 2 3; do
			r=$(rss_kb "${pids[i]}")
			[ "$r" -lt "${minr[i]}" ] && minr[i]=$r
		done
		if [ "$mode" = with ] && [ -z "${JAILED_MS:-}" ] && grep -q "jailed pid $LEAKER " "$T_DIR/daemon.log"; then
			JAILED_MS=$((($(date +%s%N) - t0) / 1000000))
		fi
		sleep 0.2
	done
	kill -0 "$LEAKER" 2>/dev/null || fail "$name: the leaker died"
	P_PCT=100 P_FLT=0
	for i in 0 1 2 3; do
		r=$((minr[i] * 100 / base[i]))
		[ $r -lt $P_PCT ] && P_PCT=$r
		P_FLT=$((P_FLT + $(majflt "${pids[i]}") - flt0[i]))
	done
	P_LRSS=$(rss_kb "$LEAKER") P_LSWAP=$(swap_kb "$LEAKER")
}

phase without without
note "without leakjail: the four kept >= ${P_PCT} % of their RSS, took ${P_FLT} major faults; leaker rss $((P_LRSS / 1024)) MiB swap $((P_LSWAP / 1024)) MiB"
[ "$P_FLT" -ge 100 ] || [ "$P_PCT" -lt 98 ] ||
	fail "without leakjail the four were not hurt (${P_PCT} %, ${P_FLT} faults): the scenario shows nothing"
while read -r p; do kill -KILL "$p"; done <"$HOST/cgroup.procs"
sleep 1

phase with with
log="$T_DIR/daemon.log"
note "with leakjail: the four kept >= ${P_PCT} % of their RSS, took ${P_FLT} major faults; leaker rss $((P_LRSS / 1024)) MiB swap $((P_LSWAP / 1024)) MiB"
note "$(grep "jailed pid $LEAKER " "$log")"
[ -n "${JAILED_MS:-}" ] || fail "the leaker was not jailed: $(cat "$log")"
note "jailed $JAILED_MS ms after the leak began (window ${window} s + interval ${interval} s)"
[ "$JAILED_MS" -le $(((window + interval) * 1000 + 700)) ] || fail "jailed after $JAILED_MS ms"
[ "$P_PCT" -ge 98 ] || fail "the four kept only ${P_PCT} % of their RSS"
[ "$P_LSWAP" -gt $((50 * 1024)) ] || fail "the jailed leaker does not swap (${P_LSWAP} kB)"
jail="$root/$T_ID-jails/memhog-$LEAKER"
grep -q "$T_ID-jails/memhog-$LEAKER\$" "/proc/$LEAKER/cgroup" || fail "leaker not in $jail: $(cat /proc/$LEAKER/cgroup)"
[ -f "$T_DIR/state/jails/$LEAKER" ] || fail "no record of the jail"

out=$("$LEAKJAIL" status --config "$T_DIR/leakjail.conf" --interval 200ms)
echo "$out" | grep -q "^ *$LEAKER  memhog .*contain" || fail "status does not show the jail: $out"
"$LEAKJAIL" status --json --config "$T_DIR/leakjail.conf" --interval 200ms | grep -q "\"pid\":$LEAKER,\"comm\":\"memhog\",\"policy\":\"contain\"" ||
	fail "status --json does not show the jail"

"$LEAKJAIL" release --config "$T_DIR/leakjail.conf" "$LEAKER" || fail "release failed"
grep -q ":/${HOST##*/}\$" "/proc/$LEAKER/cgroup" || fail "released leaker not back home: $(cat /proc/$LEAKER/cgroup)"
[ ! -d "$jail" ] || fail "jail $jail left behind"
[ ! -f "$T_DIR/state/jails/$LEAKER" ] || fail "record left behind"
kill -0 "$LEAKER" || fail "release killed the leaker"

kill -TERM "$DAEMON"
wait "$DAEMON" || fail "daemon exited with $?"
