"""The MkDocs plugin `roadmap`: wires MkDocs events to the core modules, nothing more.

Order of events (priorities in MkDocs run 100 first ... -100 last):
  on_startup    open a publication batch (staging.Batch) for `mkdocs build` / `gh-deploy`
  on_config     load and check content, project it for the audience, plan the pages; read
                passwords (internal); move the build into a private staging folder
  on_files      replace every file MkDocs found with the planned pages and the files they may use
  on_nav, on_page_markdown
                titles and descriptions become escaped HTML (markupsafe.Markup): Material's
                templates print them without escaping, in <title>, <meta>, nav and search
  on_page_content (-50, after other plugins edit the page) light site: the page's rendered HTML
                says which files it uses (references.place_files); refused ones are problems
  on_env        light site: report those problems, or drop every file no rendered page uses;
                internal site: make Material's search plugin write its index encrypted
  on_page_context / on_template_context
                the page's Content-Security-Policy: the hashes of the theme's inline scripts
  on_post_page / on_post_template (-100, after every other plugin changed the HTML)
                integrity attributes; the internal site returns the locked page instead, so
                MkDocs never writes a page of it in clear
  on_post_build (-100, after Material's search index at 0) audit the light site, or check the
                sealed internal one; in strict mode stop if anything warned; then it is ready
  on_shutdown   publish the batch unless the build failed (strict mode aborts after
                on_post_build: nothing is swapped in before MkDocs is done)

An account's site (`roadmap build` sets `account_link`) is the light site's config and
events with an account_site.AccountSite: its pages are sealed as the internal site's are, and
its plaintext audited as the light site is, in on_post_build.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import logging
import os
import posixpath
import time
import zlib
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
from markupsafe import escape
from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc
from mkdocs.utils import CountHandler

from .account_site import AccountSite, shared_only_files
from .accounts import AccountLink, brief_links
from .addresses import read_address_secret
from .asking import ACCOUNT_PLACEHOLDERS, PLACEHOLDERS, fill, template_problem
from .audience import account_audience, project
from .audience_markdown import EXTENSION_NAME, filter_html, forget_renders, with_audience
from .audit import trusted_files
from .cache import Entry, PageCache, Store, compiled_templates, fingerprint, folder_digest
from .history import DEFAULT_DEPTH, read_history
from .integrity import (
    add_theme_integrity,
    inline_scripts,
    sri,
    theme_data_shadowed,
    theme_inline_scripts,
    theme_script_templates,
)
from .load import build_date, load_with_problems
from .markup import RoadmapMarkup
from .model import Roadmap
from .pages import (
    DEFAULT_DISCLAIMER,
    Settings,
    keep_compiled,
    place_parts,
    plan_site,
    problems_plan,
)
from .passwords import content_words, found_in_repository, read_passwords
from .problems import Problem, display_path, report
from .references import FileUse
from .rendering import (
    CACHED_TEMPLATE,
    CompiledTemplates,
    Renderer,
    SharedBlocks,
    with_theme_aliases,
)
from .seal import ASSETS, BUILD_FILE, DROPPED, NOT_FOUND
from .search_sections import index_json, sections
from .sites import MACHINE_MADE, InternalSite, PublicSite, Rejected, theme_settings
from .staging import STAGING_DIR, Batch, Staging, StagingError, crash_point

log = logging.getLogger("mkdocs.plugins.roadmap")
_UTF8 = ("utf-8", "surrogatepass")

PLUGIN_ASSETS = {
    "assets/roadmap/roadmap.css": "roadmap.css",
    "assets/roadmap/board.js": "board.js",
    "assets/roadmap/unlock.js": "unlock.js",
}


class RoadmapConfig(Config):
    audience = c.Choice(("public", "internal"), default="public")
    # Where the roadmap's sources are; relative to the folder of the config file given with -f.
    # Never docs_dir: an engine that skips this plugin renders all of docs_dir.
    content_dir = c.Dir(default="content")
    confidential_terms = c.ListOfItems(c.Type(str), default=[])
    audit_allow = c.ListOfItems(c.Type(str), default=[])
    disclaimer = c.Type(str, default=DEFAULT_DISCLAIMER)
    # Light site: "Give feedback" on items (kept for sites that set it before request_url).
    feedback_url = c.Optional(c.Type(str))
    # Light site: "Request a feature" on every page, "This matters to us" on every item.
    request_url = c.Optional(c.Type(str))
    client_ask_url = c.Optional(c.Type(str))
    stale_after_days = c.Type(int, default=90)
    # A line on the internal site's locked page: whom to ask for the password.
    unlock_help = c.Type(str, default="")
    light_site_url = c.Optional(c.URL())  # where clients read the light site: links sales send
    # Commits that changed content/ read for the changelogs, feeds and item histories, newest
    # first; 0 reads none. Each costs one load of the content it held (cached per process).
    history_depth = c.Type(int, default=DEFAULT_DEPTH)
    # Cards a board column (and the internal "Paused and cancelled") shows before its "Show all"
    # link to horizons/<h>.md: keeps the board light at any size.
    board_cards = c.Type(int, default=50)


# `roadmap build` makes each site's staging folder before it forks a process per site (cli.py):
# the plugin in that process builds into the one made for its site, and the parent publishes.
PREPARED: dict[Path, Staging] = {}
# Set in a process `roadmap build` forked for the light site alone (builds.py): once the
# passages its audit reads are found, the memo of body renders is dropped (what it holds then,
# the renders those passages took, that process does not read again).
FORKED_FOR_ONE_SITE: list[bool] = [False]


def final_site(config: MkDocsConfig) -> Path:
    return Path(os.path.abspath(config.site_dir))


def content_dir(config: MkDocsConfig) -> Path:
    """The folder of the roadmap's sources: the plugin's content_dir, never docs_dir."""
    plugin = config.plugins["roadmap"]
    options = plugin._options.get(config.config_file_path, plugin.config)
    return Path(options.content_dir)


def staging_for(config: MkDocsConfig) -> Staging:
    """A private staging folder for the site `config` builds (see staging.py)."""
    root = content_dir(config).parent / STAGING_DIR
    try:
        return Staging(final_site(config), root)
    except StagingError as e:
        raise Abort(f"{config.config_file_path}:1: {e}") from None


class RoadmapPlugin(BasePlugin[RoadmapConfig]):
    def __init__(self):
        self.command = "build"
        self._options: dict[str | None, RoadmapConfig] = {}
        self.batch: Batch | None = None
        self.staging: Staging | None = None
        self.failed = False
        # Set by `roadmap build` around the build of one account's site (accounts.py): the
        # light site's config then builds that account's site into a folder it gives.
        self.account_link: AccountLink | None = None
        # The render cache kept in memory between `mkdocs serve` rebuilds (cache.py).
        self._memory: dict[tuple, dict[str, Entry]] = {}
        # What the planner made in the last `mkdocs serve` rebuild, by the audience and the
        # Markdown configuration: its Markdown renders (rendering.Renderer) and its pages'
        # text (pages.plan_site). A 1,000-item internal preview spent 0.9 s of every rebuild
        # on the client panels' renders and 1.2 s on the item pages' template.
        self._planned: dict[bytes, tuple[dict[str, str], dict]] = {}
        self._compiled = CompiledTemplates()
        self.cache: PageCache | None = None

    def load_config(self, options, config_file_path=None):
        # MkDocs keeps one instance of a plugin with on_startup for every config loaded in the
        # process, and hands it each config's options in turn: remember them per config file,
        # so building public.yml after loading internal.yml still builds the light site.
        errors, warnings = super().load_config(options, config_file_path)
        self._options[config_file_path] = self.config
        return errors, warnings

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.command = command
        self.failed = False
        if command in ("build", "gh-deploy"):
            self.batch = Batch.open()  # None inside `roadmap build`, which holds its own

    def on_shutdown(self) -> None:
        if self.batch:
            batch, self.batch = self.batch, None
            try:
                batch.close(publish=not self.failed)
            except StagingError as e:
                raise Abort(str(e)) from None
            if self.staging and not self.failed:
                self.mkdocs_config.site_dir = str(self.staging.final)  # gh-deploy reads it next
        self.staging = None

    # -- config ---------------------------------------------------------------------------------

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self.config = self._options.get(config.config_file_path, self.config)
        self.audience = self.config.audience
        self.preview = self.command == "serve"
        self.staging = None
        self.mkdocs_config = config
        self.page_scripts: dict[str, set[str]] = {}
        self._scripts_by_base: dict[str, set[str]] = {}
        self.cache = None
        self.compiled_theme: jinja2.BytecodeCache | None = None  # a build's, kept on disk
        self.keys: dict[str, str] = {}  # page -> its render cache key
        self.hits: dict[str, Entry] = {}  # pages rendered before from the same inputs
        self.looked: dict[str, Entry | None] = {}  # pages looked up by recipe, not yet read
        self.reused = 0
        self.search_entries: dict[str, list] = {}
        self.held: dict[str, bytes] = {}  # rendered pages not yet written, compressed (_hold)
        self.rendering: str | None = None  # the page being rendered (warnings are its own)
        self.warned: set[str] = set()
        self.started = time.monotonic()

        self.warnings = None if self.preview else self._count_warnings(config)
        self.content = Path(self.config.content_dir)
        problems = _placeholder_problems(config, self.content)
        roadmap, found = load_with_problems(self.content)
        problems += found
        credentials = addresses = None
        if self.audience == "internal" and not self.preview:
            config_file = Path(config.config_file_path)
            credentials, found = read_passwords(
                asked_by=config_file,
                context=password_context(config, self.config.confidential_terms, roadmap),
            )
            addresses, found_too = read_address_secret(config_file.parent, create=True)
            problems += found + found_too
        problems += self._link_template_problems(config)
        if self.audience == "internal" and self.preview:
            self._check_loopback(config)
        if problems and self.preview:
            return self._show_problems(config, problems)
        if problems:
            raise Abort(report(problems))
        if addresses and addresses.created:
            log.info(
                "roadmap: made %s, the salt of the internal site's page addresses: commit it, "
                "or every address changes on a fresh clone",
                display_path(addresses.created),
            )
        if credentials:
            for warning in found_in_repository(credentials, Path(config.config_file_path).parent):
                log.warning("%s", warning)
        link = self.account_link if self.audience == "public" else None
        audience = account_audience(link.account.id) if link else self.audience
        view = project(roadmap, audience)
        if self.audience == "public":
            self.site = PublicSite(
                roadmap,
                self.config.confidential_terms,
                self.config.audit_allow,
                fixed_text=[
                    self.config.disclaimer,
                    config.site_name,
                    config.site_description or "",
                    config.copyright or "",
                ],
                theme_dirs=tuple(map(Path, config.theme.dirs)),
                shown=view if link else None,
            )
            if link:
                self.site = self._account_site(config, roadmap, view, link)
            elif FORKED_FOR_ONE_SITE[0]:
                forget_renders()  # else the bodies' HTML is held to the end of the build
        else:
            self.site = InternalSite(
                credentials, addresses, config.site_name, help_text=self.config.unlock_help
            )

        # The parser decides what each site shows of a body: every page MkDocs renders goes
        # through the audience extension. Set here, not in YAML: site_config/ files inherit
        # lists by replacement, and the audience is the plugin's to decide.
        config.markdown_extensions = with_audience(config.markdown_extensions, self.audience)
        config.mdx_configs.pop(EXTENSION_NAME, None)
        self.today = roadmap.today  # SOURCE_DATE_EPOCH or today (UTC), read once by load()
        settings = Settings(
            today=self.today,
            feedback_url=self.config.feedback_url,
            request_url=self.config.request_url,
            client_ask_url=self.config.client_ask_url,
            stale_after_days=self.config.stale_after_days,
            use_directory_urls=config.use_directory_urls,
            light_site_url=self.config.light_site_url,
            board_cards=self.config.board_cards,
            site_name=config.site_name,
            site_url=config.site_url,
            account_links=self._account_links(roadmap) if self.audience == "internal" else {},
        )
        history = read_history(self.content, self.config.history_depth)
        for note in history.notes:
            log.info("roadmap: %s", note)
        config.markdown_extensions.append(RoadmapMarkup(fill(self.config.request_url)))
        extensions = [_described(e) for e in config.markdown_extensions]
        key = fingerprint(self.audience, extensions, config.mdx_configs)
        renders, made = self._planned.get(key, ({}, {})) if self.preview else (None, None)
        renderer = _renderer(config, renders)
        # A build's templates compiled once for the next builds (a preview's stay in memory).
        folder = content_dir(config).parent  # docs_dir is a placeholder folder
        self.compiled_theme = None if self.preview else compiled_templates(folder, "theme")
        keep_compiled(None if self.preview else compiled_templates(folder, "pages"))
        self.plan = plan_site(view, settings, renderer, history, made)
        if self.preview:
            self._planned = {key: (renderer.done, self.plan.made)}
        config.nav = self.plan.nav
        self._shape_theme(config)
        # An account's pages hold items shared with it alone: the light site's cache, kept in
        # clear, must not hold them, and one account's site is built once a build anyway.
        self.cache = None if link else self._page_cache(config, extensions)
        self._watch_warnings()
        if not self.preview and not link:  # build and gh-deploy; `roadmap build` stages accounts
            self.staging = PREPARED.pop(final_site(config), None) or staging_for(config)
            config.site_dir = str(self.staging.folder)
        return config

    def _page_cache(self, config: MkDocsConfig, extensions: list) -> PageCache:
        """The render cache of this build (cache.py): kept in memory for `mkdocs serve`, on disk
        for builds; the internal site's encrypted, and never on disk unencrypted."""
        search = _search_plugin(config)
        secret = getattr(self.site, "addresses", None)
        build = fingerprint(
            self.audience,
            self.preview,
            self.site.sealed,
            extensions,
            config.mdx_configs,
            {k: config.theme[k] for k in sorted(config.theme) if k != "locale"},
            str(config.theme.get("locale")),
            folder_digest(Path(config.theme.custom_dir)) if config.theme.custom_dir else "",
            [config[k] for k in _PAGE_OPTIONS],
            dict(search.config) if search is not None else None,
            self.plan.nav,
            hashlib.sha256(secret).hexdigest() if secret else None,
        )
        memory = self._memory.setdefault((self.audience, self.preview, self.site.sealed), {})
        store = None
        if not self.preview and (self.audience == "public" or secret):
            project_dir = content_dir(config).parent  # docs_dir is a placeholder folder
            store = Store(project_dir, self.audience, secret if self.audience != "public" else None)
        return PageCache(build, memory, store)

    def _watch_warnings(self, watch: bool = True) -> None:
        logger = logging.getLogger("mkdocs")
        for handler in [h for h in logger.handlers if isinstance(h, _PageWarnings)]:
            logger.removeHandler(handler)  # an earlier build's, or this one's when it ends
        if watch:
            logger.addHandler(_PageWarnings(self))

    def _shape_theme(self, config: MkDocsConfig) -> None:
        features = config.theme.get("features", [])
        config.theme["features"] = [f for f in features if f not in self.site.dropped_features]
        if self.audience == "public":
            config.repo_url = config.repo_name = config.edit_uri = None
        config.extra_css.append("assets/roadmap/roadmap.css")
        config.extra_javascript.append("assets/roadmap/board.js")
        config.extra["roadmap"] = theme_settings(
            self.audience,
            self.config.disclaimer,
            self.today,
            config.use_directory_urls,
            fill(self.config.request_url),
            sealed=self.site.sealed,
            preview=self.preview,
        )
        if self.account_link:  # its files are sealed: no feed a reader could open
            config.extra["roadmap"]["feed"] = None

    def _account_site(self, config: MkDocsConfig, roadmap: Roadmap, view, link) -> AccountSite:
        only_shared = shared_only_files(view, project(roadmap, "public"))
        if only_shared:
            raise Abort(
                f"{display_path(only_shared[0])}:1: only items shared with an account use this "
                "file: on the account's site it would be readable without the link's key; "
                "account sites carry the light site's images only: remove it from the item"
            )
        return AccountSite(
            self.site,
            roadmap,
            view,
            link,
            # The project's private staging folder, which every build sweeps: docs_dir is
            # site_config/placeholder, and a folder beside it would be committed.
            roadmap.content_dir.parent / STAGING_DIR,
        )

    def _account_links(self, roadmap: Roadmap) -> dict:
        """Each account's link, for the internal site's briefs (accounts.brief_links)."""
        return brief_links(roadmap, self.config.light_site_url)

    def _count_warnings(self, config: MkDocsConfig) -> CountHandler | None:
        """In strict mode, the counter MkDocs aborts on (mkdocs/commands/build.py adds it to
        the `mkdocs` logger before on_config, and reads it only after on_post_build, where the
        new site would already be swapped in); our own when there is none."""
        self.own_counter = None
        if not config.strict:
            return None
        logger = logging.getLogger("mkdocs")
        for handler in logger.handlers:
            if isinstance(handler, CountHandler):
                return handler
        self.own_counter = CountHandler()
        self.own_counter.setLevel(logging.WARNING)
        logger.addHandler(self.own_counter)
        return self.own_counter

    def _stop_counting(self) -> None:
        if getattr(self, "own_counter", None):
            logging.getLogger("mkdocs").removeHandler(self.own_counter)
        self.own_counter = None

    def _show_problems(self, config: MkDocsConfig, problems) -> MkDocsConfig:
        """`mkdocs serve` with broken content: the preview shows the problems instead of
        stopping, and reloads when they are fixed."""
        for problem in sorted(set(problems)):
            log.error("roadmap: %s", problem)
        self.today = build_date()[0]
        self.site = InternalSite(None)  # unsealed, MkDocs' own addresses: all a preview needs
        self.plan = problems_plan([str(p) for p in sorted(set(problems))])
        config.nav = self.plan.nav
        self._shape_theme(config)
        config.extra["roadmap"]["problems"] = [str(p) for p in sorted(set(problems))]
        config.extra["roadmap"]["feed"] = None
        return config

    def _link_template_problems(self, config: MkDocsConfig) -> list[Problem]:
        problems = []
        for name in ("request_url", "feedback_url", "client_ask_url"):
            template = self.config[name]
            allowed = ACCOUNT_PLACEHOLDERS if name == "client_ask_url" else PLACEHOLDERS
            why = template_problem(template, allowed) if template is not None else None
            if why:
                path, line = _option_line(config.config_file_path, name)
                problems.append(Problem(path, line, f"{name}: {why[0]}", why[1]))
        if self.config.board_cards < 1:
            path, line = _option_line(config.config_file_path, "board_cards")
            problems.append(
                Problem(path, line, "board_cards must be 1 or more", "the default is 50")
            )
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

    def on_serve(self, server, *, config: MkDocsConfig, builder):
        """`mkdocs serve` watches docs_dir, which is only the placeholder: watch the sources."""
        server.watch(str(self.content))
        return server

    # -- files ----------------------------------------------------------------------------------

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        out = Files([])
        for page in self.plan.pages.values():
            inclusion = InclusionLevel.INCLUDED if page.in_nav else InclusionLevel.NOT_IN_NAV
            out.append(
                # Its text is made when MkDocs reads the page (on_page_read_source).
                File.generated(config, page.src_uri, content="", inclusion=inclusion)
            )
        for src_uri, data in self.plan.media.items():
            out.append(File.generated(config, src_uri, content=data))
        for src_uri, text in self.plan.data.items():
            out.append(File.generated(config, src_uri, content=text))
        for src_uri, name in PLUGIN_ASSETS.items():
            if name == "unlock.js" and not self.site.sealed:
                continue
            out.append(File.generated(config, src_uri, abs_src_path=str(ASSETS / name)))
        if self.site.sealed:
            # Copied in clear: an account's site carries the light site's images only
            # (checked in on_config), never data files; the internal site neither.
            if self.plan.data or (self.plan.media and not self.account_link):
                raise Abort(
                    f"{config.config_file_path}:1: the internal plan has files outside its pages "
                    f"({', '.join(sorted([*self.plan.media, *self.plan.data]))}); "
                    "internal images must travel inside the encrypted pages"
                )
            out.append(File.generated(config, BUILD_FILE, content=self.site.build_file()))
        for f in out.documentation_pages():
            token = self.site.address(f.src_uri)
            if token:
                f.dest_uri = f"{token}/index.html" if config.use_directory_urls else f"{token}.html"
        if self.site.sealed:
            # MkDocs writes pages in this order: in the navigation's, file dates and the order
            # of folders on disk would tell which token is which item. In the tokens' order
            # they tell nothing (staging also dates every published file the same).
            pages = sorted(out.documentation_pages(), key=lambda f: f.dest_uri)
            out = Files([*pages, *(f for f in out if not f.is_documentation_page())])
        # Theme files last, as MkDocs adds them: nothing from content/ gets through unplanned.
        _add_theme_files(out, files, config)
        self.expected = {f.dest_uri for f in out} | set(MACHINE_MADE)
        self.file_use = FileUse(self.plan.file_refs, self.plan.sources)
        self.shadows: list[Problem] = []  # pages whose content stands in for the theme's data
        return out

    # -- titles: plain text, escaped once -------------------------------------------------------

    def on_nav(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation:
        todo = list(nav.items)
        while todo:
            entry = todo.pop()
            entry.title = _escaped(entry.title)
            todo.extend(getattr(entry, "children", None) or ())
        return nav

    def on_page_read_source(self, *, page: Page, config: MkDocsConfig) -> str | None:
        """A planned page's text, made now (pages.GeneratedPage): one page at a time. A page
        with a recipe that the render cache holds is not made: its front matter is enough."""
        src = page.file.src_uri
        planned = self.plan.pages.get(src)
        if planned is None:
            return None
        if self.cache is not None and planned.recipe is not None:
            entry = self.looked[src] = self._look_up(page, "recipe " + planned.recipe.hex())
            if entry is not None:
                page.file.content_string = ""
                return planned.front
        page.file.content_string = planned.source  # what the render cache's key reads
        return planned.source

    def _look_up(self, page: Page, made_from: str) -> Entry | None:
        """The render cache's entry of a page made from `made_from` (its text, or its recipe),
        with the files it uses; its key is kept for writing the page when there is none."""
        src = page.file.src_uri
        refs = self.plan.file_refs.get(src, {})
        uses = repr(sorted((t, r.media, str(r.refusal)) for t, r in refs.items()))
        assert self.cache is not None
        key = self.keys[src] = self.cache.key(src, page.file.dest_uri, made_from, uses)
        return self.cache.get(key)

    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files):
        page.title = _escaped(page.title)
        for key in ("title", "description"):
            if key in page.meta:
                page.meta[key] = _escaped(page.meta[key])
        if self.cache is not None:
            src = page.file.src_uri
            if src in self.looked:  # by its recipe (on_page_read_source)
                entry = self.looked.pop(src)
            else:
                entry = self._look_up(page, page.file.content_string)
            if entry is not None:
                # Rendered before from the same inputs: neither Markdown nor the theme again.
                # From the store without its HTML: MkDocs writes a page after it rendered every
                # other, and a warm internal build of 10,000 items held every page whole (1,318
                # MB of RSS at its peak). Its HTML is read when written. A preview's entries
                # are in memory.
                self.hits[src] = entry
                self.reused += 1
                page.render = functools.partial(_reuse, page, entry)  # type: ignore[method-assign]
                page.meta["template"] = CACHED_TEMPLATE
            else:
                self.rendering = src  # until on_page_content: warnings are this page's
        return markdown

    # -- while MkDocs writes ------------------------------------------------------------------

    # -- pages ----------------------------------------------------------------------------------

    @event_priority(-50)  # after other plugins have edited the HTML: what ships decides
    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        html = self._page_content(html, page, files)
        return self._hold(page, html)

    def _hold(self, page: Page, html: str) -> str:
        """A rendered page until MkDocs writes it: MkDocs renders every page before it writes
        the first, so at 10,000 items the pages' HTML, Markdown and plan would all be held at
        once. The Markdown and the plan's strings are read no more; the HTML is kept compressed
        (a fifth of its size) and put back in on_page_context, before anything reads it."""
        src = page.file.src_uri
        page.markdown = None
        page.file.content_string = ""
        planned = self.plan.pages.get(src)
        if planned is not None:
            planned.release()
        if not html:
            return html
        self.held[src] = zlib.compress(html.encode(*_UTF8), 1)
        return ""

    def _page_content(self, html: str, page: Page, files: Files) -> str:
        self.rendering = None
        hit = self.hits.get(page.file.src_uri)
        if hit is not None:
            # No check below can find anything new: the entry is the HTML of the same inputs,
            # kept only by a build that passed them all (shadows stop it in on_env, inline
            # scripts in strict mode, the light site's audit in on_post_build).
            if self.audience == "public":
                self.file_use.use(page.file.src_uri, hit.media)
            return html
        for shadow in theme_data_shadowed(html):
            path, line = self.plan.sources.get(page.file.src_uri, (Path(page.file.src_uri), 1))
            self.shadows.append(
                Problem(
                    path,
                    line,
                    f'an element with id="{shadow}" would replace the theme\'s settings '
                    "(Material reads the first in the page: search highlighting could come "
                    "back, search could be fetched elsewhere)",
                    "give it another id, or another heading",
                )
            )
        if not self.preview and inline_scripts(html):
            log.warning(
                "roadmap: %s: an inline script will not run: the Content-Security-Policy "
                "allows only the theme's own",
                page.file.src_uri,
            )
        if self.audience == "public":
            html = self.file_use.place(html, page.file.src_uri, page.url)
        planned = self.plan.pages.get(page.file.src_uri)
        if planned is None or not planned.parts:
            return html
        # The templates' own HTML, put back after Markdown: on the light site read once more
        # by the tokenizer that drops internal elements, as Markdown's output is.
        keep = (lambda part: filter_html(part)[0]) if self.audience == "public" else None
        return place_parts(html, planned.parts, _page_urls(page, files), keep or (lambda p: p))

    def on_env(self, env, *, config: MkDocsConfig, files: Files):
        """Every page is rendered. The light site publishes the files they use, and nothing
        else; the internal site's search index is written encrypted."""
        self.env = env
        if self.shadows:
            raise Abort(
                report(self.shadows) + f"\nThe {self.audience} site was not published; "
                "the previous one is untouched."
            )
        self.script_templates = theme_script_templates(config.theme.dirs)
        self.add_integrity = self._integrity(config)
        # The navigation and tabs rendered once per folder depth for pages not in the nav:
        # wrappers the plugin adds to the theme's loader, so overrides/ calls nothing of ours.
        env.loader = with_theme_aliases(env.loader, config.theme.dirs)
        SharedBlocks().install(env)
        env.bytecode_cache = self._compiled if self.preview else self.compiled_theme
        self._search_entries(config)
        if self.audience == "public":
            if self.file_use.problems:
                raise Abort(
                    report(self.file_use.problems) + "\nThe light site was not published; "
                    "the previous one is untouched."
                )
            for f in list(files):
                if f.src_uri in self.plan.media and f.src_uri not in self.file_use.used:
                    files.remove(f)
            self.expected = {f.dest_uri for f in files} | set(MACHINE_MADE)
        if self.site.sealed:
            self._seal_search_index(config)
        return env

    def _search_entries(self, config: MkDocsConfig) -> None:
        """Material's search plugin reads each page's HTML for its index entries with a parser in
        pure Python: the sections come from Lexbor instead (search_sections.py), and Material
        makes its entries of them. A cached page gives back the entries it gave last time; a
        new one's are kept with it."""
        search = _search_plugin(config)
        index = getattr(search, "search_index", None)
        add = getattr(index, "add_entry_from_context", None)
        if add is None:
            return
        entry_for = getattr(index, "create_entry_for_section", None)
        materials = _is_materials(index) and entry_for is not None

        def add_entries(page) -> None:
            hit = self.hits.get(page.file.src_uri)
            if hit is not None:
                index.entries.extend(hit.search)
                return
            before = len(index.entries)
            if not materials:
                add(page)
            elif not (page.meta.get("search") or {}).get("exclude"):
                toc = _toc_by_id(page.toc)
                for section in sections(page.content or ""):
                    if not section.is_excluded():
                        found = toc.get(section.id)
                        entry_for(section, [] if found is None else [found], page.url, page)
            if self.cache is not None:
                self.search_entries[page.file.src_uri] = index.entries[before:]

        index.add_entry_from_context = add_entries

    def _seal_search_index(self, config: MkDocsConfig) -> None:
        """Material's search plugin writes the string its index returns: make it ciphertext."""
        search = _search_plugin(config)
        if search is None:
            return
        index = getattr(search, "search_index", None)
        generate = getattr(index, "generate_search_index", None)
        if generate is None:
            raise Abort(
                f"{config.config_file_path}:1: this search plugin's index cannot be encrypted "
                "as it is written; use Material's search plugin (plugins: [search])"
            )

        parts = _is_materials(index) and hasattr(index, "entries")

        def sealed_index(*args, **kwargs) -> str:
            crash_point("index")
            prev = args[0] if args else kwargs.get("prev")
            if parts and not prev:  # prev: a dirty rebuild, Material merges the entries
                return self.site.seal_search_index(index_json(index))
            return self.site.seal_search_index(generate(*args, **kwargs))

        index.generate_search_index = sealed_index

    @event_priority(100)  # first: the page's HTML back before Material's search reads it (0)
    def on_page_context(self, context, *, page, config: MkDocsConfig, nav):
        held = self.held.pop(page.file.src_uri, None)
        if held is not None:
            page.content = zlib.decompress(held).decode(*_UTF8)
        self.rendering = page.file.src_uri  # until on_post_page: warnings are this page's
        # Pages the navigation does not list, at one depth, show the same navigation.
        in_nav = page.file.inclusion.is_in_nav() and page in nav.pages
        context["roadmap_shared"] = None if in_nav else str(context.get("base_url", ""))
        return self._with_policy(context, page.file.dest_uri)

    def on_template_context(self, context, *, template_name: str, config: MkDocsConfig):
        if not template_name.endswith(".html"):  # the sitemap
            return context
        return self._with_policy(context, template_name)

    def _with_policy(self, context, dest_uri: str):
        """The page's Content-Security-Policy, for overrides/main.html to print first in <head>.

        None when previewing: `mkdocs serve` adds an inline live-reload script of its own.
        """
        base = str(context.get("base_url", ""))
        if base not in self._scripts_by_base:
            self._scripts_by_base[base] = theme_inline_scripts(
                self.env, self.script_templates, context
            )
        scripts = self.page_scripts[dest_uri] = self._scripts_by_base[base]
        context["roadmap_csp"] = None if self.preview else self.site.policy(scripts)
        return context

    def _integrity(self, config: MkDocsConfig):
        """Integrity attributes on the script and stylesheet tags the theme wrote into a page,
        from the files the build copied into the site (the HTML as written, so any engine's
        templates get them without calling us)."""
        site, root = Path(config.site_dir), urlsplit(config.site_url or "/").path
        digests: dict[str, str | None] = {}

        def integrity(url: str, page_dir: str) -> str | None:
            parts = urlsplit(url)
            if parts.scheme or parts.netloc:
                return None  # not ours; the policy does not let it run anyway
            if parts.path.startswith("/"):
                if not parts.path.startswith(root):
                    return None
                rel = parts.path[len(root) :]
            else:
                rel = posixpath.normpath(posixpath.join(page_dir, parts.path))
            if rel not in digests:
                path = site / rel
                ok = not rel.startswith("../") and path.is_file()
                digests[rel] = sri(path.read_bytes()) if ok else None
            return digests[rel]

        # The theme writes the same scripts on every page of a folder depth: read once each.
        done: dict[str, dict[str, tuple[str, list[str]]]] = {}
        # For the last 64 folders only: each sealed page has a folder of its own (its token),
        # and a memo of every folder would hold two parts of every page (65 MB at 10,000 items).
        recent = 64
        warned: set[str] = set()

        def add(html: str, dest_uri: str) -> str:
            page_dir = posixpath.dirname(dest_uri)
            if page_dir not in done and len(done) >= recent:
                del done[next(iter(done))]
            html, missing = add_theme_integrity(
                html, lambda url: integrity(url, page_dir), done.setdefault(page_dir, {})
            )
            for url in missing:
                if url not in warned:
                    warned.add(url)
                    log.warning("roadmap: %s not found, so it has no integrity attribute", url)
            return html

        return add

    @event_priority(-100)  # last: the HTML as every other plugin left it
    def on_post_page(self, output: str, *, page, config: MkDocsConfig) -> str:
        src = page.file.src_uri
        self.rendering = None
        hit = self.hits.pop(src, None)  # not kept once written: 10,000 pages are a lot
        if hit is not None:
            output = hit.output or self._cached_html(src)
        elif self.cache is not None and src in self.keys and src not in self.warned:
            self.cache.put(self.keys[src], self._entry(page, output))
        self.search_entries.pop(src, None)  # in the cache now, and in the search index
        # Written: what MkDocs reads of a page from now on is its address, title, anchors and
        # links (anchor checks, the sitemap, other pages' navigation), never its text.
        page.content = None
        page.toc = get_toc([])
        return self._finish_page(output, page.file.dest_uri)

    def _cached_html(self, src: str) -> str:
        """A reused page's HTML, read from the render cache when MkDocs writes the page."""
        assert self.cache is not None
        output = self.cache.output(self.keys[src])
        if output is None:
            raise Abort(
                f"roadmap: {src}: its page in the render cache could not be read again "
                f"({self.cache.where()}); build again, or delete that file"
            )
        return output

    def _entry(self, page: Page, output: str) -> Entry:
        src = page.file.src_uri
        links = {
            target.src_uri: dict(anchors)
            for target, anchors in (getattr(page, "links_to_anchors", None) or {}).items()
        }
        return Entry(
            output,
            self.search_entries.get(src, []),
            sorted(self.file_use.by_page.get(src, ())) if self.audience == "public" else [],
            sorted(page.present_anchor_ids or ()),
            links,
            page._title_from_render,
        )

    @event_priority(-100)
    def on_post_template(self, output: str, *, template_name: str, config: MkDocsConfig) -> str:
        if not template_name.endswith(".html"):
            if not self.site.sealed:
                return output
            if template_name in DROPPED:  # empty output: MkDocs writes nothing
                return ""
            raise Abort(f"{template_name}: the internal site cannot encrypt this template")
        root = urlsplit(config.site_url or "/").path  # where MkDocs points the 404 page's links
        if self.account_link:  # its 404 page checks its own folder's build.json (unlock.js)
            root = root.rstrip("/") + "/" + self.account_link.path
        return self._finish_page(output, template_name, root=root)

    def _finish_page(self, output: str, path: str, root: str | None = None) -> str:
        """The internal site returns the locked page: MkDocs writes that, never `output`."""
        crash_point("page")
        if self.preview:
            return output
        output = self.add_integrity(output, path)
        if not self.site.sealed:
            return output
        scripts = self.page_scripts.get(path, set())
        try:
            return self.site.seal_page(
                output,
                path,
                scripts,
                root=root if path == NOT_FOUND else None,
                compress=self.cache.compressed if self.cache is not None else None,
            )
        except Rejected as e:
            raise Abort(str(e)) from None

    # -- after the build ------------------------------------------------------------------------

    @event_priority(-100)  # after Material's search plugin (0) has written its index
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        self._watch_warnings(False)
        if self.cache is not None:
            log.info(
                "roadmap: %s: %d of %d pages from the render cache",
                self.audience,
                self.reused,
                len(self.keys),
            )
        if self.preview:
            if self.cache is not None:
                self.cache.commit()
            return
        crash_point("built")
        site = Path(config.site_dir)
        # The theme package's files carry no content; overrides/ (custom_dir) is ours: not trusted.
        theme_dirs = [d for d in config.theme.dirs if d != config.theme.custom_dir]
        trusted = trusted_files(tuple(map(Path, theme_dirs)), site) | {
            (uri, hashlib.sha256((ASSETS / name).read_bytes()).hexdigest())
            for uri, name in PLUGIN_ASSETS.items()
        }
        try:
            self.site.finish(site, self.expected, trusted, MACHINE_MADE)
        except Rejected as e:
            raise Abort(str(e)) from None
        log.info("roadmap: %s", self.site.summary())
        self._stop_counting()
        if self.warnings and (counts := self.warnings.get_counts()):
            found = ", ".join(f"{n} {level.lower()}s" for level, n in counts)
            raise Abort(
                f"Aborted with {found} in strict mode! "
                f"The previous {self.audience} site is untouched."
            )
        if self.cache is not None:  # the light site's pages passed the audit: keep them
            self.cache.commit()
        if self.staging:
            try:
                self.staging.ready()  # published now, or by whoever holds the batch
            except StagingError as e:
                raise Abort(str(e)) from None
            if self.staging.folder is None:
                config.site_dir = str(self.staging.final)
        log.info("roadmap: %s site built in %.1f s", self.audience, time.monotonic() - self.started)

    def on_build_error(self, *, error: Exception) -> None:
        self._stop_counting()
        self._watch_warnings(False)
        if self.cache is not None:
            self.cache.discard()
        self.failed = True
        if self.staging:
            self.staging.discard()
        self.staging = None


