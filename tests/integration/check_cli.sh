# SPDX-License-Identifier: GPL-2.0-or-later
# `leakjail check`: the shipped files pass; a broken file fails and names its file and line.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."

out=$("$LEAKJAIL" check --config policies/leakjail.conf --policies policies/policies.d) ||
	fail "shipped policies rejected: $out"
grep -q "policy default" <<<"$out" || fail "shipped default policy not listed: $out"
"$LEAKJAIL" check --config policies/leakjail.conf --policies policies/examples >/dev/null ||
	fail "shipped examples rejected"

write_conf "$T_DIR/p/10-broken.conf" "[policy web]
match_comm = nginx
growth = lots
window = 30s"
if out=$("$LEAKJAIL" check --config policies/leakjail.conf --policies "$T_DIR/p" 2>&1); then
	fail "a broken policy was accepted"
fi
grep -q "^$T_DIR/p/10-broken.conf:3: invalid growth 'lots'" <<<"$out" ||
	fail "error does not name file and line: $out"
note "broken file reported as: $(echo "$out" | head -1)"

# a window too short for the floor rule to ever report, at the shipped interval (2 s)
write_conf "$T_DIR/short/10-short.conf" "[policy web]
steadiness = 100%
window = 6s"
out=$("$LEAKJAIL" check --config policies/leakjail.conf --policies "$T_DIR/short" 2>&1) &&
	fail "a window of 3 intervals at steadiness 100% was accepted: $out"
# (a here-string, not a pipe: under pipefail, grep -q quitting early can fail the echo)
grep -q "^$T_DIR/short/10-short.conf:3: policy 'web': window = 6s can never report at interval = 2s: .* the least window is 8s" <<<"$out" ||
	fail "the short window is not reported with its least: $out"
note "short window reported as: $(echo "$out" | head -1)"

chmod 0666 "$T_DIR/p/10-broken.conf"
out=$("$LEAKJAIL" check --config policies/leakjail.conf --policies "$T_DIR/p" 2>&1) && fail "world-writable accepted"
grep -q "writable by group or others" <<<"$out" || fail "unsafe file not named: $out"

# Mistakes that used to pass: a size without a unit (taken as bytes), a factor
# without its x, a mistyped key; each named by file:line with what was meant.
write_conf "$T_DIR/m/10-mistakes.conf" "[policy web]
match_comm = nginx
growth = 512
min_rss = 1024
jail_size = 1.5
grwoth = 5M"
out=$("$LEAKJAIL" check --config policies/leakjail.conf --policies "$T_DIR/m" 2>&1) &&
	fail "bare sizes and a mistyped key were accepted: $out"
for want in "10-mistakes.conf:3: growth = 512: a size needs a unit: 512M?" \
	"10-mistakes.conf:4: min_rss = 1024: a size needs a unit: 1024M?" \
	"10-mistakes.conf:5: jail_size = 1.5: a factor needs an x, a size a unit: 1.5x?" \
	"10-mistakes.conf:6: unknown key 'grwoth' in \[policy\]: did you mean growth?"; do
	grep -q "^$T_DIR/m/$want" <<<"$out" || fail "no '$want' in: $out"
done

# NUL and control bytes: refused, and shown escaped, never raw on the terminal
printf '[policy web]\nmatch_comm = nginx\ngrowth = 5\000G\nmatch_user = \033[2Jroot\n' >"$T_DIR/m/10-mistakes.conf"
out=$("$LEAKJAIL" check --config policies/leakjail.conf --policies "$T_DIR/m" 2>&1) &&
	fail "a NUL in a value was accepted: $out"
grep -qF "10-mistakes.conf:3: a control byte in line 'growth = 5\\x00G'" <<<"$out" ||
	fail "the NUL is not named escaped: $out"
grep -qF "10-mistakes.conf:4: a control byte in line 'match_user = \\x1b[2Jroot'" <<<"$out" ||
	fail "the ESC is not named escaped: $out"
if grep -q $'\033' <<<"$out"; then
	fail "a control byte reached the terminal raw: $(echo "$out" | od -c | head)"
fi

