# SPDX-License-Identifier: GPL-2.0-or-later
# leakjail run on a tree: a shell that starts a holder (100 MiB, touched
# every second) and a leaker. 1. The limit is sized from the cgroup's usage,
# the whole tree (not the leaker's RSS), with no "could not reclaim".
# 2. A stop reaches every process of the tree; one that ignores it is
# killed after the grace period; nothing is left. 3. A run killed by
# SIGKILL leaves its cgroup for the next run, or the daemon, to remove.
. "$(dirname "$0")/../lib.sh"
require_root
jails_cgroup
make_swap 1024
daemon_conf 500ms ""
# the holder's first fill is not judged: it may look like a leak on a slow (emulated) CPU
write_conf "$T_DIR/policies/run.conf" "[policy quick]
match_cmdline = *leak*
growth = 30M
window = 3s
action = jail"
run_cg() { echo "$JAILS/run-sh-$1"; }
# running PID: there and not a zombie (an exited child of an exited parent waits to be reaped by init)
running() {
	local st
	st=$(sed 's/.*) //; s/ .*//' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# 1. the tree is limited, not one process
# the leaker starts once the holder holds its 100 MiB (the test says when: $T_DIR/go)
"$LEAKJAIL" run --config "$T_DIR/leakjail.conf" --policies "$T_DIR/policies" --policy quick -- \
	sh -c "\"$MEMHOG\" hold 100 & while [ ! -e \"$T_DIR/go\" ]; do sleep 0.1; done; exec \"$MEMHOG\" leak 20 400" \
	2>"$T_DIR/run1.log" &
run=$!
T_PIDS+=("$run")
for _ in $(seq 300); do
	holder=$(for p in $(cat "$(run_cg "$run")/cgroup.procs" 2>/dev/null); do
		case "$({ tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null)" in "$MEMHOG hold 100 ") echo "$p" ;; esac
	done)
	[ -n "$holder" ] && [ "$(rss_kb "$holder" 2>/dev/null || echo 0)" -ge $((99 * 1024)) ] && break
	sleep 0.1
done
[ -n "$holder" ] && [ "$(rss_kb "$holder")" -ge $((99 * 1024)) ] || fail "the holder did not fill its 100 MiB"
touch "$T_DIR/go"
wait_for "$T_DIR/run1.log" "jailed in place pid" 15 || fail "not jailed in place: $(cat "$T_DIR/run1.log")"
note "$(grep "jailed in place" "$T_DIR/run1.log")"
cg=$(run_cg "$run")
limit=$(cat "$cg/memory.limit_in_bytes" 2>/dev/null || cat "$cg/memory.high")
procs=$(cat "$cg/cgroup.procs")
leaker=""
for p in $procs; do
	case "$({ tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null)" in "$MEMHOG leak 20 400 ") leaker=$p ;; esac
done
[ -n "$holder" ] && [ -n "$leaker" ] || fail "holder or leaker not in $cg: $procs"
note "limit $((limit >> 20)) MiB on the tree"
# its comm may still be the shell's that exec'd it ("sh"), as first sampled
rec=$(grep -o "jailed in place pid $leaker ([^)]*) policy=quick: .*" "$T_DIR/run1.log" || true)
[ -n "$rec" ] || fail "the leaker $leaker was not the one jailed: $(cat "$T_DIR/run1.log")"
# "held 13.2 MiB before", or "held 4.0 KiB before" (first sampled as the shell): in whole MiB
lfloor=$(echo "$rec" | { grep -o "held [0-9.]* [KMG]\?i\?B before" || true; } |
	awk '{ v = $2; if ($3 == "KiB" || $3 == "B") v = 0; if ($3 == "GiB") v *= 1024; print int(v) }')
[ -n "$lfloor" ] || fail "no floor in the record: $rec"
# jail_size = floor: the tree is held at what it held before the leak, the
# holder's 100 MiB and the leaker's floor (less a few MiB of rounding), and
# not at one process's size
[ "$limit" -ge $(((100 + lfloor - 4) << 20)) ] ||
	fail "limit $limit bytes: below the tree's $((100 + lfloor)) MiB before the leak (the leaker held $lfloor MiB): sized from one process"
