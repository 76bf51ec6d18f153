"""The staging folder and the swap, on their own: private while building, world-readable once
published, leftovers of killed builds swept, live builds left alone, signals handled."""

from __future__ import annotations

import fcntl
import os
import signal
import stat
import sys
from pathlib import Path

import pytest

from roadmap import staging
from roadmap.staging import Batch, Staging, StagingError, exchange, sweep


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, Path]:
    """(the published site, the staging root), as the plugin lays them out."""
    return tmp_path / "site" / "internal", tmp_path / ".roadmap-staging"


def stage(final: Path, root: Path, text: str) -> Staging:
    s = Staging(final, root)
    assert s.folder is not None
    (s.folder / "sub").mkdir()
    (s.folder / "index.html").write_text(text)
    (s.folder / "sub" / "page.html").write_text(text)
    os.chmod(s.folder / "index.html", 0o600)  # what a strict umask or mkstemp would give
    return s


def test_staging_folder_is_private_and_outside_the_site(layout):
    final, root = layout
    s = Staging(final, root)
    assert s.folder is not None and s.folder.parent == root
    assert not s.folder.is_relative_to(final.parent)
    assert mode(root) == 0o700 and mode(s.folder) == 0o700
    s.discard()
    assert list(root.iterdir()) == []


def test_publish_swaps_in_a_world_readable_site_and_removes_the_old(layout):
    final, root = layout
    stage(final, root, "first").publish()
    assert (final / "index.html").read_text() == "first"
    stage(final, root, "second").publish()
    assert (final / "sub" / "page.html").read_text() == "second"
    for path in [final, *final.rglob("*")]:
        assert mode(path) == (0o755 if path.is_dir() else 0o644), path
    assert list(root.iterdir()) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="renameat2 is Linux's")
def test_exchange_swaps_two_folders_in_one_call(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "from-a").touch()
    assert exchange(tmp_path / "a", tmp_path / "b") is True
    assert [p.name for p in (tmp_path / "b").iterdir()] == ["from-a"]
    assert list((tmp_path / "a").iterdir()) == []


def test_fallback_swap_with_two_renames(layout, monkeypatch):
    monkeypatch.setenv(staging.SWAP_FALLBACK, "1")
    final, root = layout
    stage(final, root, "first").publish()
    stage(final, root, "second").publish()
    assert (final / "index.html").read_text() == "second"
    assert mode(final / "index.html") == 0o644
    assert list(root.iterdir()) == []


def dead_build(root: Path, name: str, final: Path) -> Path:
    """What a build killed with SIGKILL leaves: a lock nobody holds, and its folder."""
    root.mkdir(mode=0o700, exist_ok=True)
    (root / f"{name}.lock").write_text(str(final))
    (root / name).mkdir()
    (root / name / "index.html").write_text("plaintext of a killed build")
    return root / name


def test_sweep_removes_dead_builds_and_leaves_live_ones(layout):
    final, root = layout
    live = Staging(final, root)  # holds its lock, as a concurrent build does
    dead = dead_build(root, "internal.dead1", final)
    stray = root / "stray"
    stray.mkdir()
    removed = sweep(root)
    assert set(removed) == {dead, stray}
    assert live.folder is not None and live.folder.is_dir()
    assert sorted(p.name for p in root.iterdir()) == sorted(
        [live.folder.name, f"{live.folder.name}.lock"]
    )
    live.discard()


def test_a_new_build_sweeps_before_it_starts(layout):
    final, root = layout
    dead = dead_build(root, "internal.dead2", final)
    Staging(final, root).discard()
    assert not dead.exists() and list(root.iterdir()) == []


def test_sweep_puts_the_previous_site_back_after_a_kill_between_renames(layout):
    final, root = layout
    dead_build(root, "internal.dead3", final)
    previous = root / "internal.dead3.previous"
    previous.mkdir()
    (previous / "index.html").write_text("the previous site")
    final.parent.mkdir(parents=True)
    sweep(root)
    assert (final / "index.html").read_text() == "the previous site"
    assert list(root.iterdir()) == []


def test_staging_folders_of_earlier_versions_inside_site_are_removed(layout):
    final, root = layout
    old = final.parent / ".internal.building-abc123"
    old.mkdir(parents=True)
    (old / "index.html").write_text("decrypted page left by an old kill -9")
    Staging(final, root).discard()
    assert not old.exists()


