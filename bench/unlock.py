"""How soon the internal home page shows its board in Chromium, on a built internal site.

Times, median of `--runs` fresh tabs, each from a page served on http://127.0.0.1:
- unlock, in the page: from the form's submit event (password typed) to the frame that paints
  the first card of the board, on the page's own clock (performance.now(), which the written
  page keeps): the password's key derivation (PBKDF2), decrypting, inflating, writing the page,
  the theme's scripts, style and layout. Where that time went is printed too (key derived,
  page decrypted, written, DOMContentLoaded);
- unlock, as Playwright sees it: from its click to its wait for the first card seeing it
  visible (adds the driver's round trips, ~50-100 ms here);
- reopen: from navigating to the home page again in the same tab (the key kept in
  sessionStorage: no prompt, no PBKDF2) to the first card visible, as Playwright sees it.

The probe is an init script (Playwright's, outside the page's policy) that only listens: it
wraps crypto.subtle and document.write to note when they finish, and polls each frame for the
first card with a size.

Run: .venv/bin/python bench/unlock.py <site/internal folder> [--runs 3]
(bench/scale.py --keep <folder> leaves one at <folder>/roadmap-<N>/site/internal).
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import socketserver
import statistics
import sys
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).parent))
from generate import PASSWORD  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
CARD = ".rm-board .rm-card"
PROBE = """
(() => {
  if (window.__unlock) return;
  const t = window.__unlock = {}, subtle = crypto.subtle;
  const deriveKey = subtle.deriveKey.bind(subtle), decrypt = subtle.decrypt.bind(subtle);
  document.addEventListener("submit", () => { t.submit = performance.now(); }, true);
  const noted = (name) => (value) => { t[name] ??= performance.now(); return value; };
  subtle.deriveKey = (...a) => deriveKey(...a).then(noted("derived"));
  // the last decryption before the page is written: the page itself
  subtle.decrypt = (...a) => decrypt(...a).then((r) => {
    if (!t.writing) t.decrypted = performance.now();
    return r;
  });
  const write = Document.prototype.write;
  Document.prototype.write = function (...a) {
    t.writing = performance.now();
    const out = write.apply(this, a);
    t.written = performance.now();
    document.addEventListener("DOMContentLoaded", () => { t.dcl = performance.now(); });
    const poll = () => {
      const card = document.querySelector(".rm-board .rm-card");
      if (card && card.getBoundingClientRect().height > 0) {
        requestAnimationFrame(() => { t.painted = performance.now(); });
      } else requestAnimationFrame(poll);
    };
    requestAnimationFrame(poll);
    return out;
  };
})();
"""
STEPS = ("derived", "decrypted", "written", "dcl", "painted")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # a page left before its files arrived (the reopen navigates mid-load)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--password", default=PASSWORD)
    args = parser.parse_args()
    home = args.site / "index.html"
    print(
        f"home page: {home.stat().st_size / 1024:.0f} KB sealed, "
        f"{len(gzip.compress(home.read_bytes(), 6)) / 1024:.0f} KB gzipped"
    )
    handler = functools.partial(_Quiet, directory=str(args.site))
    server = _Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    unlock, reopen, cards, steps = [], [], 0, []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(args.runs):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.add_init_script(PROBE)
            page = context.new_page()
            page.goto(url)
            page.locator("#rm-password").fill(args.password)
            start = time.perf_counter()
            page.locator("#rm-unlock button[type=submit]").click()
            page.locator(CARD).first.wait_for(state="visible", timeout=120_000)
            unlock.append(time.perf_counter() - start)
            page.wait_for_function("window.__unlock && window.__unlock.painted", timeout=10_000)
            t = page.evaluate("window.__unlock")
            steps.append({step: t[step] - t["submit"] for step in STEPS})
            start = time.perf_counter()
            page.goto(url, wait_until="commit")
            page.locator(CARD).first.wait_for(state="visible", timeout=120_000)
            reopen.append(time.perf_counter() - start)
            cards = page.locator(CARD).count()
            context.close()
        browser.close()
    server.shutdown()
    print(f"{cards} cards on the board; median of {args.runs} runs")
    middle = {step: statistics.median(run[step] for run in steps) for step in STEPS}
    print(
        f"unlock, in the page (submit -> first card painted): {middle['painted']:.0f} ms "
        f"(key derived {middle['derived']:.0f}, decrypted {middle['decrypted']:.0f}, "
        f"written {middle['written']:.0f}, DOMContentLoaded {middle['dcl']:.0f}; "
        f"runs {', '.join(str(round(run['painted'])) for run in steps)})"
    )
    seen = 1000 * statistics.median(unlock)
    print(f"unlock, as Playwright sees it (click -> visible): {seen:.0f} ms")
    print(f"reopen (key kept -> board visible): {1000 * statistics.median(reopen):.0f} ms")


if __name__ == "__main__":
    main()
