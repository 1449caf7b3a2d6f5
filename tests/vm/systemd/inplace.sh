# SPDX-License-Identifier: GPL-2.0-or-later
# A one-process service leaking (systemd-run --unit=NAME): the systemd backend
# limits the unit in place (SetUnitProperties, runtime): `systemctl show`
# shows the limit, the process stays in its unit's cgroup and swaps; the
# record names the backend and the unit; MemoryHigh starts at the usage and
# follows leakjail's own reclaim down to the jail's size (nothing reclaims in
# PID 1); `leakjail release` restores the unit's previous values and the
# process goes on.
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
# nothing moved, so nothing stays charged elsewhere: the record does not say it does
! grep "jailed pid $pid " "$log" | grep -q "stays charged" || fail "an in-place jail said pages stay behind: $(grep "jailed pid $pid" "$log")"

grep "jailed pid $pid " "$log" | grep -q "reclaiming up to .* in leakjail's own slices" ||
	fail "no reclaim of its own: $(grep "jailed pid $pid" "$log")"
# MemoryHigh starts at the usage (its write reclaims nothing in PID 1); leakjail's
# own reclaim brings the usage down and MemoryHigh with it, to the jail's size
wait_for 60 grep -q "in-place reclaim of $u.service (pid $pid, .*) done" "$log" ||
	fail "the reclaim did not end: $(grep -E "reclaim|$pid" "$log" | tail -5)"
note "$(grep -o "in-place reclaim of $u.service .*" "$log")"
cg=/sys/fs/cgroup/system.slice/$u.service
high=$(systemctl show -P MemoryHigh "$u.service")
max=$(systemctl show -P MemoryMax "$u.service")
[ "$high" = "$(cat "$cg/memory.high")" ] || fail "systemctl show MemoryHigh=$high, memory.high $(cat "$cg/memory.high")"
[ "$max" = "$(cat "$cg/memory.max")" ] || fail "systemctl show MemoryMax=$max, memory.max $(cat "$cg/memory.max")"
[ "$high" -ge $((32 * 1024 * 1024)) ] && [ "$high" -le $((48 * 1024 * 1024)) ] ||
	fail "MemoryHigh=$high after the reclaim: not near the jail's size (32M)"
[ "$max" != infinity ] && [ "$max" -ge $((48 * 1024 * 1024)) ] || fail "MemoryMax=$max after the reclaim"
[ "$(proc_cgroup "$pid")" = "/system.slice/$u.service" ] || fail "pid $pid left its unit: $(proc_cgroup "$pid")"
wait_for 20 swaps "$pid" 20480 || fail "pid $pid does not swap: VmSwap $(kib_of "$pid" VmSwap) kB"
note "limited in place: rss $(kib_of "$pid" VmRSS) kB, swap $(kib_of "$pid" VmSwap) kB, MemoryHigh=$(systemctl show -P MemoryHigh "$u.service")"
rec=$T_DIR/state/jails/$pid
grep -qx "backend=systemd" "$rec" && grep -qx "unit=$u.service" "$rec" || fail "record: $(cat "$rec")"
! grep -q "stays charged" "$rec" || fail "the record of an in-place jail says pages stay behind: $(grep reason= "$rec")"
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
