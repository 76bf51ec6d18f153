"""Seal a built internal site: every page becomes a locked page carrying its own ciphertext.

After sealing, each file in the site is one of: a locked page (fixed text, the unlock script,
ciphertext), the encrypted search index, or a file byte-identical to a trusted theme or plugin
asset. Anything else stops the build rather than be published in clear.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import jinja2
from markupsafe import Markup

from .crypto import Envelope, Keyring, decrypt_page, encrypt_page

SEARCH_INDEX = "search/search_index.json"
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
    script = (ASSETS / "unlock.js").read_text(encoding="utf-8")
    assert "</script" not in script.lower()
    return script


def locked_page(keyring: Keyring, envelope: Envelope, path: str) -> str:
    """The page everyone sees before unlocking: the same text for every page of every site."""
    sealed = json.dumps(
        {**keyring.public_part(), "path": path, "page": envelope.to_json()}, separators=(",", ":")
    )
    return _TEMPLATES.get_template("locked.html.j2").render(
        sealed=Markup(sealed), script=Markup(unlock_script())
    )


def seal_site(site_dir: Path, keyring: Keyring, trusted: set[tuple[str, str]]) -> int:
    """Encrypt the site in place; returns the number of pages sealed."""
    pages = 0
    for path in sorted(p for p in site_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(site_dir).as_posix()
        data = path.read_bytes()
        if rel in DROPPED:
            path.unlink()
        elif path.suffix == ".html":
            envelope = encrypt_page(data, keyring.content_key, rel)
            path.write_text(locked_page(keyring, envelope, rel), encoding="utf-8")
            pages += 1
        elif rel == SEARCH_INDEX:
            envelope = encrypt_page(data, keyring.content_key, rel)
            path.write_text(
                json.dumps({**keyring.public_part(), **envelope.to_json()}), encoding="utf-8"
            )
        elif (rel, hashlib.sha256(data).hexdigest()) not in trusted:
            raise SealError(
                f"{rel}: not a page, the search index or a theme file; refusing to publish it "
                "unencrypted (a plugin or theme override added it)"
            )
    return pages


def open_page(site_dir: Path, rel: str, content_key: bytes) -> bytes:
    """Decrypt one sealed file: for tests and for checking a deployed site by hand."""
    text = (site_dir / rel).read_text(encoding="utf-8")
    if rel.endswith(".html"):
        start = text.index('id="roadmap-sealed">') + len('id="roadmap-sealed">')
        data = json.loads(text[start : text.index("</script>", start)])
        envelope = Envelope.from_json(data["page"])
    else:
        envelope = Envelope.from_json(json.loads(text))
    return decrypt_page(envelope, content_key, rel)


_PAGE_PATH = re.compile(r"^(index\.html|404\.html|[0-9a-f]{20}/index\.html|[0-9a-f]{20}\.html)$")
_SEALED = re.compile(
    r'(<script type="application/json" id="roadmap-sealed">)(.*?)(</script>)', re.S
)


def verify_sealed(site_dir: Path, keyring: Keyring, trusted: set[tuple[str, str]]) -> None:
    """Check the sealed site file by file: nothing in it may be readable without the password.

    Pages must be the fixed locked page around nothing but ciphertext, at an address made of a
    token; the search index must be ciphertext; everything else byte-identical to a trusted file.
    """
    skeleton = _SEALED.sub(r"\1\3", locked_page(keyring, Envelope(b"", b""), ""))
    envelope_keys = {"v", "kdf", "keys", "path", "page"}
    for path in sorted(p for p in site_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(site_dir).as_posix()
        data = path.read_bytes()
        if path.suffix == ".html":
            text = data.decode("utf-8")
            m = _SEALED.search(text)
            if not _PAGE_PATH.match(rel) or not m or _SEALED.sub(r"\1\3", text) != skeleton:
                raise SealError(f"{rel}: not a locked page")
            sealed = json.loads(m.group(2))
            if set(sealed) != envelope_keys or sealed["path"] != rel:
                raise SealError(f"{rel}: unexpected fields next to the ciphertext")
        elif rel == SEARCH_INDEX:
            if set(json.loads(data)) != {"v", "kdf", "keys", "iv", "ct"}:
                raise SealError(f"{rel}: the search index is not encrypted")
        elif (rel, hashlib.sha256(data).hexdigest()) not in trusted:
            raise SealError(f"{rel}: not encrypted and not a theme file")
