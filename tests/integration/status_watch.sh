# SPDX-License-Identifier: GPL-2.0-or-later
# `status --watch` on a terminal (a pty made by script(1)): refreshes in place
# on the alternate screen, and SIGINT or SIGTERM ends it cleanly with the
# screen and cursor given back.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
require_root
command -v script >/dev/null || skip "script(1) (bsdutils) is not installed"

for sig in INT TERM; do
	out="$T_DIR/tty-$sig"
	# script runs a shell on the pty; the watch is its child, signalled once it has drawn
	# three frames (the pattern is written so as not to match this command line, which
	# script puts at the top of $out; script -f writes them to $out as they come; a loaded host or a
	# sanitizer build may take seconds over the first pass)
	# a terminal of 8 rows: each frame is cut to 7 lines, like top
	script -qfec "stty rows 8 cols 100; '$LEAKJAIL' status --watch --interval 300ms --top 3 --config policies/leakjail.conf & p=\$!
		for i in \$(seq 300); do [ \$(grep -c 'top growers[ ]over' '$out') -ge 3 ] && break; sleep 0.1; done
		kill -$sig \$p; wait \$p; echo \"watch-exit=\$?\"" \
		"$out" >/dev/null </dev/null || fail "script(1) failed"
	grep -q 'watch-exit=0' "$out" || fail "SIGTERM/SIGINT ($sig): not a clean exit: $(tail -c 300 "$out" | cat -v)"
	frames=$(grep -c 'top growers[ ]over 0.3 s' "$out")
	[ "$frames" -ge 3 ] || fail "$sig: $frames refresh(es) in 30 s at 0.3 s"
	grep -q $'\e\[?1049h' "$out" || fail "$sig: no alternate screen"
	grep -q $'\e\[H' "$out" || fail "$sig: frames not drawn in place"
	# the terminal is given back: cursor shown, normal screen, after the last frame
	tail -c 400 "$out" | grep -q $'\e\[?25h\e\[?1049l' || fail "$sig: terminal not restored: $(tail -c 200 "$out" | cat -v)"
	grep -q 'top growers over 0.3 s' "$out" || fail "$sig: no growers table"
	most=$(python3 -c 'import sys; t=open(sys.argv[1], "rb").read(); print(max(f.count(b"\n") for f in t.split(b"\033[H")[1:-1]))' "$out")
	[ "$most" -le 7 ] || fail "$sig: a frame of $most lines on a terminal of 8 rows"
	note "$sig: $frames frames, terminal restored"
done

# not a terminal: frames one after the other, no escape sequences
"$LEAKJAIL" status --watch --interval 200ms --top 2 --config policies/leakjail.conf >"$T_DIR/plain" &
w=$!
T_PIDS+=("$w")
for _ in $(seq 300); do [ "$(grep -c 'top growers' "$T_DIR/plain")" -ge 2 ] && break; sleep 0.1; done
kill -INT $w
wait $w || fail "status --watch to a file exited $?"
[ "$(grep -c 'top growers' "$T_DIR/plain")" -ge 2 ] || fail "status --watch to a file: fewer than two frames"
grep -q $'\e' "$T_DIR/plain" && fail "escape sequences written to a file"
exit 0