! grep -q "could not reclaim" "$T_DIR/run1.log" || fail "$(cat "$T_DIR/run1.log")"
hold0=$(rss_kb "$holder")
sleep 4
hold1=$(rss_kb "$holder") lswap=$(swap_kb "$leaker")
note "4 s after: holder rss $((hold0 / 1024)) -> $((hold1 / 1024)) MiB; leaker swap $((lswap / 1024)) MiB"
# Which pages the kernel reclaims inside the cgroup is its choice, not leakjail's: mostly the
# leaker's (seen: holder 100 -> 97 MiB, leaker 78 MiB in swap), but reclaim that scans faster
# than the holder touches its pages (once a second) takes them too (seen: 100 -> 51 MiB under a
# load of 8 on 2 CPUs, 90 -> 39). The figures are shown; the limit above is what is tested.

# 2. a stop reaches the tree: the leaker ends with the shell gone, the holder too
kill -TERM "$run"
rc=0
wait "$run" || rc=$?
[ $rc -eq 143 ] || fail "after SIGTERM: exit status $rc, expected 143: $(cat "$T_DIR/run1.log")"
for p in $holder $leaker; do ! running "$p" || fail "pid $p outlived the stop"; done
[ ! -d "$cg" ] || fail "$cg left behind"

# ... and what ignores it is killed after the grace period
"$LEAKJAIL" run --config "$T_DIR/leakjail.conf" --limit 64M -- \
	sh -c "trap '' TERM; \"$MEMHOG\" hold 8 & while :; do sleep 0.2; done" 2>"$T_DIR/run2.log" &
run=$!
T_PIDS+=("$run")
sleep 1
cg=$(run_cg "$run")
[ "$(wc -l <"$cg/cgroup.procs")" -ge 2 ] || fail "the tree did not start: $(cat "$cg/cgroup.procs")"
kill -TERM "$run"
rc=0
wait "$run" || rc=$?
note "a shell that ignores SIGTERM: exit status $rc; $(grep -o 'still running.*' "$T_DIR/run2.log")"
[ $rc -eq 137 ] || fail "exit status $rc, expected 137 (killed after the grace period): $(cat "$T_DIR/run2.log")"
[ ! -d "$cg" ] || fail "$cg left behind"

# 3. SIGKILL: the command is stopped by the kernel, the next run removes the cgroup
"$LEAKJAIL" run --config "$T_DIR/leakjail.conf" --limit 64M -- "$MEMHOG" hold 8 2>"$T_DIR/run3.log" &
run=$!
T_PIDS+=("$run")
sleep 1
cg="$JAILS/run-memhog-$run"
child=$(cat "$cg/cgroup.procs")
[ -n "$child" ] || fail "no process in $cg"
kill -KILL "$run"
wait "$run" 2>/dev/null || true
for _ in $(seq 50); do running "$child" || break; sleep 0.1; done
! running "$child" || fail "the command outlived its run"
[ -d "$cg" ] || fail "$cg is gone already: this part shows nothing"
"$LEAKJAIL" run --config "$T_DIR/leakjail.conf" --limit 64M -- true 2>"$T_DIR/run4.log" || fail "the next run failed: $(cat "$T_DIR/run4.log")"
note "$(grep "removed" "$T_DIR/run4.log")"
[ ! -d "$cg" ] || fail "$cg still there after the next run: $(cat "$T_DIR/run4.log")"

# ... or the daemon, at its first pass (and every 64th)
"$LEAKJAIL" run --config "$T_DIR/leakjail.conf" --limit 64M -- "$MEMHOG" hold 8 2>"$T_DIR/run5.log" &
run=$!
T_PIDS+=("$run")
sleep 1
cg="$JAILS/run-memhog-$run"
child=$(cat "$cg/cgroup.procs")
kill -KILL "$run"
wait "$run" 2>/dev/null || true
for _ in $(seq 50); do running "$child" || break; sleep 0.1; done
[ -d "$cg" ] || fail "$cg is gone already: this part shows nothing"
# a policy that matches nothing here: the daemon only has to pass once
write_conf "$T_DIR/none/none.conf" "[policy none]
match_comm = leakjail-test-nothing
action = log"
write_conf "$T_DIR/daemon.conf" "[daemon]
interval = 200ms
jail_parent = $T_ID-jails
state_dir = $T_DIR/state
kernel_watch = no
log = stderr"
"$LEAKJAIL" daemon --foreground --passes 1 --config "$T_DIR/daemon.conf" --policies "$T_DIR/none" 2>"$T_DIR/daemon.log" ||
	fail "daemon: $(cat "$T_DIR/daemon.log")"
note "$(grep "removed" "$T_DIR/daemon.log")"
[ ! -d "$cg" ] || fail "$cg still there after a daemon's pass: $(cat "$T_DIR/daemon.log")"
