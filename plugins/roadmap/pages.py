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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
import yaml
from markupsafe import Markup

from .asking import fill
from .audience import PUBLIC_ITEM_FIELDS, PublicTheme, View
from .load import PAGES_DIR, PLAYBOOK_DIR
from .model import HORIZONS, Item, Theme
from .references import relative, rewrite
from .schema import PUBLIC, Quarter, declared, record_json_schema, spec_of

STATUS_LABELS = {
    "exploring": "Exploring",
    "planned": "Planned",
    "in-progress": "In progress",
    "shipped": "Shipped",
    "paused": "Paused",
    "cancelled": "Cancelled",
}
HORIZON_LABELS = {"now": "Now", "next": "Next", "later": "Later"}
HORIZON_HINTS = {
    "now": "Being built or about to start",
    "next": "Coming up after what we are building now",
    "later": "On our radar, shape still open",
}
COMMITMENT_BADGES = {
    "committed": ("Committed", "You may promise it{when}."),
    "likely": ("Likely", "Say it is planned; do not promise a date."),
    "exploratory": ("Exploratory", "Do not promise it: say we are exploring it."),
}
DEFAULT_DISCLAIMER = (
    "This roadmap shows our current plans. It is for information only, is not a commitment "
    "to deliver any feature by any date, and may change without notice. Please do not base "
    "purchasing decisions on it."
)
JSON_VERSION = 1
# Listing pages repeat the items' own text: search finds each item once, on its own page.
LISTING = {"exclude": True}
CLOSED = ("shipped", "cancelled", "paused")  # not on the board (paused: listed apart, internal)


@dataclass(frozen=True)
class Settings:
    """The plugin options that shape pages (see plugin.py for their meaning)."""

    today: date
    feedback_url: str | None = None
    request_url: str | None = None
    client_ask_url: str | None = None
    stale_after_days: int = 90
    use_directory_urls: bool = True


@dataclass
class GeneratedPage:
    src_uri: str
    markdown: str
    in_nav: bool = True


@dataclass
class SitePlan:
    pages: dict[str, GeneratedPage] = field(default_factory=dict)
    nav: list[Any] = field(default_factory=list)
    media: dict[str, Path] = field(default_factory=dict)  # src_uri -> file under content/
    data: dict[str, str] = field(default_factory=dict)  # src_uri -> text (roadmap.json)