def _placeholder_problems(config: MkDocsConfig, content: Path) -> list[Problem]:
    """docs_dir must not hold the roadmap's sources, nor sit inside them: an engine that reads
    the config but not this plugin (Zensical, MkDocs 2) renders and copies all of docs_dir."""
    docs, content = Path(config.docs_dir).resolve(), content.resolve()
    if docs != content and content not in docs.parents and docs not in content.parents:
        return []
    path, line = _option_line(config.config_file_path, "docs_dir")
    return [
        Problem(
            path,
            line,
            f"docs_dir is {display_path(docs)}, which holds the roadmap's sources: an engine "
            "that skips the roadmap plugin would publish every one of them",
            "point docs_dir at the placeholder folder (site_config/placeholder/) and the "
            "plugin's content_dir at the sources",
        )
    ]


# Options of mkdocs.yml that show on pages (the render cache's fingerprint; see cache.py).
_PAGE_OPTIONS = (
    "site_name",
    "site_url",
    "site_description",
    "site_author",
    "copyright",
    "use_directory_urls",
    "repo_url",
    "repo_name",
    "edit_uri",
    "extra",
    "extra_css",
    "extra_javascript",
    "extra_templates",
    "dev_addr",
)


def _toc_by_id(toc) -> dict:
    """The first entry of each id in a page's table of contents, in the order Material's search
    looks for it: given only that one, Material finds it at once. A page listing thousands of
    cards has thousands of headings; searching them all for each section took 14 of the 382
    seconds of a 10,000-item internal build."""
    found: dict = {}
    todo = list(reversed(list(toc)))
    while todo:
        entry = todo.pop()
        found.setdefault(entry.id, entry)
        todo.extend(reversed(list(entry.children)))
    return found


