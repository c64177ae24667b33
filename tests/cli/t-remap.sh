# remap: layouts, invariants checked with readelf (an independent reader),
# RAM byte for byte, refusals, a full disk, stop signals during the write,
# and --in-place killed at each step (faults from tests/shim/faults.c).
make_tmpdir T
F4=x86-4level.core

# Invariants of any output: phdrs at 64, PT_NOTE first with the input's notes
# byte-exact, p_filesz == p_memsz, notes before data, RAM equal by paddr.
check_invariants() {	# NAME INPUT OUTPUT
	local name=$1 in=$FX/$2 out=$3 got want class
	# Everything below compares readelf's view of OUT with expectations;
	# if readelf cannot read OUT at all, empty answers would agree.
	if ! readelf -hW "$out" >"$T/readelf.h" 2>"$T/readelf.err" ||
	   ! readelf -lW "$out" >"$T/readelf.l" 2>"$T/readelf.err"; then
		bad "$name-readelf" "readelf cannot read $out" "$(head -3 "$T/readelf.err")"
		return
	fi
	got=$(awk '/Start of program headers/ {print $5}' "$T/readelf.h")
	want=$(awk '/Size of this header/ {print $5}' "$T/readelf.h")
	[ -n "$got" ] && [ "$got" = "$want" ] && ok || bad "$name-phoff" "e_phoff is $got, the ELF header $want bytes"
	got=$(awk '/^  [A-Z]/ && $1 != "Type" {print $1}' "$T/readelf.l" | head -1)
	[ "$got" = NOTE ] && ok || bad "$name-note-first" "first phdr is $got"
	got=$(awk '$1 == "LOAD" && $5 != $6' "$T/readelf.l" | head -3)
	[ -z "$got" ] && grep -q '^  LOAD ' "$T/readelf.l" && ok ||
		bad "$name-filesz-memsz" "no PT_LOAD, or p_filesz != p_memsz: $got"
	readelf -nW "$in" | tail -n +3 >"$T/notes.in"
	readelf -nW "$out" | tail -n +3 >"$T/notes.out"
	[ -s "$T/notes.in" ] && cmp -s "$T/notes.in" "$T/notes.out" && ok ||
		bad "$name-notes" "notes differ (or readelf lists none in the input)"
	# RAM by physical address, range by range. Each read must succeed and
	# give the whole range, and at least one range must be compared.
	local ranges start size rc_in rc_out n=0
	ranges=$(set -o pipefail; "$VT" info --json -q "$in" | "$PY" -c '
import json, sys
for r in json.load(sys.stdin)["ram"]:
    print(r["start"], r["available"])') || bad "$name-ram-map" "info --json on $in failed"
	while read -r start size; do
		[ -n "$start" ] || continue
		"$VT" read -q --phys --format=raw "$in" "$start" "$size" >"$T/ram.in"; rc_in=$?
		"$VT" read -q --phys --format=raw "$out" "$start" "$size" >"$T/ram.out"; rc_out=$?
		if [ "$rc_in" != 0 ] || [ "$rc_out" != 0 ]; then
			bad "$name-ram-$start" "read --phys exit $rc_in on the input, $rc_out on the output"
		elif [ "$(stat -c %s "$T/ram.in")" != $((size)) ]; then
			bad "$name-ram-$start" "read --phys gave $(stat -c %s "$T/ram.in") of $((size)) bytes"
		elif ! cmp -s "$T/ram.in" "$T/ram.out"; then
			bad "$name-ram-$start" "RAM at $start differs"
		else
			ok
		fi
		n=$((n + 1))
	done <<<"$ranges"
	[ "$n" -gt 0 ] || bad "$name-ram-none" "no RAM range compared: info --json listed none"
	rm -f "$T/ram.in" "$T/ram.out"
	# The notes byte for byte, by an independent parser (ELF64 only: for
	# ELF32 the readelf comparison above is the check).
	class=$(awk '/Class:/ {print $2}' "$T/readelf.h")
	case $class in
	ELF32) return 0 ;;
	ELF64) ;;
	*) bad "$name-class" "ELF class '$class'"; return ;;
	esac
	"$PY" - "$in" "$out" <<'PY' && ok || bad "$name-notes-bytes"
