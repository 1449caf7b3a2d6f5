# SPDX-License-Identifier: GPL-2.0-or-later
# `status --json` and `diagnose --json` match their documented, versioned schemas
# (docs/*.schema.json, docs/json-schema.md); the checker itself rejects a wrong document.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
require_root
command -v python3 >/dev/null || skip "python3 is not installed"
check=tests/integration/schema_check.py

# the documented version is the one the binary writes
for s in status diagnose; do
	v=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["properties"]["schema_version"]["const"])' docs/$s.schema.json)
	grep -q "^| \`$s --json\` | $v |" docs/json-schema.md || fail "docs/json-schema.md does not give $s schema version $v"
done

"$LEAKJAIL" diagnose --json >"$T_DIR/diagnose.json" || fail "diagnose --json failed"
python3 $check docs/diagnose.schema.json "$T_DIR/diagnose.json" || fail "diagnose --json does not match its schema"
"$LEAKJAIL" status --json --interval 200ms --config policies/leakjail.conf >"$T_DIR/status.json" ||
	fail "status --json failed"
python3 $check docs/status.schema.json "$T_DIR/status.json" || fail "status --json does not match its schema"
# --watch --json: one document per refresh, each matching
"$LEAKJAIL" status --watch --json --interval 200ms --top 3 >"$T_DIR/watch.json" &
w=$!
T_PIDS+=("$w")
# two refreshes (a loaded host or a sanitizer build may take seconds over the first pass)
for _ in $(seq 300); do [ "$(wc -l <"$T_DIR/watch.json")" -ge 2 ] && break; sleep 0.1; done
kill -TERM $w
wait $w || fail "status --watch --json exited $? on SIGTERM"
[ "$(wc -l <"$T_DIR/watch.json")" -ge 2 ] || fail "status --watch --json: fewer than two refreshes in 30 s: $(cat "$T_DIR/watch.json")"
python3 $check docs/status.schema.json "$T_DIR/watch.json" || fail "status --watch --json does not match the schema"

# the checker is not a rubber stamp
sed 's/"schema_version":3/"schema_version":4/; s/"growers":\[/"growers":[{"pid":"x"},/' "$T_DIR/status.json" >"$T_DIR/bad.json"
if python3 $check docs/status.schema.json "$T_DIR/bad.json" 2>"$T_DIR/err"; then
	fail "a wrong document passed the schema check"
fi
grep -q 'schema_version' "$T_DIR/err" && grep -q 'growers\[0\].pid' "$T_DIR/err" ||
	fail "the checker missed a wrong member: $(cat "$T_DIR/err")"
note "status (version 3) and diagnose (version 1) JSON match their schemas; $(wc -l <"$T_DIR/watch.json") watch refreshes checked"
