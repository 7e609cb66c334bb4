#!/usr/bin/env python3
"""The Cortex-M4 figures of the docs, from one measure.sh run: the only place they are made.

    figures.py write MEASURED DOC...   rewrite every measured block in the DOCs
    figures.py check MEASURED DOC...   fail if a block's figures differ from MEASURED by more than
                                       TOLERANCE (rows of profiles MEASURED lacks are skipped)

MEASURED is the tab-separated file measure.sh writes:
    image <profile> <text+rodata> <data> <bss>
    step  <profile> <suite> <operation> <peak stack> <instructions> <data left at>

A block in a Markdown file is the lines between
    <!-- measured by examples/firmware/measure.sh: NAME -->
    <!-- end of NAME -->
and NAME is one of the tables below. Everything between the markers is generated: edit the
generator, not the table.
"""

import re
import sys

TOLERANCE = 0.10
PROFILES = {"release": 'opt-level "s"', "release-o3": "opt-level 3"}
SUITE_OPS = ("generate", "respond", "finish")


def read_measured(path):
    images, steps = {}, {}
    with open(path) as f:
        for line in f:
            cells = line.rstrip("\n").split("\t")
            if cells[0] == "image":
                images[cells[1]] = [int(c) for c in cells[2:5]]
            elif cells[0] == "step":
                _, profile, suite, op, stack, insns, _left = cells
                steps.setdefault((profile, suite), {})[op] = (int(stack), int(insns))
    return images, steps


def bytes_(n):
    return f"{n:,}"


def insns(n):
    for scale, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return str(n)


def image_table(images, steps):
    rows = [
        "| profile | flash (.text + .rodata) | .data | static RAM (.bss) |",
        "|---|---:|---:|---:|",
    ]
    for profile, label in PROFILES.items():
        if profile in images:
            flash, data, bss = images[profile]
            rows.append(f"| {label} | {bytes_(flash)} B | {bytes_(data)} | {bytes_(bss)} B |")
    return rows


def suite_rows(steps, cells):
    """One row per suite and profile that ran; `cells` makes a row's cells after the two keys."""
    rows = []
    suites = []
    for (_, suite) in steps:
        if suite not in suites:
            suites.append(suite)
    for suite in suites:
        for profile, label in PROFILES.items():
            ops = steps.get((profile, suite))
            if ops and all(op in ops for op in SUITE_OPS):
                rows.append(f"| `{suite}` | {label} | " + " | ".join(cells(ops)) + " |")
    return rows


def steps_table(images, steps):
    head = [
        "| suite | profile | peak stack generate / respond / finish (bytes) "
        "| instructions generate / respond / finish |",
        "|---|---|---:|---:|",
    ]
    return head + suite_rows(
        steps,
        lambda ops: [
            " / ".join(bytes_(ops[op][0]) for op in SUITE_OPS),
            " / ".join(insns(ops[op][1]) for op in SUITE_OPS),
        ],
    )


def stack_table(images, steps):
    head = [
        "| suite | Cortex-M4 profile | peak stack generate / respond / finish |",
        "|---|---|---:|",
    ]
    return head + suite_rows(
        steps, lambda ops: [" / ".join(f"{bytes_(ops[op][0])} B" for op in SUITE_OPS)]
    )


def alone_table(images, steps):
    """ML-KEM and McEliece alone, the firmware's last steps."""
    rows = [
        "| KEM | profile | peak stack keygen / encaps / decaps (bytes) "
        "| instructions keygen / encaps / decaps |",
        "|---|---|---:|---:|",
    ]
    for kem, prefix in (("ML-KEM-1024", "mlkem"), ("McEliece-348864", "mce")):
        for profile, label in PROFILES.items():
            ops = {}
            for (p, _), found in steps.items():
                if p == profile:
                    ops.update({k: v for k, v in found.items() if k.startswith(prefix + "-")})
            names = [f"{prefix}-{op}" for op in ("keygen", "encaps", "decaps")]
            if all(n in ops for n in names):
                rows.append(
                    f"| {kem} | {label} | "
                    + " / ".join(bytes_(ops[n][0]) for n in names)
                    + " | "
                    + " / ".join(insns(ops[n][1]) for n in names)
                    + " |"
                )
    return rows


TABLES = {
    "firmware-image": image_table,
    "firmware-steps": steps_table,
    "firmware-stack": stack_table,
    "firmware-alone": alone_table,
}
BEGIN = re.compile(r"^<!-- measured by examples/firmware/measure\.sh: ([a-z-]+) -->$")


def blocks(lines):
    """(name, first line, end line) of every block."""
    out = []
    for i, line in enumerate(lines):
        m = BEGIN.match(line)
        if m:
            name = m.group(1)
            end = lines.index(f"<!-- end of {name} -->", i)
            out.append((name, i + 1, end))
    return out


NUMBER = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*([GMk]?)")
SCALE = {"": 1, "k": 1e3, "M": 1e6, "G": 1e9}


def numbers(cell):
    return [float(n.replace(",", "")) * SCALE[u] for n, u in NUMBER.findall(cell)]


def key(row):
    cells = [c.strip() for c in row.strip("|").split("|")]
    return cells[0] if cells[0] in PROFILES.values() else tuple(cells[:2])


def check_block(path, name, have, want):
    """Messages for each figure of `want` (measured) that `have` (the doc) does not match."""
    problems = []
    documented = {key(r): r for r in have[2:]}
    for row in want[2:]:
        k = key(row)
        if k not in documented:
            problems.append(f"{path} {name}: no row for {k}")
            continue
        got, exp = numbers(documented[k]), numbers(row)
        if len(got) != len(exp) or any(
            abs(g - e) > TOLERANCE * max(e, 1) for g, e in zip(got, exp)
        ):
            problems.append(f"{path} {name}:\n  documented {documented[k]}\n  measured   {row}")
    return problems


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in ("write", "check"):
        sys.exit(__doc__)
    mode, measured, docs = sys.argv[1], sys.argv[2], sys.argv[3:]
    images, steps = read_measured(measured)
    problems = []
    for path in docs:
        with open(path) as f:
            lines = f.read().split("\n")
        found = blocks(lines)
        for name, start, end in reversed(found):
            want = TABLES[name](images, steps)
            if mode == "write":
                lines[start:end] = want
            else:
                problems += check_block(path, name, lines[start:end], want)
        if mode == "write":
            with open(path, "w") as f:
                f.write("\n".join(lines))
            print(f"figures.py: rewrote {len(found)} block(s) in {path}")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        print(
            f"figures.py: documented figures differ from this run by more than "
            f"{TOLERANCE:.0%}; regenerate them with examples/firmware/measure.sh --all --write",
            file=sys.stderr,
        )
        sys.exit(1)
    if mode == "check":
        print(f"figures.py: documented figures within {TOLERANCE:.0%} of this run")


if __name__ == "__main__":
    main()
