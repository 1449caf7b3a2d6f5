# SPDX-License-Identifier: GPL-2.0-or-later
# `leakjail release --all` undoes every jail the daemon recorded, and the
# last release removes the jail parent, which is empty then (cgroupfs
# backend); one released by its pid leaves the parent while a jail is in it.
. "$(dirname "$0")/../lib.sh"
require_root

mk_cgroup release
cg=$CG
scope="/${cg##*/}"
jails_cgroup
state="$T_DIR/state"
daemon_conf 200ms "$scope" "backend = cgroupfs
kernel_watch = no"
write_conf "$T_DIR/policies/release.conf" "[policy release]
growth = 20M
window = 2s
action = jail
jail_size = 4.0x
jail_pageout = no"

log="$T_DIR/daemon.log"
start_daemon "$log"
pids=()
for _ in 1 2 3; do
	spawn "$cg" "$MEMHOG" leak 20 200
	pids+=("$SPAWNED")
done
for p in "${pids[@]}"; do
	wait_for "$log" "jailed pid $p " 15 || fail "$p was not jailed: $(cat "$log")"
done
# the daemon is stopped so that only release acts on the jails
kill -TERM "$DAEMON"
wait "$DAEMON" 2>/dev/null || true

# by pid: that jail goes, the parent stays for the others
out=$("$LEAKJAIL" release --config "$T_DIR/leakjail.conf" "${pids[0]}" 2>&1) || fail "release ${pids[0]}: $out"
[ "$(mem_cgroup "${pids[0]}")" = "$scope" ] || fail "${pids[0]} not back home: $(mem_cgroup "${pids[0]}")"
[ -d "$JAILS" ] || fail "the jail parent went while jails were in it"

# --all: the rest, and the parent once empty
out=$("$LEAKJAIL" release --all --config "$T_DIR/leakjail.conf" 2>&1) || fail "release --all: $out"
for p in "${pids[@]:1}"; do
	grep -q "^released pid $p\$" <<<"$out" || fail "release --all did not release $p: $out"
	[ "$(mem_cgroup "$p")" = "$scope" ] || fail "$p not back home: $(mem_cgroup "$p")"
	[ ! -e "$state/jails/$p" ] || fail "the record of $p is left"
done
[ ! -e "$JAILS" ] || fail "the empty jail parent $JAILS is left: $(ls "$JAILS")"
note "release --all: $(echo "$out" | grep -c '^released pid') released; the jail parent removed after the last"
out=$("$LEAKJAIL" release --all --config "$T_DIR/leakjail.conf" 2>&1) || fail "release --all with no jails: $out"
grep -q "no jails recorded" <<<"$out" || fail "release --all with no jails said: $out"
note "again: $out"
