#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The shape evaluation: every labelled memory shape of tests/progs/shapes.c
# runs at once, each in a cgroup of its own under one scope cgroup, watched by
# one dry-run daemon with one policy (tests/eval/policy.conf). Prints a
# confusion matrix: per shape its label, whether it was reported, how long
# after its leak began (a must-not shape: after it started), and the bound
# (window + 2 intervals). Exits non-zero when a must-report shape is missed
# or late, or a must-not shape is reported.
#   LEAKJAIL=... MEMHOG=... SHAPES=... tests/eval/eval.sh   (make eval does this)
# Environment:
#   EVAL_POLICY   the policy file (default tests/eval/policy.conf): growth in
#                 M and window in s; the shapes take their sizes from them
#   EVAL_TIMING   1 (default): a report after the bound fails; 0: only
#                 whether it came while the shapes ran (the correctness part,
#                 tests/integration/shapes.sh)
#   EVAL_ONLY     shape names separated by blanks (default: all)
#   EVAL_CALM     how long late-leak stays calm first, in s (default 35)
#   EVAL_LONG     1: also the slow leak judged over 5 minutes (slow-long, by
#                 tests/eval/policy-long.conf: growth = 128M, window = 5m):
#                 the run then takes 5 minutes and more (make eval sets it)
#   EVAL_REPORT   also write the matrix as a Markdown table to this file
#   EVAL_DOC      also put it in this Markdown file (make eval: docs/benchmarks.md),
#                 as the section between the lines <!-- shapes:begin --> and
#                 <!-- shapes:end -->, added at the end when there is none
# Swap: a swap file of the run's own (tests/lib.sh), unless LJ_SWAP_PRESENT=1.
EVAL_DIR=$(cd "$(dirname "$0")" && pwd)
. "$EVAL_DIR/../lib.sh"
require_root
SHAPES=${SHAPES:-${LJ_BUILD:?run through make eval or tests/run.sh}/progs/shapes}
[ -x "$SHAPES" ] || fail "no shapes program at $SHAPES: make tests"
POLICY=${EVAL_POLICY:-$EVAL_DIR/policy.conf}
EVAL_TIMING=${EVAL_TIMING:-1}
CALM_S=${EVAL_CALM:-35}

# the policy's figures, as the shapes and the bound need them
growth=$(sed -n 's/^growth *= *\([0-9][0-9]*\)M *$/\1/p' "$POLICY")
window=$(sed -n 's/^window *= *\([0-9][0-9]*\)s *$/\1/p' "$POLICY")
interval=$(sed -n 's/^interval *= *\([0-9][0-9]*\)s *$/\1/p' "$EVAL_DIR/leakjail.conf")
[ -n "$growth" ] && [ -n "$window" ] ||
	fail "$POLICY: write growth in whole M and window in whole s (growth = 24M, window = 15s)"
[ -n "$interval" ] || fail "$EVAL_DIR/leakjail.conf: write interval in whole s"
# a shape's bound: "K" windows, or "Ns" seconds, after its leak began, + 2 intervals
bound_of() {
	case $1 in
	*s) echo $(((${1%s} + 2 * interval) * 1000)) ;;
	*) awk -v k="$1" -v w="$window" -v i="$interval" 'BEGIN { printf "%d\n", (k * w + 2 * i) * 1000 }' ;;
	esac
}
# late-leak begins after CALM_S, the others after a window and 1 s; every
# shape then runs past its bound (3 windows at most), and the batch jobs go
# through two periods of 20 s at least
run_s=$((CALM_S + window + 2 * interval + 6))
[ $run_s -ge $((4 * window + 2 * interval + 5)) ] || run_s=$((4 * window + 2 * interval + 5))
[ $run_s -ge 46 ] || run_s=46

# swap for the two shapes that need it: swapping grows to 9U in a 1.5U cgroup,
# refault pushes out 7U; the rest is headroom
make_swap $((growth * 40))

