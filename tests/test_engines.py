"""Engines: no shipped config points an engine at content/, a plugin-less engine publishes
nothing of the roadmap, overrides call no Python, `mkdocs serve` reloads on content edits, and
ProperDocs builds the same sites as MkDocs (the `engines` marker: `make test-engines`)."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from mkdocs.utils.yaml import yaml_load
from test_leaks import leaky_light_site

from conftest import (
    PASSWORD,
    ROOT,
    SAMPLE_ADDRESS_KEY,
    Project,
    all_files,
    new_project,
    site_text,
)
from roadmap.audience import project
from roadmap.engines import ENGINES
from roadmap.load import load

BIN = Path(sys.executable).parent
PLACEHOLDER = ROOT / "site_config" / "placeholder"
# Folders of the checkout that hold no config of the project's own.
NOT_SHIPPED = {".venv", ".git", ".cache", "content", "site", "tests", "node_modules"}
GENERATOR = re.compile(r'<meta name="generator" content="[^"]*">')


def shipped_configs() -> list[Path]:
    """Every engine config of the project: a YAML file with site_name, docs_dir or INHERIT."""
    out = []
    for path in sorted(ROOT.rglob("*.y*ml")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in NOT_SHIPPED or rel.parts[0].startswith(".roadmap"):
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and {"site_name", "docs_dir", "INHERIT"} & set(data):
            out.append(rel)
    return out


def merged(path: Path) -> dict:
    """The config as an engine reads it: INHERIT merged by MkDocs' own loader."""
    with path.open(encoding="utf-8") as f:
        return yaml_load(f)


def roadmap_markers(content: Path) -> list[str]:
    """Text of the roadmap no plugin-less build may show: every title, summary, customer and
    sales note, public or not (without the plugin nothing of content/ is published)."""
    roadmap = load(content)
    out = []
    for item in roadmap.items:
        out += [item.title, item.summary, *(c.name for c in item.customers)]
        if item.sales:
            out += [v for v in dataclasses.asdict(item.sales).values() if isinstance(v, str)]
    out += [t.title for t in roadmap.themes]
    out += [p.title for p in (*roadmap.pages, *roadmap.playbook) if p.title]
    return [m for m in out if m and len(m) > 6]


def test_the_project_ships_three_configs():
    assert {p.as_posix() for p in shipped_configs()} == {
        "mkdocs.yml",
        "site_config/internal.yml",
        "site_config/public.yml",
    }


@pytest.mark.parametrize("rel", shipped_configs(), ids=str)
def test_no_shipped_config_points_an_engine_at_content(rel: Path):
    path = ROOT / rel
    config = merged(path)
    docs = (path.parent / config.get("docs_dir", "docs")).resolve()
    content = (ROOT / "content").resolve()
    assert docs == PLACEHOLDER
    assert docs not in content.parents and content not in docs.parents
    # The placeholder holds one page, and nothing of the roadmap.
    assert [p.name for p in docs.iterdir()] == ["index.md"]
    # The plugin reads the sources from its own option, relative to this file like docs_dir.
    options = config["plugins"]["roadmap"]
    assert (path.parent / options["content_dir"]).resolve() == content


def _plugin_less(config_file: Path, site: Path) -> Path:
    """`config_file` as an engine that ignores the roadmap plugin reads it, written beside it
    (so its relative paths mean the same), with its site in `site`."""
    config = merged(config_file)
    plugins = config.get("plugins", [])
    if isinstance(plugins, dict):
        config["plugins"] = {k: v for k, v in plugins.items() if k != "roadmap"}
    else:
        config["plugins"] = [p for p in plugins if p != "roadmap" and "roadmap" not in p]
    config["site_dir"] = str(site)
    out = config_file.with_name(f"plugin-less-{config_file.name}")
    out.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return out


