# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the integration tests. Every test acts only on processes it
# started and cgroups it created, named leakjail-test-<pid>-..., and removes
# them on every exit path.
set -euo pipefail
# a command that stops a test through set -e says which (a test that exits 1
# with nothing on stderr cannot be told apart from any other)
trap 'echo "FAIL: ${BASH_SOURCE[0]}:$LINENO: $BASH_COMMAND (exit $?)" >&2' ERR

: "${LEAKJAIL:?run through tests/run.sh}" "${MEMHOG:?run through tests/run.sh}"
T_ID="leakjail-test-$$"
T_DIR=$(mktemp -d "/tmp/$T_ID.XXXXXX")
T_PIDS=()
T_CGROUPS=()
T_SWAP=""

skip() { echo "skip: $*" >&2; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "# $*"; }

t_cleanup() {
	local p cg
	for p in "${T_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	for p in "${T_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done 2>/dev/null
	# innermost first, and whatever leakjail made inside them (jails)
	for ((i = ${#T_CGROUPS[@]} - 1; i >= 0; i--)); do
		[ -d "${T_CGROUPS[$i]}" ] || continue
		while read -r cg; do
			# anything still inside was started by this test: kill it, then remove
			if [ -f "$cg/cgroup.procs" ]; then
				while read -r p; do kill -KILL "$p" 2>/dev/null || true; done <"$cg/cgroup.procs"
			fi
			for _ in 1 2 3 4 5 6 7 8 9 10; do rmdir "$cg" 2>/dev/null && break; sleep 0.2; done
		done < <(find "${T_CGROUPS[$i]}" -depth -type d)
	done
	if [ -n "$T_SWAP" ]; then
		swapoff "$T_SWAP" 2>/dev/null || true
		rm -f "$T_SWAP"
	fi
	rm -rf "$T_DIR"
}
trap t_cleanup EXIT
# a signal ends the test through exit, so that the cleanup above always runs
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

require_root() { [ "$(id -u)" -eq 0 ] || skip "needs root (cgroups, other processes' /proc)"; }

# The mount that holds the memory controller: v1 /sys/fs/cgroup/memory, or v2.
memory_root() {
	if [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ] || [ -f /sys/fs/cgroup/memory/cgroup.procs ]; then
		echo /sys/fs/cgroup/memory
	elif grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
		echo /sys/fs/cgroup
	else
		return 1
	fi
}

# mk_cgroup NAME: a cgroup of this test's own under the memory root, in $CG.
# (Not "cg=$(mk_cgroup ...)": a subshell would not record it for cleanup.)
mk_cgroup() {
	local root
	root=$(memory_root) || skip "no memory cgroup controller"
	CG="$root/$T_ID-$1"
	mkdir "$CG"
	T_CGROUPS+=("$CG")
}

# spawn CGROUP CMD...: start CMD inside CGROUP (born there); its pid in $SPAWNED.
spawn() {
	local cg=$1
	shift
	sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$cg" "$@" &
	SPAWNED=$!
	T_PIDS+=("$SPAWNED")
}

# pause_daemon PID, resume_daemon PID: stop a daemon this test started
# (SIGSTOP; returns once it is stopped) and let it go on.
pause_daemon() {
	kill -STOP "$1"
	for _ in $(seq 500); do
		[ "$(sed 's/.*) //; s/ .*//' "/proc/$1/stat" 2>/dev/null)" = T ] && return 0
		sleep 0.01
	done
	fail "pid $1 did not stop"
}
resume_daemon() { kill -CONT "$1"; }

# bg CMD...: start CMD in the background, tracked for cleanup; pid in $SPAWNED.
bg() {
	"$@" &
	SPAWNED=$!
	T_PIDS+=("$SPAWNED")
}

# wait_for FILE PATTERN SECONDS: poll until grep finds PATTERN; false on timeout.
wait_for() {
	local end=$(($(date +%s%N) + $3 * 1000000000))
	while [ "$(date +%s%N)" -lt $end ]; do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# write_conf FILE TEXT: a configuration file as leakjail accepts it (root, 0644).
write_conf() {
	mkdir -p "$(dirname "$1")"
	# LJ_SAMPLER (tests/run.sh): the sampler every [daemon] section asks for
	if [ -n "${LJ_SAMPLER:-}" ] && [[ $2 == "[daemon]"* ]]; then
		printf '[daemon]\nsampler = %s%s\n' "$LJ_SAMPLER" "${2#"[daemon]"}" >"$1"
	else
		printf '%s\n' "$2" >"$1"
	fi
	chmod 0644 "$1"
}

# jails_cgroup: the cgroup this test's daemon (or leakjail run) makes its
# jails in, $T_ID-jails under the memory root, in $JAILS (and the memory root
# in $root). Listed first: it is removed after the test's other cgroups.
jails_cgroup() {
	root=$(memory_root) || skip "no memory controller"
	JAILS="$root/$T_ID-jails"
	T_CGROUPS=("$JAILS" "${T_CGROUPS[@]}")
}

# jail_home: a cgroup of this test's own for the processes the daemon
# watches, in $home, and the jails cgroup (jails_cgroup: $JAILS, $root).
jail_home() {
	mk_cgroup home
	home=$CG
	jails_cgroup
}

# daemon_conf INTERVAL SCOPE [LINES]: $T_DIR/leakjail.conf for this test's
# daemon: a pass every INTERVAL over SCOPE (a cgroup path; "" for all), jails
# under $T_ID-jails, state in $T_DIR/state, log on stderr, then LINES.
daemon_conf() {
	write_conf "$T_DIR/leakjail.conf" "[daemon]
interval = $1${2:+
scope = $2}
jail_parent = $T_ID-jails
state_dir = $T_DIR/state
log = stderr${3:+
$3}"
}

# start_daemon LOG [ARGS...]: leakjail daemon --foreground on
# $T_DIR/leakjail.conf and $T_DIR/policies (and ARGS), stderr in LOG; returns
# once it has started, its pid in $DAEMON.
start_daemon() {
	local log=$1
	shift
	"$LEAKJAIL" daemon --foreground --config "$T_DIR/leakjail.conf" --policies "$T_DIR/policies" "$@" 2>"$log" &
	DAEMON=$!
	T_PIDS+=("$DAEMON")
	wait_for "$log" "started:" 5 || fail "daemon did not start: $(cat "$log")"
}

# make_swap MIB: a swap file of this test's own, removed (swapoff) at exit.
make_swap() {
	# the VM suite boots with a swap disk of its own
	[ "${LJ_SWAP_PRESENT:-}" = 1 ] && return 0
	T_SWAP="/var/tmp/$T_ID.swap"
	fallocate -l "${1}M" "$T_SWAP" 2>/dev/null || dd if=/dev/zero of="$T_SWAP" bs=1M count="$1" status=none ||
		skip "cannot create a swap file in /var/tmp"
	chmod 600 "$T_SWAP"
	mkswap -q "$T_SWAP" >/dev/null || skip "mkswap failed"
	swapon "$T_SWAP" 2>/dev/null || skip "swapon $T_SWAP failed (filesystem without swap file support?)"
}

# cg_limit CGROUP BYTES|SIZE: a hard memory limit, v1 or v2.
cg_limit() {
	if [ -f "$1/memory.limit_in_bytes" ]; then echo "$2" >"$1/memory.limit_in_bytes"; else echo "$2" >"$1/memory.max"; fi
}

# mem_cgroup PID: the process's memory cgroup as leakjail reads it: v1's memory
# line, else v2's 0:: line ("/leakjail-test-42-a"); empty when it has gone.
mem_cgroup() {
	awk -F: '$2 == "memory" { m = $3 } $1 == "0" && $2 == "" { u = $3 } END { print (m != "" ? m : u) }' \
		"/proc/$1/cgroup" 2>/dev/null
}

# hold_calls PID SYSCALL [STRACE_ARGS...]: attach strace to PID (a daemon
# this test started) and hold each SYSCALL it makes (those on the path of
# `-P PATH` only, if given) for $HOLD_S seconds before it runs (strace's
# inject delay_enter): a race window the kernel keeps open for microseconds,
# held open long enough for the test to act in it. The strace pid is in
# $HOLDER; kill it to let go.
HOLD_S=${HOLD_S:-4}
hold_calls() {
	local pid=$1 sys=$2 i
	shift 2
	command -v strace >/dev/null || skip "needs strace (to hold a race window open)"
	strace -qq -o /dev/null -p "$pid" -e trace="$sys" -e inject="$sys":delay_enter=$((HOLD_S * 1000000)) "$@" &
	HOLDER=$!
	T_PIDS+=("$HOLDER")
	for i in $(seq 100); do
		grep -q "^TracerPid:[[:space:]]*$HOLDER\$" "/proc/$pid/status" && return 0
		sleep 0.05
	done
	fail "strace did not attach to pid $pid"
}

# held PID PATTERN SECONDS: wait until PID is stopped (state t) in a held call
# whose /proc/PID/syscall ("434 0x1a2b 0x0 ...": number, arguments) matches
# the grep PATTERN. False on timeout.
held() {
	local end=$(($(date +%s%N) + $3 * 1000000000))
	while [ "$(date +%s%N)" -lt $end ]; do
		if [ "$(sed 's/.*) //; s/ .*//' "/proc/$1/stat" 2>/dev/null)" = t ] &&
			grep -q -- "$2" "/proc/$1/syscall" 2>/dev/null; then
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# child_pids PID: the pids whose parent is PID, space-separated. Shell builtins
# only, and a process that exits during the scan is passed over: a whole-/proc
# `awk ... /proc/[0-9]*/stat` fails when one does (busybox's awk exits 1, mawk 2).
child_pids() {
	local parent=$1 s line rest p kids=""
	for s in /proc/[0-9]*/stat; do
		read -r line 2>/dev/null <"$s" || continue
		rest=${line##*) }
		set -- $rest
		[ "$2" = "$parent" ] || continue
		p=${s#/proc/}
		kids="$kids ${p%/stat}"
	done
	echo $kids
}

# rss_kb PID, swap_kb PID, majflt PID
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
swap_kb() { awk '/^VmSwap:/ {print $2}' "/proc/$1/status"; }
majflt() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $10}'; }
