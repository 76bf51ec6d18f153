"""Build into a staging folder and swap it in only when everything passed.

A failed build discards the staging folder and leaves the published site untouched.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path


class Staging:
    """A staging folder for one site, next to where the site is published."""

    def __init__(self, final_site: Path):
        self.final = Path(final_site)
        self.final.parent.mkdir(parents=True, exist_ok=True)
        self.folder: Path | None = Path(
            tempfile.mkdtemp(prefix=f".{self.final.name}.building-", dir=self.final.parent)
        )

    def publish(self) -> None:
        """Replace the published site with the staged one."""
        assert self.folder is not None, "already published or discarded"
        _swap(self.folder, self.final)
        self.folder = None

    def discard(self) -> None:
        if self.folder is not None and self.folder.exists():
            shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None


def _swap(staging: Path, final: Path) -> None:
    """Replace `final` with `staging` in two renames; the old site is removed afterwards."""
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}-{time.monotonic_ns()}")
        final.rename(old)
    staging.rename(final)
    if old:
        shutil.rmtree(old, ignore_errors=True)
