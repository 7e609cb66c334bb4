#!/usr/bin/env python3
"""Turns criterion's saved estimates into BENCHMARKS.md's tables (no hand-copied figures).

Reads target/criterion/<group>/<function>/new/{benchmark,estimates}.json, which `cargo bench`
(package pqpsk-bench) leaves behind, and prints one Markdown table per kind of group: the median
of each implementation (column names are criterion's function names, exactly as the bench files
spell them) and pqpsk's median divided by each other implementation's, from the same run.

    python3 benches/table.py                 # print the tables
    python3 benches/table.py --write         # replace them in BENCHMARKS.md
    python3 benches/table.py --criterion DIR # another criterion directory

With --write, the text between the markers `<!-- bench-table:begin -->` and
`<!-- bench-table:end -->` in BENCHMARKS.md is replaced. Standard library only.
"""

import argparse
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
BEGIN = "<!-- bench-table:begin -->"
END = "<!-- bench-table:end -->"

# Which implementation the ratios are taken of, per kind of group (the first one present wins).
OURS = ("pqpsk", "pqpsk-mce")
# Column order; implementations not listed here come after, in name order.
ORDER = ("pqpsk", "pqpsk-mce", "classic-mceliece-rust", "pqclean", "pqclean-avx2")
# Tables: title and the group-name prefixes they hold, in row order.
TABLES = (
    (
        "Each KEM alone (`benches/kem.rs`)",
        (
            "mlkem1024/keygen",
            "mlkem1024/encaps",
            "mlkem1024/decaps",
            "mceliece348864/keygen",
            "mceliece348864/encaps",
            "mceliece348864/decaps",
        ),
    ),
    ("McEliece key generation backends (`benches/mce_keygen.rs`)", ("mceliece348864/keygen-backends",)),
    ("The hybrid calls (`benches/hybrid.rs`)", ("hybrid/keygen", "hybrid/respond", "hybrid/finish")),
)


def load(criterion_dir):
    """{group: {function: median in ns}} from every saved `new` estimate."""
    groups = {}
    for bench in sorted(criterion_dir.glob("**/new/benchmark.json")):
        meta = json.loads(bench.read_text())
        est = json.loads((bench.parent / "estimates.json").read_text())
        group, function = meta.get("group_id"), meta.get("function_id")
        if group is None or function is None:
            continue
        groups.setdefault(group, {})[function] = est["median"]["point_estimate"]
    return groups


def fmt_time(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            value = ns / scale
            break
    else:
        unit, value = "ns", ns
    return f"{value:.3g} {unit}" if value < 100 else f"{value:.0f} {unit}"


def fmt_ratio(r):
    return f"{r:.0f}" if r >= 100 else f"{r:.3g}" if r < 0.1 else f"{r:.2f}" if r < 10 else f"{r:.1f}"


def table(title, names, groups):
    rows = [name for name in names if name in groups]
    if not rows:
        return None
    impls = sorted({f for name in rows for f in groups[name]},
                   key=lambda f: (ORDER.index(f) if f in ORDER else len(ORDER), f))
    ours = next((f for f in OURS if f in impls), None)
    others = [f for f in impls if f != ours]
    head = ["group"] + [f"`{f}`" for f in impls] + [f"`{ours}` / `{f}`" for f in others if ours]
    lines = [f"**{title}**, median per call:", "",
             "| " + " | ".join(head) + " |",
             "|---|" + "---:|" * (len(head) - 1)]
    for name in rows:
        g = groups[name]
        cells = [f"`{name}`"] + [fmt_time(g[f]) if f in g else "" for f in impls]
        if ours:
            for f in others:
                cells.append(fmt_ratio(g[ours] / g[f]) if ours in g and f in g else "")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--criterion", type=pathlib.Path, default=ROOT / "target" / "criterion")
    parser.add_argument("--write", action="store_true", help="replace the tables in BENCHMARKS.md")
    args = parser.parse_args()
    groups = load(args.criterion)
    if not groups:
        sys.exit(f"no saved estimates under {args.criterion}: run `cargo bench` first")
    known = {n for _, names in TABLES for n in names}
    extra = sorted(set(groups) - known)
    tables = [t for t in (table(title, names, groups) for title, names in TABLES) if t]
    if extra:
        tables.append(table("Other groups", extra, groups))
    text = "\n\n".join(tables)
    if not args.write:
        print(text)
        return
    path = ROOT / "BENCHMARKS.md"
    doc = path.read_text()
    if BEGIN not in doc or END not in doc:
        sys.exit(f"{path}: markers {BEGIN} / {END} not found")
    before, rest = doc.split(BEGIN, 1)
    _, after = rest.split(END, 1)
    path.write_text(f"{before}{BEGIN}\n{text}\n{END}{after}")
    print(f"wrote {len(tables)} tables to {path}")


if __name__ == "__main__":
    main()
