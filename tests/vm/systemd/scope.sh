# SPDX-License-Identifier: GPL-2.0-or-later
# A leaking worker of a multi-process service: the systemd backend moves it
# into a transient scope in the service's slice, PartOf= and BindsTo= the
# service, limited there; it swaps. `leakjail release` puts it back into its
# service. A second worker is jailed the same way and `systemctl stop` of its
# service ends it too. A third: its service restarts while the daemon is
# down; release then says what it did instead of moving anything.
. "$(dirname "$0")/lib.sh"

daemon_conf systemd
log=$T_DIR/daemon.log
start_daemon "$log"

# service NAME [PROPS...]: main process sleep, a worker leaking 10 MiB/s; the worker's pid in $W
service() {
	local name=$1
	shift
	start_service "$name" "$@" -- /bin/bash -c "\"$MEMHOG\" leak 10 160 & exec sleep 1000"
	wait_for 10 pid_of_comm "$name.service" memhog >/dev/null || fail "no worker in $name"
	W=$(pid_of_comm "$name.service" memhog)
}

# 1. moved, swaps, released back; a placement carried into the scope, budgets not doubled
u=$(unit_name multi)
service "$u" AllowedCPUs=0 CPUQuota=50% TasksMax=200
jailed_in "$log" "$W"
scope=leakjail-memhog-$W.scope
note "$(grep -o "jailed pid $W .*" "$log" | sed 's/policy=t: .*; backend/... backend/')"
[ "$(proc_cgroup "$W")" = "/system.slice/$scope" ] || fail "worker is in $(proc_cgroup "$W")"
# moved: what it held stays charged to the service, and the record says so
grep "jailed pid $W " "$log" | grep -q "resident at the move stays charged to its origin cgroup" ||
	fail "the record of a moved process does not say its pages stay behind: $(grep "jailed pid $W" "$log")"
systemctl show -P PartOf "$scope" | grep -qw "$u.service" || fail "scope is not PartOf $u.service"
systemctl show -P BindsTo "$scope" | grep -qw "$u.service" || fail "scope is not BindsTo $u.service"
[ "$(systemctl show -P Slice "$scope")" = system.slice ] || fail "scope slice: $(systemctl show -P Slice "$scope")"
[ "$(systemctl show -P MemoryHigh "$scope")" = $((32 * 1024 * 1024)) ] || fail "scope MemoryHigh: $(systemctl show -P MemoryHigh "$scope")"
[ "$(systemctl show -P AllowedCPUs "$scope")" = "$(systemctl show -P AllowedCPUs "$u.service")" ] ||
	fail "AllowedCPUs not carried: scope $(systemctl show -P AllowedCPUs "$scope"), service $(systemctl show -P AllowedCPUs "$u.service")"
[ "$(systemctl show -P CPUQuotaPerSecUSec "$scope")" = infinity ] ||
	fail "the CPU quota was doubled: scope CPUQuotaPerSecUSec=$(systemctl show -P CPUQuotaPerSecUSec "$scope")"
grep "jailed pid $W " "$log" | grep -q "budgets left to the slice, not doubled: TasksMax,CPUQuotaPerSecUSec" ||
	fail "the record does not name the budgets left to the slice: $(grep "jailed pid $W" "$log")"
note "carried: AllowedCPUs=$(systemctl show -P AllowedCPUs "$scope"); left to the slice: TasksMax=200, CPUQuota=50% (scope: $(systemctl show -P CPUQuotaPerSecUSec "$scope"))"
wait_for 20 swaps "$W" 20480 || fail "worker does not swap: VmSwap $(kib_of "$W" VmSwap) kB"
note "in $scope: rss $(kib_of "$W" VmRSS) kB, swap $(kib_of "$W" VmSwap) kB"
out=$("$LEAKJAIL" release --config "$T_DIR/leakjail.conf" "$W" 2>&1) || fail "release: $out"
note "release: $out"
[ "$(proc_cgroup "$W")" = "/system.slice/$u.service" ] || fail "released worker is in $(proc_cgroup "$W")"
wait_for 10 sh -c "! systemctl is-active --quiet $scope" || fail "the empty scope $scope is still active"
systemctl stop "$u.service"
! kill -0 "$W" 2>/dev/null || fail "the released worker survived the stop of its service"

# 2. systemctl stop of the service ends the jailed worker
u=$(unit_name stop)
service "$u"
jailed_in "$log" "$W"
[ "$(proc_cgroup "$W")" = "/system.slice/leakjail-memhog-$W.scope" ] || fail "worker is in $(proc_cgroup "$W")"
systemctl stop "$u.service"
wait_for 10 sh -c "! kill -0 $W 2>/dev/null" || fail "the jailed worker $W survived systemctl stop $u.service"
wait_for 10 grep -q "jail system.slice/leakjail-memhog-$W.scope removed: pid $W" "$log" ||
	fail "the daemon did not retire the jail: $(cat "$log")"
note "stop: worker $W ended with its service; $(grep -o "jail system.slice/leakjail-memhog-$W.scope removed.*" "$log")"

# 3. the service restarts with the daemon running: systemd 252 does not carry a
# restart to a scope, the daemon stops the scope as the restart would have
u=$(unit_name restart)
service "$u"
jailed_in "$log" "$W"
systemctl restart "$u.service"
wait_for 15 sh -c "! kill -0 $W 2>/dev/null" || fail "the jailed worker $W survived the restart of $u.service: $(cat "$log")"
note "restart: $(grep -o "jail [^ ]* of pid $W (memhog): .*" "$log")"
W2=$(systemctl show -P MainPID "$u.service")
[ "$(proc_cgroup "$W2")" = "/system.slice/$u.service" ] || fail "the new run's main process is in $(proc_cgroup "$W2")"
[ "$(grep -c "scope leakjail-memhog-$W.scope stopped with it" "$log")" = 1 ] || fail "the stop was not told once"
systemctl stop "$u.service"

# 4. the service restarts while the daemon is down: release moves nothing into
# the new run, says so, and lifts the scope's limits; a stop still reaches it
u=$(unit_name down)
service "$u"
jailed_in "$log" "$W"
kill -TERM "$DAEMON"
wait "$DAEMON" || fail "daemon exited with $?"
systemctl restart "$u.service"
out=$("$LEAKJAIL" release --config "$T_DIR/leakjail.conf" "$W" 2>&1) || fail "release after restart: $out"
note "release after restart: $out"
grep -q "another run now (restarted): pid $W stays in scope" <<<"$out" || fail "release did not say what it did: $out"
[ ! -e "$T_DIR/state/jails/$W" ] || fail "record left behind"
[ "$(proc_cgroup "$W")" = "/system.slice/leakjail-memhog-$W.scope" ] || fail "worker moved to $(proc_cgroup "$W")"
[ "$(systemctl show -P MemoryHigh "leakjail-memhog-$W.scope")" = infinity ] || fail "the scope's limit was not lifted"
systemctl stop "$u.service"
wait_for 10 sh -c "! kill -0 $W 2>/dev/null" || fail "the worker $W survived the stop of $u.service"
