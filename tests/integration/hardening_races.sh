# SPDX-License-Identifier: GPL-2.0-or-later
# Races around a jail, each ending in one clear record and a daemon that
# carries on (it is alive and jails the next leaker):
#  a. the leaker exits between the verdict and the jail: before the pidfd is
#     opened, and while its pid is being written to the jail's cgroup.procs.
#     Both windows last microseconds; strace holds the daemon's system call
#     (pidfd_open; the write to that one file) for a few seconds, and the
#     test kills and reaps the leaker inside it.
#  b. a leaker with 16 threads: every thread moves (v1's `tasks` moves one).
#  c. a leaker that forks a child every 20 ms: with jail_descendants = yes
#     every child alive after the move is in the jail, those moved with it
#     and those born since. When it exits, its children hold the jail: the
#     jail and its record stay until the last of them has gone.
#  c2. a leaker with two children, one of them in a cgroup of its own: only
#     the child still in the leaker's cgroup goes into the jail.
#  d. someone moves the jailed process out and removes its jail, then the
#     jail parent: the daemon says so, forgets the jail, and makes the jail
#     parent again for the next leaker.
#  e. the kernel refuses the jail: a jail_parent that names a control file
#     (mkdir fails with ENOTDIR: cgroupfs lets root do anything else; the
#     refusals root meets are structural), and on cgroup v2 a jail_parent
#     that holds a process (the "no internal processes" rule: EBUSY). After
#     a reload that mends jail_parent the same leaker is jailed.
. "$(dirname "$0")/../lib.sh"
require_root
command -v strace >/dev/null || skip "needs strace (to hold the race windows open)"
root=$(memory_root) || skip "no memory controller"
PROGS=${MEMHOG%/*}
[ -x "$PROGS/threads" ] && [ -x "$PROGS/forker" ] || skip "build the test programs: make tests"

mk_cgroup races
cg=$CG
scope="/${cg##*/}"
mk_cgroup refuse
refuse=$CG
jails_cgroup
log="$T_DIR/daemon.log"
conf() { # JAIL_PARENT
	write_conf "$T_DIR/leakjail.conf" "[daemon]
interval = 200ms
scope = $scope
jail_parent = $1
state_dir = $T_DIR/state
kernel_watch = no
log = stderr"
}
conf "$T_ID-jails"
write_conf "$T_DIR/policies/races.conf" "[policy races]
growth = 20M
window = 2s
steadiness = 80%
action = jail
jail_size = 4.0x
jail_pageout = no
jail_descendants = yes"

start_daemon "$log"

carries_on() { # CASE: the daemon lives
	kill -0 "$DAEMON" 2>/dev/null || fail "$1: the daemon died: $(cat "$log")"
	! grep -q "^leakjail: error: " "$log" || [ "${2:-}" = errors-expected ] ||
		fail "$1: an error: $(grep "^leakjail: error: " "$log")"
}
let_go() { # the strace that holds the daemon
	kill "$HOLDER"
	wait "$HOLDER" 2>/dev/null || true
}

# a1. the leaker exits while the daemon is about to open its pidfd
spawn "$cg" "$MEMHOG" leak 20 200
a1=$SPAWNED
hold_calls "$DAEMON" pidfd_open
held "$DAEMON" "^434 $(printf '0x%x' "$a1") " 10 || fail "a1: no pidfd_open($a1): $(cat "$log")"
kill -KILL "$a1"
wait "$a1" 2>/dev/null || true
wait_for "$log" "could not jail pid $a1 " $((HOLD_S + 5)) || fail "a1: no record: $(cat "$log")"
let_go
grep -q "^leakjail: could not jail pid $a1 (memhog) policy=races: pid $a1 has exited; evidence: " "$log" ||
	fail "a1: $(grep "pid $a1 " "$log")"
