"""What `roadmap build` keeps of its work on the content for the next build (builds.py,
keep_between_builds): the history's states per content tree and the projection's proofs that a
stripped body shows no more than the whole, each encrypted with a key from the internal site's
page-address key in `.roadmap-cache/`. The next build reads them instead of replaying every
commit and rendering every public body twice; what it builds is the same; the files hold
nothing in clear; another password finds nothing; a refusal is never kept.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_history import Repo

from conftest import PASSWORD, Project, new_project, site_text
from roadmap import audience, builds, cache, history, passwords
from roadmap.audience import public_markdown, shows_no_more
from roadmap.load import load

EPOCH = {"SOURCE_DATE_EPOCH": "1790000000"}
HIDDEN_TITLE = "Gannetfold Ledger"  # an internal item's title
CUSTOMER = "Quillback Partners"
SECRET_REMARK = "Sculpinblock"  # inside an internal block of a public body
SHOWS_MORE = (  # cutting the comment would show the note's raw HTML: the parser alone decides
    '> <!-- c\n> d\n\n!!! note\n    e <!-- f -->\n\n    PUB <span class="internal">SECRET1</span>\n'
)


def build(project: Project, password: str = PASSWORD):
    result = project.run("build", password=password, env=EPOCH)
    assert result.code == 0, result.err
    return result


@pytest.fixture
def fresh(monkeypatch):
    """A process that has read no history and proved nothing yet, as a new `roadmap build`."""
    forget(monkeypatch)
    yield
    shows_no_more.cache_clear()


def forget(monkeypatch) -> None:
    """What one process knew, forgotten: the next build starts as a new process would."""
    monkeypatch.setattr(history, "_STATES", {})
    proofs = audience.Proofs()
    monkeypatch.setattr(audience, "SHOWN_NO_MORE", proofs)
    monkeypatch.setattr(builds, "SHOWN_NO_MORE", proofs)
    findings = audience.BodyFindings()
    monkeypatch.setattr(audience, "FOUND_IN_BODIES", findings)
    monkeypatch.setattr(builds, "FOUND_IN_BODIES", findings)
    shows_no_more.cache_clear()


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    project = new_project(tmp_path / "project")
    repo = Repo(project)
    project.item(
        "public-one",
        body=f'Words for clients.\n\n!!! internal "Notes"\n    {SECRET_REMARK} remark.\n',
        customers=[{"name": CUSTOMER, "arr": 1000}],
    )
    project.item("hidden-one", title=HIDDEN_TITLE, visibility="internal")
    repo.commit("One")
    project.item("public-one", horizon="now", body="Words for clients, now.\n")
    project.item("public-two", body=SHOWS_MORE)
    repo.commit("Two")
    project.write(".gitignore", "/site/\n/.roadmap-cache/\n/.roadmap-staging/\n")
    repo.commit("Ignore the build's folders")
    return repo


def made_salt(project: Project, monkeypatch) -> None:
    """The first build makes the address salt, and so can keep nothing yet: its key comes
    from the salt, read before the content is checked (a real project has it committed)."""
    build(project)
    assert (project.root / "site_config" / "address-salt.txt").exists()
    assert not (project.root / cache.CACHE_DIR / "proofs.sqlite").exists()
    forget(monkeypatch)


def test_a_second_build_replays_no_commit_and_renders_no_proof_again(
    repo: Repo, fresh, monkeypatch
):
    project = repo.project
    made_salt(project, monkeypatch)
    build(project)
    first = site_text(project.site("public"))
    kept = project.root / cache.CACHE_DIR
    assert {"history.sqlite", "proofs.sqlite"} <= {p.name for p in kept.iterdir()}

    forget(monkeypatch)
    replays, rendered = [], []
    monkeypatch.setattr(history, "_read_missing", lambda *a: replays.append(a))
    visible = audience.visible_words
    monkeypatch.setattr(
        audience, "visible_words", lambda html: rendered.append(html) or visible(html)
    )
    build(project)
    assert replays == []
    # Only the body whose pre-strip shows more is rendered again: a refusal is never kept.
    assert len(rendered) == 2, rendered
    assert site_text(project.site("public")) == first


def test_the_kept_states_and_proofs_hold_nothing_in_clear(repo: Repo, fresh, monkeypatch):
    project = repo.project
    made_salt(project, monkeypatch)
    build(project)
    for name in ("history.sqlite", "proofs.sqlite"):
        data = (project.root / cache.CACHE_DIR / name).read_bytes()
        for secret in (HIDDEN_TITLE, "hidden-one", "public-one", CUSTOMER, SECRET_REMARK):
            assert secret.encode() not in data, (name, secret)


def test_another_password_finds_nothing_kept_and_builds_the_same(
    repo: Repo, fresh, monkeypatch, tmp_path: Path
):
    project = repo.project
    made_salt(project, monkeypatch)
    build(project)
    copy = Project(tmp_path / "copy")
    shutil.copytree(project.root, copy.root, symlinks=True)
    forget(monkeypatch)
    replays = []
    read_missing = history._read_missing
    monkeypatch.setattr(history, "_read_missing", lambda *a: replays.append(1) or read_missing(*a))
    build(copy, password="sales emea river-otter-lamb sixty")
    assert replays == [1]
    assert site_text(copy.site("public")) == site_text(project.site("public"))


def test_a_kept_state_is_read_back_as_it_was_made(repo: Repo, fresh, monkeypatch):
    project = repo.project
    secret = b"k" * 32
    history.keep_states(project.root, secret)
    try:
        made = history.read_history(project.content)
        forget(monkeypatch)
        monkeypatch.setattr(history, "_read_missing", lambda *a: pytest.fail("replayed"))
        again = history.read_history(project.content)
    finally:
        history.keep_states(None)
    assert again == made
    assert [s.states.internal["public-one"].horizon for s in again.snapshots if s.commit] == [
        "next",
        "now",
    ]
    # One item's state is one object across the trees it did not change in.
    one, two = (s.states.internal["hidden-one"] for s in again.snapshots[-2:])
    assert one is two


def test_states_are_kept_per_build_date(repo: Repo, fresh, monkeypatch):
    """A past file loads against the build date's rules: another day reads the commits again."""
    project = repo.project
    history.keep_states(project.root, b"k" * 32)
    try:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
        history.read_history(project.content)
        forget(monkeypatch)
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790090000")
        replays = []
        read_missing = history._read_missing
        monkeypatch.setattr(
            history, "_read_missing", lambda *a: replays.append(1) or read_missing(*a)
        )
        history.read_history(project.content)
    finally:
        history.keep_states(None)
    assert replays == [1]


