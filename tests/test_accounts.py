"""Sharing case by case (issue 13): accounts.yml, share_with, the account projection, links and
the account sites `roadmap build` seals next to the light site."""

from __future__ import annotations

import base64
import os
from datetime import date
from pathlib import Path
from unittest import mock

import pytest

from conftest import Project, all_files, site_text
from roadmap.accounts import (
    SHARE_KEY_ENV,
    account_links,
    new_share_key,
    read_share_key,
)
from roadmap.audience import project as project_view
from roadmap.crypto import open_link_keyring
from roadmap.load import load, load_with_problems
from roadmap.seal import open_page, read_sealed

SHARE_KEY = "q3O0d9m8vJ2kX1yZ7wR5tU4sP6nL0aB3cD2eF1gH9iI"  # tests only
EPOCH = "1795910400"  # 2026-11-29 00:00 UTC
ITEM = "content/roadmap/x.md"
ACCOUNTS = """\
acme:
  name: Acme Widgets Incorporated
  note: Their buyer is keen on offline sync.
zenith:
  name: Zenith Harbour Logistics
  link_version: 1
"""


def shared_item(
    project: Project,
    item_id: str = "x",
    approvals: str = "  - account: acme\n    approved_by: Pat Owner\n    on: 2026-11-01\n",
    visibility: str = "ask-first",
    theme: str = "core",
    title: str | None = None,
    body: str = "",
) -> Path:
    """An item whose share_with is written as YAML text (bare `on:`, as PMs write it)."""
    return project.write(
        f"content/roadmap/{item_id}.md",
        f"---\ntitle: {title or 'Title of ' + item_id}\nsummary: Summary of {item_id}.\n"
        f"visibility: {visibility}\nstatus: planned\nhorizon: next\ntheme: {theme}\n"
        f"share_with:\n{approvals}---\n{body}",
    )


def problems(project: Project) -> list[str]:
    result = project.run("check")
    assert "Traceback" not in result.err and "internal error" not in result.err
    assert result.code == 1, result.out
    return [line for line in result.err.splitlines() if line and not line.startswith("roadmap:")]


# --- Bad approvals and accounts ---------------------------------------------------------------


@pytest.fixture
def accounts(project: Project) -> Project:
    project.write("content/accounts.yml", ACCOUNTS)
    return project


def test_share_with_on_a_public_item_is_refused(accounts):
    shared_item(accounts, visibility="public")
    assert problems(accounts) == [
        f"{ITEM}:8: share_with is for ask-first items; this one is public; set 'visibility: "
        "ask-first', or remove share_with (public items are shared with everyone)"
    ]


def test_share_with_on_an_internal_item_is_refused(accounts):
    shared_item(accounts, visibility="internal")
    assert problems(accounts) == [
        f"{ITEM}:8: share_with is for ask-first items; this one is internal; set 'visibility: "
        "ask-first', or remove share_with"
    ]


def test_unknown_account_is_refused_with_the_closest_one(accounts):
    shared_item(
        accounts, approvals="  - account: acmee\n    approved_by: Pat\n    on: 2026-11-01\n"
    )
    assert problems(accounts) == [
        f"{ITEM}:9: share_with: unknown account 'acmee'; did you mean 'acme'? "
        "(accounts are in content/accounts.yml)"
    ]


def test_unknown_account_without_accounts_file(project):
    shared_item(project)
    assert problems(project) == [
        f"{ITEM}:9: share_with: unknown account 'acme'; no close match "
        "(accounts are in content/accounts.yml)"
    ]


def test_missing_approver_is_refused(accounts):
    shared_item(accounts, approvals="  - account: acme\n    on: 2026-11-01\n")
    assert problems(accounts) == [
        f"{ITEM}:9: missing required field 'approved_by' in share_with; add 'approved_by: ...'"
    ]


def test_missing_date_is_refused(accounts):
    shared_item(accounts, approvals="  - account: acme\n    approved_by: Pat\n")
    assert problems(accounts) == [
        f"{ITEM}:9: missing required field 'on' in share_with; add 'on: ...'"
    ]


