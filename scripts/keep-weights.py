#!/usr/bin/env python3
"""Carry weight functions over from the last generated weights file into a new one.

    keep-weights.py LAST NEW NAME[,NAME...]

`scripts/weights.sh` with KEEP=NAME,... benchmarks every extrinsic of a pallet but NAME,...
and writes NEW without them; this puts back each kept function as LAST had it (its line in
the `WeightInfo` trait and its body, with its doc comments, in both `impl` blocks), in the
order LAST had them, and notes in the header which functions were kept. Nothing is measured
or typed here: the kept functions are the last run's generated code, copied.
"""

import re
import sys


def blocks(lines):
    """The file's parts: the trait and each impl, as (start, end) line ranges of their bodies,
    and within each, the functions in order as {name: (first line, last line)}."""
    parts = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("pub trait WeightInfo") or line.startswith("impl"):
            end = i + 1
            while lines[end] != "}":
                end += 1
            functions = {}
            order = []
            j = i + 1
            doc_start = None
            while j < end:
                current = lines[j]
                if current.startswith("\t///") and doc_start is None:
                    doc_start = j
                match = re.match(r"\tfn (\w+)\(", current)
                if match:
                    name = match.group(1)
                    first = doc_start if doc_start is not None else j
                    if current.rstrip().endswith(";"):
                        last = j
                    else:
                        last = j
                        while lines[last] != "\t}":
                            last += 1
                    functions[name] = (first, last)
                    order.append(name)
                    j = last + 1
                    doc_start = None
                    continue
                if not current.startswith("\t///"):
                    doc_start = None
                j += 1
            parts.append((i, end, functions, order))
            i = end + 1
        else:
            i += 1
    return parts


def main():
    last_path, new_path, names = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
    last = open(last_path).read().split("\n")
    new = open(new_path).read().split("\n")
    last_parts = blocks(last)
    if len(last_parts) != len(blocks(new)):
        sys.exit(f"{last_path} and {new_path} differ in shape: nothing kept")
    # Work from the last part backwards so earlier line numbers stay valid.
    for index in reversed(range(len(last_parts))):
        _, _, last_functions, last_order = last_parts[index]
        for name in names:
            if name not in last_functions:
                sys.exit(f"{last_path} has no function {name} to keep")
            first, end = last_functions[name]
            text = last[first : end + 1]
            start, close, functions, _ = blocks(new)[index]
            # After the function that preceded it in LAST, if NEW has it; else at the end.
            position = close
            for before in reversed(last_order[: last_order.index(name)]):
                if before in functions:
                    position = functions[before][1] + 1
                    break
            new[position:position] = text
    header = next(i for i, line in enumerate(new) if line.startswith("//! Benchmark CLI"))
    new.insert(
        header + 1,
        "//! Kept from the previous run (`KEEP`, see scripts/weights.sh): "
        + ", ".join(f"`{n}`" for n in names)
        + ".",
    )
    open(new_path, "w").write("\n".join(new))


if __name__ == "__main__":
    main()
