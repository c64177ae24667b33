# Helpers for CLI tests. Each test runs a command in the fixtures directory
# (so paths in messages are short and stable) and compares its combined
# output and exit status with what the test expects.
#
#   expect NAME STATUS CMD... <<'EOF'      exact stdout+stderr
#   expect_grep NAME STATUS REGEX CMD...   output matches an extended regex
#   expect_json NAME PYEXPR CMD...         stdout is JSON; PYEXPR (with `d`
#                                          bound to it) is true; the exit
#                                          status is $JSON_STATUS (default 0)

pass=0
fail=0
VT=${VMCORE_TOOL:?set VMCORE_TOOL}
FX=$(cd "${FIXTURES:?set FIXTURES}" && pwd)
PY=${PYTHON:-/usr/bin/python3}
case $VT in /*) ;; *) VT=$PWD/$VT ;; esac

ok()  { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	printf 'FAIL %s\n' "$1"
	shift
	printf '%s\n' "$@" | sed 's/^/     /'
}

run_in_fixtures() { (cd "$FX" && "$@") 2>&1; }

expect() {
	local name=$1 status=$2; shift 2
	local want got rc
	want=$(cat)
	got=$(run_in_fixtures "$@"); rc=$?
	if [ "$rc" != "$status" ]; then
		bad "$name" "exit status $rc, expected $status" "command: $*" "$got"
	elif [ "$got" != "$want" ]; then
		bad "$name" "command: $*" "$(diff <(printf '%s\n' "$want") <(printf '%s\n' "$got"))"
	else
		ok
	fi
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