def test_bad_date_is_refused(accounts):
    shared_item(accounts, approvals="  - account: acme\n    approved_by: Pat\n    on: 2026-13-01\n")
    (line,) = problems(accounts)
    assert line.startswith(f"{ITEM}:11: share_with.on: "), line
    assert "2026-13-01" in line


def test_until_before_on_is_refused(accounts):
    shared_item(
        accounts,
        approvals="  - account: acme\n    approved_by: Pat\n    on: 2026-11-01\n"
        "    until: 2026-10-01\n",
    )
    assert problems(accounts) == [
        f"{ITEM}:9: share_with: 'acme' is shared until 2026-10-01, before it was approved on "
        "2026-11-01; check the dates: 'until' is the last day it is shared"
    ]


def test_one_account_twice_on_an_item_is_refused(accounts):
    entry = "  - account: acme\n    approved_by: Pat\n    on: 2026-11-01\n"
    shared_item(accounts, approvals=entry + entry.replace("11-01", "11-05"))
    assert problems(accounts) == [
        f"{ITEM}:12: share_with: the account 'acme' is listed twice; keep one entry per "
        "account (change its dates instead)"
    ]


def test_a_shared_item_in_an_internal_theme_is_refused(accounts):
    shared_item(accounts, theme="secret-theme")
    assert problems(accounts) == [
        f"{ITEM}:8: a shared item cannot sit in the internal theme 'secret-theme': its "
        "account's site shows the theme; make the theme public in themes.yml, or move the "
        "item to a public theme"
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "- acme\n",
            "content/accounts.yml:1: accounts.yml must map account ids to their fields; "
            "write 'harrow-finch:' then an indented 'name: Harrow & Finch'",
        ),
        (
            "Acme Co:\n  name: Acme\n",
            "content/accounts.yml:1: 'Acme Co' is not a valid account id; ids use lowercase "
            "letters, digits and hyphens",
        ),
        (
            "acme:\n  note: no name\n",
            "content/accounts.yml:1: missing required field 'name' in acme; add 'name: ...'",
        ),
        (
            "acme:\n  name: Acme\n  link_version: 0\n",
            "content/accounts.yml:3: acme.link_version: must be 1 or more",
        ),
        (
            "acme:\n  name: Acme\n  colour: red\n",
            "content/accounts.yml:3: unknown field 'colour'",
        ),
        (
            "acme: Acme\n",
            "content/accounts.yml:1: account 'acme' must have fields; indent 'name: ...' under "
            "the id",
        ),
    ],
)
def test_bad_accounts_file(project, text, expected):
    project.write("content/accounts.yml", text)
    (line,) = problems(project)
    assert line.startswith(expected), line


def test_the_sample_content_shares_on_the_record():
    roadmap = load(Path(__file__).resolve().parents[1] / "content")
    shared = {(i.id, a.account) for i in roadmap.items for a in i.share_with}
    assert len(shared) >= 3
    assert {a.id for a in roadmap.accounts} >= {a for _, a in shared}


# --- The share key ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key, message",
    [
        ("hunter 2!", "not hex or base64: a share key is random bytes"),
        ("c2hvcnQga2V5", "too short: 9 bytes; a share key needs 32 random bytes"),
        ("00" * 40, "not random: its bytes repeat"),
        # 48 letters read as base64 are 36 bytes: the length alone would pass them.
        (
            "correcthorsebatterystaplemarbletulipharbornineab",
            "chosen by a person, not random: about 10^34 guesses (random bytes: 10^40 or more)",
        ),
        (
            "OurCompanyShareKeyForTheRoadmapLinksIn2026xyzab",
            "chosen by a person, not random: about 10^39 guesses (random bytes: 10^40 or more)",
        ),
    ],
)
def test_a_weak_share_key_stops_the_build(project, key, message):
    project.item("a")
    result = project.run("build", env={SHARE_KEY_ENV: key})
    assert result.code == 1
    assert result.lines[0] == (
        f"{SHARE_KEY_ENV}:1: {message}; run `roadmap share-key` for a new one and store it as "
        "a CI secret"
    )
    assert not (project.root / "site").exists()


