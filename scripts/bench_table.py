#!/usr/bin/env python3
"""Prints BENCHMARKS.md's tables from criterion's latest results (target/criterion).

Every benchmark named `<workload>/orm` next to a `<workload>/raw` becomes one row: both means with
criterion's 95 % intervals, and the ratio toolkit / raw with the ratio of the interval ends as a
conservative interval. Where a `<workload>/seaorm` is there too (the `seaorm` benchmark), the row
goes to a second table with SeaORM's mean and the ratio toolkit / SeaORM as well, and Diesel's
(`<workload>/diesel`, SQLite only) where it ran. Benchmarks without such a pair are listed on their
own.

    python3 scripts/bench_table.py [target/criterion]
"""
import json
import os
import sys


def mean(path):
    with open(os.path.join(path, "new", "estimates.json")) as f:
        m = json.load(f)["mean"]
    ci = m["confidence_interval"]
    return m["point_estimate"], ci["lower_bound"], ci["upper_bound"]


def fmt(ns):
    for limit, div, unit in ((1e3, 1, "ns"), (1e6, 1e3, "µs"), (1e9, 1e6, "ms")):
        if ns < limit:
            return f"{ns / div:.0f} {unit}" if unit == "µs" and ns >= 1e5 else f"{ns / div:.2f} {unit}"
    return f"{ns / 1e9:.2f} s"


def cell(m):
    return f"{fmt(m[0])} [{fmt(m[1])}–{fmt(m[2])}]"


def ratio(a, b):
    return f"{a[0] / b[0]:.2f} [{a[1] / b[2]:.2f}–{a[2] / b[1]:.2f}]"


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "target/criterion"
    print("| group | workload | toolkit | raw driver | ratio |")
    print("|---|---|---|---|---|")
    singles = []
    three_way = []
    for group in sorted(os.listdir(root)):
        gdir = os.path.join(root, group)
        if not os.path.isdir(gdir) or group == "report":
            continue
        names = sorted(n for n in os.listdir(gdir) if os.path.isdir(os.path.join(gdir, n, "new")))
        for name in names:
            base = name[:-4]
            if name.endswith("_orm") and base + "_raw" in names:
                orm, raw = mean(os.path.join(gdir, name)), mean(os.path.join(gdir, base + "_raw"))
                if base + "_seaorm" in names:
                    sea = mean(os.path.join(gdir, base + "_seaorm"))
                    diesel = mean(os.path.join(gdir, base + "_diesel")) if base + "_diesel" in names else None
                    d_cell, d_ratio = (cell(diesel), ratio(orm, diesel)) if diesel else ("–", "–")
                    three_way.append(f"| {group} | {base} | {cell(orm)} | {cell(sea)} | {cell(raw)} | {d_cell} | {ratio(orm, sea)} | {ratio(orm, raw)} | {d_ratio} |")
                else:
                    print(f"| {group} | {base} | {cell(orm)} | {cell(raw)} | {ratio(orm, raw)} |")
            elif not any(name.endswith(side) for side in ("_orm", "_raw", "_seaorm", "_diesel")):
                singles.append((group, name, mean(os.path.join(gdir, name))))
    if three_way:
        print()
        print("| group | workload | toolkit | SeaORM | raw sqlx | Diesel | toolkit / SeaORM | toolkit / raw | toolkit / Diesel |")
        print("|---|---|---|---|---|---|---|---|---|")
        print("\n".join(three_way))
    if singles:
        print()
        print("| group | benchmark | mean |")
        print("|---|---|---|")
        for group, name, m in singles:
            print(f"| {group} | {name} | {cell(m)} |")


if __name__ == "__main__":
    main()
