# The man page documents every command and every long option the code has.
man_file="$(dirname "${BASH_SOURCE[0]}")/../../man/vmcore-tool.1"
man_plain=$(sed 's/\\-/-/g' "$man_file")
cmds=$("$VT" --help | awk '/^Commands:/ {on = 1; next} on && /^  [a-z]/ {print $1}')
[ -n "$cmds" ] && ok || bad docs-commands "no commands in --help"
for c in $cmds; do
	printf '%s\n' "$man_plain" | grep -Eq "^\\.BI? \"?$c " && ok ||
		bad "docs-man-$c" "man/vmcore-tool.1 has no entry for command '$c'"
	for opt in $("$VT" "$c" --help | grep -Eo -- '--[a-z][a-z0-9-]+' | sort -u); do
		case $opt in --help|--usage|--version) continue ;; esac
		printf '%s\n' "$man_plain" | grep -q -- "$opt" && ok ||
			bad "docs-man-$c$opt" "man/vmcore-tool.1 does not mention $opt of '$c'"
	done
done
# The man page must render without warnings.
if command -v groff >/dev/null; then
	w=$(groff -man -Tutf8 -ww -z "$man_file" 2>&1)
	[ -z "$w" ] && ok || bad docs-groff "$w"
else
	not_run docs-groff "groff is not installed"
fi

# make install honours PREFIX and DESTDIR, and installs binary and man page.
make_tmpdir inst
# (a clean environment: under `make check` MAKEFLAGS would carry the outer
# make's variables, such as BUILD and SANITIZE, into this one)
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$(dirname "${BASH_SOURCE[0]}")/../.." \
	install DESTDIR="$inst" PREFIX=/opt/vt >"$inst.log" 2>&1 &&
   [ -x "$inst/opt/vt/bin/vmcore-tool" ] && [ -s "$inst/opt/vt/share/man/man1/vmcore-tool.1" ]; then
	ok
else
	bad make-install "$(cat "$inst.log")" "$(find "$inst" -type f)"
fi
rm -rf "$inst" "$inst.log"

# Every command's --help reads cleanly: no line of blanks only, no two blank
# lines in a row (argp groups can produce both).
for c in $cmds; do
	h=$("$VT" "$c" --help); rc=$?
	if [ "$rc" != 0 ] || [ -z "$h" ]; then
		bad "docs-help-$c" "$c --help: exit $rc, $(printf '%s' "$h" | wc -l) lines"
	elif printf '%s\n' "$h" | grep -qE '^[[:space:]]+$'; then
		bad "docs-help-blank-$c" "$c --help has a line of white space only"
	elif printf '%s\n' "$h" | awk 'prev == "" && $0 == "" && NR > 1 { found = 1 } { prev = $0 } END { exit !found }'; then
		bad "docs-help-double-blank-$c" "$c --help has two blank lines in a row"
	else
		ok
	fi
done