def _search_plugin(config: MkDocsConfig):
    return config.plugins.get("material/search") or config.plugins.get("search")


def _is_materials(index) -> bool:
    """Whether a search plugin's index is Material's (whose entries and text we know)."""
    return type(index).__module__.startswith("material.")


def _described(extension) -> object:
    """A Markdown extension as plain data: its name, or its class and options."""
    if isinstance(extension, str):
        return extension
    options = extension.getConfigs() if hasattr(extension, "getConfigs") else {}
    plain = {k: v for k, v in vars(extension).items() if isinstance(v, str | int | float | bool)}
    return (type(extension).__module__, type(extension).__qualname__, options, plain)


def _add_theme_files(out: Files, found: Files, config: MkDocsConfig) -> None:
    """The theme's files, as MkDocs added them to `found` (walking Material's folders again
    cost 0.2 s of each rebuild of a preview). Walked again when anything else is there besides
    pages, which could stand in for a theme's file MkDocs then left out."""
    dirs = set(config.theme.dirs)
    if any(f.src_dir not in dirs and not f.is_documentation_page() for f in found):
        out.add_files_from_theme(config.theme.get_env(), config)
        return
    for f in found:
        if f.src_dir in dirs and out.get_file_from_path(f.src_uri) is None:
            out.append(f)


