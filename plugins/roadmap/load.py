"""Load content/ into a Roadmap, checking every rule; problems are collected, not raised."""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from .model import (
    NO_HORIZON_STATUSES,
    Account,
    Item,
    Page,
    PlaybookPage,
    Roadmap,
    Strategy,
    Theme,
)
from .problems import ContentError, Problem, did_you_mean, display_path
from .references import find_refs, real_path, resolve
from .schema import INVALID, Context, Slug, build_record
from .yaml_source import Doc, read_front_matter, read_yaml_file

ROADMAP_DIR, PAGES_DIR, PLAYBOOK_DIR = "roadmap", "pages", "playbook"
THEMES_FILE, STRATEGY_FILE = "themes.yml", "strategy.yml"
ACCOUNTS_FILE = "accounts.yml"  # content/accounts.yml: who ask-first items may be shared with
# Top-level names the generated pages and files use (compared as addresses: without `.md`,
# case-insensitively, since a site is often served or checked out on a case-insensitive
# filesystem): a hand-written page may not take them.
RESERVED_PAGE_NAMES = (
    "items",
    "themes",
    "playbook",
    "media",
    "assets",
    "search",
    "shipped",
    "horizons",
    "timeline",
    "changes",
    "review",
    "roadmap.json",
    "roadmap.schema.json",
    "404",
    "404.html",
    "sitemap.xml",
    "sitemap.xml.gz",
    "feed.xml",
    "feeds",
    "index.html",
)
# The playbook's generated views (playbook.py), below playbook/. A hand-written playbook page
# may not take these paths, and may link to them; playbook/index.md is the overview's intro.
PLAYBOOK_VIEWS = (
    "accounts/index.md",
    "talk-tracks.md",
    "share-case-by-case.md",
    "negotiation.md",
    "what-clients-see.md",
)
RESERVED_PLAYBOOK_NAMES = ("accounts", *(v.removesuffix(".md") for v in PLAYBOOK_VIEWS[1:]))


def load(content_dir: Path) -> Roadmap:
    """Load and validate everything; raise ContentError listing every problem found."""
    roadmap, problems = load_with_problems(content_dir)
    if problems:
        raise ContentError(problems)
    assert roadmap is not None
    return roadmap


def load_with_problems(content_dir: Path) -> tuple[Roadmap | None, list[Problem]]:
    content_dir = Path(content_dir)
    problems: list[Problem] = _undecodable_names(content_dir)
    if problems:  # every later step would trip over them (printing, URLs, MkDocs itself)
        return None, problems
    roadmap_dir = content_dir / ROADMAP_DIR
    if not roadmap_dir.is_dir():
        return None, [
            Problem(roadmap_dir, 1, "folder not found", "roadmap items live in content/roadmap/")
        ]
    themes, theme_ids = _load_themes(roadmap_dir / THEMES_FILE, problems)
    strategy = _load_strategy(roadmap_dir / STRATEGY_FILE, problems)
    items = _load_items(roadmap_dir, problems)
    pages = _load_pages(content_dir / PAGES_DIR, Page, problems)
    playbook = _load_pages(content_dir / PLAYBOOK_DIR, PlaybookPage, problems)
    _check_items(items, themes, theme_ids, problems)
    _check_light_site_ids(items, problems)
    _check_strategy(strategy, {i.id for i in items}, theme_ids, problems)
    accounts, account_ids = _load_accounts(content_dir / ACCOUNTS_FILE, problems)
    _check_approvals(items, account_ids, themes, problems)
    today, found = build_date()
    problems += found
    _check_page_addresses(
        pages,
        problems,
        RESERVED_PAGE_NAMES,
        ("the home page", "the text above the home page's board is pages/index.md"),
        "pages",
    )
    _check_page_addresses(
        playbook,
        problems,
        RESERVED_PLAYBOOK_NAMES,
        ("the playbook overview", "the text at the top of the overview is playbook/index.md"),
        "playbook pages",
    )
    _check_references(content_dir, [*items, *pages, *playbook], problems)
    _check_links(content_dir, problems)
    roadmap = Roadmap(
        content_dir=content_dir,
        items=tuple(sorted(items, key=lambda i: i.id)),
        themes=tuple(themes),
        pages=tuple(sorted(pages, key=lambda p: p.rel)),
        playbook=tuple(sorted(playbook, key=lambda p: p.rel)),
        strategy=strategy,
        accounts=tuple(accounts),
        today=today,
    )
    return roadmap, problems


