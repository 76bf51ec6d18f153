"""Content-Security-Policy and subresource integrity for the pages of both sites.

Scripts run only from the site itself or, inline, when the theme itself wrote them: each page's
policy lists the hashes of the theme's inline scripts for that page, never 'unsafe-inline'. An
inline script that came from anywhere else (content, an injected title) does not run. The
theme's script and stylesheet tags get `integrity` attributes after the page is rendered
(add_theme_integrity), so a script changed on the host is refused; the templates call nothing,
so any engine renders them.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from collections.abc import Callable, Iterable
from html.parser import HTMLParser
from pathlib import Path

import jinja2

# Script types a browser runs; anything else (application/json: Material's config) is data.
_RUNNABLE = {"", "text/javascript", "application/javascript", "module"}
THEME_SCRIPTS = "partials/javascripts/"  # where Material keeps its inline scripts
# Elements Material's bundle reads its settings from by id: it takes the first in the page, and
# a page's content comes before the theme's own (at the end of <body>).
THEME_DATA_IDS = frozenset({"__config"})


def script_hash(text: str) -> str:
    return "'sha256-" + b64_digest(hashlib.sha256, text.encode("utf-8")) + "'"


def b64_digest(algorithm, data: bytes) -> str:
    return base64.b64encode(algorithm(data).digest()).decode("ascii")


def content_security_policy(script_hashes: Iterable[str], *, sealed: bool) -> str:
    """The policy of a page. Styles may be inline (Material and our templates set `style`
    attributes); scripts may not. A sealed site posts no form anywhere, and its pages fetch
    their search index through a blob: URL made by unlock.js."""
    scripts = " ".join(["'self'", *sorted(set(script_hashes))])
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src {scripts}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self' blob:" if sealed else "connect-src 'self'",
            "worker-src 'self'",
            "manifest-src 'self'",
            "base-uri 'none'",
            "form-action 'none'" if sealed else "form-action 'self'",
            "object-src 'none'",
        ]
    )


def theme_script_templates(theme_dirs: Iterable[str]) -> list[str]:
    """The names of the theme's inline-script partials (listed once per build: the theme's
    folders hold thousands of icons, which listing every template would walk)."""
    names = {p.name for d in theme_dirs for p in (Path(d) / THEME_SCRIPTS).glob("*.html")}
    return [THEME_SCRIPTS + name for name in sorted(names)]


def theme_inline_scripts(env: jinja2.Environment, names: list[str], context: dict) -> set[str]:
    """The inline scripts the theme writes into a page rendered with `context`.

    Material keeps each of them in a partial of its own (`names`); rendered with the page's
    context (base_url, config, features) they are byte for byte what the page holds.
    """
    features = context["config"].theme.get("features", []) if "config" in context else []
    found: set[str] = set()
    for name in names:
        try:
            html = env.get_template(name).render({**context, "features": features})
        except jinja2.TemplateError:  # a partial this theme's pages cannot use as configured
            continue
        found.update(s.text for s in scan(html).scripts if s.inline)
    return found


class _Tag:
    def __init__(self, start: int, end: int, attrs: dict[str, str | None]):
        self.start, self.end, self.attrs = start, end, attrs
        self.text = ""

    @property
    def inline(self) -> bool:
        kind = (self.attrs.get("type") or "").strip().lower()
        return "src" not in self.attrs and kind in _RUNNABLE

    @property
    def url(self) -> str | None:
        return self.attrs.get("src") or self.attrs.get("href")


class _Scan(HTMLParser):
    """Start tags of scripts and stylesheets, with where they sit in the text."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=False)
        self.html = html
        # getpos() counts lines by "\n" alone, as this does
        self.line_starts = [0, *(m.end() for m in re.finditer("\n", html))]
        self.scripts: list[_Tag] = []
        self.stylesheets: list[_Tag] = []
        self.ids: list[str] = []
        self._open: _Tag | None = None
        self.feed(html)
        self.close()

    def _span(self) -> tuple[int, int]:
        line, col = self.getpos()
        start = self.line_starts[line - 1] + col
        return start, start + len(self.get_starttag_text() or "")

    def handle_starttag(self, tag, attrs):
        attrs_map = {k.lower(): v for k, v in attrs}
        if attrs_map.get("id"):
            self.ids.append(attrs_map["id"] or "")
        if tag == "script":
            self._open = _Tag(*self._span(), attrs_map)
            self.scripts.append(self._open)
        elif tag == "link" and "stylesheet" in (attrs_map.get("rel") or "").lower().split():
            self.stylesheets.append(_Tag(*self._span(), attrs_map))

    def handle_data(self, data):
        if self._open is not None:
            self._open.text += data

    def handle_endtag(self, tag):
        if tag == "script":
            self._open = None


def scan(html: str) -> _Scan:
    return _Scan(html)


def inline_scripts(html: str) -> list[str]:
    """The text of every inline script of a page that a browser would run."""
    if not _SCRIPT_TAG.search(html):  # most pages: no need to parse them
        return []
    return [s.text for s in scan(html).scripts if s.inline]


_SCRIPT_TAG = re.compile("<script", re.IGNORECASE)


def theme_data_shadowed(html: str) -> list[str]:
    """Ids in a page's content that would stand in for the theme's settings: an element
    `id="__config"` (a heading titled so, or raw HTML) replaces Material's, whose settings
    then come from the content (search highlighting back on, search fetched elsewhere)."""
    if not any(_could_name(html, name) for name in THEME_DATA_IDS):
        return []  # most pages: no need to parse them
    return sorted({i for i in scan(html).ids if i.strip() in THEME_DATA_IDS})


