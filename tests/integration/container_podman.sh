# SPDX-License-Identifier: GPL-2.0-or-later
# A leaker in a Podman container (runc, cgroupfs manager; containers made
# from a directory, no registry) is jailed in place: it stays in its
# container's cgroup, the container's own limit is lowered (never above
# what the runtime set) and restored on release, `podman stats` still counts
# it, an innocent in another container keeps its memory, a daemon restarted
# finds the jail, and `podman stop` still ends a jailed container, whose
# jail then goes with it.
. "$(dirname "$0")/../lib.sh"
require_root
root=$(memory_root) || skip "no memory controller"
command -v podman >/dev/null && command -v runc >/dev/null || skip "podman and runc are not installed (tests/deps.sh build)"
command -v cc >/dev/null || skip "no C compiler for the static programs in the container"

CTRS=()
ctr_cleanup() {
	local c d
	for c in "${CTRS[@]}"; do podman rm -f -t 0 "$c" >/dev/null 2>&1 || true; done
	t_cleanup
	# podman makes the --cgroup-parent in every hierarchy (v1 controllers, the unified
	# mount), not only the memory one this test made: remove each, innermost first
	for d in /sys/fs/cgroup/*/"$T_ID-ctr"; do
		[ -d "$d" ] || continue
		find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
	done
}
trap ctr_cleanup EXIT

# the containers' root: two static programs and nothing else
R="$T_DIR/rootfs"
mkdir -p "$R/bin" "$R/proc" "$R/sys" "$R/dev" "$R/tmp" "$R/etc"
cc -static -O2 -o "$R/bin/leak" tests/vm/leak.c 2>"$T_DIR/cc.err" || skip "no static libc: $(head -c 200 "$T_DIR/cc.err")"
cc -static -O1 -o "$R/bin/memhog" tests/progs/memhog.c || fail "memhog does not build static"

make_swap 1024
# the containers' cgroup parent is this test's own (podman --cgroup-parent): the daemon watches only it
mk_cgroup ctr
parent=$CG
limit_file=memory.limit_in_bytes
[ -f "$parent/$limit_file" ] || limit_file=memory.high

# ctr NAME MEMORY CMD...: a detached container; its pid in $CPID, its cgroup (absolute) in $CCG
ctr() {
	local label=$1 name=$T_ID-$1 mem=$2
	shift 2
	podman run -d --name "$name" --runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1000:1000 \
		--cgroup-manager cgroupfs --cgroup-parent "/${parent##*/}" --memory "$mem" --rootfs "$R" "$@" \
		>"$T_DIR/$label.id" 2>"$T_DIR/$label.err" || fail "podman run $label: $(tail -3 "$T_DIR/$label.err")"
	CTRS+=("$name")
	CPID=$(podman inspect -f '{{.State.Pid}}' "$name")
	[ "$CPID" -gt 0 ] || fail "container $label has no pid"
	CCG="$root$(mem_cgroup "$CPID")"
	[[ $CCG == "$parent/libpod-"* ]] || fail "container $label is in $CCG, not under $parent"
}

ctr innocent 400m /bin/memhog hold 120
INNOCENT=$CPID
ctr leaker 600m /bin/leak 10 600
LEAKER=$CPID LCG=$CCG
[ "$(cat "$LCG/$limit_file")" -eq $((600 << 20)) ] || fail "the container's own limit is not 600 MiB: $(cat "$LCG/$limit_file")"

daemon_conf 500ms "/${parent##*/}"
write_conf "$T_DIR/policies/leak.conf" "[policy leak]
match_comm = leak
match_container = podman:$T_ID-leak*
growth = 40M
window = 5s
action = jail
jail_size = 64M
jail_pageout = yes"
jails_cgroup
LOG="$T_DIR/daemon.log"
start_daemon "$LOG"
wait_for "$LOG" "jailed pid $LEAKER " 30 || fail "not jailed: $(cat "$LOG")"
note "$(grep "jailed pid $LEAKER " "$LOG" | sed 's/.*backend/backend/')"
grep -q "jailed pid $LEAKER .*in its container podman [0-9a-f]\{12\} ($T_ID-leaker)" "$LOG" ||
	fail "the record does not name the container: $(grep "jailed pid" "$LOG")"

# in place: still in its container, whose own limit is lowered, never raised
[ "$root$(mem_cgroup "$LEAKER")" = "$LCG" ] || fail "the leaker left its container: now in $(mem_cgroup "$LEAKER")"
[ ! -d "$root/$T_ID-jails" ] || [ -z "$(ls -A "$root/$T_ID-jails" 2>/dev/null | grep -v '^memory\.\|^cgroup\.\|^tasks\|^notify_on_release')" ] ||
	fail "a jail cgroup was made for a container's process"
