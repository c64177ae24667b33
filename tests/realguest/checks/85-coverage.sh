#!/usr/bin/env bash
# Usage: 85-coverage.sh GUEST DUMPDIR TRUTH.json
# `vmcore-tool info --coverage`: what the page tables make of each byte of
# RAM. For the paging=false ELF dump (and the kdump ones, once the build
# reads them):
#   - prints the strip (64 columns) and the byte table;
#   - the kinds add up per range, the ranges to the RAM map (ram_bytes +
#     absent_bytes), and they are the RAM map's ranges;
#   - "not mapped" equals remap's filler: the filler PT_LOADs of
#     `remap --dry-run --json`, summed;
#   - the linear map's reach, recomputed here from remap's virtual PT_LOADs
#     and the linear region's bounds and offset, equals the tool's;
#   - the linear map reaches every byte of the guest's System RAM
#     (/proc/iomem in truth.json): what it does not reach is the filler or
#     firmware memory outside System RAM (ACPI tables, the BIOS, the VGA
#     framebuffer), which only ioremap-style mappings or nothing reach.
set -u
. "$(dirname "$0")/../lib.sh"
guest=$1 dir=$2 truth=$3
VT=${VMCORE_TOOL:?}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

dumps=0
for dump in "$dir"/elf-nopaging.core "$dir"/kdump-zlib-plain.core; do
	[ -e "$dump" ] || continue
	name=${dump##*/}
	case $name in
	kdump-*)
		# The kdump reader lands separately: until then say so, once.
		if ! "$VT" info -q "$dump" >/dev/null 2>"$tmp/err"; then
			echo "  ($name: not read by this build: $(tail -1 "$tmp/err"))"
			continue
		fi ;;
	esac
	dumps=$((dumps + 1))
	repro="$VT info --coverage $dump"
	t0=$EPOCHREALTIME
	if ! "$VT" info --coverage --width 64 -q "$dump" >"$tmp/text" 2>"$tmp/err"; then
		check_fail "$name: info --coverage runs" "$(tail -2 "$tmp/err")" "$repro"
		continue
	fi
	check_pass "$name: info --coverage runs ($(elapsed "$t0") s)"
	sed -n '/^coverage:/,$p' "$tmp/text" | sed 's/^/    /'
	if ! "$VT" info --coverage --json -q "$dump" >"$tmp/cov.json" 2>"$tmp/err" ||
	   ! "$VT" remap --dry-run --json -q "$dump" >"$tmp/plan.json" 2>>"$tmp/err"; then
		check_fail "$name: info --coverage --json and remap --dry-run --json" \
			"$(tail -2 "$tmp/err")" "$VT info --coverage --json $dump"
		continue
	fi
	"$RG_PYTHON" - "$tmp/cov.json" "$tmp/plan.json" "$truth" >"$tmp/checks" <<'PY'
import json, sys
cov_doc = json.load(open(sys.argv[1]))
plan = json.load(open(sys.argv[2]))["segments"]
truth = json.load(open(sys.argv[3]))
h = lambda x: int(x, 16)
cov, s = cov_doc["coverage"], cov_doc["coverage_summary"]

def say(ok, what, detail=""):
    print(("ok" if ok else "FAIL") + "\t" + what + ("\t" + detail if detail else ""))

# The kinds add up per range; the ranges are the RAM map and add up to it.
bad = [r["start"] for r in cov if sum(h(v) for v in r["bytes"].values()) != h(r["size"])]
say(not bad, "the kinds add up to each range's size", "ranges %s" % bad)
total = sum(h(r["size"]) for r in cov)
want = h(cov_doc["ram_bytes"]) + h(s["absent_bytes"])
say(total == want == h(s["total_bytes"]), "the ranges add up to the RAM map",
    "%#x, RAM map %#x" % (total, want))
ram = [(h(r["start"]), h(r["end"])) for r in cov_doc["ram"]]
say([(h(r["start"]), h(r["end"])) for r in cov] == ram or s["absent_bytes"] != "0x0000000000000000",
    "the ranges are the RAM map's")

# "not mapped" is remap's filler.
filler = sum(h(x["filesz"]) for x in plan if x["kind"] == "filler")
nm = h(s["bytes"]["not_mapped"])
say(nm == filler == h(s["filler_bytes"]), "not mapped equals remap's filler",
    "not mapped %#x, filler PT_LOADs %#x" % (nm, filler))

# The linear map's reach, from remap's virtual PT_LOADs and the region.
lin = [g for g in s["regions"] if g["kind"] == "linear"]
say(len(lin) == 1 and lin[0]["delta"] is not None, "one linear region with its offset",
    json.dumps(lin))
if lin and lin[0]["delta"] is not None:
    lo, last, delta = h(lin[0]["start"]), h(lin[0]["last"]), h(lin[0]["delta"])
    iv = sorted((h(x["paddr"]), h(x["paddr"]) + h(x["memsz"])) for x in plan
                if x["kind"] == "virtual" and lo <= h(x["vaddr"]) <= last
                and (h(x["vaddr"]) - h(x["paddr"])) % (1 << 64) == delta)
    merged = []
    for a, b in iv:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    reach = sum(b - a for a, b in merged)
    say(reach == h(s["linear_map_reach"]), "the linear map's reach, recomputed",
        "%#x here, %s by the tool" % (reach, s["linear_map_reach"]))
    # System RAM with data in the dump that the linear map does not reach.
    def intersect(xs, ys):
        out, i, j = [], 0, 0
        while i < len(xs) and j < len(ys):
            lo2, hi2 = max(xs[i][0], ys[j][0]), min(xs[i][1], ys[j][1])
            if lo2 < hi2:
                out.append((lo2, hi2))
            if xs[i][1] < ys[j][1]:
                i += 1
            else:
                j += 1
        return out
    system = sorted((h(x), h(y)) for x, y in truth["system_ram"])
    with_data = [(h(r["start"]), h(r["start"]) + h(r["available"])) for r in cov_doc["ram"]]
    sys_data = intersect(system, with_data)
    missing = sum(b - a for a, b in sys_data) - \
        sum(b - a for a, b in intersect(sys_data, [tuple(m) for m in merged]))
    data = h(s["data_bytes"])
    other = data - reach - nm
    say(missing == 0, "the linear map covers all System RAM (the rest: %#x not mapped, "
        "%#x outside System RAM reached by other mappings)" % (nm, other),
        "%#x bytes of System RAM not in it" % missing)
PY
	while IFS=$'\t' read -r verdict what detail; do
		case $verdict in
		ok) check_pass "$name: $what" ;;
		FAIL) check_fail "$name: $what" "$detail" "$repro --json" ;;
		esac
	done <"$tmp/checks"
	[ -s "$tmp/checks" ] || check_fail "$name: the JSON checks ran" "no output" "$repro --json"
done
[ "$dumps" -gt 0 ] || check_fail "a dump to check" "no elf-nopaging.core in $dir" "ls -l $dir"
check_done
