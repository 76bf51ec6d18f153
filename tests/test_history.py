"""History from real git repositories made in tmp: what each audience learns of the past.

The light site's history is the public projection at each commit: an item that becomes public
appears as new with nothing of its internal past, and an item that is not public now is named
nowhere, not even by its withdrawal. The internal site sees every change with its commit.
"""

from __future__ import annotations

import os
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest

from conftest import Project, new_project, site_text
from roadmap import history as hist
from roadmap.audience import light_site_secrets
from roadmap.audience import project as view_of
from roadmap.history import read_history
from roadmap.load import load
from roadmap.pages import Settings, plan_site

EPOCH = "1795000000"  # 19 November 2026: the build's "today"


def git(root: Path, *args: str, author: str = "Ada Builder", when: str | None = None) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": author,
        "GIT_AUTHOR_EMAIL": "someone@example.com",
        "GIT_COMMITTER_NAME": author,
        "GIT_COMMITTER_EMAIL": "someone@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    if when:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = when
    done = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


class Repo:
    """A project under git, committed step by step with chosen authors, messages and dates."""

    def __init__(self, project: Project):
        self.project = project
        self.day = 0
        git(project.root, "init", "-q", "-b", "main")
        project.write(".gitignore", "/site/\n")

    def commit(self, message: str, author: str = "Ada Builder") -> str:
        self.day += 1
        when = f"2026-10-{self.day:02d}T12:00:00+00:00"
        git(self.project.root, "add", "-A")
        git(self.project.root, "commit", "-q", "-m", message, author=author, when=when)
        return git(self.project.root, "rev-parse", "HEAD").strip()


@pytest.fixture
def repo(project: Project) -> Repo:
    return Repo(project)


def build_public(project: Project) -> str:
    result = project.run("build", "--audience", "public", env={"SOURCE_DATE_EPOCH": EPOCH})
    assert result.code == 0, result.err
    return site_text(project.site("public"))


def internal_plan(p: Project):
    roadmap = load(p.content)
    history = read_history(p.content)
    settings = Settings(today=date(2026, 11, 19))
    return plan_site(view_of(roadmap, "internal"), settings, lambda text: "", history)


# --- An item's internal past never reaches the light site ----------------------------------------


def test_an_item_made_public_appears_as_new_without_its_internal_past(repo: Repo):
    p = repo.project
    p.item("anchor")
    p.item("offline-sync", visibility="internal", title="Quasar skunkworks", horizon="later")
    repo.commit("Greenlit codename Quasar for Globex", author="Zelda Quietauthor")
    p.item("offline-sync", visibility="internal", title="Quasar skunkworks", horizon="next")
    repo.commit("Quasar slips into next, Globex pushing", author="Zelda Quietauthor")
    p.item("offline-sync", title="Offline sync", horizon="now", status="in-progress")
    repo.commit("Announce Quasar publicly", author="Zelda Quietauthor")

    text = build_public(p)
    changes = (p.site("public") / "changes/index.html").read_text()
    assert "Offline sync" in changes and "added to Now" in changes
    # No move from Later or Next, no title, message or author of its internal past.
    assert changes.count("Offline sync") == 1
    assert "moved from" not in changes
    for secret in ("Quasar", "skunkworks", "Globex", "Zelda", "Quietauthor", "Greenlit"):
        assert secret.casefold() not in text.casefold(), secret


def test_an_item_public_then_internal_again_is_named_nowhere(repo: Repo):
    p = repo.project
    p.item("anchor")
    p.item("phoenix", visibility="internal", title="Phoenix rewrite")
    repo.commit("Phoenix starts", author="Zelda Quietauthor")
    p.item("phoenix", title="Faster reports")
    repo.commit("Phoenix goes public")
    p.item("phoenix", title="Faster reports", horizon="now")
    repo.commit("Phoenix moves up")
    assert "Faster reports" in build_public(p)

    p.item("phoenix", visibility="internal", title="Faster reports", horizon="now")
    repo.commit("Pull Phoenix back: legal concerns", author="Zelda Quietauthor")
    text = build_public(p)
    for secret in ("phoenix", "Faster reports", "legal concerns", "Zelda", "Quietauthor"):
        assert secret.casefold() not in text.casefold(), secret
    # The audit looks for it too: hidden now, so its id and title are secrets.
    words = {s.word for s in light_site_secrets(load(p.content))}
    assert {"phoenix", "Faster reports"} <= words
    # Nothing announces the withdrawal, by name or otherwise.
    changes = (p.site("public") / "changes/index.html").read_text()
    assert "removed" not in changes and "withdrawn" not in changes


