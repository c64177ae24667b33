#!/usr/bin/env bash
# Usage: 15-input-layers.sh GUEST DUMPDIR TRUTH.json
# Compressed copies of the guest's paging=false dump read in place: lz4 as
# the lz4 program writes it by default (4 MiB blocks) and with -B4 (64 KiB
# blocks, the one we recommend for random access), and gzip. On each:
#   - `info` says what it says on the plain dump (less the file's name and
#     its layers line), and names the layer;
#   - `read --phys` of the start and the end of every RAM range (64 MiB
#     and 1 MiB) hashes as on the plain dump;
#   - remap (the gdb layout) writes the same bytes as from the plain dump.
# Then QEMU's flattened kdump-zlib.core and its makedumpfile -R copy,
# gzipped (layers gzip+flattened, and gzip): info, read --phys and remap
# agree with the kdump file itself.
# The copies live in a temporary directory and are deleted at the end.
set -u
. "$(dirname "$0")/../lib.sh"
guest=$1 dir=$2
VT=${VMCORE_TOOL:?}
input=$dir/elf-nopaging.core

for t in lz4 gzip sha256sum; do
	command -v $t >/dev/null || { check_fail "the $t program is installed" "" "apt-get install $t"; check_done; exit; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

t0=$EPOCHREALTIME
lz4 -q "$input" "$tmp/core.lz4" && lz4 -q -B4 "$input" "$tmp/core.B4.lz4" &&
	gzip -c "$input" >"$tmp/core.gz" ||
	check_fail "compress the dump" "lz4 or gzip failed" "lz4 $input OUT; gzip -c $input > OUT"
echo "  (compressed: $(elapsed "$t0") s; $(stat -c %s "$input") bytes ->" \
	"lz4 $(stat -c %s "$tmp/core.lz4"), lz4 -B4 $(stat -c %s "$tmp/core.B4.lz4")," \
	"gzip $(stat -c %s "$tmp/core.gz"))"

# info less the lines that name the file or its layers (a kdump file's
# format line names them too).
info_body() {
	"$VT" info -q "$1" | sed '/^file: /d; /^layers: /d; s/^\(format: *kdump\) (in [a-z0-9+]*)/\1/'
}

# "start size" of every RAM range with data, from info --json.
ram_ranges() {
	"$VT" info --json -q "$1" | "$RG_PYTHON" -c '
import json, sys
for r in json.load(sys.stdin)["ram"]:
    if int(r["available"], 16):
        print(r["start"], r["available"])'
}

# sha256 of read --phys START LEN, and read's status.
hash_phys() {
	local sum rc
	sum=$("$VT" read -q --phys "$1" "$2" "$3" --format=raw | sha256sum)
	rc=${PIPESTATUS[0]}
	echo "${sum%% *} rc=$rc"
}

# check_copies PLAIN COPY...: each COPY (a compressed copy of PLAIN, in
# $tmp) against PLAIN; each is deleted once checked.
check_copies() {
	local plain=$1 c f layer s got bad t0 plain_info plain_sha
	shift
	# The places read: 64 MiB from each range's start, its last MiB.
	local samples=() start avail head
	while read -r start avail; do
		[ -n "$start" ] || continue
		head=$((avail < 0x4000000 ? avail : 0x4000000))
		samples+=("$start $(printf "0x%x" "$head")")
		[ $((avail)) -gt $((1 << 20)) ] &&
			samples+=("$(printf '0x%x' $((start + avail - (1 << 20)))) 0x100000")
	done < <(ram_ranges "$plain")
	[ ${#samples[@]} -gt 0 ] || check_fail "${plain##*/} has RAM with data" "info --json listed none" "$VT info --json $plain"

	plain_info=$(info_body "$plain")
	declare -A want=()
	for s in "${samples[@]}"; do
		want[$s]=$(hash_phys "$plain" $s)
	done
	plain_sha=
	if "$VT" remap -q "$plain" -o "$tmp/plain.elf"; then
		plain_sha=$(sha1sum <"$tmp/plain.elf")
	else
		check_fail "remap of ${plain##*/} runs" "" "$VT remap $plain -o OUT"
	fi
	rm -f "$tmp/plain.elf"

	for c in "$@"; do
		f=$tmp/$c
		layer=$(layers_of "$c")
		t0=$EPOCHREALTIME
		check_eq "$c: info agrees with ${plain##*/}" "$plain_info" "$(info_body "$f")" \
			"diff <($VT info $plain) <($VT info $c)"
		check_eq "$c: info names the layers" "layers:      $layer" \
			"$("$VT" info -q "$f" | grep '^layers: ')" "$VT info $c"
		bad=
		for s in "${samples[@]}"; do
			got=$(hash_phys "$f" $s)
			[ "$got" = "${want[$s]}" ] || bad+="$s; "
		done
		check_eq "$c: read --phys of ${#samples[@]} RAM pieces hashes as on ${plain##*/}" "" "$bad" \
			"cmp <($VT read --phys $plain START LEN --format=raw) <($VT read --phys $c START LEN --format=raw)"
		if [ -n "$plain_sha" ]; then
			if "$VT" remap -q "$f" -o "$tmp/out.elf"; then
				check_eq "$c: remap writes what it writes from ${plain##*/} (sha1)" \
					"$plain_sha" "$(sha1sum <"$tmp/out.elf")" \
					"cmp <($VT remap $plain -o A) <($VT remap $c -o B)"
			else
				check_fail "$c: remap runs" "" "$VT remap $c -o OUT"
			fi
			rm -f "$tmp/out.elf"
		fi
		echo "  ($c: $(elapsed "$t0") s)"
		rm -f "$f"
	done
}

# The layers info names for a copy, by its name.
layers_of() {
	case $1 in
	*.flat.gz) echo gzip+flattened ;;
	*.gz) echo gzip ;;
	*.lz4) echo lz4 ;;
	esac
}

check_copies "$input" core.lz4 core.B4.lz4 core.gz

# QEMU's flattened kdump file, and makedumpfile -R's plain copy of it.
kd=$dir/kdump-zlib.core kdp=$dir/kdump-zlib-plain.core
if [ -r "$kd" ] && [ -r "$kdp" ]; then
	gzip -c "$kd" >"$tmp/kdump.flat.gz" && gzip -c "$kdp" >"$tmp/kdump.gz" ||
		check_fail "gzip the kdump files" "" "gzip -c $kd > OUT"
	check_copies "$kd" kdump.flat.gz
	check_copies "$kdp" kdump.gz
else
	check_fail "the kdump dumps are there" "no $kd or $kdp" "ls $dir"
fi
check_done
