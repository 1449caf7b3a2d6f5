#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The examples in README.md and docs/*.md come from a real run of the build:
#   tests/examples.sh BUILD_DIR           check: every example in the docs still has
#                                         the shape of what leakjail prints now
#   tests/examples.sh BUILD_DIR --write   run, and write what it printed into the docs
# An example is an indented block between <!-- example: NAME --> and
# <!-- /example --> (pandoc leaves the markers out of the manuals). The run
# (root: a cgroup, a swap file and processes of its own, removed at exit)
# plays: `check` of the shipped files; a dry-run daemon that would jail a
# leaker, and `explain`; a daemon that jails one, and `status`; `run` that
# jails its command in place. `make examples` rewrites the docs.
set -euo pipefail
cd "$(dirname "$0")/.."
O=${1:-build}
mode=check
[ "${2:-}" = --write ] && mode=write
export LEAKJAIL="$PWD/$O/leakjail" MEMHOG="$PWD/$O/progs/memhog" LJ_BUILD="$PWD/$O"
# shellcheck source=tests/lib.sh
. tests/lib.sh
require_root
root=$(memory_root) || skip "no memory controller"
EX="$T_DIR/examples"
mkdir -p "$EX"

# 1. check, of the shipped files
{
	echo "\$ leakjail check --config policies/leakjail.conf --policies policies/policies.d"
	"$LEAKJAIL" check --config policies/leakjail.conf --policies policies/policies.d 2>&1
} >"$EX/check"

mk_cgroup ex
cg=$CG
conf="$T_DIR/leakjail.conf"
daemon_conf 500ms "/${cg##*/}"
jails_cgroup
write_conf "$T_DIR/policies/quick.conf" "[policy quick]
growth = 60M
window = 3s
action = jail"
write_conf "$T_DIR/atop/atop.conf" "[policy atop]
growth = 60M
window = 4s
action = jail"

# daemon LOG POLICIES ARGS...: a daemon of this run's own; its pid in $DAEMON
daemon() {
	local log=$1 pol=$2
	shift 2
	"$LEAKJAIL" daemon --foreground --config "$conf" --policies "$pol" "$@" 2>"$log" &
	DAEMON=$!
	T_PIDS+=("$DAEMON")
	wait_for "$log" "started:" 10 || fail "daemon did not start: $(cat "$log")"
}
stop() { kill -TERM "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
line() { grep -m1 -- "$1" "$2" || fail "no '$1' in $2: $(cat "$2")"; }

# 2. a dry run: started, a leak it would jail, and why
daemon "$T_DIR/dry.log" "$T_DIR/policies" --dry-run
spawn "$cg" "$MEMHOG" leak 20 400
leaker=$SPAWNED
wait_for "$T_DIR/dry.log" "would jail pid $leaker " 20 || fail "no leak found: $(cat "$T_DIR/dry.log")"
LC_ALL=C.UTF-8 "$LEAKJAIL" explain --config "$conf" "$leaker" >"$EX/explain" 2>&1 || true
stop "$DAEMON"
line "started:" "$T_DIR/dry.log" >"$EX/started"
line "would jail pid $leaker " "$T_DIR/dry.log" >"$EX/would-jail"
kill -KILL "$leaker"
wait "$leaker" 2>/dev/null || true

# 3. a daemon that jails, with swap; status while it runs
make_swap 1024
daemon "$T_DIR/jail.log" "$T_DIR/atop"
spawn "$cg" "$MEMHOG" hold 40
spawn "$cg" "$MEMHOG" leak 20 400
leaker=$SPAWNED
wait_for "$T_DIR/jail.log" "jailed pid $leaker " 20 || fail "not jailed: $(cat "$T_DIR/jail.log")"
line "jailed pid $leaker " "$T_DIR/jail.log" >"$EX/jailed"
sleep 2
# the growers of the whole host are whatever else runs: the example stops at their heading
"$LEAKJAIL" status --config "$conf" --interval 200ms --top 2 2>&1 | sed '/^top growers over/q' >"$EX/status"
stop "$DAEMON"
"$LEAKJAIL" release --config "$conf" "$leaker" >/dev/null 2>&1 || true
kill -KILL "$leaker"
wait "$leaker" 2>/dev/null || true

# 4. run: its command jailed in place
"$LEAKJAIL" run --config "$conf" --policies "$T_DIR/policies" --policy quick -- "$MEMHOG" leak 20 400 \
	2>"$T_DIR/run.log" &
run=$!
T_PIDS+=("$run")
wait_for "$T_DIR/run.log" "jailed in place pid" 60 || fail "run did not jail in place: $(cat "$T_DIR/run.log")"
# the second record once what it leaked went to swap
wait_for "$T_DIR/run.log" "jail in place of pid .* settled" 90 || fail "run's jail did not settle: $(cat "$T_DIR/run.log")"
{
	line "jailed in place pid" "$T_DIR/run.log"
	line "jail in place of pid .* settled" "$T_DIR/run.log"
} >"$EX/run-jailed"
kill -TERM "$run"
wait "$run" 2>/dev/null || true

python3 tests/examples.py "$mode" "$EX" README.md docs/*.md