import struct, sys
def notes(path):
    b = open(path, "rb").read(1 << 20)
    phoff, = struct.unpack_from("<Q", b, 32)
    phnum, = struct.unpack_from("<H", b, 56)
    if phnum == 0xffff:
        shoff, = struct.unpack_from("<Q", b, 40)
        phnum, = struct.unpack_from("<I", b, shoff + 44)
    out, first_load = b"", None
    for i in range(min(phnum, 64)):
        t, _, off, _, _, fsz = struct.unpack_from("<IIQQQQ", b, phoff + 56 * i)
        if t == 4:
            out += b[off:off + fsz]
    return out
want = notes(sys.argv[1])
sys.exit(0 if want and notes(sys.argv[2]) == want else 1)
PY
}

# gdb layout on the 4-level fixture.
(cd "$FX" && "$VT" remap -q $F4 -o "$T/gdb.elf") && ok || bad remap-gdb-runs
check_invariants remap-gdb $F4 "$T/gdb.elf"
# PT_LOADs sorted by p_vaddr, never overlapping; filler (p_vaddr 0) last.
readelf -lW "$T/gdb.elf" | "$PY" -c '
import sys
loads = [[int(x, 16) for x in l.split()[1:6]] for l in sys.stdin if l.split()[:1] == ["LOAD"]]
virt = [l for l in loads if l[1] != 0]
filler = [l for l in loads if l[1] == 0]
assert virt, "no virtual PT_LOAD (or readelf failed)"
assert loads == virt + filler, "filler not last"
for a, b in zip(virt, virt[1:]):
    assert a[1] + a[4] <= b[1], "overlap or unsorted at %x" % b[1]
