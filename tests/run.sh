#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run the test suites against a build directory:
#   tests/run.sh [--unit|--integration] [BUILD_DIR]
# Unit tests are TAP programs; integration tests are scripts that exit 0
# (pass), 77 (skip, with the reason on stderr) or anything else (fail).
# Under CI=true a skip counts as a failure: CI must run everything.
# LJ_SAMPLER=bpf|proc: the sampler the daemons of the suites use (default:
# auto, which is bpf where it loads); the suites in LJ_PROC_TOO run once more
# with the other one.
set -uo pipefail

cd "$(dirname "$0")/.."
what=all
case "${1:-}" in
--unit) what=unit; shift ;;
--integration) what=integration; shift ;;
esac
O=${1:-build}
export LEAKJAIL="$PWD/$O/leakjail" MEMHOG="$PWD/$O/progs/memhog" LJ_BUILD="$PWD/$O"

passed=0 failed=0 skipped=0
failures=()

record() { # name status
	case $2 in
	0) passed=$((passed + 1)); echo "PASS: $1" ;;
	77)
		if [ "${CI:-}" = true ]; then
			failed=$((failed + 1)); failures+=("$1 (skipped under CI)"); echo "FAIL: $1 (skipped, and CI=true requires it)"
		else
			skipped=$((skipped + 1)); echo "SKIP: $1"
		fi ;;
	*) failed=$((failed + 1)); failures+=("$1"); echo "FAIL: $1 (exit $2)" ;;
	esac
}

if [ "$what" != integration ]; then
	for t in "$O"/tests/test_*; do
		[ -x "$t" ] || continue
		out=$("$t" 2>&1)
		rc=$?
		if [ $rc -ne 0 ]; then printf '%s\n' "$out" | grep -v '^ok ' | sed 's/^/    /'; fi
		record "unit/$(basename "$t") ($(printf '%s\n' "$out" | grep -c '^ok ') checks)" $rc
	done
fi

if [ "$what" != unit ]; then
	LJ_PROC_TOO=${LJ_PROC_TOO-daemon_dryrun hardening_pid_reuse}
	other=proc
	[ "${LJ_SAMPLER:-}" = proc ] && other=bpf
	runs=()
	for t in tests/integration/*.sh; do
		runs+=("$t|${LJ_SAMPLER:-}")
		case " $LJ_PROC_TOO " in *" $(basename "$t" .sh) "*) runs+=("$t|$other") ;; esac
	done
	for run in "${runs[@]}"; do
		t=${run%|*}
		sampler=${run##*|}
		name=$(basename "$t" .sh)
		label=$name
		[ "$sampler" != "${LJ_SAMPLER:-}" ] && label="$name[sampler=$sampler]"
		[ -f "$t" ] || continue
		# LJ_NOT_HERE: tests that do not apply where this runs (say, in the v2 VM)
		case " ${LJ_NOT_HERE:-} " in *" $name "*) echo "n/a:  integration/$name (${LJ_NOT_HERE_WHY:-does not apply here})"; continue ;; esac
		# v2_*: what only cgroup v2 has
		if [[ $name == v2_* ]] && ! grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
			echo "n/a:  integration/$name (the memory controller is not on cgroup v2 here: run by make check-vm)"
			continue
		fi
		log=$(mktemp /tmp/leakjail-test-log.XXXXXX)
		start=$(date +%s)
		LJ_SAMPLER=$sampler timeout --kill-after=10 600 bash "$t" >"$log" 2>&1
		rc=$?
		if [ $rc -ne 0 ]; then sed 's/^/    /' "$log"; else grep '^#' "$log" | sed 's/^/    /'; fi
		rm -f "$log"
		record "integration/$label ($(($(date +%s) - start)) s)" $rc
	done
fi

echo
for f in "${failures[@]}"; do echo "failed: $f"; done
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
