#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes a component's symbol table as C++ (include/kaal/platform/symbol_table.hpp): its
functions (name, start, size), where its line program starts a row, and for each row the chain
of functions inlined there with their file:line, read from the linked ELF with binutils' nm,
c++filt and readelf and LLVM's llvm-symbolizer. A fault reporter on seL4 names the code at a fault's address
from it, with no decoding on the host.

usage: symbol_table.py --elf ELF --variable NAME --out FILE.cpp --source-root DIR
                       [--nm NM] [--readelf READELF] [--cxxfilt CXXFILT]
                       [--symbolizer LLVM_SYMBOLIZER] [--namespace NS]

Addresses are kept as offsets from the image's first page, in 32 bits: an image has a 16 MiB
slot (kaal::composer::System::image_slot). Paths under --source-root are written relative to
it. A row holds from its address to the next row's; an end of sequence in the line program
becomes a row with no frame, so that code between sequences names no line. Rows whose chain is
the one before them are merged.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

NO_FRAME = 0xFFFFFFFF
NO_STRING = 0xFFFFFFFF
# Long template names are cut there: a report names the function, not every argument of it.
MAX_NAME = 160


def run(command: list[str], stdin: str | None = None) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True,
                          input=stdin).stdout


def functions_of(args: argparse.Namespace) -> list[tuple[int, int, str]]:
    listing = run([args.nm, "-S", "--defined-only", args.elf])
    rows = []
    for line in listing.splitlines():
        parts = line.split(maxsplit=3)
        if len(parts) == 4 and parts[2] in "TtWw":
            rows.append((int(parts[0], 16), int(parts[1], 16), parts[3]))
    # One c++filt for all the names; -p drops the parameter lists.
    names = run([args.cxxfilt, "-p"], "\n".join(r[2] for r in rows) + "\n").splitlines()
    # Aliases (a constructor's C1 and C2 symbols) share a start: one row each address.
    unique = {start: (start, size, name[:MAX_NAME]) for (start, size, _), name in zip(rows, names)}
    return sorted(unique.values())


def entry_of(args: argparse.Namespace) -> int:
    """The ELF header's entry point."""
    m = re.search(r"Entry point address:\s*(0x[0-9a-f]+)", run([args.readelf, "-h", args.elf]))
    return int(m.group(1), 16) if m else 0


def row_addresses(args: argparse.Namespace) -> list[tuple[int, bool]]:
    """Where the line program starts a row, and whether it ends a sequence there."""
    dump = run([args.readelf, "--debug-dump=decodedline", args.elf])
    row = re.compile(r"^(\S+)\s+(\d+|-)\s+(0x[0-9a-f]+)")
    rows = {}
    for line in dump.splitlines():
        m = row.match(line)
        if m:
            address = int(m.group(3), 16)
            # A sequence's end shares its address with the next sequence's start: the start holds.
            ends = m.group(2) == "-"
            rows[address] = rows.get(address, True) and ends
    return sorted(rows.items())


def chains_of(args: argparse.Namespace, addresses: list[int]) -> list[list[tuple[str, str, int]]]:
    """For each address, the inline chain llvm-symbolizer reads from the DWARF: (function, file,
    line) from the innermost function out, each frame's line being where the next one out
    called (inlined) it. binutils' addr2line names the innermost frame after the outermost
    function now and then; llvm-symbolizer does not."""
    if not addresses:
        return []
    text = run([args.symbolizer, f"--obj={args.elf}", "--inlining", "--demangle",
                "--print-address"], "\n".join(f"{a:#x}" for a in addresses) + "\n")
    chains: list[list[tuple[str, str, int]]] = []
    for block in text.strip("\n").split("\n\n"):
        lines = block.splitlines()[1:]  # the address first
        chain = []
        for function, where in zip(lines[0::2], lines[1::2]):
            # file:line:column, or ??:0:0 where the DWARF says nothing
            parts = where.rsplit(":", 2)
            file = parts[0] if len(parts) == 3 and parts[0] != "??" else ""
            line = int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else 0
            chain.append((function if function != "??" else "", file, line))
        chains.append(chain)
    if len(chains) != len(addresses):
        raise SystemExit(f"symbol_table.py: {len(addresses)} addresses, {len(chains)} answers")
    return chains


