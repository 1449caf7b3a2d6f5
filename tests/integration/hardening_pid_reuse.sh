# SPDX-License-Identifier: GPL-2.0-or-later
# PID reuse: a process leakjail tracks or jails exits, and a newcomer takes
# its pid. The newcomer is never jailed, never left in a jail, never moved by
# a release; the daemon carries on.
#
# A reused pid is made on purpose, not waited for: the test runs in a pid
# namespace of its own (unshare --pid --fork --mount-proc), where it is
# PID 1 and can write /proc/sys/kernel/ns_last_pid (which needs
# CAP_SYS_ADMIN in the namespace's owner: root here). Writing L-1 there makes
# the next fork in the namespace get pid L. The daemon runs inside the same
# namespace, so the /proc it reads (mounted by --mount-proc) numbers
# processes as the test does. Cgroups are not namespaced by this: the paths
# in /proc/PID/cgroup and under the memory mount are the host's, and a pid
# written to cgroup.procs is read in the writer's pid namespace.
#
#  A. A watched process that grows, but slower than the policy's growth,
#     dies once its window has filled, and the newcomer, a copy of a 64 MiB
#     shell (a fork: its RSS is there at birth), takes its pid between two
#     samples (the daemon is stopped meanwhile, so no sample falls in
#     between). A sampler that misses the reuse carries the dead process's
#     history over to the newcomer, in which 64 MiB arrived within the
#     window: jail_enter() must then refuse it on the start time.
#  B. The pid is reused in the middle of the move: strace holds the daemon's
#     write of the pid to the jail's cgroup.procs while the leaker dies and
#     the newcomer takes its pid; the write then moves the newcomer. The
#     daemon must see it (pidfd) and move the newcomer back out.
#     B2: the newcomer is forked by a parent in another cgroup: it goes
#     back to its parent's cgroup, not to the leaker's origin.
#  C. A jailed process dies while the daemon is down and a newcomer in
#     another cgroup takes its pid: the restarted daemon removes the jail
#     and does not touch the newcomer; `leakjail release` of a pid in the
#     same state removes the jail and does not move the newcomer either.
. "$(dirname "$0")/../lib.sh"
require_root
unshare --help 2>&1 | grep -q -- --kill-child || skip "needs util-linux unshare (--kill-child)"
command -v strace >/dev/null || skip "needs strace (to hold the move open)"
[ -f /proc/sys/kernel/ns_last_pid ] ||
	skip "no /proc/sys/kernel/ns_last_pid (a kernel without CONFIG_CHECKPOINT_RESTORE): cannot choose a pid"
root=$(memory_root) || skip "no memory controller"

mk_cgroup reuse
cg=$CG
mk_cgroup other
other=$CG
jails_cgroup
daemon_conf 200ms "/${cg##*/}"
write_conf "$T_DIR/policies/reuse.conf" "[policy reuse]
growth = 30M
window = 2s
steadiness = 80%
action = jail
jail_size = 4.0x
jail_pageout = no"

