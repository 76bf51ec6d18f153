"""Help for people writing items: `roadmap new`, the front-matter schema, what `roadmap check`
says beyond problems, and the preview that shows content errors in the browser."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import date, timedelta
from pathlib import Path

import jsonschema
import pytest
import yaml
from test_history import Repo

from conftest import ROOT, Project
from roadmap.authoring import front_matter_schema, schema_text, slugify
from roadmap.load import load
from roadmap.model import Item
from roadmap.schema import declared

MKDOCS = Path(sys.executable).parent / "mkdocs"


# --- roadmap new ---------------------------------------------------------------------------------


def test_new_writes_a_commented_internal_item_that_checks(project: Project):
    result = project.run("new", "Offline mode (iOS): phase 2")
    assert result.code == 0, result.err
    path = project.content / "roadmap/offline-mode-ios-phase-2.md"
    assert result.out.strip() == (
        "roadmap: wrote content/roadmap/offline-mode-ios-phase-2.md; it stays internal until you "
        "set 'visibility: public'; run roadmap check when done"
    )
    text = path.read_text()
    assert "# No visibility: this item is internal and clients never see it." in text
    for f in declared(Item):  # every field is offered, from the one declaration
        assert f"{f.name}:" in text, f.name
    item = load(project.content).item("offline-mode-ios-phase-2")
    assert (item.title, item.visibility, item.theme) == (
        "Offline mode (iOS): phase 2",
        "internal",
        "core",
    )
    check = project.run("check")
    assert check.code == 0, check.err
    assert check.out.splitlines()[1] == (
        "content/roadmap/offline-mode-ios-phase-2.md:4: hidden from the light site: "
        "no visibility: internal"
    )


def test_new_with_a_theme(project: Project):
    assert project.run("new", "Hidden thing", "--theme", "secret-theme").code == 0
    assert load(project.content).item("hidden-thing").theme == "secret-theme"


def test_new_refuses_to_overwrite(project: Project):
    project.item("offline-mode", folder="mobile", title="Something else")
    before = (project.content / "roadmap/mobile/offline-mode.md").read_text()
    result = project.run("new", "Offline mode")
    assert result.code == 1
    assert result.lines == [
        "content/roadmap/mobile/offline-mode.md:1: an item with the id 'offline-mode' exists; "
        "edit it, or choose another title"
    ]
    assert (project.content / "roadmap/mobile/offline-mode.md").read_text() == before
    assert not (project.content / "roadmap/offline-mode.md").exists()


def test_new_refuses_an_unknown_theme(project: Project):
    result = project.run("new", "Anything", "--theme", "cor")
    assert result.code == 2
    assert result.lines == ["roadmap: unknown theme 'cor'; did you mean 'core'?"]
    assert not (project.content / "roadmap/anything.md").exists()


def test_new_refuses_a_title_without_letters(project: Project):
    result = project.run("new", "!!!")
    assert result.code == 2
    assert result.lines == ["roadmap: cannot make an id from '!!!'; use letters or digits"]


@pytest.mark.parametrize(
    "title, slug",
    [("Offline mode", "offline-mode"), ("Café  Crème 2.0", "cafe-creme-2-0"), ("--A--", "a")],
)
def test_slugify(title: str, slug: str):
    assert slugify(title) == slug


@pytest.mark.parametrize("title", ["Yes", "null", "2026-01-01", "Offline: now", "# not a comment"])
def test_new_keeps_titles_yaml_would_misread(project: Project, title: str):
    assert project.run("new", title).code == 0, title
    item = load(project.content).items[0]
    assert item.title == title


# --- The front-matter schema ---------------------------------------------------------------------


def test_the_shipped_schema_is_generated_from_the_declaration():
    shipped = (ROOT / "schemas/item.schema.json").read_text()
    assert shipped == schema_text(), (
        "schemas/item.schema.json is stale: run `make schemas` (roadmap.authoring.schema_text)"
    )


def test_the_schema_accepts_the_sample_and_rejects_bad_fields():
    schema = front_matter_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    for path in sorted((ROOT / "content/roadmap").rglob("*.md")):
        front = yaml.load(path.read_text().split("---")[1], Loader=yaml.BaseLoader)
        front = _typed(front)
        errors = [e.message for e in validator.iter_errors(front)]
        assert errors == [], path
    assert list(validator.iter_errors({"title": "x", "summary": "y", "status": "done"}))
    assert list(validator.iter_errors({"titel": "x"}))


def _typed(value):
    """YAML as the YAML language server reads it (dates stay text, numbers are numbers)."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value


