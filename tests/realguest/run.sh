#!/usr/bin/env bash
# Usage: tests/realguest/run.sh [--fresh] [GUEST...]
#
# The real-guest suite (`make check-real`): provision QEMU, Debian kernels and
# debug symbols; build the initramfs images; boot each guest under TCG and
# dump it (guest.py); then run every checks/*.sh, in name order, once per
# guest as `CHECK GUEST DUMPDIR TRUTH.json`, with the tool under test in
# $VMCORE_TOOL (default ./vmcore-tool from the repository root).
#
# Checks run RG_JOBS (default 2) at a time; each prints when it finishes.
# Last line: "N passed, N failed". Exit 0 only when everything passed.
# Outside CI (CI is not "true"), when QEMU or the packages cannot be had,
# prints why and exits 77 (skipped). Under CI=true it never skips.
#
# --fresh boots and dumps again even when a dump set is up to date.

set -u
. "$(dirname "$0")/lib.sh"

repo=$(cd "$RG_DIR/../.." && pwd)
cd "$repo" || exit 1
VMCORE_TOOL=$(realpath -m "${VMCORE_TOOL:-./vmcore-tool}")
export VMCORE_TOOL VMCORE_TOOL_CACHE="$RG_CACHE"

# Generous limits: a cold cache downloads ~2.5 GB and TCG is slow.
TIMEOUT_PROVISION=3600
TIMEOUT_INITRAMFS=600
TIMEOUT_GUEST=1800	# boot (guest.py waits 300 s for READY) plus three dumps
TIMEOUT_CHECK=900

passed=0
failed=0
suite_start=$SECONDS

finish() {
	printf '%s: %d s in all\n' "${0##*/}" $((SECONDS - suite_start))
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ] && exit 0
	exit 1
}

# A step that cannot run at all: skip outside CI, fail under CI.
cannot_run() {
	if [ "${CI:-}" = true ]; then
		rg_say "FAIL: $1 (CI=true: not skipping)"
		failed=$((failed + 1))
		finish
	fi
	rg_say "SKIP: $1"
	exit "$RG_SKIP"
}

# timed LABEL TIMEOUT COMMAND... : run a setup step, say how long it took.
timed() {
	local label=$1 limit=$2 start=$SECONDS rc
	shift 2
	timeout "$limit" "$@"
	rc=$?
	[ "$rc" -ne 124 ] || rg_say "$label: timed out after $limit s"
	rg_say "$label: $((SECONDS - start)) s (exit $rc)"
	return "$rc"
}

fresh=()
guests=()
for arg in "$@"; do
	case "$arg" in
	--fresh) fresh=(--fresh) ;;
	-h | --help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) guests+=("$arg") ;;
	esac
done
[ ${#guests[@]} -gt 0 ] || guests=("${RG_GUESTS[@]}")

# --- 1. tools, kernels, symbols
timed provision "$TIMEOUT_PROVISION" bash "$RG_DIR/provision.sh"
case $? in
0) ;;
"$RG_SKIP") cannot_run "QEMU, the kernels or the debug symbols cannot be had (see above)" ;;
*) rg_say "FAIL: provision.sh"; failed=$((failed + 1)); finish ;;
esac
[ -x "$VMCORE_TOOL" ] || rg_say "note: no executable $VMCORE_TOOL (checks that run the tool will fail)"

# --- 2. initramfs images, one per Debian architecture
for arch in "${RG_DEBARCHES[@]}"; do
	if ! timed "initramfs $arch" "$TIMEOUT_INITRAMFS" bash "$RG_DIR/mkinitramfs.sh" "$arch" >/dev/null; then
		rg_say "FAIL: mkinitramfs.sh $arch"
		failed=$((failed + 1))
		finish
	fi
done

# --- 3. boot and dump; a guest that fails here fails all its checks
declare -A dumped
for guest in "${guests[@]}"; do
	if timed "guest $guest" "$TIMEOUT_GUEST" "$RG_PYTHON" "$RG_DIR/guest.py" "${fresh[@]}" "$guest"; then
		dumped[$guest]=yes
		passed=$((passed + 1))
	else
		rg_say "FAIL: boot and dump $guest"
		echo "  reproduce: $RG_PYTHON $RG_DIR/guest.py --fresh $guest"
		failed=$((failed + 1))
	fi
done

# --- 4. checks, each once per guest, RG_JOBS (default 2) at a time
# Each (check, guest) writes its lines to a file of its own; they are
# printed as each finishes, and counted here.
jobs=${RG_JOBS:-2}
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

# run_check CHECK GUEST RESULT: run one check; RESULT gets the lines to
# print, RESULT.status pass, fail or na.
run_check() {
	local check=$1 guest=$2 result=$3 dir label repro start output summary
	dir="$RG_CACHE/dumps/$guest"
	label="${check##*/} $guest"
	repro="VMCORE_TOOL=$VMCORE_TOOL VMCORE_TOOL_CACHE=$RG_CACHE bash $check $guest $dir $dir/truth.json"
	start=$SECONDS
	if output=$(timeout "$TIMEOUT_CHECK" bash "$check" "$guest" "$dir" "$dir/truth.json" 2>&1); then
		summary=$(tail -n 1 <<<"$output" | sed 's/^ *//')
		if [ "$summary" = "0 ok, 0 failed" ]; then
			# Not for this guest (the check says why): not a pass.
			echo "n/a  $label: $(head -n 1 <<<"$output" | sed 's/^ *//')" >"$result"
			echo na >"$result.status"
			return
		fi
		echo "PASS $label ($((SECONDS - start)) s, $summary)" >"$result"
		echo pass >"$result.status"
	else
		{
			echo "FAIL $label ($((SECONDS - start)) s)"
			grep -v '^  ok ' <<<"$output"
			echo "  reproduce the whole check: $repro"
		} >"$result"
		echo fail >"$result.status"
	fi
}

# Print and count the results that are complete and not yet printed.
collect() {
	local f
	for f in "$results"/*.status; do
		[ -e "$f" ] || continue
		cat "${f%.status}"
		case $(cat "$f") in
		pass) passed=$((passed + 1)) ;;
		fail) failed=$((failed + 1)) ;;
		esac
		rm -f "$f" "${f%.status}"
	done
}

n=0
running=0
for check in "$RG_DIR"/checks/*.sh; do
	[ -e "$check" ] || continue
	for guest in "${guests[@]}"; do
		if [ -z "${dumped[$guest]:-}" ]; then
			echo "FAIL ${check##*/} $guest: no dumps (boot or dump failed above)"
			failed=$((failed + 1))
			continue
		fi
		n=$((n + 1))
		run_check "$check" "$guest" "$results/$(printf %04d $n)" &
		running=$((running + 1))
		if [ "$running" -ge "$jobs" ]; then
			wait -n
			running=$((running - 1))
			collect
		fi
	done
done
wait
collect

finish
