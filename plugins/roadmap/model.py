"""The content model: one declaration of every field of items, themes, pages and strategy.

Each field's `spec(...)` says its kind, default, audience and meaning. The loader (load.py),
the projection (audience.py), the README's field table and roadmap.json's schema read these.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .schema import (
    INTERNAL,
    PUBLIC,
    Choice,
    Date,
    Flag,
    ListOf,
    Number,
    PlainText,
    QuarterOrDate,
    RecordOf,
    Slug,
    Target,
    Text,
    Url,
    spec,
)

VISIBILITIES = ("public", "ask-first", "internal")
STATUSES = ("exploring", "planned", "in-progress", "shipped", "paused", "cancelled")
HORIZONS = ("now", "next", "later")
COMMITMENTS = ("committed", "likely", "exploratory")
CONFIDENCES = ("high", "medium", "low")
HIDDEN_STATUSES = ("paused", "cancelled")  # never on the light site, whatever the visibility
NO_HORIZON_STATUSES = ("shipped", "cancelled")
OPEN_STATUSES = ("exploring", "planned", "in-progress")  # on the board: not done, not stopped

# How the sites name each value: templates and the playbook print these, never the raw ids.
STATUS_LABELS = {
    "exploring": "Exploring",
    "planned": "Planned",
    "in-progress": "In progress",
    "shipped": "Shipped",
    "paused": "Paused",
    "cancelled": "Cancelled",
}
HORIZON_LABELS = {"now": "Now", "next": "Next", "later": "Later"}
COMMITMENT_LABELS = {"committed": "Committed", "likely": "Likely", "exploratory": "Exploratory"}
VISIBILITY_LABELS = {"public": "Public", "ask-first": "Ask-first", "internal": "Internal"}


@dataclass(frozen=True, kw_only=True)
class Customer:
    name: str = spec(Text(), required=True, doc="the customer's name")
    arr: float | None = spec(Number(0), doc="annual recurring revenue, a number")
    note: str | None = spec(Text(), doc="what they asked for, in their words")

    @property
    def account(self) -> str:
        """The account this entry belongs to: the same on every item that names the customer,
        whatever the case, spacing or punctuation ("Harrow & Finch" = "harrow  finch")."""
        return account_id(self.name)


def account_id(name: str) -> str:
    words = re.findall(r"[^\W_]+", unicodedata.normalize("NFKC", name).casefold())
    return "-".join(words) or "account"


@dataclass(frozen=True, kw_only=True)
class Link:
    title: str = spec(Text(), required=True)
    url: str = spec(Url(), required=True)


@dataclass(frozen=True, kw_only=True)
class PublicText:
    title: str | None = spec(PlainText(), audience=PUBLIC, doc="the title clients see")
    summary: str | None = spec(PlainText(), audience=PUBLIC, doc="the summary clients see")
    id: str | None = spec(
        Slug(),
        audience=PUBLIC,
        doc="the item's id and address on the light site; defaults to the public title, "
        "so an internal id (a codename) never reaches clients",
    )


@dataclass(frozen=True, kw_only=True)
class Approval:
    """One yes to share an ask-first item with one account (an entry of `share_with`)."""

    account: str = spec(Slug(), required=True, doc="the id of an account in accounts.yml")
    approved_by: str = spec(Text(), required=True, doc="who agreed to share it")
    on: date = spec(Date(), required=True, doc="the day it was agreed; shared from that day")
    until: date | None = spec(Date(), doc="the last day it is shared; open-ended without it")

    def live(self, today: date) -> bool:
        """Shared on `today`: from `on` to `until`, both included."""
        return self.on <= today and (self.until is None or today <= self.until)


@dataclass(frozen=True, kw_only=True)
class Question:
    q: str = spec(Text(), required=True, doc="a question clients ask")
    a: str = spec(Text(), required=True, doc="the answer sales may give")


@dataclass(frozen=True, kw_only=True)
class Sales:
    pitch: str | None = spec(Text(), doc="how to talk about it")
    avoid: str | None = spec(Text(), doc="what never to say")
    flexibility: str | None = spec(Text(), doc="what can bend in a negotiation")
    questions: tuple[Question, ...] = spec(ListOf(RecordOf(Question)), default=())


@dataclass(frozen=True, kw_only=True)
class Item:
    """A roadmap item: `content/roadmap/<id>.md`."""

    id: str
    path: Path
    body: str = ""
    body_line: int = 1
    lines: dict = field(default_factory=dict, compare=False, repr=False)

    title: str = spec(PlainText(), required=True, audience=PUBLIC, doc="what it is, in a few words")
    summary: str = spec(
        PlainText(), required=True, audience=PUBLIC, doc="one or two sentences on the value"
    )
    visibility: str = spec(
        Choice(*VISIBILITIES),
        default="internal",
        doc="who may see it; **default `internal`**",
    )
    status: str = spec(Choice(*STATUSES), required=True, audience=PUBLIC, doc="where it stands")
    horizon: str | None = spec(
        Choice(*HORIZONS),
        audience=PUBLIC,
        required_doc="yes unless status is `shipped` or `cancelled`",
        doc="the board column it sits in",
    )
    theme: str = spec(Slug(), required=True, audience=PUBLIC, doc="id of a theme in themes.yml")
    tags: tuple[str, ...] = spec(
        ListOf(Text()), default=(), audience=PUBLIC, doc="short labels shown on cards"
    )
    shipped: date | None = spec(
        Date(),
        audience=PUBLIC,
        required_doc="yes when status is `shipped`",
        doc="clients see the month only",
    )
    release_notes: str | None = spec(
        Url(), audience=PUBLIC, doc="a web address: the release notes, linked on both sites"
    )
    target: Target | None = spec(QuarterOrDate(), doc="when we aim to ship")
    target_shareable: bool = spec(
        Flag(),
        default=False,
        doc="sales may give clients the exact target date, not only its quarter "
        "(committed items with a date target only)",
    )
    commitment: str = spec(
        Choice(*COMMITMENTS),
        default="exploratory",
        doc="what sales may promise; **default `exploratory`**",
    )
    confidence: str | None = spec(Choice(*CONFIDENCES), doc="how sure we are of the target")
    priority: int | None = spec(Number(1, integer=True), doc="1 is highest")
    owner: str | None = spec(Text(), doc="the person to ask")
    customers: tuple[Customer, ...] = spec(
        ListOf(RecordOf(Customer)), default=(), doc="who asked for it, their ARR, what they said"
    )
    competitors: str | None = spec(Text(), doc="how competitors compare")
    depends_on: tuple[str, ...] = spec(ListOf(Slug()), default=(), doc="ids of other items")
    links: tuple[Link, ...] = spec(
        ListOf(RecordOf(Link)), default=(), doc="specs, tickets, designs (web addresses)"
    )
    last_reviewed: date | None = spec(Date(), doc="flagged as stale when too old")
    public: PublicText | None = spec(
        RecordOf(PublicText),
        audience=PUBLIC,
        doc="the light site shows these instead; with a title, clients never see the item's "
        "own id: its id there is `id`, or the public title as an id",
    )
    sales: Sales | None = spec(
        RecordOf(Sales), doc="talk track for sales: `questions` is a list of `{q, a}`"
    )
    share_with: tuple[Approval, ...] = spec(
        ListOf(RecordOf(Approval)),
        default=(),
        doc="ask-first items only: the accounts it is shared with, each "
        "`{account, approved_by, on, until?}`; see accounts.yml",
    )

    @property
    def on_light_site(self) -> bool:
        """The one rule for what clients may see."""
        return self.visibility == "public" and self.status not in HIDDEN_STATUSES

    @property
    def light_site_id(self) -> str:
        """The item's id on the light site: `public.id`, else its public title made an id, else
        its own id. An item renamed for clients is often a codename inside: it stays inside."""
        if self.public and self.public.id:
            return self.public.id
        if self.public and self.public.title:
            return Slug.from_text(self.public.title)
        return self.id


@dataclass(frozen=True, kw_only=True)
class Theme:
    """A theme in `content/roadmap/themes.yml`."""

    id: str
    path: Path
    line: int = 1
    title: str = spec(PlainText(), required=True, audience=PUBLIC, doc="the theme's name")
    summary: str | None = spec(PlainText(), audience=PUBLIC, doc="one sentence under the title")
    visibility: str = spec(
        Choice("public", "internal"), default="internal", doc="**default `internal`**"
    )


@dataclass(frozen=True, kw_only=True)
class Page:
    """A hand-written page: `content/pages/**.md` or `content/playbook/**.md`."""

    path: Path
    rel: str  # posix path below pages/ or playbook/
    section: str  # "pages" or "playbook"
    body: str = ""
    body_line: int = 1
    title: str | None = spec(
        PlainText(), audience=PUBLIC, doc="defaults to the first heading clients see"
    )
    description: str | None = spec(PlainText(), audience=PUBLIC, doc="a line for search engines")
    visibility: str = spec(
        Choice("public", "internal"), default="internal", doc="**default `internal`**"
    )


@dataclass(frozen=True, kw_only=True)
class PlaybookPage(Page):
    """Playbook pages are always internal: they have no visibility field to get wrong."""

    visibility: str = field(default=INTERNAL)


# Priorities and areas of flexibility name the items they concern in strategy.yml itself,
# directly or through their themes: the strategy is reviewed as one file, and items need no
# field that goes stale when priorities are re-ranked.
@dataclass(frozen=True, kw_only=True)
class Priority:
    title: str = spec(Text(), required=True)
    why: str | None = spec(Text())
    themes: tuple[str, ...] = spec(
        ListOf(Slug()), default=(), doc="ids of themes whose items serve it"
    )
    items: tuple[str, ...] = spec(ListOf(Slug()), default=(), doc="ids of items that serve it")

    def covers(self, item) -> bool:
        return item.id in self.items or item.theme in self.themes


@dataclass(frozen=True, kw_only=True)
class Flexibility:
    area: str = spec(Text(), required=True)
    can_bend: str | None = spec(Text())
    cannot_bend: str | None = spec(Text())
    approver: str | None = spec(Text())
    themes: tuple[str, ...] = spec(
        ListOf(Slug()), default=(), doc="ids of themes whose items it applies to"
    )
    items: tuple[str, ...] = spec(ListOf(Slug()), default=(), doc="ids of items it applies to")

    def covers(self, item) -> bool:
        return item.id in self.items or item.theme in self.themes


@dataclass(frozen=True, kw_only=True)
class Strategy:
    """`content/roadmap/strategy.yml`: internal, feeds the negotiation guide."""

    path: Path | None = None
    lines: dict = field(default_factory=dict, compare=False, repr=False)
    priorities: tuple[Priority, ...] = spec(ListOf(RecordOf(Priority)), default=())
    flexible: tuple[Flexibility, ...] = spec(ListOf(RecordOf(Flexibility)), default=())


@dataclass(frozen=True, kw_only=True)
class Account:
    """An account in `content/accounts.yml` (internal): a client items may be shared with."""

    id: str
    path: Path
    line: int = 1
    name: str = spec(PlainText(), required=True, doc="the client's name, as their site greets them")
    note: str | None = spec(Text(), doc="for sales: who the contact is, what was agreed")
    link_version: int = spec(
        Number(1, integer=True),
        default=1,
        doc="raise it to give the account a new link: the old one then opens nothing",
    )


@dataclass(frozen=True)
class Roadmap:
    """Everything under content/, validated. Only audience.py may read it whole."""

    content_dir: Path
    items: tuple[Item, ...]
    themes: tuple[Theme, ...]
    pages: tuple[Page, ...]
    playbook: tuple[Page, ...]
    strategy: Strategy | None = None
    accounts: tuple[Account, ...] = ()
    # The build date, read once at load (SOURCE_DATE_EPOCH, else today in UTC): the projection
    # decides which approvals are live from it, never from the clock.
    today: date | None = None

    def item(self, item_id: str) -> Item:
        return next(i for i in self.items if i.id == item_id)