note "a1: $(grep -o "could not jail pid $a1 [^;]*" "$log")"
[ ! -e "$JAILS/memhog-$a1" ] && [ ! -e "$T_DIR/state/jails/$a1" ] || fail "a1: a jail or record was made"
carries_on a1

# a2. the leaker exits while its pid is being written to the jail's cgroup.procs
spawn "$cg" "$MEMHOG" leak 20 200
a2=$SPAWNED
hold_calls "$DAEMON" write -P "$JAILS/memhog-$a2/cgroup.procs"
held "$DAEMON" "^1 " 10 || fail "a2: the move of $a2 was not held: $(cat "$log")"
# held() can catch the daemon stopped at an earlier write (strace stops every
# write to test its path); the held one follows within the hold: poll for the record
for _ in $(seq 40); do [ -f "$T_DIR/state/jails/$a2" ] && break; sleep 0.05; done
[ -f "$T_DIR/state/jails/$a2" ] || fail "a2: no record before the move"
kill -KILL "$a2"
wait "$a2" 2>/dev/null || true
wait_for "$log" "could not jail pid $a2 " $((HOLD_S + 5)) || fail "a2: no record: $(cat "$log")"
let_go
grep -q "^leakjail: could not jail pid $a2 (memhog) policy=races: pid $a2 exited while being moved; evidence: " "$log" ||
	fail "a2: $(grep "pid $a2 " "$log")"
note "a2: $(grep -o "could not jail pid $a2 [^;]*" "$log")"
[ ! -e "$JAILS/memhog-$a2" ] || fail "a2: the jail was left behind"
[ ! -e "$T_DIR/state/jails/$a2" ] || fail "a2: the record was left behind"
carries_on a2

# b. 16 threads
spawn "$cg" "$PROGS/threads" 16 20 160
b=$SPAWNED
wait_for "$log" "jailed pid $b " 20 || fail "b: not jailed: $(cat "$log")"
n=0
for t in /proc/"$b"/task/*; do
	n=$((n + 1))
	c=$(awk -F: '$2 == "memory" { m = $3 } $1 == "0" && $2 == "" { u = $3 } END { print (m != "" ? m : u) }' "$t/cgroup")
	[ "$c" = "/$T_ID-jails/threads-$b" ] || fail "b: thread ${t##*/} is in $c"
done
[ $n -eq 16 ] || fail "b: $n threads, not 16"
note "b: all $n threads of pid $b in /$T_ID-jails/threads-$b: $(grep -o "jailed pid $b .*" "$log" | grep -o "moved [0-9]*")"
kill -KILL "$b"
wait "$b" 2>/dev/null || true
carries_on b

