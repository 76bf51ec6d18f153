"""Encryption of the internal site: primitives and whole built sites (passwords and page
addresses: test_passwords.py, test_addresses.py)."""

from __future__ import annotations

import json
import os
import re

import pytest
from cryptography.exceptions import InvalidTag

from conftest import PASSWORD, Project, all_files, site_text
from roadmap.crypto import (
    ITERATIONS,
    SMALLEST_BUCKET,
    Envelope,
    bucket,
    decrypt_page,
    derive_key,
    encrypt_page,
    encrypt_text,
    make_keyring,
    new_build_id,
    open_keyring,
    pad,
    unb64,
    unpad,
)
from roadmap.seal import open_page, read_sealed

FAST = 1_000  # iterations for primitive tests; builds use the real 600,000


# --- Primitives --------------------------------------------------------------------------------

BUILD = "20261128T120000000Z-0123456789ab"


def test_page_round_trip_binds_the_path():
    key = make_keyring(["a passphrase of some length"], FAST).content_key
    envelope = encrypt_page(b"<html>secret page</html>", key, "abc/index.html", BUILD)
    assert decrypt_page(envelope, key, "abc/index.html", BUILD) == b"<html>secret page</html>"
    assert b"secret" not in envelope.ct
    with pytest.raises(InvalidTag):  # the same ciphertext served at another address
        decrypt_page(envelope, key, "def/index.html", BUILD)


def test_a_long_text_compressed_piece_by_piece_opens_whole():
    # The search index is compressed a megabyte of text at a time: characters of two, three and
    # four bytes across every piece boundary come back byte for byte, bound to the path.
    key = make_keyring(["a passphrase of some length"], FAST).content_key
    text = "".join(f"entry {n}: Zoë ➜ 🚀 {'é' * (n % 7)}\n" for n in range(120_000))
    assert len(text) > 2 * (1 << 20)
    envelope = encrypt_text(text, key, "search/search_index.json", BUILD)
    opened = decrypt_page(envelope, key, "search/search_index.json", BUILD)
    assert opened == text.encode("utf-8")
    assert b"entry" not in envelope.ct
    with pytest.raises(InvalidTag):
        decrypt_page(envelope, key, "search/other.json", BUILD)
    # Given in parts of any size (the search index, a batch of entries at a time): the same.
    parts = [text[i : i + 777_777] for i in range(0, len(text), 777_777)]
    envelope = encrypt_text(iter(parts), key, "search/search_index.json", BUILD)
    assert decrypt_page(envelope, key, "search/search_index.json", BUILD) == text.encode("utf-8")


def test_page_is_bound_to_its_build():
    """A page claiming another build id than the one it was sealed in does not open."""
    key = make_keyring(["a passphrase of some length"], FAST).content_key
    envelope = encrypt_page(b"<html>page</html>", key, "index.html", BUILD)
    with pytest.raises(InvalidTag):
        decrypt_page(envelope, key, "index.html", "20991231T000000000Z-0123456789ab")


