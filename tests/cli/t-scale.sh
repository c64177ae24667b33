# scale: 60,000 separate RAM ranges (tests/mkranges.py). Whatever walks,
# plans or places per RAM range must stay linear in them (STYLE.md). This
# checks results only; `timeout` is a hang guard, not a speed test — the
# speed is measured by bench/ranges-bench.sh.
SCALE_N=60000
SCALE=scale-$SCALE_N.core
make_tmpdir scale_tmp

# scale_run NAME OUT CMD...: CMD's stdout into OUT under the hang guard;
# true when it exited 0.
scale_run() {
	local name=$1 out=$2 rc; shift 2
	(cd "$FX" && timeout 120 "$@" >"$out" 2>"$out.err"); rc=$?
	if [ "$rc" = 0 ]; then
		ok
		return 0
	fi
	[ "$rc" = 124 ] && bad "$name" "still running after 120 s: $*" ||
		bad "$name" "exit status $rc: $*" "$(head -5 "$out.err")"
	return 1
}

if "$PY" "$here/../mkranges.py" "$SCALE_N" "$FX/$SCALE"; then
	ok
else
	bad scale-generate "mkranges.py $SCALE_N failed"
fi

if scale_run scale-info "$scale_tmp/info.json" "$VT" info --json -q "$SCALE"; then
	"$PY" -c '
import json, sys
ram = json.load(open(sys.argv[1]))["ram"]
n = int(sys.argv[2])
assert len(ram) == n, "%d RAM ranges, expected %d" % (len(ram), n)
assert all(int(r["start"], 16) == 0x2000 * i and int(r["available"], 16) == 0x1000
           for i, r in enumerate(ram)), "RAM map is not the generated one"
' "$scale_tmp/info.json" "$SCALE_N" && ok || bad scale-info-ranges "info --json does not list the $SCALE_N ranges"
fi

# Every RAM range's page is in some PT_LOAD by p_paddr; in the gdb layout
# also at its direct-map address (all of RAM is in the direct map), and the
# virtual segments are sorted by p_vaddr without overlapping.
scale_check='
import bisect, json, sys
info, plan, layout = sys.argv[1:4]
ram = [(int(r["start"], 16), int(r["end"], 16))
       for r in json.load(open(info))["ram"]]
segs = json.load(open(plan))["segments"]
num = lambda s, k: int(s[k], 16)
ivs = sorted((num(s, "paddr"), num(s, "paddr") + num(s, "filesz")) for s in segs)
merged = []
for lo, hi in ivs:
    if merged and lo <= merged[-1][1]:
        merged[-1][1] = max(merged[-1][1], hi)
    else:
        merged.append([lo, hi])
starts = [lo for lo, _ in merged]
def covered(lo, hi):
    i = bisect.bisect_right(starts, lo) - 1
    return i >= 0 and merged[i][1] >= hi
missing = [lo for lo, hi in ram if not covered(lo, hi)]
assert not missing, "%d RAM ranges in no PT_LOAD, first 0x%x" % (len(missing), missing[0])
if layout == "gdb":
    virt = [s for s in segs if s["kind"] == "virtual"]
    for a, b in zip(virt, virt[1:]):
        assert num(a, "vaddr") + num(a, "memsz") <= num(b, "vaddr"), \
            "virtual segments unsorted or overlapping at " + b["vaddr"]
    vstarts = [num(s, "vaddr") for s in virt]
    for lo, hi in ram:
        va = 0xffff888000000000 + lo
        i = bisect.bisect_right(vstarts, va) - 1
        s = virt[i] if i >= 0 else None
        assert s and va + (hi - lo) <= num(s, "vaddr") + num(s, "filesz") \
            and num(s, "paddr") + va - num(s, "vaddr") == lo, \
            "RAM 0x%x not at its direct-map address 0x%x" % (lo, va)
'
for layout in gdb crash; do
	out=$scale_tmp/remap-$layout.json
	scale_run "scale-remap-$layout" "$out" \
		"$VT" remap --dry-run --json -q --layout=$layout "$SCALE" || continue
	"$PY" -c "$scale_check" "$scale_tmp/info.json" "$out" $layout && ok ||
		bad "scale-remap-$layout-covers" "remap --dry-run --layout=$layout: see the assertion above"
done
rm -rf "$scale_tmp"

# The benchmark that measures this runs (tiny sizes, one repetition; its
# times are not looked at).
expect_grep scale-bench-runs 0 '^ +600 +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +856$' \
	env VMCORE_TOOL="$VT" bash "$here/../../bench/ranges-bench.sh" -r 1 300 600
