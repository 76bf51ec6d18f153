"""Builds killed at any moment: a real `roadmap build` process gets SIGKILL at named points
(ROADMAP_CRASH_AT, see staging.crash_point) and at measured times; SIGTERM and SIGINT clean up.

After every kill both published sites are whole and unchanged, no plaintext of the internal site
exists anywhere in the project outside content/, and the next build leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import PASSWORD, Project, all_files, new_project
from roadmap.crypto import open_keyring
from roadmap.seal import open_page, read_sealed
from roadmap.staging import STAGING_DIR

ROADMAP = Path(sys.executable).parent / "roadmap"
# Strings only the internal site may hold: an internal item, a customer, an internal block and
# an internal page. None of them may be found on disk outside content/ at any moment.
SECRETS = ("Gannetfold Ledger", "Quillback Partners", "Sculpinblock remark", "Wrasse briefing")


def crash_project(root: Path) -> Project:
    project = new_project(root)
    project.item(
        "public-one", body='Public words.\n\n!!! internal "Notes"\n    Sculpinblock remark.\n'
    )
    project.item("public-two", customers=[{"name": "Quillback Partners", "arr": 1000}])
    project.item("public-three")
    project.item("hidden-one", title="Gannetfold Ledger", visibility="internal")
    project.page("briefing.md", "# Wrasse briefing\n\nFor sales.\n", visibility="internal")
    return project


def run_build(project: Project, *args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ROADMAP_")}
    environ.update(ROADMAP_PASSWORD=PASSWORD, SOURCE_DATE_EPOCH="1790000000", **env)
    return subprocess.run(
        [str(ROADMAP), "build", *args],
        cwd=project.root,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def snapshot(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in all_files(site)}


class Published:
    """What a whole pair of sites looks like, from one build that finished."""

    def __init__(self, project: Project):
        self.project = project
        self.public = snapshot(project.site("public"))
        self.internal_files = set(snapshot(project.site("internal")))

    def check_whole(self, what: str) -> None:
        public, internal = self.project.site("public"), self.project.site("internal")
        # SOURCE_DATE_EPOCH and unchanged content: the light site is the same, byte for byte.
        assert snapshot(public) == self.public, what
        # The internal site: the same files, all from one build, opening with the password.
        files = snapshot(internal)
        assert set(files) == self.internal_files, what
        build = json.loads(files["build.json"])["build"]
        sealed = read_sealed(files["index.html"].decode())
        assert sealed["build"] == build, what
        for rel, data in files.items():
            if rel.endswith(".html"):
                assert read_sealed(data.decode())["build"] == build, (what, rel)
        key = open_keyring(sealed, PASSWORD)
        assert key and b"Gannetfold Ledger" in open_page(internal, "index.html", key), what
        for site in (public, internal):
            for path in [site, *site.rglob("*")]:
                mode = stat.S_IMODE(path.stat().st_mode)
                assert mode == (0o755 if path.is_dir() else 0o644), (what, path, oct(mode))


def assert_no_plaintext(project: Project, what: str) -> None:
    """No secret in any file or file name of the project, content/ aside (staging included)."""
    for path in project.root.rglob("*"):
        rel = path.relative_to(project.root)
        if rel.parts[0] == "content":
            continue
        for secret in SECRETS:
            assert secret not in str(rel), (what, rel)
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), (what, rel, secret)


def assert_nothing_left(project: Project) -> None:
    assert sorted(p.name for p in (project.root / "site").iterdir()) == ["internal", "public"]
    staging = project.root / STAGING_DIR
    assert list(staging.iterdir()) == []
    assert stat.S_IMODE(staging.stat().st_mode) == 0o700


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Project, Published, float]:
    """The project built once; and how long that build took, for the kills from outside."""
    project = crash_project(tmp_path_factory.mktemp("crash") / "project")
    start = time.monotonic()
    done = run_build(project)
    assert done.returncode == 0, done.stderr
    return project, Published(project), time.monotonic() - start


def _pages(site: Path) -> int:
    return sum(1 for p in all_files(site) if p.suffix == ".html")


def crash_at(project: Project, published: Published, points: list[str]) -> None:
    for point in points:
        done = run_build(project, ROADMAP_CRASH_AT=point)
        assert done.returncode == -signal.SIGKILL, (point, done.stderr)
        published.check_whole(point)
        assert_no_plaintext(project, point)


def test_sigkill_at_named_points_leaves_both_sites_whole(built, tmp_path):
    project, published, _ = built
    public_pages = _pages(project.site("public"))
    internal_pages = _pages(project.site("internal"))
    total = public_pages + internal_pages
    # Named points in the order a build reaches them; `page:n` counts the pages of both sites.
    points = [
        "staged:1",
        "page:1",
        f"page:{public_pages // 2}",
        f"page:{public_pages}",
        "built:1",
        "staged:2",
        f"page:{public_pages + 1}",
        f"page:{public_pages + 2}",
        f"page:{public_pages + internal_pages // 2}",
        f"page:{total - 1}",
        f"page:{total}",
        "index:1",  # the internal site's search index, sealed as it is written
        "built:2",
        "swap:1",
        "swapped:1",
        "swap:2",
        "swapped:2",
    ]
    # Two copies of the project take turns, one per core; each kill is still a whole process.
    twin = Project(Path(shutil.copytree(project.root, tmp_path / "twin", symlinks=True)))
    with ThreadPoolExecutor(2) as pool:
        runs = [
            pool.submit(crash_at, project, published, points[0::2]),
            pool.submit(crash_at, twin, published, points[1::2]),
        ]
        for run in runs:
            run.result()

    # The fallback swap (two renames), killed between them: the next build puts the site back.
    done = run_build(project, ROADMAP_CRASH_AT="between-renames", ROADMAP_SWAP_FALLBACK="1")
    assert done.returncode == -signal.SIGKILL
    assert not project.site("public").exists()  # the documented window
    assert_no_plaintext(project, "between-renames")
    done = run_build(project, ROADMAP_CRASH_AT="staged:1")  # the next build's sweep repairs it
    published.check_whole("after between-renames")

    for copy in (project, twin):
        done = run_build(copy)
        assert done.returncode == 0, done.stderr
        published.check_whole("rebuilt")
        assert_nothing_left(copy)


def test_sigkill_at_measured_moments(built):
    """Kills from outside, spread over a whole build's duration."""
    project, published, duration = built
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ROADMAP_")}
    environ.update(ROADMAP_PASSWORD=PASSWORD, SOURCE_DATE_EPOCH="1790000000")
    for fraction in (0.3, 0.5, 0.65, 0.8, 0.9, 0.97):
        proc = subprocess.Popen(
            [str(ROADMAP), "build"],
            cwd=project.root,
            env=environ,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(duration * fraction)
        proc.kill()
        proc.wait(timeout=60)
        published.check_whole(f"killed after {fraction:.0%}")
        assert_no_plaintext(project, f"killed after {fraction:.0%}")
    assert run_build(project).returncode == 0
    assert_nothing_left(project)


@pytest.mark.parametrize(
    "sig, code, point",
    [("TERM", -signal.SIGTERM, "page:3"), ("INT", 130, "built:2")],
    ids=["sigterm-light-site-page", "sigint-internal-site-built"],
)
def test_sigterm_and_sigint_remove_the_staging_folders(built, sig: str, code: int, point: str):
    project, published, _ = built
    done = run_build(project, ROADMAP_CRASH_AT=point, ROADMAP_CRASH_SIGNAL=sig)
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    published.check_whole(f"{sig} at {point}")
    assert_nothing_left(project)  # no sweep needed: the process cleaned up before it ended


# --- Past versions of the content (red team, issue 8) -----------------------------------------


def git(root: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Ada Builder",
        "GIT_AUTHOR_EMAIL": "ada@example.com",
        "GIT_COMMITTER_NAME": "Ada Builder",
        "GIT_COMMITTER_EMAIL": "ada@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    subprocess.run(["git", "-c", "commit.gpgsign=false", *args], cwd=root, env=env, check=True)


def test_past_content_read_for_the_history_is_never_left_behind(tmp_path):
    """The history replays past versions of content/ into a scratch folder: it was in /tmp,
    where a killed build left every past internal title, customer and note for good."""
    project = crash_project(tmp_path / "project")
    git(project.root, "init", "-q", "-b", "main")
    project.write(".gitignore", "/site/\n/.roadmap-staging/\n")
    git(project.root, "add", "-A")
    git(project.root, "commit", "-q", "-m", "first")
    project.item("hidden-one", title="Gannetfold Ledger", visibility="internal", status="paused")
    git(project.root, "commit", "-q", "-am", "second")
    tmp = tmp_path / "tmp"  # the build's /tmp
    tmp.mkdir()
    staging = project.root / STAGING_DIR
    internal = ("--audience", "internal")

    for sig in ("KILL", "TERM"):
        env = {"ROADMAP_CRASH_AT": "history:2", "ROADMAP_CRASH_SIGNAL": sig, "TMPDIR": str(tmp)}
        done = run_build(project, *internal, **env)
        assert done.returncode == -getattr(signal, f"SIG{sig}"), done.stderr
        assert [p for p in tmp.rglob("*") if p.is_file()] == []
        assert stat.S_IMODE(staging.stat().st_mode) == 0o700  # a SIGKILL's leftover is private
    assert list(staging.iterdir()) == []  # SIGTERM: removed by the process; SIGKILL: swept

    done = run_build(project, *internal, TMPDIR=str(tmp))
    assert done.returncode == 0, done.stderr
    assert list(staging.iterdir()) == []
    assert [p for p in tmp.rglob("*") if p.is_file()] == []
    for path in project.root.rglob("*"):
        rel = path.relative_to(project.root)
        if rel.parts[0] not in ("content", ".git") and path.is_file():
            assert not any(s.encode() in path.read_bytes() for s in SECRETS), rel


def test_the_order_pages_are_written_in_says_nothing(tmp_path):
    """MkDocs wrote the internal pages in the navigation's order: their dates (kept by tar,
    zip, rsync -a, Last-Modified) said which token is which item and ranked the accounts by
    ARR. Caught before publishing: a kill once the site is built keeps the dates it was
    written with."""
    project = crash_project(tmp_path / "project")
    for n in range(8):
        project.item(f"extra-{n}", visibility="internal")
    internal = ("--audience", "internal")
    done = run_build(project, *internal, ROADMAP_CRASH_AT="built")  # built, not yet published
    assert done.returncode == -signal.SIGKILL, done.stderr
    staging = project.root / STAGING_DIR
    (staged,) = [p for p in staging.glob("internal.*") if p.is_dir()]
    pages = sorted(p for p in staged.rglob("*.html") if p.name != "404.html")  # a template
    assert len(pages) > 10
    written = [p.stat().st_mtime_ns for p in pages]
    assert written == sorted(written), "pages are written in the order of their addresses"
    # Once published, every file carries one date: test_staging checks it.


def test_sigterm_between_the_two_swaps_waits_until_both_sites_are_in(built):
    """A cancelled job between the light site's swap and the internal one's left the new light
    site beside the old internal one; the signal now waits for the second swap."""
    project, published, _ = built
    before = json.loads((project.site("internal") / "build.json").read_text())["build"]
    done = run_build(project, ROADMAP_CRASH_AT="swapped:1", ROADMAP_CRASH_SIGNAL="TERM")
    assert done.returncode == -signal.SIGTERM, done.stderr
    published.check_whole("SIGTERM between the swaps")
    assert json.loads((project.site("internal") / "build.json").read_text())["build"] != before
    assert_nothing_left(project)
