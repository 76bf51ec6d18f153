"""The leak scan of a built site: every file's bytes and every file and folder name.

Text is matched word by word, case-insensitively, after undoing HTML entities, JSON `\\u`
escapes and URL-encoding (and gzip), so `Acme&#32;Corp` and `Acme%20Corp` are both found.
Files the build machinery makes and files byte-identical to a trusted source (the theme
package, the plugin's own assets) cannot carry content: their bytes are not read and their
names are theirs.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import hashlib
import html
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .audience import Secret

_WORD = re.compile(r"[^\W_]+")  # letters and digits: Acme_Corp is two words, as Acme-Corp
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\/")
# Where a text names another resource: HTML attributes, JSON fields, sitemap entries.
_ADDRESS = re.compile(
    r"""(?:\b(?:href|src|srcset|action)\s*=\s*["']?|"(?:location|url)"\s*:\s*"|<loc>)"""
    r"""(?P<a>[^"'<>\s]+)""",
    re.I,
)


@dataclass(frozen=True, order=True)
class Finding:
    file: str  # relative to the site
    line: int
    word: str
    origin: str

    def __str__(self) -> str:
        return (
            f"{self.file}:{self.line}: the light site contains '{self.word}', {self.origin}; "
            "remove it from public content, or list it under audit_allow if it is an ordinary word"
        )


def decode(text: str) -> str:
    """Undo the encodings a word may hide behind, repeatedly (double escaping is common)."""
    for _ in range(3):
        before = text
        text = html.unescape(text)
        text = _JSON_ESCAPE.sub(lambda m: chr(int(m[1], 16)) if m[1] else "/", text)
        text = unquote(text)
        if text == before:
            break
    return text


class Matcher:
    """Finds forbidden phrases in text in time linear in the text."""

    def __init__(self, secrets: Iterable[Secret], allow: Iterable[str] = ()):
        allowed = {self._key(a) for a in allow}
        self.by_first: dict[str, list[tuple[tuple[str, ...], Secret]]] = {}
        for secret in secrets:
            words = self._key(secret.word)
            if not words or words in allowed:
                continue
            self.by_first.setdefault(words[0], []).append((words, secret))

    @staticmethod
    def _key(phrase: str) -> tuple[str, ...]:
        return tuple(w.casefold() for w in _WORD.findall(phrase))

    def find(self, text: str) -> Iterable[tuple[int, Secret]]:
        """(offset, secret) for each match."""
        if not self.by_first:
            return
        matches = [(m.group().casefold(), m.start()) for m in _WORD.finditer(text)]
        words = [w for w, _ in matches]
        for i, word in enumerate(words):
            for phrase, secret in self.by_first.get(word, ()):
                if tuple(words[i : i + len(phrase)]) == phrase:
                    yield matches[i][1], secret


@functools.cache
def trusted_files(folders: tuple[Path, ...]) -> frozenset[tuple[str, str]]:
    """(relative path, SHA-256) of every file in folders known not to come from the roadmap.

    Cached: the theme package does not change while the process runs (both audiences, serve).
    """
    out = set()
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                out.add((path.relative_to(folder).as_posix(), digest))
    return frozenset(out)


def audit(
    site_dir: Path,
    secrets: Iterable[Secret],
    allow: Iterable[str] = (),
    trusted: set[tuple[str, str]] = frozenset(),
    machine_made: Iterable[str] = (),
) -> list[Finding]:
    """Every forbidden word found in `site_dir`, in file contents and in names.

    Secrets with `everywhere` are looked for in every byte; the others (one-word ids and
    titles, which are ordinary words) in file names and in the addresses pages link to.
    `machine_made` names files the build writes under fixed names (the search index...).
    """
    secrets = list(secrets)
    everywhere = Matcher([s for s in secrets if s.everywhere], allow)
    addresses_only = Matcher([s for s in secrets if not s.everywhere], allow)
    machine_made = set(machine_made)
    # Addresses of theme and machine-made files name the theme or the build, not the content.
    names_known = {rel for rel, _ in trusted} | machine_made
    findings: set[Finding] = set()
    for path in sorted(p for p in site_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(site_dir).as_posix()
        data = path.read_bytes()
        theirs = (rel, hashlib.sha256(data).hexdigest()) in trusted  # neither bytes nor name
        if not theirs and rel not in machine_made:
            name = decode(rel.replace("/", " / "))
            for matcher in (everywhere, addresses_only):
                for _, secret in matcher.find(name):
                    origin = f"{secret.origin} (in the file name)"
                    findings.add(Finding(rel, 1, secret.word, origin))
        if theirs:
            continue
        if path.suffix == ".gz":
            with contextlib.suppress(OSError):  # not really gzip: scan the bytes as they are
                data = gzip.decompress(data)
        text = decode(data.decode("utf-8", errors="replace"))
        for offset, secret in everywhere.find(text):
            findings.add(Finding(rel, _line(text, offset), secret.word, secret.origin))
        for m in _ADDRESS.finditer(text):
            address = m.group("a")
            if _points_into(address, rel, names_known):
                continue
            for _, secret in addresses_only.find(address):
                findings.add(Finding(rel, _line(text, m.start()), secret.word, secret.origin))
    return sorted(findings)


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _points_into(address: str, here: str, known: set[str]) -> bool:
    """Whether a relative address leads to a file whose name is not content (theme assets)."""
    parts = urlsplit(address)
    if parts.scheme or parts.netloc or not parts.path:
        return False
    target = posixpath.normpath(posixpath.join(posixpath.dirname(here), parts.path))
    if parts.path.endswith("/"):
        target = posixpath.join(target, "index.html")
    return target in known