' && ok || bad remap-gdb-sorted
# Every expected translation of the fixture now reads through gdb-style
# p_vaddr lookup: the byte at the virtual address equals the byte at paddr.
# The lines taken are CPU 0's (no --cpu or --swapper option): remap writes
# the kernel half and CPU 0's user half, so each must be in the output when
# its paddr is RAM in the input; one whose paddr is not RAM may be absent.
ram4=$(set -o pipefail; "$VT" info --json -q "$FX/$F4" | "$PY" -c '
import json, sys
print(" ".join("%s:%s" % (r["start"], r["available"]) for r in json.load(sys.stdin)["ram"]))') ||
	bad remap-gdb-va-ram "info --json $F4 failed"
checked=0
while read -r _ kind va pa _; do
	in_ram=$("$PY" -c '
import sys
pa = int(sys.argv[1], 16)
print(any(int(s, 16) <= pa < int(s, 16) + int(n, 16)
          for s, n in (r.split(":") for r in sys.argv[2].split())))' "$pa" "$ram4")
	want=$("$VT" read -q --phys --format=raw "$FX/$F4" "$pa" 8 | od -An -tx1)
	got=$("$PY" - "$T/gdb.elf" "$va" <<'PY'
import struct, sys
path, va = sys.argv[1], int(sys.argv[2], 16)
f = open(path, "rb"); b = f.read(1 << 20)
phoff, = struct.unpack_from("<Q", b, 32); phnum, = struct.unpack_from("<H", b, 56)
for i in range(phnum):
    t, _, off, v, p, fsz = struct.unpack_from("<IIQQQQ", b, phoff + 56 * i)
    if t == 1 and v <= va < v + fsz:     # gdb: the first segment that holds it
        f.seek(off + va - v); print(" " + " ".join("%02x" % c for c in f.read(8))); break
PY
)
	if [ -z "$got" ]; then
		[ "$in_ram" = True ] && bad "remap-gdb-va-$va" "no PT_LOAD holds $va (paddr $pa is RAM)"
		[ "$in_ram" = False ] || bad "remap-gdb-va-$va" "cannot tell whether $pa is RAM: $in_ram"
		continue
	fi
	[ -n "$want" ] && [ "$(echo $got)" = "$(echo $want)" ] && ok || bad "remap-gdb-va-$va" "got $got, want $want"
	checked=$((checked + 1))
done < <(sed -n 's/#.*//; /^expect vtop [^ ]* [^ ]*\( [^-][^ ]*\)\? *$/p' "$(dirname "${BASH_SOURCE[0]}")/../fixtures/x86-4level.core.txt")
[ "$checked" -gt 0 ] || bad remap-gdb-va-none "no translation of $F4 was checked"

# crash layout: the kernel image first, then RAM by paddr, not overlapping.
(cd "$FX" && "$VT" remap -q --layout=crash $F4 -o "$T/crash.elf") && ok || bad remap-crash-runs
check_invariants remap-crash $F4 "$T/crash.elf"
readelf -lW "$T/crash.elf" | "$PY" -c '
import sys
loads = [[int(x, 16) for x in l.split()[1:6]] for l in sys.stdin if l.split()[:1] == ["LOAD"]]
assert loads[0][1] >= 0xffffffff80000000, "kernel image not first"
ram = loads[1:]
for a, b in zip(ram, ram[1:]):
    assert a[2] + a[4] <= b[2], "RAM not sorted or overlapping at %x" % b[2]
assert len(loads) < 64
' && ok || bad remap-crash-shape
# i386 guests get ELFCLASS32 output (gdb has no ELF64 i386 target).
(cd "$FX" && "$VT" remap -q x86-32bit.core -o "$T/i386.elf") && ok || bad remap-i386-runs
readelf -hW "$T/i386.elf" | grep -q 'Class: *ELF32' && ok || bad remap-i386-class
(cd "$FX" && "$VT" remap -q x86-pae.core -o "$T/pae.elf") && ok || bad remap-pae-runs
check_invariants remap-pae x86-pae.core "$T/pae.elf"

# Options.
n_all=$(cd "$FX" && "$VT" remap --dry-run --json $F4 | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["summary"]["virtual"])')
n_k=$(cd "$FX" && "$VT" remap --dry-run --json --kernel-only $F4 | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
assert all(int(s["vaddr"], 16) >= 1 << 63 for s in d["segments"] if s["kind"] == "virtual")
print(d["summary"]["virtual"])')
[ -n "$n_k" ] && [ "$n_k" -gt 0 ] && [ "$n_k" -lt "$n_all" ] && ok || bad remap-kernel-only "$n_k of $n_all"
expect_json remap-exclude 'd["summary"]["virtual"] > 0 and not any(int(s["vaddr"], 16) <= 0xffff888000ffffff and int(s["vaddr"], 16) + int(s["memsz"], 16) > 0xffff888000000000 for s in d["segments"])' \
	"$VT" remap --dry-run --json --exclude=0xffff888000000000-0xffff888000ffffff $F4
expect_json remap-no-filler 'd["summary"]["filler"] == 0' "$VT" remap --dry-run --json --no-filler sample-x86_64.core
expect_json remap-filler 'd["summary"]["filler"] >= 1 and d["segments"][-1]["vaddr"] == "0x0000000000000000"' \
	"$VT" remap --dry-run --json sample-x86_64.core

# The real sample: sparse in, sparse out; gdb reads the banner by VA.
(cd "$FX" && "$VT" remap -q sample-x86_64.core -o "$T/sample.elf") && ok || bad remap-sample-runs
used=$(du -k "$T/sample.elf" | cut -f1)
[ "$used" -lt 20000 ] && ok || bad remap-sample-sparse "output uses ${used}K on disk"
got=$(gdb -batch -nx -ex "core-file $T/sample.elf" -ex 'x/s 0xffffffff97d61900' 2>&1 | tail -1)
case $got in *'"Linux version 6.1.0-56-amd64'*) ok ;; *) bad remap-sample-gdb "$got" ;; esac

# Refusals: OUT exists (2), OUT is CORE (64), missing -o (64), bad layout (64).
: > "$T/exists.elf"
expect_grep remap-exists 2 "exists; use --force to replace it" "$VT" remap $F4 -o "$T/exists.elf"
[ -f "$T/exists.elf" ] && [ ! -s "$T/exists.elf" ] && ok || bad remap-exists-untouched "$(ls -l "$T/exists.elf" 2>&1)"
(cd "$FX" && "$VT" remap -q --force $F4 -o "$T/exists.elf") && [ -s "$T/exists.elf" ] && ok || bad remap-force
cp "$FX/$F4" "$T/same.core"
expect_grep remap-same 64 'is the input core: refusing to overwrite it' "$VT" remap --force "$T/same.core" -o "$T/same.core"
ln -s "$T/same.core" "$T/link.core"
expect_grep remap-same-link 64 'is the input core' "$VT" remap --force "$T/same.core" -o "$T/link.core"
cmp -s "$FX/$F4" "$T/same.core" && ok || bad remap-same-untouched
expect_grep remap-no-out 64 'say where to write: -o OUT' "$VT" remap $F4
expect_grep remap-layout 64 "--layout takes gdb or crash, not 'lldb'" "$VT" remap --layout=lldb $F4 -o "$T/x"
expect_grep remap-exclude-bad 64 'exclude takes VSTART-VEND' "$VT" remap --exclude=5-1 $F4 -o "$T/x"
expect_grep remap-inplace-crash 64 'in-place writes the gdb layout only' "$VT" remap --in-place --layout=crash $F4
expect_grep remap-outdir-missing 2 'cannot create a temporary file in /nonexistent' "$VT" remap $F4 -o /nonexistent/out.elf
[ -z "$(ls -A "$T" | grep '^\.')" ] && ok || bad remap-no-temp-left "$(ls -A "$T")"

# A full disk, and signals, from tests/shim/faults.c (LD_PRELOAD): 4M of
# RAM that is not zero (sparse input would be copied sparsely and fit). The
# fixture has no page tables, so --force-empty (the filler only, all 4M):
# without it remap refuses before writing, also with status 2 and nothing
# left behind.
{
	echo "# generated by tests/cli/t-remap.sh: dense RAM, no page table present"
	echo "note qemu cr0=0x80050033 cr3=0x1000 cr4=0x20 cs.flags=0x209b00"
	echo "ram 0x0 4M"
	echo "load 0x0 4M"
	echo "fill 0x0 4M 0x5a	# 0x5a5a...: P clear in every entry"
} > "$FX/dense.core.txt"
"$PY" "$(dirname "${BASH_SOURCE[0]}")/../mkcore.py" "$FX/dense.core.txt" "$FX/dense.core" || bad remap-dense-generate

# remap_faulty NAME STATUS VMC_FAULT_SETTING REMAP-ARGS... : remap into an
# empty directory of its own under the fault, expect STATUS and that the
# directory is still empty (no OUT, no temporary .OUT.XXXXXX). The output
# goes to $T/NAME.log.
remap_faulty() {
	local name=$1 status=$2 fault=$3 dir=$T/$1 rc
	shift 3
	mkdir "$dir"
	# (in braces, so the shell's notice of a death by signal goes to the log;
	# env resets SIGINT and SIGTERM, which a shell's background job inherits
	# as ignored: then the tool rightly goes on writing)
	{ (cd "$FX" && faulty "$fault" env --default-signal=INT,TERM "$VT" remap "$@" -o "$dir/out.elf") >"$T/$name.log" 2>&1; rc=$?; } 2>>"$T/$name.log"
	[ "$rc" = "$status" ] && ok || bad "$name-status" "exit $rc, expected $status ($fault)" "$(cat "$T/$name.log")"
	[ -z "$(ls -A "$dir")" ] && ok || bad "$name-leftovers" "left in the output directory: $(ls -A "$dir")"
	rm -rf "$dir"
}

if [ -z "${VMC_FAULTS:-}" ]; then
	not_run remap-faults "VMC_FAULTS is not set (make check-cli builds tests/shim/faults.c and sets it)"
elif [ ! -r "$VMC_FAULTS" ]; then
	bad remap-faults "VMC_FAULTS=$VMC_FAULTS: no such file"
else
	# The shim refuses a setting it does not understand, rather than run
	# the command without the fault.
	expect_grep faults-bad-setting 125 'libvmc-faults: VMC_FAULT_KILL_AT=pwirte:1: CALL is' \
		faulty VMC_FAULT_KILL_AT=pwirte:1 "$VT" --version
	# Room for all of it: the shim changes nothing.
	(cd "$FX" && faulty VMC_FAULT_ENOSPC_AFTER=64M "$VT" remap -q --force-empty dense.core -o "$T/roomy.elf") &&
		"$VT" read -q --phys --format=raw "$T/roomy.elf" 0 4M >"$T/roomy.ram" &&
		[ "$(tr -d Z <"$T/roomy.ram" | wc -c)" = 0 ] && [ "$(stat -c %s "$T/roomy.ram")" = $((4 << 20)) ] &&
		ok || bad remap-enospc-roomy "remap with room to spare failed, or its RAM is not the input's"
	rm -f "$T/roomy.elf" "$T/roomy.ram"
	# The disk fills up 1M into the RAM copy, and in the headers.
	remap_faulty remap-enospc 2 VMC_FAULT_ENOSPC_AFTER=1M --force-empty dense.core
	grep -q 'No space left on device' "$T/remap-enospc.log" && ok ||
		bad remap-enospc-message "$(cat "$T/remap-enospc.log")"
	remap_faulty remap-enospc-headers 2 VMC_FAULT_ENOSPC_AFTER=10 --force-empty dense.core
	grep -q 'No space left on device' "$T/remap-enospc-headers.log" && ok ||
		bad remap-enospc-headers-message "$(cat "$T/remap-enospc-headers.log")"

	# A stop signal while the output is written: remap blocks SIGINT,
	# SIGTERM, SIGHUP and SIGPIPE during the write, notices them between
	# pieces, removes its temporary file, then dies by the signal (128 + N).
	# The signal comes before the first header write, before the first RAM
	# copy, and before the fsync that precedes the rename.
	remap_faulty remap-sigint-headers 130 VMC_FAULT_SIGNAL_AT=pwrite:1:INT $F4
	remap_faulty remap-sigint-data 130 VMC_FAULT_SIGNAL_AT=copy_file_range:1:INT $F4
	remap_faulty remap-sigterm-data 143 VMC_FAULT_SIGNAL_AT=copy_file_range:1:TERM $F4
	remap_faulty remap-sigint-fsync 130 VMC_FAULT_SIGNAL_AT=fsync:1:INT $F4
	# A SIGINT the caller ignores (nohup, a background job) stops nothing.
	rm -f "$T/ignored.elf"
	(trap '' INT; cd "$FX" && faulty VMC_FAULT_SIGNAL_AT=pwrite:1:INT "$VT" remap -q $F4 -o "$T/ignored.elf") &&
		[ -s "$T/ignored.elf" ] && ok || bad remap-sigint-ignored "an ignored SIGINT stopped the write"
fi

# The same full disk for real: a 1M tmpfs in a private mount namespace,
# where one can be made and a tmpfs mounted in it (not in most chroots and
# containers).
if ! why=$(unshare -rm sh -c 'mount -t tmpfs -o size=1M tmpfs "$1"' sh "$T" 2>&1); then
	not_run remap-enospc-tmpfs "unshare -rm cannot mount a tmpfs in a private mount namespace here: ${why:-no reason given}"
else
	got=$(cd "$FX" && unshare -rm sh -c '
		mkdir -p "$1/full" && mount -t tmpfs -o size=1M tmpfs "$1/full" &&
		"$2" remap --force-empty "$3" -o "$1/full/out.elf"; echo "rc=$?"; ls -A "$1/full"' sh "$T" "$VT" dense.core 2>&1)
	printf '%s\n' "$got" | grep -q 'No space left on device' && ok || bad remap-enospc-tmpfs-message "$got"
	printf '%s\n' "$got" | grep -q '^rc=2$' && ok || bad remap-enospc-tmpfs-status "$got"
	[ "$(printf '%s\n' "$got" | tail -1)" = "rc=2" ] && ok || bad remap-enospc-tmpfs-leftovers "$got"
fi

# --in-place, killed before and after each step, is always a valid core:
# the old view (identity PT_LOADs) or the new one (virtual ones). The steps
# (write.c): pwrite the new table past the end, fsync, pwrite the ELF
# header, fsync. A kill loses nothing already written (the page cache
# stays), so after the header's pwrite the new view shows.
# ptload_view CORE: the summary line of `ptload --list`, or why there is none.
ptload_view() {
	local v
	v=$("$VT" ptload --list "$1" 2>&1) || { echo "ptload --list failed: $v"; return; }
	printf '%s\n' "$v" | tail -1
}
old_view=$(ptload_view "$FX/$F4")
new_view=$(cd "$FX" && "$VT" remap --dry-run $F4 | tail -1)
case $old_view in *' 0 virtual, '*) ok ;; *) bad remap-inplace-views "old view: $old_view" ;; esac
case $new_view in *' 0 identity, '*) ok ;; *) bad remap-inplace-views "new view: $new_view" ;; esac
size_before=$(stat -c %s "$FX/$F4")
if [ -n "${VMC_FAULTS:-}" ] && [ -r "$VMC_FAULTS" ]; then
	# STEP KILL_AT VIEW FILE-SIZE: killed before the table is appended
	# (same size), after it (bigger: the table is there, unused), before
	# and after the header points at it.
	while read -r step at view grown; do
		cp "$FX/$F4" "$T/inplace.core"
		{ faulty VMC_FAULT_KILL_AT=$at "$VT" remap -q --in-place "$T/inplace.core"; rc=$?; } 2>/dev/null
		[ $rc = 137 ] && ok || bad "remap-inplace-killed-$step" "exit $rc, expected 137 (SIGKILL at $at)"
		got=$(ptload_view "$T/inplace.core")
		want=$old_view; [ "$view" = new ] && want=$new_view
		[ "$got" = "$want" ] && ok || bad "remap-inplace-$view-view-$step" "got:  $got" "want: $want"
		size=$(stat -c %s "$T/inplace.core")
		case $grown in
		same) [ "$size" = "$size_before" ] ;;
		grown) [ "$size" -gt "$size_before" ] ;;
		esac && ok || bad "remap-inplace-size-$step" "size $size, was $size_before: expected $grown"
		readelf -lW "$T/inplace.core" >/dev/null 2>"$T/readelf.err" && [ ! -s "$T/readelf.err" ] && ok ||
			bad "remap-inplace-readelf-$step" "$(cat "$T/readelf.err")"
	done <<-'STEPS'
	append          pwrite:1  old  same
	appended        fsync:1   old  grown
	header          pwrite:2  old  grown
	header-written  fsync:2   new  grown
	STEPS
