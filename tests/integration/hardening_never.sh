# SPDX-License-Identifier: GPL-2.0-or-later
# What leakjail never jails, whatever a policy says: PID 1, kernel threads,
# itself, a process with oom_score_adj -1000, and what the [daemon] section
# exempts (exempt_comm, exempt_cgroup). The policy matches everything
# (match_comm = *) and takes 8 MiB in 2 s for a leak; every process below
# but one leaks 20 MiB/s.
#
#  A. Real jailing, in a pid namespace of the test's own whose PID 1 is a
#     leaker: the scope is the test's cgroup, so only processes the test
#     started can match, PID 1 included. The daemon runs in the namespace
#     and in the scope. A leaker that is none of these is jailed: the
#     policy does act.
#  B. A dry run over the whole system (scope = /): no record names the
#     host's PID 1, a kernel thread or the daemon. They hold no user memory
#     that could grow: what this shows is that nothing makes them judged.
. "$(dirname "$0")/../lib.sh"
require_root
unshare --help 2>&1 | grep -q -- --kill-child || skip "needs util-linux unshare (--kill-child)"
root=$(memory_root) || skip "no memory controller"

mk_cgroup never
cg=$CG
scope="/${cg##*/}"
mkdir "$cg/exempt"
T_CGROUPS=("$root/$T_ID-jails" "${T_CGROUPS[@]}")
cp "$MEMHOG" "$T_DIR/exemptleak"
log="$T_DIR/daemon.log"
write_conf "$T_DIR/leakjail.conf" "[daemon]
interval = 200ms
scope = $scope
jail_parent = $T_ID-jails
state_dir = $T_DIR/state
exempt_comm = exemptleak
exempt_cgroup = $scope/exempt
kernel_watch = no
log = stderr"
write_conf "$T_DIR/policies/all.conf" "[policy all]
match_comm = *
growth = 8M
window = 2s
action = jail
jail_size = 4.0x
jail_pageout = no"

# A. PID 1 of a pid namespace leaks; so do the others
inner() {
	set -euo pipefail
	local daemon pids="$T_DIR/pids"
	echo $$ >"$cg/cgroup.procs" # what this shell forks is born in the scope
	"$LEAKJAIL" daemon --foreground --config "$T_DIR/leakjail.conf" --policies "$T_DIR/policies" 2>"$log" &
	daemon=$!
	wait_for "$log" "started:" 5 || fail "daemon did not start: $(cat "$log")"
	"$MEMHOG" leak 20 100 &
	echo "ctl $!" >>"$pids.tmp"
	"$T_DIR/exemptleak" leak 20 100 &
	echo "exempt_comm $!" >>"$pids.tmp"
	(echo "$BASHPID" >"$cg/exempt/cgroup.procs" && exec "$MEMHOG" leak 20 100) &
	echo "exempt_cgroup $!" >>"$pids.tmp"
	# lowering oom_score_adj takes CAP_SYS_RESOURCE, which some containers drop
	if (echo -1000 >/proc/self/oom_score_adj) 2>/dev/null; then
		(echo -1000 >/proc/self/oom_score_adj && exec "$MEMHOG" leak 20 100) &
		echo "oom $!" >>"$pids.tmp"
	fi
	echo "daemon $daemon" >>"$pids.tmp"
	mv "$pids.tmp" "$pids"
	exec "$MEMHOG" leak 20 100
}
export LEAKJAIL MEMHOG T_DIR cg log
# by its path: spawn's sh may be busybox's, which runs its own unshare applet first
spawn "$cg" "$(command -v unshare)" --pid --fork --mount-proc --kill-child \
	bash -c "$(declare -f inner wait_for fail); inner"
