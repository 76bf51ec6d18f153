"""Long board columns cut to their first `board_cards` cards, with a "Show all" link to the
page that lists the whole horizon (horizons/<h>.md): the planned pages, the option, and the
light site built and audited with them (no hidden item on any horizon page)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import pytest

from conftest import Project, all_files
from roadmap import audience
from roadmap.load import load
from roadmap.pages import Settings, plan_site

SETTINGS = Settings(today=date(2026, 11, 27), board_cards=3)
CARD = re.compile(r'<article class="rm-card ')
TITLE = re.compile(r'<p class="rm-card__title"><a href="[^"]*">([^<]*)</a>')


def plan(project: Project, aud: str = "public", settings: Settings = SETTINGS):
    view = audience.project(load(project.content), aud)
    return plan_site(view, settings, lambda text: text)


def later_items(project: Project, n: int, **fields) -> list[str]:
    titles = [f"Later item {i:02d}" for i in range(n)]
    for i, title in enumerate(titles):
        project.item(f"later-{i:02d}", horizon="later", title=title, **fields)
    return titles


def column(markdown: str, horizon: str) -> str:
    start = markdown.index(f'<section class="rm-column rm-column--{horizon}"')
    return markdown[start : markdown.index("</section>", start)]


def test_a_column_one_over_the_limit_shows_the_limit_and_a_show_all_link(project: Project):
    titles = later_items(project, 4)
    project.item("soon", horizon="now", title="Soon")
    home = plan(project).pages["index.md"].markdown
    later = column(home, "later")
    assert TITLE.findall(later) == titles[:3]  # the board's own order, cut
    assert "<span data-rm-count>4</span>" in later  # the count is the column's, not the cut's
    cap = re.search(r'<div class="rm-cap" data-rm-cap data-rm-total="(\d+)">(.*?)</div>', later)
    assert cap and cap[1] == "4"
    assert '<a class="rm-cap__link md-button" href="horizons/later.md" data-rm-cap-link>' in cap[2]
    assert "Show all 4 in Later" in cap[2]
    assert "The first 3 of 4; all of them: <span data-rm-cap-where>horizons/later/" in cap[2]
    # A column within the limit is not cut.
    now = column(home, "now")
    assert TITLE.findall(now) == ["Soon"] and "data-rm-cap" not in now
    # The filter bar counts every item, the cut ones included.
    assert 'data-rm-total="5">Showing 5 of 5</p>' in home


def test_a_column_at_the_limit_is_not_cut(project: Project):
    later_items(project, 3)
    later = column(plan(project).pages["index.md"].markdown, "later")
    assert len(CARD.findall(later)) == 3 and "data-rm-cap" not in later


def test_each_horizon_has_a_page_of_every_card_out_of_the_nav(project: Project):
    titles = later_items(project, 5)
    site = plan(project)
    page = site.pages["horizons/later.md"]
    assert not page.in_nav
    assert TITLE.findall(page.markdown) == titles
    assert "data-rm-cap" not in page.markdown  # the page itself is never cut
    assert "data-rm-filters" in page.markdown and 'data-rm-total="5"' in page.markdown
    assert "search:\n  exclude: true" in page.markdown
    # A fixed set of addresses, empty horizons included; no stopped list on the light site.
    assert {u for u in site.pages if u.startswith("horizons/")} == {
        "horizons/now.md",
        "horizons/next.md",
        "horizons/later.md",
    }
    assert 'class="rm-empty"' in site.pages["horizons/now.md"].markdown
    assert "horizons/later.md" not in str(site.nav)


def test_a_theme_page_links_to_the_horizon_page_filtered_by_its_theme(project: Project):
    later_items(project, 4)
    theme = plan(project).pages["themes/core.md"].markdown
    later = column(theme, "later")
    assert len(CARD.findall(later)) == 3
    assert 'href="../horizons/later.md?theme=core" data-rm-cap-link>Show all 4 in Later' in later


def test_the_internal_site_cuts_paused_and_cancelled_too(project: Project):
    later_items(project, 2)
    for i in range(5):
        project.item(f"stopped-{i}", status="paused", horizon="now", title=f"Paused {i}")
    site = plan(project, "internal")
    home = site.pages["index.md"].markdown
    stopped = home[home.index('<section class="rm-stopped"') :]
    assert TITLE.findall(stopped) == [f"Paused {i}" for i in range(3)]
    assert 'href="horizons/stopped.md" data-rm-cap-link>Show all 5 in Paused and cancelled' in (
        stopped
    )
    assert TITLE.findall(site.pages["horizons/stopped.md"].markdown) == [
        f"Paused {i}" for i in range(5)
    ]


def test_the_default_limit_leaves_small_roadmaps_whole(project: Project):
    later_items(project, 12)
    home = plan(project, settings=replace(SETTINGS, board_cards=Settings.board_cards)).pages
    assert "data-rm-cap" not in home["index.md"].markdown
    assert Settings.board_cards == 50


def test_a_hand_written_page_may_not_take_the_horizons_address(project: Project):
    project.page("horizons/index.md", "Mine.", visibility="public")
    result = project.run("check")
    assert result.code == 1
    assert "content/pages/horizons/index.md:1: 'horizons' is a name the generated pages use" in (
        result.err
    )


def test_board_cards_below_one_is_refused_with_its_line(project: Project):
    project.configure(board_cards=0)
    result = project.run("build", "--audience", "public")
    assert result.code == 1
    assert re.search(
        r"mkdocs\.yml:\d+: board_cards must be 1 or more; the default is 50", result.err
    )


@pytest.fixture
def capped_light_site(project: Project) -> Project:
    """A light site built (and audited) with a Later column of 4 public items cut to 2, and a
    hidden item of each kind in Later."""
    project.configure(board_cards=2)
    later_items(project, 4)
    project.item("secret-later", horizon="later", visibility="internal", title="Quiet Kestrel")
    project.item("ask-later", horizon="later", visibility="ask-first", title="Asked Osprey")
    project.item("paused-later", horizon="later", status="paused", title="Paused Heron")
    project.item(
        "theme-later",
        horizon="later",
        theme="secret-theme",
        visibility="internal",
        title="Themed Plover",
    )
    result = project.run("build", "--audience", "public")
    assert result.code == 0, result.err
    return project


def test_horizon_pages_hold_no_hidden_item(capped_light_site: Project):
    site = capped_light_site.site("public")
    pages = sorted(p.relative_to(site).as_posix() for p in (site / "horizons").rglob("*.html"))
    assert pages == [
        "horizons/later/index.html",
        "horizons/next/index.html",
        "horizons/now/index.html",
    ]
    later = (site / "horizons/later/index.html").read_text()
    assert TITLE.findall(later) == [f"Later item {i:02d}" for i in range(4)]
    for path in all_files(site):
        text = path.read_bytes().decode("utf-8", "replace")
        for hidden in (
            "Quiet Kestrel",
            "secret-later",
            "Asked Osprey",
            "ask-later",
            "Paused Heron",
            "paused-later",
            "Themed Plover",
            "theme-later",
        ):
            assert hidden not in text, (path, hidden)
    # The board links to it, and counts what it lists.
    home = (site / "index.html").read_text()
    assert '<a class="rm-cap__link md-button" href="horizons/later/" data-rm-cap-link>' in home
    assert "Show all 4 in Later" in home