def test_a_lock_held_elsewhere_is_never_taken(layout):
    final, root = layout
    dead_build(root, "internal.held", final)
    fd = os.open(root / "internal.held.lock", os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another process's build, as far as the sweep can tell
    try:
        assert sweep(root) == []
    finally:
        os.close(fd)
    assert sweep(root) == [root / "internal.held"]


def test_overlapping_staging_and_site_are_refused(tmp_path):
    with pytest.raises(StagingError, match="overlap"):
        Staging(tmp_path / "site", tmp_path / "site" / ".roadmap-staging")


def test_signal_handlers_are_installed_while_staging_and_restored(layout):
    final, root = layout
    before = signal.getsignal(signal.SIGTERM)
    s = Staging(final, root)
    assert signal.getsignal(signal.SIGTERM) is staging._on_signal
    s.discard()
    assert signal.getsignal(signal.SIGTERM) is before


def test_sigint_removes_the_staging_folder_then_interrupts(layout):
    final, root = layout
    s = Staging(final, root)
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)  # Python runs the handler before kill() returns
    assert s.folder is None and list(root.iterdir()) == []
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_batch_publishes_together_or_not_at_all(tmp_path):
    root = tmp_path / ".roadmap-staging"
    public, internal = tmp_path / "site" / "public", tmp_path / "site" / "internal"
    batch = Batch.open()
    assert batch is not None and Batch.open() is None  # one at a time; the owner publishes
    try:
        stage(public, root, "light").ready()
        stage(internal, root, "internal").ready()
        assert not public.exists() and not internal.exists()  # held until both passed
        batch.close(publish=True)
    finally:
        batch.close(publish=False)
    assert (public / "index.html").read_text() == "light"
    assert (internal / "index.html").read_text() == "internal"

    batch = Batch.open()
    assert batch is not None
    stage(public, root, "light, second build").ready()
    batch.close(publish=False)  # the internal site failed
    assert (public / "index.html").read_text() == "light"
    assert list(root.iterdir()) == []


# --- Red team (issue 8): where a site is published, what its dates say, all or nothing -------


def test_a_symlinked_site_is_published_where_it_points(tmp_path):
    """site/internal -> a web server's folder: the server gets the new site (replacing the link
    by a folder left the server on the old site, and a revoked password working there)."""
    served = tmp_path / "www" / "internal"
    served.mkdir(parents=True)
    (served / "index.html").write_text("old")
    final, root = tmp_path / "site" / "internal", tmp_path / ".roadmap-staging"
    final.parent.mkdir()
    final.symlink_to(served)
    stage(final, root, "new").publish()
    assert final.is_symlink()
    assert (served / "index.html").read_text() == "new"
    assert list(root.iterdir()) == []


def test_published_files_carry_one_date_not_the_order_they_were_written_in(layout):
    final, root = layout
    s = stage(final, root, "first")
    assert s.folder is not None
    for n in range(5):  # written one after the other, as MkDocs writes the navigation's pages
        (s.folder / f"page-{n}.html").write_text("x")
        os.utime(s.folder / f"page-{n}.html", (1_000_000 + n, 1_000_000 + n))
    s.publish()
    dates = {p.stat().st_mtime_ns for p in [final, *final.rglob("*")]}
    assert len(dates) == 1


def test_a_batch_that_cannot_publish_one_site_puts_the_other_back(tmp_path):
    """All or nothing: the light site swapped in, then the internal one fails (its folder is
    gone here; read-only or full elsewhere): the light site is swapped back."""
    root = tmp_path / ".roadmap-staging"
    public, internal = tmp_path / "site" / "public", tmp_path / "elsewhere" / "internal"
    for published in (public, internal):
        stage(published, root, "previous").publish()
    batch = Batch.open()
    assert batch is not None
    try:
        stage(public, root, "new").ready()
        stage(internal, root, "new").ready()
        for path in internal.parent.rglob("*"):
            if path.is_file():
                path.unlink()
        for path in sorted(internal.parent.rglob("*"), reverse=True):
            path.rmdir()
        internal.parent.rmdir()
        with pytest.raises(StagingError, match="could not be put in place"):
            batch.close(publish=True)
    finally:
        batch.close(publish=False)
    assert (public / "index.html").read_text() == "previous"
    assert list(root.iterdir()) == []


def test_a_batch_swaps_back_to_no_site_when_there_was_none(tmp_path):
    root = tmp_path / ".roadmap-staging"
    public, internal = tmp_path / "site" / "public", tmp_path / "gone" / "internal"
    internal.parent.mkdir()
    batch = Batch.open()
    assert batch is not None
    try:
        stage(public, root, "new").ready()
        stage(internal, root, "new").ready()
        internal.parent.rmdir()
        with pytest.raises(StagingError):
            batch.close(publish=True)
    finally:
        batch.close(publish=False)
    assert not public.exists()
    assert list(root.iterdir()) == []


def test_scratch_folders_are_private_and_gone_after_use_or_a_kill(tmp_path):
    root = tmp_path / ".roadmap-staging"
    with staging.scratch(root, "history") as folder:
        assert folder.parent == root and mode(folder) == 0o700 and mode(root) == 0o700
        (folder / "past.md").write_text("an internal title of last year")
        assert sweep(root) == []  # a live scratch folder is never swept
    assert list(root.iterdir()) == []
    dead = dead_build(root, "history.killed", Path(""))
    (root / "history.killed.lock").write_text("")  # a scratch lock names no site
    assert sweep(root) == [dead] and list(root.iterdir()) == []


def test_a_scratch_folder_is_removed_on_sigterm(tmp_path):
    root = tmp_path / ".roadmap-staging"
    previous = signal.signal(signal.SIGTERM, lambda *_: None)  # stands for "end the process"
    try:
        with staging.scratch(root, "history") as folder:
            (folder / "past.md").write_text("internal")
            os.kill(os.getpid(), signal.SIGTERM)
            assert not folder.exists()
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert list(root.iterdir()) == []
