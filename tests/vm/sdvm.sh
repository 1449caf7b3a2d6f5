#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run a shell script inside a throwaway QEMU VM that boots systemd as PID 1
# on the unified cgroup hierarchy (cgroup v2 with the memory controller), so
# leakjail's systemd backend can be tested against a real service manager.
#
# The guest is the Debian cloud kernel of vm.sh, a busybox initramfs that
# loads the virtio modules, mounts the root disk and switch_roots to
# /sbin/init, and a Debian bookworm root file system made once by mmdebstrap
# and cached as an ext4 image (booted with -snapshot: the cache is never
# written). What a run brings (the script, leakjail, test programs) goes on a
# second, small ext4 disk made per run; a third disk is the swap.
# A oneshot unit ordered after multi-user.target runs the script, prints the
# exit marker and powers off. See README.md.

set -euo pipefail

# the kernel, host tools, console and exit-marker handling are vm.sh's
# shellcheck source=tests/vm/vm.sh
. "$(dirname "${BASH_SOURCE[0]}")/vm.sh"

readonly MIRROR=${LEAKJAIL_VM_MIRROR:-http://deb.debian.org/debian}
readonly SUITE=bookworm
# systemd as PID 1 with dbus (the system bus); dbus-user-session gives user
# managers their bus at $XDG_RUNTIME_DIR/bus; libpam-systemd registers
# sessions; passwd makes the unprivileged test user; the rest are the
# libraries leakjail links (the host builds it on the same Debian release);
# podman and runc for the container test (its systemd cgroup manager makes a
# scope of each container).
readonly ROOT_PACKAGES=systemd-sysv,dbus,dbus-user-session,libpam-systemd,passwd,libcgroup2,libinih1,libbpf1,procps,podman,runc
readonly ROOT_SIZE=1G
# uid of the unprivileged user whose manager runs at boot (linger)
readonly GUEST_USER=lju GUEST_UID=1000

# The unit baked into the image: everything else the boot does comes from
# the run's own disk, so a change there needs no new image.
# shellcheck disable=SC2089 # unit file text, never run
ROOT_UNIT='[Unit]
Description=leakjail VM run
After=multi-user.target

[Service]
Type=oneshot
ExecStart=/bin/sh -c "mkdir -p /run/lj-payload && mount -o ro /dev/vdb /run/lj-payload && exec /bin/sh /run/lj-payload/boot.sh"
StandardInput=null
StandardOutput=tty
StandardError=inherit
TTYPath=/dev/ttyS0
TimeoutStartSec=infinity

[Install]
WantedBy=multi-user.target'

usage() {
	cat <<EOF
Usage: $PROG [--mem MiB] [--swap MiB] [--cpus N] [--file HOSTPATH:GUESTPATH]... [--timeout SEC] -- GUEST_SCRIPT [ARGS...]

Boot a QEMU VM with systemd as PID 1 on cgroup v2 and run GUEST_SCRIPT in it
with /bin/sh, as root, from a oneshot unit ordered after multi-user.target.
Exits with the script's status; 1 if the VM did not report one; 77 if the VM
cannot be set up here.

  --mem MiB          guest RAM (default 1024)
  --swap MiB         swap disk size, 0 for none (default 512)
  --cpus N           virtual CPUs (default 2)
  --file HOST:GUEST  copy a file or directory to an absolute guest path
  --timeout SEC      kill the VM after SEC seconds (default 600)

Environment: LEAKJAIL_VM_CACHE (kernel and root image cache, default
/var/cache/leakjail-vm), LEAKJAIL_VM_MIRROR (Debian mirror for the root image,
default $MIRROR), LEAKJAIL_VM_KERNEL_PKG, LEAKJAIL_VM_ACCEL (tcg).
The guest has a user $GUEST_USER (uid $GUEST_UID) whose user manager runs from boot.
EOF
}

# vm.sh's parse_args, with systemd's defaults and least memory, and no --bin
MEM=1024
SWAP=512
CPUS=2
MEM_MIN=256
BIN_OPTION=0

# -------------------------------------------------------------- root image

# customize ROOTDIR: what mmdebstrap's customize hook does to the new root.
# shellcheck disable=SC2317 # run by the hook, from the script ensure_root_image writes
customize() {
	local r=$1
	printf '%s\n' "$ROOT_UNIT" >"$r/etc/systemd/system/leakjail-vm.service"
	mkdir -p "$r/etc/systemd/system/multi-user.target.wants"
	ln -sf ../leakjail-vm.service "$r/etc/systemd/system/multi-user.target.wants/leakjail-vm.service"
	# the console is the run's: no login prompt on it
	ln -sf /dev/null "$r/etc/systemd/system/serial-getty@ttyS0.service"
	ln -sf /dev/null "$r/etc/systemd/system/getty@tty1.service"
	echo leakjail-vm >"$r/etc/hostname"
	: >"$r/etc/fstab"
	chroot "$r" useradd --create-home --uid "$GUEST_UID" --shell /bin/bash "$GUEST_USER"
	# linger: the user's manager (user@UID.service) starts at boot, as on a desktop after login
	mkdir -p "$r/var/lib/systemd/linger"
	: >"$r/var/lib/systemd/linger/$GUEST_USER"
}

# ensure_root_image: set ROOT_IMG to the cached root image, building it once.
# The cache key is a hash of the recipe: changing it makes a new image.
ensure_root_image() {
	local key dir tmp lockfd t0
	key=$(printf '%s\n' "$SUITE" "$ROOT_PACKAGES" "$ROOT_SIZE" "$ROOT_UNIT" "$(declare -f customize)" |
		sha256sum | cut -c1-16)
	dir=$CACHE/systemd-root
	ROOT_IMG=$dir/root-$key.img
	[[ -e $ROOT_IMG ]] && { touch -- "$ROOT_IMG"; return 0; }
	if ! mkdir -p -- "$dir" 2>/dev/null || ! { exec {lockfd}>>"$dir/.lock"; } 2>/dev/null; then
		skip "cannot write the image cache $dir (set LEAKJAIL_VM_CACHE)"
	fi
	flock "$lockfd"
	if [[ ! -e $ROOT_IMG ]]; then
		command -v mmdebstrap >/dev/null || apt_install mmdebstrap ||
			skip "mmdebstrap is missing and could not be installed"
		command -v mke2fs >/dev/null || apt_install e2fsprogs ||
			skip "mke2fs is missing and e2fsprogs could not be installed"
		t0=$(now_ms)
		msg "building the systemd root image (once; cached in $dir)"
		FETCH_TMP=$(mktemp -d "$dir/.build.XXXXXX")
		tmp=$FETCH_TMP
		# mmdebstrap runs a hook with sh: hand it a bash script of its own
		# shellcheck disable=SC2090,SC2016 # text for that script
		{
			declare -p ROOT_UNIT GUEST_USER GUEST_UID
			declare -f customize
			echo 'customize "$1"'
		} >"$tmp/customize.sh"
		if ! mmdebstrap --quiet --variant=apt --include="$ROOT_PACKAGES" \
			--customize-hook="bash $tmp/customize.sh \"\$1\"" "$SUITE" "$tmp/root" "$MIRROR" >"$tmp/log" 2>&1; then
			tail -n 20 "$tmp/log" | sed 's/^/  mmdebstrap: /' >&2
			skip "mmdebstrap could not build the root file system from $MIRROR"
		fi
		mke2fs -q -t ext4 -d "$tmp/root" "$tmp/root.img" "$ROOT_SIZE" >/dev/null || die "mke2fs of the root image failed"
		# images of other recipes: kept a week after their last use (another checkout may boot one)
		find "$dir" -maxdepth 1 -name 'root-*.img' -mtime +7 -delete 2>/dev/null || true
		mv -- "$tmp/root.img" "$ROOT_IMG"
		rm -rf -- "$tmp"
		FETCH_TMP=
		msg "root image ready in $(since "$t0") ($(du -m "$ROOT_IMG" | cut -f1) MiB used of $ROOT_SIZE)"
	fi
	exec {lockfd}>&-
}

# ---------------------------------------------------------------- initramfs

# An init that only finds the root disk and hands over to systemd.
build_sd_initramfs() {
	local modules
	initramfs_base "$WORK/initramfs"
	mkdir -p -- "$ROOT"/{dev,proc,sys,newroot}
	mapfile -t modules <"$KDIR/modules/order"
	ln -s busybox "$ROOT/bin/sh"
	cat >"$ROOT/init" <<EOF
#!/bin/sh
/bin/busybox --install -s /bin
mount -t devtmpfs devtmpfs /dev
exec </dev/null >/dev/console 2>&1
fail() { echo "leakjail-vm initramfs: \$*"; echo "@@LEAKJAIL-VM-INIT-FAILED $TOKEN@@"; sleep 0.2; poweroff -f; }
mount -t proc proc /proc
mount -t sysfs sysfs /sys
for m in ${modules[*]}; do insmod /lib/modules/vm/\$m.ko || fail "insmod \$m"; done
i=0
while [ ! -b /dev/vda ] && [ \$i -lt 50 ]; do sleep 0.1; i=\$((i + 1)); done
mount -t ext4 -o rw /dev/vda /newroot || fail "mount the root disk /dev/vda"
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /sbin/init
EOF
	chmod 0755 "$ROOT/init"
	pack_initramfs
}

# ------------------------------------------------------------------ payload

# The run's own disk: boot.sh, the script, and every --file under root/.
build_payload() {
	local arg quoted_args='' m
	ROOT=$WORK/payload/root
	mkdir -p -- "$ROOT/vm"
	# copied onto the guest's / with cp -a: its mode becomes that of /
	chmod 0755 "$WORK/payload" "$ROOT"
	for m in "${FILES[@]}"; do
		copy_file "$m"
	done
	cp -- "$SCRIPT" "$ROOT/vm/${SCRIPT##*/}"
	for arg in "${SCRIPT_ARGS[@]}"; do
		quoted_args+=" $(sh_quote "$arg")"
	done
	# run as the baked unit's ExecStart: it must always end in a marker
	# line and a power-off, so the host never waits for the timeout
	cat >"$WORK/payload/boot.sh" <<EOF
#!/bin/sh
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb
finish() {
	echo "\$1"
	sync
	sleep 0.2
	systemctl poweroff --force
}
cp -a /run/lj-payload/root/. / || finish "@@LEAKJAIL-VM-INIT-FAILED $TOKEN@@"
if [ $((SWAP > 0 ? 1 : 0)) = 1 ]; then
	mkswap /dev/vdc >/dev/null && swapon /dev/vdc || finish "@@LEAKJAIL-VM-INIT-FAILED $TOKEN@@"
fi
echo "leakjail-vm: systemd \$(systemctl --version | head -n 1 | cut -d' ' -f2), \$(systemctl is-system-running), up \$(cut -d' ' -f1 /proc/uptime) s"
set --$quoted_args
cd /
/bin/sh $(sh_quote "/vm/${SCRIPT##*/}") "\$@" </dev/null
finish "@@LEAKJAIL-VM-EXIT $TOKEN \$?@@"
EOF
	# sized for what it holds, with room for ext4's own metadata
	local kib
	kib=$(du -sk "$WORK/payload" | cut -f1)
	mke2fs -q -t ext4 -d "$WORK/payload" "$WORK/payload.img" "$((kib * 3 / 2 + 16384))k" >/dev/null ||
		die "mke2fs of the payload disk failed"
}

sd_main() {
	parse_args "$@"
	vm_start leakjail-sdvm
	ensure_root_image
	local t0
	t0=$(now_ms)
	TOKEN=$(od -An -N8 -tx8 /dev/urandom | tr -d ' \n')
	build_sd_initramfs
	build_payload
	msg "kernel $KPKG, root ${ROOT_IMG##*/}, payload built in $(since "$t0"); booting systemd (mem ${MEM}M, swap ${SWAP}M, cpus $CPUS, accel $ACCEL)"
	BOOT_MS=$(now_ms)
	# the root disk (vda; snapshot=on writes the guest's changes to a
	# temporary file of qemu's), the payload (vdb), then the swap (vdc);
	# no_timer_check: on a loaded host the emulated timer can miss the
	# kernel's IO-APIC check, which then panics ("IO-APIC + timer doesn't work")
	run_qemu "console=ttyS0 rw quiet loglevel=3 panic=-1 psi=1 no_timer_check systemd.show_status=false" \
		-drive "file=$ROOT_IMG,if=virtio,format=raw,snapshot=on" \
		-drive "file=$WORK/payload.img,if=virtio,format=raw"
	report
}

sd_main "$@"
