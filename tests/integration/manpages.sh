# SPDX-License-Identifier: GPL-2.0-or-later
# The manuals: `make` built leakjail(8) and leakjail.conf(5) from docs/*.md,
# man renders both, and they name every command, every option of every
# command and every configuration key the binary knows (asked of the binary,
# so a new key or option without its manual fails here).
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
command -v man >/dev/null || skip "man (man-db) is not installed"
page8="$LJ_BUILD/leakjail.8" page5="$LJ_BUILD/leakjail.conf.5"
if [ ! -f "$page8" ] || [ ! -f "$page5" ]; then
	command -v pandoc >/dev/null && fail "pandoc is here, yet make did not build $page8 and $page5"
	skip "pandoc is not installed (tests/deps.sh build installs it): no manuals built"
fi
for p in "$page8" "$page5"; do
	[ "$p" -nt "docs/$(basename "$p").md" ] || fail "$p is older than docs/$(basename "$p").md: make did not rebuild it"
done

# render as a reader would; groff's own warnings (a line it cannot justify) are not errors
MANWIDTH=100 man -P cat -l "$page8" >"$T_DIR/8.txt" 2>"$T_DIR/8.err" || fail "man -l $page8 failed: $(cat "$T_DIR/8.err")"
MANWIDTH=100 man -P cat -l "$page5" >"$T_DIR/5.txt" 2>"$T_DIR/5.err" || fail "man -l $page5 failed: $(cat "$T_DIR/5.err")"
grep -q '^LEAKJAIL(8)' "$T_DIR/8.txt" || fail "leakjail(8) has no LEAKJAIL(8) header: $(head -3 "$T_DIR/8.txt")"
grep -q '^LEAKJAIL.CONF(5)' "$T_DIR/5.txt" || fail "leakjail.conf(5) has no header: $(head -3 "$T_DIR/5.txt")"
for s in NAME SYNOPSIS DESCRIPTION COMMANDS FILES 'SEE ALSO'; do
	grep -q "^$s" "$T_DIR/8.txt" || fail "leakjail(8) has no $s section"
done
[ "$(wc -l <"$T_DIR/8.txt")" -gt 200 ] || fail "leakjail(8) rendered to only $(wc -l <"$T_DIR/8.txt") lines"
# hyphenation and justification would split names: compare on text joined and unhyphenated
MANWIDTH=1000 man -P cat -l "$page8" 2>/dev/null | sed 's/‐/-/g' >"$T_DIR/8.wide"
MANWIDTH=1000 man -P cat -l "$page5" 2>/dev/null | sed 's/‐/-/g' >"$T_DIR/5.wide"

missing=()
# every command `leakjail --help` lists, as a "leakjail COMMAND" section
cmds=$("$LEAKJAIL" --help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
[ "$(echo "$cmds" | wc -w)" -ge 6 ] || fail "leakjail --help lists too few commands: $cmds"
for c in $cmds; do
	grep -q "^ *leakjail $c\$" "$T_DIR/8.wide" || missing+=("command $c (no 'leakjail $c' section in leakjail(8))")
	# every option its --help shows
	for o in $("$LEAKJAIL" "$c" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		grep -q -- "$o\\b" "$T_DIR/8.wide" || missing+=("option $c $o (leakjail(8))")
	done
done
# every key `leakjail check --list-keys` knows, described in leakjail.conf(5) as "KEY = ..."
keys=$("$LEAKJAIL" check --list-keys)
[ "$(echo "$keys" | wc -l)" -ge 30 ] || fail "check --list-keys gave too few keys: $keys"
# and the list is the source's table, not a copy of it
src_keys=$(sed -n 's/^[[:space:]]*[DP]("\([a-z_]*\)",.*/\1/p' src/base/config.c | sort)
[ "$(echo "$keys" | awk '{print $2}' | sort)" = "$src_keys" ] || fail "check --list-keys differs from the keys[] table of src/base/config.c"
while read -r section key; do
	# an entry's head: "KEY = value", or "match_comm, exclude_comm = globs"
	grep -Eq "^ *([a-z_]+, )*$key(, [a-z_]+)* = " "$T_DIR/5.wide" || missing+=("key [$section] $key (no '$key = ...' entry in leakjail.conf(5))")
done <<<"$keys"
if [ ${#missing[@]} -gt 0 ]; then
	printf 'not in the manuals: %s\n' "${missing[@]}" >&2
	fail "${#missing[@]} name(s) missing from the manuals"
fi
note "leakjail(8): $(wc -l <"$T_DIR/8.txt") lines, $(echo $cmds | wc -w) commands; leakjail.conf(5): $(echo "$keys" | wc -l) keys"
