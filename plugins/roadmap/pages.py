"""From a View to the site's pages: generated Markdown (templates/), the nav, files and data.

Where each page lands is decided here: items/<id>.md, themes/<id>.md, shipped.md, timeline.md,
hand-written pages at their path below pages/, the playbook below playbook/, and the files the
pages use below media/ (light site) or inline (internal site, so they travel encrypted).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import mimetypes
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
import yaml
from markupsafe import Markup

from . import history as hist
from .accounts import share_lines
from .asking import fill
from .audience import PUBLIC_ITEM_FIELDS, PublicTheme, View
from .audience_markdown import first_heading, internal_passages, starts_with_heading
from .feeds import FeedSite, feed_files
from .load import PAGES_DIR, PLAYBOOK_DIR, PLAYBOOK_VIEWS
from .media import Published, Refusal, clean, path_refusal
from .model import (
    COMMITMENT_LABELS,
    HIDDEN_STATUSES,
    HORIZON_LABELS,
    HORIZONS,
    NO_HORIZON_STATUSES,
    OPEN_STATUSES,
    STATUS_LABELS,
    Item,
    Theme,
)
from .playbook import (
    ABSENCE,
    ABSENCE_TITLES,
    KIND_HINTS,
    KIND_TITLES,
    Links,
    absence,
    account_uri,
    accounts,
    playbook_pages,
    say_rule,
    serves,
)
from .problems import Problem
from .references import (
    EMBEDDED,
    TOKEN_SCHEME,
    FileRef,
    Ref,
    real_path,
    relative,
    resolve,
    rewrite,
)
from .schema import PUBLIC, Quarter, declared, record_json_schema, spec_of

HORIZON_HINTS = {
    "now": "Being built or about to start",
    "next": "Coming up after what we are building now",
    "later": "On our radar, shape still open",
}
DEFAULT_DISCLAIMER = (
    "This roadmap shows our current plans. It is for information only, is not a commitment "
    "to deliver any feature by any date, and may change without notice. Please do not base "
    "purchasing decisions on it."
)
JSON_VERSION = 1
# The internal site's list of paused and cancelled items, capped on the board as a column is.
STOPPED_LIST = "stopped"
STOPPED_LABEL = ("Paused and cancelled", "Never shown to clients. Do not mention them as coming")
# A list of more cards than this (two screens' worth, about) leaves those off screen unstyled
# and unlaid out until they scroll near (the `rm-lazy` class: CSS content-visibility). Shorter
# lists draw every card at once, so a full-page capture of them shows every card.
LAZY_CARDS = 30


@dataclass(frozen=True)
class Settings:
    """The plugin options that shape pages (see plugin.py for their meaning)."""

    today: date
    feedback_url: str | None = None
    request_url: str | None = None
    client_ask_url: str | None = None
    stale_after_days: int = 90
    use_directory_urls: bool = True
    site_name: str = "Roadmap"
    site_url: str | None = None
    light_site_url: str | None = None  # the light site's address, for links sales send
    board_cards: int = 50  # cards a board column shows before "Show all" (horizons/<h>.md)
    # Internal site: each account's link to its own site (accounts.py), by account id.
    account_links: dict[str, str] = field(default_factory=dict)

    @property
    def links(self) -> Links:
        return Links(
            self.client_ask_url,
            self.light_site_url,
            self.use_directory_urls,
            self.account_links,
            self.today,
        )


class GeneratedPage:
    """A planned page. MkDocs renders `source`, where each of `parts` (HTML the templates write:
    cards, facts, tables) stands as one token paragraph, so Markdown parses bodies and headings
    only (place_parts puts the parts back). `markdown` is the page with its parts in place.

    Made when first asked (`make`), and released once rendered: MkDocs reads one page at a
    time, so the plan no longer holds every page's text at once (67 MB at 3,000 items, a fifth
    of the internal site's process at 10,000).

    `recipe`: a digest of everything its template was given (_Planner._made_key), when every
    value spells itself out; the render cache keys the page by it, so a page found there is
    never made at all (`front`, its front matter, is what MkDocs reads of it then)."""

    def __init__(
        self,
        src_uri: str,
        source: str = "",
        in_nav: bool = True,
        parts: dict[str, str] | None = None,
        make: Callable[[], tuple[str, dict[str, str]]] | None = None,
        recipe: bytes | None = None,
        meta: dict[str, Any] | None = None,
    ):
        self.src_uri, self.in_nav = src_uri, in_nav
        self._made = None if make else (source, parts or {})
        self._make = make
        self.recipe, self.meta = recipe, meta

    @property
    def front(self) -> str:
        """The page's front matter alone: what MkDocs reads of a page the render cache holds."""
        assert self.meta is not None
        return _yaml_front_matter(self.meta)

    def _text(self) -> tuple[str, dict[str, str]]:
        if self._made is None:
            self._made = self._make()
            self._make = None
        return self._made

    @property
    def source(self) -> str:
        return self._text()[0]

    @property
    def parts(self) -> dict[str, str]:
        return self._text()[1]

    @property
    def markdown(self) -> str:
        source, parts = self._text()
        if not parts:
            return source
        return _PART_TOKEN.sub(lambda m: parts.get(m[0], m[0]), source)

    def release(self) -> None:
        """Rendered: its text is read no more."""
        self._made, self._make = ("", {}), None


