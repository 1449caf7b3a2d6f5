# SPDX-License-Identifier: GPL-2.0-or-later
# Runs inside the systemd VM (as root, from a oneshot unit): tests/vm/systemd/*.sh.
# Each exits 0 (pass), 77 (skip, with the reason) or anything else (fail).
O=$1
export CI=$2 LJ_SD_TESTS=$3
cd /lj || exit 1
export LEAKJAIL=/usr/local/sbin/leakjail MEMHOG=/lj/$O/progs/memhog LJ_BUILD=/lj/$O
exec bash -c '
passed=0 failed=0 skipped=0
for t in tests/vm/systemd/[a-z]*.sh; do
	name=$(basename "$t" .sh)
	[ "$name" = lib ] && continue
	[ -z "$LJ_SD_TESTS" ] || case " $LJ_SD_TESTS " in *" $name "*) ;; *) continue ;; esac
	start=$(date +%s)
	log=$(mktemp /tmp/leakjail-test-log.XXXXXX)
	timeout --kill-after=10 300 bash "$t" >"$log" 2>&1
	rc=$?
	if [ $rc -ne 0 ]; then sed "s/^/    /" "$log"; else grep "^#" "$log" | sed "s/^/    /"; fi
	rm -f "$log"
	what="systemd/$name ($(($(date +%s) - start)) s)"
	case $rc in
	0) passed=$((passed + 1)); echo "PASS: $what" ;;
	77) if [ "$CI" = true ]; then failed=$((failed + 1)); echo "FAIL: $what (skipped, and CI=true requires it)"
	    else skipped=$((skipped + 1)); echo "SKIP: $what"; fi ;;
	*) failed=$((failed + 1)); echo "FAIL: $what (exit $rc)" ;;
	esac
done
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]'
