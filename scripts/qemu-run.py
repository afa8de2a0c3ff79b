#!/usr/bin/env python3
"""Boot the patched kernel in QEMU with a virtio-mem device and watch it.

The guest (tests/guest/init) runs the demo or the test suite and powers off.
This script
  * starts qemu-system-aarch64 -machine virt (--arch arm64, TCG), or
    qemu-system-x86_64 -machine q35 (--arch x86_64: KVM if /dev/kvm works,
    TCG otherwise, and says which), with 1 GiB of boot RAM and a
    virtio-mem device (QMP socket and a virtio-serial control port),
  * writes the whole console to a log file and watches it: an Oops, BUG,
    WARNING, lockdep, KASAN or UBSAN report, a panic, or a hang (no output for
    --idle-timeout seconds, or the run over --timeout) fails the run and is
    named in the summary,
  * answers the guest's requests on the control port (resize the virtio-mem
    device through QMP, the counts of the TLBI plugin's last window with
    --plugin, ...) and collects the TAP results it sends there,
    and the data lines ("OUT ...", e.g. benchmark samples) into --out,
  * prints the TAP lines, a summary line and exits non-zero on any failure.
"""

import argparse
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

SPLAT = re.compile(
    r"\[\s*\d+\.\d+\]\s.*?("
    r"Oops|BUG:|WARNING:|Kernel panic|Internal error:|"
    r"Unable to handle kernel|KASAN|UBSAN|INFO: task .* blocked|"
    r"rcu_.* stall|non-static key|circular locking|recursive locking|"
    r"lock held when returning|VM_FAULT_OOM leaked out"
    r")")

# Reports after which the guest cannot make progress: the run is stopped at
# once instead of waiting for the time limit. "VM_FAULT_OOM leaked out" is a
# user page fault that fails and is retried for ever (seen when fault
# injection hit a test program's own page fault).
FATAL = re.compile(r"VM_FAULT_OOM leaked out|Kernel panic")

# A kernel message repeated without pause is a storm (a WARN or a fault in a
# retry loop) even when each line looks harmless: the run fails when one
# message has been printed at least STORM_RATE times per second on average
# over the last STORM_SECONDS, and in every tenth of that window. Normal
# test traffic stays far below it: the busiest message of a suite, "Offlined
# Pages" during 200 offline/online cycles, runs at about 5 per second.
STORM_SECONDS = 120
STORM_RATE = 20
KMSG = re.compile(r"^\[\s*\d+\.\d+\]\s(.*)$")


def find_splat(line):
    """Return the kernel-report keyword in a console line, or None."""
    m = SPLAT.search(line)
    return m.group(1) if m else None


class StormWatch:
    """Counts kernel console messages per 1/10 of the storm window."""

    def __init__(self, seconds=STORM_SECONDS, rate=STORM_RATE):
        self.slot = seconds / 10.0
        self.need = seconds * rate
        self.counts = {}        # message -> {slot index: count}

    def add(self, line, now):
        """Record a console line; return the message if it is a storm."""
        m = KMSG.match(line)
        if not m:
            return None
        # Numbers and addresses vary from one line of a storm to the next.
        msg = re.sub(r"\b(0x)?[0-9a-f]*[0-9][0-9a-f]*\b", "#", m.group(1).strip())
        slot = int(now / self.slot)
        per = self.counts.setdefault(msg, {})
        per[slot] = per.get(slot, 0) + 1
        for old in [k for k in per if k <= slot - 10]:
            del per[old]
        if len(self.counts) > 4096:       # forget one-off messages
            self.counts = {k: v for k, v in self.counts.items()
                           if max(v) > slot - 10}
        window = [per.get(k, 0) for k in range(slot - 9, slot + 1)]
        if all(window) and sum(window) >= self.need:
            return msg
        return None


def parse_size(text):
    units = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    m = re.fullmatch(r"(\d+)([KMGT]?)(i?B)?", text.strip(), re.I)
    if not m:
        raise ValueError(f"bad size '{text}'")
    return int(m.group(1)) * units[m.group(2).upper()]