mk_cgroup eval
scope=$CG
# cgroup v2: the shapes' cgroups get memory files (swapping and refault set their limits)
if [ -f "$scope/cgroup.subtree_control" ]; then echo +memory >"$scope/cgroup.subtree_control"; fi
root=$(memory_root)
T_CGROUPS=("$root/$T_ID-jails" "${T_CGROUPS[@]}")
sed -e "s|@SCOPE@|/${scope##*/}|" -e "s|@JAILS@|$T_ID-jails|" -e "s|@STATE@|$T_DIR/state|" \
	"$EVAL_DIR/leakjail.conf" >"$T_DIR/leakjail.conf"
mkdir -p "$T_DIR/policies" "$T_DIR/bin" "$T_DIR/out"
cp "$POLICY" "$T_DIR/policies/eval.conf"
chmod 0644 "$T_DIR/leakjail.conf" "$T_DIR/policies/eval.conf"
if [ "${EVAL_LONG:-0}" = 1 ]; then
	cp "$EVAL_DIR/policy-long.conf" "$T_DIR/policies/long.conf"
	chmod 0644 "$T_DIR/policies/long.conf"
fi
"$LEAKJAIL" check --config "$T_DIR/leakjail.conf" --policies "$T_DIR/policies" >/dev/null ||
	fail "the evaluation's configuration does not check: $("$LEAKJAIL" check --config "$T_DIR/leakjail.conf" --policies "$T_DIR/policies" 2>&1)"

# each line of the daemon's log, stamped with the wall clock when it came
log="$T_DIR/daemon.log"
stamp() { local l; while IFS= read -r l; do printf '%s %s\n' "${EPOCHREALTIME/./}" "$l"; done; }
"$LEAKJAIL" daemon --dry-run --foreground --config "$T_DIR/leakjail.conf" \
	--policies "$T_DIR/policies" 2> >(stamp >"$log") &
daemon=$!
T_PIDS+=("$daemon")
wait_for "$log" "started:" 5 || fail "daemon did not start: $(cat "$log")"

# every shape in a cgroup of its own, run through a link named after it, so
# that its command name (and its children's) is the shape's name from exec on
declare -A LABEL BOUND_MS PID START PEAK_RSS PEAK_SWAP LAST_SWAP
names=()
while read -r name label bound; do
	[ -z "${EVAL_ONLY:-}" ] || [[ " $EVAL_ONLY " == *" $name "* ]] || continue
	[ "$name" != slow-long ] || [ "${EVAL_LONG:-0}" = 1 ] || continue
	names+=("$name")
	LABEL[$name]=$label
	BOUND_MS[$name]=$(bound_of "${bound/-/1}")
done < <("$SHAPES" --list)
if [ -n "${BOUND_MS[slow-long]:-}" ]; then
	# its leak begins 5 s after it starts
	[ $run_s -ge $((BOUND_MS[slow-long] / 1000 + 11)) ] || run_s=$((BOUND_MS[slow-long] / 1000 + 11))
fi
[ ${#names[@]} -gt 0 ] || fail "no shape matches EVAL_ONLY='$EVAL_ONLY'"
for name in "${names[@]}"; do
	mkdir "$scope/$name"
	ln -s "$SHAPES" "$T_DIR/bin/$name"
done
for name in "${names[@]}"; do
	START[$name]=$(($(date +%s%N) / 1000000))
	spawn "$scope/$name" "$T_DIR/bin/$name" "$name" --unit "$growth" --window "$window" \
		--cgroup "$scope/$name" --calm "$CALM_S" >"$T_DIR/out/$name"
	PID[$name]=$SPAWNED PEAK_RSS[$name]=0 PEAK_SWAP[$name]=0 LAST_SWAP[$name]=0
done
note "$(date -u +%H:%M:%S) ${#names[@]} shapes started, growth = ${growth}M, window = ${window} s, interval = ${interval} s; running ${run_s} s"

# the footprint each shape reached: shows that a shape did what it claims
# (swapping and refault need the kernel to swap them). Read with builtins
# only, once a second: forks are dear on an emulated CPU.
end=$((EPOCHSECONDS + run_s))
while [ "$EPOCHSECONDS" -lt $end ]; do
	for name in "${names[@]}"; do
		r=0 s=0
		while read -r k v _; do
			case $k in VmRSS:) r=$v ;; VmSwap:) s=$v ;; esac
		done <"/proc/${PID[$name]}/status" 2>/dev/null || continue
		[ "$r" -gt "${PEAK_RSS[$name]}" ] && PEAK_RSS[$name]=$r
		[ "$s" -gt "${PEAK_SWAP[$name]}" ] && PEAK_SWAP[$name]=$s
		LAST_SWAP[$name]=$s
	done
	sleep 1
