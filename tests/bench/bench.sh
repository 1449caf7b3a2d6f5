#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make bench: what watching costs, how fast leakjail reacts, what the
# innocents keep. Writes docs/benchmarks.md. Needs root; cleans up after itself.
# Ratios are taken within one run (the machine is noisy); nothing here is a test.
cd "$(dirname "$0")/../.."
O=${1:-build}
export LEAKJAIL="$PWD/$O/leakjail" MEMHOG="$PWD/$O/progs/memhog"
. tests/lib.sh
. tests/atop_case.sh
[ "$(id -u)" -eq 0 ] || { echo "make bench needs root" >&2; exit 1; }
root=$(memory_root) || { echo "no memory controller" >&2; exit 1; }
B="$PWD/$O/bench"
for b in scanbench idle births histbench; do
	[ -x "$B/$b" ] || fail "$B/$b is missing: make bench builds it"
done
OUT=${BENCH_OUT:-docs/benchmarks.md}
PASSES=${PASSES:-40}
REPORT="$T_DIR/report.md"

say() { echo "$*" | tee -a "$REPORT"; }

# idle_start N: N idle processes in a cgroup of the bench's own; IDLE = their parent
IDLE_RUNS=0
idle_start() {
	IDLE_RUNS=$((IDLE_RUNS + 1))
	mk_cgroup "idle-$1-$IDLE_RUNS"
	spawn "$CG" "$B/idle" "$1" >/dev/null
	IDLE=$SPAWNED
	local t
	for ((t = 0; t < 300; t++)); do
		[ "$(wc -l <"$CG/cgroup.procs")" -gt "$1" ] && return 0
		sleep 0.2
	done
	fail "$1 idle processes did not start in 60 s"
}
idle_stop() { kill -TERM "$IDLE"; wait "$IDLE" 2>/dev/null || true; }

pid_of_daemon() { # the leakjail child of a background job started with ( exec ... ) &
	local p=$1
	[ "$(readlink "/proc/$p/exe")" = "$LEAKJAIL" ] && { echo "$p"; return; }
	ps -o pid= --ppid "$p" | head -1 | tr -d ' '
}

write_conf "$T_DIR/leakjail.conf" "[daemon]
interval = 2s
jail_parent = $T_ID-jails
state_dir = $T_DIR/state
kernel_watch = no
log = stderr"
T_CGROUPS+=("$root/$T_ID-jails")
mkdir -p "$T_DIR/policies"
cp policies/policies.d/default.conf "$T_DIR/policies/"

cg_version() { [ "$root" = /sys/fs/cgroup ] && echo "cgroup v2" || echo "cgroup v1"; }
{
	echo "# leakjail benchmarks"
	echo
	echo "Taken by \`make bench\` on $(date -u +%Y-%m-%d): $(nproc) cores, $(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 1024)) GiB, kernel $(uname -r), $(cg_version) memory controller."
	echo "Each ratio compares two things measured in the same run, interleaved, so that the machine's noise hits both alike."
	echo
} >"$REPORT"