else
	not_run remap-inplace-killed "VMC_FAULTS is not set (make check-cli builds tests/shim/faults.c and sets it)"
fi
cp "$FX/$F4" "$T/inplace.core"
"$VT" remap -q --in-place "$T/inplace.core" && ok || bad remap-inplace-runs
view=$(ptload_view "$T/inplace.core")
[ "$view" = "$new_view" ] && ok || bad remap-inplace-new-view "got: $view" "want: $new_view"
readelf -lW "$T/inplace.core" >/dev/null 2>"$T/readelf.err" && [ ! -s "$T/readelf.err" ] && ok ||
	bad remap-inplace-readelf "$(cat "$T/readelf.err")"
# Data did not move: every RAM byte reads the same as before.
# (into files: cmp of two failed reads would compare two empty streams)
"$VT" read -q --phys --format=raw "$FX/$F4" 0 16M >"$T/ram.before" &&
"$VT" read -q --phys --format=raw "$T/inplace.core" 0 16M >"$T/ram.after" &&
	[ "$(stat -c %s "$T/ram.before")" = $((16 << 20)) ] && cmp -s "$T/ram.before" "$T/ram.after" &&
	ok || bad remap-inplace-ram "RAM differs, or read --phys failed"

# A second in-place rewrite replaces the table the first appended: two runs
# leave the size of one. Killed at any step of the second (which writes the
# table past the end and switches to it, then writes it into the slot and
# switches back, then cuts the file), the core shows the first run's view
# or the second's, and readelf reads it.
"$VT" remap -q --in-place "$T/inplace.core" && ok || bad remap-inplace-again-runs
cp "$FX/$F4" "$T/once.core"
"$VT" remap -q --in-place "$T/once.core" && ok || bad remap-inplace-once-runs
size_once=$(stat -c %s "$T/once.core")
[ "$(stat -c %s "$T/inplace.core")" = "$size_once" ] && ok ||
	bad remap-inplace-idempotent "after two runs $(stat -c %s "$T/inplace.core") bytes, after one $size_once"
