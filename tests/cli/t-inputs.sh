# Compressed inputs (src/input/lz4.c, gzip.c): every command on the sample
# core compressed by the real lz4 and gzip programs prints what it prints on
# the plain core, and remap writes the same bytes. Then damaged and hostile
# streams: exit 2 and one line naming the place, or, for a tail cut off, a
# warning and the bytes before the cut.
S=sample-x86_64.core
B=x86_64-basic.core
BANNER_VA=0xffffffff97d61900	# linux_banner (t-walk.sh)
BANNER_PA=0x17361900
make_tmpdir LT

have_tools=1
for t in lz4 gzip; do
	command -v $t >/dev/null || { not_run inputs "no $t program (tests/install-deps.sh)"; have_tools=; }
done

# run_out NAME CMD...: stdout and stderr of CMD (in the fixtures) into
# $LT/NAME, its status into $LT/NAME.rc.
run_out() {
	local name=$1; shift
	(cd "$FX" && "$@") >"$LT/$name" 2>&1
	echo $? >"$LT/$name.rc"
}

# same_as_plain LABEL CORE CMD...: CMD on CORE prints what CMD on the plain
# sample prints (less the file's name and, for info, its layers), with the
# same status. The plain core's output is made once per command.
declare -A plain_done=()
same_as_plain() {
	local label=$1 core=$2 key; shift 2
	key=$(printf '%s' "$*" | md5sum | cut -c1-16)
	if [ -z "${plain_done[$key]:-}" ]; then
		run_out "plain-$key" "$@" $S
		strip_names "$LT/plain-$key"
		plain_done[$key]=1
	fi
	run_out layered.out "$@" "$core"
	strip_names "$LT/layered.out"
	if ! cmp -s "$LT/plain-$key.rc" "$LT/layered.out.rc"; then
		bad "$label" "status $(cat "$LT/layered.out.rc"), plain $(cat "$LT/plain-$key.rc"): $* $core"
	elif ! cmp -s "$LT/plain-$key" "$LT/layered.out"; then
		bad "$label" "$* $core differs from the plain core's:" \
			"$(diff "$LT/plain-$key" "$LT/layered.out" | head -n 8)"
	else
		ok
	fi
}

# The lines that name the file or its layers, text and JSON.
strip_names() {
	sed -i -e '/^file: /d; /^layers: /d; /"file": /d; /"layers": \[\],*$/d' \
		-e '/"layers": \[$/,/\]/d' "$1"
}

# Each command's output on a core, by argument list; vtop and read take
# the address after the core, so the core goes last through a wrapper.
on_core() { local core=${*: -1}; set -- "${@:1:$#-1}"; "$VT" "$1" "$core" "${@:2}"; }

