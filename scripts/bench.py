#!/usr/bin/env python3
"""make bench: what offline_depopulated costs and saves, against the alternatives.

Boots the patched kernel four times with scripts/qemu-run.py and the guest
suite tests/guest/bench (memhp_bench + the depop_bench module), each with
5 GiB of RAM of which mem=1G leaves 4 GiB (32 blocks of 128 MiB at
0x80000000) to be hot-added as driver-managed System RAM, and no virtio-mem:

  full       rodata=full, wall clock (multi-threaded TCG): every cycle for
             1 block, 20 rounds; plain, depopulate (range API) and remove
             cycles for 2..32 blocks; TLBI/DC windows; the cache clean
             alone; meminfo deltas
  icount     rodata=full, guest time from the instruction count (-icount
             shift=0, single-threaded TCG): the same cycles, deterministic
  rodata-on  rodata=on (block mappings), instruction count: 1 and 32
             blocks; TLBI windows; meminfo deltas
  cpu-max    -cpu max (FEAT_TLBIRANGE): TLBI windows only

A QEMU TCG plugin (scripts/bench/tlbi-plugin.c, built here) counts the TLBI
and DC instructions between markers the guest program executes.

Writes OUT/results.json, OUT/benchmark.md and OUT/benchmark.png, and with
--docs DIR also DIR/benchmark-VARIANT.md, DIR/benchmark-VARIANT.png and
DIR/results-VARIANT.json. Exits non-zero if a boot failed (not if a target
is missed: that is a result).
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BLOCK = 128 << 20
WITHHELD = "mem=1G"

FULL_KNOBS = ["harness.bench_ns=1,2,4,8,16,32", "harness.bench_reps=20",
              "harness.bench_budget=15", "harness.bench_minreps=5",
              "harness.bench_mem=32", "harness.bench_tlb=1,32",
              "harness.bench_dc=1,32"]
BOOTS = {
    # wall clock, multi-threaded TCG: what the host really spends
    "full": FULL_KNOBS,
    # guest time from the instruction count (-icount shift=0: 1 ns per
    # instruction, single-threaded TCG): deterministic, host load does not
    # matter; TLBI/DC cost as much as any other instruction
    "icount": ["harness.bench_ns=1,2,4,8,16,32", "harness.bench_reps=20",
               "harness.bench_budget=4", "harness.bench_minreps=5",
               "harness.bench_mem=0", "harness.bench_tlb=",
               "harness.bench_dc=1"],
    "rodata-on": ["rodata=on", "harness.bench_ns=1,32", "harness.bench_reps=20",
                  "harness.bench_budget=3", "harness.bench_minreps=5",
                  "harness.bench_mem=32", "harness.bench_tlb=1",
                  "harness.bench_dc="],
    # TLBI count only, on a CPU model with FEAT_TLBIRANGE (range TLBIs)
    "cpu-max": ["harness.bench_ns=1", "harness.bench_reps=1",
                "harness.bench_mem=0", "harness.bench_tlb=1", "harness.bench_dc="],
}
QUICK = {
    "full": ["harness.bench_ns=1,4,32", "harness.bench_reps=3",
             "harness.bench_budget=5", "harness.bench_minreps=2",
             "harness.bench_mem=32", "harness.bench_tlb=1", "harness.bench_dc=1"],
    "icount": ["harness.bench_ns=1,4,32", "harness.bench_reps=3",
               "harness.bench_budget=5", "harness.bench_minreps=2",
               "harness.bench_mem=0", "harness.bench_tlb=", "harness.bench_dc=1"],
    "rodata-on": ["rodata=on", "harness.bench_ns=1,32", "harness.bench_reps=3",
                  "harness.bench_budget=5", "harness.bench_minreps=2",
                  "harness.bench_mem=32", "harness.bench_tlb=1",
                  "harness.bench_dc="],
    "cpu-max": ["harness.bench_ns=1", "harness.bench_reps=1",
                "harness.bench_mem=0", "harness.bench_tlb=1", "harness.bench_dc="],
}
CPU = {"cpu-max": "max"}
ICOUNT = {"icount", "rodata-on"}
BOOT_LABEL = {"full": "rodata=full, wall clock",
              "icount": "rodata=full, instruction count",
              "rodata-on": "rodata=on, instruction count",
              "cpu-max": "rodata=full, -cpu max"}
# memhp_bench window numbers (tests/progs/memhp_bench.c part_name[])
PART_NAMES = ["offline", "online", "teardown", "rebuild", "offline_depopulated",
              "online_from_depopulated", "teardown_api", "rebuild_api",
              "remove", "add"]


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True,
                              timeout=20).stdout.strip()
    except Exception:
        return ""


def kernel_config(kernel):
    """A short description of the kernel's .config (KOBJ/arch/arm64/boot/Image)."""
    kobj = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.dirname(os.path.abspath(kernel)))))
    cfg = os.path.join(kobj, ".config")
    if not os.path.exists(cfg):
        return ""
    text = open(cfg).read()
    flags = [f for f in ("PROVE_LOCKING", "DEBUG_VM", "DEBUG_LIST", "KASAN")
             if f"CONFIG_{f}=y" in text]
    config = ("debug options: " + ", ".join(flags)) if flags else "no lockdep/DEBUG_VM"
    if "CONFIG_ARM64_TLB_RANGE=y" not in text:
        config += "; ARM64_TLB_RANGE not set"
    return config


