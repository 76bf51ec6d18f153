"""Encryption of the internal site: primitives and whole built sites (passwords and page
addresses: test_passwords.py, test_addresses.py)."""

from __future__ import annotations

import json
import re

import pytest
from cryptography.exceptions import InvalidTag

from conftest import PASSWORD, Project, all_files, site_text
from roadmap.crypto import (
    ITERATIONS,
    Envelope,
    decrypt_page,
    derive_key,
    encrypt_page,
    make_keyring,
    open_keyring,
)
from roadmap.seal import open_page

FAST = 1_000  # iterations for primitive tests; builds use the real 600,000


# --- Primitives --------------------------------------------------------------------------------


def test_page_round_trip_binds_the_path():
    key = make_keyring(["a passphrase of some length"], FAST).content_key
    envelope = encrypt_page(b"<html>secret page</html>", key, "abc/index.html")
    assert decrypt_page(envelope, key, "abc/index.html") == b"<html>secret page</html>"
    assert b"secret" not in envelope.ct
    with pytest.raises(InvalidTag):  # the same ciphertext served at another address
        decrypt_page(envelope, key, "def/index.html")


def test_a_changed_byte_fails():
    key = make_keyring(["a passphrase of some length"], FAST).content_key
    envelope = encrypt_page(b"<html>page</html>", key, "index.html")
    for i in (0, len(envelope.ct) // 2, len(envelope.ct) - 1):
        tampered = bytearray(envelope.ct)
        tampered[i] ^= 1
        with pytest.raises(InvalidTag):
            decrypt_page(Envelope(envelope.iv, bytes(tampered)), key, "index.html")
    with pytest.raises(InvalidTag):
        decrypt_page(Envelope(bytes(12), envelope.ct), key, "index.html")


def test_every_encryption_uses_a_fresh_iv():
    key = make_keyring(["a passphrase of some length"], FAST).content_key
    a, b = (encrypt_page(b"same", key, "p") for _ in range(2))
    assert a.iv != b.iv and a.ct != b.ct


def test_each_team_password_unwraps_the_same_content_key():
    teams = ["sales emea river-otter-lamp", "sales us copper-kettle-moon", "staff pine-violet-ox"]
    keyring = make_keyring(teams, FAST)
    public = keyring.public_part()
    assert len(public["keys"]) == 3
    for password in teams:
        assert open_keyring(public, password) == keyring.content_key
    assert open_keyring(public, "sales emea river-otter-lamb") is None


def test_keyring_parameters_and_fresh_keys_per_build():
    a, b = make_keyring(["x" * 20]), make_keyring(["x" * 20])
    assert a.iterations == ITERATIONS >= 600_000
    assert a.public_part()["kdf"] == {
        "name": "PBKDF2-SHA256",
        "salt": a.public_part()["kdf"]["salt"],
        "iterations": ITERATIONS,
    }
    assert a.salt != b.salt and a.content_key != b.content_key
    assert len(a.content_key) == 32  # AES-256
    assert "x" * 20 not in json.dumps(a.public_part())


def test_password_is_normalised_like_the_browser_does():
    salt = b"s" * 16
    composed, decomposed = "caf\u00e9 au lait, bitte", "cafe\u0301 au lait, bitte"
    assert derive_key(composed, salt, FAST) == derive_key(decomposed, salt, FAST)


# --- Built sites -------------------------------------------------------------------------------

MARKERS = {
    "title": "Zebracorn Ledger",
    "summary": "Quokkafish summary line",
    "id": "narwhal-bridge",
    "heading": "Axolotl Heading",
    "body": "Pangolinbody sentence",
    "customer": "Capybara Holdings",
    "owner": "Wombat Ferreira",
    "theme": "Ocelot Theme",
    "page": "Tapirpage Title",
    "playbook": "Marmoset Playbook",
    "image": "lemurimage",
    "block": "Ibexblock",
}


def marker_project(project: Project) -> Project:
    m = MARKERS
    project.write(
        "content/roadmap/themes.yml",
        f"core:\n  title: {m['theme']}\n  visibility: public\n",
    )
    project.write("content/roadmap/img/lemurimage.png", b"\x89PNG\r\n\x1a\nfakepng")
    project.item(
        m["id"],
        title=m["title"],
        summary=m["summary"],
        owner=m["owner"],
        customers=[{"name": m["customer"], "arr": 120000}],
        body=f"## {m['heading']}\n\n{m['body']}.\n\n![diagram](img/lemurimage.png)\n\n"
        f'!!! internal "Notes"\n    {m["block"]} text.\n',
    )
    project.item("other-item", depends_on=[m["id"]])
    project.page("guide.md", f"# {m['page']}\n\nText.", visibility="internal")
    project.write("content/playbook/index.md", f"---\ntitle: {m['playbook']}\n---\nBody.\n")
    return project


@pytest.fixture(scope="module")
def sealed(tmp_path_factory) -> Project:
    from conftest import new_project

    project = marker_project(new_project(tmp_path_factory.mktemp("sealed") / "p"))
    result = project.run("build", "--audience", "internal")
    assert result.code == 0, result.err
    return project


def content_key(site) -> bytes:
    text = (site / "index.html").read_text()
    sealed = json.loads(re.search(r'id="roadmap-sealed">(.*?)</script>', text, re.S).group(1))
    key = open_keyring(sealed, PASSWORD)
    assert key is not None
    return key


def test_no_string_of_the_content_is_readable(sealed: Project):
    text = site_text(sealed.site("internal")).casefold()
    for what, marker in MARKERS.items():
        assert marker.casefold() not in text, what
    for word in ("Hidden theme", "Our roadmap", "Welcome to the roadmap", "Title of other-item"):
        assert word.casefold() not in text


def test_every_file_is_a_locked_page_ciphertext_or_a_theme_asset(sealed: Project):
    site = sealed.site("internal")
    locked = (site / "index.html").read_text()
    skeleton = re.sub(r'(id="roadmap-sealed">).*?(</script>)', r"\1\2", locked, flags=re.S)
    for path in all_files(site):
        rel = path.relative_to(site).as_posix()
        if path.suffix == ".html":
            text = path.read_text()
            assert (
                re.sub(r'(id="roadmap-sealed">).*?(</script>)', r"\1\2", text, flags=re.S)
                == skeleton
            )
            assert "<title>Internal roadmap · locked</title>" in text
            assert 'name="robots" content="noindex' in text
            assert "<a " not in text  # no links
            assert re.fullmatch(r"(index|404|[0-9a-f]{20}/index)\.html", rel), rel
        elif rel == "search/search_index.json":
            assert set(json.loads(path.read_text())) == {"v", "kdf", "keys", "iv", "ct"}
        else:
            assert rel.startswith("assets/"), rel
    assert not (site / "sitemap.xml").exists() and not (site / "sitemap.xml.gz").exists()


def test_pages_decrypt_to_the_full_detail(sealed: Project):
    site = sealed.site("internal")
    key = content_key(site)
    pages = {
        p.relative_to(site).as_posix(): open_page(site, p.relative_to(site).as_posix(), key)
        for p in site.rglob("*.html")
    }
    item_page = next(html for html in pages.values() if MARKERS["body"].encode() in html)
    for marker in ("title", "heading", "customer", "owner", "block"):
        assert MARKERS[marker].encode() in item_page, marker
    assert b"data:image/png;base64," in item_page  # the image travels inside the ciphertext
    assert b"lemurimage" not in item_page.split(b"data:image/png")[0][-200:]
    index = json.loads(open_page(site, "search/search_index.json", key))
    assert any(MARKERS["title"] in doc["title"] for doc in index["docs"])
    assert b"Not Found" in pages["404.html"] or b"404" in pages["404.html"]


def test_addresses_are_stable_from_build_to_build(sealed: Project, tmp_path):
    site = sealed.site("internal")
    before = sorted(p.relative_to(site).as_posix() for p in all_files(site))
    old_index = (site / "index.html").read_bytes()
    assert sealed.run("build", "--audience", "internal").code == 0
    after = sorted(p.relative_to(site).as_posix() for p in all_files(site))
    assert before == after
    assert (site / "index.html").read_bytes() != old_index  # new content key, new ciphertext


def test_team_revocation_by_removing_a_line(project: Project, tmp_path):
    project.item("an-item")
    passwords = tmp_path / "teams.txt"
    passwords.write_text("emea: river otter lamp sixteen\nus: copper kettle moon rises\n")
    env = {"ROADMAP_PASSWORD_FILE": str(passwords)}
    assert project.run("build", "--audience", "internal", password=None, env=env).code == 0
    site = project.site("internal")
    sealed = json.loads(
        re.search(
            r'id="roadmap-sealed">(.*?)</script>', (site / "index.html").read_text(), re.S
        ).group(1)
    )
    assert open_keyring(sealed, "river otter lamp sixteen") == open_keyring(
        sealed, "copper kettle moon rises"
    )
    old_key = open_keyring(sealed, "copper kettle moon rises")

    passwords.write_text("emea: river otter lamp sixteen\n")
    assert project.run("build", "--audience", "internal", password=None, env=env).code == 0
    sealed = json.loads(
        re.search(
            r'id="roadmap-sealed">(.*?)</script>', (site / "index.html").read_text(), re.S
        ).group(1)
    )
    assert open_keyring(sealed, "copper kettle moon rises") is None
    assert open_keyring(sealed, "river otter lamp sixteen") is not None
    with pytest.raises(InvalidTag):  # a copy of the old content key opens nothing new
        open_page(site, "index.html", old_key)


def test_passwords_never_reach_the_disk(sealed: Project):
    for path in sealed.root.rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path
