"""Atom feeds of the light site's changes (written with feedgen): one for the whole roadmap at
`feed.xml`, one per public theme at `themes/<id>/feed.xml`.

They are made from the light site's changes alone (history.public_changes): public items, their
current public titles and summaries, dates. Ids are derived from what they describe, so the same
change keeps its id from build to build and a feed reader shows it once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from feedgen.feed import FeedGenerator

from .audience import View
from .history import Change

FEED = "feed.xml"
MAX_ENTRIES = 50  # feed readers keep what they have seen; a feed carries the latest news
_NAMESPACE = uuid.UUID("6f1c2d4e-8a7b-5c3d-9e0f-1a2b3c4d5e6f")  # this tool's ids, fixed forever


@dataclass(frozen=True)
class FeedSite:
    """What a feed needs to know of the site it belongs to."""

    name: str
    url: str | None  # site_url: feed readers need absolute links; without it links are relative
    today: date


def theme_feed(theme_id: str) -> str:
    return f"themes/{theme_id}/{FEED}"


def feed_files(
    view: View,
    changes: Sequence[Change],
    site: FeedSite,
    describe: Callable[[Change], str],
    href: Callable[[str, str], str],
) -> dict[str, str]:
    """Every feed of the light site: {src_uri: Atom XML}.

    `describe` words a change ("moved from Next to Now"); `href(from_uri, to_uri)` is the address
    of a page as written in a file at `from_uri` (absolute when the site has a URL).
    """
    summaries = {i.id: i.summary for i in view.items}
    out = {FEED: atom(site, FEED, site.name, "index.md", changes, summaries, describe, href)}
    for theme in view.themes:
        theirs = [c for c in changes if _theme_of(view, c.item) == theme.id]
        uri = theme_feed(theme.id)
        title = f"{site.name}: {theme.title}"
        page = f"themes/{theme.id}.md"
        out[uri] = atom(site, uri, title, page, theirs, summaries, describe, href)
    return out


def _theme_of(view: View, item_id: str) -> str | None:
    return next((i.theme for i in view.items if i.id == item_id), None)


def atom(
    site: FeedSite,
    uri: str,
    title: str,
    page: str,
    changes: Sequence[Change],
    summaries: dict[str, str],
    describe: Callable[[Change], str],
    href: Callable[[str, str], str],
) -> str:
    """One Atom document for `changes` (newest first), published at `uri`."""
    feed = FeedGenerator()
    feed.id(_urn(site, uri))
    feed.title(title)
    feed.subtitle("Changes to the roadmap: items added, moved and shipped.")
    feed.author({"name": site.name})
    feed.link(href=href(uri, uri), rel="self", type="application/atom+xml")
    feed.link(href=href(uri, page), rel="alternate", type="text/html")
    feed.language("en")
    feed.generator("roadmap publisher")
    latest = changes[0].when if changes else datetime.combine(site.today, time(), UTC)
    feed.updated(latest)
    for change in changes[:MAX_ENTRIES]:
        entry = feed.add_entry(order="append")
        entry.id(_urn(site, uri, change))
        entry.title(f"{change.title}: {describe(change)}")
        entry.updated(change.when)
        entry.published(change.when)
        entry.link(href=href(uri, f"items/{change.item}.md"), rel="alternate", type="text/html")
        entry.summary(summaries.get(change.item, ""))
    return feed.atom_str(pretty=True, encoding="UTF-8").decode("utf-8")


def _urn(site: FeedSite, uri: str, change: Change | None = None) -> str:
    """A stable id: the same feed and change give the same id in every build."""
    key = f"{site.url or site.name}|"
    if change is None:
        key += uri
    else:  # the same change has the same id in the site's feed and in its theme's
        key += f"{change.item}|{change.kind}|{change.when.isoformat()}|{change.after}"
    return uuid.uuid5(_NAMESPACE, key).urn