ns=$SPAWNED
for _ in $(seq 100); do [ -f "$T_DIR/pids" ] && break; sleep 0.1; done
[ -f "$T_DIR/pids" ] || fail "the namespace did not start: $(cat "$log")"
pid_of() { awk -v n="$1" '$1 == n { print $2 }' "$T_DIR/pids"; }
# host_pid NSPID: the host's pid of the process numbered NSPID in the namespace
# ("NSpid: 4242 3"); all of them are in the test's cgroups
host_pid() {
	local p
	for p in $(cat "$cg/cgroup.procs" "$cg/exempt/cgroup.procs" "$root/$T_ID-jails"/*/cgroup.procs 2>/dev/null); do
		[ "$(awk '/^NSpid:/ { print $NF }' "/proc/$p/status" 2>/dev/null)" = "$1" ] && echo "$p" && return
	done
}
init=$(cat "/proc/$ns/task/$ns/children")
init=${init%% *}
ctl=$(pid_of ctl) daemon=$(pid_of daemon)
wait_for "$log" "jailed pid $ctl " 10 || fail "A: the plain leaker was not jailed: $(cat "$log")"
note "A: $(grep -o "jailed pid $ctl [^:]*" "$log")"
sleep 2 # every other leaker has had its window by now, PID 1 too
[ "$(awk '/^NSpid:/ { print $NF }' "/proc/$init/status")" = 1 ] || fail "A: $init is not PID 1 of the namespace"
note "A: PID 1 (host pid $init) at $(($(rss_kb "$init") >> 10)) MiB, grown since it started"
grep -q "pid 1 (" "$log" && fail "A: PID 1 was named: $(grep "pid 1 (" "$log")"
[ "$(mem_cgroup "$init")" = "$scope" ] || fail "A: PID 1 was moved to $(mem_cgroup "$init")"
grep -q "pid $daemon (" "$log" && fail "A: the daemon named itself: $(grep "pid $daemon (" "$log")"
[ "$(mem_cgroup "$(host_pid "$daemon")")" = "$scope" ] || fail "A: the daemon moved itself"
for which in exempt_comm exempt_cgroup; do
	p=$(pid_of $which)
	grep -q "pid $p (" "$log" && fail "A: the $which leaker was named: $(grep "pid $p (" "$log")"
done
[ "$(mem_cgroup "$(host_pid "$(pid_of exempt_comm)")")" = "$scope" ] || fail "A: the exempt_comm leaker was moved"
[ "$(mem_cgroup "$(host_pid "$(pid_of exempt_cgroup)")")" = "$scope/exempt" ] || fail "A: the exempt_cgroup leaker was moved"
note "A: PID 1, the daemon (pid $daemon), the exempt_comm and exempt_cgroup leakers: never named, never moved"
oom=$(pid_of oom)
if [ -n "$oom" ]; then
	grep -q "not jailed (oom_score_adj -1000): pid $oom (memhog) policy=all: " "$log" ||
		fail "A: the oom_score_adj -1000 leaker: $(grep "pid $oom (" "$log" || echo "not named")"
	grep -q "jailed pid $oom " "$log" && fail "A: the oom_score_adj -1000 leaker was jailed"
	[ "$(mem_cgroup "$(host_pid "$oom")")" = "$scope" ] || fail "A: the oom_score_adj -1000 leaker was moved"
	note "A: $(grep -o "not jailed (oom_score_adj -1000): pid $oom [^:]*" "$log")"
else
	note "A: oom_score_adj -1000 not checked here: no CAP_SYS_RESOURCE (the cgroup v2 VM suite checks it)"
fi
[ "$(grep -c "jailed pid" "$log")" -eq 1 ] || fail "A: more than one jail: $(grep "jailed pid" "$log")"
kill -KILL "$ns"
wait "$ns" 2>/dev/null || true

# B. a dry run over the whole system
blog="$T_DIR/dry.log"
write_conf "$T_DIR/dry.conf" "[daemon]
interval = 200ms
scope = /
jail_parent = $T_ID-jails
kernel_watch = no
log = stderr"
write_conf "$T_DIR/dry/all.conf" "[policy all]
match_comm = *
growth = 1M
window = 1s
steadiness = 0%
action = jail"
"$LEAKJAIL" daemon --dry-run --foreground --config "$T_DIR/dry.conf" --policies "$T_DIR/dry" 2>"$blog" &
dry=$!
T_PIDS+=("$dry")
wait_for "$blog" "started:" 5 || fail "B: daemon did not start: $(cat "$blog")"
spawn "$cg" "$MEMHOG" leak 20 60
leaker=$SPAWNED
wait_for "$blog" "would jail pid $leaker " 8 || fail "B: a leaker was not reported: $(cat "$blog")"
sleep 2
kill -TERM "$dry"
wait "$dry" || fail "B: daemon exited with $?"
named=$(grep -o "would jail pid [0-9]*" "$blog" | awk '{ print $4 }' | sort -un)
kthreads=0
for p in /proc/[0-9]*/stat; do
	flags=$(sed 's/.*) //' "$p" 2>/dev/null | cut -d' ' -f7) || continue
	[ -n "$flags" ] && [ $((flags & 0x200000)) -ne 0 ] && kthreads=$((kthreads + 1))
done
for p in $named; do
	[ "$p" != 1 ] || fail "B: PID 1 was named: $(grep "pid 1 " "$blog")"
	[ "$p" != "$dry" ] || fail "B: the daemon named itself"
	flags=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f7) || continue
	[ -z "$flags" ] || [ $((flags & 0x200000)) -eq 0 ] || fail "B: kernel thread $p was named"
done
note "B: scope / for 4 s: $(echo "$named" | wc -w) would be jailed, the test's leaker among them; none is PID 1, the daemon or one of the $kthreads kernel threads"
