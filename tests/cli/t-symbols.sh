# Kernel symbols: kallsyms decoded from the dump (the sample's small table,
# kallsyms-i386 and kallsyms-absolute: relative, absolute-percpu and
# absolute layouts, one- and two-byte token counts), names in vtop, read,
# info and symbols, NAME+OFF, unknown and ambiguous names; a vmlinux found
# or given (tiny ELFs built here with gcc, with chosen build-ids), refused
# when its build-id differs; the KASLR offset from KERNELOFFSET, from
# SYMBOL(_stext) less the vmlinux's _stext, and from the page tables; the
# gdb command line of remap and `vmcore-tool gdb`.
make_tmpdir TS
S=sample-x86_64.core
SAMPLE_ID=eb4fbcd037e7253717950bf2b93bd5566f47c56f
sbanner=$(sed -n 's/^#   \(Linux version .*\)$/\1/p' "$(dirname "${BASH_SOURCE[0]}")/../fixtures/sample-x86_64.core.txt")

# mkvmlinux OUT ARCH BUILD-ID STEXT [NAME=ADDR...]: a tiny kernel-like ELF
# (ET_EXEC, like a vmlinux) with _stext and a function at STEXT and one
# data object per NAME at ADDR (link-time addresses), built with gcc.
mkvmlinux() {
	local out=$1 arch=$2 id=$3 stext=$4 i=0 nv m=-m64
	shift 4
	[ "$arch" = i386 ] && m=-m32
	{
		echo '.section .text,"ax",@progbits'
		echo '.globl _stext'
		echo '_stext:'
		echo '.globl startup'
		echo '.type startup,@function'
		echo 'startup: nop; nop; ret'
		echo '.size startup, 3'
		for nv in "$@"; do
			echo ".section .data.v$i,\"aw\",@progbits"
			echo ".globl ${nv%%=*}"
			echo ".type ${nv%%=*},@object"
			echo "${nv%%=*}: .asciz \"${nv%%=*}\""
			echo ".size ${nv%%=*}, 16"
			i=$((i + 1))
		done
		echo '.section .note.GNU-stack,"",@progbits'
	} >"$out.s"
	{
		echo 'SECTIONS {'
		echo "  . = $stext; .text : { *(.text) }"
		i=0
		for nv in "$@"; do
			echo "  . = ${nv#*=}; .data.v$i : { *(.data.v$i) }"
			i=$((i + 1))
		done
		echo '  .note.gnu.build-id : { *(.note.gnu.build-id) }'
		echo '}'
	} >"$out.ld"
	gcc $m -c -o "$out.o" "$out.s" &&
		gcc $m -nostdlib -static -Wl,-T,"$out.ld" -Wl,--build-id=0x"$id" \
			-o "$out" "$out.o"
}

VM_OK=1
# The sample's kernel at link time: _stext, linux_banner and init_uts_ns
# where the 6.1.0-5x amd64 System.map has them; the dump's build-id.
mkvmlinux "$TS/vmlinux-sample" x86_64 $SAMPLE_ID 0xffffffff81000000 \
	linux_banner=0xffffffff82161900 init_uts_ns=0xffffffff82bfb000 \
	only_in_vmlinux=0xffffffff82bfb100 2>"$TS/gcc.err" || VM_OK=
mkvmlinux "$TS/vmlinux-wrong" x86_64 0123456789abcdef0123456789abcdef01234567 \
	0xffffffff81000000 linux_banner=0xffffffff82161900 2>>"$TS/gcc.err" || VM_OK=
mkvmlinux "$TS/vmlinux-i386" i386 2222222222222222222222222222222222222222 \
	0xc1000000 linux_banner=0xc1200000 init_uts_ns=0xc1200100 2>>"$TS/gcc.err" || VM_OK=
mkvmlinux "$TS/vmlinux-x86" x86_64 1111111111111111111111111111111111111111 \
	0xffffffff81000000 linux_banner=0xffffffff81400000 2>>"$TS/gcc.err" || VM_OK=
[ -n "$VM_OK" ] && ok || bad symbols-mkvmlinux "gcc could not build the tiny vmlinuxes" "$(cat "$TS/gcc.err")"

