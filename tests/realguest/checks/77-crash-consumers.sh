#!/usr/bin/env bash
# Usage: 77-crash-consumers.sh GUEST DUMPDIR TRUTH.json
# The crash layout (`remap --layout=crash` of the paging=false dump) is read
# by the kdump tool chain as it is, with no option but the vmlinux:
#   crash            sys (RELEASE) and log (the marker, and equal to
#                    `vmcore-tool dmesg` line for line); x86_64 with Debian's
#                    crash, AArch64 with Debian's crash:arm64 under
#                    qemu-aarch64-static (minutes); crash 8.0.2 cannot read a
#                    Linux 6.1 i386 kernel at all (FORMATS.md §9)
#   makedumpfile     -c -d 31 -x VMLINUX writes a filtered kdump file (x86_64:
#                    crash reads it back), and --dump-dmesg without a vmlinux
#                    prints the log; the guest architecture's build (lib.sh
#                    rg_tool: Debian's amd64 makedumpfile walks amd64 page
#                    tables only)
#   vmcore-dmesg     (kexec-tools) prints the log
#   drgn             init_uts_ns.name.release and jiffies_64 (on i386 only
#                    thanks to the KERNELOFFSET that remap adds)
#   libkdumpfile     linux.uts.release, and linux_banner read at its run-time
#                    address
set -u
. "$(dirname "$0")/../lib.sh"
guest=$1 dir=$2 truth=$3
VT=${VMCORE_TOOL:?}

release=$(truth_get "$truth" release)
version=$(truth_get "$truth" version)
marker=$(truth_get "$truth" marker)
banner=$(truth_get "$truth" symbols.linux_banner)
want_jiffies=$(truth_get "$truth" jiffies_64_value)
vmlinux=$(truth_get "$truth" kernel.vmlinux)
[ -r "$vmlinux" ] || { check_fail "debug vmlinux is readable" "$vmlinux" "bash tests/realguest/provision.sh"; check_done; exit; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
core=$tmp/crash-layout.core
remap_to crash-layout "$dir/elf-nopaging.core" "$core" --layout=crash || { check_done; exit; }
mk="$REMAP_REPRO &&"
in_size=$(stat -c %s "$core")

# --- crash
if [ "$guest" = i386 ]; then
	echo "  (crash: not on i386: $RG_CRASH_I386)"
elif ! rg_tool "$guest" crash; then
	check_fail "crash for $guest" "none (tools-$(rg_debarch "$guest") missing?)" "bash tests/realguest/provision.sh"
elif crash_run crash "$vmlinux" "$core" "$tmp"; then
	rel=$(sed -n 's/^ *RELEASE: //p' <<<"$crash_sys")
	check_eq "crash: sys RELEASE" "$release" "$rel" "$mk ${RG_TOOL[*]} $vmlinux /tmp/crash-layout.core"
	grep -qF "] $marker" <<<"$crash_log" && check_pass "crash: log has the marker" ||
		check_fail "crash: log has the marker" "$(tail -n 2 <<<"$crash_log")" "$mk ${RG_TOOL[*]} $vmlinux /tmp/crash-layout.core"
	# 75-dmesg compares with crash's log on x86_64; here crash also runs
	# on AArch64 (crash:arm64), so the same comparison covers that guest.
	"$VT" dmesg "$dir/elf-nopaging.core" >"$tmp/dmesg.txt" 2>/dev/null
	same=$(diff <(printf '%s\n' "$crash_log") "$tmp/dmesg.txt" | head -n 6)
	[ -z "$same" ] && check_pass "vmcore-tool dmesg equals crash's log line for line ($(wc -l <"$tmp/dmesg.txt") lines)" ||
		check_fail "vmcore-tool dmesg equals crash's log line for line" "$same" "$VT dmesg $dir/elf-nopaging.core"
else
	check_fail "crash reads the crash layout" "" "$mk ${RG_TOOL[*]} $vmlinux /tmp/crash-layout.core"
fi

# --- makedumpfile
if ! rg_tool "$guest" makedumpfile; then
	check_fail "makedumpfile for $guest" "none (tools-$(rg_debarch "$guest") missing?)" "bash tests/realguest/provision.sh"
else
	mdf=("${RG_TOOL[@]}")
	if "${mdf[@]}" --dump-dmesg "$core" "$tmp/mdf-dmesg.txt" >"$tmp/mdf.err" 2>&1 &&
	   grep -qF "] $marker" "$tmp/mdf-dmesg.txt"; then
		check_pass "makedumpfile --dump-dmesg (no vmlinux): the marker"
	else
		check_fail "makedumpfile --dump-dmesg (no vmlinux): the marker" "$(tail -n 3 "$tmp/mdf.err")" \
			"$mk ${mdf[*]} --dump-dmesg /tmp/crash-layout.core /tmp/dmesg.txt"
	fi
	if [ "$guest" = i386 ]; then
		# Measured with makedumpfile:i386 1.7.2 under qemu-i386-static
		# (about 5 minutes to fail): x86_32 makedumpfile applies no KASLR
		# offset (get_kaslr_offset is a stub there), so it reads vmlinux's
		# symbols at link-time addresses; without -x it misplaces mem_map.
		echo "  (makedumpfile -c -d 31: not on i386: makedumpfile 1.7.2 cannot filter a KASLR'd Linux 6.1 i386 kernel, 'get_machdep_info_x86: Can't get vmalloc_start' with -x, 'Can't read the buffer of struct page' without)"
	else
		t0=$EPOCHREALTIME
		if timeout 840 "${mdf[@]}" -c -d 31 -x "$vmlinux" "$core" "$tmp/filtered.kdump" >"$tmp/mdf.err" 2>&1; then
			out_size=$(stat -c %s "$tmp/filtered.kdump")
			check_pass "makedumpfile -c -d 31 -x VMLINUX ($(elapsed "$t0") s): $in_size -> $out_size bytes"
			if [ "$out_size" -lt $((in_size / 4)) ]; then
				check_pass "makedumpfile -d 31 leaves out free, cache and zero pages (output under 1/4)"
			else
				check_fail "makedumpfile -d 31 leaves out free, cache and zero pages" "$out_size of $in_size bytes" \
					"$mk ${mdf[*]} -c -d 31 -x $vmlinux /tmp/crash-layout.core /tmp/f.kdump"
			fi
			case $guest in
			x86_64-*)
				rg_tool "$guest" crash
				if crash_run crash-on-kdump "$vmlinux" "$tmp/filtered.kdump" "$tmp"; then
					rel=$(sed -n 's/^ *RELEASE: //p' <<<"$crash_sys")
					check_eq "crash reads makedumpfile's output: RELEASE" "$release" "$rel" \
						"$mk ${mdf[*]} -c -d 31 -x $vmlinux /tmp/crash-layout.core /tmp/f.kdump && crash $vmlinux /tmp/f.kdump"
				else
					check_fail "crash reads makedumpfile's output" "" "crash $vmlinux /tmp/f.kdump"
				fi ;;
			*) echo "  (crash on makedumpfile's output: x86_64 only, for time: crash:arm64 under qemu takes minutes)" ;;
			esac
		else
			check_fail "makedumpfile -c -d 31 -x VMLINUX" "$(tail -n 3 "$tmp/mdf.err")" \
				"$mk ${mdf[*]} -c -d 31 -x $vmlinux /tmp/crash-layout.core /tmp/f.kdump"
		fi
		rm -f "$tmp/filtered.kdump"
	fi
