"""Generated Markdown, page by page, against golden files.

The golden files show what each audience's page is made of. After an intended change to a
template, regenerate them with `UPDATE_GOLDEN=1 make test` and review the diff.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import markdown
import pytest

from conftest import Project
from roadmap import audience
from roadmap.load import load
from roadmap.pages import Settings, plan_site

GOLDEN = Path(__file__).parent / "golden"
EXTENSIONS = ["admonition", "attr_list", "md_in_html", "tables", "pymdownx.details", "toc"]


def render(text: str) -> str:
    return markdown.markdown(text, extensions=EXTENSIONS)


SETTINGS = Settings(
    today=date(2026, 11, 27),
    feedback_url="https://feedback.example/?item={id}",
    client_ask_url="https://asks.example/new?item={id}&title={title}",
)


@pytest.fixture
def plans(project: Project):
    project.item(
        "offline-mode",
        title="Offline mode v2 (Kestrel)",
        summary="Internal summary.",
        public={"title": "Offline mode", "summary": "Work with no signal."},
        tags=["mobile"],
        target="2027-Q1",
        commitment="committed",
        confidence="high",
        priority=2,
        owner="Tomasz W",
        customers=[{"name": "Northgate", "arr": 246000, "note": "Lift shafts."}],
        depends_on=["sync-engine"],
        last_reviewed="2026-05-01",
        sales={"pitch": "Jobs keep moving.", "questions": [{"q": "iOS?", "a": "Yes."}]},
        body='## Why\n\nNo signal in basements.\n\n!!! internal "Notes"\n    Needs Kestrel.\n',
    )
    project.item("sync-engine", visibility="internal", title="Sync engine", horizon="now")
    roadmap = load(project.content)
    return {
        name: plan_site(audience.project(roadmap, name), SETTINGS, render)
        for name in ("public", "internal")
    }


def test_a_page_is_made_when_read_and_released_once_rendered(project: Project, monkeypatch):
    """The plan holds no page's text until MkDocs reads it: at 10,000 items every page's text
    at once was a fifth of the internal site's memory."""
    from roadmap import pages

    for n in range(5):
        project.item(f"item-{n}", body=f"Body {n}.\n")
    made: list[str] = []
    render_ = pages._Planner._render

    def counted(self, uri, *args):
        made.append(uri)
        return render_(self, uri, *args)

    monkeypatch.setattr(pages._Planner, "_render", counted)
    plan = plan_site(audience.project(load(project.content), "internal"), SETTINGS, render)
    assert not [uri for uri in made if uri.startswith("items/")]
    page = plan.pages["items/item-3.md"]
    assert "Body 3." in page.source and made.count("items/item-3.md") == 1
    assert "Body 3." in page.markdown and made.count("items/item-3.md") == 1  # made once
    page.release()
    assert page.source == "" and page.parts == {}


def _counting_cards(monkeypatch) -> list[str]:
    """The ids of the items whose card the templates make (not take from a memo)."""
    from roadmap import pages

    made: list[str] = []
    card = pages._Planner.card

    def counted(self, card_html, item, *args):
        PLANNERS.add(self)

        def counting(item, *args):
            made.append(item.id)
            return card_html(item, *args)

        return card(self, counting, item, *args)

    monkeypatch.setattr(pages._Planner, "card", counted)
    PLANNERS.clear()
    return made


PLANNERS: set = set()  # the planners _counting_cards saw


def _lists(plan) -> dict[str, str]:
    return {uri: page.markdown for uri, page in plan.pages.items() if not uri.startswith("items/")}


