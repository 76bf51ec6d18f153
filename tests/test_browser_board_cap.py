"""Cut board columns in a real Chromium: "Show all" and the filters fetch the page of the whole
horizon and add its cards in place, on the light site (plain HTML) and on the internal site
after unlocking (a sealed page, opened with the tab's key); a failed fetch says so; without
JavaScript "Show all" is a link; on paper the cut says where the rest is."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from conftest import PASSWORD, Project, new_project, serve
from roadmap.pages import LAZY_CARDS

pytestmark = pytest.mark.browser

THEMES = """\
core:
  title: Core product
  visibility: public
other:
  title: Other product
  visibility: public
"""
# Later, in the board's order (theme as in themes.yml, then title): cut to the first two.
LATER = ["Later item 00", "Later item 01", "Later item 02", "Later item 03", "Later item 04"]
PAST_THE_CUT = "Later item 03"  # the only card whose summary mentions a zeppelin
INTERNAL_LATER = "Quiet Kestrel"  # internal: on the internal site's Later only


@pytest.fixture(scope="module")
def capped(tmp_path_factory) -> Project:
    project = new_project(tmp_path_factory.mktemp("capped") / "project")
    project.write("content/roadmap/themes.yml", THEMES)
    project.configure(board_cards=2)
    for i, title in enumerate(LATER):
        summary = "Carried by zeppelin." if title == PAST_THE_CUT else f"Summary {i}."
        theme = "other" if i == 4 else "core"
        project.item(f"later-{i:02d}", horizon="later", title=title, summary=summary, theme=theme)
    project.item("secret-later", horizon="later", visibility="internal", title=INTERNAL_LATER)
    project.item("soon", horizon="now", title="Soon")
    for i in range(3):
        project.item(f"stopped-{i}", status="paused", horizon="now", title=f"Paused {i}")
    result = project.run("build")
    assert result.code == 0, result.err
    return project


@pytest.fixture(scope="module")
def light(capped: Project) -> Iterator[str]:
    with serve(capped.site("public")) as url:
        yield url


@pytest.fixture(scope="module")
def internal(capped: Project) -> Iterator[str]:
    with serve(capped.site("internal")) as url:
        yield url


def later(page: Page):
    return page.locator(".rm-board .rm-column--later")


def shown_titles(scope) -> list[str]:
    """From the DOM's text: a card off screen is not rendered until it scrolls near
    (content-visibility), and innerText reads only what is rendered."""
    titles = scope.locator(".rm-card").filter(visible=True).locator(".rm-card__title")
    return [" ".join(t.split()) for t in titles.all_text_contents()]


def show_all(page: Page):
    return later(page).locator("[data-rm-cap-link]")


def test_show_all_adds_the_rest_of_the_column_in_place(page: Page, light: str):
    page.goto(light)
    expect(later(page).locator("[data-rm-count]")).to_have_text("5")
    assert shown_titles(later(page)) == LATER[:2]
    expect(show_all(page)).to_have_text("Show all 5 in Later")
    show_all(page).click()
    expect(later(page).locator(".rm-card").filter(visible=True)).to_have_count(5)
    assert shown_titles(later(page)) == LATER
    expect(show_all(page)).to_be_hidden()
    expect(page).to_have_url(light)  # in place, not to the horizon's page
    # The added cards' links were written for another page: they still lead to their items.
    later(page).locator(".rm-card__title a", has_text="Later item 04").click()
    expect(page).to_have_url(re.compile(r"/items/later-04/$"))


def test_a_filter_on_a_cut_board_finds_an_item_past_the_cut(page: Page, light: str):
    page.goto(light)
    assert PAST_THE_CUT not in shown_titles(later(page))
    page.locator("[data-rm-filter-text]").fill("zeppelin")
    expect(later(page).locator(".rm-card").filter(visible=True)).to_have_count(1)
    assert shown_titles(later(page)) == [PAST_THE_CUT]
    expect(later(page).locator("[data-rm-count]")).to_have_text("1")
    expect(page.locator("[data-rm-shown]")).to_have_text("Showing 1 of 6")
    expect(show_all(page)).to_be_hidden()  # every match is on the board already
    # Cleared: the column is cut again, and counts all of it.
    page.locator("[data-rm-clear]").first.click()
    expect(later(page).locator(".rm-card").filter(visible=True)).to_have_count(2)
    expect(later(page).locator("[data-rm-count]")).to_have_text("5")
    expect(show_all(page)).to_be_visible()
    expect(page.locator("[data-rm-shown]")).to_have_text("All 6 items")


def test_a_filtered_address_opens_with_the_match_past_the_cut(page: Page, light: str):
    page.goto(light + "?text=zeppelin")
    expect(later(page).locator(".rm-card").filter(visible=True)).to_have_count(1)
    assert shown_titles(later(page)) == [PAST_THE_CUT]


def test_a_failed_fetch_says_so_and_pressing_again_retries(page: Page, light: str):
    page.route(re.compile(r"/horizons/later/"), lambda route: route.abort())
    page.goto(light)
    show_all(page).click()
    error = later(page).locator("[data-rm-cap-error]")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Could not load the rest of this list")
    expect(show_all(page)).to_have_text("Show all 5 in Later")
    assert shown_titles(later(page)) == LATER[:2]
    # A filter that needs the missing cards says its results may miss some.
    page.locator("[data-rm-filter-text]").fill("zeppelin")
    expect(page.locator("[data-rm-filters-error]")).to_contain_text("Could not load every item")
    expect(page.locator("[data-rm-shown]")).to_have_text("Showing 0 of 6")
    page.unroute(re.compile(r"/horizons/later/"))
    page.locator("[data-rm-filter-text]").fill("zeppeli")  # a change of filters tries again
    expect(later(page).locator(".rm-card").filter(visible=True)).to_have_count(1)
    expect(page.locator("[data-rm-filters-error]")).to_be_hidden()
    expect(error).to_be_hidden()


def test_while_loading_the_button_and_the_count_say_so(page: Page, light: str):
    held = []
    page.route(re.compile(r"/horizons/later/"), lambda route: held.append(route))
    page.goto(light)
    show_all(page).click()
    expect(show_all(page)).to_have_text("Loading all 5…")
    expect(show_all(page)).to_have_attribute("aria-busy", "true")
    page.locator("[data-rm-filter-text]").fill("zeppelin")
    expect(page.locator("[data-rm-shown]")).to_have_text("Looking through all 6 items…")
    expect(page.locator("[data-rm-nomatch]")).to_be_hidden()  # not "no match" before it knows
    held[0].continue_()
    expect(page.locator("[data-rm-shown]")).to_have_text("Showing 1 of 6")


def test_a_theme_page_adds_only_its_own_theme(page: Page, light: str):
    page.goto(light + "themes/core/")
    expect(later(page).locator("[data-rm-count]")).to_have_text("4")
    show_all(page).click()
    expect(later(page).locator(".rm-card").filter(visible=True)).to_have_count(4)
    assert shown_titles(later(page)) == LATER[:4]


def test_without_javascript_show_all_is_a_link_to_the_whole_horizon(browser, light: str):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(light)
        expect(page.locator("[data-rm-filters]")).to_be_hidden()
        show_all(page).click()
        expect(page).to_have_url(light + "horizons/later/")
        expect(page.locator("h1")).to_have_text(re.compile("^Later"))
        assert shown_titles(page.locator("[data-rm-list]")) == LATER
        # From a theme page, the link carries the theme, which the filters read.
        page.goto(light + "themes/core/")
        expect(show_all(page)).to_have_attribute("href", "../../horizons/later/?theme=core")
        show_all(page).click()
        expect(page).to_have_url(light + "horizons/later/?theme=core")
    finally:
        context.close()


def test_the_horizon_page_filters_by_the_theme_in_its_address(page: Page, light: str):
    page.goto(light + "horizons/later/?theme=core")
    expect(page.locator("[data-rm-list] .rm-card").filter(visible=True)).to_have_count(4)
    expect(page.locator("[data-rm-shown]")).to_have_text("Showing 4 of 5")


def test_printed_a_cut_column_says_where_the_rest_is(page: Page, light: str):
    page.goto(light)
    page.emulate_media(media="print")
    expect(later(page).locator(".rm-card").filter(visible=True)).to_have_count(2)
    expect(show_all(page)).to_be_hidden()
    note = later(page).locator(".rm-cap__print")
    expect(note).to_be_visible()
    expect(note).to_have_text(f"The first 2 of 5; all of them: {light}horizons/later/")


def unlock(page: Page) -> None:
    page.locator("#rm-password").fill(PASSWORD)
    page.locator("#rm-unlock button[type=submit]").click()
    expect(page.locator("[data-rm-logout]")).to_be_visible()


def test_internal_show_all_opens_the_sealed_horizon_page(page: Page, internal: str):
    fetched = []
    page.on(
        "response",
        lambda r: (
            fetched.append(r) if "text/html" in (r.headers.get("content-type") or "") else None
        ),
    )
    page.goto(internal)
    unlock(page)
    expect(later(page).locator("[data-rm-count]")).to_have_text("6")
    assert len(shown_titles(later(page))) == 2
    show_all(page).click()
    expect(later(page).locator(".rm-card").filter(visible=True)).to_have_count(6)
    assert INTERNAL_LATER in shown_titles(later(page))
    # What came over the wire was a locked page: the cards were decrypted in the browser.
    horizon = [r for r in fetched if re.search(r"/[0-9a-f]{20}/$", r.url)]
    assert horizon, [r.url for r in fetched]
    body = horizon[-1].text()
    assert 'id="roadmap-sealed"' in body and INTERNAL_LATER not in body
    # Paused and cancelled is cut as well, and opens the same way.
    stopped = page.locator(".rm-stopped")
    expect(stopped.locator(".rm-card").filter(visible=True)).to_have_count(2)
    stopped.locator("[data-rm-cap-link]").click()
    expect(stopped.locator(".rm-card").filter(visible=True)).to_have_count(3)


def test_internal_filter_after_unlock_finds_an_item_past_the_cut(page: Page, internal: str):
    page.goto(internal)
    unlock(page)
    page.locator("[data-rm-filter-text]").fill("zeppelin")
    expect(later(page).locator(".rm-card").filter(visible=True)).to_have_count(1)
    assert shown_titles(later(page)) == [PAST_THE_CUT]
    expect(page.locator("[data-rm-shown]")).to_have_text("Showing 1 of 10")
    # Its link leads to the item's own (sealed, opaque) page, which opens with the same key.
    later(page).locator(".rm-card__title a", has_text=PAST_THE_CUT).click()
    expect(page).to_have_url(re.compile(r"/[0-9a-f]{20}/$"))
    expect(page.locator("h1").first).to_have_text(re.compile(PAST_THE_CUT))


@pytest.fixture(scope="module")
def long_board(tmp_path_factory) -> Iterator[str]:
    """A board of one card more than LAZY_CARDS, all in Later, on the light site."""
    project = new_project(tmp_path_factory.mktemp("long") / "project")
    project.write("content/roadmap/themes.yml", THEMES)
    for i in range(LAZY_CARDS + 1):
        project.item(f"long-{i:02d}", horizon="later", title=f"Long item {i:02d}")
    result = project.run("build", "--audience", "public")
    assert result.code == 0, result.err
    with serve(project.site("public")) as url:
        yield url


def test_a_long_board_draws_its_cards_as_they_scroll_near(page: Page, long_board: str):
    """Past LAZY_CARDS cards a list is `rm-lazy`: a card off screen is not styled or laid out
    until it scrolls near (content-visibility), which shows a board of hundreds sooner; its
    text is in the page all along (find in page, the filters), and on paper every card is
    drawn."""
    page.set_viewport_size({"width": 1280, "height": 600})
    page.goto(long_board)
    cards = page.locator(".rm-board.rm-lazy .rm-card")
    expect(cards.first).to_be_visible()
    assert cards.count() == LAZY_CARDS + 1
    undrawn = "c => !c.firstElementChild.checkVisibility({contentVisibilityAuto: true})"
    page.wait_for_function(  # decided at the first frame that lays the cards out
        f"() => ({undrawn})(document.querySelectorAll('.rm-board .rm-card')[{LAZY_CARDS}])"
    )
    assert cards.first.evaluate(undrawn) is False
    titles = page.locator(".rm-board").text_content()
    assert all(f"Long item {i:02d}" in titles for i in range(LAZY_CARDS + 1))
    cards.last.scroll_into_view_if_needed()
    page.wait_for_function(
        f"() => !({undrawn})(document.querySelectorAll('.rm-board .rm-card')[{LAZY_CARDS}])"
    )
    page.evaluate("window.scrollTo(0, 0)")
    page.emulate_media(media="print")
    assert not any(c.evaluate(undrawn) for c in cards.all())
