"""The encrypted internal site in a real Chromium: the password prompt, unlocking once per tab
and in the tabs opened from it, search over the encrypted index, log out in every tab, pages
that were altered, moved or rolled back to an older build, file://, and what Chromium keeps."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from conftest import CHROMIUM, CHROMIUM_ARGS, PASSWORD, Project, sample_token, serve
from roadmap.crypto import make_keyring, open_keyring
from roadmap.seal import open_page, read_sealed, seal_page

pytestmark = pytest.mark.browser

INTERNAL_TITLE = "Drive-time matrix service (Halyard phase 1)"  # travel-time-matrix, internal only
ITEM_ID = "travel-time-matrix"
THEME_TITLE = "Scheduling & dispatch"
STORE = "roadmap-unlock"  # unlock.js' sessionStorage key
TOKEN_PATH = re.compile(r"^/[0-9a-f]{20}/$")
SEALED = re.compile(r'(<script type="application/json" id="roadmap-sealed">)(.*?)(</script>)', re.S)


token = sample_token  # the opaque folder of an internal page: token("items/auto-scheduler.md")


@pytest.fixture(scope="module")
def site(sample: Project) -> Path:
    return sample.site("internal")


@pytest.fixture(scope="module")
def base(site: Path) -> Iterator[str]:
    with serve(site) as url:
        yield url


@pytest.fixture
def site_copy(site: Path, tmp_path: Path) -> Path:
    """A copy of the internal site that a test may alter."""
    return Path(shutil.copytree(site, tmp_path / "internal"))


def unlock(page: Page, password: str = PASSWORD) -> None:
    page.locator("#rm-password").fill(password)
    page.locator("#rm-unlock button[type=submit]").click()


def expect_unlocked(page: Page) -> None:
    expect(page.locator("[data-rm-logout]")).to_be_visible()
    expect(page.locator("#rm-password")).to_have_count(0)


def expect_locked(page: Page, message: str | re.Pattern = "") -> None:
    """The password form, and nothing of the roadmap in the page, visible or not."""
    expect(page.locator("#rm-password")).to_be_visible()
    if message:
        expect(page.locator("#rm-message")).to_contain_text(message)
    expect(page.locator(".md-header, .rm-board, [data-rm-logout]")).to_have_count(0)
    html = page.content()
    for secret in (INTERNAL_TITLE, "Halyard", THEME_TITLE.replace("&", "&amp;")):
        assert secret not in html


def stored_key(page: Page) -> str | None:
    return page.evaluate(f"sessionStorage.getItem({STORE!r})")


def tamper(html: str) -> str:
    """Flip one base64 character in the middle of the page's ciphertext."""
    match = SEALED.search(html)
    sealed = json.loads(match.group(2))
    ct = sealed["page"]["ct"]
    i = len(ct) // 2
    sealed["page"]["ct"] = ct[:i] + ("A" if ct[i] != "A" else "B") + ct[i + 1 :]
    return html[: match.start(2)] + json.dumps(sealed) + html[match.end(2) :]


# --- Locked ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["", f"items/{ITEM_ID}.md"], ids=["home", "item"])
def test_locked_page_shows_a_password_form_and_no_content(page: Page, base: str, path: str):
    page.goto(base + (token(path) + "/" if path else ""))
    expect(page).to_have_title("Locked page")
    expect_locked(page)
    expect(page.locator("#rm-password")).to_be_focused()
    expect(page.locator("#rm-unlock button[type=submit]")).to_be_enabled()
    # unlock_help in the sample's mkdocs.yml: whom to ask.
    expect(page.locator(".rm-help")).to_have_text(
        "No password yet? Ask Sales Operations (#sales-ops)."
    )


def test_wrong_password_says_so_and_shows_nothing(page: Page, base: str):
    page.goto(base)
    unlock(page, "not the password at all")
    expect_locked(page, "Wrong password")
    expect(page.locator("#rm-unlock button[type=submit]")).to_be_enabled()  # may try again
    assert stored_key(page) is None


# --- Unlocked -------------------------------------------------------------------------------


def test_right_password_unlocks_the_home_page(page: Page, base: str):
    page.goto(base)
    unlock(page)
    expect(page.locator(".rm-board")).to_be_visible()
    expect(page.locator(".rm-board .rm-card__title", has_text=INTERNAL_TITLE)).to_be_visible()
    expect(page.locator(".rm-banner--internal")).to_be_visible()
    expect_unlocked(page)
    assert stored_key(page)


