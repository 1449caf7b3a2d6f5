#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The docs' examples against what a real run printed (tests/examples.sh).

  examples.py check|write EXAMPLES_DIR DOC...

A block between <!-- example: NAME --> and <!-- /example --> holds lines
of EXAMPLES_DIR/NAME, indented by four spaces. check: every line of every
block has the shape of some line of its example (numbers, sizes, pids,
sparklines and column spacing aside), and every example has a block;
write: each block becomes the example as printed.
"""
import os
import re
import sys

OPEN = re.compile(r"^<!-- example: ([a-z-]+) -->$")
CLOSE = "<!-- /example -->"


def shape(line):
    s = re.sub(r"/tmp/leakjail-test-\d+\.\w+", "/tmp/DIR", line)
    # where the tree was built: the test programs' paths
    s = re.sub(r"/\S*/progs/", "PROGS/", s)
    s = re.sub(r"leakjail-test-\d+", "leakjail-test-N", s)
    s = re.sub(r"[▁▂▃▄▅▆▇█]+", "~", s)
    s = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", "T", s)
    s = re.sub(r"[+-]?\d+(\.\d+)?( ?(B|KiB|MiB|GiB|TiB|K|M|G)\b)?", "N", s)
    # how far the page-out got by the record depends on the machine: both endings are documented
    s = re.sub(r"; (paged out|paging out:) .*$", "; PAGE-OUT", s)
    # what the settling reclaim achieved, likewise
    s = re.sub(r"(settled: cgroup \S+) .*$", r"\1 RECLAIM", s)
    return re.sub(r"\s+", " ", s).strip()


def blocks(lines):
    """(name, first line index, end index) of each block."""
    out, i = [], 0
    while i < len(lines):
        m = OPEN.match(lines[i].rstrip("\n"))
        if m:
            j = i + 1
            while j < len(lines) and lines[j].rstrip("\n") != CLOSE:
                j += 1
            if j == len(lines):
                sys.exit(f"{m.group(1)}: no {CLOSE}")
            out.append((m.group(1), i + 1, j))
            i = j
        i += 1
    return out


def main():
    mode, exdir, docs = sys.argv[1], sys.argv[2], sys.argv[3:]
    examples = {n: open(os.path.join(exdir, n), encoding="utf-8").read().splitlines() for n in os.listdir(exdir)}
    used, bad = set(), []
    for doc in docs:
        lines = open(doc, encoding="utf-8").readlines()
        found = blocks(lines)
        for name, a, b in reversed(found):
            if name not in examples:
                bad.append(f"{doc}:{a}: no example named {name}")
                continue
            used.add(name)
            if mode == "write":
                text = [("    " + l).rstrip() + "\n" if l else "\n" for l in examples[name]]
                lines[a:b] = ["\n"] + text + ["\n"]
                continue
            shapes = {shape(l) for l in examples[name]}
            for k in range(a, b):
                l = lines[k].rstrip("\n")
                if l.strip() and shape(l) not in shapes:
                    bad.append(f"{doc}:{k + 1}: example {name} no longer reads like the output:\n"
                               f"    docs: {l.strip()}\n    now:  {examples[name][0] if len(examples[name]) == 1 else '(see ' + name + ')'}")
        if mode == "write":
            open(doc, "w", encoding="utf-8").writelines(lines)
    for name in sorted(set(examples) - used):
        bad.append(f"example {name}: in no doc")
    for b in bad:
        print(b)
    if mode == "check":
        print(f"{len(used)} examples checked against a real run; {len(bad)} out of date"
              + (": run `make examples` and review the diff" if bad else ""))
    sys.exit(1 if bad else 0)


main()
