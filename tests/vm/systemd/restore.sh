# SPDX-License-Identifier: GPL-2.0-or-later
# Exact restore of a unit limited in place, for a unit with a unit file
# (/run/systemd/system/NAME.service) that already had a runtime drop-in of
# the administrator's (MemoryHigh=900M, systemctl set-property --runtime):
# 1. jailed, then released while it runs: `systemctl show` of MemoryHigh,
#    MemoryMax, MemorySwapMax and DropInPaths, and the drop-in files, are
#    exactly what they were before the jail;
# 2. jailed again, then the unit stopped (and unloaded) before the release:
#    the release still restores it: loaded again, it shows what it showed
#    before, and nothing of leakjail's is left under /run/systemd.
. "$(dirname "$0")/lib.sh"

daemon_conf auto
u=$(unit_name file)
unit=$u.service
T_UNITS+=("$unit")
cat >"/run/systemd/system/$unit" <<U
[Service]
ExecStart=$MEMHOG leak 10 200
U
remove_unit() { rm -f "/run/systemd/system/$unit"; rm -rf "/run/systemd/system.control/$unit.d"; systemctl daemon-reload; }
trap 't_cleanup; remove_unit' EXIT
systemctl daemon-reload
systemctl set-property --runtime "$unit" MemoryHigh=900M
show() { systemctl show -p MemoryHigh,MemoryMax,MemorySwapMax,DropInPaths,NeedDaemonReload "$unit"; }
# (transient/ is made at the first transient unit: it may not be there yet)
files() { (cd /run/systemd && { find system.control transient -path "*$unit.d*" -type f -exec sh -c 'echo "== $1"; cat "$1"' _ {} \; 2>/dev/null || true; } | sort); }
before=$(show)
before_files=$(files)
note "before: $(echo $before)"
same() { [ "$(show)" = "$before" ] && [ "$(files)" = "$before_files" ]; }

log=$T_DIR/daemon.log
start_daemon "$log"

# 1. released while it runs
systemctl start "$unit"
pid=$(systemctl show -P MainPID "$unit")
jailed_in "$log" "$pid"
grep "jailed pid $pid " "$log" | grep -q "$unit limited in place" || fail "not in place: $(grep "jailed pid $pid" "$log")"
note "jailed: $(show | tr '\n' ' ')"
[ "$(show)" != "$before" ] || fail "the jail changed nothing"
# the daemon stops first: a leaker released is judged again, and would be jailed again
kill -TERM "$DAEMON" 2>/dev/null || fail "the daemon had exited: $(tail -5 "$log")"
wait "$DAEMON" || fail "daemon exited with $?: $(tail -5 "$log")"
out=$("$LEAKJAIL" release --config "$T_DIR/leakjail.conf" "$pid" 2>&1) || fail "release: $out"
note "release: $out"
wait_for 30 same || fail "not as before after release:
$(show)
$(files)
-- before:
$before
$before_files"
kill -0 "$pid" || fail "release killed pid $pid"

# 2. the unit stopped and unloaded, then released
systemctl restart "$unit"
pid=$(systemctl show -P MainPID "$unit")
log=$T_DIR/daemon2.log
start_daemon "$log"
jailed_in "$log" "$pid"
kill -TERM "$DAEMON" 2>/dev/null || fail "the daemon had exited: $(tail -5 "$log")"
wait "$DAEMON" || fail "daemon exited with $?: $(tail -5 "$log")"
systemctl stop "$unit"
# unloaded once nothing references it
wait_for 20 sh -c "! busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager GetUnit s $unit >/dev/null 2>&1" ||
	note "the unit stayed loaded after its stop"
out=$("$LEAKJAIL" release --config "$T_DIR/leakjail.conf" "$pid" 2>&1) || fail "release of a stopped unit: $out"
note "release (stopped): $out"
wait_for 30 same || fail "not as before after the release of the stopped unit:
$(show)
$(files)
-- before:
$before
$before_files"
