"""The MkDocs plugin `roadmap`: wires MkDocs events to the core modules, nothing more.

Order of events (priorities in MkDocs run 100 first ... -100 last):
  on_config     load and check content, project it for the audience, plan the pages; read
                passwords (internal); move the build into a staging folder
  on_files      replace every file MkDocs found with the planned pages and the files they use
  on_post_build (-100, after Material's search index at 0) audit the light site, or seal the
                internal one, then swap the staging folder in; a failure leaves the old site
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import os
import time
from datetime import UTC, date, datetime
from pathlib import Path

import markdown
from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel

from .asking import fill, template_problem
from .audience import project
from .audit import trusted_files
from .load import load_with_problems
from .markup import RoadmapMarkup
from .pages import DEFAULT_DISCLAIMER, Settings, plan_site
from .passwords import read_passwords
from .problems import Problem, report
from .seal import ASSETS
from .sites import InternalSite, PublicSite, Rejected
from .staging import Staging

log = logging.getLogger("mkdocs.plugins.roadmap")

# Files the build writes under fixed names: their names say nothing of the content.
MACHINE_MADE = (
    "search/search_index.json",
    "sitemap.xml",
    "sitemap.xml.gz",
    "404.html",
    "roadmap.json",
    "roadmap.schema.json",
    "index.html",
)
PLUGIN_ASSETS = {
    "assets/roadmap/roadmap.css": "roadmap.css",
    "assets/roadmap/board.js": "board.js",
    "assets/roadmap/unlock.js": "unlock.js",
}


class RoadmapConfig(Config):
    audience = c.Choice(("public", "internal"), default="public")
    confidential_terms = c.ListOfItems(c.Type(str), default=[])
    audit_allow = c.ListOfItems(c.Type(str), default=[])
    disclaimer = c.Type(str, default=DEFAULT_DISCLAIMER)
    # Light site: "Give feedback" on items (kept for sites that set it before request_url).
    feedback_url = c.Optional(c.Type(str))
    # Light site: "Request a feature" on every page, "This matters to us" on every item.
    request_url = c.Optional(c.Type(str))
    client_ask_url = c.Optional(c.Type(str))
    stale_after_days = c.Type(int, default=90)


def build_date() -> date:
    """SOURCE_DATE_EPOCH when set, so a rebuild of the same commit is the same site."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return date.today()
    if not epoch.isdigit():
        raise Abort(f"SOURCE_DATE_EPOCH:1: '{epoch}' is not a number of seconds since 1970")
    return datetime.fromtimestamp(int(epoch), UTC).date()