def build_plugin(out):
    so = os.path.join(out, "tlbi-plugin.so")
    src = os.path.join(TOP, "scripts/bench/tlbi-plugin.c")
    if not os.path.exists(so) or os.path.getmtime(so) < os.path.getmtime(src):
        subprocess.run(["gcc", "-O2", "-Wall", "-shared", "-fPIC", "-o", so, src],
                       check=True)
    return so


def boot(args, name, plugin):
    out = args.out
    data = os.path.join(out, f"{name}.data")
    tlbi = os.path.join(out, f"{name}.tlbi")
    log = os.path.join(TOP, "build/logs", f"bench-{args.variant}-{name}.console.log")
    knobs = (QUICK if args.quick else BOOTS)[name]
    cmd = [sys.executable, os.path.join(TOP, "scripts/qemu-run.py"),
           "--kernel", args.kernel, "--initrd", args.initrd,
           "--name", f"bench-{name}", "--suite", "bench",
           "--cpu", CPU.get(name, "cortex-a57"),
           "--accel", "tcg,thread=single" if name in ICOUNT else "tcg,thread=multi",
           "--boot-mem", "5G", "--max-mem", "8G", "--vmem-size", "",
           "--append", " ".join([WITHHELD] + knobs),
           "--timeout", str(args.timeout), "--log", log, "--out", data,
           "--", "-plugin", plugin, "-d", "plugin", "-D", tlbi]
    if name in ICOUNT:
        cmd += ["-icount", "shift=0"]
    print(f"=== bench {name}: {' '.join(knobs)}", flush=True)
    load0 = os.getloadavg()
    t0 = time.monotonic()
    rc = subprocess.run(cmd).returncode
    secs = time.monotonic() - t0
    return {"name": name, "rc": rc, "seconds": round(secs, 1),
            "append": " ".join([WITHHELD] + knobs),
            "host_load": [round(load0[0], 2), round(os.getloadavg()[0], 2)],
            "data": parse_data(data), "tlbi": parse_tlbi(data, tlbi)}


def parse_data(path):
    d = {"info": {}, "bench": [], "mem": [], "dc": []}
    if not os.path.exists(path):
        return d
    for line in open(path):
        tag, _, rest = line.strip().partition(" ")
        try:
            if tag == "INFO":
                m = re.search(r'"kernel":"([^"]*)"', rest)
                if m:
                    d["info"]["kernel"] = m.group(1)
                d["info"].update(json.loads(rest))
            elif tag == "BENCH":
                d["bench"].append(json.loads(rest))
            elif tag == "MEM":
                d["mem"].append(json.loads(rest))
            elif tag == "DC":
                d["dc"].append(json.loads(rest))
        except json.JSONDecodeError:
            pass
    return d