def test_the_themes_files_load_while_the_key_is_derived(page: Page, base: str, site: Path):
    """The locked page preloads the theme's stylesheets and scripts (with their integrity) while
    PBKDF2 runs; the page written after it runs them from there: each fetched once, by the
    preload, none again by the written page (a preload whose integrity or address did not
    match would be fetched twice, once for each)."""
    preloaded = re.findall(
        r'<link rel="preload" as="(?:style|script)" href="([^"]+)"',
        (site / "index.html").read_text(),
    )
    assert any(u.endswith(".css") for u in preloaded) and any(u.endswith(".js") for u in preloaded)
    page.goto(base)
    unlock(page)
    expect_unlocked(page)
    fetched = page.evaluate(
        "performance.getEntriesByType('resource').map(e => [e.name, e.initiatorType])"
    )
    for url in preloaded:
        assert [kind for name, kind in fetched if name == base + url] == ["link"], url


def test_other_pages_open_without_a_second_prompt(page: Page, base: str):
    page.goto(base)
    unlock(page)
    page.locator(".rm-board .rm-card__title a", has_text=INTERNAL_TITLE).click()
    expect(page.locator(".md-content h1")).to_contain_text(INTERNAL_TITLE)
    expect_unlocked(page)
    assert TOKEN_PATH.match(page.evaluate("location.pathname"))

    theme = page.locator(".md-content .rm-item-head__theme").first
    theme.get_by_role("link", name=THEME_TITLE).click()
    expect(page.locator(".md-content h1")).to_contain_text(THEME_TITLE)
    expect_unlocked(page)
    assert page.evaluate("location.pathname") == f"/{token('themes/scheduling-dispatch.md')}/"


def test_unlocking_is_per_tab(page: Page, base: str):
    """sessionStorage is per tab: another tab of the same browser asks for the password."""
    page.goto(base)
    unlock(page)
    expect_unlocked(page)

    other = page.context.new_page()
    other.goto(base)
    expect_locked(other)
    assert stored_key(other) is None
    other.goto(f"{base}{token(f'items/{ITEM_ID}.md')}/")
    expect_locked(other)

    # The first tab is still unlocked, even on a page it never opened before.
    page.goto(f"{base}{token('timeline.md')}/")
    expect(page.locator(".md-content h1")).to_contain_text("Timeline")
    expect_unlocked(page)


def test_search_finds_internal_items_after_unlocking(page: Page, base: str, site: Path):
    # On disk the index is ciphertext.
    assert "Halyard" not in (site / "search/search_index.json").read_text()
    page.goto(base)
    unlock(page)
    expect_unlocked(page)
    box = page.locator(".md-search__input")
    box.click()
    box.press_sequentially("Halyard")
    results = page.locator(".md-search-result__item")
    expect(results.locator("h1", has_text=INTERNAL_TITLE)).to_have_count(1)
    link = results.locator("a", has=page.locator("h1", has_text=INTERNAL_TITLE))
    # No search.highlight: the terms would travel to the host in "?h=" and land in its logs.
    assert "?h=" not in (link.get_attribute("href") or "")
    link.click()
    expect(page.locator(".md-content h1")).to_contain_text(INTERNAL_TITLE)
    expect_unlocked(page)


def test_the_search_index_is_opened_once_the_page_has_loaded(page: Page, base: str):
    """The encrypted index (15.8 MB at 5,000 items) is fetched and opened once the written page
    has loaded and the browser is idle (or search is wanted), not while the page is drawn: it
    took 0.2-0.4 s of the main thread just as the board showed. Search finds (test above)."""
    page.add_init_script(
        """(() => {
          const write = Document.prototype.write;
          Document.prototype.write = function (...a) {
            const out = write.apply(this, a);
            window.addEventListener("load", () => { window.__loaded = performance.now(); });
            return out;
          };
        })();"""
    )
    page.goto(base)
    unlock(page)
    expect_unlocked(page)
    started = page.wait_for_function(
        """() => {
          const e = performance.getEntriesByType("resource")
            .find((e) => e.name.endsWith("/search/search_index.json"));
          return e && window.__loaded !== undefined && [e.startTime, window.__loaded];
        }"""
    ).json_value()
    assert started[0] >= started[1], started


