# SPDX-License-Identifier: GPL-2.0-or-later
# A jail that judges itself, on a real program (src/jail/jailcheck.h). A JVM
# (-Xms64m -Xmx1g, G1) whose live set grows to 160 MiB over 40 s, every page
# of it worked on in a loop (tests/progs/WarmUp.java), is a warm-up longer
# than the policy's window (growth = 40M, window = 10s): it is jailed, and in
# its jail it faults its working set back in over and over. The daemon must
# find that out and correct it (jail_thrash = grow, the default; THRASH_ACTION=release
# tests that answer) within three
# windows of the jail, and from then on its loop must run within 10 % of the
# same program run at the same time outside any jail (a twin in a cgroup of
# the test's own, outside the daemon's scope: both see the same load).
. "$(dirname "$0")/../lib.sh"
require_root
command -v java >/dev/null && command -v javac >/dev/null || skip "needs java and javac (openjdk-17-jdk-headless)"
root=$(memory_root) || skip "no memory controller"
RAMP_S=${THRASH_RAMP_S:-40} HOLD_S=${THRASH_HOLD_S:-80} MEASURE_S=${THRASH_MEASURE_S:-20} WORK=${THRASH_WORK:-8}
WINDOW=10 JAIL_WAIT_S=90
make_swap 1024

jdir="$T_DIR/java"
mkdir -p "$jdir"
javac -d "$jdir" "$(dirname "$0")/../progs/WarmUp.java" || fail "javac failed"
mkdir -p "$T_DIR/textfile"
mk_cgroup host
host=$CG
mk_cgroup twin
twin=$CG

daemon_conf 500ms "/${host##*/}" "kernel_watch = no
metrics_file = $T_DIR/textfile/leakjail.prom"
write_conf "$T_DIR/policies/warm.conf" "[policy warm]
growth = 40M
window = ${WINDOW}s
action = jail
jail_thrash = ${THRASH_ACTION:-grow}"
jails_cgroup
log="$T_DIR/daemon.log"
start_daemon "$log"

t_start=$(date +%s)
jvm=(java -Xms64m -Xmx1g -XX:+UseG1GC -cp "$jdir" WarmUp 160 "$RAMP_S" "$HOLD_S" "$WORK")
sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$twin" "${jvm[@]}" >"$T_DIR/twin.out" &
twin_pid=$!
T_PIDS+=("$twin_pid")
sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$host" "${jvm[@]}" >"$T_DIR/jvm.out" &
jp=$!
T_PIDS+=("$jp")

wait_for "$log" "jailed pid $jp " "$JAIL_WAIT_S" ||
	fail "the JVM was not jailed in $JAIL_WAIT_S s: the scenario shows nothing; $(grep -v '^leakjail: started' "$log")"
jailed_at=$(date +%s)
note "$(grep "jailed pid $jp " "$log")"
# three windows from the jail, and a second for the log
if ! wait_for "$log" "misjudged: pid $jp " $((3 * WINDOW + 1)); then
	kill -0 "$jp" 2>/dev/null || fail "the JVM died in its jail before it was corrected: $(grep -v '^leakjail: started' "$log")"
	fail "no correction within 3 windows of the jail: $(grep -v '^leakjail: started' "$log")"
fi
corrected_at=$(date +%s)
# a grow is counted in the jail's record, so that a restarted daemon keeps to the cap on steps
if [ "${THRASH_ACTION:-grow}" = grow ]; then
	grep -q "^thrash_grows=[1-9]" "$T_DIR/state/jails/$jp" ||
		fail "the grow is not in the jail's record: $(cat "$T_DIR/state/jails/$jp")"
fi
note "corrected $((corrected_at - jailed_at)) s after the jail: $(grep -m1 "misjudged: pid $jp " "$log")"
wait "$jp" || fail "the JVM exited with $?: $(grep -v '^leakjail: started' "$log")"
wait "$twin_pid" || fail "its twin exited with $?"
grep "misjudged: pid $jp " "$log" | sed 's/^/# /'
action=${THRASH_ACTION:-grow}
[ "$action" = grow ] && done_re="grown by" || done_re="released: back in"
n=$(grep "misjudged: pid $jp " "$log" | grep -c "$done_re")
[ "$n" -ge 1 ] || fail "found misjudged, but no $action: $(grep "misjudged: pid $jp " "$log")"
# and counted, by policy
[ "$action" = grow ] && series=leakjail_jails_misjudged_grown_total || series=leakjail_jails_misjudged_released_total
wait_for "$T_DIR/textfile/leakjail.prom" "^$series{policy=\"warm\"} $n\$" 5 ||
	fail "$series is not $n: $(grep misjudged "$T_DIR/textfile/leakjail.prom")"

# the loop's pages per second from FROM to TO seconds into both runs
rate() { awk -v from="$2" -v to="$3" -F'[ =]' '/^t=/ && $2 >= from && $2 < to { s += $6; n++ } END { if (n) printf "%d\n", s / n; else print 0 }' "$1"; }
# for the record: how it ran in the 5 s before the first correction
t_c=$((corrected_at - t_start))
r_jail=$(rate "$T_DIR/jvm.out" $((t_c - 5)) "$t_c") r_twin=$(rate "$T_DIR/twin.out" $((t_c - 5)) "$t_c")
note "loop throughput in the 5 s before the correction: jailed JVM $r_jail pages/s, its twin $r_twin pages/s ($((r_jail * 100 / (r_twin > 0 ? r_twin : 1))) %)"
end=$((RAMP_S + HOLD_S))
r_jail=$(rate "$T_DIR/jvm.out" $((end - MEASURE_S)) "$end") r_twin=$(rate "$T_DIR/twin.out" $((end - MEASURE_S)) "$end")
note "loop throughput over the last $MEASURE_S s: jailed JVM $r_jail pages/s, its twin outside any jail $r_twin pages/s ($((r_jail * 100 / (r_twin > 0 ? r_twin : 1))) %)"
[ "$r_twin" -gt 0 ] || fail "the twin reported nothing"
[ $((r_jail * 100)) -ge $((r_twin * 90)) ] || fail "the corrected JVM runs at $((r_jail * 100 / r_twin)) % of its twin"
kill -TERM "$DAEMON"
wait "$DAEMON" || fail "daemon exited with $? on SIGTERM"
