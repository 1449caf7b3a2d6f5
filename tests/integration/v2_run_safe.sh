# SPDX-License-Identifier: GPL-2.0-or-later
# leakjail run on cgroup v2 jails in place without killing (run by the VM
# suite). With no swap at all, a command holding ~70 MiB is jailed by a policy
# that asks for 16 MiB (memory.max 1.1x): the limit must not be written below
# what it holds. Before, memory.max went first, at 17.6 MiB: the kernel
# reclaimed inside the write, found nothing to reclaim into and OOM-killed the
# command at jail time. Now the throttle (memory.high) goes at its usage, and
# memory.max above what is left; the command lives. Then, with swap, the
# usage is brought down to the jail's size in slices, memory.max only then
# set at the policy's 1.1x.
. "$(dirname "$0")/../lib.sh"
require_root
root=$(memory_root) || skip "no memory controller"
[ "$root" = /sys/fs/cgroup ] || skip "the memory controller is not on cgroup v2 here"
# the VM's own swap disk is turned off for the first case and back on after it
[ "${LJ_SWAP_PRESENT:-}" = 1 ] && [ -b /dev/vda ] || skip "needs the VM's swap disk (/dev/vda), to turn swap off and on"
trap 'swapon /dev/vda 2>/dev/null || true; t_cleanup' EXIT
parent="$root/$T_ID-jails"
T_CGROUPS+=("$parent")
write_conf "$T_DIR/leakjail.conf" "[daemon]
interval = 1s
jail_parent = $T_ID-jails
state_dir = $T_DIR/state
log = stderr"
write_conf "$T_DIR/policies/run.conf" "[policy small]
growth = 24M
window = 4s
action = jail
jail_size = 16M
jail_max = 1.1x"

STUCK="$LJ_BUILD/progs/stuck"
[ -x "$STUCK" ] || fail "no $STUCK (make tests)"

# run_case LOG CMD...: leakjail run with the policy; sets RUN and CG once it is jailed
run_case() {
	local log=$1
	shift
	"$LEAKJAIL" run --config "$T_DIR/leakjail.conf" --policies "$T_DIR/policies" --policy small -- "$@" 2>"$log" &
	RUN=$!
	T_PIDS+=("$RUN")
	CG="$parent/run-${1##*/}-$RUN"
	wait_for "$log" "jailed in place pid\|could not jail" 40 || fail "not jailed in place: $(cat "$log")"
	note "$(grep "jailed in place\|could not jail" "$log")"
}

# 1. no swap: nothing it holds can go. The leaker (stuck) stops leaking and
# frees what it leaked on SIGUSR1, sent once it is jailed: what is tested is
# what the jail did when it was made, not where a leak that goes on ends.
swapoff /dev/vda
run_case "$T_DIR/noswap.log" "$STUCK" 1 12 0
[ -d "$CG" ] && leaker=$(head -1 "$CG/cgroup.procs") || fail "the run ended at jail time: $(cat "$T_DIR/noswap.log")"
kill -USR1 "$leaker"
wait_for "$T_DIR/noswap.log" "settled\|jailed in place pid .*reclaimed" 30 || fail "did not settle: $(cat "$T_DIR/noswap.log")"
note "$(grep "settled" "$T_DIR/noswap.log" || true)"
at_jail=$(grep -o "(usage [0-9]* MiB)" "$T_DIR/noswap.log" | head -1 | tr -dc 0-9)
sleep 1
kill -0 "$RUN" 2>/dev/null && kill -0 "$leaker" 2>/dev/null || fail "the command ended at jail time: $(cat "$T_DIR/noswap.log")"
usage=$(cat "$CG/memory.current") high=$(cat "$CG/memory.high") max=$(cat "$CG/memory.max")
kills=$(awk '$1 == "oom_kill" {print $2}' "$CG/memory.events")
note "no swap: usage at the jail $at_jail MiB; memory.high $((high >> 20)) MiB, memory.max $((max >> 20)) MiB; now $((usage >> 20)) MiB; oom_kill $kills"
[ "$kills" = 0 ] || fail "OOM-killed at jail time: $(cat "$CG/memory.events")"
[ "$max" -gt $((at_jail << 20)) ] || fail "memory.max $max not above the usage at the jail, $at_jail MiB"
grep -q "cannot go" "$T_DIR/noswap.log" || fail "the record does not say what could not go: $(cat "$T_DIR/noswap.log")"
kill -TERM "$RUN"
rc=0
wait "$RUN" || rc=$?
[ $rc -eq 143 ] || fail "the command ended with status $rc, not by the stop: $(cat "$T_DIR/noswap.log")"
swapon /dev/vda

# 2. with swap: down to the jail's size in slices, then memory.max at 1.1x
run_case "$T_DIR/swap.log" "$MEMHOG" leak 12 72
wait_for "$T_DIR/swap.log" "settled\|jailed in place pid .*reclaimed" 60 || fail "did not settle: $(cat "$T_DIR/swap.log")"
note "$(grep "settled" "$T_DIR/swap.log" || true)"
usage=$(cat "$CG/memory.current") high=$(cat "$CG/memory.high") max=$(cat "$CG/memory.max")
kills=$(awk '$1 == "oom_kill" {print $2}' "$CG/memory.events")
note "with swap: usage $((usage >> 20)) MiB, memory.high $((high >> 20)) MiB, memory.max $((max >> 20)) MiB, swap $(($(cat "$CG/memory.swap.current") >> 20)) MiB, oom_kill $kills"
[ "$kills" = 0 ] || fail "OOM kill: $(cat "$CG/memory.events")"
[ "$high" -eq $((16 << 20)) ] || fail "memory.high $high, expected the jail's 16 MiB"
# 1.1 x 16 MiB, rounded up to a page: the policy's, now that nothing is above the jail's size
[ "$max" -eq 18456576 ] || fail "memory.max $max, not the policy's 1.1x of 16 MiB"
kill -0 "$RUN" || fail "the run ended"
kill -TERM "$RUN"
rc=0
wait "$RUN" || rc=$?
[ $rc -eq 143 ] || fail "the command ended with status $rc: $(cat "$T_DIR/swap.log")"