[ "$(ptload_view "$T/inplace.core")" = "$new_view" ] && ok || bad remap-inplace-again-view "$(ptload_view "$T/inplace.core")"
k_view=$(cd "$FX" && "$VT" remap --dry-run --kernel-only $F4 | tail -1)
[ "$k_view" != "$new_view" ] && ok || bad remap-inplace-kernel-view "the --kernel-only view equals the full one"
if [ -n "${VMC_FAULTS:-}" ] && [ -r "$VMC_FAULTS" ]; then
	while read -r at view; do
		cp "$T/once.core" "$T/again.core"
		{ faulty VMC_FAULT_KILL_AT=$at "$VT" remap -q --in-place --kernel-only "$T/again.core"; rc=$?; } 2>/dev/null
		[ $rc = 137 ] && ok || bad "remap-inplace-again-killed-$at" "exit $rc, expected 137"
		want=$new_view; [ "$view" = new ] && want=$k_view
		got=$(ptload_view "$T/again.core")
		[ "$got" = "$want" ] && ok || bad "remap-inplace-again-$view-view-$at" "got:  $got" "want: $want"
		readelf -lW "$T/again.core" >/dev/null 2>"$T/readelf.err" && [ ! -s "$T/readelf.err" ] && ok ||
			bad "remap-inplace-again-readelf-$at" "$(cat "$T/readelf.err")"
	done <<-'STEPS'
	pwrite:1  old
	fsync:1   old
	pwrite:2  old
	fsync:2   new
	pwrite:3  new
	fsync:3   new
	pwrite:4  new
	fsync:4   new
	fsync:5   new
	STEPS
	cp "$T/once.core" "$T/again.core"
	"$VT" remap -q --in-place --kernel-only "$T/again.core" && ok || bad remap-inplace-again-kernel-runs
	[ "$(stat -c %s "$T/again.core")" -lt "$size_once" ] && ok ||
		bad remap-inplace-again-shrinks "a smaller table leaves a smaller file: $(stat -c %s "$T/again.core") >= $size_once"
