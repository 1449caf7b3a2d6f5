# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the integration tests. Every test acts only on processes it
# started and cgroups it created, named leakjail-test-<pid>-..., and removes
# them on every exit path.
set -euo pipefail

: "${LEAKJAIL:?run through tests/run.sh}" "${MEMHOG:?run through tests/run.sh}"
T_ID="leakjail-test-$$"
T_DIR=$(mktemp -d "/tmp/$T_ID.XXXXXX")
T_PIDS=()
T_CGROUPS=()

skip() { echo "skip: $*" >&2; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "# $*"; }

t_cleanup() {
	local p cg
	for p in "${T_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	for p in "${T_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	# innermost first
	for ((i = ${#T_CGROUPS[@]} - 1; i >= 0; i--)); do
		cg=${T_CGROUPS[$i]}
		[ -d "$cg" ] || continue
		# anything still inside was started by this test: kill it, then remove
		if [ -f "$cg/cgroup.procs" ]; then
			while read -r p; do kill -KILL "$p" 2>/dev/null || true; done <"$cg/cgroup.procs"
		fi
		for _ in 1 2 3 4 5 6 7 8 9 10; do rmdir "$cg" 2>/dev/null && break; sleep 0.2; done
	done
	rm -rf "$T_DIR"
}
trap t_cleanup EXIT

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

# mk_cgroup NAME: a cgroup of this test's own under the memory root; prints its path.
mk_cgroup() {
	local root cg
	root=$(memory_root) || skip "no memory cgroup controller"
	cg="$root/$T_ID-$1"
	mkdir "$cg"
	T_CGROUPS+=("$cg")
	echo "$cg"
}

# spawn CGROUP CMD...: start CMD inside CGROUP (born there); its pid in $SPAWNED.
spawn() {
	local cg=$1
	shift
	sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$cg" "$@" &
	SPAWNED=$!
	T_PIDS+=("$SPAWNED")
}

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
	printf '%s\n' "$2" >"$1"
	chmod 0644 "$1"
}
