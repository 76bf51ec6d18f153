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
import zlib
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
        return db.execute("SELECT count(*) FROM pages").fetchone()[0]


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


def test_a_sealed_page_is_compressed_once_for_the_builds_that_follow(tmp_path, monkeypatch):
    """A page sealed again with the same bytes takes its compressed bytes from the render cache
    (kept encrypted); an edited page is compressed again; every page opens as it was made."""
    project = cache_project(tmp_path / "project")
    build(project)
    made = internal_pages(project)
    compressed: list[bytes] = []
    compress = cache.compress
    monkeypatch.setattr(cache, "compress", lambda data: compressed.append(data) or compress(data))
    build(project, "--audience", "internal")
    assert compressed == []
    assert internal_pages(project) == made

    project.item("public-two", body="An edited body.\n")
    build(project, "--audience", "internal")
    assert 0 < len(compressed) < len(made)
    assert all(b"An edited body." in data for data in compressed if b"public-two" in data)
    pages = internal_pages(project)
    assert any("An edited body." in text for text in pages.values())
    with sqlite3.connect(project.root / cache.CACHE_DIR / "internal.sqlite") as db:
        rows = [row[0] for row in db.execute("SELECT data FROM packs")]
    assert len(rows) >= len(made)
    for data in rows:  # encrypted: neither gzip's header nor anything zlib reads
        assert b"\x1f\x8b" not in (data[:2], data[12:14])
        with pytest.raises(zlib.error):
            zlib.decompress(data[12:], 31)


def test_a_warm_build_reads_a_reused_page_again_when_it_writes_it(tmp_path, monkeypatch):
    """MkDocs renders every page before it writes the first: a build from the cache held every
    reused page at once (1.3 GB at 10,000 items), so a page is read again when written; one
    that cannot be read again stops the build, whose site stays as it was."""
    from roadmap.plugin import RoadmapPlugin

    project = cache_project(tmp_path / "project")
    build(project)
    written = RoadmapPlugin.on_post_page
    seen = []

    def on_post_page(self, output, *, page, config):
        if self.hits:
            seen.append(self.audience)
            assert {hit.output for hit in self.hits.values()} == {""}
        return written(self, output, page=page, config=config)

    monkeypatch.setattr(RoadmapPlugin, "on_post_page", on_post_page)
    build(project, "--audience", "internal")
    build(project, "--audience", "public")
    assert set(seen) == {"internal", "public"}
    assert internal_pages(project) and public_bytes(project)

    before = public_bytes(project)
    found = cache.Store.html
    reads: list[str] = []

    def html(self, key):
        reads.append(key)
        return None if len(reads) == 2 else found(self, key)

    monkeypatch.setattr(cache.Store, "html", html)
    result = project.run("build", "--audience", "public", env=EPOCH)
    assert result.code == 1
    assert re.search(
        r"roadmap: \S+\.md: its page in the render cache could not be read again \(\S+"
        r"public\.sqlite\); build again, or delete that file",
        result.err,
    ), result.err
    assert public_bytes(project) == before


@pytest.mark.parametrize("secret", [None, b"address key"])
def test_entries_and_packed_pages_unused_for_three_builds_are_deleted(tmp_path: Path, secret):
    """Marking what a build used touches a small table of last uses, never the rows holding
    pages (SQLite rewrites a whole row to change one column): the last format's tables go."""
    (tmp_path / cache.CACHE_DIR).mkdir()
    with sqlite3.connect(tmp_path / cache.CACHE_DIR / "site.sqlite") as db:  # format 3
        db.execute("CREATE TABLE page (name TEXT PRIMARY KEY, build INTEGER, value BLOB)")
    page = cache.Entry("<html>page</html>")

    def one_build(*keys: str) -> cache.Store:
        store = cache.Store(tmp_path, "site", secret)
        for key in keys:
            if store.get(key) is None:
                store.stage(key, page)
            if store.packed(key) is None:
                store.stage_packed(key, b"packed " + key.encode())
        store.commit(set(keys))
        return store

    def rows() -> tuple[int, int, int]:
        with sqlite3.connect(tmp_path / cache.CACHE_DIR / "site.sqlite") as db:
            return tuple(
                db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
                for table in ("pages", "packs", "used")
            )

    one_build("old", "kept")
    one_build("kept")
    one_build("new")
    assert rows() == (3, 3, 6)  # "old" unused by the last two builds: still there
    one_build("kept")  # the fourth: "old" was last used by the first
    assert rows() == (2, 2, 4)
    store = cache.Store(tmp_path, "site", secret)
    assert store.get("old") is None and store.packed("old") is None
    assert store.get("kept") and store.packed("kept") == b"packed kept"
    with sqlite3.connect(tmp_path / cache.CACHE_DIR / "site.sqlite") as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert "page" not in tables and {"pages", "packs", "used"} <= tables


