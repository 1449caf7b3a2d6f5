# SPDX-License-Identifier: GPL-2.0-or-later
# The dry-run daemon, scoped to a cgroup of this test's own with a leaker
# (20 MiB/s), a sawtooth (a collector) and a plateau (a warming cache):
# it reports the leaker within the window plus two intervals, never the
# other two, touches nothing, and exits cleanly on SIGTERM. A scope or
# jail_parent that names no cgroup is said at start and at a reload.
. "$(dirname "$0")/../lib.sh"
require_root

mk_cgroup dryrun
cg=$CG
scope="/${cg##*/}"
window=10 interval=1
log="$T_DIR/daemon.log"
write_conf "$T_DIR/leakjail.conf" "[daemon]
interval = ${interval}s
scope = $scope
jail_parent = $T_ID-jails
log = stderr"
write_conf "$T_DIR/policies/test.conf" "[policy test]
growth = 100M
window = ${window}s
steadiness = 80%
action = jail"

"$LEAKJAIL" daemon --dry-run --foreground --config "$T_DIR/leakjail.conf" \
	--policies "$T_DIR/policies" 2>"$log" &
daemon=$!
T_PIDS+=("$daemon")
wait_for "$log" "started:" 5 || fail "daemon did not start: $(cat "$log")"
note "$(grep -o 'sampler [^,]*' "$log")"
# its jail_parent is made at the first jail: said, not fatal
grep -q "warning: jail_parent $T_ID-jails does not exist (no $(memory_root)/$T_ID-jails)" "$log" ||
	fail "a missing jail_parent is not said at start: $(cat "$log")"
[ -z "${LJ_SAMPLER:-}" ] || grep -q "started:.* sampler $LJ_SAMPLER[ ,]" "$log" || fail "not the sampler asked for: $(cat "$log")"

spawn "$cg" "$MEMHOG" sawtooth 150 8
saw=$SPAWNED
spawn "$cg" "$MEMHOG" plateau 80 4
plateau=$SPAWNED
t0=$(date +%s%N)
spawn "$cg" "$MEMHOG" leak 20 800
leaker=$SPAWNED

wait_for "$log" "would jail pid $leaker (memhog) policy=test" $((window + interval + 5)) ||
	fail "leaker not reported: $(cat "$log")"
elapsed_ms=$((($(date +%s%N) - t0) / 1000000))
note "leaker reported after ${elapsed_ms} ms (window ${window} s + 2 intervals of ${interval} s)"
note "$(grep "would jail pid $leaker" "$log")"
# the daemon sees the leak one interval at the latest after the window has
# passed; polling the log and starting the process add up to a few hundred ms
[ "$elapsed_ms" -le $(((window + 2 * interval) * 1000 + 500)) ] ||
	fail "reported after ${elapsed_ms} ms, more than window + 2 intervals"

# let the sawtooth go through three periods and the plateau sit well past a window
sleep 14
grep -q "pid $saw " "$log" && fail "sawtooth reported: $(grep "pid $saw " "$log")"
grep -q "pid $plateau " "$log" && fail "plateau reported: $(grep "pid $plateau " "$log")"
[ "$(grep -c "would jail pid $leaker " "$log")" -eq 1 ] || fail "leaker reported more than once"

# dry run: nothing moved, no jail made
grep -q ":memory:$scope\$\|^0::$scope\$" "/proc/$leaker/cgroup" || fail "leaker was moved: $(cat "/proc/$leaker/cgroup")"
[ ! -e "$(memory_root)/$T_ID-jails" ] || fail "a jail parent was created in dry run"

kill -TERM "$daemon"
wait "$daemon" || fail "daemon exited with $? on SIGTERM"
grep -q "exiting" "$log" || fail "no exit message"

# a scope that names no cgroup watches nothing: said at start, and at a reload that names one
write_conf "$T_DIR/missing.conf" "[daemon]
interval = ${interval}s
scope = /$T_ID-nosuch
log = stderr"
"$LEAKJAIL" daemon --dry-run --foreground --passes 1 --config "$T_DIR/missing.conf" \
	--policies "$T_DIR/policies" 2>"$T_DIR/missing.log" || fail "a missing scope is fatal: $(cat "$T_DIR/missing.log")"
grep -q "warning: scope /$T_ID-nosuch does not exist (no $(memory_root)/$T_ID-nosuch)" "$T_DIR/missing.log" ||
	fail "a missing scope is not said at start: $(cat "$T_DIR/missing.log")"
note "$(grep "does not exist" "$T_DIR/missing.log")"
write_conf "$T_DIR/reload.conf" "[daemon]
interval = ${interval}s
scope = $scope
log = stderr"
"$LEAKJAIL" daemon --dry-run --foreground --config "$T_DIR/reload.conf" --policies "$T_DIR/policies" \
	2>"$T_DIR/reload.log" &
daemon=$!
T_PIDS+=("$daemon")
wait_for "$T_DIR/reload.log" "started:" 5 || fail "daemon did not start: $(cat "$T_DIR/reload.log")"
grep -q "does not exist" "$T_DIR/reload.log" && fail "an existing scope said missing: $(cat "$T_DIR/reload.log")"
cp "$T_DIR/missing.conf" "$T_DIR/reload.conf"
kill -HUP "$daemon"
wait_for "$T_DIR/reload.log" "scope /$T_ID-nosuch does not exist" 5 ||
	fail "a missing scope is not said at a reload: $(cat "$T_DIR/reload.log")"
kill -TERM "$daemon"
wait "$daemon" || fail "daemon exited with $? on SIGTERM"
