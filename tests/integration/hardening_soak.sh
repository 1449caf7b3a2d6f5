# SPDX-License-Identifier: GPL-2.0-or-later
# Soak: $SOAK_BIRTHS short-lived processes or more (fork, exit, reap; 4
# forkers in parallel, in the scope) for $SOAK_MIN_S seconds at least, and 3
# leakers, one after another, while the daemon samples every 100 ms. Every
# leaker is jailed, nothing else is; the log has no error; the daemon's RSS
# and its open fds stay flat. Under `make asan` the daemon is the ASan build:
# its quarantine of freed memory is cut to 4 MiB here, or RSS would grow by
# design, and LeakSanitizer checks it at exit (the exit status).
#
# What "flat" allows: as many fds at the end as after the warm-up, counted
# once the leakers and their jails are gone, cgroup files aside: the sampler
# keeps the usage file of each memory cgroup that holds a process open, and
# other people's cgroups come and go on a shared host; of those, none may be
# open twice or belong to this test's cgroups, all gone or empty by then.
# RSS at most 1 MiB (ASan: 8 MiB) above the warm-up figure: what may grow
# is the process table (sized for the most processes seen at once), the
# leakers' histories, the jails' list, and malloc's free lists, which keep
# freed chunks. A pass that lost even 4 KiB would add over 1 MiB in the
# 300 passes of 30 s.
. "$(dirname "$0")/../lib.sh"
require_root
PROGS=${MEMHOG%/*}
[ -x "$PROGS/births" ] || skip "build the test programs: make tests"
births=${SOAK_BIRTHS:-100000} min_s=${SOAK_MIN_S:-30}
forkers=4

mk_cgroup soak
cg=$CG
scope="/${cg##*/}"
jails_cgroup
log="$T_DIR/daemon.log"
daemon_conf 100ms "$scope"
write_conf "$T_DIR/policies/soak.conf" "[policy soak]
growth = 20M
window = 2s
steadiness = 80%
action = jail
jail_size = 4.0x
jail_pageout = yes"

asan=no
if grep -q __asan_init "$LEAKJAIL"; then
	asan=yes
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"
fi
start_daemon "$log"

rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$DAEMON/status"; }
# fds: the daemon's open fds other than cgroup files, the least of 5 looks (a
# pass holds a /proc file open for a moment); cgroup_fds: the cgroup files it
# keeps open (the sampler's usage files: one for each memory cgroup that holds
# a process, whoever started it, so their count follows the whole host)
fds() {
	local best=100000 n f i
	for i in 1 2 3 4 5; do
		n=0
		for f in /proc/"$DAEMON"/fd/*; do
			case $(readlink "$f") in "$root"/*) ;; "") ;; *) n=$((n + 1)) ;; esac
		done
		[ $n -lt $best ] && best=$n
		sleep 0.03
	done
	echo $best
}
cgroup_fds() { for f in /proc/"$DAEMON"/fd/*; do readlink "$f"; done | grep "^$root/" || true; }
sleep 2 # warm-up: the first passes size the tables
rss0=$(rss) fds0=$(fds)

# the churn: rounds of $forkers births processes in parallel, in the scope,
# until $births processes were born and $min_s seconds have passed
churn() {
	local n=0 i p pids
	while [ $n -lt "$births" ] || [ $SECONDS -lt "$min_s" ]; do
		pids=()
		for ((i = 0; i < forkers; i++)); do
			sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" "$3"' sh "$cg" "$PROGS/births" "$per" >/dev/null &
			pids+=($!)
		done
		for p in "${pids[@]}"; do wait "$p" || exit 1; done
		n=$((n + forkers * per))
		echo "$n" >"$T_DIR/births.done"
	done
}
per=$((births / forkers < 2500 ? births / forkers : 2500))
t0=$(date +%s%N)
(SECONDS=0 && churn) &
churner=$!
T_PIDS+=("$churner")
# the leakers, one after another while the births go on
leakers=()
for ((i = 0; i < 3; i++)); do
	sleep 1
	spawn "$cg" "$MEMHOG" leak 20 60
	leakers+=("$SPAWNED")
	wait_for "$log" "jailed pid $SPAWNED " 15 || fail "leaker $SPAWNED was not jailed: $(tail -20 "$log")"
done
series="$rss0"
# until the churn ends (a zombie has ended)
while [ "$(sed 's/.*) //; s/ .*//' "/proc/$churner/stat" 2>/dev/null)" != Z ] && [ -e "/proc/$churner" ]; do
	sleep 1
	series="$series $(rss)"
done
wait "$churner" || fail "the births failed"
secs=$((($(date +%s%N) - t0) / 1000000000))
note "$(cat "$T_DIR/births.done") births ($forkers forkers in parallel) and 3 leakers in ${secs} s"
note "$(grep -c "jailed pid" "$log") jailed: $(grep -o "jailed pid [0-9]* ([a-z]*)" "$log" | tr '\n' ' ')"
for p in "${leakers[@]}"; do
	[ "$(mem_cgroup "$p")" = "/$T_ID-jails/memhog-$p" ] || fail "leaker $p is in $(mem_cgroup "$p")"
done
[ "$(grep -c "jailed pid" "$log")" -eq 3 ] || fail "not 3 jails: $(grep "jailed pid" "$log")"
[ "$(find "$JAILS" -mindepth 1 -maxdepth 1 -type d | wc -l)" -eq 3 ] || fail "jails: $(ls "$JAILS")"
# the leakers go, and their jails with them: then the daemon watches what it watched after the warm-up
for p in "${leakers[@]}"; do
	kill -KILL "$p"
	wait "$p" 2>/dev/null || true
	wait_for "$log" "jail $T_ID-jails/memhog-$p removed" 5 || fail "the jail of $p was not removed: $(tail "$log")"
done
sleep 1
rss1=$(rss) fds1=$(fds)
series="$series $rss1"
note "the daemon's RSS (kB), once a second: $(echo "$series" | awk '{ max = $1; for (i = 2; i <= NF; i++) if ($i > max) max = $i; printf "first %s, highest %s, last %s (%d looks)", $1, max, $NF, NF }')"
note "daemon RSS ${rss0} kB after the warm-up, ${rss1} kB at the end; open fds (cgroup files aside) $fds0, then $fds1 (ASan: $asan)"
grep -q "^leakjail: error: \|could not jail" "$log" && fail "errors: $(grep "^leakjail: error: \|could not jail" "$log")"
[ "$fds1" -eq "$fds0" ] || fail "open fds went from $fds0 to $fds1: $(ls -l "/proc/$DAEMON/fd")"
# the cgroup files: none twice, none of a cgroup of this test's (the jails are
# gone, nothing is left in the scope)
cgroup_fds >"$T_DIR/cgfds"
[ -z "$(sort "$T_DIR/cgfds" | uniq -d)" ] || fail "a cgroup file open twice: $(sort "$T_DIR/cgfds" | uniq -d)"
! grep -q "$T_ID" "$T_DIR/cgfds" || fail "a cgroup of this test's still open: $(grep "$T_ID" "$T_DIR/cgfds")"
note "cgroup files open at the end: $(wc -l <"$T_DIR/cgfds"), none of this test's"
limit=1024
[ $asan = no ] || limit=8192
[ $((rss1 - rss0)) -le $limit ] || fail "RSS grew by $((rss1 - rss0)) kB (at most $limit)"

kill -TERM "$DAEMON"
wait "$DAEMON" || fail "daemon exited with $? on SIGTERM (ASan: a leak report above?)"
