#!/usr/bin/env bash
# Usage: 70-kdump.sh GUEST DUMPDIR TRUTH.json
# kdump-compressed dumps of the same instant as the ELF dump:
#   - QEMU's kdump-zlib.core (makedumpfile's flattened stream, read in
#     place) and kdump-zlib-plain.core (the same after makedumpfile -R);
#   - on x86_64 and aarch64 (the guest architecture's makedumpfile; arm64's
#     under qemu-user), makedumpfile's own
#     output from our crash layout of the ELF dump: -l -d 31 (LZO, free,
#     cache, user and zero pages excluded) and, on x86_64, -c -d 0 (zlib,
#     nothing excluded); i386 has none (makedumpfile 1.7.2 cannot filter
#     its KASLR'd kernel).
# On each: `info` shows every CPU and VMCOREINFO's OSRELEASE; `read --phys`
# of a kernel page, `vtop` and `read` of init_uts_ns by virtual address
# (the walk through the kdump file's pages) and `convert`'s RAM equal the
# ELF dump's byte for byte
# (tests/elfram.py, an independent reader of both cores; for makedumpfile's
# files every byte they hold, and every System RAM page of the guest is in
# them or listed as absent); `remap` gives a gdb layout from which
# gdb-multiarch reads init_uts_ns.name.release; on x86_64 crash reads
# `sys` from the crash layout of QEMU's kdump. Outputs (sparse, up to
# ~550 MB each) live in a temporary directory, deleted as they are done.
set -u
. "$(dirname "$0")/../lib.sh"
guest=$1 dir=$2 truth=$3
VT=${VMCORE_TOOL:?}
ELFRAM=$RG_DIR/../elfram.py
elf=$dir/elf-nopaging.core

release=$(truth_get "$truth" release)
cpus=$(truth_get "$truth" cpus)
kaslr=$(truth_get "$truth" kaslr_offset)
vmlinux=$(truth_get "$truth" kernel.vmlinux)
uts=$(truth_get "$truth" symbols.init_uts_ns)
case "$guest" in
i386) gdb_arch=i386 ;;
*) gdb_arch= ;;
esac
command -v gdb-multiarch >/dev/null || { check_fail "gdb-multiarch is installed" "not on PATH" "bash tests/realguest/provision.sh"; check_done; exit; }
[ -r "$vmlinux" ] || { check_fail "debug vmlinux is readable" "$vmlinux" "bash tests/realguest/provision.sh"; check_done; exit; }