@pytest.mark.parametrize("secret", [None, b"address key"])
def test_an_entry_is_read_without_its_html_which_is_read_apart(tmp_path: Path, secret):
    """A reused page's HTML is read once, when MkDocs writes it: get() gives what MkDocs reads
    of a page, html() its HTML. Sealed apart, neither value can stand in for the other."""
    (tmp_path / cache.CACHE_DIR).mkdir()
    with sqlite3.connect(tmp_path / cache.CACHE_DIR / "site.sqlite") as db:  # format 2
        db.execute("CREATE TABLE entry (name TEXT PRIMARY KEY, build INTEGER, value BLOB)")
    store = cache.Store(tmp_path, "site", secret)
    page = cache.Entry("<html>Hello \u2014 page</html>", [{"text": "Hello"}], [], ["top"], {}, "T")
    store.stage("k", page)
    store.commit({"k"})
    store = cache.Store(tmp_path, "site", secret)
    found = store.get("k")
    assert found == cache.Entry("", [{"text": "Hello"}], [], ["top"], {}, "T")
    assert store.html("k") == page.output and store.html("other") is None
    with sqlite3.connect(store.path) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "entry" not in tables
        db.execute("UPDATE pages SET value = html, html = value")
    store = cache.Store(tmp_path, "site", secret)
    if secret is None:  # the light site's pages are in clear: swapped, neither parses
        assert store.get("k") is None
    else:
        assert store.get("k") is None and store.html("k") is None


def test_a_cache_that_cannot_be_written_still_gives_back_what_it_holds(tmp_path, monkeypatch):
    """A write that fails (a full disk) keeps nothing of the build; pages found in the cache
    are still read when written."""
    project = cache_project(tmp_path / "project")
    build(project)
    project.item("public-three", body="A new body.\n")  # one page to render and keep

    def stage(self, *row):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(cache.Store, "_insert", stage)
    again = build(project)
    hits, pages = reused(again, "public")
    assert 0 < hits < pages
    assert public_bytes(project)


