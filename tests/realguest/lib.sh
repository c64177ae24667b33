# Shared helpers for the real-guest suite (tests/realguest/).
# Sourced by provision.sh, mkinitramfs.sh, run.sh and every checks/*.sh.
# It defines functions and a few variables only; it runs nothing by itself.

# ---------------------------------------------------------------- locations

# Where downloads, unpacked kernels, initramfs images and dumps live.
# Everything there can be rebuilt; nothing there is ever committed.
# Made absolute, since run.sh changes directory and exports it.
rg_cache_dir() {
	realpath -m "${VMCORE_TOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmcore-tool}"
}

RG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RG_CACHE=$(rg_cache_dir)
RG_PYTHON=/usr/bin/python3	# Debian's interpreter, not whatever is first on PATH

# The guests the suite boots, in the order it boots them.
RG_GUESTS=(x86_64-4l x86_64-5l aarch64 i386)

# The Debian architectures whose kernels the cache holds, one initramfs each.
RG_DEBARCHES=(amd64 arm64 i386)

# Map any spelling of an architecture (Debian's or the kernel's) to Debian's.
rg_debarch() {
	case "$1" in
	x86_64 | amd64 | x86_64-*) echo amd64 ;;
	aarch64 | arm64) echo arm64 ;;
	i386 | i686 | 686-pae) echo i386 ;;
	*) return 1 ;;
	esac
}

# The Debian kernel flavour of an architecture: what follows the ABI in the
# package name linux-image-6.1.0-NN-FLAVOUR and in `uname -r`. i386 has no
# flavour named after it; 686-pae is the one that runs PAE paging.
rg_flavour() {
	case "$(rg_debarch "$1")" in
	amd64) echo amd64 ;;
	arm64) echo arm64 ;;
	i386) echo 686-pae ;;
	*) return 1 ;;
	esac
}

# Read one key from $RG_CACHE/versions.txt (lines "key=value").
rg_version() {
	[ -r "$RG_CACHE/versions.txt" ] || return 0
	sed -n "s/^$1=//p" "$RG_CACHE/versions.txt" | head -n 1
}

# The kernel release the cache holds for a Debian arch, e.g. 6.1.0-56-amd64
# or 6.1.0-56-686-pae.
rg_kernel_release() {
	local abi
	abi=$(rg_version kernel_abi) || return 1
	[ -n "$abi" ] || return 1
	echo "$abi-$(rg_flavour "$1")"
}

# Directory holding one unpacked kernel: root/ (the image package as
# dpkg-deb -x left it), vmlinux and System.map (from the -dbg package).
rg_kernel_dir() {
	echo "$RG_CACHE/linux-$(rg_kernel_release "$1")"
}

# ---------------------------------------------------------------- messages

rg_say() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
rg_die() { rg_say "error: $*"; exit 1; }

# Exit status 77 means "skipped" to automake-style runners; provision.sh
# uses it for "the tools or packages cannot be had here".
RG_SKIP=77

# ---------------------------------------------------------------- checks
#
# A check script sources this file, calls check_* helpers, and ends with
# `check_done`. Each helper prints one "ok"/"FAIL" line; a failure also prints
# what was expected, what was found, and a command that shows the same thing
# by hand. check_done exits 1 when anything failed.

RG_CHECK_FAILS=0
RG_CHECK_PASSES=0

check_pass() {
	RG_CHECK_PASSES=$((RG_CHECK_PASSES + 1))
	printf '  ok   %s\n' "$1"
}

# check_fail WHAT DETAIL REPRODUCE
check_fail() {
	RG_CHECK_FAILS=$((RG_CHECK_FAILS + 1))
	printf '  FAIL %s\n' "$1"
	[ -z "$2" ] || printf '       %s\n' "$2"
	[ -z "$3" ] || printf '       reproduce: %s\n' "$3"
}

# check_eq WHAT EXPECTED ACTUAL REPRODUCE
check_eq() {
	if [ "$2" = "$3" ]; then
		check_pass "$1"
	else
		check_fail "$1" "expected '$2', got '$3'" "$4"
	fi
}

# check_true WHAT REPRODUCE COMMAND... : passes when COMMAND succeeds.
check_true() {
	local what=$1 repro=$2
	shift 2
	if "$@" >/dev/null 2>&1; then
		check_pass "$what"
	else
		check_fail "$what" "command failed: $*" "$repro"
	fi
}

# Seconds since $1 (an $EPOCHREALTIME), to one decimal: for timings that
# checks print (never assert).
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# remap_to LABEL INPUT OUT [OPTION...]: run `vmcore-tool remap`, record a
# pass or a failure with the command that reproduces it, print remap's
# summary; REMAP_REPRO holds that command. Returns 1 (OUT removed) on failure.
remap_to() {
	local label=$1 input=$2 out=$3 t0 msg
	shift 3
	REMAP_REPRO="$VMCORE_TOOL remap $* $input -o /tmp/$label.core"
	t0=$EPOCHREALTIME
	if ! msg=$("$VMCORE_TOOL" remap "$@" "$input" -o "$out" 2>&1); then
		check_fail "$label: remap runs" "$msg" "$REMAP_REPRO"
		rm -f "$out"
		return 1
	fi
	check_pass "$label: remap runs ($(elapsed "$t0") s)"
	echo "  ($label: ${msg#*: wrote "$out": })"
}

