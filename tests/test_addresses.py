"""Page addresses of the internal site: keyed per site (ROADMAP_ADDRESS_KEY, or a random salt
kept in the repository), stable from build to build, and rotated on purpose."""

from __future__ import annotations

import base64
import re
import secrets
import subprocess
from pathlib import Path

import pytest

from conftest import PASSWORD, Project
from roadmap.addresses import SALT_FILE, read_address_secret, salt_warnings
from roadmap.crypto import address_key, page_token

SITE = "Crewline roadmap"  # site_name in mkdocs.yml
SALT = bytes(range(32))
KEY_HINT = "make one with `python3 -c 'import secrets; print(secrets.token_hex(32))'`"
OTHER_PASSWORD = "test only: amber-falcon-river-lamp-seven"


# --- The key ---------------------------------------------------------------------------------


def test_address_key_depends_on_salt_site_and_password():
    base = address_key(PASSWORD, SALT, SITE)
    assert base == address_key(PASSWORD, SALT, SITE)
    others = {
        address_key(PASSWORD, bytes(32), SITE),
        address_key(PASSWORD, SALT, "Other roadmap"),
        address_key(OTHER_PASSWORD, SALT, SITE),
    }
    assert base not in others and len(others) == 3
    assert re.fullmatch(r"[0-9a-f]{20}", page_token(base, "items/sso.md"))
    assert page_token(base, "items/sso.md") != page_token(base, "items/scim.md")


def test_an_address_key_secret_ignores_the_password():
    secret = secrets.token_bytes(32)
    with_key = address_key(PASSWORD, b"", SITE, secret=secret)
    assert with_key == address_key(OTHER_PASSWORD, b"", SITE, secret=secret)
    assert with_key != address_key(PASSWORD, b"", SITE, secret=secrets.token_bytes(32))
    assert with_key != address_key(PASSWORD, b"", "Other roadmap", secret=secret)


def test_no_address_key_without_a_salt():
    with pytest.raises(ValueError):
        address_key(PASSWORD, b"", SITE)


@pytest.mark.parametrize(
    "value",
    [
        secrets.token_hex(32),
        secrets.token_hex(48).upper(),
        base64.b64encode(secrets.token_bytes(32)).decode(),
        base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("="),
    ],
)
def test_address_key_forms_accepted(tmp_path: Path, value: str):
    found, problems = read_address_secret(tmp_path, {"ROADMAP_ADDRESS_KEY": value})
    assert problems == [] and found is not None and len(found.key) >= 32


@pytest.mark.parametrize(
    "value, expected",
    [
        pytest.param(
            secrets.token_hex(32) + "\n",
            "the key starts or ends with a space or a line break;"
            " remove it; `printf '%s'` writes a value without a line break",
            id="trailing-newline",
        ),
        pytest.param(
            secrets.token_hex(16),
            "the key must be 32 random bytes or more, written as 64 hexadecimal characters or"
            f" in base64; {KEY_HINT}",
            id="too-short",
        ),
        pytest.param(
            "correct horse battery staple and more words",
            "the key must be 32 random bytes or more, written as 64 hexadecimal characters or"
            f" in base64; {KEY_HINT}",
            id="a-passphrase",
        ),
        pytest.param("00" * 32, f"the key does not look random; {KEY_HINT}", id="zeros"),
        pytest.param("ab" * 40, f"the key does not look random; {KEY_HINT}", id="repeated"),
    ],
)
def test_address_key_forms_refused(tmp_path: Path, value: str, expected: str):
    found, problems = read_address_secret(tmp_path, {"ROADMAP_ADDRESS_KEY": value})
    assert found is None
    assert [str(p) for p in problems] == [f"ROADMAP_ADDRESS_KEY:1: {expected}"]
    assert value.strip()[:12] not in str(problems[0])


# --- The salt file ---------------------------------------------------------------------------


def tokens(project: Project) -> set[str]:
    site = project.site("internal")
    return {p.name for p in site.iterdir() if re.fullmatch(r"[0-9a-f]{20}", p.name)}


def build(project: Project, password: str = PASSWORD, key: str | None = None):
    env = {"ROADMAP_ADDRESS_KEY": key} if key else {}
    result = project.run("build", "--audience", "internal", password=password, env=env)
    assert result.code == 0, result.err
    return result


@pytest.fixture
def items(project: Project) -> Project:
    project.item("sso")
    project.item("scim", visibility="internal")
    return project


