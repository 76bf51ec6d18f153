"""The light site built by an engine that runs no plugin: the core plans it, writes its Markdown
and files into a private folder with an engine config, the engine renders them, and the core
finishes what the engine wrote, then allow-lists and audits every file and swaps it in.

The engine is a callable (engines.py) that renders one config file; nothing it writes on its own
(pages, sitemap, search index) reaches the site without passing the allow-list and the audit.
Titles reach the theme as plain text (the plugin hands it escaped HTML; `roadmap check` refuses
`<` and `>` in them). The internal site needs its token addresses and the seal of every page and
of the search index on top: not done yet.
"""

from __future__ import annotations

import hashlib
import html
import json
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from .asking import fill
from .audience import project
from .audience_markdown import EXTENSION_NAME, filter_html, with_audience
from .audit import trusted_files
from .history import read_history
from .integrity import add_theme_integrity, content_security_policy, scan, script_hash, sri
from .load import load_with_problems
from .markup import RoadmapMarkup
from .pages import Settings, SitePlan, place_parts, plan_site
from .problems import Problem, report
from .references import FileUse
from .rendering import Renderer
from .seal import ASSETS
from .sites import MACHINE_MADE, PublicSite, Rejected
from .staging import STAGING_DIR, Staging, scratch

# Our own assets, as plugin.py copies them.
OWN_ASSETS = {"assets/roadmap/roadmap.css": "roadmap.css", "assets/roadmap/board.js": "board.js"}
TEMPLATE_SUFFIXES = (".html", ".py", ".pyc", ".yml")  # theme files an engine renders, not copies


class RenderError(Exception):
    """The engine failed; the message is what it said."""


@dataclass
class Project:
    """What the adapter read from the project's config, as the engine would read it."""

    config: dict[str, Any]  # the merged YAML (INHERIT resolved), the roadmap plugin left out
    config_dir: Path  # the folder of the -f file: relative paths resolve against it
    options: dict[str, Any]  # the roadmap plugin's validated options
    theme_dirs: list[Path]  # custom_dir first, then the theme's templates
    site_dir: Path  # the final site
    problems: list[Problem] = field(default_factory=list)


def build_light_site(proj: Project, render: Callable[[Path], None], today) -> str:
    """Build, finish, audit and publish the light site; the summary line. Raises Rejected
    (content, file or audit problems) or RenderError, leaving the published site untouched."""
    content = Path(proj.options["content_dir"])
    roadmap, problems = load_with_problems(content)
    problems = proj.problems + problems
    if problems:
        raise Rejected(report(problems))
    cfg = proj.config
    site = PublicSite(
        roadmap,
        proj.options["confidential_terms"],
        proj.options["audit_allow"],
        fixed_text=[
            proj.options["disclaimer"],
            cfg["site_name"],
            cfg.get("site_description") or "",
            cfg.get("copyright") or "",
        ],
        theme_dirs=tuple(proj.theme_dirs),
    )
    directory_urls = cfg.get("use_directory_urls", True)
    request = fill(proj.options["request_url"])
    names = [_name(e) for e in cfg.get("markdown_extensions", [])]
    configs = {_name(e): _options(e) for e in cfg.get("markdown_extensions", [])}
    extensions = [*with_audience(names, "public"), RoadmapMarkup(request)]
    settings = Settings(
        today=today,
        feedback_url=proj.options["feedback_url"],
        request_url=proj.options["request_url"],
        client_ask_url=proj.options["client_ask_url"],
        stale_after_days=proj.options["stale_after_days"],
        use_directory_urls=directory_urls,
        light_site_url=proj.options["light_site_url"],
        site_name=cfg["site_name"],
        site_url=cfg.get("site_url"),
    )
    history = read_history(content, proj.options["history_depth"])
    plan = plan_site(project(roadmap, "public"), settings, Renderer(extensions, configs), history)

    root = content.parent / STAGING_DIR
    staging = Staging(proj.site_dir, root)
    try:
        with scratch(root, "render") as work:  # internal plaintext: never in /tmp
            docs = work / "docs"
            _write_sources(plan, docs)
            engine_config = work / "engine.yml"
            engine_config.write_text(
                yaml.safe_dump(_engine_config(proj, plan, docs, staging, request, today)),
                encoding="utf-8",
            )
            render(engine_config)
        out = staging.folder
        assert out is not None
        expected = _finish_pages(plan, out, directory_urls, cfg.get("site_url"))
        trusted = trusted_files(tuple(proj.theme_dirs[1:])) | {
            (uri, _sha256(ASSETS / name)) for uri, name in OWN_ASSETS.items()
        }
        expected |= _theme_files(out, proj.theme_dirs)
        site.finish(out, expected | set(MACHINE_MADE), trusted, MACHINE_MADE)
        staging.ready()
    except BaseException:
        staging.discard()
        raise
    return site.summary()