def test_a_build_makes_each_card_once_per_set_of_addresses(project: Project, monkeypatch):
    """The board, the horizons' pages and the themes' pages show the same cards: a horizon's
    page and a theme's page link from the same folder, so one card serves both."""
    for n in range(4):
        project.item(f"item-{n}", horizon="now", customers=[{"name": f"Acct {n}"}])
    made = _counting_cards(monkeypatch)
    plan = plan_site(audience.project(load(project.content), "internal"), SETTINGS, render)
    lists = _lists(plan)
    shown = {
        uri: sum(f"items/item-{n}.md" in text for n in range(4)) for uri, text in lists.items()
    }
    assert shown["index.md"] == shown["horizons/now.md"] == shown["themes/core.md"] == 4
    # index.md links from the top, horizons/ and themes/ from one folder down, and the
    # playbook's "what clients see" shows the light card: three cards each, not four.
    assert sorted(made) == sorted([f"item-{n}" for n in range(4)] * 3)
    assert lists["horizons/now.md"].count('href="../items/item-2.md"') == 1
    # Every page that shows cards is made: the planner holds none of them any more.
    (planner,) = PLANNERS
    assert planner.cards == {} and planner.unmade == 0


def test_a_preview_makes_again_only_the_card_of_the_edited_item(project: Project, monkeypatch):
    """`mkdocs serve` keeps the cards between rebuilds, keyed by everything the item holds: a
    one-item edit makes that item's cards again, and the pages are those of a fresh plan."""
    for n in range(4):
        project.item(f"item-{n}", horizon="now", customers=[{"name": f"Acct {n}"}])
    made = _counting_cards(monkeypatch)
    for name in ("public", "internal"):
        first = plan_site(audience.project(load(project.content), name), SETTINGS, render, None, {})
        lists = _lists(first)  # pages are made when read
        assert set(made) == {f"item-{n}" for n in range(4)}
        made.clear()
        again = plan_site(
            audience.project(load(project.content), name), SETTINGS, render, None, first.made
        )
        assert _lists(again) == lists and made == []
        project.item("item-2", horizon="now", summary=f"Edited for {name}.")
        edited = plan_site(
            audience.project(load(project.content), name), SETTINGS, render, None, again.made
        )
        lists = _lists(edited)
        assert set(made) == {"item-2"}
        assert lists == _lists(
            plan_site(audience.project(load(project.content), name), SETTINGS, render)
        )
        assert f"Edited for {name}." in lists["horizons/now.md"]
        made.clear()


@pytest.mark.parametrize(
    "audience, page",
    [
        ("public", "index.md"),
        ("public", "items/offline-mode.md"),
        ("internal", "items/offline-mode.md"),
        ("internal", "timeline.md"),
    ],
)
def test_generated_page(plans, audience: str, page: str):
    text = plans[audience].pages[page].markdown
    golden = GOLDEN / f"{audience}-{page.replace('/', '-')}"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), f"{golden} differs; see the module doc"


def test_nav_per_audience(plans):
    assert plans["public"].nav == [
        {"Roadmap": "index.md"},
        {"Themes": [{"All themes": "themes/index.md"}, {"Core product": "themes/core.md"}]},
        {"Recently shipped": "shipped.md"},
        {"What changed": "changes.md"},
    ]
    assert [next(iter(entry)) for entry in plans["internal"].nav] == [
        "Roadmap",
        "Timeline",
        "Themes",
        "Recently shipped",
        "What changed",
        "Needs review",
        "Playbook",
    ]


# --- The playbook's generated views -----------------------------------------------------------

STRATEGY = """\
priorities:
  - title: Work anywhere
    why: Sync failures are our largest support driver.
    items: [offline-mode]
  - title: Be enterprise ready
    themes: [secret-theme]
    items: [sso]
flexible:
  - area: Delivery dates
    can_bend: Order of work inside a quarter.
    cannot_bend: A day in writing.
    approver: VP Product
    items: [offline-mode]
  - area: Pricing
"""


