"""The leak scan of a built site: every file's bytes and every file and folder name.

Text is matched word by word, case-insensitively, after undoing HTML entities, JSON `\\u`
escapes and URL-encoding (and gzip), so `Acme&#32;Corp` and `Acme%20Corp` are both found.
Files byte-identical to a trusted source (the theme package, the plugin's own assets) cannot
carry content and are not read, only named.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from .audience import Secret

_WORD = re.compile(r"\w+")
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\/")


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
        matches = [(m.group().casefold(), m.start()) for m in _WORD.finditer(text)]
        words = [w for w, _ in matches]
        for i, word in enumerate(words):
            for phrase, secret in self.by_first.get(word, ()):
                if tuple(words[i : i + len(phrase)]) == phrase:
                    yield matches[i][1], secret


def trusted_digests(folders: Iterable[Path]) -> set[str]:
    """SHA-256 of every file in folders whose content is known not to come from the roadmap."""
    out = set()
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                out.add(hashlib.sha256(path.read_bytes()).hexdigest())
    return out


def audit(
    site_dir: Path,
    secrets: Iterable[Secret],
    allow: Iterable[str] = (),
    trusted: set[str] | None = None,
) -> list[Finding]:
    """Every forbidden word found in `site_dir`, in file contents and in names."""
    matcher = Matcher(secrets, allow)
    findings: set[Finding] = set()
    trusted = trusted or set()
    for path in sorted(site_dir.rglob("*")):
        rel = path.relative_to(site_dir).as_posix()
        for _, secret in matcher.find(decode(rel.replace("/", " / "))):
            findings.add(Finding(rel, 1, secret.word, secret.origin + " (in the file name)"))
        if not path.is_file():
            continue
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() in trusted:
            continue
        if path.suffix == ".gz":
            with contextlib.suppress(OSError):  # not really gzip: scan the bytes as they are
                data = gzip.decompress(data)
        text = decode(data.decode("utf-8", errors="replace"))
        for offset, secret in matcher.find(text):
            line = text.count("\n", 0, offset) + 1
            findings.add(Finding(rel, line, secret.word, secret.origin))
    return sorted(findings)