def build_date() -> tuple[date, list[Problem]]:
    """The day the roadmap is built for: SOURCE_DATE_EPOCH when set (a rebuild of the same
    commit is then the same site), else today in UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return datetime.now(UTC).date(), []
    if not epoch.isdigit():
        return datetime.now(UTC).date(), [
            Problem(
                Path("SOURCE_DATE_EPOCH"),
                1,
                f"'{epoch}' is not a number of seconds since 1970",
                "set it to `git log -1 --format=%ct`, or unset it",
            )
        ]
    return datetime.fromtimestamp(int(epoch), UTC).date(), []


def _records(kind, noun: str, first_field: str, doc, path: Path, ctx, problems: list[Problem]):
    """The valid records of a YAML file that maps ids to fields (themes.yml, accounts.yml)."""
    records = []
    for record_id, raw in doc.value.items():
        line = doc.line((record_id,))
        if not isinstance(record_id, str) or not Slug.pattern.match(record_id):
            problems.append(
                Problem(
                    path,
                    line,
                    f"'{record_id}' is not a valid {noun} id",
                    "ids use lowercase letters, digits and hyphens",
                )
            )
            continue
        if not isinstance(raw, dict):
            problems.append(
                Problem(
                    path,
                    line,
                    f"{noun} '{record_id}' must have fields",
                    f"indent '{first_field}: ...' under the id",
                )
            )
            continue
        record = build_record(
            kind, raw, (record_id,), ctx, extra={"id": record_id, "path": path, "line": line}
        )
        if record is not INVALID:
            records.append(record)
    return records


def _load_accounts(path: Path, problems: list[Problem]) -> tuple[list[Account], set[str] | None]:
    """The valid accounts, and every account id written (None when the file is unusable: an
    approval is then not reported once more for each account)."""
    if not path.is_file():
        return [], set()
    doc, found = read_yaml_file(path)
    problems.extend(found)
    if doc is None:
        return [], None
    if doc.value is None:
        return [], set()
    if not isinstance(doc.value, dict):
        problems.append(
            Problem(
                path,
                1,
                "accounts.yml must map account ids to their fields",
                "write 'harrow-finch:' then an indented 'name: Harrow & Finch'",
            )
        )
        return [], None
    ctx = _context(doc, problems)
    accounts = _records(Account, "account", "name", doc, path, ctx, problems)
    return accounts, {str(k) for k in doc.value}


def _check_approvals(
    items: list[Item], accounts: set[str] | None, themes: list[Theme], problems: list
) -> None:
    """share_with: ask-first items only, known accounts, dates in order, one entry per account.
    A shared item shows on the account's site with its theme: the theme must be public."""
    internal_themes = {t.id for t in themes if t.visibility != "public"}
    for item in items:
        if not item.share_with:
            continue
        top = line = item.lines.get("share_with", item.lines.get("", 1))
        if item.visibility != "ask-first":
            problems.append(
                Problem(
                    item.path,
                    line,
                    f"share_with is for ask-first items; this one is {item.visibility}",
                    "set 'visibility: ask-first', or remove share_with"
                    + (
                        " (public items are shared with everyone)"
                        if item.visibility == "public"
                        else ""
                    ),
                )
            )
            continue
        if item.theme in internal_themes:
            problems.append(
                Problem(
                    item.path,
                    top,
                    f"a shared item cannot sit in the internal theme '{item.theme}': its "
                    "account's site shows the theme",
                    "make the theme public in themes.yml, or move the item to a public theme",
                )
            )
        seen: set[str] = set()
        for n, approval in enumerate(item.share_with):
            line = item.lines.get(f"share_with.{n}", top)
            if accounts is not None and approval.account not in accounts:
                problems.append(
                    Problem(
                        item.path,
                        line,
                        f"share_with: unknown account '{approval.account}'",
                        did_you_mean(approval.account, sorted(accounts), list_all=False)
                        + f" (accounts are in content/{ACCOUNTS_FILE})",
                    )
                )
            if approval.account in seen:
                problems.append(
                    Problem(
                        item.path,
                        line,
                        f"share_with: the account '{approval.account}' is listed twice",
                        "keep one entry per account (change its dates instead)",
                    )
                )
            seen.add(approval.account)
            if approval.until is not None and approval.until < approval.on:
                problems.append(
                    Problem(
                        item.path,
                        line,
                        f"share_with: '{approval.account}' is shared until {approval.until}, "
                        f"before it was approved on {approval.on}",
                        "check the dates: 'until' is the last day it is shared",
                    )
                )


