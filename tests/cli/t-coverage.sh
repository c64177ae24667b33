# coverage: what the page tables make of each byte of RAM (info --coverage,
# remap --coverage), and of the address space (maps --coverage, maps'
# Region column). coverage-x86_64.core's description lists every kind at a
# known place, under a KASLR layout whose bases the tool reads back from
# VMCOREINFO's mem_section and vmap_area_list.
C=coverage-x86_64.core

# The strips, legend, bytes per kind and totals (plain: not a terminal).
expect coverage-remap 0 "$VT" remap --dry-run --coverage -q $C
expect coverage-remap-width 0 "$VT" remap --dry-run --coverage --width 16 -q $C
# The crash layout's view: RAM outside its linear-map segments is filler.
expect coverage-remap-crash 0 "$VT" remap --dry-run --coverage --layout=crash -q $C
expect coverage-maps 0 "$VT" maps --coverage --width 32 -q $C

# The bytes of each kind, exactly as the fixture's description says; they add
# up per range and to the RAM map; "not mapped" is remap's filler.
expect_json coverage-json-bytes '(
[{k: int(v, 16) for k, v in r["bytes"].items()} for r in d["coverage"]] == [
 {"linear_map": 6*M - 8*K, "kernel_image": 2*M, "other_kernel": 64*K, "user_only": 4*K,
  "several": 2*M + 8*K, "not_mapped": 6*M - 68*K, "absent": 0},
 {"linear_map": 2*M, "kernel_image": 0, "other_kernel": 0, "user_only": 0,
  "several": 0, "not_mapped": 2*M, "absent": 0},
 {"linear_map": 0, "kernel_image": 0, "other_kernel": 0, "user_only": 4*K,
  "several": 0, "not_mapped": M - 4*K, "absent": M}]
if (M := 1 << 20) and (K := 1 << 10) else False)' \
	"$VT" info --coverage --json -q $C
expect_json coverage-json-sums '(
all(sum(int(v, 16) for v in r["bytes"].values()) == int(r["size"], 16) for r in d["coverage"])
and sum(int(r["size"], 16) for r in d["coverage"]) == int(d["ram_bytes"], 16)
and int(d["coverage_summary"]["total_bytes"], 16) == int(d["ram_bytes"], 16) + int(d["coverage_summary"]["absent_bytes"], 16)
and d["coverage_summary"]["not_mapped_is_filler"]
and d["coverage_summary"]["bytes"]["not_mapped"] == d["coverage_summary"]["filler_bytes"] == "0x00000000008ee000"
and d["coverage_summary"]["linear_map_reach"] == "0x0000000000a00000"
and d["coverage_summary"]["all_ram_in_linear_map"] is False
and d["coverage_summary"]["reach"] == {"linear": "0x00000000007fe000", "image": "0x0000000000200000",
    "kernel": "0x0000000000010000", "user": "0x0000000000002000", "linear+image": "0x0000000000200000",
    "linear+kernel": "0x0000000000001000", "linear+user": "0x0000000000001000"})' \
	"$VT" info --coverage --json -q $C
# One sample per 4K page: each kind where the description puts it.
expect_json coverage-json-samples '(
(s := d["coverage"][0]["samples"]) and len(s) == 4096
and s[:1024] == "=" * 1024 and s[1024:1536] == "+" * 512 and s[1536:2048] == "K" * 512
and s[2048:2050] == "++" and s[2050:2560] == "=" * 510
and s[2560:2576] == "V" * 16 and s[2576] == "U" and s[2577:] == "." * (4096 - 2577)
and d["coverage"][2]["samples"][:8] == "U" * 8 and d["coverage"][2]["samples"][8:2048] == "." * 2040
and d["coverage"][2]["samples"][2048:] == "x" * 2048)' \
	"$VT" info --coverage --json --width 4096 -q $C
expect_json coverage-remap-json 'len(d["coverage"]) == 3 and d["coverage_summary"]["layout"] == "crash" and d["coverage_summary"]["bytes"]["not_mapped"] == "0x0000000000900000" and d["coverage_summary"]["filler_bytes"] == "0x0000000000b00000"' \
	"$VT" remap --dry-run --coverage --layout=crash --json -q $C