# A scope or jail_parent that does not exist here: a warning, and the check still passes
if [ -d "$(memory_root 2>/dev/null)" ]; then
	printf '[daemon]\nscope = /%s-nosuch\njail_parent = %s-nosuch/jails\n' "$T_ID" "$T_ID" >"$T_DIR/w.conf"
	out=$("$LEAKJAIL" check --config "$T_DIR/w.conf" --policies policies/policies.d 2>&1) ||
		fail "a missing scope failed the check (a warning is enough): $out"
	grep -q "^$T_DIR/w.conf:2: warning: scope /$T_ID-nosuch does not exist" <<<"$out" ||
		fail "missing scope not warned of: $out"
	grep -q "^$T_DIR/w.conf:3: warning: jail_parent $T_ID-nosuch/jails does not exist" <<<"$out" ||
		fail "missing jail_parent not warned of: $out"
	out=$("$LEAKJAIL" check --config policies/leakjail.conf --policies policies/policies.d 2>&1)
	if grep -q "warning" <<<"$out"; then
		fail "the shipped files warn on a fresh machine: $out"
	fi
fi

# --matches: per policy, the processes it would watch now, and those an exemption keeps out
if [ "$(id -u)" = 0 ] && [ -d "$(memory_root 2>/dev/null)" ]; then
	mk_cgroup matches
	spawn "$CG" "$MEMHOG" hold 1
	hog=$SPAWNED
	spawn "$CG" sleep 600
	sl=$SPAWNED
	# a process that calls itself "x<ESC>[2Jy" (clear the screen), blocked on a fifo nobody opens
	mkfifo "$T_DIR/never"
	spawn "$CG" sh -c 'printf "x\033[2Jy" >/proc/self/comm; read -r x <"$1"' sh "$T_DIR/never"
	esc=$SPAWNED
	for _ in $(seq 100); do
		[ "$(cat "/proc/$hog/comm" 2>/dev/null)" = memhog ] && [ "$(cat "/proc/$sl/comm" 2>/dev/null)" = sleep ] &&
			[ "$(cat "/proc/$esc/comm" 2>/dev/null)" = $'x\033[2Jy' ] && break
		sleep 0.05
	done
	printf '[daemon]\nscope = /%s\nexempt_comm = sleep\n' "${CG##*/}" >"$T_DIR/mt.conf"
	write_conf "$T_DIR/mt/10-m.conf" "[policy hogs]
match_comm = memhog sleep x*
[policy typo]
match_comm = memhgo"
	out=$("$LEAKJAIL" check --config "$T_DIR/mt.conf" --policies "$T_DIR/mt" --matches 2>&1) ||
		fail "check --matches failed: $out"
	grep -q "^$T_DIR/mt/10-m.conf:1: policy hogs watches 2 processes now (scope /${CG##*/}), 1 kept out" <<<"$out" ||
		fail "--matches: hogs header: $out"
	grep -q "^  watched  pid $hog memhog " <<<"$out" || fail "--matches does not list memhog as watched: $out"
	grep -q "^  kept out pid $sl sleep .*: exempt_comm$" <<<"$out" || fail "--matches does not list sleep as exempt: $out"
	grep -q "^$T_DIR/mt/10-m.conf:3: policy typo watches 0 processes now" <<<"$out" ||
		fail "--matches: the policy that matches nothing: $out"
	# proc_parse_stat() shows a control byte of a comm as '?': what reaches the screen is never raw
	grep -q "pid $esc x?\[2Jy " <<<"$out" || fail "--matches does not show a hostile comm safely: $out"
	if grep -q $'\033' <<<"$out"; then fail "--matches echoed a control byte raw"; fi
	note "--matches: $(echo "$out" | grep -c '^  ') lines for 2 policies"
fi

