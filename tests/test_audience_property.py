"""Property: whatever the internal site renders inside an internal callout is absent from the
light site's page and search index; whatever it renders outside one stays.

Bodies are generated from the constructs Markdown nests internal blocks in (lists, quotes with
lazy lines, footnotes, definition lists, md_in_html wrappers, public admonitions), internal
blocks in every head form, raw HTML, attr_list classes, comments and line separators. Every
word a body holds is a unique marker, so "absent" is a plain word check. The many examples are
rendered with mkdocs.yml's Markdown configuration and read by Material's own search parser;
one example goes through a real `roadmap build`.
"""

from __future__ import annotations

import json
import re
from itertools import count

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from material.plugins.search.plugin import Parser

from conftest import Project, site_text
from roadmap.audience import public_markdown
from roadmap.audience_markdown import (
    LINE_SEPARATORS,
    _Tokenizer,
    html_text_in_internal,
    internal_passages,
    render,
)

SLOT = "@@"
MARKER = re.compile(r"qz\d{4}qz")

# Text with marker slots; a line separator may sit between words.
text = st.builds(
    lambda n, sep: (sep or " ").join([SLOT] * n),
    st.integers(1, 3),
    st.sampled_from(["", "", "", *LINE_SEPARATORS]),
)
inline = st.one_of(
    text,
    text.map(lambda t: f'{t} <span class="internal">{SLOT} *{SLOT}*</span> {SLOT}'),
    text.map(lambda t: f"{t} <!-- {SLOT} --> {SLOT}"),
    text.map(lambda t: f"{t} [{SLOT}](https://example.com){{ .internal }} {SLOT}"),
    text.map(lambda t: f"{t}[^note]"),
)
heads = st.sampled_from(
    [
        "!!! internal",
        f'!!! internal "{SLOT}"',
        f'??? internal "{SLOT}"',
        "???+ internal",
        f'!!! note internal "{SLOT}"',
        "!!!internal",
        f'!!! Internal "{SLOT}"',
        f'!!! internal"{SLOT}"',
    ]
)


def indent(lines: list[str], prefix: str = "    ") -> list[str]:
    return [prefix + line if line else "" for line in lines]


def blocks(children: st.SearchStrategy[list[str]]) -> st.SearchStrategy[list[str]]:
    """One block, as lines; `children` are the blocks it may hold."""
    body = st.lists(children, min_size=1, max_size=2).map(
        lambda bs: [line for b in bs for line in [*b, ""]][:-1]
    )
    return st.one_of(
        st.tuples(heads, body).map(lambda hb: [hb[0], *indent(hb[1])]),
        st.tuples(st.sampled_from(["!!! note", f'??? tip "{SLOT}"']), body).map(
            lambda hb: [hb[0], *indent(hb[1])]
        ),
        st.tuples(st.sampled_from(["- ", "1. "]), body).map(
            lambda mb: [f"{mb[0]}{mb[1][0]}", *indent(mb[1][1:])]
        ),
        body.map(lambda b: [f"{SLOT}", ":   " + b[0], *indent(b[1:])]),  # definition list
        body.map(lambda b: indent(b, "> ")),
        body.map(lambda b: [*indent(b, "> ")[:-1], "    " + SLOT]),  # lazy continuation
        body.map(lambda b: ['<div markdown="1">', *b, "</div>"]),
        body.map(lambda b: [f"{SLOT}[^note]", "", "[^note]: " + b[0], *indent(b[1:])]),
        st.just([f"{SLOT}", "{ .internal }"]),
        st.just([f'<div class="internal">{SLOT} <b>{SLOT}</b></div>']),
        st.just(
            [
                '<details class="internal" markdown>',
                f"<summary>{SLOT}</summary>",
                f"{SLOT} *{SLOT}*",
                "</details>",
            ]
        ),
        st.just([f"<!-- {SLOT}", SLOT, "-->"]),
    )


leaf = inline.map(lambda line: [line])
block = st.recursive(leaf, blocks, max_leaves=8)
bodies = st.lists(block, min_size=1, max_size=4).map(
    lambda bs: "\n\n".join("\n".join(b) for b in bs) + f"\n\n[^note]: {SLOT}\n"
)


def with_markers(body: str, numbers: count | None = None) -> str:
    numbers = numbers or count(1)
    return re.sub(SLOT, lambda _: f"qz{next(numbers):04d}qz", body)


def markers(text: str) -> set[str]:
    return set(MARKER.findall(text))


def search_text(html: str) -> str:
    """What Material's search index holds of a page body: its sections' titles and text."""
    parser = Parser()
    parser.feed(html)
    parser.close()
    return " ".join("".join(s.title) + " " + "".join(s.text) for s in parser.data)


def well_formed(html: str) -> bool:
    """Every end tag closes the element opened last: the HTML reads as the tree it came from
    (raw HTML can break that, and then a browser's reading is not the parser's)."""
    stack: list[str] = []
    for token in _Tokenizer(html).tokens:
        if token.kind == "start" and not token.void:
            stack.append(token.tag)
        elif token.kind == "end" and (not stack or stack.pop() != token.tag):
            return False
    return not stack


def check(body: str) -> None:
    internal = render(body, "internal")
    # Read from the internal page's HTML, independently of the extension's tree walk.
    hidden = markers(" ".join(html_text_in_internal(internal)))
    assert hidden <= markers(" ".join(p.text for p in internal_passages(body))), body
    for public in (render(body, "public"), render(public_markdown(body), "public")):
        assert not hidden & markers(public), body
        assert not hidden & markers(search_text(public)), body
    # The parser removes nothing else: what the internal site shows outside a callout stays
    # (but for a `<!--` Markdown left as text: the light site hides what follows it).
    # Footnotes nothing on the light page refers to any more go too.
    public = render(body, "public")
    notes = re.findall(r'<li id="(fn:[^"]+)">(.*?)</li>', internal, re.S)
    dropped = markers(" ".join(text for ident, text in notes if f'id="{ident}"' not in public))
    if "&lt;!--" not in internal and well_formed(internal):
        assert markers(internal) - hidden - dropped <= markers(public), body


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies.map(with_markers))
def test_internal_callouts_never_reach_the_light_site(body: str):
    check(body)


@settings(max_examples=1, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(bodies, min_size=4, max_size=4))
def test_through_a_real_build(project: Project, templates: list[str]):
    """A few bodies as items and a page, built by `roadmap build`: the same property on every
    byte of site/public, the search index included."""
    hidden: set[str] = set()
    numbers = count(1)  # markers unique across the bodies
    for n, template in enumerate(templates):
        body = with_markers(template, numbers)
        hidden |= markers(" ".join(html_text_in_internal(render(body, "internal"))))
        if n == 0:
            project.page("notes.md", body, visibility="public")
        else:
            project.item(f"item-{n}", body=body)
    result = project.run("build", "--audience", "public")
    assert result.code == 0, result.err
    site = project.site("public")
    assert not hidden & markers(site_text(site))
    index = json.loads((site / "search/search_index.json").read_text())
    assert not hidden & markers(json.dumps(index))