def _context(doc: Doc, problems: list[Problem]) -> Context:
    return Context(
        lambda key, msg, hint: problems.append(Problem(doc.path, doc.line(key), msg, hint))
    )


def _visible_files(folder: Path) -> Iterator[Path]:
    """Files under `folder`, sorted, without hidden ones (.git, .DS_Store...)."""
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            yield path


def _is_markdown(path: Path) -> bool:
    return path.suffix.lower() in (".md", ".markdown")


def _load_items(roadmap_dir: Path, problems: list[Problem]) -> list[Item]:
    items: list[Item] = []
    seen: dict[str, Path] = {}
    for path in _visible_files(roadmap_dir):
        item, found = load_item_file(roadmap_dir, path, seen)
        problems.extend(found)
        if item is not None:
            items.append(item)
    return items


def load_item_file(
    roadmap_dir: Path, path: Path, seen: dict[str, Path]
) -> tuple[Item | None, list[Problem]]:
    """One file under content/roadmap/ with the rules of that file alone (its name, its fields,
    an id not in `seen`, which it joins); (None, []) for files that are not items. The history
    reads a commit that changed only items with this, file by file (history.py)."""
    rel = path.relative_to(roadmap_dir)
    if path.suffix.lower() in (".yml", ".yaml") and rel.as_posix() not in (
        THEMES_FILE,
        STRATEGY_FILE,
    ):
        return None, [
            Problem(
                path,
                1,
                "unexpected YAML file",
                f"content/roadmap/ holds {THEMES_FILE}, {STRATEGY_FILE} and items (.md)",
            )
        ]
    if not _is_markdown(path):
        return None, []  # images and other files pages may use
    item_id = path.stem
    if not Slug.pattern.match(item_id):
        suggestion = "-".join("".join(c if c.isalnum() else " " for c in item_id.lower()).split())
        return None, [
            Problem(
                path,
                1,
                f"'{path.name}' is not a valid item id",
                f"ids use lowercase letters, digits and hyphens: rename it {suggestion}.md",
            )
        ]
    if item_id in seen:
        return None, [
            Problem(
                path,
                1,
                f"duplicate id '{item_id}': {display_path(seen[item_id])} has it too",
                "ids come from file names and must be unique across content/roadmap/",
            )
        ]
    seen[item_id] = path
    try:
        data = path.read_bytes()
    except OSError:
        data = b""  # read_front_matter reports why
    record, found = _read_item(path, item_id, data)
    return record, list(found)


