#!/usr/bin/env python3
"""Rewraps whole-line // and /// comments longer than the limit at word boundaries (swift-format leaves comments as
they are). Lines inside ``` fences, URLs that cannot be split and `// swift-tools-version` are left alone."""
import re, sys, textwrap
LIMIT = 120
pat = re.compile(r'^(\s*)(///?)( ?)(.*)$')
for path in sys.argv[1:]:
    lines = open(path, encoding="utf-8").read().split("\n")
    out, fenced, changed = [], False, False
    for line in lines:
        m = pat.match(line)
        if m and m.group(4).strip().startswith("```"):
            fenced = not fenced
        if (m and not fenced and len(line) > LIMIT and not line.lstrip().startswith("// swift-tools")
                and not m.group(4).lstrip().startswith("MARK")):
            indent, slashes, _, text = m.groups()
            prefix = f"{indent}{slashes} "
            lead = re.match(r'^(\s*(?:[-*] |\d+\. )?)', text).group(1)
            wrapped = textwrap.wrap(text, width=LIMIT - len(prefix), break_long_words=False, break_on_hyphens=False,
                                    initial_indent="", subsequent_indent=" " * len(lead))
            if len(wrapped) > 1:
                out.extend(prefix + w for w in wrapped)
                changed = True
                continue
        out.append(line)
    if changed:
        open(path, "w", encoding="utf-8").write("\n".join(out))
