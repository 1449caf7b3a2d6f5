# SPDX-License-Identifier: GPL-2.0-or-later
# SIGHUP reloads the policies; a broken or unsafe file keeps the last good
# ones running, and says why.
. "$(dirname "$0")/../lib.sh"
require_root

log="$T_DIR/daemon.log"
pol="$T_DIR/policies/a.conf"
write_conf "$T_DIR/leakjail.conf" "[daemon]
interval = 200ms
scope = /$T_ID-none
log = stderr"
write_conf "$pol" "[policy a]
growth = 100M
window = 10s"

"$LEAKJAIL" daemon --dry-run --foreground --config "$T_DIR/leakjail.conf" \
	--policies "$T_DIR/policies" 2>"$log" &
daemon=$!
T_PIDS+=("$daemon")
wait_for "$log" "started: 1 policies" 5 || fail "daemon did not start: $(cat "$log")"

write_conf "$pol" "[policy a]
growth = 100M
window = 10s
[policy b]
window = ten seconds"
kill -HUP "$daemon"
wait_for "$log" "reload failed" 5 || fail "broken reload not reported: $(cat "$log")"
grep -q "a.conf:5: invalid window 'ten seconds'" "$log" || fail "error lacks file:line: $(cat "$log")"
grep -q "keeping the previous 1 policies" "$log" || fail "does not say it keeps the old policies"
kill -0 "$daemon" || fail "daemon died on a broken reload"

write_conf "$pol" "[policy a]
growth = 100M
window = 10s
[policy b]
window = 20s"
chmod 0664 "$pol"
kill -HUP "$daemon"
wait_for "$log" "writable by group or others" 5 || fail "unsafe file not refused: $(cat "$log")"
kill -0 "$daemon" || fail "daemon died on an unsafe reload"

chmod 0644 "$pol"
kill -HUP "$daemon"
wait_for "$log" "reloaded: 2 policies" 5 || fail "good reload not applied: $(cat "$log")"

kill -TERM "$daemon"
wait "$daemon" || fail "daemon exited with $? on SIGTERM"