def test_timeline_every_lane_can_be_scrolled_into_view(page: Page, base: str):
    page.goto(base)
    unlock(page)
    expect_unlocked(page)
    page.goto(f"{base}{token('timeline.md')}/")
    expect(page.locator(".rm-timeline")).to_be_visible()
    clipped = {}
    for width in (1280, 1024, 390):
        page.set_viewport_size({"width": width, "height": 900})
        # Scroll the timeline's own scroller as far right as a reader could, then measure the
        # last lane's header against what the wrapper and the grid let through.
        clipped[width] = page.evaluate(
            """() => {
                const wrap = document.querySelector('.rm-timeline-wrap');
                const grid = wrap.querySelector('.rm-timeline');
                wrap.scrollLeft = wrap.scrollWidth;
                const heads = grid.querySelectorAll('.rm-tl-head');
                const last = heads[heads.length - 1].getBoundingClientRect();
                const edge = Math.min(wrap.getBoundingClientRect().right,
                                      grid.getBoundingClientRect().right);
                return Math.max(0, Math.round(last.right - edge));
            }"""
        )
    assert clipped == dict.fromkeys(clipped, 0), f"px of the last lane out of reach: {clipped}"


# --- Log out --------------------------------------------------------------------------------


@pytest.mark.parametrize("caching", [False, True], ids=["no-store", "http-cache"])
def test_log_out_locks_and_back_shows_nothing(page: Page, site: Path, caching: bool):
    with serve(site, cache=caching) as url:
        page.goto(url)
        unlock(page)
        page.locator(".rm-board .rm-card__title a", has_text=INTERNAL_TITLE).click()
        expect(page.locator(".md-content h1")).to_contain_text(INTERNAL_TITLE)

        page.locator("[data-rm-logout]").click()
        expect_locked(page)
        assert stored_key(page) is None

        # Back to the home page that was decrypted in this tab: the form again, or a blank
        # page, never the roadmap.
        page.go_back()
        page.wait_for_function(
            "() => document.getElementById('rm-password') !== null"
            " || document.documentElement.style.display === 'none'"
        )
        expect(page.get_by_text(INTERNAL_TITLE)).to_have_count(0)
        expect(page.locator(".rm-board")).to_have_count(0)
        expect_locked(page)  # the implementation reloads to the form

        page.go_forward()
        expect_locked(page)


# --- Altered or moved pages -----------------------------------------------------------------


def test_tampered_page_does_not_open(page: Page, site_copy: Path):
    item = site_copy / token(f"items/{ITEM_ID}.md") / "index.html"
    item.write_text(tamper(item.read_text(encoding="utf-8")), encoding="utf-8")
    with serve(site_copy) as url:
        # With the password typed on the page itself.
        page.goto(f"{url}{token(f'items/{ITEM_ID}.md')}/")
        unlock(page)
        expect_locked(page, re.compile("could not be (decrypted|opened)"))
        expect(page.locator("#rm-message")).to_have_class(re.compile("rm-message--error"))

        # The password was right, so the tab keeps the key: the intact home page opens with it,
        # the tampered page does not.
        assert stored_key(page)
        page.goto(url)
        expect_unlocked(page)
        page.locator(".rm-board .rm-card__title a", has_text=INTERNAL_TITLE).click()
        expect_locked(page, re.compile("could not be (decrypted|opened)"))
        expect(page.locator("#rm-message")).to_have_class(re.compile("rm-message--error"))


@pytest.mark.parametrize("where", ["new-folder", "other-page"])
def test_page_copied_to_another_path_does_not_open(page: Page, site_copy: Path, where: str):
    shell = site_copy / token(f"items/{ITEM_ID}.md") / "index.html"
    target = "moved" if where == "new-folder" else token("items/auto-scheduler.md")
    (site_copy / target).mkdir(exist_ok=True)
    shutil.copy(shell, site_copy / target / "index.html")
    with serve(site_copy) as url:
        page.goto(f"{url}{target}/")
        expect_locked(page, "moved or altered")
        expect(page.locator("#rm-unlock button[type=submit]")).to_be_disabled()
        page.locator("#rm-password").fill(PASSWORD)
        page.locator("#rm-password").press("Enter")
        expect_locked(page, "moved or altered")
        assert "password" not in page.url

        # Not with an unlocked session either.
        page.goto(url)
        unlock(page)
        expect_unlocked(page)
        page.goto(f"{url}{target}/")
        expect_locked(page, "moved or altered")


