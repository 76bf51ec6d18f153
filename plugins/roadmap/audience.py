"""The audience projection: the full roadmap in, only what one audience may see out.

For the light site it is an allow-list: public fields of public items that are not paused or
cancelled, public themes and pages, bodies without their internal blocks or HTML comments,
and only the files those pages use. Nothing after this module reads the unprojected Roadmap.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, make_dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from .audience_markdown import (
    Passage,
    internal_heads_shown,
    internal_passages,
    misread_by_browsers,
    normalise_separators,
    render,
    visible_words,
)
from .media import path_refusal
from .model import HIDDEN_STATUSES, HORIZONS, Account, Item, Page, Roadmap, Strategy, Theme
from .references import find_refs, real_path, resolve
from .schema import PUBLIC, declared, spec_of

AUDIENCES = ("public", "internal")
# `account:<id>`: the light site plus the items shared with that account (accounts.yml) today.
ACCOUNT_PREFIX = "account:"

# The public item type is derived from the declaration: only fields marked public exist on it,
# so a template that reaches for `owner` on the light site fails the build instead of leaking.
PUBLIC_ITEM_FIELDS = tuple(
    f.name for f in declared(Item) if spec_of(f).audience == PUBLIC and f.name != "public"
)
PublicItem = make_dataclass(
    "PublicItem",
    [("id", str), ("body", str), ("body_line", int)]
    + [(name, Any) for name in PUBLIC_ITEM_FIELDS]
    + [("path", Path)]
    # On an account's site only: the account's name, on the items shared with it.
    + [("shared_with", str | None, field(default=None))],
    frozen=True,
)
PublicItem.__doc__ = (
    "What the light site knows of an item: its public fields, nothing else (and, on an "
    "account's site, the name of the account it is shared with)."
)

PublicTheme = make_dataclass(
    "PublicTheme",
    [("id", str)] + [(f.name, Any) for f in declared(Theme) if spec_of(f).audience == PUBLIC],
    frozen=True,
)


@dataclass(frozen=True)
class View:
    """What one audience may see. Pages are built from this and nothing else."""

    audience: str
    content_dir: Path
    items: tuple[Any, ...]  # Item (internal) or PublicItem, in display order
    themes: tuple[Any, ...]  # Theme or PublicTheme, in themes.yml order
    pages: tuple[Page, ...]
    playbook: tuple[Page, ...] = ()
    strategy: Strategy | None = None
    files: frozenset[Path] = frozenset()  # files the pages above use (resolved; light: images)
    public: View | None = field(default=None, repr=False)  # internal only: the light site's view
    # Internal only: each item's light-site twin by the item's own id (the twin's id may be
    # its public.id or public title), for "what clients see" wherever sales read.
    twins: dict[str, Any] = field(default_factory=dict, repr=False)
    # An account's view only: the name its site greets it by, and the light-site ids of the
    # items shared with it (each says so). Nothing else of accounts.yml reaches a view.
    account_name: str | None = None
    shared: frozenset[str] = frozenset()
    # Internal only: accounts.yml, for what is shared with whom.
    accounts: tuple[Account, ...] = ()


def project(roadmap: Roadmap, audience: str) -> View:
    if audience == "public":
        return _public(roadmap)
    if audience == "internal":
        return _internal(roadmap)
    if audience.startswith(ACCOUNT_PREFIX):
        return _for_account(roadmap, audience.removeprefix(ACCOUNT_PREFIX))
    raise ValueError(f"unknown audience {audience!r}")


def account_audience(account_id: str) -> str:
    return ACCOUNT_PREFIX + account_id


def shared_items(roadmap: Roadmap, account_id: str) -> list[Item]:
    """The items shared with one account on the roadmap's build date: ask-first, not paused or
    cancelled, in a public theme, with an approval for it that is live that day."""
    today = roadmap.today
    if today is None:  # no build date, no approval is live: fail closed
        return []
    public_themes = {t.id for t in roadmap.themes if t.visibility == "public"}
    return [
        item
        for item in roadmap.items
        if item.visibility == "ask-first"
        and item.status not in HIDDEN_STATUSES
        and item.theme in public_themes
        and any(a.account == account_id and a.live(today) for a in item.share_with)
    ]


def _for_account(roadmap: Roadmap, account_id: str) -> View:
    account = next((a for a in roadmap.accounts if a.id == account_id), None)
    if account is None:
        raise ValueError(f"unknown account {account_id!r}")
    shared = shared_items(roadmap, account_id)
    view = _public(roadmap, also={i.path for i in shared})
    ids = frozenset(i.light_site_id for i in shared)
    items = tuple(replace(i, shared_with=account.name) if i.id in ids else i for i in view.items)
    return replace(
        view,
        audience=account_audience(account_id),
        items=items,
        account_name=account.name,
        shared=ids,
    )


def _public(roadmap: Roadmap, also: set[Path] = frozenset()) -> View:
    """The light site's view; `also`: paths of items shared with an account, shown the same."""
    public_themes = {t.id: t for t in roadmap.themes if t.visibility == "public"}
    items = []
    for item in roadmap.items:
        if not (item.on_light_site or item.path in also) or item.theme not in public_themes:
            continue
        override = item.public
        values = {name: getattr(item, name) for name in PUBLIC_ITEM_FIELDS}
        values["title"] = (override and override.title) or item.title
        values["summary"] = (override and override.summary) or item.summary
        values["shipped"] = item.shipped.strftime("%Y-%m") if item.shipped else None
        items.append(
            PublicItem(
                id=item.light_site_id,
                body=public_markdown(item.body),
                body_line=item.body_line,
                path=item.path,
                **values,
            )
        )
    used_themes = {i.theme for i in items}
    themes = tuple(
        PublicTheme(
            id=t.id,
            **{
                f.name: getattr(t, f.name) for f in declared(Theme) if spec_of(f).audience == PUBLIC
            },
        )
        for t in roadmap.themes
        if t.id in used_themes
    )
    pages = tuple(
        replace(p, body=public_markdown(p.body)) for p in roadmap.pages if p.visibility == "public"
    )
    order = {t.id: n for n, t in enumerate(themes)}
    items.sort(key=lambda i: _horizon_rank(i) + (order[i.theme], i.title.casefold(), i.id))
    return View(
        audience="public",
        content_dir=roadmap.content_dir,
        items=tuple(items),
        themes=themes,
        pages=pages,
        files=_files_used(roadmap.content_dir, [*items, *pages], public=True),
    )


