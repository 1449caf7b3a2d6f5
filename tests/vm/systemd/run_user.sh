# SPDX-License-Identifier: GPL-2.0-or-later
# `leakjail run` as an unprivileged user under that user's manager: no sudo;
# the command runs in a transient scope of user@UID.service, its --limit is
# set on that scope (systemctl --user show), it swaps, exits with the
# command's status; stopping `run` stops the scope with all that is in it.
. "$(dirname "$0")/lib.sh"

log=$T_DIR/run.log
"${AS_USER[@]}" "$LEAKJAIL" run --limit 32M -- "$MEMHOG" leak 10 120 --seconds 20 --exit 5 2>"$log" &
run=$!
T_PIDS+=("$run")
wait_for 60 grep -q "running in scope" "$log" || fail "no scope: $(cat "$log")"
note "$(grep -o "running in scope.*" "$log")"
scope=$(sed -n 's/.*running in scope \([^ ]*\) .*/\1/p' "$log")
ucg=/sys/fs/cgroup$(systemctl show -P ControlGroup "user@$GUEST_UID.service")
procs() { cat "$ucg"/*/"$scope"/cgroup.procs "$ucg/$scope/cgroup.procs" 2>/dev/null || true; }
wait_for 10 sh -c "$(declare -f procs); ucg=$ucg scope=$scope; procs | grep -q ." ||
	fail "no command in $scope: $(cat "$log"; ps -eo pid,ppid,user,cgroup:60,args)"
cmd=$(procs | head -n 1)
cg=$(proc_cgroup "$cmd")
case $cg in
*/user@$GUEST_UID.service/*/"$scope") ;;
*) fail "the command is in $cg, not in $scope under user@$GUEST_UID.service" ;;
esac
[ "$(stat -c %u "/proc/$cmd")" = "$GUEST_UID" ] || fail "the command does not run as the user"
[ "$(as_user systemctl --user show -P MemoryHigh "$scope")" = $((32 * 1024 * 1024)) ] ||
	fail "systemctl --user show: MemoryHigh=$(as_user systemctl --user show -P MemoryHigh "$scope")"
wait_for 20 swaps "$cmd" 20480 || fail "the command does not swap: VmSwap $(kib_of "$cmd" VmSwap) kB"
note "in $cg: rss $(kib_of "$cmd" VmRSS) kB, swap $(kib_of "$cmd" VmSwap) kB"
[ "$(kib_of "$cmd" VmRSS)" -le $((40 * 1024)) ] || fail "rss $(kib_of "$cmd" VmRSS) kB above the 32M limit"
rc=0
wait "$run" || rc=$?
[ $rc -eq 5 ] || fail "exit status $rc, expected the command's 5: $(cat "$log")"
wait_for 10 sh -c "! as_user systemctl --user is-active --quiet $scope" 2>/dev/null ||
	[ "$(as_user systemctl --user is-active "$scope" 2>/dev/null)" != active ] || fail "scope $scope left behind"

# stopping run stops the scope: what the command started ends with it
"${AS_USER[@]}" "$LEAKJAIL" run --limit 64M -- /bin/bash -c 'sleep 1000 & echo $! >&2; wait' 2>"$log" &
run=$!
T_PIDS+=("$run")
wait_for 20 sh -c "grep -q '^[0-9][0-9]*\$' $log" || fail "no grandchild: $(cat "$log")"
gc=$(grep '^[0-9][0-9]*$' "$log")
kill -0 "$gc" || fail "grandchild $gc not running"
kill -TERM "$run"
wait "$run" || true
wait_for 10 sh -c "! kill -0 $gc 2>/dev/null" || fail "grandchild $gc survived the stop of run ($(proc_cgroup "$gc"))"
note "stopping run ended its scope and grandchild $gc"
