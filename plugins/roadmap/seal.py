"""Seal the internal site as MkDocs writes it: each page becomes a locked page carrying its own
ciphertext, so no plaintext of the internal site is ever written to disk.

After the build, each file in the site is one of: a locked page (fixed text, the unlock script,
ciphertext), the encrypted search index, build.json (the build id), or a file byte-identical to
a trusted theme or plugin asset. verify_sealed() checks exactly that; anything else stops the
build rather than be published.
"""

from __future__ import annotations

import functools
import hashlib
import json
import posixpath
import re
from collections.abc import Callable, Iterable
from pathlib import Path

import jinja2
from markupsafe import Markup

from .crypto import (
    FORMAT_VERSION,
    LINK_KDF,
    Envelope,
    Keyring,
    decrypt_page,
    encrypt_page,
    encrypt_text,
)
from .integrity import content_security_policy, script_hash

SEARCH_INDEX = "search/search_index.json"
BUILD_FILE = "build.json"  # {"v": 2, "build": id}: what a locked page checks its own id against
NOT_FOUND = "404.html"
DROPPED = ("sitemap.xml", "sitemap.xml.gz")  # a sitemap lists pages: never on the internal site
ASSETS = Path(__file__).parent / "assets"
_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("roadmap", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


class SealError(Exception):
    pass


def unlock_script() -> str:
    path = ASSETS / "unlock.js"
    stat = path.stat()  # performance only: read again when the file changes, not per page
    return _unlock_script(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _unlock_script(path: Path, mtime: int, size: int) -> str:
    script = path.read_text(encoding="utf-8")
    assert "</script" not in script.lower()
    return script


def shell_policy(page_scripts: set[str]) -> str:
    """The locked page's policy. It stays in force after unlock.js writes the decrypted page
    over it (Chromium ignores a policy in the written page), so it also lists the hashes of the
    theme's inline scripts of that page."""
    return _shell_policy(unlock_script(), frozenset(page_scripts))


@functools.lru_cache(maxsize=64)  # the theme writes the same scripts on a folder depth's pages
def _shell_policy(unlock: str, page_scripts: frozenset[str]) -> str:
    return content_security_policy(
        {script_hash(unlock), *(script_hash(s) for s in page_scripts)}, sealed=True
    )


def locked_page(
    keyring: Keyring,
    envelope: Envelope,
    path: str,
    *,
    policy: str,
    help_text: str = "",
    root: str | None = None,
    preloads: Iterable[tuple[str, str, str]] = (),
) -> str:
    """The page everyone sees before unlocking: the same text for every page of a site, but for
    the ciphertext and, for its depth in the site, the theme's script hashes and `preloads`:
    the theme's stylesheets and scripts (kind, address, integrity), fetched while the password's
    key is derived so that the decrypted page finds them loaded."""
    sealed = {**keyring.public_part(), "path": path, "page": envelope.to_json()}
    if root is not None:  # the 404 page is served at any address: it says where the site is
        sealed["root"] = root
    assert not set(policy) & set('"<>&'), "a policy is plain ASCII of our own"
    return _TEMPLATES.get_template("locked.html.j2").render(
        sealed=Markup(json.dumps(sealed, separators=(",", ":")).replace("</", "<\\/")),
        script=Markup(unlock_script()),
        policy=Markup(policy),
        help_text=help_text,
        link=keyring.kdf == LINK_KDF,
        preloads=list(preloads),
    )


def seal_page(
    keyring: Keyring,
    html: str,
    path: str,
    *,
    policy: str,
    help_text: str = "",
    root: str | None = None,
    preloads: Iterable[tuple[str, str, str]] = (),
    compress: Callable[[bytes], bytes] | None = None,
) -> str:
    """The locked page for one rendered page, at its site-relative `path`. `compress`: how to
    get crypto.compress of the page's bytes (the render cache keeps them between builds)."""
    if not _PAGE_PATH.match(path):
        raise SealError(f"{path}: not a page address of the internal site; refusing to seal it")
    data = html.encode("utf-8")
    envelope = encrypt_page(
        data,
        keyring.content_key,
        path,
        keyring.build,
        compressed=compress(data) if compress is not None else None,
    )
    return locked_page(
        keyring,
        envelope,
        path,
        policy=policy,
        help_text=help_text,
        root=root,
        preloads=preloads,
    )


def seal_index(keyring: Keyring, text: str | Iterable[str]) -> str:
    """The search index (its text, or its parts in order), encrypted: unlocked pages fetch and
    open it with the key they hold."""
    envelope = encrypt_text(text, keyring.content_key, SEARCH_INDEX, keyring.build)
    return json.dumps(
        {"v": FORMAT_VERSION, "build": keyring.build, "path": SEARCH_INDEX, **envelope.to_json()},
        separators=(",", ":"),
    )


def build_file(keyring: Keyring) -> str:
    return json.dumps({"v": FORMAT_VERSION, "build": keyring.build}) + "\n"


def read_sealed(text: str) -> dict:
    """The JSON a locked page carries."""
    m = _SEALED.search(text)
    if not m:
        raise SealError("not a locked page")
    return json.loads(m.group(2))


def open_page(site_dir: Path, rel: str, content_key: bytes) -> bytes:
    """Decrypt one sealed file: for tests and for checking a deployed site by hand."""
    text = (site_dir / rel).read_text(encoding="utf-8")
    if rel.endswith(".html"):
        data = read_sealed(text)
        envelope = Envelope.from_json(data["page"])
    else:
        data = json.loads(text)
        envelope = Envelope.from_json(data)
    return decrypt_page(envelope, content_key, rel, data["build"])


_PAGE_PATH = re.compile(r"^(index\.html|404\.html|[0-9a-f]{20}/index\.html|[0-9a-f]{20}\.html)$")
_SEALED = re.compile(
    r'(<script type="application/json" id="roadmap-sealed">)(.*?)(</script>)', re.S
)
_PAGE_KEYS = {"v", "build", "kdf", "keys", "path", "page"}


def verify_sealed(
    site_dir: Path,
    keyring: Keyring,
    trusted: set[tuple[str, str]],
    policies: dict[str, str],
    help_text: str = "",
    preloads: dict[str, tuple[tuple[str, str, str], ...]] | None = None,
) -> int:
    """Check the sealed site file by file: nothing in it may be readable without the password.

    Pages must be the fixed locked page, with the policy and preloads they were sealed with
    (each preload a trusted file of the site), around nothing but ciphertext of this build, at
    an address made of a token; the search index must be ciphertext; everything else
    byte-identical to a trusted file. Returns the number of pages.
    """
    pages = 0
    preloads = preloads or {}
    trusted_paths = {rel for rel, _ in trusted}
    skeletons: dict[tuple, str] = {}  # pages of one folder depth share one
    for path in sorted(p for p in site_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(site_dir).as_posix()
        data = path.read_bytes()
        if path.suffix == ".html":
            text = data.decode("utf-8")
            m = _SEALED.search(text)
            if not _PAGE_PATH.match(rel) or not m or rel not in policies:
                raise SealError(f"{rel}: not a locked page")
            shell = policies[rel], preloads.get(rel, ())
            for _, url, _ in shell[1]:
                if posixpath.normpath(posixpath.join(posixpath.dirname(rel), url)) not in (
                    trusted_paths
                ):
                    raise SealError(f"{rel}: its locked page preloads {url}, not a theme file")
            if shell not in skeletons:
                skeleton = locked_page(
                    keyring,
                    Envelope(b"", b""),
                    "",
                    policy=shell[0],
                    help_text=help_text,
                    preloads=shell[1],
                )
                skeletons[shell] = _SEALED.sub(r"\1\3", skeleton)
            if _SEALED.sub(r"\1\3", text) != skeletons[shell]:
                raise SealError(f"{rel}: not a locked page")
            sealed = json.loads(m.group(2))
            keys = _PAGE_KEYS | ({"root"} if rel == NOT_FOUND else set())
            if set(sealed) != keys or sealed["path"] != rel or sealed["build"] != keyring.build:
                raise SealError(f"{rel}: unexpected fields next to the ciphertext")
            pages += 1
        elif rel == SEARCH_INDEX:
            index = json.loads(data)
            if set(index) != {"v", "build", "path", "iv", "ct"} or index["build"] != keyring.build:
                raise SealError(f"{rel}: the search index is not encrypted")
        elif rel == BUILD_FILE:
            if data.decode("utf-8") != build_file(keyring):
                raise SealError(f"{rel}: not this build's id")
        elif rel in DROPPED or (rel, hashlib.sha256(data).hexdigest()) not in trusted:
            raise SealError(f"{rel}: not encrypted and not a theme file")
    return pages
