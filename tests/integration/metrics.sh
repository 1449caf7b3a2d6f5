# SPDX-License-Identifier: GPL-2.0-or-later
# metrics_file, read by a real node exporter (Debian's prometheus-node-exporter,
# its textfile collector only, on a free loopback port): after a leaker is
# jailed (the atop case made small: one leaker, one process holding memory),
# the scrape shows the jail with the pid and the limit of the daemon's record,
# the counters by policy, the OOM kill inside the jail (jail_swap = 0, so the
# jail cannot swap), reloads ok and refused. The example alerting rules pass
# `promtool check rules` where promtool can be had.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
require_root
NE=$(command -v prometheus-node-exporter || command -v node_exporter) ||
	skip "prometheus-node-exporter is not installed (tests/deps.sh build installs it)"
command -v curl >/dev/null || skip "curl is not installed"
root=$(memory_root) || skip "no memory cgroup controller"

# ---- the node exporter, on a free loopback port ----
mkdir -p "$T_DIR/textfile"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
bg "$NE" --web.listen-address="127.0.0.1:$port" --collector.disable-defaults --collector.textfile \
	--collector.textfile.directory="$T_DIR/textfile" 2>"$T_DIR/ne.log"
NE_PID=$SPAWNED
scrape() {
	curl -sf --max-time 5 "http://127.0.0.1:$port/metrics" >"$T_DIR/scrape" || fail "scrape failed: $(tail -3 "$T_DIR/ne.log")"
	SCRAPED_AT=$(date +%s)
}
# value NAME [LABEL=REGEX...]: the value of the one sample of NAME whose labels match
# (the exporter sorts labels and writes numbers as floats: 1.25087744e+08)
value() {
	python3 - "$T_DIR/scrape" "$@" <<'PY' || fail "not exactly one sample of $*: $(grep "^$1" "$T_DIR/scrape" | head -3)"
import re, sys
text, name, want = open(sys.argv[1]).read(), sys.argv[2], [a.split("=", 1) for a in sys.argv[3:]]
found = []
for line in text.splitlines():
    m = re.fullmatch(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)', line)
    if not m or m.group(1) != name:
        continue
    labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
    if all(k in labels and re.fullmatch(v, labels[k]) for k, v in want):
        found.append(float(m.group(3)))
if len(found) != 1:
    sys.exit(1)
v = found[0]
print(int(v) if v == int(v) else v)
PY
}
for _ in $(seq 50); do curl -sf --max-time 1 "http://127.0.0.1:$port/metrics" >/dev/null && break; sleep 0.1; done
scrape
grep -q '^node_textfile_scrape_error 0' "$T_DIR/scrape" || fail "the node exporter's textfile collector is not working: $(grep textfile "$T_DIR/scrape")"

# ---- the daemon, and a leaker to jail ----
mk_cgroup host
HOST=$CG
jails_cgroup
daemon_conf 1s "/${HOST##*/}" "metrics_file = $T_DIR/textfile/leakjail.prom"
write_conf "$T_DIR/policies/mtest.conf" "[policy mtest]
growth = 80M
window = 5s
steadiness = 80%
action = jail
jail_size = 3.0x
jail_swap = 0
jail_pageout = no"
spawn "$HOST" "$MEMHOG" hold 32
start_daemon "$T_DIR/daemon.log"
wait_for "$T_DIR/textfile/leakjail.prom" leakjail_passes_total 5 || fail "no metrics file after 5 s: $(cat "$T_DIR/daemon.log")"
spawn "$HOST" "$MEMHOG" leak 20 100000
LEAKER=$SPAWNED
wait_for "$T_DIR/daemon.log" "jailed pid $LEAKER " 40 || fail "the leaker was not jailed: $(cat "$T_DIR/daemon.log")"
record="$T_DIR/state/jails/$LEAKER"
[ -f "$record" ] || fail "no jail record $record"
high=$(sed -n 's/^high=//p' "$record")
jail=$(sed -n 's/^jail=//p' "$record")
rec_since=$(sed -n 's/^since=//p' "$record")
# the log's limit= is the same figure, in M or K
logged=$(grep -o "jailed pid $LEAKER .*" "$T_DIR/daemon.log" | grep -oE '(limit|high)=[0-9]+[MK]' | head -1 | cut -d= -f2)
case $logged in
*M) [ $((${logged%M} * 1048576)) = "$high" ] ;;
*K) [ $((${logged%K} * 1024)) = "$high" ] ;;
*) false ;;
esac || fail "the log says limit $logged, the record high=$high"

# status --json shows the same jail, and matches its schema with a jail in it
"$LEAKJAIL" status --json --interval 200ms --config "$T_DIR/leakjail.conf" >"$T_DIR/status.json"
python3 tests/integration/schema_check.py docs/status.schema.json "$T_DIR/status.json" >/dev/null ||
	fail "status --json with a jail does not match its schema"