else
	not_run remap-inplace-again-killed "VMC_FAULTS is not set"
fi
rm -rf "$T"

# KPTI: CPU 0's CR3 is a user PGD without the kernel; remap takes the kernel
# half from swapper_pg_dir as well, and the user half from CPU 0.
expect_json remap-kpti 'sorted((s["vaddr"], s["paddr"]) for s in d["segments"] if s["kind"] == "virtual") == [("0x0000000000400000", "0x0000000000030000"), ("0xffffffff80000000", "0x0000000000200000")]' \
	"$VT" remap --dry-run --json x86-kpti.core

# A remap whose page tables map (almost) nothing is an error that says which
# root was walked, what it saw and what to try; --force-empty writes it.
make_tmpdir T2
expect_grep remap-empty 2 'the page tables map 0 of the 4M of RAM \(under 1%\): root CPU 0 CR3 0x1000, 4-level .*try --cpu N, --cr3 PADDR or --swapper, or --force-empty' \
	"$VT" remap dense.core -o "$T2/empty.elf"
[ ! -e "$T2/empty.elf" ] && [ -z "$(ls -A "$T2")" ] && ok || bad remap-empty-nothing-left "$(ls -A "$T2")"
(cd "$FX" && "$VT" remap -q --force-empty dense.core -o "$T2/empty.elf") && [ -s "$T2/empty.elf" ] && ok ||
	bad remap-force-empty "--force-empty did not write the filler-only core"