def test_home_page_copied_over_another_page_does_not_open(page: Page, site_copy: Path):
    theme = token("themes/scheduling-dispatch.md")
    shutil.copy(site_copy / "index.html", site_copy / theme / "index.html")
    with serve(site_copy) as url:
        page.goto(f"{url}{theme}/")
        # Today the button stays enabled and the password opens the home page at this address.
        assert "moved or altered" in page.locator("#rm-message").inner_text()
        expect(page.locator("#rm-unlock button[type=submit]")).to_be_disabled()


def test_without_javascript_enter_sends_nothing(browser, sample: Project):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        with serve(sample.site("internal")) as url:
            page.goto(url)
            expect(page.locator("#rm-unlock button[type=submit]")).to_be_disabled()
            page.locator("#rm-password").fill("a password typed without JavaScript")
            try:
                with page.expect_request(lambda r: True, timeout=1000) as sent:
                    page.locator("#rm-password").press("Enter")
            except PlaywrightTimeoutError:
                return  # nothing was sent, not even an empty form
            pytest.fail(f"Enter sent a request: {sent.value.method} {sent.value.url}")
    finally:
        context.close()


# --- Tabs opened from an unlocked tab -------------------------------------------------------

ITEM_LINK = f".rm-board .rm-card__title a:text-is('{INTERNAL_TITLE}')"


@pytest.mark.parametrize("how", ["ctrl-click", "middle-click", "window-open"])
def test_a_tab_opened_from_an_unlocked_tab_opens_unlocked(page: Page, base: str, how: str):
    page.goto(base)
    unlock(page)
    expect_unlocked(page)
    with page.context.expect_page() as opened:
        if how == "ctrl-click":
            page.locator(ITEM_LINK).click(modifiers=["Control"])
        elif how == "middle-click":
            page.locator(ITEM_LINK).click(button="middle")
        else:
            page.evaluate("url => window.open(url)", f"{base}{token('timeline.md')}/")
    tab = opened.value
    expect(tab.locator(".md-content h1")).to_be_visible()
    expect_unlocked(tab)
    assert stored_key(tab) == stored_key(page)
    # Typing the address in a new tab still asks (test_unlocking_is_per_tab checks more).
    typed = page.context.new_page()
    typed.goto(f"{base}{token(f'items/{ITEM_ID}.md')}/")
    expect_locked(typed)


# A page of the same origin outside the site (another project on a shared host, a page of the
# light site served beside it): it listens on the hand-off channel and asks for the key, the old
# way (build id only) and the new way (a key-agreement public key, for the page it names).
EVIL_PAGE = """<!doctype html><meta charset="utf-8"><title>Another page of this origin</title>
<script>
window.heard = [];
var bc = new BroadcastChannel("roadmap-unlock");
bc.onmessage = function (e) { window.heard.push(JSON.stringify(e.data)); };
window.ask = function (path) {
  return fetch("/internal/build.json").then(function (r) { return r.json(); }).then(function (j) {
    return crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"])
      .then(function (pair) { return crypto.subtle.exportKey("raw", pair.publicKey); })
      .then(function (raw) {
        var pub = btoa(String.fromCharCode.apply(null, new Uint8Array(raw)));
        bc.postMessage({ type: "ask", build: j.build });
        bc.postMessage({ type: "ask", id: "evil", build: j.build, path: path, pub: pub });
      });
  });
};
</script><p>nothing to see</p>"""


