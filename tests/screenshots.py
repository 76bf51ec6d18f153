"""Screenshots of both sites built from the sample content, for the README and for review.

    .venv/bin/python tests/screenshots.py [output folder]

Builds the sample content in content/ into a temporary project (the internal site with the test
password of conftest.py), serves each site on 127.0.0.1 and writes PNG files into
.github/screenshots/ unless another folder is given. Not a test: pytest does not collect it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from conftest import CHROMIUM, CHROMIUM_ARGS, PASSWORD, ROOT, new_project, serve

OUT = ROOT / ".github" / "screenshots"


def shoot(page: Page, out: Path, name: str, *, full_page: bool = True) -> None:
    page.wait_for_load_state("load")
    page.evaluate("document.fonts.ready")
    path = out / name
    page.screenshot(path=str(path), full_page=full_page, animations="disabled")
    print(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def print_first_sheet(page: Page, path: Path) -> None:
    """The first printed sheet of the page, as Chromium prints it (pdftoppm renders the PDF);
    without pdftoppm, the page in print media on a sheet-sized screen."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm:
        with tempfile.TemporaryDirectory() as tmp:
            pdf = Path(tmp) / "print.pdf"
            pdf.write_bytes(page.pdf(prefer_css_page_size=True, print_background=True))
            subprocess.run(
                [
                    pdftoppm,
                    "-png",
                    "-r",
                    "110",
                    "-f",
                    "1",
                    "-l",
                    "1",
                    "-singlefile",
                    pdf,
                    path.with_suffix(""),
                ],
                check=True,
            )
        print(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
        return
    page.set_viewport_size({"width": 1123, "height": 794})  # A4 landscape at 96 dpi
    page.emulate_media(media="print")
    shoot(page, path.parent, path.name, full_page=False)


def light_site(browser, site: Path, out: Path) -> None:
    with serve(site) as url:
        for width, height in ((1280, 900), (390, 844)):
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            page.goto(url)
            expect(page.locator(".rm-board")).to_be_visible()
            expect(page.locator("[data-rm-filters]")).to_be_visible()
            shoot(page, out, f"light-board-{width}.png")
            if width == 1280:
                page.locator(".rm-board .rm-card__title a", has_text="Client portal").click()
                expect(page.locator(".rm-vote")).to_be_visible()
                shoot(page, out, "light-item.png")
                page.goto(url + "?theme=field-app&tag=mobile")
                expect(page.locator("[data-rm-shown]")).to_have_text("Showing 4 of 12")
                shoot(page, out, "light-board-filtered.png", full_page=False)
                page.goto(url + "themes/")
                shoot(page, out, "light-themes.png")
                page.goto(url + "shipped/")
                shoot(page, out, "light-shipped.png")
                page.goto(url)
                print_first_sheet(page, out / "light-board-print.png")
            context.close()
        context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="dark")
        page = context.new_page()
        page.goto(url)
        expect(page.locator(".rm-board")).to_be_visible()
        shoot(page, out, "light-board-dark.png", full_page=False)
        context.close()


def internal_site(browser, site: Path, out: Path) -> None:
    with serve(site) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(url)
        expect(page.locator("#rm-password")).to_be_focused()
        shoot(page, out, "internal-locked.png", full_page=False)

        page.locator("#rm-password").fill(PASSWORD)
        page.locator("#rm-unlock button[type=submit]").click()
        expect(page.locator(".rm-board")).to_be_visible()
        expect(page.locator("[data-rm-logout]")).to_be_visible()
        shoot(page, out, "internal-board.png")

        page.locator(".rm-board .rm-card__title a", has_text="auto-scheduler").click()
        expect(page.locator(".md-content h1").first).to_contain_text("auto-scheduler")
        shoot(page, out, "internal-item.png")

        page.locator(".md-tabs__link", has_text="Timeline").click()
        expect(page.locator(".rm-timeline")).to_be_visible()
        shoot(page, out, "internal-timeline.png")

        page.locator(".md-tabs__link", has_text="Playbook").click()
        page.locator(".rm-view__title a", has_text="Account briefs").click()
        expect(page.locator(".rm-accounts")).to_be_visible()
        shoot(page, out, "internal-accounts.png")
        page.locator(".rm-account__name a", has_text="Harrow & Finch").click()
        expect(page.locator(".rm-asked").first).to_be_visible()
        shoot(page, out, "internal-brief.png")
        context.close()


def account_site(browser, site: Path, link: str, out: Path) -> None:
    """An account's site, opened from its link (`roadmap links`), as the client sees it."""
    with serve(site) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(url + link)
        expect(page.locator(".rm-card__shared").first).to_be_visible()
        shoot(page, out, "account-board.png")
        context.close()


def main(argv: list[str]) -> int:
    out = Path(argv[0]).resolve() if argv else OUT
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="roadmap-screenshots-") as tmp:
        project = new_project(Path(tmp) / "project", ROOT / "content")
        share = {"ROADMAP_SHARE_KEY": project.run("share-key").out.strip()}
        result = project.run("build", password=PASSWORD, env=share)
        links = dict(
            line.split(" ", 1) for line in project.run("links", env=share).out.splitlines()
        )
        if result.code != 0 or "harrow-finch" not in links:
            print(result.err, file=sys.stderr)
            return 1
        print(f"Screenshots in {out}:")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                light_site(browser, project.site("public"), out)
                internal_site(browser, project.site("internal"), out)
                # The link is absolute under light_site_url: keep its path, served here.
                path = links["harrow-finch"].split("://", 1)[-1].split("/", 1)[1]
                account_site(browser, project.root / "site", path, out)
            finally:
                browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