# An --in-place failure names the core once (it was printed twice).
if [ -n "${VMC_FAULTS:-}" ]; then
	cp "$FX/$F4" "$T2/inplace.core"
	got=$(faulty VMC_FAULT_ENOSPC_AFTER=0 "$VT" remap -q --in-place "$T2/inplace.core" 2>&1); rc=$?
	[ $rc = 2 ] && [ "$(printf '%s' "$got" | grep -o "$T2/inplace.core" | wc -l)" = 1 ] && ok ||
		bad remap-inplace-error-path "exit $rc: $got"
fi
rm -rf "$T2"

# The sample's espfix64 area maps one page 65,536 times: folded by default
# (gdb still reads the banner, checked above), kept with --keep-aliases.
n_fold=$(cd "$FX" && "$VT" remap --dry-run --json sample-x86_64.core | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["summary"]["count"])')
n_keep=$(cd "$FX" && "$VT" remap --dry-run --json --keep-aliases sample-x86_64.core | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["summary"]["count"])')
[ -n "$n_fold" ] && [ "$n_fold" -le 1000 ] && [ -n "$n_keep" ] && [ "$n_keep" -gt 65536 ] && ok ||
	bad remap-fold-aliases "default $n_fold PT_LOADs, --keep-aliases $n_keep"
make_tmpdir T3
expect_grep remap-fold-summary 0 '65535 aliases of 1 physical range mapped 256 times or more left out' \
	"$VT" remap sample-x86_64.core -o "$T3/fold.elf"
rm -rf "$T3"
# OUT is renamed into place: a device or FIFO is refused, even with --force
# (it once replaced /dev/null with a regular file).
expect_grep remap-out-device 64 '/dev/null is not a regular file: refusing to replace it' \
	"$VT" remap --force x86-4level.core -o /dev/null
[ -c /dev/null ] && ok || bad remap-out-device-intact "/dev/null is no longer a character device"