@pytest.mark.parametrize("rel", shipped_configs(), ids=str)
def test_an_engine_without_the_plugin_publishes_nothing_of_the_roadmap(rel: Path, tmp_path):
    project = new_project(tmp_path / "project", ROOT / "content")
    site = tmp_path / "out"
    config = _plugin_less(project.root / rel, site)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [str(BIN / "mkdocs"), "build", "-f", str(config)],
        cwd=project.root,
        env=env,
        capture_output=True,
        text=True,
    )
    # The overrides render without the plugin: they call none of its Python.
    assert done.returncode == 0, done.stderr
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    assert pages == ["404.html", "index.html"]
    assert "This is not the roadmap" in (site / "index.html").read_text(encoding="utf-8")
    text = site_text(site).casefold()
    markers = roadmap_markers(project.content)
    assert len(markers) > 50
    found = [m for m in markers if m.casefold() in text]
    assert not found, f"content/ text in a plugin-less build: {found[:5]}"
    names = {p.name for p in all_files(site)}
    sources = {p.name for p in project.content.rglob("*") if p.is_file()} - {"index.md"}
    assert not names & sources


def test_the_plugin_refuses_docs_dir_at_the_sources(project: Project):
    config = project.root / "site_config" / "public.yml"
    config.write_text(
        re.sub(r"docs_dir: placeholder.*", "docs_dir: ../content", config.read_text()),
        encoding="utf-8",
    )
    line = config.read_text().splitlines().index("docs_dir: ../content") + 1
    result = project.run("build", "--audience", "public")
    assert result.code == 1
    assert result.lines[0] == (
        f"site_config/public.yml:{line}: docs_dir is content, which holds the roadmap's "
        "sources: an engine that skips the roadmap plugin would publish every one of them; "
        "point docs_dir at the placeholder folder (site_config/placeholder/) and the plugin's "
        "content_dir at the sources"
    )
    assert not project.site("public").exists()


def test_overrides_call_nothing_of_the_plugin():
    """Filters, globals and calls of the plugin would stop an engine that runs no plugin;
    the plugin-less builds above render them, this names the culprit."""
    for path in (ROOT / "overrides").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"roadmap_(once|integrity)|\{%-?\s*(call|filter)\s+roadmap", text), (
            path
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, attempts: int = 100) -> str:
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(url) as r:
                return r.read().decode()
        except OSError:
            time.sleep(0.2)
    return ""