def test_share_key_command_prints_a_key_the_build_accepts(project):
    result = project.run("share-key")
    assert result.code == 0
    key = result.out.strip()
    assert read_share_key({SHARE_KEY_ENV: key})[0] == base64.urlsafe_b64decode(key + "=")
    assert key != new_share_key()


def test_random_keys_in_every_spelling_pass():
    """Hex and base64 of random bytes, as `roadmap share-key` or `openssl rand` print them."""
    for _ in range(20):
        raw = os.urandom(32)
        for text in (
            raw.hex(),
            base64.b64encode(raw).decode(),
            base64.urlsafe_b64encode(raw).decode().rstrip("="),
            new_share_key(),
        ):
            key, problems = read_share_key({SHARE_KEY_ENV: text})
            assert problems == [] and key is not None, text


# --- The projection -----------------------------------------------------------------------------


def two_accounts(project: Project, until: str = "2026-12-31") -> None:
    project.write("content/accounts.yml", ACCOUNTS)
    project.item("open", title="Open for all")
    shared_item(
        project,
        "for-acme",
        title="Fleet radar for Acme",
        approvals="  - account: acme\n    approved_by: Pat Owner\n    on: 2026-11-01\n"
        f"    until: {until}\n",
        body="Public words.\n\n!!! internal\n    Margin talk only sales may read.\n",
    )
    shared_item(
        project,
        "for-zenith",
        title="Harbour sync for Zenith",
        approvals="  - account: zenith\n    approved_by: Sam Lead\n    on: 2026-11-20\n",
    )
    project.item("asked", visibility="ask-first", title="Still to be asked")


def view_at(project: Project, day: str, audience: str):
    epoch = str(int(date.fromisoformat(day).strftime("%s")) + 43200)  # noon, any local zone
    with mock.patch.dict(os.environ, {"SOURCE_DATE_EPOCH": epoch}):
        roadmap = load(project.content)
    return project_view(roadmap, audience)


def test_an_account_sees_the_light_site_plus_its_approved_items(project):
    two_accounts(project)
    acme = view_at(project, "2026-11-29", "account:acme")
    assert [i.title for i in acme.items if i.shared_with] == ["Fleet radar for Acme"]
    assert {i.title for i in acme.items} == {"Open for all", "Fleet radar for Acme"}
    shared = next(i for i in acme.items if i.shared_with)
    assert shared.shared_with == "Acme Widgets Incorporated"
    assert "Margin talk" not in shared.body  # internal blocks go, as on the light site
    assert not hasattr(shared, "owner") and not hasattr(shared, "share_with")
    zenith = view_at(project, "2026-11-29", "account:zenith")
    assert {i.title for i in zenith.items} == {"Open for all", "Harbour sync for Zenith"}
    public = view_at(project, "2026-11-29", "public")
    assert {i.title for i in public.items} == {"Open for all"}
    assert all(i.shared_with is None for i in public.items)


def test_an_approval_is_live_from_on_to_until_at_the_build_date(project):
    two_accounts(project, until="2026-12-10")

    def titles(day: str) -> set[str]:
        return {i.title for i in view_at(project, day, "account:acme").items if i.shared_with}

    assert titles("2026-10-31") == set(), "before it was approved"
    assert titles("2026-11-01") == {"Fleet radar for Acme"}, "from the day it was approved"
    assert titles("2026-12-10") == {"Fleet radar for Acme"}, "until its last day"
    assert titles("2026-12-11") == set(), "expired the day after until"


