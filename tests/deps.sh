#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Install the Debian packages a build or a test run needs, and only those missing.
#   tests/deps.sh build   compiler, pkg-config, libcgroup, libsystemd, inih; strace, stress-ng; pandoc,
#                         the Debian packaging tools, prometheus-node-exporter; clang, libbpf and
#                         bpftool for the bpf sampler (src/sample/bpf/)
#   tests/deps.sh vm      + what the cgroup v2 VM suite needs
set -euo pipefail

# strace: the hardening tests hold race windows open with it (in the VM suite too)
# stress-ng: a real leaker for tests/integration/bigheap.sh (--bigheap)
pkgs=(gcc make pkg-config libcgroup-dev libsystemd-dev libinih-dev strace stress-ng clang libbpf-dev bpftool)
case "${1:-build}" in
# pandoc: the manuals; debhelper, lintian, mmdebstrap: make deb and its test;
# prometheus-node-exporter: the metrics test scrapes a real one (it runs an instance of its own on a
# free loopback port, whatever the packaged service does)
# podman, runc: the container test jails a process in a real container (crun refuses a hybrid cgroup layout)
build) pkgs+=(pandoc man-db debhelper lintian mmdebstrap prometheus-node-exporter podman runc) ;;
vm) pkgs+=(qemu-system-x86 busybox-static xz-utils zstd mmdebstrap e2fsprogs) ;;
*) echo "usage: $0 build|vm" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: need root to install ${missing[*]}" >&2
	exit 1
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
