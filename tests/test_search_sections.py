"""Search entries read with Lexbor (search_sections.py) against Material's own parser: the same
sections, locations and titles, and the same text once whitespace is normalised, on snippets
that exercise each of its rules and on every page of real builds."""

from __future__ import annotations

import copy
import json
import os
import re
import sys
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest
from material.plugins.search.plugin import SearchIndex
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.plugins import BasePlugin, event_priority

from conftest import PASSWORD, ROOT, new_project
from roadmap.search_sections import index_json, sections

sys.path.insert(0, str(ROOT / "bench"))
from generate import make_project  # noqa: E402


def _material(page) -> list[dict]:
    index = SearchIndex(lang=["en"], separator="", pipeline=[], fields={})
    index.add_entry_from_context(page)
    return index.entries


def _ours(page) -> list[dict]:
    index = SearchIndex(lang=["en"], separator="", pipeline=[], fields={})
    if not (page.meta.get("search") or {}).get("exclude"):
        for section in sections(page.content):
            if not section.is_excluded():
                index.create_entry_for_section(section, page.toc, page.url, page)
    return index.entries


def _plain(entries: list[dict]) -> list[dict]:
    return [{**e, "text": " ".join(e["text"].split())} for e in entries]


def _page(html: str, **meta) -> SimpleNamespace:
    return SimpleNamespace(content=html, toc=[], url="page/", meta=meta, title="Page")


SNIPPETS = {
    "preface and sections": '<p>Intro</p><h2 id="a">A <em>b</em></h2><p>Text <code>x</code></p>'
    '<h3 id="c">C</h3><ul><li>one</li><li> </li></ul>',
    "first heading h1": '<h1 id="top">Top</h1><p>a &amp; b &lt;c&gt;</p><h2 id="n">N</h2>',
    "no id": "<h2>Plain</h2><p>Under it</p>",
    "excluded block": "<p>in</p><div data-search-exclude><p>out</p></div><p>in again</p>",
    "excluded heading": '<h2 id="x" data-search-exclude>Hidden</h2><p>hidden</p>'
    '<h2 id="y">Shown</h2><p>shown</p>',
    "excluded then same tag": "<div data-search-exclude><div>out</div> tail</div><div>in</div>",
    "permalink": '<h2 id="p">Title<a class="headerlink" href="#p">¶</a></h2><p>x</p>',
    "pre keeps whitespace": "<pre><code>a\n    b\n\n  c</code></pre><p>x\ny</p>",
    "line numbers": '<table><tr><td class="linenodiv"><pre>1\n2</pre></td><td>code</td></tr>'
    "</table>",
    "scripts and styles": "<style>.a{}</style><p>a</p><script>var x=1</script><object>o</object>",
    "nested heading": '<div><h2 id="in">Inner</h2><p>inner</p></div><p>after</p>',
    "void and comments": "<p>a<br>b<!-- c --><img alt=x>d</p><hr><p>e</p>",
    "empty": "",
    "whitespace only": "  \n ",
}


@pytest.mark.parametrize("html", SNIPPETS.values(), ids=SNIPPETS.keys())
def test_snippets_read_as_material_reads_them(html: str):
    page = _page(html)
    assert _plain(_ours(page)) == _plain(_material(page))


def test_sections_keep_their_markup_and_skip_excluded_text():
    found = sections(SNIPPETS["excluded block"] + '<h2 id="s">S</h2><ol><li>x</li></ol>')
    assert [(s.tag, s.id, "".join(s.title)) for s in found] == [("hx", None, ""), ("h2", "s", "S")]
    assert "".join(found[0].text) == "<p>in</p><p>in again</p>"
    assert "".join(found[1].text) == "<ol><li>x</li></ol>"


def test_a_page_excluded_from_search_has_no_entries():
    page = _page("<p>listing</p>", search={"exclude": True})
    assert _ours(page) == _material(page) == []


class _Capture(BasePlugin):
    """Each page as Material's search plugin receives it (before its on_page_context, at 0)."""

    def __init__(self):
        super().__init__()
        self.pages: list[SimpleNamespace] = []

    @event_priority(50)
    def on_page_context(self, context, *, page, config, nav):
        self.pages.append(
            SimpleNamespace(
                content=page.content,
                toc=copy.deepcopy(page.toc),
                url=page.url,
                meta=dict(page.meta),
                title=page.title,
            )
        )
        return context


def _built_pages(root: Path) -> dict[str, list[SimpleNamespace]]:
    """Each site's pages, built as `mkdocs build` builds them."""
    pages = {}
    os.chdir(root)
    try:
        with mock.patch.dict(os.environ, {"ROADMAP_PASSWORD": PASSWORD}):
            for audience in ("public", "internal"):
                capture = _Capture()
                config = load_config(config_file=f"site_config/{audience}.yml")
                config.plugins["capture"] = capture
                config.plugins.on_startup(command="build", dirty=False)
                try:
                    build(config)
                finally:
                    config.plugins.on_shutdown()
                pages[audience] = capture.pages
    finally:
        os.chdir(ROOT)
    return pages


def _same_index(pages: list[SimpleNamespace]) -> None:
    assert pages
    compared = 0
    for page in pages:
        theirs, ours = _material(page), _ours(page)
        assert [(e["location"], e["title"]) for e in ours] == [
            (e["location"], e["title"]) for e in theirs
        ], page.url
        assert _plain(ours) == _plain(theirs), page.url
        compared += len(ours)
    assert compared > len(pages)  # sections under headings were compared, not just prefaces


def _written_index(root: Path) -> list[dict]:
    """The light site's search index as the build wrote it (the internal one is sealed)."""
    index = json.loads((root / "site/public/search/search_index.json").read_text())
    return index["docs"]


def test_sample_sites_index_as_material_would(tmp_path: Path):
    project = new_project(tmp_path / "project", ROOT / "content")
    pages = _built_pages(project.root)
    _same_index([*pages["public"], *pages["internal"]])
    # What the plugin wrote is what Material would have written.
    written = _written_index(project.root)
    assert _plain(written) == _plain([e for page in pages["public"] for e in _material(page)])


def test_generated_roadmap_indexes_as_material_would(tmp_path: Path):
    root = tmp_path / "generated"
    root.mkdir()
    make_project(root, 40)
    pages = _built_pages(root)
    everything = [*pages["public"], *pages["internal"]]
    assert any(re.search(r"data-search-exclude", p.content) for p in everything)
    _same_index(everything)
    written = _written_index(root)
    assert _plain(written) == _plain([e for page in pages["public"] for e in _material(page)])


@pytest.mark.parametrize("count", [0, 1, 499, 500, 1234])
def test_the_index_in_parts_is_materials_index_to_the_byte(count: int):
    # The sealed sites' search index is written a batch of entries at a time (index_json):
    # joined, it must be the text Material's generate_search_index returns, whatever the count
    # (batches of 500: none, one, exactly one, three), the characters, or a value only str() reads.
    index = SearchIndex(
        lang=["en"], separator=r"[\s\-]+", pipeline=["stemmer"], fields={"title": {"boost": 1e3}}
    )
    index.entries = [
        {"location": f"items/{n}/#s", "title": f'Zoë ➜ {n} "quoted"', "text": "<p>🚀</p>" * (n % 3)}
        | ({"tags": [Path(f"tag-{n}")]} if n % 7 == 0 else {})
        for n in range(count)
    ]
    parts = list(index_json(index))
    assert "".join(parts) == index.generate_search_index(None)
    assert len(parts) == 2 + -(-count // 500)
    json.loads("".join(parts))  # and it reads as JSON