def test_editor_settings_point_at_the_schema():
    settings = json.loads((ROOT / ".vscode/settings.json").read_text())
    assert settings["yaml.schemas"] == {"./schemas/item.schema.json": ["content/roadmap/**/*.md"]}
    tasks = json.loads((ROOT / ".vscode/tasks.json").read_text())
    matcher = tasks["tasks"][0]["problemMatcher"]["pattern"]["regexp"]
    import re

    m = re.match(matcher, "content/roadmap/x.md:4: warning: not reviewed for 99 days")
    assert m.groups() == ("content/roadmap/x.md", "4", "warning", "not reviewed for 99 days")


# --- roadmap check -------------------------------------------------------------------------------


def test_check_reports_every_problem_in_one_run(project: Project):
    project.item("one", status="done")
    project.item("two", theme="nope")
    project.item("three", tags="mobile, offline")
    project.write("content/roadmap/four.md", "---\ntitle: [\n---\n")
    project.write(
        "content/roadmap/themes.yml",
        project.content.joinpath("roadmap/themes.yml").read_text() + "bad theme:\n  title: x\n",
    )
    result = project.run("check")
    assert result.code == 1
    assert [line.split(":")[0] for line in result.lines[:-1]] == [
        "content/roadmap/four.md",
        "content/roadmap/one.md",
        "content/roadmap/themes.yml",
        "content/roadmap/three.md",
        "content/roadmap/two.md",
    ]
    assert result.lines[-1] == "roadmap: 5 problem(s) in content/"


def test_check_refuses_a_comma_separated_list(project: Project):
    project.item("three", tags="mobile, offline")
    result = project.run("check")
    assert result.code == 1
    assert result.lines[0] == (
        "content/roadmap/three.md:8: tags: 'mobile, offline' is one text with commas, not a list; "
        "write [mobile, offline] or one '- entry' per line"
    )
    project.item("three", tags="mobile")  # one tag without brackets still reads as a list
    assert project.run("check").code == 0


def test_check_says_which_items_are_new_or_hidden_and_why(project: Project):
    repo = Repo(project)
    project.item("shown")
    project.item("asked", visibility="ask-first")
    repo.commit("One")
    project.item("no-visibility", visibility=None)
    project.item("paused-one", status="paused")
    project.item("in-hidden-theme", visibility="internal", theme="secret-theme")
    project.item("new-public")
    result = project.run("check")
    assert result.code == 0, result.err
    assert result.out.splitlines()[1:] == [
        "content/roadmap/asked.md:4: hidden from the light site: visibility: ask-first",
        "content/roadmap/in-hidden-theme.md:4: new item, hidden from the light site: "
        "visibility: internal",
        "content/roadmap/new-public.md:4: new item, on the light site",
        "content/roadmap/no-visibility.md:2: new item, hidden from the light site: "
        "no visibility: internal",
        "content/roadmap/paused-one.md:4: new item, hidden from the light site: status: paused",
    ]


def test_check_counts_an_item_renamed_for_clients_as_shown(project: Project):
    """Its light-site id comes from its public title: it is still on the light site."""
    project.item("codename-lynx", public={"title": "Faster shift swaps"})
    result = project.run("check")
    assert result.code == 0, result.err
    assert "(1 on the light site)" in result.out.splitlines()[0]
    assert "hidden from the light site" not in result.out


def test_check_warns_about_items_not_reviewed_lately(project: Project):
    old = (date.today() - timedelta(days=120)).isoformat()
    project.item("old-one", owner="Olga Owner", last_reviewed=old)
    project.item("fresh", last_reviewed=date.today().isoformat())
    result = project.run("check")
    assert result.code == 0
    assert result.lines == [
        f"content/roadmap/old-one.md:9: warning: not reviewed for 120 days (last_reviewed "
        f"{old}, stale_after_days is 90); check it with Olga Owner and set last_reviewed: "
        f"{date.today().isoformat()}"
    ]


# --- The preview shows content errors ------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_shows_content_problems_in_the_browser(project: Project):
    project.item("broken", status="done")
    port = _free_port()
    server = subprocess.Popen(
        [str(MKDOCS), "serve", "-f", "site_config/public.yml", "-a", f"127.0.0.1:{port}"],
        cwd=project.root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        page = _fetch(f"http://127.0.0.1:{port}/", server)
        assert "1 problem(s) stop the build" in page
        assert "content/roadmap/broken.md:5: status: &#x27;done&#x27; is not allowed" in page or (
            "content/roadmap/broken.md:5: status: &#39;done&#39; is not allowed" in page
        )
        missing = _fetch(f"http://127.0.0.1:{port}/items/broken/", server, ok=False)
        assert "content problem(s): nothing would be published" in missing
    finally:
        server.terminate()
        server.wait(timeout=10)


def _fetch(url: str, server: subprocess.Popen, ok: bool = True) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"mkdocs serve stopped: {server.stderr.read().decode()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except urllib.error.HTTPError as e:
            if not ok and e.code == 404:
                return e.read().decode()
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail(f"{url} did not answer")
