"""How soon the internal home page shows its board in Chromium, on a built internal site.

Two times, median of `--runs` fresh tabs, each from a page served on http://127.0.0.1:
- unlock: from the click on "Unlock" (password typed) to the first card of the board visible,
  the password's key derivation (PBKDF2) included;
- reopen: from navigating to the home page again in the same tab (the key kept in
  sessionStorage: no prompt, no PBKDF2) to the first card visible: what decrypting,
  inflating and showing the page costs.

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
    unlock, reopen, cards = [], [], 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(args.runs):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto(url)
            page.locator("#rm-password").fill(args.password)
            start = time.perf_counter()
            page.locator("#rm-unlock button[type=submit]").click()
            page.locator(CARD).first.wait_for(state="visible", timeout=120_000)
            unlock.append(time.perf_counter() - start)
            start = time.perf_counter()
            page.goto(url, wait_until="commit")
            page.locator(CARD).first.wait_for(state="visible", timeout=120_000)
            reopen.append(time.perf_counter() - start)
            cards = page.locator(CARD).count()
            context.close()
        browser.close()
    server.shutdown()
    print(f"{cards} cards on the board; median of {args.runs} runs")
    print(f"unlock (password typed -> board visible): {1000 * statistics.median(unlock):.0f} ms")
    print(f"reopen (key kept -> board visible): {1000 * statistics.median(reopen):.0f} ms")


if __name__ == "__main__":
    main()
