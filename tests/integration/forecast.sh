# SPDX-License-Identifier: GPL-2.0-or-later
# The forecast against a leak of known rate in a cgroup of known limit: a
# memhog leaking 20 MiB/s in a cgroup of its own limited to 600 MiB, a
# policy that logs (growth 40M over a 10 s window, sampled every second).
# The leak record says when the cgroup will be at its limit; the test then
# watches the cgroup until the kernel first refuses it a charge (v1
# memory.failcnt, v2 memory.events max) and compares: within 20 %. The
# record's rate is within 20 % of 20 MiB/s, and `status --json` names the
# cgroup's limit for the grower.
. "$(dirname "$0")/../lib.sh"
require_root
root=$(memory_root) || skip "no memory controller"
LIMIT_MIB=600 RATE=20

mk_cgroup fc
host=$CG
cg_limit "$host" "${LIMIT_MIB}M"
if [ -f "$host/memory.failcnt" ]; then
	hits() { cat "$host/memory.failcnt"; }
else
	hits() { awk '$1 == "max" {print $2}' "$host/memory.events"; }
fi
daemon_conf 1s "/${host##*/}"
write_conf "$T_DIR/policies/fc.conf" "[policy fc]
growth = 40M
window = 10s
action = log"
jails_cgroup
start_daemon "$T_DIR/daemon.log"

spawn "$host" "$MEMHOG" leak "$RATE" $((LIMIT_MIB * 2))
leaker=$SPAWNED
h0=$(hits)
wait_for "$T_DIR/daemon.log" "leak: pid $leaker " 40 || fail "no leak record: $(cat "$T_DIR/daemon.log")"
t_rec=$(date +%s%N)
rec=$(grep "leak: pid $leaker " "$T_DIR/daemon.log" | head -1)
note "$rec"
# "... (20.0 MiB/s, ...; out of memory in 19 s (cgroup limit 600 MiB in 19 s; host: ...)"
rate=$(echo "$rec" | sed -n 's/.* (\([0-9.]*\) MiB\/s, floor rose.*/\1/p')
left=$(echo "$rec" | sed -n 's/.*(cgroup limit [0-9.]* [KMG]iB in \([0-9]*\) s;.*/\1/p')
[ -n "$rate" ] || fail "no rate in the record"
[ -n "$left" ] || fail "no time until the cgroup's limit in the record (or not in seconds)"

# status --json, while it leaks: the grower's cgroup limit is the one set
"$LEAKJAIL" status --json --interval 2s --top 100 >"$T_DIR/status.json" || fail "status --json failed"
# the leaker's object: its forecast is the last member, so its first "}" closes it
g=$(grep -o "\"pid\":$leaker,[^}]*}" "$T_DIR/status.json") || fail "status --json: the leaker is not among the growers: $(cat "$T_DIR/status.json")"
[[ $g == *'"what":"cgroup"'* ]] || fail "status --json: the cgroup is not what runs out first: $g"
[[ $g == *"\"cgroup_limit\":$((LIMIT_MIB << 20))}"* ]] || fail "status --json: not the cgroup's limit: $g"
note "status --json: $g"

# the cgroup at its limit: the kernel refuses a charge (and reclaims, or kills the leaker without swap)
end=$(($(date +%s) + 120))
while [ "$(hits)" -le "$h0" ]; do
	[ "$(date +%s)" -lt $end ] || fail "the cgroup never reached its limit"
	sleep 0.1
done
t_full=$(date +%s%N)
actual_ms=$(((t_full - t_rec) / 1000000))
note "rate in the record ${rate} MiB/s (leak: $RATE MiB/s); forecast: the cgroup at its limit in ${left} s; it was after $((actual_ms / 1000)).$((actual_ms % 1000 / 100)) s"
awk -v r="$rate" -v want="$RATE" 'BEGIN { exit !(r >= want * 0.8 && r <= want * 1.2) }' ||
	fail "the rate in the record (${rate} MiB/s) is not within 20 % of $RATE MiB/s"
# left is whole seconds: half a second of rounding on top of 20 %
awk -v f="$left" -v a="$actual_ms" 'BEGIN { a /= 1000; exit !(f >= a * 0.8 - 0.5 && f <= a * 1.2 + 0.5) }' ||
	fail "the forecast (${left} s) is not within 20 % of the time the cgroup took to reach its limit ($actual_ms ms)"
kill -TERM "$DAEMON"
wait "$DAEMON" || fail "daemon exited with $? on SIGTERM"
