#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make demo: the atop "memory leakage" case study on this machine. A small
# host (a memory cgroup with a hard limit, and a swap file), four processes
# holding memory and touching it every second, one leaker. Once without
# leakjail, once with the daemon; then what the innocents kept, side by side.
# Everything it makes is removed at exit. Needs root.
cd "$(dirname "$0")/.."
O=${1:-build}
export LEAKJAIL="$PWD/$O/leakjail" MEMHOG="$PWD/$O/progs/memhog"
. tests/lib.sh
. tests/atop_case.sh
[ "$(id -u)" -eq 0 ] || { echo "make demo needs root: it makes cgroups and a swap file" >&2; exit 1; }
memory_root >/dev/null || { echo "no memory cgroup controller on this machine" >&2; exit 1; }
trap 't_cleanup; echo; echo "demo: cleaned up"' EXIT

cat <<TXT
leakjail demo: the atop "memory leakage" case study
  host: a memory cgroup limited to ${HOST_MIB} MiB, and a $((HOST_MIB * 2)) MiB swap file
  four innocent processes hold ${HOLD_MIB} MiB each and touch all of it every second
  one leaker grows by ${LEAK_RATE} MiB/s and never touches what it leaked
  each run lasts ${RUN_S} s; the policy: growth $GROWTH within ${WINDOW} s, jail at what it held before the leak

TXT
make_swap $((HOST_MIB * 2))

echo "run 1: without leakjail ..."
atop_phase without without
W_BASE=("${P_BASE[@]}") W_MIN=("${P_MIN[@]}") W_FLT=("${P_FLT[@]}") W_LRSS=$P_LRSS W_LSWAP=$P_LSWAP
atop_stop

echo "run 2: with the leakjail daemon ..."
atop_phase with with
echo
grep -E "jailed pid|started:" "$T_DIR/daemon.log" | sed 's/^/  /'
echo
printf '%-12s | %-34s | %-34s\n' "" "without leakjail" "with leakjail"
printf '%-12s | %10s %10s %12s | %10s %10s %12s\n' "process" "RSS before" "lowest" "major flt" "RSS before" "lowest" "major flt"
for ((i = 0; i < N_INNOCENTS; i++)); do
	printf '%-12s | %7d MiB %6d MiB %12d | %7d MiB %6d MiB %12d\n' "innocent $((i + 1))" \
		$((W_BASE[i] / 1024)) $((W_MIN[i] / 1024)) "${W_FLT[i]}" \
		$((P_BASE[i] / 1024)) $((P_MIN[i] / 1024)) "${P_FLT[i]}"
done
printf '%-12s | rss %6d MiB, swap %6d MiB       | rss %6d MiB, swap %6d MiB\n' "leaker" \
	$((W_LRSS / 1024)) $((W_LSWAP / 1024)) $((P_LRSS / 1024)) $((P_LSWAP / 1024))
echo
if [ -n "$JAILED_MS" ]; then
	echo "leakjail jailed the leaker $((JAILED_MS / 1000)).$((JAILED_MS % 1000 / 100)) s after it began to leak;"
	echo "from then on the leaker swapped its own memory and the innocents kept theirs."
else
	echo "the leaker was not jailed: see $T_DIR/daemon.log"
fi
