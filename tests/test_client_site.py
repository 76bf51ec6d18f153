"""What clients meet beyond the board, without a browser: request and vote links, link previews,
a clean search index, release notes and the themes overview (browser checks are in
test_browser_public.py and test_accessibility.py)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import unquote

import pytest

from conftest import Project
from roadmap.asking import fill, template_problem

# --- Filling a link template ---------------------------------------------------------------


def test_fill_encodes_each_value_as_one_url_component():
    item = SimpleNamespace(id="api-v2", title="API & webhooks: v2/v3 #1? 100% café")
    url = fill("https://forms.example/?item={id}&t={title}", item)
    assert url == (
        "https://forms.example/?item=api-v2&t=API%20%26%20webhooks%3A%20v2%2Fv3%20%231%3F%20100%25%20caf%C3%A9"
    )
    assert unquote(url.split("&t=", 1)[1]) == item.title


def test_fill_for_a_page_leaves_the_placeholders_empty():
    template = "mailto:roadmap@example.com?subject=Request%3A%20{title}&body={id}"
    assert fill(template) == "mailto:roadmap@example.com?subject=Request%3A%20&body="
    assert fill(None) is None


@pytest.mark.parametrize(
    "template, message",
    [
        ("forms.example/new?t={title}", "is not a web or mailto address"),
        ("javascript:alert(1)", "is not a web or mailto address"),
        ("https://forms.example/new?t={name}", "'{name}' is not a placeholder"),
        ("https://forms.example/new t={title}", "is not a web or mailto address"),
    ],
)
def test_bad_templates_are_named(template: str, message: str):
    problem = template_problem(template)
    assert problem and message in problem[0]


@pytest.mark.parametrize(
    "template",
    [
        "mailto:roadmap@example.com?subject={title}",
        "https://github.com/acme/roadmap/issues/new?template=request.yml&title={title}",
        "https://docs.google.com/forms/d/e/FORM/viewform?usp=pp_url&entry.1234={title}",
        "https://forms.office.com/Pages/ResponsePage.aspx?id=FORM_ID&r1a2b={title}&r3c4d={id}",
    ],
)
def test_the_documented_setups_are_accepted(template: str):
    assert template_problem(template) is None


def test_a_bad_request_url_stops_the_build_with_its_line(project: Project):
    project.item("one")
    project.configure(request_url="forms.example/new?t={title}")
    result = project.run("build", "--audience", "public")
    assert result.code == 1
    assert len(result.lines) == 1, result.err
    line = result.lines[0]
    where = f"mkdocs.yml:{_line_of(project, 'request_url')}"
    assert line.startswith(
        f"{where}: request_url: 'forms.example/new?t={{title}}' is not a web or mailto address; "
    )
    assert line.endswith(
        "start it with https:// (a form or an issue tracker) or mailto: (an email address)"
    )
    assert "Traceback" not in result.err
    assert not project.site("public").exists()


def test_an_unknown_placeholder_stops_the_build(project: Project):
    project.item("one")
    project.configure(feedback_url="https://forms.example/?item={slug}")
    result = project.run("build", "--audience", "public")
    assert result.code == 1
    assert result.lines == [
        f"mkdocs.yml:{_line_of(project, 'feedback_url')}: feedback_url: "
        "'{slug}' is not a placeholder; use {id} (the item's id) and {title} (its title as "
        "clients see it)"
    ]


def _line_of(project: Project, key: str) -> int:
    lines = (project.root / "mkdocs.yml").read_text().splitlines()
    return next(n for n, text in enumerate(lines, 1) if text.strip().startswith(f"{key}:"))


# --- Links on the built light site ------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.meta: dict[str, str] = {}
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a":
            self._href, self._text = a.get("href", ""), []
        elif tag == "meta" and (a.get("property") or a.get("name")):
            self.meta[a.get("property") or a.get("name")] = a.get("content", "")

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append(("".join(self._text).strip(), self._href))
            self._href = None


def parsed(path) -> _Links:
    p = _Links()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def test_request_and_vote_links_are_filled_per_page_and_per_item(project: Project):
    project.item("api", title="API & webhooks", tags=["dev tools"])
    project.page("about.md", "Ask us: [tell us what you need](#request).\n", visibility="public")
    project.configure(request_url="https://forms.example/new?item={id}&title={title}")
    assert project.run("build", "--audience", "public").code == 0
    site = project.site("public")
    item = dict(parsed(site / "items/api/index.html").links)
    assert (
        item["This matters to us"]
        == "https://forms.example/new?item=api&title=API%20%26%20webhooks"
    )
    assert item["Request a feature"] == "https://forms.example/new?item=&title="
    about = dict(parsed(site / "about/index.html").links)
    assert about["tell us what you need"] == "https://forms.example/new?item=&title="
    assert about["Request a feature"] == "https://forms.example/new?item=&title="
    home = dict(parsed(site / "index.html").links)
    assert home["Request a feature"] == "https://forms.example/new?item=&title="
    # Tags lead to the board filtered by them.
    assert item["dev tools"] == "../../?tag=dev%20tools"


def test_without_request_url_no_request_link_and_the_words_stay(project: Project):
    project.item("api")
    project.configure(request_url=None)
    project.page("about.md", "Ask us: [tell us what you need](#request).\n", visibility="public")
    assert project.run("build", "--audience", "public").code == 0
    site = project.site("public")
    about = (site / "about/index.html").read_text()
    assert "tell us what you need" in about
    assert 'href="#request"' not in about
    texts = [t for t, _ in parsed(site / "items/api/index.html").links]
    assert "This matters to us" not in texts and "Request a feature" not in texts


def test_feedback_url_still_gives_its_link(project: Project):
    project.item("api", title="API")
    project.configure(feedback_url="https://feedback.example/?item={id}")
    assert project.run("build", "--audience", "public").code == 0
    links = dict(parsed(project.site("public") / "items/api/index.html").links)
    assert links["Give feedback"] == "https://feedback.example/?item=api"


# --- Link previews -----------------------------------------------------------------------------


def test_link_previews_come_from_public_titles_and_summaries(project: Project):
    project.item(
        "offline",
        title="Offline v2 (Kestrel)",
        summary="Internal wording.",
        public={"title": "Offline mode", "summary": "Work with no signal."},
    )
    config = project.root / "mkdocs.yml"
    config.write_text(config.read_text() + "\nsite_url: https://roadmap.example.com/\n")
    assert project.run("build", "--audience", "public").code == 0
    site = project.site("public")
    meta = parsed(site / "items/offline-mode/index.html").meta
    assert meta["og:title"] == meta["twitter:title"] == "Offline mode"
    assert meta["og:description"] == meta["twitter:description"] == "Work with no signal."
    assert meta["og:url"] == "https://roadmap.example.com/items/offline-mode/"
    assert meta["og:site_name"] == "Crewline roadmap"
    assert meta["twitter:card"] == "summary"
    assert "og:image" not in meta  # no generated picture: see the README
    home = parsed(site / "index.html").meta
    assert home["og:title"] == "Our roadmap"
    html = (site / "items/offline-mode/index.html").read_text()
    assert "Kestrel" not in html and "Internal wording" not in html


# --- Search index, release notes, themes overview ---------------------------------------------


def test_search_index_holds_each_item_once_without_badges(sample: Project):
    index = json.loads((sample.site("public") / "search/search_index.json").read_text())
    pages = [d["location"] for d in index["docs"] if "#" not in d["location"]]
    assert len(pages) == len(set(pages))
    assert all(p.startswith("items/") or p == "about/" for p in pages), pages
    for doc in index["docs"]:
        text = doc["text"]
        for glued in ("ShippedShipped", "In progressNow", "PlannedNext", "Theme:", "Release notes"):
            assert glued not in text, (doc["location"], glued)
    entry = next(d for d in index["docs"] if d["location"] == "items/quote-approvals/")
    assert entry["title"] == "Online quote approval and e-signature"
    assert entry["text"].startswith("<p>Send a quote by email or text")


def test_release_notes_reach_both_sites_and_roadmap_json(project: Project):
    project.item(
        "sync",
        status="shipped",
        horizon=None,
        shipped="2026-04-02",
        release_notes="https://help.example/notes/sync",
    )
    assert project.run("build", "--audience", "public").code == 0
    site = project.site("public")
    data = json.loads((site / "roadmap.json").read_text())
    assert data["items"][0]["release_notes"] == "https://help.example/notes/sync"
    shipped = dict(parsed(site / "shipped/index.html").links)
    assert shipped["Release notes for Title of sync"] == "https://help.example/notes/sync"
    item = dict(parsed(site / "items/sync/index.html").links)
    assert item["Read the release notes"] == "https://help.example/notes/sync"


def test_release_notes_must_be_a_web_address(project: Project):
    path = project.item("sync", release_notes="help page")
    result = project.run("check")
    assert result.code == 1
    line = path.read_text().splitlines().index("release_notes: help page") + 1
    assert result.lines[0] == (
        f"content/roadmap/sync.md:{line}: release_notes: 'help page' is not a web address; "
        "start it with https://"
    )


def test_themes_tab_opens_an_overview_of_every_public_theme(sample: Project):
    site = sample.site("public")
    overview = (site / "themes/index.html").read_text()
    tab = re.search(
        r'<a href="([^"]*)" class="md-tabs__link">\s*Themes', (site / "index.html").read_text()
    )
    assert tab and tab.group(1) == "themes/"
    links = [href for _, href in parsed(site / "themes/index.html").links]
    for theme in json.loads((site / "roadmap.json").read_text())["themes"]:
        assert f"{theme['id']}/" in links  # the theme's own page
        assert f"../?theme={theme['id']}" in links  # the board, filtered by it
    assert "Themes" in overview
