# SPDX-License-Identifier: GPL-2.0-or-later
# A jail that judges itself, on the systemd backend: a one-process service
# that grows fast (a leak to the policy) and then frees it all (a sawtooth:
# a GC, a batch) gives back what it held in its jail. The daemon releases
# it (jail_thrash = grow, and a give-back leaves nothing to grow toward),
# and that release goes through systemd without blocking the loop (its
# calls answered from the loop, the release asked again until it has an
# answer): the unit's limits are as before, leakjail's drop-ins and the
# record are gone.
. "$(dirname "$0")/lib.sh"

daemon_conf systemd
log=$T_DIR/daemon.log
u=$(unit_name giveback)
start_service "$u" -- "$MEMHOG" sawtooth 120 8
pid=$(systemctl show -P MainPID "$u.service")
start_daemon "$log"
jailed_in "$log" "$pid"
grep "jailed pid $pid " "$log" | grep -q "$u.service limited in place" || fail "not limited in place: $(grep "jailed pid $pid" "$log")"
wait_for 60 grep -q "misjudged: pid $pid (memhog) policy=t gives back what it held" "$log" ||
	fail "no give-back found: $(grep -E "$pid|misjudged" "$log" | tail -5)"
rec=$(grep -o "misjudged: pid $pid (memhog) policy=t gives back what it held.*" "$log" | head -n 1)
note "$rec"
grep -q "released: unit $u.service restored to MemoryHigh=max MemoryMax=max MemorySwapMax=max; [0-9] drop-ins* of leakjail's removed" <<<"$rec" ||
	fail "not released through systemd: $rec"
! grep -q "could not release" <<<"$rec" || fail "$rec"
# the record goes with the release, the unit is as before; unless its next tooth was jailed again meanwhile
sleep 1
if sed -n "/misjudged: pid $pid/,\$p" "$log" | grep -q "jailed pid $pid "; then
	note "jailed again on its next tooth: the release is checked by its record above"
else
	[ ! -e "$T_DIR/state/jails/$pid" ] || fail "the record of pid $pid is left after the release"
	[ "$(systemctl show -P MemoryHigh "$u.service")" = infinity ] || fail "MemoryHigh not restored"
	[ -z "$(ls "/run/systemd/system.control/$u.service.d" 2>/dev/null)" ] ||
		fail "drop-ins left: $(ls "/run/systemd/system.control/$u.service.d")"
fi
