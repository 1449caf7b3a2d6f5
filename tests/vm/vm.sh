#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run a shell script inside a throwaway QEMU VM whose kernel has a real
# cgroup v2 memory controller, swap and PSI, so leakjail's cgroup v2 code can
# be tested on hosts whose own memory controller is on cgroup v1 (or absent).
#
# The guest is a Debian cloud kernel plus a busybox initramfs built per run.
# Console output streams live to stdout; the guest script's exit status is
# carried back through a marker line on the serial console.  See README.md.

set -euo pipefail

readonly PROG=${0##*/}
readonly CACHE=${LEAKJAIL_VM_CACHE:-/var/cache/leakjail-vm}
# TCG is the default because KVM is not usable on every machine this runs on
# (where /dev/kvm exists but hangs); LEAKJAIL_VM_ACCEL=kvm opts in.
readonly ACCEL=${LEAKJAIL_VM_ACCEL:-tcg}
# Meta package whose dependency names the current cloud kernel.
readonly KERNEL_META=linux-image-cloud-amd64
# Modules needed to see the swap disk; their dependencies are found from the
# modules' own "depends=" field, so the load order is not hard-coded.
readonly ROOT_MODULES=(virtio_pci virtio_blk)
readonly EXIT_SKIP=77

MEM=512
SWAP=256
CPUS=1
TIMEOUT=600
MEM_MIN=128    # sdvm.sh: systemd needs more
BIN_OPTION=1   # --bin: sdvm.sh has none (its guest has its own root)
BINS=()
FILES=()
SCRIPT=
SCRIPT_ARGS=()

WORK=          # per-run temporary directory
QEMU_PID=      # `timeout qemu ...` while it runs
READER_PID=    # console reader (tr | tee) while it runs
FETCH_TMP=     # half-done kernel download in the cache, if any
APT_UPDATED=0

usage() {
	cat <<EOF
Usage: $PROG [--mem MiB] [--swap MiB] [--cpus N] [--bin HOSTPATH]... [--file HOSTPATH:GUESTPATH]... [--timeout SEC] -- GUEST_SCRIPT [ARGS...]

Boot a QEMU VM with a cgroup v2 memory controller and run GUEST_SCRIPT in it
with /bin/sh (busybox ash).  Exits with the script's status; 1 if the VM did
not report one (panic, crash, timeout); 77 if the VM cannot be set up here.

  --mem MiB          guest RAM (default 512)
  --swap MiB         swap disk size, 0 for none (default 256)
  --cpus N           virtual CPUs (default 1)
  --bin HOSTPATH     copy an executable to the guest's /usr/bin, with the
                     shared libraries it links
  --file HOST:GUEST  copy a file or directory to an absolute guest path
  --timeout SEC      kill the VM after SEC seconds (default 600)

Environment: LEAKJAIL_VM_CACHE (kernel cache, default /var/cache/leakjail-vm),
LEAKJAIL_VM_KERNEL_PKG (pin a Debian kernel package), LEAKJAIL_VM_ACCEL (tcg).
EOF
}

msg() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { msg "error: $*"; exit 1; }
usage_error() { msg "error: $*"; msg "see $PROG --help"; exit 2; }
skip() { msg "skipped: $*"; exit "$EXIT_SKIP"; }

# Milliseconds since the epoch, and seconds since T0 (ms) as "12.3 s".
now_ms() { date +%s%3N; }
since() { local d=$(($(now_ms) - $1)); printf '%d.%d s' $((d / 1000)) $((d % 1000 / 100)); }
START_MS=$(now_ms)
readonly START_MS

# shellcheck disable=SC2317 # run by trap
cleanup() {
	local rc=$? fd
	trap - EXIT INT TERM HUP
	# `timeout` forwards TERM to qemu.
	if [[ -n $QEMU_PID ]] && kill -0 "$QEMU_PID" 2>/dev/null; then
		kill -TERM "$QEMU_PID" 2>/dev/null || true
		wait "$QEMU_PID" 2>/dev/null || true
	fi
	# The reader ends at EOF once qemu's end of the FIFO is closed.  If
	# qemu never opened it, the reader is still blocked in open(): a
	# read-write open, which never blocks, lets it through to EOF.
	if [[ -n $READER_PID ]] && kill -0 "$READER_PID" 2>/dev/null; then
		{ exec {fd}<>"$WORK/console" && exec {fd}>&-; } 2>/dev/null || true
		wait "$READER_PID" 2>/dev/null || true
	fi
	[[ -n $FETCH_TMP ]] && rm -rf -- "$FETCH_TMP"
	[[ -n $WORK ]] && rm -rf -- "$WORK"
	exit "$rc"
}

# shellcheck disable=SC2317 # run by trap
on_signal() {
	msg "interrupted"
	exit "$1"
}

# ---------------------------------------------------------------- arguments

need_uint() {
	[[ $2 =~ ^[0-9]+$ ]] || usage_error "$1 needs a non-negative integer, got '$2'"
}

parse_args() {
	local opt val
	while (($#)); do
		opt=$1
		case $opt in
		--) shift; break ;;
		-h | --help) usage; exit 0 ;;
		--*=*) val=${opt#*=}; opt=${opt%%=*}; shift ;;
		--mem | --swap | --cpus | --bin | --file | --timeout)
			(($# >= 2)) || usage_error "$opt needs an argument"
			val=$2; shift 2 ;;
		-*) usage_error "unknown option $opt" ;;
		*) break ;;
		esac
		case $opt in
		--mem) need_uint "$opt" "$val"; MEM=$val ;;
		--swap) need_uint "$opt" "$val"; SWAP=$val ;;
		--cpus) need_uint "$opt" "$val"; CPUS=$val ;;
		--timeout) need_uint "$opt" "$val"; TIMEOUT=$val ;;
		--bin) ((BIN_OPTION)) || usage_error "unknown option $opt"; BINS+=("$val") ;;
		--file) FILES+=("$val") ;;
		*) usage_error "unknown option $opt" ;;
		esac
	done
	(($# >= 1)) || usage_error "no GUEST_SCRIPT given"
	SCRIPT=$1
	shift
	SCRIPT_ARGS=("$@")
	((MEM >= MEM_MIN)) || usage_error "--mem must be at least $MEM_MIN MiB"
	((CPUS >= 1)) || usage_error "--cpus must be at least 1"
	((TIMEOUT >= 1)) || usage_error "--timeout must be at least 1 second"
	# Catch path mistakes before any slow setup (installs, download).
	[[ -f $SCRIPT && -r $SCRIPT ]] || die "guest script '$SCRIPT' is not a readable file"
	for val in "${BINS[@]}"; do
		[[ -f $val && -x $val ]] || die "--bin $val is not an executable file"
	done
	for val in "${FILES[@]}"; do
		check_file_spec "$val"
	done
}

# --------------------------------------------------------------- host tools

# apt_get ARGS...: run apt-get quietly, showing its log only on failure.
apt_get() {
	local log=$WORK/apt.log
	if DEBIAN_FRONTEND=noninteractive apt-get -q "$@" >"$log" 2>&1; then
		return 0
	fi
	tail -n 15 "$log" | sed 's/^/  apt: /' >&2
	return 1
}

# apt_update_once: refresh the package lists at most once per run, only when
# something was not found (a stale list names packages the mirror dropped).
apt_update_once() {
	((APT_UPDATED == 0)) || return 1
	APT_UPDATED=1
	msg "refreshing package lists"
	apt_get update
}

apt_install() {
	msg "installing $* (not found on this host)"
	command -v apt-get >/dev/null || return 1
	apt_get install -y --no-install-recommends "$@" && return 0
	apt_update_once && apt_get install -y --no-install-recommends "$@"
}

ensure_host_tools() {
	command -v qemu-system-x86_64 >/dev/null ||
		apt_install qemu-system-x86 ||
		skip "qemu-system-x86_64 is missing and package qemu-system-x86 could not be installed"
	BUSYBOX=$(command -v busybox || true)
	if [[ -z $BUSYBOX ]]; then
		apt_install busybox-static ||
			skip "busybox is missing and package busybox-static could not be installed"
		BUSYBOX=$(command -v busybox)
	fi
	command -v dpkg-deb >/dev/null || skip "dpkg-deb is missing (a Debian host is needed)"
}

# ------------------------------------------------------------------- kernel

# Name of the newest kernel package already unpacked in the cache, if any:
# using it keeps later runs off the network entirely.
cached_kernel() {
	local d names=()
	for d in "$CACHE"/*/complete; do
		[[ -e $d ]] || continue
		d=${d%/complete}
		names+=("${d##*/}")
	done
	((${#names[@]})) || return 0
	printf '%s\n' "${names[@]}" | sort -V | tail -n 1
}

# Name of the kernel package to download: the one the cloud meta package
# depends on, else the newest 6.1 cloud kernel the package lists know.
resolve_kernel_pkg() {
	local pkg=
	command -v apt-cache >/dev/null || return 1
	while :; do
		pkg=$(apt-cache depends "$KERNEL_META" 2>/dev/null |
			sed -n 's/^ *Depends: \(linux-image-[^ ]*-cloud-amd64\)$/\1/p' | head -n 1)
		[[ -n $pkg ]] && break
		pkg=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-cloud-amd64$' 2>/dev/null |
			awk '{ print $1 }' | sort -V | tail -n 1)
		[[ -n $pkg ]] && break
		apt_update_once || return 1
	done
	echo "$pkg"
}

# module_depends KO: the comma-free "depends=" list from a module's .modinfo.
module_depends() {
	tr '\0' '\n' <"$1" | sed -n 's/^depends=//p' | head -n 1 | tr ',' ' '
}

# unpack_modules MODDIR OUTDIR: copy ROOT_MODULES and their dependencies out
# of MODDIR (/lib/modules/<release>), decompressed, since busybox insmod may
# not read .ko.xz/.ko.zst; write their load order to OUTDIR/order.
unpack_modules() {
	local moddir=$1 out=$2 f name
	local -A file_of=() seen=()
	local order=()

	while IFS= read -r -d '' f; do
		name=${f##*/}
		name=${name%%.ko*}
		file_of[${name//-/_}]=$f
	done < <(find "$moddir/kernel" -name '*.ko*' -print0)

	add_module() {
		local name=$1 src dst dep
		[[ -z ${seen[$name]:-} ]] || return 0
		seen[$name]=1
		src=${file_of[$name]:-}
		if [[ -z $src ]]; then
			# Built into the kernel: nothing to load.
			grep -q "/${name}\.ko" "$moddir/modules.builtin" 2>/dev/null && return 0
			grep -q "/${name//_/-}\.ko" "$moddir/modules.builtin" 2>/dev/null && return 0
			msg "kernel module $name not found in the package"
			return 1
		fi
		dst=$out/$name.ko
		case $src in
		*.ko) cp -- "$src" "$dst" ;;
		*.ko.xz) xz -dc -- "$src" >"$dst" ;;
		*.ko.zst) zstd -qdc -- "$src" >"$dst" ;;
		*.ko.gz) gzip -dc -- "$src" >"$dst" ;;
		*) msg "unknown module format: $src"; return 1 ;;
		esac
		for dep in $(module_depends "$dst"); do
			add_module "$dep" || return 1
		done
		order+=("$name")
	}

	for name in "${ROOT_MODULES[@]}"; do
		add_module "$name" || return 1
	done
	printf '%s\n' "${order[@]}" >"$out/order"
}