sampler_section() {
	local layout f1 l1 r1 f2 l2 r2 seen w
	say "## 1c. The BPF sampler against the floor"
	say
	say "CPU time per pass of the sampler and detector with each source (\`sampler = proc\` with cgroups, reading swap every pass as while swap moves; \`sampler = bpf\`: one run of the task walk, swap included; the task iterator, which kernels before 6.7 get, in its own column), each interleaved with the floor, 10,000 idle processes. Calm: they sit in a cgroup of their own that does not grow. Busy: a sawtooth (memhog, 64 MiB every 2 s) shares their cgroup, so its usage moves every pass and no process can be skipped."
	say
	say "| layout | floor µs/pass | proc µs/pass | ratio | bpf µs/pass | ratio | bpf, task iterator µs/pass | ratio | processes (watched) |"
	say "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
	for layout in calm busy; do
		idle_start 10000
		if [ "$layout" = busy ]; then
			spawn "$CG" "$MEMHOG" sawtooth 64 2 >/dev/null
			busy=$SPAWNED
		fi
		read -r f1 l1 r1 _ _ < <("$B/scanbench" "$PASSES" "$T_DIR/leakjail.conf" "$T_DIR/policies" cgroups swap proc)
		read -r f2 l2 r2 seen w _ < <("$B/scanbench" "$PASSES" "$T_DIR/leakjail.conf" "$T_DIR/policies" cgroups bpf)
		read -r f3 l3 r3 _ _ < <("$B/scanbench" "$PASSES" "$T_DIR/leakjail.conf" "$T_DIR/policies" cgroups bpf-iter)
		say "| $layout | $f1 / $f2 / $f3 | $l1 | **${r1}x** | $l2 | **${r2}x** | $l3 | **${r3}x** | $seen ($w) |"
		[ "$layout" = calm ] && sampler_rss
		if [ "$layout" = busy ]; then
			kill -KILL "$busy"
			wait "$busy" 2>/dev/null || true
		fi
		idle_stop
	done
	say
	say "Target: bpf at most 0.1x the floor in both layouts."
	say
	say "The daemon (dry run, interval 2 s, the default policy) with these 10,000 processes, after 10 s, with each sampler (kB; RssFile + RssShmem hold the pages of the bpf programs' mapped array):"
	say
	say "| sampler | VmRSS | RssAnon | RssFile + RssShmem |"
	say "|---|---:|---:|---:|"
	cat "$T_DIR/rss.md" >>"$REPORT"
	cat "$T_DIR/rss.md"
	say
}
# sampler_rss: the daemon's memory with each source, into $T_DIR/rss.md
sampler_rss() {
	local smp dp job
	: >"$T_DIR/rss.md"
	for smp in bpf proc; do
		sed "s/^\[daemon\]\$/[daemon]\nsampler = $smp/" "$T_DIR/leakjail.conf" >"$T_DIR/rss-$smp.conf"
		( exec "$LEAKJAIL" daemon --dry-run --config "$T_DIR/rss-$smp.conf" --policies "$T_DIR/policies" 2>"$T_DIR/rss-$smp.log" ) &
		job=$!
		T_PIDS+=("$job")
		sleep 10
		dp=$(pid_of_daemon "$job")
		awk -v s="$(grep -o 'sampler [^,]*' "$T_DIR/rss-$smp.log" | head -1)" \
			'/^VmRSS:/ {r=$2} /^RssAnon:/ {a=$2} /^RssFile:/ {f=$2} /^RssShmem:/ {m=$2}
			 END {printf "| %s | %d | %d | %d |\n", s, r, a, f + m}' "/proc/$dp/status" >>"$T_DIR/rss.md"
		kill -TERM "$dp" || true
		wait "$job" 2>/dev/null || true
	done
}
# footprint_of SAMPLER: the daemon with that sampler and 1,000 idle processes, before and after
# 100,000 births; one table row into $T_DIR/fp.md
footprint_of() {
	local smp=$1 job dp rss0 anon0 pss0 fd0 rss1 anon1 pss1 fd1 desc
	sed "s/^\[daemon\]\$/[daemon]\nsampler = $smp/" "$T_DIR/leakjail.conf" >"$T_DIR/fp-$smp.conf"
	idle_start 1000
	( exec "$LEAKJAIL" daemon --dry-run --config "$T_DIR/fp-$smp.conf" --policies "$T_DIR/policies" 2>"$T_DIR/fp-$smp.log" ) &
	job=$!
	T_PIDS+=("$job")
	sleep 5
	dp=$(pid_of_daemon "$job")
	rss0=$(rss_kb "$dp") fd0=$(ls "/proc/$dp/fd" | wc -l)
	anon0=$(awk '/^RssAnon:/ {print $2}' "/proc/$dp/status")
	pss0=$(awk '/^Pss:/ {print $2}' "/proc/$dp/smaps_rollup")
	FP_BIRTHS=$("$B/births" 100000)
	sleep 5
	rss1=$(rss_kb "$dp") fd1=$(ls "/proc/$dp/fd" | wc -l)
	anon1=$(awk '/^RssAnon:/ {print $2}' "/proc/$dp/status")
	pss1=$(awk '/^Pss:/ {print $2}' "/proc/$dp/smaps_rollup")
	desc=$(grep -o 'sampler [^,]*' "$T_DIR/fp-$smp.log" | head -1)
	kill -TERM "$dp" || true
	wait "$job" 2>/dev/null || true
	idle_stop
	# before: main at 2bafaa2 (libcgroup and libbpf linked, DWARF in the bpf objects, a
	# 4,096-record array), measured the same way on this machine on 2026-12-04
	case $smp in
	proc) before="6008 kB / 3112 kB" ;;
	bpf) before="7432 kB / 4515 kB" ;;
	esac
	echo "| ${desc#sampler } | $before | $rss0 kB / $anon0 kB / **$pss0 kB** / $fd0 | $rss1 kB / $anon1 kB / **$pss1 kB** / $fd1 |" >>"$T_DIR/fp.md"
}
footprint_section() {
	: >"$T_DIR/fp.md"
	footprint_of proc
	footprint_of bpf
	say "## 3. Footprint"
	say
	say "The daemon (dry run, interval 2 s, the default policy) with 1,000 idle processes, with each sampler, 5 s after its start and again after $FP_BIRTHS (fork, exit, reap). Before: the same measure of the daemon as it was before it loaded libcgroup only for the moment it is used and libbpf only while the bpf sampler loads its programs (VmRSS / PSS)."
	say
	say "| sampler | before: VmRSS / PSS | after start: VmRSS / RssAnon / PSS / open fds | after 100,000 births and deaths |"
	say "|---|---:|---:|---:|"
	cat "$T_DIR/fp.md" >>"$REPORT"
	cat "$T_DIR/fp.md"
	say
	say "Targets: PSS at most 2.5 MiB (2,560 kB) with \`sampler = proc\`, at most 3 MiB (3,072 kB) with \`sampler = bpf\`, flat over the births. PSS shares the pages of shared libraries out among the processes that map them, so it moves with what else runs; VmRSS counts them whole."
	say
}
# BENCH_ONLY=footprint: section 3's first table alone, printed (docs/ is not written)
if [ "${BENCH_ONLY:-}" = footprint ]; then
	footprint_section
	exit 0
