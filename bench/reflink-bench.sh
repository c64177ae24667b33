#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/reflink-bench.sh [-r REPS] [CORE]
#
# remap on a file system that shares blocks: a loop-mounted XFS image
# (mkfs.xfs -m reflink=1), with CORE (default: the x86_64-4l real-guest
# paging=false dump in $VMCORE_TOOL_CACHE/dumps, ~/.cache/vmcore-tool)
# copied into it. Times `cp --reflink=always CORE` and `vmcore-tool remap
# CORE` there, best of REPS (default 5) each, prints their ratio, the bytes
# of the output that share the input's blocks (FIEMAP, as remap -v says),
# and remap's peak RSS; then the same remap and `cp` + `sync` on the file
# system of build/ for comparison. Needs root, xfsprogs and a loop device.
# Nothing is asserted on time. Exit status: 0 done, 2 something failed.
set -euo pipefail
export LC_ALL=C
bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$bench")
cd "$root"
reps=5
if [ "${1:-}" = -r ]; then reps=$2; shift 2; fi
core=${1:-${VMCORE_TOOL_CACHE:-$HOME/.cache/vmcore-tool}/dumps/x86_64-4l/elf-nopaging.core}
vt=${VMCORE_TOOL:-$root/build/vmcore-tool}
[ -x "$vt" ] || make -s build/vmcore-tool >&2
die() { echo "reflink-bench: $*" >&2; exit 2; }
[ -r "$core" ] || die "$core: no such core (make check-real makes it)"
[ "$(id -u)" = 0 ] || die "needs root (a loop mount)"
command -v mkfs.xfs >/dev/null || die "needs mkfs.xfs (apt-get install xfsprogs)"
tmp=$(mktemp -d)
mnt=$tmp/mnt
cleanup() { umount "$mnt" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
size=$(stat -c %s "$core")
truncate -s $((size * 3 + (512 << 20))) "$tmp/xfs.img"
mkfs.xfs -q -m reflink=1 "$tmp/xfs.img"
mkdir "$mnt" && mount -o loop "$tmp/xfs.img" "$mnt"
cp "$core" "$mnt/in.core" && sync

# best REPS PRE CMD...: the best wall time of CMD, after running PRE (a
# shell command, untimed) before each repetition; prints "SECONDS RSS_KIB".
best() {
	/usr/bin/python3 - "$@" <<'PY'
import resource, subprocess, sys, time
reps, pre, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
best = None
for _ in range(reps + 1):
    subprocess.run(pre, shell=True, check=True)
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    t = time.perf_counter() - t
    if best is None or t < best:
        best = t
print("%.4f %d" % (best, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
PY
}

read -r t_cp _ < <(best "$reps" "rm -f $mnt/ref.core; sync" cp --reflink=always "$mnt/in.core" "$mnt/ref.core")
read -r t_rm rss < <(best "$reps" "rm -f $mnt/out.elf; sync" "$vt" remap -q "$mnt/in.core" -o "$mnt/out.elf")
shared=$("$vt" remap -v --force "$mnt/in.core" -o "$mnt/out.elf" 2>&1 | sed -n 's/.*: 0x[0-9a-f]* bytes (\(.*\)) share blocks with the input.*/\1/p')
echo "reflink-bench: $(basename "$core") ($((size >> 20)) MiB), best of $reps"
printf '  loop XFS (reflink=1):  cp --reflink %.4f s, remap %.4f s, remap / cp --reflink = %.1f; %s of the output shared; remap peak RSS %d MiB\n' \
	"$t_cp" "$t_rm" "$(echo "$t_rm / $t_cp" | bc -l)" "${shared:-?}" $((rss / 1024))
out=$root/build/reflink-bench.out
read -r t_cps _ < <(best "$reps" "rm -f $out; sync" sh -c "cp '$core' '$out' && sync")
read -r t_rms _ < <(best "$reps" "rm -f $out; sync" "$vt" remap -q "$core" -o "$out")
rm -f "$out"
printf '  build/ (%s):  cp + sync %.3f s, remap %.3f s, remap / (cp + sync) = %.2f\n' \
	"$(stat -f -c %T "$root/build")" "$t_cps" "$t_rms" "$(echo "$t_rms / $t_cps" | bc -l)"
