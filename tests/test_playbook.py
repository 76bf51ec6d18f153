"""The one rule of what sales may say, over every combination; accounts, links and the nesting
warning of `roadmap check`."""

from __future__ import annotations

import itertools
import re
from datetime import date
from pathlib import Path

import markdown
import pytest
from test_validation import STRATEGY, assert_rejected

from conftest import ROOT, Project
from roadmap.asking import fill
from roadmap.model import (
    COMMITMENTS,
    HIDDEN_STATUSES,
    OPEN_STATUSES,
    STATUSES,
    VISIBILITIES,
    Customer,
    Item,
)
from roadmap.nesting import unnested_items
from roadmap.playbook import (
    KINDS,
    accounts,
    rule_table,
    rule_table_markdown,
    say_rule,
)
from roadmap.schema import Quarter, Target

TARGETS = {
    "none": (None, False),
    "quarter": (Target(Quarter(2027, 1)), False),
    "day": (Target(Quarter(2027, 1), date(2027, 3, 31)), False),
    "shareable day": (Target(Quarter(2027, 1), date(2027, 3, 31)), True),
}


def item(visibility: str, status: str, commitment: str, target: str = "quarter", **more) -> Item:
    when, shareable = TARGETS[target]
    fields = dict(
        id="x",
        path=Path("x.md"),
        title="X",
        summary="S.",
        visibility=visibility,
        status=status,
        commitment=commitment,
        theme="core",
        horizon=None if status in ("shipped", "cancelled") else "next",
        shipped=date(2026, 6, 15) if status == "shipped" else None,
        target=when,
        target_shareable=shareable,
        owner="Ana Ruiz",
    )
    fields.update(more)
    return Item(**fields)


def combinations() -> list:
    """Every combination the loader accepts: a shareable date only on committed items."""
    out = []
    for v, s, c, t in itertools.product(VISIBILITIES, STATUSES, COMMITMENTS, TARGETS):
        if t == "shareable day" and c != "committed":
            continue
        out.append(pytest.param(v, s, c, t, id=f"{v}-{s}-{c}-{t.replace(' ', '-')}"))
    return out


@pytest.mark.parametrize("visibility, status, commitment, target", combinations())
def test_every_combination_gives_one_consistent_line(visibility, status, commitment, target):
    rule = say_rule(item(visibility, status, commitment, target))
    line = rule.line.lower()
    assert rule.kind in KINDS
    assert rule.line and "\n" not in rule.line and rule.line.endswith(".")

    # Never promise and silence in one breath.
    assert not (("promise" in line or "committed" in line) and "do not mention" in line)

    # What may be said follows visibility and status first.
    silent = visibility == "internal" or status in HIDDEN_STATUSES
    assert (rule.kind == "do-not-mention") == silent
    assert (rule.kind == "ask-first") == (visibility == "ask-first" and not silent)
    if silent:
        assert line.startswith("do not mention it")
        assert "2027" not in line and "committed" not in line and "is planned" not in line
    if rule.kind == "ask-first":
        assert rule.line.startswith("Ask Ana Ruiz first.") and rule.ask == "Ana Ruiz"
        assert "say nothing about it" in line

    # A date only where one may be given: committed, planned or in progress, with a target;
    # the day only when the PM marked it shareable, otherwise its quarter.
    dated = commitment == "committed" and status in ("planned", "in-progress") and not silent
    assert ("2027" in line) == (dated and target != "none")
    assert "2027-03-31" not in line
    assert ("31 march 2027" in line) == (dated and target == "shareable day")
    if dated and target in ("quarter", "day"):
        assert "committed for 2027-q1" in line
    if not dated:
        assert "committed" not in line

    # On the light roadmap: where clients see it.
    if visibility == "public" and status in OPEN_STATUSES:
        assert rule.line.endswith("Clients see it under Next.")
    if visibility == "public" and status == "shipped":
        assert rule.kind == "shipped" and "june 2026" in line
    if status == "exploring" and not silent:
        assert "we are looking at it" in line and "say it is planned" not in line


@pytest.mark.parametrize(
    "visibility, status, commitment, expected",
    [
        (
            "public",
            "in-progress",
            "committed",
            "Say it is committed for 2027-Q1. Clients see it under Next.",
        ),
        (
            "public",
            "planned",
            "likely",
            "Say it is planned, with no date. Clients see it under Next.",
        ),
        (
            "ask-first",
            "planned",
            "committed",
            "Ask Ana Ruiz first. Once they agree, say it is committed for 2027-Q1; "
            "until then, say nothing about it.",
        ),
        (
            "internal",
            "in-progress",
            "committed",
            "Do not mention it: it is internal. If a client raises the need, say you will take "
            "it to the product team.",
        ),
    ],
)
def test_the_issue_s_examples(visibility, status, commitment, expected):
    assert say_rule(item(visibility, status, commitment)).line == expected


