#!/bin/bash
# The console watchdog of scripts/qemu-run.py: it recognises kernel reports
# by the right keyword, ignores look-alikes printed by user space, stops the
# run at once on a fault retried for ever, and flags a message storm while
# letting the busiest normal traffic through.
cd "$(dirname "$0")/../.." || exit 1
python3 - <<'PY'
import importlib.util

spec = importlib.util.spec_from_file_location("qr", "scripts/qemu-run.py")
qr = importlib.util.module_from_spec(spec)
spec.loader.exec_module(qr)

n = 0


def t(desc, cond, why=""):
    global n
    n += 1
    print(f"{'ok' if cond else 'not ok'} {n} - {desc}{'' if cond else ' # ' + why}")


cases = [
    ("[   12.345678] WARNING: CPU: 1 PID: 77 at mm/memory_hotplug.c:1 x+0x0/0x4", "WARNING:"),
    ("[    3.100000] BUG: sleeping function called from invalid context", "BUG:"),
    ("[    3.100000] Internal error: Oops: 0000000096000006 [#1] SMP", "Internal error:"),
    ("[    9.000000] Unable to handle kernel paging request at virtual address ffff0000", "Unable to handle kernel"),
    ("[    1.000000] WARNING: possible circular locking dependency detected", "WARNING:"),
    ("[    1.000000] BUG: KASAN: slab-use-after-free in foo+0x1/0x2", "BUG:"),
    ("[    1.000000] ==================================================================KASAN", "KASAN"),
    ("[    1.000000] INFO: task kworker/0:1:12 blocked for more than 120 seconds.", "INFO: task kworker/0:1:12 blocked"),
    ("[    1.000000] Kernel panic - not syncing: Attempted to kill init!", "Kernel panic"),
    ("[    1.000000] UBSAN: shift-out-of-bounds in mm/x.c:1:2", "UBSAN"),
    ("[   44.000000] Huh VM_FAULT_OOM leaked out to the #PF handler. Retrying PF", "VM_FAULT_OOM leaked out"),
    ("ok 4 - WARNING: printed by a test, not by the kernel", None),
    ("[    0.000000] Lock dependency validator: Copyright (c) 2006 Red Hat", None),
    ("[    5.000000] virtio_mem virtio0: plugged size: 0x20000000", None),
    ("[    5.000000] Memory failure: recovered", None),
]
for line, want in cases:
    got = qr.find_splat(line)
    if want is None:
        t(f"ignores: {line[15:70]}", got is None, f"flagged as {got!r}")
    else:
        t(f"flags {want!r}: {line[15:70]}", got == want, f"got {got!r}")

t("VM_FAULT_OOM leaked out stops the run at once",
  qr.FATAL.search("[   44.0] Huh VM_FAULT_OOM leaked out to the #PF handler. Retrying PF") is not None)
t("a WARNING does not stop the run (the suite goes on)",
  qr.FATAL.search("[   12.3] WARNING: CPU: 1 PID: 77 at x.c:1") is None)

# Storms: time is simulated, one call per console line.
w = qr.StormWatch()
storm = None
for i in range(qr.STORM_SECONDS * 50):              # 50 per second
    storm = storm or w.add(f"[ {i / 50:10.6f}] unmap_hotplug_pte_range: entry {i:x}", i / 50)
t("a message at 50/s for the storm window is a storm", storm is not None)
w = qr.StormWatch()
storm = None
for i in range(qr.STORM_SECONDS * 6):                # 6 per second
    storm = storm or w.add(f"[ {i / 6:10.6f}] Offlined Pages 32768", i / 6)
t("'Offlined Pages' at 6/s for the whole window is not a storm", storm is None, storm)
w = qr.StormWatch()
storm = None
for i in range(qr.STORM_SECONDS * 100 // 2):         # a burst, then quiet
    storm = storm or w.add(f"[ {i / 100:10.6f}] virtio_mem: burst", i / 100)
for i in range(1000):
    storm = storm or w.add(f"[ {60 + i / 10:10.6f}] quiet line {i}", 60 + i / 10)
t("a one-minute burst followed by silence is not a storm", storm is None, storm)
storm = None
w = qr.StormWatch()
for i in range(qr.STORM_SECONDS * 50):
    storm = storm or w.add(f"ok {i} - user space line at 50/s", i / 50)
t("user-space lines (no kernel timestamp) are never a storm", storm is None, storm)

for text, want in [("512M", 512 << 20), ("1G", 1 << 30), ("4096", 4096), ("2GiB", 2 << 30)]:
    t(f"parse_size {text}", qr.parse_size(text) == want)
print(f"1..{n}")
PY
