"""Local references: links and images from one content file to another, read twice.

Before rendering, a text scan (linear in the text) finds the targets written in Markdown and raw
HTML, so `roadmap check` can name the line of a missing file and the planner can rewrite each
target to where it lands. After rendering, an HTML parser reads the page as a browser would:
on the light site a file is published only when a tag of the rendered page refers to it.
"""

from __future__ import annotations

import functools
import html
import posixpath
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from .problems import Problem

# Every quantifier below is bounded or stops at a character its start cannot repeat, so each
# starting point costs a bounded amount of work: the scan is linear in the text (10,000
# unmatched '[' or '](' cost no more than 10,000 letters). CommonMark caps labels at 999 chars.
_LABEL = r"[^\]\[]{0,999}"
# A link target: <in angle brackets, spaces allowed> or bare (up to a space, or a bracket that
# cannot be part of it: a bare inline target stops at ')' and '[', ']').
_ANGLED = r"<(?P<a>[^<>\n]{1,4096})>"
# Inline links and images: ](target "title").
_INLINE = re.compile(
    r"\]\([ \t]{0,99}\n?[ \t]{0,99}(?:" + _ANGLED + r"|(?P<t>[^\s<>\[\])]{1,4096}))(?=[\s)])"
)
# Reference definitions: [label]: target (the target may sit on the next line).
_REFDEF = re.compile(
    r"^[ ]{0,3}\[(?P<label>[^\]\[^]" + _LABEL + r")\]:[ \t]{0,99}\n?[ \t]{0,99}"
    r"(?:" + _ANGLED + r"|(?P<t>[^\s<>]{1,4096}))(?=\s|$)",
    re.M,
)
# Attributes that name a resource, in raw HTML and in attribute lists ({ src="..." }).
_ATTRIBUTE = re.compile(
    r"(?<![\w:-])(?P<attr>src|href|srcset|poster|data|xlink:href)[ \t]{0,99}=[ \t]{0,99}"
    r"""(?:"(?P<dq>[^"]{0,8192})"|'(?P<sq>[^']{0,8192})'|(?P<uq>[^\s"'=<>`]{1,4096}))""",
    re.I,
)
_EXTERNAL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//|/|#)")
_DATA = re.compile(r"^\s*data:", re.I)
_FENCE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})", re.M)
_SUFFIX = re.compile(r"[#?]")


@dataclass(frozen=True)
class Ref:
    start: int  # span of the target text
    end: int
    target: str  # as written, e.g. "img/flow.png#x"
    line: int  # 0-based line within the Markdown

    @property
    def is_data(self) -> bool:
        """A `data:` address: a file embedded in the text itself."""
        return bool(_DATA.match(self.target))

    @property
    def written_file(self) -> str:
        """The file part as written (still URL-encoded)."""
        m = _SUFFIX.search(self.target)
        return self.target[: m.start()] if m else self.target

    @property
    def file_part(self) -> str:
        return unquote(self.written_file)

    @property
    def suffix_part(self) -> str:
        m = _SUFFIX.search(self.target)
        return self.target[m.start() :] if m else ""

    @property
    def invalid(self) -> str | None:
        """Why the file part cannot name a file, or None: a control character (NUL...) or a
        %-escape that is not UTF-8."""
        for ch in self.file_part:
            if ch == "\ufffd" and "\ufffd" not in self.written_file:
                return "a %-escape that is not UTF-8"
            if unicodedata.category(ch) in ("Cc", "Cs"):
                return f"the control character U+{ord(ch):04X}"
        return None

    @property
    def shown(self) -> str:
        """The target as written, with control characters spelled out, for messages."""
        return "".join(
            f"\\x{ord(c):02x}" if unicodedata.category(c) in ("Cc", "Cs") else c
            for c in self.target
        )


class _Lines:
    """Line numbers of offsets, by binary search over the line starts: O(log n) each."""

    def __init__(self, text: str):
        self.starts = [m.end() for m in re.finditer("\n", text)]

    def of(self, offset: int) -> int:
        return bisect_right(self.starts, offset)


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


def _srcset_urls(value: str, offset: int) -> Iterable[tuple[int, int]]:
    """Spans of the URLs of a srcset value ("a.png 1x, b.png 2x"), as browsers split it."""
    i, n = 0, len(value)
    while i < n:
        while i < n and (value[i].isspace() or value[i] == ","):
            i += 1
        start = i
        while i < n and not value[i].isspace():
            i += 1
        end = i
        while end > start and value[end - 1] == ",":
            end -= 1
        if end > start:
            yield offset + start, offset + end
        if i < n and value[i - 1] != ",":  # skip the descriptors up to the next candidate
            while i < n and value[i] != ",":
                i += 1