class _Memo:
    """_read_item's memo: the last `size` files by path, id and a digest of their bytes (not
    the bytes: 30 MB at 10,000 items, which each process of a build copied as it looked them
    up), least recently used out first, from which a folder's files can be dropped
    (forget_items_under).

    A file with the bytes and id of one read before at another path, which loaded without a
    problem, is that item at its own path, not parsed again: the history's replay writes past
    content into a folder of its own, and most of its files are those of content/ (at 1,000
    items, parsing them again was most of reading the history)."""

    def __init__(self, read: Callable, size: int):
        self.read, self.size = read, size
        self.entries: OrderedDict[tuple[Path, str, bytes], tuple] = OrderedDict()
        self.twins: dict[tuple[str, bytes], tuple[Path, str, bytes]] = {}  # (id, digest) -> key

    def __call__(self, path: Path, item_id: str, data: bytes) -> tuple:
        digest = hashlib.sha256(data).digest()
        key = (path, item_id, digest)
        found = self.entries.get(key)
        if found is not None:
            self.entries.move_to_end(key)
            return found
        twin = self.entries.get(self.twins.get((item_id, digest)))  # type: ignore[arg-type]
        if twin is not None and twin[0] is not None and not twin[1]:
            found = (replace(twin[0], path=path), ())
        else:
            found = self.read(path, item_id, data)
        self.entries[key] = found
        self.twins.setdefault((item_id, digest), key)
        if len(self.entries) > self.size:
            self.drop(next(iter(self.entries)))
        return found

    def drop(self, key: tuple[Path, str, bytes]) -> None:
        del self.entries[key]
        if self.twins.get(key[1:]) == key:
            del self.twins[key[1:]]


def forget_items_under(folder: Path) -> None:
    """Drop the memo of the item files in `folder`: the history's copy of past content, read
    no more once replayed. At 10,000 items its files' bytes, parsed YAML and records were 90 MB
    the build's two processes each went on holding."""
    memo = _read_item
    for key in [key for key in memo.entries if key[0].is_relative_to(folder)]:
        memo.drop(key)


def _read_item(path: Path, item_id: str, data: bytes) -> tuple[Item | None, tuple[Problem, ...]]:
    """One item file. Memoised on its path and bytes (`data`): reading the history replays every
    commit into one folder, and only the files a commit changed are parsed again."""
    problems: list[Problem] = []
    doc, body, body_line, found = read_front_matter(path)
    problems.extend(found)
    if doc is None:
        return None, tuple(problems)
    record = build_record(
        Item,
        doc.value,
        (),
        _context(doc, problems),
        extra={
            "id": item_id,
            "path": path,
            "body": body,
            "body_line": body_line,
            "lines": _field_lines(doc),
        },
    )
    return (None if record is INVALID else record), tuple(problems)


_read_item = _Memo(_read_item, 16384)  # type: ignore[assignment]


def _field_lines(doc: Doc) -> dict[str, int]:
    """Line of each top-level field, and of the front matter itself under ''."""
    lines = {"": doc.line(())} | {k[0]: v for k, v in doc.lines.items() if len(k) == 1}
    # Each approval's own line, so a problem with one points at it, not at `share_with:`.
    lines |= {
        f"share_with.{k[1]}": v
        for k, v in doc.lines.items()
        if len(k) == 2 and k[0] == "share_with" and isinstance(k[1], int)
    }
    return lines


