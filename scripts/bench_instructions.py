#!/usr/bin/env python3
"""Counts the instructions of every workload of orm_tests::compare on SQLite in memory, for the
toolkit, SeaORM, hand-written sqlx and Diesel (SQLite only), with callgrind (repeatable on a shared machine, unlike time).

Each (contender, workload) runs twice under callgrind, `base` runs and `base + extra` runs, with
the same rows prepared beforehand; the difference over `extra` is the instructions of one run,
every setup cost (process start, connecting, seeding, building rows) cancelled out.

    cargo build --release -p orm-tests --example instructions
    python3 scripts/bench_instructions.py [--repeat N] [--url URL] [workload ...]

Prints a Markdown table: instructions per run and the toolkit's ratios to the others.
With --repeat N every count is taken N times and the table shows the range. With --url the
workloads run on that database (PostgreSQL or MySQL/MariaDB; its users and posts tables are
dropped and seeded afresh by every count) and the counts are the client's instructions only:
the server's work is the same statements for every side and is not in them.
"""
import os
import re
import subprocess
import sys

BINARY = os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "release", "examples", "instructions")
SIDES = ["orm", "seaorm", "raw", "diesel"]
NAMES = {"orm": "toolkit", "seaorm": "SeaORM", "raw": "raw sqlx", "diesel": "Diesel"}
# (workload, base runs, extra runs): enough extra runs that one run's share is well above noise.
WORKLOADS = [
    ("select_by_key", 2, 40),
    ("filtered_limit_20", 2, 20),
    ("decode_1000", 1, 10),
    ("eager_1000", 1, 8),
    ("insert_one", 2, 40),
    ("update_many", 1, 10),
    ("bulk_insert_10000", 1, 2),
    ("tx_10_inserts", 2, 10),
]
# On a server the client's share of a small workload is tens of thousands of instructions, where
# the async runtime's wake-ups move a count by thousands: more extra runs there.
SERVER_EXTRA = {"select_by_key": 150, "filtered_limit_20": 100, "insert_one": 150, "update_many": 100, "tx_10_inserts": 40, "decode_1000": 20}


URL = []


def count(side, workload, runs, prepared):
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", BINARY, side, workload, str(runs), str(prepared)] + URL
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stderr}")
    found = re.search(r"Collected : (\d+)", done.stderr)
    if not found:
        sys.exit(f"no instruction count in callgrind's output:\n{done.stderr}")
    return int(found.group(1))


def per_run(side, workload, base, extra):
    prepared = base + extra
    return (count(side, workload, base + extra, prepared) - count(side, workload, base, prepared)) / extra


def fmt(n):
    return f"{n / 1e6:.2f} M" if n >= 1e6 else f"{n / 1e3:.1f} k"


def main():
    args = sys.argv[1:]
    repeat = 1
    if args[:1] == ["--repeat"]:
        repeat, args = int(args[1]), args[2:]
    if args[:1] == ["--url"]:
        URL.append(args[1])
        args = args[2:]
    if not os.path.exists(BINARY):
        sys.exit(f"{BINARY} is missing: cargo build --release -p orm-tests --example instructions")
    chosen = [w for w in WORKLOADS if not args or w[0] in args]
    # Diesel runs on SQLite only.
    sides = [s for s in SIDES if s != "diesel" or not URL or URL[0].startswith("sqlite")]
    others = sides[1:]
    print("| workload | " + " | ".join(NAMES[s] for s in sides) + " | " + " | ".join(f"toolkit / {NAMES[s]}" for s in others) + " |")
    print("|---|" + "---|" * (len(sides) + len(others)))
    for workload, base, extra in chosen:
        if URL and not URL[0].startswith("sqlite"):
            extra = SERVER_EXTRA.get(workload, extra)
        counts = {side: [per_run(side, workload, base, extra) for _ in range(repeat)] for side in sides}
        lo = {s: min(v) for s, v in counts.items()}
        hi = {s: max(v) for s, v in counts.items()}

        def cell(side):
            return fmt(lo[side]) if lo[side] == hi[side] or repeat == 1 else f"{fmt(lo[side])}–{fmt(hi[side])}"

        def ratio(other):
            a, b = lo["orm"] / hi[other], hi["orm"] / lo[other]
            return f"{a:.2f}" if repeat == 1 or f"{a:.2f}" == f"{b:.2f}" else f"{a:.2f}–{b:.2f}"

        print(f"| {workload} | " + " | ".join(cell(s) for s in sides) + " | " + " | ".join(ratio(s) for s in others) + " |", flush=True)


if __name__ == "__main__":
    main()
