#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The systemd suite: tests/vm/systemd/*.sh, run inside a VM that boots systemd
# as PID 1 on cgroup v2 (tests/vm/sdvm.sh).
#   tests/vm/sd-suite.sh [BUILD_DIR]
# LJ_SD_TESTS="inplace scope" runs only those tests.
set -euo pipefail
cd "$(dirname "$0")/../.."
O=${1:-build}
[ -x "$O/leakjail" ] && [ -x "$O/progs/memhog" ] || { echo "build first: make all tests" >&2; exit 2; }

# 2 GiB and 1.5 GiB of swap: bigjail jails a service of over 1 GiB in place
# a container's root for tests/vm/systemd/container.sh: two static programs (podman --rootfs, no registry)
mkdir -p "$O/ctr-rootfs/bin" "$O/ctr-rootfs/proc" "$O/ctr-rootfs/sys" "$O/ctr-rootfs/dev" "$O/ctr-rootfs/etc"
cc -static -O2 -o "$O/ctr-rootfs/bin/leak" tests/vm/leak.c
cc -static -O1 -o "$O/ctr-rootfs/bin/memhog" tests/progs/memhog.c

exec tests/vm/sdvm.sh --mem 2048 --swap 1536 --cpus 2 --timeout 900 \
	--file "$PWD/$O/leakjail:/usr/local/sbin/leakjail" \
	--file "$PWD/$O/progs:/lj/$O/progs" \
	--file "$PWD/tests:/lj/tests" \
	--file "$PWD/policies:/lj/policies" \
	--file "$PWD/systemd:/lj/systemd" \
	--file "$PWD/$O/ctr-rootfs:/lj/ctr-rootfs" \
	-- tests/vm/sd-guest.sh "$O" "${CI:-}" "${LJ_SD_TESTS:-}"