# ---- kallsyms from the dump (no vmlinux) ---------------------------------------

expect symbols-sample-list 0 "$VT" symbols $S
got=$(cd "$FX" && "$VT" read $S linux_banner ${#sbanner} --format=raw)
[ -n "$sbanner" ] && [ "$got" = "$sbanner" ] && ok || bad symbols-read-banner "read linux_banner gave: $got"
# The release is init_uts_ns.name.release: name at OFFSET(uts_namespace.name)
# 0, release after sysname[65] and nodename[65].
got=$(cd "$FX" && "$VT" read $S init_uts_ns+0x82 14 --format=raw)
[ "$got" = 6.1.0-56-amd64 ] && ok || bad symbols-read-plus "read init_uts_ns+0x82 gave: $got"
got=$(cd "$FX" && "$VT" read $S init_uts_ns+0x92-0x10 1 --format=raw 2>&1)
case $got in *"neither a number"*) ok ;; *) bad symbols-read-bad-off "$got" ;; esac
got=$(cd "$FX" && "$VT" read $S jiffies_64+0x18-0x10 2>&1); rc=$?
[ "$rc" = 64 ] && ok || bad symbols-read-bad-expr "exit $rc: $got"
got=$(cd "$FX" && "$VT" read $S jiffies_64 8 --format=raw | od -An -tu8 | tr -d ' ')
want=$(cd "$FX" && "$VT" read $S jiffies_64 8 --format=u64 | awk '{print $3}')
[ -n "$got" ] && [ "$got" = "$want" ] && ok || bad symbols-read-u64 "u64 $want, bytes $got"
expect symbols-read-u64-text 0 "$VT" read $S jiffies_64 16 --format=u64
expect symbols-read-u32-text 0 "$VT" read $S jiffies_64-8 16 --format=u32
expect_json symbols-read-json 'd["symbol"] == "jiffies_64" and d["vaddr"] == "0xffffffff986079c0" and d["format"] == "u64" and int(d["values"][0], 16) == '"${want:-0}"' and len(d["values"]) == 2' \
	"$VT" read --json $S jiffies_64 16 --format=u64
expect_json symbols-read-json-hex 'd["data"] == ["4c696e75782076657273696f6e"] and d["length"] == 13' \
	"$VT" read --json $S linux_banner 13
no_stderr() { "$@" 2>/dev/null; }
JSON_STATUS=1 expect_json symbols-read-json-hole 'd["data"] == [] and "not mapped" in d["error"]' \
	no_stderr "$VT" read --json $S 0x1234 16
expect_grep symbols-read-u64-len 64 'reads whole values: LEN 0xc is not a multiple of 8' \
	"$VT" read $S jiffies_64 12 --format=u64
expect_grep symbols-read-phys-name 64 "'linux_banner' is a symbol, a virtual address" \
	"$VT" read --phys $S linux_banner 16
expect symbols-vtop-name 0 "$VT" vtop $S linux_banner
expect_json symbols-vtop-json 'd["translations"][0]["symbol"] == "init_uts_ns+0x82" and d["translations"][0]["paddr"] == "0x0000000017dfb082" and "symbol" not in d["translations"][1]' \
	"$VT" vtop --json $S init_uts_ns+0x82 0xffffffff97d61900
# Of parse_header's local and global, the global wins; cpumask_weight is
# two locals: ambiguous, and both are listed.
expect_grep symbols-unique-global 0 '^parse_header  0xffffffff98ce6d1d  T  parse_header$' \
	"$VT" symbols $S parse_header
expect_grep symbols-ambiguous 64 "'cpumask_weight' names 2 symbols in kallsyms \(0xffffffff96c2b2f0 t; 0xffffffff96c2d630 t\); give the address" \
	"$VT" vtop $S cpumask_weight
expect_grep symbols-unknown 1 "no symbol 'no_such_symbol': not in kallsyms \(17 names from the dump\); no vmlinux" \
	"$VT" read $S no_such_symbol
