"""Changes to the rendered Markdown tree of every page: `#request` links lead to the request
address, and heading anchors leave the keyboard's tab order.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree

from markdown import Extension, Markdown
from markdown.treeprocessors import Treeprocessor

REQUEST_ANCHOR = "#request"


class RoadmapMarkup(Extension):
    """`request` is the page-level request address, or None when none is configured."""

    def __init__(self, request: str | None):
        super().__init__()
        self.request = request

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Markdown's API)
        # After `toc` (5), which adds the anchors; before MkDocs resolves links (0).
        md.treeprocessors.register(_Links(md, self.request), "roadmap_links", 4)


class _Links(Treeprocessor):
    def __init__(self, md: Markdown, request: str | None):
        super().__init__(md)
        self.request = request

    def run(self, root: etree.Element) -> None:
        for parent in list(root.iter()):
            for i, el in enumerate(list(parent)):
                if el.tag != "a":
                    continue
                if "headerlink" in el.get("class", "").split():
                    # A "¶" after every heading doubles the tab stops; the TOC links there.
                    el.set("tabindex", "-1")
                elif el.get("href") == REQUEST_ANCHOR:
                    if self.request:
                        el.set("href", self.request)
                    else:
                        _unwrap(parent, i, el)


def _unwrap(parent: etree.Element, index: int, el: etree.Element) -> None:
    """Replace a link by its words: with no request address it has nowhere to go."""
    span = etree.Element("span")
    span.text, span.tail = el.text, el.tail
    span.extend(list(el))
    parent.remove(el)
    parent.insert(index, span)
