"""The engines `roadmap build` can build the sites with, one small adapter each.

MkDocs 1.6 and ProperDocs 1.6 (its fork, which answers every `mkdocs.*` import with its own
module) run the roadmap plugin: the plugin plans, audits and seals, the adapter only chooses
which package the `mkdocs.*` imports load. One process holds one engine: once a package is
imported as `mkdocs`, the other cannot be, so a build asked of the other runs in a fresh
interpreter (`run_elsewhere`). An engine that runs no plugin (Zensical) needs the render-only
pipeline (render_only.py): `mkdocs-render-only`, an experimental engine, runs plain MkDocs that
way, without our plugin, for both sites; a Zensical adapter would differ in the `render`
function of build_render_only (and in reading its config).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Engine:
    name: str
    package: str  # the import package that serves `mkdocs.*` when this engine builds
    install: str  # how to get it, for the one-line error
    runs_plugin: bool = True  # False: the core plans and finishes the site (render_only.py)

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
    # Experimental: the render-only pipeline, proven with plain MkDocs.
    "mkdocs-render-only": Engine(
        "mkdocs-render-only", "mkdocs", "pip install 'mkdocs>=1.6,<2'", runs_plugin=False
    ),
}
LISTED = ("mkdocs", "properdocs")  # in --help; the others are experimental
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


def build_render_only(config_file: Path) -> str:
    """The site of `config_file` (light or internal, by its audience) through the render-only
    pipeline, rendered by plain MkDocs in a process of its own that loads no plugin of ours;
    its summary line. Raises sites.Rejected or render_only.RenderError; the published site
    stays as it was then (a site built inside an open staging.Batch waits for it)."""
    from mkdocs.config import load_config
    from mkdocs.utils.yaml import yaml_load

    from .addresses import read_address_secret
    from .load import build_date
    from .passwords import found_in_repository, read_passwords
    from .plugin import _placeholder_problems, content_dir, password_context
    from .render_only import Project, RenderError, build_internal_site, build_light_site

    config = load_config(config_file=str(config_file))
    plugin = config.plugins["roadmap"]
    options = dict(plugin._options.get(config.config_file_path, plugin.config))
    with open(config_file, encoding="utf-8") as f:
        raw = yaml_load(f)
    raw.pop("INHERIT", None)
    project = Project(
        config=raw,
        config_dir=config_file.parent.resolve(),
        options=options,
        theme_dirs=[Path(d) for d in config.theme.dirs],
        site_dir=Path(config.site_dir),
        problems=_placeholder_problems(config, content_dir(config)),
    )

    def render(engine_config: Path) -> None:
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
        done = subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "-f", str(engine_config)],
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            said = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
            raise RenderError(said[-1] if said else f"mkdocs exited with {done.returncode}")

    if options["audience"] != "internal":
        return build_light_site(project, render, build_date()[0])

    def secrets(roadmap):
        """As the plugin's on_config: the passwords checked against the content's words."""
        context = password_context(config, options["confidential_terms"], roadmap)
        credentials, problems = read_passwords(asked_by=config_file, context=context)
        addresses, found = read_address_secret(config_file.parent, create=True)
        if credentials:
            for warning in found_in_repository(credentials, config_file.parent):
                print(f"WARNING: {warning}", file=sys.stderr)
        return credentials, addresses, problems + found

    return build_internal_site(project, render, build_date()[0], secrets)