def _internal(roadmap: Roadmap) -> View:
    order = {t.id: n for n, t in enumerate(roadmap.themes)}
    items = sorted(
        roadmap.items,
        key=lambda i: (
            _horizon_rank(i)
            + (order.get(i.theme, 0), i.priority or 10**9, i.title.casefold(), i.id)
        ),
    )
    public = _public(roadmap)
    by_path = {twin.path: twin for twin in public.items}
    return View(
        audience="internal",
        content_dir=roadmap.content_dir,
        items=tuple(items),
        themes=roadmap.themes,
        pages=roadmap.pages,
        playbook=roadmap.playbook,
        strategy=roadmap.strategy,
        files=_files_used(
            roadmap.content_dir, [*items, *roadmap.pages, *roadmap.playbook], public=False
        ),
        public=public,
        twins={i.id: by_path[i.path] for i in items if i.path in by_path},
        accounts=roadmap.accounts,
    )


def _horizon_rank(item: Any) -> tuple[int]:
    return (HORIZONS.index(item.horizon) if item.horizon in HORIZONS else len(HORIZONS),)


def _files_used(content_dir: Path, sources: list[Any], public: bool) -> frozenset[Path]:
    """Files under content/ (not pages) that these bodies reference, as resolved paths.

    For the light site only those media.py's path rules admit: images, never reached through
    a link, never hidden or in the playbook. The rendered pages then decide which are published.
    """
    root = content_dir.resolve()
    used = set()
    seen: set[tuple[Path, str]] = set()  # a target is looked up once per folder
    for source in sources:
        for ref in find_refs(source.body):
            if ref.invalid or (source.path.parent, ref.file_part) in seen:
                continue
            seen.add((source.path.parent, ref.file_part))
            path = resolve(ref, source.path)
            if path.suffix.lower() in (".md", ".markdown"):
                continue
            if public and path_refusal(path, content_dir, ref.file_part) is not None:
                continue
            target = real_path(path)
            if target is not None and target.is_file() and target.is_relative_to(root):
                used.add(target)
    return frozenset(used)


# --- Bodies -------------------------------------------------------------------------------------

# `!!! internal "Title"`, `??? internal`, `???+ note internal`, `!!!internal`, `> !!! internal`:
# any admonition or details block with the class `internal`, in any case, whatever its title
# (fail closed: a head Markdown would not take is removed too).
_QUOTE = re.compile(r"^((?:[ ]{0,3}>[ ]?)*)(.*)$", re.S)
_BLOCK_HEAD = re.compile(r"^(?P<indent>[ \t]*)(?:!!!|\?\?\?\+?)[ \t]*(?P<classes>[^\"\n]*)")
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)