def test_an_item_without_owner_asks_the_product_team():
    rule = say_rule(item("ask-first", "planned", "likely", owner=None))
    assert rule.line.startswith("Ask the product team first.")


def test_exploring_says_less_than_its_commitment_and_says_why():
    rule = say_rule(item("public", "exploring", "committed"))
    assert rule.kind == "exploratory"
    assert "Marked committed, but its status is exploring" in rule.note


def test_the_rule_table_covers_every_combination_once():
    rows = rule_table()
    for visibility, status, commitment in itertools.product(VISIBILITIES, STATUSES, COMMITMENTS):
        matching = [
            r
            for r in rows
            if r["visibility"] == visibility
            and (r["status"] == "any" or status in r["status"].split(" · "))
            and (r["commitment"] == "any" or commitment in r["commitment"])
        ]
        # a committed item that may be dated has one row per kind of target: a quarter, a
        # shareable day, none
        dated = commitment == "committed" and status in ("planned", "in-progress")
        expected = 3 if dated and visibility != "internal" else 1
        assert len(matching) == expected, (visibility, status, commitment, matching)


def test_readme_states_the_whole_rule():
    text = (ROOT / "README.md").read_text()
    m = re.search(r"<!-- say-rule:start -->\n(.*?)\n<!-- say-rule:end -->", text, re.S)
    assert m, "README lacks the say-rule markers"
    assert m.group(1) == rule_table_markdown(), (
        "README's rule table is stale: paste rule_table_markdown()"
    )


# --- Accounts and links ----------------------------------------------------------------------


def test_accounts_merge_spellings_and_sort_by_arr():
    a = item(
        "public", "planned", "likely", id="a", customers=(Customer(name="Acme & Co", arr=50000),)
    )
    b = item(
        "internal",
        "planned",
        "likely",
        id="b",
        customers=(Customer(name="acme  & co", arr=52000), Customer(name="Bolt", arr=90000)),
    )
    c = item("public", "shipped", "likely", id="c", customers=(Customer(name="Acme & Co"),))
    found = accounts([a, b, c])
    assert [(x.id, x.name, x.arr) for x in found] == [
        ("bolt", "Bolt", 90000),
        ("acme-co", "Acme & Co", 52000),
    ]
    acme = found[1]
    assert acme.arr_recorded == (50000, 52000)
    # from most to least that may be said
    assert [ask.item.id for ask in acme.asks] == ["c", "a", "b"]
    assert acme.counts == {
        "shipped": 1,
        "committed": 0,
        "likely": 1,
        "exploratory": 0,
        "ask-first": 0,
        "do-not-mention": 1,
    }


def test_client_ask_links_fill_in_item_and_account():
    x = item("ask-first", "planned", "likely", id="sso", title="SSO (SAML)")
    template = "https://f.example/?item={id}&title={title}&customer={customer}"
    assert fill(template, x, "Harrow & Finch") == (
        "https://f.example/?item=sso&title=SSO%20%28SAML%29&customer=Harrow%20%26%20Finch"
    )
    assert fill(template, x).endswith("&customer=")
    assert fill(None, x) is None


# --- Lists Markdown will not nest ------------------------------------------------------------

FOUR_STEPS = """\
1. One.
2. Two.
3. Three:
   - a
   - b
   - c
4. Four.
"""


def test_python_markdown_does_not_nest_three_spaces():
    """Why the warning exists: the real parser, as the site uses it."""
    html = markdown.markdown(FOUR_STEPS)
    assert html.count("<li>") == 7 and "<ul>" not in html
    fixed = markdown.markdown(FOUR_STEPS.replace("   -", "    -"))
    assert fixed.count("<li>") == 7 and fixed.count("<ul>") == 1


@pytest.mark.parametrize(
    "text, flagged",
    [
        (FOUR_STEPS, [(3, 3, 0), (4, 3, 0), (5, 3, 0)]),
        (FOUR_STEPS.replace("   -", "    -"), []),
        ("- a\n  - b\n    - c\n", [(1, 2, 0)]),
        ("- a\n    - b\n      - c\n", [(2, 6, 4)]),
        ("- a\n\t- b\n", []),
        ("Text\n  - not a nested item\n", []),
        ("- a\n\nParagraph.\n  - b\n", []),
        ("```\n- a\n  - b\n```\n", []),
        ("- a\n\n  - b\n", [(2, 2, 0)]),
    ],
)
def test_unnested_items(text, flagged):
    assert unnested_items(text) == flagged


def test_check_warns_about_unnested_items_and_passes(project: Project):
    project.item("x", body="Intro.\n\n" + FOUR_STEPS)
    result = project.run("check")
    assert result.code == 0, result.err
    lines = (project.content / "roadmap/x.md").read_text().split("\n")
    first = lines.index("   - a") + 1
    assert result.lines == [
        f"content/roadmap/x.md:{first + n}: warning: this list item is indented 3 spaces, so "
        "Markdown will not nest it under the item above: it becomes one more item of the outer "
        "list; indent it 4 spaces to nest it"
        for n in (0, 1, 2)
    ]
    assert "is valid" in result.out


