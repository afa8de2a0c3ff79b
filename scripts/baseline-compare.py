#!/usr/bin/env python3
"""Compare the guest tests on the kernel without the series with the list of
tests that check baseline behaviour (make test-baseline).

Every guest assertion is in one of two groups:
  baseline  it checks what the kernel does without the series (a plain
            offline/online cycle, virtio-mem resizing, lsmem...): it must
            pass on the unpatched kernel. These are listed in
            tests/baseline.txt, one "BOOT<TAB>DESCRIPTION" per line.
  feature   every other assertion: it claims to check offline_depopulated,
            withheld_ram or memctl's support for them, so it must fail (or not
            run at all) on the unpatched kernel.
The patched kernel's results of the last `make test` (build/logs/*.json), if
present, give the size of the feature group.

Exit status 0 when every baseline test passed and no other test passed on
the unpatched kernel, 1 otherwise. --write prints the tests that passed, in
the format of tests/baseline.txt, to start or review the list.
"""

import argparse
import glob
import json
import os
import re
import sys

TAP = re.compile(r"^(not ok|ok) \d+ - (.*)$")


def results(path):
    """{(boot, description): "ok" | "not ok" | "skip"} of one JSON file."""
    with open(path) as f:
        doc = json.load(f)
    out = {}
    for line in doc.get("tap", []):
        m = TAP.match(line)
        if not m:
            continue
        status, desc = m.groups()
        if status == "ok" and re.search(r" #\s*SKIP\b", desc, re.I):
            status = "skip"
        desc = re.split(r" # ", desc, 1)[0] if status != "ok" else desc
        out[(doc["name"], desc.strip())] = status
    return out


def load_dir(path):
    out = {}
    for f in sorted(glob.glob(os.path.join(path, "guest-*.json"))):
        out.update(results(f))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--expect", required=True, help="tests/baseline.txt")
    p.add_argument("--baseline", required=True, help="directory of the baseline JSON results")
    p.add_argument("--patched", help="directory of the patched kernel's JSON results")
    p.add_argument("--write", action="store_true", help="print the passing tests")
    a = p.parse_args()

    base = load_dir(a.baseline)
    if not base:
        print(f"baseline: no results in {a.baseline}")
        return 1
    if a.write:
        for (boot, desc), st in sorted(base.items()):
            if st == "ok":
                print(f"{boot}\t{desc}")
        return 0

    expect = set()
    with open(a.expect) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            boot, desc = line.split("\t", 1)
            expect.add((boot, desc))

    patched = load_dir(a.patched) if a.patched else {}
    bad = 0

    passed = [k for k in sorted(expect) if base.get(k) == "ok"]
    missing = [k for k in sorted(expect) if k not in base]
    failed = [k for k in sorted(expect) if k in base and base[k] != "ok"]
    print(f"baseline group (tests/baseline.txt): {len(expect)} tests, "
          f"{len(passed)} pass on the unpatched kernel")
    for k in failed:
        bad += 1
        print(f"  FAIL: baseline test did not pass: {k[0]}: {k[1]} ({base[k]})")
    for k in missing:
        bad += 1
        print(f"  FAIL: baseline test did not run: {k[0]}: {k[1]}")

    unexpected = [k for k, st in sorted(base.items()) if st == "ok" and k not in expect]
    for k in unexpected:
        bad += 1
        print(f"  FAIL: passes without the feature, but is not a baseline test: "
              f"{k[0]}: {k[1]}")

    if patched:
        feature = [k for k in patched if k not in expect]
        not_passing = [k for k in feature if base.get(k) != "ok"]
        ran = [k for k in feature if k in base]
        print(f"feature group (every other test of the last make test): "
              f"{len(feature)} tests, {len(not_passing)} fail on the unpatched kernel "
              f"({len(ran)} ran there and failed or were skipped, "
              f"{len(feature) - len(ran)} did not run)")
        stale = [k for k in expect if k not in patched]
        for k in stale:
            print(f"  note: listed baseline test not in the patched results: {k[0]}: {k[1]}")
        per = {}
        for k in patched:
            grp = "baseline" if k in expect else "feature"
            per.setdefault(k[0], {"baseline": 0, "feature": 0})[grp] += 1
        for boot in sorted(per):
            print(f"  {boot:24} {per[boot]['baseline']:4} baseline, "
                  f"{per[boot]['feature']:4} feature")
    else:
        print("feature group: no results of the patched kernel (run make test first)")

    print(f"baseline: {'ok' if not bad else f'{bad} problems'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