def strip_internal_blocks(markdown: str) -> str:
    """Remove every `internal` admonition: its head line and everything indented under it,
    inside blockquotes and lists too.

    A second layer under the Markdown extension (audience_markdown), which decides. So that
    it can never make things worse, it removes at least every line Markdown puts in the block:
    blank lines do not end a block (an indented chunk after them continues it, a quoted one
    too, since Markdown joins adjacent quotes), and a line without the quote markers that
    follows a quoted block's line is in it when indented (a lazy continuation line).
    """
    out: list[str] = []
    skipping: tuple[int, int] | None = None  # (quote depth, indent) of the block being removed
    held: list[str] = []  # blank lines met while removing: kept if the block ends after them
    for line in markdown.splitlines(keepends=True):
        quotes, rest = _QUOTE.match(line).groups()
        depth = quotes.count(">")
        expanded = rest.expandtabs(4)
        indent = len(expanded) - len(expanded.lstrip(" "))
        if skipping is not None:
            if not rest.strip():
                held.append(line)
                continue
            lazy = depth < skipping[0] and all(h.strip() for h in held)  # no empty line yet
            if indent > skipping[1] and (depth >= skipping[0] or lazy):
                held = []
                continue
            skipping = None
            out.extend(held)
            held = []
        m = _BLOCK_HEAD.match(expanded)
        if m and "internal" in m.group("classes").lower().split():
            skipping = (depth, indent)
            continue
        out.append(line)
    out.extend(held)
    return "".join(out)


def strip_comments(markdown: str) -> str:
    """HTML comments pass through Markdown into the page source: drop them for the light site."""
    return _COMMENT.sub("", markdown)


def public_markdown(markdown: str) -> str:
    """The text pre-strip: a second layer under the parser (audience_markdown), which decides.

    A text filter reads lines, not Markdown: cutting a comment or a block can turn what
    follows into code, or close a fence early, and so show what the parser would have
    removed. The stripped text is therefore kept only when the parser shows no word of it
    that it does not show of the whole body; otherwise the parser alone decides.
    """
    text = normalise_separators(markdown)
    stripped = strip_comments(strip_internal_blocks(text))
    if stripped == text or shows_no_more(stripped, text):
        return stripped
    return text


@lru_cache(maxsize=4096)  # the light site's view is projected more than once per build
def shows_no_more(stripped: str, text: str) -> bool:
    """True when the light site's rendering of `stripped` shows no word, attribute value or
    address that its rendering of `text` does not show as often."""
    digest = pair_digest(stripped, text)
    if digest in SHOWN_NO_MORE.proven:
        SHOWN_NO_MORE.used.add(digest)
        return True
    found = not visible_words(render(stripped, "public")) - visible_words(render(text, "public"))
    if found:
        SHOWN_NO_MORE.used.add(digest)
    return found


@dataclass
class Proofs:
    """shows_no_more's True answers, by pair_digest: `proven` as a caller found them kept from
    earlier builds under the same code (`roadmap build` keeps them, encrypted: builds.py), `used`
    what this process answered True. The answer is the same either way: rendering both texts
    was most of projecting a roadmap (2 s at 1,000 items)."""

    proven: set[str] = field(default_factory=set)
    used: set[str] = field(default_factory=set)


SHOWN_NO_MORE = Proofs()


def pair_digest(stripped: str, text: str) -> str:
    digest = hashlib.sha256()
    for part in (stripped, text):
        data = part.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


# --- What the light site must never contain -----------------------------------------------------


@dataclass(frozen=True)
class Secret:
    """A word the light site must not contain, and where it comes from.

    `everywhere` is False for one-word ids and titles ("search", "Payments"): they are
    ordinary words, in the theme's own text and markup too, so they are looked for where they
    would reveal a hidden item: in file names and in the addresses pages link to.
    """

    word: str
    origin: str
    everywhere: bool = True
    # Found only as a whole segment of a name or address (`items/<id>/`, `?item=<id>`): an id
    # whose words start the public address that replaced it ("offline" in "offline-mode").
    whole_segment: bool = False