if [ -n "$have_tools" ]; then
	(cd "$FX" && lz4 -q -f $S "$LT/core.elf.lz4" && lz4 -q -f -B4 $S "$LT/core.elf.B4.lz4" &&
	 gzip -1 -c $S >"$LT/core.elf.gz") || bad inputs-compress "lz4 or gzip failed"
	for c in core.elf.lz4 core.elf.B4.lz4 core.elf.gz; do
		ln -sf "$LT/$c" "$FX/$c"
		same_as_plain "inputs-info-$c" $c "$VT" info
		same_as_plain "inputs-info-json-$c" $c "$VT" info --json
		same_as_plain "inputs-ptload-$c" $c "$VT" ptload --list
		same_as_plain "inputs-maps-$c" $c "$VT" maps
		same_as_plain "inputs-vtop-$c" $c on_core vtop $BANNER_VA
		same_as_plain "inputs-read-$c" $c on_core read $BANNER_VA 64
		same_as_plain "inputs-read-phys-$c" $c on_core read --phys $BANNER_PA 0x3000
		same_as_plain "inputs-remap-dry-$c" $c "$VT" remap --dry-run --json
	done
	expect_grep inputs-info-layers-lz4 0 '^layers: +lz4$' "$VT" info -q core.elf.lz4
	expect_grep inputs-info-layers-gzip 0 '^layers: +gzip$' "$VT" info -q core.elf.gz
	expect_json inputs-json-layers 'd["layers"] == ["gzip"]' "$VT" info --json core.elf.gz
	expect_json inputs-json-layers-plain 'd["layers"] == []' "$VT" info --json $S

	# remap: the same bytes from every input, both layouts (cmp: the
	# same answer as comparing their sha1, faster).
	for layout in gdb crash; do
		(cd "$FX" && "$VT" remap -q --layout=$layout $S -o "$LT/plain.elf")
		for c in core.elf.lz4 core.elf.B4.lz4 core.elf.gz; do
			if (cd "$FX" && "$VT" remap -q --layout=$layout $c -o "$LT/out.elf"); then
				cmp -s "$LT/plain.elf" "$LT/out.elf" && ok ||
					bad "inputs-remap-$layout-$c" "the output differs from the plain core's"
			else
				bad "inputs-remap-$layout-$c" "remap failed"
			fi
			rm -f "$LT/out.elf"
		done
		rm -f "$LT/plain.elf"
	done
	for c in core.elf.lz4 core.elf.B4.lz4 core.elf.gz; do rm -f "$FX/$c"; done

	# --in-place: refused, with the command that decompresses; the file is
	# left as it was, and the commands named give the plain core back.
	K=x86-kpti.core		# a core whose page tables map something
	(cd "$FX" && gzip -c $K >"$LT/inplace.elf.gz" && lz4 -q -f $K "$LT/inplace.elf.lz4")
	ln -sf "$LT/inplace.elf.gz" "$FX/inplace.elf.gz"
	ln -sf "$LT/inplace.elf.lz4" "$FX/inplace.elf.lz4"
	before=$(sha1sum <"$LT/inplace.elf.gz")
	expect_grep inputs-in-place-gzip 2 '^vmcore-tool: inplace\.elf\.gz: gzip-compressed: --in-place rewrites only an uncompressed core; decompress it first \(gzip -dk inplace\.elf\.gz\), or write a new core with -o$' \
		"$VT" remap --in-place inplace.elf.gz
	[ "$(sha1sum <"$LT/inplace.elf.gz")" = "$before" ] && ok || bad inputs-in-place-untouched "the .gz changed"
	expect_grep inputs-in-place-lz4 2 'lz4-compressed: --in-place rewrites only an uncompressed core; decompress it first \(lz4 -d inplace\.elf\.lz4 inplace\.elf\), or write a new core with -o$' \
		"$VT" remap --in-place inplace.elf.lz4
	(cd "$LT" && gzip -dk inplace.elf.gz && cmp -s inplace.elf "$FX/$K" && rm inplace.elf &&
	 lz4 -q -d inplace.elf.lz4 inplace.elf && cmp -s inplace.elf "$FX/$K") && ok ||
		bad inputs-in-place-commands "gzip -dk / lz4 -d did not give the plain core back"
	rm -f "$LT"/inplace.elf* "$FX"/inplace.elf*
fi

# ---- a compression layer around a kdump file ---------------------------------
# The sample as a flattened kdump file (tests/mkkdump.c, zlib pages), then
# gzipped and lz4'd: every command prints what it prints on the flattened
# file itself (less the lines naming the file and its layers), and convert
# writes the same bytes.
if [ -n "$have_tools" ] && [ -n "${MKKDUMP:-}" ] && [ -x "${MKKDUMP:-}" ]; then
	(cd "$FX" && "$MKKDUMP" --flat $S "$LT/kd.flat" && gzip -1 -c "$LT/kd.flat" >"$LT/kd.flat.gz" &&
	 lz4 -q -B4 "$LT/kd.flat" "$LT/kd.flat.lz4") || bad inputs-kdump-make "mkkdump, gzip or lz4 failed"
	for f in kd.flat kd.flat.gz kd.flat.lz4; do ln -sf "$LT/$f" "$FX/$f"; done
	# kdump_same LABEL CORE CMD...: as same_as_plain, against kd.flat.
	kdump_same() {
		local label=$1 core=$2; shift 2
		run_out kd-plain.out "$@" kd.flat
		run_out kd-layered.out "$@" "$core"
		for o in "$LT/kd-plain.out" "$LT/kd-layered.out"; do
			strip_names "$o"
			sed -i 's/^format: \( *kdump\) (in [a-z0-9+]*)/format: \1/' "$o"
		done
		if ! cmp -s "$LT/kd-plain.out.rc" "$LT/kd-layered.out.rc" ||
		   ! cmp -s "$LT/kd-plain.out" "$LT/kd-layered.out"; then
			bad "$label" "$* $core differs from the flattened file's:" \
				"$(diff "$LT/kd-plain.out" "$LT/kd-layered.out" | head -n 8)"
		else
			ok
		fi
	}
	for c in kd.flat.gz kd.flat.lz4; do
		kdump_same "inputs-kdump-info-$c" $c "$VT" info
		kdump_same "inputs-kdump-info-json-$c" $c "$VT" info --json
		kdump_same "inputs-kdump-maps-$c" $c "$VT" maps
		kdump_same "inputs-kdump-read-$c" $c on_core read --phys $BANNER_PA 0x3000
		kdump_same "inputs-kdump-vtop-$c" $c on_core vtop $BANNER_VA
		(cd "$FX" && "$VT" convert -q kd.flat -o "$LT/a.elf" && "$VT" convert -q $c -o "$LT/b.elf") &&
			cmp -s "$LT/a.elf" "$LT/b.elf" && ok || bad "inputs-kdump-convert-$c" "convert differs or failed"
		rm -f "$LT/a.elf" "$LT/b.elf"
	done
	expect_grep inputs-kdump-layers 0 '^layers: +gzip\+flattened$' "$VT" info -q kd.flat.gz
	expect_json inputs-kdump-json-layers 'd["layers"] == ["lz4", "flattened"] and d["format"] == "kdump"' \
		"$VT" info --json kd.flat.lz4
	rm -f "$FX"/kd.flat*
