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

chmod 0666 "$T_DIR/p/10-broken.conf"
out=$("$LEAKJAIL" check --config policies/leakjail.conf --policies "$T_DIR/p" 2>&1) && fail "world-writable accepted"
echo "$out" | grep -q "writable by group or others" || fail "unsafe file not named: $out"

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
	echo "$out" | grep -q "^$T_DIR/m/$want" || fail "no '$want' in: $out"
done

# NUL and control bytes: refused, and shown escaped, never raw on the terminal
printf '[policy web]\nmatch_comm = nginx\ngrowth = 5\000G\nmatch_user = \033[2Jroot\n' >"$T_DIR/m/10-mistakes.conf"
out=$("$LEAKJAIL" check --config policies/leakjail.conf --policies "$T_DIR/m" 2>&1) &&
	fail "a NUL in a value was accepted: $out"
echo "$out" | grep -qF "10-mistakes.conf:3: a control byte in line 'growth = 5\\x00G'" ||
	fail "the NUL is not named escaped: $out"
echo "$out" | grep -qF "10-mistakes.conf:4: a control byte in line 'match_user = \\x1b[2Jroot'" ||
	fail "the ESC is not named escaped: $out"
if echo "$out" | grep -q $'\033'; then
	fail "a control byte reached the terminal raw: $(echo "$out" | od -c | head)"
fi

# A scope or jail_parent that does not exist here: a warning, and the check still passes
if [ -d "$(memory_root 2>/dev/null)" ]; then
	printf '[daemon]\nscope = /%s-nosuch\njail_parent = %s-nosuch/jails\n' "$T_ID" "$T_ID" >"$T_DIR/w.conf"
	out=$("$LEAKJAIL" check --config "$T_DIR/w.conf" --policies policies/policies.d 2>&1) ||
		fail "a missing scope failed the check (a warning is enough): $out"
	echo "$out" | grep -q "^$T_DIR/w.conf:2: warning: scope /$T_ID-nosuch does not exist" ||
		fail "missing scope not warned of: $out"
	echo "$out" | grep -q "^$T_DIR/w.conf:3: warning: jail_parent $T_ID-nosuch/jails does not exist" ||
		fail "missing jail_parent not warned of: $out"
	out=$("$LEAKJAIL" check --config policies/leakjail.conf --policies policies/policies.d 2>&1)
	if echo "$out" | grep -q "warning"; then
		fail "the shipped files warn on a fresh machine: $out"
	fi
fi