def _targets(markdown: str) -> Iterable[tuple[int, int]]:
    for rx in (_INLINE, _REFDEF):
        for m in rx.finditer(markdown):
            group = "a" if m.group("a") is not None else "t"
            yield m.start(group), m.end(group)
    for m in _ATTRIBUTE.finditer(markdown):
        group = next(g for g in ("dq", "sq", "uq") if m.group(g) is not None)
        if m["attr"].lower() == "srcset":
            yield from _srcset_urls(m.group(group), m.start(group))
        else:
            value = m.group(group)
            lead = len(value) - len(value.lstrip())
            yield m.start(group) + lead, m.start(group) + len(value.rstrip())


def find_refs(markdown: str, *, data: bool = False) -> list[Ref]:
    """Every local reference outside fenced code, in text order; `data:` addresses too if asked.

    Text that Markdown renders as code or drops (a definition nobody uses) is still found: the
    rendered page decides what is published, this scan only where each target lands.
    """
    return list(_find_refs(markdown, data))


@functools.lru_cache(maxsize=1 << 15)  # a body is scanned by the check, the projection, the plan
def _find_refs(markdown: str, data: bool) -> tuple[Ref, ...]:
    fenced = _fenced_spans(markdown)
    fence_starts = [a for a, _ in fenced]
    lines = _Lines(markdown)
    refs: dict[int, Ref] = {}
    for start, end in _targets(markdown):
        target = markdown[start:end]
        if not target.strip() or start in refs:
            continue
        if _DATA.match(target):
            if not data:
                continue
        elif _EXTERNAL.match(target) or not _SUFFIX.split(target, maxsplit=1)[0]:
            continue  # another site, the site root, or this page (#part, ?query)
        k = bisect_right(fence_starts, start) - 1
        if k >= 0 and start < fenced[k][1]:
            continue
        refs[start] = Ref(start, end, target, lines.of(start))
    return tuple(refs[k] for k in sorted(refs))


def resolve(ref: Ref, source: Path) -> Path:
    """The file a reference in `source` points at (may not exist), without following links."""
    return Path(_normalize((source.parent / ref.file_part).as_posix()))


def real_path(path: Path) -> Path | None:
    """`path` with every link followed, or None when that fails (a loop, a NUL byte)."""
    try:
        return path.resolve()
    except (OSError, ValueError, RuntimeError):
        return None


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


# A dropped link keeps its words; a dropped image goes. Bounded like the scan above.
_DROPPED_IMAGE = re.compile(r"!\[" + _LABEL + r"\]\(#\)")
_DROPPED_LINK = re.compile(r"\[(" + _LABEL + r")\]\(#\)")


def rewrite(markdown: str, new_target: Callable[[Ref], str | None], *, data: bool = False) -> str:
    """Replace the file part of each reference with `new_target(ref)` (its #part and ?query
    kept). When it returns None the link is dropped but its text kept; an image is dropped whole.
    With `data`, `data:` addresses are handed to `new_target` too.
    """
    out, last = [], 0
    for ref in find_refs(markdown, data=data):
        target = new_target(ref)
        out.append(markdown[last : ref.start])
        if target is None:
            out.append("#")
        elif ref.is_data:
            out.append(target)
        else:
            out.append(target + ref.suffix_part)
        last = ref.end
    out.append(markdown[last:])
    text = "".join(out)
    text = _DROPPED_IMAGE.sub("", text)
    return _DROPPED_LINK.sub(r"\1", text)


def relative(from_uri: str, to_uri: str) -> str:
    """A relative path between two site source paths, as MkDocs resolves them."""
    from_dir = _parts(from_uri)[:-1]
    to = _parts(to_uri)
    common = 0
    for a, b in zip(from_dir, to[:-1], strict=False):
        if a != b:
            break
        common += 1
    return "/".join([".."] * (len(from_dir) - common) + to[common:])


def _parts(uri: str) -> list[str]:
    """The parts of a site path as PurePosixPath gives them (templates link thousands of times
    a page: plain string work)."""
    return [p for p in uri.split("/") if p and p != "."]


# --- After rendering: what a page's HTML refers to ----------------------------------------------

TOKEN_SCHEME = "roadmap-file"
_TOKEN = re.compile(TOKEN_SCHEME + r":[0-9a-f]{12}-\d+")
# Attributes whose value a browser fetches or follows (srcset: a list of them).
URL_ATTRIBUTES = frozenset(
    {
        "src",
        "href",
        "srcset",
        "poster",
        "data",
        "xlink:href",
        "action",
        "formaction",
        "background",
        "cite",
        "longdesc",
        "manifest",
        "ping",
        "profile",
        "codebase",
        "archive",
        "usemap",
        "icon",
        "lowsrc",
        "dynsrc",
        "imagesrcset",
    }
)


