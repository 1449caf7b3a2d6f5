#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the leak helper and run selftest.sh in the VM, to check that the VM
# gives leakjail a working cgroup v2 memory controller with swap and PSI.
#
# Usage: tests/vm/selftest-run.sh [vm.sh options...]
# Exits with vm.sh's status: 0 pass, 1 fail, 77 skipped (no VM possible here).

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cc=${CC:-gcc}

if ! command -v "$cc" >/dev/null; then
	echo "selftest-run.sh: skipped: no C compiler ($cc)" >&2
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/leakjail-vm-selftest.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT

# Static, so the guest needs no C library for it.
"$cc" -static -O2 -Wall -Wextra -o "$tmp/leak" "$here/leak.c"

rc=0
"$here/vm.sh" "$@" --bin "$tmp/leak" -- "$here/selftest.sh" /usr/bin/leak || rc=$?
exit "$rc"