def test_the_build_date_comes_from_source_date_epoch(project):
    two_accounts(project)
    with mock.patch.dict(os.environ, {"SOURCE_DATE_EPOCH": "1798761600"}):  # 2027-01-01
        roadmap = load(project.content)
    assert roadmap.today == date(2027, 1, 1)
    assert not any(i.shared_with for i in project_view(roadmap, "account:acme").items)
    with mock.patch.dict(os.environ, {"SOURCE_DATE_EPOCH": "soon"}):
        _, found = load_with_problems(project.content)
    assert [str(p) for p in found] == [
        "SOURCE_DATE_EPOCH:1: 'soon' is not a number of seconds since 1970; set it to "
        "`git log -1 --format=%ct`, or unset it"
    ]


def test_a_shared_item_shows_its_public_overrides(project):
    project.write("content/accounts.yml", ACCOUNTS)
    path = shared_item(project, "codename-x", title="Codename X")
    path.write_text(
        path.read_text().replace(
            "share_with:",
            "public:\n  title: Route optimiser\n  summary: Better routes.\nshare_with:",
        )
    )
    (item,) = [i for i in view_at(project, "2026-11-29", "account:acme").items if i.shared_with]
    assert (item.id, item.title, item.summary) == (
        "route-optimiser",
        "Route optimiser",
        "Better routes.",
    )


def test_a_paused_item_is_not_shared(project):
    project.write("content/accounts.yml", ACCOUNTS)
    path = shared_item(project, "p", title="Paused one")
    path.write_text(path.read_text().replace("status: planned", "status: paused"))
    assert not any(i.shared_with for i in view_at(project, "2026-11-29", "account:acme").items)


# --- Links --------------------------------------------------------------------------------------


def link_for(project: Project, account: str = "acme", key: str = SHARE_KEY):
    with mock.patch.dict(os.environ, {"SOURCE_DATE_EPOCH": EPOCH}):
        roadmap = load(project.content)
    return account_links(roadmap, read_share_key({SHARE_KEY_ENV: key})[0]).get(account)


def test_a_link_is_stable_and_reveals_nothing(project):
    two_accounts(project)
    first, again = link_for(project), link_for(project)
    assert first == again
    assert len(first.folder) == 32 and int(first.folder, 16) >= 0
    assert "acme" not in first.folder
    assert first.url(None) == f"accounts/{first.folder}/#k=" + base64.urlsafe_b64encode(
        first.key
    ).decode().rstrip("=")
    assert first.url("https://r.example/") == "https://r.example/" + first.url(None)
    assert link_for(project, "zenith").folder != first.folder
    assert link_for(project, key=new_share_key()).folder != first.folder


def test_revocation_rotation_and_addition_change_the_link(project):
    two_accounts(project)
    before = link_for(project)
    accounts = project.content / "accounts.yml"
    accounts.write_text(ACCOUNTS.replace("  note:", "  link_version: 2\n  note:"))
    rotated = link_for(project)
    assert rotated.folder != before.folder and rotated.key != before.key
    accounts.write_text(ACCOUNTS)
    assert link_for(project) == before, "back to version 1: the same link again"
    shared_item(project, "more", title="More for Acme")
    added = link_for(project)
    assert added.folder != before.folder, "a new approval gives a new link (stateless)"
    (project.content / "roadmap" / "more.md").unlink()
    (project.content / "roadmap" / "for-acme.md").unlink()
    assert link_for(project) is None, "nothing shared: no link"


def test_links_command(project):
    two_accounts(project)
    project.write("content/accounts.yml", ACCOUNTS + "idle:\n  name: Idle Account Ltd\n")
    env = {SHARE_KEY_ENV: SHARE_KEY, "SOURCE_DATE_EPOCH": EPOCH}
    result = project.run("links", env=env)
    assert result.code == 0, result.err
    acme, zenith = link_for(project), link_for(project, "zenith")
    base = "https://roadmap.crewline.example/"  # light_site_url in mkdocs.yml
    assert result.out.splitlines() == [f"acme {acme.url(base)}", f"zenith {zenith.url(base)}"]
    assert result.lines == [
        "roadmap: idle: no link: nothing is shared with it on 2026-11-29 (no live approval in "
        "share_with)"
    ]
    unset = project.run("links", env={"SOURCE_DATE_EPOCH": EPOCH})
    assert unset.code == 1 and unset.out == ""
    assert unset.lines[0].startswith(f"roadmap: {SHARE_KEY_ENV} is not set, so there are no links")


