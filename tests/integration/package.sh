# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian package: `make deb` builds it, lintian accepts it (overrides
# explained in debian/leakjail.lintian-overrides), and in a Debian chroot of
# the test's own (mmdebstrap, cached; never the host) it installs with the
# unit disabled, its daemon runs (writing its metrics) and reloads an edited
# conffile, an upgrade keeps the edit, and a purge leaves no file behind (the
# metrics file included).
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
require_root
for c in dpkg-buildpackage dh lintian mmdebstrap unshare; do
	command -v $c >/dev/null || skip "$c is not installed (tests/deps.sh build installs it)"
done

# ---- build, lint ----
DEB_BUILD_OPTIONS=nocheck make --no-print-directory deb O="$T_DIR/b" >"$T_DIR/build.log" 2>&1 ||
	{ tail -30 "$T_DIR/build.log" >&2; fail "make deb failed"; }
version=$(dpkg-parsechangelog -S Version)
deb="$T_DIR/b/deb/leakjail_${version}_$(dpkg --print-architecture).deb"
[ -f "$deb" ] || fail "make deb did not leave $deb: $(ls "$T_DIR/b/deb")"
lintian --fail-on error,warning "$T_DIR"/b/deb/*.changes >"$T_DIR/lintian" 2>&1 ||
	fail "lintian: $(grep -v 'root privileges' "$T_DIR/lintian")"
contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/sbin/leakjail ./lib/systemd/system/leakjail.service ./etc/leakjail/leakjail.conf \
	./etc/leakjail/policies.d/default.conf ./usr/share/man/man8/leakjail.8.gz \
	./usr/share/man/man5/leakjail.conf.5.gz ./usr/share/bash-completion/completions/leakjail \
	./usr/share/doc/leakjail/examples/leakjail.rules.yml ./usr/share/doc/leakjail/copyright; do
	grep -qx -- "$f" <<<"$contents" || fail "$f is not in the package"
done
[ "$(dpkg-deb -f "$deb" Package)" = leakjail ] || fail "package name"
note "built $(basename "$deb") ($(stat -c %s "$deb") bytes), lintian clean"

# ---- a chroot: a minimal bookworm with leakjail's libraries, cached ----
cache=${LEAKJAIL_VM_CACHE:-/var/cache/leakjail-vm}
# the number says which include list made it: change both together
tarball="$cache/pkgtest-bookworm-2.tar"
if [ ! -f "$tarball" ]; then
	mkdir -p "$cache"
	tmp="$cache/pkgtest-bookworm-2.$$.tar"
	note "making $tarball with mmdebstrap (once)"
	mmdebstrap --quiet --variant=minbase --include=libcgroup2,libinih1,libsystemd0,libbpf1,init-system-helpers,man-db \
		bookworm "$tmp" >"$T_DIR/mmdebstrap.log" 2>&1 || { rm -f "$tmp"; tail "$T_DIR/mmdebstrap.log" >&2; fail "mmdebstrap failed"; }
	mv "$tmp" "$tarball"
fi
R="$T_DIR/root"
mkdir "$R"
tar -C "$R" -xf "$tarball"
# in the chroot, in namespaces of its own: /proc shows only what runs there, and no mount outlives it
in_root() { unshare --mount --pid --fork --root="$R" --mount-proc /bin/sh -c "$1"; }
# every file of the chroot but the package database, logs and caches (which dpkg keeps on purpose)
files() {
	(cd "$R" && find . -xdev \( -path ./proc -o -path ./var/lib/dpkg -o -path ./var/log -o -path ./var/cache \
		-o -path ./tmp \) -prune -o -print) | sort
}
# where the node exporter's package would read metrics: there before leakjail, so it stays
mkdir -p "$R/var/lib/prometheus/node-exporter"
files >"$T_DIR/before"

# ---- install ----
cp "$deb" "$R/tmp/leakjail.deb"
in_root 'dpkg -i /tmp/leakjail.deb' </dev/null >"$T_DIR/install.log" 2>&1 || fail "dpkg -i: $(cat "$T_DIR/install.log")"
[ -x "$R/usr/sbin/leakjail" ] || fail "no /usr/sbin/leakjail after install"
grep -q '^ExecStart=/usr/sbin/leakjail daemon$' "$R/lib/systemd/system/leakjail.service" || fail "the unit does not run /usr/sbin/leakjail"
conffiles=$(in_root "dpkg-query -W -f='\${Conffiles}' leakjail" | awk '{print $1}' | xargs)
[ "$conffiles" = "/etc/leakjail/leakjail.conf /etc/leakjail/policies.d/default.conf" ] ||
	fail "conffiles: '$conffiles'"
# installed disabled: nothing links it into a target
if find "$R/etc/systemd" -name leakjail.service 2>/dev/null | grep -q .; then
	fail "the unit was enabled on install: $(find "$R/etc/systemd" -name leakjail.service)"
fi
in_root 'leakjail --version' | grep -qx "leakjail $version" || fail "the installed binary's version is not $version"
in_root 'leakjail check' >"$T_DIR/check" 2>&1 || fail "leakjail check on the packaged configuration: $(cat "$T_DIR/check")"
in_root 'MANWIDTH=80 man leakjail.conf 2>/dev/null' | grep -q 'metrics_file' || fail "man leakjail.conf does not render in the chroot"

# ---- run, edit the conffile, reload (SIGHUP), stop ----
sed -i 's/^interval = 2s$/interval = 500ms/' "$R/etc/leakjail/leakjail.conf"
echo "metrics_file = /var/lib/prometheus/node-exporter/leakjail.prom" >>"$R/etc/leakjail/leakjail.conf"
grep -q '^interval = 500ms$' "$R/etc/leakjail/leakjail.conf" || fail "could not edit the conffile"
in_root 'leakjail daemon --dry-run --foreground >/tmp/daemon.log 2>&1 & p=$!
	sleep 1.5; sed -i "s/^interval = 500ms\$/interval = 700ms/" /etc/leakjail/leakjail.conf
	kill -HUP $p; sleep 1; kill -TERM $p; wait $p; echo "daemon-exit=$?" >>/tmp/daemon.log'
log=$(cat "$R/tmp/daemon.log")
# as many policies as the package ships
npol=$(cat policies/policies.d/*.conf | grep -c '^\[policy ')
grep -q "started: $npol policies, interval 500 ms" <<<"$log" || fail "the daemon did not start with the edited conffile: $log"
grep -q "reloaded: $npol policies, interval 700 ms" <<<"$log" || fail "no reload: $log"
grep -q 'daemon-exit=0' <<<"$log" || fail "the daemon did not stop cleanly: $log"
grep -q '^leakjail_passes_total [1-9]' "$R/var/lib/prometheus/node-exporter/leakjail.prom" ||
	fail "no metrics written in the chroot: $log"
rm -f "$R/tmp/daemon.log"
note "installed, ran in the chroot, reloaded the edited conffile"

# ---- upgrade: a newer version of the same package; the edited conffile stays ----
mkdir "$T_DIR/up"
dpkg-deb -R "$deb" "$T_DIR/up/pkg"
sed -i "s/^Version: .*/Version: $version.1/" "$T_DIR/up/pkg/DEBIAN/control"
dpkg-deb --root-owner-group -b "$T_DIR/up/pkg" "$R/tmp/leakjail-up.deb" >/dev/null
in_root 'dpkg -i /tmp/leakjail-up.deb' </dev/null >"$T_DIR/upgrade.log" 2>&1 || fail "upgrade: $(cat "$T_DIR/upgrade.log")"
[ "$(in_root "dpkg-query -W -f='\${Version}' leakjail")" = "$version.1" ] || fail "the upgrade did not take"
grep -q '^interval = 700ms$' "$R/etc/leakjail/leakjail.conf" || fail "the upgrade lost the edited conffile"

# ---- purge: nothing left ----
in_root 'dpkg --purge leakjail' </dev/null >"$T_DIR/purge.log" 2>&1 || fail "purge: $(cat "$T_DIR/purge.log")"
rm -f "$R/tmp/leakjail.deb" "$R/tmp/leakjail-up.deb"
files >"$T_DIR/after"
if ! diff "$T_DIR/before" "$T_DIR/after" >"$T_DIR/diff"; then
	fail "left behind after purge: $(grep '^[<>]' "$T_DIR/diff" | head -20)"
fi
in_root 'dpkg -s leakjail' >/dev/null 2>&1 && fail "still known to dpkg after purge"
note "upgraded to $version.1 keeping the edit; purged: no file left ($(wc -l <"$T_DIR/before") files compared)"
