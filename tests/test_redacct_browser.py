"""Red team on account sites, in Chromium: what a browser kept of an account's site must not
open once the account's link was revoked."""

from __future__ import annotations

from test_accounts import build, link_for
from test_browser_accounts import CLOSED, MESSAGE, card_titles, setup_accounts

from conftest import serve


def test_redacct_a_cached_page_of_a_revoked_link_opens_nothing(project, browser):
    setup_accounts(project)
    assert build(project).code == 0
    acme = link_for(project)
    with serve(project.root / "site", cache=True) as base:
        context = browser.new_context()
        page = context.new_page()
        page.goto(base + acme.url(None))
        assert card_titles(page) == ["Fleet radar for Acme", "Open for all"]
        (project.content / "roadmap" / "for-acme.md").unlink()  # revoked
        assert build(project).code == 0
        assert not (project.root / "site" / "accounts" / acme.folder).exists()
        # The browser still holds the page (max-age): the link, in a new tab, and the same tab
        # (its session keeps the key) both find the folder gone and open nothing.
        again = context.new_page()
        again.goto(base + acme.url(None))
        again.wait_for_function(MESSAGE)
        assert again.inner_text("#rm-message") == CLOSED
        assert again.query_selector(".rm-card") is None
        assert again.evaluate("sessionStorage.getItem('roadmap-link')") is None
        page.goto(base + acme.path)
        page.wait_for_function(MESSAGE)
        assert page.inner_text("#rm-message") == CLOSED
        assert page.query_selector(".rm-card") is None
        context.close()


def test_redacct_an_account_404_page_opens_with_its_folders_build(project, page):
    import shutil

    setup_accounts(project)
    assert build(project).code == 0
    acme = link_for(project)
    folder = project.root / "site" / "accounts" / acme.folder
    # Hosts like Cloudflare Pages answer a missing address with the nearest 404.html: here,
    # the account's own, inside its folder.
    (folder / "missing").mkdir()
    shutil.copyfile(folder / "404.html", folder / "missing" / "index.html")
    with serve(project.root / "site") as base:
        page.goto(base + acme.url(None))
        assert card_titles(page) == ["Fleet radar for Acme", "Open for all"]
        page.goto(base + acme.path + "missing/")
        page.wait_for_function("() => !document.getElementById('roadmap-sealed')")
        assert "This page is not on the roadmap" in page.inner_text("body")
        key = acme.fragment.removeprefix("#k=")
        assert page.evaluate("sessionStorage.getItem('roadmap-link')") == key