def test_an_item_public_for_one_commit_then_hidden_is_named_nowhere(repo: Repo):
    p = repo.project
    p.item("anchor")
    repo.commit("Start")
    p.item("zorblax-feature", title="Zorblax and miss it")
    repo.commit("Show zorblax")
    p.item("zorblax-feature", title="Zorblax and miss it", status="paused")
    repo.commit("Pause zorblax")
    p.item("anchor", horizon="now")
    repo.commit("Anchor moves")
    text = build_public(p)
    assert "zorblax" not in text.casefold()
    feed = (p.site("public") / "feed.xml").read_text()
    assert "Title of anchor: moved from Next to Now" in feed


def public_entries(p: Project) -> list[str]:
    """The light site's changelog entries, as text: "<day> <title> <change>"."""
    changes = (p.site("public") / "changes/index.html").read_text()
    return [
        " ".join(re.sub(r"<[^>]+>", " ", li).split())
        for li in re.findall(r"<li>.*?</li>", changes, re.S)
    ]


@pytest.mark.parametrize(
    ("how", "withdrawn_first"),
    [("public.id", True), ("public.id", False), ("file name used again", True)],
)
def test_an_id_taken_over_brings_nothing_of_the_item_that_had_it(
    repo: Repo, how: str, withdrawn_first: bool
):
    """A light-site id passes to another item (its public.id, a file name used again): what
    happened under that id before is the other item's, withdrawn since, and stays unsaid."""
    p = repo.project
    p.item("zeta-pilot", title="Zeta pilot", horizon="later", status="exploring")
    repo.commit("Zeta is public")
    p.item("zeta-pilot", title="Zeta pilot", horizon="next", status="planned")
    repo.commit("Zeta moves up")
    if withdrawn_first:
        p.item("zeta-pilot", title="Zeta pilot", horizon="next", visibility="internal")
        repo.commit("Pull Zeta back")
    (p.content / "roadmap/zeta-pilot.md").unlink()
    if how == "public.id":
        public = {"title": "Shiny reports", "id": "zeta-pilot"}
        p.item("shiny", title="Shiny", summary="Reports.", horizon="now", public=public)
    else:
        p.item("zeta-pilot", title="Shiny reports", summary="Reports.", horizon="now")
    repo.commit("Shiny reports")
    text = build_public(p)
    day = repo.day
    assert public_entries(p) == [f"{day} October 2026 Shiny reports added to Now"]
    assert "Later" not in (p.site("public") / "feed.xml").read_text()
    assert "zeta" not in text.replace("zeta-pilot", "").casefold()


def test_an_item_back_on_the_light_site_starts_over(repo: Repo):
    """Public, withdrawn, public again: a second "added" would say it was withdrawn."""
    p = repo.project
    p.item("orbit", title="Orbit", horizon="later")
    repo.commit("Orbit is public")
    p.item("orbit", title="Orbit", horizon="next")
    repo.commit("Orbit moves up")
    p.item("orbit", title="Orbit", horizon="next", visibility="internal")
    repo.commit("Orbit pulled back")
    p.item("orbit", title="Orbit", horizon="now")
    repo.commit("Orbit is back")
    build_public(p)
    assert public_entries(p) == ["4 October 2026 Orbit added to Now"]
    feed = (p.site("public") / "feed.xml").read_text()
    assert feed.count("<entry>") == 1