def test_first_build_makes_the_salt_and_says_to_commit_it(items: Project):
    salt_file = items.root / "site_config" / SALT_FILE
    first = build(items)
    assert first.out.splitlines()[0] == (
        "roadmap: made site_config/address-salt.txt, the salt of the internal site's page"
        " addresses: commit it, or every address changes on a fresh clone"
    )
    text = salt_file.read_text()
    (salt,) = [line for line in text.splitlines() if not line.startswith("#")]
    assert re.fullmatch(r"[0-9a-f]{64}", salt)
    # The addresses are exactly what the README says: the first password, this salt, the name.
    key = address_key(PASSWORD, bytes.fromhex(salt), SITE)
    expected = {page_token(key, uri) for uri in ("items/sso.md", "items/scim.md", "shipped.md")}
    assert expected <= tokens(items)

    before = tokens(items)
    second = build(items)
    assert "made site_config" not in second.out
    assert salt_file.read_text() == text and tokens(items) == before


def test_each_site_gets_its_own_addresses(items: Project, tmp_path: Path):
    from conftest import new_project

    build(items)
    twin = new_project(tmp_path / "twin", items.content)  # same content, same password
    build(twin)
    assert tokens(items) and not tokens(items) & tokens(twin)


def test_addresses_follow_the_first_password_without_a_key(items: Project):
    build(items)
    before = tokens(items)
    build(items, password=OTHER_PASSWORD)
    assert not before & tokens(items)


def test_an_address_key_keeps_addresses_across_password_changes(items: Project):
    key = secrets.token_hex(32)
    build(items, key=key)
    before = tokens(items)
    build(items, password=OTHER_PASSWORD, key=key)
    assert tokens(items) == before
    assert not (items.root / "site_config" / SALT_FILE).exists()  # no salt needed with a key
    build(items, password=OTHER_PASSWORD, key=secrets.token_hex(32))  # rotated
    assert not before & tokens(items)


def test_deleting_the_salt_rotates_every_address(items: Project):
    build(items)
    before = tokens(items)
    (items.root / "site_config" / SALT_FILE).unlink()
    build(items)
    assert tokens(items) and not before & tokens(items)


@pytest.mark.parametrize(
    "text, line",
    [
        pytest.param("# a comment\nnot hex at all\n", 2, id="not-hex"),
        pytest.param("abcd\n", 1, id="too-short"),
        pytest.param(f"{'ab' * 32}\n{'cd' * 32}\n", 2, id="two-lines"),
        pytest.param("# only a comment\n", 1, id="empty"),
    ],
)
def test_broken_salt_file_stops_the_build(items: Project, text: str, line: int):
    salt_file = items.root / "site_config" / SALT_FILE
    salt_file.write_text(text)
    result = items.run("build", "--audience", "internal")
    assert result.code == 1
    assert result.err.splitlines()[0] == (
        f"site_config/address-salt.txt:{line}: the address salt must be one line of 64"
        " hexadecimal characters; delete the file and build again to make a new one (every"
        " page address changes)"
    )
    assert salt_file.read_text() == text and not (items.root / "site").exists()
    check = items.run("check")
    assert check.code == 1 and check.err.splitlines()[0] == result.err.splitlines()[0]


# --- `roadmap check` in a git checkout -------------------------------------------------------


def git(project: Project, *args: str) -> None:
    subprocess.run(["git", "-C", str(project.root), *args], check=True, capture_output=True)


def test_check_warns_when_the_salt_is_missing_or_untracked(items: Project):
    outside = items.run("check")  # not a git checkout: nothing to commit, nothing to say
    assert outside.code == 0 and outside.err == ""

    git(items, "init", "-q")
    missing = items.run("check")
    assert missing.code == 0
    assert missing.err.splitlines() == [
        "WARNING: site_config/address-salt.txt:1: the address salt file is missing: the next"
        " build makes a new one, and every internal page address changes; run `roadmap build`,"
        " then commit site_config/address-salt.txt"
    ]

    build(items)
    untracked = items.run("check")
    assert untracked.code == 0
    assert untracked.err.splitlines() == [
        "WARNING: site_config/address-salt.txt:1: git does not track the address salt file:"
        " a fresh clone would make a new one and change every internal page address;"
        " commit it: git add site_config/address-salt.txt"
    ]

    git(items, "add", "site_config")
    assert items.run("check").err == ""
    key_set = items.run("check", env={"ROADMAP_ADDRESS_KEY": secrets.token_hex(32)})
    assert key_set.err == ""


def test_salt_warnings_need_a_checkout(tmp_path: Path):
    assert salt_warnings(tmp_path / "site_config", {}) == []
