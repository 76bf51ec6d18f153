"""Red team on account sites (issue 13): what a client holding one link, anyone on the light
site, or a printed brief could learn of other accounts, and what a revoked link still opens."""

from __future__ import annotations

import urllib.request

import pytest
from test_accounts import (
    ACCOUNTS,
    SHARE_KEY,
    build,
    internal_pages,
    link_for,
    open_site,
    shared_item,
    two_accounts,
)

from conftest import all_files, serve, site_text
from roadmap.account_builds import CLOSED_INDEX
from roadmap.accounts import SHARE_KEY_ENV, account_links

# Every container Markdown offers, each with an internal block, and links to items the
# account may not see: the account's site renders none of it.
BODY = """Public words for the client.

!!! internal
    Margin talk in a plain block.

??? note "More"
    Inner public words.

    !!! internal
        Margin talk in a collapsible.

- A list item

    !!! internal
        Margin talk in a list.

> A quote
>
> !!! internal
>     Margin talk in a quote.

<div class="internal">Margin talk in raw HTML.</div>

<div markdown>
!!! internal
    Margin talk in a markdown div.
</div>

Public footnote[^1].

[^1]: A footnote clients may read.

<!-- Margin talk in a comment -->

See [the harbour item](for-zenith.md) and [the asked one](asked.md).
"""
IDLE = "idle:\n  name: Idle Account Ltd\n"


def test_redacct_content_vectors_in_a_shared_item_reach_no_account(project):
    two_accounts(project)
    project.write("content/accounts.yml", ACCOUNTS + IDLE)
    shared_item(project, "for-acme", title="Fleet radar for Acme", body=BODY)
    result = build(project)
    assert result.code == 0, result.err
    acme = link_for(project)
    text = "\n".join(open_site(project.root / "site" / "accounts" / acme.folder, acme.key).values())
    assert "Public words for the client." in text and "A footnote clients may read." in text
    for absent in (
        "Margin talk",
        "Harbour sync",
        "for-zenith",
        "Still to be asked",
        "Zenith",
        "zenith",
        "Idle Account",
        "idle",
        "Pat Owner",
        "offline sync",
    ):
        assert absent not in text, absent


def test_redacct_no_host_lists_the_account_folders(project):
    two_accounts(project)
    assert build(project).code == 0
    accounts = project.root / "site" / "accounts"
    acme, zenith = link_for(project), link_for(project, "zenith")
    assert sorted(p.name for p in accounts.iterdir()) == sorted(
        [acme.folder, zenith.folder, "index.html"]
    )
    # A host that lists folders without an index (here Python's) shows the page that says
    # nothing: a client holding one link learns no other folder, nor how many there are.
    with serve(project.root / "site") as base:
        page = urllib.request.urlopen(base + "accounts/").read().decode()
    assert page == CLOSED_INDEX
    assert acme.folder not in page and zenith.folder not in page
    # The same bytes with one account less, with none, and without the key: `accounts/` on
    # the host answers the same whether any account has a site or not.
    (project.content / "roadmap" / "for-zenith.md").unlink()
    assert build(project).code == 0
    assert (accounts / "index.html").read_text() == CLOSED_INDEX
    (project.content / "roadmap" / "for-acme.md").unlink()
    assert build(project).code == 0
    assert [p.name for p in accounts.iterdir()] == ["index.html"]
    assert (accounts / "index.html").read_text() == CLOSED_INDEX
    assert build(project, key=None).code == 0
    assert [p.name for p in accounts.iterdir()] == ["index.html"]
    assert (accounts / "index.html").read_text() == CLOSED_INDEX
    # The light site neither links to the folders nor names them.
    light = site_text(project.site("public"))
    assert "accounts/" not in light and acme.folder not in light


def test_redacct_a_link_key_is_in_no_file_in_clear_nor_in_the_build_output(project):
    two_accounts(project)
    project.configure(light_site_url="https://r.example/")
    result = build(project)
    assert result.code == 0, result.err
    acme = link_for(project)
    secret = acme.fragment.removeprefix("#k=").encode()
    for path in all_files(project.root):
        if "content" not in path.relative_to(project.root).parts:
            assert secret not in path.read_bytes(), path
    assert secret.decode() not in result.out + result.err
    assert SHARE_KEY not in result.out + result.err
    # It is in the internal site, sealed: the brief of the account, for sales.
    assert any(acme.url("https://r.example/") in t for t in internal_pages(project).values())


