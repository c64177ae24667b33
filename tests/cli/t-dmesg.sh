# vmcore-tool dmesg: the kernel log from the printk ring, through VMCOREINFO
# alone (kernel/printk.c). Fixtures: dmesg-* and vi-ram* (tests/fixtures/);
# hostile variants are generated into $FX/dm/ from them.
DM=$FX/dm
rm -rf "$DM"
mkdir -p "$DM"
dm_src=$(dirname "${BASH_SOURCE[0]}")/../fixtures
dm_make() {	# NAME: $DM/NAME.core.txt -> $DM/NAME.core
	"$PY" "$(dirname "${BASH_SOURCE[0]}")/../mkcore.py" "$DM/$1.core.txt" "$DM/$1.core" ||
		bad "dmesg-$1-generate" "mkcore failed"
}

# A wrapped text ring, a two-line record, an open continuation.
expect dmesg-wrap 0 "$VT" dmesg dmesg-wrap.core
expect dmesg-wrap-raw 0 "$VT" dmesg --raw dmesg-wrap.core
expect_json dmesg-wrap-json '[r["seq"] for r in d["records"]] == [5, 6, 7, 8] and d["records"][1] == {"seq": 6, "ts_nsec": 4722384123, "level": 4, "facility": 0, "caller_id": "C1", "state": "finalized", "cont": False, "text": "first line\n  second line"} and d["records"][3]["state"] == "committed" and d["records"][3]["cont"] and d["records"][3]["facility"] == 1 and d["format"] == "printk_ringbuffer" and d["records_read"] == 4 and d["corrupt"] == 0' \
	"$VT" dmesg --json dmesg-wrap.core
# Reserved and reusable descriptors skipped; a record without text an
# empty line (as crash prints it); unprintable bytes as '.'.
expect dmesg-states 0 "$VT" dmesg dmesg-states.core
expect_json dmesg-states-json 'd["skipped"] == 2 and [r["text"] for r in d["records"]] == ["before", "", "tab\there, bell\x07, high\xe9", "after"] and d["records"][3]["caller_id"] == "C1" and d["records"][3]["level"] == 3' \
	"$VT" dmesg --json dmesg-states.core
# A damaged ring: each bad record a warning, the valid ones printed, exit 0.
expect dmesg-garbage 0 "$VT" dmesg dmesg-garbage.core
expect_json dmesg-garbage-json 'd["corrupt"] == 3 and [r["text"] for r in d["records"]] == ["valid one", "short text block", "valid two"] and d["records"][1].get("truncated") is True' \
	"$VT" dmesg -q --json dmesg-garbage.core
# Linux 3.5 - 5.9: log_buf of printk_log records, wrapped.
expect dmesg-logbuf 0 "$VT" dmesg dmesg-logbuf.core
expect dmesg-logbuf-raw 0 "$VT" dmesg --raw dmesg-logbuf.core
expect_json dmesg-logbuf-json 'd["format"] == "log_buf" and [r["seq"] for r in d["records"]] == [None] * 4 and d["records"][3]["level"] == 2 and d["records"][3]["facility"] == 1 and all(r["state"] == "valid" and r["caller_id"] is None for r in d["records"])' \
	"$VT" dmesg --json dmesg-logbuf.core
# VMCOREINFO from RAM (no note): dmesg works, on AArch64 too.
expect dmesg-vi-ram 0 "$VT" dmesg vi-ram.core
expect dmesg-arm64-no-note 0 "$VT" dmesg vi-ram-arm64.core
# ...and on remap's output, through its added VMCOREINFO note.
(cd "$FX" && "$VT" remap -q vi-ram-arm64.core -o dm/arm64.elf) && ok || bad dmesg-arm64-remap "remap failed"
expect_grep dmesg-arm64-remapped 0 '^\[    2\.500000\] arm64 without a VMCOREINFO note$' "$VT" dmesg dm/arm64.elf
# No VMCOREINFO, or none that describes a log: errors (2) that say so.
expect_grep dmesg-no-vmcoreinfo 2 'no VMCOREINFO \(not in the notes, not found in RAM\): the kernel log cannot be found without it' \
	"$VT" dmesg x86-32bit.core
expect_grep dmesg-no-ring 2 'VMCOREINFO describes no kernel log: neither SYMBOL\(prb\) \(Linux >= 5.10\) nor SYMBOL\(log_buf\)' \
	"$VT" dmesg x86_64-basic.core
