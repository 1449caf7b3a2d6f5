# SPDX-License-Identifier: GPL-2.0-or-later
# The atop "memory leakage" case study, shared by tests/integration/contain.sh
# and the demo: a small host (a memory cgroup with a hard limit, and swap),
# four processes holding memory and touching all of it every second, one
# process leaking. Source after tests/lib.sh.

HOST_MIB=${HOST_MIB:-1200} HOLD_MIB=${HOLD_MIB:-200} LEAK_RATE=${LEAK_RATE:-20}
RUN_S=${RUN_S:-36} WINDOW=${WINDOW:-10} INTERVAL=${INTERVAL:-1} GROWTH=${GROWTH:-100M}
# LEAK_MAX: where the leaker stops (MiB). STEADINESS, JAIL_SIZE: the policy's
# keys; set empty, the key is left out and leakjail's default applies.
LEAK_MAX=${LEAK_MAX:-100000} STEADINESS=${STEADINESS-} JAIL_SIZE=${JAIL_SIZE-}
# what may come on top of window + interval before the jail shows in the log:
# starting the leaker, the page-out, polling the log (an emulated CPU is slower)
JAIL_SLACK_MS=${JAIL_SLACK_MS:-700}
N_INNOCENTS=4

# atop_phase NAME with|without: runs the scenario for RUN_S seconds. Sets, for
# innocent i: P_BASE[i] and P_MIN[i] (RSS in kB before the leak and its lowest
# since), P_FLT[i] (major faults taken); P_PCT (the worst RSS kept, %), P_FLTS
# (all their major faults); P_LRSS, P_LSWAP (the leaker's, kB); LEAKER, HOST;
# with the daemon: DAEMON, its log in $T_DIR/daemon.log, JAILED_MS (from the
# leak's start to the jail, as seen in the log), JAILED_FOOT (the leaker's
# RSS + swap in kB when it was first seen in its jail, polled every 0.2 s).
atop_phase() {
	local name=$1 mode=$2 pids=() flt0=() i r end t0 root
	root=$(memory_root)
	mk_cgroup "$name"
	HOST=$CG
	cg_limit "$HOST" "${HOST_MIB}M"
	for ((i = 0; i < N_INNOCENTS; i++)); do
		spawn "$HOST" "$MEMHOG" hold "$HOLD_MIB"
		pids[i]=$SPAWNED
	done
	sleep 3
	for ((i = 0; i < N_INNOCENTS; i++)); do
		P_BASE[i]=$(rss_kb "${pids[i]}") P_MIN[i]=$(rss_kb "${pids[i]}") flt0[i]=$(majflt "${pids[i]}")
	done
	JAILED_MS= JAILED_FOOT=
	if [ "$mode" = with ]; then
		write_conf "$T_DIR/leakjail.conf" "[daemon]
interval = ${INTERVAL}s
scope = /${HOST##*/}
jail_parent = $T_ID-jails
state_dir = $T_DIR/state
log = stderr"
		write_conf "$T_DIR/policies/atop.conf" "[policy atop]
growth = $GROWTH
window = ${WINDOW}s${STEADINESS:+
steadiness = $STEADINESS}
action = jail${JAIL_SIZE:+
jail_size = $JAIL_SIZE}
jail_pageout = yes"
		T_CGROUPS=("$root/$T_ID-jails" "${T_CGROUPS[@]}")
		"$LEAKJAIL" daemon --foreground --config "$T_DIR/leakjail.conf" \
			--policies "$T_DIR/policies" 2>"$T_DIR/daemon.log" &
		DAEMON=$!
		T_PIDS+=("$DAEMON")
		wait_for "$T_DIR/daemon.log" "started:" 5 || fail "daemon did not start: $(cat "$T_DIR/daemon.log")"
	fi
	t0=$(date +%s%N)
	spawn "$HOST" "$MEMHOG" leak "$LEAK_RATE" "$LEAK_MAX"
	LEAKER=$SPAWNED
	end=$(($(date +%s) + RUN_S))
	while [ "$(date +%s)" -lt $end ]; do
		# the leaker's footprint as the move lands, before the page-out and the
		# record: read first, and with builtins only (forks are slow in the VM)
		if [ "$mode" = with ] && [ -z "$JAILED_FOOT" ]; then
			local cgs='' k v _
			read -r -d '' cgs 2>/dev/null <"/proc/$LEAKER/cgroup" || true
			if [[ $cgs == *"/$T_ID-jails/"* ]]; then
				JAILED_FOOT=0
				while read -r k v _; do
					case $k in VmRSS: | VmSwap:) JAILED_FOOT=$((JAILED_FOOT + v)) ;; esac
				done 2>/dev/null <"/proc/$LEAKER/status" || true
			fi
		fi
		for ((i = 0; i < N_INNOCENTS; i++)); do
			r=$(rss_kb "${pids[i]}")
			[ "$r" -lt "${P_MIN[i]}" ] && P_MIN[i]=$r
		done
		if [ "$mode" = with ] && [ -z "$JAILED_MS" ] && grep -q "jailed pid $LEAKER " "$T_DIR/daemon.log"; then
			JAILED_MS=$((($(date +%s%N) - t0) / 1000000))
		fi
		sleep 0.2
	done
	kill -0 "$LEAKER" 2>/dev/null || fail "$name: the leaker died"
	P_PCT=100 P_FLTS=0
	for ((i = 0; i < N_INNOCENTS; i++)); do
		P_FLT[i]=$(($(majflt "${pids[i]}") - flt0[i]))
		r=$((P_MIN[i] * 100 / P_BASE[i]))
		[ $r -lt $P_PCT ] && P_PCT=$r
		P_FLTS=$((P_FLTS + P_FLT[i]))
	done
	P_LRSS=$(rss_kb "$LEAKER") P_LSWAP=$(swap_kb "$LEAKER")
}

# atop_stop: kill what the phase started in its host cgroup.
atop_stop() {
	local p pids=()
	while read -r p; do pids+=("$p"); done <"$HOST/cgroup.procs"
	kill -KILL "${pids[@]}" 2>/dev/null || true
	# reap them here, quietly, so the shell does not report each as killed
	for p in "${T_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done 2>/dev/null
	sleep 1
}