def test_redacct_a_printed_brief_carries_no_link(project, page):
    two_accounts(project)
    project.item(
        "asked-by-acme",
        visibility="internal",
        customers=[{"name": "Acme Widgets Incorporated"}],
    )
    project.configure(light_site_url="https://r.example/")
    assert build(project).code == 0
    acme = link_for(project)
    site = project.site("internal")
    css = next(p for p in all_files(site) if p.name == "roadmap.css").read_text()
    briefs = [html for html in internal_pages(project).values() if acme.fragment in html]
    assert len(briefs) >= 2, "the account's brief and the sharing page show the link"
    for html in briefs:
        page.set_content(html.replace("</head>", f"<style>{css}</style></head>", 1))
        page.emulate_media(media="screen")
        assert acme.fragment in page.inner_text("body")
        page.emulate_media(media="print")
        assert acme.fragment not in page.inner_text("body")


def test_redacct_a_build_killed_in_an_account_audit_leaves_no_plaintext(project):
    import signal
    import stat

    from test_crash import run_build, snapshot

    from roadmap.staging import STAGING_DIR

    two_accounts(project)
    # run_build's SOURCE_DATE_EPOCH is before these approvals: start them earlier.
    for item in ("for-acme", "for-zenith"):
        path = project.content / "roadmap" / f"{item}.md"
        text = path.read_text().replace("on: 2026-11-01", "on: 2026-01-01")
        path.write_text(text.replace("on: 2026-11-20", "on: 2026-01-01"))
    env = {"ROADMAP_SHARE_KEY": SHARE_KEY}
    assert run_build(project, **env).returncode == 0
    before = snapshot(project.root / "site")
    done = run_build(project, ROADMAP_CRASH_AT="account-audit:1", **env)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert snapshot(project.root / "site") == before, "a killed build publishes nothing"
    staging = project.root / STAGING_DIR
    left = [p for p in all_files(staging) if b"Shared with" in p.read_bytes()]
    assert left, "killed with the audit's plaintext copy on disk, in the project's staging"
    assert stat.S_IMODE(staging.stat().st_mode) == 0o700  # the audit's copy: private, and
    assert run_build(project, **env).returncode == 0  # swept by the next build
    assert list(staging.iterdir()) == []
    assert not (project.root / "site_config" / STAGING_DIR).exists()
    for path in all_files(project.root):
        if path.relative_to(project.root).parts[0] != "content":
            data = path.read_bytes()
            assert b"Fleet radar" not in data, path
            if path.parent.name != "templates":  # compiled templates: "Shared with" is theirs
                assert b"Shared with" not in data, path


@pytest.mark.parametrize(
    ("epoch", "zone", "live"),
    [
        ("1795995000", "Pacific/Kiritimati", True),  # 2026-11-29 23:30 UTC, the 30th there
        ("1795996800", "America/Los_Angeles", False),  # 2026-11-30 00:00 UTC, the 29th there
        ("1795910400", "UTC", True),  # 2026-11-29 00:00 UTC: the first second of `until`
    ],
)
def test_redacct_until_is_the_last_day_shared_in_utc(project, epoch, zone, live):
    import os
    import time
    from unittest import mock

    from roadmap.accounts import read_share_key
    from roadmap.load import load

    two_accounts(project, until="2026-11-29")
    with mock.patch.dict(os.environ, {"SOURCE_DATE_EPOCH": epoch, "TZ": zone}):
        time.tzset()  # the process's local zone is now `zone`
        roadmap = load(project.content)
    time.tzset()  # and back
    links = account_links(roadmap, read_share_key({SHARE_KEY_ENV: SHARE_KEY})[0])
    assert ("acme" in links) is live
    assert "zenith" in links  # no `until`: shared from its day on
