# SPDX-License-Identifier: GPL-2.0-or-later
# grow and kill through systemd, under the shipped unit (systemd/leakjail.service
# as it is, but for the paths of this test's configuration): its capability
# bounding set has no CAP_KILL, and its sandbox writes only cgroups and
# /run/leakjail. Two leakers run as another user (lju), each alone in its
# service, with no swap allowed (jail_swap = 0): at their limits they stall.
# - jail_stalled = grow: the unit's MemoryHigh grows through systemd
#   (SetUnitProperties): `systemctl show` says the grown value, the same as
#   the cgroup's memory.high;
# - jail_stalled = kill: the unit is killed through systemd (KillUnit), and
#   the jail's restore afterwards leaves no drop-in of leakjail's behind.
. "$(dirname "$0")/lib.sh"

[ -f /lj/systemd/leakjail.service ] || skip "the shipped unit is not in the payload"
d=$T_ID-daemon.service
conf=/run/$T_ID
state=/run/leakjail/$T_ID
mkdir -p "$conf/policies"
cleanup_shipped() {
	systemctl stop "$d" 2>/dev/null || true
	rm -f "/run/systemd/system/$d"
	systemctl daemon-reload
	rm -rf "$conf" "$state"
}
trap 't_cleanup; cleanup_shipped' EXIT

ug=$(unit_name grow)
uk=$(unit_name kill)
write_conf "$conf/leakjail.conf" "[daemon]
interval = 500ms
state_dir = $state
kernel_watch = no
log = stderr
backend = auto"
# stalled UNIT WHAT: a policy for UNIT's service that does WHAT when its jail stalls
stalled() {
	echo "[policy $2]
match_cgroup = /system.slice/$1.service
growth = 30M
window = 3s
action = jail
jail_size = 32M
jail_max = 48M
jail_swap = 0
jail_stalled = $2"
}
write_conf "$conf/policies/t.conf" "$(stalled "$ug" grow)

$(stalled "$uk" kill)"

# the shipped unit, with this test's configuration and the binary under test
sed -e "s|^ExecStartPre=/usr/local/sbin/leakjail check --quiet|ExecStartPre=$LEAKJAIL check --quiet --config $conf/leakjail.conf --policies $conf/policies|" \
	-e "s|^ExecStart=/usr/local/sbin/leakjail daemon|ExecStart=$LEAKJAIL daemon --config $conf/leakjail.conf --policies $conf/policies|" \
	-e "/^ConditionPathExists=/d" /lj/systemd/leakjail.service >"/run/systemd/system/$d"
grep -q "^ExecStart=$LEAKJAIL daemon --config" "/run/systemd/system/$d" || fail "could not adapt the shipped unit"
grep "^CapabilityBoundingSet=" "/run/systemd/system/$d" | grep -q CAP_KILL && note "the shipped unit has CAP_KILL"

systemctl daemon-reload
systemctl start "$d" || fail "the shipped unit did not start: $(journalctl -u "$d" -o cat | tail -20)"
jlog() { journalctl -u "$d" -o cat --no-pager; }
wait_for 30 sh -c "journalctl -u $d -o cat --no-pager | grep -q 'started:'" || fail "the daemon did not start: $(jlog | tail)"
# what the daemon costs on a host where systemd is PID 1: libsystemd and the libraries it links
# are shared with the manager, journald and the rest, so their pages divide among many (kB)
dp=$(systemctl show -P MainPID "$d")
note "the daemon's memory: $(awk '/^(Rss|Pss|Pss_Anon|Pss_File):/ {printf "%s %s  ", $1, $2}' "/proc/$dp/smaps_rollup")libsystemd and what it links, Pss: $(awk '/^[0-9a-f]+-/ {lib = $6 ~ /lib(systemd|gcrypt|gpg-error|zstd|lzma|lz4|cap)\./} lib && /^Pss:/ {s += $2} END {print s}' "/proc/$dp/smaps") ($(grep -l 'libsystemd\.so' /proc/[0-9]*/maps 2>/dev/null | wc -l) processes map libsystemd)"
# the leakers start once the daemon watches: caught early, as they leak
start_service "$ug" User=$GUEST_USER -- "$MEMHOG" leak 10 300
start_service "$uk" User=$GUEST_USER -- "$MEMHOG" leak 10 300
pg=$(systemctl show -P MainPID "$ug.service")
pk=$(systemctl show -P MainPID "$uk.service")
wait_for 120 sh -c "journalctl -u $d -o cat --no-pager | grep -q 'jailed pid $pg '" || fail "pid $pg not jailed: $(jlog | tail -30)"
wait_for 120 sh -c "journalctl -u $d -o cat --no-pager | grep -q 'jailed pid $pk '" || fail "pid $pk not jailed: $(jlog | tail -30)"
high0=$(systemctl show -P MemoryHigh "$ug.service")
note "jailed: $ug.service MemoryHigh=$high0"

# grow: through systemd
wait_for 90 sh -c "journalctl -u $d -o cat --no-pager | grep 'stalled: pid $pg ' | grep -q grown" ||
	fail "no grow: $(jlog | grep -E "stalled|$pg" | tail -10)"
note "$(jlog | grep "stalled: pid $pg " | head -1 | sed 's/.*stalled: /stalled: /')"
grown() {
	local s c
	s=$(systemctl show -P MemoryHigh "$ug.service")
	c=$(cat "/sys/fs/cgroup/system.slice/$ug.service/memory.high")
	[ "$s" = "$c" ] && [ "$s" != infinity ] && [ "$s" -gt "$high0" ]
}
wait_for 10 grown || fail "grow not through systemd: systemctl show MemoryHigh=$(systemctl show -P MemoryHigh "$ug.service"), memory.high=$(cat "/sys/fs/cgroup/system.slice/$ug.service/memory.high"), at the jail $high0"

# kill: through systemd
wait_for 90 sh -c "journalctl -u $d -o cat --no-pager | grep -q 'stalled: pid $pk '" ||
	fail "no stall of $pk: $(jlog | grep -E "stalled|$pk" | tail -10)"
note "$(jlog | grep "stalled: pid $pk " | head -1 | sed 's/.*stalled: /stalled: /')"
wait_for 20 sh -c "! kill -0 $pk 2>/dev/null" || fail "pid $pk was not killed: $(jlog | grep "stalled: pid $pk " | head -1)"
# its jail is retired once gone: the unit's limits restored, no drop-in of leakjail's left
wait_for 30 sh -c "journalctl -u $d -o cat --no-pager | grep -q 'pid $pk .*has exited'" || fail "jail of $pk not retired: $(jlog | grep "$pk" | tail -5)"
note "$(jlog | grep "pid $pk .*has exited" | head -1)"
left=$(ls "/run/systemd/transient/$uk.service.d" "/run/systemd/system.control/$uk.service.d" 2>/dev/null || true)
[ -z "$left" ] || fail "drop-ins left for $uk.service: $left"
[ "$(systemctl show -P ActiveState "$d")" = active ] || fail "the daemon is $(systemctl show -P ActiveState "$d")"