def _check_items(
    items: list[Item], themes: list[Theme], declared: set[str] | None, problems: list[Problem]
) -> None:
    """Rules across fields and files. `declared` holds every theme id written in themes.yml,
    valid or not (None when the file itself is unusable): a broken theme is one problem, not
    one more on each of its items."""
    by_id = {i.id: i for i in items}
    theme_by_id = {t.id: t for t in themes}

    def at(item: Item, name: str) -> int:
        return item.lines.get(name, item.lines.get("", 1))

    for item in items:
        if item.horizon is None and item.status not in NO_HORIZON_STATUSES:
            problems.append(
                Problem(
                    item.path,
                    at(item, "status"),
                    f"missing required field 'horizon' (status is {item.status})",
                    "add 'horizon: now', 'next' or 'later'",
                )
            )
        if item.status == "shipped" and item.shipped is None:
            problems.append(
                Problem(
                    item.path,
                    at(item, "status"),
                    "status is shipped but there is no 'shipped' date",
                    "add 'shipped: YYYY-MM-DD'",
                )
            )
        if item.target_shareable and (
            item.target is None or item.target.day is None or item.commitment != "committed"
        ):
            problems.append(
                Problem(
                    item.path,
                    at(item, "target_shareable"),
                    "target_shareable needs a committed item with a date as its target",
                    "set 'commitment: committed' and 'target: YYYY-MM-DD', or remove the line",
                )
            )
        if item.shipped is not None and item.status != "shipped":
            problems.append(
                Problem(
                    item.path,
                    at(item, "shipped"),
                    f"a shipped date is set but status is {item.status}",
                    "set 'status: shipped' or remove the date",
                )
            )
        theme = theme_by_id.get(item.theme)
        if declared is not None and item.theme not in declared:
            problems.append(
                Problem(
                    item.path,
                    at(item, "theme"),
                    f"unknown theme '{item.theme}'",
                    did_you_mean(item.theme, sorted(declared)) + " (themes are in themes.yml)",
                )
            )
        elif theme and item.visibility == "public" and theme.visibility != "public":
            problems.append(
                Problem(
                    item.path,
                    at(item, "visibility"),
                    f"a public item cannot sit in the internal theme '{theme.id}'",
                    "make the theme public in themes.yml or this item internal",
                )
            )
        for dep in item.depends_on:
            if dep == item.id:
                problems.append(
                    Problem(item.path, at(item, "depends_on"), "an item cannot depend on itself")
                )
            elif dep not in by_id:
                problems.append(
                    Problem(
                        item.path,
                        at(item, "depends_on"),
                        f"depends_on: unknown item '{dep}'",
                        did_you_mean(dep, by_id, list_all=False),
                    )
                )
    for cycle in _cycles(by_id):
        first = by_id[cycle[0]]
        problems.append(
            Problem(
                first.path,
                at(first, "depends_on"),
                "depends_on makes a cycle: " + " -> ".join(cycle + [cycle[0]]),
                "an item cannot depend on itself, even through others",
            )
        )


def _cycles(by_id: dict[str, Item]) -> list[list[str]]:
    """Each dependency cycle once, starting at its smallest id (iterative: chains can be long)."""
    found: set[tuple[str, ...]] = set()
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    for start in sorted(by_id):
        if start in state:
            continue
        path: list[str] = [start]
        todo = [iter(by_id[start].depends_on)]
        state[start] = 1
        while todo:
            dep = next(todo[-1], None)
            if dep is None:
                state[path.pop()] = 2
                todo.pop()
            elif dep not in by_id or dep == path[-1]:
                continue  # unknown ids and self-dependencies are reported on their own
            elif state.get(dep) == 1:
                cycle = path[path.index(dep) :]
                k = cycle.index(min(cycle))
                found.add(tuple(cycle[k:] + cycle[:k]))
            elif dep not in state:
                state[dep] = 1
                path.append(dep)
                todo.append(iter(by_id[dep].depends_on))
    return [list(c) for c in sorted(found)]


def _load_themes(path: Path, problems: list[Problem]) -> tuple[list[Theme], set[str] | None]:
    """The valid themes, and every theme id declared (None when the file is unusable)."""
    if not path.is_file():
        problems.append(
            Problem(
                path,
                1,
                "themes.yml not found",
                "create it: a mapping from theme id to {title, summary, visibility}",
            )
        )
        return [], None
    doc, found = read_yaml_file(path)
    problems.extend(found)
    if doc is None:
        return [], None
    if not isinstance(doc.value, dict) or not doc.value:
        problems.append(
            Problem(
                path,
                1,
                "themes.yml must map theme ids to their fields",
                "write 'my-theme:' then an indented 'title: ...'",
            )
        )
        return [], None
    ctx = _context(doc, problems)
    themes = _records(Theme, "theme", "title", doc, path, ctx, problems)
    return themes, {str(k) for k in doc.value}


def _load_strategy(path: Path, problems: list[Problem]) -> Strategy | None:
    if not path.is_file():
        return None
    doc, found = read_yaml_file(path)
    problems.extend(found)
    if doc is None:
        return None
    if not isinstance(doc.value, dict):
        problems.append(
            Problem(path, 1, "strategy.yml must have 'priorities:' and 'flexible:' lists")
        )
        return None
    strategy = build_record(
        Strategy, doc.value, (), _context(doc, problems), extra={"path": path, "lines": doc.lines}
    )
    return None if strategy is INVALID else strategy


