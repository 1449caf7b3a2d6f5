# SPDX-License-Identifier: GPL-2.0-or-later
# Ask the running daemon: `status` shows its configuration and what each
# policy watches with its verdict; `explain PID` answers, on a terminal
# (a pty made by script(1), UTF-8) and as JSON, for a leaker, an innocent,
# an exempt process and one no policy matches, each with its reason.
# Without a daemon, both say so.
. "$(dirname "$0")/../lib.sh"
require_root
command -v script >/dev/null || skip "script(1) (bsdutils) is not installed"

mk_cgroup explain
cg=$CG
cp "$MEMHOG" "$T_DIR/exempthog"
write_conf "$T_DIR/leakjail.conf" "[daemon]
interval = 500ms
scope = /${cg##*/}
jail_parent = $T_ID-jails
state_dir = $T_DIR/state
exempt_exe = $T_DIR/exempthog
log = stderr"
write_conf "$T_DIR/policies/leaky.conf" "[policy leaky]
match_comm = memhog exempthog
growth = 24M
window = 8s
action = log"
conf=(--config "$T_DIR/leakjail.conf")

# no daemon yet: both say so
"$LEAKJAIL" explain "${conf[@]}" $$ >"$T_DIR/none.out" 2>&1 && fail "explain without a daemon succeeded"
grep -q "no daemon answers on $T_DIR/state/control" "$T_DIR/none.out" || fail "explain without a daemon: $(cat "$T_DIR/none.out")"
"$LEAKJAIL" status "${conf[@]}" --interval 100ms >"$T_DIR/status-none.out" 2>&1 || fail "status failed: $(cat "$T_DIR/status-none.out")"
grep -q "daemon: none answers on $T_DIR/state/control (none runs)" "$T_DIR/status-none.out" ||
	fail "status does not say that no daemon runs: $(head -3 "$T_DIR/status-none.out")"

spawn "$cg" "$MEMHOG" leak 12 1000
leaker=$SPAWNED
spawn "$cg" "$MEMHOG" hold 40
innocent=$SPAWNED
spawn "$cg" "$T_DIR/exempthog" leak 12 1000
exempt=$SPAWNED
spawn "$cg" sleep 600
unmatched=$SPAWNED

log="$T_DIR/daemon.log"
"$LEAKJAIL" daemon --foreground "${conf[@]}" --policies "$T_DIR/policies" 2>"$log" &
T_PIDS+=("$!")
wait_for "$log" "started:" 5 || fail "daemon did not start: $(cat "$log")"
wait_for "$log" "leak: pid $leaker " 20 || fail "the leaker was not reported: $(cat "$log")"
[ -S "$T_DIR/state/control" ] || fail "no control socket in $T_DIR/state"
[ "$(stat -c %a "$T_DIR/state/control")" = 600 ] || getent group leakjail >/dev/null ||
	fail "the control socket is $(stat -c %a "$T_DIR/state/control"), not 0600"

# explain on a terminal, as a person sees it
screen() { # PID FILE
	LANG=C.UTF-8 LC_ALL=C.UTF-8 script -qfec "stty cols 100; '$LEAKJAIL' explain --config '$T_DIR/leakjail.conf' $1; echo explain-exit=\$?" \
		"$2" >/dev/null </dev/null || fail "script(1) failed"
}
screen "$leaker" "$T_DIR/leaker.tty"
grep -q "pid $leaker (memhog)" "$T_DIR/leaker.tty" || fail "leaker: $(cat "$T_DIR/leaker.tty")"
grep -q "policy leaky: a leak (action = log: logged)" "$T_DIR/leaker.tty" || fail "leaker verdict: $(cat "$T_DIR/leaker.tty")"
grep -q "footprint [▁▂▃▄▅▆▇█]*│[▁▂▃▄▅▆▇█]*│" "$T_DIR/leaker.tty" || fail "no sparkline with quarters: $(cat "$T_DIR/leaker.tty")"
grep -q "floor rose in [34]/4 quarters (3 needed)" "$T_DIR/leaker.tty" || fail "quarters: $(cat "$T_DIR/leaker.tty")"
grep -q "explain-exit=0" "$T_DIR/leaker.tty" || fail "explain of the leaker exited non-zero"
note "$(grep -a "footprint [▁▂▃▄▅▆▇█]" "$T_DIR/leaker.tty" | tr -d '\r')"

screen "$innocent" "$T_DIR/innocent.tty"
grep -q "policy leaky: not a leak: grew" "$T_DIR/innocent.tty" || fail "innocent: $(cat "$T_DIR/innocent.tty")"

screen "$exempt" "$T_DIR/exempt.tty"
grep -q "no policy looks at it: exempt by exempt_exe in \[daemon\]" "$T_DIR/exempt.tty" || fail "exempt: $(cat "$T_DIR/exempt.tty")"

screen "$unmatched" "$T_DIR/unmatched.tty"
grep -q "policy leaky: does not look at it: match_comm does not match" "$T_DIR/unmatched.tty" ||
	fail "unmatched: $(cat "$T_DIR/unmatched.tty")"

# ASCII where the terminal is not UTF-8
LANG=C LC_ALL=C "$LEAKJAIL" explain "${conf[@]}" "$leaker" >"$T_DIR/leaker.ascii"
grep -q "footprint [_.~=+*#-]*|" "$T_DIR/leaker.ascii" || fail "no ASCII sparkline: $(cat "$T_DIR/leaker.ascii")"

# as JSON
"$LEAKJAIL" explain --json "${conf[@]}" "$leaker" >"$T_DIR/leaker.json" || fail "explain --json failed"
python3 - "$T_DIR/leaker.json" "$leaker" "$exempt" <<'EOF' || fail "explain --json: $(cat "$T_DIR/leaker.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["pid"] == int(sys.argv[2]) and d["kept_out"] is None, d
p = d["policies"][0]
assert p["name"] == "leaky" and p["looks"] and p["verdict"] == "leak", p
assert p["growth"] >= 24 << 20 and len(p["quarter_floors"]) == 5 and len(p["footprints"]) == 32, p
EOF
"$LEAKJAIL" explain --json "${conf[@]}" "$exempt" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["kept_out"] == "exempt by exempt_exe in [daemon]", d' ||
	fail "explain --json of the exempt process"
"$LEAKJAIL" explain "${conf[@]}" 999999999 >/dev/null 2>&1 && fail "a pid no one has: explain succeeded"
rc=0
"$LEAKJAIL" explain "${conf[@]}" notapid >/dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "explain notapid: exit $rc, not a usage error (2)"

# status asks the daemon: its configuration, and each policy's watched processes with their verdicts
"$LEAKJAIL" status "${conf[@]}" --interval 100ms >"$T_DIR/status.out" || fail "status failed"
grep -q "^daemon: pid [0-9]*, .*; acting; backend cgroupfs, sampler .*, scope /${cg##*/}" "$T_DIR/status.out" ||
	fail "status: no daemon line: $(head -5 "$T_DIR/status.out")"
grep -q "^policy leaky: log when it grows 24.0 MiB in 8 s" "$T_DIR/status.out" || fail "status: no policy: $(cat "$T_DIR/status.out")"
grep -q "^ *$leaker memhog .* leak$" "$T_DIR/status.out" || fail "status: the leaker's verdict: $(cat "$T_DIR/status.out")"
"$LEAKJAIL" status --json "${conf[@]}" --interval 100ms >"$T_DIR/status.json" || fail "status --json failed"
python3 - "$T_DIR/status.json" "$leaker" "$exempt" <<'EOF' || fail "status --json: $(head -c 600 "$T_DIR/status.json")"
import json, sys
d = json.load(open(sys.argv[1]))["daemon"]
assert d and not d["dry_run"] and d["policies"][0]["name"] == "leaky", d
w = {p["pid"]: p for p in d["policies"][0]["watched"]}
assert w[int(sys.argv[2])]["verdict"] == "leak", w
assert int(sys.argv[3]) not in w, "the exempt process is watched"
EOF
if [ -f tests/integration/schema_check.py ]; then
	python3 tests/integration/schema_check.py docs/status.schema.json "$T_DIR/status.json" || fail "status --json does not follow its schema"
fi
note "$(grep -c . "$T_DIR/status.out") lines of status with the daemon's view"
