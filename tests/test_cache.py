"""The render cache (cache.py): pages rendered from the same inputs are not rendered again, by the
next `roadmap build` or `mkdocs serve` rebuild, and give the same sites; any input that shows on a
page changes its key; the light cache keeps only audited pages; the internal one holds no plaintext
on disk; a build killed at any point leaves no entry the next build could trust wrongly.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from conftest import PASSWORD, Project, Result, all_files, new_project
from roadmap import cache
from roadmap.crypto import open_keyring
from roadmap.seal import SealError, open_page, read_sealed

ROADMAP = Path(sys.executable).parent / "roadmap"
MKDOCS = Path(sys.executable).parent / "mkdocs"
EPOCH = {"SOURCE_DATE_EPOCH": "1790000000"}
CUSTOMER = "Quillback Partners"  # on the internal site only
HIDDEN_TITLE = "Gannetfold Ledger"  # an internal item's title
PUBLIC_TITLE = "Pelican Dispatch"  # a public item's title: in both sites


def cache_project(root: Path) -> Project:
    project = new_project(root)
    project.item(
        "public-one",
        title=PUBLIC_TITLE,
        body='Words for clients.\n\n!!! internal "Notes"\n    Sculpinblock remark.\n',
        customers=[{"name": CUSTOMER, "arr": 1000}],
    )
    project.item("public-two", body="Another body.\n")
    project.item("hidden-one", title=HIDDEN_TITLE, visibility="internal", body="Hidden body.\n")
    return project


def reused(result: Result, audience: str) -> tuple[int, int]:
    """(pages from the cache, pages) of one site, from the build's log."""
    found = re.findall(
        rf"roadmap: {audience}: (\d+) of (\d+) pages from the render cache", result.err
    )
    assert found, result.err
    hits, pages = found[-1]
    return int(hits), int(pages)


def build(project: Project, *args: str) -> Result:
    result = project.run("build", "-v", *args, env=EPOCH)
    assert result.code == 0, result.err
    return result


def public_bytes(project: Project) -> dict[str, bytes]:
    site = project.site("public")
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in all_files(site)}


def internal_pages(project: Project) -> dict[str, str]:
    """Every page of the internal site, decrypted."""
    site = project.site("internal")
    key, pages = None, {}
    for path in all_files(site):
        if path.suffix != ".html":
            continue
        rel = path.relative_to(site).as_posix()
        try:
            sealed = read_sealed(path.read_text(encoding="utf-8"))
        except SealError:
            continue
        key = key or open_keyring(sealed, PASSWORD)
        pages[rel] = open_page(site, rel, key).decode()
    assert pages and key
    return pages


def entries(project: Project, audience: str) -> int:
    path = project.root / cache.CACHE_DIR / f"{audience}.sqlite"
    if not path.exists():
        return 0
    with sqlite3.connect(path) as db:
        return db.execute("SELECT count(*) FROM entry").fetchone()[0]


@pytest.fixture(scope="module")
def warm(tmp_path_factory) -> tuple[Project, Result, Result]:
    """A project built twice over an unchanged content/: cold, then from the cache."""
    project = cache_project(tmp_path_factory.mktemp("cache") / "project")
    cold = build(project)
    project.cold_public = public_bytes(project)  # type: ignore[attr-defined]
    project.cold_internal = internal_pages(project)  # type: ignore[attr-defined]
    return project, cold, build(project)


def test_a_second_build_renders_no_page_again_and_publishes_the_same(warm):
    project, cold, again = warm
    for audience in ("public", "internal"):
        hits, pages = reused(cold, audience)
        assert (hits, pages > 3) == (0, True)
        assert reused(again, audience) == (pages, pages)
    assert public_bytes(project) == project.cold_public
    assert internal_pages(project) == project.cold_internal


def test_the_cache_sits_beside_content_private_and_ignored_by_git(warm):
    project, _, _ = warm
    folder = project.root / cache.CACHE_DIR
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert sorted(p.name for p in folder.iterdir() if p.suffix == ".sqlite") == [
        "internal.sqlite",
        "public.sqlite",
    ]
    subprocess.run(["git", "init", "-q"], cwd=project.root, check=True)
    ignored = subprocess.run(
        ["git", "check-ignore", f"{cache.CACHE_DIR}/internal.sqlite"],
        cwd=project.root,
        capture_output=True,
        text=True,
    )
    assert ignored.returncode == 0, ignored
    shutil.rmtree(project.root / ".git")
    assert not any(cache.CACHE_DIR in str(p) for p in (project.root / "site").rglob("*"))