@dataclass
class SitePlan:
    pages: dict[str, GeneratedPage] = field(default_factory=dict)
    nav: list[Any] = field(default_factory=list)
    data: dict[str, str] = field(default_factory=dict)  # src_uri -> text (roadmap.json)
    # Light site: the files its pages may use, as published (media/<hash>.<ext> -> cleaned
    # bytes), and per page the tokens its Markdown holds in their place until it is rendered
    # (references.place_files); a file no rendered page refers to is not published.
    media: dict[str, bytes] = field(default_factory=dict)
    file_refs: dict[str, dict[str, FileRef]] = field(default_factory=dict)
    sources: dict[str, tuple[Path, int]] = field(default_factory=dict)  # page -> its text's file
    # `mkdocs serve`: each page's text by a digest of everything its template was given, for
    # the next rebuild to take instead of rendering the template again (plan_site's `before`).
    made: dict[bytes, tuple[str, dict[str, str]]] = field(default_factory=dict)


def plan_site(
    view: View,
    settings: Settings,
    render_html: Callable[[str], str],
    history: hist.History | None = None,
    before: dict[bytes, tuple[str, dict[str, str]]] | None = None,
) -> SitePlan:
    """The pages of one audience's site. `before`: the `made` of the plan before (`mkdocs
    serve` keeps it between rebuilds); a page whose template is given the same values again is
    taken from it, and the new plan's `made` is filled. None: nothing is kept (a build)."""
    return _Planner(view, settings, render_html, history or hist.History(), before).plan()


def describe_change(change: hist.Change) -> str:
    """A change in a few words, for the changelogs and the feeds."""
    before, after = change.before, change.after
    if change.kind == hist.ADDED:
        if after in HORIZON_LABELS:
            return f"added to {HORIZON_LABELS[after]}"
        return "added, already shipped" if after == "shipped" else f"added ({after})"
    if change.kind == hist.SHIPPED:
        return "shipped"
    if change.kind == hist.STATUS:
        return f"now {STATUS_LABELS[after]}" + (
            f" (was {STATUS_LABELS[before]})" if before in STATUS_LABELS else ""
        )
    if change.kind == hist.MOVED:
        return f"moved from {HORIZON_LABELS[before]} to {HORIZON_LABELS[after]}"
    if change.kind == hist.REMOVED:
        return "removed from the roadmap"
    if change.kind == hist.LEFT:
        return "left the light site"
    if change.kind == hist.JOINED:
        return "now on the light site"
    if change.kind == hist.TITLE:
        return f"renamed from '{before}'"
    return f"{change.kind} {before or 'not set'} → {after or 'not set'}"


def problems_plan(problems: list[str]) -> SitePlan:
    """The one page `mkdocs serve` shows while the content has problems."""
    listing = html.escape("\n".join(problems))
    text = (
        "---\ntitle: Content problems\n---\n\n# Content problems\n\n"
        f"{len(problems)} problem(s) stop the build. Fix them and save: this page reloads.\n\n"
        f'<pre class="rm-problems">{listing}</pre>\n'
    )
    page = GeneratedPage("index.md", text)
    return SitePlan(pages={"index.md": page}, nav=[{"Problems": "index.md"}])


# --- HTML the templates write ------------------------------------------------------------------


class _Later:
    """HTML made when a template prints it: an item page `mkdocs serve` takes from the rebuild
    before (`reused`) never makes its "What clients see" panel again, a Markdown render and a
    template each. Its repr is a constant: the page's key holds what it is made from (the item
    and its twin, the themes, the settings)."""

    def __init__(self, make: Callable[[], str]):
        self.make: Callable[[], str] | None = make
        self.html = ""

    def __html__(self) -> str:
        if self.make is not None:
            self.html, self.make = self.make(), None
        return self.html

    def __repr__(self) -> str:
        return "_Later()"


class Lifted:
    """HTML parts of one page, lifted out of its Markdown: `{% call html() %}...{% endcall %}`
    in a template. Markdown would parse them again (md_in_html reads every tag, the audience
    extension every raw block): most of an internal page's rendering time went there.

    Each part stands in the Markdown as a paragraph holding one token made from a digest of the
    whole page, parts included, so no text on the page can name a token. Links in parts are
    written as in Markdown (`link()`: relative .md paths) and resolved as MkDocs resolves
    links when the parts are put back.
    """

    def __init__(self):
        self.marker = f"rm{uuid.uuid4().hex}x"  # in no text: random, for this render only
        self.parts: list[str] = []

    def lift(self, caller: Callable[[], str]) -> str:
        self.parts.append(str(caller()).strip())
        return f"\n\n{self.marker}{len(self.parts) - 1}\n\n"

    def split(self, text: str) -> tuple[str, dict[str, str]]:
        """(the text with a token in each part's place, token -> part)."""
        if not self.parts:
            return text, {}

        # One pattern for every marker (compiling one per page cost a millisecond a page).
        def placed(by: Callable[[int], str]) -> Callable[[re.Match], str]:
            return lambda m: by(int(m[2])) if m[1] == self.marker else m[0]

        inline = _MARKER.sub(placed(self.parts.__getitem__), text)
        digest = hashlib.sha256(inline.encode("utf-8", "surrogatepass")).hexdigest()[:24]
        del inline
        source = _MARKER.sub(placed(lambda n: f"rmpart{digest}x{n}"), text)
        return source, {f"rmpart{digest}x{n}": part for n, part in enumerate(self.parts)}


