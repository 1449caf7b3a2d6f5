#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run the libFuzzer targets that `make fuzz` built:
#   tests/fuzz/run.sh [BUILD_DIR [SECONDS]]      (build-fuzz, 60 s per target)
# For each target, first the inputs kept in tests/fuzz/crashes/TARGET are
# replayed (a "todo-" one is a bug not fixed yet: reported, not failed), then
# it fuzzes for SECONDS from its seeds in tests/fuzz/corpus/TARGET (with the
# words of tests/fuzz/TARGET.dict, if there is one). What it
# learns goes to BUILD_DIR/corpus/TARGET (kept between runs; the seeds in the
# tree stay small), a crashing input to BUILD_DIR/crashes/TARGET. Any crash
# fails the run. FUZZ_JOBS=2 runs two targets at a time.
set -uo pipefail

cd "$(dirname "$0")/../.."
O=${1:-build-fuzz}
SECONDS_PER_TARGET=${2:-60}
JOBS=${FUZZ_JOBS:-1}
# the policy and jail-record targets go through files: a tmpfs is faster than a disk
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then export TMPDIR=/dev/shm; fi

targets=()
for bin in "$O"/fuzz_*; do
	[ -x "$bin" ] && [ -f "tests/fuzz/$(basename "$bin").c" ] && targets+=("$(basename "$bin")")
done
if [ ${#targets[@]} -eq 0 ]; then
	echo "no fuzz targets in $O: run make fuzz" >&2
	exit 1
fi

run_one() { # target: replay, then fuzz; the log in $O/logs/TARGET.log
	local t=$1 bin=$O/$1 log=$O/logs/$1.log rc=0 f
	mkdir -p "$O/corpus/$t" "$O/crashes/$t" "$O/logs"
	: >"$log"
	for f in tests/fuzz/crashes/"$t"/*; do
		[ -f "$f" ] || continue
		if ! "$bin" "$f" >>"$log" 2>&1; then
			case $(basename "$f") in
			todo-*) echo "todo: $t: $f still crashes (a known bug, not fixed yet)" ;;
			*) echo "FAIL: $t: $f crashes again"; rc=1 ;;
			esac
		fi
	done
	local dict=()
	[ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
	"$bin" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		"${dict[@]}" -artifact_prefix="$O/crashes/$t/" "$O/corpus/$t" "tests/fuzz/corpus/$t" >>"$log" 2>&1 || rc=1
	# "#123456 DONE cov: 146 ft: 676 corp: 205/271Kb lim: 10015 exec/s: 6984 rss: 435Mb"
	local done_line runs
	done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	if [ $rc -eq 0 ]; then
		echo "PASS: $t: ${runs:-?} runs in ${SECONDS_PER_TARGET} s; $(echo "$done_line" | grep -oE 'cov: [0-9]+ ft: [0-9]+|exec/s: [0-9]+' | tr '\n' ' ')"
	else
		echo "FAIL: $t (log: $log)"
		grep -E 'ERROR: |runtime error|FUZZ_ASSERT|SUMMARY|Test unit written to' "$log" | sed 's/^/    /' | head -20
	fi
	return $rc
}

failed=0
pids=()
for t in "${targets[@]}"; do
	run_one "$t" &
	pids+=($!)
	if [ ${#pids[@]} -ge "$JOBS" ]; then
		wait "${pids[0]}" || failed=$((failed + 1))
		pids=("${pids[@]:1}")
	fi
done
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done

echo
if [ $failed -ne 0 ]; then
	echo "$failed of ${#targets[@]} fuzz targets failed. Crashing inputs are in $O/crashes/TARGET/:"
	echo "fix the bug, then keep the input as tests/fuzz/crashes/TARGET/NAME so that make check replays it."
	exit 1
fi
echo "${#targets[@]} fuzz targets ran ${SECONDS_PER_TARGET} s each without a crash"