def parse_tlbi(data_path, tlbi_path):
    """Zip the guest's TLBWIN lines with the plugin's TLBIWIN lines."""
    guest, host = [], []
    if os.path.exists(data_path):
        for line in open(data_path):
            w = line.split()
            if w and w[0] == "TLBWIN" and len(w) >= 5:
                guest.append((int(w[2]), w[3], int(w[4])))
    if os.path.exists(tlbi_path):
        for line in open(tlbi_path):
            w = line.split()
            if w and w[0] == "TLBIWIN":
                ops = dict(x.split("=") for x in w[2:])
                host.append((int(w[1]), {k: int(v) for k, v in ops.items()}))
    windows = {}
    ok = len(guest) == len(host) and all(g[0] == h[0] for g, h in zip(guest, host))
    for (k, part, n), (_, ops) in zip(guest, host):
        windows.setdefault(f"{part}/{n}", []).append(ops)
    return {"consistent": ok, "guest_windows": len(guest),
            "plugin_windows": len(host), "windows": windows}


def stats(values):
    v = sorted(values)
    if not v:
        return None
    q = statistics.quantiles(v, n=4) if len(v) > 1 else [v[0]] * 3
    return {"n": len(v), "median": statistics.median(v), "p25": q[0],
            "p75": q[2], "min": v[0], "max": v[-1]}


def summarize(run):
    """Per kind and block count: stats of each part, per block, in ms."""
    out = {}
    for s in run["data"]["bench"]:
        key = f'{s["kind"]}/{s["n"]}'
        e = out.setdefault(key, {"kind": s["kind"], "n": s["n"], "samples": {}})
        for part, ns in s.items():
            if part in ("kind", "n", "rep"):
                continue
            e["samples"].setdefault(part, []).append(ns / 1e6 / s["n"])
    for e in out.values():
        e["per_block_ms"] = {p: stats(v) for p, v in e["samples"].items()}
        e["rounds"] = len(e["samples"].get("total", []))
    # Paired ratios: the kinds of one round ran back to back.
    by_round = {}
    for s in run["data"]["bench"]:
        by_round.setdefault((s["n"], s["rep"]), {})[s["kind"]] = s["total"]
    ratios = {}
    for (n, _), kinds in by_round.items():
        for a, b in (("depop", "plain"), ("depop", "remove"),
                     ("depop_api", "plain"), ("depop_api", "remove"),
                     ("remove", "plain")):
            if a in kinds and b in kinds:
                ratios.setdefault(f"{a}/{b}/{n}", []).append(kinds[a] / kinds[b])
    return out, {k: stats(v) for k, v in ratios.items()}


def mem_summary(run):
    """Per-block and per-GiB memory figures from the meminfo deltas (kB)."""
    rows = run["data"]["mem"]
    if not rows:
        return None
    n = rows[0]["n"]
    med = {}
    for op in ("depopulate", "populate", "remove", "add"):
        r = [x for x in rows if x["op"] == op]
        med[op] = {k: statistics.median(x[k] for x in r)
                   for k in ("MemFree", "FreeWithPcp", "PageTables", "MemTotal")
                   if r and k in r[0]}
    kb = 1024
    gib = n * BLOCK / (1 << 30)
    depop_back = med["populate"]["PageTables"] * kb / n
    depop_back_free = -med["populate"].get("FreeWithPcp", 0) * kb / n
    removed_back = -med["add"].get("FreeWithPcp", med["add"]["MemFree"]) * kb / n
    removed_pt = med["add"]["PageTables"] * kb / n
    memmap_freed = med["remove"]["MemFree"] * kb / n
    return {
        "blocks": n,
        "median_deltas_kB": med,
        "pagetable_bytes_freed_per_GiB_depopulated":
            -med["depopulate"]["PageTables"] * kb / gib,
        "depopulated_bring_back_bytes_per_block": depop_back,
        "depopulated_bring_back_free_delta_bytes_per_block": depop_back_free,
        "removed_bring_back_bytes_per_block": removed_back,
        "removed_pagetable_bytes_per_block": removed_pt,
        "memmap_bytes_per_block_measured": memmap_freed,
        "memmap_bytes_per_block_computed": 64 * BLOCK // 4096,
        "ratio_depopulated_to_removed":
            depop_back / removed_back if removed_back else None,
    }