def plan_site(view: View, settings: Settings, render_html: Callable[[str], str]) -> SitePlan:
    return _Planner(view, settings, render_html).plan()


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
    dumped = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=10_000)
    return f"---\n{dumped}---\n\n"


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("roadmap", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_text
    env.filters["month"] = lambda ym: date.fromisoformat(f"{ym}-01").strftime("%B %Y")
    env.filters["day"] = lambda d: f"{d.day} {d:%B %Y}"
    env.filters["number"] = lambda n: f"{n:,.0f}"
    env.filters["urlq"] = lambda v: quote(str(v), safe="")
    env.filters["href"] = href
    env.globals.update(
        STATUS_LABELS=STATUS_LABELS,
        HORIZON_LABELS=HORIZON_LABELS,
        HORIZON_HINTS=HORIZON_HINTS,
        HORIZONS=HORIZONS,
    )
    return env


_ENV = _env()


class _Planner:
    def __init__(self, view: View, settings: Settings, render_html: Callable[[str], str]):
        self.view, self.settings, self.render_html = view, settings, render_html
        self.internal = view.audience == "internal"
        self.plan_ = SitePlan()
        self.themes = {t.id: t for t in view.themes}
        self.items = {i.id: i for i in view.items}
        # Lookups every item page needs, made once: a roadmap of 10,000 items stays linear.
        self.needed_by: dict[str, list] = {}
        for i in view.items:
            for dep in getattr(i, "depends_on", ()):
                self.needed_by.setdefault(dep, []).append(i)
        self.twins = {p.id: p for p in view.public.items} if view.public else {}
        self.by_theme: dict[str, list] = {}
        for i in view.items:
            self.by_theme.setdefault(i.theme, []).append(i)
        self.item_src = {i.path.resolve(): f"items/{i.id}.md" for i in view.items}
        self.page_src = {p.path.resolve(): self._page_uri(p) for p in (*view.pages, *view.playbook)}

    # Where things land ---------------------------------------------------------------------

    @staticmethod
    def _page_uri(page) -> str:
        return page.rel if page.section == PAGES_DIR else f"{PLAYBOOK_DIR}/{page.rel}"

    def _media_uri(self, path: Path) -> str:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        return f"media/{digest}{path.suffix.lower()}"

    def _target(self, from_uri: str) -> Callable[[Path], str | None]:
        """How a reference in a page at `from_uri` is rewritten for this audience."""

        def new_target(path: Path) -> str | None:
            path = path.resolve()
            uri = self.item_src.get(path) or self.page_src.get(path)
            if uri:
                return relative(from_uri, uri)
            if path not in self.view.files:
                return None  # not for this audience (or missing: check reports it)
            if self.internal:
                return _data_uri(path)
            media = self._media_uri(path)
            self.plan_.media[media] = path
            return relative(from_uri, media)

        return new_target

    def _body(self, thing, from_uri: str) -> str:
        return rewrite(thing.body, thing.path, self._target(from_uri))

    def _add(self, uri: str, template: str, meta: dict[str, Any], in_nav: bool = True, **ctx):
        tpl = _ENV.get_template(template)
        body = tpl.render(
            internal=self.internal,
            link=lambda to: relative(uri, to),
            themes=self.themes,
            settings=self.settings,
            **ctx,
        )
        self.plan_.pages[uri] = GeneratedPage(uri, _yaml_front_matter(meta) + body, in_nav)

    # The pages -------------------------------------------------------------------------------

    def plan(self) -> SitePlan:
        view = self.view
        board = [i for i in view.items if i.status not in CLOSED]
        shipped = sorted(
            (i for i in view.items if i.status == "shipped"),
            key=lambda i: (str(i.shipped), i.title.casefold()),
            reverse=True,
        )
        self._home(board, shipped)
        for item in view.items:
            uri = f"items/{item.id}.md"
            self._add(
                uri,
                "item.md.j2",
                {"title": item.title, "description": item.summary},
                in_nav=False,
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
            {"title": "Recently shipped", "hide": ["navigation", "toc"], "search": LISTING},
            months=months,
        )
        nav.append({"Recently shipped": "shipped.md"})
        nav += [self._hand_written(page) for page in view.pages if page.rel != "index.md"]
        if view.playbook:
            nav.append({"Playbook": [self._hand_written(page) for page in view.playbook]})
        self.plan_.nav = nav
        if not self.internal:
            self.plan_.data["roadmap.json"] = self._roadmap_json()
            self.plan_.data["roadmap.schema.json"] = (
                json.dumps(roadmap_json_schema(), indent=2, ensure_ascii=False) + "\n"
            )
        return self.plan_

    def _home(self, board: list, shipped: list) -> None:
        view = self.view
        home = next((p for p in view.pages if p.rel == "index.md"), None)
        recent, stopped = shipped[:3], self._stopped(view.items)
        shown = [*board, *recent, *stopped]  # every card on the page, which the filters count
        title = home.title if home else "Roadmap"
        self._add(
            "index.md",
            "home.md.j2",
            {
                "title": title,
                "description": home.description if home else None,
                "hide": ["navigation", "toc"],
                "search": LISTING,
            },
            intro=self._body(home, "index.md") if home else "",
            title=title,
            columns={h: [i for i in board if i.horizon == h] for h in HORIZONS},
            filter_themes=[t for t in view.themes if any(i.theme == t.id for i in shown)],
            filter_statuses=[s for s in STATUS_LABELS if any(i.status == s for i in shown)],
            recent=recent,
            stopped=stopped,
            total=len(shown),
            request=fill(self.settings.request_url) if not self.internal else None,
        )

    def _theme(self, theme, shipped: list) -> dict[str, str]:
        uri = f"themes/{theme.id}.md"
        theirs = self.by_theme.get(theme.id, [])
        open_items = [i for i in theirs if i.status not in CLOSED]
        self._add(
            uri,
            "theme.md.j2",
            {"title": theme.title, "description": theme.summary, "search": LISTING},
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
            theirs = [i for i in self.by_theme.get(theme.id, []) if i.status not in CLOSED]
            counts = {h: sum(i.horizon == h for i in theirs) for h in HORIZONS}
            rows.append((theme, counts, sum(i.theme == theme.id for i in shipped)))
        self._add(
            "themes/index.md",
            "themes.md.j2",
            {
                "title": "Themes",
                "description": "The parts of the product the roadmap covers.",
                "hide": ["toc"],
                "search": LISTING,
            },
            rows=rows,
        )
        return {"All themes": "themes/index.md"}

    def _stopped(self, items) -> list:
        """Paused and cancelled items: listed on the internal site only."""
        return [i for i in items if i.status in ("paused", "cancelled")] if self.internal else []

    def _hand_written(self, page) -> dict[str, str]:
        uri = self._page_uri(page)
        self._add(
            uri,
            "page.md.j2",
            {"title": page.title, "description": page.description},
            page=page,
            body=self._body(page, uri),
        )
        return {page.title: uri}

    def _item_context(self, item) -> dict[str, Any]:
        light = not self.internal
        ctx: dict[str, Any] = {
            "feedback": fill(self.settings.feedback_url, item) if light else None,
            "request": fill(self.settings.request_url, item) if light else None,
        }
        if not self.internal:
            return ctx
        needed_by = self.needed_by.get(item.id, [])
        twin = self.twins.get(item.id)
        label, promise = COMMITMENT_BADGES[item.commitment]
        when = f" for {item.target}" if item.target else ""
        age = (self.settings.today - item.last_reviewed).days if item.last_reviewed else None
        ctx.update(
            depends=[self.items[d] for d in item.depends_on],
            needed_by=needed_by,
            commitment_label=label,
            commitment_promise=promise.format(when=when),
            stale=age is not None and age > self.settings.stale_after_days,
            review_age=age,
            arr_total=sum(c.arr or 0 for c in item.customers),
            client_ask=fill(self.settings.client_ask_url, item),
            twin=twin,
            twin_html=self._client_view_html(twin) if twin else "",
            hidden_reason=_hidden_reason(item, self.themes),
        )
        return ctx

    def _client_view_html(self, twin) -> Markup:
        """The light site's own page for an item, for the internal "What clients see" panel.

        Rendered from the same template as the light site, then to HTML here rather than by
        MkDocs, so its headings stay out of the page's TOC; links become plain text, since
        light-site addresses mean nothing on the internal site.
        """
        uri = f"items/{twin.id}.md"
        markdown = _ENV.get_template("item.md.j2").render(
            internal=False,
            link=lambda to: relative(uri, to),
            themes={t.id: t for t in self.view.public.themes},
            settings=self.settings,
            item=twin,
            body=rewrite(twin.body, twin.path, lambda p: None),
            feedback=fill(self.settings.feedback_url, twin),
            request=fill(self.settings.request_url, twin),
        )
        rendered = self.render_html(markdown)
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


def _hidden_reason(item: Item, themes: dict) -> str | None:
    """Why an item is not on the light site, or None when it is."""
    if item.visibility == "internal":
        return "It is internal only."
    if item.visibility == "ask-first":
        who = item.owner or "the product team"
        return f"It is ask-first: ask {who} before sharing anything about it."
    if item.status in ("paused", "cancelled"):
        return f"It is {item.status}: paused and cancelled items never show on the light site."
    theme = themes.get(item.theme)
    if theme is not None and theme.visibility != "public":
        return "Its theme is internal."
    return None


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
