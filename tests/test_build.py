"""Building both sites from fixture content: commands, exit codes, the swap, both entry points."""

from __future__ import annotations

import gzip
import os
import shutil
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from unittest import mock

import pytest

from conftest import PASSWORD, ROOT, Project, all_files

MKDOCS = Path(sys.executable).parent / "mkdocs"


def snapshot(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in all_files(site)}


def test_public_build_from_minimal_content(project: Project):
    project.item("first-item", body="Hello *world*.")
    result = project.run("build", "--audience", "public")
    assert result.code == 0, result.err
    site = project.site("public")
    assert (site / "index.html").is_file()
    assert "Hello <em>world</em>." in (site / "items/first-item/index.html").read_text()
    assert not project.site("internal").exists()


def test_build_makes_both_sites(project: Project):
    project.item("first-item")
    result = project.run("build")
    assert result.code == 0, result.err
    assert "public site -> site/public/" in result.out
    assert "internal site -> site/internal/" in result.out
    assert (project.site("public") / "items/first-item/index.html").exists()
    assert (project.site("internal") / "index.html").exists()
    # Nothing is left behind by the staging folders.
    assert sorted(p.name for p in (project.root / "site").iterdir()) == ["internal", "public"]


def test_public_build_needs_no_password(project: Project):
    project.item("first-item")
    assert project.run("build", "--audience", "public", password=None).code == 0


def test_internal_build_without_password_builds_nothing(project: Project):
    project.item("first-item")
    result = project.run("build", password=None)
    assert result.code == 1
    assert result.lines[0].startswith(
        "site_config/internal.yml:1: the internal site needs a password"
    )
    assert "Traceback" not in result.err
    assert not (project.root / "site").exists()


def test_weak_password_leaves_the_previous_internal_site(project: Project):
    project.item("first-item")
    assert project.run("build", "--audience", "internal").code == 0
    before = snapshot(project.site("internal"))
    result = project.run("build", "--audience", "internal", password="letmein")
    assert result.code == 1
    assert result.lines[0].startswith("ROADMAP_PASSWORD:1: too short")
    assert snapshot(project.site("internal")) == before


def test_failure_after_the_build_started_leaves_the_previous_site(project: Project):
    """The audit runs after MkDocs wrote everything: the staging folder is discarded."""
    project.item("first-item")
    assert project.run("build", "--audience", "public").code == 0
    before = snapshot(project.site("public"))
    project.item("second-item", body="Our codename is Bluefinch.")
    project.configure(confidential_terms=["Bluefinch"])
    result = project.run("build", "--audience", "public")
    assert result.code == 1
    assert "items/second-item/index.html" in result.err and "'Bluefinch'" in result.err
    assert snapshot(project.site("public")) == before
    assert sorted(p.name for p in (project.root / "site").iterdir()) == ["public"]


def test_both_sites_are_published_only_when_both_passed(project: Project):
    """The light site passes, the internal one fails later: neither is swapped in."""
    project.item("first-item")
    assert project.run("build").code == 0
    before = {a: snapshot(project.site(a)) for a in ("public", "internal")}
    project.item("second-item")
    # An override only the internal site uses adds a file it cannot encrypt.
    shutil.copytree(project.root / "overrides", project.root / "overrides-internal")
    (project.root / "overrides-internal" / "notes.txt").write_text("not a theme file\n")
    config = project.root / "site_config/internal.yml"
    config.write_text(config.read_text().replace("../overrides", "../overrides-internal"))
    result = project.run("build")
    assert result.code == 1
    assert "notes.txt: not encrypted and not a theme file" in result.err
    assert "public site ->" not in result.out
    assert {a: snapshot(project.site(a)) for a in ("public", "internal")} == before
    assert list((project.root / ".roadmap-staging").iterdir()) == []


def test_a_light_site_that_fails_publishes_neither(project: Project, monkeypatch):
    """The other way round: the light site (its own process) fails its audit while the internal
    one (built in the process that runs `roadmap build`) passes. One fork only: a third process
    waiting for two would hold a third copy of the content."""
    project.item("first-item")
    assert project.run("build").code == 0
    before = {a: snapshot(project.site(a)) for a in ("public", "internal")}
    project.item("second-item", body="Our codename is Bluefinch.")
    project.configure(confidential_terms=["Bluefinch"])
    forks = []
    fork = os.fork

    def counted() -> int:
        pid = fork()
        if pid:
            forks.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", counted)
    result = project.run("build")
    assert result.code == 1
    assert len(forks) == 1
    assert "items/second-item/index.html" in result.err and "'Bluefinch'" in result.err
    assert "public site ->" not in result.out
    assert {a: snapshot(project.site(a)) for a in ("public", "internal")} == before
    assert list((project.root / ".roadmap-staging").iterdir()) == []


