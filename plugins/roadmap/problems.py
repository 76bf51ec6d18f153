"""Content problems as values: collected during a run, reported together as `path:line: message`."""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    path: Path
    line: int
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{display_path(self.path)}:{self.line}"
        return f"{where}: {self.message}" + (f"; {self.hint}" if self.hint else "")


class ContentError(Exception):
    """Raised at the edge (CLI, plugin) when a run collected problems."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(set(problems))
        super().__init__(report(self.problems))


def report(problems: Iterable[Problem]) -> str:
    return "\n".join(str(p) for p in sorted(set(problems)))


def display_path(path: Path) -> str:
    """Paths relative to the working directory when under it: what a PM sees in their editor."""
    try:
        return Path(os.path.relpath(path)).as_posix() if Path(path).is_absolute() else str(path)
    except ValueError:  # another drive on Windows
        return str(path)


def did_you_mean(word: str, choices: Iterable[str], list_all: bool = True) -> str:
    """A hint naming the closest allowed word, or every allowed word when none is close."""
    choices = list(choices)
    close = difflib.get_close_matches(str(word), choices, n=1, cutoff=0.7)
    if close:
        return f"did you mean '{close[0]}'?"
    if not list_all:
        return "no close match"
    return "expected one of: " + ", ".join(choices)
