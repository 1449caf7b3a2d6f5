# SPDX-License-Identifier: GPL-2.0-or-later
# `leakjail run` under systemd: the command runs in a transient scope of the
# system manager; when it leaks, run jails it in place through that manager
# (MemoryHigh on the scope) and records the jail with the daemon's jails.
# `status` shows it; `release` with the run's pid removes the record, the
# run puts the scope's limits back through systemd (systemctl show says
# MemoryHigh=infinity) and judges the command no more; the command goes on.
. "$(dirname "$0")/lib.sh"

state=$T_DIR/state
write_conf "$T_DIR/leakjail.conf" "[daemon]
interval = 500ms
state_dir = $state
log = stderr"
write_conf "$T_DIR/policies/run.conf" "[policy quick]
growth = 30M
window = 3s
action = jail
jail_size = 48M"
log=$T_DIR/run.log
"$LEAKJAIL" run --config "$T_DIR/leakjail.conf" --policies "$T_DIR/policies" -- "$MEMHOG" leak 20 300 --seconds 60 2>"$log" &
run=$!
T_PIDS+=("$run")
wait_for 30 grep -q "running in scope" "$log" || fail "no scope: $(cat "$log")"
scope=$(sed -n 's/.*running in scope \([^ ]*\) .*/\1/p' "$log")
T_UNITS+=("$scope")
wait_for 60 grep -q "jailed in place pid" "$log" || fail "not jailed in place: $(cat "$log")"
note "$(grep -o "jailed in place pid.*" "$log")"
high=$(systemctl show -P MemoryHigh "$scope")
[ "$high" != infinity ] || fail "the scope has no MemoryHigh once jailed"
child=$(grep -o "jailed in place pid [0-9]*" "$log" | grep -o "[0-9]*$")
[ -f "$state/jails/$child" ] || fail "no record $state/jails/$child: $(ls -l "$state/jails" 2>&1)"
grep -qx "backend=run" "$state/jails/$child" || fail "record: $(cat "$state/jails/$child")"
"$LEAKJAIL" status --config "$T_DIR/leakjail.conf" --interval 200ms >"$T_DIR/status.txt" || fail "status failed"
grep -q "in place: leakjail run pid $run, command: $MEMHOG leak 20 300 --seconds 60\$" "$T_DIR/status.txt" ||
	fail "status does not name the run and its command: $(cat "$T_DIR/status.txt")"

out=$("$LEAKJAIL" release --config "$T_DIR/leakjail.conf" "$run" 2>&1) || fail "release: $out"
note "release: $out"
wait_for 10 grep -q "released:" "$log" || fail "the run did not see the release: $(cat "$log")"
note "$(grep -o "released:.*" "$log")"
[ "$(systemctl show -P MemoryHigh "$scope")" = infinity ] ||
	fail "MemoryHigh=$(systemctl show -P MemoryHigh "$scope") after the release (was $high while jailed)"
[ "$(systemctl show -P MemoryMax "$scope")" = infinity ] || fail "MemoryMax=$(systemctl show -P MemoryMax "$scope") after the release"
[ ! -e "$state/jails/$child" ] || fail "record left behind"
kill -0 "$child" || fail "the command did not survive its release"
# judged no more in this run: its leak goes on unjailed
sleep 4
[ "$(grep -c "jailed in place pid" "$log")" = 1 ] || fail "jailed again after its release: $(cat "$log")"
[ "$(systemctl show -P MemoryHigh "$scope")" = infinity ] || fail "limited again after its release"
kill -TERM "$run"
wait "$run" || true