# --- The sites ----------------------------------------------------------------------------------


def build(project: Project, key: str | None = SHARE_KEY, epoch: str = EPOCH):
    env = {"SOURCE_DATE_EPOCH": epoch} | ({SHARE_KEY_ENV: key} if key else {})
    return project.run("build", env=env)


def open_site(folder: Path, key: bytes) -> dict[str, str]:
    """Every page and the search index of a sealed account site, decrypted."""
    home = read_sealed((folder / "index.html").read_text())
    content = open_link_keyring(home, key)
    assert content is not None, "the link's key opens the site"
    out = {}
    for path in all_files(folder):
        rel = path.relative_to(folder).as_posix()
        if rel.endswith(".html") or rel == "search/search_index.json":
            out[rel] = open_page(folder, rel, content).decode("utf-8")
    return out


def test_build_seals_one_site_per_account_with_exactly_its_items(project):
    two_accounts(project)
    result = build(project)
    assert result.code == 0, result.err
    assert "roadmap: 2 account sites -> site/accounts/" in result.out
    acme, zenith = link_for(project), link_for(project, "zenith")
    accounts = project.root / "site" / "accounts"
    folders = sorted(p.name for p in accounts.iterdir() if p.is_dir())
    assert folders == sorted([acme.folder, zenith.folder])
    pages = open_site(accounts / acme.folder, acme.key)
    text = "\n".join(pages.values())
    assert "Fleet radar for Acme" in text and "Open for all" in text
    assert "Shared with Acme Widgets Incorporated" in text
    for absent in ("Harbour sync", "Zenith", "zenith", "Still to be asked", "Margin talk"):
        assert absent not in text, absent
    assert "Pat Owner" not in text and "offline sync" not in text
    # Sealed: nothing of the content in clear, not even the account's own items or name.
    clear = site_text(accounts / acme.folder)
    for word in ("Fleet radar", "Acme", "Open for all", "Shared with", "Zenith", "zenith"):
        assert word not in clear, word
    assert not (accounts / acme.folder / "feed.xml").exists()
    assert not (accounts / acme.folder / "roadmap.json").exists()
    assert (
        open_link_keyring(
            read_sealed((accounts / acme.folder / "index.html").read_text()), zenith.key
        )
        is None
    ), "another account's key opens nothing"


def test_the_light_site_is_the_same_with_or_without_accounts(project, tmp_path):
    two_accounts(project)
    assert build(project, key=None).code == 0
    before = {
        p.relative_to(project.site("public")): p.read_bytes()
        for p in all_files(project.site("public"))
    }
    assert build(project).code == 0
    after = {
        p.relative_to(project.site("public")): p.read_bytes()
        for p in all_files(project.site("public"))
    }
    assert after == before
    text = site_text(project.site("public"))
    for word in ("Acme Widgets", "Zenith Harbour", "Shared with", "Fleet radar", "Pat Owner"):
        assert word not in text, word


def test_without_a_share_key_accounts_are_skipped_and_old_ones_removed(project):
    two_accounts(project)
    assert build(project).code == 0
    assert any((project.root / "site" / "accounts").iterdir())
    result = build(project, key=None)
    assert result.code == 0, result.err
    assert (
        f"roadmap: account sites skipped: {SHARE_KEY_ENV} is not set; set it (a CI secret; "
        "`roadmap share-key` makes one) to build a site for each account an item is shared with"
    ) in result.lines
    assert project.site("public").is_dir() and project.site("internal").is_dir()
    assert [p.name for p in (project.root / "site" / "accounts").iterdir()] == ["index.html"]


