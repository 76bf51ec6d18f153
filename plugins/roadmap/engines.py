"""The engines `roadmap build` can build the sites with, one small adapter each.

MkDocs 1.6 and ProperDocs 1.6 (its fork, which answers every `mkdocs.*` import with its own
module) run the roadmap plugin: the plugin plans, audits and seals, the adapter only chooses
which package the `mkdocs.*` imports load. One process holds one engine: once a package is
imported as `mkdocs`, the other cannot be, so a build asked of the other runs in a fresh
interpreter (`run_elsewhere`). An engine that runs no plugin (Zensical) needs the render-only
pipeline the README's "When Material stops" section describes; it is not an adapter here yet.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Engine:
    name: str
    package: str  # the import package that serves `mkdocs.*` when this engine builds
    install: str  # how to get it, for the one-line error

    def installed(self) -> bool:
        return importlib.util.find_spec(self.package) is not None

    def loaded(self) -> str | None:
        """The package serving `mkdocs` in this process, or None before any import of it."""
        module = sys.modules.get("mkdocs")
        return None if module is None else module.__name__

    def activate(self) -> bool:
        """Make `mkdocs.*` imports load this engine; False when another one is loaded already."""
        loaded = self.loaded()
        if loaded is not None:
            return loaded == self.package
        if self.package != "mkdocs":
            importlib.import_module(f"{self.package}.replacement")  # the fork's import redirect
        return True


ENGINES = {
    "mkdocs": Engine("mkdocs", "mkdocs", "pip install 'mkdocs>=1.6,<2'"),
    "properdocs": Engine("properdocs", "properdocs", "pip install -e '.[properdocs]'"),
}
DEFAULT = "mkdocs"
ENGINE_ENV = "ROADMAP_ENGINE_CHILD"  # set in the interpreter run_elsewhere starts: never twice


def run_elsewhere(engine: Engine, argv: list[str]) -> int:
    """`roadmap <argv>` in a fresh interpreter, where `engine` can be loaded; its output is
    passed on through this process's streams (which a caller may have redirected)."""
    if os.environ.get(ENGINE_ENV):
        print(f"roadmap: {engine.name} could not be loaded; a bug of ours", file=sys.stderr)
        return 1
    env = {**os.environ, ENGINE_ENV: "1"}
    done = subprocess.run(
        [sys.executable, "-m", "roadmap.cli", *argv], env=env, capture_output=True, text=True
    )
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    return done.returncode