python3 -c 'import json,sys; j=[x for x in json.load(open(sys.argv[1]))["jails"] if x["pid"]==int(sys.argv[2])]; sys.exit(not (j and j[0]["limit"]==int(sys.argv[3])))' \
	"$T_DIR/status.json" "$LEAKER" "$high" || fail "status --json does not show pid $LEAKER with limit $high: $(cat "$T_DIR/status.json")"

# the file is written after each pass: the one that jailed it
sleep 1.5
scrape
lbl=("pid=$LEAKER" comm=memhog policy=mtest "cgroup=$root/$jail" "backend=cgroupfs-v[12]")
got=$(value leakjail_jail_limit_bytes "${lbl[@]}")
[ "$got" = "$high" ] || fail "scraped limit $got, the daemon's record says $high"
[ "$(value leakjail_jails)" = 1 ] || fail "leakjail_jails is not 1"
[ "$(value leakjail_jails_made_total policy=mtest)" = 1 ] || fail "jails_made_total is not 1"
[ "$(value leakjail_leaks_reported_total policy=mtest)" -ge 1 ] || fail "no leak counted"
[ "$(value leakjail_jails_failed_total policy=mtest)" = 0 ] || fail "a failed jail counted"
usage=$(value leakjail_jail_usage_bytes "${lbl[@]}")
[ "$usage" -gt 0 ] || fail "the jail's usage is $usage"
since=$(value leakjail_jail_start_time_seconds "${lbl[@]}")
[ "$since" = "$rec_since" ] || fail "start time $since differs from the record's $rec_since"
[ "$(value leakjail_processes_watched)" -ge 1 ] || fail "no process watched"
[ "$(value leakjail_passes_total)" -ge 3 ] || fail "passes_total below 3"
[ "$(value leakjail_resident_memory_bytes)" -gt 0 ] || fail "no RSS"
last=$(value leakjail_last_successful_pass_timestamp_seconds)
[ $((SCRAPED_AT - last)) -le 3 ] || fail "last good pass $last is stale (scraped at $SCRAPED_AT)"
[ "$(value leakjail_memory_bytes part=slab_unreclaimable group=kernel)" -gt 0 ] || fail "no kernel split"
[ "$(value leakjail_kernel_findings_total kind=slab)" -ge 0 ] || fail "no kernel findings"
grep -q '^node_textfile_scrape_error 0' "$T_DIR/scrape" || fail "the collector reports an error for our file"
note "scraped: pid $LEAKER jailed, limit $high bytes (log: $logged), usage $usage"

# ---- the jail cannot swap (jail_swap = 0): the leaker is OOM-killed inside it ----
# A v1 jail of leakjail's never OOM-kills (oom_kill_disable 1: it waits at its limit);
# this test gives the kernel its OOM killer back in the jail, to see the kill counted.
if [ -f "$root/$jail/memory.oom_control" ]; then
	echo 0 >"$root/$jail/memory.oom_control" || fail "cannot give the jail its OOM killer back"
fi
wait_for "$T_DIR/daemon.log" "OOM kill inside jail" 60 || fail "no OOM kill inside the jail: $(tail -5 "$T_DIR/daemon.log")"
wait_for "$T_DIR/daemon.log" "has exited" 10 || fail "the jail was not retired"
sleep 1.5
scrape
[ "$(value leakjail_jail_oom_kills_total policy=mtest)" = 1 ] || fail "OOM kill not counted: $(grep oom_kills "$T_DIR/scrape")"
[ "$(value leakjail_jails)" = 0 ] || fail "the retired jail is still shown"
grep -q "pid=\"$LEAKER\"" "$T_DIR/scrape" && fail "a series of the exited process remains"
[ "$(value leakjail_releases_total policy=mtest)" = 0 ] || fail "an exit counted as a release"

# ---- reloads: one good, one refused ----
kill -HUP "$DAEMON"
wait_for "$T_DIR/daemon.log" "reloaded:" 5 || fail "no reload"
write_conf "$T_DIR/policies/broken.conf" "[policy broken]
growth = lots"
kill -HUP "$DAEMON"
wait_for "$T_DIR/daemon.log" "reload failed" 5 || fail "the broken reload was not refused"
sleep 1.5
scrape
[ "$(value leakjail_reloads_total result=ok)" = 1 ] || fail "reloads ok: $(grep reloads "$T_DIR/scrape")"
[ "$(value leakjail_reloads_total result=refused)" = 1 ] || fail "reloads refused: $(grep reloads "$T_DIR/scrape")"
rm -f "$T_DIR/policies/broken.conf"