# c. a leaker that forks a child every 20 ms, each living 1.5 s
spawn "$cg" "$PROGS/forker" 20 200 20 1500
c=$SPAWNED
wait_for "$log" "jailed pid $c " 10 || fail "c: not jailed: $(cat "$log")"
children_in_jail() { # counts in $in and $out; shell builtins only: children come and go meanwhile
	local p h x path where
	in=0 out=0
	for p in $(child_pids "$c"); do
		where=
		{ while IFS=: read -r h x path; do
			if [ "$x" = memory ] || { [ -z "$where" ] && [ "$h" = 0 ]; }; then where=$path; fi
		done <"/proc/$p/cgroup"; } 2>/dev/null || true
		case $where in
		"/$T_ID-jails/forker-$c") in=$((in + 1)) ;;
		"") ;; # exited meanwhile
		/) ;;  # exiting: v1 shows a task past do_exit()'s start in "/" (proc_cgroup_show)
		*) out=$((out + 1)) ;;
		esac
	done
}
moved=$(grep -o "jailed pid $c .*" "$log" | grep -o "moved [0-9]*")
children_in_jail
[ $out -eq 0 ] || fail "c: $out children outside the jail ($in inside)"
note "c: forker $c jailed, $moved; right after: $in children, all in the jail"
[ "${moved#moved }" -gt 1 ] || fail "c: no child moved with it ($moved)"
sleep 1.6 # every child now alive was born after the move
children_in_jail
[ $out -eq 0 ] && [ $in -gt 0 ] || fail "c: 1.6 s later, $in children in the jail and $out outside"
note "c: 1.6 s later: $in children, all in the jail"
# the forker exits; its children hold the jail until they exit: it is kept, and its record
kill -KILL "$c"
wait "$c" 2>/dev/null || true
sleep 1 # 5 passes; the children forked in the last 0.5 s still live
left=$(wc -l <"$JAILS/forker-$c/cgroup.procs")
[ "$left" -gt 0 ] || fail "c: no child left in the jail: the check shows nothing"
grep -q "jail $T_ID-jails/forker-$c removed" "$log" && fail "c: the jail was said removed while it holds $left children"
[ -d "$JAILS/forker-$c" ] && [ -f "$T_DIR/state/jails/$c" ] || fail "c: the jail or its record is gone while it holds $left children"
note "c: the forker exited, $left children hold its jail: jail and record kept"
while read -r p; do kill -KILL "$p" 2>/dev/null || true; done <"$JAILS/forker-$c/cgroup.procs"
wait_for "$log" "jail $T_ID-jails/forker-$c removed" 5 || fail "c: the jail was not removed: $(cat "$log")"
[ ! -d "$JAILS/forker-$c" ] && [ ! -f "$T_DIR/state/jails/$c" ] || fail "c: said removed, but the jail or its record is there"
carries_on c

# c2. a child in a cgroup of its own (as in a unit of its own) belongs there
mk_cgroup own
own=$CG
spawn "$cg" bash -c 'sleep 600 & sleep 600 & exec "$0" leak 20 200' "$MEMHOG"
c2=$SPAWNED
for _ in $(seq 50); do
	kids=$(child_pids "$c2") # the children by their ppid (busybox's ps has no --ppid)
	[ "$(echo $kids | wc -w)" -eq 2 ] && [ "$(readlink "/proc/$c2/exe")" = "$MEMHOG" ] && break
	sleep 0.1
done
read -r k1 k2 _ <<<"$kids" || true
[ -n "${k2:-}" ] || fail "c2: the leaker's two children did not start: '$kids'"
echo "$k1" >"$own/cgroup.procs" || fail "c2: cannot move child $k1 to $own"
wait_for "$log" "jailed pid $c2 " 10 || fail "c2: not jailed: $(cat "$log")"
[ "$(mem_cgroup "$k1")" = "/${own#$root/}" ] || fail "c2: the child in its own cgroup was moved: $(mem_cgroup "$k1")"
[ "$(mem_cgroup "$k2")" = "/$T_ID-jails/memhog-$c2" ] || fail "c2: the child in the leaker's cgroup was not moved: $(mem_cgroup "$k2")"
note "c2: leaker $c2 jailed with the child in its cgroup ($k2); the one in a cgroup of its own ($k1) stayed"
kill -KILL "$c2" "$k1" "$k2" 2>/dev/null || true
wait "$c2" 2>/dev/null || true
wait_for "$log" "jail $T_ID-jails/memhog-$c2 removed" 5 || fail "c2: the jail was not removed: $(cat "$log")"
carries_on c2

