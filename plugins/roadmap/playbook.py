"""The sales playbook: the one rule of what sales may say about an item, and the views built on it.

`say_rule(item)` is that rule, from visibility, status and commitment together (with target,
horizon and owner): the card, the item page, the account briefs and the talk tracks all print
its result. `playbook_pages(view, ...)` plans the generated views below playbook/ for the
internal site; the page planner (pages.py) renders them. Nothing here reaches the light site.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .accounts import EXPIRING_DAYS, AccountSharing, ending_soon, sharing
from .asking import fill
from .audience import View
from .load import PLAYBOOK_DIR, PLAYBOOK_VIEWS
from .model import (
    COMMITMENTS,
    HORIZON_LABELS,
    OPEN_STATUSES,
    STATUSES,
    VISIBILITIES,
    Customer,
    Item,
    Priority,
    Strategy,
)
from .model import account_id as id_of_name

# What sales may say, from most to least: the order of talk tracks and of an account's asks.
KINDS = ("shipped", "committed", "likely", "exploratory", "ask-first", "do-not-mention")
KIND_TITLES = {
    "shipped": "Available now",
    "committed": "Committed",
    "likely": "Likely",
    "exploratory": "Exploratory",
    "ask-first": "Ask first",
    "do-not-mention": "Do not mention",
}
KIND_HINTS = {
    "shipped": "Shipped and on the light roadmap: talk about it freely.",
    "committed": "On the light roadmap and committed: give the date its line gives, no closer.",
    "likely": "On the light roadmap and planned: say so, give no date.",
    "exploratory": "On the light roadmap as direction: we are looking at it, no date.",
    "ask-first": "Not on the light roadmap: ask the owner before you say anything.",
    "do-not-mention": "Internal, paused or cancelled: never raise it with a client.",
}
# Why an item is not on the light roadmap, in the order the reasons are checked: a heading
# for the list on "What clients see", and the reason as it follows "Not on the light roadmap:".
ABSENCE_TITLES = {
    "internal": "Internal",
    "cancelled": "Cancelled",
    "paused": "Paused",
    "ask-first": "Ask-first",
    "theme": "In an internal theme",
}
ABSENCE = {
    "internal": "it is internal, never shown to clients",
    "cancelled": "it was cancelled, and cancelled items never show",
    "paused": "it is paused, and paused items never show",
    "ask-first": "it is ask-first, shared case by case once its owner agrees",
    "theme": "its theme is internal",
}
NOBODY = "the product team"  # whom to ask when an item has no owner


@dataclass(frozen=True)
class Rule:
    """What sales may say about one item."""

    kind: str  # one of KINDS
    line: str  # the one sentence to go by
    short: str  # the same in a few words, for cards and badges
    ask: str | None = None  # whom to ask first (ask-first items)
    note: str | None = None  # why the line says less than the item's fields suggest


def say_rule(item: Item) -> Rule:
    """The rule for one item. Quarters, never days, unless the PM marked the date shareable."""
    when = None
    if item.target is not None:
        day = item.target.day
        when = (
            f"{day.day} {day:%B %Y}" if day and item.target_shareable else str(item.target.quarter)
        )
    return rule_for(
        item.visibility,
        item.status,
        item.commitment,
        when=when,
        horizon=HORIZON_LABELS.get(item.horizon or "", ""),
        owner=item.owner or NOBODY,
        shipped=f"{item.shipped:%B %Y}" if item.shipped else "",
    )


def rule_for(
    visibility: str,
    status: str,
    commitment: str,
    *,
    when: str | None,
    horizon: str,
    owner: str,
    shipped: str,
) -> Rule:
    """The whole rule, on plain values: say_rule() reads them from an item, rule_table() passes
    placeholders. Fail closed: whatever is not explicitly shareable is not mentioned."""
    if visibility not in ("public", "ask-first"):
        return Rule(
            "do-not-mention",
            "Do not mention it: it is internal. If a client raises the need, say you will take "
            "it to the product team.",
            "Do not mention",
        )
    if status not in (*OPEN_STATUSES, "shipped"):
        if status == "paused":
            line = (
                "it is on hold and not on the light roadmap. If a client asks, say it is on hold."
            )
        else:
            line = "it was cancelled. If a client asks, say it is not planned."
        return Rule("do-not-mention", f"Do not mention it: {line}", "Do not mention")
    note = None
    if status == "shipped":
        kind, said, short = "shipped", "it is available now", "Available now"
    else:
        kind = commitment if status != "exploring" else "exploratory"
        if kind != commitment:
            note = (
                f"Marked {commitment}, but its status is exploring: say no more than this "
                "until it is planned."
            )
        if kind == "committed":
            said = f"it is committed for {when}" if when else "it is committed, with no date yet"
            short = f"Committed for {when}" if when else "Committed, no date"
        elif kind == "likely":
            said, short = "it is planned, with no date", "Planned, no date"
        else:
            said, short = "we are looking at it, with no date", "Exploring, no date"
    if visibility == "ask-first":
        return Rule(
            "ask-first",
            f"Ask {owner} first. Once they agree, say {said}; until then, say nothing about it.",
            f"Ask {owner} first",
            ask=owner,
            note=note,
        )
    if kind == "shipped":
        line = f"Say {said}: it shipped in {shipped}, and clients see it as shipped."
    elif kind == "exploratory":
        line = f"Say {said}; do not call it planned. Clients see it under {horizon}."
    else:
        line = f"Say {said}. Clients see it under {horizon}."
    return Rule(kind, line, short, note=note)


# The rule as a table, for the README and the playbook overview: every visibility, status and
# commitment, with rows merged where the line is the same.
_TARGETS = {
    "committed": ("*quarter*", "committed, target set"),
    "committed-day": ("*day*", "committed, target a date marked `target_shareable`"),
    "committed-none": (None, "committed, no target"),
}


def rule_table() -> list[dict[str, str]]:
    """Rows of {visibility, status, commitment, kind, line}, every combination covered once."""
    columns: list[tuple[str, str, str | None]] = []
    for c in COMMITMENTS:
        if c == "committed":
            columns += [(c, label, when) for when, label in _TARGETS.values()]
        else:
            columns.append((c, c, "*quarter*"))
    rows: list[dict[str, str]] = []
    for visibility in VISIBILITIES:
        by_status: dict[tuple, list[str]] = {}
        for status in STATUSES:
            cells = tuple(
                rule_for(
                    visibility,
                    status,
                    commitment,
                    when=when,
                    horizon="*horizon*",
                    owner="*owner*",
                    shipped="*month*",
                )
                for commitment, _, when in columns
            )
            by_status.setdefault(tuple((r.kind, r.line) for r in cells), []).append(status)
        for cells, statuses in by_status.items():
            by_line: dict[tuple[str, str], list[str]] = {}
            for (_, label, _), (kind, line) in zip(columns, cells, strict=True):
                by_line.setdefault((kind, line), []).append(label)
            for (kind, line), labels in by_line.items():
                rows.append(
                    {
                        "visibility": visibility,
                        "status": _any_of(statuses, STATUSES),
                        "commitment": _any_of(labels, [label for _, label, _ in columns]),
                        "kind": KIND_TITLES[kind],
                        "line": line,
                    }
                )
    return rows


def _any_of(chosen: list[str], every: list[str] | tuple[str, ...]) -> str:
    return "any" if len(chosen) == len(every) else " · ".join(chosen)


def rule_table_markdown() -> str:
    rows = [
        "| visibility | status | commitment | kind | what you may say |",
        "|---|---|---|---|---|",
    ]
    for r in rule_table():
        rows.append(
            f"| {r['visibility']} | {r['status']} | {r['commitment']} | {r['kind']} | {r['line']} |"
        )
    return "\n".join(rows)


# --- Links ---------------------------------------------------------------------------------


def serves(strategy: Strategy | None, item: Item) -> list[tuple[int, Priority]]:
    """The ranked priorities an item serves, as (rank, priority), highest first."""
    if strategy is None:
        return []
    return [(n, p) for n, p in enumerate(strategy.priorities, 1) if p.covers(item)]


def absence(item: Item) -> str | None:
    """Why an item is not on the light roadmap (a key of ABSENCE), or None when it is."""
    if item.visibility == "internal":
        return "internal"
    if item.status in ("cancelled", "paused"):
        return item.status
    if item.visibility == "ask-first":
        return "ask-first"
    return None


# --- Accounts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ask:
    """One item an account asked for, with their own entry (ARR, note) and the rule."""

    item: Item
    customer: Customer
    rule: Rule


@dataclass(frozen=True)
class Account:
    id: str
    name: str
    arr: float | None  # the largest ARR recorded for them
    arr_recorded: tuple[float, ...]  # every distinct ARR recorded, to flag disagreement
    asks: tuple[Ask, ...]

    @property
    def uri(self) -> str:
        return account_uri(self.id)

    @property
    def counts(self) -> dict[str, int]:
        """How many of their asks fall under each kind of rule, in the order of KINDS."""
        found = Counter(a.rule.kind for a in self.asks)
        return {kind: found[kind] for kind in KINDS}


def account_uri(account_id: str) -> str:
    name = "account-index" if account_id == "index" else account_id  # index.md lists them all
    return f"{PLAYBOOK_DIR}/accounts/{name}.md"


def accounts(items: Iterable[Item]) -> list[Account]:
    """Every customer named on an item, as one account each, largest ARR first."""
    entries: dict[str, list[tuple[Item, Customer]]] = {}
    for item in items:
        for customer in item.customers:
            entries.setdefault(customer.account, []).append((item, customer))
    out = []
    for account_id, found in entries.items():
        names = Counter(c.name for _, c in found)
        name = max(names, key=lambda n: (names[n], -[c.name for _, c in found].index(n)))
        recorded = sorted({c.arr for _, c in found if c.arr is not None})
        asks = sorted(
            (Ask(item, customer, say_rule(item)) for item, customer in found),
            key=lambda a: (KINDS.index(a.rule.kind), a.item.title.casefold(), a.item.id),
        )
        out.append(
            Account(
                id=account_id,
                name=name,
                arr=recorded[-1] if recorded else None,
                arr_recorded=tuple(recorded),
                asks=tuple(asks),
            )
        )
    out.sort(key=lambda a: (-(a.arr or 0), a.name.casefold(), a.id))
    return out


# --- The views -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedPage:
    """A page for the planner to render: its template, front matter and context."""

    src_uri: str
    template: str
    meta: dict[str, Any]
    context: dict[str, Any] = field(default_factory=dict)
    in_nav: bool = True
    # One of many pages, each given a few values: `mkdocs serve` takes it from the rebuild
    # before when they are the same (pages.plan_site).
    reused: bool = False


@dataclass(frozen=True)
class Links:
    """What the views need from the site's settings to link out."""

    client_ask_url: str | None = None
    light_site_url: str | None = None  # where clients read the light roadmap
    use_directory_urls: bool = True
    account_links: dict[str, str] = field(default_factory=dict)  # account id -> its link
    today: date | None = None  # the build date: which approvals are live

    def light(self, item_id: str | None = None) -> str | None:
        """The light-site address of the home page or of an item, when the site's is known."""
        if not self.light_site_url:
            return None
        return self.light_site_url.rstrip("/") + "/" + (self.light_path(item_id) if item_id else "")

    def light_path(self, item_id: str) -> str:
        return f"items/{item_id}/" if self.use_directory_urls else f"items/{item_id}.html"

    def ask(self, item: Any, customer: str | None = None) -> str | None:
        return fill(self.client_ask_url, item, customer)