# a lint of the exposition as Prometheus reads it, where promtool exists (below)
kill -TERM "$DAEMON"
wait "$DAEMON" || fail "the daemon exited $?"
ls "$T_DIR/textfile" | grep -qv '^leakjail.prom$' && fail "temporary files left: $(ls "$T_DIR/textfile")"

# ---- a directory that does not exist: said once, the daemon keeps running ----
write_conf "$T_DIR/missing.conf" "[daemon]
interval = 200ms
state_dir = $T_DIR/state
log = stderr
metrics_file = $T_DIR/nowhere/leakjail.prom"
"$LEAKJAIL" daemon --foreground --dry-run --passes 8 --config "$T_DIR/missing.conf" --policies "$T_DIR/policies" \
	2>"$T_DIR/missing.log" || fail "the daemon stopped over a missing metrics directory: $(cat "$T_DIR/missing.log")"
[ "$(grep -c "metrics_file $T_DIR/nowhere/leakjail.prom: cannot write it" "$T_DIR/missing.log")" = 1 ] ||
	fail "a missing directory is not said exactly once: $(cat "$T_DIR/missing.log")"

# every series the daemon writes is documented
for n in $(sed -n 's/^# TYPE \(leakjail_[a-z_]*\) .*/\1/p' "$T_DIR/textfile/leakjail.prom"); do
	grep -q "^| \`$n\` |" docs/metrics.md || fail "$n is not in docs/metrics.md"
done
# every leakjail series the example rules use is one the daemon writes
for n in $(grep -oE 'leakjail_[a-z_]+' docs/leakjail.rules.yml | sort -u); do
	grep -q "^# TYPE $n " "$T_DIR/textfile/leakjail.prom" || fail "docs/leakjail.rules.yml uses $n, which the daemon does not write"
done

# ---- promtool: the rules, and the exposition ----
promtool=$(command -v promtool || true)
if [ -z "$promtool" ]; then
	# promtool comes with Debian's prometheus, a server the test must not install and start:
	# take the one binary out of the package, cached
	cache=${LEAKJAIL_VM_CACHE:-/var/cache/leakjail-vm}
	promtool="$cache/promtool/promtool"
	if [ ! -x "$promtool" ]; then
		mkdir -p "$T_DIR/dl" "$cache/promtool"
		if (cd "$T_DIR/dl" && apt-get download -q prometheus >/dev/null 2>&1); then
			dpkg-deb --fsys-tarfile "$T_DIR"/dl/prometheus_*.deb | tar -x -C "$T_DIR/dl" ./usr/bin/promtool &&
				mv "$T_DIR/dl/usr/bin/promtool" "$promtool"
		fi
	fi
fi
if [ -x "$promtool" ]; then
	"$promtool" check rules docs/leakjail.rules.yml >"$T_DIR/rules" 2>&1 || fail "promtool check rules: $(cat "$T_DIR/rules")"
	"$promtool" check metrics <"$T_DIR/textfile/leakjail.prom" >"$T_DIR/lint" 2>&1 || fail "promtool check metrics: $(cat "$T_DIR/lint")"
	# and the alerts fire on such series: a jail, an OOM kill
	cp docs/leakjail.rules.yml "$T_DIR/rules.yml"
	cat >"$T_DIR/rules.test.yml" <<'YML'
rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'leakjail_jails_made_total{instance="h1",policy="default"}'
        values: '0 0 1 1 1'
      - series: 'leakjail_jail_oom_kills_total{instance="h1",policy="default"}'
        values: '0 0 0 2 2'
    alert_rule_test:
      - eval_time: 4m
        alertname: LeakjailProcessJailed
        exp_alerts:
          - exp_labels: {severity: warning, instance: h1, policy: default}
            exp_annotations:
              summary: "leakjail jailed a process on h1 (policy default)"
              description: "1 process(es) jailed in 10 minutes. `leakjail status` on the host shows the jail, `journalctl MESSAGE_ID=8c1d5e2f4a7b4c9e9f3a6b0d2e5c7a18` the evidence."
      - eval_time: 4m
        alertname: LeakjailJailOOMKilling
        exp_alerts:
          - exp_labels: {severity: critical, instance: h1, policy: default}
            exp_annotations:
              summary: "OOM kills inside leakjail jails on h1 (policy default)"
              description: "2 OOM kill(s) in 15 minutes inside jails; the rest of the host was not touched."
YML
	(cd "$T_DIR" && "$promtool" test rules rules.test.yml) >"$T_DIR/rtest" 2>&1 || fail "promtool test rules: $(cat "$T_DIR/rtest")"
	note "promtool: $(grep -o '[0-9]* rules found' "$T_DIR/rules"), the exposition lints clean"
else
	echo "# promtool unavailable (no prometheus package to take it from): the alerting rules were NOT checked"
fi