def test_another_page_of_the_origin_cannot_get_the_key(page: Page, site: Path, tmp_path: Path):
    """The hand-off answered any page of the origin, at any time, with the key in clear on the
    channel. Now a tab answers only for a link the user just opened from it, once, and only
    encrypted for the tab that asked."""
    host = tmp_path / "host"
    shutil.copytree(site, host / "internal")
    (host / "evil.html").write_text(EVIL_PAGE)
    item = f"/internal/{token(f'items/{ITEM_ID}.md')}/"
    with serve(host) as url:
        page.goto(url + "internal/")
        unlock(page)
        expect_unlocked(page)
        key = json.loads(stored_key(page) or "{}")["key"]
        evil = page.context.new_page()
        evil.goto(url + "evil.html")
        evil.evaluate("path => window.ask(path)", item)
        evil.wait_for_timeout(400)  # an answer takes a few milliseconds
        assert not any(key in m for m in evil.evaluate("window.heard")), "answered any page"
        with page.context.expect_page() as opened:  # a real hand-off, the evil page listening
            page.locator(ITEM_LINK).click(modifiers=["Control"])
        expect_unlocked(opened.value)
        assert stored_key(opened.value) == stored_key(page)
        heard = evil.evaluate("window.heard")
        assert any('"type":"key"' in m for m in heard)  # it heard the answer...
        assert not any(key in m for m in heard)  # ...which only the new tab could open
        evil.evaluate("path => window.ask(path)", item)  # too late: that hand-off is used up
        evil.wait_for_timeout(400)
        assert not any(key in m for m in evil.evaluate("window.heard"))


def test_log_out_locks_every_tab_and_says_so(page: Page, base: str):
    page.goto(base)
    unlock(page)
    with page.context.expect_page() as opened:
        page.locator(ITEM_LINK).click(modifiers=["Control"])
    other = opened.value
    expect_unlocked(other)
    third = page.context.new_page()  # a tab that asked for the password itself
    third.goto(f"{base}{token('timeline.md')}/")
    unlock(third)
    expect_unlocked(third)

    page.locator("[data-rm-logout]").click()
    for tab in (page, other, third):
        expect_locked(tab, "You logged out. Every tab of the roadmap is locked.")
        assert stored_key(tab) is None


# --- Pages of another build -----------------------------------------------------------------

OLDER_BUILD = "20000101T000000000Z-000000000000"
NEWER_BUILD = "29991231T235959999Z-ffffffffffff"
REVOKED = "a revoked team: amber-walrus-copper-tide"
POLICY = re.compile(r'http-equiv="Content-Security-Policy" content="([^"]*)"')


def reseal(site: Path, rel: str, build: str, passwords: list[str]) -> str:
    """The page at `rel` as a build `build` with these passwords would have sealed it."""
    text = (site / rel).read_text(encoding="utf-8")
    html = open_page(site, rel, open_keyring(read_sealed(text), PASSWORD)).decode()
    keyring = make_keyring(passwords, build=build)
    return seal_page(keyring, html, rel, policy=POLICY.search(text).group(1))


@pytest.fixture(scope="module")
def rolled_back(site: Path, tmp_path_factory) -> Path:
    """The current site, with an item page put back as an older build made it (a build where a
    now revoked password still worked), and the timeline as a newer build made it."""
    copy = Path(shutil.copytree(site, tmp_path_factory.mktemp("rollback") / "internal"))
    item = f"{token(f'items/{ITEM_ID}.md')}/index.html"
    (copy / item).write_text(reseal(copy, item, OLDER_BUILD, [PASSWORD, REVOKED]))
    timeline = f"{token('timeline.md')}/index.html"
    (copy / timeline).write_text(reseal(copy, timeline, NEWER_BUILD, [PASSWORD]))
    return copy


def test_an_older_build_page_does_not_open_in_an_unlocked_tab(page: Page, rolled_back: Path):
    with serve(rolled_back) as url:
        page.goto(url)
        unlock(page)
        expect_unlocked(page)
        page.locator(ITEM_LINK).click()
        expect_locked(page, "This page is from an older version of the roadmap")
        expect(page.locator("#rm-message")).not_to_contain_text("updated since")
        expect(page.locator("#rm-unlock button[type=submit]")).to_be_disabled()


def test_an_older_build_page_does_not_open_with_a_revoked_password(page: Page, rolled_back: Path):
    with serve(rolled_back) as url:
        page.goto(f"{url}{token(f'items/{ITEM_ID}.md')}/")  # a fresh tab: it asks build.json
        expect_locked(page, "This page is from an older version of the roadmap")
        expect(page.locator("#rm-unlock button[type=submit]")).to_be_disabled()
        page.locator("#rm-password").fill(REVOKED)
        page.locator("#rm-password").press("Enter")
        page.wait_for_timeout(300)
        expect_locked(page, "older version")
        assert stored_key(page) is None


