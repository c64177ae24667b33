#!/bin/bash
# Run the libFuzzer harnesses (tests/fuzz/README.md): each for SECONDS_EACH
# seconds, JOBS at a time, then (unless REGRESSIONS=0) every input saved in
# tests/fuzz/regressions/ once. One line per harness and per regression
# input; the last line is "fuzz: N passed, N failed". Any crash, leak,
# timeout (-timeout=10), out-of-memory (-rss_limit_mb=2048) or failed check
# is a failure; its input is kept in $FUZZ_BUILD/artifacts/HARNESS/ (those
# of earlier runs in HARNESS.old/).
#   FUZZ_BUILD=build-fuzz SECONDS_EACH=30 JOBS=2 [RUNS=N] [REGRESSIONS=0] \
#     bash tests/fuzz/run.sh [HARNESS...]
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${FUZZ_BUILD:-build-fuzz}
seconds=${SECONDS_EACH:-30}
jobs=${JOBS:-2}
regressions=${REGRESSIONS:-1}
tmpdir=${FUZZ_TMPDIR:-/dev/shm}
[ -d "$tmpdir" ] || tmpdir=/tmp
export FUZZ_TMPDIR=$tmpdir
limits=(-rss_limit_mb=2048 -timeout=10)
# RUNS=N also stops a harness after N runs (a campaign's target).
stop=()
[ -n "${RUNS:-}" ] && stop=(-runs="$RUNS")

# By default every harness that make fuzz-build built (FUZZ_NAMES).
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for bin in "$build"/fuzz-*; do
		[ -x "$bin" ] && names+=("${bin##*/fuzz-}")
	done
fi

# Seeds and the largest input for each harness: the seeds' largest, so that
# none is cut, with room for the fuzzer to grow the small ones.
seeds_of() {
	case $1 in
	elfcore) echo core ;;
	walk|plan|remap-oracle) echo core-light ;;
	*) echo "$1" ;;
	esac
}
max_len_of() {
	case $1 in
	vmcoreinfo) echo 8192 ;;
	notes) echo 32768 ;;
	x86-tables) echo 262160 ;;
	printk) echo 65540 ;;
	input) echo 65536 ;;	# gzip decodes up to 1032x that on open
	symbols) echo 65536 ;;
	*) echo 600000 ;;
	esac
}

# What a failing log says went wrong.
kind_of() {
	local log=$1
	if grep -q 'ERROR: libFuzzer: timeout' "$log"; then echo timeout
	elif grep -q 'ERROR: libFuzzer: out-of-memory' "$log"; then echo out-of-memory
	elif grep -q 'ERROR: LeakSanitizer' "$log"; then echo leak
	elif grep -q 'FUZZ_CHECK(' "$log"; then echo "check failed"
	elif grep -q 'runtime error:' "$log"; then echo "undefined behaviour"
	elif grep -q 'ERROR: AddressSanitizer' "$log"; then
		grep -m1 -o 'AddressSanitizer: [a-z-]*' "$log" | sed 's/AddressSanitizer: //'
	elif grep -q 'deadly signal' "$log"; then echo crash
	else echo "exit status $2"
	fi
}

stat_of() {
	sed -n "s/^stat::$1: *//p" "$2" | tail -n 1
}

# Leftovers of a harness process that died before its atexit handlers.
clean_tmp() {
	rm -rf "$tmpdir/vmc-fuzz-$1.core" "$tmpdir/vmc-fuzz-$1.d"
}

run_one() {
	local name=$1 bin=$build/fuzz-$1 log=$build/logs/$1.log
	local corpus=$build/corpus/$1 art=$build/artifacts/$1
	# This run's findings only: an earlier run's move to $art.old/.
	if [ -n "$(ls -A "$art" 2>/dev/null)" ]; then
		mkdir -p "$art.old" && mv "$art"/* "$art.old"/
	fi
	mkdir -p "$corpus" "$art" "$build/logs"
	if [ ! -x "$bin" ]; then
		echo "fuzz-$name: FAILED (no $bin: make fuzz-build)" >"$build/logs/$name.result"
		return
	fi
	"$bin" -max_total_time="$seconds" "${stop[@]}" "${limits[@]}" \
		-max_len="$(max_len_of "$name")" -print_final_stats=1 \
		-artifact_prefix="$art/" "$corpus" "$build/seeds/$(seeds_of "$name")" \
		>"$log" 2>&1 &
	local pid=$!
	wait "$pid"
	local status=$?
	clean_tmp "$pid"
	local runs rate cov ft
	runs=$(stat_of number_of_executed_units "$log")
	rate=$(stat_of average_exec_per_sec "$log")
	cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -n 1)
	ft=${cov##*ft: }
	cov=${cov#cov: }
	cov=${cov%% ft*}
	local line
	line=$(printf 'fuzz-%-13s %10s runs %7s exec/s  cov %5s  ft %6s' "$name" \
		"${runs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}")
	local found
	found=$(ls "$art" 2>/dev/null | head -n 1)
	if [ "$status" -eq 0 ] && [ -z "$found" ]; then
		echo "$line: ok" >"$build/logs/$name.result"
	else
		echo "$line: FAILED ($(kind_of "$log" "$status"); input $art/$found," \
		     "log $log)" >"$build/logs/$name.result"
	fi
}

pass=0
fail=0
count() {
	local line=$1
	echo "$line"
	case $line in
	*": ok"|*": open, but passes now"*) pass=$((pass + 1)) ;;
	*": open bug"*) ;;
	*) fail=$((fail + 1)) ;;
	esac
}

running=0
for name in "${names[@]}"; do
	rm -f "$build/logs/$name.result"
	run_one "$name" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait
for name in "${names[@]}"; do
	count "$(cat "$build/logs/$name.result" 2>/dev/null ||
		echo "fuzz-$name: FAILED (no result)")"
done

# Every saved input once. Those listed in regressions/OPEN reproduce bugs
# not fixed yet: reported, not counted, until they pass.
if [ "$regressions" != 0 ]; then
	open_list=$here/regressions/OPEN
	for input in "$here"/regressions/*/*; do
		[ -f "$input" ] || continue
		harness=$(basename "$(dirname "$input")")
		rel=$harness/$(basename "$input")
		log=$build/logs/regression-${rel//\//-}.log
		is_open=
		[ -f "$open_list" ] && grep -q "^$rel\b" "$open_list" && is_open=1
		FUZZ_NO_FILTERS=1 "$build/fuzz-$harness" "${limits[@]}" -runs=1 \
			"$input" >"$log" 2>&1 &
		pid=$!
		wait "$pid"
		status=$?
		clean_tmp "$pid"
		if [ "$status" -eq 0 ]; then
			if [ -n "$is_open" ]; then
				count "regression $rel: open, but passes now: remove it from OPEN"
			else
				count "regression $rel: ok"
			fi
		elif [ -n "$is_open" ]; then
			count "regression $rel: open bug ($(kind_of "$log" "$status"), log $log)"
		else
			count "regression $rel: FAILED ($(kind_of "$log" "$status"), log $log)"
		fi
	done
fi

echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