# d. someone else takes the process out of its jail and removes the jail, then the jail parent
spawn "$cg" "$MEMHOG" leak 20 200
d=$SPAWNED
wait_for "$log" "jailed pid $d " 10 || fail "d: not jailed: $(cat "$log")"
echo "$d" >"$cg/cgroup.procs"
rmdir "$JAILS/memhog-$d"
wait_for "$log" "jail $T_ID-jails/memhog-$d of pid $d (memhog) is gone" 5 || fail "d: not noticed: $(cat "$log")"
note "d: $(grep -o "jail $T_ID-jails/memhog-$d of pid $d .*" "$log")"
[ ! -e "$T_DIR/state/jails/$d" ] || fail "d: the record is left"
sleep 1
[ "$(grep -c "jailed pid $d " "$log")" -eq 1 ] || fail "d: jailed again: $(grep "pid $d " "$log")"
[ "$(mem_cgroup "$d")" = "$scope" ] || fail "d: moved again: $(mem_cgroup "$d")"
kill -KILL "$d"
wait "$d" 2>/dev/null || true
# what is left in the jail parent are empty jails the daemon removes by itself
for _ in $(seq 50); do rmdir "$JAILS" 2>/dev/null && break; sleep 0.1; done
[ ! -d "$JAILS" ] || fail "d: cannot remove the jail parent: $(ls "$JAILS")"
spawn "$cg" "$MEMHOG" leak 20 200
d2=$SPAWNED
wait_for "$log" "jailed pid $d2 " 10 || fail "d: the next leaker was not jailed: $(cat "$log")"
[ -d "$JAILS/memhog-$d2" ] || fail "d: the jail parent was not made again"
note "d: with the jail parent removed too, the next leaker $d2 is jailed in a new one"
kill -KILL "$d2"
wait "$d2" 2>/dev/null || true
carries_on d

# e. the kernel refuses the jail
reload() { # JAIL_PARENT
	local n
	n=$(grep -c "reloaded:" "$log" || true)
	conf "$1"
	kill -HUP "$DAEMON"
	for _ in $(seq 50); do [ "$(grep -c "reloaded:" "$log")" -gt "$n" ] && return 0; sleep 0.1; done
	fail "no reload: $(cat "$log")"
}
reload "${refuse#"$root"/}/cgroup.procs"
spawn "$cg" "$MEMHOG" leak 20 400
e=$SPAWNED
wait_for "$log" "could not jail pid $e " 10 || fail "e: no record: $(cat "$log")"
grep -q "^leakjail: error: could not jail pid $e (memhog) policy=races: cannot create cgroup $refuse/cgroup.procs/memhog-$e: Not a directory (attempt 1, next in 0.2 s while it leaks); evidence: " "$log" ||
	fail "e: $(grep "pid $e " "$log")"
note "e: $(grep -o "error: could not jail pid $e [^;]*" "$log")"
[ "$(mem_cgroup "$e")" = "$scope" ] || fail "e: moved: $(mem_cgroup "$e")"
[ ! -e "$T_DIR/state/jails/$e" ] || fail "e: a record for a refused jail"
carries_on e errors-expected
if [ "$root" = /sys/fs/cgroup ]; then
	# v2: a jail parent that holds a process cannot pass +memory down
	mk_cgroup busy
	busy=$CG
	spawn "$busy" "$MEMHOG" hold 1
	reload "${busy#"$root"/}"
	wait_for "$log" "could not jail pid $e .*holds processes" 10 || fail "e (v2): $(grep "pid $e " "$log")"
	note "e (v2): $(grep -o "error: could not jail pid $e [^;]*holds processes[^;]*" "$log")"
	[ "$(mem_cgroup "$e")" = "$scope" ] || fail "e (v2): moved: $(mem_cgroup "$e")"
fi
reload "$T_ID-jails"
wait_for "$log" "jailed pid $e " 10 || fail "e: not jailed once jail_parent was mended: $(grep "pid $e " "$log")"
note "e: after a reload that mends jail_parent: $(grep -o "jailed pid $e [^:]*" "$log")"
carries_on e errors-expected
kill -KILL "$e"
wait "$e" 2>/dev/null || true

# and the next leaker is jailed as the first would have been
spawn "$cg" "$MEMHOG" leak 20 200
z=$SPAWNED
wait_for "$log" "jailed pid $z " 10 || fail "the last leaker was not jailed: $(cat "$log")"
kill -KILL "$z"
wait "$z" 2>/dev/null || true
kill -TERM "$DAEMON"
wait "$DAEMON" || fail "daemon exited with $? on SIGTERM"