EMBEDDED = (
    "the light site does not embed files in data: addresses",
    "save the image as a file under content/ and link it, so it can be checked and cleaned",
)


@dataclass(frozen=True)
class FileRef:
    """One reference to a file in a page's Markdown, held as a token until the page is rendered:
    the file it may publish (`media`, a site path) or why it may not (`refusal`)."""

    source: Path
    line: int
    written: str  # the target as the author wrote it, for text the token lands in (code)
    media: str | None = None
    refusal: Problem | None = None


@dataclass
class Placed:
    html: str
    used: set[str] = field(default_factory=set)  # media site paths the page refers to
    problems: list[Problem] = field(default_factory=list)


class _Tags(HTMLParser):
    """Start tags of a document with their offsets, as a browser tokenises them."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.lines = [0] + [m.end() for m in re.finditer("\n", text)]
        self.tags: list[tuple[int, str, list[tuple[str, str | None]]]] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        line, col = self.getpos()
        self.tags.append((self.lines[line - 1] + col, self.get_starttag_text() or "", attrs))

    handle_startendtag = handle_starttag


def _urls(name: str, value: str) -> list[str]:
    if name == "srcset" or name.endswith("srcset"):
        return [value[a:b] for a, b in _srcset_urls(value, 0)]
    return [value.strip()]


def place_files(
    html_text: str, page_url: str, refs: dict[str, FileRef], source: tuple[Path, int]
) -> Placed:
    """Resolve the file tokens of one rendered light-site page.

    A token in an address attribute of a tag is a use: it becomes the relative address of the
    published file, or a problem when the file may not be published. A token anywhere else
    (code, text, a comment) is no use and gets back the target as written. An embedded `data:`
    address in any tag is refused: it would carry a file nobody checked (`source` is the
    file and line the page's text comes from, for the message).
    """
    placed = Placed(html_text)
    here = page_url if page_url.endswith("/") or not page_url else posixpath.dirname(page_url)
    edits: list[tuple[int, int, str]] = []
    for offset, raw, attrs in _Tags(html_text).tags:
        used: dict[str, str] = {}
        for name, value in attrs:
            name = name.lower()
            if value is None or name not in URL_ATTRIBUTES:
                continue
            for url in _urls(name, value):
                for token in _TOKEN.findall(url):
                    ref = refs.get(token)
                    if ref is None:
                        continue
                    if ref.refusal is not None:
                        placed.problems.append(ref.refusal)
                    elif ref.media is not None:
                        placed.used.add(ref.media)
                        used[token] = posixpath.relpath(ref.media, here or ".")
                if url.lower().startswith("data:") and not _TOKEN.search(url):
                    placed.problems.append(Problem(*source, *EMBEDDED))
        if used:
            new = _TOKEN.sub(lambda m, used=used: used.get(m.group(), m.group()), raw)
            edits.append((offset, offset + len(raw), new))
    out, last = [], 0
    for start, end, new in edits:
        out.append(html_text[last:start])
        out.append(new)
        last = end
    out.append(html_text[last:])
    # Tokens left are no use (code, text, comments): the words the author wrote come back.
    placed.html = _TOKEN.sub(
        lambda m: html.escape(refs[m.group()].written) if m.group() in refs else m.group(),
        "".join(out),
    )
    return placed


class FileUse:
    """The light site's rendered pages, read one by one: the media files they use and the
    refused files they refer to. `refs` and `sources` are the plan's, by page src_uri."""

    def __init__(self, refs: dict[str, dict[str, FileRef]], sources: dict[str, tuple[Path, int]]):
        self.refs, self.sources = refs, sources
        self.used: set[str] = set()
        self.by_page: dict[str, set[str]] = {}
        self.problems: list[Problem] = []

    def place(self, html_text: str, page_uri: str, page_url: str) -> str:
        """The page's HTML with its file tokens resolved (see place_files)."""
        source = self.sources.get(page_uri, (Path(page_uri), 1))
        placed = place_files(html_text, page_url, self.refs.get(page_uri, {}), source)
        self.use(page_uri, placed.used)
        self.problems += placed.problems
        return placed.html

    def use(self, page_uri: str, media: Iterable[str]) -> None:
        """`page_uri` uses these files (read from its HTML now, or when it was cached)."""
        self.by_page[page_uri] = set(media)
        self.used |= self.by_page[page_uri]