# --- the command line (leakjail(8) COMMAND LINE) ---
# the commands as `leakjail --help` lists them (completion.sh checks that list against the source)
commands=$("$LEAKJAIL" --help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p' | grep -v '^help$')
[ "$(echo $commands | wc -w)" -ge 6 ] || fail "leakjail --help lists too few commands: $commands"
"$LEAKJAIL" -V | grep -q '^leakjail [0-9]' || fail "-V: $("$LEAKJAIL" -V 2>&1)"
"$LEAKJAIL" help | grep -q '^commands:' || fail "leakjail help lists no commands"
for cmd in $commands; do
	# --help: a sentence of what the command does and a line per option, -h/--help among them
	help=$("$LEAKJAIL" "$cmd" --help) || fail "$cmd --help failed"
	grep -q "^usage: leakjail $cmd " <<<"$help" || fail "$cmd --help has no usage line: $help"
	grep -qE '^  -h, --help +show this help' <<<"$help" || fail "$cmd --help has no line per option: $help"
	opts=$(echo "$help" | grep -cE '^  (-[a-zA-Z], )?--[a-z-]+.* {2,}[a-z]')
	[ "$opts" -ge 2 ] || fail "$cmd --help describes $opts options: $help"
	[ "$("$LEAKJAIL" help "$cmd")" = "$help" ] || fail "leakjail help $cmd differs from $cmd --help"
	# one error form: "leakjail COMMAND: message", the usage, exit 2 (run: 125, its own failures)
	want=2
	[ "$cmd" = run ] && want=125
	rc=0
	out=$("$LEAKJAIL" "$cmd" --bogus 2>&1 >/dev/null) || rc=$?
	[ "$rc" = "$want" ] || fail "$cmd --bogus: exit $rc, want $want: $out"
	[ "$(echo "$out" | head -1)" = "leakjail $cmd: unknown option '--bogus'" ] ||
		fail "$cmd --bogus said: $out"
	echo "$out" | sed -n 2p | grep -q "^usage: leakjail $cmd " || fail "$cmd --bogus gave no usage: $out"
done
note "$(echo $commands | wc -w) commands describe their options; an unknown option: $("$LEAKJAIL" status --bogus 2>&1 | head -1)"

# stray arguments are refused and named (daemon used to start, ignoring them)
printf '[daemon]\nscope = /%s-none\nkernel_watch = no\nlog = stderr\n' "$T_ID" >"$T_DIR/d.conf"
rc=0
out=$(timeout 20 "$LEAKJAIL" daemon extra --dry-run --passes 1 --config "$T_DIR/d.conf" \
	--policies policies/policies.d 2>&1) || rc=$?
[ "$rc" = 2 ] || fail "daemon with a stray argument: exit $rc: $out"
grep -q "^leakjail daemon: unexpected argument 'extra'" <<<"$out" || fail "daemon extra: $out"
rc=0
out=$("$LEAKJAIL" diagnose foo 2>&1) || rc=$?
[ "$rc" = 2 ] && grep -q "^leakjail diagnose: unexpected argument 'foo'" <<<"$out" ||
	fail "diagnose foo: exit $rc: $out"
rc=0
out=$("$LEAKJAIL" status --top 0 2>&1) || rc=$?
[ "$rc" = 2 ] && grep -q "^leakjail status: invalid --top '0'" <<<"$out" || fail "status --top 0: exit $rc: $out"

# every command takes --config (diagnose too), and -P is --policy, not daemon's --passes
"$LEAKJAIL" diagnose --config policies/leakjail.conf --top 1 >/dev/null || fail "diagnose --config refused"
out=$("$LEAKJAIL" daemon -P 1 2>&1) && fail "daemon -P accepted"
grep -q "^leakjail daemon: unknown option '-P'" <<<"$out" || fail "daemon -P: $out"

# run: its own failures exit 125, a command that cannot run 126, one not found 127
rc=0
"$LEAKJAIL" run --limit 1K -- true 2>/dev/null || rc=$?
[ "$rc" = 125 ] || fail "run with a bad --limit: exit $rc, want 125"
rc=0
"$LEAKJAIL" run 2>/dev/null || rc=$?
[ "$rc" = 125 ] || fail "run without a command: exit $rc, want 125"
# util-linux setpriv (busybox has one without --reuid)
if [ "$(id -u)" = 0 ] && setpriv --help 2>&1 | grep -- --reuid >/dev/null && [ -d "$(memory_root 2>/dev/null)" ]; then
	cp "$LEAKJAIL" "$T_DIR/leakjail" && chmod 0755 "$T_DIR" "$T_DIR/leakjail"
	rc=0
	out=$(cd / && setpriv --reuid=65534 --regid=65534 --clear-groups "$T_DIR/leakjail" run \
		--config "$T_DIR/d.conf" --limit 64M -- true 2>&1) || rc=$?
	[ "$rc" = 125 ] || fail "run as nobody: exit $rc, want 125: $out"
	grep -q "Permission denied" <<<"$out" || fail "run as nobody does not name the permission problem: $out"
	grep -q "No such file" <<<"$out" && fail "run as nobody still says: $out"
	note "run as nobody: $(echo "$out" | head -1)"
fi
exit 0
