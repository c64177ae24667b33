#!/bin/bash
# Runs every tests/cli/t-*.sh; the last line is "cli: N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
for t in "$here"/t-*.sh; do
	. "$t"
done
echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
