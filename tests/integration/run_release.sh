# SPDX-License-Identifier: GPL-2.0-or-later
# The jail in place of `leakjail run` is recorded with the daemon's jails:
# `status` (text and --json) shows it with its run and command, `release`
# (here with the run's own pid) lifts the limit of the run's cgroup, the run
# notices (its reclaim stops, it judges the command no more) and the command
# leaks on unjailed; release --all takes it too. The record goes when a
# jailed run ends; the record of a run killed outright is not shown as a
# jail and is removed by the next status, run or daemon. The jail caps swap
# (jail_swap): on v1 memory+swap has a limit too, raised first when the
# limit goes (v1 refuses a memory limit above memsw).
# Before: status showed no jail of a run, release said "not jailed".
. "$(dirname "$0")/../lib.sh"
require_root
root=$(memory_root) || skip "no memory controller"
make_swap 512
parent="$root/$T_ID-jails"
T_CGROUPS+=("$parent")
state="$T_DIR/state"
conf="$T_DIR/leakjail.conf"
write_conf "$conf" "[daemon]
interval = 500ms
jail_parent = $T_ID-jails
state_dir = $state
log = stderr"
write_conf "$T_DIR/policies/run.conf" "[policy quick]
growth = 40M
window = 3s
action = jail
jail_size = 48M
jail_swap = 64M"
schema="$(dirname "$0")/../../docs/status.schema.json"
check="$(dirname "$0")/schema_check.py"

# the limit in force on a cgroup: v1 memory.limit_in_bytes, v2 memory.high ("max", or v1's huge number: none)
limit_of() {
	local v
	if [ -f "$1/memory.limit_in_bytes" ]; then v=$(cat "$1/memory.limit_in_bytes"); else v=$(cat "$1/memory.high"); fi
	if [ "$v" = max ] || [ "$v" -ge $((1 << 62)) ]; then echo none; else echo "$v"; fi
}
usage_of() {
	if [ -f "$1/memory.usage_in_bytes" ]; then cat "$1/memory.usage_in_bytes"; else cat "$1/memory.current"; fi
}

# start_jailed_run: a run of a leaker, in the background, once it is jailed in place; sets run, cg, child
start_jailed_run() {
	"$LEAKJAIL" run --config "$conf" --policies "$T_DIR/policies" -- "$MEMHOG" leak 20 200 --seconds 40 2>"$log" &
	run=$!
	T_PIDS+=("$run")
	wait_for "$log" "jailed in place pid" 15 || fail "not jailed in place: $(cat "$log")"
	cg="$parent/run-memhog-$run"
	child=$(head -1 "$cg/cgroup.procs")
}

# 1. jailed, shown, released
log="$T_DIR/run1.log"
start_jailed_run
# settled: the hard line is set (v1: memory+swap at the limit + jail_swap)
wait_for "$log" "settled\|jailed in place pid .*reclaimed" 20 || fail "the jail did not settle: $(cat "$log")"
if [ -f "$cg/memory.memsw.limit_in_bytes" ]; then
	memsw=$(cat "$cg/memory.memsw.limit_in_bytes")
	[ "$memsw" -lt $((1 << 62)) ] || fail "memory+swap not limited: this does not test raising it first"
	note "memory+swap limited at $((memsw >> 20)) MiB"
fi
[ -f "$state/jails/$child" ] || fail "no record $state/jails/$child: $(ls -l "$state/jails" 2>&1)"
jailed=$(limit_of "$cg")
[ "$jailed" != none ] || fail "no limit on $cg once jailed"
note "jailed: $cg limit $((jailed >> 20)) MiB"

"$LEAKJAIL" status --config "$conf" --interval 200ms >"$T_DIR/status.txt" || fail "status failed"
grep -q "^ *$child  memhog  *quick " "$T_DIR/status.txt" || fail "status does not show the run's jail: $(cat "$T_DIR/status.txt")"
grep -q "jail $cg (backend run)" "$T_DIR/status.txt" || fail "status does not name the run's cgroup: $(cat "$T_DIR/status.txt")"
grep -q "in place: leakjail run pid $run, command: $MEMHOG leak 20 200 --seconds 40\$" "$T_DIR/status.txt" ||
	fail "status does not name the run and its command: $(cat "$T_DIR/status.txt")"
note "$(grep -m1 -A2 "^ *$child " "$T_DIR/status.txt")"
"$LEAKJAIL" status --json --config "$conf" --interval 200ms >"$T_DIR/status.json" || fail "status --json failed"
# the jail of pid $child, as one object in "jails"
jail=$(sed 's/,"interval_ms":.*//' "$T_DIR/status.json" | grep -o "{\"pid\":$child,\"comm\":\"memhog\"[^}]*}[^}]*}") ||
	fail "status --json shows no jail of pid $child: $(cat "$T_DIR/status.json")"
for want in "\"jail\":\"$cg\"" '"backend":"run"' "\"run\":{\"pid\":$run,\"command\":\"$MEMHOG leak 20 200 --seconds 40\"}" \
	'"alive":true' '"limit":[1-9]'; do
	grep -q "$want" <<<"$jail" || fail "status --json: no $want in $jail"
done
# the schema, where python3 is (the v2 VM has none)
if command -v python3 >/dev/null; then
	python3 "$check" "$schema" "$T_DIR/status.json" || fail "status --json with a run's jail does not match its schema"
else
	note "python3 is not installed: status --json not checked against its schema here"
fi

t0=$(date +%s%N)
"$LEAKJAIL" release --config "$conf" "$run" >"$T_DIR/release.out" 2>"$T_DIR/release.err" ||
	fail "release of the run failed: $(cat "$T_DIR/release.out" "$T_DIR/release.err")"