def _reuse(page: Page, entry: Entry, config: MkDocsConfig, files: Files) -> None:
    """Page.render for a page found in the render cache: its HTML is the cached output; what
    MkDocs reads from a rendered page elsewhere is put back."""
    page.content = ""
    page.present_anchor_ids = set(entry.anchors)
    page._title_from_render = entry.title
    if entry.links:
        linked = ((files.get_file_from_path(uri), anchors) for uri, anchors in entry.links.items())
        page.links_to_anchors = {f: dict(anchors) for f, anchors in linked if f is not None}


class _PageWarnings(logging.Handler):
    """Pages that logged a warning while rendered: the render cache does not keep them."""

    def __init__(self, plugin: RoadmapPlugin):
        super().__init__(logging.WARNING)
        self.plugin = plugin

    def emit(self, record: logging.LogRecord) -> None:
        if self.plugin.rendering is not None:
            self.plugin.warned.add(self.plugin.rendering)


def _escaped(text):
    """Text as HTML, escaped once: `markupsafe.escape` leaves a Markup alone, and Material
    prints it as is where it does not escape and leaves it as is where it does (`|e`)."""
    return escape(text) if isinstance(text, str) else text


def password_context(
    config: MkDocsConfig, confidential_terms: list[str], roadmap: Roadmap | None = None
) -> list[str]:
    """Words an attacker of this site tries first: its name and description, the company, its
    codenames, and the content's titles and names (passwords.content_words)."""
    words = [
        config.site_name,
        config.site_description,
        config.site_author,
        config.copyright,
        *confidential_terms,
        *(content_words(project(roadmap, "internal")) if roadmap else ()),
    ]
    return [w for w in words if w]


def _renderer(config: MkDocsConfig, before: dict[str, str] | None = None) -> Renderer:
    """Markdown to HTML exactly as the light site renders it, on either site: it draws the
    internal "What clients see" panel and finds page titles in stripped bodies."""
    extensions = with_audience(config.markdown_extensions, "public")
    return Renderer(extensions, config.mdx_configs, before)


def _page_urls(page: Page, files: Files):
    """The address of a relative link of a page, as MkDocs makes it (None: not a site file)."""
    here = posixpath.dirname(page.file.src_uri)

    def url_of(path: str) -> str | None:
        target = files.get_file_from_path(posixpath.normpath(posixpath.join(here, path)))
        if target is None:
            log.warning(
                "Doc file '%s' contains a link '%s', but the target is not found among "
                "documentation files.",
                page.file.src_uri,
                path,
            )
            return None
        return target.url_relative_to(page.file)

    return url_of


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
