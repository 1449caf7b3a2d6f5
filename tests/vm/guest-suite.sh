# SPDX-License-Identifier: GPL-2.0-or-later
# Runs inside the VM (busybox sh): the integration suite on cgroup v2.
O=$1
export CI=$2
# the names of the integration tests to run, when not all (LJ_TESTS in tests/run.sh)
export LJ_TESTS="${3:-}"
cd /lj || exit 1
echo "guest: $(uname -r), $(cat /sys/fs/cgroup/cgroup.controllers)"
grep -q memory /sys/fs/cgroup/cgroup.controllers || { echo "guest: no memory controller on cgroup v2"; exit 1; }
# the VM has its swap disk already; the atop case is scaled to 1 GiB of RAM
export LJ_SWAP_PRESENT=1
export HOST_MIB=240 HOLD_MIB=40 LEAK_RATE=6 GROWTH=40M RUN_S=40 WINDOW=10
# hardening_soak: under TCG a birth takes 9-15 ms in each of its 4 forkers, so 10000 take 25-40 s;
# the host runs 100000 in 6-12 s, and goes on for 30 s
export SOAK_BIRTHS=10000 SOAK_MIN_S=0
# emulated (TCG) CPU: a page-out of 65 MiB took 0.3-1.2 s here, against 0.2 s on the host
export JAIL_SLACK_MS=4000
# the leak shapes (tests/eval): their sizes follow the policy's growth, 6M here (about
# 500 MiB at the peak, all shapes together, against ~2 GiB with 24M on the host)
export EVAL_POLICY=tests/eval/policy-vm.conf
# contain_fast scaled: 60 MiB/s asked (the emulated CPU managed 12-20), 360 MiB of room
# in a 520 MiB host, stops at 900 MiB
export FAST_HOST_MIB=520 FAST_HOLD_MIB=40 FAST_LEAK_RATE=60 FAST_LEAK_MAX=900 FAST_GROWTH=30M
# contain_faster: the same host, a window (30 s) longer than the room lasts at 12-20 MiB/s (18-30 s)
export FASTER_HOST_MIB=520 FASTER_GROWTH=30M FASTER_WINDOW=30 FASTER_INTERVAL=1
# bigheap: the four hold 40 MiB in a 640 MiB host (480 MiB of room for the worker)
export BIG_HOST_MIB=640 BIG_HOLD_MIB=40 BIG_GROWTH=30M
# bash's process substitution needs /dev/fd
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
# diagnose looks at kernel memory, not at cgroups: the host suite covers it; so do the
# tests of what does not depend on the cgroup version and needs tools the VM has not
# (node exporter, curl, python3, dpkg, man, script, a FUSE device, make; a JVM: jail_thrash runs
# two, which neither the initramfs nor 512 MiB holds)
export LJ_NOT_HERE="diagnose metrics package manpages completion status_watch json_schema stuck_cmdline install doc_examples docs_current layers explain container_podman jail_thrash"
export LJ_NOT_HERE_WHY="does not depend on the cgroup version, or needs tools the VM has not: run on the host"
exec bash tests/run.sh --integration "$O"
