"""The render cache: what a page rendered to (its HTML, search entries, the files it uses), keyed by
everything it is rendered from, and reused by the next build or `mkdocs serve` rebuild.

A key is a SHA-256 of the page's Markdown (front matter and parts' tokens included: a token is a
digest of the whole page) or, for an item page or an account brief, of its recipe (a digest of
every value its template is given: pages._Planner._made_key; such a page found in the cache is
not even made), its source and output paths, the files it uses, and the build's fingerprint:
the plugin's and theme's files, the Markdown extensions and their options, the nav, the site's
options (the "last updated" day among them) and the address key. A page whose key is found is
not rendered again. A page that logged a warning while rendered is never kept: it is rendered,
and warns, each time. Jinja's compiled templates are kept beside it (compiled_templates).

The internal site's file also keeps each sealed page's compressed bytes, by the SHA-256 of the
page (PageCache.compressed).

Where it lives: in memory for the process (`mkdocs serve` keeps it across rebuilds), and for
`roadmap build` in `.roadmap-cache/<audience>.sqlite` beside content/ (never inside site/;
mode 0700, ignored by git from inside). The light site's entries are its own pages, written
only after the audit passed. The internal site's are encrypted (AES-GCM) with a key derived
from its page-address key, which comes from the password (or ROADMAP_ADDRESS_KEY) and is never
on disk; their row names are HMACs. The internal preview (`mkdocs serve`, unencrypted) keeps
its cache in memory only. Entries not used by the last builds are deleted.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import pickle
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .crypto import compress
from .staging import crash_point

CACHE_DIR = ".roadmap-cache"
FORMAT = 4
KEEP_BUILDS = 3  # entries unused for this many builds are deleted
_PACKAGE = Path(__file__).parent


@dataclass
class Entry:
    """What one page rendered to."""

    output: str  # the whole page as the theme wrote it (before sealing)
    search: list[dict[str, Any]] = field(default_factory=list)  # its search index entries
    media: list[str] = field(default_factory=list)  # light site: the files it uses
    # What MkDocs learns from rendering a page and uses elsewhere: the ids it holds and its
    # links to anchors (MkDocs checks those after every page is rendered), its title from the
    # first heading (other pages' navigation shows it).
    anchors: list[str] = field(default_factory=list)
    links: dict[str, dict[str, str]] = field(default_factory=dict)  # src_uri -> anchor -> link
    title: str | None = None


def fingerprint(*parts: Any) -> bytes:
    """A digest of the build's inputs besides pages: pass reprs of plain data only."""
    digest = hashlib.sha256(_code_digest())
    for part in parts:
        digest.update(repr(part).encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.digest()


_CODE: dict[tuple, bytes] = {}


def _code_digest() -> bytes:
    """The plugin's code, templates and assets, and the versions of what renders pages."""
    from importlib import metadata

    files = sorted(p for p in _PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    stamp = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    if stamp not in _CODE:
        digest = hashlib.sha256(f"format {FORMAT}".encode())
        for path in files:
            digest.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
        for name in ("mkdocs", "mkdocs-material", "markdown", "pymdown-extensions", "jinja2"):
            with contextlib.suppress(metadata.PackageNotFoundError):
                digest.update(f"{name} {metadata.version(name)}\0".encode())
        _CODE.clear()
        _CODE[stamp] = digest.digest()
    return _CODE[stamp]


def folder_digest(folder: Path) -> str:
    """The files of a folder (overrides/), for a fingerprint."""
    digest = hashlib.sha256()
    if folder.is_dir():
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


class PageCache:
    """Entries by key for one build: from the store on disk when there is one (builds), else from
    memory (`mkdocs serve`). A build's new entries are kept by `commit()` once it passed;
    `discard()` forgets them."""

    def __init__(self, build: bytes, memory: dict[str, Entry], store: Store | None = None):
        self.build = build
        self.memory = memory
        self.store = store
        self.new: dict[str, Entry] = {}
        self.used: set[str] = set()

    def key(self, src_uri: str, dest_uri: str, markdown: str, files: str = "") -> str:
        """`files`: what the page's file tokens stand for (a published file's path names its
        content's digest; a refusal its reason)."""
        digest = hashlib.sha256(self.build)
        for text in (src_uri, dest_uri, markdown, files):
            digest.update(text.encode("utf-8", "surrogatepass") + b"\0")
        return digest.hexdigest()

    def get(self, key: str) -> Entry | None:
        """A page's entry; from the store without its HTML (`output` empty): MkDocs writes a
        page after it rendered every other, so the HTML is read when written (`output`)."""
        entry = self.memory.get(key) if self.store is None else self.store.get(key)
        if entry is not None:
            self.used.add(key)
        return entry

    def output(self, key: str) -> str | None:
        """The HTML of an entry `get` found (None: it can no longer be read)."""
        if self.store is None:
            entry = self.memory.get(key)
            return entry.output if entry is not None else None
        return self.store.html(key)

    def put(self, key: str, entry: Entry) -> None:
        self.used.add(key)
        if self.store is not None:
            # Written now, inside a transaction only commit() ends: a build of 10,000 pages
            # does not hold them all in memory, and one that fails keeps none of them.
            self.store.stage(key, entry)
        else:
            self.new[key] = entry

    def compressed(self, data: bytes) -> bytes:
        """crypto.compress(data) of a page to seal: from the store when a build before this one
        compressed the same bytes (by their SHA-256). Each sealed page is the same bytes from
        build to build (the build id is outside them); compressing them was 0.8 s of a warm
        1,000-item internal build."""
        if self.store is None:
            return compress(data)
        digest = hashlib.sha256(data).hexdigest()
        found = self.store.packed(digest)
        if found is None:
            found = compress(data)
            self.store.stage_packed(digest, found)
        return found

    def where(self) -> str:
        return "in memory" if self.store is None else str(self.store.path)

    def commit(self) -> None:
        """The build passed: remember its entries, forget those of builds long gone."""
        if self.store is not None:
            self.store.commit(self.used)
            return
        keep = {k: self.memory[k] for k in self.used if k in self.memory}
        self.memory.clear()
        self.memory.update(keep)
        self.memory.update(self.new)
        self.new = {}

    def discard(self) -> None:
        """The build failed: nothing it rendered is kept."""
        self.new = {}
        if self.store is not None:
            self.store.discard()


def cache_folder(project: Path) -> Path:
    """`.roadmap-cache/` beside content/: mode 0700, and it tells git to ignore it."""
    folder = project / CACHE_DIR
    folder.mkdir(mode=0o700, exist_ok=True)
    os.chmod(folder, 0o700)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# the render cache of roadmap build: never commit it\n*\n")
    return folder


def compiled_templates(project: Path, kind: str) -> jinja2.BytecodeCache | None:
    """Jinja's compiled templates for `roadmap build`, in `.roadmap-cache/templates/`:
    compiling Material's and the plugin's templates took 0.6-0.8 s of each process of every
    build. Jinja checks each entry against its template's source (an edited override is
    compiled again). `kind` names the environment (the theme's, the planner's): their lexer
    options differ, so they never share an entry. None when the folder cannot be made."""
    try:
        folder = cache_folder(project) / "templates"
        folder.mkdir(mode=0o700, exist_ok=True)
    except OSError:
        return None
    return _Compiled(str(folder), f"{kind}-%s.cache")


class _Compiled(jinja2.FileSystemBytecodeCache):
    """An entry that cannot be read is compiled again, one that cannot be written is not kept:
    the cache is an optimisation, never a reason for a build to stop."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError):
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


class Store:
    """Entries on disk, one SQLite file per site; encrypted when `secret` is given. The cache is
    an optimisation: when the file cannot be used (another build of the same site is writing
    it), this build renders every page and keeps none."""

    def __init__(self, project: Path, name: str, secret: bytes | None = None):
        self.path = cache_folder(project) / f"{name}.sqlite"
        self.key = _derive(secret) if secret is not None else None
        self.db: sqlite3.Connection | None = None
        self.writing = True  # false once a write failed: this build's entries are rolled back
        self.packed_used: set[str] = set()  # rows of `packs` this build read or wrote
        try:
            self.db = sqlite3.connect(self.path, timeout=5, isolation_level=None)
            # Earlier formats: HTML inside the value (2); the last use inside each row (3).
            for old in ("entry", "page", "packed"):
                self.db.execute(f"DROP TABLE IF EXISTS {old}")
            for table in _TABLES:
                self.db.execute(f"CREATE TABLE IF NOT EXISTS {table}")
            row = self.db.execute("SELECT value FROM meta WHERE name = 'build'").fetchone()
            self.number = (row[0] if row else 0) + 1
        except sqlite3.Error:
            self._give_up()

    # Each row's last use is in a table of its own: SQLite rewrites a whole row, its HTML
    # included, to change one column, and marking every reused page used rewrote the file (0.7 s
    # of a warm 1,000-item build, growing with the site).

    def _name(self, key: str) -> str:
        if self.key is None:
            return key
        return hmac.new(self.key, key.encode(), hashlib.sha256).hexdigest()

    # An entry is two values: what MkDocs reads of a page (its search entries, ids, links and
    # title) and its HTML, each encrypted on its own for the internal site (the row's name and
    # the column as associated data: neither can stand in for the other). A reused page's HTML
    # is read once, when it is written; the largest internal page at 10,000 items (16 MB of
    # HTML) was read, decrypted and parsed as JSON twice, 140 MB of RSS at once.

    def get(self, key: str) -> Entry | None:
        name = self._name(key)
        data = self._read("value", name)
        if data is None:
            return None
        try:
            return Entry("", **json.loads(data))
        except (ValueError, TypeError):
            return None

    def html(self, key: str) -> str | None:
        data = self._read("html", self._name(key))
        try:
            return None if data is None else data.decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            return None

    def packed(self, digest: str) -> bytes | None:
        """The compressed bytes of a page kept by `stage_packed` (see PageCache.compressed)."""
        name = self._name("packed " + digest)
        self.packed_used.add(name)
        return self._read("data", name, "packs")

    def stage_packed(self, digest: str, data: bytes) -> None:
        if self.db is None or not self.writing:
            return
        name = self._name("packed " + digest)
        try:
            if not self.db.in_transaction:
                self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(
                "INSERT OR REPLACE INTO packs VALUES (?, ?)",
                (name, self._sealed(data, name, "data")),
            )
        except sqlite3.Error:
            self.writing = False
            self._roll_back()

    def _read(self, column: str, name: str, table: str = "pages") -> bytes | None:
        if self.db is None:
            return None
        try:
            # ours: pages (value, html) and packs (data)
            query = f"SELECT {column} FROM {table} WHERE name = ?"  # noqa: S608
            row = self.db.execute(query, (name,)).fetchone()
        except sqlite3.Error:
            return None
        if row is None or row[0] is None:
            return None
        data = row[0]
        if self.key is not None:
            try:
                data = AESGCM(self.key).decrypt(data[:12], data[12:], _bound(name, column))
            except Exception:  # another password's entry, or damaged: render again
                return None
        return data

    def _sealed(self, data: bytes, name: str, column: str) -> bytes:
        if self.key is None:
            return data
        nonce = os.urandom(12)
        return nonce + AESGCM(self.key).encrypt(nonce, data, _bound(name, column))

    def stage(self, key: str, entry: Entry) -> None:
        if self.db is None or not self.writing:
            return
        name = self._name(key)
        meta = asdict(entry)
        html = meta.pop("output").encode("utf-8", "surrogatepass")
        value = json.dumps(meta, ensure_ascii=False).encode("utf-8", "surrogatepass")
        try:
            self._insert(name, self._sealed(value, name, "value"), self._sealed(html, name, "html"))
        except sqlite3.Error:
            # Nothing of this build is kept; the entries it found stay readable: a page found
            # in the cache is read again when MkDocs writes it.
            self.writing = False
            self._roll_back()

    def _insert(self, name: str, value: bytes, html: bytes) -> None:
        assert self.db is not None
        if not self.db.in_transaction:
            self.db.execute("BEGIN IMMEDIATE")
        self.db.execute("INSERT OR REPLACE INTO pages VALUES (?, ?, ?)", (name, value, html))

    def commit(self, used: set[str]) -> None:
        if self.db is None:
            return
        if not self.writing:
            self._give_up()
            return
        try:
            if not self.db.in_transaction:
                self.db.execute("BEGIN IMMEDIATE")
            names = [*(self._name(k) for k in used), *self.packed_used]
            self.db.executemany(
                "INSERT OR REPLACE INTO used VALUES (?, ?)", [(n, self.number) for n in names]
            )
            old = (self.number - KEEP_BUILDS,)
            for table in ("pages", "packs"):  # ours
                self.db.execute(
                    f"DELETE FROM {table} WHERE name NOT IN "  # noqa: S608
                    "(SELECT name FROM used WHERE build > ?)",
                    old,
                )
            self.db.execute("DELETE FROM used WHERE build <= ?", old)
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('build', ?)", (self.number,))
            crash_point("cache")  # the crash tests: killed here, SQLite keeps none of it
            self.db.execute("COMMIT")
        except sqlite3.Error:
            self._give_up()
            return
        self.db.close()
        self.db = None

    def discard(self) -> None:
        self._give_up()

    def _give_up(self) -> None:
        """Roll back what this build wrote and use the file no more."""
        if self.db is not None:
            self._roll_back()
            self.db.close()
        self.db = None

    def _roll_back(self) -> None:
        assert self.db is not None
        with contextlib.suppress(sqlite3.Error):
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")


class Sealed:
    """Values by key in `.roadmap-cache/<name>.sqlite`, each AES-GCM encrypted with a key
    derived from `secret` (the internal site's page-address key: from the password or
    ROADMAP_ADDRESS_KEY, never on disk) under its row's name, an HMAC of its key: the file
    holds nothing in clear, and another password finds nothing in it. For what a build
    computes from the content alone (the history's states, the projection's proofs, the light
    site's findings in bodies), kept for the next build (builds.keep_between_builds).

    `found` and `keep` each open the file and close it again: a process forked in between
    never shares a connection. A value unused by the last KEEP_BUILDS calls to `keep` is
    deleted. Any failure of the file reads as nothing found and keeps nothing: it is an
    optimisation, never a reason for a build to stop."""

    def __init__(self, project: Path, name: str, secret: bytes):
        self.project = project
        self.name = name
        self.key = hmac.new(secret, f"roadmap/{name}/v1".encode(), hashlib.sha256).digest()

    def _row(self, key: str) -> str:
        return hmac.new(self.key, key.encode(), hashlib.sha256).hexdigest()

    def _open(self, name: str, data: bytes) -> bytes | None:
        """A row's value, or None when it is damaged or another key's (computed again)."""
        try:
            return AESGCM(self.key).decrypt(data[:12], data[12:], name.encode())
        except Exception:
            return None

    @contextlib.contextmanager
    def _db(self):
        db = sqlite3.connect(
            cache_folder(self.project) / f"{self.name}.sqlite", timeout=5, isolation_level=None
        )
        try:
            db.execute(
                "CREATE TABLE IF NOT EXISTS value (name TEXT PRIMARY KEY, used INTEGER, data BLOB)"
            )
            db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER)")
            yield db
        finally:
            db.close()

    def found(self, keys: Iterable[str]) -> Iterator[tuple[str, bytes]]:
        """(key, value) for those of `keys` that have a value kept, one at a time: at 10,000
        items the history's states are 55 MB, and held at once they raised a build's peak."""
        try:
            with self._db() as db:
                for key in keys:
                    name = self._row(key)
                    row = db.execute("SELECT data FROM value WHERE name = ?", (name,)).fetchone()
                    data = None if row is None else self._open(name, row[0])
                    if data is not None:
                        yield key, data
        except (OSError, sqlite3.Error):
            return

    def members(self, prefix: str) -> set[str]:
        """A set kept as rows whose value is the member and whose key is `prefix` + member:
        the members kept under this `prefix` (a row of another prefix, older code for one,
        is left to expire)."""
        out: set[str] = set()
        try:
            with self._db() as db:
                rows = db.execute("SELECT name, data FROM value").fetchall()
        except (OSError, sqlite3.Error):
            return out
        for name, data in rows:
            value = self._open(name, data)
            try:
                member = value.decode() if value is not None else None
            except UnicodeDecodeError:
                continue
            if member is not None and hmac.compare_digest(name, self._row(prefix + member)):
                out.add(member)
        return out

    def keep(self, values: Iterable[tuple[str, bytes | None]]) -> None:
        """Remember these (key, value) pairs, made as they are written (None: kept already,
        used again) and forget what the last calls did not use, in one transaction."""
        with contextlib.suppress(OSError, sqlite3.Error), self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT value FROM meta WHERE name = 'used'").fetchone()
            number = (row[0] if row else 0) + 1
            for key, data in values:
                name = self._row(key)
                if data is None:
                    db.execute("UPDATE value SET used = ? WHERE name = ?", (number, name))
                    continue
                nonce = os.urandom(12)
                sealed = nonce + AESGCM(self.key).encrypt(nonce, data, name.encode())
                db.execute("INSERT OR REPLACE INTO value VALUES (?, ?, ?)", (name, number, sealed))
            db.execute("DELETE FROM value WHERE used <= ?", (number - KEEP_BUILDS,))
            db.execute("INSERT OR REPLACE INTO meta VALUES ('used', ?)", (number,))
            db.execute("COMMIT")


_TABLES = (
    "pages (name TEXT PRIMARY KEY, value BLOB, html BLOB)",
    "packs (name TEXT PRIMARY KEY, data BLOB)",  # a sealed page's compressed bytes
    "used (name TEXT PRIMARY KEY, build INTEGER)",  # a row of either: the last build it served
    "meta (name TEXT PRIMARY KEY, value INTEGER)",
)


def _bound(name: str, column: str) -> bytes:
    return f"{name}/{column}".encode()


def _derive(secret: bytes) -> bytes:
    return hmac.new(secret, b"roadmap/render-cache/v1", hashlib.sha256).digest()
