# SPDX-License-Identifier: GPL-2.0-or-later
# leakjail run: a fixed --limit keeps a leaker alive under it with the rest
# in swap and returns its exit status; a policy jails a leaker in place;
# signals reach the command; nothing is left behind.
. "$(dirname "$0")/../lib.sh"
require_root
jails_cgroup
make_swap 1024
daemon_conf 500ms ""
write_conf "$T_DIR/policies/run.conf" "[policy quick]
growth = 40M
window = 3s
action = jail
jail_size = 48M"

# 1. --limit 64M from the start
"$LEAKJAIL" run --config "$T_DIR/leakjail.conf" --limit 64M -- "$MEMHOG" leak 20 400 --seconds 9 --exit 3 \
	2>"$T_DIR/run1.log" &
run=$!
T_PIDS+=("$run")
sleep 7
child=$(cat "$JAILS"/run-memhog-"$run"/cgroup.procs)
[ -n "$child" ] || fail "no process in the run cgroup"
rss=$(rss_kb "$child") swap=$(swap_kb "$child")
note "--limit 64M, after 7 s at 20 MiB/s: rss $((rss / 1024)) MiB, swap $((swap / 1024)) MiB"
[ "$rss" -le $((66 * 1024)) ] || fail "rss $rss kB above the 64M limit"
[ "$swap" -ge $((40 * 1024)) ] || fail "only $swap kB in swap"
rc=0
wait "$run" || rc=$?
[ $rc -eq 3 ] || fail "exit status $rc, expected the command's 3: $(cat "$T_DIR/run1.log")"
[ ! -d "$JAILS/run-memhog-$run" ] || fail "run cgroup left behind"

# 2. a policy: jailed in place when it leaks
"$LEAKJAIL" run --config "$T_DIR/leakjail.conf" --policies "$T_DIR/policies" --policy quick -- \
	"$MEMHOG" leak 20 400 --seconds 20 2>"$T_DIR/run2.log" &
run=$!
T_PIDS+=("$run")
wait_for "$T_DIR/run2.log" "jailed in place pid" 15 || fail "not jailed in place: $(cat "$T_DIR/run2.log")"
note "$(grep "jailed in place" "$T_DIR/run2.log")"
# the throttle holds at once; the usage comes down in slices, then the record says it settled
wait_for "$T_DIR/run2.log" "settled\|jailed in place pid .*reclaimed" 20 || fail "the jail did not settle: $(cat "$T_DIR/run2.log")"
note "$(grep "settled" "$T_DIR/run2.log" || true)"
child=$(cat "$JAILS"/run-memhog-"$run"/cgroup.procs)
rss=$(rss_kb "$child")
note "once settled: rss $((rss / 1024)) MiB, swap $(($(swap_kb "$child") / 1024)) MiB"
[ "$rss" -le $((50 * 1024)) ] || fail "rss $rss kB above the 48M jail"
wait "$run" || fail "exit status $?, expected 0"

# 3. signals are forwarded; the status says which
"$LEAKJAIL" run --config "$T_DIR/leakjail.conf" --limit 64M -- "$MEMHOG" hold 8 2>"$T_DIR/run3.log" &
run=$!
T_PIDS+=("$run")
sleep 1
kill -TERM "$run"
rc=0
wait "$run" || rc=$?
[ $rc -eq 143 ] || fail "after SIGTERM: exit status $rc, expected 143"

# 4. a command that does not exist
rc=0
"$LEAKJAIL" run --config "$T_DIR/leakjail.conf" --limit 64M -- /nonexistent/cmd 2>/dev/null || rc=$?
[ $rc -eq 127 ] || fail "missing command: exit status $rc, expected 127"
[ ! -d "$JAILS" ] || [ -z "$(ls -d "$JAILS"/*/ 2>/dev/null)" ] || fail "cgroups left in $JAILS"
