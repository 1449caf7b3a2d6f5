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
# LJ_TESTS="name ...": run only these integration tests (file names under
# tests/integration without .sh), for instance to iterate on one in the VM.
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

# The kernel watch on a healthy host: a dry-run daemon (kernel_watch = yes, a
# policy that matches nothing) watches the host through the integration
# suites, as `tests/run.sh BUILD` (make check) runs them; any kernel-memory
# finding it logs fails the run. LJ_KWATCH=yes runs it with --integration
# too, LJ_KWATCH=no never; "kernel_watch" in LJ_NOT_HERE leaves it out.
kwatch_pid="" kwatch_dir=""
kwatch_start() {
	case " ${LJ_NOT_HERE:-} " in *" kernel_watch "*) return 0 ;; esac
	[ "${LJ_KWATCH:-}" = yes ] || { [ "$what" = all ] && [ "${LJ_KWATCH:-}" != no ]; } || return 0
	[ "$(id -u)" -eq 0 ] || { echo "n/a:  integration/kernel_watch (needs root)"; return 0; }
	kwatch_dir=$(mktemp -d "/tmp/leakjail-test-$$-kwatch.XXXXXX")
	trap kwatch_stop EXIT
	trap 'exit 130' INT TERM HUP
	mkdir -p "$kwatch_dir/policies"
	printf '[daemon]\ninterval = 2s\nscope = /\njail_parent = leakjail-test-%s-kwatch-jails\nstate_dir = %s\ndry_run = yes\nkernel_watch = yes\nlog = stderr\n' \
		$$ "$kwatch_dir/state" >"$kwatch_dir/leakjail.conf"
	printf '[policy none]\nmatch_comm = leakjail-matches-nothing\ngrowth = 1G\nwindow = 1m\naction = log\n' \
		>"$kwatch_dir/policies/none.conf"
	"$LEAKJAIL" daemon --dry-run --foreground --config "$kwatch_dir/leakjail.conf" \
		--policies "$kwatch_dir/policies" 2>"$kwatch_dir/daemon.log" &
	kwatch_pid=$!
	for _ in $(seq 100); do grep -q "started:" "$kwatch_dir/daemon.log" && return 0; sleep 0.1; done
	record "integration/kernel_watch (the daemon did not start: $(head -c 300 "$kwatch_dir/daemon.log"))" 1
	kwatch_stop
}
# Stop it; with `record`, count its findings (the records of src/kernel/syswatch.c) as a suite.
kwatch_stop() {
	local rc=0 exit_rc=0 found cpu=""
	if [ -n "$kwatch_pid" ]; then
		# its CPU time (utime + stime, in clock ticks), to show what watching costs
		cpu=$(sed 's/.*) //' "/proc/$kwatch_pid/stat" 2>/dev/null | awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($12 + $13) / hz}')
		kill -TERM "$kwatch_pid" 2>/dev/null
		wait "$kwatch_pid" 2>/dev/null || exit_rc=$?
	fi
	if [ "${1:-}" = record ] && [ -n "$kwatch_pid" ]; then
		grep "kernel watch: " "$kwatch_dir/daemon.log" | sed 's/^/    # /'
		found=$(grep -E "kernel memory no counter explains|unreclaimable slab, (slow|sudden) leak|socket queue keeps growing" \
			"$kwatch_dir/daemon.log")
		[ -z "$found" ] || { printf '%s\n' "$found" | sed 's/^/    /'; rc=1; }
		# it exits 0 on SIGTERM (and, built with ASan, when LeakSanitizer finds nothing)
		[ $exit_rc -eq 0 ] || { tail -n 20 "$kwatch_dir/daemon.log" | sed 's/^/    /'; rc=1; }
		record "integration/kernel_watch ($(printf '%s' "$found" | grep -c .) kernel-memory findings over the suites, exit $exit_rc, ${cpu:-?} s CPU)" $rc
	fi
	kwatch_pid=""
	[ -n "$kwatch_dir" ] && rm -rf "$kwatch_dir"
	kwatch_dir=""
}

if [ "$what" != unit ]; then
	kwatch_start
	LJ_PROC_TOO=${LJ_PROC_TOO-daemon_dryrun hardening_pid_reuse identity}
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
		if [ -n "${LJ_TESTS:-}" ]; then
			case " $LJ_TESTS " in *" $name "*) ;; *) continue ;; esac
		fi
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
	kwatch_stop record
fi

echo
for f in "${failures[@]}"; do echo "failed: $f"; done
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
