"""The internal site's passwords: from ROADMAP_PASSWORD or ROADMAP_PASSWORD_FILE, never from config.

The file holds one `label: password` line per team; removing a line and rebuilding ends that
team's access. Weak passwords are refused: a downloaded page can be attacked offline.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .problems import Problem

MIN_LENGTH = 12
MIN_SCORE = 3  # zxcvbn: 3 is "safely unguessable", 4 "very unguessable"
ENV_PASSWORD, ENV_FILE = "ROADMAP_PASSWORD", "ROADMAP_PASSWORD_FILE"


@dataclass(frozen=True)
class Credential:
    label: str
    password: str = field(repr=False)


def read_passwords(
    environ: Mapping[str, str] | None = None, asked_by: Path = Path("site_config/internal.yml")
) -> tuple[list[Credential], list[Problem]]:
    """The credentials to wrap the content key for, or the problems that stop the build."""
    environ = os.environ if environ is None else environ
    file_name = environ.get(ENV_FILE, "").strip()
    if file_name:
        return _read_file(Path(file_name))
    password = environ.get(ENV_PASSWORD, "")
    if not password:
        return [], [
            Problem(
                asked_by,
                1,
                "the internal site needs a password",
                f"set {ENV_PASSWORD}, or {ENV_FILE} naming a file of 'team: password' lines",
            )
        ]
    problems = [Problem(Path(ENV_PASSWORD), 1, msg, hint) for msg, hint in weakness(password)]
    return [Credential("default", password)], problems


def _read_file(path: Path) -> tuple[list[Credential], list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        return [], [
            Problem(
                path,
                1,
                f"cannot read the password file: {e.strerror}",
                f"{ENV_FILE} must name a readable file",
            )
        ]
    creds: list[Credential] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        label, sep, password = line.partition(":")
        label, password = label.strip(), password.strip()
        if not sep or not label:
            problems.append(
                Problem(
                    path,
                    n,
                    "expected 'team: password'",
                    "one team per line, the label before the first ':'",
                )
            )
            continue
        if label in seen:
            problems.append(
                Problem(path, n, f"team '{label}' appears twice", "each team gets one line")
            )
            continue
        seen.add(label)
        for msg, hint in weakness(password):
            problems.append(Problem(path, n, f"password for '{label}': {msg}", hint))
        creds.append(Credential(label, password))
    if not creds and not problems:
        problems.append(
            Problem(path, 1, "no passwords in the file", "add one 'team: password' line per team")
        )
    return creds, problems


def weakness(password: str) -> list[tuple[str, str]]:
    """Why a password is too weak (never repeating it), or nothing."""
    hint = "use a passphrase of four or more random words"
    if len(password) < MIN_LENGTH:
        return [(f"too short ({len(password)} characters, {MIN_LENGTH} needed)", hint)]
    from zxcvbn import zxcvbn  # imported late: it loads its word lists on import

    result = zxcvbn(password[:100], user_inputs=["roadmap", "internal", "sales", "password"])
    if result["score"] < MIN_SCORE:
        warning = result["feedback"].get("warning") or "it is easy to guess"
        return [(f"too weak: {warning.rstrip('.').lower()}", hint)]
    return []
