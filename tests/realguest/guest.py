#!/usr/bin/python3
"""Boot a real Linux guest under QEMU (TCG), record its ground truth, dump it.

Usage: guest.py [--fresh] [--boot-timeout S] [--memory MB] [--outdir DIR] GUEST...
       GUEST is one of: x86_64-4l, x86_64-5l, aarch64, i386

For each guest this boots the cached Debian kernel with the busybox
initramfs (provision.sh and mkinitramfs.sh make both), waits until /init
prints READY on the serial console, parses the ground truth printed before
it, stops the VM over QMP, and writes into $CACHE/dumps/GUEST/:

  elf-nopaging.core       dump-guest-memory format=elf paging=false
  elf-paging.core         ... paging=true (x86 only: QEMU's walker is x86-only)
  kdump-zlib.core         format=kdump-zlib, makedumpfile's flattened stream
  kdump-zlib-plain.core   the same reassembled by `makedumpfile -R` (if present)
  serial.log, qemu.log    the console and QEMU's own messages
  truth.json              ground truth and measurements, written last

All dumps are taken while the VM is stopped, so they and truth.json describe
one instant. A complete set newer than the kernel and the initramfs is reused
unless --fresh is given.

--memory MB gives the guests MB of RAM instead of 512 (a set made with
another size is not reused); --outdir DIR writes the set into DIR instead
of $CACHE/dumps/GUEST (one GUEST only; like that, DIR is emptied first). bench/remap-bench.sh uses both.

truth.json conventions: addresses are "0x"-prefixed 16-digit hex strings
(JSON numbers cannot hold 64-bit values exactly); system_ram ranges are
[start, end) with end exclusive, unlike /proc/iomem whose ends are inclusive
(the raw lines are kept in iomem_system_ram).

Python 3 standard library only; run with /usr/bin/python3.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# Symbols whose run-time addresses go into the ground truth.
SYMBOLS = ["_stext", "linux_banner", "init_uts_ns", "jiffies_64", "init_task"]


class Guest:
    """One guest configuration: which QEMU, machine, CPU, console, dumps."""

    def __init__(self, name, debarch, qemu, machine, cpus, console, la57,
                 paging_dump):
        self.name = name
        self.debarch = debarch          # Debian architecture of the kernel
        self.qemu = qemu
        self.machine = machine
        self.cpus = cpus                # -cpu models to try, in order
        self.console = console
        self.la57 = la57                # must the guest run 5-level paging?
        self.paging_dump = paging_dump  # does QEMU's paging=true mean anything?


GUESTS = {g.name: g for g in [
    Guest("x86_64-4l", "amd64", "qemu-system-x86_64", "q35", ["qemu64"],
          "ttyS0", la57=False, paging_dump=True),
    # qemu64 plus the LA57 feature is enough for TCG; the others are
    # fallbacks in case a QEMU build refuses it.
    Guest("x86_64-5l", "amd64", "qemu-system-x86_64", "q35",
          ["qemu64,+la57", "max", "Icelake-Server"],
          "ttyS0", la57=True, paging_dump=True),
    Guest("aarch64", "arm64", "qemu-system-aarch64", "virt", ["cortex-a57"],
          "ttyAMA0", la57=False, paging_dump=False),
    # Debian's 686-pae kernel runs PAE paging; QEMU's walker does PAE too.
    Guest("i386", "i386", "qemu-system-i386", "pc", ["max"],
          "ttyS0", la57=False, paging_dump=True),
]}

# Debian's kernel flavour per architecture (lib.sh's rg_flavour).
FLAVOURS = {"amd64": "amd64", "arm64": "arm64", "i386": "686-pae"}

# (file name, QMP dump-guest-memory arguments, only when paging_dump)
DUMPS = [
    ("elf-nopaging.core", {"format": "elf", "paging": False}, False),
    ("elf-paging.core", {"format": "elf", "paging": True}, True),
    ("kdump-zlib.core", {"format": "kdump-zlib", "paging": False}, False),
]
PLAIN_KDUMP = "kdump-zlib-plain.core"

SMP = 2
MEMORY_MB = 512


class HarnessError(Exception):
    pass


def say(msg):
    print("guest.py: " + msg, file=sys.stderr, flush=True)


def hex64(value):
    return "0x%016x" % value


# ---------------------------------------------------------------- cache

def cache_dir():
    """The same directory as lib.sh's rg_cache_dir."""
    if os.environ.get("VMCORE_TOOL_CACHE"):
        return os.path.abspath(os.environ["VMCORE_TOOL_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return os.path.abspath(os.path.join(base, "vmcore-tool"))


def read_versions(cache):
    """versions.txt as a dict (written by provision.sh)."""
    versions = {}
    try:
        with open(os.path.join(cache, "versions.txt")) as f:
            for line in f:
                if "=" in line and not line.startswith("#"):
                    key, value = line.rstrip("\n").split("=", 1)
                    versions[key] = value
    except FileNotFoundError:
        raise HarnessError("no %s/versions.txt: run provision.sh first" % cache)
    return versions


class Kernel:
    """The cached kernel of one architecture and the files that go with it."""

    def __init__(self, cache, versions, debarch):
        abi = versions["kernel_abi"]
        self.release = "%s-%s" % (abi, FLAVOURS[debarch])
        self.package = "linux-image-" + self.release
        # provision.sh names foreign-architecture packages with ":arm64"
        # or ":i386".
        qualifier = "" if debarch == "amd64" else ":" + debarch
        self.version = versions[self.package + qualifier]
        self.dbg_version = versions[self.package + "-dbg" + qualifier]
        top = os.path.join(cache, "linux-" + self.release)
        # provision.sh touches it once the package is unpacked: the
        # kernel's age in the cache (the files keep the package's dates).
        self.unpacked_stamp = os.path.join(top, ".image-done")
        self.vmlinuz = os.path.join(top, "root", "boot", "vmlinuz-" + self.release)
        self.vmlinux = os.path.join(top, "vmlinux")
        self.system_map = os.path.join(top, "System.map")
        for path in (self.vmlinuz, self.vmlinux, self.system_map):
            if not os.path.exists(path):
                raise HarnessError("missing %s: run provision.sh" % path)
        # mkinitramfs.sh rebuilds only when needed and prints the path.
        self.initramfs = subprocess.run(
            ["bash", os.path.join(HERE, "mkinitramfs.sh"), debarch],
            check=True, stdout=subprocess.PIPE, text=True).stdout.strip()

    def system_map_symbols(self, names):
        wanted, found = set(names), {}
        with open(self.system_map) as f:
            for line in f:
                fields = line.split()
                if len(fields) == 3 and fields[2] in wanted:
                    found.setdefault(fields[2], int(fields[0], 16))
        return found


# ---------------------------------------------------------------- QEMU

class Serial:
    """Collects QEMU's stdout (the guest's serial console) line by line in a
    thread, copying it to a log file, so the harness can wait for a line."""

    def __init__(self, stream, log_path):
        self.lines = []
        self.eof = False
        self.cond = threading.Condition()
        self.log = open(log_path, "w", errors="replace")
        self.thread = threading.Thread(target=self._pump, args=(stream,),
                                       daemon=True)
        self.thread.start()

    def _pump(self, stream):
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self.log.write(line + "\n")
            self.log.flush()
            with self.cond:
                self.lines.append(line)
                self.cond.notify_all()
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    def wait_for(self, wanted, timeout):
        """Index of the first line equal to `wanted`; raises on timeout or
        when QEMU closes the console first."""
        deadline = time.monotonic() + timeout
        seen = 0
        with self.cond:
            while True:
                for i in range(seen, len(self.lines)):
                    if self.lines[i].strip() == wanted:
                        return i
                seen = len(self.lines)
                if self.eof:
                    raise HarnessError("QEMU exited before the guest printed "
                                       + wanted + self.tail())
                left = deadline - time.monotonic()
                if left <= 0:
                    raise HarnessError("no %s after %d s%s"
                                       % (wanted, timeout, self.tail()))
                self.cond.wait(left)

    def tail(self, n=25):
        return "\n--- last console lines ---\n" + "\n".join(self.lines[-n:])


class QMP:
    """A minimal QMP client: one command at a time, events skipped."""

    def __init__(self, path, timeout):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.reader = self.sock.makefile("rb")
        self._read()                                     # the greeting
        self.execute("qmp_capabilities")

    def _read(self):
        while True:
            line = self.reader.readline()
            if not line:
                raise HarnessError("QMP connection closed")
            msg = json.loads(line)
            if "event" not in msg:
                return msg

    def execute(self, command, arguments=None):
        request = {"execute": command}
        if arguments:
            request["arguments"] = arguments
        self.sock.sendall(json.dumps(request).encode() + b"\n")
        reply = self._read()
        if "error" in reply:
            raise HarnessError("QMP %s failed: %s" % (command, reply["error"]))
        return reply["return"]

    def close(self):
        self.reader.close()
        self.sock.close()


class VM:
    """One running QEMU with its serial console and QMP socket."""

    def __init__(self, guest, cpu, kernel, outdir):
        self.tmp = tempfile.mkdtemp(prefix="vmcore-tool-qmp-")
        self.qmp_path = os.path.join(self.tmp, "qmp.sock")
        self.argv = [
            guest.qemu, "-M", guest.machine, "-cpu", cpu,
            "-accel", "tcg", "-smp", str(SMP), "-m", str(MEMORY_MB),
            "-nographic", "-no-reboot", "-nic", "none",
            "-device", "vmcoreinfo",
            "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path,
            "-kernel", kernel.vmlinuz, "-initrd", kernel.initramfs,
            # panic=-1 reboots at once on a panic, and -no-reboot turns that
            # into QEMU exiting, which the harness notices. KASLR stays on.
            "-append", "console=%s panic=-1" % guest.console,
        ]
        self.qemu_log = open(os.path.join(outdir, "qemu.log"), "w")
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE,
                                     stderr=self.qemu_log)
        self.serial = Serial(self.proc.stdout, os.path.join(outdir, "serial.log"))
        self.qmp = None

    def connect_qmp(self, timeout):
        # Called after READY, so QEMU created the socket long ago.
        self.qmp = QMP(self.qmp_path, timeout)
        return self.qmp

    def quit(self):
        """Ask QEMU to quit; kill it if it does not."""
        try:
            if self.qmp:
                self.qmp.execute("quit")
                self.qmp.close()
        except (OSError, HarnessError):
            pass
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.serial.thread.join(timeout=10)
        self.qemu_log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


# ---------------------------------------------------------------- ground truth

def parse_truth(lines):
    """The "key value" lines that /init prints between its delimiters."""
    lines = [line.strip() for line in lines]
    try:
        begin = lines.index("VMCORE-TOOL-TRUTH-BEGIN")
        end = lines.index("VMCORE-TOOL-TRUTH-END", begin)
    except ValueError:
        raise HarnessError("no complete truth block on the console")
    fields = {"kallsyms": {}, "iomem": []}
    for line in lines[begin + 1:end]:
        key, _, value = line.partition(" ")
        if key == "kallsyms":
            name, _, addr = value.partition(" ")
            if addr.strip():
                fields["kallsyms"][name] = int(addr, 16)
        elif key == "iomem":
            fields["iomem"].append(value)
        else:
            fields[key] = value
    return fields


def system_ram(iomem_lines):
    """[start, end) pairs from /proc/iomem "start-end : System RAM" lines."""
    ranges = []
    for line in iomem_lines:
        span = line.split(":")[0].strip()
        start, end = (int(x, 16) for x in span.split("-"))
        ranges.append([hex64(start), hex64(end + 1)])
    return ranges


def resolve_symbols(kallsyms, kernel):
    """Run-time addresses of SYMBOLS. kallsyms has them all on x86_64;
    Debian's arm64 and i386 kernels lack CONFIG_KALLSYMS_ALL, so data
    symbols are computed as System.map + the KASLR offset, the offset being
    kallsyms _stext minus System.map _stext. Where both exist they must
    agree, or the -dbg package does not belong to the running kernel."""
    sysmap = kernel.system_map_symbols(SYMBOLS)
    if "_stext" not in kallsyms or "_stext" not in sysmap:
        raise HarnessError("_stext missing from kallsyms or System.map")
    offset = kallsyms["_stext"] - sysmap["_stext"]
    symbols, sources = {}, {}
    for name in SYMBOLS:
        derived = sysmap[name] + offset if name in sysmap else None
        if name in kallsyms:
            if derived is not None and derived != kallsyms[name]:
                raise HarnessError(
                    "%s: kallsyms %s but System.map + offset %s: %s does not "
                    "match the running kernel" % (name, hex64(kallsyms[name]),
                                                  hex64(derived), kernel.system_map))
            symbols[name], sources[name] = kallsyms[name], "kallsyms"
        elif derived is not None:
            symbols[name], sources[name] = derived, "System.map+kaslr_offset"
        else:
            raise HarnessError("symbol %s in neither kallsyms nor System.map" % name)
    return offset, symbols, sources


def int64(addr):
    """QMP integer arguments are int64: addresses >= 2^63 go negative."""
    return addr - (1 << 64) if addr >= 1 << 63 else addr


def read_virtual(qmp, vaddr, size, tmpdir):
    """Guest memory at a virtual address, through a vCPU's MMU (QMP memsave).

    Each vCPU is tried in turn: arm64 Linux turns KPTI on with KASLR, so a
    CPU stopped in user mode maps only a trampoline in TTBR1, and a kernel
    address does not translate through it (seen in CI). The CPU stopped
    in the kernel does."""
    path = os.path.join(tmpdir, "memsave.bin")
    errors = []
    for cpu_index in range(SMP):
        try:
            qmp.execute("memsave", {"val": int64(vaddr), "size": size,
                                    "filename": path, "cpu-index": cpu_index})
        except HarnessError as e:
            errors.append("CPU %d: %s" % (cpu_index, e))
            continue
        with open(path, "rb") as f:
            return f.read()
    raise HarnessError("no vCPU's MMU translates %s: %s"
                       % (hex64(vaddr), "; ".join(errors)))


def build_truth(guest, cpu, kernel, fields, vm, tmpdir, boot_seconds):
    offset, symbols, sources = resolve_symbols(fields["kallsyms"], kernel)
    vmalloc_kb = int(fields["vmalloc_total_kb"])
    la57_flag = fields["la57_cpuflag"] == "la57"
    # Both views must agree: 5-level vmalloc space is 12800 TiB, 4-level 32.
    if guest.debarch == "amd64" and la57_flag != (vmalloc_kb > 32 << 30):
        raise HarnessError("la57 CPU flag %s but VmallocTotal %d kB"
                           % (la57_flag, vmalloc_kb))
    qmp = vm.qmp
    # Read back through QEMU, at the instant of the dump, what the guest
    # said: this also proves the derived (arm64) addresses right.
    banner = read_virtual(qmp, symbols["linux_banner"], 256, tmpdir)
    banner = banner.split(b"\0")[0].decode("utf-8", "replace").rstrip("\n")
    if banner != fields["version"]:
        raise HarnessError("linux_banner at %s reads %r, /proc/version says %r"
                           % (hex64(symbols["linux_banner"]), banner, fields["version"]))
    jiffies = int.from_bytes(read_virtual(qmp, symbols["jiffies_64"], 8, tmpdir),
                             "little")
    qemu_version = qmp.execute("query-version")
    return {
        "guest": guest.name,
        "arch": fields["machine"],
        "version": fields["version"],
        "release": fields["release"],
        "cmdline": fields["cmdline"],
        "marker": "VMCORE-TOOL-MARKER " + fields["marker"],
        "cpus": int(fields["nproc"]),
        "cpus_online": fields["cpus_online"],
        "la57": la57_flag,
        "vmalloc_total_kb": vmalloc_kb,
        "kaslr_offset": hex64(offset),
        "symbols": {name: hex64(addr) for name, addr in symbols.items()},
        "symbol_sources": sources,
        "jiffies_64_value": jiffies,
        "system_ram": system_ram(fields["iomem"]),
        "iomem_system_ram": fields["iomem"],
        "user_pids": [int(p) for p in fields["user_pids"].split()],
        "fw_cfg_vmcoreinfo": fields["fw_cfg_vmcoreinfo"] == "yes",
        "kernel": {
            "package": kernel.package, "version": kernel.version,
            "dbg_version": kernel.dbg_version, "vmlinuz": kernel.vmlinuz,
            "vmlinux": kernel.vmlinux, "system_map": kernel.system_map,
            "initramfs": kernel.initramfs,
        },
        "qemu": {
            "version": "%(major)d.%(minor)d.%(micro)d" % qemu_version["qemu"],
            "package": qemu_version["package"].strip(),
            "cpu": cpu, "machine": guest.machine, "smp": SMP,
            "memory_mb": MEMORY_MB, "argv": vm.argv,
        },
        "boot_seconds": round(boot_seconds, 2),
        "dumps": {},
    }


# ---------------------------------------------------------------- dumping

def dump_all(guest, qmp, outdir, truth):
    for filename, args, paging_only in DUMPS:
        if paging_only and not guest.paging_dump:
            continue
        final = os.path.join(outdir, filename)
        partial = final + ".partial"
        arguments = dict(args, protocol="file:" + partial, detach=False)
        start = time.monotonic()
        qmp.execute("dump-guest-memory", arguments)      # returns when done
        seconds = time.monotonic() - start
        os.replace(partial, final)
        truth["dumps"][filename] = dict(args, seconds=round(seconds, 2),
                                        bytes=os.path.getsize(final))
        say("%s: %s in %.1f s, %d MB" % (guest.name, filename, seconds,
                                         os.path.getsize(final) >> 20))
    flattened = os.path.join(outdir, "kdump-zlib.core")
    makedumpfile = shutil.which("makedumpfile")
    if makedumpfile and os.path.exists(flattened):
        final = os.path.join(outdir, PLAIN_KDUMP)
        with open(flattened, "rb") as stream:
            subprocess.run([makedumpfile, "-R", final + ".partial"], stdin=stream,
                           check=True, stdout=subprocess.DEVNULL)
        os.replace(final + ".partial", final)
        truth["dumps"][PLAIN_KDUMP] = {"format": "kdump-zlib", "paging": False,
                                       "reassembled_by": "makedumpfile -R",
                                       "bytes": os.path.getsize(final)}


def boot_and_dump(guest, kernel, outdir, boot_timeout):
    """Boot with each candidate -cpu until the guest runs the paging mode the
    guest asks for; then stop, collect truth, dump. Returns the truth dict."""
    tried = []
    for cpu in guest.cpus:
        tmpdir = tempfile.mkdtemp(prefix="vmcore-tool-guest-")
        start = time.monotonic()
        vm = VM(guest, cpu, kernel, outdir)
        try:
            vm.serial.wait_for("READY", boot_timeout)
            boot_seconds = time.monotonic() - start
            say("%s: READY in %.1f s (-cpu %s)" % (guest.name, boot_seconds, cpu))
            qmp = vm.connect_qmp(timeout=1800)
            # Stop first: the truth read back below and all dumps then
            # describe the same instant.
            qmp.execute("stop")
            fields = parse_truth(vm.serial.lines)
            la57 = fields.get("la57_cpuflag") == "la57"
            if la57 != guest.la57:
                tried.append("%s (la57 %s)" % (cpu, la57))
                say("%s: -cpu %s gives la57=%s, want %s; trying the next model"
                    % (guest.name, cpu, la57, guest.la57))
                continue
            truth = build_truth(guest, cpu, kernel, fields, vm, tmpdir, boot_seconds)
            truth["qemu"]["cpus_tried"] = tried + [cpu]
            dump_all(guest, qmp, outdir, truth)
            return truth
        finally:
            vm.quit()
            shutil.rmtree(tmpdir, ignore_errors=True)
    raise HarnessError("%s: no -cpu model gave la57=%s: %s"
                       % (guest.name, guest.la57, ", ".join(tried)))


def up_to_date(guest, kernel, outdir):
    """Is there a complete dump set of this kernel and memory size, newer
    than the kernel and the initramfs?"""
    truth_path = os.path.join(outdir, "truth.json")
    try:
        with open(truth_path) as f:
            truth = json.load(f)
        old = truth["kernel"]
        if truth["qemu"]["memory_mb"] != MEMORY_MB:
            return False
    except (OSError, ValueError, KeyError):
        return False
    if (old.get("package"), old.get("version")) != (kernel.package, kernel.version):
        return False
    wanted = [f for f, _, paging_only in DUMPS if guest.paging_dump or not paging_only]
    if not all(os.path.exists(os.path.join(outdir, f)) for f in wanted):
        return False
    made = os.path.getmtime(truth_path)
    return all(made > os.path.getmtime(p) for p in
               (kernel.vmlinuz, kernel.unpacked_stamp, kernel.initramfs))


def produce(name, fresh, boot_timeout, outdir=None):
    guest = GUESTS[name]
    cache = cache_dir()
    kernel = Kernel(cache, read_versions(cache), guest.debarch)
    outdir = os.path.abspath(outdir or os.path.join(cache, "dumps", name))
    if not fresh and up_to_date(guest, kernel, outdir):
        say("%s: reusing %s" % (name, outdir))
        return
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    truth = boot_and_dump(guest, kernel, outdir, boot_timeout)
    with open(os.path.join(outdir, "truth.json.partial"), "w") as f:
        json.dump(truth, f, indent=2)
        f.write("\n")
    os.replace(os.path.join(outdir, "truth.json.partial"),
               os.path.join(outdir, "truth.json"))
    say("%s: wrote %s" % (name, outdir))


def main():
    global MEMORY_MB
    parser = argparse.ArgumentParser(
        description="Boot real guests under QEMU TCG, record ground truth, dump.")
    parser.add_argument("guests", nargs="+", choices=sorted(GUESTS), metavar="GUEST")
    parser.add_argument("--fresh", action="store_true",
                        help="boot and dump again even if a dump set exists")
    parser.add_argument("--boot-timeout", type=float, default=300,
                        help="seconds to wait for READY (default 300)")
    parser.add_argument("--memory", type=int, default=MEMORY_MB, metavar="MB",
                        help="guest RAM in MB (default %d)" % MEMORY_MB)
    parser.add_argument("--outdir", metavar="DIR",
                        help="write the dumps into DIR (emptied first) "
                             "instead of $CACHE/dumps/GUEST (one GUEST only)")
    args = parser.parse_args()
    if args.outdir and len(args.guests) != 1:
        parser.error("--outdir takes exactly one GUEST")
    if args.memory <= 0:
        parser.error("--memory must be positive")
    MEMORY_MB = args.memory
    status = 0
    for name in args.guests:
        try:
            produce(name, args.fresh, args.boot_timeout, args.outdir)
        except (HarnessError, OSError, subprocess.CalledProcessError) as e:
            say("%s: FAILED: %s" % (name, e))
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