# download_kernel PKG: fetch PKG's .deb into the cache and unpack the kernel
# image and the needed modules next to it.
download_kernel() {
	local pkg=$1 dir vmlinuz moddir t0
	t0=$(now_ms)
	msg "downloading kernel package $pkg (once; cached in $CACHE)"
	FETCH_TMP=$(mktemp -d "$CACHE/.fetch.XXXXXX")
	dir=$FETCH_TMP
	if ! (cd "$dir" && apt_get download "$pkg"); then
		apt_update_once || return 1
		(cd "$dir" && apt_get download "$pkg") || return 1
	fi
	dpkg-deb -x "$dir"/*.deb "$dir/root" || return 1
	vmlinuz=$(find "$dir/root" -path '*/boot/vmlinuz-*' -type f | head -n 1)
	moddir=$(find "$dir/root" -mindepth 3 -maxdepth 4 -type d -path '*/lib/modules/*' | head -n 1)
	[[ -n $vmlinuz && -n $moddir ]] || { msg "$pkg has no kernel image or modules"; return 1; }

	mkdir "$dir/out" "$dir/out/modules"
	cp -- "$vmlinuz" "$dir/out/vmlinuz"
	unpack_modules "$moddir" "$dir/out/modules" || return 1
	mv -- "$dir"/*.deb "$dir/out/"
	echo "${moddir##*/}" >"$dir/out/release"
	touch "$dir/out/complete"

	rm -rf -- "${CACHE:?}/$pkg"
	mv -- "$dir/out" "$CACHE/$pkg"
	rm -rf -- "$dir"
	FETCH_TMP=
	msg "kernel $pkg ready in $(since "$t0") (modules: $(paste -sd ' ' "$CACHE/$pkg/modules/order"))"
}

