"""The secret behind the internal site's page addresses: ROADMAP_ADDRESS_KEY when set,
otherwise a random salt kept in the repository (`site_config/address-salt.txt`), made by the
first build. crypto.address_key turns either into the key; see the README, "Page addresses".
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .problems import Problem, display_path
from .repository import checkout_root, is_tracked

ENV_ADDRESS_KEY = "ROADMAP_ADDRESS_KEY"
SALT_FILE = "address-salt.txt"
KEY_BYTES = 32
_HEX = re.compile(r"[0-9a-fA-F]+")
_MAKE_KEY = "make one with `python3 -c 'import secrets; print(secrets.token_hex(32))'`"
_SALT_HEADER = """\
# The random salt behind the internal site's page addresses, made by `roadmap build`.
# Commit this file: addresses stay the same from build to build while it, the site name and
# the first password stay the same. Delete it and build again to give every page a new
# address (see README, "Page addresses"). It is not a password, but keep the repository private.
"""


@dataclass(frozen=True)
class AddressSecret:
    """One of the two: `key` from ROADMAP_ADDRESS_KEY, or `salt` from the salt file."""

    key: bytes | None = field(default=None, repr=False)
    salt: bytes | None = None
    created: Path | None = None  # the salt file, when this run made it


def salt_path(config_dir: Path) -> Path:
    """The salt file sits beside the site's configuration files."""
    return Path(config_dir) / SALT_FILE


def read_address_secret(
    config_dir: Path, environ: Mapping[str, str] | None = None, create: bool = False
) -> tuple[AddressSecret | None, list[Problem]]:
    """The address secret, or the problems that stop the build. `create` makes the salt file
    when there is neither a key nor a file (a build does; `roadmap check` does not)."""
    environ = os.environ if environ is None else environ
    if environ.get(ENV_ADDRESS_KEY):  # empty counts as unset, as CI gives a missing secret
        key, problem = _parse_key(environ[ENV_ADDRESS_KEY])
        return (None, [problem]) if problem else (AddressSecret(key=key), [])
    path = salt_path(config_dir)
    created = None
    if not path.exists() and create:
        created = path if _create_salt(path) else None
    if not path.exists():
        return None, [
            Problem(
                path,
                1,
                "the address salt file is missing",
                f"run `roadmap build` to make it, or set {ENV_ADDRESS_KEY}",
            )
        ]
    salt, problems = _read_salt(path)
    return (AddressSecret(salt=salt, created=created), []) if salt else (None, problems)


def _parse_key(text: str) -> tuple[bytes | None, Problem | None]:
    """A key of 32 random bytes or more, as hexadecimal or base64; never echoed."""
    where = Path(ENV_ADDRESS_KEY)
    if text != text.strip():
        return None, Problem(
            where,
            1,
            "the key starts or ends with a space or a line break",
            "remove it; `printf '%s'` writes a value without a line break",
        )
    raw = None
    if _HEX.fullmatch(text) and len(text) % 2 == 0:
        raw = bytes.fromhex(text)
    else:
        try:
            padded = text + "=" * (-len(text) % 4)
            raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
        except (binascii.Error, ValueError):
            raw = None
    if raw is None or len(raw) < KEY_BYTES:
        return None, Problem(
            where,
            1,
            f"the key must be {KEY_BYTES} random bytes or more, written as "
            f"{2 * KEY_BYTES} hexadecimal characters or in base64",
            _MAKE_KEY,
        )
    if len(set(raw)) < 16:  # 32 random bytes hold ~31 different values; "0000..." holds one
        return None, Problem(where, 1, "the key does not look random", _MAKE_KEY)
    return raw, None


def _create_salt(path: Path) -> bool:
    """Write a new salt file, atomically and only if none exists (two builds may race)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = _SALT_HEADER + secrets.token_hex(KEY_BYTES) + "\n"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        tmp.write_text(text, encoding="ascii")
        os.link(tmp, path)  # fails if another run made it first: theirs is kept
        return True
    except FileExistsError:
        return False
    finally:
        tmp.unlink(missing_ok=True)


def _read_salt(path: Path) -> tuple[bytes | None, list[Problem]]:
    fix = "delete the file and build again to make a new one (every page address changes)"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None, [Problem(path, 1, "cannot read the address salt file", fix)]
    lines = [
        (n, line.strip())
        for n, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if len(lines) == 1 and len(lines[0][1]) == 2 * KEY_BYTES and _HEX.fullmatch(lines[0][1]):
        return bytes.fromhex(lines[0][1]), []
    line = lines[min(1, len(lines) - 1)][0] if lines else 1
    message = f"the address salt must be one line of {2 * KEY_BYTES} hexadecimal characters"
    return None, [Problem(path, line, message, fix)]


def salt_warnings(config_dir: Path, environ: Mapping[str, str] | None = None) -> list[Problem]:
    """Why page addresses may change on the next build, in a git checkout: the salt file is
    missing, or git does not track it (each fresh clone in CI would make a new one)."""
    environ = os.environ if environ is None else environ
    if environ.get(ENV_ADDRESS_KEY):
        return []
    path = salt_path(config_dir)
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if checkout_root(folder) is None:
        return []  # not a git checkout: the first build makes it, there is nothing to commit
    if not path.exists():
        return [
            Problem(
                path,
                1,
                "the address salt file is missing: the next build makes a new one, and every "
                "internal page address changes",
                f"run `roadmap build`, then commit {display_path(path)}",
            )
        ]
    if not is_tracked(path):
        return [
            Problem(
                path,
                1,
                "git does not track the address salt file: a fresh clone would make a new one "
                "and change every internal page address",
                f"commit it: git add {display_path(path)}",
            )
        ]
    return []