expect_grep symbols-bad-syntax 64 "VADDR '0xzz' is neither a number" "$VT" vtop $S 0xzz
# (0x10: per-CPU symbols are absolute on x86_64, as /proc/kallsyms shows)
expect symbols-resolve 1 "$VT" symbols $S ktime_get+0x76 0xffffffff96d58566 jiffies_64-8 0xffffffff97800be0 _stext 0x10 nosuch 0xffffffffff000000
JSON_STATUS=1 expect_json symbols-resolve-json 'd["results"][0]["address"] == "0xffffffff96d58566" and d["results"][0]["name"] == "ktime_get+0x76" and d["results"][1]["symbol"] == "_text" and d["results"][1]["address"] == "0xffffffff96c00000" and d["results"][2]["address"] is None' \
	no_stderr "$VT" symbols --json $S ktime_get+0x76 _text nope
expect_json symbols-list-json 'd["source"] == "kallsyms" and d["count"] == 17 and d["symbols"][0] == {"address": "0x0000000000000000", "type": "A", "name": "fixed_percpu_data"}' \
	"$VT" symbols --json $S
# info: each CPU's PC by name, the KASLR offset and how it was found.
expect_grep symbols-info-pc0 0 '^  CPU 0  pid 1  pc 0xffffffff96d58566 <ktime_get\+0x76>  sp ' "$VT" info $S
expect_grep symbols-info-pc1 0 '^  CPU 1  pid 2  pc 0xffffffff97800be0 <asm_exc_page_fault>  sp ' "$VT" info $S
expect_grep symbols-info-kaslr 0 '^kaslr:       0x15c00000 \(VMCOREINFO KERNELOFFSET\)$' "$VT" info $S
expect_grep symbols-info-kallsyms 0 '^kallsyms:    17 symbols in the dump \(absolute-percpu offsets\)$' "$VT" info $S
expect_json symbols-info-json 'd["cpus"][0]["pc_symbol"] == "ktime_get+0x76" and d["kaslr"] == {"offset": "0x0000000015c00000", "how": "kerneloffset", "why": "VMCOREINFO KERNELOFFSET"} and d["kallsyms"]["layout"] == "absolute-percpu" and d["vmlinux"]["path"] is None' \
	"$VT" info --json $S
# Without kallsyms, VMCOREINFO's SYMBOL()s still name what they export.
expect_grep symbols-vmcoreinfo-name 0 '^init_uts_ns\+0x82  0xffffffff801c2082  D  init_uts_ns\+0x82$' \
	"$VT" symbols x86_64-basic.core init_uts_ns+0x82
expect_grep symbols-vmcoreinfo-none 1 "no symbol 'linux_banner': no kallsyms: VMCOREINFO has no SYMBOL\(kallsyms_names\).*; nor in VMCOREINFO$" \
	"$VT" read x86_64-basic.core linux_banner
# A user-space PC is not named (x86_64-basic has no kallsyms: no names).
expect_json symbols-info-no-kallsyms 'd["cpus"][0]["pc_symbol"] is None and d["kallsyms"]["symbols"] is None and "SYMBOL(kallsyms_names)" in d["kallsyms"]["why"]' \
	"$VT" info --json x86_64-basic.core

# ---- other layouts ------------------------------------------------------------------

expect symbols-i386-list 0 "$VT" symbols kallsyms-i386.core
expect symbols-absolute-list 0 "$VT" symbols kallsyms-absolute.core
expect_grep symbols-i386-info 0 '^  CPU 0  pid 1  pc 0x00000000c2000410 <default_idle\+0x10>' \
	"$VT" info kallsyms-i386.core
expect_grep symbols-i386-kaslr-unknown 0 '^kaslr:       unknown: VMCOREINFO SYMBOL\(_stext\) is 0xc2000000, but the link-time _stext needs the vmlinux' \
	"$VT" info kallsyms-i386.core
expect_grep symbols-absolute-layout 0 '^kallsyms:    4 symbols in the dump \(absolute offsets\)$' \
	"$VT" info kallsyms-absolute.core
expect_grep symbols-nocoreinfo-kaslr 0 '^kaslr:       unknown: the lowest page mapped at the kernel image base is 0xffffffff81200000, but the link-time _stext needs the vmlinux' \
	"$VT" info kaslr-no-vmcoreinfo.core

# ---- a vmlinux ------------------------------------------------------------------------

