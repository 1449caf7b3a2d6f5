# SPDX-License-Identifier: GPL-2.0-or-later
# A record of the other backend (a systemd jail) whose process has exited,
# found by a daemon that makes jails through cgroupfs: it cannot be retired
# here, and the daemon says so once and keeps the record for the backend
# that made it. Before, it said so at every pass, for ever.
. "$(dirname "$0")/../lib.sh"
require_root
root=$(memory_root) || skip "no memory controller"
mk_cgroup home
home=$CG
mkdir "$home/scope"
# a pid that has exited
sleep 0.01 &
gone=$!
wait "$gone"
[ ! -d "/proc/$gone" ] || skip "pid $gone was taken again at once"
mkdir -p "$T_DIR/state/jails"
chmod 0755 "$T_DIR/state" "$T_DIR/state/jails"
printf '%s\n' "pid=$gone" "starttime=12345" "comm=app" "policy=p" "origin=/${home##*/}" \
	"jail=${home##*/}/scope" "since=0" "high=67108864" "max=73400320" \
	"swap=18446744073709551615" "events_high=0" "events_max=0" "events_oom_kill=0" "reason=test" \
	"backend=systemd" "unit=app.scope" "origin_unit=app.service" "origin_id=x" \
	"prev_high=18446744073709551615" "prev_max=18446744073709551615" \
	"prev_swap=18446744073709551615" >"$T_DIR/state/jails/$gone"
write_conf "$T_DIR/leakjail.conf" "[daemon]
interval = 100ms
scope = /${home##*/}
jail_parent = $T_ID-jails
state_dir = $T_DIR/state
backend = cgroupfs
log = stderr"
write_conf "$T_DIR/policies/p.conf" "[policy p]
growth = 1G
window = 2s
action = log"
"$LEAKJAIL" daemon --foreground --passes 20 --config "$T_DIR/leakjail.conf" --policies "$T_DIR/policies" \
	2>"$T_DIR/daemon.log" || fail "daemon exited with $?: $(cat "$T_DIR/daemon.log")"
said=$(grep -c "jailed by the systemd backend" "$T_DIR/daemon.log" || true)
note "in 20 passes: said $said time(s): $(grep -m1 "jailed by the systemd backend" "$T_DIR/daemon.log")"
[ "$said" -eq 1 ] || fail "said $said times in 20 passes: $(cat "$T_DIR/daemon.log")"
[ -e "$T_DIR/state/jails/$gone" ] || fail "the record was not kept for the systemd backend"
