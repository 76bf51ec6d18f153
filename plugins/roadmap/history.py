"""The roadmap's history from git: each commit that touched content/ is loaded with the one
loader and projected with the one projection, so each audience's history is made only of what
that audience saw at each commit; then changes per audience, and the pages that show them.

The light site's history is the public projection at each commit, filtered by what is public
now: an item not on the light site today is named nowhere in it, and a withdrawal is never
announced. Entries carry a date and the item's current public title, nothing else: no commit,
author, message, or earlier (possibly internal) title.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import astuple, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from itertools import groupby, pairwise
from pathlib import Path
from typing import Any

from .audience import ACCOUNT_PREFIX, View, project
from .cache import Sealed, fingerprint
from .gitrepo import BlobReader, Commit, FileChange, GitError, Repo
from .load import (
    ROADMAP_DIR,
    build_date,
    forget_items_under,
    load_item_file,
    load_with_problems,
)
from .model import HIDDEN_STATUSES, Item, Roadmap
from .staging import STAGING_DIR, StagingError, crash_point, scratch

DEFAULT_DEPTH = 200  # commits that touched content/, newest first (the `history_depth` option)
WINDOWS = (7, 30, 90)  # the internal "What changed" page: last 7, 30 and 90 days

# Kinds of change, in the order they are listed for one item and commit.
ADDED, REMOVED, LEFT, JOINED = "added", "removed", "left-light-site", "joined-light-site"
SHIPPED, STATUS, MOVED = "shipped", "status", "moved"
VISIBILITY, COMMITMENT, TARGET = "visibility", "commitment", "target"
TITLE, THEME = "title", "theme"


@dataclass(frozen=True)
class PublicState:
    """What the light site showed of an item at a commit (from the public projection), and
    which item it was: its file's id (`source`), since a light-site id can pass from one item
    to another (a public.id taken over, a file name used again)."""

    status: str
    horizon: str | None
    theme: str
    source: str = ""


@dataclass(frozen=True)
class InternalState:
    title: str
    status: str
    horizon: str | None
    theme: str
    visibility: str
    commitment: str
    target: str | None
    on_light_site: bool


@dataclass(frozen=True)
class States:
    public: dict[str, PublicState]
    internal: dict[str, InternalState]
    # Per account: the items approved for it at that commit, as its site shows them (by
    # light-site id). Whether an approval is live is decided for the build date only: an
    # item's story on the account's site starts at the commit that approved it.
    shared: dict[str, dict[str, PublicState]] = field(default_factory=dict)


EMPTY = States({}, {})


@dataclass(frozen=True)
class Snapshot:
    commit: Commit | None  # None: the state before the first commit read
    states: States


@dataclass(frozen=True)
class History:
    """Snapshots oldest first: changes are read between neighbours. `notes` say what is missing
    (no git, shallow clone, skipped commits), one line each."""

    snapshots: tuple[Snapshot, ...] = ()
    notes: tuple[str, ...] = ()
    last_changed: dict[str, datetime] = field(default_factory=dict)  # content path -> date

    @property
    def commits(self) -> int:
        return sum(1 for s in self.snapshots if s.commit)


@dataclass(frozen=True)
class Change:
    when: datetime
    item: str
    kind: str
    title: str  # light site: the current public title; internal: the title at that commit
    before: str | None = None
    after: str | None = None
    commit: Commit | None = None  # internal only


# --- Reading ------------------------------------------------------------------------------------

# States by the tree id of content/ at a commit: a history is read once per process, whatever
# the number of builds (both audiences, every `mkdocs serve` rebuild). A str is why it was skipped.
_STATES: dict[str, States | str] = {}
# Where states are kept between builds (keep_states): none unless the internal site's key is known.
_KEPT: list[Sealed | None] = [None]


def keep_states(project: Path | None, secret: bytes | None = None) -> None:
    """Keep each content tree's states between builds, in `.roadmap-cache/history.sqlite`
    beside content/, encrypted with a key from `secret` (the internal site's page-address key;
    they hold internal titles). Reading the history of a 1,000-item roadmap replays every
    commit (1.1 s of a warm `roadmap build`); a build whose commits were all read before, the
    usual case while a PM edits, reads their states instead. None: keep nothing."""
    _KEPT[0] = Sealed(project, "history", secret) if project and secret else None


def read_history(content_dir: Path, depth: int = DEFAULT_DEPTH) -> History:
    """The history of `content_dir` in its git repository; never raises for a missing history."""
    try:
        repo = Repo.find(content_dir)
        last_changed = repo.last_changed()
        commits = repo.content_commits(depth)
    except GitError as e:
        return History(notes=(f"no history: {e}; changelogs and feeds start empty",))
    if depth <= 0:
        return History(last_changed=last_changed)
    if not commits:
        note = "no history: no commit has touched the content folder yet"
        return History(notes=(note,), last_changed=last_changed)
    notes = []
    first = commits[0][0]
    base = repo.parent(first.sha)
    baseline_is_first = False
    if base is None and first.sha in repo.shallow_roots():
        baseline_is_first = True
        notes.append(
            f"shallow clone: history starts at {first.date:%Y-%m-%d}; fetch full history "
            "with fetch-depth: 0 (actions/checkout) or git fetch --unshallow"
        )
    elif base is not None and len(commits) >= depth:
        notes.append(
            f"history: the last {depth} commits that changed the content folder "
            f"(since {first.date:%Y-%m-%d}); raise history_depth to read more"
        )
    shas = ([base] if base else []) + [c.sha for c, _ in commits]
    trees = dict(zip(shas, repo.content_trees(shas), strict=True))
    kept = _KEPT[0]
    read_back: dict[str, States | str] = {}
    if kept is not None and any(trees[s] not in _STATES for s in shas):
        read_back = _found(kept, [t for t in trees.values() if t and t not in _STATES])
        _STATES.update(read_back)
    if any(trees[s] not in _STATES for s in shas):
        try:
            _read_missing(repo, base, commits, trees, content_dir.parent / STAGING_DIR)
        except StagingError as e:
            return History(notes=(f"no history: {e}",), last_changed=last_changed)
        if kept is not None:
            _keep(kept, [t for t in trees.values() if t], read_back)
    snapshots = []
    if base:
        found = _STATES[trees[base]]
        snapshots.append(Snapshot(None, found if isinstance(found, States) else EMPTY))
    elif not baseline_is_first:
        snapshots.append(Snapshot(None, EMPTY))  # a root commit: everything in it is new
    skipped = []
    for commit, _ in commits:
        found = _STATES[trees[commit.sha]]
        if isinstance(found, States):
            snapshots.append(Snapshot(commit, found))
        else:
            skipped.append(f"{commit.short} ({found})")
    if skipped:
        notes.append(
            f"history: {len(skipped)} commit(s) skipped, their content did not load: "
            + "; ".join(skipped[:3])
            + (" ..." if len(skipped) > 3 else "")
        )
    return History(tuple(snapshots), tuple(notes), last_changed)


def _read_missing(
    repo: Repo, base: str | None, commits: list, trees: dict[str, str], private: Path
) -> None:
    """Replay the commits into one scratch folder, loading each content tree not yet known.

    One folder, updated by each commit's changed files, and one `git cat-file` process: a
    commit costs its changed files plus one load, not a checkout; a commit that changed only
    items costs those items (see _Replay). The folder holds past content in clear, so it is a
    staging.Scratch in `private` (.roadmap-staging/), never in /tmp: a killed build's copy is
    swept by the next build.
    """
    with scratch(private, "history") as tmp, BlobReader(repo) as blobs:
        folder = tmp / "content"
        folder.mkdir()
        replay = _Replay(folder)
        try:
            if base:
                _apply(folder, repo.files_at(base), blobs)
                replay.remember(trees[base], None)
            for commit, changes in commits:
                _apply(folder, changes, blobs)
                crash_point("history")
                replay.remember(trees[commit.sha], changes)
        finally:
            forget_items_under(tmp)  # the next replay is another folder


# --- States kept between builds ------------------------------------------------------------------
# A tree's states are a function of its files, the plugin's code and the build date (a past
# file loads against today's rules): each is kept under a key of all three. Items' states are
# shared between trees as a replay shares them, so a long history read back costs what it did.


def _state_key(tree: str) -> str:
    today, _ = build_date()
    return fingerprint("history", today.isoformat()).hex() + tree


def _found(kept: Sealed, trees: list[str]) -> dict[str, States | str]:
    by_key = {_state_key(t): t for t in trees}
    shared: dict[tuple, Any] = {}
    out: dict[str, States | str] = {}
    for key, data in kept.found(by_key):
        try:
            out[by_key[key]] = _decode(json.loads(data), shared)
        except (ValueError, TypeError, KeyError):
            continue  # read again
    return out


def _keep(kept: Sealed, trees: list[str], read_back: dict[str, States | str]) -> None:
    """Keep every tree's states, encoded one at a time; one read from the cache is only marked
    used."""
    kept.keep(
        (_state_key(tree), None if tree in read_back else json.dumps(_encode(states)).encode())
        for tree in dict.fromkeys(trees)
        if (states := _STATES.get(tree)) is not None
    )


def _encode(states: States | str) -> Any:
    if isinstance(states, str):
        return states
    return {
        "public": {k: astuple(v) for k, v in states.public.items()},
        "internal": {k: astuple(v) for k, v in states.internal.items()},
        "shared": {
            account: {k: astuple(v) for k, v in items.items()}
            for account, items in states.shared.items()
        },
    }


def _decode(data: Any, shared: dict[tuple, Any]) -> States | str:
    if isinstance(data, str):
        return data

    def one(kind: type, fields: list) -> Any:
        key = (kind, *fields)
        if key not in shared:
            shared[key] = kind(*fields)
        return shared[key]

    return States(
        public={k: one(PublicState, v) for k, v in data["public"].items()},
        internal={k: one(InternalState, v) for k, v in data["internal"].items()},
        shared={
            account: {k: one(PublicState, v) for k, v in items.items()}
            for account, items in data["shared"].items()
        },
    )


def _apply(scratch: Path, changes: Iterable[FileChange], blobs: BlobReader) -> None:
    for change in changes:
        target = scratch / change.path
        if not target.resolve().is_relative_to(scratch.resolve()):
            continue
        if change.blob is None:
            target.unlink(missing_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(blobs.read(change.blob))


class _Replay:
    """The states of the scratch folder as commits are applied to it.

    A commit that changed anything but item files (themes.yml, pages...), or that follows one
    whose whole load failed, is loaded whole with the one loader and projected with the one
    projection. A commit that changed only item files costs those files: each is loaded with
    the loader's rules for one file (load_item_file) and projected alone, beside the themes of
    the last whole load; a file that does not load skips the commit, as a whole load would.
    Rules across files (dependencies, light-site ids) are checked at whole loads. So a history
    of C commits over N items costs N + C x (items changed), not C x N.
    """

    def __init__(self, scratch: Path):
        self.scratch = scratch
        self.roadmap_dir = scratch / ROADMAP_DIR
        self.whole = False  # the last whole load succeeded: its themes and checks hold
        self.themes: tuple = ()
        self.public: dict[str, PublicState] = {}  # of every item file that loads
        self.internal: dict[str, InternalState] = {}
        self.ids: dict[str, Path] = {}  # item id -> its file
        self.keys: dict[str, tuple[str | None, str]] = {}  # file -> (light-site id, id)
        self.broken: dict[str, str] = {}  # file -> why it does not load
        self.shares: dict[str, list] = {}  # file -> its approvals (_item_shares)

    def remember(self, tree: str, changes: list[FileChange] | None) -> None:
        if not tree:
            self.whole = False
            _STATES.setdefault(tree, EMPTY)
            return
        if self.whole and changes is not None and all(self._is_item(c.path) for c in changes):
            found = self._step(changes)
        else:
            found = self._load_whole()
        _STATES.setdefault(tree, found)

    @staticmethod
    def _is_item(rel: str) -> bool:
        parts = rel.split("/")
        return (
            len(parts) > 1
            and parts[0] == ROADMAP_DIR
            and rel.lower().endswith((".md", ".markdown"))
            and not any(part.startswith(".") for part in parts)
        )

    def _load_whole(self) -> States | str:
        self.broken = {}
        roadmap, problems = load_with_problems(self.scratch)
        self.whole = not problems
        if problems:
            return self._why(problems)
        internal = project(roadmap, "internal")
        found = states_of(internal.public, internal)
        self.public, self.internal = dict(found.public), dict(found.internal)
        self.themes = roadmap.themes
        self.ids = {i.id: i.path for i in roadmap.items}
        light = {i.path: i.id for i in internal.public.items}
        self.keys = {self._rel(i.path): (light.get(i.path), i.id) for i in roadmap.items}
        self.shares = {self._rel(i.path): _item_shares(i) for i in roadmap.items}
        return replace(found, shared=self._shared())

    def _step(self, changes: list[FileChange]) -> States | str:
        rels = [c.path.split("/", 1)[1] for c in changes]
        for rel in rels:  # every changed file leaves, then those that load come back
            self.broken.pop(rel, None)
            self.shares.pop(rel, None)
            light, own = self.keys.pop(rel, (None, None))
            self.public.pop(light, None)  # type: ignore[arg-type]
            self.internal.pop(own, None)  # type: ignore[arg-type]
            if own is not None and self.ids.get(own) == self.roadmap_dir / rel:
                del self.ids[own]
        changed: list[Item] = []
        for rel in rels:
            path = self.roadmap_dir / rel
            if not path.is_file():
                continue  # deleted
            item, problems = load_item_file(self.roadmap_dir, path, self.ids)
            if problems:
                self.broken[rel] = self._why(problems)
            elif item is not None:
                changed.append(item)
        if changed:
            view = project(Roadmap(self.scratch, tuple(changed), self.themes, (), ()), "internal")
            found = states_of(view.public, view)
            self.public.update(found.public)
            self.internal.update(found.internal)
            light = {i.path: i.id for i in view.public.items}
            for item in changed:
                self.keys[self._rel(item.path)] = (light.get(item.path), item.id)
                self.shares[self._rel(item.path)] = _item_shares(item)
        if self.broken:
            return min(self.broken.values())
        return States(dict(self.public), dict(self.internal), shared=self._shared())

    def _shared(self) -> dict[str, dict[str, PublicState]]:
        return _by_account(entry for entries in self.shares.values() for entry in entries)

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.roadmap_dir).as_posix()

    def _why(self, problems: list) -> str:
        first = min(problems)
        where = Path(first.path).resolve()
        scratch = self.scratch.resolve()
        with_path = where.relative_to(scratch) if where.is_relative_to(scratch) else where
        return f"{with_path}:{first.line}: {first.message}"


def shared_states(roadmap: Roadmap) -> dict[str, dict[str, PublicState]]:
    """Each account's approved items at one commit, as its site would show them."""
    return _by_account(entry for item in roadmap.items for entry in _item_shares(item))