# info --coverage: the dump's description, then the strip.
expect_grep coverage-info-text 0 '^  0x0000000000000000      16M \|================\+\+\+\+\+\+\+\+KKKKKKKK========\.{24}\|$' \
	"$VT" info --coverage -q $C

# Regions: maps' Region column (text and JSON), from the KASLR bases.
expect_json coverage-maps-regions '(
{(r["vaddr"], r["region"]) for r in d["ranges"]} == {
 ("0x0000000000400000", "user"), ("0x0000000000401000", "user"), ("0x0000000000402000", "user"),
 ("0xffff8c1e40000000", "direct map"), ("0xffff8c1e40800000", "direct map"),
 ("0xffff8c1e42000000", "direct map"), ("0xffffcc5c80000000", "vmalloc"), ("0xffffcc5c80010000", "vmalloc"),
 ("0xffffffff81000000", "kernel image"), ("0xffffffffff5fd000", "fixmap")})' \
	"$VT" maps --json -q $C
expect_grep coverage-maps-column 0 '^0xffffcc5c80000000  0xffffcc5c80010000  0x0000000000a00000 .* ram     vmalloc$' \
	"$VT" maps -q $C
expect_json coverage-maps-json '(
[(h["name"], h["mapped_bytes"], h["walked"]) for h in d["halves"]] == [("user half", "0x0000000000003000", True), ("kernel half", "0x0000000000e12000", True)]
and {r["name"]: r["mapped_bytes"] for r in d["regions"]}["vmalloc"] == "0x0000000000011000"
and [r["samples"] for r in d["regions"] if r["name"] == "kernel image"] == ["K" + "." * 7])' \
	"$VT" maps --coverage --json --width 8 -q $C
expect_grep coverage-maps-kernel-only 0 '^  user half +128T +- \|\.+\| \(not walked\)$' \
	"$VT" maps --coverage --kernel -q $C

# On every fixture that walks: the kinds add up per range and to the RAM
# map, the ranges are the RAM map, and "not mapped" is remap's filler.
cov_sums='
import json, sys
d = json.load(sys.stdin)
cov, s = d["coverage"], d["coverage_summary"]
h = lambda x: int(x, 16)
assert all(sum(h(v) for v in r["bytes"].values()) == h(r["size"]) for r in cov), "a range does not add up"
assert sum(h(r["size"]) for r in cov) == h(d["ram_bytes"]) + h(s["absent_bytes"]) == h(s["total_bytes"]), "ranges != RAM"
ram = [(h(r["start"]), h(r["end"])) for r in d["ram"]]
assert [(h(r["start"]), h(r["end"])) for r in cov] == ram, "ranges are not the RAM map"
# (an ELF32 plan leaves out RAM above 4 GiB, mapped or not)
assert s["bytes"]["not_mapped"] == s["filler_bytes"] or (s["output_class"] == 32 and ram[-1][1] > 1 << 32), "not mapped != filler"
assert all(len(r["samples"]) == 64 for r in cov)
'
cov_n=0
# The committed fixtures only: other tests leave cores of their own in $FX,
# and the count must not depend on what ran before.
for f in "$(dirname "${BASH_SOURCE[0]}")"/../fixtures/*.core.txt; do
	f=${f##*/}
	f=${f%.txt}
	out=$(cd "$FX" && "$VT" info --coverage --json -q "$f" 2>/dev/null) || continue
	if printf '%s' "$out" | "$PY" -c "$cov_sums" 2>"$FX/cov.err"; then
		ok
	else
		bad "coverage-sums-$f" "$(tail -1 "$FX/cov.err")"
	fi
	cov_n=$((cov_n + 1))
done
[ "$cov_n" -ge 20 ] && ok || bad coverage-sums-count "only $cov_n fixtures give a coverage"

