# SPDX-License-Identifier: GPL-2.0-or-later
# leakjail run jails in place without harm: a command holding 96 MiB, its
# policy asking for a 16 MiB jail with no swap of its own (jail_swap = 0),
# so almost nothing it holds can go. The limit is never written below what
# it holds: the throttle goes at its usage (memsw left open while it comes
# down), the usage comes down in slices as far as it can, the final limits
# stay above what is left. The command lives on and exits 0; no OOM kill.
# On v1 the jail does not OOM-kill: leaking on at its limit the command
# waits (under_oom), and jail_stalled = grow raises the limit until it fits.
# Before: the limit went at 16 MiB and memsw at 16 MiB + 0 below what it held
# in memory and swap (EBUSY), then again at its usage with memsw still
# below: "could not jail".
. "$(dirname "$0")/../lib.sh"
require_root
root=$(memory_root) || skip "no memory controller"
make_swap 256
parent="$root/$T_ID-jails"
T_CGROUPS+=("$parent")
write_conf "$T_DIR/leakjail.conf" "[daemon]
interval = 500ms
jail_parent = $T_ID-jails
log = stderr"
write_conf "$T_DIR/policies/run.conf" "[policy noroom]
growth = 40M
window = 3s
action = jail
jail_size = 16M
jail_max = 1.1x
jail_swap = 0
jail_stalled = grow"

"$LEAKJAIL" run --config "$T_DIR/leakjail.conf" --policies "$T_DIR/policies" --policy noroom -- \
	"$MEMHOG" leak 24 96 --seconds 14 2>"$T_DIR/run.log" &
run=$!
T_PIDS+=("$run")
wait_for "$T_DIR/run.log" "jailed in place pid" 12 || fail "not jailed in place: $(cat "$T_DIR/run.log")"
note "$(grep "jailed in place" "$T_DIR/run.log")"
cg="$parent/run-memhog-$run"
wait_for "$T_DIR/run.log" "jail in place of pid .* settled\|jailed in place pid .*reclaimed" 20 ||
	fail "the jail did not settle: $(cat "$T_DIR/run.log")"
note "$(grep "settled" "$T_DIR/run.log" || true)"
if [ -f "$cg/memory.limit_in_bytes" ]; then
	usage=$(cat "$cg/memory.usage_in_bytes") limit=$(cat "$cg/memory.limit_in_bytes")
	musage=$(cat "$cg/memory.memsw.usage_in_bytes") mlimit=$(cat "$cg/memory.memsw.limit_in_bytes")
	note "usage $((usage >> 20)) MiB, limit $((limit >> 20)) MiB; memory+swap $((musage >> 20)) MiB, memsw limit $((mlimit >> 20)) MiB"
	[ "$limit" -ge "$usage" ] || fail "limit $limit below the usage $usage"
	[ "$mlimit" -ge "$musage" ] || fail "memsw limit $mlimit below memory+swap $musage"
	grep -qx "oom_kill 0" "$cg/memory.oom_control" || fail "OOM kill: $(tr '\n' ' ' <"$cg/memory.oom_control")"
else
	usage=$(cat "$cg/memory.current") high=$(cat "$cg/memory.high") max=$(cat "$cg/memory.max")
	note "usage $((usage >> 20)) MiB, high $high, max $max"
	[ "$max" = max ] || [ "$max" -gt "$usage" ] || fail "memory.max $max not above the usage $usage"
	[ "$(awk '$1 == "oom_kill" {print $2}' "$cg/memory.events")" = 0 ] || fail "OOM kill: $(cat "$cg/memory.events")"
fi
# it may not shrink to 16 MiB: what it holds cannot go
grep -q "cannot go\|gave back no more" "$T_DIR/run.log" || fail "the record does not say why it stayed above the jail's size: $(cat "$T_DIR/run.log")"
if [ -f "$cg/memory.oom_control" ]; then
	# it leaks on to 96 MiB: at its limit it waits, and is grown
	wait_for "$T_DIR/run.log" "stalled: .*grown by" 15 || fail "not grown: $(cat "$T_DIR/run.log")"
	note "$(grep "stalled" "$T_DIR/run.log" | head -3)"
	grep -qx "oom_kill 0" "$cg/memory.oom_control" || fail "OOM kill: $(tr '\n' ' ' <"$cg/memory.oom_control")"
fi
rc=0
if [ -f "$cg/memory.oom_control" ]; then
	wait "$run" || rc=$?
	[ $rc -eq 0 ] || fail "the command did not exit cleanly: status $rc: $(cat "$T_DIR/run.log")"
else
	# v2: throttled at memory.high it creeps on toward memory.max, the policy's
	# OOM line (jail_max): stopped here, it ends by the stop, not by an OOM kill
	kill -TERM "$run" 2>/dev/null || true
	wait "$run" || rc=$?
	[ $rc -eq 0 ] || [ $rc -eq 143 ] || fail "the command ended with status $rc: $(cat "$T_DIR/run.log")"
fi