fi
# BENCH_ONLY=sampler: section 1c alone, printed (docs/ is not written)
if [ "${BENCH_ONLY:-}" = sampler ]; then
	sampler_section
	exit 0
fi

say "## 1. Cost of a sampling pass, and 2. beating the floor"
say
say "CPU time (user + sys) per pass of leakjail's sampler and detector (the shipped default policy), against the floor: a program that does only one readdir of /proc and open + read + close of /proc/PID/statm per process (tests/bench/floor.h). $PASSES passes each, interleaved."
say "\"every process\" reads every process every pass; \"with cgroups\" is what the daemon does: a calm process in a calm cgroup is sampled every 16th pass, the cgroup's usage (one read) telling when it must be sampled at once."
say
say "A footprint is RSS + swap: swap (VmSwap, in /proc/PID/status) is read for the watched processes only in passes in which swap moved; the last column is a pass while it moves (every watched process's status read)."
say
say "| idle processes | floor µs/pass | every process µs/pass | ratio | with cgroups µs/pass | ratio | while swap moves µs/pass | ratio |"
say "|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in 1000 10000; do
	idle_start "$n"
	read -r f1 l1 r1 seen _ < <("$B/scanbench" "$PASSES" "$T_DIR/leakjail.conf" "$T_DIR/policies" proc)
	read -r f2 l2 r2 _ _ < <("$B/scanbench" "$PASSES" "$T_DIR/leakjail.conf" "$T_DIR/policies" cgroups proc)
	read -r f3 l3 r3 _ _ < <("$B/scanbench" "$PASSES" "$T_DIR/leakjail.conf" "$T_DIR/policies" cgroups swap proc)
	say "| $n (+$((seen - n)) others) | $f1 / $f2 / $f3 | $l1 | **${r1}x** | $l2 | **${r2}x** | $l3 | **${r3}x** |"
	idle_stop