def light_site_secrets(
    roadmap: Roadmap, confidential_terms: list[str] = (), shown: View | None = None
) -> list[Secret]:
    """Everything the leak audit looks for in the built light site; `shown`: the view the
    site was built from, when not the light site's own (an account's)."""
    secrets = [
        Secret(t, "a confidential term (mkdocs.yml confidential_terms)") for t in confidential_terms
    ]
    visible = {i.path for i in (shown or _public(roadmap)).items}

    def where(item: Item, name: str) -> str:
        return f"{_rel(item.path, roadmap)}:{item.lines.get(name, 1)}"

    for account in roadmap.accounts:  # accounts.yml is internal: clients, named by us
        origin = f"an account ({_rel(account.path, roadmap)}:{account.line})"
        secrets.append(Secret(account.name, origin))
        secrets.append(Secret(account.id, origin, _several_words(account.id)))
    for item in roadmap.items:
        for approval in item.share_with:
            secrets.append(
                Secret(approval.approved_by, f"an approver ({where(item, 'share_with')})")
            )

    for item in roadmap.items:
        for customer in item.customers:
            secrets.append(Secret(customer.name, f"a customer name ({where(item, 'customers')})"))
        if item.owner:
            secrets.append(Secret(item.owner, f"an owner name ({where(item, 'owner')})"))
        if item.path not in visible:
            why = f"not on the light site ({where(item, '')})"
            words = [(item.title, "title"), (item.id, "id")]
            if item.public and item.public.title:
                words.append((item.public.title, "public title"))
            for word, what in words:
                secrets.append(Secret(word, f"the {what} of an item {why}", _several_words(word)))
        else:
            # The public title may grow out of the internal one ("SSO" -> "SSO and SCIM"):
            # words clients read in it are no secret.
            if item.public and item.public.title and not _within(item.title, item.public.title):
                secrets.append(
                    Secret(
                        item.title,
                        f"the internal title behind a public one ({where(item, 'title')})",
                    )
                )
            if item.light_site_id != item.id:
                # Looked for in names and addresses only: an id's words ("customer-portal")
                # are often the public text's own words.
                origin = f"the internal id behind a public one ({where(item, 'public')})"
                secrets.append(Secret(item.id, origin, everywhere=False, whole_segment=True))
    return secrets


@dataclass(frozen=True)
class InternalText:
    """A passage only the internal site may show, and where it is written."""

    text: str
    path: str  # relative to the project, as in error lines
    line: int
    what: str  # "an internal block", "a sales note"...


@dataclass(frozen=True)
class LightSitePassages:
    """What the audit compares runs of words against: internal passages, and every public
    text the light site's words may come from (content only; fixed text is added by sites.py)."""

    internal: list[InternalText]
    public: list[str]
    # Public bodies whose raw HTML a browser reads otherwise than the audience extension: what
    # the light site would show that the internal site shows inside an internal element.
    misread: list[InternalText] = field(default_factory=list)
    # Public bodies that show an internal marker as text (in code, or in a syntax Markdown does
    # not read): what follows it was meant for staff.
    heads_shown: list[InternalText] = field(default_factory=list)


Findings = tuple[Passage | None, Passage | None, tuple[Passage, ...]]


def body_findings(body: str) -> Findings:
    """What the audit needs of a light-site body, read off its renderings: the first line that
    shows an internal head as text (the build stops on one), what browsers would misread into
    an internal element, and the passages the light site drops (comments are passages of their
    own, made by the caller: blanked here, lines kept, so a finding names what it came from).
    A function of the body alone: kept between builds by its digest (FOUND_IN_BODIES)."""
    digest = hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()
    FOUND_IN_BODIES.used.add(digest)
    found = FOUND_IN_BODIES.known.get(digest) or FOUND_IN_BODIES.made.get(digest)
    if found is None:
        uncommented = _COMMENT.sub(lambda m: "\n" * m[0].count("\n"), body)
        found = FOUND_IN_BODIES.made[digest] = (
            internal_heads_shown(public_markdown(body), source=body),
            misread_by_browsers(body),
            tuple(internal_passages(uncommented)),
        )
    return found


@dataclass
class BodyFindings:
    """body_findings by the body's SHA-256: `known` as a caller found them kept from earlier
    builds under the same code (`roadmap build` keeps them, encrypted: builds.py), `made` by
    this process (a preview's rebuilds read them again), `used` this process's. Reading them
    for every public body was most of the light site's start at 1,000 items (2.2 s under the
    profiler)."""

    known: dict[str, Findings] = field(default_factory=dict)
    made: dict[str, Findings] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)


FOUND_IN_BODIES = BodyFindings()


