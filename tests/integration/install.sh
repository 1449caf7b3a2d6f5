# SPDX-License-Identifier: GPL-2.0-or-later
# `make uninstall` removes exactly what `make install` installed (into a
# DESTDIR of the test's own), and keeps a file under /etc that was edited.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
: "${LJ_BUILD:?the build directory (tests/run.sh sets it)}"
command -v make >/dev/null || skip "no make"

root="$T_DIR/root"
make -s O="$LJ_BUILD" install DESTDIR="$root" >"$T_DIR/install.log" 2>&1 ||
	fail "make install failed: $(tail -5 "$T_DIR/install.log")"
(cd "$root" && find . -type f | sort) >"$T_DIR/installed"
grep -qx ./usr/local/sbin/leakjail "$T_DIR/installed" || fail "no binary installed: $(cat "$T_DIR/installed")"
grep -qx ./etc/leakjail/policies.d/default.conf "$T_DIR/installed" || fail "no policy installed"

# an edited policy is the administrator's: kept, and said
echo "# edited here" >>"$root/etc/leakjail/policies.d/default.conf"
make -s O="$LJ_BUILD" uninstall DESTDIR="$root" >"$T_DIR/uninstall.log" 2>&1 ||
	fail "make uninstall failed: $(cat "$T_DIR/uninstall.log")"
left=$(cd "$root" && find . -type f | sort)
[ "$left" = ./etc/leakjail/policies.d/default.conf ] ||
	fail "after uninstall, files left: $left"
grep -q "kept .*/etc/leakjail/policies.d/default.conf" "$T_DIR/uninstall.log" ||
	fail "the kept file was not named: $(cat "$T_DIR/uninstall.log")"
for d in etc/leakjail/examples usr/local/share/doc/leakjail; do
	[ ! -e "$root/$d" ] || fail "$d is left"
done

# unedited: nothing of leakjail's is left
make -s O="$LJ_BUILD" install DESTDIR="$root" >/dev/null 2>&1 || fail "second make install failed"
rm "$root/etc/leakjail/policies.d/default.conf"
make -s O="$LJ_BUILD" install DESTDIR="$root" >/dev/null 2>&1 || fail "third make install failed"
make -s O="$LJ_BUILD" uninstall DESTDIR="$root" >/dev/null 2>&1 || fail "second make uninstall failed"
left=$(cd "$root" && find . -type f -o -type l -o -type d -name '*leakjail*')
[ -z "$left" ] || fail "after uninstall of unedited files, left: $left"
note "installed $(wc -l <"$T_DIR/installed") files; uninstall removed them all, and kept an edited policy"