def _item_shares(item: Item) -> list[tuple[str, str, PublicState]]:
    """(account, light-site id, state) for each approval an item carries."""
    if item.visibility != "ask-first" or item.status in HIDDEN_STATUSES:
        return []
    state = PublicState(item.status, item.horizon, item.theme, Path(item.path).stem)
    return [(approval.account, item.light_site_id, state) for approval in item.share_with]


def _by_account(
    entries: Iterable[tuple[str, str, PublicState]],
) -> dict[str, dict[str, PublicState]]:
    out: dict[str, dict[str, PublicState]] = {}
    for account, light, state in entries:
        out.setdefault(account, {})[light] = state
    return out


def states_of(public: View, internal: View) -> States:
    """What each audience saw of each item, from the two projections."""
    shown = {i.id for i in public.items}
    return States(
        public={
            i.id: PublicState(i.status, i.horizon, i.theme, Path(i.path).stem) for i in public.items
        },
        internal={
            i.id: InternalState(
                i.title,
                i.status,
                i.horizon,
                i.theme,
                i.visibility,
                i.commitment,
                str(i.target) if i.target else None,
                i.id in shown,
            )
            for i in internal.items
        },
    )


# --- Changes ------------------------------------------------------------------------------------


def public_changes(history: History, view: View) -> list[Change]:
    """What clients may read of the history: items public now, as the light site showed them.

    Newest first. An item that is not in `view` (the light site's view now) contributes nothing,
    not even its withdrawal. An item's history starts where its present stay on the light site
    began: a stay before it ended in a withdrawal (never announced: a second "added" would
    announce it), and what an earlier item did under the same light-site id is not its own.
    """
    now = {i.id: i for i in view.items}
    snapshots = history.snapshots
    account = (
        view.audience.removeprefix(ACCOUNT_PREFIX)
        if view.audience.startswith(ACCOUNT_PREFIX)
        else None
    )

    def shown(states: States) -> dict[str, PublicState]:
        """What the site showed: the light site's items, and an account's approved ones."""
        if account is None:
            return states.public
        return {**states.public, **states.shared.get(account, {})}

    # Per item, the index of the last snapshot that did not show it as it is now.
    start: dict[str, int] = {}
    for item_id, item in now.items():
        k = len(snapshots) - 1
        while k >= 0 and _same_item(shown(snapshots[k].states).get(item_id), item):
            k -= 1
        start[item_id] = k
    commits = []
    for n, (before, after) in enumerate(pairwise(snapshots)):
        old, new = shown(before.states), shown(after.states)
        found = []
        for item_id in sorted(new):  # withdrawals (in old, not in new) are never announced
            if item_id not in now or n < start[item_id]:
                continue
            title = now[item_id].title
            # Where its stay began, what stood under its id before was another item, or none.
            was, it = (None if n == start[item_id] else old.get(item_id)), new[item_id]
            for kind, a, b in _public_kinds(was, it):
                found.append(Change(after.commit.date, item_id, kind, title, a, b))
        commits.append(found)
    return [change for found in reversed(commits) for change in found]