def test_a_render_only_build_closes_every_account_link(project):
    """The render-only pipeline makes no account sites: it must not leave the last plugin
    build's folders open (one may hold a link revoked since)."""
    two_accounts(project)
    assert build(project).code == 0
    env = {"SOURCE_DATE_EPOCH": EPOCH, SHARE_KEY_ENV: SHARE_KEY}
    result = project.run("build", "--engine", "mkdocs-render-only", env=env)
    assert result.code == 0, result.err
    assert (
        "roadmap: account sites are not built by the render-only pipeline: site/accounts/ is "
        "emptied, every account link is closed until `roadmap build` builds them again"
    ) in result.lines
    assert [p.name for p in (project.root / "site" / "accounts").iterdir()] == ["index.html"]
    assert "roadmap: no account site -> site/accounts/" in result.out
    # One site alone leaves the account sites as they are, as `roadmap build --audience` does.
    assert build(project).code == 0
    project.run("build", "--engine", "mkdocs-render-only", "--audience", "public", env=env)
    assert len(list((project.root / "site" / "accounts").iterdir())) == 3


def test_revoking_removes_the_old_folder(project):
    two_accounts(project)
    assert build(project).code == 0
    old = link_for(project)
    path = project.content / "roadmap" / "for-acme.md"
    path.write_text(path.read_text().replace("until: 2026-12-31", "until: 2026-11-28"))
    assert build(project).code == 0
    accounts = project.root / "site" / "accounts"
    assert not (accounts / old.folder).exists()
    assert [p.name for p in accounts.iterdir() if p.is_dir()] == [
        link_for(project, "zenith").folder
    ]


def test_the_audit_catches_another_accounts_name(project):
    two_accounts(project)
    # Only the account's site shows this body: the light site's audit never reads it.
    shared_item(
        project,
        "for-acme",
        title="Fleet radar for Acme",
        body="Built first with Zenith Harbour Logistics, who asked for it.\n",
    )
    assert build(project, key=None).code == 0, "the light site alone passes"
    old = {p.relative_to(project.root): p.read_bytes() for p in all_files(project.root / "site")}
    result = build(project)
    assert result.code == 1
    assert any(
        "'Zenith Harbour Logistics'" in line and "an account (content/accounts.yml:4)" in line
        for line in result.lines
    ), result.err
    assert (
        "The site of the account 'acme' was not published; every previous site is "
        "untouched." in result.lines
    )
    now = {p.relative_to(project.root): p.read_bytes() for p in all_files(project.root / "site")}
    assert now == old, "a failed account audit publishes nothing"


def test_an_image_only_a_shared_item_uses_stops_the_build(project):
    from conftest import image_bytes

    two_accounts(project)
    project.write("content/roadmap/plan.png", image_bytes())
    shared_item(project, "for-acme", title="Fleet radar for Acme", body="![plan](plan.png)\n")
    result = build(project)
    assert result.code == 1
    assert result.lines[0].startswith(
        "content/roadmap/plan.png:1: only items shared with an account use this file"
    ), result.err


def test_the_account_site_history_shows_the_item_when_approved(project):
    import subprocess

    def commit(message: str) -> None:
        for args in (["add", "-A"], ["commit", "-qm", message]):
            subprocess.run(
                ["git", "-c", "user.name=T", "-c", "user.email=t@example.com", *args],
                cwd=project.root,
                check=True,
            )

    subprocess.run(["git", "init", "-q"], cwd=project.root, check=True)
    project.write("content/accounts.yml", ACCOUNTS)
    project.item("open", title="Open for all")
    project.item("fleet-radar", visibility="ask-first", title="Fleet radar for Acme")
    commit("start")
    ending = "  - account: acme\n    approved_by: Pat\n    on: 2026-11-01\n    until: 2026-12-31\n"
    shared_item(project, "fleet-radar", title="Fleet radar for Acme", approvals=ending)
    shared_item(project, "dock-planner", title="Dock planner for Acme")
    zenith = "  - account: zenith\n    approved_by: Sam\n    on: 2026-11-02\n"
    shared_item(project, "zen", title="Harbour sync for Zenith", approvals=zenith)
    commit("share")

    def acme_pages() -> str:
        link = link_for(project)
        return open_site(project.root / "site" / "accounts" / link.folder, link.key)

    assert build(project).code == 0
    pages = acme_pages()
    changes = next(t for t in pages.values() if ">What changed<" in t and "rm-changes" in t)
    assert "Fleet radar for Acme" in changes and "Open for all" in changes
    assert "Harbour sync" not in "\n".join(pages.values())
    # Once the approval ends, the item is named nowhere on the account's site.
    later = "1798934400"  # 2027-01-03
    assert build(project, epoch=later).code == 0
    with mock.patch.dict(os.environ, {"SOURCE_DATE_EPOCH": later}):
        roadmap = load(project.content)
    link = account_links(roadmap, read_share_key({SHARE_KEY_ENV: SHARE_KEY})[0])["acme"]
    text = "\n".join(open_site(project.root / "site" / "accounts" / link.folder, link.key).values())
    assert "Dock planner for Acme" in text
    assert "Fleet radar" not in text and "fleet-radar" not in text