def test_proofs_are_kept_for_true_answers_only_and_read_back(tmp_path: Path, fresh, monkeypatch):
    project = new_project(tmp_path / "project")
    project.item("kept-strip", body="a\n\n!!! internal\n    SECRET1\n\nb <!-- SECRET2 -->\n")
    project.item("parser-decides", body=SHOWS_MORE)
    secret = b"p" * 32
    proofs = builds.keep_between_builds(project.root, secret)
    roadmap = load(project.content)
    before = [public_markdown(item.body) for item in roadmap.items]
    builds.keep_proofs(proofs)
    history.keep_states(None)

    forget(monkeypatch)
    builds.keep_between_builds(project.root, secret)
    history.keep_states(None)
    assert len(audience.SHOWN_NO_MORE.proven) == 1
    calls = []
    visible = audience.visible_words
    monkeypatch.setattr(audience, "visible_words", lambda html: calls.append(1) or visible(html))
    assert [public_markdown(item.body) for item in roadmap.items] == before
    assert len(calls) == 2  # the refused pre-strip is checked again; the proven one is not

    forget(monkeypatch)
    builds.keep_between_builds(project.root, b"q" * 32)  # another key: nothing
    history.keep_states(None)
    assert audience.SHOWN_NO_MORE.proven == set()


def test_proofs_of_other_code_are_not_used(tmp_path: Path, fresh, monkeypatch):
    secret = b"p" * 32
    proofs = builds.keep_between_builds(tmp_path, secret)
    history.keep_states(None)
    assert shows_no_more("a\n", "a\n\n!!! internal\n    b\n")
    builds.keep_proofs(proofs)
    forget(monkeypatch)
    monkeypatch.setattr(builds, "_prefix", lambda what: cache.fingerprint("other", what).hex())
    builds.keep_between_builds(tmp_path, secret)
    history.keep_states(None)
    assert audience.SHOWN_NO_MORE.proven == set()