def _same_item(state: PublicState | None, item: Any) -> bool:
    return state is not None and state.source == Path(item.path).stem


def _public_kinds(was: PublicState | None, it: PublicState) -> list[tuple[str, Any, Any]]:
    if was is None:
        return [(ADDED, None, it.horizon or it.status)]
    kinds = []
    if it.status != was.status:
        kinds.append((SHIPPED if it.status == "shipped" else STATUS, was.status, it.status))
    if it.horizon and was.horizon and it.horizon != was.horizon:
        kinds.append((MOVED, was.horizon, it.horizon))
    return kinds


def internal_changes(history: History) -> list[Change]:
    """Every change of every item, with its commit, withdrawals included; newest first."""
    commits = []
    for before, after in pairwise(history.snapshots):
        old, new = before.states.internal, after.states.internal
        found = []
        for item_id in sorted(old.keys() | new.keys()):
            was, it = old.get(item_id), new.get(item_id)
            if was == it:
                continue
            title = (it or was).title
            for kind, a, b in _internal_kinds(was, it):
                found.append(Change(after.commit.date, item_id, kind, title, a, b, after.commit))
        commits.append(found)
    return [change for found in reversed(commits) for change in found]


def _internal_kinds(was: InternalState | None, it: InternalState | None) -> list[tuple]:
    if was is None:
        joined = [(JOINED, None, None)] if it.on_light_site else []
        return [(ADDED, None, it.horizon or it.status), *joined]
    if it is None:
        return [(REMOVED, was.horizon or was.status, None)]
    kinds: list[tuple] = []
    if it.on_light_site != was.on_light_site:
        kinds.append((JOINED if it.on_light_site else LEFT, None, None))
    if it.status != was.status:
        kinds.append((SHIPPED if it.status == "shipped" else STATUS, was.status, it.status))
    if it.horizon and was.horizon and it.horizon != was.horizon:
        kinds.append((MOVED, was.horizon, it.horizon))
    for kind, name in (
        (VISIBILITY, "visibility"),
        (COMMITMENT, "commitment"),
        (TARGET, "target"),
        (TITLE, "title"),
        (THEME, "theme"),
    ):
        a, b = getattr(was, name), getattr(it, name)
        if a != b:
            kinds.append((kind, a, b))
    return kinds