# Usage.
expect_grep coverage-width-alone 64 '--width goes with --coverage' "$VT" info --width 10 $C
expect_grep coverage-width-zero 64 '--width takes 1 to 4096 columns' "$VT" maps --coverage --width 0 $C
expect_grep coverage-no-root 2 'coverage: no root to walk' "$VT" info --coverage many-phdrs.core

# In a pipe: plain characters only, whatever NO_COLOR says.
out=$(cd "$FX" && env -u NO_COLOR TERM=xterm "$VT" remap --dry-run --coverage -q $C)
case $out in
*$'\033'*) bad coverage-pipe-plain "escape sequences in a pipe" ;;
*'|================'*) ok ;;
*) bad coverage-pipe-plain "no strip: $out" ;;
esac

# On a real terminal (a pseudo-terminal from script(1)): colour, and the
# strip fits the terminal's 100 columns (31 of prefix, 68 samples, '|');
# NO_COLOR and TERM=dumb turn colour off; --width wins over the terminal.
cov_tty() {	# OUT COMMAND...: COMMAND on a 100-column pseudo-terminal
	local out=$1; shift
	(cd "$FX" && script -qec "stty cols 100 rows 40; $*" /dev/null) </dev/null 2>&1 |
		tr -d '\r' >"$out"
}
tty_probe=$( (script -qec true /dev/null) </dev/null 2>&1 ); tty_rc=$?
if [ "$tty_rc" != 0 ]; then
	not_run coverage-tty "script(1) cannot make a pseudo-terminal here: ${tty_probe:-exit $tty_rc}"
else
	make_tmpdir T
	cov_tty "$T/color" env -u NO_COLOR TERM=xterm "$VT" remap --dry-run --coverage -q $C
	if grep -q $'\033\[32m=' "$T/color" && grep -q $'\033\[35mK' "$T/color" &&
	   grep -q $'\033\[0m|' "$T/color"; then
		ok
	else
		bad coverage-tty-color "no colours on a terminal" "$(head -3 "$T/color" | od -c | head -5)"
	fi
	w=$(sed 's/\x1b\[[0-9;]*m//g' "$T/color" | awk -F'|' '/^  0x0000000000000000 / {print length($2)}')
	[ "$w" = 68 ] && ok || bad coverage-tty-width "strip of ${w:-no} columns on a 100-column terminal, expected 68"
	cov_tty "$T/nocolor" env NO_COLOR=1 TERM=xterm "$VT" remap --dry-run --coverage -q $C
	if grep -q '^  0x0000000000000000 ' "$T/nocolor" && ! grep -q $'\033' "$T/nocolor"; then
		ok
	else
		bad coverage-tty-no-color "NO_COLOR=1 on a terminal: $(head -2 "$T/nocolor")"
	fi
	cov_tty "$T/dumb" env -u NO_COLOR TERM=dumb "$VT" remap --dry-run --coverage -q $C
	grep -q '^  0x0000000000000000 ' "$T/dumb" && ! grep -q $'\033' "$T/dumb" && ok ||
		bad coverage-tty-dumb "TERM=dumb on a terminal: $(head -2 "$T/dumb")"
	cov_tty "$T/w20" env NO_COLOR=1 "$VT" info --coverage --width 20 -q $C
	w=$(awk -F'|' '/^  0x0000000000000000 / {print length($2)}' "$T/w20")
	[ "$w" = 20 ] && ok || bad coverage-tty-width-option "--width 20 on a terminal gave ${w:-no} columns"
	cov_tty "$T/maps" env -u NO_COLOR TERM=xterm "$VT" maps --coverage $C
	w=$(sed 's/\x1b\[[0-9;]*m//g' "$T/maps" | awk -F'|' '/^  kernel half / {print length($2)}')
	# maps' prefix is 35 characters: 64 columns on 100.
	[ "$w" = 64 ] && grep -q $'\033\[32m=' "$T/maps" && ok ||
		bad coverage-tty-maps "maps --coverage on a terminal: ${w:-no} columns" "$(head -4 "$T/maps")"
	rm -rf "$T"
fi