def _name(entry: Any) -> str:
    return next(iter(entry)) if isinstance(entry, dict) else str(entry)


def _options(entry: Any) -> dict[str, Any]:
    return dict(next(iter(entry.values())) or {}) if isinstance(entry, dict) else {}


def _write_sources(plan: SitePlan, docs: Path) -> None:
    """The planned pages' Markdown, the media and data files and our assets, by src_uri."""
    files: dict[str, bytes] = {uri: p.source.encode("utf-8") for uri, p in plan.pages.items()}
    files |= dict(plan.media)
    files |= {uri: text.encode("utf-8") for uri, text in plan.data.items()}
    files |= {uri: (ASSETS / name).read_bytes() for uri, name in OWN_ASSETS.items()}
    for uri, data in files.items():
        path = docs / uri
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _engine_config(proj: Project, plan: SitePlan, docs: Path, staging: Staging, request, today):
    """The config the engine renders: the project's, pointed at the planned pages, with the
    audience extension the parser removes internal elements with, and no plugin of ours."""
    cfg = {k: v for k, v in proj.config.items() if k not in ("repo_url", "repo_name", "edit_uri")}
    theme = dict(cfg.get("theme") or {})
    if theme.get("custom_dir"):
        theme["custom_dir"] = str((proj.config_dir / theme["custom_dir"]).resolve())
    dropped = PublicSite.dropped_features
    theme["features"] = [f for f in theme.get("features", []) if f not in dropped]
    extensions = [
        e
        for e in cfg.get("markdown_extensions", [])
        if _name(e) not in (EXTENSION_NAME, "roadmap.markup:RoadmapMarkup")
    ]
    extensions += [
        {EXTENSION_NAME: {"audience": "public"}},
        {"roadmap.markup:RoadmapMarkup": {"request": request}},
    ]
    not_in_nav = [f"/{uri}" for uri, p in plan.pages.items() if not p.in_nav]
    extra = dict(cfg.get("extra") or {})
    extra["roadmap"] = {
        "audience": "public",
        "disclaimer": proj.options["disclaimer"],
        "updated": f"{today.day} {today:%B %Y}",
        "preview": False,
        "sealed": False,
        "feed": "feed.xml",
        "changes": "changes/" if cfg.get("use_directory_urls", True) else "changes.html",
        "problems": [],
        "request": request,
    }
    return {
        **cfg,
        "docs_dir": str(docs),
        "site_dir": str(staging.folder),
        "theme": theme,
        "markdown_extensions": extensions,
        "nav": plan.nav,
        "not_in_nav": "\n".join(not_in_nav),
        "extra": extra,
        "extra_css": [*cfg.get("extra_css", []), "assets/roadmap/roadmap.css"],
        "extra_javascript": [*cfg.get("extra_javascript", []), "assets/roadmap/board.js"],
        "plugins": [p for p in _plugins(cfg) if _name(p) != "roadmap"],
    }


def _plugins(cfg: dict[str, Any]) -> list[Any]:
    plugins = cfg.get("plugins") or []
    if isinstance(plugins, dict):
        return [{k: v} if v else k for k, v in plugins.items()]
    return list(plugins)


def _dest(uri: str, directory_urls: bool) -> tuple[str, str]:
    """(file, url) of a page as MkDocs writes it."""
    stem = uri.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        folder = stem.removesuffix("index")
        return folder + "index.html", folder
    if directory_urls:
        return stem + "/index.html", stem + "/"
    return stem + ".html", stem + ".html"


def _relative(url: str, page_url: str) -> str:
    """`url` (from the site's root) as a link from the page at `page_url`."""
    base = page_url if page_url.endswith("/") or not page_url else posixpath.dirname(page_url)
    target = url or "."
    rel = posixpath.relpath(target, base.rstrip("/") or ".")
    return rel + ("/" if url.endswith("/") or not url else "")