inner() {
	set -euo pipefail
	[ $$ -eq 1 ] || fail "not PID 1 of a pid namespace"
	local n=0 daemon log big
	# this shell in the scope: what it forks is born there (it is PID 1: never judged)
	echo $$ >"$cg/cgroup.procs"

	next_daemon() { # the daemon, inside this namespace; its log in $log
		n=$((n + 1))
		log="$T_DIR/daemon$n.log"
		start_daemon "$log"
		daemon=$DAEMON
	}
	# born PID CGROUP CMD...: fork with the pid PID (free now) in CGROUP, exec CMD
	born() {
		local want=$1 where=$2
		shift 2
		echo $((want - 1)) >/proc/sys/kernel/ns_last_pid
		(echo "$BASHPID" >"$where/cgroup.procs" && exec "$@") &
		[ $! -eq "$want" ] || fail "the newcomer got pid $!, not $want"
	}
	leaker() { # RATE: a leaker born in the scope, as this shell is; its pid in $L
		"$MEMHOG" leak "$1" 200 &
		L=$!
	}
	# A newcomer that sleeps in read(2) on a fifo, forking nothing
	mkfifo "$T_DIR/fifo"
	exec 9<>"$T_DIR/fifo"

	next_daemon

	# A. reuse between two samples, with the dead process's history
	big=x
	for _ in {1..26}; do big+=$big; done # 64 MiB in this shell, and in a fork of it
	leaker 5
	sleep 2.5 # the window (2 s) fills; 5 MiB/s stays below 30M in 2 s
	pause_daemon "$daemon"
	kill -KILL "$L"
	wait "$L" 2>/dev/null || true
	echo $((L - 1)) >/proc/sys/kernel/ns_last_pid
	(while :; do read -r -t 1 -u 9 _ || :; done) &
	[ $! -eq "$L" ] || fail "A: the newcomer got pid $!, not $L"
	unset big
	resume_daemon "$daemon"
	note "A: pid $L, watched for 2.5 s at 5 MiB/s, killed and reborn as a $(($(rss_kb "$L") >> 10)) MiB shell"
	sleep 3
	grep -q "jailed pid $L " "$log" && fail "A: the newcomer was jailed: $(grep "pid $L " "$log")"
	[ "$(mem_cgroup "$L")" = "/${cg##*/}" ] || fail "A: the newcomer was moved: $(cat "/proc/$L/cgroup")"
	[ ! -e "$T_DIR/state/jails/$L" ] || fail "A: a record for the newcomer"
	if grep -q "could not jail pid $L " "$log"; then
		grep -q "could not jail pid $L (memhog) policy=reuse: pid $L is no longer the process that leaked" "$log" ||
			fail "A: refused for another reason: $(grep "pid $L " "$log")"
		note "A: the sampler carried the dead process's history over to the newcomer; jail_enter refused it: $(grep -o "could not jail pid $L .*leaked ([^)]*)" "$log")"
	else
		note "A: the sampler saw a new process at pid $L: no verdict"
	fi
	kill -0 "$daemon" || fail "A: the daemon died"
	kill -KILL "$L"
	wait "$L" 2>/dev/null || true

	# B. reuse in the middle of the move
	leaker 20
	hold_calls "$daemon" write -P "$root/$T_ID-jails/memhog-$L/cgroup.procs"
	held "$daemon" "^1 " 10 || fail "B: the daemon never wrote pid $L to its jail: $(cat "$log")"
	kill -KILL "$L"
	wait "$L" 2>/dev/null || true
	born "$L" "$cg" "$MEMHOG" hold 1
	wait_for "$log" "could not jail pid $L " $((HOLD_S + 5)) || fail "B: no outcome: $(cat "$log")"
	kill "$HOLDER"
	wait "$HOLDER" 2>/dev/null || true
	note "B: $(grep -o "could not jail pid $L [^;]*" "$log")"
	grep -q "could not jail pid $L (memhog) policy=reuse: pid $L exited while being moved" "$log" ||
		fail "B: $(grep "pid $L " "$log")"
	[ "$(mem_cgroup "$L")" = "/${cg##*/}" ] ||
		fail "B: the newcomer was left in $(mem_cgroup "$L") (moved into the jail by the write)"
	[ ! -d "$root/$T_ID-jails/memhog-$L" ] || fail "B: the jail was not removed"
	[ ! -e "$T_DIR/state/jails/$L" ] || fail "B: the record was not removed"
	kill -0 "$daemon" || fail "B: the daemon died"
	kill -KILL "$L"
	wait "$L" 2>/dev/null || true

	# B2. the same, with a newcomer born in another cgroup (its parent's): it
	# goes back there, not to where the leaker came from (a daemon of its own:
	# in the VM, with the task iterator, the one of B judged no new leaker)
	kill -TERM "$daemon"
	wait "$daemon" || fail "B2: the daemon of B exited with $?"
	next_daemon
	leaker 30
	hold_calls "$daemon" write -P "$root/$T_ID-jails/memhog-$L/cgroup.procs"
	held "$daemon" "^1 " 20 || fail "B2: the daemon never wrote pid $L to its jail: $(cat "$log")"
	kill -KILL "$L"
	wait "$L" 2>/dev/null || true
	# a shell in the other cgroup takes pid L-1 and forks the newcomer, pid L
	echo $((L - 2)) >/proc/sys/kernel/ns_last_pid
	bash -c 'echo $$ >"$1/cgroup.procs"; "$2" hold 1 & wait' sh "$other" "$MEMHOG" &
	local parent=$!
	# (builtins only until it is there: a fork here could take pid L first)
	for _ in {1..100}; do [ -d "/proc/$L" ] && break; read -r -t 0.05 -u 9 _ || :; done
	[ "$(sed 's/.*) //' "/proc/$L/stat" 2>/dev/null | awk '{print $2}')" = "$parent" ] ||
		fail "B2: pid $L is not the newcomer forked by $parent"
	wait_for "$log" "could not jail pid $L .*exited while being moved" $((HOLD_S + 5)) || fail "B2: no outcome: $(cat "$log")"
	kill "$HOLDER"
	wait "$HOLDER" 2>/dev/null || true
	[ "$(mem_cgroup "$L")" = "/${other##*/}" ] ||
		fail "B2: the newcomer was sent to $(mem_cgroup "$L"), not to its own /${other##*/}"
	note "B2: the newcomer went back to its parent's /${other##*/}"
	[ ! -d "$root/$T_ID-jails/memhog-$L" ] || fail "B2: the jail was not removed"
	kill -KILL "$L" "$parent" 2>/dev/null || true
	wait "$parent" 2>/dev/null || true

	# C. the jailed process dies while the daemon is down; its pid is reused in another cgroup
	local c1 c2
	leaker 20
	c1=$L
	leaker 20
	c2=$L
	wait_for "$log" "jailed pid $c2 " 8 || fail "C: not jailed: $(cat "$log")"
	wait_for "$log" "jailed pid $c1 " 1 || fail "C: not jailed: $(cat "$log")"
	kill -KILL "$daemon"
	wait "$daemon" 2>/dev/null || true
	kill -KILL "$c1" "$c2"
	wait "$c1" "$c2" 2>/dev/null || true
	born "$c1" "$other" "$MEMHOG" hold 1
	born "$c2" "$other" "$MEMHOG" hold 1
	"$LEAKJAIL" release --config "$T_DIR/leakjail.conf" "$c2" >"$T_DIR/release.out" 2>&1 ||
		fail "C: release failed: $(cat "$T_DIR/release.out")"
	[ "$(mem_cgroup "$c2")" = "/${other##*/}" ] || fail "C: release moved the newcomer to $(mem_cgroup "$c2")"
	[ ! -d "$root/$T_ID-jails/memhog-$c2" ] || fail "C: release left the jail"
	next_daemon
	grep -q "jail $T_ID-jails/memhog-$c1 removed: pid $c1 (memhog) has exited" "$log" ||
		fail "C: the restarted daemon kept a jail of an exited process: $(cat "$log")"
	note "C: $(grep -o "jail $T_ID-jails/memhog-$c1 removed.*" "$log")"
	[ "$(mem_cgroup "$c1")" = "/${other##*/}" ] || fail "C: the newcomer was moved to $(mem_cgroup "$c1")"
	[ ! -e "$T_DIR/state/jails/$c1" ] && [ ! -e "$T_DIR/state/jails/$c2" ] || fail "C: records left"
	out=$("$LEAKJAIL" release --config "$T_DIR/leakjail.conf" "$c1" 2>&1) && fail "C: release of a newcomer: $out"
	note "C: release of the newcomer's pid: $out"
	[ "$(mem_cgroup "$c1")" = "/${other##*/}" ] || fail "C: release moved the newcomer"
	sleep 1
	grep -q "pid \($c1\|$c2\) .*policy" "$log" && fail "C: the newcomers were judged: $(cat "$log")"

	kill -TERM "$daemon"
	wait "$daemon" || fail "daemon exited with $? on SIGTERM"
}

export LEAKJAIL MEMHOG T_DIR T_ID cg other root HOLD_S
unshare --pid --fork --mount-proc --kill-child \
	bash -c "$(declare -f inner start_daemon wait_for fail note skip mem_cgroup rss_kb hold_calls held pause_daemon resume_daemon); T_PIDS=(); inner" &
ns=$!
T_PIDS+=("$ns")
rc=0
wait "$ns" || rc=$?
[ $rc -eq 0 ] || [ $rc -eq 77 ] || fail "exit $rc in the pid namespace"
exit $rc
