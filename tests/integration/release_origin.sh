# SPDX-License-Identifier: GPL-2.0-or-later
# leakjail release when the cgroup the process came from was removed while
# it was jailed: the process goes back to a cgroup of that name, made again
# where it was (under the same ancestors, their limits), and release says
# so. Before, it went to the nearest ancestor that exists; on cgroup v2 that
# ancestor has children with controllers and refuses processes (EBUSY: no
# internal processes), and release failed, leaving the process jailed.
. "$(dirname "$0")/../lib.sh"
require_root
jail_home
# v2: the children of home get the memory controller (then home itself may hold no process)
[ -f "$home/cgroup.subtree_control" ] && echo +memory >"$home/cgroup.subtree_control"
mkdir "$home/app" "$home/other"
spawn "$home/other" "$MEMHOG" hold 1
daemon_conf 500ms "/${home##*/}"
write_conf "$T_DIR/policies/p.conf" "[policy quick]
growth = 16M
window = 2s
action = jail
jail_size = 64M
jail_pageout = no"
start_daemon "$T_DIR/daemon.log"
spawn "$home/app" "$MEMHOG" leak 20 200
leaker=$SPAWNED
wait_for "$T_DIR/daemon.log" "jailed pid $leaker " 30 || fail "not jailed: $(cat "$T_DIR/daemon.log")"
kill -TERM "$DAEMON"
wait "$DAEMON" || fail "daemon exited with $?"
[ "$(mem_cgroup "$leaker")" = "/$T_ID-jails/memhog-$leaker" ] || fail "not in its jail: $(mem_cgroup "$leaker")"
# its origin goes while it is jailed
rmdir "$home/app"
rc=0
out=$("$LEAKJAIL" release --config "$T_DIR/leakjail.conf" "$leaker" 2>&1) || rc=$?
note "release: $out"
[ $rc -eq 0 ] || fail "release failed ($rc): $out"
[ "$(mem_cgroup "$leaker")" = "/${home##*/}/app" ] || fail "back in $(mem_cgroup "$leaker"), not in its own /${home##*/}/app"
grep -q "had been removed: made again" <<<"$out" || fail "release does not say its cgroup was made again: $out"
[ ! -d "$JAILS/memhog-$leaker" ] || fail "the jail was left"
