"""Build each site in a private staging folder and swap it into place only when the build passed.

Where: `.roadmap-staging/` in the project folder (beside content/, never inside site/), mode
0700, on the same file system as the site. Each build holds an flock on a lock file beside its
folder; a build that finds a folder whose lock nobody holds (its build was killed, even with
SIGKILL) removes it before starting, and leaves a running build's folder alone. SIGINT and
SIGTERM remove the running build's folders, then end the process as they would have.

The swap exchanges the staged folder and the published one in a single system call where the
system has one (Linux renameat2 RENAME_EXCHANGE, macOS renamex_np RENAME_SWAP): there is always
a whole site at the published path. Elsewhere it falls back to two renames; a kill between them
leaves no site for that moment, and the next build puts the previous one back first. A site
that is a symlink is published where it points. Published files all carry the time of the swap:
the order in which MkDocs wrote them (the navigation's) is not kept.

Scratch folders (scratch()) live in the same place under the same locks, for anything else a
build must write that holds content (the history's past versions of content/).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import json
import mmap
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

try:
    import fcntl
except ImportError:  # Windows: no flock; leftovers are then never swept, only reported
    fcntl = None  # type: ignore[assignment]

STAGING_DIR = ".roadmap-staging"
CRASH_AT = "ROADMAP_CRASH_AT"  # test hooks: see crash_point()
CRASH_SIGNAL = "ROADMAP_CRASH_SIGNAL"
SWAP_FALLBACK = "ROADMAP_SWAP_FALLBACK"  # test hook: "1" swaps with two renames, as elsewhere
_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StagingError(Exception):
    """The staging folder cannot be used; the message says why and what to do."""


class Staging:
    """One site built in `<root>/<name>.<random>/` and swapped into `final` when it passed."""

    def __init__(self, final: Path, root: Path):
        # Where the site really is: a symlinked site (site/ -> /srv/www) is published where it
        # points, as MkDocs itself would write it, never by replacing the link with a folder.
        self.final = Path(os.path.realpath(final))
        self.root = Path(os.path.realpath(root))
        self.swapped = False
        self.replaced: Path | None = None  # where the previous site waits once swapped out
        _prepare(self.root, self.final)
        sweep(self.root, self.final.parent)
        self._lock_fd, self._lock = _claim(self.root, self.final.name, self.final)
        self.folder: Path | None = self._lock.with_suffix("")
        self.folder.mkdir(mode=0o700)
        _register(self)
        crash_point("staged")

    def ready(self) -> None:
        """The build passed: publish now, or when the open Batch is published. Marked again,
        it moves to the end: `roadmap build` marks its sites in their order once all passed,
        one of them marked already by its build in that process."""
        if Batch.current is not None:
            if self in Batch.current.ready:
                Batch.current.ready.remove(self)
            Batch.current.ready.append(self)
        else:
            self.publish()

    def publish(self) -> None:
        """Swap the staged site in, world-readable; then remove the previous one."""
        self.swap_in()
        self.discard()

    def swap_in(self, when: float | None = None) -> None:
        """Put the staged site in place, its files world-readable and dated `when` (now); the
        previous site waits in the staging folder until discard(), or swap_back(). Raises
        StagingError, leaving the published site as it was."""
        assert self.folder is not None and not self.swapped, "already published or discarded"
        _make_publishable(self.folder, time.time() if when is None else when)
        crash_point("swap")
        with _signals_held():
            try:
                self.replaced = _swap(self.folder, self.final)
            except OSError as e:
                raise StagingError(
                    f"{self.final}: the new site could not be put in place ({e.strerror}); "
                    "check that this folder can be written; the previous site is untouched"
                ) from None
            self.folder, self.swapped = None, True
        crash_point("swapped")

    def swap_back(self) -> None:
        """Undo swap_in(): the previous site back in place, or no site if there was none."""
        assert self.swapped and self._lock is not None, "not swapped in"
        out = self._lock.with_suffix("")  # free: the staged folder moved to the site
        with _signals_held():
            if self.replaced is None:
                os.rename(self.final, out)
            elif exchange(self.replaced, self.final):
                out = self.replaced
            else:  # as swap_in's fallback: a kill between the renames is repaired by sweep()
                os.rename(self.final, out)
                os.rename(self.replaced, self.final)
            self.folder, self.replaced, self.swapped = out, None, False

    def discard(self) -> None:
        """Remove the staging folder and release its lock (safe to call twice)."""
        if self._lock is None:
            return
        for folder in (
            self.folder,
            self.replaced,
            self._lock.with_suffix(""),
            _previous(self._lock),
        ):
            if folder is not None:
                _remove(folder)
        self.folder = self.replaced = None
        self.swapped = False
        with contextlib.suppress(FileNotFoundError):
            self._lock.unlink()
        os.close(self._lock_fd)
        self._lock = None
        _unregister(self)


class Scratch:
    """A private folder for what a build must write that holds content (the history's past
    versions of content/), beside the staging folders and under the same rules: removed when
    done or on SIGINT/SIGTERM, swept by the next build after a SIGKILL. Never in /tmp, where
    nothing would ever remove what a killed build left."""

    def __init__(self, root: Path, name: str):
        root = Path(os.path.realpath(root))
        _private_root(root)
        sweep(root)
        self._lock_fd, self._lock = _claim(root, name, None)
        self.folder: Path | None = self._lock.with_suffix("")
        self.folder.mkdir(mode=0o700)
        _register(self)

    def discard(self) -> None:
        if self._lock is None:
            return
        _remove(self._lock.with_suffix(""))
        self.folder = None
        with contextlib.suppress(FileNotFoundError):
            self._lock.unlink()
        os.close(self._lock_fd)
        self._lock = None
        _unregister(self)


@contextlib.contextmanager
def scratch(root: Path, name: str) -> Iterator[Path]:
    """A Scratch folder in `root` (the project's .roadmap-staging/) for the time of a block."""
    try:
        folder = Scratch(root, name)
    except OSError as e:
        raise StagingError(
            f"{root}: cannot make a private working folder here ({e.strerror}); the build "
            "needs to write in the project folder"
        ) from None
    try:
        assert folder.folder is not None
        yield folder.folder
    finally:
        folder.discard()


class Batch:
    """Sites that pass while a batch is open are published together when it is published.

    `roadmap build` opens one around both sites, so a failure of the internal site leaves the
    light site unpublished too; `mkdocs build` opens one from on_startup to on_shutdown, so that
    strict mode, which aborts after on_post_build, publishes nothing.
    """

    current: ClassVar[Batch | None] = None

    def __init__(self):
        self.ready: list[Staging] = []

    @classmethod
    def open(cls) -> Batch | None:
        """A new batch, or None when one is open already (its owner publishes)."""
        if cls.current is not None:
            return None
        cls.current = cls()
        return cls.current

    def close(self, publish: bool) -> None:
        """Publish every site that is ready, or none: when one cannot be swapped in, those
        already swapped are swapped back. The previous sites are removed only once all are in,
        so the sites change together, one system call apart."""
        if Batch.current is self:
            Batch.current = None
        try:
            if publish:
                when = time.time()
                swapped: list[Staging] = []
                # SIGINT/SIGTERM wait until every site is in (or back): never one of two.
                with _signals_held():
                    try:
                        for staging in self.ready:
                            staging.swap_in(when)
                            swapped.append(staging)
                    except BaseException:
                        for staging in reversed(swapped):
                            staging.swap_back()
                        raise
        finally:
            for staging in self.ready:
                staging.discard()  # after a failure; a no-op for what was published
            self.ready.clear()


def crash_point(name: str) -> None:
    """Send this process SIGKILL (or ROADMAP_CRASH_SIGNAL: TERM, INT) when ROADMAP_CRASH_AT is
    `name` or `name:n` (the n-th time it is reached).

    The crash tests use it to stop a real build at exact moments; unset, it does nothing.
    """
    want = os.environ.get(CRASH_AT)
    if not want:
        return
    point, _, nth = want.partition(":")
    if point != name:
        return
    if _count(name) == int(nth or 1):
        os.kill(os.getpid(), getattr(signal, "SIG" + os.environ.get(CRASH_SIGNAL, "KILL")))


_reached: dict[str, int] = {}
# `roadmap build` builds the two sites in forked processes: they count the points together, in
# memory shared across fork (made at import, before any fork; only when the hook is set).
_shared = (
    (mmap.mmap(-1, mmap.PAGESIZE), multiprocessing.Lock()) if os.environ.get(CRASH_AT) else None
)


def _count(name: str) -> int:
    if _shared is None:
        _reached[name] = _reached.get(name, 0) + 1
        return _reached[name]
    memory, lock = _shared
    with lock:
        counts = json.loads(memory[:].rstrip(b"\0") or b"{}")
        counts[name] = counts.get(name, 0) + 1
        memory[:] = json.dumps(counts).encode().ljust(len(memory), b"\0")
    return counts[name]


# --- The staging root and its leftovers -------------------------------------------------------


def _prepare(root: Path, final: Path) -> None:
    final.parent.mkdir(parents=True, exist_ok=True)
    if root == final or root.is_relative_to(final) or final.is_relative_to(root):
        raise StagingError(
            f"the staging folder {root} and the site {final} overlap; "
            f"set site_dir outside {root.name}/"
        )
    _private_root(root)
    if os.stat(root).st_dev != os.stat(final.parent).st_dev:
        raise StagingError(
            f"{root} and {final.parent} are on different file systems, so the site could not "
            "be swapped in atomically; keep site_dir on the project's file system"
        )


def _private_root(root: Path) -> None:
    root.mkdir(mode=0o700, exist_ok=True)
    os.chmod(root, 0o700)  # also when an older folder was created with another mode


def sweep(root: Path, site_parent: Path | None = None) -> list[Path]:
    """Remove what killed builds left in `root` (and, in `site_parent`, the staging folders of
    earlier versions of this tool, which sat inside site/). Returns what was removed.

    A folder is left alone while its build holds the lock. When a build died between the two
    renames of the fallback swap, the previous site is put back first.
    """
    removed: list[Path] = []
    if fcntl is None or not root.is_dir():
        return removed
    for lock in sorted(root.glob("*.lock")):
        try:
            fd = os.open(lock, os.O_RDWR)
        except FileNotFoundError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # a live build
            final = os.read(fd, 4096).decode("utf-8", "replace")
            previous = _previous(lock)
            if final and previous.is_dir() and not os.path.lexists(final):
                os.rename(previous, final)
            for folder in (lock.with_suffix(""), previous):
                if _remove(folder):
                    removed.append(folder)
            with contextlib.suppress(FileNotFoundError):
                lock.unlink()
        finally:
            os.close(fd)
    for entry in root.iterdir():  # a folder with no lock file at all: never a live build's
        base = entry.name.removesuffix(".previous")
        if not entry.name.endswith(".lock") and not (root / f"{base}.lock").exists():
            _remove(entry)
            removed.append(entry)
    if site_parent is not None and site_parent.is_dir():
        for pattern in (".*.building-*", ".*.old-*"):
            for entry in site_parent.glob(pattern):
                _remove(entry)
                removed.append(entry)
    return removed


def _remove(path: Path) -> bool:
    """Remove a folder (or a symlink to one: never what it points to); False if absent."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        return False
    return True


def _claim(root: Path, prefix: str, final: Path | None) -> tuple[int, Path]:
    """A lock file of our own, locked, naming the site it will replace (if any)."""
    while True:
        fd, name = tempfile.mkstemp(prefix=f"{prefix}.", suffix=".lock", dir=root)
        if fcntl is None:
            break
        fcntl.flock(fd, fcntl.LOCK_EX)
        # A sweep may have taken the new file for a dead build's and removed it meanwhile.
        try:
            if os.stat(name).st_ino == os.fstat(fd).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    if final is not None:
        os.write(fd, str(final).encode("utf-8"))
    return fd, Path(name)


def _previous(lock: Path) -> Path:
    return lock.with_name(lock.name.removesuffix(".lock") + ".previous")


# --- The swap ---------------------------------------------------------------------------------


def _make_publishable(folder: Path, when: float) -> None:
    """Published folders 0755 and files 0644, whatever mkdtemp and the umask made them; and
    every one dated `when`: the times MkDocs wrote them in would tell the order of its
    navigation (which page is which item, how many accounts, ranked by ARR) to anyone who gets
    the files with their dates (tar, zip, rsync -a, a Last-Modified header)."""
    for parent, dirs, files in os.walk(folder, topdown=False):
        for name, mode in [*((f, 0o644) for f in files), *((d, 0o755) for d in dirs)]:
            path = os.path.join(parent, name)
            if os.path.islink(path):  # chmod would change what it points to
                continue
            os.chmod(path, mode)
            os.utime(path, (when, when))
    os.chmod(folder, 0o755)
    os.utime(folder, (when, when))


def _swap(staged: Path, final: Path) -> Path | None:
    """Put `staged` at `final`; returns where the previous site now is (None if there was none)."""
    if not os.path.lexists(final):
        try:
            os.rename(staged, final)
            return None
        except OSError as e:  # a concurrent build put a site there first: exchange with it
            if e.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
    if exchange(staged, final):
        return staged
    # No atomic exchange here: two renames, and the next build repairs a kill between them.
    previous = staged.with_name(staged.name + ".previous")
    os.rename(final, previous)
    crash_point("between-renames")
    os.rename(staged, final)
    return previous


def exchange(a: Path, b: Path) -> bool:
    """Swap two directory entries atomically; False when this system cannot."""
    if os.environ.get(SWAP_FALLBACK) == "1":
        return False
    if sys.platform.startswith("linux"):
        return _call(
            _renameat2, -100, os.fsencode(a), -100, os.fsencode(b), 2
        )  # AT_FDCWD, EXCHANGE
    if sys.platform == "darwin":
        return _call(_renamex_np, os.fsencode(a), os.fsencode(b), 2)  # RENAME_SWAP
    return False


def _call(function, *args) -> bool:
    if function is None:
        return False
    if function(*args) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # an old kernel, or a file system without exchange
    raise OSError(err, os.strerror(err))


def _libc_function(name: str):
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        return getattr(libc, name)
    except (OSError, AttributeError):
        return None


_renameat2 = _libc_function("renameat2") if sys.platform.startswith("linux") else None
_renamex_np = _libc_function("renamex_np") if sys.platform == "darwin" else None


# --- Signals ----------------------------------------------------------------------------------

_active: list[Staging | Scratch] = []
_saved_handlers: dict[int, object] = {}


def _register(staging: Staging | Scratch) -> None:
    if not _active and threading.current_thread() is threading.main_thread():
        for sig in _SIGNALS:
            previous = signal.getsignal(sig)
            if previous is not signal.SIG_IGN:
                _saved_handlers[sig] = previous
                signal.signal(sig, _on_signal)
    _active.append(staging)


def _unregister(staging: Staging | Scratch) -> None:
    if staging in _active:
        _active.remove(staging)
    if not _active:
        _restore_handlers()


def _restore_handlers() -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    for sig, handler in _saved_handlers.items():
        signal.signal(sig, handler)  # type: ignore[arg-type]
    _saved_handlers.clear()


def _on_signal(signum, frame) -> None:
    previous = _saved_handlers.get(signum, signal.SIG_DFL)
    for staging in list(_active):
        staging.discard()
    _restore_handlers()
    if callable(previous):
        previous(signum, frame)  # SIGINT: KeyboardInterrupt, as before
    else:
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)


@contextlib.contextmanager
def _signals_held():
    """SIGINT and SIGTERM wait while the swap's renames run (SIGKILL cannot be held)."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not (
        threading.main_thread()
    ):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
