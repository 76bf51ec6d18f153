"""An account's link in Chromium: it opens the light roadmap plus exactly the items approved for
that account, without a password; after revocation or rotation the old link opens nothing."""

from __future__ import annotations

from test_accounts import ACCOUNTS, build, link_for, shared_item

from conftest import Project, serve

CLOSED = "This link no longer opens anything; ask your contact for a new one."
# The locked page has said something (null-safe: a page fetched again is briefly empty).
# A function, not an expression: Playwright polls an expression with eval, which the page's
# policy refuses once the first check has not found it.
MESSAGE = "() => (document.getElementById('rm-message') || {}).textContent"


def setup_accounts(project: Project) -> None:
    project.write("content/accounts.yml", ACCOUNTS)
    project.item("open", title="Open for all")
    shared_item(project, "for-acme", title="Fleet radar for Acme")
    shared_item(
        project,
        "for-zenith",
        title="Harbour sync for Zenith",
        approvals="  - account: zenith\n    approved_by: Sam Lead\n    on: 2026-11-20\n",
    )
    project.item("asked", visibility="ask-first", title="Still to be asked")


def card_titles(page) -> list[str]:
    page.wait_for_selector(".rm-card__title", timeout=10_000)
    # the DOM's text: a card off screen is not rendered, and innerText reads what is
    return sorted(
        " ".join(t.text_content().split()) for t in page.query_selector_all(".rm-card__title")
    )


def test_an_account_link_opens_exactly_its_items(project, page):
    setup_accounts(project)
    assert build(project).code == 0
    acme = link_for(project)
    with serve(project.root / "site") as base:
        page.goto(base + acme.url(None))
        assert card_titles(page) == ["Fleet radar for Acme", "Open for all"]
        assert page.inner_text(".rm-card__shared") == "Shared with Acme Widgets Incorporated"
        assert page.inner_text("[data-rm-logout]") == "Lock"  # no password to log out of
        # The key left the address bar at once, and stays in this tab's session only.
        assert page.url == base + acme.path
        key = acme.fragment.removeprefix("#k=")
        assert page.evaluate("sessionStorage.getItem('roadmap-link')") == key
        stored = page.evaluate("JSON.stringify(localStorage)")  # Material keeps its own there
        assert key not in stored and "roadmap" not in stored
        page.click("text=Fleet radar for Acme")
        page.wait_for_selector(".rm-shared-note", timeout=10_000)
        assert page.inner_text(".rm-shared-note") == "Shared with Acme Widgets Incorporated"
        body = page.text_content("body")
        for absent in ("Zenith", "Harbour sync", "Still to be asked", "Pat Owner"):
            assert absent not in body, absent
        # Another account's key on this folder opens nothing, and says so.
        other = page.context.new_page()
        other.goto(base + acme.path + link_for(project, "zenith").fragment)
        other.wait_for_function(MESSAGE)
        assert other.inner_text("#rm-message") == CLOSED
        assert other.query_selector(".rm-card") is None
        # Without the key (a copied address): the page says where the key is.
        bare = page.context.browser.new_context().new_page()
        bare.goto(base + acme.path)
        bare.wait_for_function(MESSAGE)
        assert "opens only from the link you were sent" in bare.inner_text("#rm-message")
        bare.context.close()


def test_revoked_and_rotated_links_open_nothing(project, browser):
    setup_accounts(project)
    assert build(project).code == 0
    old = link_for(project)
    # Rotation: a new link_version; the old folder is gone, the old key opens nothing.
    project.write("content/accounts.yml", ACCOUNTS.replace("  note:", "  link_version: 2\n  note:"))
    assert build(project).code == 0
    rotated = link_for(project)
    assert rotated.folder != old.folder
    with serve(project.root / "site") as base:
        context = browser.new_context()
        page = context.new_page()
        response = page.goto(base + old.url(None))
        assert response.status == 404
        page.goto(base + rotated.path + old.fragment)
        page.wait_for_function(MESSAGE)
        assert page.inner_text("#rm-message") == CLOSED
        page.goto(base + rotated.url(None))
        assert card_titles(page) == ["Fleet radar for Acme", "Open for all"]
        context.close()
    # Revocation: the approval removed; acme has no site left at all.
    (project.content / "roadmap" / "for-acme.md").unlink()
    assert build(project).code == 0
    assert link_for(project) is None
    with serve(project.root / "site") as base:
        context = browser.new_context()
        page = context.new_page()
        assert page.goto(base + rotated.url(None)).status == 404
        context.close()
