# SPDX-License-Identifier: GPL-2.0-or-later
# A large in-place jail keeps the daemon's loop going: the daemon runs as a
# notify service with WatchdogSec=30s; a one-process service grows fast to
# over 1 GiB (the daemon starts once it holds 1 GiB) and is jailed in place
# at 32M; leakjail's own reclaim
# pushes it to swap in slices. The daemon is never stopped by its watchdog,
# and reports the longest pass and the longest reclaim slice (the figures
# the loop waited for).
. "$(dirname "$0")/lib.sh"

swap_kib=$(awk '$1 == "SwapFree:" { print $2 }' /proc/meminfo)
[ "$swap_kib" -ge $((1400 * 1024)) ] || skip "needs 1400 MiB of free swap, has $((swap_kib / 1024)) MiB"
daemon_conf auto
echo "metrics_file = $T_DIR/metrics.prom" >>"$T_DIR/leakjail.conf"
u=$(unit_name big)
start_service "$u" -- "$MEMHOG" leak 20 1400
pid=$(systemctl show -P MainPID "$u.service")
# the daemon starts watching once the leaker is large: it is caught there, still growing
big() { [ "$(kib_of "$pid" VmRSS)" -ge $((1024 * 1024)) ]; }
wait_for 180 big || fail "the leaker did not grow to 1 GiB: VmRSS $(kib_of "$pid" VmRSS) kB"
d=$(unit_name daemon)
T_UNITS+=("$d.service")
systemd-run --quiet --unit="$d" -p Type=notify -p NotifyAccess=main -p WatchdogSec=30s \
	"$LEAKJAIL" daemon --foreground --config "$T_DIR/leakjail.conf" --policies "$T_DIR/policies"
jlog() { journalctl -u "$d.service" -o cat --no-pager; }
wait_for 120 sh -c "journalctl -u $d.service -o cat --no-pager | grep -q 'jailed pid $pid '" || fail "not jailed: $(jlog | tail -20)"
note "$(jlog | grep -o "jailed pid $pid .*" | sed 's/policy=t: .*; backend/... backend/')"
wait_for 240 sh -c "journalctl -u $d.service -o cat --no-pager | grep -q 'in-place reclaim of $u.service'" ||
	fail "the reclaim did not end: $(jlog | tail -10)"
note "$(jlog | grep -o "in-place reclaim of $u.service .*")"
[ "$(systemctl show -P ActiveState "$d.service")" = active ] ||
	fail "the daemon is $(systemctl show -P ActiveState "$d.service") ($(systemctl show -P Result "$d.service"))"
systemctl stop "$d.service"
[ "$(systemctl show -P Result "$d.service")" != watchdog ] || fail "the daemon was stopped by its watchdog"
note "$(jlog | grep -o "exiting after .*")"
longest=$(jlog | sed -n 's/.*exiting after [0-9]* passes, the longest \([0-9.]*\) s.*/\1/p')
[ -n "$longest" ] || fail "no figure for the longest pass: $(jlog | tail -5)"
awk -v l="$longest" 'BEGIN { exit !(l < 30) }' || fail "a pass took $longest s: past the watchdog"
