"""Markdown as the build renders it, made cheap: extensions built once per build rather than once
per page, and one reused Markdown instance for the renders the planner asks for.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import markdown
from markdown.extensions import Extension


def built_extensions(extensions: Iterable[Any], configs: dict[str, dict[str, Any]]) -> list[Any]:
    """`extensions` as instances, configured as `configs` says.

    MkDocs makes a Markdown instance per page from the config's list; given names, each one
    imports and configures every extension again (a millisecond a page, a third of a small
    page's time). Instances are only registered. Each page still gets its own Markdown.
    """
    factory = markdown.Markdown()
    out: list[Any] = []
    for ext in extensions:
        if isinstance(ext, Extension):
            out.append(ext)
        else:
            out.append(factory.build_extension(ext, configs.get(ext, {})))
    return out


class Renderer:
    """Markdown to HTML with fixed extensions, one instance reset between texts, each text
    rendered once (the planner renders a page body for its title and again for its heading)."""

    def __init__(self, extensions: Iterable[Any], configs: dict[str, dict[str, Any]]):
        self.md = markdown.Markdown(extensions=list(extensions), extension_configs=configs)
        self.done: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        if text not in self.done:
            self.done[text] = self.md.reset().convert(text)
        return self.done[text]
