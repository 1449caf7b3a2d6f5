#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The cgroup v2 suite: the integration tests, run inside a VM whose kernel has
# the memory controller on cgroup v2, with swap and PSI (tests/vm/vm.sh).
#   tests/vm/suite.sh [BUILD_DIR]
# LJ_TESTS="name ...": only these integration tests (as in tests/run.sh).
# The scenarios are scaled to the VM's memory and to an emulated CPU.
set -euo pipefail
cd "$(dirname "$0")/../.."
O=${1:-build}
[ -x "$O/leakjail" ] && [ -x "$O/progs/memhog" ] || { echo "build first: make all tests" >&2; exit 2; }

# leakjail loads libcgroup (and libbpf for the bpf sampler) with dlopen(): ldd does
# not see them, so they and what they need are copied to the paths the loader searches
dl_files=()
for lib in libcgroup.so.2 libbpf.so.1; do
	path=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64/ { print $NF; exit }')
	[ -n "$path" ] || { echo "no $lib on this host (tests/deps.sh build installs it)" >&2; exit 2; }
	for p in "$path" $(ldd "$path" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'); do
		dl_files+=(--file "$(readlink -f "$p"):$p")
	done
done
# bash, GNU date (nanoseconds) and timeout (--kill-after) for the test scripts; util-linux
# unshare (--kill-child) and strace for the hardening tests (pid namespaces, held system
# calls); stress-ng for bigheap (8 MiB and 23 MiB of shared libraries: the initramfs grows
# from ~15 to ~30 MiB compressed, and boots about a second later); the rest is busybox
exec tests/vm/vm.sh --mem 1024 --swap 1024 --cpus 2 --timeout 1500 \
	--bin /bin/bash --bin /bin/date --bin /usr/bin/timeout --bin /usr/bin/unshare --bin /usr/bin/strace \
	--bin /usr/bin/stress-ng \
	--bin "$PWD/$O/leakjail" --file "$PWD/$O/leakjail:/lj/$O/leakjail" "${dl_files[@]}" \
	--file "$PWD/$O/progs:/lj/$O/progs" \
	--file "$PWD/$O/tests/test_sample:/lj/$O/tests/test_sample" \
	--file "$PWD/tests:/lj/tests" \
	--file "$PWD/policies:/lj/policies" \
	-- tests/vm/guest-suite.sh "$O" "${CI:-}" "${LJ_TESTS:-}"