def test_only_the_light_sites_own_process_forgets_its_renders(
    project: Project, monkeypatch, tmp_path: Path
):
    """The process forked for the light site alone drops the memo of body renders once its
    audit's passages are read (the HTML of every body, held to the end of its build); a
    process that builds more than one site keeps it."""
    import roadmap.plugin

    project.item("first-item")
    calls = tmp_path / "calls"
    forget = roadmap.plugin.forget_renders

    def recorded() -> None:
        with calls.open("a") as f:
            f.write(f"{os.getpid()}\n")
        forget()

    monkeypatch.setattr(roadmap.plugin, "forget_renders", recorded)
    assert project.run("build").code == 0
    assert len(calls.read_text().split()) == 1
    assert calls.read_text().split() != [str(os.getpid())]
    calls.unlink()
    assert project.run("build", env={"ROADMAP_JOBS": "1"}).code == 0
    assert project.run("build", "--audience", "public").code == 0
    assert not calls.exists()


def test_published_sites_are_world_readable(project: Project):
    project.item("first-item")
    assert project.run("build").code == 0
    for audience in ("public", "internal"):
        site = project.site(audience)
        for path in [site, *site.rglob("*")]:
            want = 0o755 if path.is_dir() else 0o644
            assert stat.S_IMODE(path.stat().st_mode) == want, path
    assert stat.S_IMODE((project.root / ".roadmap-staging").stat().st_mode) == 0o700


def test_strict_mode_aborts_before_anything_is_published(project: Project):
    """MkDocs counts warnings after on_post_build: staging must not have swapped by then."""
    project.item("first-item")
    assert project.run("build", "--audience", "public").code == 0
    before = snapshot(project.site("public"))
    project.page("raw.md", "Text.\n\n<script>window.injected = 1</script>\n", visibility="public")
    done = _mkdocs(project, "build", "--strict", "-f", "site_config/public.yml")
    assert done.returncode == 1
    assert "raw.md: an inline script will not run" in done.stderr
    assert "Aborted with 1 warnings in strict mode" in done.stdout + done.stderr
    assert snapshot(project.site("public")) == before
    assert list((project.root / ".roadmap-staging").iterdir()) == []
    # Without --strict the same build publishes (the script is there, and will not run).
    assert _mkdocs(project, "build", "-f", "site_config/public.yml").returncode == 0
    assert "window.injected" in (project.site("public") / "raw/index.html").read_text()


def test_gh_deploy_finds_the_published_site(project: Project):
    """`mkdocs gh-deploy` builds, calls on_shutdown, then pushes config.site_dir."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    project.item("first-item")
    os.chdir(project.root)
    try:
        config = load_config(config_file="site_config/public.yml")
        config.plugins.on_startup(command="gh-deploy", dirty=False)
        try:
            build(config)
        finally:
            config.plugins.on_shutdown()
    finally:
        os.chdir(ROOT)
    assert Path(config.site_dir) == project.site("public")
    assert (project.site("public") / "items/first-item/index.html").is_file()


@pytest.mark.parametrize("placeholder_file", [None, "assets/images/favicon.png"])
def test_the_theme_files_are_those_mkdocs_finds(project: Project, placeholder_file):
    """on_files takes the theme's files from those MkDocs gathered rather than walk Material
    again; a file in docs_dir that stands in for a theme's file (MkDocs then leaves the theme's
    out) sends it back to walking, so the site gets the theme's file, as before."""
    from mkdocs.config import load_config
    from mkdocs.structure.files import Files, get_files

    from roadmap.plugin import _add_theme_files

    os.chdir(project.root)
    try:
        config = load_config(config_file="site_config/public.yml")
        if placeholder_file:
            (Path(config.docs_dir) / placeholder_file).parent.mkdir(parents=True)
            (Path(config.docs_dir) / placeholder_file).write_bytes(b"not the theme's")
        found = get_files(config)
        found.add_files_from_theme(config.theme.get_env(), config)
        taken, walked = Files([]), Files([])
        _add_theme_files(taken, found, config)
        walked.add_files_from_theme(config.theme.get_env(), config)
    finally:
        os.chdir(ROOT)
    assert len(walked) > 30 and any(f.src_uri == "assets/images/favicon.png" for f in walked)
    assert [f.abs_src_path for f in taken] == [f.abs_src_path for f in walked]


def test_usage_errors_exit_2(project: Project):
    assert project.run("build", "--audience", "everyone").code == 2
    assert project.run("publish").code == 2
    assert project.run().code == 2


def test_check_writes_nothing(project: Project):
    project.item("first-item")
    result = project.run("check")
    assert result.code == 0
    assert "1 items (1 on the light site)" in result.out
    assert not (project.root / "site").exists()