t1=$(date +%s%N)
after=$(limit_of "$cg")
note "release in $(((t1 - t0) / 1000000)) ms: $(cat "$T_DIR/release.out") / $(cat "$T_DIR/release.err"); limit now $after"
grep -qx "released pid $run" "$T_DIR/release.out" || fail "release said: $(cat "$T_DIR/release.out")"
[ "$after" = none ] || fail "release left the limit at $after"
[ ! -e "$state/jails/$child" ] || fail "record left after release"
wait_for "$log" "released: cgroup $cg back to limit=max" 5 || fail "the run did not notice the release: $(cat "$log")"
"$LEAKJAIL" status --config "$conf" --interval 200ms >"$T_DIR/status2.txt" || fail "status failed"
grep -q "no jailed processes" "$T_DIR/status2.txt" || fail "status still shows a jail: $(cat "$T_DIR/status2.txt")"
# unjailed, it leaks on past the old limit, and is not jailed again (nor throttled by a reclaim going on)
u0=$(usage_of "$cg")
sleep 4
kill -0 "$child" || fail "the command ended after the release: $(cat "$log")"
u1=$(usage_of "$cg")
note "after the release: usage $((u0 >> 20)) -> $((u1 >> 20)) MiB in 4 s, limit $(limit_of "$cg")"
[ "$(limit_of "$cg")" = none ] || fail "the limit came back: $(limit_of "$cg"): $(cat "$log")"
[ "$u1" -gt $((jailed + (20 << 20))) ] || fail "usage $u1 not beyond the jail's limit $jailed: still held?"
[ "$(grep -c "jailed in place pid" "$log")" -eq 1 ] || fail "jailed again: $(cat "$log")"
kill -TERM "$run"
wait "$run" || true

# 2. a jailed run that ends: its record goes with it
log="$T_DIR/run2.log"
# (it stops at 90 MiB: within the jail's memory + swap, so it ends when it is due)
"$LEAKJAIL" run --config "$conf" --policies "$T_DIR/policies" -- "$MEMHOG" leak 20 90 --seconds 8 2>"$log" &
run=$!
T_PIDS+=("$run")
wait_for "$log" "jailed in place pid" 15 || fail "not jailed in place: $(cat "$log")"
[ -n "$(ls "$state/jails")" ] || fail "no record of the second run"
wait "$run" || fail "exit status $?: $(cat "$log")"
[ -z "$(ls "$state/jails")" ] || fail "record left after the run ended: $(ls "$state/jails")"

# 3. release --all takes a run's jail too, named by its command's pid
log="$T_DIR/run4.log"
start_jailed_run
"$LEAKJAIL" release --all --config "$conf" >"$T_DIR/all.out" 2>&1 || fail "release --all failed: $(cat "$T_DIR/all.out")"
grep -q "^released pid $child\$" "$T_DIR/all.out" || fail "release --all said: $(cat "$T_DIR/all.out")"
[ "$(limit_of "$cg")" = none ] || fail "release --all left the limit at $(limit_of "$cg")"
wait_for "$log" "released: cgroup $cg back to limit=max" 5 || fail "the run did not notice the release: $(cat "$log")"
kill -TERM "$run"
wait "$run" || true

# 4. a run killed outright leaves its record: not shown as a jail, and removed
# by the next status, run or (acting) daemon
killed_run() {
	local log="$T_DIR/killed-$1.log" run
	"$LEAKJAIL" run --config "$conf" --policies "$T_DIR/policies" -- "$MEMHOG" leak 20 200 --seconds 40 2>"$log" &
	run=$!
	T_PIDS+=("$run")
	wait_for "$log" "jailed in place pid" 15 || fail "not jailed in place: $(cat "$log")"
	kill -KILL "$run"
	wait "$run" 2>/dev/null || true
	[ -n "$(ls "$state/jails")" ] || fail "no record left by the killed run (nothing to test)"
}
killed_run 1
"$LEAKJAIL" status --config "$conf" --interval 200ms >"$T_DIR/status3.txt" 2>&1 || fail "status failed"
grep -q "no jailed processes" "$T_DIR/status3.txt" || fail "a dead run's jail is shown: $(cat "$T_DIR/status3.txt")"
[ -z "$(ls "$state/jails")" ] || fail "status left the dead run's record: $(ls "$state/jails")"
killed_run 2
"$LEAKJAIL" run --config "$conf" --limit 64M -- true 2>"$T_DIR/next.log" || fail "the next run failed: $(cat "$T_DIR/next.log")"
[ -z "$(ls "$state/jails")" ] || fail "the next run left the dead run's record: $(ls "$state/jails")"
killed_run 3
mk_cgroup empty
write_conf "$T_DIR/none/none.conf" "[policy none]
match_comm = leakjail-test-nothing
action = log"
write_conf "$T_DIR/daemon.conf" "[daemon]
interval = 200ms
scope = /${CG##*/}
jail_parent = $T_ID-jails
state_dir = $state
kernel_watch = no
log = stderr"
"$LEAKJAIL" daemon --foreground --passes 1 --config "$T_DIR/daemon.conf" --policies "$T_DIR/none" 2>"$T_DIR/daemon.log" ||
	fail "the daemon failed: $(cat "$T_DIR/daemon.log")"
grep -q "removed the record of the jail of run pid" "$T_DIR/daemon.log" || fail "the daemon did not say it: $(cat "$T_DIR/daemon.log")"
grep -q "found jail" "$T_DIR/daemon.log" && fail "the daemon took a run's jail for its own: $(cat "$T_DIR/daemon.log")"
[ -z "$(ls "$state/jails")" ] || fail "the daemon left the dead run's record: $(ls "$state/jails")"