grep -q "^backend=container$" "$T_DIR/state/jails/$LEAKER" || fail "record: $(cat "$T_DIR/state/jails/$LEAKER")"
target=$(sed -n 's/^high=//p' "$T_DIR/state/jails/$LEAKER")
[ "$target" -lt $((600 << 20)) ] || fail "target $target is not below the container's own 600 MiB"
# the limit comes down to the target as the page-out sends what it leaked to swap
for _ in $(seq 300); do [ "$(cat "$LCG/$limit_file")" -le "$target" ] && break; sleep 0.1; done
lim=$(cat "$LCG/$limit_file")
[ "$lim" -le "$target" ] || fail "the container's limit stays at $lim, target $target"
sleep 5
swap_kb=$(awk '/^VmSwap/ { print $2 }' "/proc/$LEAKER/status")
rss_kb=$(awk '/^VmRSS/ { print $2 }' "/proc/$LEAKER/status")
note "container limit $((lim >> 20)) MiB (was 600); leaker rss $((rss_kb >> 10)) MiB, swap $((swap_kb >> 10)) MiB"
[ "$rss_kb" -le $(((target >> 10) + 8192)) ] || fail "the leaker holds $rss_kb kB resident, limit $target"
[ "$swap_kb" -gt 0 ] || fail "the leaker swapped nothing"
kill -0 "$LEAKER" || fail "the leaker died"
# its runtime still counts it
usage=$(podman stats --no-stream --format '{{.MemUsage}}' "$T_ID-leaker" 2>&1) || fail "podman stats: $usage"
note "podman stats: $usage"
[[ $usage != 0B* ]] || fail "podman stats counts nothing: $usage"
# the innocent in the other container keeps its memory
inno_kb=$(awk '/^VmRSS/ { print $2 }' "/proc/$INNOCENT/status")
[ "$inno_kb" -ge $((115 << 10)) ] || fail "the innocent holds only $inno_kb kB of 120 MiB"

# release: the runtime's limit again
"$LEAKJAIL" release --config "$T_DIR/leakjail.conf" "$LEAKER" >"$T_DIR/release.out" 2>&1 ||
	fail "release failed: $(cat "$T_DIR/release.out")"
[ "$(cat "$LCG/$limit_file")" -eq $((600 << 20)) ] || fail "not restored: $(cat "$LCG/$limit_file")"
[ "$root$(mem_cgroup "$LEAKER")" = "$LCG" ] || fail "release moved the leaker"
[ ! -e "$T_DIR/state/jails/$LEAKER" ] || fail "the record stayed after release"
podman rm -f -t 0 "$T_ID-leaker" >/dev/null 2>&1

# a second leaker: jailed, the daemon restarted finds it, then `podman stop` ends it and its jail
ctr leaker2 600m /bin/leak 10 600
LEAKER=$CPID
wait_for "$LOG" "jailed pid $LEAKER " 30 || fail "the second leaker was not jailed: $(tail -5 "$LOG")"
kill -TERM "$DAEMON"
wait "$DAEMON" || fail "daemon exited with $?"
# a log of its own: the first one's "started:" would not wait for this one
LOG="$T_DIR/daemon2.log"
start_daemon "$LOG"
timeout 60 podman stop -t 2 "$T_ID-leaker2" >/dev/null 2>&1 || fail "podman stop failed"
! kill -0 "$LEAKER" 2>/dev/null || fail "podman stop did not end the jailed leaker"
wait_for "$LOG" "pid $LEAKER (leak) has exited; backend container: container podman [0-9a-f]\{12\} ($T_ID-leaker2)" 10 ||
	fail "the jail of a stopped container was not retired: $(tail -5 "$LOG")"
[ ! -e "$T_DIR/state/jails/$LEAKER" ] || fail "the record stayed after the container stopped"

# a third: jailed, then restarted by its runtime, which sets its own limit again; leakjail writes nothing there
ctr leaker3 600m /bin/leak 10 600
LEAKER=$CPID
wait_for "$LOG" "jailed pid $LEAKER " 30 || fail "the third leaker was not jailed: $(tail -5 "$LOG")"
timeout 60 podman restart -t 1 "$T_ID-leaker3" >/dev/null 2>&1 || fail "podman restart failed"
wait_for "$LOG" "pid $LEAKER (leak) has exited; backend container: container podman [0-9a-f]\{12\} ($T_ID-leaker3)" 10 ||
	fail "the jail of a restarted container was not retired: $(tail -5 "$LOG")"
NEW=$(podman inspect -f '{{.State.Pid}}' "$T_ID-leaker3")
NCG="$root$(mem_cgroup "$NEW")"
sleep 2
[ "$(cat "$NCG/$limit_file")" -eq $((600 << 20)) ] || fail "the restarted container's limit is $(cat "$NCG/$limit_file"), not its runtime's 600 MiB"
note "$(grep "pid $LEAKER (leak) has exited" "$LOG" | sed 's/.*backend container: //')"
kill -TERM "$DAEMON"
wait "$DAEMON" || fail "daemon exited with $?"