def tlb_summary(run):
    out = {}
    for key, wins in run["tlbi"]["windows"].items():
        keys = {k for w in wins for k in w}
        agg = {k: [w.get(k, 0) for w in wins] for k in keys}
        out[key] = {k: statistics.median(v) for k, v in agg.items()}
    return out


def ms(st, key="median"):
    return f"{st[key]:.2f}" if st else "-"


def cell(st):
    if not st:
        return "-"
    return f"{st['median']:.2f} ({st['p25']:.2f}-{st['p75']:.2f})"


def dc_median(run, n=1):
    v = [x["ns"] / 1e6 / x["n"] for x in run["data"]["dc"] if x["n"] == n]
    return statistics.median(v) if v else None


def evaluate(res):
    full = res["runs"].get("full")
    on = res["runs"].get("rodata-on")
    t = []
    for run in (res["runs"].get(k) for k in ("full", "icount", "rodata-on")):
        if not run:
            continue
        label = BOOT_LABEL[run["name"]]
        s = run["summary"]
        r = run["ratios"]
        p = s.get("plain/1", {}).get("per_block_ms", {}).get("total")
        d = s.get("depop/1", {}).get("per_block_ms", {}).get("total")
        rm = s.get("remove/1", {}).get("per_block_ms", {}).get("total")
        if p and d:
            ratio = d["median"] / p["median"]
            t.append({"target": f"depopulate cycle <= 1.10 x plain cycle, 1 block ({label})",
                      "value": f"{d['median']:.2f} / {p['median']:.2f} ms = {ratio:.2f} x "
                               f"(paired per round: {ms(r.get('depop/plain/1'))} x)",
                      "met": ratio <= 1.10})
        if d and rm:
            wins = r.get("depop/remove/1")
            t.append({"target": f"depopulate cycle < remove cycle, 1 block, every round ({label})",
                      "value": f"{d['median']:.2f} vs {rm['median']:.2f} ms; paired ratio "
                               f"median {ms(wins)}, min {ms(wins, 'min')}, max {ms(wins, 'max')}",
                      "met": bool(wins) and wins["max"] < 1})
        dc = dc_median(run) or dc_median(res["runs"].get("icount") or run)
        if d and rm and dc and run["name"] in ICOUNT:
            est = d["median"] - 2 * dc
            t.append({"target": f"(estimate) depopulate cycle without its cache maintenance ({label})",
                      "value": f"{d['median']:.2f} - 2 x {dc:.2f} ms = {est:.2f} ms vs remove "
                               f"{rm['median']:.2f}, plain {p['median']:.2f} ms", "met": None})
        ns = sorted({e["n"] for e in s.values()})
        if len(ns) > 2:
            worse = [n for n in ns
                     if s.get(f"depop_api/{n}") and s.get(f"remove/{n}") and
                     s[f"depop_api/{n}"]["per_block_ms"]["total"]["median"] >=
                     s[f"remove/{n}"]["per_block_ms"]["total"]["median"]]
            t.append({"target": f"depopulate cycle < remove cycle, 1..32 blocks, range API ({label})",
                      "value": "slower at N = " + ",".join(map(str, worse)) if worse
                      else "faster at every N", "met": not worse})
            td = {n: s[f"depop_api/{n}"]["per_block_ms"]["teardown"]["median"]
                  for n in ns if f"depop_api/{n}" in s}
            spread = max(td.values()) / min(td.values())
            t.append({"target": f"per-block teardown flat (within 20%) from 1 to 32 blocks ({label})",
                      "value": f"max/min {spread:.2f} ("
                               + ", ".join(f"{n}: {v:.2f}" for n, v in td.items()) + " ms)",
                      "met": spread <= 1.20})
    for name, run in (("rodata=full", full), ("rodata=on", on)):
        m = run and run.get("memory")
        if m and m["ratio_depopulated_to_removed"] is not None:
            t.append({"target": f"bring-back memory, depopulated <= 1/8 of removed ({name})",
                      "value": f"{m['depopulated_bring_back_bytes_per_block'] / 1024:.0f} KiB vs "
                               f"{m['removed_bring_back_bytes_per_block'] / 1024:.0f} KiB per block "
                               f"= 1/{1 / m['ratio_depopulated_to_removed']:.1f}"
                               if m["ratio_depopulated_to_removed"] else
                               f"0 KiB vs {m['removed_bring_back_bytes_per_block'] / 1024:.0f} KiB",
                      "met": m["ratio_depopulated_to_removed"] <= 1 / 8})
    for name, run in (("rodata=full", full), ("rodata=on", on),
                      ("rodata=full, -cpu max: FEAT_TLBIRANGE", res["runs"].get("cpu-max"))):
        tl = run and run.get("tlb")
        if tl and "teardown/1" in tl:
            w = tl["teardown/1"]
            t.append({"target": f"one TLB invalidation per teardown call ({name})",
                      "value": ", ".join(f"{k}={v:g}" for k, v in w.items() if k != "dc"),
                      "met": w.get("tlbi") == 1})
    return t


