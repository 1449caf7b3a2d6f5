# SPDX-License-Identifier: GPL-2.0-or-later
# A leaking worker of a service with IPAddressDeny=any is moved into a scope
# that still cannot reach the network: the scope has the service's
# IPAddressDeny, and a probe placed in the scope's cgroup (by this test, to
# try the filter systemd attached there) cannot send a UDP datagram to
# 127.0.0.1, while the same probe outside can. (Or, if the worker is not
# moved, the daemon says why.)
. "$(dirname "$0")/lib.sh"

daemon_conf systemd
log=$T_DIR/daemon.log
# probe CGROUP: "sent" or "denied", from a process in CGROUP ("" for this test's own)
probe() {
	bash -c '[ -z "$1" ] || echo $$ >"/sys/fs/cgroup$1/cgroup.procs" || exit 9
		if { echo x >/dev/udp/127.0.0.1/9; } 2>/dev/null; then echo sent; else echo denied; fi' probe "$1"
}
[ "$(probe "")" = sent ] || fail "a probe outside any filter cannot send: the test shows nothing"
u=$(unit_name ipdeny)
start_service "$u" IPAddressDeny=any -- /bin/bash -c "\"$MEMHOG\" leak 10 160 & exec sleep 1000"
wait_for 10 pid_of_comm "$u.service" memhog >/dev/null || fail "no worker in $u"
W=$(pid_of_comm "$u.service" memhog)
[ "$(probe "/system.slice/$u.service")" = denied ] || fail "IPAddressDeny=any does not hold in the service itself"
start_daemon "$log"
jailed_in "$log" "$W"
note "$(grep -o "jailed pid $W .*" "$log" | sed 's/policy=t: .*; backend/... backend/')"
scope=leakjail-memhog-$W.scope
if [ "$(proc_cgroup "$W")" = "/system.slice/$scope" ]; then
	deny=$(systemctl show -P IPAddressDeny "$scope")
	[ -n "$deny" ] || fail "the scope has no IPAddressDeny"
	[ "$(probe "/system.slice/$scope")" = denied ] || fail "a process in the scope reached the network"
	note "moved into $scope with IPAddressDeny=$deny: a probe in its cgroup is denied, outside it is not"
else
	grep -q "could not jail pid $W .*not moved" "$log" || fail "neither moved nor said why: $(proc_cgroup "$W")"
	note "not moved: $(grep -o "could not jail pid $W .*" "$log")"
fi
