"""Local references in Markdown: links and images that point at other content files.

The projection uses them to publish a file only to an audience whose pages use it; page
generation rewrites them to where the target lands on the site.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

# Inline links and images: ](target "title"), reference definitions: [id]: target,
# and HTML src/href attributes. Targets with a scheme, a leading '/' or only '#' are not local.
_INLINE = re.compile(r"\]\(\s*<?(?P<t>[^)\s>]+)>?(?:\s+[\"'(][^)]*)?\)")
_REFDEF = re.compile(r"^[ ]{0,3}\[(?P<label>[^\]^][^\]]*)\]:\s*<?(?P<t>\S+?)>?(?:\s|$)", re.M)
# Uses of a reference definition: [text][label], ![alt][label], [label][] and [label].
_REFUSE = re.compile(r"\]\[(?P<label>[^\]]+)\]|\[(?P<short>[^\]^][^\]]*)\](?:\[\])?(?![(:\[])")
_HTML = re.compile(r"""\b(?:src|href)\s*=\s*(?P<q>["'])(?P<t>.*?)(?P=q)""", re.I)
_EXTERNAL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//|/|#)")
_FENCE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})", re.M)


@dataclass(frozen=True)
class Ref:
    start: int  # span of the target text
    end: int
    target: str  # as written, e.g. "img/flow.png#x"
    line: int  # 0-based line within the Markdown

    @property
    def file_part(self) -> str:
        return unquote(re.split(r"[#?]", self.target, maxsplit=1)[0])

    @property
    def suffix_part(self) -> str:
        m = re.search(r"[#?].*$", self.target)
        return m.group(0) if m else ""


def _fenced_spans(markdown: str) -> list[tuple[int, int]]:
    spans, open_at, fence = [], None, ""
    for m in _FENCE.finditer(markdown):
        if open_at is None:
            open_at, fence = m.start(), m.group(1)
        elif m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
            spans.append((open_at, m.end()))
            open_at = None
    if open_at is not None:
        spans.append((open_at, len(markdown)))
    return spans


def _used_labels(markdown: str) -> set[str]:
    return {(m["label"] or m["short"]).strip().casefold() for m in _REFUSE.finditer(markdown)}


def find_refs(markdown: str) -> list[Ref]:
    """Every local reference outside fenced code, in text order.

    A reference definition counts only when something in the text uses its label: one left
    behind by a removed internal block must not publish its file.
    """
    fenced = _fenced_spans(markdown)
    used = _used_labels(markdown)
    refs: dict[int, Ref] = {}
    for rx in (_INLINE, _REFDEF, _HTML):
        for m in rx.finditer(markdown):
            if rx is _REFDEF and m["label"].strip().casefold() not in used:
                continue
            target = m.group("t")
            start = m.start("t")
            if _EXTERNAL.match(target) or not target.strip():
                continue
            if any(a <= start < b for a, b in fenced):
                continue
            refs[start] = Ref(start, m.end("t"), target, markdown.count("\n", 0, start))
    return [refs[k] for k in sorted(refs)]


def resolve(ref: Ref, source: Path) -> Path:
    """The file a reference in `source` points at (may not exist)."""
    return Path(_normalize((source.parent / ref.file_part).as_posix()))


def _normalize(path: str) -> str:
    parts: list[str] = []
    for part in PurePosixPath(path).parts:
        if part == "..":
            if parts and parts[-1] not in ("/", ".."):
                parts.pop()
            else:
                parts.append(part)
        elif part != ".":
            parts.append(part)
    return str(PurePosixPath(*parts)) if parts else "."


def rewrite(markdown: str, source: Path, new_target: Callable[[Path], str | None]) -> str:
    """Replace each local reference with `new_target(resolved path)`.

    When it returns None the link is dropped but its text kept; an image is dropped whole.
    """
    out, last = [], 0
    for ref in find_refs(markdown):
        target = new_target(resolve(ref, source))
        out.append(markdown[last : ref.start])
        out.append(target + ref.suffix_part if target is not None else "#")
        last = ref.end
    out.append(markdown[last:])
    text = "".join(out)
    # Links whose target is not for this audience: keep the words, drop the link.
    text = re.sub(r"!\[[^\]]*\]\(#\)", "", text)
    return re.sub(r"\[([^\]]*)\]\(#\)", r"\1", text)


def relative(from_uri: str, to_uri: str) -> str:
    """A relative path between two site source paths, as MkDocs resolves them."""
    from_dir = PurePosixPath(from_uri).parent
    to = PurePosixPath(to_uri)
    common = 0
    for a, b in zip(from_dir.parts, to.parent.parts, strict=False):
        if a != b:
            break
        common += 1
    ups = [".."] * (len(from_dir.parts) - common)
    return "/".join(ups + list(to.parts[common:]))