def test_the_internal_cache_holds_no_plaintext(warm):
    project, _, _ = warm
    folder = project.root / cache.CACHE_DIR
    files = [p for p in folder.iterdir() if p.name.startswith("internal")]
    assert files
    for path in files:
        data = path.read_bytes()
        for secret in (CUSTOMER, HIDDEN_TITLE, PUBLIC_TITLE, "Sculpinblock", "hidden-one"):
            assert secret.encode() not in data, (path.name, secret)
    # The light cache holds the light site's own pages: the public title, nothing internal.
    public = (folder / "public.sqlite").read_bytes()
    assert PUBLIC_TITLE.encode() in public
    for secret in (CUSTOMER, HIDDEN_TITLE, "Sculpinblock"):
        assert secret.encode() not in public, secret


def test_another_password_reads_no_entry_and_builds_anyway(warm, tmp_path: Path):
    project, _, _ = warm
    copy = Project(tmp_path / "copy")
    shutil.copytree(project.root, copy.root, symlinks=True)
    result = copy.run("build", "-v", password="sales emea river-otter-lamb sixty", env=EPOCH)
    assert result.code == 0, result.err
    hits, pages = reused(result, "internal")
    assert hits == 0 and pages > 3
    assert reused(result, "public")[0] == reused(result, "public")[1]


def test_an_edited_body_renders_its_pages_again_and_shows(tmp_path: Path):
    project = cache_project(tmp_path / "project")
    build(project)
    project.item("public-two", body="An edited body.\n")
    result = build(project)
    for audience in ("public", "internal"):
        hits, pages = reused(result, audience)
        assert 0 < hits < pages
    page = (project.site("public") / "items/public-two/index.html").read_text()
    assert "An edited body." in page
    internal = internal_pages(project)
    assert any("An edited body." in text for text in internal.values())
    assert not any("Another body." in text for text in internal.values())


def test_a_markdown_option_changes_every_key(tmp_path: Path):
    project = cache_project(tmp_path / "project")
    build(project, "--audience", "public")
    path = project.root / "mkdocs.yml"
    config = yaml.safe_load(path.read_text())
    assert config["markdown_extensions"][-1] == {"toc": {"permalink": True}}
    config["markdown_extensions"][-1] = {"toc": {"permalink": "¤"}}
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    result = build(project, "--audience", "public")
    assert reused(result, "public")[0] == 0
    assert "¤" in (project.site("public") / "index.html").read_text()


