"""How clients ask and vote with no server of ours: the `request_url` and `feedback_url`
templates, checked once, then filled for an item or for a page as a link clients follow.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

PLACEHOLDERS = ("id", "title")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_SCHEME = re.compile(r"^(?:https?://\S+|mailto:\S*)$")


def template_problem(template: str) -> tuple[str, str] | None:
    """Why a link template cannot work and what to do, or None."""
    if not _SCHEME.match(template):
        return (
            f"'{template}' is not a web or mailto address",
            "start it with https:// (a form or an issue tracker) or mailto: (an email address)",
        )
    unknown = [name for name in _PLACEHOLDER.findall(template) if name not in PLACEHOLDERS]
    if unknown:
        return (
            f"'{{{unknown[0]}}}' is not a placeholder",
            "use {id} (the item's id) and {title} (its title as clients see it)",
        )
    return None


def fill(template: str | None, item: Any = None) -> str | None:
    """The template with `{id}` and `{title}` filled in, each encoded as a URL component.

    Without an item (a page's "Request a feature" link) both are empty: the client names the
    feature. Encoding with no safe characters keeps `&`, `#`, `?` and `/` of a title inside
    its parameter, and spaces as %20, which mailto: needs (a `+` would stay a plus there).
    """
    if not template:
        return None
    values = {"id": item.id, "title": item.title} if item is not None else {}
    return _PLACEHOLDER.sub(lambda m: quote(values.get(m.group(1), ""), safe=""), template)