done
say
say "Targets: every process at most 1.25x the floor while nothing swaps; with cgroups at most 0.3x at 10,000 processes."
say

sampler_section
say "## 1b. A process that cannot be read"
say
say "A policy with command-line globs (match_cmdline = *) makes leakjail read every process's /proc/PID/cmdline, which takes the process's mmap_lock. tests/progs/unreadable holds that lock for ever (a read of its own mapping of a FUSE file that never answers, and a writer queued behind it), as a thrashing or hung process can for long. Command lines are read by reader threads, so the sampling pass does not wait: its longest pass, in wall-clock time, with and without such a process among 1,000 idle ones ($PASSES passes each):"
say
mkdir -p "$T_DIR/cmdpol" "$T_DIR/mnt"
write_conf "$T_DIR/cmdpol/cmd.conf" "[policy cmd]
match_cmdline = *
growth = 256M
window = 2m"
idle_start 1000
read -r _ l_free _ _ _ w_free < <("$B/scanbench" "$PASSES" "$T_DIR/leakjail.conf" "$T_DIR/cmdpol" cgroups proc)
mk_cgroup unreadable
spawn "$CG" "$O/progs/unreadable" "$T_DIR/mnt" >"$T_DIR/unreadable.out"
UNR=$SPAWNED
sleep 1.5
read -r _ l_stuck _ _ _ w_stuck < <("$B/scanbench" "$PASSES" "$T_DIR/leakjail.conf" "$T_DIR/cmdpol" cgroups proc)
kill -TERM "$UNR"; wait "$UNR" 2>/dev/null || true
idle_stop
say "| | CPU µs/pass | longest pass (wall) |"
say "|---|---:|---:|"
say "| 1,000 idle processes | $l_free | $((${w_free%.*} / 1000)) ms |"
say "| and one whose command line cannot be read | $l_stuck | $((${w_stuck%.*} / 1000)) ms |"
say
say "Read on the sampling loop, as before, that one read would have held the pass, and the daemon, for as long as the process did not answer: here for ever."
say

footprint_section
# the same with command lines read and kept: a policy with command-line globs, 4 KiB command lines
idle_start 1000
( exec "$LEAKJAIL" daemon --dry-run --config "$T_DIR/leakjail.conf" --policies "$T_DIR/cmdpol" 2>"$T_DIR/fp2.log" ) &
job=$!
T_PIDS+=("$job")
sleep 5
dp=$(pid_of_daemon "$job")
rss2=$(rss_kb "$dp") anon2=$(awk '/^RssAnon:/ {print $2}' "/proc/$dp/status")
births2=$("$B/births" 100000 4096 300 2000)
sleep 5
rss3=$(rss_kb "$dp") anon3=$(awk '/^RssAnon:/ {print $2}' "/proc/$dp/status") fd3=$(ls "/proc/$dp/fd" | wc -l)
kill -TERM "$dp" || true
wait "$job" 2>/dev/null || true
idle_stop
say "With a policy that has command-line globs (match_cmdline = *, so every command line is read and, while the policy looks at the process, kept), before and after $births2 that each execute with a 4 KiB command line and live 300 ms, 2,000 at a time (memory_budget 32 MiB):"
say
say "| | VmRSS | private (RssAnon) | open fds |"
say "|---|---:|---:|---:|"
say "| before | $rss2 kB | $anon2 kB | |"
say "| after | $rss3 kB | $anon3 kB | $fd3 |"
say
say "VmRSS counts the pages of shared libraries that the daemon touched (libc, libsystemd with the compression and crypto libraries it links); PSS shares them out among their users."
say

say "## 4. Reaction"
say
say "From the start of a leak to the process being jailed, for a process that was calm (and so sampled only every 16th pass) until it began to leak, with 1,000 idle processes around. Policy: growth 16M within a window of 10 s, interval 2 s: the bound is window + interval = 12 s."
say
say "| leak | jailed after | bound |"
say "|---:|---:|---:|"
write_conf "$T_DIR/react/p.conf" "[policy react]
growth = 16M
window = 10s
steadiness = 80%
action = jail
jail_size = 1.0x
jail_pageout = no"
idle_start 1000
for rate in 2 20 200; do
	mk_cgroup "react-$rate"
	write_conf "$T_DIR/react.conf" "[daemon]