class Qmp:
    """Minimal QMP client over the unix socket QEMU listens on."""

    def __init__(self, path):
        self.path = path
        self.sock = None
        self.buf = b""

    def _line(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("QMP socket closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def connect(self):
        if self.sock:
            return
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(self.path)
        self._line()  # greeting
        self.execute("qmp_capabilities")

    def execute(self, cmd, **args):
        msg = {"execute": cmd}
        if args:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self._line()
            if "event" in reply:
                continue
            if "error" in reply:
                raise RuntimeError(reply["error"].get("desc", str(reply)))
            return reply.get("return")


class Run:
    def __init__(self, args):
        self.args = args
        self.tmp = tempfile.mkdtemp(prefix="qemu-run.")
        self.qmp = Qmp(os.path.join(self.tmp, "qmp.sock"))
        self.ctl_path = os.path.join(self.tmp, "ctl.sock")
        self.plugin_log = os.path.join(self.tmp, "plugin.log")
        self.events = queue.Queue()
        self.tap = []           # (status, text): status "ok", "not ok", "skip"
        self.end = None         # (passed, failed, skipped) from the guest runner
        self.storm = StormWatch()
        self.fatal = None       # reason to stop the guest at once
        self.splats = []        # (keyword, line, context lines)
        self.problems = []      # harness-level failures
        self.last_output = time.monotonic()
        self.console_tail = []
        if args.log:
            os.makedirs(os.path.dirname(os.path.abspath(args.log)), exist_ok=True)
        self.log = open(args.log, "w", errors="replace") if args.log else None
        self.out = open(args.out, "w") if args.out else None
        self.echo_console = args.mode != "test" or args.verbose
        self.userspace = False

    # ---- QEMU command line -------------------------------------------
    def cmdline(self):
        a = self.args
        # A task blocked for 60 s (a writer stuck on a lock) panics the
        # guest with its stack on the console, instead of the run waiting
        # for the idle watchdog or the suite timeout.
        x86 = a.arch == "x86_64"
        append = ["console=ttyS0" if x86 else "console=ttyAMA0", "panic=-1",
                  "hung_task_panic=1", "sysctl.kernel.hung_task_timeout_secs=60",
                  "memhp_default_state=online_movable",
                  "memory_hotplug.online_policy=auto-movable",
                  f"harness.mode={a.mode}"]
        if a.vmem_size:
            append.append(f"harness.vmem_blocks={parse_size(a.vmem_size) >> 27}")
        if a.suite:
            append.append(f"harness.suite={a.suite}")
        if a.only:
            append.append(f"harness.only={a.only}")
        if a.skip:
            append.append(f"harness.skip={a.skip}")
        if a.append:
            append.append(a.append)
        if x86:
            qemu, machine = a.qemu or "qemu-system-x86_64", "q35"
            accel, cpu = x86_accel(a.accel, a.cpu, a.kernel)
        else:
            qemu, machine = a.qemu or "qemu-system-aarch64", "virt"
            accel, cpu = a.accel or "tcg,thread=multi", a.cpu or "cortex-a57"
        self.accel = accel.split(",")[0]
        cmd = [qemu, "-machine", machine, "-cpu", cpu,
               "-smp", str(a.smp), "-accel", accel,
               "-m", f"{a.boot_mem},maxmem={a.max_mem},slots=2",
               "-kernel", a.kernel, "-initrd", a.initrd,
               "-append", " ".join(append),
               "-display", "none", "-serial", "stdio", "-monitor", "none",
               "-no-reboot", "-nic", "none",
               "-qmp", f"unix:{self.qmp.path},server=on,wait=off",
               "-device", "virtio-serial-pci,id=vser0,romfile=",
               "-chardev", f"socket,id=ctl,path={self.ctl_path},server=on,wait=off",
               "-device", "virtserialport,bus=vser0.0,chardev=ctl,name=harness.ctl"]
        if a.plugin:
            # scripts/bench/tlbi-plugin.c: TLBI and DC counts between the
            # markers a guest program executes (request "tlbi-window").
            cmd += ["-plugin", a.plugin, "-d", "plugin", "-D", self.plugin_log]
            append.append("harness.plugin=tlbi")
            cmd[cmd.index("-append") + 1] = " ".join(append)
        if a.vmem_size:
            bs = f",block-size={a.vmem_block_size}" if a.vmem_block_size else ""
            cmd += ["-object", f"memory-backend-ram,id=vmem0,size={a.vmem_max}",
                    "-device", "virtio-mem-pci,id=vm0,memdev=vmem0,romfile=,"
                    f"requested-size={a.vmem_size}{bs}"]
        return cmd + a.qemu_extra

    # ---- console -----------------------------------------------------
    def read_console(self, stream):
        pending = None
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self.last_output = time.monotonic()
            if self.log:
                self.log.write(line + "\n")
                self.log.flush()
            self.console_tail = (self.console_tail + [line])[-60:]
            if line.startswith("init:") or line.startswith("==="):
                self.userspace = True
            if pending is not None:
                pending[2].append(line)
                if len(pending[2]) >= 12:
                    pending = None
            word = find_splat(line)
            if word:
                pending = (word, line, [])
                self.splats.append(pending)
            if self.fatal is None and FATAL.search(line):
                self.fatal = f"fatal: '{FATAL.search(line).group(0)}' on the console"
            storm = self.storm.add(line, time.monotonic())
            if storm and self.fatal is None:
                self.fatal = (f"storm: kernel message repeated for "
                              f"{STORM_SECONDS}s: {storm[:160]}")
                self.splats.append(("message storm", line, []))
            if self.echo_console and (self.userspace or self.args.verbose):
                print(line, flush=True)
        self.events.put(("console-eof", None))

    # ---- control port ------------------------------------------------
    def handle_request(self, req):
        words = req.split()
        try:
            if not words:
                raise ValueError("empty request")
            if words[0] == "echo":
                return "ok " + " ".join(words[1:])
            if words[0] == "json":
                # The guest has no JSON parser: check its output here.
                doc = json.loads(req.split(None, 1)[1])
                return "ok " + type(doc).__name__
            if words[0] == "vmem-resize":
                self.qmp.connect()
                self.qmp.execute("qom-set", path="/machine/peripheral/vm0",
                                 property="requested-size",
                                 value=parse_size(words[1]))
                return "ok"
            if words[0] == "vmem-size":
                self.qmp.connect()
                size = self.qmp.execute("qom-get", path="/machine/peripheral/vm0",
                                        property="size")
                return f"ok {size}"
            if words[0] == "tlbi-window":
                # The last window the TLBI plugin closed: "K tlbi=N dc=N ...".
                if not self.args.plugin:
                    raise ValueError("no --plugin: TLBI/DC counts unavailable")
                last = None
                with open(self.plugin_log) as f:
                    for line in f:
                        if line.startswith("TLBIWIN "):
                            last = line.split(None, 1)[1].strip()
                if last is None:
                    raise ValueError("the plugin closed no window")
                return "ok " + last
            if words[0] == "qmp":
                self.qmp.connect()
                args = json.loads(" ".join(words[2:])) if len(words) > 2 else {}
                return "ok " + json.dumps(self.qmp.execute(words[1], **args))
            raise ValueError(f"unknown request '{words[0]}'")
        except Exception as e:  # the reply tells the guest what went wrong
            return f"err {e}"

    def read_ctl(self):
        deadline = time.monotonic() + 30
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        while True:
            try:
                sock.connect(self.ctl_path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                if time.monotonic() > deadline:
                    self.problems.append("harness: cannot connect to the control port")
                    return
                time.sleep(0.1)
        buf = b""
        while True:
            try:
                data = sock.recv(4096)
            except OSError:
                break
            if not data:
                break
            buf += data
            while b"\n" in buf:
                raw, buf = buf.split(b"\n", 1)
                line = raw.decode("utf-8", "replace").rstrip("\r")
                self.last_output = time.monotonic()
                if line.startswith("TAP "):
                    self.on_tap(line[4:])
                elif line.startswith("REQ "):
                    reply = self.handle_request(line[4:])
                    sock.sendall(b"REP " + reply.encode() + b"\n")
                elif line.startswith("OUT "):
                    self.on_out(line[4:])
                elif line.startswith("END "):
                    nums = [int(x) for x in line.split()[1:]]
                    self.end = tuple((nums + [0, 0, 0])[:3])

    def on_out(self, line):
        """Data the guest sends to the host ("OUT <line>"): appended to --out."""
        if self.out:
            self.out.write(line + "\n")
            self.out.flush()

    def on_tap(self, line):
        if line.startswith("ok ") and re.search(r"#\s*SKIP\b", line, re.I):
            self.tap.append(("skip", line))
        elif line.startswith("ok "):
            self.tap.append(("ok", line))
        elif line.startswith("not ok "):
            self.tap.append(("not ok", line))
        if self.args.mode == "test" and not self.args.verbose:
            print(line, flush=True)

    # ---- main --------------------------------------------------------
    def run(self):
        a = self.args
        cmd = self.cmdline()
        if a.verbose:
            print("+ " + " ".join(cmd), flush=True)
        if a.arch == "x86_64":
            why = "" if self.accel == "kvm" or a.accel else f" (KVM: {kvm_why})"
            print(f"qemu-run: x86_64 guest under {self.accel.upper()}{why}", flush=True)
        start = time.monotonic()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        threading.Thread(target=self.read_console, args=(proc.stdout,),
                         daemon=True).start()
        threading.Thread(target=self.read_ctl, daemon=True).start()
        reason = None
        while proc.poll() is None:
            time.sleep(0.2)
            now = time.monotonic()
            if self.fatal:
                reason = self.fatal
            elif now - start > a.timeout:
                reason = f"timeout: the guest ran longer than {a.timeout}s"
            elif now - self.last_output > a.idle_timeout:
                reason = f"hang: no output from the guest for {a.idle_timeout}s"
            if reason:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                break
        proc.wait()
        time.sleep(0.3)  # let the reader threads drain
        elapsed = time.monotonic() - start
        if reason:
            self.problems.append(reason)
        elif proc.returncode != 0:
            self.problems.append(f"qemu exited with status {proc.returncode}")
        return self.report(elapsed)

    def report(self, elapsed):
        a = self.args
        failures = [t for st, t in self.tap if st == "not ok"]
        passed = sum(1 for st, _ in self.tap if st == "ok")
        skipped = [t for st, t in self.tap if st == "skip"]
        problems = list(self.problems)
        for word, line, ctx in self.splats:
            problems.append(f"kernel splat ({word}) on the console: {line.strip()}")
        if a.mode == "test" and self.end is None and not problems:
            problems.append("the guest did not finish the suite")
        seen = (passed, len(failures), len(skipped))
        if a.mode == "test" and self.end and self.end != seen:
            problems.append(f"guest counted {self.end}, host saw {seen}")
        if a.mode == "test" and passed + len(failures) == 0 and not problems:
            problems.append("no test ran")
        failed = len(failures) + len(problems)
        name = a.name or a.mode
        if problems or failures:
            print(f"--- {name}: failures", flush=True)
            for f in failures:
                print(f"  {f}")
            for p in problems:
                print(f"  {p}")
            for word, line, ctx in self.splats[:3]:
                print("  --- console around the report:")
                for c in [line] + ctx:
                    print(f"  | {c}")
            if not self.splats and (self.problems or failures) and not self.echo_console:
                print("  --- last console lines:")
                for c in self.console_tail[-25:]:
                    print(f"  | {c}")
            if a.log:
                print(f"  full console log: {a.log}")
        print(f"{name}: {passed} passed, {failed} failed, {len(skipped)} skipped "
              f"({elapsed:.0f}s)", flush=True)
        if a.results:
            with open(a.results, "w") as f:
                json.dump({"name": name, "passed": passed, "failed": failed,
                           "skipped": len(skipped), "skips": skipped,
                           "tap": [t for _, t in self.tap],
                           "failures": failures + problems,
                           "seconds": round(elapsed, 1)}, f, indent=1)
        shutil.rmtree(self.tmp, ignore_errors=True)
        return 1 if failed else 0


# Whether QEMU can run an x86-64 guest under KVM here, at a speed that
# makes it worth it: the kernel to boot must print its banner on the serial
# console within KVM_TRIAL seconds (TCG takes about one). Tried once per host
# boot and remembered in /tmp. Some nested hypervisors create the vCPU and
# then run the guest so slowly (every page-table write of the guest trapped)
# that a kernel does not get past its decompressor in minutes. -cpu host
# passes the host's CPU through, except the IA32_ARCH_CAPABILITIES MSR,
# which some nested hypervisors refuse to set ("failed to set MSR 0x10a").
KVM_CPU = "host,-arch-capabilities"
KVM_TRIAL = 20
kvm_why = ""


def kvm_works(kernel):
    global kvm_why
    cache = "/tmp/qemu-run-kvm-%s" % os.getuid()
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            boot = f.read().strip()
    except OSError:
        boot = "unknown"
    try:
        with open(cache) as f:
            word, seen, why = f.read().rstrip("\n").split(" ", 2)
        if seen == boot:
            kvm_why = why
            return word == "yes"
    except (OSError, ValueError):
        pass
    ok, kvm_why = False, "/dev/kvm cannot be opened"
    if os.access("/dev/kvm", os.R_OK | os.W_OK):
        kvm_why = f"no kernel banner within {KVM_TRIAL}s under KVM"
        p = subprocess.Popen(["qemu-system-x86_64", "-machine", "q35",
                              "-accel", "kvm", "-cpu", KVM_CPU, "-m", "512M",
                              "-kernel", kernel, "-append",
                              "console=ttyS0 panic=-1", "-display", "none",
                              "-serial", "stdio", "-monitor", "none",
                              "-no-reboot", "-nic", "none"],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put(l) for l in p.stdout],
                         daemon=True).start()
        end = time.monotonic() + KVM_TRIAL
        while time.monotonic() < end and not ok:
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                if p.poll() is not None:
                    kvm_why = "QEMU exited under KVM"
                    break
                continue
            if b"Linux version" in line:
                ok, kvm_why = True, "works"
        p.kill()
        p.wait()
    try:
        with open(cache, "w") as f:
            f.write("%s %s %s\n" % ("yes" if ok else "no", boot, kvm_why))
    except OSError:
        pass
    return ok


def x86_accel(accel, cpu, kernel):
    """-accel and -cpu for an x86-64 guest: KVM if it works, else TCG."""
    if accel:
        return accel, cpu or ("max" if accel.startswith("tcg") else KVM_CPU)
    if kvm_works(kernel):
        return "kvm", cpu or KVM_CPU
    return "tcg,thread=multi", cpu or "max"


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--arch", default="arm64", choices=["arm64", "x86_64"])
    p.add_argument("--kernel", required=True, help="arm64 Image or x86 bzImage")
    p.add_argument("--initrd", required=True, help="initramfs cpio")
    p.add_argument("--mode", default="test", choices=["test", "demo", "shell"])
    p.add_argument("--name", help="name of this run in the summary")
    p.add_argument("--suite", help="guest suite directory (default: suite)")
    p.add_argument("--only", help="run only guest scripts matching this")
    p.add_argument("--skip", help="leave out guest scripts matching this")
    p.add_argument("--append", default="", help="extra kernel command line")
    p.add_argument("--qemu", help="QEMU binary (default: by --arch)")
    p.add_argument("--cpu", help="QEMU -cpu (default: by --arch and accelerator)")
    p.add_argument("--smp", type=int, default=2)
    p.add_argument("--accel",
                   help="QEMU -accel (arm64: tcg,thread=multi; x86_64: kvm "
                        "where it works, else tcg; tcg,thread=single for -icount)")
    p.add_argument("--boot-mem", default="1G")
    p.add_argument("--max-mem", default="4G")
    p.add_argument("--vmem-size", default="512M",
                   help="virtio-mem requested size ('' for no device)")
    p.add_argument("--vmem-max", default="1G", help="virtio-mem region size")
    p.add_argument("--vmem-block-size",
                   help="virtio-mem device block size (default: QEMU's, 2 MiB); "
                        "larger than a memory block, virtio-mem adds whole "
                        "device blocks at once")
    p.add_argument("--timeout", type=int, default=900)
    p.add_argument("--idle-timeout", type=int, default=300)
    p.add_argument("--log", help="write the console here")
    p.add_argument("--results", help="write a JSON summary here")
    p.add_argument("--out", help="write the guest's OUT lines (data) here")
    p.add_argument("--plugin", help="load this TLBI plugin (tlbi-plugin.so)")
    p.add_argument("--verbose", "-v", action="store_true")
    p.add_argument("qemu_extra", nargs="*", help="extra QEMU arguments (after --)")
    args = p.parse_args()
    if args.mode == "shell":
        # Interactive: console and QEMU monitor on this terminal (Ctrl-A X).
        cmd = Run(args).cmdline()
        i = cmd.index("-serial")
        cmd[i:i + 4] = ["-serial", "mon:stdio"]
        os.execvp(cmd[0], cmd)
    sys.exit(Run(args).run())


if __name__ == "__main__":
    main()
