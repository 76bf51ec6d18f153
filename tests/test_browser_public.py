"""The light site in a real Chromium: the Now/Next/Later board, its filters, item pages, search,
a phone-width layout and print. Built from the sample content in content/ (company "Crewline")."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from conftest import Project, serve

pytestmark = pytest.mark.browser

# What the light site must show from content/: public items only, with their `public:` overrides
# (auto-scheduler, offline-field-app and customer-portal have client-facing titles).
BOARD = {
    "Now": [
        "Automatic scheduling",
        "Technician app that works offline",
        "Client portal for your customers",
        "Public API v2 and webhooks",
    ],
    "Next": [
        "Multi-day and multi-visit jobs",
        "Van stock tracking",
        "Recurring service agreements and renewals",
    ],
    "Later": ["Automated review requests", "Multi-currency invoicing"],
}
# Titles that must never reach the light site: internal items, an ask-first one, a paused one.
INTERNAL_TITLES = [
    "Drive-time matrix service (Halyard phase 1)",  # internal, Now
    "Embedded card and ACH payments",  # internal, Now
    "Technician timesheets and payroll export",  # ask-first, Next
    "Two-way SMS with customers",  # public but paused: hidden from clients
    "Smartwatch companion app",  # internal, Later
]


@pytest.fixture(scope="module")
def base(sample: Project):
    with serve(sample.site("public")) as url:
        yield url


def board_column(page: Page, label: str):
    return page.locator(".rm-board .rm-column").filter(
        has=page.locator(".rm-column__title", has_text=re.compile(rf"^{label}"))
    )


def visible_titles(page: Page, label: str) -> list[str]:
    cards = board_column(page, label).locator(".rm-card").filter(visible=True)
    return card_titles(cards)


def card_titles(cards) -> list[str]:
    """The titles of `cards`, from the DOM's text: a card off screen is not rendered until it
    scrolls near (content-visibility), and innerText reads only what is rendered."""
    return sorted(" ".join(t.split()) for t in cards.locator(".rm-card__title").all_text_contents())


def expect_board(page: Page, expected: dict[str, list[str]]) -> None:
    """Each column shows exactly these cards (any order) and counts them."""
    for label, titles in expected.items():
        column = board_column(page, label)
        cards = column.locator(".rm-card").filter(visible=True)
        expect(cards).to_have_count(len(titles))
        expect(column.locator("[data-rm-count]")).to_have_text(str(len(titles)))
        assert visible_titles(page, label) == sorted(titles), label
        empty = column.locator(".rm-empty--filtered")
        if titles:
            expect(empty).to_be_hidden()
        else:
            expect(empty).to_be_visible()


def chip(page: Page, group: str, label: str):
    return page.locator(
        f'[data-rm-filter="{group}"]', has_text=re.compile(rf"^{re.escape(label)}$")
    )


def search(page: Page, query: str) -> None:
    """Type in Material's search box (key by key: Material reacts to keyboard events)."""
    box = page.locator(".md-search__input")
    box.click()
    box.fill("")
    box.press_sequentially(query)


def test_board_shows_three_columns_with_the_public_cards(page: Page, base: str):
    page.goto(base)
    expect(page.locator(".rm-board .rm-column__title")).to_have_text(
        [re.compile(rf"^{label}\b") for label in ("Now", "Next", "Later")]
    )
    expect_board(page, BOARD)
    # Side by side at 1280 px: one row, three columns.
    boxes = [c.bounding_box() for c in page.locator(".rm-board .rm-column").all()]
    assert len({round(b["y"]) for b in boxes}) == 1
    assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"]
    text = page.locator("body").text_content()  # rendered or not
    for title in INTERNAL_TITLES:
        assert title not in text
    # The filter bar is hidden in the HTML and shown by board.js.
    expect(page.locator("[data-rm-filters]")).to_be_visible()


