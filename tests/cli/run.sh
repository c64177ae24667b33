#!/bin/bash
# Runs every tests/cli/t-*.sh; the last line is "cli: N passed, N failed".
# UPDATE=1 rewrites the goldens in tests/cli/expected/ (see lib.sh).
# T=NAME runs tests/cli/t-NAME.sh only (a glob: T='kdump*').
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
# The vmlinux search looks under this root only: a debug package installed
# on the machine must not change what the tests see (t-symbols.sh builds
# its own roots).
export VMCORE_TOOL_DEBUG_ROOT=/nonexistent/vmcore-tool-tests
for t in "$here"/t-${T:-*}.sh; do
	. "$t"
done
[ -n "${T:-}" ] || check_goldens_used
[ -n "$UPDATE" ] && echo "cli: UPDATE=1: goldens not compared; $rewritten rewritten"
echo "cli: $pass passed, $fail failed$([ "$notrun" -eq 0 ] || echo ", $notrun not run")"
[ "$fail" -eq 0 ]