@pytest.fixture
def playbook_plan(project: Project):
    """Every kind of rule, one customer on several items (spelled two ways), a strategy."""
    project.item(
        "offline-mode",
        title="Offline mode v2",
        public={"title": "Offline mode"},
        status="in-progress",
        horizon="now",
        target="2027-Q1",
        commitment="committed",
        owner="Tomasz W",
        customers=[
            {"name": "Northgate", "arr": 246000, "note": "Lift shafts."},
            {"name": "Acme & Co", "arr": 50000},
        ],
        sales={
            "pitch": "Jobs keep moving.",
            "avoid": "Do not say it works on iOS 15.",
            "flexibility": "Beta from December.",
            "questions": [{"q": "iOS?", "a": "Yes."}],
        },
        body="No signal in basements.\n",
    )
    project.item(
        "sso",
        title="SAML SSO",
        visibility="ask-first",
        target="2027-03-31",
        commitment="committed",
        owner="Rafael O",
        customers=[{"name": "Northgate", "arr": 246000}, {"name": "acme  & co", "arr": 52000}],
        sales={"pitch": "Leavers lose access at once."},
    )
    project.item(
        "payments",
        title="Embedded payments",
        visibility="internal",
        theme="secret-theme",
        status="in-progress",
        horizon="now",
        commitment="committed",
        owner="Marcus L",
        customers=[{"name": "Acme & Co", "note": "Wants card payments."}],
        sales={"pitch": "Get paid on the doorstep.", "avoid": "Never name the partner."},
    )
    project.item("sms", title="Two-way SMS", status="paused", customers=[{"name": "Northgate"}])
    project.item(
        "forms",
        title="Forms builder",
        status="shipped",
        horizon=None,
        shipped="2026-06-15",
        customers=[{"name": "Acme & Co"}],
    )
    project.item("reviews", title="Review requests", horizon="later", commitment="likely")
    project.item(
        "dated",
        title="Dated thing",
        target="2027-05-14",
        target_shareable=True,
        commitment="committed",
        owner="Tomasz W",
    )
    project.write("content/roadmap/strategy.yml", STRATEGY)
    project.write(
        "content/playbook/index.md",
        "---\ntitle: Sales playbook\n---\nRead the [talk tracks](talk-tracks.md) first.\n",
    )
    project.write("content/playbook/objections.md", "---\ntitle: Objections\n---\nText.\n")
    roadmap = load(project.content)
    return plan_site(audience.project(roadmap, "internal"), PLAYBOOK_SETTINGS, render)


PLAYBOOK_SETTINGS = Settings(
    today=date(2026, 11, 27),
    client_ask_url="https://asks.example/new?item={id}&customer={customer}",
    light_site_url="https://roadmap.example/",
)
PLAYBOOK_VIEWS = [
    "index.md",
    "playbook/index.md",
    "playbook/accounts/index.md",
    "playbook/accounts/acme-co.md",
    "playbook/talk-tracks.md",
    "playbook/share-case-by-case.md",
    "playbook/negotiation.md",
    "playbook/what-clients-see.md",
]


@pytest.mark.parametrize("page", PLAYBOOK_VIEWS)
def test_playbook_view(playbook_plan, page: str):
    text = playbook_plan.pages[page].markdown
    golden = GOLDEN / f"internal-{page.replace('/', '-')}"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), f"{golden} differs; see the module doc"


def test_playbook_tab_opens_on_its_overview(playbook_plan):
    playbook = next(entry["Playbook"] for entry in playbook_plan.nav if "Playbook" in entry)
    assert playbook == [
        {"Overview": "playbook/index.md"},
        {"Account briefs": "playbook/accounts/index.md"},
        {"Talk tracks": "playbook/talk-tracks.md"},
        {"Share case by case": "playbook/share-case-by-case.md"},
        {"Negotiation guide": "playbook/negotiation.md"},
        {"What clients see": "playbook/what-clients-see.md"},
        {"Objections": "playbook/objections.md"},
    ]
    # The hand-written index opens the overview; its link to a generated view is kept.
    overview = playbook_plan.pages["playbook/index.md"].markdown
    assert "[talk tracks](talk-tracks.md)" in overview


