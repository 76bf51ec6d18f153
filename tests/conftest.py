"""Shared fixtures: throwaway projects with their own content/, the roadmap command run
in-process, the sample sites built once, a static server and a real Chromium."""

from __future__ import annotations

import contextlib
import functools
import http.server
import io
import os
import shutil
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
import yaml

from roadmap.cli import main

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "test only: quiet-harbor-violet-engine"
# The sample sites' page addresses are keyed with this (ROADMAP_ADDRESS_KEY), so tests can name
# them: see sample_token(). Public, like PASSWORD: for tests only.
SAMPLE_ADDRESS_KEY = "dd65a16225d6cff94c9a757040a2cf9481d3fab52bada54319fb48d2b3638dff"
CHROMIUM = "/usr/bin/chromium"
# axe-core from npm, installed by `make axe` (a dependency of `make test`) into .cache/.
AXE_CORE_JS = os.environ.get("AXE_CORE_JS") or next(
    iter(sorted(ROOT.glob(".cache/axe-*/node_modules/axe-core/axe.min.js"), reverse=True)), ""
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

BASE_THEMES = """\
core:
  title: Core product
  summary: The heart of the product.
  visibility: public
secret-theme:
  title: Hidden theme
"""
BASE_HOME = """\
---
title: Our roadmap
visibility: public
---
Welcome to the roadmap.
"""


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


@dataclass
class Project:
    """A copy of the project's configuration around a content/ tree of the test's own."""

    root: Path

    @property
    def content(self) -> Path:
        return self.root / "content"

    def write(self, rel: str, text: str | bytes) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    def item(self, item_id: str, body: str = "", folder: str = "", **fields) -> Path:
        """Write content/roadmap/<folder>/<id>.md; fields default to a valid public item."""
        meta = {
            "title": f"Title of {item_id}",
            "summary": f"Summary of {item_id}.",
            "visibility": "public",
            "status": "planned",
            "horizon": "next",
            "theme": "core",
        }
        meta.update(fields)
        meta = {k: v for k, v in meta.items() if v is not None}
        front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
        rel = f"content/roadmap/{folder + '/' if folder else ''}{item_id}.md"
        return self.write(rel, f"---\n{front}---\n{body}")

    def page(self, rel: str, body: str, **fields) -> Path:
        front = yaml.safe_dump(fields, sort_keys=False, allow_unicode=True) if fields else ""
        return self.write(f"content/pages/{rel}", f"---\n{front}---\n{body}")

    def configure(self, **options) -> None:
        """Set options of the roadmap plugin in the project's mkdocs.yml."""
        path = self.root / "mkdocs.yml"
        config = yaml.safe_load(path.read_text())
        config["plugins"]["roadmap"].update(options)
        path.write_text(yaml.safe_dump(config, sort_keys=False))

    def run(self, *args: str, password: str | None = PASSWORD, env: dict | None = None) -> Result:
        """`roadmap <args>` in this project, in-process; exit code and output."""
        environ = {k: v for k, v in os.environ.items() if not k.startswith("ROADMAP_")}
        if password is not None:
            environ["ROADMAP_PASSWORD"] = password
        environ.update(env or {})
        out, err = io.StringIO(), io.StringIO()
        cwd = os.getcwd()
        try:
            with (
                mock.patch.dict(os.environ, environ, clear=True),
                contextlib.redirect_stdout(out),
                contextlib.redirect_stderr(err),
            ):
                try:
                    code = main(["-C", str(self.root), *args])
                except SystemExit as e:  # argparse: wrong usage
                    code = e.code
        finally:
            os.chdir(cwd)
        return Result(code, out.getvalue(), err.getvalue())

    def site(self, audience: str) -> Path:
        return self.root / "site" / audience


def new_project(root: Path, content: Path | None = None) -> Project:
    root.mkdir(parents=True, exist_ok=True)
    for name in ("mkdocs.yml", "site_config", "overrides"):
        src = ROOT / name
        if src.is_dir():  # not the checkout's own address salt: each project makes its own
            shutil.copytree(src, root / name, ignore=shutil.ignore_patterns("address-salt.txt"))
        else:
            shutil.copy(src, root / name)
    project = Project(root)
    if content is not None:
        shutil.copytree(content, root / "content")
    else:
        project.write("content/roadmap/themes.yml", BASE_THEMES)
        project.write("content/pages/index.md", BASE_HOME)
    return project


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """An empty-ish project: two themes (one public, one internal) and a public home page."""
    return new_project(tmp_path / "project")


@pytest.fixture(scope="session")
def sample(tmp_path_factory) -> Project:
    """Both sites built once from the sample content in content/."""
    project = new_project(tmp_path_factory.mktemp("sample") / "project", ROOT / "content")
    result = project.run("build", env={"ROADMAP_ADDRESS_KEY": SAMPLE_ADDRESS_KEY})
    assert result.code == 0, result.err
    return project


@pytest.fixture(scope="session")
def sample_properdocs(tmp_path_factory) -> Project:
    """Both sites built with ProperDocs from the sample content, as `sample` is with MkDocs."""
    project = new_project(tmp_path_factory.mktemp("sample-pd") / "project", ROOT / "content")
    result = project.run(
        "build", "--engine", "properdocs", env={"ROADMAP_ADDRESS_KEY": SAMPLE_ADDRESS_KEY}
    )
    assert result.code == 0, result.err
    return project


@pytest.fixture(params=["mkdocs", pytest.param("properdocs", marks=pytest.mark.engines)])
def any_sample(request) -> Project:
    """The sample built by each engine (ProperDocs with `make test-engines`)."""
    return request.getfixturevalue("sample" if request.param == "mkdocs" else "sample_properdocs")


def image_bytes(fmt: str = "PNG", color=(40, 110, 190), size=(6, 4), **options) -> bytes:
    """A small real image (Pillow's `save` options pass through: pnginfo, exif, comment...)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt, **options)
    return out.getvalue()


def pixels(data: bytes) -> tuple:
    """What an image shows (size and RGBA pixels of its first frame), whatever its encoding."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        return img.size, img.convert("RGBA").tobytes()


@functools.cache
def sample_token(src_uri: str) -> str:
    """The opaque folder of a page of the sample internal site, e.g. "items/auto-scheduler.md"."""
    from roadmap.crypto import address_key, page_token

    site_name = yaml.safe_load((ROOT / "mkdocs.yml").read_text())["site_name"]
    key = address_key(PASSWORD, b"", site_name, secret=bytes.fromhex(SAMPLE_ADDRESS_KEY))
    return page_token(key, src_uri)


def all_files(site: Path) -> Iterator[Path]:
    return (p for p in sorted(site.rglob("*")) if p.is_file())


def site_text(site: Path) -> str:
    """Every byte of a site as text, with every path, for `marker not in` assertions."""
    parts = []
    for path in sorted(site.rglob("*")):
        parts.append(path.relative_to(site).as_posix())
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".gz":
                import gzip

                data = gzip.decompress(data)
            parts.append(data.decode("utf-8", errors="replace"))
    return "\n".join(parts)


# --- Browser ---------------------------------------------------------------------------------


class _Quiet(http.server.SimpleHTTPRequestHandler):
    cache_control = "no-store"  # no HTTP caching between tests, unless a test asks for it

    def log_message(self, *args):  # keep test output clean
        pass

    def end_headers(self):
        self.send_header("Cache-Control", self.cache_control)
        super().end_headers()


class _Cached(_Quiet):
    cache_control = "max-age=600"  # as real static hosting does


@contextlib.contextmanager
def serve(directory: Path, cache: bool = False) -> Iterator[str]:
    """Serve a folder on http://127.0.0.1:<free port>/ (a secure context for WebCrypto)."""
    handler = functools.partial(_Cached if cache else _Quiet, directory=str(directory))
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright. Missing Chromium fails, never skips:
    `make test` installs it (apt-get install chromium)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: run `make browser` (apt-get install -y chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_js() -> Path:
    """axe.min.js; missing fails, never skips: `make test` installs it (`make axe`)."""
    if not AXE_CORE_JS or not Path(AXE_CORE_JS).is_file():
        pytest.fail("axe-core not found: run `make axe` (npm install axe-core into .cache/)")
    return Path(AXE_CORE_JS)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()