# --- Freshness ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Review:
    item: Any
    reviewed: date | None  # last_reviewed, or the last commit that changed the item's file
    source: str  # "last_reviewed", "last commit" or "" (never)
    age: int | None


def review_of(item: Any, content_dir: Path, history: History, today: date) -> Review:
    """When an item was last looked at: its `last_reviewed`, or else its file's last commit."""
    if item.last_reviewed:
        return Review(item, item.last_reviewed, "last_reviewed", (today - item.last_reviewed).days)
    try:
        rel = Path(item.path).resolve().relative_to(Path(content_dir).resolve()).as_posix()
    except ValueError:
        rel = ""
    when = history.last_changed.get(rel)
    if when is None:
        return Review(item, None, "", None)
    day = when.date()
    return Review(item, day, "last commit", (today - day).days)


def needs_review(view: View, history: History, today: date, stale_after_days: int) -> list[Review]:
    """Items not reviewed within `stale_after_days`, by owner then oldest first."""
    reviews = [review_of(i, view.content_dir, history, today) for i in view.items]
    stale = [r for r in reviews if r.age is not None and r.age > stale_after_days]
    return sorted(stale, key=lambda r: ((r.item.owner or "").casefold(), -r.age, r.item.id))


# --- Pages --------------------------------------------------------------------------------------