def _check_strategy(
    strategy: Strategy | None, item_ids: set[str], theme_ids: set[str] | None, problems: list
) -> None:
    """Priorities and areas of flexibility may only name items and themes that exist."""
    if strategy is None:
        return
    for section, entries in (("priorities", strategy.priorities), ("flexible", strategy.flexible)):
        for n, entry in enumerate(entries):
            for field_name, known, what in (
                ("items", item_ids, "item"),
                ("themes", theme_ids, "theme"),
            ):
                for ref in getattr(entry, field_name):
                    if known is not None and ref not in known:
                        problems.append(
                            Problem(
                                strategy.path,
                                strategy.lines.get((section, n, field_name), 1),
                                f"{section}.{field_name}: unknown {what} '{ref}'",
                                did_you_mean(ref, sorted(known), list_all=False),
                            )
                        )


def _load_pages(folder: Path, cls: type[Page], problems: list[Problem]) -> list[Page]:
    pages = []
    section = folder.name
    for path in filter(_is_markdown, _visible_files(folder)):
        doc, body, body_line, found = read_front_matter(path)
        problems.extend(found)
        if doc is None:
            continue
        raw = doc.value
        if cls is PlaybookPage and "visibility" in raw:
            problems.append(
                Problem(
                    path,
                    doc.line(("visibility",)),
                    "playbook pages have no visibility",
                    "they are always internal; remove the line",
                )
            )
            raw = {k: v for k, v in raw.items() if k != "visibility"}
        page = build_record(
            cls,
            raw,
            (),
            _context(doc, problems),
            extra={
                "path": path,
                "rel": path.relative_to(folder).as_posix(),
                "section": section,
                "body": body,
                "body_line": body_line,
            },
        )
        if page is not INVALID:
            # Without a `title`, pages.py takes the first heading of the body as the light
            # site renders it (stripped), never of the raw text.
            pages.append(page)
    return pages


def _page_address(rel: str) -> str:
    """Where a page lands, as MkDocs names it, folded for a case-insensitive filesystem:
    `About.md`, `about/index.md` and `about/README.md` all land at `about`."""
    stem = rel.rsplit(".", 1)[0].casefold()
    parts = stem.split("/")
    if parts[-1] in ("index", "readme"):
        parts.pop()
    return "/".join(parts)


def _check_page_addresses(
    pages: list[Page],
    problems: list[Problem],
    reserved: tuple[str, ...],
    top: tuple[str, str],
    kind: str,
) -> None:
    """No page may land where a generated page or file does, or where another page does.
    `top` names the page at the folder's own address, which only index.md may introduce;
    `kind` names what generated the reserved names."""
    taken: dict[str, Page] = {}
    for page in sorted(pages, key=lambda p: p.rel):
        address = _page_address(page.rel)
        first = page.rel.split("/")[0]
        if address == "" and page.rel != "index.md":
            problems.append(
                Problem(
                    page.path,
                    1,
                    f"'{page.rel}' would be {top[0]}",
                    f"rename it; {top[1]}",
                )
            )
        elif address.split("/")[0] in reserved or first.casefold() in reserved:
            problems.append(
                Problem(
                    page.path,
                    1,
                    f"'{first}' is a name the generated {kind} use",
                    "rename or move this page",
                )
            )
        elif address in taken:
            other = display_path(taken[address].path)
            problems.append(
                Problem(
                    page.path,
                    1,
                    f"this page lands at the same address as {other}",
                    "rename or move one of them (names differing only in case, or 'x.md' and "
                    "'x/index.md', share an address)",
                )
            )
        else:
            taken[address] = page