def _view_uri(name: str) -> str:
    assert name in PLAYBOOK_VIEWS or name == "index.md", name
    return f"{PLAYBOOK_DIR}/{name}"


OVERVIEW = _view_uri("index.md")
ACCOUNTS = _view_uri("accounts/index.md")
TALK_TRACKS = _view_uri("talk-tracks.md")
SHARE = _view_uri("share-case-by-case.md")
NEGOTIATION = _view_uri("negotiation.md")
CLIENTS_SEE = _view_uri("what-clients-see.md")


def playbook_pages(
    view: View, links: Links, intro: Callable[[Any, str], str]
) -> tuple[list[PlannedPage], list[dict[str, str]]]:
    """The generated playbook views and their nav entries, for the internal site.

    `intro(page, uri)` gives a hand-written page's body with its links rewritten for `uri`: the
    hand-written playbook/index.md opens the overview.
    """
    items = list(view.items)
    rules = {i.id: say_rule(i) for i in items}
    twins = view.twins
    all_accounts = accounts(items)
    asks_first = [i for i in items if rules[i.id].kind == "ask-first"]
    shared = sharing(items, view.accounts, links.today, links.account_links)
    pages = [
        _overview(view, intro, all_accounts, asks_first),
        *_account_pages(all_accounts, links, twins, shared),
        _talk_tracks(items, rules, twins),
        _share(asks_first, rules, links, shared),
        _negotiation(view, items, rules),
        _clients_see(view, items, rules, links),
    ]
    nav = [{page.meta["title"]: page.src_uri} for page in pages if page.in_nav]
    nav[0] = {"Overview": OVERVIEW}
    return pages, nav


