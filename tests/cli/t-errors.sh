# Every malformed input: one clear line naming the file, the place and the
# cause, and the documented exit status (2 error, 64 usage).

expect missing-file 2 "$VT" info no-such.core

expect directory 2 "$VT" info .

: > "$FX/empty.core"
expect empty-file 2 "$VT" info empty.core

printf 'this is not an ELF file\n' > "$FX/text.core"
expect not-elf 2 "$VT" info text.core

expect not-core 2 "$VT" info bad-not-core.core

expect big-endian 2 "$VT" info bad-big-endian.core

expect unknown-machine 2 "$VT" ptload --list bad-machine.core

expect truncated-ehdr 2 "$VT" info bad-truncated-ehdr.core

expect_grep phdrs-past-eof 2 \
	'^vmcore-tool: bad-phdrs-past-eof.core: program header table runs past end of file \(offset 0xc0, 70000 entries, file size 0x[0-9a-f]+\)$' \
	"$VT" info bad-phdrs-past-eof.core

# Recoverable damage: the core opens, a warning names the place, status 0.
expect_grep load-past-eof 0 \
	'warning: PT_LOAD\[2\] \(paddr 0x100000\): 0x[0-9a-f]+ of its 0x10000 bytes lie past end of file' \
	"$VT" info bad-load-past-eof.core
expect_grep load-past-eof-ram 0 '0x0000000000100000-0x0000000000110000 +64K +file 0x[0-9a-f]+ +\(0x[0-9a-f]+ bytes missing past EOF\)' \
	"$VT" info -q bad-load-past-eof.core
expect_grep note-overrun 0 \
	'warning: note at offset 0x[0-9a-f]+ runs past the end of its segment \(namesz 5, descsz 4096, PT_NOTE\[0\] ends at 0x[0-9a-f]+\); ignoring it and the notes after it' \
	"$VT" info bad-note-overrun.core
expect_grep note-noterm 0 'warning: note at offset 0x[0-9a-f]+: name of 4 bytes is not NUL-terminated' \
	"$VT" info bad-note-noterm.core
expect_grep qemu-short 0 'warning: QEMU note at offset 0x[0-9a-f]+ states size 440 but holds 400 bytes; using the fields it holds' \
	"$VT" info bad-qemu-short.core
expect_grep qemu-short-paging 0 'paging unknown \(the QEMU CPU-state note is too short to hold CR0/CR4\)' \
	"$VT" info -q bad-qemu-short.core
expect_grep no-load 0 'warning: no PT_LOAD segments: the core holds no memory' \
	"$VT" info bad-no-load.core
# -q silences warnings, and nothing else.
expect_grep quiet 0 '^file: +bad-no-load.core$' "$VT" -q info bad-no-load.core
got=$(cd "$FX" && "$VT" info -q bad-no-load.core 2>&1 >/dev/null); rc=$?
[ "$rc" = 0 ] && [ -z "$got" ] && ok || bad quiet-stderr "exit $rc; -q printed: $got"

# Usage errors: status 64.
expect_grep no-command 64 'no COMMAND given' "$VT"
expect_grep unknown-command 64 "no command 'frob'" "$VT" frob x.core
expect_grep no-core 64 'no CORE given' "$VT" info
expect_grep two-cores 64 'too many arguments' "$VT" info a.core b.core
expect_grep bad-sort 64 "--sort takes index, paddr or vaddr, not 'size'" \
	"$VT" ptload --list --sort=size x86_64-basic.core
expect_grep bad-option 64 'unrecognized option' "$VT" info --frobnicate x86_64-basic.core

# kdump and flattened files are recognised by signature, not taken for
# broken ELF: too short for their headers, they say so (t-kdump.sh has the rest).
printf 'makedumpfile\0\0\0\0' > "$FX/flat.core"
expect kdump-flattened 2 "$VT" info flat.core
printf 'KDUMP   \6\0\0\0' > "$FX/kdump.core"
expect kdump-plain 2 "$VT" info kdump.core

# An AArch64 dump without VMCOREINFO and without overrides: QEMU saves no
# TTBR or TCR, so the tool says what to pass (exit 2), not "not mapped".
expect arm64-no-params 2 "$VT" vtop arm64-override.core 0xffff800008000abc
expect_grep arm64-no-root 2 'no AArch64 page-table root: QEMU saves no TTBR, and the dump has no VMCOREINFO; pass --ttbr1 PADDR' \
	"$VT" vtop --granule 4k --va-bits 48 arm64-override.core 0xffff800008000abc
