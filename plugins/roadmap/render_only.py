"""The light site built by an engine that runs no plugin: the core plans it, writes its Markdown
and files into a private folder with an engine config, the engine renders them, and the core
finishes what the engine wrote, then allow-lists and audits every file and swaps it in.

The engine is a callable (engines.py) that renders one config file; nothing it writes on its own
(pages, sitemap, search index) reaches the site without passing the allow-list and the audit.
Titles reach the theme as plain text (the plugin hands it escaped HTML; `roadmap check` refuses
`<` and `>` in them).

The internal site: each planned page is written under its token address (`<token>.md`, its
links retargeted), so the engine writes it where the plugin build puts it. The engine writes
into a raw folder inside the private scratch folder, never into the site: only what the core
sealed there (locked pages, the encrypted search index, build.json) and the trusted theme
files are copied into the staging folder, which InternalSite.finish then checks file by file.
"""

from __future__ import annotations

import hashlib
import html
import json
import posixpath
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

from .accounts import brief_links
from .addresses import AddressSecret
from .asking import fill
from .audience import project
from .audience_markdown import EXTENSION_NAME, filter_html, with_audience
from .audit import trusted_files
from .history import read_history
from .integrity import add_theme_integrity, content_security_policy, scan, script_hash, sri
from .load import load_with_problems
from .markup import RoadmapMarkup
from .model import Roadmap
from .pages import Settings, SitePlan, place_parts, plan_site
from .passwords import Credential
from .problems import Problem, report
from .references import FileUse, relative, rewrite
from .rendering import Renderer
from .seal import ASSETS, BUILD_FILE, DROPPED, NOT_FOUND, SEARCH_INDEX
from .sites import MACHINE_MADE, InternalSite, PublicSite, Rejected, theme_settings
from .staging import STAGING_DIR, Staging, crash_point, scratch

# Our own assets, as plugin.py copies them.
OWN_ASSETS = {"assets/roadmap/roadmap.css": "roadmap.css", "assets/roadmap/board.js": "board.js"}
UNLOCK_ASSET = {"assets/roadmap/unlock.js": "unlock.js"}  # the internal site's, as the plugin's
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
    plan = _plan(proj, roadmap, "public", today)

    root = content.parent / STAGING_DIR
    staging = Staging(proj.site_dir, root)
    try:
        with scratch(root, "render") as work:  # internal plaintext: never in /tmp
            docs = work / "docs"
            _write_sources(plan, docs)
            engine_config = work / "engine.yml"
            engine_config.write_text(
                yaml.safe_dump(_engine_config(proj, plan, docs, staging.folder, today)),
                encoding="utf-8",
            )
            render(engine_config)
        out = staging.folder
        assert out is not None
        expected = _finish_pages(plan, out, directory_urls, cfg.get("site_url"))
        trusted = trusted_files(tuple(proj.theme_dirs[1:]), out) | {
            (uri, _sha256(ASSETS / name)) for uri, name in OWN_ASSETS.items()
        }
        expected |= _theme_files(out, proj.theme_dirs)
        site.finish(out, expected | set(MACHINE_MADE), trusted, MACHINE_MADE)
        staging.ready()
    except BaseException:
        staging.discard()
        raise
    return site.summary()


def _plan(proj: Project, roadmap: Roadmap, audience: str, today, links=None) -> SitePlan:
    """The site's pages, planned as the plugin plans them in on_config."""
    cfg = proj.config
    names = [_name(e) for e in cfg.get("markdown_extensions", [])]
    configs = {_name(e): _options(e) for e in cfg.get("markdown_extensions", [])}
    # Both sites plan with the light site's renderer (the internal "What clients see" panel).
    extensions = [*with_audience(names, "public"), RoadmapMarkup(fill(proj.options["request_url"]))]
    settings = Settings(
        today=today,
        feedback_url=proj.options["feedback_url"],
        request_url=proj.options["request_url"],
        client_ask_url=proj.options["client_ask_url"],
        stale_after_days=proj.options["stale_after_days"],
        use_directory_urls=cfg.get("use_directory_urls", True),
        light_site_url=proj.options["light_site_url"],
        board_cards=proj.options["board_cards"],
        site_name=cfg["site_name"],
        site_url=cfg.get("site_url"),
        account_links=links or {},
    )
    history = read_history(Path(proj.options["content_dir"]), proj.options["history_depth"])
    return plan_site(project(roadmap, audience), settings, Renderer(extensions, configs), history)


# What the internal site needs from the adapter once the content is loaded: the passwords
# (checked as the plugin checks them, against the content's own words) and the address secret.
Secrets = Callable[[Roadmap], tuple[list[Credential] | None, AddressSecret | None, list[Problem]]]


