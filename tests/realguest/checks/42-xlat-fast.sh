#!/usr/bin/env bash
# Usage: 42-xlat-fast.sh GUEST DUMPDIR TRUTH.json
# The read path's fast translation (vmc_translate_fast: no trace, a cache of
# the last leaf and of each level's table) against the traced walk that vtop
# prints, on a million addresses of the guest's own page tables: half inside
# mapped leaves, half anywhere in the kernel half. Every guest.
set -u
. "$(dirname "$0")/../lib.sh"
guest=$1 dir=$2
VT=${VMCORE_TOOL:?}
# Built beside the tool by `make check-real` (Makefile: build/xlat-check).
xlat=${XLAT_CHECK:-$(dirname "$VT")/xlat-check}
dump=$dir/elf-nopaging.core
repro="$xlat $dump 1000000"
if [ ! -x "$xlat" ]; then
	check_fail "xlat-check is built" "no $xlat (make build/xlat-check)" "make build/xlat-check"
elif out=$("$xlat" "$dump" 1000000 2>&1); then
	check_pass "fast path = traced walk: $out"
else
	check_fail "fast path = traced walk" "$out" "$repro"
fi
check_done
