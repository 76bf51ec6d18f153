"""Content-Security-Policy and subresource integrity on both sites, in a real Chromium: the
sites run under their policies without a single violation, an inline script that the theme did
not write does not run, and a script changed on the host is refused."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import PASSWORD, Project, serve

pytestmark = pytest.mark.browser

VIOLATION = re.compile(r"Content.Security.Policy|integrity", re.I)


def watch(page: Page) -> list[str]:
    """Console messages about the policy or integrity, as Chromium reports them."""
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text) if VIOLATION.search(m.text) else None)
    return seen


def search(page: Page, words: str) -> None:
    box = page.locator(".md-search__input")
    box.click()
    box.press_sequentially(words)
    expect(page.locator(".md-search-result__item").first).to_be_visible()
    page.keyboard.press("Escape")


def test_light_site_runs_under_its_policy(page: Page, any_sample: Project):
    sample = any_sample
    seen = watch(page)
    with serve(sample.site("public")) as url:
        page.goto(url)
        expect(page.locator("[data-rm-filters]")).to_be_visible()  # board.js ran
        search(page, "offline")
        page.locator(".rm-board .rm-card__title a").first.click()
        expect(page.locator(".md-content h1").first).to_be_visible()
        page.goto(url + "404.html")  # as a host serves it for a missing address
        expect(page.locator(".md-content h1")).to_contain_text("not on the roadmap")
    html = (sample.site("public") / "index.html").read_text()
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html).group(1)
    assert "'unsafe-inline'" not in re.search(r"script-src ([^;]*)", policy).group(1)
    assert seen == []


def test_internal_site_runs_under_its_policy_once_unlocked(page: Page, any_sample: Project):
    sample = any_sample
    seen = watch(page)
    with serve(sample.site("internal")) as url:
        page.goto(url)
        page.locator("#rm-password").fill(PASSWORD)
        page.locator("#rm-unlock button[type=submit]").click()
        expect(page.locator("[data-rm-logout]")).to_be_visible()
        expect(page.locator("[data-rm-filters]")).to_be_visible()
        search(page, "Halyard")
        page.locator(".rm-board .rm-card__title a").first.click()
        expect(page.locator(".md-content h1").first).to_be_visible()
    assert seen == []


def test_scripts_carry_integrity_attributes(any_sample: Project):
    html = (any_sample.site("public") / "index.html").read_text()
    scripts = re.findall(r"<script\b[^>]*\bsrc=[^>]*>", html)
    assert len(scripts) >= 2  # Material's bundle, board.js
    assert all(re.search(r'integrity="sha384-[A-Za-z0-9+/]{64}"', s) for s in scripts), scripts


def test_a_script_changed_on_the_host_is_refused(page: Page, sample: Project, tmp_path: Path):
    site = Path(shutil.copytree(sample.site("public"), tmp_path / "public"))
    board = site / "assets/roadmap/board.js"
    board.write_text(board.read_text() + "\nwindow.tampered = true;\n")
    seen = watch(page)
    with serve(site) as url:
        page.goto(url)
        expect(page.locator(".rm-board")).to_be_visible()
        page.wait_for_load_state("load")
        assert page.evaluate("window.tampered") is None
        expect(page.locator("[data-rm-filters]")).to_be_hidden()  # board.js did not run
    assert any("integrity" in m for m in seen), seen


def test_an_inline_script_from_content_does_not_run(page: Page, project: Project):
    project.page(
        "about.md",
        "# About\n\n<script>window.injected = true</script>\n",
        visibility="public",
    )
    assert project.run("build", "--audience", "public").code == 0
    seen = watch(page)
    with serve(project.site("public")) as url:
        page.goto(url + "about/")
        expect(page.locator(".md-content h1")).to_contain_text("About")
        page.wait_for_load_state("load")
        assert page.evaluate("window.injected") is None
    assert any("Content Security Policy" in m for m in seen), seen
