"""The sections Material's search plugin makes of a rendered page, read with Lexbor (selectolax):
the same titles, anchors and text as its pure-Python HTMLParser finds, in a fraction of the time.

Material's `SearchIndex.add_entry_from_context` feeds each page's HTML to a `Parser` of its own
(material/plugins/search/plugin.py); the plugin hands `sections()`' results to the same index's
`create_entry_for_section` instead, so locations, titles, tags and boosts stay Material's. The
rules below are that parser's, event for event, walked over the tree Lexbor builds; tests compare
both on the sample content and on a generated roadmap. Where raw HTML is misnested (a <div>
inside a <p>), Lexbor reads it as browsers do, and the text keeps the markup they would show.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import escape

from selectolax.lexbor import LexborHTMLParser

_HEADINGS = frozenset(f"h{n}" for n in range(1, 7))
# Kept as markup in an entry's text; Material removes one when it holds only whitespace.
_KEPT = frozenset({"p", "code", "pre", "li", "ol", "ul", "sub", "sup"})
_ALWAYS_SKIPPED = ("object", "script", "style")
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr"}
)
_PREFACE = "hx"  # Material's name for the section before the first heading with an id


@dataclass
class Section:
    """What Material's `create_entry_for_section` reads of a section (its `Section`'s fields)."""

    tag: str
    depth: float = 0
    excluded: bool = False  # data-search-exclude on the heading itself
    id: str | None = None
    title: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    def is_excluded(self) -> bool:
        return self.excluded


def sections(html: str) -> list[Section]:
    """The page's sections, in order, excluded ones included (as Material's parser returns
    them; the index skips those whose `is_excluded()` is true).

    Material's `Parser` callbacks, inlined in one walk of the tree (this runs on every page of
    both sites). Its elements compare by tag name alone, so its context, skip set and "inside
    the heading" tests are tests on tag names: counted here, not scanned."""
    data: list[Section] = []
    root = LexborHTMLParser(html, is_fragment=True).root
    if root is None:
        return data
    section: Section | None = None
    context: list[str] = []  # tags of the open elements, outermost first
    opened: defaultdict[str, int] = defaultdict(int)  # tag -> how many are open
    skip = set(_ALWAYS_SKIPPED)
    skipped = 0  # open elements whose tag is in skip: their text is not indexed
    links: list[bool] = []
    permalinks = 0  # open <a class="headerlink">: their text is not the title's
    # Depth first with an explicit stack: a deeply nested page must not hit the recursion limit.
    stack = [root.iter(include_text=True)]
    while stack:
        for node in stack[-1]:
            if node.is_text_node:
                text = node.text_content
                if not text or skipped:
                    continue
                space = text.isspace()
                if not opened["pre"]:
                    text = " " if space else text.replace("\n", " ")
                if section is None:
                    section = Section(_PREFACE)
                    data.append(section)
                if opened[section.tag]:  # inside the section's heading
                    if not permalinks:
                        section.title.append(escape(text, quote=False))
                elif space:
                    if not section.text or not section.text[-1].isspace() or opened["pre"]:
                        section.text.append(text)
                else:
                    section.text.append(escape(text, quote=False))
                continue
            if not node.is_element_node:
                continue  # comments
            tag = node.tag
            if tag in _VOID:
                continue
            attrs = node.attributes
            context.append(tag)
            opened[tag] += 1
            skipped += tag in skip
            link = tag == "a" and attrs.get("class") == "headerlink"
            links.append(link)
            permalinks += link
            if tag in _HEADINGS and "id" in attrs:
                depth = len(context)
                if tag != "h1" and not data:
                    data.append(Section(_PREFACE, depth))
                section = Section(tag, depth, "data-search-exclude" in attrs)
                if data:
                    section.id = attrs["id"]
                data.append(section)
            if section is None:
                section = Section(_PREFACE)
                data.append(section)
            stack.append(node.iter(include_text=True))
            if "data-search-exclude" in attrs or attrs.get("class") == "linenodiv":
                if tag not in skip:
                    skip.add(tag)
                    skipped += opened[tag]
            elif tag in _KEPT and not skipped:
                (section.title if opened[section.tag] else section.text).append(f"<{tag}>")
            break
        else:
            stack.pop()
            if not context:
                continue
            assert section is not None  # an element was opened
            if section.depth > len(context):
                # A heading nested in an element that closes now: back to the enclosing section.
                for outer in reversed(data):
                    if outer.depth <= len(context):
                        section.depth = float("inf")  # never to be continued
                        section = outer
                        break
            tag = context.pop()
            opened[tag] -= 1
            permalinks -= links.pop()
            if tag in skip:
                skipped -= 1
                if tag not in _ALWAYS_SKIPPED:
                    skip.discard(tag)
                    skipped -= opened[tag]
                continue
            if tag in _KEPT and not skipped:
                _close(section.title if opened[section.tag] else section.text, tag)
    return data


def _close(data: list[str], tag: str) -> None:
    """Close a kept element: Material drops it when it holds only whitespace (it looks from the
    first opening of that tag in the section, as its parser does)."""
    try:
        index = data.index(f"<{tag}>")
    except ValueError:
        return  # opened in another section (Material's parser fails here)
    if any(not data[i].isspace() for i in range(index + 1, len(data))):
        data.append(f"</{tag}>")
    else:
        del data[index:]


def index_json(index, batch: int = 500) -> Iterator[str]:
    """The text Material's `SearchIndex.generate_search_index(None)` returns, in parts (its
    entries a batch at a time), so a large index is never one string (the internal site's is
    over 100 MB of JSON at 10,000 items, twice that while json.dumps grows it)."""
    config = {key: index.config[key] for key in ["lang", "separator", "pipeline", "fields"]}
    head = _dumps({"config": config, "docs": []})
    assert head.endswith("[]}")
    yield head[:-2]
    entries = index.entries
    for start in range(0, len(entries), batch):
        yield ("," if start else "") + _dumps(entries[start : start + batch])[1:-1]
    yield "]}"


def _dumps(data) -> str:
    return json.dumps(data, separators=(",", ":"), default=str)  # as Material writes its index