# ensure_kernel: set KDIR to a cache directory holding vmlinuz and modules/.
ensure_kernel() {
	local pkg lockfd
	pkg=${LEAKJAIL_VM_KERNEL_PKG:-$(cached_kernel)}
	if [[ -z $pkg || ! -e $CACHE/$pkg/complete ]]; then
		if ! mkdir -p -- "$CACHE" 2>/dev/null ||
			! { exec {lockfd}>>"$CACHE/.lock"; } 2>/dev/null; then
			skip "cannot write the kernel cache $CACHE (set LEAKJAIL_VM_CACHE)"
		fi
		# Serialise concurrent runs so only one downloads; look again
		# once the lock is ours, another run may have done it.
		flock "$lockfd"
		pkg=${LEAKJAIL_VM_KERNEL_PKG:-$(cached_kernel)}
		if [[ -z $pkg ]]; then
			pkg=$(resolve_kernel_pkg) || skip "no Debian cloud kernel package found ($KERNEL_META)"
		fi
		if [[ ! -e $CACHE/$pkg/complete ]]; then
			download_kernel "$pkg" || skip "could not obtain kernel package $pkg"
		fi
		exec {lockfd}>&-
	fi
	KDIR=$CACHE/$pkg
	KPKG=$pkg
}

# ---------------------------------------------------------------- initramfs

