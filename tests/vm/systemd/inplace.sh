# SPDX-License-Identifier: GPL-2.0-or-later
# A one-process service leaking (systemd-run --unit=NAME): the systemd backend
# limits the unit in place (SetUnitProperties, runtime): `systemctl show`
# shows the limit, the process stays in its unit's cgroup and swaps; the
# record names the backend and the unit; `leakjail release` restores the
# unit's previous values and the process goes on.
. "$(dirname "$0")/lib.sh"

daemon_conf auto
u=$(unit_name solo)
start_service "$u" -- "$MEMHOG" leak 10 160
pid=$(systemctl show -P MainPID "$u.service")
log=$T_DIR/daemon.log
start_daemon "$log"
grep -q "backend systemd" "$log" || fail "auto did not pick systemd: $(grep started: "$log")"
jailed_in "$log" "$pid"
note "$(grep -o "jailed pid $pid .*" "$log" | sed 's/policy=t: .*; backend/... backend/')"
grep "jailed pid $pid " "$log" | grep -q "$u.service limited in place" || fail "not limited in place: $(grep "jailed pid $pid" "$log")"

[ "$(systemctl show -P MemoryHigh "$u.service")" = $((32 * 1024 * 1024)) ] ||
	fail "systemctl show: MemoryHigh=$(systemctl show -P MemoryHigh "$u.service")"
[ "$(systemctl show -P MemoryMax "$u.service")" = $((48 * 1024 * 1024)) ] ||
	fail "systemctl show: MemoryMax=$(systemctl show -P MemoryMax "$u.service")"
[ "$(proc_cgroup "$pid")" = "/system.slice/$u.service" ] || fail "pid $pid left its unit: $(proc_cgroup "$pid")"
[ "$(cat "/sys/fs/cgroup/system.slice/$u.service/memory.high")" = $((32 * 1024 * 1024)) ] ||
	fail "memory.high of the unit is $(cat "/sys/fs/cgroup/system.slice/$u.service/memory.high")"
wait_for 20 swaps "$pid" 20480 || fail "pid $pid does not swap: VmSwap $(kib_of "$pid" VmSwap) kB"
note "limited in place: rss $(kib_of "$pid" VmRSS) kB, swap $(kib_of "$pid" VmSwap) kB, MemoryHigh=$(systemctl show -P MemoryHigh "$u.service")"
rec=$T_DIR/state/jails/$pid
grep -qx "backend=systemd" "$rec" && grep -qx "unit=$u.service" "$rec" || fail "record: $(cat "$rec")"
"$LEAKJAIL" status --config "$T_DIR/leakjail.conf" --interval 200ms | grep -q "backend systemd, unit $u.service" ||
	fail "status does not name the backend and unit"

out=$("$LEAKJAIL" release --config "$T_DIR/leakjail.conf" "$pid" 2>&1) || fail "release: $out"
note "release: $out"
[ "$(systemctl show -P MemoryHigh "$u.service")" = infinity ] || fail "MemoryHigh not restored: $(systemctl show -P MemoryHigh "$u.service")"
[ "$(systemctl show -P MemoryMax "$u.service")" = infinity ] || fail "MemoryMax not restored"
kill -0 "$pid" || fail "release killed pid $pid"
[ ! -e "$rec" ] || fail "record left behind"
# the daemon forgets it (the record is gone), and does not restore the unit a second time
wait_for 10 grep -q "jail system.slice/$u.service of pid $pid ($(cat /proc/$pid/comm)) is gone: released" "$log" ||
	fail "the daemon did not see the release: $(cat "$log")"
kill -TERM "$DAEMON"
wait "$DAEMON" || fail "daemon exited with $?"