def test_a_change_to_the_plugin_changes_every_key(tmp_path: Path, monkeypatch):
    project = cache_project(tmp_path / "project")
    build(project, "--audience", "public")
    again = build(project, "--audience", "public")
    assert reused(again, "public")[0] == reused(again, "public")[1]
    # The plugin as a release with one template changed: its files are part of every key.
    package = tmp_path / "roadmap"
    shutil.copytree(cache._PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    template = next(p for p in sorted((package / "templates").rglob("*")) if p.is_file())
    template.write_text(template.read_text() + "\n")
    monkeypatch.setattr(cache, "_PACKAGE", package)
    result = build(project, "--audience", "public")
    assert reused(result, "public")[0] == 0


def test_a_failed_audit_writes_no_light_entry(project: Project):
    project.item("public-item", body="A public body about scheduling.\n")
    project.item("secret-one", visibility="internal", customers=[{"name": "Summit"}])
    build(project, "--audience", "public")
    stored = entries(project, "public")
    assert stored > 3
    before = (project.root / cache.CACHE_DIR / "public.sqlite").read_bytes()
    project.item("public-item", body="Reach the summit of scheduling.\n")
    result = project.run("build", "-v", "--audience", "public", env=EPOCH)
    assert result.code == 1 and "'Summit'" in result.err, result.err
    assert (project.root / cache.CACHE_DIR / "public.sqlite").read_bytes() == before
    # Fixed: the page is rendered again (nothing of the refused build was kept) and passes.
    project.item("public-item", body="Reach the top of scheduling.\n")
    result = build(project, "--audience", "public")
    hits, pages = reused(result, "public")
    assert hits < pages


def run_build(project: Project, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ROADMAP_")}
    environ.update(ROADMAP_PASSWORD=PASSWORD, **EPOCH, **env)
    return subprocess.run(
        [str(ROADMAP), "build", "-v"],
        cwd=project.root,
        env=environ,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.mark.parametrize("point", ["built", "cache", "cache:2"])
def test_a_killed_build_leaves_no_entry_the_next_build_trusts_wrongly(tmp_path: Path, point: str):
    """Killed after rendering every page (built), or halfway through writing one site's entries
    (cache: the first site to write, cache:2 the second): the published sites are untouched, the
    other site's entries, if written, are those of pages that passed, and the next build gives
    what a build without any cache gives."""
    project = cache_project(tmp_path / "project")
    done = run_build(project)
    assert done.returncode == 0, done.stderr
    public, internal = public_bytes(project), internal_pages(project)
    project.item("public-two", body="An edited body.\n")
    done = run_build(project, ROADMAP_CRASH_AT=point)
    assert done.returncode == -9, done.stderr
    assert public_bytes(project) == public and internal_pages(project) == internal
    for audience in ("public", "internal"):
        with sqlite3.connect(project.root / cache.CACHE_DIR / f"{audience}.sqlite") as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    done = run_build(project)
    assert done.returncode == 0, done.stderr
    for audience in ("public", "internal"):
        assert reused(Result(0, "", done.stderr), audience)[0] > 0  # the unedited pages
    cold = Project(tmp_path / "cold")
    shutil.copytree(project.root, cold.root, symlinks=True)
    shutil.rmtree(cold.root / cache.CACHE_DIR)
    done = run_build(cold)
    assert done.returncode == 0, done.stderr
    assert public_bytes(project) == public_bytes(cold)
    assert internal_pages(project) == internal_pages(cold)
    assert "An edited body." in (project.site("public") / "items/public-two/index.html").read_text()


def test_mkdocs_serve_reuses_pages_across_rebuilds(tmp_path: Path):
    project = cache_project(tmp_path / "project")
    server = subprocess.Popen(
        [str(MKDOCS), "serve", "-f", "site_config/public.yml", "-a", f"127.0.0.1:{free_port()}"],
        cwd=project.root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    try:
        log = Log(server)
        first = log.wait_for(r"public: (\d+) of (\d+) pages from the render cache")
        assert first[0] == "0"
        time.sleep(1.5)  # past the watcher's polling
        project.item("public-two", body="An edited body.\n")
        second = log.wait_for(r"public: (\d+) of (\d+) pages from the render cache")
        assert 0 < int(second[0]) < int(second[1]) == int(first[1])
        # The preview keeps its cache in memory only.
        assert not (project.root / cache.CACHE_DIR).exists()
    finally:
        server.terminate()
        server.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Log:
    """Lines of a server's stderr, read as they come."""

    def __init__(self, server: subprocess.Popen):
        self.server, self.seen = server, 0
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.server.stderr:
            self.lines.append(line)

    def wait_for(self, pattern: str, timeout: float = 120) -> tuple[str, ...]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for i in range(self.seen, len(self.lines)):
                m = re.search(pattern, self.lines[i])
                if m:
                    self.seen = i + 1
                    return m.groups()
            if self.server.poll() is not None and self.seen >= len(self.lines):
                pytest.fail("mkdocs serve stopped:\n" + "".join(self.lines))
            time.sleep(0.2)
        pytest.fail(f"no {pattern!r} in:\n" + "".join(self.lines))


def test_links_from_a_cached_page_to_an_anchor_are_checked_again(tmp_path: Path):
    """MkDocs checks links to anchors after rendering every page: a cached page's links and
    ids are put back, so an anchor that disappears from an edited page still warns."""
    project = cache_project(tmp_path / "project")
    project.item("first-item", body="## Details\n\nText.\n")
    project.page("about.md", "See [it](../roadmap/first-item.md#details).\n", visibility="public")
    config = yaml.safe_load((project.root / "mkdocs.yml").read_text())
    config["validation"] = {"anchors": "warn"}
    (project.root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    first = build(project, "--audience", "public")
    assert "anchor" not in first.err
    again = build(project, "--audience", "public")
    assert "anchor" not in again.err  # the cached item page still has its id
    project.item("first-item", body="## Other\n\nText.\n")
    edited = build(project, "--audience", "public")
    assert reused(edited, "public")[0] > 0
    assert "does not contain an anchor '#details'" in edited.err
