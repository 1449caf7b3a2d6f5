# SPDX-License-Identifier: GPL-2.0-or-later
# A leaker in a Podman container (runc, the systemd cgroup manager: the
# container is a scope, libpod-ID.scope, whose subtree is delegated to the
# runtime) is jailed in place through systemd: it stays in its container's
# cgroup, the scope's MemoryHigh is lowered (MemoryMax stays podman's), an
# innocent in another container keeps its memory, `podman stats` still
# counts it, release restores the scope exactly (no drop-in of leakjail's
# left), and `podman stop` still ends it.
. "$(dirname "$0")/lib.sh"
command -v podman >/dev/null && command -v runc >/dev/null || skip "podman and runc are not in the VM's image"
R=/lj/ctr-rootfs
[ -x "$R/bin/leak" ] || skip "no container root in $R (tests/vm/sd-suite.sh builds it)"

# the VM's kernel has the overlay module on disk, not loaded: the plain vfs driver (--rootfs needs no
# image); the VM's root is a snapshot, thrown away at power-off
mkdir -p /etc/containers
printf '[storage]\ndriver = "vfs"\nrunroot = "/run/containers/storage"\ngraphroot = "/var/lib/containers/storage"\n' \
	>/etc/containers/storage.conf
CTRS=()
ctr_cleanup() {
	local c
	for c in "${CTRS[@]}"; do podman rm -f -t 0 "$c" >/dev/null 2>&1 || true; done
	t_cleanup
}
trap ctr_cleanup EXIT

# ctr NAME MEMORY CMD...: a detached container; its pid in $CPID, its scope in $SCOPE
ctr() {
	local name=$T_ID-$1 mem=$2
	shift 2
	podman run -d --name "$name" --runtime runc --cgroup-manager systemd --network none \
		--memory "$mem" --rootfs "$R" "$@" >"$T_DIR/$name.id" 2>"$T_DIR/$name.err" ||
		fail "podman run $name: $(tail -3 "$T_DIR/$name.err")"
	CTRS+=("$name")
	CPID=$(podman inspect -f '{{.State.Pid}}' "$name")
	SCOPE=libpod-$(cat "$T_DIR/$name.id").scope
	[[ $(proc_cgroup "$CPID") == */$SCOPE* ]] || fail "container $name is in $(proc_cgroup "$CPID"), not $SCOPE"
}

write_conf "$T_DIR/leakjail.conf" "[daemon]
interval = 500ms
state_dir = $T_DIR/state
kernel_watch = no
log = stderr
backend = auto"
write_conf "$T_DIR/policies/t.conf" "[policy t]
match_container = podman:$T_ID-*
match_comm = leak
growth = 30M
window = 3s
action = jail
jail_size = 32M"

ctr innocent 200m /bin/memhog hold 40
INNOCENT=$CPID
ctr leaker 300m /bin/leak 10 250
LEAKER=$CPID LSCOPE=$SCOPE
max_before=$(systemctl show -P MemoryMax "$LSCOPE")
high_before=$(systemctl show -P MemoryHigh "$LSCOPE")
dropins() { systemctl show -P DropInPaths "$1" | tr ' ' '\n' | sort | tr '\n' ' '; }
dropins_before=$(dropins "$LSCOPE")
log=$T_DIR/daemon.log
start_daemon "$log"
wait_for 120 grep -q "jailed pid $LEAKER " "$log" ||
	fail "pid $LEAKER was not jailed: $(cat "$log"); explain: $("$LEAKJAIL" explain --config "$T_DIR/leakjail.conf" "$LEAKER" 2>&1)"
note "$(grep -o "jailed pid $LEAKER .*" "$log" | sed 's/policy=t: .*; backend/... backend/')"
grep "jailed pid $LEAKER " "$log" | grep -q "in its container podman [0-9a-f]\{12\} ($T_ID-leaker)" ||
	fail "the record does not name the container: $(grep "jailed pid $LEAKER" "$log")"
[[ $(proc_cgroup "$LEAKER") == */$LSCOPE* ]] || fail "the leaker left its container: $(proc_cgroup "$LEAKER")"
high=$(systemctl show -P MemoryHigh "$LSCOPE")
[ "$high" != infinity ] && [ "$high" -lt $((300 << 20)) ] || fail "the scope's MemoryHigh is $high"
[ "$(systemctl show -P MemoryMax "$LSCOPE")" = "$max_before" ] || fail "MemoryMax changed: $(systemctl show -P MemoryMax "$LSCOPE")"
rec=$T_DIR/state/jails/$LEAKER
grep -qx "backend=systemd" "$rec" && grep -qx "unit=$LSCOPE" "$rec" && grep -q "^container=podman " "$rec" ||
	fail "record: $(cat "$rec")"
wait_for 60 swaps "$LEAKER" 10240 || fail "the leaker does not swap: VmSwap $(kib_of "$LEAKER" VmSwap) kB"
usage=$(podman stats --no-stream --format '{{.MemUsage}}' "$T_ID-leaker" 2>&1) || fail "podman stats: $usage"
[[ $usage != 0B* ]] || fail "podman stats counts nothing: $usage"
[ "$(kib_of "$INNOCENT" VmRSS)" -ge $((38 << 10)) ] || fail "the innocent holds $(kib_of "$INNOCENT" VmRSS) kB of 40 MiB"
note "in place: MemoryHigh=$high (was $high_before), MemoryMax=$max_before; leaker rss $(kib_of "$LEAKER" VmRSS) kB swap $(kib_of "$LEAKER" VmSwap) kB; podman stats $usage"

out=$("$LEAKJAIL" release --config "$T_DIR/leakjail.conf" "$LEAKER" 2>&1) || fail "release: $out"
[ "$(systemctl show -P MemoryHigh "$LSCOPE")" = "$high_before" ] || fail "MemoryHigh not restored: $(systemctl show -P MemoryHigh "$LSCOPE")"
[ "$(systemctl show -P MemoryMax "$LSCOPE")" = "$max_before" ] || fail "MemoryMax not as before"
# the same drop-ins (podman's own), in whatever order systemd lists them; no 50-MemoryHigh.conf of leakjail's
# (systemd forgets a removed drop-in at the daemon-reload the release asks for, without waiting)
same_dropins() { [ "$(dropins "$LSCOPE")" = "$dropins_before" ]; }
wait_for 60 same_dropins || fail "drop-ins after release: $(dropins "$LSCOPE"), before: $dropins_before"
[ ! -e "/run/systemd/transient/$LSCOPE.d/50-MemoryHigh.conf" ] || fail "leakjail's MemoryHigh drop-in is left"
kill -0 "$LEAKER" || fail "release killed the leaker"
timeout 60 podman stop -t 2 "$T_ID-leaker" >/dev/null 2>&1 || fail "podman stop failed"
! kill -0 "$LEAKER" 2>/dev/null || fail "podman stop did not end the container"
kill -TERM "$DAEMON"
wait "$DAEMON" || fail "daemon exited with $?"