fi

# --- vmcore-dmesg
if vmcore-dmesg "$core" >"$tmp/vd.txt" 2>"$tmp/vd.err" && grep -qF "] $marker" "$tmp/vd.txt"; then
	check_pass "vmcore-dmesg: the marker"
else
	check_fail "vmcore-dmesg: the marker" "$(head -n 3 "$tmp/vd.err")" "$mk vmcore-dmesg /tmp/crash-layout.core"
fi

# --- drgn and libkdumpfile
cat >"$tmp/read.py" <<'PY'
import sys
which, core, vmlinux, banner = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4], 16)
def show(key, fn):
    try:
        print("%s\t%s" % (key, fn()))
    except Exception as e:
        print("%s\t<error: %s: %s>" % (key, type(e).__name__, str(e)[:200]))
if which == "drgn":
    import drgn
    prog = drgn.Program()
    prog.set_core_dump(core)
    try:
        prog.load_debug_info([vmlinux])
    except drgn.MissingDebugInfoError:
        pass
    show("release", lambda: prog["init_uts_ns"].name.release.string_().decode())
    show("jiffies", lambda: prog["jiffies_64"].value_())
else:
    import kdumpfile
    k = kdumpfile.kdumpfile(core)
    k.attr["addrxlat.ostype"] = "linux"
    show("release", lambda: k.attr["linux.uts.release"])
    show("banner", lambda: bytes(k.read(kdumpfile.KDUMP_KVADDR, banner, 200)).split(b"\0")[0].decode().rstrip("\n"))
PY
declare -A val
for which in drgn libkdumpfile; do
	val=()
	t0=$EPOCHREALTIME
	while IFS=$'\t' read -r key v; do val[$key]=$v; done < <(timeout 300 "$RG_PYTHON" "$tmp/read.py" "$which" "$core" "$vmlinux" "$banner" 2>&1)
	echo "  ($which: $(elapsed "$t0") s)"
	check_eq "$which: release" "$release" "${val[release]-}" "$mk $RG_PYTHON (import $which; read /tmp/crash-layout.core)"
	if [ "$which" = drgn ]; then
		check_eq "drgn: jiffies_64" "$want_jiffies" "${val[jiffies]-}" "$mk drgn -c /tmp/crash-layout.core -s $vmlinux"
	else
		check_eq "libkdumpfile: linux_banner at $banner" "$version" "${val[banner]-}" "$mk $RG_PYTHON (kdumpfile read KVADDR $banner)"
	fi
done
check_done