def plot(res, png):
    runs = [(n, res["runs"][n]) for n in ("full", "icount") if n in res["runs"]]
    if not runs or not shutil.which("gnuplot"):
        return False
    dats, panels = [], []
    for name, run in runs:
        s = run["summary"]
        dat = f"{png}.{name}.dat"
        dats.append(dat)
        with open(dat, "w") as f:
            f.write("# N plain p25 p75 depop p25 p75 remove p25 p75 teardown p25 p75\n")
            for n in sorted({e["n"] for e in s.values()}):
                row = [str(n)]
                for kind, part in (("plain", "total"), ("depop_api", "total"),
                                   ("remove", "total"), ("depop_api", "teardown")):
                    st = s.get(f"{kind}/{n}", {}).get("per_block_ms", {}).get(part)
                    row += [f"{st['median']:.3f} {st['p25']:.3f} {st['p75']:.3f}"
                            if st else "NaN NaN NaN"]
                f.write(" ".join(row) + "\n")
        what = ("wall clock, multi-threaded TCG" if name == "full"
                else "instruction count (-icount shift=0)")
        panels.append(f"""
set title '{what}'
plot '{dat}' u 1:2:3:4 w yerrorlines lw 2 t 'plain: offline, online', \\
     '' u 1:5:6:7 w yerrorlines lw 2 t 'depopulate: offline, teardown, rebuild, online', \\
     '' u 1:8:9:10 w yerrorlines lw 2 t 'remove: offline, remove, add, online', \\
     '' u 1:11:12:13 w yerrorlines lw 1 dt 2 t 'teardown alone (range API)'
""")
    title = (f"per-block cost vs blocks per operation, 128 MiB blocks "
             f"({res['variant']} kernel, QEMU TCG {res['machine']['guest_cpu']}, "
             f"{res['date'][:10]})")
    script = f"""
set terminal pngcairo size {700 * len(runs)},560 noenhanced font ",10"
set output '{png}'
set multiplot layout 1,{len(runs)} title '{title}'
set logscale x 2
set xrange [0.8:40]
set xtics (1,2,4,8,16,32)
set xlabel 'memory blocks per operation'
set ylabel 'ms per block (median, bars: p25-p75)'
set yrange [0:*]
set key below maxrows 2
set grid
""" + "".join(panels) + "unset multiplot\n"
    if os.path.exists(png):
        os.unlink(png)
    r = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
    if r.returncode:
        print(r.stderr, file=sys.stderr)
    for dat in dats:
        os.unlink(dat)
    return os.path.exists(png)


