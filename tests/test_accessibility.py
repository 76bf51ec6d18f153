"""Accessibility in a real Chromium: axe-core run inside every kind of page of both sites (the
locked page included), light and dark, desktop and phone, must report no serious or critical
violation; and the keyboard reaches the controls in a sensible order, with a visible focus."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import PASSWORD, Project, sample_token, serve

pytestmark = pytest.mark.browser

MODES = {
    "light-desktop": ("light", 1280, 900),
    "dark-desktop": ("dark", 1280, 900),
    "light-phone": ("light", 390, 844),
    "dark-phone": ("dark", 390, 844),
}
LIGHT_PAGES = {
    "board": "",
    "board, filtered to nothing": "?theme=field-app&text=nothing-has-this-word",
    "item": "items/quote-approvals/",
    "theme": "themes/field-app/",
    "themes overview": "themes/",
    "shipped": "shipped/",
    "a horizon's every card": "horizons/next/",
    "hand-written page": "about/",
}
INTERNAL_PAGES = {
    "board": "index.md",
    "item": "items/auto-scheduler.md",
    "internal item": "items/travel-time-matrix.md",
    "timeline": "timeline.md",
    "theme": "themes/scheduling-dispatch.md",
    "themes overview": "themes/index.md",
    "shipped": "shipped.md",
    "a horizon's every card": "horizons/next.md",
    "playbook": "playbook/index.md",
    "account briefs": "playbook/accounts/index.md",
    "account brief": "playbook/accounts/harrow-finch-property-services.md",
    "talk tracks": "playbook/talk-tracks.md",
    "negotiation guide": "playbook/negotiation.md",
    "what changed": "changes.md",
}
# On a phone the same pages and colours reflow: the kinds whose layout changes most are run there.
ON_PHONES = ("board", "item", "hand-written page")
SERIOUS = """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
  .filter(v => v.impact === "serious" || v.impact === "critical")
  .map(v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(" ")).join(", ")}`)"""


@functools.cache
def internal_url(src_uri: str) -> str:
    if src_uri == "index.md":
        return ""
    return sample_token(src_uri) + "/"


def serious_violations(page: Page, axe_js: Path) -> list[str]:
    page.wait_for_load_state("load")
    page.add_script_tag(path=str(axe_js))
    return page.evaluate(SERIOUS)


@pytest.fixture(scope="module")
def light(sample: Project) -> Iterator[str]:
    with serve(sample.site("public")) as url:
        yield url


@pytest.fixture(scope="module")
def internal(sample: Project) -> Iterator[str]:
    with serve(sample.site("internal")) as url:
        yield url


@pytest.fixture(params=list(MODES))
def mode_page(request, browser) -> Iterator[Page]:
    scheme, width, height = MODES[request.param]
    # bypass_csp: axe is injected as an inline script, which the sites' CSP rightly refuses.
    context = browser.new_context(
        viewport={"width": width, "height": height}, color_scheme=scheme, bypass_csp=True
    )
    yield context.new_page()
    context.close()


def on_this_screen(pages: dict[str, str], page: Page) -> dict[str, str]:
    phone = page.viewport_size["width"] < 600
    return {k: v for k, v in pages.items() if not phone or k in ON_PHONES}


def test_light_pages_have_no_serious_violations(mode_page: Page, light: str, axe_js: Path):
    found = {}
    for name, path in on_this_screen(LIGHT_PAGES, mode_page).items():
        mode_page.goto(light + path)
        found[name] = serious_violations(mode_page, axe_js)
    assert not any(found.values()), {k: v for k, v in found.items() if v}


def test_internal_pages_once_unlocked_have_no_serious_violations(
    mode_page: Page, internal: str, axe_js: Path
):
    mode_page.goto(internal)
    mode_page.locator("#rm-password").fill(PASSWORD)
    mode_page.locator("#rm-unlock button[type=submit]").click()
    expect(mode_page.locator("[data-rm-logout]")).to_be_attached()
    found = {}
    for name, src_uri in on_this_screen(INTERNAL_PAGES, mode_page).items():
        mode_page.goto(internal + internal_url(src_uri))
        expect(mode_page.locator(".md-content h1").first).to_be_visible()
        found[name] = serious_violations(mode_page, axe_js)
    assert not any(found.values()), {k: v for k, v in found.items() if v}


def test_locked_page_has_no_serious_violations(mode_page: Page, internal: str, axe_js: Path):
    mode_page.goto(internal)
    expect(mode_page.locator("#rm-password")).to_be_visible()
    assert serious_violations(mode_page, axe_js) == []


# --- Keyboard ---------------------------------------------------------------------------------


def tab_order(page: Page, stops: int) -> list[str]:
    """What each Tab press lands on: its role-ish tag and its accessible text."""
    seen = []
    for _ in range(stops):
        page.keyboard.press("Tab")
        seen.append(
            page.evaluate(
                """() => { const el = document.activeElement;
                  return `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}:${(el.getAttribute(
                    "aria-label") || el.textContent || "").trim().replace(/\\s+/g, " ")}`; }"""
            )
        )
    return seen


def test_board_keyboard_order_reaches_filters_then_cards(page: Page, light: str):
    page.goto(light)
    order = tab_order(page, 40)
    chips = [i for i, s in enumerate(order) if s.startswith("button:") and "All" in s]
    find = order.index("input#rm-filter-text:")
    first_card = next(i for i, s in enumerate(order) if s == "a:Automatic scheduling")
    assert chips and chips[0] < find < first_card, order
    # Heading anchors ("¶") are not tab stops; the table of contents links to the headings.
    assert not any(s.endswith(":¶") for s in order), order
    # A chip pressed from the keyboard filters, and pressing it again releases it.
    page.goto(light)
    chip = page.locator('[data-rm-filter="status"][data-value="planned"]')
    chip.focus()
    expect(chip).to_be_focused()
    page.keyboard.press("Enter")
    expect(chip).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Space")
    expect(chip).to_have_attribute("aria-pressed", "false")
    expect(page.locator('[data-rm-filter="status"][data-value=""]')).to_have_attribute(
        "aria-pressed", "true"
    )


def test_focus_is_visible_on_chips_and_links(page: Page, light: str):
    page.goto(light)
    chip = page.locator("[data-rm-filter]").nth(1)
    chip.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # focus by keyboard, so :focus-visible applies
    expect(chip).to_be_focused()
    outline = chip.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline not in ("none", ""), outline


def test_item_page_keyboard_reaches_the_vote_link_and_skips_heading_anchors(page: Page, light: str):
    page.goto(light + "items/automatic-scheduling/")
    order = tab_order(page, 30)
    assert "a:This matters to us" in order, order
    assert not any(s.endswith(":¶") for s in order), order
    assert order.index("a:This matters to us") < order.index("a:Request a feature"), order
