# Every `expect` line in a fixture description is checked against vtop:
#   expect vtop VADDR PADDR [SIZE] [OPTIONS...]   VADDR translates to PADDR
#   expect unmapped VADDR [OPTIONS...]            VADDR is not mapped
# OPTIONS are passed to vtop (e.g. --cpu 1, --swapper).
n_expect=0
for desc in "$(dirname "${BASH_SOURCE[0]}")"/../fixtures/*.core.txt; do
	core=$(basename "$desc" .txt)
	while read -r _ kind va rest; do
		n_expect=$((n_expect + 1))
		set -- $rest
		case $kind in
		vtop)
			pa=$1 size=${2:-}
			shift; [ -n "$size" ] && case $size in --*) size= ;; *) shift ;; esac
			expr="d['translations'][0]['mapped'] and int(d['translations'][0]['paddr'], 16) == $pa"
			[ -n "$size" ] && expr="$expr and int(d['translations'][0]['page_size'], 16) == $(numfmt --from=iec "$size")"
			expect_json "expect-$core-$va" "$expr" "$VT" vtop --json "$@" "$core" "$va"
			;;
		unmapped)
			expect_grep "expect-$core-unmapped-$va" 1 '\(not mapped\)' "$VT" vtop "$@" "$core" "$va"
			;;
		*)	# a typo would otherwise drop the line without a word
			bad "expect-$core-$kind" "$desc: unknown kind 'expect $kind'"
			;;
		esac
	done < <(sed -n 's/#.*//; /^expect /p' "$desc")
done
[ "$n_expect" -gt 0 ] || bad expect-lines "no 'expect' line in any tests/fixtures/*.core.txt"