def build_internal_site(
    proj: Project, render: Callable[[Path], None], today, secrets: Secrets
) -> str:
    """Build, seal, check and stage the internal site; the summary line. Raises Rejected or
    RenderError, leaving the published site untouched. The engine's plaintext output stays in
    the scratch folder, removed when this returns and swept after a killed build."""
    content = Path(proj.options["content_dir"])
    roadmap, problems = load_with_problems(content)
    problems = proj.problems + problems
    credentials = addresses = None
    if roadmap is not None:
        credentials, addresses, found = secrets(roadmap)
        problems += found
    if problems:
        raise Rejected(report(problems))
    assert roadmap is not None and credentials and addresses is not None
    cfg = proj.config
    site = InternalSite(
        credentials, addresses, cfg["site_name"], help_text=proj.options["unlock_help"]
    )
    links = brief_links(roadmap, proj.options["light_site_url"])
    plan = _plan(proj, roadmap, "internal", today, links)
    if plan.data or plan.media:  # as on_files: nothing of the internal site travels in clear
        raise Rejected(
            f"the internal plan has files outside its pages "
            f"({', '.join(sorted([*plan.media, *plan.data]))}); internal images must travel "
            "inside the encrypted pages\nThe internal site was not published; the previous one "
            "is untouched."
        )
    directory_urls = cfg.get("use_directory_urls", True)
    written = {uri: _token_uri(site, uri) for uri in plan.pages}

    root = content.parent / STAGING_DIR
    staging = Staging(proj.site_dir, root)
    try:
        with scratch(root, "render") as work:  # every plaintext file of the build, only here
            docs, raw = work / "docs", work / "raw"
            _write_token_sources(plan, written, docs)
            engine_config = work / "engine.yml"
            engine_config.write_text(
                yaml.safe_dump(_engine_config(proj, plan, docs, raw, today, written, True)),
                encoding="utf-8",
            )
            render(engine_config)
            crash_point("rendered")
            out = staging.folder
            assert out is not None
            _seal_output(plan, site, raw, out, written, directory_urls, cfg.get("site_url"))
        trusted = trusted_files(tuple(proj.theme_dirs[1:]), out) | {
            (uri, _sha256(ASSETS / name)) for uri, name in (OWN_ASSETS | UNLOCK_ASSET).items()
        }
        site.finish(out, set(), trusted, MACHINE_MADE)
        staging.ready()
    except BaseException:
        staging.discard()
        raise
    return site.summary()


def _token_uri(site: InternalSite, uri: str) -> str:
    """Where a planned page is written for the engine: `<token>.md`, which the engine writes
    at the address the plugin gives it (`<token>/index.html` or `<token>.html`)."""
    token = site.address(uri)
    return f"{token}.md" if token else uri


def _write_token_sources(plan: SitePlan, written: dict[str, str], docs: Path) -> None:
    """The planned pages under their token names, each link to another page retargeted (the
    same scan the planner retargets links with); our assets with the unlock script."""
    for uri, page in plan.pages.items():
        here = posixpath.dirname(uri)

        def target(ref, uri=uri, here=here) -> str:
            to = posixpath.normpath(posixpath.join(here, ref.file_part))
            return relative(written[uri], written[to]) if to in written else ref.written_file

        path = docs / written[uri]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rewrite(page.source, target), encoding="utf-8")
    for uri, name in (OWN_ASSETS | UNLOCK_ASSET).items():
        path = docs / uri
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes((ASSETS / name).read_bytes())


