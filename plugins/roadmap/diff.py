"""What changes between two versions of the roadmap, per audience: a pure function of two views,
written as Markdown for a pull-request comment (`roadmap diff`).

The report is for the team reviewing a pull request in the private repository: it names hidden
items too (what leaves the light site matters most). It is never published.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .audience import PUBLIC_ITEM_FIELDS, View
from .model import Item
from .pages import HORIZON_LABELS, STATUS_LABELS
from .schema import declared

AUDIENCE_TITLES = {
    "public": "Light site: what clients will see",
    "internal": "Internal site: what sales will see",
}
LABELS = {**STATUS_LABELS, **HORIZON_LABELS, None: "none"}


@dataclass
class ViewDiff:
    audience: str
    added: list = field(default_factory=list)  # items
    removed: list = field(default_factory=list)
    moved: list = field(default_factory=list)  # (old, new)
    status: list = field(default_factory=list)  # (old, new)
    text: list = field(default_factory=list)  # (new, [field names])
    pages: list = field(default_factory=list)  # (what, title)

    def __bool__(self) -> bool:
        return any((self.added, self.removed, self.moved, self.status, self.text, self.pages))


def compare(old: View, new: View) -> ViewDiff:
    """Items (and pages) added, removed, moved, changed in status or in text, old -> new."""
    out = ViewDiff(new.audience)
    before = {i.id: i for i in old.items}
    after = {i.id: i for i in new.items}
    names = _text_fields(new.audience)
    for item in new.items:
        was = before.get(item.id)
        if was is None:
            out.added.append(item)
            continue
        if was.horizon != item.horizon and item.horizon and was.horizon:
            out.moved.append((was, item))
        if was.status != item.status:
            out.status.append((was, item))
        changed = [n for n in names if getattr(was, n, None) != getattr(item, n, None)]
        if changed:
            out.text.append((item, [_field_label(n) for n in changed]))
    out.removed = [i for i in old.items if i.id not in after]
    old_pages = {p.rel: p for p in old.pages}
    new_pages = {p.rel: p for p in new.pages}
    for rel, page in new_pages.items():
        if rel not in old_pages:
            out.pages.append(("added", page.title))
        elif (old_pages[rel].title, old_pages[rel].body) != (page.title, page.body):
            out.pages.append(("changed", page.title))
    out.pages += [("removed", p.title) for rel, p in old_pages.items() if rel not in new_pages]
    return out


def _text_fields(audience: str) -> list[str]:
    """Every field of what the audience sees, but status and horizon (reported on their own)."""
    fields = PUBLIC_ITEM_FIELDS if audience == "public" else [f.name for f in declared(Item)]
    return [n for n in (*fields, "body") if n not in ("status", "horizon")]


def _field_label(name: str) -> str:
    return "description" if name == "body" else name


def report(diffs: list[ViewDiff], against: str) -> str:
    """The Markdown comment: one section per audience, one line per change."""
    lines = [f"## Roadmap changes against {against}", ""]
    for diff in diffs:
        lines += [f"### {AUDIENCE_TITLES[diff.audience]}", ""]
        if not diff:
            lines += ["No change.", ""]
            continue
        lines += [f"- **Added** {_name(i)}: {_where(i)}" for i in diff.added]
        lines += [f"- **Removed** {_name(i)}" for i in diff.removed]
        lines += [
            f"- **Moved** {_name(b)}: {LABELS[a.horizon]} → {LABELS[b.horizon]}"
            for a, b in diff.moved
        ]
        lines += [
            f"- **Status** {_name(b)}: {LABELS[a.status]} → {LABELS[b.status]}"
            for a, b in diff.status
        ]
        lines += [f"- **Text** {_name(i)}: {', '.join(names)}" for i, names in diff.text]
        lines += [f"- **Page {what}** {_escape(title)}" for what, title in diff.pages]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _name(item) -> str:
    return f"{_escape(item.title)} (`{item.id}`)"


def _where(item) -> str:
    horizon = f"{LABELS[item.horizon]}, " if item.horizon else ""
    return horizon + LABELS[item.status]


def _escape(text: str) -> str:
    return re.sub(r"([\\`*_{}\[\]<>#|~])", r"\\\1", text)
