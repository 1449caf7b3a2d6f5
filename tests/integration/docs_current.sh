# SPDX-License-Identifier: GPL-2.0-or-later
# The docs name what the code and the unit file have, both ways: every
# journal field the code writes (LEAKJAIL_*) is in leakjail(8)'s tables and
# every field there is written by the code; the capabilities README and
# leakjail(8) list are exactly the unit file's CapabilityBoundingSet.
# (The JSON schemas are checked against real output by json_schema.sh, the
# configuration keys by manpages.sh.)
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."

code=$(grep -rhoE 'LEAKJAIL_[A-Z_]+=' src/*/*.c | tr -d = | sort -u)
docs=$(grep -hoE 'LEAKJAIL_[A-Z_]+' docs/leakjail.8.md | sort -u)
missing=$(comm -23 <(printf '%s\n' "$code") <(printf '%s\n' "$docs"))
[ -z "$missing" ] || fail "journal fields the code writes but leakjail(8) does not name: $(echo $missing)"
stale=$(comm -13 <(printf '%s\n' "$code") <(printf '%s\n' "$docs"))
[ -z "$stale" ] || fail "journal fields leakjail(8) names but the code no longer writes: $(echo $stale)"

unit=$(sed -n 's/^CapabilityBoundingSet=//p' systemd/leakjail.service | tr ' ' '\n' | grep . | sort -u)
[ -n "$unit" ] || fail "no CapabilityBoundingSet in systemd/leakjail.service"
readme=$(sed -n '/capabilities, each for one/,/writes only/p' README.md | grep -oE 'CAP_[A-Z_]+' | sort -u)
[ "$readme" = "$unit" ] || fail "README's capabilities ($(echo $readme)) are not the unit's ($(echo $unit))"
manual=$(sed -n '/CapabilityBoundingSet\*\* holds only these/,/AmbientCapabilities/p' docs/leakjail.8.md | grep -oE 'CAP_[A-Z_]+' | sort -u)
[ "$manual" = "$unit" ] || fail "leakjail(8)'s capabilities ($(echo $manual)) are not the unit's ($(echo $unit))"
words=(zero one two three four five six seven eight nine ten eleven twelve)
n=$(printf '%s\n' "$unit" | grep -c .)
grep -q "${words[$n]} capabilities, each for one" README.md || fail "README does not say ${words[$n]} capabilities"
note "$(printf '%s\n' "$code" | grep -c .) journal fields, $n capabilities, all in the docs"
