# SPDX-License-Identifier: GPL-2.0-or-later
# `leakjail check`: the shipped files pass; a broken file fails and names its file and line.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."

out=$("$LEAKJAIL" check --config policies/leakjail.conf --policies policies/policies.d) ||
	fail "shipped policies rejected: $out"
echo "$out" | grep -q "policy default" || fail "shipped default policy not listed: $out"
"$LEAKJAIL" check --config policies/leakjail.conf --policies policies/examples >/dev/null ||
	fail "shipped examples rejected"

write_conf "$T_DIR/p/10-broken.conf" "[policy web]
match_comm = nginx
growth = lots
window = 30s"
if out=$("$LEAKJAIL" check --config policies/leakjail.conf --policies "$T_DIR/p" 2>&1); then
	fail "a broken policy was accepted"
fi
echo "$out" | grep -q "^$T_DIR/p/10-broken.conf:3: invalid growth 'lots'" ||
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
echo "$out" | grep -q "writable by group or others" || fail "unsafe file not named: $out"
