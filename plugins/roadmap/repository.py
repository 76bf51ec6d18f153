"""What git says about the project's checkout: which files it tracks. Outside a checkout, or
without git, nothing: callers then skip the checks that need it."""

from __future__ import annotations

import subprocess
from pathlib import Path


def _git(folder: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *args], capture_output=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", "surrogateescape")


def checkout_root(folder: Path) -> Path | None:
    """The top folder of the git checkout holding `folder`, or None."""
    top = _git(folder, "rev-parse", "--show-toplevel")
    return Path(top.strip()) if top and top.strip() else None


def tracked_files(folder: Path) -> list[Path] | None:
    """Every file git tracks in the checkout around `folder` (not only below it), or None."""
    top = checkout_root(folder)
    if top is None:
        return None
    listing = _git(top, "ls-files", "-z")
    if listing is None:
        return None
    return [top / name for name in listing.split("\0") if name]


def is_tracked(path: Path) -> bool | None:
    """Whether git tracks `path`; None outside a checkout."""
    if checkout_root(path.parent) is None:
        return None
    return _git(path.parent, "ls-files", "--error-unmatch", "--", path.name) is not None


def is_ignored(path: Path) -> bool | None:
    """Whether git ignores `path` (.gitignore and the like); None outside a checkout."""
    if checkout_root(path.parent) is None:
        return None
    try:
        done = subprocess.run(
            ["git", "-C", str(path.parent), "check-ignore", "-q", "--", path.name],
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return {0: True, 1: False}.get(done.returncode)