if [ -n "$VM_OK" ]; then
	V=$TS/vmlinux-sample
	# Data names from the vmlinux, relocated by KERNELOFFSET.
	expect_grep symbols-vmlinux-only 0 '^only_in_vmlinux  0xffffffff987fb100  D  only_in_vmlinux$' \
		"$VT" symbols --vmlinux "$V" $S only_in_vmlinux
	got=$(cd "$FX" && "$VT" read --vmlinux "$V" $S linux_banner ${#sbanner} --format=raw)
	[ "$got" = "$sbanner" ] && ok || bad symbols-vmlinux-read "read via the vmlinux gave: $got"
	expect_grep symbols-vmlinux-list 0 '^ffffffff987fb000 D init_uts_ns$' \
		"$VT" symbols --from=vmlinux --vmlinux "$V" $S
	expect_json symbols-vmlinux-info 'd["vmlinux"]["how"] == "--vmlinux" and d["vmlinux"]["verified"] and d["vmlinux"]["build_id"] == "'$SAMPLE_ID'"' \
		"$VT" info --json --vmlinux "$V" $S
	# The wrong build-id: refused, both ids shown; --force-vmlinux takes it.
	expect_grep symbols-buildid-mismatch 64 "its build-id is 0123456789abcdef0123456789abcdef01234567, the dump's \(VMCOREINFO BUILD-ID\) is $SAMPLE_ID: not this kernel's \(--force-vmlinux takes it anyway\)" \
		"$VT" read --vmlinux "$TS/vmlinux-wrong" $S linux_banner
	expect_grep symbols-buildid-force 0 "warning: --vmlinux .*: build-id 0123456789abcdef0123456789abcdef01234567 differs from the dump's $SAMPLE_ID; taken anyway" \
		"$VT" read --vmlinux "$TS/vmlinux-wrong" --force-vmlinux $S linux_banner 16
	expect_grep symbols-force-alone 64 '--force-vmlinux goes with --vmlinux' "$VT" info --force-vmlinux $S
	expect_grep symbols-not-elf 2 'not an ELF file' "$VT" info --vmlinux "$TS/vmlinux-sample.s" $S
	# The search: by OSRELEASE (Debian's place), by BUILD-ID (.build-id),
	# a file with another build-id skipped, all under VMCORE_TOOL_DEBUG_ROOT.
	R=$TS/root
	mkdir -p "$R/usr/lib/debug/boot" "$R/usr/lib/debug/.build-id/eb" "$R/boot"
	cp "$V" "$R/usr/lib/debug/boot/vmlinux-6.1.0-56-amd64"
	expect_json symbols-search-release 'd["vmlinux"]["path"].endswith("/usr/lib/debug/boot/vmlinux-6.1.0-56-amd64") and d["vmlinux"]["how"] == "VMCOREINFO OSRELEASE" and d["vmlinux"]["verified"]' \
		env VMCORE_TOOL_DEBUG_ROOT="$R" "$VT" info --json $S
	# Found by the search, the vmlinux answers what kallsyms does not hold.
	expect_grep symbols-search-fallback 0 '^only_in_vmlinux  0xffffffff987fb100  D  only_in_vmlinux$' \
		env VMCORE_TOOL_DEBUG_ROOT="$R" "$VT" symbols $S only_in_vmlinux
	cp "$V" "$R/usr/lib/debug/.build-id/eb/${SAMPLE_ID#eb}.debug"
	expect_json symbols-search-buildid 'd["vmlinux"]["how"] == "VMCOREINFO BUILD-ID" and d["vmlinux"]["path"].endswith("/.build-id/eb/'"${SAMPLE_ID#eb}"'.debug")' \
		env VMCORE_TOOL_DEBUG_ROOT="$R" "$VT" info --json $S
	rm -f "$R/usr/lib/debug/.build-id/eb/"* "$R/usr/lib/debug/boot/"*
	cp "$TS/vmlinux-wrong" "$R/boot/vmlinux-6.1.0-56-amd64"
	expect_grep symbols-search-skip 0 "^vmlinux:     none: .*skipped $R/boot/vmlinux-6.1.0-56-amd64: build-id 0123456789abcdef0123456789abcdef01234567, not the dump's $SAMPLE_ID" \
		env VMCORE_TOOL_DEBUG_ROOT="$R" "$VT" info -v $S

	# The KASLR offset derived: i386 (no KERNELOFFSET), x86_64 without
	# KERNELOFFSET, and with no VMCOREINFO from the page tables.
	expect_grep symbols-kaslr-i386 0 '^kaslr:       0x1000000 \(VMCOREINFO SYMBOL\(_stext\) 0xc2000000 - vmlinux _stext 0xc1000000\)$' \
		"$VT" info --vmlinux "$TS/vmlinux-i386" kallsyms-i386.core
	expect_json symbols-kaslr-i386-json 'd["kaslr"]["offset"] == "0x0000000001000000" and d["kaslr"]["how"] == "stext"' \
		"$VT" info --json --vmlinux "$TS/vmlinux-i386" kallsyms-i386.core
	expect_grep symbols-i386-vmlinux-name 0 '^init_uts_ns  0x00000000c2200100  D  init_uts_ns$' \
		"$VT" symbols --vmlinux "$TS/vmlinux-i386" kallsyms-i386.core init_uts_ns
	expect_grep symbols-kaslr-x86-stext 0 '^kaslr:       0x200000 \(VMCOREINFO SYMBOL\(_stext\) 0xffffffff81200000 - vmlinux _stext 0xffffffff81000000\)$' \
		"$VT" info --vmlinux "$TS/vmlinux-x86" kallsyms-absolute.core
	expect_grep symbols-kaslr-pagetables 0 '^kaslr:       0x200000 \(the lowest page mapped at the kernel image base 0xffffffff81200000 - vmlinux _stext 0xffffffff81000000\)$' \
		"$VT" info --vmlinux "$TS/vmlinux-x86" --force-vmlinux kaslr-no-vmcoreinfo.core
	got=$(cd "$FX" && "$VT" read -q --vmlinux "$TS/vmlinux-x86" kaslr-no-vmcoreinfo.core linux_banner 16 2>&1); rc=$?
	# (linux_banner relocated by 0x200000 is 0xffffffff81600000: not mapped there)
	[ "$rc" = 1 ] && [ "${got#*0xffffffff81600000 is not mapped}" != "$got" ] && ok ||
		bad symbols-pagetables-reloc "exit $rc: $got"
fi

# ---- remap's gdb command; vmcore-tool gdb ----------------------------------------------

expect_grep symbols-remap-gdb-line 0 "for gdb: (gdb-multiarch|gdb) -q -ex 'symbol-file -o 0x15c00000 VMLINUX' -ex 'core-file $TS/r.elf'$" \
	"$VT" remap $S -o "$TS/r.elf"
expect_grep symbols-remap-gdb-why 0 "^vmcore-tool: VMLINUX: the vmlinux of 6.1.0-56-amd64 \(build-id $SAMPLE_ID\), with debug info; none found here \(--vmlinux PATH; -v says where it looked\)$" \
	"$VT" remap --force $S -o "$TS/r.elf"
expect_grep symbols-remap-gdb-why-v 0 "none found here \(--vmlinux PATH; looked for build-id $SAMPLE_ID under /nonexistent" \
	"$VT" remap -v --force $S -o "$TS/r.elf"
expect_grep symbols-remap-i386 0 "for gdb: (gdb-multiarch|gdb) -q -ex 'set architecture i386' -ex 'symbol-file -o OFFSET VMLINUX' -ex 'core-file $TS/r32.elf'" \
	"$VT" remap kallsyms-i386.core -o "$TS/r32.elf"
expect_grep symbols-remap-i386-why 0 "; OFFSET: the KASLR offset is unknown: VMCOREINFO SYMBOL\(_stext\) is 0xc2000000, but the link-time _stext needs the vmlinux" \
	"$VT" remap --force kallsyms-i386.core -o "$TS/r32.elf"
if [ -n "$VM_OK" ]; then
	expect_grep symbols-remap-i386-vmlinux 0 "for gdb: (gdb-multiarch|gdb) -q -ex 'set architecture i386' -ex 'symbol-file -o 0x1000000 $TS/vmlinux-i386' -ex 'core-file $TS/r32.elf'" \
		"$VT" remap --force --vmlinux "$TS/vmlinux-i386" kallsyms-i386.core -o "$TS/r32.elf"
fi
rm -f "$TS/r.elf" "$TS/r32.elf"

if ! command -v gdb >/dev/null && ! command -v gdb-multiarch >/dev/null; then
	not_run symbols-gdb "no gdb on PATH"
elif [ -z "$VM_OK" ]; then
	not_run symbols-gdb "no tiny vmlinux (gcc failed)"
else
	C=$TS/cache
	expect_grep symbols-gdb-first 0 "cached $C/vmcore-tool/gdb-cores/[0-9a-f]+-[0-9a-f]+-[0-9a-f]+-[0-9]+\.[0-9]+\.core; the cache $C/vmcore-tool/gdb-cores holds 1 core" \
		env XDG_CACHE_HOME="$C" "$VT" gdb --vmlinux "$TS/vmlinux-sample" $S -- -batch -nx
	# gdb reads the banner by its relocated symbol, from the cached remap.
	expect_grep symbols-gdb-banner 0 '<linux_banner>:[[:space:]]+"Linux version 6\.1\.0-56-amd64 ' \
		env XDG_CACHE_HOME="$C" "$VT" gdb --vmlinux "$TS/vmlinux-sample" $S -- -batch -nx -ex 'x/s &linux_banner'
	expect_grep symbols-gdb-reuse 0 "reusing $C/vmcore-tool/gdb-cores/.*holds 1 core" \
		env XDG_CACHE_HOME="$C" "$VT" gdb $S -- -batch -nx
	expect_grep symbols-gdb-no-symbols 0 'no kernel symbols for gdb: no vmlinux' \
		env XDG_CACHE_HOME="$C" "$VT" gdb $S -- -batch -nx
	expect_grep symbols-gdb-command 0 "running (gdb-multiarch|gdb) -q -ex 'symbol-file -o 0x15c00000 $TS/vmlinux-sample' -ex 'core-file $C/vmcore-tool/gdb-cores/[^']*' -batch -nx -ex 'p 1'" \
		env XDG_CACHE_HOME="$C" "$VT" gdb --vmlinux "$TS/vmlinux-sample" $S -- -batch -nx -ex 'p 1'
	# A new input (another inode) gets its own entry; --no-cache adds none.
	cp "$FX/kallsyms-i386.core" "$TS/k.core"
	expect_grep symbols-gdb-i386 0 '<linux_banner>:[[:space:]]+"Linux version 6\.1\.0-test-686-pae' \
		env XDG_CACHE_HOME="$C" "$VT" gdb --vmlinux "$TS/vmlinux-i386" "$TS/k.core" -- -batch -nx -ex 'x/s &linux_banner'
	# --no-cache: gdb reads an unlinked remap through /proc/self/fd/N.
	expect_grep symbols-gdb-no-cache 0 '<linux_banner>:[[:space:]]+"Linux version 6\.1\.0-56-amd64 ' \
		env XDG_CACHE_HOME="$C" TMPDIR="$TS" "$VT" gdb --no-cache --vmlinux "$TS/vmlinux-sample" $S -- -batch -nx -ex 'x/s &linux_banner'
	n=$(ls "$C/vmcore-tool/gdb-cores" | wc -l)
	[ "$n" = 2 ] && ok || bad symbols-gdb-cache-count "$n files in the cache, expected 2"
	# The input changed (mtime): the stale entry is replaced, not kept.
	touch -d '2001-01-01' "$TS/k.core"
	env XDG_CACHE_HOME="$C" "$VT" gdb -q "$TS/k.core" -- -batch -nx >/dev/null 2>&1
	n=$(ls "$C/vmcore-tool/gdb-cores" | wc -l)
	[ "$n" = 2 ] && ok || bad symbols-gdb-cache-stale "$n files in the cache after the input changed, expected 2"
	# A gdb layout already (remap's output) is opened as it is.
	"$VT" remap -q "$FX/$S" -o "$TS/g.elf"
	expect_grep symbols-gdb-as-is 0 'has virtual PT_LOADs: gdb reads it as it is' \
		env XDG_CACHE_HOME="$C" "$VT" gdb "$TS/g.elf" -- -batch -nx
	rm -f "$TS/g.elf" "$TS/k.core"
fi
rm -rf "$TS"