def _overview(view: View, intro, all_accounts, asks_first) -> PlannedPage:
    hand_written = next((p for p in view.playbook if p.rel == "index.md"), None)
    title = hand_written.title if hand_written else "Sales playbook"
    body = intro(hand_written, OVERVIEW) if hand_written else ""
    heading = ""
    if body.lstrip().startswith("# "):
        heading, _, body = body.lstrip().partition("\n")
    strategy = view.strategy
    return PlannedPage(
        OVERVIEW,
        "playbook-index.md.j2",
        {
            "title": title,
            "description": hand_written.description if hand_written else None,
            "hide": ["toc"],
        },
        {
            "title": title,
            "heading": heading,
            "intro": body,
            "accounts": all_accounts,
            "asks_first": asks_first,
            "priorities": len(strategy.priorities) if strategy else 0,
            "rules": rule_table(),
            "views": {
                "accounts": ACCOUNTS,
                "talk_tracks": TALK_TRACKS,
                "share": SHARE,
                "negotiation": NEGOTIATION,
                "clients_see": CLIENTS_SEE,
            },
        },
    )


def _account_pages(
    all_accounts: list[Account], links: Links, twins: dict, shared: list[AccountSharing]
) -> list[PlannedPage]:
    # An account of accounts.yml is the customer its name names ("Harrow & Finch" = "harrow
    # finch"), or the one its id is.
    by_name = {id_of_name(s.account.name): s for s in shared} | {s.account.id: s for s in shared}
    pages = [
        PlannedPage(
            ACCOUNTS,
            "playbook-accounts.md.j2",
            {"title": "Account briefs", "hide": ["toc"]},
            {"accounts": all_accounts},
        )
    ]
    for account in all_accounts:
        owners: dict[str, list[Ask]] = {}
        for ask in account.asks:
            if ask.rule.kind in ("ask-first", "do-not-mention"):
                owners.setdefault(ask.item.owner or NOBODY, []).append(ask)
        # Only the twins of its own items: the page is reused between previews by its values.
        theirs = {a.item.id: twins[a.item.id] for a in account.asks if a.item.id in twins}
        pages.append(
            PlannedPage(
                account.uri,
                "playbook-account.md.j2",
                {"title": account.name, "hide": ["navigation", "toc"]},
                {
                    "account": account,
                    "links": links,
                    "twins": theirs,
                    "owners": owners,
                    "sharing": by_name.get(account.id),
                },
                in_nav=False,
                reused=True,
            )
        )
    return pages