def markdown(res, png_name):
    L = []
    m = res["machine"]
    L.append(f"## Run: {res['variant']} kernel, {res['date']}")
    L.append("")
    L.append(f"- host: {m['host_cpu']}, {m['host_cpus']} CPUs, {m['host_os']}; "
             f"host load average {m['load']}")
    L.append(f"- QEMU: {m['qemu']}; TCG (multi-threaded), `-machine virt -cpu "
             f"{m['guest_cpu']} -smp 2`, 5 GiB RAM with `{WITHHELD}` "
             f"(4 GiB = 32 blocks withheld at 0x80000000), no virtio-mem")
    L.append(f"- guest kernel: {m['kernel']} ({res['variant']}: {m['config']})")
    L.append(f"- block size {BLOCK >> 20} MiB; times are per block, in ms: median "
             "(p25-p75) over the rounds; one round runs every kind back to back, in an "
             "order rotated each round")
    L.append("- boots: **wall clock** (rodata=full, multi-threaded TCG: every "
             "measurement), **instruction count** (rodata=full, `-icount shift=0`, "
             "single-threaded TCG: guest time = 1 ns per guest instruction, "
             "deterministic, independent of the host's load, but every instruction, "
             "TLBI and DC included, costs the same), rodata=on (instruction count; 1 "
             "and 32 blocks; memory; TLBI), `-cpu max` (TLBI count only)")
    L.append(f"- wall time: " + ", ".join(f"{k} boot {v['seconds']:.0f}s"
                                          for k, v in res["runs"].items()))
    L.append("")
    L.append("### Targets")
    L.append("")
    L.append("| target | measured | met |")
    L.append("|---|---|---|")
    for t in res["targets"]:
        met = "n/a" if t["met"] is None else "yes" if t["met"] else "**no**"
        L.append(f"| {t['target']} | {t['value']} | {met} |")
    for name, run in res["runs"].items():
        s = run["summary"]
        if "plain/1" not in s or name == "cpu-max":
            continue
        L.append("")
        L.append(f"### One block, {BOOT_LABEL[name]} "
                 f"({s['plain/1']['rounds']} rounds)")
        L.append("")
        L.append("| cycle | offline | teardown / remove | rebuild / add | online | total |")
        L.append("|---|---|---|---|---|---|")
        rows = [("plain (online -> offline -> online)", "plain", ["offline", None, None, "online"]),
                ("depopulate, 2 writes (online -> offline_depopulated -> online)", "depop",
                 ["offline_depopulated", None, None, "online"]),
                ("depopulate, 4 writes (offline, offline_depopulated, offline, online)",
                 "depop_parts", ["offline", "teardown", "rebuild", "online"]),
                ("depopulate, range API (sysfs offline, depopulate_/populate_range_driver_managed(), sysfs online)",
                 "depop_api", ["offline", "teardown", "rebuild", "online"]),
                ("remove (sysfs offline, offline_and_remove_memory(), add_memory_driver_managed(), sysfs online)",
                 "remove", ["offline", "remove", "add", "online"])]
        for label, kind, parts in rows:
            e = s.get(f"{kind}/1")
            if not e:
                continue
            pb = e["per_block_ms"]
            cells = [cell(pb.get(p)) if p else "" for p in parts]
            if kind == "depop":
                cells = [cell(pb.get("offline_depopulated")) + " (offline + teardown)", "", "",
                         cell(pb.get("online")) + " (rebuild + online)"]
            L.append(f"| {label} | " + " | ".join(cells) + f" | **{cell(pb.get('total'))}** |")
        dc = dc_median(run)
        if dc:
            L.append("")
            L.append(f"Cache maintenance alone: `dc civac` over one 128 MiB block "
                     f"(2,097,152 lines), as arch_depopulate_linear_map() does before "
                     f"unmapping: {dc:.2f} ms (median of 5). The rebuild does as many "
                     "`dc ivac` (dcache_inval_poc()).")
    for name in ("full", "icount"):
        run = res["runs"].get(name)
        if not run:
            continue
        s = run["summary"]
        ns = sorted({e["n"] for e in s.values()})
        L.append("")
        L.append(f"### Scaling: per-block cost vs blocks per operation ({BOOT_LABEL[name]})")
        L.append("")
        if name == "full":
            L.append(f"![per-block cost vs block count]({png_name})")
            L.append("")
        L.append("| blocks | rounds | plain cycle | depopulate cycle (API) | remove cycle | "
                 "offline | teardown | rebuild | online | remove | add |")
        L.append("|---|---|---|---|---|---|---|---|---|---|---|")
        for n in ns:
            p = s.get(f"plain/{n}", {}).get("per_block_ms", {})
            d = s.get(f"depop_api/{n}", {}).get("per_block_ms", {})
            r = s.get(f"remove/{n}", {}).get("per_block_ms", {})
            rounds = s.get(f"plain/{n}", {}).get("rounds", 0)
            L.append(f"| {n} | {rounds} | {cell(p.get('total'))} | {cell(d.get('total'))} | "
                     f"{cell(r.get('total'))} | {cell(d.get('offline'))} | "
                     f"{cell(d.get('teardown'))} | {cell(d.get('rebuild'))} | "
                     f"{cell(d.get('online'))} | {cell(r.get('remove'))} | {cell(r.get('add'))} |")
    L.append("")
    L.append("### Memory")
    L.append("")
    L.append("| boot | page tables freed per GiB depopulated | bring back a depopulated block "
             "(page tables) | bring back a removed block (memmap + page tables + metadata) | "
             "of which memmap | ratio |")
    L.append("|---|---|---|---|---|---|")
    for name, run in res["runs"].items():
        mm = run.get("memory")
        if not mm:
            continue
        ratio = mm["ratio_depopulated_to_removed"]
        L.append(f"| {'rodata=on' if name == 'rodata-on' else 'rodata=full'} | "
                 f"{mm['pagetable_bytes_freed_per_GiB_depopulated']:,.0f} B | "
                 f"{mm['depopulated_bring_back_bytes_per_block']:,.0f} B | "
                 f"{mm['removed_bring_back_bytes_per_block']:,.0f} B | "
                 f"{mm['memmap_bytes_per_block_measured']:,.0f} B | "
                 f"{'1/%.1f' % (1 / ratio) if ratio else '0'} |")
    L.append("")
    L.append("Measured over 32 blocks (4 GiB) with one range call each, median of 3: "
             "page tables from the PageTables delta of /proc/meminfo (the hot-plug "
             "linear-map tables run the page-table constructor, so they are accounted "
             "there); a removed block's cost from the free-memory delta of "
             "add_memory_driver_managed() with the blocks left offline, per-CPU free lists "
             "included (/proc/zoneinfo); memmap from the MemFree delta of the removal "
             "(the vmemmap goes back as 2 MiB pages). A depopulated block keeps its "
             f"memmap: {64 * BLOCK // 4096:,} B = 32768 struct pages x 64 B per block.")
    L.append("")
    L.append("### TLB and cache maintenance per operation (QEMU plugin, median of the windows)")
    L.append("")
    if "ARM64_TLB_RANGE not set" in m["config"]:
        L.append("The kernel has no CONFIG_ARM64_TLB_RANGE (allnoconfig leaves it off), so "
                 "even on `-cpu max` (FEAT_TLBIRANGE) a teardown's single invalidation is "
                 "`flush_tlb_all()` (`tlbi vmalle1is`, the whole TLB): 32768 pages exceed "
                 "MAX_DVM_OPS (512) and range operations are compiled out.")
        L.append("")
    L.append("| boot | operation | blocks | TLBI instructions | by type | DC by VA |")
    L.append("|---|---|---|---|---|---|")
    for name, run in res["runs"].items():
        for key, w in sorted(run.get("tlb", {}).items(),
                             key=lambda kv: (int(kv[0].split("/")[1]), kv[0])):
            part, n = key.split("/")
            types = ", ".join(f"{k} {v:g}" for k, v in sorted(w.items())
                              if k not in ("tlbi", "dc") and v)
            L.append(f"| {BOOT_LABEL.get(name, name)} | {part} | {n} | "
                     f"{w.get('tlbi', 0):g} | {types} | {w.get('dc', 0):,.0f} |")
    return "\n".join(L) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kernel", required=True)
    p.add_argument("--initrd", required=True)
    p.add_argument("--out", default=os.path.join(TOP, "build/bench"))
    p.add_argument("--variant", default="debug", help="debug or nodebug (label)")
    p.add_argument("--boots", default="full,icount,rodata-on,cpu-max")
    p.add_argument("--quick", action="store_true", help="few rounds (harness check)")
    p.add_argument("--timeout", type=int, default=900)
    p.add_argument("--docs", help="also write benchmark-VARIANT.{md,png} here")
    p.add_argument("--keep", action="store_true",
                   help="keep the other boots' runs of OUT/results.json, "
                   "re-run only those named by --boots")
    p.add_argument("--render", action="store_true",
                   help="only re-render OUT/results.json")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    os.makedirs(os.path.join(TOP, "build/logs"), exist_ok=True)
    res_path = os.path.join(args.out, "results.json")

    if args.render:
        res = json.load(open(res_path))
        for run in res["runs"].values():
            run["tlb"] = tlb_summary(run)
        if os.path.exists(args.kernel):
            res["machine"]["config"] = kernel_config(args.kernel)
        if not res["machine"].get("kernel"):
            info = parse_data(os.path.join(args.out, "full.data"))["info"]
            res["machine"]["kernel"] = info.get("kernel", "")
    else:
        plugin = build_plugin(args.out)
        config = kernel_config(args.kernel)
        cpu = re.search(r"model name\s*:\s*(.*)", open("/proc/cpuinfo").read())
        res = {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
               "variant": args.variant, "quick": args.quick,
               "machine": {"host_cpu": cpu.group(1) if cpu else platform.machine(),
                           "host_cpus": os.cpu_count(),
                           "host_os": sh(". /etc/os-release; echo $PRETTY_NAME") + ", "
                           + platform.release(),
                           "qemu": sh("qemu-system-aarch64 --version | head -1"),
                           "guest_cpu": "cortex-a57", "config": config,
                           "load": " / ".join(f"{x:.1f}" for x in os.getloadavg()),
                           "kernel": ""},
               "runs": {}}
        if args.keep and os.path.exists(res_path):
            old = json.load(open(res_path))
            res["runs"] = old["runs"]
            res["date"], res["machine"] = old["date"], old["machine"]
            res["machine"]["load"] = res["machine"]["load"].split(" -> ")[0]
        failed = []
        for name in args.boots.split(","):
            run = boot(args, name, plugin)
            run["summary"], run["ratios"] = summarize(run)
            run["memory"] = mem_summary(run)
            run["tlb"] = tlb_summary(run)
            if run["rc"]:
                failed.append(name)
            res["machine"]["kernel"] = run["data"]["info"].get("kernel", "")
            res["runs"][name] = run
        res["machine"]["load"] += " -> " + " / ".join(f"{x:.1f}" for x in os.getloadavg())
        res["failed_boots"] = failed
    res["targets"] = evaluate(res)
    # Samples stay in the JSON; drop them from the summary to keep it readable.
    for run in res["runs"].values():
        for e in run["summary"].values():
            e.pop("samples", None)
    with open(res_path, "w") as f:
        json.dump(res, f, indent=1)
    png = os.path.join(args.out, "benchmark.png")
    plot(res, png)
    md = markdown(res, "benchmark.png")
    with open(os.path.join(args.out, "benchmark.md"), "w") as f:
        f.write(md)
    if args.docs:
        os.makedirs(args.docs, exist_ok=True)
        v = args.variant
        with open(os.path.join(args.docs, f"benchmark-{v}.md"), "w") as f:
            f.write(markdown(res, f"benchmark-{v}.png"))
        if os.path.exists(png):
            shutil.copy(png, os.path.join(args.docs, f"benchmark-{v}.png"))
        shutil.copy(res_path, os.path.join(args.docs, f"results-{v}.json"))
    print()
    print(md)
    print(f"results: {res_path}, {os.path.join(args.out, 'benchmark.md')}, {png}")
    failed = res.get("failed_boots", [])
    if failed:
        print(f"bench: boot(s) failed: {', '.join(failed)} (see build/logs/bench-*)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
