# SPDX-License-Identifier: GPL-2.0-or-later
# No half-made jail: a leaker with two children (jail_descendants = yes)
# exits after its children were moved into its jail and before the move is
# confirmed. The jail is undone whole: the children go back to the cgroup
# they came from, the empty jail is removed, the record deleted. Before, the
# record was deleted and the children were left limited in a jail nobody
# knew of. strace holds the daemon's read of /proc/PID/cgroup (the
# confirmation is its second) while the test kills and reaps the leader.
. "$(dirname "$0")/../lib.sh"
require_root
command -v strace >/dev/null || skip "needs strace (to hold the race window open)"
root=$(memory_root) || skip "no memory controller"
jail_home
daemon_conf 200ms "/${home##*/}"
write_conf "$T_DIR/policies/p.conf" "[policy quick]
growth = 30M
window = 2s
action = jail
jail_size = 64M
jail_pageout = no
jail_descendants = yes"
log="$T_DIR/daemon.log"
start_daemon "$log"
# the leader forks two children, then becomes the leaker (same pid); it
# starts once the daemon's reads of its /proc/PID/cgroup are held
spawn "$home" sh -c "while [ ! -e \"$T_DIR/go\" ]; do sleep 0.05; done; \"$MEMHOG\" hold 1 & \"$MEMHOG\" hold 1 & exec \"$MEMHOG\" leak 20 200"
leader=$SPAWNED
hold_calls "$DAEMON" openat -P "/proc/$leader/cgroup"
touch "$T_DIR/go"
for _ in $(seq 50); do
	kids=$(child_pids "$leader")
	[ "$(echo $kids | wc -w)" -eq 2 ] && break
	sleep 0.1
done
[ "$(echo $kids | wc -w)" -eq 2 ] || fail "the leader did not fork two children: $kids"
jail="$JAILS/memhog-$leader"
# the first read is of where it comes from; the second, with the children moved, the confirmation
ok=""
for _ in $(seq 300); do
	if held "$DAEMON" "^257 " 1 && [ -f "$jail/cgroup.procs" ]; then
		inside=$(cat "$jail/cgroup.procs" | tr '\n' ' ')
		n=0
		for k in $kids; do grep -qx "$k" "$jail/cgroup.procs" && n=$((n + 1)); done
		[ $n -eq 2 ] && { ok=1; break; }
	fi
	sleep 0.05
done
[ -n "$ok" ] || fail "the confirmation was not held with the children moved: $(cat "$log")"
note "held before the confirmation; in the jail: $inside"
kill -KILL "$leader"
wait "$leader" 2>/dev/null || true
kill "$HOLDER"
wait "$HOLDER" 2>/dev/null || true
wait_for "$log" "could not jail pid $leader " 10 || fail "no outcome: $(cat "$log")"
note "$(grep -o "could not jail pid $leader [^;]*" "$log")"
for k in $kids; do
	[ "$(mem_cgroup "$k")" = "/${home##*/}" ] || fail "child $k left in $(mem_cgroup "$k")"
done
[ ! -d "$jail" ] || fail "the jail was left: $(cat "$jail/cgroup.procs" | tr '\n' ' ')"
[ ! -e "$T_DIR/state/jails/$leader" ] || fail "the record was left"
kill -0 "$DAEMON" || fail "the daemon died"