_MARKER = re.compile(r"(rm[0-9a-f]{32}x)(\d+)")  # Lifted.marker and a part's number
_PART_TOKEN = re.compile(r"rmpart[0-9a-f]{24}x\d+")  # a part's place in GeneratedPage.source
_PLACED = re.compile(rf"<p>({_PART_TOKEN.pattern})</p>|{_PART_TOKEN.pattern}")  # ... rendered
# A relative address in a part's href (no scheme, not absolute, not only an #anchor).
_LINK = re.compile(r'(?<=\shref=")([^"#?:/][^"#?:]*)(?=[#?"])')


def place_parts(
    html_text: str,
    parts: dict[str, str],
    url_of: Callable[[str], str | None],
    keep: Callable[[str], str] = lambda part: part,
) -> str:
    """Put each part back where its token paragraph was rendered. `url_of(path)` is the address
    of a .md link of the parts (None: left as it is, as MkDocs leaves a link it cannot find);
    `keep` filters each part first (the light site drops internal elements again).

    A body can swallow the rest of its page as Markdown reads it (an HTML comment it never
    closes, in a blockquote): the parts after it then close the page, in order, where
    Markdown would have lost them."""

    def address(m: re.Match) -> str:
        url = url_of(html.unescape(m[1]))
        return m[1] if url is None else html.escape(url)

    # Where each part goes: the first paragraph that is its token alone, else the first place
    # its token shows. Found in one pass: a page listing thousands of cards holds thousands of
    # parts, and replacing them one after the other copied the page each time (39 of the 382
    # seconds of a 10,000-item internal build).
    spots: dict[str, tuple[int, int, bool]] = {}
    for m in _PLACED.finditer(html_text):
        token, start = (m[1], m.start(1)) if m[1] else (m[0], m.start())
        in_paragraph = bool(m[1]) and token in parts
        while token not in parts and token[-1].isdigit() and token[-2].isdigit():
            token = token[:-1]  # a token followed by digits: the longest that names a part
        if token not in parts:
            continue
        spot = m.span() if in_paragraph else (start, start + len(token))
        known = spots.get(token)
        if known is None or (in_paragraph and not known[2]):
            spots[token] = (*spot, in_paragraph)
    pieces, at = [], 0
    placed = sorted((start, end, token) for token, (start, end, _) in spots.items())
    for start, end, token in placed:
        pieces += [html_text[at:start], _LINK.sub(address, keep(parts[token]))]
        at = end
    pieces.append(html_text[at:])
    lost = [_LINK.sub(address, keep(part)) for token, part in parts.items() if token not in spots]
    html_text = "".join(pieces)
    return "\n".join([html_text, *lost]) if lost else html_text


# --- Markdown-safe text -------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def md_text(value: Any) -> Markup:
    """Plain text for a Markdown context: HTML-escaped, Markdown punctuation backslashed."""
    return Markup(_MD_SPECIAL.sub(r"\\\1", html.escape(str(value), quote=False)))


def href(url: str) -> str:
    """A web address for a Markdown link: what could end the link or open a tag is encoded."""
    return quote(url, safe=":/?#[]@!$&*+,;=%~")


def _yaml_front_matter(meta: dict[str, Any]) -> str:
    meta = {k: v for k, v in meta.items() if v is not None}
    # libyaml's emitter where PyYAML has it (a millisecond a page in pure Python).
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    dumped = yaml.dump(meta, Dumper=dumper, allow_unicode=True, sort_keys=False, width=10_000)
    return f"---\n{dumped}---\n\n"


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("roadmap", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # the package's own templates: no file date to check on each page
    )
    env.filters["md"] = md_text
    env.filters["month"] = lambda ym: date.fromisoformat(f"{ym}-01").strftime("%B %Y")
    env.filters["day"] = lambda d: f"{d.day} {d:%B %Y}"
    env.filters["number"] = lambda n: f"{n:,.0f}"
    env.filters["oneline"] = lambda text: " ".join(str(text).split())
    env.filters["change"] = describe_change
    env.filters["urlq"] = lambda v: quote(str(v), safe="")
    env.filters["href"] = href
    env.globals.update(
        STATUS_LABELS=STATUS_LABELS,
        HORIZON_LABELS=HORIZON_LABELS,
        HORIZON_HINTS=HORIZON_HINTS,
        HORIZONS=HORIZONS,
        LAZY_CARDS=LAZY_CARDS,
        COMMITMENT_LABELS=COMMITMENT_LABELS,
        NO_HORIZON_STATUSES=NO_HORIZON_STATUSES,
        KIND_TITLES=KIND_TITLES,
        KIND_HINTS=KIND_HINTS,
        ABSENCE=ABSENCE,
        ABSENCE_TITLES=ABSENCE_TITLES,
        absence_of=lambda item: absence(item) or "theme",
        say_rule=say_rule,
        account_uri=account_uri,
        made_card=_made_card,
    )
    return env


# The planner whose template is rendering, for the cards it has made (_Planner.card).
_RENDERING: ContextVar[_Planner | None] = ContextVar("rendering", default=None)


def _made_card(card_html, item, link, internal: bool, themes) -> Markup:
    planner = _RENDERING.get()
    if planner is None:  # a template rendered outside a plan
        return card_html(item, link, internal, themes)
    return planner.card(card_html, item, link, internal, themes)


_ENV = _env()


def keep_compiled(cache: jinja2.BytecodeCache | None) -> None:
    """Where the planner's templates are compiled to, between processes (`roadmap build`)."""
    _ENV.bytecode_cache = cache


