#!/bin/busybox sh
# /init of the real-guest initramfs (copied there by mkinitramfs.sh).
#
# Brings the guest to a known state, prints the ground truth that the host
# harness (guest.py) compares dumps against, prints READY, then idles so the
# host can stop and dump the VM. Everything between the TRUTH-BEGIN and
# TRUTH-END lines is "key value" and is parsed by guest.py; keep it that way.

/bin/busybox mkdir -p /bin /sbin /usr/bin /usr/sbin /proc /sys /dev /tmp
/bin/busybox --install -s

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# The kernel opened /dev/console from the cpio before devtmpfs existed;
# reopen it so the output below reaches the serial port whatever happened.
exec </dev/console >/dev/console 2>&1

# Kernel messages must not interleave with the truth lines on the serial
# port: from here on only emergencies reach the console. They still go to
# the log buffer (and therefore into the dump).
echo 1 >/proc/sys/kernel/printk

# qemu_fw_cfg lets the guest hand its VMCOREINFO note's address to QEMU's
# `-device vmcoreinfo`; without it the dump has no VMCOREINFO note.
# mkinitramfs.sh lists the modules to load, dependencies first.
if [ -r /etc/modules.load ]; then
	while read -r module; do
		insmod "$module" || echo "init: insmod $module failed"
	done </etc/modules.load
fi

# Let root read real kernel addresses in /proc/kallsyms.
echo 0 >/proc/sys/kernel/kptr_restrict

# A few user processes, so that dumps contain user page tables and tasks.
sleep 10000 &
sleep 10000 &

marker=$(cat /proc/sys/kernel/random/uuid)
echo "VMCORE-TOOL-MARKER $marker" >/dev/kmsg

# kallsyms lines are "address type name"; module symbols carry a
# "[module]" suffix, which the anchored match leaves out.
symbol() {
	grep -E " $1\$" /proc/kallsyms | head -n 1 | cut -d' ' -f1
}

echo "VMCORE-TOOL-TRUTH-BEGIN"
echo "version $(cat /proc/version)"
echo "release $(uname -r)"
echo "machine $(uname -m)"
for name in _stext linux_banner init_uts_ns jiffies_64 init_task; do
	# Missing on arm64, whose Debian kernel lacks CONFIG_KALLSYMS_ALL:
	# the host computes data symbols from System.map and the KASLR offset.
	echo "kallsyms $name $(symbol "$name")"
done
grep 'System RAM' /proc/iomem | sed 's/^/iomem /'
echo "cmdline $(cat /proc/cmdline)"
echo "marker $marker"
echo "cpus_online $(cat /sys/devices/system/cpu/online)"
echo "nproc $(grep -c '^processor' /proc/cpuinfo)"
# LA57, twice: the CPU flag (Linux clears it when it does not use 5-level
# paging) and the size of vmalloc space, which 5-level paging makes 400x
# bigger (32 TiB -> 12800 TiB, arch/x86/include/asm/pgtable_64_types.h).
echo "la57_cpuflag $(grep -o -w -m 1 la57 /proc/cpuinfo || echo none)"
echo "vmalloc_total_kb $(sed -n 's/^VmallocTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)"
echo "fw_cfg_vmcoreinfo $(test -e /sys/firmware/qemu_fw_cfg/by_name/etc/vmcoreinfo && echo yes || echo no)"
echo "user_pids $(pidof sleep)"
echo "VMCORE-TOOL-TRUTH-END"
echo "READY"

# init must never exit (the kernel would panic); just idle.
while :; do
	sleep 3600
done