def _check_light_site_ids(items: list[Item], problems: list[Problem]) -> None:
    """Each public item's light-site id is unique, and never another item's own id (which
    would name that item to clients, or hand it this one's page)."""
    own = {i.id: i for i in items}
    taken: dict[str, Item] = {}
    for item in items:
        if item.visibility != "public" and not item.share_with:
            continue  # items shared with an account appear on its site under this id too
        public_id = item.light_site_id
        line = item.lines.get("public", item.lines.get("", 1))
        if not public_id:
            problems.append(
                Problem(
                    item.path,
                    line,
                    "public.title has no letters or digits to make the item's light-site id",
                    "add 'id: ...' under public: (lowercase letters, digits and hyphens)",
                )
            )
            continue
        clash = taken.get(public_id) or (own.get(public_id) if public_id != item.id else None)
        if clash is not None and clash is not item:
            source = "public.id" if item.public and item.public.id else "public.title"
            problems.append(
                Problem(
                    item.path,
                    line,
                    f"the light-site id '{public_id}' (from {source}) is already taken by "
                    f"{display_path(clash.path)}",
                    "set a different 'id: ...' under public:",
                )
            )
            continue
        taken[public_id] = item


def _undecodable_names(content_dir: Path) -> list[Problem]:
    """File and folder names under content/ that are not UTF-8: no URL or message can carry
    them (Python keeps their bytes as surrogates, which crash any print)."""
    problems = []
    for folder, dirs, files in os.walk(content_dir):
        for name in sorted(n for n in dirs + files if not _encodable(n)):
            shown = os.fsencode(Path(folder) / name).decode("utf-8", "backslashreplace")
            problems.append(
                Problem(
                    Path(shown),
                    1,
                    "the file name is not valid UTF-8",
                    "rename it; names must be UTF-8 text, as git and editors write them",
                )
            )
        dirs[:] = [d for d in dirs if _encodable(d)]  # reported once, not each file inside
    return problems


def _encodable(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_references(content_dir: Path, sources: list, problems: list[Problem]) -> None:
    """Every local link and image must point at a file under content/ that exists."""
    root = content_dir.resolve()
    verdicts: dict[tuple[Path, str], str | None] = {}  # a target is looked up once per folder
    views = {(root / PLAYBOOK_DIR / view).resolve() for view in PLAYBOOK_VIEWS}
    for source in sources:
        for ref in find_refs(source.body):
            line = source.body_line + ref.line
            bad = ref.invalid
            if bad:
                problems.append(
                    Problem(
                        source.path,
                        line,
                        f"the link target '{ref.shown}' holds {bad}: no file is named so",
                        "retype the link (an invisible character may have come with a paste)",
                    )
                )
                continue
            key = (source.path.parent, ref.file_part)
            if key not in verdicts:
                target = real_path(resolve(ref, source.path))
                if target in views:
                    verdicts[key] = None  # a generated playbook view: the internal site has it
                elif target is None or not target.is_relative_to(root):
                    verdicts[key] = "outside"
                else:
                    verdicts[key] = None if target.exists() else "missing"
            if verdicts[key] == "outside":
                problems.append(
                    Problem(
                        source.path,
                        line,
                        f"'{ref.file_part}' points outside content/",
                        "only files under content/ can be published",
                    )
                )
            elif verdicts[key] == "missing":
                problems.append(
                    Problem(
                        source.path,
                        line,
                        f"'{ref.file_part}' not found",
                        "check the path, relative to this file",
                    )
                )


def _check_links(content_dir: Path, problems: list[Problem]) -> None:
    """No symbolic link anywhere under content/: what one reaches is not what git stores, nor
    what the pages seem to use (MkDocs would follow them, and loop on a link to a parent)."""
    for folder, dirs, files in os.walk(content_dir):
        for name in sorted(dirs + files):
            path = Path(folder) / name
            if path.is_symlink():
                problems.append(
                    Problem(
                        _printable(path),
                        1,
                        "a symbolic link: content/ holds real files only",
                        "copy the file or folder here instead of linking to it",
                    )
                )
        dirs[:] = [d for d in dirs if not (Path(folder) / d).is_symlink()]


def _printable(path: Path) -> Path:
    """`path` as text a message can carry: bytes that are not UTF-8 (which Python holds as
    surrogates, and no print survives) written as escapes."""
    return Path(os.fsencode(path).decode("utf-8", "backslashreplace"))