# --- What the playbook adds to validation ----------------------------------------------------

ITEM = "content/roadmap/x.md"
SHAREABLE = (
    "target_shareable needs a committed item with a date as its target; set 'commitment: "
    "committed' and 'target: YYYY-MM-DD', or remove the line"
)


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"target": "2027-Q1", "commitment": "committed"}, id="quarter"),
        pytest.param({"target": "2027-03-31", "commitment": "likely"}, id="not-committed"),
        pytest.param({"commitment": "committed"}, id="no-target"),
    ],
)
def test_target_shareable_only_on_a_committed_date(project: Project, fields: dict):
    path = project.item("x", target_shareable=True, **fields)
    line = path.read_text().split("\n").index("target_shareable: true") + 1
    assert_rejected(project, f"{ITEM}:{line}: {SHAREABLE}")


def test_target_shareable_is_true_or_false(project: Project):
    path = project.item("x", target="2027-03-31", commitment="committed", target_shareable="soon")
    line = path.read_text().split("\n").index("target_shareable: soon") + 1
    assert_rejected(
        project,
        f"{ITEM}:{line}: target_shareable: must be true or false, not text; write true or false",
    )


def test_a_shareable_date_passes(project: Project):
    project.item("x", target="2027-03-31", commitment="committed", target_shareable=True)
    assert project.run("check").code == 0


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param(
            "priorities:\n  - title: Retention\n    items: [x, offline-mdoe]\n",
            f"{STRATEGY}:3: priorities.items: unknown item 'offline-mdoe'; no close match",
            id="unknown-item",
        ),
        pytest.param(
            "flexible:\n  - area: Dates\n    themes: [cor]\n",
            f"{STRATEGY}:3: flexible.themes: unknown theme 'cor'; did you mean 'core'?",
            id="unknown-theme",
        ),
    ],
)
def test_strategy_names_only_items_and_themes_that_exist(project: Project, text, expected):
    project.item("x")
    project.write(STRATEGY, text)
    assert_rejected(project, expected)


@pytest.mark.parametrize(
    "rel, name", [("talk-tracks.md", "talk-tracks.md"), ("accounts/acme.md", "accounts")]
)
def test_hand_written_playbook_pages_leave_the_generated_paths_alone(project, rel, name):
    project.write(f"content/playbook/{rel}", "---\ntitle: Mine\n---\nText.\n")
    assert_rejected(
        project,
        f"content/playbook/{rel}:1: '{name}' is a name the generated playbook pages use;"
        " rename or move this page",
    )


def test_hand_written_playbook_pages_may_link_the_generated_views(project: Project):
    project.write(
        "content/playbook/index.md",
        "---\ntitle: Playbook\n---\n[Briefs](accounts/index.md), [tracks](talk-tracks.md).\n",
    )
    assert project.run("check").code == 0
    project.write("content/playbook/more.md", "---\ntitle: More\n---\n[Gone](gone.md)\n")
    assert_rejected(
        project,
        "content/playbook/more.md:4: 'gone.md' not found; check the path, relative to this file",
    )


def test_items_named_differently_for_clients_are_followed_by_their_own_id(project: Project):
    """An item whose light-site id comes from its public title is on the light roadmap: the
    playbook says so, sends its light-site link, and its cards open the internal page."""
    from roadmap import audience
    from roadmap.load import load
    from roadmap.pages import Settings, plan_site

    project.configure(light_site_url="https://roadmap.example.com/")
    project.item(
        "zanzibar-ledger",
        title="Zanzibar ledger rewrite",
        public={"title": "Faster invoices"},
        customers=[{"name": "Acme Corp", "note": "Month-end takes days."}],
    )
    settings = Settings(today=date(2026, 11, 1), light_site_url="https://roadmap.example.com/")
    view = audience.project(load(project.content), "internal")
    assert view.twins["zanzibar-ledger"].id == "faster-invoices"
    plan = plan_site(view, settings, markdown.markdown)
    clients_see = plan.pages["playbook/what-clients-see.md"].markdown
    assert 'href="../items/zanzibar-ledger.md"' in clients_see  # the card opens the internal page
    assert "faster-invoices.md" not in clients_see
    absent = clients_see.split("## Not on the light roadmap")[1]
    assert "Zanzibar" not in absent and "Every item is on the light roadmap." in absent
    assert "<td>Faster invoices</td>" in clients_see  # renamed for clients
    brief = plan.pages["playbook/accounts/acme-corp.md"].markdown
    assert "https://roadmap.example.com/items/faster-invoices/" in brief
    assert "items/zanzibar-ledger/" not in brief.replace("../../items/zanzibar-ledger.md", "")
