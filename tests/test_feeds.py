"""The light site's Atom feeds and its 404 page, read as a feed reader and a browser would.

Each feed is parsed with a real XML parser (lxml) and checked for what RFC 4287 requires, then
read by feedparser, the library most feed readers in Python use; ids must not change between
builds, or readers would show every change again.
"""

from __future__ import annotations

import re
from datetime import datetime

import feedparser
import pytest
from lxml import etree
from test_history import EPOCH, Repo

from conftest import Project, all_files

ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@pytest.fixture
def history_project(project: Project) -> Project:
    repo = Repo(project)
    project.write(
        "content/roadmap/themes.yml",
        "core:\n  title: Core product\n  visibility: public\n"
        "mobile:\n  title: Mobile\n  visibility: public\n",
    )
    project.item("alpha", horizon="later")
    project.item("beta", theme="mobile", status="in-progress", horizon="now")
    repo.commit("One")
    project.item("alpha", horizon="next")
    repo.commit("Two")
    project.item("beta", theme="mobile", status="shipped", shipped="2026-10-03", horizon=None)
    repo.commit("Three")
    return project


def build(project: Project) -> None:
    result = project.run("build", "--audience", "public", env={"SOURCE_DATE_EPOCH": EPOCH})
    assert result.code == 0, result.err


def check_atom(path) -> etree._Element:
    """RFC 4287's required elements, checked on the parsed document."""
    root = etree.parse(str(path)).getroot()
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert len(root.findall(f"{ATOM}{name}")) == 1, name
    assert root.find(f"{ATOM}author/{ATOM}name").text
    assert RFC3339.match(root.find(f"{ATOM}updated").text)
    assert root.find(f"{ATOM}link[@rel='self']") is not None
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1, name
        assert RFC3339.match(entry.find(f"{ATOM}updated").text)
        # Without content, an entry must link to its page (rel defaults to alternate).
        assert entry.find(f"{ATOM}link").get("rel", "alternate") == "alternate"
        assert entry.find(f"{ATOM}id").text.startswith("urn:uuid:")
    ids = [e.text for e in root.iter(f"{ATOM}id")]
    assert len(ids) == len(set(ids))
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return root


def test_the_site_feed_lists_added_moved_and_shipped(history_project: Project):
    build(history_project)
    site = history_project.site("public")
    root = check_atom(site / "feed.xml")
    titles = [e.find(f"{ATOM}title").text for e in root.findall(f"{ATOM}entry")]
    assert titles == [
        "Title of beta: shipped",
        "Title of alpha: moved from Later to Next",
        "Title of alpha: added to Later",
        "Title of beta: added to Now",
    ]
    newest = root.find(f"{ATOM}entry")
    assert newest.find(f"{ATOM}updated").text == "2026-10-03T12:00:00+00:00"
    assert root.find(f"{ATOM}updated").text == "2026-10-03T12:00:00+00:00"
    assert newest.find(f"{ATOM}link").get("href") == "items/beta/"
    assert newest.find(f"{ATOM}summary").text == "Summary of beta."
    parsed = feedparser.parse((site / "feed.xml").read_bytes())
    assert parsed.entries[0].updated_parsed[:3] == (2026, 10, 3)


def test_one_feed_per_theme_with_its_items_only(history_project: Project):
    build(history_project)
    site = history_project.site("public")
    mobile = check_atom(site / "themes/mobile/feed.xml")
    titles = [e.find(f"{ATOM}title").text for e in mobile.findall(f"{ATOM}entry")]
    assert titles == ["Title of beta: shipped", "Title of beta: added to Now"]
    assert mobile.find(f"{ATOM}entry/{ATOM}link").get("href") == "../../items/beta/"
    theme_page = (site / "themes/mobile/index.html").read_text()
    assert 'href="feed.xml"' in theme_page  # "Follow this theme"
    core = check_atom(site / "themes/core/feed.xml")
    assert len(core.findall(f"{ATOM}entry")) == 2


def test_ids_and_bytes_are_stable_across_builds(history_project: Project):
    build(history_project)
    first = (history_project.site("public") / "feed.xml").read_bytes()
    build(history_project)
    assert (history_project.site("public") / "feed.xml").read_bytes() == first


def test_absolute_links_with_a_site_url(history_project: Project):
    path = history_project.root / "site_config/public.yml"
    path.write_text(path.read_text() + "site_url: https://roadmap.example.com/\n")
    build(history_project)
    root = check_atom(history_project.site("public") / "feed.xml")
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == (
        "https://roadmap.example.com/feed.xml"
    )
    assert root.find(f"{ATOM}entry/{ATOM}link").get("href") == (
        "https://roadmap.example.com/items/beta/"
    )


def test_an_empty_history_still_makes_a_valid_feed(project: Project):
    project.item("alpha")
    build(project)
    root = check_atom(project.site("public") / "feed.xml")
    assert root.findall(f"{ATOM}entry") == []
    assert root.find(f"{ATOM}updated").text == datetime.fromtimestamp(int(EPOCH)).strftime(
        "%Y-%m-%dT00:00:00+00:00"
    )


def test_every_light_page_links_the_feed(history_project: Project):
    build(history_project)
    site = history_project.site("public")
    pages = [p for p in all_files(site) if p.suffix == ".html"]
    assert len(pages) > 5
    for page in pages:
        html = page.read_text()
        head = html.split("</head>")[0]
        assert re.search(r'<link rel="alternate" type="application/atom\+xml"[^>]*feed\.xml', head)
        assert "Follow (Atom feed)" in html, page


def test_the_404_page_helps_a_client_whose_item_left(history_project: Project):
    build(history_project)
    page = (history_project.site("public") / "404.html").read_text()
    assert "This page is not on the roadmap" in page
    assert "Plans change: an item can leave the roadmap" in page
    assert 'for="__search"' in page  # opens the search of the page itself
    assert 'href="/feed.xml"' in page and 'href="/changes/"' in page
    assert "Title of" not in page.split('<article class="md-content__inner')[1]