done
for name in "${names[@]}"; do
	kill -0 "${PID[$name]}" 2>/dev/null || fail "shape $name died: $(cat "$T_DIR/out/$name")"
done
kill -TERM "$daemon"
wait "$daemon" || fail "daemon exited with $? on SIGTERM"
sleep 0.2 # the last lines through stamp

# a shape whose footprint did not do what it claims cannot be judged
bad=()
for name in "${names[@]}"; do
	case $name in
	swapping) [ "${PEAK_SWAP[$name]}" -ge $((growth * 1024 / 2)) ] ||
		bad+=("swapping: at most ${PEAK_SWAP[$name]} kB in swap") ;;
	refault) [ "${PEAK_SWAP[$name]}" -ge $((growth * 1024 * 4)) ] && [ "${LAST_SWAP[$name]}" -le $((PEAK_SWAP[$name] / 2)) ] ||
		bad+=("refault: swap peaked at ${PEAK_SWAP[$name]} kB, ${LAST_SWAP[$name]} kB at the end") ;;
	esac
done
[ ${#bad[@]} -eq 0 ] || fail "shapes that did not take their shape: ${bad[*]}"

# the first report of each shape, by command name: the log's lines, stamped, read
# "1764489000123456 leakjail: would jail pid 4242 (steady) policy=eval: rss ..."
declare -A REPORT_MS EVIDENCE
others=()
while read -r us pid comm rest; do
	if [ -n "${LABEL[$comm]:-}" ]; then
		[ -n "${REPORT_MS[$comm]:-}" ] && continue
		REPORT_MS[$comm]=$((us / 1000)) EVIDENCE[$comm]="pid $pid $rest"
	else
		others+=("pid $pid ($comm)")
	fi
done < <(sed -n 's/^\([0-9]*\) .*would jail pid \([0-9]*\) (\([^)]*\)) \(.*\)$/\1 \2 \3 \4/p' "$log")

hdr=$(printf '%-14s %-11s %-8s %-9s %-7s %-9s %-8s %s' shape label reported after bound "peak rss" "peak swap" verdict)
echo "$hdr"
md=("| shape | label | reported | after | bound | peak RSS | peak swap | verdict |" "|---|---|---|---|---|---|---|---|")
failed=()
for name in "${names[@]}"; do
	label=${LABEL[$name]} rep=no after=- verdict=ok
	leak_ms=$(sed -n 's/^leak-start \([0-9]*\)$/\1/p' "$T_DIR/out/$name")
	leak_ms=${leak_ms:+$((leak_ms / 1000000))}
	if [ -n "${REPORT_MS[$name]:-}" ]; then
		rep=yes
		from=${leak_ms:-${START[$name]}}
		d=$((REPORT_MS[$name] - from))
		after=$(printf '%d.%d s' $((d / 1000)) $((d % 1000 / 100)))
		[ -n "$leak_ms" ] || after="+$after"
		[ $d -lt 0 ] && after="$((d / 1000)) s"
	fi
	if [ "$label" = must-report ]; then
		[ -n "$leak_ms" ] || fail "shape $name never said when its leak began"
		if [ $rep = no ]; then
			verdict=MISSED
		elif [ $d -lt 0 ]; then
			verdict="EARLY (before its leak)"
		elif [ $d -gt "${BOUND_MS[$name]}" ]; then
			verdict=LATE
			[ "$EVAL_TIMING" = 1 ] || verdict="ok (late)"
		fi
	elif [ $rep = yes ]; then
		verdict="FALSE ALARM"
	fi
	case $verdict in ok*) ;; *) failed+=("$name: $verdict") ;; esac
	pr="$((PEAK_RSS[$name] / 1024)) MiB" ps="$((PEAK_SWAP[$name] / 1024)) MiB"
	bound=$(printf '%d.%d s' $((BOUND_MS[$name] / 1000)) $((BOUND_MS[$name] % 1000 / 100)))
	[ "$label" = must-report ] || bound=-
	printf '%-14s %-11s %-8s %-9s %-7s %-9s %-9s %s\n' "$name" "$label" $rep "$after" "$bound" "$pr" "$ps" "$verdict"
	md+=("| $name | $label | $rep | $after | $bound | $pr | $ps | $verdict |")