def test_a_page_the_browser_cached_before_a_deploy_opens_after_it(page: Page, site_copy: Path):
    """Hosts let browsers keep pages (GitHub Pages: 10 minutes). After a deploy, the cached
    home page was "from an older version" and refused, and so was the roadmap for everyone who
    had read it lately. It is now fetched again from the host once before being refused."""
    current = {rel: (site_copy / rel).read_bytes() for rel in ("index.html", "build.json")}
    (site_copy / "index.html").write_text(reseal(site_copy, "index.html", OLDER_BUILD, [PASSWORD]))
    (site_copy / "build.json").write_text(json.dumps({"v": 2, "build": OLDER_BUILD}) + "\n")
    with serve(site_copy, cache=True) as url:
        page.goto(url)  # the build before the deploy, now in the browser's cache
        expect(page.locator("#rm-unlock button[type=submit]")).to_be_enabled()
        later = time.time() + 5  # Last-Modified has whole seconds: make the deploy newer
        for rel, data in current.items():  # the deploy
            (site_copy / rel).write_bytes(data)
            os.utime(site_copy / rel, (later, later))
        tab = page.context.new_page()
        tab.goto(url)
        expect(tab.locator("#rm-unlock button[type=submit]")).to_be_enabled()
        expect(tab.locator("#rm-message")).not_to_contain_text("older version")
        unlock(tab)
        expect_unlocked(tab)
        build = json.loads(current["build.json"])["build"]
        assert json.loads(stored_key(tab) or "{}")["build"] == build


def test_a_newer_build_page_asks_for_the_password_again(page: Page, rolled_back: Path):
    """The site changed since this tab unlocked: that is the "updated" message, and it opens."""
    with serve(rolled_back) as url:
        page.goto(url)
        unlock(page)
        expect_unlocked(page)
        page.goto(f"{url}{token('timeline.md')}/")
        expect_locked(page, "The roadmap was updated since you unlocked it")
        unlock(page)
        expect(page.locator(".md-content h1")).to_contain_text("Timeline")


# --- Opened from disk -----------------------------------------------------------------------


def test_opened_from_disk_it_says_to_serve_the_folder(page: Page, site: Path):
    page.goto((site / "index.html").as_uri())
    expect_locked(page, "opens only when served over http(s)")
    expect(page.locator("#rm-unlock button[type=submit]")).to_be_disabled()


# --- What Chromium keeps on disk --------------------------------------------------------------


def profile_holds(profile: Path, text: str) -> list[str]:
    """Files of a Chromium profile that hold `text` (UTF-8 or UTF-16, as Chromium stores it)."""
    needles = (text.encode("utf-8"), text.encode("utf-16-le"))
    return sorted(
        p.relative_to(profile).as_posix()
        for p in profile.rglob("*")
        if p.is_file() and any(n in p.read_bytes() for n in needles)
    )


def test_what_chromium_keeps_on_disk(browser, base: str, tmp_path: Path):
    """The README's account of what the browser keeps, measured in a real profile folder."""

    def launch(profile: Path):
        return browser.browser_type.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )

    def session(profile: Path, log_out: bool) -> str:
        context = launch(profile)
        page = context.new_page()
        page.goto(base)
        unlock(page)
        expect_unlocked(page)
        key = stored_key(page)
        page.locator(ITEM_LINK).click()
        expect(page.locator(".md-content h1")).to_contain_text(INTERNAL_TITLE)
        if log_out:
            page.locator("[data-rm-logout]").click()
            expect_locked(page)
        context.close()
        return json.loads(key)["key"]

    # Closed without logging out: the key stays in the profile's session storage...
    stays = tmp_path / "stays"
    key = session(stays, log_out=False)
    assert [f for f in profile_holds(stays, key) if "Session Storage" in f]
    assert profile_holds(stays, INTERNAL_TITLE)  # history and tab restore keep titles
    # ...until Chromium starts again.
    launch(stays).close()
    assert profile_holds(stays, key) == []
    # Logged out: the key is never left on disk.
    gone = tmp_path / "logged-out"
    key = session(gone, log_out=True)
    assert profile_holds(gone, key) == []