def test_filters_by_theme_then_status_and_all_restores(page: Page, base: str):
    page.goto(base)
    field_app = chip(page, "theme", "Technician mobile app")
    field_app.click()
    expect(field_app).to_have_attribute("aria-pressed", "true")
    expect(chip(page, "theme", "All")).to_have_attribute("aria-pressed", "false")
    expect_board(
        page,
        {"Now": ["Technician app that works offline"], "Next": ["Van stock tracking"], "Later": []},
    )
    for card in page.locator(".rm-board .rm-card").filter(visible=True).all():
        assert card.get_attribute("data-theme") == "field-app"

    # A status chip narrows the theme's cards further: both filters apply.
    chip(page, "status", "Planned").click()
    expect(chip(page, "status", "Planned")).to_have_attribute("aria-pressed", "true")
    expect(field_app).to_have_attribute("aria-pressed", "true")
    expect_board(page, {"Now": [], "Next": ["Van stock tracking"], "Later": []})

    # Theme "All" keeps the status filter.
    chip(page, "theme", "All").click()
    expect_board(
        page,
        {
            "Now": [],
            "Next": [
                "Multi-day and multi-visit jobs",
                "Van stock tracking",
                "Recurring service agreements and renewals",
            ],
            "Later": ["Automated review requests"],
        },
    )

    # Status "All" as well: the whole board is back.
    chip(page, "status", "All").click()
    expect_board(page, BOARD)
    expect(page.locator(".rm-board .rm-card[hidden]")).to_have_count(0)


def test_card_opens_its_item_page_with_a_vote_link_for_it(page: Page, base: str):
    page.goto(base)
    title = "Client portal for your customers"
    page.locator(".rm-board .rm-card__title a", has_text=title).click()
    expect(page).to_have_url(re.compile(r"/items/client-portal-for-your-customers/$"))
    expect(page.locator(".md-content h1")).to_have_text(re.compile(rf"^{re.escape(title)}"))
    vote = page.get_by_role("link", name="This matters to us")
    expect(vote).to_be_visible()
    expect(vote).to_have_attribute(
        "href",
        "mailto:roadmap@crewline.example?subject=Roadmap%20request%3A%20"
        "Client%20portal%20for%20your%20customers",
    )


def test_search_finds_public_items_and_nothing_internal(page: Page, base: str):
    page.goto(base)
    results = page.locator(".md-search-result__item")
    meta = page.locator(".md-search-result__meta")

    # A word of a public title: the search works and finds the item.
    search(page, "portal")
    expect(results.first).to_be_visible()
    expect(results.locator("h1", has_text="Client portal for your customers")).to_have_count(1)

    # The title of an internal item, quoted so every word must match: nothing.
    search(page, '"Drive-time matrix service (Halyard phase 1)"')
    expect(meta).to_have_text("No matching documents")
    expect(results).to_have_count(0)

    # Its codename alone: nothing either.
    search(page, "Halyard")
    expect(meta).to_have_text("No matching documents")

    # Unquoted, other words of the title match public pages, but never the internal item.
    search(page, "Drive-time matrix service")
    expect(results.first).to_be_visible()
    assert "Drive-time matrix" not in page.locator(".md-search-result").inner_text()