class RoadmapPlugin(BasePlugin[RoadmapConfig]):
    def __init__(self):
        self.command = "build"
        self._options: dict[str | None, RoadmapConfig] = {}

    def load_config(self, options, config_file_path=None):
        # MkDocs keeps one instance of a plugin with on_startup for every config loaded in the
        # process, and hands it each config's options in turn: remember them per config file,
        # so building public.yml after loading internal.yml still builds the light site.
        errors, warnings = super().load_config(options, config_file_path)
        self._options[config_file_path] = self.config
        return errors, warnings

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.command = command

    # -- config ---------------------------------------------------------------------------------

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self.config = self._options.get(config.config_file_path, self.config)
        self.audience = self.config.audience
        self.preview = self.command == "serve"
        self.staging = None
        self.started = time.monotonic()

        roadmap, problems = load_with_problems(Path(config.docs_dir))
        credentials = None
        if self.audience == "internal" and not self.preview:
            credentials, found = read_passwords(asked_by=Path(config.config_file_path))
            problems += found
        problems += self._link_template_problems(config)
        if problems:
            raise Abort(report(problems))
        if self.audience == "internal" and self.preview:
            self._check_loopback(config)
        if self.audience == "public":
            self.site = PublicSite(roadmap, self.config.confidential_terms, self.config.audit_allow)
        else:
            self.site = InternalSite(credentials)

        view = project(roadmap, self.audience)
        self.today = build_date()
        settings = Settings(
            today=self.today,
            feedback_url=self.config.feedback_url,
            request_url=self.config.request_url,
            client_ask_url=self.config.client_ask_url,
            stale_after_days=self.config.stale_after_days,
            use_directory_urls=config.use_directory_urls,
        )
        request = fill(self.config.request_url)
        config.markdown_extensions.append(RoadmapMarkup(request))
        self.plan = plan_site(view, settings, _renderer(config))
        config.nav = self.plan.nav
        self._shape_theme(config)
        if not self.preview:  # build and gh-deploy
            self.staging = Staging(Path(config.site_dir))
            config.site_dir = str(self.staging.folder)
        return config

    def _shape_theme(self, config: MkDocsConfig) -> None:
        features = config.theme.get("features", [])
        config.theme["features"] = [f for f in features if f not in self.site.dropped_features]
        if self.audience == "public":
            config.repo_url = config.repo_name = config.edit_uri = None
        elif not self.preview:
            config.theme.static_templates.discard("sitemap.xml")
        config.extra_css.append("assets/roadmap/roadmap.css")
        config.extra_javascript.append("assets/roadmap/board.js")
        config.extra["roadmap"] = {
            "audience": self.audience,
            "disclaimer": self.config.disclaimer if self.audience == "public" else "",
            "updated": f"{self.today.day} {self.today:%B %Y}",
            "preview": self.preview and self.audience == "internal",
            "sealed": self.site.sealed,
            "request": fill(self.config.request_url) if self.audience == "public" else None,
        }

    def _link_template_problems(self, config: MkDocsConfig) -> list[Problem]:
        problems = []
        for name in ("request_url", "feedback_url", "client_ask_url"):
            template = self.config[name]
            why = template_problem(template) if template is not None else None
            if why:
                path, line = _option_line(config.config_file_path, name)
                problems.append(Problem(path, line, f"{name}: {why[0]}", why[1]))
        return problems

    @staticmethod
    def _check_loopback(config: MkDocsConfig) -> None:
        host = config.dev_addr.host
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise Abort(
                f"{config.config_file_path}:1: the internal site is previewed unencrypted, "
                f"so only on this computer; serve it on 127.0.0.1, not {host}"
            )

    # -- files ----------------------------------------------------------------------------------

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        out = Files([])
        for page in self.plan.pages.values():
            inclusion = InclusionLevel.INCLUDED if page.in_nav else InclusionLevel.NOT_IN_NAV
            out.append(
                File.generated(config, page.src_uri, content=page.markdown, inclusion=inclusion)
            )
        for src_uri, path in self.plan.media.items():
            out.append(File.generated(config, src_uri, abs_src_path=str(path)))
        for src_uri, text in self.plan.data.items():
            out.append(File.generated(config, src_uri, content=text))
        for src_uri, name in PLUGIN_ASSETS.items():
            if name == "unlock.js" and not self.site.sealed:
                continue
            out.append(File.generated(config, src_uri, abs_src_path=str(ASSETS / name)))
        for f in out.documentation_pages():
            token = self.site.address(f.src_uri)
            if token:
                f.dest_uri = f"{token}/index.html" if config.use_directory_urls else f"{token}.html"
        # Theme files last, as MkDocs adds them: nothing from content/ gets through unplanned.
        out.add_files_from_theme(config.theme.get_env(), config)
        self.expected = {f.dest_uri for f in out} | set(MACHINE_MADE)
        return out

    # -- after the build ------------------------------------------------------------------------

    @event_priority(-100)  # after Material's search plugin (0) has written its index
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.preview:
            return
        site = Path(config.site_dir)
        # The theme package's files carry no content; overrides/ (custom_dir) is ours: not trusted.
        theme_dirs = [d for d in config.theme.dirs if d != config.theme.custom_dir]
        trusted = trusted_files(tuple(map(Path, theme_dirs))) | {
            (uri, hashlib.sha256((ASSETS / name).read_bytes()).hexdigest())
            for uri, name in PLUGIN_ASSETS.items()
        }
        try:
            self.site.finish(site, self.expected, trusted, MACHINE_MADE)
        except Rejected as e:
            raise Abort(str(e)) from None
        log.info("roadmap: %s", self.site.summary())
        if self.staging:
            self.staging.publish()
            config.site_dir = str(self.staging.final)
            self.staging = None
        log.info("roadmap: %s site built in %.1f s", self.audience, time.monotonic() - self.started)

    def on_build_error(self, *, error: Exception) -> None:
        if self.staging:
            self.staging.discard()
        self.staging = None


def _renderer(config: MkDocsConfig):
    def render(text: str) -> str:
        md = markdown.Markdown(
            extensions=config.markdown_extensions, extension_configs=config.mdx_configs
        )
        return md.convert(text)

    return render


def _option_line(config_file: str, name: str) -> tuple[Path, int]:
    """Where an option is set: the config file or the file it INHERITs, else line 1."""
    path = Path(config_file)
    for _ in range(5):  # INHERIT chains are short; never loop on a cycle
        lines = path.read_text(encoding="utf-8").splitlines()
        for n, text in enumerate(lines, 1):
            if text.strip().startswith(f"{name}:"):
                return path, n
        parent = next((t.split(":", 1)[1].strip() for t in lines if t.startswith("INHERIT:")), "")
        if not parent:
            break
        path = (path.parent / parent).resolve()
    return Path(config_file), 1