def _finish_pages(plan: SitePlan, out: Path, directory_urls: bool, site_url) -> set[str]:
    """The planned HTML parts and file references put in place, unused media removed, integrity
    attributes added: what the plugin does while MkDocs writes. The files expected."""
    urls = {uri: _dest(uri, directory_urls) for uri in plan.pages}
    files = {*plan.data, *plan.media, *OWN_ASSETS}  # linked by their own path
    file_use = FileUse(plan.file_refs, plan.sources)
    expected = {dest for dest, _ in urls.values()}
    for uri, page in plan.pages.items():
        dest, url = urls[uri]
        path = out / dest
        if not path.is_file():
            continue  # refused below: a planned page the engine did not write
        html = path.read_text(encoding="utf-8")
        html = file_use.place(html, uri, url)
        if page.parts:
            here = posixpath.dirname(uri)

            def url_of(link: str, here=here, url=url) -> str | None:
                uri = posixpath.normpath(posixpath.join(here, link))
                target = urls[uri][1] if uri in urls else uri if uri in files else None
                return None if target is None else _relative(target, url)

            html = place_parts(html, page.parts, url_of, lambda part: filter_html(part)[0])
        path.write_text(html, encoding="utf-8")
    if file_use.problems:
        raise Rejected(report(file_use.problems) + "\nThe light site was not published.")
    _index_parts(out / "search" / "search_index.json", plan)
    for uri in plan.media:
        if uri not in file_use.used:
            (out / uri).unlink(missing_ok=True)
        else:
            expected.add(uri)
    expected |= set(plan.data) | set(OWN_ASSETS)
    digests: dict[str, str | None] = {}
    root = urlsplit(site_url or "/").path
    for path in sorted(out.rglob("*.html")):
        rel = path.relative_to(out).as_posix()
        page_dir = posixpath.dirname(rel)

        def integrity(url: str, page_dir=page_dir) -> str | None:
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or not parts.path:
                return None
            if parts.path.startswith("/"):
                if not parts.path.startswith(root):
                    return None
                target = posixpath.normpath(parts.path[len(root) :])
            else:
                target = posixpath.normpath(posixpath.join(page_dir, parts.path))
            if target not in digests:
                file = out / target
                ok = not target.startswith(("../", "/")) and file.is_file()
                digests[target] = sri(file.read_bytes()) if ok else None
            return digests[target]

        html, _ = add_theme_integrity(path.read_text(encoding="utf-8"), integrity, {})
        path.write_text(_with_policy(html), encoding="utf-8")
    return expected


def _index_parts(index: Path, plan: SitePlan) -> None:
    """The engine indexed the pages before their parts were put in place: their text instead of
    their placeholders (as words: the index is read as text)."""
    if not index.is_file():
        return
    text = index.read_text(encoding="utf-8")
    for page in plan.pages.values():
        for token, part in page.parts.items():
            if token in text:
                words = " ".join(_TAGS.sub(" ", filter_html(part)[0]).split())
                plain = json.dumps(html.escape(html.unescape(words), quote=False))[1:-1]
                text = text.replace(f"<p>{token}</p>", f"<p>{plain}</p>").replace(token, plain)
    index.write_text(text, encoding="utf-8")


_TAGS = re.compile(r"<[^>]*>")
_CONTENT_START = '<article class="md-content__inner'
_THEME_TAIL = '<script id="__config"'
_POLICY_BEFORE = '<meta property="og:type"'  # where overrides/main.html prints the policy


def _with_policy(html: str) -> str:
    """The page's Content-Security-Policy, as the plugin sets it: the hashes of the inline
    scripts the theme wrote, which are those outside the content. The content runs from the
    article's start to the last </article> before the theme's scripts: an </article> in a body
    cannot move a script of the body out of it."""
    start = html.find(_CONTENT_START)
    tail = html.rfind(_THEME_TAIL)
    end = html.rfind("</article>", 0, tail if tail >= 0 else len(html))
    outside = html if start < 0 else html[:start] + html[max(end, start) :]
    scripts = {s.text for s in scan(outside).scripts if s.inline}
    policy = content_security_policy(map(script_hash, scripts), sealed=False)
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n  '
    at = html.find(_POLICY_BEFORE)
    if at < 0:
        at = html.find("<head>") + len("<head>")
    return html[:at] + meta + html[at:]


def _theme_files(out: Path, theme_dirs: list[Path]) -> set[str]:
    """Files of the site that are the theme's static files (copied, not rendered)."""
    found = set()
    for path in out.rglob("*"):
        rel = path.relative_to(out).as_posix()
        theirs = any((d / rel).is_file() for d in theme_dirs)
        if theirs and path.is_file() and not rel.endswith(TEMPLATE_SUFFIXES):
            found.add(rel)
    return found


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