def test_the_internal_site_sees_every_change_with_its_commit(repo: Repo):
    p = repo.project
    p.item("phoenix", visibility="internal", title="Phoenix rewrite", commitment="exploratory")
    repo.commit("Phoenix starts", author="Zelda Quietauthor")
    p.item("phoenix", title="Phoenix rewrite", commitment="likely")
    repo.commit("Phoenix goes public")
    p.item("phoenix", visibility="internal", title="Phoenix rewrite", commitment="likely")
    repo.commit("Pull Phoenix back: legal concerns", author="Zelda Quietauthor")
    (p.content / "roadmap/phoenix.md").unlink()
    repo.commit("Drop Phoenix")

    changes = hist.internal_changes(read_history(p.content))
    kinds = [c.kind for c in changes]
    assert kinds == [
        hist.REMOVED,
        hist.LEFT,
        hist.VISIBILITY,
        hist.JOINED,
        hist.VISIBILITY,
        hist.COMMITMENT,
        hist.ADDED,
    ]
    left = changes[1]
    assert (left.commit.subject, left.commit.author) == (
        "Pull Phoenix back: legal concerns",
        "Zelda Quietauthor",
    )


def test_internal_pages_show_windows_commits_and_withdrawals(repo: Repo):
    p = repo.project
    p.item("phoenix", title="Phoenix rewrite")
    repo.commit("Phoenix starts")
    p.item("phoenix", visibility="internal", title="Phoenix rewrite")
    repo.commit("Pull Phoenix back", author="Zelda Quietauthor")
    plan = internal_plan(p)
    page = plan.pages["changes.md"].markdown
    assert "## In the last 7 days" in page and "## 31 to 90 days ago" in page
    assert "left the light site" in page and "Pull Phoenix back, Zelda Quietauthor" in page
    item = plan.pages["items/phoenix.md"].markdown
    assert "## History" in item and "left the light site" in item


# --- Where history is missing ------------------------------------------------------------------


def test_a_build_without_git_says_there_is_no_history(project: Project):
    project.item("anchor")
    result = project.run("build", "--audience", "public", "-v")
    assert result.code == 0, result.err
    notes = [line for line in result.lines if "no history" in line]
    assert notes == [
        "INFO: roadmap: no history: not a git repository; changelogs and feeds start empty"
    ]
    assert "No changes recorded yet" in (project.site("public") / "changes/index.html").read_text()


def test_a_shallow_clone_is_detected_and_explained(repo: Repo, tmp_path: Path):
    p = repo.project
    p.item("anchor")
    repo.commit("One")
    p.item("anchor", horizon="now")
    repo.commit("Two")
    p.item("second")
    repo.commit("Three")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{p.root}", str(clone))
    history = read_history(clone / "content")
    assert history.notes == (
        "shallow clone: history starts at 2026-10-03; fetch full history with fetch-depth: 0 "
        "(actions/checkout) or git fetch --unshallow",
    )
    # The first commit it has is where history starts, not a day when everything was added.
    view = view_of(load(clone / "content"), "public")
    assert hist.public_changes(history, view) == []


def test_history_depth_reads_the_newest_commits(repo: Repo):
    p = repo.project
    p.item("anchor", horizon="later")
    repo.commit("One")
    p.item("anchor", horizon="next")
    repo.commit("Two")
    p.item("anchor", horizon="now")
    repo.commit("Three")
    history = read_history(p.content, depth=1)
    assert history.notes[0].startswith("history: the last 1 commits that changed the content")
    changes = hist.public_changes(history, view_of(load(p.content), "public"))
    assert [(c.kind, c.before, c.after) for c in changes] == [(hist.MOVED, "next", "now")]
    assert read_history(p.content, depth=0).snapshots == ()


def test_a_commit_whose_content_does_not_load_is_skipped_with_a_note(repo: Repo):
    p = repo.project
    p.item("anchor", horizon="later")
    repo.commit("One")
    p.write("content/roadmap/anchor.md", "---\ntitle: [unclosed\n---\n")
    broken = repo.commit("Broken")
    p.item("anchor", horizon="now")
    repo.commit("Fixed")
    history = read_history(p.content)
    assert len(history.notes) == 1
    assert history.notes[0].startswith(
        f"history: 1 commit(s) skipped, their content did not load: {broken[:10]} "
        "(roadmap/anchor.md:2: invalid YAML"
    )
    changes = hist.public_changes(history, view_of(load(p.content), "public"))
    assert [(c.kind, c.before, c.after) for c in changes] == [
        (hist.MOVED, "later", "now"),
        (hist.ADDED, None, "later"),
    ]


