"""The content model: one declaration of every field of items, themes, pages and strategy.

Each field's `spec(...)` says its kind, default, audience and meaning. The loader (load.py),
the projection (audience.py), the README's field table and roadmap.json's schema read these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .schema import (
    INTERNAL,
    PUBLIC,
    Choice,
    Date,
    ListOf,
    Number,
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


@dataclass(frozen=True, kw_only=True)
class Customer:
    name: str = spec(Text(), required=True, doc="the customer's name")
    arr: float | None = spec(Number(0), doc="annual recurring revenue, a number")
    note: str | None = spec(Text(), doc="what they asked for, in their words")


@dataclass(frozen=True, kw_only=True)
class Link:
    title: str = spec(Text(), required=True)
    url: str = spec(Url(), required=True)


@dataclass(frozen=True, kw_only=True)
class PublicText:
    title: str | None = spec(Text(), audience=PUBLIC, doc="the title clients see")
    summary: str | None = spec(Text(), audience=PUBLIC, doc="the summary clients see")


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

    title: str = spec(Text(), required=True, audience=PUBLIC, doc="what it is, in a few words")
    summary: str = spec(
        Text(), required=True, audience=PUBLIC, doc="one or two sentences on the value"
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
        RecordOf(PublicText), audience=PUBLIC, doc="the light site shows these instead"
    )
    sales: Sales | None = spec(
        RecordOf(Sales), doc="talk track for sales: `questions` is a list of `{q, a}`"
    )

    @property
    def on_light_site(self) -> bool:
        """The one rule for what clients may see."""
        return self.visibility == "public" and self.status not in HIDDEN_STATUSES


@dataclass(frozen=True, kw_only=True)
class Theme:
    """A theme in `content/roadmap/themes.yml`."""

    id: str
    path: Path
    line: int = 1
    title: str = spec(Text(), required=True, audience=PUBLIC, doc="the theme's name")
    summary: str | None = spec(Text(), audience=PUBLIC, doc="one sentence under the title")
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
    title: str | None = spec(Text(), audience=PUBLIC, doc="defaults to the first heading")
    description: str | None = spec(Text(), audience=PUBLIC, doc="a line for search engines")
    visibility: str = spec(
        Choice("public", "internal"), default="internal", doc="**default `internal`**"
    )


@dataclass(frozen=True, kw_only=True)
class PlaybookPage(Page):
    """Playbook pages are always internal: they have no visibility field to get wrong."""

    visibility: str = field(default=INTERNAL)


@dataclass(frozen=True, kw_only=True)
class Priority:
    title: str = spec(Text(), required=True)
    why: str | None = spec(Text())


@dataclass(frozen=True, kw_only=True)
class Flexibility:
    area: str = spec(Text(), required=True)
    can_bend: str | None = spec(Text())
    cannot_bend: str | None = spec(Text())
    approver: str | None = spec(Text())


@dataclass(frozen=True, kw_only=True)
class Strategy:
    """`content/roadmap/strategy.yml`: internal, feeds the negotiation guide."""

    path: Path | None = None
    priorities: tuple[Priority, ...] = spec(ListOf(RecordOf(Priority)), default=())
    flexible: tuple[Flexibility, ...] = spec(ListOf(RecordOf(Flexibility)), default=())


@dataclass(frozen=True)
class Roadmap:
    """Everything under content/, validated. Only audience.py may read it whole."""

    content_dir: Path
    items: tuple[Item, ...]
    themes: tuple[Theme, ...]
    pages: tuple[Page, ...]
    playbook: tuple[Page, ...]
    strategy: Strategy | None = None

    def item(self, item_id: str) -> Item:
        return next(i for i in self.items if i.id == item_id)
