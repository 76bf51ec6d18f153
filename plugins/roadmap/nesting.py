"""Warnings for list items Python-Markdown will not nest: `roadmap check` reports them, exit 0.

Python-Markdown nests a list only four spaces (one tab) deeper than its parent; editors and
other Markdown readers nest at two or three. An item indented less than that becomes one more
item of the outer list, so a four-step list with three sub-points renders as seven steps.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .problems import Problem

TAB = 4  # Python-Markdown's tab_length: one level of nesting
_ITEM = re.compile(r"^(?P<indent> *)(?:[*+-]|\d+\.)[ \t]+\S")
_FENCE = re.compile(r"^ *(`{3,}|~{3,})")


def unnested_items(markdown: str) -> list[tuple[int, int, int]]:
    """(0-based line, its indent, the indent of its parent) for each list item indented deeper
    than the item it is meant to sit under, but not by a whole level more."""
    found = []
    levels: list[int] = []  # indents of the open items, as the author indented them
    fence = ""
    blank = False
    for n, raw in enumerate(markdown.split("\n")):
        line = raw.expandtabs(TAB)
        if fence:
            if line.strip().startswith(fence):
                fence = ""
            continue
        m = _FENCE.match(line)
        if m:
            fence = m.group(1)
            continue
        if not line.strip():
            blank = True
            continue
        item = _ITEM.match(line)
        indent = len(line) - len(line.lstrip(" "))
        if item:
            while levels and levels[-1] > indent:
                levels.pop()
            if not levels or levels[-1] < indent:
                levels.append(indent)
            parent = levels[-2] if len(levels) > 1 else None
            if parent is not None and indent // TAB == parent // TAB:
                found.append((n, indent, parent))
        elif blank and indent < TAB:
            levels = []  # a paragraph after a blank line closes the list
        blank = False
    return found


def list_warnings(sources: Iterable) -> list[Problem]:
    """One warning per list item that will not nest, in items, pages and the playbook."""
    out = []
    for source in sources:
        for n, indent, parent in unnested_items(source.body):
            want = (parent // TAB + 1) * TAB
            out.append(
                Problem(
                    source.path,
                    source.body_line + n,
                    f"warning: this list item is indented {indent} spaces, so Markdown will not "
                    "nest it under the item above: it becomes one more item of the outer list",
                    f"indent it {want} spaces to nest it",
                )
            )
    return out