def test_content_below_the_repository_top_and_commits_elsewhere(tmp_path: Path):
    """The project may sit in a sub-folder of a bigger repository; other commits are ignored."""
    p = new_project(tmp_path / "mono" / "roadmap-site")
    repo_root = tmp_path / "mono"
    git(repo_root, "init", "-q", "-b", "main")
    p.item("anchor")
    git(repo_root, "add", "-A")
    git(repo_root, "commit", "-q", "-m", "one", when="2026-10-01T12:00:00+00:00")
    (repo_root / "README").write_text("unrelated")
    git(repo_root, "add", "-A")
    git(repo_root, "commit", "-q", "-m", "two", when="2026-10-02T12:00:00+00:00")
    history = read_history(p.content)
    assert history.commits == 1
    assert set(history.last_changed) == {
        "roadmap/anchor.md",
        "roadmap/themes.yml",
        "pages/index.md",
    }


def test_each_content_tree_is_read_once_per_process(repo: Repo, monkeypatch):
    p = repo.project
    p.item("anchor")
    repo.commit("One")
    p.item("anchor", horizon="now")
    repo.commit("Two")
    first = read_history(p.content)
    loads = []
    monkeypatch.setattr(hist, "load_with_problems", lambda d: loads.append(d))
    again = read_history(p.content)
    assert loads == [] and again == first


def test_the_replayed_past_is_not_kept_in_the_memo_of_item_files(repo: Repo, monkeypatch):
    """Replaying the history reads every past item file in a scratch copy; a file whose bytes
    are those of one in content/ is that item at its scratch path, not parsed again (most of
    a history's files are); once read, the memo keeps none of them (at 10,000 items, 90 MB
    each build process held), and keeps the files of the content itself, which the build reads
    again."""
    from roadmap import load as load_module

    monkeypatch.setattr(hist, "_STATES", {})
    p = repo.project
    for n in range(3):
        p.item(f"item-{n}")
    repo.commit("One")
    p.item("item-1", horizon="now")
    repo.commit("Two")
    load(p.content)
    memo = load_module._read_item
    looked: list[Path] = []
    parsed: list[Path] = []
    read, call = memo.read, type(memo).__call__
    monkeypatch.setattr(memo, "read", lambda path, *a: parsed.append(path) or read(path, *a))
    monkeypatch.setattr(
        type(memo), "__call__", lambda self, path, *a: looked.append(path) or call(self, path, *a)
    )
    history = read_history(p.content)
    scratch = [path for path in looked if not path.is_relative_to(p.content)]
    assert len(scratch) >= 4  # the three files, and the one a commit changed again
    # Parsed: item-1 as commit One left it; the others are content/'s at another path.
    assert [(path.name, path.is_relative_to(p.content)) for path in parsed] == [
        ("item-1.md", False)
    ]
    assert [s.states.internal["item-1"].horizon for s in history.snapshots if s.commit] == [
        "next",
        "now",
    ]
    kept = [key[0] for key in memo.entries]
    assert {len(key[2]) for key in memo.entries} == {32}  # digests, not bytes
    assert not [path for path in kept if path in scratch]
    assert not [key for key in memo.twins.values() if key[0] in scratch]
    assert sum(path.is_relative_to(p.content) for path in kept) == 3


# --- Freshness -----------------------------------------------------------------------------------


def test_needs_review_uses_last_reviewed_or_else_the_last_commit(repo: Repo):
    p = repo.project
    p.item("reviewed-long-ago", owner="Olga Owner", last_reviewed="2026-01-10")
    p.item("reviewed-lately", owner="Olga Owner", last_reviewed="2026-11-01")
    p.item("never-reviewed", owner="Bea Owner")
    repo.commit("One")  # 2026-10-01
    roadmap = load(p.content)
    view = view_of(roadmap, "internal")
    history = read_history(p.content)
    stale = hist.needs_review(view, history, date(2026, 11, 19), 30)
    assert [(r.item.id, r.source, r.age) for r in stale] == [
        ("never-reviewed", "last commit", 49),
        ("reviewed-long-ago", "last_reviewed", 313),
    ]
    page = plan_site(view, Settings(today=date(2026, 11, 19), stale_after_days=30), str, history)
    review = page.pages["review.md"].markdown
    assert review.index("## Bea Owner") < review.index("## Olga Owner")
    assert "(last commit)" in review and "reviewed-lately" not in review
