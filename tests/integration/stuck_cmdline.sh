# SPDX-License-Identifier: GPL-2.0-or-later
# A process whose command line cannot be read (tests/progs/unreadable: its
# mmap_lock is held for ever, as a thrashing or hung process's can be for long)
# does not stall the daemon: command lines are read off the event loop, so a
# leaker next to it is still reported in time, and the stuck one delays only
# its own verdict. The daemon exits cleanly with a read still stuck.
. "$(dirname "$0")/../lib.sh"
require_root
UNREADABLE="$LJ_BUILD/progs/unreadable"
[ -x "$UNREADABLE" ] || skip "build the test programs: make tests"
[ -c /dev/fuse ] || skip "no /dev/fuse: the unreadable process needs a FUSE mount"

mk_cgroup stuck
cg=$CG
log="$T_DIR/daemon.log"
mnt="$T_DIR/mnt"
mkdir "$mnt"
spawn "$cg" "$UNREADABLE" "$mnt" >"$T_DIR/unreadable.out"
server=$SPAWNED
stop_server() { kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; umount -l "$mnt" 2>/dev/null || true; }
trap 'stop_server; t_cleanup' EXIT
for _ in $(seq 50); do [ -s "$T_DIR/unreadable.out" ] && break; sleep 0.1; done
stuck=$(head -1 "$T_DIR/unreadable.out")
[ -n "$stuck" ] || fail "the unreadable process did not start"
sleep 0.5 # its lock holder and waiting writer are in place
timeout 2 cat "/proc/$stuck/cmdline" >/dev/null 2>&1 && fail "pid $stuck's command line can be read: the test shows nothing"
note "pid $stuck: reading its command line waits (checked with a 2 s timeout)"

write_conf "$T_DIR/leakjail.conf" "[daemon]
interval = 500ms
scope = /${cg##*/}
kernel_watch = no
log = stderr"
write_conf "$T_DIR/policies/cmd.conf" "[policy cmd]
match_cmdline = *leak*
growth = 40M
window = 4s"
"$LEAKJAIL" daemon --dry-run --foreground --config "$T_DIR/leakjail.conf" --policies "$T_DIR/policies" 2>"$log" &
daemon=$!
T_PIDS+=("$daemon")
wait_for "$log" "started:" 5 || fail "daemon did not start: $(cat "$log")"
sleep 1 # the daemon has asked for the stuck command line by now

t0=$(date +%s%N)
spawn "$cg" "$MEMHOG" leak 20 300
leaker=$SPAWNED
wait_for "$log" "leak: pid $leaker (memhog) policy=cmd" 10 || fail "the leaker was not reported: $(cat "$log")"
ms=$((($(date +%s%N) - t0) / 1000000))
note "leaker $leaker reported after $ms ms (window 4 s + 2 intervals = 5000 ms) while pid $stuck's command line waits"
# (read on the loop, the stuck read would hold every pass: never reported)
[ "$ms" -le 9000 ] || fail "reported after $ms ms: the loop waited"
grep -q "pid $stuck " "$log" && fail "the unreadable process was judged: $(grep "pid $stuck " "$log")"
kill -TERM "$daemon"
for _ in $(seq 50); do kill -0 "$daemon" 2>/dev/null || break; sleep 0.1; done
kill -0 "$daemon" 2>/dev/null && fail "the daemon does not exit while a read is stuck"
wait "$daemon" || fail "daemon exited with $?"
note "the daemon exited with a read still stuck"