# sh_quote WORD: WORD quoted for a POSIX shell.
sh_quote() {
	local s=${1//\'/\'\\\'\'}
	printf "'%s'" "$s"
}

# copy_with_libs HOSTPATH DEST: copy an executable to DEST inside the root,
# plus every shared library and the loader it needs, at their host paths.
copy_with_libs() {
	local bin=$1 dest=$2 line lib
	install -D -m 0755 -- "$bin" "$ROOT$dest"
	# ldd fails on static executables and scripts: they need nothing more.
	ldd -- "$bin" >"$WORK/ldd.out" 2>/dev/null || return 0
	while IFS= read -r line; do
		case $line in
		*"=> not found"*) die "$bin: shared library ${line%% *} not found" ;;
		*"=> /"*) lib=${line#*=> } ;;
		/*) lib=$line ;;
		*) continue ;; # vdso
		esac
		lib=${lib%% (0x*}
		[[ -e $ROOT$lib ]] || install -D -m 0755 -- "$(readlink -f -- "$lib")" "$ROOT$lib"
	done < <(sed 's/^[[:space:]]*//' "$WORK/ldd.out")
}

# check_file_spec HOST:GUEST: die unless a --file argument is usable.
# GUEST is split off at the last colon and must be absolute.
check_file_spec() {
	local spec=$1 host guest
	[[ $spec == *:* ]] || die "--file needs HOSTPATH:GUESTPATH, got '$spec'"
	host=${spec%:*}
	guest=${spec##*:}
	[[ -e $host ]] || die "--file $host does not exist"
	[[ $guest == /* ]] || die "--file guest path '$guest' must be absolute"
	case $guest/ in
	/ | /tmp/* | /run/* | /proc/* | /sys/* | /dev/*)
		die "--file guest path '$guest' would be hidden by a mount made at boot" ;;
	esac
}

# copy_file HOST:GUEST (checked by check_file_spec)
copy_file() {
	local host=${1%:*} guest=${1##*:}
	mkdir -p -- "$(dirname -- "$ROOT$guest")"
	cp -a -T -- "$host" "$ROOT$guest"
}

write_init() {
	local modules arg quoted_args=
	modules=$(tr '\n' ' ' <"$KDIR/modules/order")
	for arg in "${SCRIPT_ARGS[@]}"; do
		quoted_args+=" $(sh_quote "$arg")"
	done
	cat >"$ROOT/etc/leakjail-vm.conf" <<EOF
VM_TOKEN=$TOKEN
VM_MODULES='$modules'
VM_SWAP=$((SWAP > 0 ? 1 : 0))
VM_SCRIPT=$(sh_quote "/vm/${SCRIPT##*/}")
set --$quoted_args
EOF
	# PID 1 of the guest.  It must always end in a marker line and a
	# poweroff, whatever the script does, so the host never waits for the
	# timeout on a healthy run.
	cat >"$ROOT/init" <<'EOF'
#!/bin/sh
/bin/busybox --install -s
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb
. /etc/leakjail-vm.conf

# The initramfs has no /dev/console node, so the kernel gave us no stdio:
# take the console from devtmpfs first of all.
mkdir -p /dev
mount -t devtmpfs devtmpfs /dev
exec </dev/null >/dev/console 2>&1

finish() {
	echo "$1"
	sync
	# Let the UART drain the last lines before the machine goes away.
	sleep 0.2
	poweroff -f
}
fail() {
	echo "leakjail-vm init: $*"
	finish "@@LEAKJAIL-VM-INIT-FAILED $VM_TOKEN@@"
}

mkdir -p /proc /sys /tmp /run /dev/shm /root
mount -t proc proc /proc || fail "mount /proc"
mount -t sysfs sysfs /sys || fail "mount /sys"
mount -t tmpfs -o mode=1777 tmpfs /tmp || fail "mount /tmp"
mount -t tmpfs -o mode=0755 tmpfs /run || fail "mount /run"
mount -t tmpfs -o mode=1777 tmpfs /dev/shm || fail "mount /dev/shm"
mount -t cgroup2 cgroup2 /sys/fs/cgroup || fail "mount cgroup2"
echo +memory >/sys/fs/cgroup/cgroup.subtree_control || fail "enable the memory controller"
ip link set lo up 2>/dev/null

for m in $VM_MODULES; do
	insmod "/lib/modules/vm/$m.ko" || fail "insmod $m"
done
if [ "$VM_SWAP" = 1 ]; then
	# devtmpfs creates the node asynchronously after the disk is probed.
	i=0
	while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -b /dev/vda ] || fail "swap disk /dev/vda did not appear"
	mkswap /dev/vda >/dev/null || fail "mkswap /dev/vda"
	swapon /dev/vda || fail "swapon /dev/vda"
fi

cd /
/bin/sh "$VM_SCRIPT" "$@"
finish "@@LEAKJAIL-VM-EXIT $VM_TOKEN $?@@"
EOF
	chmod 0755 "$ROOT/init"
}

# initramfs_base DIR: start an initramfs root in DIR (in $ROOT): busybox and
# the kernel modules of $KDIR/modules/order in /lib/modules/vm.
initramfs_base() {
	local m
	ROOT=$1
	mkdir -p -- "$ROOT"/{bin,lib/modules/vm}
	copy_with_libs "$BUSYBOX" /bin/busybox
	while IFS= read -r m; do
		cp -- "$KDIR/modules/$m.ko" "$ROOT/lib/modules/vm/"
	done <"$KDIR/modules/order"
}

# pack_initramfs: $ROOT as the gzipped cpio archive $WORK/initrd.gz.
pack_initramfs() {
	(cd "$ROOT" && find . -mindepth 1 | LC_ALL=C sort |
		"$BUSYBOX" cpio -o -H newc -R 0:0 2>/dev/null) | gzip -1 >"$WORK/initrd.gz"
}

build_initramfs() {
	local bin m
	initramfs_base "$WORK/root"
	mkdir -p -- "$ROOT"/{sbin,usr/bin,usr/sbin,etc,root,vm}
	for bin in "${BINS[@]}"; do
		copy_with_libs "$bin" "/usr/bin/${bin##*/}"
	done
	for m in "${FILES[@]}"; do
		copy_file "$m"
	done
	cp -- "$SCRIPT" "$ROOT/vm/${SCRIPT##*/}"
	write_init

	# The other applet links are made by the init itself (busybox --install
	# -s, quicker than hundreds of ln here), which leaves any --bin or
	# --file of the same name in place.
	[[ -e $ROOT/bin/sh ]] || ln -s busybox "$ROOT/bin/sh"
	pack_initramfs
}

# ----------------------------------------------------------------------- run

# run_qemu APPEND [QEMU_ARGS...]: boot the VM on $KDIR/vmlinuz and
# $WORK/initrd.gz with the kernel command line APPEND, the disks of QEMU_ARGS
# and then the swap disk, streaming the console to stdout and
# $WORK/console.log; sets QEMU_RC to qemu's (or timeout's) exit status.
run_qemu() {
	local append=$1
	shift
	local drives=("$@")
	if ((SWAP > 0)); then
		truncate -s "${SWAP}M" "$WORK/swap.img"
		drives+=(-drive "file=$WORK/swap.img,if=virtio,format=raw")
	fi
	mkfifo "$WORK/console"
	# Serial lines end in \r\n; drop the \r so logs and greps stay clean.
	tr -d '\r' <"$WORK/console" | tee "$WORK/console.log" &
	READER_PID=$!
	timeout --kill-after=10 "$TIMEOUT" \
		qemu-system-x86_64 -accel "$ACCEL" -cpu max -smp "$CPUS" -m "$MEM" \
		-nodefaults -display none -serial stdio -no-reboot \
		-kernel "$KDIR/vmlinuz" -initrd "$WORK/initrd.gz" "${drives[@]}" \
		-append "$append" \
		</dev/null >"$WORK/console" 2>&1 &
	QEMU_PID=$!
	QEMU_RC=0
	wait "$QEMU_PID" || QEMU_RC=$?
	QEMU_PID=
	wait "$READER_PID" || true
	READER_PID=
}

# report: turn the console log into this script's exit status.
report() {
	local log=$WORK/console.log marker rc why
	marker=$(grep -ao "@@LEAKJAIL-VM-EXIT $TOKEN [0-9]*@@" "$log" | tail -n 1 || true)
	if [[ -n $marker ]]; then
		rc=${marker##* }
		rc=${rc%@@}
		msg "guest script exited with status $rc (boot to result $(since "$BOOT_MS"), total $(since "$START_MS"))"
		exit "$rc"
	fi
	if grep -aq "@@LEAKJAIL-VM-INIT-FAILED $TOKEN@@" "$log"; then
		why="the guest init failed before running the script"
	elif ((QEMU_RC == 124 || QEMU_RC == 137)); then
		why="timed out after $TIMEOUT s"
	else
		why="the VM stopped without reporting a status (qemu exit $QEMU_RC; kernel panic or crash?)"
	fi
	msg "error: $why; last 40 console lines:"
	tail -n 40 "$log" | sed 's/^/  | /' >&2
	exit 1
}

# vm_start NAME: the cleanup traps, a work directory $WORK named after NAME,
# the host tools and the kernel ($KDIR).
vm_start() {
	trap cleanup EXIT
	trap 'on_signal 130' INT
	trap 'on_signal 143' TERM
	trap 'on_signal 129' HUP
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
	ensure_host_tools
	ensure_kernel
}

main() {
	parse_args "$@"
	vm_start leakjail-vm
	local t0
	t0=$(now_ms)
	TOKEN=$(od -An -N8 -tx8 /dev/urandom | tr -d ' \n')
	build_initramfs
	msg "kernel $KPKG, initramfs $(( $(stat -c %s "$WORK/initrd.gz") / 1024 )) KiB built in $(since "$t0"); booting (mem ${MEM}M, swap ${SWAP}M, accel $ACCEL)"
	BOOT_MS=$(now_ms)
	run_qemu "console=ttyS0 quiet loglevel=3 panic=-1 psi=1"
	report
}

# sdvm.sh (the systemd VM) sources this file for its arguments, kernel,
# host-tool, copy, initramfs and qemu helpers
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	main "$@"
fi