def test_one_brief_per_account_whatever_the_spelling(playbook_plan):
    briefs = sorted(u for u in playbook_plan.pages if u.startswith("playbook/accounts/"))
    assert briefs == [
        "playbook/accounts/acme-co.md",
        "playbook/accounts/index.md",
        "playbook/accounts/northgate.md",
    ]
    acme = playbook_plan.pages["playbook/accounts/acme-co.md"].markdown
    # Four asks, from most to least that may be said; the two ARR figures recorded are flagged.
    titles = ["Forms builder", "Offline mode v2", "SAML SSO", "Embedded payments"]
    assert [acme.index(f">{t}</a>") for t in titles] == sorted(
        acme.index(f">{t}</a>") for t in titles
    )
    assert "52,000" in acme and "items record 50,000, 52,000" in acme


def test_cards_name_their_customers_and_link_their_briefs(playbook_plan):
    home = playbook_plan.pages["index.md"].markdown
    names = (
        '<a href="playbook/accounts/northgate.md">Northgate</a> · '
        '<a href="playbook/accounts/acme-co.md">Acme &amp; Co</a>'
    )
    assert names in home
    assert 'data-customers="northgate acme-co"' in home
    assert '<option value="acme-co">Acme &amp; Co</option>' in home


def test_each_part_goes_where_its_token_was_rendered_once():
    """A part replaces the first paragraph that is its token alone, else the first place its
    token shows (in a table cell, say); a token followed by digits is read as the longest one
    that names a part (x1 is not found inside x12); a token seen twice is replaced once;
    thousands of parts in one pass, each in its place."""
    from roadmap.pages import place_parts

    t = "rmpart" + "0f" * 12 + "x"
    parts = {f"{t}{n}": f"<b>{n}</b>" for n in range(13)}
    html_text = (
        f"<td>{t}0</td><p>{t}0</p><p>{t}12</p><td>{t}1</td><td>{t}1</td>"
        + "".join(f"<p>{t}{n}</p>" for n in range(2, 12))
        + f"<p>{t}77</p>"
    )
    placed = place_parts(html_text, parts, lambda path: None)
    assert placed == (
        f"<td>{t}0</td><b>0</b><b>12</b><td><b>1</b></td><td>{t}1</td>"
        + "".join(f"<b>{n}</b>" for n in range(2, 12))
        + f"<p>{t}77</p>"
    )
    three = {f"{t}{n}": f"<b>{n}</b>" for n in range(3)}
    assert place_parts(f"<td>{t}25</td>", three, lambda path: None).startswith("<td><b>2</b>5</td>")
    many = {f"{t}{n}": f'<a href="item-{n}.md">{n}</a>' for n in range(5000)}
    page = "".join(f"<p>{token}</p>\n<h2>card</h2>\n" for token in reversed(many))
    expected = "".join(
        f'<a href="/items/{n}/">{n}</a>\n<h2>card</h2>\n' for n in reversed(range(5000))
    )
    assert place_parts(page, many, lambda path: f"/items/{path[5:-3]}/") == expected


def test_parts_a_body_swallowed_close_the_page():
    """An HTML comment a body never closes can take the rest of its page in Markdown (the
    property test of test_audience_property found one): the page's own parts still show,
    after it, in order; a part found stays where it was."""
    from roadmap.pages import place_parts

    t = "rmpart" + "a1" * 12 + "x"
    parts = {f"{t}0": "<div>facts</div>", f"{t}1": "<ul><li>one</li></ul>"}
    placed = place_parts("<div><p>body</p></div>", parts, lambda path: None)
    assert placed == "<div><p>body</p></div>\n<div>facts</div>\n<ul><li>one</li></ul>"
    kept = place_parts(f"<p>{t}0</p>\n<p>body</p>\n<p>{t}1</p>", parts, lambda p: None)
    assert kept == "<div>facts</div>\n<p>body</p>\n<ul><li>one</li></ul>"