def test_the_cache_sits_beside_content_private_and_ignored_by_git(warm):
    project, _, _ = warm
    folder = project.root / cache.CACHE_DIR
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    # The pages of each site, and what the build kept of its work on the content (test_kept).
    assert sorted(p.name for p in folder.iterdir() if p.suffix == ".sqlite") == [
        "findings.sqlite",
        "internal.sqlite",
        "proofs.sqlite",
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
    files = [p for p in folder.iterdir() if p.suffix == ".sqlite" and p.stem != "public"]
    assert len(files) == 3
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


# What `mkdocs serve` does on each save (mkdocs.commands.serve: one plugin instance for the
# session, a config loaded again for each rebuild), without its web server: argv is the project,
# the audience, then one folder per build; before each build after the first, `edits.py` in the
# project is run.
_PREVIEWS = """
import runpy, sys
from pathlib import Path
from mkdocs.commands.build import build
from mkdocs.config import load_config
root, audience, outs = Path(sys.argv[1]), sys.argv[2], sys.argv[3:]
for n, out in enumerate(outs):
    if n:
        runpy.run_path(str(root / "edits.py"), run_name=str(n))
    config = load_config(str(root / f"site_config/{audience}.yml"), site_dir=out)
    if n == 0:
        config.plugins.on_startup(command="serve", dirty=False)
    build(config, serve_url="http://127.0.0.1:8000/")
"""


def previews(project: Project, audience: str, outs: list[Path]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PREVIEWS, str(project.root), audience, *map(str, outs)],
        cwd=project.root,
        capture_output=True,
        text=True,
        env={**os.environ, **EPOCH, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("audience", ["internal", "public"])
def test_a_preview_rebuilt_after_edits_shows_what_a_fresh_preview_shows(
    tmp_path: Path, audience: str
):
    """`mkdocs serve` keeps the planner's pages and renders between rebuilds (an item page is
    taken again when its template is given the same values): after edits that show on other
    items' pages (a title their dependants list, a body, an account's customers), every page
    is what a preview started after the edits gives."""
    project = new_project(tmp_path / "project", Path(__file__).resolve().parents[1] / "content")
    roadmap = project.root / "content/roadmap"
    (project.root / "edits.py").write_text(
        f"""
from pathlib import Path
roadmap = Path({str(roadmap)!r})
def edit(name, old, new):
    path = roadmap / name
    text = path.read_text()
    assert old in text, (name, old)
    path.write_text(text.replace(old, new, 1))
if __name__ == "1":  # a title another item depends on, and its body
    edit("auto-scheduler.md", "title: ", "title: Renamed ")
    edit("auto-scheduler.md", "\\n---\\n", "\\n---\\n\\nAn edited first line.\\n\\n")
if __name__ == "2":  # an account's ARR and note (its brief), and a summary
    edit("auto-scheduler.md", "arr: 246000", "arr: 250000")
    edit("auto-scheduler.md", "Needs certification", "Now needs certification")
    edit("ai-dispatch-assistant.md", "summary: ", "summary: Edited ")
"""
    )
    fresh = new_project(tmp_path / "fresh", Path(__file__).resolve().parents[1] / "content")
    warm = [tmp_path / f"warm-{n}" for n in range(3)]
    previews(project, audience, warm)
    shutil.copytree(project.root / "content", fresh.root / "content", dirs_exist_ok=True)
    previews(fresh, audience, [tmp_path / "cold"])
    edited = Path("items", "auto-scheduler" if audience == "internal" else "automatic-scheduling")
    assert "An edited first line." in (warm[2] / edited / "index.html").read_text()
    pages = {p.relative_to(tmp_path / "cold") for p in (tmp_path / "cold").rglob("*.html")}
    assert pages == {p.relative_to(warm[2]) for p in warm[2].rglob("*.html")}
    for page in sorted(pages):
        assert (warm[2] / page).read_text() == (tmp_path / "cold" / page).read_text(), page
    changed = {p for p in pages if (warm[0] / p).read_bytes() != (warm[2] / p).read_bytes()}
    assert edited / "index.html" in changed
    if audience == "internal":  # the dependant lists the new title; the account's brief its ARR
        assert Path("items/ai-dispatch-assistant/index.html") in changed
        assert Path("playbook/accounts/northgate-elevator-services/index.html") in changed


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


def test_preview_templates_compile_once_and_again_when_edited():
    """`mkdocs serve` makes a new Jinja environment per rebuild; the compiled theme templates
    are kept for the session, and an edited template (an override saved) compiles again."""
    import jinja2

    from roadmap.rendering import CompiledTemplates

    compiled = CompiledTemplates()

    def render(source: str) -> tuple[str, int]:
        env = jinja2.Environment(loader=jinja2.DictLoader({"main.html": source}))
        env.bytecode_cache = compiled
        compiles = 0
        compile_ = env.compile

        def counted(*args, **kwargs):
            nonlocal compiles
            compiles += 1
            return compile_(*args, **kwargs)

        env.compile = counted
        return env.get_template("main.html").render(x=1), compiles

    assert render("<p>{{ x }}</p>") == ("<p>1</p>", 1)
    assert render("<p>{{ x }}</p>") == ("<p>1</p>", 0)
    assert render("<b>{{ x + 1 }}</b>") == ("<b>2</b>", 1)


def test_the_planner_renders_each_text_once_and_keeps_what_this_build_used():
    from roadmap.rendering import Renderer

    first = Renderer(["tables"], {})
    assert first("*a*") == "<p><em>a</em></p>"
    first("*b*")
    second = Renderer(["tables"], {}, before=first.done)
    second.md = None  # a text rendered before is not rendered again
    assert second("*a*") == "<p><em>a</em></p>"
    assert second.done == {"*a*": "<p><em>a</em></p>"}  # "*b*" is not carried on


def test_an_item_page_found_by_its_recipe_is_not_made(tmp_path: Path, monkeypatch):
    """An item page is keyed by a digest of what its template is given (its recipe): a warm
    build finds it in the render cache without making its text (the item template and the
    client's panel were a third of a warm internal build); the edited item's is made again,
    and shows."""
    from roadmap import pages

    project = cache_project(tmp_path / "project")
    build(project)
    made: list[tuple[str, str]] = []
    render = pages._Planner._render

    def counting(self, uri, template, meta, ctx):
        made.append((self.view.audience, uri))
        return render(self, uri, template, meta, ctx)

    monkeypatch.setattr(pages._Planner, "_render", counting)
    project.item("public-two", body="An edited body.\n")
    for audience in ("internal", "public"):  # one process each: the patch is in this one
        build(project, "--audience", audience)
    item_pages = sorted((audience, uri) for audience, uri in made if uri.startswith("items/"))
    assert item_pages == [("internal", "items/public-two.md"), ("public", "items/public-two.md")]
    assert "An edited body." in (project.site("public") / "items/public-two/index.html").read_text()
    assert any("An edited body." in text for text in internal_pages(project).values())


def test_templates_are_compiled_once_for_the_next_builds(tmp_path: Path, monkeypatch):
    """Material's and the plugin's templates, compiled by one build, are not compiled by the
    next (0.6-0.8 s of each process); an edited override is compiled again and shows, and an
    entry that cannot be read is compiled again."""
    import jinja2

    from roadmap import pages

    def build_afresh() -> None:  # as a new process would: nothing compiled in memory
        pages._ENV.cache.clear()
        build(project, "--audience", "public")

    project = cache_project(tmp_path / "project")
    build_afresh()
    folder = project.root / cache.CACHE_DIR / "templates"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert any(p.name.startswith("theme-") for p in folder.iterdir())
    assert any(p.name.startswith("pages-") for p in folder.iterdir())
    compiled: list[str] = []
    compile_ = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):
        compiled.append(name)
        return compile_(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    build_afresh()
    assert "main.html" not in compiled and "item.md.j2" not in compiled, compiled
    main = project.root / "overrides" / "main.html"
    edited = main.read_text().replace(
        "{% block site_meta %}", "{% block site_meta %}<!-- Edited -->"
    )
    assert edited != main.read_text()
    main.write_text(edited)
    for entry in folder.iterdir():
        entry.write_bytes(entry.read_bytes()[:20])  # cut short
    compiled.clear()
    build_afresh()
    assert "main.html" in compiled and "item.md.j2" in compiled
    assert "<!-- Edited -->" in (project.site("public") / "index.html").read_text()
