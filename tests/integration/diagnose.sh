# SPDX-License-Identifier: GPL-2.0-or-later
# `leakjail diagnose` on this machine: its parts add up to MemTotal, and a
# loopback TCP socket that nobody reads (tests/progs/sockhog) is named with
# the pid of the process holding its receive side, in text and in JSON. The
# daemon's system watch (run through `diagnose --watch`) reports a socket
# queue that keeps growing, with its pid, and leaves a full but still one alone.
. "$(dirname "$0")/../lib.sh"

SOCKHOG="${LJ_BUILD:?run through tests/run.sh}/progs/sockhog"
[ -x "$SOCKHOG" ] || fail "$SOCKHOG missing: make tests"
command -v python3 >/dev/null || skip "python3 is needed to read the JSON"

# start_hog NAME ARGS...: a sockhog of this test's own; sets HOG_RECEIVER, HOG_WRITER, HOG_PORT
start_hog() {
	local out="$T_DIR/$1.out"
	shift
	"$SOCKHOG" "$@" >"$out" &
	T_PIDS+=("$!")
	wait_for "$out" "^receiver" 5 || fail "sockhog did not connect: $(cat "$out")"
	read -r _ HOG_RECEIVER _ HOG_WRITER _ HOG_PORT <"$out"
	T_PIDS+=("$HOG_WRITER")
}

# json_socket FILE PORT: "recv_q pid comm" of the socket whose local address is 127.0.0.1:PORT
json_socket() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for s in d["sockets"]["top"]:
    if s["local"] == "127.0.0.1:" + sys.argv[2]:
        print(s["recv_q"], s["pid"], s.get("comm", "-"))
        break
EOF
}

# -- a full receive queue: as fast as it takes, until the 8 MiB receive buffer is full
start_hog full
full_receiver=$HOG_RECEIVER full_port=$HOG_PORT
note "sockhog: receiver $full_receiver, writer $HOG_WRITER, 127.0.0.1:$full_port"
queued=0 last=-1
for _ in $(seq 50); do
	"$LEAKJAIL" diagnose --json --top 10 >"$T_DIR/d.json" || fail "diagnose --json failed"
	read -r queued pid comm < <(json_socket "$T_DIR/d.json" "$full_port") || true
	# full: at least 1 MiB, and no longer moving
	[ "${queued:-0}" -ge $((1 << 20)) ] && [ "$queued" = "$last" ] && break
	last=${queued:-0}
	sleep 0.2
done
[ "${queued:-0}" -ge $((1 << 20)) ] || fail "socket 127.0.0.1:$full_port not among the top sockets: $(cat "$T_DIR/d.json")"
[ "$pid" = "$full_receiver" ] || fail "socket held by pid $pid, not by the receiver $full_receiver"
[ "$comm" = sockhog ] || fail "holder's comm is '$comm'"
note "JSON: 127.0.0.1:$full_port Recv-Q $queued bytes, pid $pid ($comm)"

# -- the JSON parts add up to MemTotal, groups too
python3 - "$T_DIR/d.json" <<'EOF' || fail "the parts do not add up: $(cat "$T_DIR/d.json")"
import json, sys
m = json.load(open(sys.argv[1]))["memory"]
parts = sum(p["bytes"] for p in m["parts"])
groups = sum(m["groups"].values())
assert parts == m["total"], (parts, m["total"])
assert groups == m["total"], (groups, m["total"])
assert all(p["bytes"] >= 0 for p in m["parts"] if p["name"] != "unaccounted")
print("# MemTotal %d = %s" % (m["total"], " + ".join("%s %d" % kv for kv in m["groups"].items())))
print("# untracked (what the watch follows) %d, adaptivemm's formula %d" % (m["untracked"], m["adaptivemm_unaccounted"]))
EOF

# -- the same in text: the socket's line names the receiver
"$LEAKJAIL" diagnose >"$T_DIR/d.txt" || fail "diagnose failed"
line=$(grep -E "^  tcp +ESTAB .* 127\.0\.0\.1:$full_port +127\.0\.0\.1:[0-9]+ " "$T_DIR/d.txt") ||
	fail "no line for 127.0.0.1:$full_port: $(cat "$T_DIR/d.txt")"
grep -q " $full_receiver (sockhog)\$" <<<"$line" || fail "socket line does not name pid $full_receiver: $line"
note "text: $(echo "$line" | tr -s ' ')"
grep -q "^Where the memory is: MemTotal" "$T_DIR/d.txt" || fail "no split in the text"
grep -q "^  unaccounted " "$T_DIR/d.txt" || fail "no unaccounted line"
note "$(grep '^(gathered in' "$T_DIR/d.txt")"

# -- options
[ "$("$LEAKJAIL" diagnose --top 1 | grep -cE '^  (tcp|udp|u_)')" -eq 1 ] || fail "--top 1 shows more than one socket"
"$LEAKJAIL" diagnose --top 0 >/dev/null 2>&1 && fail "--top 0 accepted"
"$LEAKJAIL" diagnose extra >/dev/null 2>&1 && fail "a stray argument accepted"

# -- the watch: a queue that grows 256 KiB/s is reported with its pid; the full one is not
start_hog slow --rate 256 --max 64
slow_receiver=$HOG_RECEIVER slow_port=$HOG_PORT
note "slow sockhog: receiver $slow_receiver, 127.0.0.1:$slow_port, 256 KiB/s"
"$LEAKJAIL" diagnose --watch 8 --interval 1s 2>"$T_DIR/watch.log" || fail "watch failed: $(cat "$T_DIR/watch.log")"
grep -E "socket queue keeps growing: tcp ESTAB 127\.0\.0\.1:$slow_port .*held by pid $slow_receiver \(sockhog\)" \
	"$T_DIR/watch.log" >/dev/null || fail "growing queue not reported with pid $slow_receiver: $(cat "$T_DIR/watch.log")"
note "$(grep -m1 "127.0.0.1:$slow_port" "$T_DIR/watch.log")"
n=$(grep -c "socket queue keeps growing: tcp ESTAB 127\.0\.0\.1:$slow_port " "$T_DIR/watch.log")
# logged once, and again only if it doubled: never once per scan
[ "$n" -le 2 ] || fail "reported $n times in 8 scans: $(cat "$T_DIR/watch.log")"
grep -q "127\.0\.0\.1:$full_port " "$T_DIR/watch.log" && fail "the full, unmoving queue was reported: $(cat "$T_DIR/watch.log")"
note "$(grep 'watch: 8 passes' "$T_DIR/watch.log")"
exit 0
