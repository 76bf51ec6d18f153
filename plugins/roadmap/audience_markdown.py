"""The Markdown extension that decides what the light site shows of a body: the parser that
renders a page is the one that removes its internal callouts, on its own tree.

`AudienceExtension(audience="public")` drops every element the internal site shows as an
internal callout, at any depth, raw HTML included, with the footnotes only they used, and every
HTML comment; `audience="internal"` renders the same elements as marked "Internal" callouts.
Both normalise the characters `str.splitlines()` breaks lines on and Markdown does not, so every
reader of a body (the loader, the text pre-strip, this parser) sees the same lines.
"""

from __future__ import annotations

import functools
import re
import unicodedata
import xml.etree.ElementTree as etree
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from html import escape, unescape
from html.parser import HTMLParser
from typing import Any

import markdown
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import HTML_PLACEHOLDER_RE
from selectolax.lexbor import LexborHTMLParser

AUDIENCES = ("public", "internal")
INTERNAL = "internal"

# mkdocs.yml's `markdown_extensions`, for callers without a MkDocs config (internal_passages,
# tests); tests/test_audience_markdown.py checks it against mkdocs.yml so the two cannot drift.
SITE_EXTENSIONS: tuple[str, ...] = (
    "admonition",
    "attr_list",
    "md_in_html",
    "tables",
    "footnotes",
    "def_list",
    "pymdownx.details",
    "pymdownx.superfences",
    "pymdownx.tasklist",
    "toc",
)
SITE_EXTENSION_CONFIGS: dict[str, dict[str, Any]] = {"toc": {"permalink": True}}

# --- Line separators ------------------------------------------------------------------------------

# What str.splitlines() breaks on beyond \n and \r. Markdown reads them as ordinary characters
# inside a line, so a space in their place changes no Markdown structure, while a line-based
# reader (the text pre-strip, a line counter, a title finder) would otherwise see other lines.
LINE_SEPARATORS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_TO_SPACE = str.maketrans(dict.fromkeys(LINE_SEPARATORS, " "))


def normalise_separators(text: str) -> str:
    """Replace every line separator Markdown does not break on with a space."""
    return text.translate(_TO_SPACE)


# --- What counts as internal ----------------------------------------------------------------------

# Letters that read as the Latin ones of "internal" (Cyrillic, Greek, dotless i); NFKC already
# folds full-width and mathematical letters. Fail closed: a word a reader takes for "internal"
# is internal, even when the author's keyboard or a paste put look-alikes or invisibles in it.
_LOOK_ALIKES = str.maketrans(
    {"і": "i", "ı": "i", "ι": "i", "ɪ": "i", "е": "e", "а": "a", "ӏ": "l", "ո": "n", "т": "t"}
)


def is_internal_word(word: str) -> bool:
    """True when `word`, as a reader sees it, is "internal" (any case, width or look-alike)."""
    text = "".join(c for c in word if unicodedata.category(c) != "Cf")  # zero-width, bidi marks
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = unicodedata.normalize("NFKC", text).casefold().translate(_LOOK_ALIKES)
    return text.strip(".,;:!?'\"()[]{}<>") == INTERNAL


def has_internal_class(classes: str | None) -> bool:
    """True when a class attribute holds a class that reads as `internal`."""
    return bool(classes) and any(is_internal_word(c) for c in classes.split())


# --- Raw HTML -------------------------------------------------------------------------------------

_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr"}
)