def internal_pages(project: Project) -> dict[str, str]:
    """Every page of the built internal site, decrypted with the test password, by path."""
    from conftest import PASSWORD
    from roadmap.crypto import open_keyring

    site = project.site("internal")
    key = open_keyring(read_sealed((site / "index.html").read_text()), PASSWORD)
    return {
        p.relative_to(site).as_posix(): open_page(
            site, p.relative_to(site).as_posix(), key
        ).decode()
        for p in all_files(site)
        if p.suffix == ".html"
    }


def test_internal_site_shows_who_sees_what(project):
    two_accounts(project, until="2026-12-20")  # within 30 days of the build date
    project.configure(light_site_url="https://r.example/")
    assert build(project).code == 0
    pages = internal_pages(project)
    share = next(t for t in pages.values() if '<h1 id="share-case-by-case">' in t)
    assert "Expiring soon" in share
    assert "20 December 2026" in share and "Acme Widgets Incorporated" in share
    acme, zenith = link_for(project), link_for(project, "zenith")
    assert acme.url("https://r.example/") in share and zenith.url("https://r.example/") in share
    item = next(t for t in pages.values() if ">Fleet radar for Acme<" in t and "Shared with<" in t)
    assert "Pat Owner" in item and "Shared now" in item and "Acme Widgets Incorporated" in item


def test_an_account_brief_lists_its_shares_and_what_they_see(project):
    project.write("content/accounts.yml", ACCOUNTS)
    project.write(
        "content/roadmap/radar.md",
        "---\ntitle: Fleet radar\nsummary: Summary of radar.\nvisibility: ask-first\n"
        "status: planned\nhorizon: next\ntheme: core\nowner: Olga Owner\n"
        "customers:\n  - name: Acme Widgets Incorporated\n    arr: 1000\n"
        "share_with:\n  - account: acme\n    approved_by: Pat Owner\n    on: 2026-11-01\n---\n",
    )
    assert build(project).code == 0
    pages = internal_pages(project).values()
    brief = next(t for t in pages if "rm-brief-shared" in t and "<h1" in t)
    shared = brief[brief.index("rm-brief-shared") :]
    assert "<table>" in shared and "|---" not in shared  # HTML, not Markdown left as text
    assert "<td>Pat Owner</td>" in shared and "Shared now" in shared
    assert "They see it</span> on their own link: shared with them since 1 November 2026" in brief


def test_the_render_cache_never_holds_an_account_page(project):
    """The light site's cache is kept in clear: an item shared with one account stays out."""
    two_accounts(project)
    assert build(project).code == 0
    cache = project.root / ".roadmap-cache" / "public.sqlite"
    assert cache.is_file()  # the light site's pages are kept, beside content/
    assert not (project.root / "site_config" / ".roadmap-cache").exists()
    data = cache.read_bytes()
    assert b"Open for all" in data
    for shared in (b"Fleet radar for Acme", b"Harbour sync for Zenith", b"Acme Widgets"):
        assert shared not in data, shared