def test_serve_reloads_when_content_changes(project: Project):
    """docs_dir is the placeholder: the plugin asks `mkdocs serve` to watch content_dir."""
    item = project.item("watched-item", title="Before the edit")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROADMAP_")}
    server = subprocess.Popen(
        [str(BIN / "mkdocs"), "serve", "-f", "site_config/public.yml", "-a", f"127.0.0.1:{port}"],
        cwd=project.root,
        env={**env, "NO_MKDOCS_2_WARNING": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/items/watched-item/"
    try:
        assert "Before the edit" in _get(url)
        item.write_text(item.read_text().replace("Before the edit", "After the edit"))
        html = ""
        for _ in range(100):
            html = _get(url)
            if "After the edit" in html:
                break
            time.sleep(0.2)
        assert "After the edit" in html
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_an_engine_that_is_not_installed_says_how_to_get_it(project: Project, monkeypatch):
    monkeypatch.setattr(type(ENGINES["properdocs"]), "installed", lambda self: False)
    result = project.run("build", "--engine", "properdocs")
    assert result.code == 1
    assert result.lines == [
        "roadmap: the properdocs engine is not installed; pip install -e '.[properdocs]'"
    ]


def test_unknown_engine_is_a_usage_error(project: Project):
    assert project.run("build", "--engine", "zensical").code == 2


# --- ProperDocs: the same sites (make test-engines) -----------------------------------------


def file_names(site: Path) -> list[str]:
    """Every file of a site, by its path in the site, sorted."""
    return sorted(p.relative_to(site).as_posix() for p in all_files(site))


def _normalised(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix == ".html":
        data = GENERATOR.sub("", data.decode("utf-8")).encode("utf-8")
    return data


@pytest.mark.engines
def test_properdocs_builds_the_same_light_site(sample: Project, sample_properdocs: Project):
    ours, theirs = sample.site("public"), sample_properdocs.site("public")
    names = file_names(ours)
    assert names == file_names(theirs)
    assert len(names) > 20
    differ = [n for n in names if _normalised(ours / n) != _normalised(theirs / n)]
    assert not differ
    generators = GENERATOR.findall((theirs / "index.html").read_text(encoding="utf-8"))
    assert generators and "ProperDocs" in generators[0]


@pytest.mark.engines
def test_properdocs_builds_the_internal_site_at_the_same_addresses(
    sample: Project, sample_properdocs: Project
):
    ours, theirs = sample.site("internal"), sample_properdocs.site("internal")
    names = file_names(ours)
    assert names == file_names(theirs)


@pytest.mark.engines
def test_properdocs_sites_keep_the_canaries_out(sample_properdocs: Project):
    light = site_text(sample_properdocs.site("public")).casefold()
    internal = site_text(sample_properdocs.site("internal")).casefold()
    secrets = _internal_secrets(sample_properdocs.content)
    assert not [s for s in secrets if s.casefold() in light]
    # The internal site is sealed: nothing of the roadmap in any byte or file name.
    assert not [s for s in secrets if s.casefold() in internal]
    assert "roadmap-sealed" in internal


# --- The render-only pipeline: plain MkDocs without our plugin (experimental engine) ----------


@pytest.fixture(scope="module")
def render_only(tmp_path_factory) -> Project:
    root = tmp_path_factory.mktemp("render-only") / "project"
    built = leaky_light_site(root, "mkdocs-render-only")
    assert "render-only" in built.result.out
    return built.project


@pytest.mark.engines
def test_render_only_light_site_keeps_every_leak_vector_out(render_only: Project):
    from test_leaks import POSITIVE, VECTORS

    text = site_text(render_only.site("public")).casefold()
    vectors = [v.values if hasattr(v, "values") else v for v in VECTORS]
    found = [(name, n) for name, needles in vectors for n in needles if n.casefold() in text]
    assert not found
    assert [m for m in POSITIVE if m.casefold() not in text] == []


@pytest.mark.engines
def test_render_only_publishes_the_files_the_plugin_does(tmp_path, render_only: Project):
    plugin_built = leaky_light_site(tmp_path / "project", "mkdocs").project
    ours, theirs = plugin_built.site("public"), render_only.site("public")
    assert file_names(ours) == file_names(theirs)
    assert (ours / "roadmap.json").read_bytes() == (theirs / "roadmap.json").read_bytes()


@pytest.mark.engines
def test_a_file_the_engine_adds_on_its_own_is_refused(project: Project, monkeypatch):
    """Whatever the engine writes goes through the allow-list and the audit: a file of its own
    holding a customer's name stops the build, and the previous site stays."""
    from roadmap import render_only

    project.item("with-customer", customers=[{"name": "Quillfeather Plumbing"}])
    assert project.run("build", "--audience", "public").code == 0
    before = sorted(p.name for p in all_files(project.site("public")))
    real = render_only.build_light_site

    def adding(proj, render, today):
        def render_and_add(config: Path) -> None:
            render(config)
            site = Path(yaml.safe_load(config.read_text())["site_dir"])
            (site / "engine-extra.txt").write_text("Made for Quillfeather Plumbing")

        return real(proj, render_and_add, today)

    monkeypatch.setattr(render_only, "build_light_site", adding)
    result = project.run("build", "--audience", "public", "--engine", "mkdocs-render-only")
    assert result.code == 1
    assert "engine-extra.txt" in result.err
    assert result.err.rstrip().endswith("the previous one is untouched.")
    assert sorted(p.name for p in all_files(project.site("public"))) == before
    assert not list((project.root / ".roadmap-staging").glob("render*"))


def test_the_shared_navigation_is_rendered_once_per_key(tmp_path):
    """The plugin's loader wraps the theme's nav and tabs in roadmap_once: overrides/ need not,
    and pages that share a key (not in the nav, one folder depth) share one rendering."""
    import jinja2

    from roadmap.rendering import SharedBlocks, with_theme_aliases

    theme = tmp_path / "theme"
    (theme / "partials").mkdir(parents=True)
    (theme / "partials/nav.html").write_text("nav {{ count() }}")
    (theme / "partials/tabs.html").write_text("tabs {{ count() }}")
    (theme / "main.html").write_text(
        '{% include "partials/tabs.html" %} {% include "partials/nav.html" %}'
    )
    calls = []
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(theme)))
    env.globals["count"] = lambda: calls.append(1) or len(calls)
    env.loader = with_theme_aliases(env.loader, [str(theme)])
    SharedBlocks().install(env)
    main = env.get_template("main.html")
    assert main.render(roadmap_shared="../") == "tabs 1 nav 2"
    assert main.render(roadmap_shared="../") == "tabs 1 nav 2"  # the same key: not rendered again
    assert main.render(roadmap_shared="") == "tabs 3 nav 4"
    assert main.render(roadmap_shared=None) == "tabs 5 nav 6"  # in the nav: every time
    assert main.render(roadmap_shared=None) == "tabs 7 nav 8"


def test_integrity_is_added_to_the_theme_part_of_a_written_page():
    """After rendering, not by a template filter: the <head>'s assets and the theme's scripts
    after its settings get integrity attributes; a script of the content does not."""
    from roadmap.integrity import add_theme_integrity

    page = (
        '<html><head><title>T</title><link rel="canonical" href="x/">'
        '<link rel="stylesheet" href="a.css"><script src="h.js"></script></head><body>'
        '<article><script src="content.js"></script></article>'
        '<script id="__config" type="application/json">{}</script>'
        '<script src="bundle.js"></script></body></html>'
    )
    done: dict = {}
    digests = {"a.css": "sha384-A", "h.js": "sha384-H", "bundle.js": "sha384-B"}
    html, missing = add_theme_integrity(page, digests.get, done)
    assert '<link rel="stylesheet" href="a.css" integrity="sha384-A">' in html
    assert '<script src="h.js" integrity="sha384-H">' in html
    assert '<script src="bundle.js" integrity="sha384-B">' in html
    assert '<script src="content.js"></script>' in html
    assert missing == []
    # Another page of the same depth: the same theme parts, read from the memo.
    again, _ = add_theme_integrity(page.replace("<title>T", "<title>U"), {}.get, done)
    assert again == html.replace("<title>T", "<title>U")


@pytest.fixture(scope="module")
def sample_render_only(tmp_path_factory) -> Project:
    """Both sites of the sample through the render-only pipeline, keyed as `sample` is."""
    project = new_project(tmp_path_factory.mktemp("sample-ro") / "project", ROOT / "content")
    env = {"ROADMAP_ADDRESS_KEY": SAMPLE_ADDRESS_KEY}
    result = project.run("build", "--engine", "mkdocs-render-only", env=env)
    assert result.code == 0, result.err
    assert "internal site (" in result.out and "render-only" in result.out
    return project


@pytest.mark.engines
@pytest.mark.browser
def test_render_only_light_site_runs_under_its_policy(page, sample_render_only: Project):
    """The policy the render-only pipeline writes lets the theme's scripts and ours run, with
    their integrity attributes, and nothing is refused."""
    from playwright.sync_api import expect

    from conftest import serve

    seen: list[str] = []
    violation = re.compile(r"Content.Security.Policy|integrity", re.I)
    page.on("console", lambda m: seen.append(m.text) if violation.search(m.text) else None)
    with serve(sample_render_only.site("public")) as url:
        page.goto(url)
        expect(page.locator("[data-rm-filters]")).to_be_visible()  # board.js ran
        page.locator(".rm-board .rm-card__title a").first.click()
        expect(page.locator(".md-content h1").first).to_be_visible()
    html = (sample_render_only.site("public") / "index.html").read_text()
    assert 'http-equiv="Content-Security-Policy"' in html
    assert seen == []


@pytest.mark.engines
def test_render_only_pages_are_the_plugin_pages(sample: Project, sample_render_only: Project):
    """Page for page the same HTML as the plugin build, but for the policy (the render-only
    one lists only the inline scripts the page holds) and the titles' escaping."""
    ours, theirs = sample.site("public"), sample_render_only.site("public")
    names = file_names(ours)
    assert names == file_names(theirs)
    policy = re.compile(r'<meta http-equiv="Content-Security-Policy" content="[^"]*">')

    def normal(path: Path) -> str:
        text = policy.sub("", path.read_text(encoding="utf-8"))
        return text.replace("&amp;", "&")

    pages = [n for n in names if n.endswith(".html")]
    assert [n for n in pages if normal(ours / n) != normal(theirs / n)] == []


# --- The render-only internal site: token addresses, every file sealed -----------------------


def _internal_secrets(content: Path) -> list[str]:
    """Customer names and the titles of every item the light site does not show."""
    roadmap = load(content)
    hidden = {i.id for i in roadmap.items} - {i.id for i in project(roadmap, "public").items}
    secrets = ["Halyard", "Kestrel", "Bellwether", "Sunita Varga"]
    secrets += [c.name for i in roadmap.items for c in i.customers]
    secrets += [roadmap.item(i).title for i in hidden]
    assert hidden and len(secrets) > 10
    return secrets


@pytest.mark.engines
def test_render_only_internal_site_has_the_plugin_addresses(
    sample: Project, sample_render_only: Project
):
    """The same content and address key: the same files at the same token addresses."""
    ours, theirs = sample.site("internal"), sample_render_only.site("internal")
    names = file_names(ours)
    assert names == file_names(theirs)
    assert len([n for n in names if re.fullmatch(r"[0-9a-f]{20}/index\.html", n)]) > 30


@pytest.mark.engines
def test_render_only_internal_site_is_sealed_in_every_byte(sample_render_only: Project):
    from roadmap.crypto import open_keyring
    from roadmap.seal import open_page, read_sealed

    site = sample_render_only.site("internal")
    text = site_text(site).casefold()
    secrets = _internal_secrets(sample_render_only.content)
    assert [s for s in secrets if s.casefold() in text] == []
    assert "roadmap-sealed" in text
    assert list((sample_render_only.root / ".roadmap-staging").iterdir()) == []
    # Opened with the password, the pages hold the roadmap, and every link between them leads
    # to a page of the site (each was retargeted to its token address).
    key = open_keyring(read_sealed((site / "index.html").read_text()), PASSWORD)
    assert key is not None
    opened = "".join(
        open_page(site, p.relative_to(site).as_posix(), key).decode() for p in site.rglob("*.html")
    )
    assert [s for s in secrets if s.casefold() not in opened.casefold()] == []
    links = 0
    for path in site.glob("*/index.html"):
        html = open_page(site, path.relative_to(site).as_posix(), key).decode()
        for href in re.findall(r'<a [^>]*href="([^"#?:]+/)["#?]', html):
            target = (path.parent / href).resolve()
            assert (target / "index.html").is_file(), (path.parent.name, href)
            links += 1
    assert links > 1000
    index = json.loads(open_page(site, "search/search_index.json", key))
    assert any("Halyard" in doc["text"] for doc in index["docs"])


@pytest.mark.engines
@pytest.mark.browser
def test_render_only_internal_site_opens_with_the_password(page, sample_render_only: Project):
    from playwright.sync_api import expect
    from test_browser_internal import INTERNAL_TITLE, expect_locked, expect_unlocked, unlock

    from conftest import serve

    with serve(sample_render_only.site("internal")) as url:
        page.goto(url)
        unlock(page, "not the password at all")
        expect_locked(page, "Wrong password")
        unlock(page)
        expect(page.locator(".rm-board .rm-card__title", has_text=INTERNAL_TITLE)).to_be_visible()
        expect_unlocked(page)
        page.locator(".rm-board .rm-card__title a", has_text=INTERNAL_TITLE).click()
        expect(page.locator(".md-content h1")).to_contain_text(INTERNAL_TITLE)
        expect_unlocked(page)
        assert re.fullmatch(r"/[0-9a-f]{20}/", page.evaluate("location.pathname"))
        box = page.locator(".md-search__input")
        box.click()
        box.press_sequentially("Halyard")
        results = page.locator(".md-search-result__item")
        expect(results.locator("h1", has_text=INTERNAL_TITLE)).to_have_count(1)


def test_render_only_checks_the_password_before_building(project: Project):
    result = project.run("build", "--engine", "mkdocs-render-only", password="password")
    assert result.code == 1
    assert "ROADMAP_PASSWORD:1: too short" in result.err
    assert "nothing was built" in result.err
    assert not project.site("public").exists() and not project.site("internal").exists()


@pytest.mark.engines
def test_render_only_publishes_both_sites_or_neither(project: Project, monkeypatch):
    """A failure of the internal site leaves the light site unpublished too."""
    from roadmap import render_only

    def failing(proj, render, today, secrets):
        raise render_only.RenderError("the engine stopped")

    monkeypatch.setattr(render_only, "build_internal_site", failing)
    result = project.run("build", "--engine", "mkdocs-render-only")
    assert result.code == 1
    assert "the engine stopped; the previous sites are untouched" in result.err
    assert not project.site("public").exists()
    assert list((project.root / ".roadmap-staging").iterdir()) == []


@pytest.mark.engines
def test_render_only_plaintext_stays_in_staging_when_killed(tmp_path):
    """Killed right after the engine wrote the internal pages in clear: they are inside
    .roadmap-staging/ only, nothing was published, and the next build sweeps them."""
    from test_crash import SECRETS, crash_project, run_build

    project = crash_project(tmp_path / "project")
    args = ("--engine", "mkdocs-render-only", "--audience", "internal")
    done = run_build(project, *args, ROADMAP_CRASH_AT="rendered")
    assert done.returncode == -9, done.stderr
    assert not project.site("internal").exists()
    staged = b""
    for path in project.root.rglob("*"):
        rel = path.relative_to(project.root)
        if path.is_file() and rel.parts[0] != "content":
            data = path.read_bytes()
            found = [s for s in SECRETS if s.encode() in data]
            assert not found or rel.parts[0] == ".roadmap-staging", rel
            staged += data if found else b""
    assert b"Gannetfold Ledger" in staged  # the engine's output was there, in clear
    again = run_build(project, *args)
    assert again.returncode == 0, again.stderr
    assert list((project.root / ".roadmap-staging").iterdir()) == []
    assert "Gannetfold Ledger" not in site_text(project.site("internal"))


@pytest.mark.engines
def test_render_only_refuses_a_link_left_at_its_source_address(project: Project, monkeypatch):
    """Each page is written under its token name with its links retargeted; a link the engine
    could not turn into a token address stops the build."""
    from roadmap import render_only

    project.item("linked-one", title="Linked one")
    project.page("links.md", "# Links\n\nSee [the item](../roadmap/linked-one.md).\n")
    args = ("build", "--engine", "mkdocs-render-only", "--audience", "internal")
    assert project.run(*args).code == 0
    before = sorted(p.name for p in all_files(project.site("internal")))
    monkeypatch.setattr(render_only, "rewrite", lambda text, target: text)
    result = project.run(*args)
    assert result.code == 1
    assert "/index.html: a link to items/linked-one.md did not get its page's address" in result.err
    assert result.err.rstrip().endswith("the previous one is untouched.")
    assert sorted(p.name for p in all_files(project.site("internal"))) == before


@pytest.mark.engines
def test_a_page_the_engine_adds_to_the_internal_site_is_refused(project: Project, monkeypatch):
    """The engine writes into the private folder; what it adds on its own reaches the staged
    site only to be refused by the seal check, and nothing is published."""
    from roadmap import render_only

    project.item("with-customer", customers=[{"name": "Quillfeather Plumbing"}])
    real = render_only.build_internal_site

    def adding(proj, render, today, secrets):
        def render_and_add(config: Path) -> None:
            render(config)
            site = Path(yaml.safe_load(config.read_text())["site_dir"])
            assert ".roadmap-staging" in site.parts
            (site / "0123456789abcdef0123.html").write_text("<p>Quillfeather Plumbing</p>")

        return real(proj, render_and_add, today, secrets)

    monkeypatch.setattr(render_only, "build_internal_site", adding)
    result = project.run("build", "--engine", "mkdocs-render-only", "--audience", "internal")
    assert result.code == 1
    assert "0123456789abcdef0123.html: not a locked page" in result.err
    assert not project.site("internal").exists()
    assert list((project.root / ".roadmap-staging").iterdir()) == []