tmp=$(mktemp -d /tmp/vmc-kdump.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# The guest's System RAM (truth.json, from /proc/iomem) as "start end" hex.
"$RG_PYTHON" - "$truth" >"$tmp/sysram" <<'PY'
import json, sys
for a, b in json.load(open(sys.argv[1]))["system_ram"]:
    print("%x %x" % (int(a, 16), int(b, 16)))
PY

# info_check LABEL DUMP: CPUs and VMCOREINFO; writes DUMP's absent ranges
# to $tmp/LABEL.absent and checks that RAM and absent ranges hold every
# System RAM page.
info_check() {
	local label=$1 dump=$2 got
	got=$("$VT" info --json -q "$dump" | "$RG_PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
label, sysram = sys.argv[1], sys.argv[2]
with open(sysram.replace("sysram", label + ".absent"), "w") as f:
    for r in d["absent"]:
        f.write("%s %s\n" % (r["start"][2:], r["end"][2:]))
have = []
for s, e in sorted((int(r["start"], 16), int(r["end"], 16)) for r in d["ram"] + d["absent"]):
    if have and s <= have[-1][1]:
        have[-1][1] = max(have[-1][1], e)
    else:
        have.append([s, e])
lost = 0
for line in open(sysram):
    a, b = (int(x, 16) for x in line.split())
    pos = a & ~0xfff
    while pos < b:
        inside = [e for s, e in have if s <= pos < e]
        if inside:
            pos = inside[0]
            continue
        nxt = min([s for s, e in have if s > pos] + [b])
        lost += min(nxt, b) - pos
        pos = nxt
print(d["format"], len(d["cpus"]), (d["vmcoreinfo"] or {}).get("OSRELEASE"), "lost=%d" % lost)' "$label" "$tmp/sysram" 2>&1)
	check_eq "$label: info: kdump, $cpus CPUs, OSRELEASE, every System RAM page dumped or absent" \
		"kdump $cpus $release lost=0" "$got" "$VT info $dump"
}

# ram_check LABEL DUMP [ELFRAM OPTIONS]: read --phys of a kernel page, then
# convert, then the RAM against the ELF dump's.
ram_check() {
	local label=$1 dump=$2 out="$tmp/$1.elf" t0 msg pa
	shift 2
	pa=$("$VT" vtop --json -q "$elf" "$uts" | "$RG_PYTHON" -c '
import json, sys; print(json.load(sys.stdin)["translations"][0]["paddr"])')
	if cmp -s <("$VT" read -q --phys --format=raw "$dump" "$pa" 4096) \
		  <("$VT" read -q --phys --format=raw "$elf" "$pa" 4096); then
		check_pass "$label: read --phys $pa (init_uts_ns) equals the ELF dump's"
	else
		check_fail "$label: read --phys $pa (init_uts_ns) equals the ELF dump's" "" \
			"cmp <($VT read --phys --format=raw $dump $pa 4096) <($VT read --phys --format=raw $elf $pa 4096)"
	fi
	# The walk through the kdump file's own pages: vtop and read by
	# virtual address, against the ELF dump's.
	check_eq "$label: vtop init_uts_ns walks to the ELF dump's answer" "$pa" \
		"$("$VT" vtop --json -q "$dump" "$uts" 2>&1 | "$RG_PYTHON" -c '
import json, sys; print(json.load(sys.stdin)["translations"][0]["paddr"])' 2>&1)" "$VT vtop $dump $uts"
	"$VT" read -q --format=raw "$dump" "$uts" 390 >"$tmp/uts.kd" 2>&1
	"$VT" read -q --format=raw "$elf" "$uts" 390 >"$tmp/uts.elf" 2>&1
	if [ "$(stat -c %s "$tmp/uts.kd")" = 390 ] && cmp -s "$tmp/uts.kd" "$tmp/uts.elf"; then
		check_pass "$label: read $uts (init_uts_ns, virtual) equals the ELF dump's"
	else
		check_fail "$label: read $uts (init_uts_ns, virtual) equals the ELF dump's" "" \
			"cmp <($VT read --format=raw $dump $uts 390) <($VT read --format=raw $elf $uts 390)"
	fi
	t0=$EPOCHREALTIME
	if ! msg=$("$VT" convert "$dump" -o "$out" 2>&1); then
		check_fail "$label: convert runs" "$msg" "$VT convert $dump -o OUT"
		return
	fi
	check_pass "$label: convert runs ($(elapsed "$t0") s)"
	msg=$("$RG_PYTHON" "$ELFRAM" "$@" "$elf" "$out" 2>&1)
	check_eq "$label: convert's RAM equals the ELF dump's (elfram.py $*)" equal "${msg%%:*}" \
		"$VT convert $dump -o OUT && $RG_PYTHON tests/elfram.py $* $elf OUT"
	echo "  ($label: $msg)"
	rm -f "$out"
}

# gdb_check LABEL DUMP: remap (gdb layout), then gdb reads the release.
gdb_check() {
	local label=$1 dump=$2 out="$tmp/$1-gdb.elf" got
	remap_to "$label" "$dump" "$out" || return
	got=$(timeout 300 gdb-multiarch -batch -nx -ex 'set pagination off' \
		${gdb_arch:+-ex "set architecture $gdb_arch"} -ex "core-file $out" \
		-ex "symbol-file -o $kaslr $vmlinux" \
		-ex 'printf "REL=%s\n", init_uts_ns.name.release' 2>&1 | sed -n 's/^REL=//p')
	check_eq "$label: gdb reads init_uts_ns.name.release from remap's gdb layout" \
		"$release" "$got" "$REMAP_REPRO && gdb-multiarch -batch -ex 'core-file OUT' -ex 'symbol-file -o $kaslr $vmlinux' -ex 'p init_uts_ns.name.release'"
	rm -f "$out"
}

for kind in kdump-zlib kdump-zlib-plain; do
	dump=$dir/$kind.core
	[ -r "$dump" ] || { check_fail "$kind.core is there" "$dump" "tests/realguest/guest.py"; continue; }
	info_check "$kind" "$dump"
	ram_check "$kind" "$dump"
	gdb_check "$kind" "$dump"
done

# crash opens the crash layout remapped from QEMU's kdump (Debian's crash
# reads x86_64 dumps only; 77-crash-consumers.sh runs crash:arm64).
case "$guest" in
x86_64-*)
	if command -v crash >/dev/null; then
		out=$tmp/crash.elf
		if remap_to kdump-zlib-crash "$dir/kdump-zlib.core" "$out" --layout=crash; then
			got=$(printf 'sys\nquit\n' | timeout 300 crash -s "$vmlinux" "$out" 2>&1 |
				sed -n 's/^ *RELEASE: //p')
			check_eq "kdump-zlib-crash: crash sys RELEASE from remap --layout=crash" "$release" "$got" \
				"$REMAP_REPRO && printf 'sys\\n' | crash -s $vmlinux OUT"
			rm -f "$out"
		fi
	else
		check_fail "crash is installed" "not on PATH" "bash tests/realguest/provision.sh"
	fi
	;;
esac

# makedumpfile's own files, made from our crash layout (it wants program
# headers at offset 64 and the kernel mapped: FORMATS.md §9), by the guest
# architecture's build (lib.sh rg_tool: Debian's amd64 makedumpfile walks
# amd64 page tables only; arm64's runs under qemu-user, so only the LZO file
# with excluded pages is made there, which takes minutes).
case "$guest" in
i386)
	echo "  (makedumpfile: 1.7.2 cannot filter a KASLR'd Linux 6.1 i386 kernel ('Can't get vmalloc_start'; 77-crash-consumers.sh); not for $guest)"
	check_done
	exit ;;
aarch64) modes=("lzo-d31 -l -d 31") ;;
*) modes=("lzo-d31 -l -d 31" "zlib-d0 -c -d 0") ;;
esac
rg_tool "$guest" makedumpfile || { check_fail "makedumpfile for $guest" "none (tools-$(rg_debarch "$guest") missing?)" "bash tests/realguest/provision.sh"; check_done; exit; }
crash_layout=$tmp/crash-layout.elf
if remap_to crash-layout "$elf" "$crash_layout" --layout=crash; then
	for mode in "${modes[@]}"; do
		read -r name opts <<<"$mode"
		kd=$tmp/mdf-$name.kdump
		t0=$EPOCHREALTIME
		# shellcheck disable=SC2086
		if ! msg=$(timeout 600 "${RG_TOOL[@]}" $opts "$crash_layout" "$kd" 2>&1); then
			check_fail "makedumpfile $opts runs" "$(tail -n 3 <<<"$msg")" \
				"$REMAP_REPRO && ${RG_TOOL[*]} $opts OUT DUMP"
			continue
		fi
		check_pass "makedumpfile $opts runs ($(stat -c %s "$kd") bytes, $(elapsed "$t0") s)"
		info_check "mdf-$name" "$kd"
		# It writes System RAM only: every byte it holds must agree.
		ram_check "mdf-$name" "$kd" --no-coverage
		gdb_check "mdf-$name" "$kd"
		rm -f "$kd"
	done
	rm -f "$crash_layout"
fi
check_done