done
for name in "${names[@]}"; do
	[ -n "${EVIDENCE[$name]:-}" ] && note "$name: ${EVIDENCE[$name]}"
done
[ ${#others[@]} -eq 0 ] || failed+=("reported, not a shape: ${others[*]}")
if [ -n "${EVAL_REPORT:-}" ]; then
	printf '%s\n' "${md[@]}" >"$EVAL_REPORT"
fi
n_rep=0 n_must=0 n_fa=0 n_not=0
for name in "${names[@]}"; do
	if [ "${LABEL[$name]}" = must-report ]; then
		n_must=$((n_must + 1))
		[ -n "${REPORT_MS[$name]:-}" ] && n_rep=$((n_rep + 1))
	else
		n_not=$((n_not + 1))
		[ -n "${REPORT_MS[$name]:-}" ] && n_fa=$((n_fa + 1))
	fi
done
summary="reported $n_rep of $n_must leaks, $n_fa of $n_not innocents"
note "$summary"
if [ -n "${EVAL_DOC:-}" ]; then
	sec="$T_DIR/section.md"
	{
		echo "<!-- shapes:begin -->"
		echo "## Leak shapes: what is reported, and how soon"
		echo
		echo "Taken by \`make eval\` (tests/eval/eval.sh) on $(date -u +%Y-%m-%d) at commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'): $(nproc) cores, kernel $(uname -r), $([ "$root" = /sys/fs/cgroup ] && echo "cgroup v2" || echo "cgroup v1")."
		echo "Each shape of tests/progs/shapes.c runs in a cgroup of its own under one scope, all at once, for ${run_s} s, watched by one dry-run daemon (interval ${interval} s) with one policy (tests/eval/policy.conf: growth = ${growth}M, window = ${window} s, defaults otherwise)."
		echo "The shapes are sized from the policy: U = the growth, r = U / window; every leak passes the growth within one window and begins after a full window of history (late-leak after a calm of ${CALM_S} s)."
		echo "\"after\" is from the leak's start (as the shape wrote it) to the report's line in the log; for a must-not shape, \"+\" is from the shape's start. The bound is window + 2 intervals; for a floor that rises in steps further apart than a quarter (stepped-sparse, bursty, saw-floor) the two windows the steps are judged over and one period more.${BOUND_MS[slow-long]:+ slow-long (0.5 MiB/s) is judged by a second policy, tests/eval/policy-long.conf: growth = 128M, window = 5 min.}"
		echo "Peak RSS and swap are the shape's own (VmRSS, VmSwap), sampled every second."
		echo
		printf '%s\n' "${md[@]}"
		echo
		echo "$summary${failed[*]:+; failed: $(printf '%s; ' "${failed[@]}")}"
		echo "<!-- shapes:end -->"
	} >"$sec"
	if grep -q '^<!-- shapes:begin -->$' "$EVAL_DOC" 2>/dev/null; then
		awk -v sec="$sec" '/^<!-- shapes:begin -->$/ { while ((getline l < sec) > 0) print l; skip = 1; next }
			/^<!-- shapes:end -->$/ { skip = 0; next } !skip' "$EVAL_DOC" >"$T_DIR/doc.md"
	else
		{ cat "$EVAL_DOC" 2>/dev/null; echo; cat "$sec"; } >"$T_DIR/doc.md"
	fi
	cat "$T_DIR/doc.md" >"$EVAL_DOC"
fi
[ ${#failed[@]} -eq 0 ] || fail "$(printf '%s; ' "${failed[@]}")"