def _seal_output(
    plan: SitePlan,
    site: InternalSite,
    raw: Path,
    out: Path,
    written: dict[str, str],
    directory_urls: bool,
    site_url: str | None,
) -> None:
    """Seal what the engine wrote in `raw` into `out`: every page (planned parts in place,
    integrity attributes, its policy) as its locked page, the search index encrypted,
    build.json; every other file copied as it is, for InternalSite.finish to refuse unless
    it is a trusted theme file. A link left at a page's source address is refused."""
    urls = {uri: _dest(written[uri], directory_urls) for uri in plan.pages}
    by_url = {url: uri for uri, (_, url) in urls.items()}
    # The addresses the pages would have had at their source names: a link there is broken.
    source_urls = {_dest(uri, directory_urls)[1] for uri in plan.pages} - set(by_url)
    integrity = _integrity(raw, site_url)
    home = urlsplit(site_url or "/").path
    pages = {dest: uri for uri, (dest, _) in urls.items()}
    for dest in sorted(pages):  # written in the tokens' order: the order tells nothing
        uri = pages[dest]
        path = raw / dest
        if not path.is_file():
            raise Rejected(_unpublished(f"{dest}: the engine did not write this page"))
        html = path.read_text(encoding="utf-8")
        url = urls[uri][1]
        page = plan.pages[uri]
        if page.parts:
            here = posixpath.dirname(uri)

            def url_of(link: str, here=here, url=url) -> str | None:
                to = posixpath.normpath(posixpath.join(here, link))
                return _relative(urls[to][1], url) if to in urls else None

            html = place_parts(html, page.parts, url_of)
        for link in _links(html):
            if _missed(link, uri, url, written, source_urls):
                raise Rejected(
                    _unpublished(f"{dest}: a link to {link} did not get its page's address")
                )
        _seal_to(out, dest, html, site, integrity, None)
    if (raw / NOT_FOUND).is_file():
        text = (raw / NOT_FOUND).read_text(encoding="utf-8")
        _seal_to(out, NOT_FOUND, text, site, integrity, home)
    index = raw / SEARCH_INDEX
    if index.is_file():
        text = _with_parts_as_words(index.read_text(encoding="utf-8"), plan, lambda p: p)
        (out / SEARCH_INDEX).parent.mkdir(parents=True, exist_ok=True)
        (out / SEARCH_INDEX).write_text(site.seal_search_index(text), encoding="utf-8")
    (out / BUILD_FILE).write_text(site.build_file(), encoding="utf-8")
    done = {*pages, NOT_FOUND, SEARCH_INDEX, BUILD_FILE, *DROPPED}
    for path in sorted(raw.rglob("*")):
        rel = path.relative_to(raw).as_posix()
        if path.is_file() and rel not in done:
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, out / rel)  # InternalSite.finish refuses it unless trusted


def _seal_to(out: Path, dest: str, html: str, site: InternalSite, integrity, root) -> None:
    html, _ = add_theme_integrity(html, lambda u: integrity(u, posixpath.dirname(dest)), {})
    scripts = _theme_scripts(html)
    html = _with_meta(html, site.policy(scripts))
    path = out / dest
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(site.seal_page(html, dest, scripts, root=root), encoding="utf-8")


def _unpublished(problem: str) -> str:
    return f"{problem}\nThe internal site was not published; the previous one is untouched."


class _Anchors(HTMLParser):
    """The href of every link of a page, as a browser tokenises it."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs += [v for k, v in attrs if k == "href" and v]


def _links(html: str) -> list[str]:
    """The addresses the page's links lead to, as a browser reads them."""
    return _Anchors(html).hrefs


def _missed(link: str, uri: str, url: str, written: dict[str, str], source_urls: set[str]) -> bool:
    """A link of the page `uri` (at `url`) to another planned page that the engine did not
    turn into that page's token address: a .md link it left as it was, or a source address."""
    parts = urlsplit(link)
    if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
        return False
    if parts.path.endswith(".md"):
        path = unquote(parts.path)
        return (
            posixpath.normpath(posixpath.join(posixpath.dirname(uri), path)) in written
            or posixpath.normpath(posixpath.join(posixpath.dirname(written[uri]), path))
            in written.values()
        )
    return _resolve(link, url) in source_urls


def _resolve(link: str, page_url: str) -> str | None:
    """A relative link of the page at `page_url` as an address from the site's root."""
    parts = urlsplit(link)
    if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
        return None
    base = page_url if page_url.endswith("/") or not page_url else posixpath.dirname(page_url)
    joined = posixpath.normpath(posixpath.join(base, parts.path))
    if joined in (".", ""):
        return ""
    return joined + ("/" if parts.path.endswith("/") else "")


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