def _talk_tracks(items: list[Item], rules: dict[str, Rule], twins: dict) -> PlannedPage:
    groups = [(kind, [i for i in items if rules[i.id].kind == kind]) for kind in KINDS]
    return PlannedPage(
        TALK_TRACKS,
        "playbook-talk-tracks.md.j2",
        {"title": "Talk tracks"},
        {"groups": [(k, g) for k, g in groups if g], "rules": rules, "twins": twins},
    )


def _share(
    asks_first: list[Item], rules: dict[str, Rule], links: Links, shared: list[AccountSharing]
) -> PlannedPage:
    by_owner: dict[str, list[Item]] = {}
    for item in sorted(asks_first, key=lambda i: ((i.owner or NOBODY).casefold(), i.title)):
        by_owner.setdefault(item.owner or NOBODY, []).append(item)
    by_account = [
        (a, [x for x in a.asks if x.rule.kind == "ask-first"]) for a in accounts(asks_first)
    ]
    return PlannedPage(
        SHARE,
        "playbook-share.md.j2",
        {"title": "Share case by case"},
        {
            "by_owner": by_owner,
            "by_account": by_account,
            "rules": rules,
            "links": links,
            "sharing": [s for s in shared if s.shares],
            "ending": ending_soon(shared, links.today),
            "ending_days": EXPIRING_DAYS,
        },
    )


