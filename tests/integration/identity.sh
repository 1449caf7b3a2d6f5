# SPDX-License-Identifier: GPL-2.0-or-later
# Who a process is, as the sampler sees it (with either source: tests/run.sh
# runs this with LJ_SAMPLER=proc too):
#  A. an entrypoint script that execs the real program is judged as that
#     program from the next pass: a script that execs an exempt program
#     ("postgres", exempt by exe) is never reported, and one that execs a
#     program that is not is reported under the program's name, not "sh";
#  B. a process that renames itself (PR_SET_NAME) every 0.6 s keeps its
#     history: its leak is reported within its window (a rename used to
#     start the history afresh, so the leak was never seen);
#  C. a process whose main thread exited (pthread_exit) while a worker
#     leaks is sampled through the worker: its leak is reported (the
#     leader's statm and the bpf record show 0).
# Deadlines are generous bounds, not the measure: each case waits for its
# record or, for what must not happen, for well past the time it would.
. "$(dirname "$0")/../lib.sh"
require_root
command -v sh >/dev/null || skip "needs sh"
IDENTITY="$LJ_BUILD/progs/identity"
[ -x "$IDENTITY" ] || skip "no $IDENTITY (make tests)"

mk_cgroup fast
fast=$CG
mk_cgroup slow
slow=$CG
cp "$MEMHOG" "$T_DIR/postgres"
write_conf "$T_DIR/leakjail.conf" "[daemon]
interval = 100ms
scope = /
exempt_exe = $T_DIR/postgres
jail_parent = $T_ID-jails
state_dir = $T_DIR/state
log = stderr"
# fast: 10 MiB in 2 s; slow: a window of 150 passes, more than twice the 32
# to 63 between two identity checks of the /proc source, so that a rename
# seen there used to clear the history before the window ever filled, even
# when passes run late
write_conf "$T_DIR/policies/identity.conf" "[policy fast]
match_cgroup = /${fast##*/}
growth = 10M
window = 2s
action = log

[policy slow]
match_cgroup = /${slow##*/}
growth = 10M
window = 15s
action = log"
"$LEAKJAIL" check --config "$T_DIR/leakjail.conf" --policies "$T_DIR/policies" >/dev/null ||
	fail "config: $("$LEAKJAIL" check --config "$T_DIR/leakjail.conf" --policies "$T_DIR/policies" 2>&1)"
log="$T_DIR/daemon.log"
bg "$LEAKJAIL" daemon --foreground --config "$T_DIR/leakjail.conf" --policies "$T_DIR/policies" 2>"$log"
daemon=$SPAWNED
wait_for "$log" "started:" 10 || fail "daemon did not start: $(cat "$log")"
note "$(grep -o "started:.*" "$log" | head -c 200)"

# A. two entrypoint scripts, calm for 3 s (well past the 3 passes in which a
# new process's stat is read), then exec a leak of 20 MiB/s
spawn "$fast" sh -c 'sleep 3; exec "$0" leak 20 200' "$T_DIR/postgres"
exempt=$SPAWNED
spawn "$fast" sh -c 'sleep 3; exec "$0" leak 20 200' "$MEMHOG"
plain=$SPAWNED
# C. the main thread exits at once; the worker leaks 20 MiB/s
spawn "$fast" "$IDENTITY" orphan 20 200
orphan=$SPAWNED
# B. renamed every 0.6 s while leaking 2 MiB/s (30 MiB in the 15 s window)
spawn "$slow" "$IDENTITY" rename 2 200 0.6
renamer=$SPAWNED

wait_for "$log" "leak: pid $plain " 12 || fail "A: the script that execs memhog was not reported: $(cat "$log")"
note "A: $(grep -o "leak: pid $plain ([^)]*) policy=[a-z]*" "$log")"
grep -q "leak: pid $plain (memhog) policy=fast" "$log" ||
	fail "A: judged under another name than the program it execs: $(grep "pid $plain " "$log")"
wait_for "$log" "leak: pid $orphan " 10 || fail "C: a leak in a process whose main thread exited was not seen: $(cat "$log")"
note "C: $(grep -o "leak: pid $orphan .*" "$log" | head -c 200)"
wait_for "$log" "leak: pid $renamer " 24 ||
	fail "B: a leak renaming itself was not reported in 24 s (window 15 s): $(grep "pid $renamer" "$log")"
note "B: $(grep -o "leak: pid $renamer .*" "$log" | head -c 200)"
[ "$(grep -c "leak: pid $renamer " "$log")" -eq 1 ] ||
	fail "B: a rename logged the same leak again: $(grep "leak: pid $renamer " "$log")"
# the exempt one leaked 20 MiB/s as long as the reported one
grep -q "pid $exempt " "$log" && fail "A: judged though it runs an exempt program: $(grep "pid $exempt " "$log")"
grep -q "^$T_DIR/postgres" "/proc/$exempt/cmdline" 2>/dev/null || tr '\0' ' ' <"/proc/$exempt/cmdline" | grep -q postgres ||
	fail "A: the exempt process did not exec: $(tr '\0' ' ' <"/proc/$exempt/cmdline")"
[ "$(rss_kb "$exempt")" -gt $((40 * 1024)) ] || fail "A: the exempt process did not leak ($(rss_kb "$exempt") kB)"
kill -0 "$daemon" || fail "the daemon died: $(cat "$log")"
kill -TERM "$daemon"
wait "$daemon" || fail "daemon exited with $? on SIGTERM"
