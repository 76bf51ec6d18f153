"""Titles and summaries are plain text on both sites, and an item renamed for clients is known
to them by its public name only."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import PASSWORD, Project, new_project, site_text
from roadmap.audience import light_site_secrets
from roadmap.crypto import open_keyring
from roadmap.load import load
from roadmap.seal import open_page

ITEM_TITLE = "Fish & \"chips\" 'n' peas"
ITEM_SUMMARY = 'Quotes" onmouseover="alert(1)" x="'
THEME_TITLE = 'Core & "more"'
PAGE_TITLE = "About \"us\" & 'them'"
PAGE_DESCRIPTION = 'Who we are" onfocus="alert(2)'


class Reader(HTMLParser):
    """What a browser makes of a page: its elements' attributes and its text."""

    def __init__(self, html: str):
        super().__init__()
        self.attributes: list[tuple[str, str, str | None]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.attributes += [(tag, name, value) for name, value in attrs]

    def handle_data(self, data):
        if data.strip():
            self.text.append(data.strip())


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Project:
    project = new_project(tmp_path_factory.mktemp("plain") / "project")
    project.write(
        "content/roadmap/themes.yml",
        f"core:\n  title: '{THEME_TITLE}'\n  visibility: public\n",
    )
    project.item("fish", title=ITEM_TITLE, summary=ITEM_SUMMARY)
    project.page(
        "about.md", "Text.\n", title=PAGE_TITLE, description=PAGE_DESCRIPTION, visibility="public"
    )
    result = project.run("build")
    assert result.code == 0, result.err
    return project


def pages(project: Project, audience: str) -> dict[str, str]:
    """Every HTML page of a built site as a browser gets it (decrypted for the internal one)."""
    site = project.site(audience)
    files = {p.relative_to(site).as_posix(): p for p in site.rglob("*.html")}
    if audience == "public":
        return {rel: p.read_text() for rel, p in files.items()}
    shell = files["index.html"].read_text()
    sealed = re.search(r'id="roadmap-sealed">(.*?)</script>', shell, re.S).group(1)
    key = open_keyring(json.loads(sealed), PASSWORD)
    return {rel: open_page(site, rel, key).decode() for rel in files}


@pytest.mark.parametrize("audience", ["public", "internal"])
def test_no_title_or_summary_becomes_markup(built: Project, audience: str):
    html = pages(built, audience)
    assert len(html) >= 5
    seen_text: set[str] = set()
    for rel, page in html.items():
        reader = Reader(page)
        handlers = [a for a in reader.attributes if a[1].startswith("on") or a[1] == "x"]
        assert handlers == [], rel
        seen_text |= set(reader.text)
        descriptions = [
            v for tag, n, v in reader.attributes if tag == "meta" and v and "alert" in v
        ]
        assert all(v in (ITEM_SUMMARY, PAGE_DESCRIPTION) for v in descriptions), (rel, descriptions)
    # Shown as written: escaped once, never twice (no "&amp;" on screen).
    for text in (ITEM_TITLE, THEME_TITLE, PAGE_TITLE):
        assert text in seen_text, (audience, text)
        assert f"{text} - Crewline roadmap" in seen_text, (audience, text)  # <title>
    assert not any("&amp;" in t or "&#34;" in t for t in seen_text)


def test_meta_description_and_title_are_escaped_in_the_source(built: Project):
    page = (built.site("public") / "items/fish/index.html").read_text()
    assert "<title>Fish &amp; &#34;chips&#34; &#39;n&#39; peas - Crewline roadmap</title>" in page
    assert (
        '<meta name="description" content="Quotes&#34; onmouseover=&#34;alert(1)&#34; x=&#34;">'
        in page
    )


@pytest.mark.parametrize("audience", ["public", "internal"])
def test_search_titles_are_html_of_the_plain_text(built: Project, audience: str):
    """Material shows search titles as HTML: they must be the escaped text."""
    site = built.site(audience)
    if audience == "public":
        index = json.loads((site / "search/search_index.json").read_text())
    else:
        shell = (site / "index.html").read_text()
        sealed = re.search(r'id="roadmap-sealed">(.*?)</script>', shell, re.S).group(1)
        key = open_keyring(json.loads(sealed), PASSWORD)
        index = json.loads(open_page(site, "search/search_index.json", key))
    titles = {doc["title"] for doc in index["docs"]}
    assert "Fish &amp; \"chips\" 'n' peas" in titles
    assert "About \"us\" &amp; 'them'" in titles
    assert all("<" not in t for t in titles)


# --- Light-site ids ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def renamed(tmp_path_factory) -> Project:
    project = new_project(tmp_path_factory.mktemp("renamed") / "project")
    project.item(
        "zanzibar-ledger",
        title="Zanzibar ledger rewrite",
        summary="Internal summary.",
        public={"title": "Faster invoices", "summary": "Invoices in seconds."},
    )
    project.item(
        "quokka-two",
        title="Quokka two",
        public={"id": "smart-routes", "title": "Smarter routes", "summary": "Shorter drives."},
        depends_on=["zanzibar-ledger"],
    )
    project.item("plain-item", body="See [the invoices](zanzibar-ledger.md).\n")
    project.configure(feedback_url="https://feedback.example/?item={id}")
    result = project.run("build")
    assert result.code == 0, result.err
    return project


def test_public_title_or_id_is_the_address_and_the_id(renamed: Project):
    site = renamed.site("public")
    assert (site / "items/faster-invoices/index.html").is_file()
    assert (site / "items/smart-routes/index.html").is_file()
    data = json.loads((site / "roadmap.json").read_text())
    assert {i["id"]: i["url"] for i in data["items"]} == {
        "faster-invoices": "items/faster-invoices/",
        "smart-routes": "items/smart-routes/",
        "plain-item": "items/plain-item/",
    }
    page = (site / "items/faster-invoices/index.html").read_text()
    assert 'href="https://feedback.example/?item=faster-invoices"' in page
    plain = (site / "items/plain-item/index.html").read_text()
    assert 'href="../faster-invoices/"' in plain  # a link to it follows it


def test_internal_ids_are_nowhere_on_the_light_site(renamed: Project):
    text = site_text(renamed.site("public")).casefold()
    for internal in ("zanzibar", "quokka"):
        assert internal not in text


def test_the_internal_site_keeps_its_ids_and_shows_what_clients_see(renamed: Project):
    html = pages(renamed, "internal")
    item = next(p for p in html.values() if "<code>zanzibar-ledger</code>" in p)
    assert "Zanzibar ledger rewrite" in item
    assert "On the light roadmap, as clients read it" in item  # found by source file
    assert "Invoices in seconds." in item


def test_the_audit_looks_for_the_internal_id_in_addresses(project: Project):
    """A page that names the internal id in a link fails the audit, naming where it came from."""
    project.item("zanzibar-ledger", public={"title": "Faster invoices"})
    project.page(
        "about.md",
        "<a href='https://example.com/zanzibar-ledger'>x</a>\n",
        title="About",
        visibility="public",
    )
    result = project.run("build", "--audience", "public")
    assert result.code == 1
    assert (
        "about/index.html:" in result.err
        and "the light site contains 'zanzibar-ledger', the internal id behind a public one"
        " (content/roadmap/zanzibar-ledger.md:8)"
        in result.err
    )
    assert not Path(project.site("public")).exists()


@pytest.mark.parametrize(
    ("internal", "public", "secret"),
    [
        ("SSO", "SSO and SCIM", False),
        ("Smart quotes", "Smarter quotes for your office", True),
        ("Zanzibar", "Faster invoices", True),
    ],
)
def test_an_internal_title_is_a_secret_unless_the_public_one_says_it(
    tmp_path: Path, internal: str, public: str, secret: bool
):
    """A public title often grows out of the internal one: the words clients read in it are
    no secret; any other internal title is."""
    project = new_project(tmp_path / "project")
    project.item("x", title=internal, summary="Value.", public={"title": public})
    words = {s.word for s in light_site_secrets(load(project.content))}
    assert (internal in words) is secret