def test_a_changed_byte_fails():
    key = make_keyring(["a passphrase of some length"], FAST).content_key
    envelope = encrypt_page(b"<html>page</html>", key, "index.html", BUILD)
    for i in (0, len(envelope.ct) // 2, len(envelope.ct) - 1):
        tampered = bytearray(envelope.ct)
        tampered[i] ^= 1
        with pytest.raises(InvalidTag):
            decrypt_page(Envelope(envelope.iv, bytes(tampered)), key, "index.html", BUILD)
    with pytest.raises(InvalidTag):
        decrypt_page(Envelope(bytes(12), envelope.ct), key, "index.html", BUILD)


def test_every_encryption_uses_a_fresh_iv():
    key = make_keyring(["a passphrase of some length"], FAST).content_key
    a, b = (encrypt_page(b"same", key, "p", BUILD) for _ in range(2))
    assert a.iv != b.iv and a.ct != b.ct


def test_padding_hides_the_size_within_a_bucket():
    key = make_keyring(["a passphrase of some length"], FAST).content_key
    small = {len(encrypt_page(os.urandom(n), key, "p", BUILD).ct) for n in (10, 900, 3000)}
    assert small == {SMALLEST_BUCKET + 16}  # one bucket, plus the GCM tag
    for n in (20000, 70000, 300000):
        padded = len(encrypt_page(os.urandom(n), key, "p", BUILD).ct) - 16
        assert padded == bucket(padded) >= n  # on a bucket's edge; random data does not shrink


BUCKETS = [bucket(int(SMALLEST_BUCKET * 1.05**k)) for k in range(200)]


def test_buckets_grow_by_at_most_a_fifth():
    sizes = sorted(set(BUCKETS))
    assert sizes[0] == SMALLEST_BUCKET
    for smaller, larger in zip(sizes, sizes[1:], strict=False):
        assert 1.15 < larger / smaller <= 1.19 + 1e-3
    for n in (1, 4096, 4097, 9000, 123_456):
        assert n <= bucket(n) <= max(SMALLEST_BUCKET, n * 1.19 + 1)


def test_padded_data_round_trips_and_refuses_garbage():
    for data in (b"", b"x", os.urandom(5000)):
        assert unpad(pad(data)) == data
    with pytest.raises(ValueError):
        unpad(pad(b"abc")[:-1] + b"\x01")  # a non-zero byte in the padding


def test_each_team_password_unwraps_the_same_content_key():
    teams = ["sales emea river-otter-lamp", "sales us copper-kettle-moon", "staff pine-violet-ox"]
    keyring = make_keyring(teams, FAST)
    public = keyring.public_part()
    assert len(public["keys"]) == 3
    for password in teams:
        assert open_keyring(public, password) == keyring.content_key
    assert open_keyring(public, "sales emea river-otter-lamb") is None


def test_one_salt_per_password():
    """One guess tests one password: every wrapped copy has a salt of its own."""
    keyring = make_keyring(["first long passphrase", "second long passphrase"], FAST)
    salts = [k["salt"] for k in keyring.public_part()["keys"]]
    assert len(set(salts)) == 2 and all(len(unb64(s)) == 16 for s in salts)
    assert "salt" not in keyring.public_part()["kdf"]


def test_wrapped_keys_are_bound_to_their_build():
    keyring = make_keyring(["first long passphrase"], FAST)
    public = keyring.public_part()
    assert open_keyring(public, "first long passphrase") == keyring.content_key
    public["build"] = new_build_id()
    assert open_keyring(public, "first long passphrase") is None


def test_keyring_parameters_and_fresh_keys_per_build():
    a, b = make_keyring(["x" * 20]), make_keyring(["x" * 20])
    public = a.public_part()
    assert a.iterations == ITERATIONS >= 600_000
    assert public["v"] == 2
    assert public["kdf"] == {"name": "PBKDF2-SHA256", "iterations": ITERATIONS}
    assert set(public["keys"][0]) == {"salt", "iv", "ct"}
    assert a.wrapped[0].salt != b.wrapped[0].salt and a.content_key != b.content_key
    assert a.build != b.build
    assert len(a.content_key) == 32  # AES-256
    assert "x" * 20 not in json.dumps(public)


def test_build_ids_sort_by_build_time():
    from datetime import UTC, datetime, timedelta

    t = datetime(2026, 11, 28, 23, 59, 59, 999_000, tzinfo=UTC)
    ids = [new_build_id(t + timedelta(milliseconds=ms)) for ms in (0, 1, 1000, 86_400_000)]
    assert ids == sorted(ids) and len(set(ids)) == 4
    assert re.fullmatch(r"\d{8}T\d{9}Z-[0-9a-f]{12}", ids[0]), ids[0]


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


SEALED_JSON = re.compile(r'(id="roadmap-sealed">).*?(</script>)', re.S)
PRELOAD = re.compile(r'<link rel="preload" [^>]*>\n')
PRELOAD_URL = re.compile(r'<link rel="preload" as="(?:style|script)" href="([^"]+)"')
POLICY = re.compile(r'(http-equiv="Content-Security-Policy" content=")([^"]*)(")')


def test_every_file_is_a_locked_page_ciphertext_or_a_theme_asset(sealed: Project):
    site = sealed.site("internal")
    build = json.loads((site / "build.json").read_text())["build"]

    def skeleton(text: str) -> str:
        return PRELOAD.sub("", POLICY.sub(r"\1\3", SEALED_JSON.sub(r"\1\2", text)))

    home = skeleton((site / "index.html").read_text())
    policies, preloads = set(), set()
    for path in all_files(site):
        rel = path.relative_to(site).as_posix()
        if path.suffix == ".html":
            text = path.read_text()
            assert skeleton(text) == home
            policies.add(POLICY.search(text).group(2))
            assert "<title>Locked page</title>" in text
            assert 'name="robots" content="noindex' in text
            assert "<a " not in text  # no links
            assert re.fullmatch(r"(index|404|[0-9a-f]{20}/index)\.html", rel), rel
            assert read_sealed(text)["build"] == build
            # The theme's files it fetches while the key is derived: files of this site.
            for url in PRELOAD_URL.findall(text):
                target = (path.parent / url).resolve()
                assert target.is_file() and target.relative_to(site).parts[0] == "assets", url
            preloads.add(tuple(PRELOAD_URL.findall(text)))
        elif rel == "search/search_index.json":
            index = json.loads(path.read_text())
            assert set(index) == {"v", "build", "path", "iv", "ct"} and index["build"] == build
        elif rel == "build.json":
            assert json.loads(path.read_text()) == {"v": 2, "build": build}
        else:
            assert rel.startswith("assets/"), rel
    assert not (site / "sitemap.xml").exists() and not (site / "sitemap.xml.gz").exists()
    # The policy differs only with a page's depth (the theme's scripts name the site's base):
    # the home page, pages under a token, the 404 page.
    assert len(policies) == 3
    # Preloads too (none on the 404 page, served at any address): they tell no page from
    # another of its depth.
    assert len(preloads) == 3 and () in preloads
    assert all(
        any(u.endswith(".css") for u in p) and any(u.endswith(".js") for u in p)
        for p in preloads
        if p
    )
    for policy in policies:
        scripts = re.search(r"script-src ([^;]*)", policy).group(1).split()
        assert scripts[0] == "'self'" and all(s.startswith("'sha256-") for s in scripts[1:])
        assert "form-action 'none'" in policy and "unsafe-inline" not in policy.split("style")[0]


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