def test_phone_width_is_one_column_without_horizontal_scroll(page: Page, base: str):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base)
    columns = page.locator(".rm-board .rm-column")
    expect(columns).to_have_count(3)
    boxes = [c.bounding_box() for c in columns.all()]
    assert len({round(b["x"]) for b in boxes}) == 1, boxes  # stacked, not side by side
    assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"]
    assert all(b["width"] <= 390 for b in boxes)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # An item page too: long titles, facts and buttons must wrap.
    page.goto(base + "items/client-portal-for-your-customers/")
    expect(page.locator(".md-content h1")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.parametrize("width", [1280, 760], ids=["wide", "paper"])
def test_print_hides_header_and_filters_and_keeps_three_columns(page: Page, base: str, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(base)
    expect(page.locator("[data-rm-filters]")).to_be_visible()  # on screen
    page.emulate_media(media="print")
    expect(page.locator(".md-header")).to_be_hidden()
    expect(page.locator("[data-rm-filters]")).to_be_hidden()
    expect(page.locator(".md-search")).to_be_hidden()
    boxes = [c.bounding_box() for c in page.locator(".rm-board .rm-column").all()]
    assert len(boxes) == 3
    assert len({round(b["y"]) for b in boxes}) == 1, boxes  # one row
    assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"]
    expect(page.locator(".rm-board .rm-card").filter(visible=True)).to_have_count(
        sum(map(len, BOARD.values()))
    )


def test_a_short_board_draws_every_card_at_once(page: Page, base: str):
    """Only a long list leaves its off-screen cards undrawn (test_browser_board_cap): the
    sample's board is drawn whole, so a full-page capture of it shows every card."""
    page.set_viewport_size({"width": 1280, "height": 300})
    page.goto(base)
    cards = page.locator(".rm-card")
    expect(cards.first).to_be_visible()
    assert page.locator(".rm-lazy").count() == 0
    assert {c.evaluate("c => getComputedStyle(c).contentVisibility") for c in cards.all()} == {
        "visible"
    }


def test_no_empty_announcement_banner(page: Page, base: str):
    page.goto(base)
    expect(page.locator(".md-header")).to_be_visible()
    banner = page.locator(".md-banner")
    assert banner.count() == 0 or banner.inner_text().strip(), "an empty banner is shown"


# --- Filters in the address ---------------------------------------------------------------------

RECENT = ["Zapier app", "Photo markup on job reports", "Custom inspection forms builder"]


def shown_titles(page: Page) -> list[str]:
    return card_titles(page.locator(".md-content .rm-card").filter(visible=True))


def test_a_filtered_address_opens_filtered_and_back_restores_each_step(page: Page, base: str):
    # A link a colleague sent: theme and status from the query string, on load.
    page.goto(base + "?theme=field-app&status=planned")
    expect(chip(page, "theme", "Technician mobile app")).to_have_attribute("aria-pressed", "true")
    expect(chip(page, "status", "Planned")).to_have_attribute("aria-pressed", "true")
    expect_board(page, {"Now": [], "Next": ["Van stock tracking"], "Later": []})
    expect(page.locator("[data-rm-shown]")).to_have_text("Showing 1 of 12")
    expect(page.locator(".rm-recent")).to_be_hidden()  # "Recently shipped" is filtered too

    chip(page, "status", "All").click()
    expect(page).to_have_url(re.compile(r"\?theme=field-app$"))
    # Every section of the page: the board and "Recently shipped" alike.
    assert shown_titles(page) == sorted(
        ["Technician app that works offline", "Van stock tracking"]
        + ["Photo markup on job reports", "Custom inspection forms builder"]
    )
    page.locator("[data-rm-filter-text]").fill("markup")
    expect(page).to_have_url(re.compile(r"\?theme=field-app&text=markup$"))
    assert shown_titles(page) == ["Photo markup on job reports"]

    page.go_back()
    expect(page).to_have_url(re.compile(r"\?theme=field-app$"))
    expect(page.locator("[data-rm-filter-text]")).to_have_value("")
    expect(page.locator(".md-content .rm-card").filter(visible=True)).to_have_count(4)
    page.go_back()
    expect(page).to_have_url(re.compile(r"\?theme=field-app&status=planned$"))
    expect_board(page, {"Now": [], "Next": ["Van stock tracking"], "Later": []})
    page.go_forward()
    expect(page.locator(".md-content .rm-card").filter(visible=True)).to_have_count(4)


def test_pressing_a_pressed_chip_releases_it(page: Page, base: str):
    page.goto(base)
    planned = chip(page, "status", "Planned")
    planned.click()
    expect(planned).to_have_attribute("aria-pressed", "true")
    planned.click()
    expect(planned).to_have_attribute("aria-pressed", "false")
    expect(chip(page, "status", "All")).to_have_attribute("aria-pressed", "true")
    expect(page).to_have_url(base)
    expect_board(page, BOARD)


def test_nothing_matches_shows_one_message_and_clear_filters_restores(page: Page, base: str):
    page.goto(base + "?status=exploring&tag=mobile")
    nomatch = page.locator("[data-rm-nomatch]")
    expect(nomatch).to_be_visible()
    expect(nomatch).to_contain_text("No items match these filters.")
    expect(page.locator(".rm-empty--filtered").filter(visible=True)).to_have_count(0)
    expect(page.locator("[data-rm-shown]")).to_have_text("Showing 0 of 12")
    nomatch.get_by_role("button", name="Clear filters").click()
    expect(nomatch).to_be_hidden()
    expect(page).to_have_url(base)
    expect_board(page, BOARD)
    assert shown_titles(page) == sorted(sum(BOARD.values(), []) + RECENT)
    expect(page.locator("[data-rm-shown]")).to_have_text("All 12 items")


def test_tags_link_to_the_filtered_board(page: Page, base: str):
    page.goto(base + "items/technician-app-that-works-offline/")
    page.locator(".rm-tags").get_by_role("link", name="mobile").click()
    expect(page).to_have_url(re.compile(r"/\?tag=mobile$"))
    expect(page.locator("[data-rm-tag-chip]")).to_contain_text("Tag: mobile")
    expected = {"Technician app that works offline", "Van stock tracking"}
    expected |= {"Photo markup on job reports", "Custom inspection forms builder"}
    assert shown_titles(page) == sorted(expected)
    # On the board a tag filters in place; the tag chip releases it.
    page.locator(".rm-card", has_text="Van stock tracking").get_by_role(
        "link", name="inventory"
    ).click()
    expect(page).to_have_url(re.compile(r"/\?tag=inventory$"))
    assert shown_titles(page) == ["Van stock tracking"]
    page.locator("[data-rm-release=tag]").click()
    expect(page).to_have_url(base)
    expect_board(page, BOARD)


def test_without_javascript_every_card_shows_and_the_filters_stay_hidden(browser, base: str):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base + "?theme=field-app&tag=mobile")
    expect(page.locator("[data-rm-filters]")).to_be_hidden()
    expect(page.locator("[data-rm-nomatch]")).to_be_hidden()
    expect(page.locator(".md-content .rm-card")).to_have_count(12)
    expect(page.locator(".md-content .rm-card").filter(visible=True)).to_have_count(12)
    context.close()


# --- Themes, shipped, asking ------------------------------------------------------------------


def test_themes_tab_opens_an_overview_that_links_to_the_filtered_board(page: Page, base: str):
    page.goto(base)
    page.locator(".md-tabs__link", has_text="Themes").click()
    expect(page).to_have_url(re.compile(r"/themes/$"))
    cards = page.locator(".rm-theme-card")
    expect(cards).to_have_count(5)
    field_app = cards.filter(has_text="Technician mobile app")
    expect(field_app).to_contain_text("1 now")
    expect(field_app).to_contain_text("2 shipped")
    field_app.get_by_role("link", name=re.compile("^See on the board")).click()
    expect(page).to_have_url(re.compile(r"/\?theme=field-app$"))
    expect(chip(page, "theme", "Technician mobile app")).to_have_attribute("aria-pressed", "true")


def test_shipped_is_a_dense_list_by_month_with_release_notes(page: Page, base: str):
    page.goto(base + "shipped/")
    months = page.locator(".rm-month__title")
    expect(months.first).to_have_text(re.compile(r"^October 2026"))
    expect(months).to_have_count(7)
    rows = page.locator(".rm-shipped__row")
    expect(rows).to_have_count(7)
    expect(page.locator(".rm-card")).to_have_count(0)  # no card, no badge per item
    assert page.locator(".md-content").inner_text().lower().count("shipped") == 1  # the title
    zapier = rows.filter(has_text="Zapier app")
    expect(zapier.get_by_role("link", name=re.compile("^Release notes"))).to_have_attribute(
        "href", "https://help.crewline.example/release-notes/2026-10#zapier-app"
    )
    expect(rows.filter(has_text="Redesigned dispatch board").locator(".rm-notes")).to_have_count(0)
    # Dense: a row is a line of title and a summary, not a card.
    assert zapier.bounding_box()["height"] < 100  # a card of the board is about 150


@pytest.mark.parametrize(
    "path",
    ["", "items/automatic-scheduling/", "themes/", "themes/field-app/", "shipped/", "about/"],
)
def test_every_page_has_a_request_link(page: Page, base: str, path: str):
    page.goto(base + path)
    link = page.locator(".rm-ask-band").get_by_role("link", name="Request a feature")
    expect(link).to_be_visible()
    expect(link).to_have_attribute(
        "href", "mailto:roadmap@crewline.example?subject=Roadmap%20request%3A%20"
    )


def test_about_page_call_to_action_links_to_the_request_address(page: Page, base: str):
    page.goto(base + "about/")
    section = page.locator("#tell-us-what-you-think + p")
    expect(section.get_by_role("link", name="Request a feature")).to_have_attribute(
        "href", "mailto:roadmap@crewline.example?subject=Roadmap%20request%3A%20"
    )


# --- Search ------------------------------------------------------------------------------------


def test_search_snippets_are_clean_and_items_come_up_once(page: Page, base: str):
    page.goto(base)
    search(page, "QuickBooks")
    results = page.locator(".md-search-result__item")
    expect(results.first).to_be_visible()
    text = page.locator(".md-search-result").inner_text()
    assert "Two-way QuickBooks Online sync" in text
    for glued in ("ShippedShipped", "In progressNow", "PlannedNext", "Release notes", "#"):
        assert glued not in text, glued
    # The board, the theme pages and the shipped list repeat item text: they are not results.
    hrefs = results.locator("a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert hrefs and all("/items/" in h or "/about/" in h for h in hrefs), hrefs
    titles = [t for t in results.locator("h1").all_inner_texts() if "QuickBooks" in t]
    assert titles == ["Two-way QuickBooks Online sync"]


# --- Phone, print, previews ------------------------------------------------------------------


def test_phone_shows_the_first_card_on_the_first_screen(page: Page, base: str):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base)
    first = page.locator(".rm-board .rm-card").first
    box = first.bounding_box()
    assert box["y"] + box["height"] <= 844, box  # the whole first card, without scrolling
    # The rest of the intro is behind "More", and comes back with it.
    more = page.get_by_role("button", name="More")
    expect(more).to_have_attribute("aria-expanded", "false")
    second = page.locator(".rm-intro > p").nth(1)
    expect(second).to_be_hidden()
    more.click()
    expect(second).to_be_visible()
    expect(page.get_by_role("button", name="Less")).to_have_attribute("aria-expanded", "true")


def printed(page: Page) -> list[str]:
    """The page printed by Chromium (A4 landscape from the site's CSS): the text of each sheet."""
    import io

    from pypdf import PdfReader

    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    return [sheet.extract_text() for sheet in PdfReader(io.BytesIO(pdf)).pages]


def test_board_prints_one_sheet_per_horizon_at_most_with_who_where_when(page: Page, base: str):
    page.goto(base)
    sheets = printed(page)
    assert len(sheets) <= 3, len(sheets)
    first = sheets[0]
    for column in ("Now", "Next", "Later"):
        assert column in first
    for title in sum(BOARD.values(), []):
        assert title.split()[0] in first, title  # the whole board is on the first sheet
    assert "Crewline roadmap" in first
    assert base.rstrip("/") in first.replace("\n", "")  # no site_url: the page's own address
    assert "As of " in first
    assert "Request a feature" not in "".join(sheets)  # buttons are not printed
    for sheet in sheets:
        assert "not a commitment to deliver" in sheet  # the disclaimer on every sheet


def test_a_filtered_board_prints_its_own_address(page: Page, base: str):
    page.goto(base + "?status=in-progress")
    sheets = printed(page)
    assert len(sheets) == 1
    assert f"{base}?status=in-progress" in sheets[0].replace("\n", "")
    assert "Van stock tracking" not in sheets[0]  # planned: filtered out on paper too
