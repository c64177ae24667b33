# Helpers for CLI tests. Each test runs a command in the fixtures directory
# (so paths in messages are short and stable) and compares its combined
# output and exit status with what the test expects.
#
#   expect NAME STATUS CMD...              stdout+stderr equal, byte for
#                                          byte, tests/cli/expected/NAME.out
#   expect_grep NAME STATUS REGEX CMD...   output matches an extended regex
#   expect_json NAME PYEXPR CMD...         stdout is JSON; PYEXPR (with `d`
#                                          bound to it) is true; the exit
#                                          status is $JSON_STATUS (default 0)
#   not_run NAME WHY                       a test this machine cannot run:
#                                          one line saying so, not a pass
#   faulty VMC_FAULT_X=V... CMD...         CMD under tests/shim/faults.c
#   make_tmpdir VAR                        a scratch directory, removed when
#                                          the run ends (never trap EXIT)
#
# Goldens: with UPDATE=1 in the environment (`make check-cli UPDATE=1`),
# `expect` does not compare: it checks the exit status, then (re)writes
# expected/NAME.out with what the command printed and says which files it
# changed. Review the result with `git diff tests/cli/expected`. Without
# UPDATE, a missing golden file is a failure. Each NAME is used once, and a
# golden that no test uses is a failure too (run.sh checks at the end).

pass=0
fail=0
notrun=0
VT=${VMCORE_TOOL:?set VMCORE_TOOL}
FX=$(cd "${FIXTURES:?set FIXTURES}" && pwd)
PY=${PYTHON:-/usr/bin/python3}
case $VT in /*) ;; *) VT=$PWD/$VT ;; esac

# Temporary files: all under one directory per run, removed when the shell
# exits, however it exits (one EXIT trap for every test: tests set none of
# their own, which would replace it). TMPDIR points there too, so what the
# tool and helpers make with mktemp goes with it.
CLI_TMP=$(mktemp -d "${TMPDIR:-/tmp}/vmc-cli.XXXXXX") || exit 2
trap 'rm -rf "$CLI_TMP"' EXIT
export TMPDIR=$CLI_TMP

# make_tmpdir VAR: a new empty directory, removed at exit; its path in VAR.
make_tmpdir() {
	local d
	d=$(mktemp -d "$CLI_TMP/$1.XXXXXX") || return 1
	printf -v "$1" '%s' "$d"
}

ok()  { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	printf 'FAIL %s\n' "$1"
	shift
	printf '%s\n' "$@" | sed 's/^/     /'
}

not_run() {
	notrun=$((notrun + 1))
	printf 'NOT RUN %s: %s\n' "$1" "$2"
}

# faulty VMC_FAULT_X=VALUE... CMD...: CMD with the fault-injection shim
# (tests/shim/faults.c; make check-cli sets VMC_FAULTS to its path)
# preloaded. ASan, if the tool has it, must not insist on being first.
faulty() {
	env LD_PRELOAD="${VMC_FAULTS:?}${LD_PRELOAD:+:$LD_PRELOAD}" \
	    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" "$@"
}

run_in_fixtures() { (cd "$FX" && "$@") 2>&1; }

EXPECTED=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/expected
case ${UPDATE:-} in
''|0) UPDATE= ;;
1) ;;
*) echo "lib.sh: UPDATE is '$UPDATE'; set UPDATE=1 to rewrite goldens, or leave it unset" >&2
   exit 64 ;;
esac
declare -A golden_used=()
rewritten=0

expect() {
	local name=$1 status=$2; shift 2
	local file=$EXPECTED/$name.out out rc
	case $name in
	''|*[!A-Za-z0-9._-]*)
		bad "$name" "expect: NAME must be letters, digits, '.', '_' or '-'"
		return ;;
	esac
	if [ -n "${golden_used[$name]:-}" ]; then
		bad "$name" "expect: NAME used twice (both would share expected/$name.out)"
		return
	fi
	golden_used[$name]=1
	out=$(mktemp "$CLI_TMP/out.XXXXXX")
	run_in_fixtures "$@" >"$out"; rc=$?
	if [ "$rc" != "$status" ]; then
		bad "$name" "exit status $rc, expected $status" "command: $*" "$(cat "$out")"
	elif [ -n "$UPDATE" ]; then
		if ! cmp -s "$out" "$file"; then
			[ -e "$file" ] && echo "UPDATE: rewrote expected/$name.out" ||
				echo "UPDATE: created expected/$name.out"
			cp "$out" "$file"
			rewritten=$((rewritten + 1))
		fi
		ok
	elif [ ! -e "$file" ]; then
		bad "$name" "no golden tests/cli/expected/$name.out (make check-cli UPDATE=1 creates it)" \
			"command: $*" "$(cat "$out")"
	elif ! cmp -s "$file" "$out"; then
		bad "$name" "command: $*" \
			"$(diff -u --label "expected/$name.out" --label output "$file" "$out")"
	else
		ok
	fi
	rm -f "$out"
}

# Goldens that no `expect` ran: a renamed or deleted test left them behind.
check_goldens_used() {
	local f name
	for f in "$EXPECTED"/*.out; do
		[ -e "$f" ] || continue
		name=$(basename "$f" .out)
		[ -n "${golden_used[$name]:-}" ] ||
			bad "golden-unused-$name" "tests/cli/expected/$name.out: no test uses it"
	done
}

expect_grep() {
	local name=$1 status=$2 re=$3; shift 3
	local got rc
	got=$(run_in_fixtures "$@"); rc=$?
	if [ "$rc" != "$status" ]; then
		bad "$name" "exit status $rc, expected $status" "command: $*" "$got"
	elif ! printf '%s\n' "$got" | grep -Eq -- "$re"; then
		bad "$name" "output does not match /$re/" "command: $*" "$got"
	else
		ok
	fi
}

expect_json() {
	local name=$1 expr=$2; shift 2
	local out rc
	out=$(cd "$FX" && "$@"); rc=$?
	if [ "$rc" != "${JSON_STATUS:-0}" ]; then
		bad "$name" "exit status $rc, expected ${JSON_STATUS:-0}: $*"
		return
	fi
	if printf '%s' "$out" | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if eval(sys.argv[1]) else 1)' "$expr"; then
		ok
	else
		bad "$name" "JSON check failed: $expr" "command: $*"
	fi
}