fi

# ---- damaged and hostile streams ----------------------------------------------
# Made from the small x86_64-basic core by the real tools, then edited by
# tests/cli/mklayers.py (which knows the offsets, and recomputes the lz4
# descriptor checksum where an edit must get past it).
if [ -n "$have_tools" ]; then
	H=$LT/h
	mkdir -p "$H"
	(cd "$FX" && lz4 -q -f -B4 $B "$H/b4.lz4" && lz4 -q -f -B4 --content-size $B "$H/size.lz4" &&
	 lz4 -q -f -B4 -BD $B "$H/linked.lz4" && gzip -n -c $B >"$H/b.gz" &&
	 gzip -c $B | lz4 -q -f - "$H/nested.lz4") || bad inputs-hostile-make "lz4 or gzip failed"
	"$PY" "$(dirname "${BASH_SOURCE[0]}")/mklayers.py" "$H" || bad inputs-hostile-make "mklayers.py failed"
	for f in "$H"/*; do ln -sf "$f" "$FX/h-${f##*/}"; done

	expect_grep lz4-lying-block 2 '^vmcore-tool: h-lying-block\.lz4: lz4 block at offset 0x7 states 0x100000 bytes, more than its frame.s block maximum 0x10000 \(a lying size\)$' \
		"$VT" info h-lying-block.lz4
	expect_grep lz4-lying-content-size 2 ': lz4 frame 1 \(offset 0x0\) states 0x10000000000 bytes of content, but its blocks decode to 0x24096f$' \
		"$VT" info h-lying-size.lz4
	expect_grep lz4-bad-content-checksum 2 ': lz4 frame 1 \(offset 0x0\): content checksum 0x[0-9a-f]{8}, but the content hashes to 0x[0-9a-f]{8}$' \
		"$VT" info h-bad-content-csum.lz4
	expect_grep lz4-bad-descriptor-checksum 2 ': lz4 frame 1 \(offset 0x0\): descriptor checksum 0x[0-9a-f]{2}, expected 0x[0-9a-f]{2}$' \
		"$VT" info h-bad-hc.lz4
	expect_grep lz4-zero-length-block 2 ': lz4 block at offset 0x7 decodes to no bytes$' \
		"$VT" info h-zero-block.lz4
	expect_grep lz4-corrupt-block 2 ': lz4 block at offset 0x7 \(0x[0-9a-f]+ bytes\) does not decode: corrupt, or a lying size$' \
		"$VT" info h-corrupt-block.lz4
	expect_grep lz4-dictionary 2 ': lz4 frame 1 \(offset 0x0\) needs a dictionary \(ID 0x12345678\)$' \
		"$VT" info h-dict.lz4
	expect_grep lz4-reserved 2 ': lz4 frame 1 \(offset 0x0\): reserved bits set in its descriptor' \
		"$VT" info h-reserved.lz4
	expect_grep lz4-linked 2 ': lz4 frame 1 \(offset 0x0\) has linked blocks \(lz4 -BD\), which cannot be read at random; recompress it with independent blocks: lz4 -dc h-linked\.lz4 \| lz4 -BI -B4 - h-linked\.B4\.lz4$' \
		"$VT" info h-linked.lz4
	# The command it prints makes a file every command reads.
	(cd "$FX" && eval "$(cd "$FX" && "$VT" info h-linked.lz4 2>&1 | sed -n 's/.*independent blocks: //p')" 2>/dev/null)
	expect_grep lz4-linked-fixed 0 '^layers: +lz4$' "$VT" info -q h-linked.B4.lz4
	rm -f "$FX/h-linked.B4.lz4"
	expect_grep nested 2 ': gzip data inside lz4: one compression layer is read in place, not two; take the outer one off first \(lz4 -dc h-nested\.lz4 > FILE\)$' \
		"$VT" info h-nested.lz4

	expect_grep gzip-bad-crc 2 '^vmcore-tool: h-bad-crc\.gz: gzip member 1 \(offset 0x0\): CRC-32 0x[0-9a-f]{8} in its trailer, but its data.s is 0x[0-9a-f]{8}: the file is corrupt$' \
		"$VT" info h-bad-crc.gz
	expect_grep gzip-lying-isize 2 ': gzip member 1 \(offset 0x0\): ISIZE 0xfffffff0 in its trailer, but it decodes to 0x24096f bytes$' \
		"$VT" info h-lying-isize.gz
	expect_grep gzip-corrupt-data 2 ': gzip member 1 \(offset 0x0\): corrupt deflate data near offset 0x[0-9a-f]+: invalid block type$' \
		"$VT" info h-corrupt-data.gz
	expect_grep gzip-reserved 2 ': gzip member 1 \(offset 0x0\): reserved flag bits set \(FLG 0x20\)$' \
		"$VT" info h-reserved.gz
	expect_grep gzip-method 2 ': gzip member 1 \(offset 0x0\): compression method 7, not deflate \(8\)$' \
		"$VT" info h-method.gz
	expect_grep gzip-header-crc 2 ': gzip member 1 \(offset 0x0\): header CRC 0x0000, but the header.s is 0x[0-9a-f]{4}$' \
		"$VT" info h-hcrc.gz
	expect_grep gzip-second-member-bad-crc 2 ': gzip member 2 \(offset 0x[0-9a-f]+\): CRC-32 ' \
		"$VT" info h-member2-crc.gz
	expect_grep gzip-empty 2 'h-empty\.gz: ' "$VT" info h-empty.gz

	# A tail cut off: a warning, the bytes before the cut, a fault after.
	expect_grep lz4-truncated 0 'warning: the lz4 stream is truncated at offset 0x[0-9a-f]+ \(inside a block of frame 1, which began at 0x0\); reading the 0x[0-9a-f]+ bytes decoded before it$' \
		"$VT" info h-cut.lz4
	expect_grep gzip-truncated 0 'warning: the gzip stream is truncated: member 1 \(offset 0x0\) stops inside its data at offset 0x[0-9a-f]+; reading the 0x[0-9a-f]+ bytes decoded before it, whose CRC cannot be checked$' \
		"$VT" info h-cut.gz
	for c in h-cut.lz4 h-cut.gz; do
		got=$(cd "$FX" && "$VT" read -q --phys $c 0 0x1000 --format=raw | sha1sum)
		want=$(cd "$FX" && "$VT" read -q --phys $B 0 0x1000 --format=raw | sha1sum)
		[ "$got" = "$want" ] && ok || bad "truncated-prefix-$c" "RAM before the cut differs"
		expect_grep "truncated-fault-$c" 2 'physical address 0xfffc0000 lies past end of file' \
			"$VT" read -q --phys $c 0xfffc0000 16
	done
	expect_grep gzip-trailing 0 'warning: 0x10 bytes after the last gzip member \(at offset 0x[0-9a-f]+\) are not a gzip member: ignored$' \
		"$VT" info h-trailing.gz
	expect_grep lz4-trailing 0 'warning: 0x10 bytes after the last lz4 frame \(at offset 0x[0-9a-f]+\) are not an lz4 frame: ignored$' \
		"$VT" info h-trailing.lz4

	# A bomb: 256 KiB of gzip that decodes to 256 MiB of zeros (not a core).
	# It is decoded once on open, and nothing is allocated by its size: the
	# peak memory stays far below what it decodes to.
	rss=$(cd "$FX" && "$PY" -c '
import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(r.returncode, kb, r.stderr.decode().strip())' "$VT" info h-bomb.gz)
	set -- $rss
	if [ "$1" = 2 ] && [ "$2" -lt 131072 ] && [[ $rss == *"not an ELF file"* ]]; then ok
	else bad gzip-bomb "status $1, peak $2 KiB (limit 128 MiB), said: ${rss#* * }"; fi
	rm -f "$FX"/h-*
fi
rm -rf "$LT"