def test_a_cache_file_that_cannot_be_read_keeps_nothing_and_stops_nothing(
    repo: Repo, fresh, monkeypatch
):
    project = repo.project
    made_salt(project, monkeypatch)
    folder = project.root / cache.CACHE_DIR
    folder.mkdir(exist_ok=True)
    for name in ("history.sqlite", "proofs.sqlite"):
        (folder / name).write_bytes(b"not a database" * 100)
    build(project)
    assert "Words for clients, now." in site_text(project.site("public"))


# --- What the audit reads of each light-site body ------------------------------------------------


def test_the_light_sites_findings_are_kept_by_the_process_that_built_it(
    repo: Repo, fresh, monkeypatch
):
    """In a build of both sites the light site's own process keeps what it found in its
    bodies; the next build, one site after the other, reads them instead of rendering each
    body again; read back, they are the passages the audit compares the site against."""
    project = repo.project
    made_salt(project, monkeypatch)
    keys = []
    keep = builds.keep_between_builds
    monkeypatch.setattr(builds, "keep_between_builds", lambda d, k: keys.append(k) or keep(d, k))
    build(project)  # both sites at once: the light site's findings kept by its own process
    data = (project.root / cache.CACHE_DIR / "findings.sqlite").read_bytes()
    assert SECRET_REMARK.encode() not in data and b"public-one" not in data

    forget(monkeypatch)
    monkeypatch.setenv("ROADMAP_JOBS", "1")
    calls = []
    passages = audience.internal_passages
    monkeypatch.setattr(audience, "internal_passages", lambda t: calls.append(t) or passages(t))
    build(project)
    assert calls == []
    assert audience.FOUND_IN_BODIES.known

    forget(monkeypatch)
    keep(project.root, keys[-1])
    history.keep_states(None)
    assert audience.FOUND_IN_BODIES.known
    roadmap = load(project.content)
    read_back = audience.light_site_passages(roadmap)
    assert calls == []
    forget(monkeypatch)
    assert audience.light_site_passages(roadmap) == read_back  # made again: the same
    assert calls


def test_a_process_finds_in_a_body_once(tmp_path: Path, fresh, monkeypatch):
    """A preview's rebuilds (one process, nothing kept on disk) read each body's findings once."""
    project = new_project(tmp_path / "project")
    project.item("public-one", body=f"Words.\n\n!!! internal\n    {SECRET_REMARK} remark.\n")
    roadmap = load(project.content)
    calls = []
    passages = audience.internal_passages
    monkeypatch.setattr(audience, "internal_passages", lambda t: calls.append(t) or passages(t))
    first = audience.light_site_passages(roadmap)
    read = len(calls)  # the item's body and the home page's
    assert read == 2 and any(SECRET_REMARK in p.text for p in first.internal)
    assert audience.light_site_passages(roadmap) == first and len(calls) == read


# --- The password, read before it is checked ------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "file_text", "expected"),
    [
        ({"ROADMAP_PASSWORD": "one two three four"}, None, "one two three four"),
        ({"ROADMAP_PASSWORD": ""}, None, None),
        ({}, None, None),
        (
            {},
            "# teams\n\nbad line\nsales: first pass phrase\nstaff: second one\n",
            "first pass phrase",
        ),
        ({}, "# nothing but comments\n", None),
    ],
)
def test_first_password_is_the_one_the_site_keys_come_from(
    tmp_path: Path, environ: dict, file_text: str | None, expected: str | None
):
    if file_text is not None:
        path = tmp_path / "passwords.txt"
        path.write_text(file_text)
        environ = {**environ, passwords.ENV_FILE: str(path)}
    assert passwords.first_password(environ) == expected


def test_first_password_of_a_missing_file_is_none(tmp_path: Path):
    assert passwords.first_password({passwords.ENV_FILE: str(tmp_path / "none.txt")}) is None


def test_a_password_is_estimated_once_per_context(monkeypatch):
    calls = []
    estimate = passwords._estimate
    monkeypatch.setattr(passwords, "_estimate", lambda *a: calls.append(a) or estimate(*a))
    monkeypatch.setattr(passwords, "_ESTIMATES", {})
    context = ["Crewline", "Offline field app"]
    first = passwords.weakness("crewline offline field app", context)
    assert first and passwords.weakness("crewline offline field app", list(context)) == first
    assert len(calls) == 1
    passwords.weakness("crewline offline field app", ["Other words"])  # another context
    assert len(calls) == 2