def _negotiation(view: View, items: list[Item], rules: dict[str, Rule]) -> PlannedPage:
    strategy = view.strategy
    priorities = (
        [(p, [i for i in items if p.covers(i)]) for p in strategy.priorities] if strategy else []
    )
    areas = [(a, [i for i in items if a.covers(i)]) for a in strategy.flexible] if strategy else []
    serving = {i.id for _, found in priorities for i in found}
    open_items = [i for i in items if i.status in OPEN_STATUSES]
    return PlannedPage(
        NEGOTIATION,
        "playbook-negotiation.md.j2",
        {"title": "Negotiation guide"},
        {
            "strategy": strategy,
            "priorities": priorities,
            "areas": areas,
            "bending": [i for i in open_items if i.sales and i.sales.flexibility],
            "unranked": [i for i in open_items if priorities and i.id not in serving],
            "rank": {i.id: serves(strategy, i)[0][0] for i in items if serves(strategy, i)},
            "rules": rules,
        },
    )


def _clients_see(
    view: View, items: list[Item], rules: dict[str, Rule], links: Links
) -> PlannedPage:
    public = view.public
    shown = list(public.items) if public else []
    board = [i for i in shown if i.status in OPEN_STATUSES]
    shipped = sorted(
        (i for i in shown if i.status == "shipped"), key=lambda i: str(i.shipped), reverse=True
    )
    twins = view.twins
    absent: dict[str, list[Item]] = {reason: [] for reason in ABSENCE_TITLES}
    for item in items:
        if item.id not in twins:
            absent[absence(item) or "theme"].append(item)
    renamed = [(i, twins[i.id]) for i in items if i.id in twins and twins[i.id].title != i.title]
    return PlannedPage(
        CLIENTS_SEE,
        "playbook-clients-see.md.j2",
        {"title": "What clients see", "hide": ["toc"]},
        {
            "columns": {h: [i for i in board if i.horizon == h] for h in HORIZON_LABELS},
            "recent": shipped[:3],
            "shown": len(shown),
            "absent": {reason: found for reason, found in absent.items() if found},
            "renamed": renamed,
            "rules": rules,
            "links": links,
            # The board shows the twins: their cards open the internal item pages.
            "internal_page": {f"items/{t.id}.md": f"items/{i}.md" for i, t in twins.items()},
        },
    )
