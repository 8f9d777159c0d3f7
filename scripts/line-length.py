#!/usr/bin/env python3
"""Lines over 120 characters in the Swift sources (issue #18).

  scripts/line-length.py              check: fails on a long line the allow-list does not account for
  scripts/line-length.py wrap FILE…   breaks long lines inside multi-line string literals with the literal's own
                                      line continuation (a backslash at the end of a line, plus the literal's #s), so
                                      the string's value does not change by one byte

`swift format` breaks code but never the inside of a string literal, so the check covers what it leaves. Lengths are
counted in characters (`×` is one), as swift-format counts them.

The allow-list (scripts/long-lines-allowed.txt) holds `path<TAB>count<TAB>reason` rows: a file may have at most `count`
lines over the limit. It is a ratchet: a new long line anywhere fails, and a row's count may only go down.
"""
import os
import re
import sys

LIMIT = 120
ROOTS = ("Sources", "Tests", "Benchmarks")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ALLOWED = os.path.join(REPO, "scripts", "long-lines-allowed.txt")
OPENER = re.compile(r'(#*)"""$')
CLOSER = re.compile(r'^(\s*)"""(#*)')


def swift_files():
    for root in ROOTS:
        for directory, _, names in os.walk(os.path.join(REPO, root)):
            for name in sorted(names):
                if name.endswith(".swift"):
                    yield os.path.relpath(os.path.join(directory, name), REPO)


def long_lines(path):
    with open(os.path.join(REPO, path), encoding="utf-8") as handle:
        return [n for n, line in enumerate(handle.read().split("\n"), 1) if len(line) > LIMIT]


def allowed():
    rows = {}
    if os.path.exists(ALLOWED):
        with open(ALLOWED, encoding="utf-8") as handle:
            for line in handle:
                if line.strip() and not line.startswith("#"):
                    path, count, _reason = line.rstrip("\n").split("\t", 2)
                    rows[path] = int(count)
    return rows


def check():
    limits, failed = allowed(), False
    for path in swift_files():
        found = long_lines(path)
        if len(found) > limits.get(path, 0):
            failed = True
            print(
                f"{path}: {len(found)} lines over {LIMIT} characters (allowed {limits.get(path, 0)}): lines "
                + ", ".join(map(str, found[:20]))
                + (" …" if len(found) > 20 else "")
                + f"\n  break them (string literals: scripts/line-length.py wrap {path})",
                file=sys.stderr,
            )
    return 1 if failed else 0


def split_point(text, room):
    """Where to break `text` so its first part is at most `room` characters: after the last space that fits,
    else after the last character that does not end in an escape backslash."""
    cut = text.rfind(" ", 0, room)
    if cut > 0:
        return cut + 1
    cut = room
    while cut > 1 and text[cut - 1] == "\\":
        cut -= 1
    return cut


def wrap_literal_line(line, indent, hashes):
    escape = "\\" + hashes
    if re.search(re.escape(escape) + r"\(", line):
        return [line]  # an interpolation could be cut in two: leave it to a person
    pieces, rest, first = [], line, True
    while len(rest) > LIMIT:
        prefix = "" if first else indent
        body = rest if first else rest[len(indent):]
        room = LIMIT - len(escape) - len(prefix)
        cut = split_point(body, room)
        if cut <= 0:
            break
        pieces.append(prefix + body[:cut] + escape)
        rest, first = indent + body[cut:], False
    return pieces + [rest]


def wrap(path):
    with open(path, encoding="utf-8") as handle:
        lines = handle.read().split("\n")
    out, index = [], 0
    while index < len(lines):
        line = lines[index]
        opener = OPENER.search(line.rstrip())
        if not opener or line.strip().startswith("//"):
            out.append(line)
            index += 1
            continue
        hashes = opener.group(1)
        end = index + 1
        while end < len(lines) and not (CLOSER.match(lines[end]) and CLOSER.match(lines[end]).group(2) == hashes):
            end += 1
        if end == len(lines):
            out.extend(lines[index:])
            break
        indent = CLOSER.match(lines[end]).group(1)
        out.append(line)
        for inner in lines[index + 1 : end]:
            out.extend(wrap_literal_line(inner, indent, hashes) if len(inner) > LIMIT else [inner])
        out.append(lines[end])
        index = end + 1
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(out))


if __name__ == "__main__":
    if sys.argv[1:2] == ["wrap"]:
        for name in sys.argv[2:]:
            wrap(name)
        sys.exit(0)
    sys.exit(check())