def _could_name(html: str, name: str) -> bool:
    """Whether an attribute of `html` could read as `name` once its character references are
    decoded. Named references exist for no ASCII letter (html.entities.html5), so a value
    holding a letter of `name` not written as is needs a numeric one ("&#")."""
    letters = name.strip("_")
    return letters in html or "&#" in html


def sri(data: bytes) -> str:
    """A subresource integrity value."""
    return "sha384-" + b64_digest(hashlib.sha384, data)


def add_integrity(html: str, integrity: Callable[[str], str | None]) -> tuple[str, list[str]]:
    """`integrity="..."` on every script and stylesheet for whose address `integrity` has one.

    Returns the HTML and the addresses it had none for (left as they were).
    """
    edits: list[tuple[int, str]] = []
    missing = []
    for url, close in _asset_tags(html):
        value = integrity(url)
        if value is None:
            missing.append(url)
            continue
        edits.append((close, f' integrity="{value}"'))
    for at, text in sorted(edits, reverse=True):
        html = html[:at] + text + html[at:]
    return html, missing


@functools.lru_cache(maxsize=64)
def _asset_tags(html: str) -> tuple[tuple[str, int], ...]:
    """(address, where its integrity attribute goes) of each script and stylesheet tag without
    one. Remembered: the theme writes the same <head> and closing scripts on every page of a
    folder depth, and the internal site's pages each sit in a folder of their own."""
    page = scan(html)
    found = []
    for tag in [*page.scripts, *page.stylesheets]:
        url = tag.url
        if url and "integrity" not in tag.attrs:
            close = tag.end - (2 if html[tag.start : tag.end].endswith("/>") else 1)
            found.append((url, close))
    return tuple(found)


# Material writes its settings, then its script tags, last in <body>: content cannot carry this
# id (theme_data_shadowed refuses it), so the last one starts the theme's own scripts.
_THEME_TAIL = '<script id="__config"'
# The first tag of <head> that may need an attribute: what comes before it (title, meta, the
# canonical address: different on every page) has none.
_FIRST_ASSET = re.compile(r"<script\b|<link\b[^>]*\bstylesheet\b", re.IGNORECASE)


def _theme_spans(html: str) -> tuple[int, int, int] | None:
    """Where the theme's assets start in <head>, where <head> ends and where the theme's own
    scripts start after the content; None for a page the theme did not write."""
    head_end = html.find("</head>")
    tail_start = html.rfind(_THEME_TAIL)
    if head_end < 0 or tail_start < head_end:
        return None
    first = _FIRST_ASSET.search(html, 0, head_end)
    return (first.start() if first else head_end), head_end, tail_start


def add_theme_integrity(
    html: str, integrity: Callable[[str], str | None], done: dict[str, tuple[str, list[str]]]
) -> tuple[str, list[str]]:
    """add_integrity on what the theme writes of a page: its <head> and the scripts after its
    settings, never the content between. `done` memoises both parts, the same on every page of
    a folder depth (the caller keys it by depth): a page costs two dictionary lookups."""
    spans = _theme_spans(html)
    if spans is None:  # not a page of the theme: read it all
        return add_integrity(html, integrity)
    assets_start, head_end, tail_start = spans
    out, missing = [html[:assets_start]], []
    for start, end in ((assets_start, head_end), (tail_start, len(html))):
        part = html[start:end]
        if part not in done:
            done[part] = add_integrity(part, integrity)
        out.append(done[part][0])
        missing += done[part][1]
        if start == assets_start:
            out.append(html[head_end:tail_start])
    return "".join(out), missing


# What a preload may name: a file of the site by a plain relative address (the theme's own).
_PLAIN_ADDRESS = re.compile(r"(?:\.\./)*[A-Za-z0-9_-][A-Za-z0-9_./-]*")


def theme_preloads(html: str) -> tuple[tuple[str, str, str], ...]:
    """("style" or "script", address, integrity) of each stylesheet and classic script the
    theme wrote into a page with an integrity attribute, in the page's order: what a locked page
    fetches while the password's key is derived, so the page it writes finds them loaded.
    Only the theme's parts are read (never the content between), and only plain relative
    addresses are kept."""
    spans = _theme_spans(html)
    if spans is None:
        return ()
    assets_start, head_end, tail_start = spans
    return _preloads(html[assets_start:head_end]) + _preloads(html[tail_start:])


@functools.lru_cache(maxsize=64)
def _preloads(part: str) -> tuple[tuple[str, str, str], ...]:
    page = scan(part)
    tags = [("style", tag) for tag in page.stylesheets]
    tags += [
        ("script", tag)
        for tag in page.scripts
        if "src" in tag.attrs and (tag.attrs.get("type") or "").strip().lower() in _CLASSIC
    ]
    found = []
    for kind, tag in sorted(tags, key=lambda pair: pair[1].start):
        url, value = tag.url or "", tag.attrs.get("integrity") or ""
        if _PLAIN_ADDRESS.fullmatch(url) and value.startswith("sha384-"):
            found.append((kind, url, value))
    return tuple(found)


_CLASSIC = {"", "text/javascript", "application/javascript"}  # a module preloads otherwise