dm_quiet() { "$@" 2>/dev/null; }	# the error message is checked above
JSON_STATUS=2 expect_json dmesg-error-json 'd["records"] == [] and "format" not in d' \
	dm_quiet "$VT" dmesg --json -q x86_64-basic.core

# ---- hostile rings: bounded, reported, the valid records still printed -----
# Lying sizes in VMCOREINFO: a structure past any real one, a field past its
# structure.
sed 's/^PAGESIZE=4096$/PAGESIZE=4096\nSIZE(prb_desc)=1000000/' "$dm_src/dmesg-wrap.core.txt" >"$DM/big-desc.core.txt"
dm_make big-desc
expect_grep dmesg-lying-size 2 'VMCOREINFO SIZE\(prb_desc\) is out of range' "$VT" dmesg dm/big-desc.core
sed 's/^PAGESIZE=4096$/PAGESIZE=4096\nOFFSET(printk_info.text_len)=87/' "$dm_src/dmesg-wrap.core.txt" >"$DM/field-past.core.txt"
dm_make field-past
expect_grep dmesg-field-past 2 'VMCOREINFO puts printk_info.text_len at 87, past the structure.s 88 bytes' "$VT" dmesg dm/field-past.core
# A ring that claims 2^31 descriptors: refused before any loop.
{ cat "$dm_src/dmesg-wrap.core.txt"; echo 'u32 0x100040 31'; } >"$DM/huge-count.core.txt"
dm_make huge-count
expect_grep dmesg-huge-count 2 'the printk ring at 0xffff888000100040 claims 2147483648 descriptors and 256 text bytes, more than the dump.s RAM' \
	timeout 60 "$VT" dmesg dm/huge-count.core
# Tail and head 2^40 ids apart: only the last 4 (the ring's size) are read.
{ cat "$dm_src/dmesg-wrap.core.txt"; echo 'u64 0x100060 0x10000000005'; } >"$DM/far-tail.core.txt"
dm_make far-tail
expect dmesg-far-tail 0 timeout 60 "$VT" dmesg dm/far-tail.core
# Pointers into nowhere: the descriptor array outside RAM; prb itself.
{ cat "$dm_src/dmesg-wrap.core.txt"; echo 'u64 0x100048 0xffff888040000000'; } >"$DM/wild-descs.core.txt"
dm_make wild-descs
expect_grep dmesg-wild-descs 0 'warning: printk record 8: a printk descriptor at 0xffff888040000000: ' \
	"$VT" dmesg -v dm/wild-descs.core
{ cat "$dm_src/dmesg-wrap.core.txt"; echo 'u64 0x100000 0x4000'; } >"$DM/wild-prb.core.txt"
dm_make wild-prb
expect_grep dmesg-wild-prb 2 'the printk_ringbuffer \(\*prb\) at 0x4000: ' "$VT" dmesg dm/wild-prb.core
# The file cut in the middle of the text ring: the records before the cut
# print, those after it are reported.
(cd "$FX" && cp dmesg-wrap.core dm/cut.core)
ramoff=$("$VT" info --json "$FX/dm/cut.core" | "$PY" -c 'import json,sys; print(int(json.load(sys.stdin)["ram"][0]["file_offset"], 16))')
# The text ring is at 0x103000 (FORMAT.md); keep its first 40 bytes.
truncate -s $((ramoff + 0x103000 + 40)) "$DM/cut.core"
expect dmesg-truncated 0 "$VT" dmesg dm/cut.core
# log_buf: a record whose len leads out of the ring, one that loops back
# onto the wrap marker, a wrap where the ring cannot wrap, lying indexes.
{ cat "$dm_src/dmesg-logbuf.core.txt"; echo 'bytes 0x1010c0 f0 00'; } >"$DM/log-len.core.txt"	# second record (at 184): len 240
dm_make log-len
expect dmesg-logbuf-bad-len 0 "$VT" dmesg dm/log-len.core
{ cat "$dm_src/dmesg-logbuf.core.txt"; echo 'u32 0x100010 8'; } >"$DM/log-next.core.txt"	# next idx in a record's middle
dm_make log-next
expect dmesg-logbuf-bad-next 0 timeout 60 "$VT" dmesg dm/log-next.core
{ cat "$dm_src/dmesg-logbuf.core.txt"; echo 'u32 0x100008 0x7fffffff'; } >"$DM/log-len-huge.core.txt"	# log_buf_len 2 GiB
dm_make log-len-huge
expect_grep dmesg-logbuf-huge 2 'log_buf at 0xffff888000101000 claims 2147483647 bytes with first record at 160 and next at 64' \
	"$VT" dmesg dm/log-len-huge.core
