# SPDX-License-Identifier: GPL-2.0-or-later
# The daemon dies (kill -9) with jails in place; one jailed process exits
# while it is down. The restarted daemon keeps the live jail ("found jail"),
# does not jail its process again, removes the other ("jail ... removed"),
# and `leakjail release` undoes the live one under it. Then SIGHUP with jails
# in place: a broken file and a group-writable one keep the policies, a good
# one replaces them (and frees the old configuration, whose state_dir the
# jails must not point into: under ASan a use-after-free shows), and a jailed
# process that exits afterwards has its jail and record removed. Last, a
# reload that changes state_dir: the daemon keeps recording in the one it
# started with (leakjail(8)), for jails made after the reload too, and
# removes those records when their processes exit.
. "$(dirname "$0")/../lib.sh"
require_root

mk_cgroup restart
cg=$CG
scope="/${cg##*/}"
jails_cgroup
state="$T_DIR/state"
conf() { # STATE_DIR
	write_conf "$T_DIR/leakjail.conf" "[daemon]
interval = 200ms
scope = $scope
jail_parent = $T_ID-jails
state_dir = $1
kernel_watch = no
log = stderr"
}
conf "$state"
pol="$T_DIR/policies/restart.conf"
good_policy="[policy restart]
growth = 20M
window = 2s
action = jail
jail_size = 4.0x
jail_pageout = no"
write_conf "$pol" "$good_policy"

n=0
next_daemon() { # a daemon with a log of its own, in $log
	n=$((n + 1))
	log="$T_DIR/daemon$n.log"
	start_daemon "$log"
}
leaker() { # pid in $SPAWNED, jailed
	spawn "$cg" "$MEMHOG" leak 20 200
	wait_for "$log" "jailed pid $SPAWNED " 10 || fail "$SPAWNED was not jailed: $(cat "$log")"
}
judged() { # PID: a verdict record names it (jailed, could not jail, would jail, leak:)
	grep -E "(jail|jailed|leak:|-1000\):) pid $1 \(" "$log"
}
gone() { # PID: exited and reaped
	kill -KILL "$1"
	wait "$1" 2>/dev/null || true
}

# kill -9 with two jails in place; one jailed process exits meanwhile
next_daemon
leaker
keep=$SPAWNED
leaker
dies=$SPAWNED
kill -KILL "$DAEMON"
wait "$DAEMON" 2>/dev/null || true
gone "$dies"
[ -f "$state/jails/$keep" ] && [ -f "$state/jails/$dies" ] || fail "records missing after kill -9"
next_daemon
grep -q "found jail $T_ID-jails/memhog-$keep: pid $keep (memhog), policy restart" "$log" ||
	fail "the live jail was not found: $(cat "$log")"
grep -q "jail $T_ID-jails/memhog-$dies removed: pid $dies (memhog) has exited" "$log" ||
	fail "the jail of the exited process was not removed: $(cat "$log")"
note "restart: $(grep -o "found jail .*" "$log")"
note "restart: $(grep -o "jail $T_ID-jails/memhog-$dies removed.*" "$log")"
[ ! -e "$JAILS/memhog-$dies" ] && [ ! -e "$state/jails/$dies" ] || fail "the exited process's jail or record is left"
[ "$(mem_cgroup "$keep")" = "/$T_ID-jails/memhog-$keep" ] || fail "the live process left its jail"
sleep 2.5 # a window: it still leaks, in its jail
judged "$keep" && fail "the jailed process was judged again"

# leakjail release under the restarted daemon
out=$("$LEAKJAIL" release --config "$T_DIR/leakjail.conf" "$keep" 2>&1) || fail "release failed: $out"
[ "$out" = "released pid $keep" ] || fail "release said: $out"
[ "$(mem_cgroup "$keep")" = "$scope" ] || fail "released process not back home: $(mem_cgroup "$keep")"
[ ! -e "$JAILS/memhog-$keep" ] && [ ! -e "$state/jails/$keep" ] || fail "release left the jail or record"
wait_for "$log" "jail $T_ID-jails/memhog-$keep of pid $keep (memhog) is gone: released" 3 ||
	fail "the daemon did not notice the release: $(cat "$log")"
note "release: $out; the daemon: $(grep -o "jail $T_ID-jails/memhog-$keep of pid .*" "$log")"
sleep 2.5
grep -q "jailed pid $keep " "$log" && fail "the released process was jailed again"
gone "$keep"

# SIGHUP with jails in place
leaker
held=$SPAWNED
reloads() { grep -c "reload" "$log" || true; }
hup() { # PATTERN: send SIGHUP, wait for PATTERN in a new reload record
	local before
	before=$(reloads)
	kill -HUP "$DAEMON"
	for _ in $(seq 50); do [ "$(reloads)" -gt "$before" ] && break; sleep 0.1; done
	grep "reload" "$log" | tail -1 | grep -q -- "$1" || fail "after SIGHUP: $(tail -3 "$log")"
}
write_conf "$pol" "[policy restart]
growth = 20M
window = two seconds"
hup "reload failed (1 error): keeping the previous 1 policies"
write_conf "$pol" "$good_policy"
chmod 0664 "$pol"
hup "reload failed"
grep -q "writable by group or others" "$log" || fail "the group-writable file is not named: $(cat "$log")"
chmod 0644 "$pol"
hup "reloaded: 1 policies"
note "reload: broken, group-writable, good: $(grep -c "reload failed" "$log") refused, $(grep -c "reloaded:" "$log") applied"
kill -0 "$DAEMON" || fail "the daemon died on a reload"
gone "$held"
wait_for "$log" "jail $T_ID-jails/memhog-$held removed: pid $held (memhog) has exited" 3 ||
	fail "after the reloads, the exited process's jail was not removed: $(cat "$log")"
[ ! -e "$state/jails/$held" ] || fail "after the reloads, the record was left"

# a reload that changes state_dir
leaker
before=$SPAWNED
conf "$T_DIR/state2"
hup "reloaded:"
grep -q "state_dir $T_DIR/state2 takes effect at the next start" "$log" ||
	fail "the state_dir change is not said: $(tail -3 "$log")"
leaker
after=$SPAWNED
[ -f "$state/jails/$before" ] && [ -f "$state/jails/$after" ] ||
	fail "records are not both in $state: $(ls -R "$T_DIR"/state*)"
gone "$before"
gone "$after"
wait_for "$log" "jail $T_ID-jails/memhog-$after removed" 3 || fail "not removed: $(cat "$log")"
wait_for "$log" "jail $T_ID-jails/memhog-$before removed" 3 || fail "not removed: $(cat "$log")"
left=$(find "$T_DIR"/state* -type f)
[ -z "$left" ] || fail "records left behind: $left"
note "state_dir changed by a reload: jails made before and after it recorded in $state, and removed from there"

kill -TERM "$DAEMON"
wait "$DAEMON" || fail "daemon exited with $? on SIGTERM"
# the errors are those of the two refused reloads
errors=$(grep -h "^leakjail: error: " "$T_DIR"/daemon*.log | grep -v "restart.conf:3: invalid window\|restart.conf: writable by group\|reload failed") &&
	fail "errors: $errors"
true
