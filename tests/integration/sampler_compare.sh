# SPDX-License-Identifier: GPL-2.0-or-later
# The two sampler sources over the same processes, swap included: a process
# pushed half into swap by its cgroup's limit, and test_sample's own
# (anonymous, shmem, file-backed). The bpf figures (task walk, then task
# iterator) must be what /proc says: start time, comm, statm, VmSwap, cgroup.
. "$(dirname "$0")/../lib.sh"
require_root
make_swap 256
mk_cgroup swapped
cg_limit "$CG" $((48 * 1024 * 1024))
spawn "$CG" "$MEMHOG" plateau 96 1
hog=$SPAWNED
# wait for it to have grown and to sit still, half of it in swap
for _ in $(seq 100); do
	s=$(swap_kb "$hog" 2>/dev/null || echo 0)
	[ "${s:-0}" -gt $((32 * 1024)) ] && break
	sleep 0.2
done
[ "${s:-0}" -gt $((32 * 1024)) ] || fail "memhog did not swap (VmSwap ${s:-?} kB)"
sleep 1
note "memhog $hog: rss $(rss_kb "$hog") kB, swap $(swap_kb "$hog") kB"
out=$("$LJ_BUILD/tests/test_sample" "$hog") || {
	rc=$?
	# 77: the bpf source does not load here (no BTF, no libbpf.so.1, bpf() refused): its words
	[ "$rc" -eq 77 ] && skip "${out#*SKIP }"
	fail "the sources differ: $out"
}
printf '%s\n' "$out" | grep "pid $hog " | sed 's/^# /# compared: /' | head -1
grep -q "^ok 1 - test_same_figures" <<<"$out" || fail "not compared: $out"