check_done() {
	printf '  %d ok, %d failed\n' "$RG_CHECK_PASSES" "$RG_CHECK_FAILS"
	[ "$RG_CHECK_FAILS" -eq 0 ]
}

# ---------------------------------------------------------------- truth.json

# truth_get FILE KEY[.SUBKEY...] : print one value of the guest's ground truth.
# Strings print bare, booleans as true/false, lists and objects as JSON.
truth_get() {
	"$RG_PYTHON" - "$1" "$2" <<-'PY'
	import json, sys
	value = json.load(open(sys.argv[1]))
	for key in sys.argv[2].split("."):
	    value = value[int(key)] if isinstance(value, list) else value[key]
	if isinstance(value, bool):
	    print("true" if value else "false")
	elif isinstance(value, (dict, list)):
	    print(json.dumps(value))
	else:
	    print(value)
	PY
}

# ---------------------------------------------------------------- ELF cores (binutils)

# core_note_hex CORE NAME [INDEX] : the descriptor of the INDEXth (from 0)
# note called NAME, as hex. `readelf -nW` prints the descriptor of a note it
# does not know (QEMU, VMCOREINFO) as "description data: xx xx ..." at the
# end of the note's line.
core_note_hex() {
	readelf -nW "$1" | awk -v name="$2" -v want="${3:-0}" '
		$1 == name && /description data:/ {
			if (seen++ == want) {
				sub(/.*description data: */, "")
				gsub(/ /, "")
				print
				exit
			}
		}'
}

# The text of the first note called NAME (VMCOREINFO is text).
core_note_text() {
	core_note_hex "$1" "$2" | "$RG_PYTHON" -c '
import sys
sys.stdout.write(bytes.fromhex(sys.stdin.read().strip()).decode("latin-1"))'
}

# One value of the VMCOREINFO note, e.g. `core_vmcoreinfo CORE OSRELEASE`.
core_vmcoreinfo() {
	core_note_text "$1" VMCOREINFO | sed -n "s/^$2=//p" | head -n 1
}

# One little-endian u64 of the INDEXth QEMU note, at byte OFFSET of
# QEMUCPUState (FORMATS.md 1.3: cr[3] at 416, cr[4] at 424), as 0x hex.
core_qemu_u64() {
	core_note_hex "$1" QEMU "$2" | "$RG_PYTHON" -c '
import sys
desc = bytes.fromhex(sys.stdin.read().strip())
off = int(sys.argv[1])
print("0x%016x" % int.from_bytes(desc[off:off + 8], "little"))' "$3"
}

# ---------------------------------------------------------------- kdump tools

# rg_tool GUEST NAME : set RG_TOOL to the command that runs NAME (crash,
# makedumpfile) built for GUEST's architecture: the host's own on amd64, or
# the guest architecture's build that provision.sh unpacked into
# $RG_CACHE/tools-ARCH, under qemu-user with that tree as its library root.
# Debian's amd64 crash reads only host-architecture dumps, and its
# makedumpfile walks only amd64 page tables. Returns 1 (RG_TOOL empty) when
# there is none.
rg_tool() {
	local arch root qemu
	arch=$(rg_debarch "$1") || return 1
	RG_TOOL=()
	if [ "$arch" = amd64 ]; then
		command -v "$2" >/dev/null || return 1
		RG_TOOL=("$(command -v "$2")")
		return 0
	fi
	root="$RG_CACHE/tools-$arch"
	case $arch in
	arm64) qemu=qemu-aarch64-static ;;
	i386) qemu=qemu-i386-static ;;
	esac
	[ -x "$root/usr/bin/$2" ] && command -v "$qemu" >/dev/null || return 1
	RG_TOOL=(env QEMU_LD_PREFIX="$root" "$qemu" "$root/usr/bin/$2")
}

# crash_run LABEL VMLINUX CORE TMPDIR : run crash's sys and log on CORE with
# RG_TOOL (rg_tool GUEST crash first); set crash_sys and crash_log to what
# each printed. Returns 1, after showing the end of crash's output, when
# crash failed or printed no sys.
crash_run() {
	local label=$1 vmlinux=$2 file=$3 dir=$4 t0 rc
	printf 'echo @@sys\nsys\necho @@log\nlog\necho @@end\nquit\n' >"$dir/crash.cmd"
	t0=$EPOCHREALTIME
	timeout 840 "${RG_TOOL[@]}" -s --no_scroll "$vmlinux" "$file" <"$dir/crash.cmd" >"$dir/crash.out" 2>&1
	rc=$?
	echo "  ($label: crash $(elapsed "$t0") s, exit $rc)"
	crash_sys=$(awk '/^@@log/ {on = 0} on {print} /^@@sys/ {on = 1}' "$dir/crash.out")
	crash_log=$(awk '/^@@end/ {on = 0} on {print} /^@@log/ {on = 1}' "$dir/crash.out")
	[ "$rc" -eq 0 ] && [ -n "$crash_sys" ] || { sed 's/^/         | /' "$dir/crash.out" | tail -n 8; return 1; }
}

# The reason crash is left out on the i386 guest (FORMATS.md §9).
RG_CRASH_I386='crash 8.0.2 cannot read a Linux 6.1 i386 kernel from any dump, "cannot resolve sys_open"'