interval = 2s
scope = /${CG##*/}
jail_parent = $T_ID-jails
state_dir = $T_DIR/state
kernel_watch = no
log = stderr"
	"$LEAKJAIL" daemon --foreground --config "$T_DIR/react.conf" --policies "$T_DIR/react" 2>"$T_DIR/react-$rate.log" &
	T_PIDS+=("$!")
	dj=$!
	wait_for "$T_DIR/react-$rate.log" "started:" 5
	spawn "$CG" "$MEMHOG" leak "$rate" 8000 --after 12 >/dev/null
	leaker=$SPAWNED
	sleep 12
	t0=$(date +%s%N)
	if wait_for "$T_DIR/react-$rate.log" "jailed pid $leaker " 20; then
		ms=$((($(date +%s%N) - t0) / 1000000))
		say "| $rate MiB/s | $((ms / 1000)).$((ms % 1000 / 100)) s | 12 s |"
	else
		say "| $rate MiB/s | not jailed in 20 s | 12 s |"
	fi
	kill -TERM "$dj" || true
	wait "$dj" 2>/dev/null || true
	kill -KILL "$leaker" 2>/dev/null || true
	wait "$leaker" 2>/dev/null || true # (set -e: a killed process's status is not an error here)
done 2>/dev/null
idle_stop
say

say "## 4b. History: bytes per process and pass cost, by window"
say
say "What a process's history takes, and the CPU time of one pass that adds a sample to every history and judges it (policy: growth 256M, the window), at 10,000 processes and the default 2 s interval (tests/bench/histbench.c, 20 passes each, interleaved). \"Before\" is the ring the stretches replaced (tests/bench/history-old.h: 16 bytes a sample, two windows, at most 4,096), measured in the same run. Every process changes every sample (a working set wandering by up to 2 MiB a sample), the ring's worst case; a flat process takes 80 bytes now, 64 before."
say
"$B/histbench" 10000 20 | tee -a "$REPORT"
say
say "The ring could not hold more than 4,093 intervals (2.3 h at 2 s): longer windows were refused. A history is now at most $((48 * 20)) bytes, whatever the windows; over \`memory_budget\` it is merged down to 16 stretches (320 bytes), coarser and still judged."
say

say "## 5. Outcome: the atop case"
say
HOST_MIB=2400 HOLD_MIB=400 LEAK_RATE=40 RUN_S=45 GROWTH=200M
make_swap $((HOST_MIB * 2))
atop_phase without without
W=("$P_PCT" "$P_FLTS" "$P_LRSS" "$P_LSWAP")
atop_stop
atop_phase with with
say "A host cgroup of $HOST_MIB MiB with swap; four processes holding $HOLD_MIB MiB each and touching all of it every second; one leaking $LEAK_RATE MiB/s; $RUN_S s each run. Policy: growth $GROWTH within ${WINDOW} s, jail at 1.0x RSS with page-out."
say
say "| | without leakjail | with leakjail |"
say "|---|---:|---:|"
say "| innocents' lowest RSS (worst of four, % of before) | ${W[0]} % | $P_PCT % |"
say "| innocents' major faults (all four) | ${W[1]} | $P_FLTS |"
say "| leaker's RSS at the end | $((W[2] / 1024)) MiB | $((P_LRSS / 1024)) MiB |"
say "| leaker's swap at the end | $((W[3] / 1024)) MiB | $((P_LSWAP / 1024)) MiB |"
say "| jailed after | - | $((JAILED_MS / 1000)).$((JAILED_MS % 1000 / 100)) s |"
say
say "The jail record: \`$(grep "jailed pid $LEAKER " "$T_DIR/daemon.log" | sed 's/^leakjail: warning: //')\`"
kill -TERM "$DAEMON" || true
wait "$DAEMON" 2>/dev/null || true
cp "$REPORT" "$OUT"
echo "written: $OUT"