def light_site_passages(roadmap: Roadmap, shown: View | None = None) -> LightSitePassages:
    view = shown or _public(roadmap)
    visible = {i.id for i in view.items}
    internal: list[InternalText] = []

    def add(text: str | None, path: Path, line: int, what: str) -> None:
        if text and text.strip():
            internal.append(InternalText(text, _rel(path, roadmap), line, what))

    misread: list[InternalText] = []
    heads_shown: list[InternalText] = []

    def body_parts(body: str, path: Path, first: int) -> None:
        head, found, passages = body_findings(body)
        if head is not None:
            heads_shown.append(
                InternalText(head.text, _rel(path, roadmap), first + head.line - 1, "")
            )
        if found is not None:
            misread.append(
                InternalText(found.text, _rel(path, roadmap), first + found.line - 1, "")
            )
        for passage in passages:
            add(passage.text, path, first + passage.line - 1, "an internal block")
        for m in _COMMENT.finditer(body):
            add(m[0], path, first + body.count("\n", 0, m.start()), "an HTML comment")

    for item in roadmap.items:

        def at(name: str, item: Item = item) -> int:
            return item.lines.get(name, item.lines.get("", 1))

        if item.id not in visible:
            what = "an item not on the light site"
            add(item.title, item.path, at("title"), what)
            add(item.summary, item.path, at("summary"), what)
            add(item.body, item.path, item.body_line, what)
            if item.public:
                add(item.public.title, item.path, at("public"), what)
                add(item.public.summary, item.path, at("public"), what)
        else:
            body_parts(item.body, item.path, item.body_line)
            if item.public and item.public.title:
                add(item.title, item.path, at("title"), "the internal title behind a public one")
            if item.public and item.public.summary:
                add(item.summary, item.path, at("summary"), "the summary behind a public one")
        if item.sales:
            sales = item.sales
            notes = [sales.pitch, sales.avoid, sales.flexibility]
            notes += [t for q in sales.questions for t in (q.q, q.a)]
            for note in notes:
                add(note, item.path, at("sales"), "a sales note")
        for customer in item.customers:
            add(customer.note, item.path, at("customers"), "a customer note")
        add(item.competitors, item.path, at("competitors"), "the competitors note")
        for link in item.links:
            add(link.title, item.path, at("links"), "an internal link")

    for account in roadmap.accounts:
        add(account.note, account.path, account.line, "an account note")
    public_themes = {t.id for t in view.themes}
    for theme in roadmap.themes:
        if theme.id not in public_themes and theme.visibility != "public":
            add(theme.title, theme.path, theme.line, "an internal theme")
            add(theme.summary, theme.path, theme.line, "an internal theme")
    for page in roadmap.pages:
        if page.visibility == "public":
            body_parts(page.body, page.path, page.body_line)
            continue
        for text in (page.title, page.description, page.body):
            add(text, page.path, page.body_line if text is page.body else 1, "an internal page")
    for page in roadmap.playbook:
        for text in (page.title, page.description, page.body):
            add(text, page.path, page.body_line if text is page.body else 1, "a playbook page")
    if roadmap.strategy and roadmap.strategy.path:
        strategy = roadmap.strategy
        source = strategy.path.read_text(encoding="utf-8", errors="replace")
        texts = [t for p in strategy.priorities for t in (p.title, p.why)]
        texts += [
            t for f in strategy.flexible for t in (f.area, f.can_bend, f.cannot_bend, f.approver)
        ]
        for text in filter(None, texts):
            add(text, strategy.path, _line_in(source, text), "the strategy")

    # A body counts as public text as the light site renders it, never as written: the text
    # pre-strip may have been set aside (it would have shown more), and what Markdown removes
    # (internal blocks, comments, definitions made inside them) must stay a needle.
    public: list[str] = []
    for item in view.items:
        public += [item.id, item.title, item.summary, render(item.body, "public"), *item.tags]
    for theme in view.themes:
        public += [theme.id, theme.title, theme.summary or ""]
    for page in view.pages:
        public += [page.rel, page.title or "", page.description or ""]
        public.append(render(page.body, "public"))
    return LightSitePassages(internal, public, misread, heads_shown)


def _line_in(source: str, text: str) -> int:
    """The line of a YAML file where a value starts (its first words), or 1."""
    start = source.find(text.strip().split("\n")[0][:40])
    return source.count("\n", 0, start) + 1 if start >= 0 else 1


def _within(phrase: str, text: str) -> bool:
    """True when `phrase`'s words appear in `text`, together and in order (case aside)."""
    words, inside = _words(phrase), _words(text)
    return any(inside[k : k + len(words)] == words for k in range(len(inside) - len(words) + 1))


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.casefold())


def _several_words(text: str) -> bool:
    return len(re.findall(r"[^\W_]+", text)) > 1


def _rel(path: Path, roadmap: Roadmap) -> str:
    try:
        return path.relative_to(roadmap.content_dir.parent).as_posix()
    except ValueError:
        return path.as_posix()
