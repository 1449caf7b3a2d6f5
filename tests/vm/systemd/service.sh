# SPDX-License-Identifier: GPL-2.0-or-later
# systemd/leakjail.service as shipped, started by systemd: READY (Type=notify),
# STATUS lines, watchdog pings, a jail made by the sandboxed daemon through the
# systemd backend (StartTransientUnit, process_madvise), `systemctl reload`,
# and a restart that finds its jail.
. "$(dirname "$0")/lib.sh"

[ -e /etc/systemd/system/leakjail.service ] && skip "a leakjail.service is installed here already"
svc_cleanup() {
	systemctl stop leakjail.service 2>/dev/null || true
	rm -rf /etc/systemd/system/leakjail.service /etc/systemd/system/leakjail.service.d /etc/leakjail /run/leakjail
	systemctl daemon-reload
	t_cleanup
}
trap svc_cleanup EXIT

mkdir -p /etc/leakjail/policies.d
sed 's|/usr/local/sbin|/usr/local/sbin|g' /lj/systemd/leakjail.service >/etc/systemd/system/leakjail.service
# the shipped unit pings every 15 s (WatchdogSec=30s): a shorter one shows pings within the test
mkdir -p /etc/systemd/system/leakjail.service.d
printf '[Service]\nWatchdogSec=4s\n' >/etc/systemd/system/leakjail.service.d/watchdog.conf
write_conf /etc/leakjail/leakjail.conf "[daemon]
interval = 500ms
kernel_watch = no"
test_policy /etc/leakjail/policies.d/t.conf
systemctl daemon-reload
since=$(date '+%Y-%m-%d %H:%M:%S')
journal() { journalctl -u leakjail.service --since "$since" --no-pager -o cat; }

systemctl start leakjail.service || fail "start failed: $(journal)"
[ "$(systemctl show -P ActiveState leakjail.service)" = active ] || fail "not active after start"
journal | grep -q "started: .*backend systemd" || fail "no start record naming the backend: $(journal)"
wait_for 10 sh -c "systemctl show -P StatusText leakjail.service | grep -q processes" || fail "no STATUS= line"
note "status: $(systemctl show -P StatusText leakjail.service)"
w1=$(systemctl show -P WatchdogTimestampMonotonic leakjail.service)
wait_for 8 sh -c "[ \$(systemctl show -P WatchdogTimestampMonotonic leakjail.service) != $w1 ]" ||
	fail "no watchdog ping within 8 s (WatchdogSec=4s)"
note "watchdog pinged: $w1 -> $(systemctl show -P WatchdogTimestampMonotonic leakjail.service)"

u=$(unit_name worker)
start_service "$u" -- /bin/bash -c "\"$MEMHOG\" leak 10 160 & exec sleep 1000"
wait_for 10 pid_of_comm "$u.service" memhog >/dev/null || fail "no worker"
W=$(pid_of_comm "$u.service" memhog)
wait_for 60 sh -c "journalctl -u leakjail.service --since '$since' --no-pager -o cat | grep -q 'jailed pid $W '" ||
	fail "the sandboxed daemon did not jail $W: $(journal | tail -n 20)"
note "$(journal | grep -o "jailed pid $W .*" | sed 's/policy=t: .*; backend/... backend/')"
[ "$(proc_cgroup "$W")" = "/system.slice/leakjail-memhog-$W.scope" ] || fail "worker is in $(proc_cgroup "$W")"
# the page-out may finish in the jail's record, or in its own record a few slices later
wait_for 20 sh -c "journalctl -u leakjail.service --since '$since' --no-pager -o cat |
	grep -q -e 'jailed pid $W .*paged out [1-9]' -e 'page-out of pid $W .*paged out [1-9]'" ||
	fail "no page-out from the sandbox: $(journal | grep "pid $W ")"
[ -f "/run/leakjail/jails/$W" ] || fail "no record in /run/leakjail"

systemctl reload leakjail.service || fail "reload failed"
wait_for 10 sh -c "journalctl -u leakjail.service --since '$since' --no-pager -o cat | grep -q '^reloaded:'" ||
	fail "no reload record: $(journal | tail -n 5)"
pid1=$(systemctl show -P MainPID leakjail.service)
systemctl restart leakjail.service || fail "restart failed: $(journal | tail -n 10)"
pid2=$(systemctl show -P MainPID leakjail.service)
[ "$pid1" != "$pid2" ] || fail "restart kept pid $pid1"
wait_for 10 sh -c "journalctl -u leakjail.service --since '$since' --no-pager -o cat | grep -q 'found jail system.slice/leakjail-memhog-$W.scope: pid $W'" ||
	fail "the restarted daemon did not find its jail: $(journal | tail -n 10)"
note "restart: $(journal | grep -o "found jail .*pid $W.*")"
[ "$(systemctl show -P NRestarts leakjail.service)" = 0 ] || fail "the daemon was restarted by systemd (failure or watchdog)"
[ "$(systemctl show -P ActiveState leakjail.service)" = active ] || fail "not active at the end"
