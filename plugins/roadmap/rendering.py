"""Rendering made cheap: one reused Markdown instance for the renders the planner asks for, and
the theme's navigation rendered once for the thousands of pages that show the same one.

MkDocs' own page renders keep their own Markdown and extensions each: extension instances shared
between pages leak (pymdownx.superfences adds its default fence, holding that page's Markdown, to
a list on the extension at every registration: about 45 KB a page kept to the end of the build)
and building them by name costs about 3 microseconds each.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jinja2
import markdown


class Renderer:
    """Markdown to HTML with fixed extensions, one instance reset between texts, each text
    rendered once (the planner renders a page body for its title and again for its heading).

    `before`: what a build before rendered with the same extensions and options (`mkdocs serve`
    keeps it between rebuilds); what this build renders again is taken from it, and `done` holds
    only what this build asked for, so a long preview session does not grow."""

    def __init__(
        self,
        extensions: Iterable[Any],
        configs: dict[str, dict[str, Any]],
        before: dict[str, str] | None = None,
    ):
        self.md = markdown.Markdown(extensions=list(extensions), extension_configs=configs)
        self.before = before or {}
        self.done: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        if text not in self.done:
            found = self.before.get(text)
            self.done[text] = self.md.reset().convert(text) if found is None else found
        return self.done[text]


# --- The theme's templates --------------------------------------------------------------------

MATERIAL_ALIAS = "roadmap-material/"  # the theme's own partial, for the wrapper to include
# Partials the same on every page the navigation does not list, at one folder depth.
SHARED_PARTIALS = {"partials/nav.html": "nav", "partials/tabs.html": "tabs"}
# The template of a page found in the render cache (cache.py): its output is the cached one.
CACHED_TEMPLATE = "roadmap-cached.html"


def with_theme_aliases(loader: jinja2.BaseLoader, theme_dirs: Iterable[str]) -> jinja2.BaseLoader:
    """`loader`, with each of SHARED_PARTIALS wrapped in `roadmap_once` (SharedBlocks).

    The wrapper lives here, not in overrides/: templates that call Python of ours would not
    render with an engine that runs no plugin. It includes the partial the theme would have
    used (overrides/ first), under MATERIAL_ALIAS: the same name would include itself.
    """
    sources = {CACHED_TEMPLATE: ""}
    for name, key in SHARED_PARTIALS.items():
        for folder in theme_dirs:
            path = Path(folder) / name
            if path.is_file():
                sources[MATERIAL_ALIAS + name] = path.read_text(encoding="utf-8")
                sources[name] = (
                    f'{{% call roadmap_once("{key}") %}}'
                    f'{{% include "{MATERIAL_ALIAS}{name}" %}}{{% endcall %}}'
                )
                break
    return jinja2.ChoiceLoader([jinja2.DictLoader(sources), loader])


class SharedBlocks:
    """`{% call roadmap_once("name") %}...{% endcall %}` in a template: what it wraps is rendered
    once per key and reused. The key (`roadmap_shared` in the page's context) says which pages
    see the same thing: the site's navigation is the same on every page it does not list, at
    one folder depth (thousands of item pages); None renders every time."""

    def __init__(self):
        self.done: dict[tuple[str, Any], str] = {}

    def install(self, env: jinja2.Environment) -> None:
        @jinja2.pass_context
        def once(context, name: str, caller) -> str:
            key = context.get("roadmap_shared")
            if key is None:
                return caller()
            if (name, key) not in self.done:
                self.done[name, key] = caller()
            return self.done[name, key]

        env.globals["roadmap_once"] = once


class CompiledTemplates(jinja2.BytecodeCache):
    """The theme's templates compiled once for a whole `mkdocs serve` session: MkDocs makes a
    new Jinja environment for every rebuild, which compiled Material's templates again (about
    0.2 s of each). Jinja checks each entry against its template's source, so an edited
    override is compiled again."""

    def __init__(self):
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()
