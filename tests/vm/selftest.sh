#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest script for vm.sh: proves the VM has what leakjail's cgroup v2 code
# needs.  Prints one line per check and a summary; exits 1 if any check fails.
#
# Usage (in the guest): selftest.sh [LEAKER]
#   LEAKER  path of the leak helper (tests/vm/leak.c built static); without
#           it the memory.high enforcement check is skipped.
# From the host, tests/vm/selftest-run.sh builds the helper and runs this.

CG=/sys/fs/cgroup
LEAKER=${1:-}

# Enforcement check parameters: leak LEAK_RATE MiB/s for LEAK_SECS seconds
# under memory.high=HIGH_MIB.  Everything above HIGH_MIB must go to swap.
HIGH_MIB=32
LEAK_RATE=16
LEAK_SECS=6
# memory.high is a throttling limit, not a hard one: allow this much over.
SLACK_MIB=8

passed=0
failed=0
skipped=0

ok() { passed=$((passed + 1)); echo "ok   - $*"; }
bad() { failed=$((failed + 1)); echo "FAIL - $*"; }
skip() { skipped=$((skipped + 1)); echo "skip - $*"; }

# check DESCRIPTION COMMAND...: one line, ok or FAIL, by COMMAND's status.
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else bad "$desc"; fi
}

# key_value FILE KEY: the value after KEY in a flat-keyed file
# (memory.events, memory.stat).
key_value() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }

# psi_total FILE: "some" stall total (microseconds) from a PSI file.
psi_total() { sed -n 's/^some .*total=\([0-9]*\).*/\1/p' "$1"; }

mib() { echo $(($1 / 1048576)); }

swap_active() { [ "$(awk 'NR > 1' /proc/swaps | wc -l)" -gt 0 ]; }

check_setup() {
	check "cgroup2 is mounted on $CG" \
		grep -q "^[^ ]* $CG cgroup2 " /proc/mounts
	check "memory is in cgroup.controllers" \
		grep -qw memory "$CG/cgroup.controllers"
	check "memory is in the root's cgroup.subtree_control" \
		grep -qw memory "$CG/cgroup.subtree_control"

	child=$CG/selftest-files
	if mkdir "$child"; then
		ok "a child cgroup can be created"
		for f in memory.max memory.high memory.swap.max memory.events \
			memory.reclaim memory.pressure; do
			check "a child cgroup has $f" test -e "$child/$f"
		done
		rmdir "$child"
	else
		bad "a child cgroup can be created"
	fi
	check "/proc/pressure/memory exists" test -r /proc/pressure/memory
	check "swap is active (/proc/swaps)" swap_active
}

# The real check: a leaking process under memory.high stays near the limit
# while the excess goes to swap, and the kernel counts "high" events.
check_enforcement() {
	if [ -z "$LEAKER" ]; then
		skip "memory.high enforcement (no leak helper given)"
		return
	fi
	if [ ! -x "$LEAKER" ]; then
		bad "leak helper $LEAKER is executable"
		return
	fi
	t=$CG/t
	mkdir "$t" || { bad "create $t"; return; }
	echo "${HIGH_MIB}M" >"$t/memory.high"

	# The subshell joins the cgroup first, so every page the leaker
	# touches is charged to it.
	sh -c "echo \$\$ >$t/cgroup.procs && exec $LEAKER $LEAK_RATE $LEAK_SECS" &
	pid=$!
	i=0
	while ! grep -qx "$pid" "$t/cgroup.procs" && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	check "the leaker runs in $t" grep -qx "$pid" "$t/cgroup.procs"

	want=$((LEAK_RATE * LEAK_SECS * 3 / 4))
	peak=0
	i=0
	while [ $i -lt 30 ]; do
		sleep 1
		i=$((i + 1))
		cur=$(mib "$(cat "$t/memory.current")")
		swp=$(mib "$(cat "$t/memory.swap.current")")
		[ "$cur" -gt "$peak" ] && peak=$cur
		echo "     t=${i}s memory.current=${cur}M memory.swap.current=${swp}M high=$(key_value "$t/memory.events" high)"
		[ $((cur + swp)) -ge "$want" ] && break
		kill -0 "$pid" 2>/dev/null || break
	done

	check "memory.current stayed near memory.high (peak ${peak}M <= ${HIGH_MIB}M + ${SLACK_MIB}M)" \
		test "$peak" -le $((HIGH_MIB + SLACK_MIB))
	# Polling stopped once $want MiB were charged in all: at most
	# HIGH_MIB + SLACK_MIB of it may be resident, the rest must be in swap.
	min_swap=$((want - HIGH_MIB - SLACK_MIB))
	check "the excess went to swap (memory.swap.current ${swp}M >= ${min_swap}M)" \
		test "$swp" -ge "$min_swap"
	high=$(key_value "$t/memory.events" high)
	check "memory.events counts high events ($high)" test "${high:-0}" -gt 0
	stall=$(psi_total "$t/memory.pressure")
	check "memory.pressure shows stall time (some total=${stall}us)" \
		test "${stall:-0}" -gt 0

	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	check "the cgroup can be removed once empty" rmdir "$t"
}

check_setup
check_enforcement

echo "selftest: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