def _engine_config(
    proj: Project,
    plan: SitePlan,
    docs: Path,
    site_dir: Path | None,
    today,
    written: dict[str, str] | None = None,
    sealed: bool = False,
):
    """The config the engine renders: the project's, pointed at the planned pages (at their
    `written` names), with the audience extension the parser removes internal elements with,
    and no plugin of ours."""
    audience = "internal" if sealed else "public"
    dropped = InternalSite.dropped_features if sealed else PublicSite.dropped_features
    cfg = dict(proj.config)
    if not sealed:  # as the plugin: the repository never on the light site
        cfg = {k: v for k, v in cfg.items() if k not in ("repo_url", "repo_name", "edit_uri")}
    theme = dict(cfg.get("theme") or {})
    if theme.get("custom_dir"):
        theme["custom_dir"] = str((proj.config_dir / theme["custom_dir"]).resolve())
    theme["features"] = [f for f in theme.get("features", []) if f not in dropped]
    extensions = [
        e
        for e in cfg.get("markdown_extensions", [])
        if _name(e) not in (EXTENSION_NAME, "roadmap.markup:RoadmapMarkup")
    ]
    extensions += [
        {EXTENSION_NAME: {"audience": audience}},
        {"roadmap.markup:RoadmapMarkup": {"request": fill(proj.options["request_url"])}},
    ]
    name = written or {uri: uri for uri in plan.pages}
    not_in_nav = [f"/{name[uri]}" for uri, p in plan.pages.items() if not p.in_nav]
    extra = dict(cfg.get("extra") or {})
    extra["roadmap"] = theme_settings(
        audience,
        proj.options["disclaimer"],
        today,
        cfg.get("use_directory_urls", True),
        fill(proj.options["request_url"]),
        sealed=sealed,
    )
    return {
        **cfg,
        "docs_dir": str(docs),
        "site_dir": str(site_dir),
        "theme": theme,
        "markdown_extensions": extensions,
        "nav": _renamed(plan.nav, name),
        "not_in_nav": "\n".join(not_in_nav),
        "extra": extra,
        "extra_css": [*cfg.get("extra_css", []), "assets/roadmap/roadmap.css"],
        "extra_javascript": [*cfg.get("extra_javascript", []), "assets/roadmap/board.js"],
        "plugins": [p for p in _plugins(cfg) if _name(p) != "roadmap"],
    }


def _renamed(nav: Any, name: dict[str, str]) -> Any:
    """The navigation with each page at the name it is written under."""
    if isinstance(nav, list):
        return [_renamed(entry, name) for entry in nav]
    if isinstance(nav, dict):
        return {title: _renamed(entry, name) for title, entry in nav.items()}
    return name.get(nav, nav) if isinstance(nav, str) else nav


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
    integrity = _integrity(out, site_url)
    for path in sorted(out.rglob("*.html")):
        rel = path.relative_to(out).as_posix()
        page_dir = posixpath.dirname(rel)
        html, _ = add_theme_integrity(
            path.read_text(encoding="utf-8"), lambda u, d=page_dir: integrity(u, d), {}
        )
        path.write_text(_with_policy(html), encoding="utf-8")
    return expected


def _integrity(out: Path, site_url: str | None) -> Callable[[str, str], str | None]:
    """The integrity attribute of a URL written in a page of folder `page_dir`, from the file
    the engine wrote in `out` (None: not a file of the site)."""
    digests: dict[str, str | None] = {}
    root = urlsplit(site_url or "/").path

    def integrity(url: str, page_dir: str) -> str | None:
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

    return integrity


def _index_parts(index: Path, plan: SitePlan) -> None:
    """The engine indexed the pages before their parts were put in place: their text instead of
    their placeholders (as words: the index is read as text)."""
    if not index.is_file():
        return
    text = _with_parts_as_words(
        index.read_text(encoding="utf-8"), plan, lambda part: filter_html(part)[0]
    )
    index.write_text(text, encoding="utf-8")


def _with_parts_as_words(text: str, plan: SitePlan, keep: Callable[[str], str]) -> str:
    for page in plan.pages.values():
        for token, part in page.parts.items():
            if token in text:
                words = " ".join(_TAGS.sub(" ", keep(part)).split())
                plain = json.dumps(html.escape(html.unescape(words), quote=False))[1:-1]
                text = text.replace(f"<p>{token}</p>", f"<p>{plain}</p>").replace(token, plain)
    return text


_TAGS = re.compile(r"<[^>]*>")
_CONTENT_START = '<article class="md-content__inner'
_THEME_TAIL = '<script id="__config"'
_POLICY_BEFORE = '<meta property="og:type"'  # where overrides/main.html prints the policy


def _with_policy(html: str) -> str:
    """The page's Content-Security-Policy, as the plugin sets it: the hashes of the inline
    scripts the theme wrote."""
    scripts = _theme_scripts(html)
    return _with_meta(html, content_security_policy(map(script_hash, scripts), sealed=False))


def _theme_scripts(html: str) -> set[str]:
    """The inline scripts the theme wrote, which are those outside the content. The content
    runs from the article's start to the last </article> before the theme's scripts: an
    </article> in a body cannot move a script of the body out of it."""
    start = html.find(_CONTENT_START)
    tail = html.rfind(_THEME_TAIL)
    end = html.rfind("</article>", 0, tail if tail >= 0 else len(html))
    outside = html if start < 0 else html[:start] + html[max(end, start) :]
    return {s.text for s in scan(outside).scripts if s.inline}


def _with_meta(html: str, policy: str) -> str:
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