# Elements whose content a browser reads as text, not markup (WHATWG raw text and escapable
# raw text elements; noscript and iframe, as when scripts run).
_RAW_TEXT = frozenset(
    {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"}
    | {"noscript", "plaintext"}
)
# Start tags that close an open paragraph (WHATWG "in body"): the element opens beside it.
_CLOSES_P = frozenset(
    {"address", "article", "aside", "blockquote", "center", "details", "dialog", "dir", "div"}
    | {"dl", "fieldset", "figcaption", "figure", "footer", "form", "header", "hgroup", "main"}
    | {"menu", "nav", "ol", "search", "section", "summary", "ul", "pre", "listing", "li", "dd"}
    | {"dt", "table", "xmp", "plaintext", "h1", "h2", "h3", "h4", "h5", "h6"}
)


@dataclass
class _Open:
    """An internal element being removed: its tag and how many of the same tag are open."""

    tag: str
    depth: int = 1
    # A block element opened inside a paragraph: a browser closes the paragraph and puts the
    # element beside it, where it runs on through the blocks that follow, to its end tag.
    hoisted: bool = False
    # A raw-text element (<textarea>, <script>...) opened inside it: a browser reads what
    # follows as text up to that element's end tag, where our tokenizer sees markup; or an
    # internal element opened inside it, which may outlive it. No end tag is trusted any more:
    # it runs to the end of its block (fail closed).
    sealed: bool = False
    # An internal element opened inside it that a browser carries past the end of the block:
    # a formatting element (opened again in each block after) or a block element opened
    # inside a paragraph (put beside it).
    reopens: bool = False
    blocky: bool = False


@dataclass(frozen=True)
class _Token:
    kind: str  # start, end, comment, data, markup (unparsed '<...': fail closed)
    start: int
    tag: str = ""
    attrs: tuple[tuple[str, str | None], ...] = ()
    void: bool = False
    raw: str = ""  # a start tag as written


class _Tokenizer(HTMLParser):
    """The standard library's HTML tokenizer (Python-Markdown's own), with each token's offset."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=False)
        self.html = html
        self.tokens: list[_Token] = []
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", html)]
        self.feed(html)
        self.close()

    def _at(self) -> int:
        line, col = self.getpos()
        return self._line_starts[line - 1] + col

    def handle_starttag(self, tag, attrs):
        raw = self.get_starttag_text() or ""
        self.tokens.append(_Token("start", self._at(), tag, tuple(attrs), tag in _VOID, raw))

    # `<span class="internal"/>` opens a span in HTML: only void elements close themselves.
    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        self.tokens.append(_Token("end", self._at(), tag))

    def handle_comment(self, data):
        self.tokens.append(_Token("comment", self._at()))

    def handle_decl(self, decl):
        self.tokens.append(_Token("comment", self._at()))

    handle_pi = unknown_decl = handle_decl

    def _text(self, *_):
        at = self._at()
        # What the tokenizer could not parse as markup ('<!--' never closed, a tag cut short)
        # is read by browsers as a comment or a tag running to the end: treat it so.
        if re.match(r"<[a-zA-Z/!?]", self.html[at : at + 2]):
            self.tokens.append(_Token("markup", at))
        else:
            self.tokens.append(_Token("data", at))

    handle_data = handle_entityref = handle_charref = _text


def _is_internal_start(token: _Token) -> bool:
    return token.kind == "start" and any(
        name == "class" and has_internal_class(value) for name, value in token.attrs
    )


def filter_html(html: str, open_: _Open | None = None) -> tuple[str, _Open | None]:
    """`html` without its internal elements (with their content) and comments.

    `open_` is an internal element left open by an earlier fragment of the same text flow;
    the result's second part is the one this fragment leaves open (its content runs on).
    Text that cannot be parsed as markup ends the fragment (fail closed).
    """
    tokens = _Tokenizer(html).tokens
    kept: list[str] = []
    for n, token in enumerate(tokens):
        end = tokens[n + 1].start if n + 1 < len(tokens) else len(html)
        if token.kind == "markup":
            return "".join(kept), open_ or _Open("")
        if open_ is not None:
            if token.kind == "start" and token.tag in _RAW_TEXT:
                open_.sealed = True
            if _is_internal_start(token) and not token.void:
                open_.sealed = True
                open_.reopens |= token.tag in _FORMATTING
                open_.blocky |= token.tag in _CLOSES_P
            if token.tag == open_.tag and token.kind == "start" and not token.void:
                open_.depth += 1
            elif token.tag == open_.tag and token.kind == "end" and not open_.sealed:
                open_.depth -= 1
                if open_.depth == 0:
                    open_ = None
            continue
        if token.kind == "comment":
            continue
        if _is_internal_start(token):
            if not token.void:
                open_ = _Open(token.tag)
            continue
        kept.append(html[token.start : end])
    return "".join(kept), open_


def html_text_in_internal(html: str) -> list[str]:
    """The text inside each outermost internal element and each comment of `html`.

    An internal element ends at its end tag or at the end tag of an element it sits in (as
    in a browser: `</blockquote>` closes a `<details>` left open inside it); a block element
    opened inside a paragraph closes the paragraph first, as in a browser, so it runs on
    through the paragraphs after it."""
    tokens = _Tokenizer(html).tokens
    out: list[str] = []
    stack: list[str] = []  # open elements
    base: int | None = None  # stack height at which the internal element being read opened
    parts: list[str] = []
    for n, token in enumerate(tokens):
        raw = html[token.start : tokens[n + 1].start if n + 1 < len(tokens) else len(html)]
        if token.kind == "start" and token.tag in _CLOSES_P and "p" in stack:
            del stack[len(stack) - 1 - stack[::-1].index("p") :]
            if base is not None and len(stack) <= base:
                out.append(" ".join("".join(parts).split()))
                base = None
        if base is None and token.kind == "comment":
            out.append(_comment_text(raw))
        elif base is None and token.kind == "markup":
            out.append(raw)
        elif base is None and _is_internal_start(token):
            if token.void:  # an image's alt text, a title: what a reader of it gets
                out.append(" ".join(_attr_text(token)))
            else:
                base, parts = len(stack), [" ".join(_attr_text(token))]
        elif base is not None and token.kind != "start" and token.kind != "end":
            parts.append(unescape(_comment_text(raw) if token.kind == "comment" else raw))
        elif base is not None:
            parts.append(" " + " ".join(_attr_text(token)) + " ")
        if token.kind == "start" and not token.void:
            stack.append(token.tag)
        elif token.kind == "end" and token.tag in stack:
            del stack[len(stack) - 1 - stack[::-1].index(token.tag) :]
            if base is not None and len(stack) <= base:
                out.append(" ".join("".join(parts).split()))
                base = None
    if base is not None:
        out.append(" ".join("".join(parts).split()))
    return [text for text in out if text]


# --- Block heads ----------------------------------------------------------------------------------

# An admonition or details head as a reader sees one, wider than the two parsers accept
# (`!!! internal"T"`, `!!! іnternal`, `!!! in\u200bternal:`, up to three spaces before it, as
# CommonMark allows for any block, and any invisible or non-breaking space a paste leaves):
# the class part runs to the first quote. Four spaces or more make code, or a child block the
# parser reaches with its indentation removed.
_LOOSE_HEAD = re.compile(
    r"^[ ]{0,3}(?:[^\S \t\n]|[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff])*"
    r'(?P<marker>!!!|\?\?\?\+?)[ \t]*(?P<classes>[^"\n]*)(?P<title>".*)?$'
)
_DASHES = re.compile(r"[-\u2010-\u2015/]")


def _title_says_internal(title: str) -> bool:
    """A callout titled "Internal", "Internal only:", "INTERNAL-ONLY notes"...: its author
    meant it for the internal site, whatever type it was given (fail closed)."""
    first = next(iter(title.split()), "")
    return is_internal_word(first) or is_internal_word(_DASHES.split(first)[0])


class _InternalHeads(BlockProcessor):
    """Rewrites a head that reads as `internal` into the exact form the admonition and details
    parsers take, then lets them run: a callout the author meant as internal is one, on both
    sites, instead of plain text that the light site would publish."""

    def test(self, parent: etree.Element, block: str) -> bool:
        return any(self._canonical(line) not in (None, line) for line in block.split("\n"))

    def run(self, parent: etree.Element, blocks: list[str]) -> bool:
        lines = blocks[0].split("\n")
        blocks[0] = "\n".join(self._canonical(line) or line for line in lines)
        return False  # not handled: the admonition or details processor takes it from here

    @staticmethod
    def _canonical(line: str) -> str | None:
        m = _LOOSE_HEAD.match(line)
        if not m:
            return None
        title = None
        if m["title"] is not None:
            title = m["title"].strip()[1:]
            title = title[:-1] if title.endswith('"') else title
        by_title = title is not None and _title_says_internal(title)
        if not by_title and not any(is_internal_word(w) for w in m["classes"].split()):
            return None
        words = [
            INTERNAL if is_internal_word(w) else w
            for w in m["classes"].split()
            if is_internal_word(w) or re.fullmatch(r"[\w\-]+", w)
        ]
        if by_title:
            words.append(INTERNAL)
        head = f"{m['marker']} {' '.join(dict.fromkeys(words))}"
        return head if title is None else f'{head} "{title}"'


# --- The tree -------------------------------------------------------------------------------------


class _Separators(Preprocessor):
    def __init__(self, md: markdown.Markdown, state: _State):
        super().__init__(md)
        self.state = state

    def run(self, lines: list[str]) -> list[str]:
        self.state.reset()  # the first step of every conversion
        return [normalise_separators(line) for line in lines]


# --- Definitions ----------------------------------------------------------------------------------

# Where a link or image whose only definition is internal points on the light site, until
# _DropInternal keeps the link's words and drops the image.
INTERNAL_REFERENCE = "roadmap-internal-reference:"


@dataclass
class _State:
    """What one conversion learns while parsing: the blocks being parsed (innermost last) and
    the footnotes defined inside internal blocks."""

    open: list[etree.Element]
    footnotes: set[str]

    def reset(self) -> None:
        self.open.clear()
        self.footnotes.clear()

    def inside_internal(self) -> bool:
        return any(has_internal_class(el.get("class")) for el in self.open)


def _track_blocks(md: markdown.Markdown, state: _State) -> None:
    """Keep `state.open` as the stack of elements the block parser is filling: every container
    (admonition, details, list item, quote, md_in_html element, footnote) is parsed through
    parseBlocks with itself as the parent."""
    parse_blocks = md.parser.parseBlocks

    def tracked(parent: etree.Element, blocks: list[str]) -> None:
        state.open.append(parent)
        try:
            parse_blocks(parent, blocks)
        finally:
            state.open.pop()

    md.parser.parseBlocks = tracked


class _Definitions(BlockProcessor):
    """Link reference, footnote and abbreviation definitions hold for the whole document,
    wherever they are written: one written inside an internal block would lend its address,
    title or note to a public link, footnote marker or word. This wraps the processor that
    records them: on the light site a definition made inside an internal block does not exist
    (an earlier public one of the same name stands); on both sites its footnote is marked as
    internal."""

    def __init__(self, wrapped: BlockProcessor, state: _State, kind: str, audience: str):
        super().__init__(wrapped.parser)
        self.wrapped, self.state, self.kind, self.audience = wrapped, state, kind, audience

    def _table(self) -> dict:
        if self.kind == "reference":
            return self.parser.md.references
        if self.kind == "abbr":
            return self.wrapped.abbrs
        return self.wrapped.footnotes.footnotes  # FootnoteExtension's, replaced on reset

    def test(self, parent: etree.Element, block: str) -> bool:
        return self.wrapped.test(parent, block)

    def run(self, parent: etree.Element, blocks: list[str]) -> bool | None:
        inside = self.state.inside_internal()
        if not inside and not (self.kind == "footnote" and self.state.footnotes):
            return self.wrapped.run(parent, blocks)
        table = self._table()
        before = dict(table)
        done = self.wrapped.run(parent, blocks)
        if inside and self.audience == "public":  # an abbreviation undefined inside stays
            table.update((k, v) for k, v in before.items() if k not in table)
        for key, value in list(table.items()):
            if key in before and before[key] is value:
                continue  # not made here
            if not inside:  # a public definition made after an internal one: it stands
                self.state.footnotes.discard(key)
            elif self.kind == "footnote":
                if self.audience == "public" and key in before:
                    table[key] = before[key]
                    continue
                self.state.footnotes.add(key)
                if self.audience == "public":
                    table[key] = ""  # its words never enter the tree
            elif self.kind == "abbr" and self.audience == "public":
                if key in before:
                    table[key] = before[key]
                else:
                    del table[key]
            elif self.audience == "public":
                table[key] = before.get(key, (INTERNAL_REFERENCE, None))
        return done


def _wrap_definitions(md: markdown.Markdown, state: _State, audience: str) -> None:
    registry = md.parser.blockprocessors
    for name in ("reference", "footnote", "abbr"):  # abbr: not in mkdocs.yml, but one line away
        if name in registry:
            # In its own place: Registry says where by name only in its private list.
            priority = next(p.priority for p in registry._priority if p.name == name)
            wrapped = registry[name]
            registry.register(_Definitions(wrapped, state, name, audience), name, priority)


def _footnote_id(md: markdown.Markdown, key: str) -> str | None:
    """The id of footnote `key`'s list item, as the footnotes extension writes it."""
    registry = md.parser.blockprocessors
    processor = registry["footnote"] if "footnote" in registry else None  # noqa: SIM401 (no .get)
    footnotes = getattr(getattr(processor, "wrapped", processor), "footnotes", None)
    return footnotes.makeFootnoteId(key) if footnotes is not None else None


class _DropInternal(Treeprocessor):
    """Light site: removes internal elements, raw HTML ones included, and the footnotes only
    they referenced. Runs at priority 7: after the inline patterns (20, raw HTML is stashed by
    then), the footnotes (50, 15) and attr_list (8, so `{ .internal }` classes are set), and
    before toc (5), so a removed heading never reaches the table of contents, heading ids or
    the search index, and before MkDocs reads the page title (1)."""

    def __init__(self, md: markdown.Markdown, state: _State):
        super().__init__(md)
        self.state = state

    def run(self, root: etree.Element) -> None:
        stash = self.md.htmlStash.rawHtmlBlocks
        self.emptied: list[etree.Element] = []
        self.comment = False  # inside a `<!--` that Markdown left as text
        self._flow(root, None, stash)
        trees = [root]
        for n, entry in enumerate(stash):
            if isinstance(entry, etree.Element):
                self.comment = False
                self._flow(entry, None, stash)
                trees.append(entry)
            elif isinstance(entry, str):
                stash[n] = filter_html(entry)[0]
        for tree in trees:
            self._drop_internal_definitions(tree)
        _prune_footnotes(root)
        self._drop_emptied(root, stash)

    def _drop_internal_definitions(self, tree: etree.Element) -> None:
        """Links and images that only an internal definition gave a target, and footnotes
        defined inside internal blocks (with their markers): a link keeps its words."""
        notes = {f"#{i}" for key in self.state.footnotes if (i := _footnote_id(self.md, key))}
        ids = {n[1:] for n in notes}
        for parent in list(tree.iter()):
            for child in list(parent):
                if child.tag == "a" and child.get("href") == INTERNAL_REFERENCE:
                    _unwrap(parent, child)
                elif (
                    (child.tag == "img" and child.get("src") == INTERNAL_REFERENCE)
                    or child.get("id") in ids  # the footnote's list item
                    or (child.tag == "sup" and _refers_to(child, notes))  # its markers
                ):
                    _remove(parent, child, _before(parent, child))

    def _drop_emptied(self, root: etree.Element, stash: list) -> None:
        """Containers left with nothing in them (a quote that held only an internal block, a
        paragraph that held only internal raw HTML) go too: an empty frame says something
        was there."""
        parents = {child: parent for parent in root.iter() for child in parent}
        todo = [el for el in root.iter() if el.tag in _LEAVES and el.text and len(el) == 0]
        todo += self.emptied
        while todo:
            el = todo.pop()
            parent = parents.get(el)  # None once removed: it may be listed twice
            if parent is None or el.tag not in _EMPTIABLE or len(el) or _has_text(el, stash):
                continue
            del parents[el]
            children = list(parent)
            k = children.index(el)
            _remove(parent, el, children[k - 1] if k else None)
            todo.append(parent)

    def _flow(self, el: etree.Element, open_: _Open | None, stash: list) -> _Open | None:
        """Walk `el` in text order; an internal element opened by raw HTML in its text
        removes everything up to its end tag, or to the end of the block it is in."""
        el.text, open_ = self._text(el.text, open_, stash)
        last: etree.Element | None = None
        for child in list(el):
            code = child.tag in ("code", "pre")
            if (
                open_ is not None
                and open_.hoisted
                and self.md.is_block_level(child.tag)
                and not code
            ):
                # Its end tag may be in this block (a raw `</div>` line): read it for that.
                open_ = self._flow(child, open_, stash)
                child.tail, open_ = self._text(child.tail, open_, stash)
                if open_ is not None:  # all of it was inside
                    _remove(el, child, last)
                    self.emptied.append(el)
                    continue
                self.emptied.append(child)
                last = child
                continue
            if open_ is not None or has_internal_class(child.get("class")) or code and self.comment:
                child.tail, open_ = self._text(child.tail, open_, stash)
                _remove(el, child, last)
                self.emptied.append(el)
                continue
            if self.md.is_block_level(child.tag) and not code:
                in_comment = self.comment
                broken = _breaks_out(child, stash)
                left_open = self._flow(child, None, stash)
                if in_comment or self.comment:
                    self.emptied.append(child)
                # A block ends whatever its text left open, but for formatting elements: a
                # browser opens them again in every block after (fail closed: all of it);
                # and for a block element opened inside a paragraph, which a browser puts
                # beside the paragraph, running on to its end tag or its container's end.
                if left_open is None:
                    pass
                elif left_open.tag in _FORMATTING or left_open.reopens:
                    open_ = left_open
                elif child.tag == "p" and (left_open.tag in _CLOSES_P or left_open.blocky):
                    left_open.hoisted = True
                    open_ = left_open
                elif broken:  # opened outside the block, where its end tag does not reach
                    left_open.hoisted = left_open.sealed = True
                    open_ = left_open
            elif not code:  # code shows its text as text: nothing in it opens or closes
                open_ = self._flow(child, open_, stash)
            child.tail, open_ = self._text(child.tail, open_, stash)
            last = child
        return open_

    def _text(self, text: str | None, open_: _Open | None, stash: list) -> tuple[str | None, Any]:
        if not text:
            return text, open_
        kept: list[str] = []
        at = 0
        for m in [*HTML_PLACEHOLDER_RE.finditer(text), None]:
            kept.append(self._plain(text[at : m.start() if m else len(text)], open_))
            if m is None:
                break
            at = m.end()
            if self.comment:
                continue
            index = int(m.group(1))
            entry = stash[index] if index < len(stash) else ""
            if isinstance(entry, str):
                stash[index], open_ = filter_html(entry, open_)
                kept.append(m.group(0))
            elif open_ is None:
                kept.append(m.group(0))
        return "".join(kept), open_

    def _plain(self, text: str, open_: _Open | None) -> str:
        """Text outside markup. A `<!--` Markdown could not take as a comment (one spanning a
        blank line, or never closed) shows as text on the internal site; the author meant a
        comment, so here it hides everything up to a `-->`, across blocks, as a browser
        would (fail closed)."""
        out: list[str] = []
        while text:
            if self.comment:
                end = text.find("-->")
                if end < 0:
                    break
                text, self.comment = text[end + 3 :], False
            elif open_ is not None:
                break
            else:
                start = text.find("<!--")
                if start < 0:
                    out.append(text)
                    break
                out.append(text[:start])
                text, self.comment = text[start + 4 :], True
        return "".join(out)


# What a browser's "reconstruct the active formatting elements" step reopens.
_FORMATTING = frozenset(
    {"a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong"}
    | {"tt", "u"}
)
# Blocks whose text alone may have been all internal raw HTML.
_LEAVES = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6"})
_EMPTIABLE = frozenset(
    {"p", "blockquote", "li", "ul", "ol", "dl", "dt", "dd", "div", "h1", "h2", "h3", "h4", "h5"}
    | {"h6"}
)


def _breaks_out(el: etree.Element, stash: list) -> bool:
    """True when the raw HTML inside block `el` has an end tag for an element it did not open
    (`</p>`, `</h2>`...): a browser may close `el` there, and what opens after it sits outside,
    beyond the reach of `el`'s own end tag."""
    open_tags: list[str] = []
    for text in _texts(el):
        if text:
            for m in HTML_PLACEHOLDER_RE.finditer(text):
                index = int(m.group(1))
                entry = stash[index] if index < len(stash) else ""
                if not isinstance(entry, str):
                    continue
                for token in _Tokenizer(entry).tokens:
                    if token.kind == "start" and not token.void:
                        open_tags.append(token.tag)
                    elif token.kind == "end" and token.tag in open_tags:
                        del open_tags[len(open_tags) - 1 - open_tags[::-1].index(token.tag) :]
                    elif token.kind == "end":
                        return True
    return False


def _texts(el: etree.Element) -> Iterable[str | None]:
    """The text pieces inside `el`, in document order."""
    yield el.text
    for child in el:
        yield from _texts(child)
        yield child.tail


def _has_text(el: etree.Element, stash: list) -> bool:
    """True when `el` shows any text, its raw HTML placeholders read through the stash."""

    def entry(m: re.Match) -> str:
        index = int(m.group(1))
        value = stash[index] if index < len(stash) else ""
        return value if isinstance(value, str) else "x"

    return bool(HTML_PLACEHOLDER_RE.sub(entry, el.text or "").strip())


def _remove(parent: etree.Element, child: etree.Element, before: etree.Element | None) -> None:
    """Remove `child` but keep the text after it, which belongs to the parent; but for white
    space after white space: a blank line per removed block would count them in the source."""
    tail = child.tail or ""
    parent.remove(child)
    text = (before.tail if before is not None else parent.text) or ""
    if not tail.strip() and (not text or text[-1:].isspace()):
        tail = ""
    if before is not None:
        before.tail = text + tail
    else:
        parent.text = text + tail


def _prune_footnotes(root: etree.Element) -> None:
    """Drop footnote definitions nothing left on the page refers to (a footnote referred to
    only from a dropped one goes too), then number the rest 1, 2, 3 again."""
    for box in [d for d in root.iter("div") if "footnote" in (d.get("class") or "").split()]:
        items = [li for ol in box.iter("ol") for li in ol if li.get("id")]
        refs = {id(li): _refs(li) for li in items}
        in_box = {id(e) for e in box.iter()}
        wanted = {r for e in root.iter() if id(e) not in in_box for r in _refs(e, deep=False)}
        kept: list[etree.Element] = []
        while True:
            kept = [li for li in items if li.get("id") in wanted]
            more = wanted.union(*(refs[id(li)] for li in kept))
            if more == wanted:
                break
            wanted = more
        for ol in list(box.iter("ol")):
            for li in list(ol):
                if li not in kept:
                    ol.remove(li)
        numbers = {li.get("id"): str(n) for n, li in enumerate(kept, start=1)}
        for a in root.iter("a"):
            classes = (a.get("class") or "").split()
            target = (a.get("href") or "").removeprefix("#")
            if "footnote-ref" in classes and target in numbers:
                a.text = numbers[target]
        ids = {e.get("id") for e in root.iter() if e.get("id")}
        for li in kept:
            for parent in list(li.iter()):
                for a in list(parent):
                    if a.tag != "a" or "footnote-backref" not in (a.get("class") or "").split():
                        continue
                    if (a.get("href") or "").removeprefix("#") not in ids:
                        _remove(parent, a, _before(parent, a))  # back to a removed reference
                    elif a.get("title"):
                        title = re.sub(r"\d+", numbers[li.get("id")], a.get("title"), count=1)
                        a.set("title", title)
        if not kept:
            _remove_anywhere(root, box)


def _refers_to(el: etree.Element, targets: set[str]) -> bool:
    """True when `el` holds a footnote marker pointing at one of `targets` ("#fn:x")."""
    return any(
        a.get("href") in targets and "footnote-ref" in (a.get("class") or "").split()
        for a in el.iter("a")
    )


def _unwrap(parent: etree.Element, child: etree.Element) -> None:
    """Replace `child` by its content: its text, its children and its tail stay in place."""
    k = list(parent).index(child)
    text = child.text or ""
    if k:
        parent[k - 1].tail = (parent[k - 1].tail or "") + text
    else:
        parent.text = (parent.text or "") + text
    for n, grandchild in enumerate(list(child)):
        parent.insert(k + 1 + n, grandchild)
    _remove(parent, child, _before(parent, child))


def _before(parent: etree.Element, child: etree.Element) -> etree.Element | None:
    children = list(parent)
    k = children.index(child)
    return children[k - 1] if k else None


def _refs(el: etree.Element, deep: bool = True) -> set[str]:
    nodes = el.iter("a") if deep else ([el] if el.tag == "a" else [])
    return {
        a.get("href", "").removeprefix("#")
        for a in nodes
        if "footnote-ref" in (a.get("class") or "").split()
    }


def _remove_anywhere(root: etree.Element, target: etree.Element) -> None:
    for parent in root.iter():
        children = list(parent)
        if target in children:
            k = children.index(target)
            _remove(parent, target, children[k - 1] if k else None)
            return


class _MarkInternal(Treeprocessor):
    """Internal site: every element the light site drops carries the class `internal` itself,
    so the stylesheet shows it as the "Internal" callout it is (`!!! Internal`, `{ .INTERNAL }`
    and look-alikes included). Same priority as _DropInternal, for the same reasons."""

    def __init__(self, md: markdown.Markdown, state: _State):
        super().__init__(md)
        self.state = state

    def run(self, root: etree.Element) -> None:
        notes = {i for key in self.state.footnotes if (i := _footnote_id(self.md, key))}
        for el in root.iter():
            classes = el.get("class")
            if el.tag == "li" and el.get("id") in notes:
                el.set("class", f"{classes or ''} {INTERNAL}".strip())
            elif has_internal_class(classes) and INTERNAL not in classes.split():
                el.set("class", f"{classes} {INTERNAL}")
        stash = self.md.htmlStash.rawHtmlBlocks
        for n, entry in enumerate(stash):
            if isinstance(entry, str):
                stash[n] = mark_internal_html(entry)
            elif isinstance(entry, etree.Element):
                self.run(entry)


def mark_internal_html(html: str) -> str:
    """Raw HTML with the class `internal` added to each tag whose classes read as internal
    but lack it (`<DIV CLASS=INTERNAL>`): CSS classes match case-sensitively."""
    tokens = _Tokenizer(html).tokens
    out: list[str] = []
    for n, token in enumerate(tokens):
        end = tokens[n + 1].start if n + 1 < len(tokens) else len(html)
        classes = " ".join(v or "" for k, v in token.attrs if k == "class")
        if _is_internal_start(token) and INTERNAL not in classes.split():
            attrs = [(k, v) for k, v in token.attrs if k != "class"]
            attrs.append(("class", f"{classes} {INTERNAL}"))
            written = "".join(f" {k}" if v is None else f' {k}="{escape(v)}"' for k, v in attrs)
            out.append(f"<{token.tag}{written}>" + html[token.start : end][len(token.raw) :])
        else:
            out.append(html[token.start : end])
    return "".join(out)


class _DropLeftovers(Postprocessor):
    """Light site, second layer: the finished HTML read once more by the HTML tokenizer, so an
    internal element or comment that reached the output by any other way is dropped too. Runs
    last (priority 1), after raw HTML (30) and footnotes (25) are put back."""

    def run(self, text: str) -> str:
        return filter_html(text)[0]


class AudienceExtension(Extension):
    """`audience="public"` renders what the light site shows; `"internal"` what sales see."""

    def __init__(self, **kwargs: Any):
        self.config = {"audience": ["public", "public or internal: who the page is rendered for"]}
        super().__init__(**kwargs)
        if self.getConfig("audience") not in AUDIENCES:
            raise ValueError(f"audience must be one of {AUDIENCES}")

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.registerExtension(self)
        audience = self.getConfig("audience")
        state = _State([], set())
        # Before normalize_whitespace (30) and every other preprocessor: nothing reads a line
        # Python would split differently.
        md.preprocessors.register(_Separators(md, state), "roadmap_separators", 40)
        # Ahead of admonition and details (105), which it hands the rewritten head to.
        md.parser.blockprocessors.register(_InternalHeads(md.parser), "roadmap_heads", 106)
        # Extensions listed before this one (footnotes) have registered their processors.
        _track_blocks(md, state)
        _wrap_definitions(md, state, audience)
        if audience == "public":
            md.treeprocessors.register(_DropInternal(md, state), "roadmap_audience", 7)
            md.postprocessors.register(_DropLeftovers(md), "roadmap_leftovers", 1)
        else:
            md.treeprocessors.register(_MarkInternal(md, state), "roadmap_audience", 7)


def makeExtension(**kwargs: Any) -> AudienceExtension:  # Python-Markdown's loading convention
    return AudienceExtension(**kwargs)


# --- Rendering and reading ------------------------------------------------------------------------


def with_audience(extensions: Iterable[Any], audience: str) -> list[Any]:
    """`extensions` with exactly one AudienceExtension, for `audience`: one given by name or
    instance in a config is replaced, since the site, not a YAML list, decides the audience."""
    others = [
        e
        for e in extensions
        if not isinstance(e, AudienceExtension)
        and e not in (EXTENSION_NAME, __name__, f"{__name__}:AudienceExtension")
    ]
    return [*others, AudienceExtension(audience=audience)]


EXTENSION_NAME = "roadmap_audience"  # the `markdown.extensions` entry point in pyproject.toml


def render(
    text: str,
    audience: str,
    extensions: Sequence[Any] = SITE_EXTENSIONS,
    extension_configs: dict[str, dict[str, Any]] | None = None,
) -> str:
    """`text` as one audience's site renders it."""
    if extensions is SITE_EXTENSIONS and extension_configs is None:
        return _site_render(text, audience)
    configs = SITE_EXTENSION_CONFIGS if extension_configs is None else extension_configs
    md = markdown.Markdown(
        extensions=with_audience(extensions, audience), extension_configs=configs
    )
    return md.convert(text)


# Performance only: a body is rendered for the projection's check, the audit's passages and the
# "What clients see" panel; with the site's own extensions each (text, audience) is rendered once
# per process, by one Markdown instance per audience (reset between texts, as Markdown allows).
_SITE_MARKDOWN: dict[str, markdown.Markdown] = {}


def forget_renders() -> None:
    """Drop the memo of site renders, in a process that reads no more of them."""
    _site_render.cache_clear()


@functools.lru_cache(maxsize=1 << 15)
def _site_render(text: str, audience: str) -> str:
    md = _SITE_MARKDOWN.get(audience)
    if md is None:
        md = _SITE_MARKDOWN[audience] = markdown.Markdown(
            extensions=with_audience(SITE_EXTENSIONS, audience),
            extension_configs=SITE_EXTENSION_CONFIGS,
        )
    return md.reset().convert(text)


@dataclass(frozen=True)
class Passage:
    """Text the internal site shows and the light site does not (an internal callout, a
    comment, a footnote only a callout used), with the 1-based line of the body it starts
    near."""

    text: str
    line: int


def internal_passages(
    text: str,
    extensions: Sequence[Any] = SITE_EXTENSIONS,
    extension_configs: dict[str, dict[str, Any]] | None = None,
) -> list[Passage]:
    """Every passage of `text` the light site drops: the runs of words the internal rendering
    shows (text, comments, alt text and titles, in reading order) that the public rendering
    of the same body does not. Read off the two renderings, it agrees with the parser by
    construction, whatever the construct.

    Lines are found by looking for a passage's first word from the previous passage's line
    on: Python-Markdown keeps no source positions, so a line is a pointer for people, not a
    guarantee (a passage that cannot be placed gets the previous one's line).
    """
    text = normalise_separators(text)
    shown = reading(render(text, "internal", extensions, extension_configs))
    kept = reading(render(text, "public", extensions, extension_configs))
    found: list[str] = []
    diff = SequenceMatcher(None, shown, kept, autojunk=False)
    for op, i1, i2, _, _ in diff.get_opcodes():
        run = shown[i1:i2]
        # A footnote renumbered, a permalink sign: runs without a word of two letters.
        if op in ("delete", "replace") and any(re.search(r"[^\W\d_]{2}", w) for w in run):
            found.append(" ".join(run))
    lines = text.split("\n")
    passages, at = [], 0
    for passage in found:
        words = [w for w in re.findall(r"\w{2,}", passage.casefold()) if w != INTERNAL][:3]
        for word in words:
            found_at = next((k for k in range(at, len(lines)) if word in lines[k].casefold()), None)
            if found_at is not None:
                at = found_at
                break
        passages.append(Passage(passage, at + 1))
    return passages


def misread_by_browsers(text: str) -> Passage | None:
    """What the light site would show of `text` that a browser, reading the internal site's
    page, shows inside an internal element; None when there is nothing.

    This extension reads raw HTML with a tokenizer and a model of how browsers nest elements;
    browsers build their tree by the rules of the HTML standard, which have many more cases
    (misnested and implied tags, tables, raw-text elements). Read the internal rendering with
    a parser that follows those rules (Lexbor, through selectolax), drop its internal
    elements, and every word the light site shows must still be there; where one is not, the
    two readings disagree and the build stops (fail closed). Digits are left out: footnotes
    are numbered again on the light site.
    """
    text = normalise_separators(text)
    tree = LexborHTMLParser(f"<!DOCTYPE html><body>{render(text, 'internal')}</body>")
    hidden: set[str] = set()
    for node in [n for n in tree.css(".internal") if not _inside_internal(n)]:
        hidden.update(_dom_words(node))
        node.decompose()
    shown = [w for word in reading(render(text, "public")) for w in _plain_words(word)]
    extra = Counter(w for w in shown if w in hidden) - Counter(_dom_words(tree.body))
    if not extra:
        return None
    first = next(k for k, w in enumerate(shown) if w in extra)
    run = " ".join(shown[first : first + 6])
    words = re.findall(r"\w{2,}", run)[:1]
    lines = text.split("\n")
    line = next((k for k, ln in enumerate(lines) if words and words[0] in ln.casefold()), 0)
    return Passage(run, line + 1)


# A line that marks what follows as internal, in a syntax this Markdown did not read as a block
# (indented or fenced code, a tab of another tool, GitHub's alerts, Pandoc's and MyST's fenced
# divs): shown as text on the light site, with what the author meant to hide after it.
_SHOWN_HEAD = re.compile(
    r"^[\s>*+\-\d.):|]*(?:"
    r'(?:!!!|\?\?\?\+?)[ \t]*(?P<classes>[^"\n]*)(?P<title>".*)?'
    r"|\[!(?P<alert>[^\]\n]*)\]"
    r"|:{3,}[ \t]*\{?[ \t]*\.?(?P<div>[^\s}]*)"
    r")",
)


def internal_heads_shown(text: str, source: str | None = None) -> Passage | None:
    """The first line of the light site's rendering of `text` that marks what follows as
    internal in a form Markdown did not take as an internal block; None when there is none.
    The build stops on one (fail closed): its author meant the lines after it for staff.
    Fenced code (``` or ~~~) is left alone: there the author asked for code, and code stays
    code; indented code is what a block indented too far, or a tab of another tool, becomes."""
    html = render(normalise_separators(text), "public")
    tree = LexborHTMLParser(f"<!DOCTYPE html><body>{html}</body>")
    for fenced in tree.css(".highlight"):  # a fence is code its author asked for: shown as is
        fenced.decompose()
    for line in (tree.body.text(deep=True) if tree.body else "").split("\n"):
        m = _SHOWN_HEAD.match(line)
        if not m:
            continue
        words = (m["classes"] or "").split() + [m["alert"] or "", m["div"] or ""]
        said = any(is_internal_word(w) for w in words)
        if said or (m["title"] and _title_says_internal(m["title"].strip().strip('"'))):
            shown = line.strip()
            lines = (source or text).split("\n")  # the line as written, before any pre-strip
            at = next((k for k, ln in enumerate(lines) if shown[:12] in ln), 0)
            return Passage(shown, at + 1)
    return None


def _inside_internal(node: Any) -> bool:
    """Whether a Lexbor node sits inside another element with the class `internal`."""
    parent = node.parent
    while parent is not None:
        if INTERNAL in (parent.attributes.get("class") or "").split():
            return True
        parent = parent.parent
    return False


def _dom_words(node: Any) -> list[str]:
    """The words a reader of a Lexbor node gets: its text, and the alt and title texts."""
    words = _plain_words(node.text(separator=" "))
    for element in node.traverse():  # elements only
        attributes = element.attributes
        words += [w for k in ("alt", "title") for w in _plain_words(attributes.get(k) or "")]
    return words


def _plain_words(text: str) -> list[str]:
    return [w for w in re.findall(r"\w+", unescape(text).casefold()) if not w.isdigit()]


def reading(html: str) -> list[str]:
    """The words of rendered HTML in reading order, as a reader or a crawler gets them:
    text, comments, and the alt text and titles of tags."""
    tokens = _Tokenizer(html).tokens
    words: list[str] = []
    for n, token in enumerate(tokens):
        raw = html[token.start : tokens[n + 1].start if n + 1 < len(tokens) else len(html)]
        if token.kind == "start":
            if "footnote-backref" not in str(dict(token.attrs).get("class")):
                words += " ".join(_attr_text(token)).split()
        elif token.kind == "comment":
            words += _comment_text(raw).split()
        elif token.kind != "end":
            words += unescape(raw).split()
    return [w for w in words if re.search(r"\w", w)]  # not the permalink and back-link signs


def visible_words(html: str) -> Counter[str]:
    """Every word of rendered HTML a reader or a crawler gets: text, comments, attribute values
    (addresses, alt text, titles), each counted; and each address with the tag and attribute
    that use it ("img src=x.png"), so text that turns into a link or an image is more."""
    words: Counter[str] = Counter()
    tokens = _Tokenizer(html).tokens
    for n, token in enumerate(tokens):
        raw = html[token.start : tokens[n + 1].start if n + 1 < len(tokens) else len(html)]
        text = " ".join(v or "" for _, v in token.attrs) if token.kind == "start" else raw
        words.update(re.findall(r"\w+", unescape(text).casefold()))
        words.update(
            f"{token.tag} {name}={value}"
            for name, value in token.attrs
            if value and name in _ADDRESS_ATTRIBUTES
        )
    return words


# Attributes that make a browser fetch or follow an address.
_ADDRESS_ATTRIBUTES = frozenset(
    {"src", "href", "srcset", "poster", "data", "xlink:href", "action", "formaction"}
    | {"background", "cite", "longdesc", "imagesrcset", "lowsrc", "dynsrc", "ping"}
)


def _attr_text(token: _Token) -> list[str]:
    return [v for k, v in token.attrs if k in ("alt", "title") and v]


def _comment_text(raw: str) -> str:
    return re.sub(r"^<!-*|-*>$", "", raw).strip()


def first_heading(html: str) -> str | None:
    """The text of the first top-level <h1> of rendered HTML (without its permalink)."""
    tokens = _Tokenizer(html).tokens
    depth = 0
    for n, token in enumerate(tokens):
        if token.kind == "start" and not token.void:
            if depth == 0 and token.tag == "h1":
                return _heading_text(html, tokens[n + 1 :])
            depth += 1
        elif token.kind == "end":
            depth = max(depth - 1, 0)
    return None


def starts_with_heading(html: str) -> bool:
    """True when the first element of rendered HTML is an <h1>."""
    first = next((t for t in _Tokenizer(html).tokens if t.kind == "start"), None)
    return first is not None and first.tag == "h1"


def _heading_text(html: str, tokens: list[_Token]) -> str:
    parts: list[str] = []
    skip: _Open | None = None  # the permalink anchor MkDocs' toc adds
    for n, token in enumerate(tokens):
        end = tokens[n + 1].start if n + 1 < len(tokens) else len(html)
        if token.kind == "end" and token.tag == "h1" and skip is None:
            break
        if skip is not None:
            if token.kind == "end" and token.tag == skip.tag:
                skip = None
            continue
        if token.kind == "start" and "headerlink" in (dict(token.attrs).get("class") or ""):
            skip = _Open(token.tag)
        elif token.kind == "data":
            parts.append(unescape(html[token.start : end]))
    return " ".join("".join(parts).split())