def relative(path: str, root: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(root))
    except ValueError:
        return path


def c_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '\\0"'


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--elf", required=True)
    parser.add_argument("--variable", required=True, help="the C++ name of the table")
    parser.add_argument("--out", required=True)
    parser.add_argument("--source-root", required=True)
    parser.add_argument("--nm", default="nm")
    parser.add_argument("--readelf", default="readelf")
    parser.add_argument("--cxxfilt", default="c++filt")
    parser.add_argument("--symbolizer", default="llvm-symbolizer")
    parser.add_argument("--namespace", help="the namespace to define the table in")
    args = parser.parse_args(argv)
    root = Path(args.source_root).resolve()

    functions = functions_of(args)
    if not functions:
        print(f"symbol_table.py: {args.elf} has no functions in its symbol table", file=sys.stderr)
        return 1
    base = min(f[0] for f in functions) & ~0xFFF
    top = base + (1 << 32)
    rows = [(a, ends) for a, ends in row_addresses(args) if base <= a < top]
    chains = chains_of(args, [a for a, ends in rows if not ends])
    strings: dict[str, int] = {}
    text: list[str] = []
    offset = 0

    def intern(s: str) -> int:
        nonlocal offset
        if s not in strings:
            strings[s] = offset
            text.append(s)
            offset += len(s.encode()) + 1
        return strings[s]

    # Frames from the outermost in, so that the one a frame is inlined in comes before it.
    frames: dict[tuple[int, int, int, int], int] = {}

    def frame_of(chain: list[tuple[str, str, int]]) -> int:
        parent = NO_FRAME
        for function, file, line in reversed(chain):
            key = (intern(function), intern(relative(file, root)) if file else NO_STRING, line,
                   parent)
            parent = frames.setdefault(key, len(frames))
        return parent

    function_rows = [f"    {{{start - base:#x}, {size:#x}, {intern(name)}}},"
                     for start, size, name in functions if base <= start < top]
    line_rows = []
    previous = None
    chain_at = iter(chains)
    for address, ends in rows:
        frame = NO_FRAME if ends else frame_of(next(chain_at))
        if frame != previous:
            line_rows.append(f"    {{{address - base:#x}, {frame:#x}}},")
            previous = frame
    frame_rows = [f"    {{{f}, {file:#x}, {line}, {parent:#x}}},"
                  for (f, file, line, parent) in frames]
    out = [f"// Generated by cmake/symbol_table.py from {Path(args.elf).name}: do not edit.",
           "#include <kaal/platform/symbol_table.hpp>",
           "",
           "namespace {",
           "",
           "constexpr kaal::debug::SymbolFunction functions[] = {", *function_rows, "};",
           "constexpr kaal::debug::SymbolLine lines[] = {",
           *(line_rows or ["    {0, kaal::debug::no_frame},"]), "};",
           "constexpr kaal::debug::SymbolFrame frames[] = {",
           *(frame_rows or ["    {0, 0, 0, kaal::debug::no_frame},"]), "};",
           "constexpr char strings[] =",
           *("    " + c_string(s) for s in text), ";",
           "",
           "} // namespace",
           "",
           *([f"namespace {args.namespace} {{", ""] if args.namespace else []),
           f"extern const kaal::debug::SymbolTable {args.variable};",
           f"const kaal::debug::SymbolTable {args.variable}{{{base:#x}, functions, lines, "
           f"{{frames, {len(frame_rows)}}}, {{strings, sizeof strings}}, {entry_of(args):#x}}};",
           *(["", f"}} // namespace {args.namespace}"] if args.namespace else []),
           ""]
    Path(args.out).write_text("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
