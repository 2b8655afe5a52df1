#!/usr/bin/env python3
"""Summarises cargo's build timing report (`cargo build --timings`), as docs/build-times.md
quotes it: the build's wall time and units, the longest units, and the time during which
fewer units ran than the machine has cores, with the units that ran then.

    scripts/build-timings.py target/cargo-timings/cargo-timing-<stamp>.html [--top 12]
"""
import argparse
import json
import os
import re
import sys


def units(path):
    html = open(path, encoding="utf-8").read()
    found = re.search(r"const UNIT_DATA = (\[.*?\]);\n", html, re.S)
    if not found:
        sys.exit(f"{path}: no UNIT_DATA (not a cargo timing report?)")
    return json.loads(found.group(1))


def label(unit):
    target = unit.get("target", "").strip()
    return f"{unit['name']} {target}".strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report")
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    data = units(args.report)
    end = max(u["start"] + u["duration"] for u in data)
    busy = sum(u["duration"] for u in data)
    print(f"{len(data)} units, {end:.0f} s wall, {busy:.0f} s summed over units")
    print(f"\nlongest {args.top} units (s: start, duration):")
    for u in sorted(data, key=lambda u: -u["duration"])[: args.top]:
        print(f"  {label(u):48s} {u['start']:7.0f} {u['duration']:7.1f}")
    # Under-used time: the intervals in which fewer units ran than the machine has cores, and
    # the units that ran in them (a build script compiling C with the jobserver, such as
    # binaryen's, may use more than one core while it is the only unit running).
    edges = sorted({0.0, end} | {u["start"] for u in data} | {u["start"] + u["duration"] for u in data})
    idle = 0.0
    alone = {}
    for left, right in zip(edges, edges[1:]):
        mid = (left + right) / 2
        running = [u for u in data if u["start"] <= mid < u["start"] + u["duration"]]
        if len(running) < args.cores:
            idle += right - left
            for u in running:
                alone[label(u)] = alone.get(label(u), 0.0) + right - left
    print(f"\n{idle:.0f} s with fewer than {args.cores} units running; the units running then:")
    for name, seconds in sorted(alone.items(), key=lambda kv: -kv[1]):
        if seconds >= 1:
            print(f"  {name:48s} {seconds:7.0f} s")

if __name__ == "__main__":
    main()
