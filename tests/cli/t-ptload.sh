# ptload --list: one row per PT_LOAD, a summary, sorting, JSON.

expect ptload-paging-true 0 "$VT" ptload --list paging-true.core

got=$(cd "$FX" && "$VT" ptload --sort=paddr paging-true.core | awk '$2 ~ /^(virtual|identity|filler|absent)$/ {printf "%s ", $1}')
[ "$got" = "1 3 2 5 4 " ] && ok || bad ptload-sort-paddr "order: $got"
got=$(cd "$FX" && "$VT" ptload --sort=vaddr paging-true.core | awk '$2 ~ /^(virtual|identity|filler|absent)$/ {printf "%s ", $1}')
[ "$got" = "1 2 4 5 3 " ] && ok || bad ptload-sort-vaddr-order "order: $got"

# 70,000 PT_LOADs through PN_XNUM: every one listed.
got=$(cd "$FX" && "$VT" ptload --list many-phdrs.core | grep -c ' virtual ')
[ "$got" = 70000 ] && ok || bad ptload-many "listed $got rows, expected 70000"
expect_grep ptload-many-summary 0 '^70000 PT_LOADs: 70000 virtual, 0 identity, 0 filler, 0 absent; RAM 0x1000 bytes \(4K\); aliases share 0x[0-9a-f]+ bytes' \
	"$VT" ptload --list many-phdrs.core

expect_json ptload-json 'd["summary"]["count"] == 5 and d["summary"]["absent"] == 1 and d["segments"][4]["offset"] is None and d["segments"][2]["vaddr"] == "0xffffffff81000000"' \
	"$VT" ptload --list --json paging-true.core
expect_json ptload-json-identity 'd["segments"] and all(s["kind"] == "identity" and s["paddr"] == s["vaddr"] for s in d["segments"])' \
	"$VT" ptload --json x86_64-basic.core

# Help for every command, and `help CMD` equal to `CMD --help`.
expect_grep help-info 0 '^Usage: vmcore-tool info \[OPTION\.\.\.\] CORE' "$VT" info --help
expect_grep help-ptload 0 '^Usage: vmcore-tool ptload \[OPTION\.\.\.\] --list CORE' "$VT" help ptload
a=$("$VT" help info) && b=$("$VT" info --help) && [ -n "$a" ] && [ "$a" = "$b" ] && ok ||
	bad help-same "help info differs from info --help, or one failed"
expect_grep version 0 '^vmcore-tool [0-9]+\.[0-9]+\.[0-9]+$' "$VT" --version