class _Planner:
    def __init__(
        self,
        view: View,
        settings: Settings,
        render_html: Callable[[str], str],
        history: hist.History,
        before: dict[bytes, tuple[str, dict[str, str]]] | None = None,
    ):
        self.view, self.settings, self.render_html = view, settings, render_html
        self.history = history
        self.before = before
        self.internal = view.audience == "internal"
        self.plan_ = SitePlan()
        self.themes = {t.id: t for t in view.themes}
        # What every template is given besides its own values (_made_key).
        self.given = repr((self.internal, view.account_name, self.themes, settings))
        # Where the project sits is no part of any page: a copy of it finds its pages again.
        self.place = str(view.content_dir) if view.content_dir.is_absolute() else None
        self.items = {i.id: i for i in view.items}
        # Lookups every item page needs, made once: a roadmap of 10,000 items stays linear.
        self.needed_by: dict[str, list] = {}
        for i in view.items:
            for dep in getattr(i, "depends_on", ()):
                self.needed_by.setdefault(dep, []).append(i)
        self.by_theme: dict[str, list] = {}
        for i in view.items:
            self.by_theme.setdefault(i.theme, []).append(i)
        self.item_src = {i.path.resolve(): f"items/{i.id}.md" for i in view.items}
        self.page_src = {p.path.resolve(): self._page_uri(p) for p in (*view.pages, *view.playbook)}
        self.publishable: dict[tuple[Path, str], Published | Refusal] = {}
        self.tokens: list[str] = []
        # Cards made in this plan (card()), and each item's digest for their keys in previews.
        self.cards: dict[tuple, tuple[Any, Markup]] = {}
        self.unmade = 0  # pages not made yet but item pages and account briefs (no card there)
        self.digests: dict[int, tuple[Any, str | None]] = {}
        # Tokens carry a digest of every body: text cannot name a token it does not yet hold,
        # so no page can borrow another reference's token (say, one inside an internal block).
        bodies = "\0".join(t.body for t in (*view.items, *view.pages, *view.playbook))
        self.nonce = hashlib.sha256(bodies.encode("utf-8", "surrogatepass")).hexdigest()[:12]
        if self.internal:  # hand-written pages may link to the generated playbook views
            playbook_dir = (view.content_dir / PLAYBOOK_DIR).resolve()
            for name in PLAYBOOK_VIEWS:
                self.page_src[playbook_dir / name] = f"{PLAYBOOK_DIR}/{name}"

        # The light site's history is read from its own projection; the internal one from all.
        self.public_changes = [] if self.internal else hist.public_changes(history, view)
        self.item_changes = hist.by_item(hist.internal_changes(history)) if self.internal else {}

    # Where things land ---------------------------------------------------------------------

    @staticmethod
    def _page_uri(page) -> str:
        return page.rel if page.section == PAGES_DIR else f"{PLAYBOOK_DIR}/{page.rel}"

    def _page_at(self, path: Path) -> str | None:
        real = real_path(path)
        return (self.item_src.get(real) or self.page_src.get(real)) if real else None

    def _target(self, from_uri: str, thing) -> Callable[[Ref], str | None]:
        """How a reference in `thing`'s body, on the page at `from_uri`, is rewritten."""

        def new_target(ref: Ref) -> str | None:
            if ref.is_data:
                return ref.target if self.internal else self._token(from_uri, thing, ref, None)
            if ref.invalid:
                return None  # check reports it
            path = resolve(ref, thing.path)
            uri = self._page_at(path)
            if uri:
                return relative(from_uri, uri)
            if path.suffix.lower() in (".md", ".markdown"):
                return None  # a page this audience does not see
            if self.internal:
                real = real_path(path)
                return _data_uri(real) if real in self.view.files else None
            return self._token(from_uri, thing, ref, self._publishable(path, ref))

        return new_target

    def _publishable(self, path: Path, ref: Ref) -> Published | Refusal:
        """The file as the light site would publish it, or why it may not (cached per file)."""
        key = (path, ref.file_part)
        if key not in self.publishable:
            refusal = path_refusal(path, self.view.content_dir, ref.file_part)
            if refusal is None and real_path(path) not in self.view.files:
                refusal = Refusal(f"'{ref.file_part}' is not a file of the light site", "")
            try:
                self.publishable[key] = refusal or clean(path, ref.file_part)
            except Refusal as e:
                self.publishable[key] = e
        return self.publishable[key]

    def _token(self, from_uri: str, thing, ref: Ref, outcome: Published | Refusal | None) -> str:
        """A placeholder address for one file reference of the light site (see SitePlan)."""
        token = f"{TOKEN_SCHEME}:{self.nonce}-{len(self.tokens)}"
        self.tokens.append(token)
        line = thing.body_line + ref.line
        written = ref.target if ref.is_data else ref.written_file
        if outcome is None:
            outcome = Refusal(*EMBEDDED)
        if isinstance(outcome, Published):
            self.plan_.media[outcome.site_path] = outcome.data
            file_ref = FileRef(thing.path, line, written, media=outcome.site_path)
        else:
            problem = Problem(thing.path, line, outcome.message, outcome.hint)
            file_ref = FileRef(thing.path, line, written, refusal=problem)
        self.plan_.file_refs.setdefault(from_uri, {})[token] = file_ref
        return token

    def _body(self, thing, from_uri: str) -> str:
        self.plan_.sources[from_uri] = (thing.path, thing.body_line)
        return rewrite(thing.body, self._target(from_uri, thing), data=not self.internal)

    def _add(
        self,
        uri: str,
        template: str,
        meta: dict[str, Any],
        in_nav: bool = True,
        reused: bool = False,
        **ctx,
    ):
        """Plan a page from a template. `reused` (item pages: a thousand at 1,000 items, each
        given a few values; a list page is given hundreds of items, whose digest costs more
        than its template): keyed by what it is given (the page's `recipe`), so the render
        cache finds it without making it, and a preview takes its text from `before`."""
        key = self._made_key(uri, template, meta, ctx) if reused else None
        made = self.before.get(key) if key is not None and self.before is not None else None
        if made is not None:
            self.plan_.made[key] = made
            self.plan_.pages[uri] = GeneratedPage(
                uri, made[0], in_nav, made[1], recipe=key, meta=meta
            )
            return

        def make() -> tuple[str, dict[str, str]]:
            text = self._render(uri, template, meta, ctx)
            if key is not None and self.before is not None:
                self.plan_.made[key] = text
            if not reused:
                self.unmade -= 1
                if not self.unmade:  # no page left that could show a card
                    self.cards.clear()
            return text

        if not reused:
            self.unmade += 1
        self.plan_.pages[uri] = GeneratedPage(uri, in_nav=in_nav, make=make, recipe=key, meta=meta)

    def _made_key(self, uri: str, template: str, meta: dict, ctx: dict) -> bytes | None:
        """A digest of everything a page's template is given, as values: a one-item edit
        renders that item's page again, not 1,000 of them (the template's own text and the
        plugin's code are in the render cache's key, and a preview's plan is of one code).
        None when a value has no repr that spells it out (the default `<... object at 0x...>`
        names a place in memory, which a later object reuses): such a page is always made and
        keyed by its text."""
        values = sorted((name, self._spelled(value)) for name, value in ctx.items())
        given = self._unplaced(repr((self.given, uri, template, meta, values)))
        if " at 0x" in given:
            return None
        return hashlib.sha256(given.encode("utf-8", "surrogatepass")).digest()

    def _unplaced(self, spelled: str) -> str:
        return spelled.replace(self.place, "<content>") if self.place else spelled

    def card(self, card_html, item, link, internal: bool, themes) -> Markup:
        """An item's card (the card_html macro), made once per item and set of addresses it
        links to: the board, the horizons' and themes' pages and the playbook show the same
        cards (2,207 of them on a 1,000-item internal site, a third of the planning time of a
        preview's rebuild). In a preview it is kept for the next rebuild, keyed by a digest of
        the item (a one-item edit makes one card again); in a build, by the item itself."""
        links = [link(f"items/{item.id}.md"), link("index.md")]
        if internal:
            links += [link(account_uri(c.account)) for c in item.customers]
        given = (internal, themes[item.theme].title, *map(str, links))
        if self.before is None:
            key: tuple = (id(item), *given)
            found = self.cards.get(key)
            if found is not None and found[0] is item:  # id() alone could name a later item
                return found[1]
            made = card_html(item, link, internal, themes)
            self.cards[key] = (item, made)
            return made
        digest = self._digest(item)
        if digest is None:
            return card_html(item, link, internal, themes)
        spelled = repr(("card", self.given, digest, given)).encode("utf-8", "surrogatepass")
        made_key = hashlib.sha256(spelled).digest()
        kept = self.plan_.made.get(made_key) or self.before.get(made_key)
        if kept is None:
            kept = (str(card_html(item, link, internal, themes)), {})
        self.plan_.made[made_key] = kept  # a card is a text without parts
        return Markup(kept[0])

    def _spelled(self, value: Any) -> Any:
        """A page's value for its key: an item (or a list of them) by its digest, spelled
        once per plan however many pages it is given to (the item, what it depends on, what
        needs it, its light twin)."""
        if isinstance(value, Item):
            digest = self._digest(value)
            return ("item", digest) if digest is not None else value  # value: " at 0x"
        if isinstance(value, list) and value and isinstance(value[0], Item):
            return [self._spelled(v) for v in value]
        return value

    def _digest(self, item) -> str | None:
        """A digest of everything an item holds (None when its repr names a place in memory)."""
        found = self.digests.get(id(item))
        if found is None or found[0] is not item:
            spelled = self._unplaced(repr(item))
            digest = None
            if " at 0x" not in spelled:
                digest = hashlib.sha256(spelled.encode("utf-8", "surrogatepass")).hexdigest()
            found = self.digests[id(item)] = (item, digest)
        return found[1]

    def _render(
        self, uri: str, template: str, meta: dict[str, Any], ctx: dict[str, Any]
    ) -> tuple[str, dict[str, str]]:
        lifted = Lifted()
        rendering = _RENDERING.set(self)
        try:
            body = self._template(template, uri, lifted, ctx)
        finally:
            _RENDERING.reset(rendering)
        front = _yaml_front_matter(meta)
        source, parts = lifted.split(body)
        return front + source, parts

    def _template(self, template: str, uri: str, lifted: Lifted, ctx: dict[str, Any]) -> str:
        return _ENV.get_template(template).render(
            internal=self.internal,
            # Feeds are the light site's: an account's site is sealed, a feed reader could
            # not open its feeds.
            feeds=not self.internal and not self.view.account_name,
            link=lambda to: relative(uri, to),
            themes=self.themes,
            settings=self.settings,
            html=lifted.lift,
            cap=self.settings.board_cards,
            # A page's address as printed on paper (text, where link() is for href).
            address=lambda to: self._href("index.md", to),
            **ctx,
        )

    # The pages -------------------------------------------------------------------------------

    def plan(self) -> SitePlan:
        view = self.view
        board = [i for i in view.items if i.status in OPEN_STATUSES]
        shipped = sorted(
            (i for i in view.items if i.status == "shipped"),
            key=lambda i: (str(i.shipped), i.title.casefold()),
            reverse=True,
        )
        self._home(board, shipped)
        self._horizons(board)
        for item in view.items:
            uri = f"items/{item.id}.md"
            self._add(
                uri,
                "item.md.j2",
                {"title": item.title, "description": item.summary},
                in_nav=False,
                reused=True,
                item=item,
                body=self._body(item, uri),
                **self._item_context(item),
            )
        nav: list[Any] = [{"Roadmap": "index.md"}]
        if self.internal:
            self._add(
                "timeline.md",
                "timeline.md.j2",
                {"title": "Timeline", "hide": ["navigation", "toc"]},
                **self._timeline(board),
            )
            nav.append({"Timeline": "timeline.md"})
        if view.themes:
            overview = self._themes_overview(shipped)
            nav.append({"Themes": [overview] + [self._theme(t, shipped) for t in view.themes]})
        months = [(m, list(g)) for m, g in groupby(shipped, key=lambda i: str(i.shipped)[:7])]
        self._add(
            "shipped.md",
            "shipped.md.j2",
            {"title": "Recently shipped", "hide": ["navigation", "toc"], "search": hist.LISTING},
            months=months,
        )
        nav.append({"Recently shipped": "shipped.md"})
        nav += self._requested(
            hist.pages(
                view,
                self.history,
                self.settings.today,
                self.settings.stale_after_days,
                self.public_changes,
            )
        )
        nav += [self._hand_written(page) for page in view.pages if page.rel != "index.md"]
        if self.internal:
            # The generated views first, so the Playbook tab opens on the overview.
            planned, playbook_nav = playbook_pages(view, self.settings.links, self._body)
            for page in planned:
                self._add(
                    page.src_uri,
                    page.template,
                    page.meta,
                    page.in_nav,
                    page.reused,
                    **page.context,
                )
            playbook_nav += [self._hand_written(p) for p in view.playbook if p.rel != "index.md"]
            nav.append({"Playbook": playbook_nav})
        self.plan_.nav = nav
        if not self.internal and not view.account_name:  # an account's files are sealed
            site = FeedSite(self.settings.site_name, self.settings.site_url, self.settings.today)
            self.plan_.data.update(
                feed_files(view, self.public_changes, site, describe_change, self._href)
            )
            self.plan_.data["roadmap.json"] = self._roadmap_json()
            self.plan_.data["roadmap.schema.json"] = (
                json.dumps(roadmap_json_schema(), indent=2, ensure_ascii=False) + "\n"
            )
        return self.plan_

    def _requested(self, requests: list[hist.PageRequest]) -> list[dict[str, str]]:
        """Pages other modules ask for: rendered here, like every generated page."""
        nav = []
        for r in requests:
            self._add(r.uri, r.template, r.meta, in_nav=r.nav is not None, **r.context)
            if r.nav:
                nav.append({r.nav: r.uri})
        return nav

    def _url(self, uri: str) -> str:
        """The address MkDocs gives a source path, relative to the site's root."""
        if not uri.endswith(".md"):
            return uri
        stem = uri.removesuffix(".md")
        if stem == "index" or stem.endswith("/index"):
            return stem.removesuffix("index")
        return f"{stem}/" if self.settings.use_directory_urls else f"{stem}.html"

    def _href(self, from_uri: str, to_uri: str) -> str:
        """How a file at `from_uri` that is not a page (a feed) addresses `to_uri`."""
        url = self._url(to_uri)
        if self.settings.site_url:
            return self.settings.site_url.rstrip("/") + "/" + url
        return "../" * from_uri.count("/") + url or "./"

    def _home(self, board: list, shipped: list) -> None:
        view = self.view
        home = next((p for p in view.pages if p.rel == "index.md"), None)
        rendered = self.render_html(home.body) if home else ""
        title = self._title(home, rendered) if home else "Roadmap"
        recent, stopped = shipped[:3], self._stopped(view.items)
        shown = [*board, *recent, *stopped]  # every card on the page, which the filters count
        self._add(
            "index.md",
            "home.md.j2",
            {
                "title": title,
                "description": home.description if home else None,
                "hide": ["navigation", "toc"],
                "search": hist.LISTING,
            },
            intro=self._body(home, "index.md") if home else "",
            has_heading=starts_with_heading(rendered),
            title=title,
            columns={h: [i for i in board if i.horizon == h] for h in HORIZONS},
            recent=recent,
            stopped=stopped,
            request=fill(self.settings.request_url) if not self.internal else None,
            **self._filters(shown),
        )

    def _filters(self, shown: list) -> dict[str, Any]:
        """The filter bar's choices for a page of cards: what its cards hold (every card the
        page stands for, the ones a capped column leaves to horizons/<h>.md included)."""
        return {
            "filter_themes": [t for t in self.view.themes if any(i.theme == t.id for i in shown)],
            "filter_statuses": [s for s in STATUS_LABELS if any(i.status == s for i in shown)],
            "filter_customers": sorted(accounts(shown), key=lambda a: a.name.casefold())
            if self.internal
            else [],
            "total": len(shown),
        }

    def _horizons(self, board: list) -> None:
        """horizons/<h>.md: every open card of one horizon, in the board's order, with the
        board's filters; where a capped column's "Show all" leads, and what board.js fetches to
        fill the column in place. The internal site adds horizons/stopped.md (paused and
        cancelled). Made whatever the board's size, so links to them always lead somewhere;
        out of the nav and of search, as the board is."""
        lists = [(h, HORIZON_LABELS[h], HORIZON_HINTS[h]) for h in HORIZONS]
        lists += [(STOPPED_LIST, *STOPPED_LABEL)] if self.internal else []
        for key, label, hint in lists:
            items = (
                self._stopped(self.view.items)
                if key == STOPPED_LIST
                else [i for i in board if i.horizon == key]
            )
            self._add(
                f"horizons/{key}.md",
                "horizon.md.j2",
                {"title": label, "hide": ["navigation", "toc"], "search": hist.LISTING},
                in_nav=False,
                key=key,
                label=label,
                hint=hint,
                items=items,
                **self._filters(items),
            )

    def _theme(self, theme, shipped: list) -> dict[str, str]:
        uri = f"themes/{theme.id}.md"
        theirs = self.by_theme.get(theme.id, [])
        open_items = [i for i in theirs if i.status in OPEN_STATUSES]
        self._add(
            uri,
            "theme.md.j2",
            {"title": theme.title, "description": theme.summary, "search": hist.LISTING},
            theme=theme,
            columns={h: [i for i in open_items if i.horizon == h] for h in HORIZONS},
            shipped=[i for i in shipped if i.theme == theme.id],
            stopped=self._stopped(theirs),
        )
        return {theme.title: uri}

    def _themes_overview(self, shipped: list) -> dict[str, str]:
        """themes/index.md: every theme with what it holds, where the "Themes" tab leads."""
        rows = []
        for theme in self.view.themes:
            theirs = [i for i in self.by_theme.get(theme.id, []) if i.status in OPEN_STATUSES]
            counts = {h: sum(i.horizon == h for i in theirs) for h in HORIZONS}
            rows.append((theme, counts, sum(i.theme == theme.id for i in shipped)))
        self._add(
            "themes/index.md",
            "themes.md.j2",
            {
                "title": "Themes",
                "description": "The parts of the product the roadmap covers.",
                "hide": ["toc"],
                "search": hist.LISTING,
            },
            rows=rows,
        )
        return {"All themes": "themes/index.md"}

    def _stopped(self, items) -> list:
        """Paused and cancelled items: listed on the internal site only."""
        return [i for i in items if i.status in HIDDEN_STATUSES] if self.internal else []

    def _hand_written(self, page) -> dict[str, str]:
        uri = self._page_uri(page)
        rendered = self.render_html(page.body)
        title = self._title(page, rendered)
        self._add(
            uri,
            "page.md.j2",
            {"title": title, "description": page.description},
            title=title,
            # The page shows its title as a heading unless its body starts with one.
            has_heading=starts_with_heading(rendered),
            body=self._body(page, uri),
        )
        return {title: uri}

    @staticmethod
    def _title(page, rendered: str) -> str:
        """The page's `title`, else the first heading of its body as the light site renders
        it (`rendered`): a heading inside a comment or an internal block never names a page,
        on either site (nav, <title>, search, the 404 page)."""
        if page.title:
            return page.title
        heading = first_heading(rendered)
        if heading:
            return heading
        stem = Path(page.rel).stem
        if stem == "index":
            parent = Path(page.rel).parent.name
            stem = parent or ("Playbook" if page.section == PLAYBOOK_DIR else "Home")
        return stem.replace("-", " ").replace("_", " ").capitalize()

    def _item_context(self, item) -> dict[str, Any]:
        light = not self.internal
        ctx: dict[str, Any] = {
            "feedback": fill(self.settings.feedback_url, item) if light else None,
            "request": fill(self.settings.request_url, item) if light else None,
        }
        if not self.internal:
            return ctx
        needed_by = self.needed_by.get(item.id, [])
        twin = self.view.twins.get(item.id)
        age = hist.review_of(item, self.view.content_dir, self.history, self.settings.today).age
        ctx.update(
            rule=say_rule(item),
            serves=serves(self.view.strategy, item),
            depends=[self.items[d] for d in item.depends_on],
            needed_by=needed_by,
            stale=age is not None and age > self.settings.stale_after_days,
            review_age=age,
            arr_total=sum(c.arr or 0 for c in item.customers),
            client_ask=fill(self.settings.client_ask_url, item),
            twin=twin,
            twin_html=_Later(lambda: self._client_view_html(twin, item)) if twin else "",
            hidden=absence(item) or "theme",
            hidden_reason=ABSENCE[absence(item) or "theme"],
            light_url=self.settings.links.light(twin.id) if twin else None,
            history=self.item_changes.get(item.id, []),
            shares=share_lines(item, self.view.accounts, self.settings.today),
        )
        return ctx

    def _client_view_html(self, twin, item) -> Markup:
        """The light site's own page for an item, for the internal "What clients see" panel.

        Rendered from the same template as the light site, then to HTML here rather than by
        MkDocs, so its headings stay out of the page's TOC; links become plain text, since
        light-site addresses mean nothing on the internal site. The description, already on
        the page above, is folded away, and left out where it is the same word for word.
        """
        uri = f"items/{twin.id}.md"
        same = twin.body.strip() == item.body.strip() and not internal_passages(item.body)
        lifted = Lifted()
        if same:
            body = '<p class="rm-client-view__same">Their description is the one above.</p>'
        else:
            # The body rendered on its own and put in as HTML: inside `markdown="1"` md_in_html
            # read it again, tag by tag.
            rendered = (
                '<details class="rm-client-view__body">\n'
                "<summary>Their description: the one above without its internal parts</summary>\n"
                f"{self.render_html(rewrite(twin.body, lambda ref: None))}\n</details>"
            )
            body = lifted.lift(lambda: rendered)
        markdown = _ENV.get_template("item.md.j2").render(
            internal=False,
            link=lambda to: relative(uri, to),
            themes={t.id: t for t in self.view.public.themes},
            settings=self.settings,
            html=lifted.lift,
            item=twin,
            body=body,
            feedback=fill(self.settings.feedback_url, twin),
            request=fill(self.settings.request_url, twin),
        )
        source, parts = lifted.split(markdown)
        rendered = place_parts(self.render_html(source), parts, lambda path: None)
        rendered = re.sub(r'<a class="headerlink"[^>]*>.*?</a>', "", rendered, flags=re.S)
        rendered = re.sub(r"<a\b([^>]*)>(.*?)</a>", _unlink, rendered, flags=re.S)
        rendered = re.sub(r'\sid="[^"]*"', "", rendered)
        return Markup(rendered)

    def _timeline(self, board: list[Item]) -> dict[str, Any]:
        dated = [i for i in board if i.target]
        quarters: list[Quarter] = []
        if dated:
            first = min(i.target.quarter for i in dated)
            last = max(i.target.quarter for i in dated)
            q = first
            while q <= last:
                quarters.append(q)
                q = Quarter(q.year + q.q // 4, q.q % 4 + 1)
        undated = [h for h in HORIZONS if any(i.horizon == h and not i.target for i in board)]
        lanes = [str(q) for q in quarters] + [f"no-target-{h}" for h in undated]
        rows = []
        for theme in self.view.themes:
            theirs = [i for i in board if i.theme == theme.id]
            if not theirs:
                continue
            cells = {lane: [] for lane in lanes}
            for i in theirs:
                lane = str(i.target.quarter) if i.target else f"no-target-{i.horizon}"
                cells[lane].append(i)
            rows.append((theme, cells))
        current = str(Quarter.of(self.settings.today))
        return {
            "undated": undated,
            "quarters": [str(q) for q in quarters],
            "lanes": lanes,
            "rows": rows,
            "current": current,
        }

    def _roadmap_json(self) -> str:
        def url(uri: str) -> str:
            stem = uri.removesuffix(".md")
            return f"{stem}/" if self.settings.use_directory_urls else f"{stem}.html"

        data = {
            "version": JSON_VERSION,
            "generated": self.settings.today.isoformat(),
            "themes": [
                {
                    "id": t.id,
                    "title": t.title,
                    "summary": t.summary,
                    "url": url(f"themes/{t.id}.md"),
                }
                for t in self.view.themes
            ],
            "items": [
                {
                    "id": i.id,
                    **{name: _jsonable(getattr(i, name)) for name in PUBLIC_ITEM_FIELDS},
                    "url": url(f"items/{i.id}.md"),
                }
                for i in self.view.items
            ],
        }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _unlink(m: re.Match) -> str:
    """An <a> as a <span> with the same classes (a button still looks like one)."""
    cls = re.search(r'class="([^"]*)"', m.group(1))
    return (
        f'<span class="{cls.group(1)}">{m.group(2)}</span>' if cls else f"<span>{m.group(2)}</span>"
    )


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _data_uri(path: Path) -> str:
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{kind};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def roadmap_json_schema() -> dict[str, Any]:
    """JSON Schema of roadmap.json, from the item and theme declarations."""
    item_schema = record_json_schema(Item, only=PUBLIC_ITEM_FIELDS)
    item_schema["properties"]["shipped"] = {
        "type": ["string", "null"],
        "pattern": r"^\d{4}-\d{2}$",
        "description": "year and month it shipped",
    }
    for name, prop in item_schema["properties"].items():
        if name not in item_schema.get("required", []) and "null" not in str(prop.get("type")):
            item_schema["properties"][name] = {"anyOf": [prop, {"type": "null"}]}
    item_schema["properties"] = {
        "id": {"type": "string", "description": "stable id, from the file name"},
        **item_schema["properties"],
        "url": {"type": "string", "description": "the item's page, relative to the site"},
    }
    item_schema["required"] = ["id", *item_schema.get("required", []), "url"]
    theme_fields = [f.name for f in declared(Theme) if spec_of(f).audience == PUBLIC]
    assert set(theme_fields) <= set(PublicTheme.__dataclass_fields__)
    theme_schema = record_json_schema(Theme, only=theme_fields)
    theme_schema["properties"] = {
        "id": {"type": "string"},
        **theme_schema["properties"],
        "url": {"type": "string"},
    }
    theme_schema["properties"]["summary"] = {"type": ["string", "null"]}
    theme_schema["required"] = ["id", "title", "url"]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Public roadmap",
        "type": "object",
        "required": ["version", "generated", "themes", "items"],
        "properties": {
            "version": {"const": JSON_VERSION},
            "generated": {"type": "string", "format": "date"},
            "themes": {"type": "array", "items": theme_schema},
            "items": {"type": "array", "items": item_schema},
        },
        "additionalProperties": False,
    }
