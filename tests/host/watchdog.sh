#!/bin/bash
# The console watchdog of scripts/qemu-run.py recognises kernel reports and
# ignores look-alikes printed by user space.
cd "$(dirname "$0")/../.." || exit 1
python3 - <<'PY'
import importlib.util

spec = importlib.util.spec_from_file_location("qr", "scripts/qemu-run.py")
qr = importlib.util.module_from_spec(spec)
spec.loader.exec_module(qr)

cases = [
    ("[   12.345678] WARNING: CPU: 1 PID: 77 at mm/memory_hotplug.c:1 x+0x0/0x4", "WARNING:"),
    ("[    3.100000] BUG: sleeping function called from invalid context", "BUG:"),
    ("[    3.100000] Internal error: Oops: 0000000096000006 [#1] SMP", "Internal error:"),
    ("[    9.000000] Unable to handle kernel paging request at virtual address ffff0000", "Unable to handle kernel"),
    ("[    1.000000] WARNING: possible circular locking dependency detected", "WARNING:"),
    ("[    1.000000] BUG: KASAN: slab-use-after-free in foo+0x1/0x2", "BUG:"),
    ("[    1.000000] INFO: task kworker/0:1:12 blocked for more than 120 seconds.", "INFO: task .* blocked"),
    ("[    1.000000] Kernel panic - not syncing: Attempted to kill init!", "Kernel panic"),
    ("ok 4 - WARNING: printed by a test, not by the kernel", None),
    ("[    0.000000] Lock dependency validator: Copyright (c) 2006 Red Hat", None),
    ("[    5.000000] virtio_mem virtio0: plugged size: 0x20000000", None),
    ("[    5.000000] Memory failure: recovered", None),
]
n = 0
for line, want in cases:
    n += 1
    got = qr.find_splat(line)
    want_kind = want is not None
    status = "ok" if (got is not None) == want_kind else "not ok"
    print(f"{status} {n} - {'flags' if want_kind else 'ignores'}: {line[15:70]}")
for text, want in [("512M", 512 << 20), ("1G", 1 << 30), ("4096", 4096), ("2GiB", 2 << 30)]:
    n += 1
    print(f"{'ok' if qr.parse_size(text) == want else 'not ok'} {n} - parse_size {text}")
print(f"1..{n}")
PY