def _mkdocs(project: Project, *args: str, password: str | None = PASSWORD):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROADMAP_")}
    env["NO_MKDOCS_2_WARNING"] = "1"
    if password:
        env["ROADMAP_PASSWORD"] = password
    return subprocess.run(
        [str(MKDOCS), *args], cwd=project.root, env=env, capture_output=True, text=True, timeout=120
    )


def _unzip(files: dict[str, bytes]) -> dict[str, bytes]:
    return {k: gzip.decompress(v) if k.endswith(".gz") else v for k, v in files.items()}


def test_mkdocs_build_gives_the_same_sites(project: Project, tmp_path):
    project.item("first-item", body="Body.")
    project.item("hidden-item", visibility="internal")
    assert project.run("build").code == 0
    ours = {a: snapshot(project.site(a)) for a in ("public", "internal")}
    for audience in ("public", "internal"):
        done = _mkdocs(project, "build", "-f", f"site_config/{audience}.yml")
        assert done.returncode == 0, done.stderr
    theirs = {a: snapshot(project.site(a)) for a in ("public", "internal")}
    assert _unzip(theirs["public"]) == _unzip(ours["public"])
    # The internal site is encrypted with a new content key each build: same files, new bytes.
    assert theirs["internal"].keys() == ours["internal"].keys()


def test_mkdocs_build_reports_content_errors_without_traceback(project: Project):
    project.write("content/roadmap/broken.md", "---\ntitle: [unclosed\n---\n")
    done = _mkdocs(project, "build", "-f", "site_config/public.yml")
    assert done.returncode == 1
    assert "content/roadmap/broken.md:2: invalid YAML" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_previews_the_internal_site_unencrypted_on_loopback(project: Project):
    project.item("first-item", owner="Preview Owner")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROADMAP_")}
    server = subprocess.Popen(
        [
            str(MKDOCS),
            "serve",
            "-f",
            "site_config/internal.yml",
            "-a",
            f"127.0.0.1:{port}",
            "--no-livereload",
        ],
        cwd=project.root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        html = ""
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/items/first-item/") as r:
                    html = r.read().decode()
                break
            except OSError:
                time.sleep(0.2)
        assert "Preview, not encrypted" in html
        assert "Preview Owner" in html
        assert "roadmap-sealed" not in html
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_serve_refuses_the_internal_site_beyond_loopback(project: Project):
    project.item("first-item")
    done = _mkdocs(
        project,
        "serve",
        "-f",
        "site_config/internal.yml",
        "-a",
        f"0.0.0.0:{_free_port()}",
        password=None,
    )
    assert done.returncode == 1
    assert "only on this computer" in done.stdout + done.stderr


@pytest.mark.parametrize("audience, pages", [("public", 29), ("internal", 67)])
def test_sample_content_builds(sample: Project, audience: str, pages: int):
    # public: 16 items, 5 themes and their overview, home, shipped, what changed, about, the
    # three horizons' pages;
    # internal: every item, theme and page, the themes overview, what changed, needs review,
    # the horizons' pages and paused and cancelled, and the playbook's views (overview, talk
    # tracks, share case by case, negotiation guide, what clients see, the account briefs'
    # index and one brief for each of 8 customers)
    assert len(list(sample.site(audience).rglob("index.html"))) == pages


def test_quick_start_commands_are_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    assert "ROADMAP_PASSWORD='" in readme and "make site" in readme
    assert "make test" in readme


def test_configs_loaded_together_still_build_their_own_audience(project: Project):
    """MkDocs shares one plugin instance between configs loaded in one process."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    project.item("first-item")
    os.chdir(project.root)
    try:
        with mock.patch.dict(os.environ, {"ROADMAP_PASSWORD": PASSWORD}):
            public = load_config(config_file="site_config/public.yml")
            load_config(config_file="site_config/internal.yml")
            build(public)
    finally:
        os.chdir(ROOT)
    assert (project.site("public") / "items/first-item/index.html").is_file()
    assert not project.site("internal").exists()


def test_a_build_keeps_no_page_markdown_alive(project: Project):
    # Each page's Markdown instance (about 45 KB with its processors and tree) must go when the
    # page is done. Extension instances shared between pages kept every one to the end of the
    # build: pymdownx.superfences adds its default fence, bound to that page's Markdown, to a
    # list on the extension at each registration, and formatted every page's code with the
    # first page's.
    import gc

    import markdown

    for n in range(12):
        project.item(f"item-{n}", body=f"Text {n}.\n\n```python\nx = {n}\n```\n")

    def alive() -> int:
        gc.collect()
        return sum(isinstance(o, markdown.Markdown) for o in gc.get_objects())

    before = alive()
    result = project.run("build", env={"ROADMAP_JOBS": "1"})
    assert result.code == 0, result.err
    assert alive() - before <= 4  # the planner's and the audit's own, at most
    page = (project.site("public") / "items/item-7/index.html").read_text()
    assert '<span class="n">x</span> <span class="o">=</span> <span class="mi">7</span>' in page
