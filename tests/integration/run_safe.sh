# SPDX-License-Identifier: GPL-2.0-or-later
# leakjail run jails in place without harm: a command leaking 24 MiB/s, its
# policy asking for a 16 MiB jail with no swap of its own (jail_swap = 0),
# so almost nothing it holds can go. The limit is never written below what
# it holds: the throttle goes at its usage (v1 memsw left open while it
# comes down), the usage comes down in slices as far as it can, the final
# limits stay above what is left. The command lives on; no OOM kill.
# On v1 the jail does not OOM-kill: leaking on at its limit the command
# waits (under_oom), and jail_stalled = grow raises the limit. The leaker
# (stuck) stops leaking and frees what it leaked on SIGUSR1, sent once that
# is seen (v1) or once it is jailed (v2): what is tested is what the jail
# did, not where a leak that goes on ends (on v2, at memory.max: jail_max).
# Before: the limit went at 16 MiB and memsw at 16 MiB + 0 below what it held
# in memory and swap (EBUSY), then again at its usage with memsw still
# below: "could not jail".
. "$(dirname "$0")/../lib.sh"
require_root
jails_cgroup
STUCK="$LJ_BUILD/progs/stuck"
[ -x "$STUCK" ] || fail "no $STUCK (make tests)"
make_swap 256
daemon_conf 500ms ""
write_conf "$T_DIR/policies/run.conf" "[policy noroom]
growth = 40M
window = 3s
action = jail
jail_size = 16M
jail_max = 1.1x
jail_swap = 0
jail_stalled = grow"

"$LEAKJAIL" run --config "$T_DIR/leakjail.conf" --policies "$T_DIR/policies" --policy noroom -- \
	"$STUCK" 1 24 0 >/dev/null 2>"$T_DIR/run.log" &
run=$!
T_PIDS+=("$run")
wait_for "$T_DIR/run.log" "jailed in place pid\|could not jail" 12 || fail "not jailed in place: $(cat "$T_DIR/run.log")"
note "$(grep "jailed in place\|could not jail" "$T_DIR/run.log")"
grep -q "jailed in place pid" "$T_DIR/run.log" || fail "not jailed in place: $(cat "$T_DIR/run.log")"
cg="$JAILS/run-stuck-$run"
leaker=$(head -1 "$cg/cgroup.procs")
at_jail=$(grep -o "(usage [0-9]* MiB)" "$T_DIR/run.log" | head -1 | tr -dc 0-9)
if [ -f "$cg/memory.oom_control" ]; then
	# leaking on at its limit: it waits, and is grown
	wait_for "$T_DIR/run.log" "stalled: .*grown by" 15 || fail "not grown: $(cat "$T_DIR/run.log")"
	note "$(grep "stalled" "$T_DIR/run.log" | head -3)"
fi
kill -USR1 "$leaker"
wait_for "$T_DIR/run.log" "jail in place of pid .* settled\|jailed in place pid .*reclaimed" 20 ||
	fail "the jail did not settle: $(cat "$T_DIR/run.log")"
note "$(grep "settled" "$T_DIR/run.log" || true)"
# it may not shrink to 16 MiB: what it holds cannot go
grep -q "cannot go\|gave back no more" "$T_DIR/run.log" || fail "the record does not say why it stayed above the jail's size: $(cat "$T_DIR/run.log")"
sleep 1
kill -0 "$leaker" || fail "the command ended: $(cat "$T_DIR/run.log")"
if [ -f "$cg/memory.oom_control" ]; then
	usage=$(cat "$cg/memory.usage_in_bytes") limit=$(cat "$cg/memory.limit_in_bytes")
	musage=$(cat "$cg/memory.memsw.usage_in_bytes") mlimit=$(cat "$cg/memory.memsw.limit_in_bytes")
	note "usage at the jail $at_jail MiB; now $((usage >> 20)) MiB, limit $((limit >> 20)) MiB; memory+swap $((musage >> 20)) MiB, memsw limit $((mlimit >> 20)) MiB"
	[ "$limit" -ge $((at_jail << 20)) ] || fail "limit $limit below the usage at the jail, $at_jail MiB"
	[ "$mlimit" -ge "$musage" ] || fail "memsw limit $mlimit below memory+swap $musage"
	grep -qx "oom_kill 0" "$cg/memory.oom_control" || fail "OOM kill: $(tr '\n' ' ' <"$cg/memory.oom_control")"
else
	usage=$(cat "$cg/memory.current") high=$(cat "$cg/memory.high") max=$(cat "$cg/memory.max")
	note "usage at the jail $at_jail MiB; high $high, max $max; now $((usage >> 20)) MiB; swap $(cat "$cg/memory.swap.current")"
	[ "$max" = max ] || [ "$max" -gt $((at_jail << 20)) ] || fail "memory.max $max not above the usage at the jail, $at_jail MiB"
	[ "$(awk '$1 == "oom_kill" {print $2}' "$cg/memory.events")" = 0 ] || fail "OOM kill: $(cat "$cg/memory.events")"
fi
kill -TERM "$run"
rc=0
wait "$run" || rc=$?
[ $rc -eq 143 ] || fail "the command ended with status $rc, not by the stop: $(cat "$T_DIR/run.log")"
