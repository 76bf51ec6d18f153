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
    return sorted(cards.locator(".rm-card__title").all_inner_texts())


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
    text = page.locator("body").inner_text()
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


def test_card_opens_its_item_page(page: Page, base: str):
    page.goto(base)
    title = "Client portal for your customers"
    page.locator(".rm-board .rm-card__title a", has_text=title).click()
    expect(page).to_have_url(re.compile(r"/items/client-portal-for-your-customers/$"))
    expect(page.locator(".md-content h1")).to_have_text(re.compile(rf"^{re.escape(title)}"))
    feedback = page.get_by_role("link", name="Give feedback")
    expect(feedback).to_be_visible()
    expect(feedback).to_have_attribute(
        "href",
        "mailto:roadmap@crewline.example?subject=Roadmap%20feedback%3A%20"
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


def test_no_empty_announcement_banner(page: Page, base: str):
    page.goto(base)
    expect(page.locator(".md-header")).to_be_visible()
    banner = page.locator(".md-banner")
    assert banner.count() == 0 or banner.inner_text().strip(), "an empty banner is shown"
