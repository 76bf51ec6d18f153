"""The sales playbook in a real Chromium, after unlocking the sample internal site: from the
Playbook tab to an account brief, printed to one sheet; talk tracks one group per sheet; an item
page printed without its description twice; the board filtered by customer."""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from test_browser_internal import expect_unlocked, token, unlock

from conftest import Project, serve

pytestmark = pytest.mark.browser

ACCOUNT = "Harrow & Finch Property Services"  # seven asks, every kind of rule but one
MARKING = "Internal and confidential"


@pytest.fixture(scope="module")
def base(sample: Project) -> Iterator[str]:
    with serve(sample.site("internal")) as url:
        yield url


@pytest.fixture
def unlocked(page: Page, base: str) -> Page:
    page.goto(base)
    unlock(page)
    expect_unlocked(page)
    return page


def expect_title(page: Page, title: str) -> None:
    expect(page.locator(".md-content h1")).to_have_text(re.compile(rf"^{re.escape(title)}¶?$"))


def printed(page: Page, paper: str) -> list[str]:
    """The text of each printed page, as Chromium prints it on this paper (ligatures undone,
    spaces collapsed)."""
    reader = PdfReader(io.BytesIO(page.pdf(format=paper)))
    return [" ".join(unicodedata.normalize("NFKC", p.extract_text()).split()) for p in reader.pages]


def expect_nothing_to_click_in_print(page: Page) -> None:
    page.emulate_media(media="print")
    for selector in (".md-header", ".md-tabs", ".md-sidebar", ".md-search", "button", ".md-button"):
        for element in page.locator(selector).all():
            expect(element).not_to_be_visible()
    page.emulate_media(media="screen")


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_account_brief_from_the_playbook_tab_prints_on_one_page(unlocked: Page, paper: str):
    page = unlocked
    page.locator(".md-tabs__link", has_text="Playbook").click()
    expect_title(page, "Sales playbook")  # the overview
    page.locator(".rm-view__title a", has_text="Account briefs").click()
    expect_title(page, "Account briefs")

    # The filter box narrows the accounts to the one typed.
    page.locator("[data-rm-list-filter]").fill("harrow")
    expect(page.locator(".rm-account:visible")).to_have_count(1)
    page.locator(".rm-account__name a", has_text=ACCOUNT).click()
    expect_title(page, ACCOUNT)
    expect_unlocked(page)
    expect(page.locator(".rm-asked")).to_have_count(7)
    sso = page.locator(".rm-asked", has_text="SAML SSO and SCIM user provisioning")
    expect(sso.locator(".rm-asked__line")).to_have_text(
        "Ask Rafael Oyelaran first. Once they agree, say it is committed for 2027-Q1; "
        "until then, say nothing about it."
    )

    pages = printed(page, paper)
    assert len(pages) == 1, f"the brief prints on {len(pages)} {paper} pages"
    assert MARKING in pages[0] and "Say it is committed for 2027-Q1" in pages[0]
    expect_nothing_to_click_in_print(page)


def test_talk_tracks_print_one_group_per_page_each_marked(unlocked: Page, base: str):
    page = unlocked
    page.goto(f"{base}{token('playbook/talk-tracks.md')}/")
    expect_title(page, "Talk tracks")
    groups = page.locator(".rm-track-group h2").all_inner_texts()
    pages = printed(page, "A4")
    assert len(pages) == len(groups)
    for text, group in zip(pages, groups, strict=True):
        assert MARKING in text and group.strip("¶ ") in text


def test_item_page_prints_its_description_once(unlocked: Page, base: str):
    page = unlocked
    page.goto(f"{base}{token('items/offline-field-app.md')}/")
    expect(page.locator(".rm-client-view__frame")).to_be_visible()
    sentence = "Technicians often work where there is no signal"
    assert page.get_by_text(sentence).count() == 2  # theirs is folded away in the panel
    pages = printed(page, "A4")
    assert all(MARKING in text for text in pages)
    assert sum(text.count(sentence) for text in pages) == 1
    expect_nothing_to_click_in_print(page)


def test_board_filters_by_customer_and_cards_name_them(unlocked: Page):
    page = unlocked
    cards = page.locator(".rm-board .rm-card")
    total = cards.count()
    page.locator("select[data-rm-filter=customer]").select_option(label=ACCOUNT)
    shown = page.locator(".rm-board .rm-card:visible")
    expect(shown).not_to_have_count(total)
    for card in shown.all():
        expect(card.locator(".rm-card__customers")).to_contain_text(ACCOUNT)
    shown.first.locator(".rm-card__customers a", has_text=ACCOUNT).click()
    expect_title(page, ACCOUNT)


def test_sample_brief_pages_exist_for_every_customer(sample: Project):
    site = Path(sample.site("internal"))
    for slug in ("harrow-finch-property-services", "northgate-elevator-services"):
        assert (site / token(f"playbook/accounts/{slug}.md") / "index.html").is_file()


def test_timeline_on_a_phone_keeps_its_theme_column_and_marks_what_clients_see(
    unlocked: Page, base: str
):
    page = unlocked
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}{token('timeline.md')}/")
    expect(page.locator(".rm-timeline")).to_be_visible()
    expect(page.locator(".rm-tl-item--seen").first).to_be_visible()
    assert page.locator(".rm-tl-item--seen").count() < page.locator(".rm-tl-item").count()
    # Only the timeline scrolls sideways, and its theme column stays where it was.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    theme = page.locator(".rm-tl-theme").first
    before = theme.bounding_box()
    page.evaluate(
        "(w => { w.scrollLeft = w.scrollWidth; })(document.querySelector('.rm-timeline-wrap'))"
    )
    assert page.evaluate("document.querySelector('.rm-timeline-wrap').scrollLeft") > 100
    assert theme.bounding_box()["x"] == before["x"]