# Listing pages repeat the items' own words: search finds each item once, on its own page.
LISTING = {"exclude": True}


@dataclass(frozen=True)
class PageRequest:
    """A page for the planner to render: its address, template, front matter and context."""

    uri: str
    template: str
    meta: dict[str, Any]
    context: dict[str, Any]
    nav: str | None = None  # the label in the nav, or None to leave it out


def pages(
    view: View, history: History, today: date, stale_after_days: int, public: list[Change]
) -> list[PageRequest]:
    """The history pages of one audience: "What changed" on both, "Needs review" inside."""
    if view.audience != "internal":  # the light site's, and an account's
        months = [(m, list(g)) for m, g in groupby(public, key=lambda c: c.when.strftime("%Y-%m"))]
        return [
            PageRequest(
                "changes.md",
                "changes.md.j2",
                {"title": "What changed", "search": LISTING},
                {"months": months, "notes": ()},
                nav="What changed",
            )
        ]
    start = datetime.combine(today, datetime.min.time(), UTC) + timedelta(days=1)
    changes = internal_changes(history)
    windows = []
    newer = start
    for days in WINDOWS:
        older = start - timedelta(days=days)
        windows.append((days, [c for c in changes if older <= c.when < newer]))
        newer = older
    stale = needs_review(view, history, today, stale_after_days)
    owners = [(o, list(g)) for o, g in groupby(stale, key=lambda r: r.item.owner or "")]
    return [
        PageRequest(
            "changes.md",
            "changes.md.j2",
            {"title": "What changed", "search": LISTING},
            {"windows": windows, "notes": history.notes, "present": {i.id for i in view.items}},
            nav="What changed",
        ),
        PageRequest(
            "review.md",
            "review.md.j2",
            {"title": "Needs review", "search": LISTING},
            {"owners": owners, "stale_after_days": stale_after_days, "total": len(stale)},
            nav="Needs review",
        ),
    ]


def by_item(changes: Iterable[Change]) -> dict[str, list[Change]]:
    out: dict[str, list[Change]] = {}
    for change in changes:
        out.setdefault(change.item, []).append(change)
    return out
