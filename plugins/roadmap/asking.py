"""Links to forms with no server of ours: `request_url` and `feedback_url` (how clients ask and
vote) and `client_ask_url` (how sales log a client's ask), checked once, then filled for an
item, a page or an account.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

PLACEHOLDERS = ("id", "title")
ACCOUNT_PLACEHOLDERS = (*PLACEHOLDERS, "customer")  # client_ask_url, filled in the playbook
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_SCHEME = re.compile(r"^(?:https?://\S+|mailto:\S*)$")


def template_problem(
    template: str, allowed: tuple[str, ...] = PLACEHOLDERS
) -> tuple[str, str] | None:
    """Why a link template cannot work and what to do, or None."""
    if not _SCHEME.match(template):
        return (
            f"'{template}' is not a web or mailto address",
            "start it with https:// (a form or an issue tracker) or mailto: (an email address)",
        )
    unknown = [name for name in _PLACEHOLDER.findall(template) if name not in allowed]
    if unknown:
        known = ["{id} (the item's id)", "{title} (its title as clients see it)"]
        if "customer" in allowed:
            known.append("{customer} (the account)")
        return (
            f"'{{{unknown[0]}}}' is not a placeholder",
            "use " + ", ".join(known[:-1]) + " and " + known[-1],
        )
    return None


def fill(template: str | None, item: Any = None, customer: str | None = None) -> str | None:
    """The template with `{id}`, `{title}` and `{customer}` filled in, each encoded as a URL
    component.

    Without an item (a page's "Request a feature" link) both are empty: the client names the
    feature; `{customer}` is the account in a playbook view, empty elsewhere. Encoding with no
    safe characters keeps `&`, `#`, `?` and `/` of a title inside its parameter, and spaces as
    %20, which mailto: needs (a `+` would stay a plus there).
    """
    if not template:
        return None
    values = {"id": item.id, "title": item.title} if item is not None else {}
    values["customer"] = customer or ""
    return _PLACEHOLDER.sub(lambda m: quote(values.get(m.group(1), ""), safe=""), template)
