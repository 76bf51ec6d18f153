"""The README's field reference is generated from the declaration: it must match it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from conftest import ROOT
from roadmap.model import Account, Approval, Flexibility, Item, Page, Priority, Theme
from roadmap.schema import field_table


@pytest.mark.parametrize(
    "name, cls",
    [
        ("item", Item),
        ("theme", Theme),
        ("page", Page),
        ("priority", Priority),
        ("flexibility", Flexibility),
        ("account", Account),
        ("approval", Approval),
    ],
)
def test_readme_field_tables_match_the_declaration(name, cls):
    readme = (ROOT / "README.md").read_text()
    m = re.search(rf"<!-- {name}-fields:start -->\n(.*?)\n<!-- {name}-fields:end -->", readme, re.S)
    assert m, f"README lacks the {name}-fields markers"
    assert m.group(1) == field_table(cls), (
        f"README's {name} table is stale: paste roadmap.schema.field_table({cls.__name__})"
    )


@pytest.mark.parametrize("target", ["serve", "serve-internal"])
def test_make_serve_puts_the_preview_in_memory_where_there_is_some(target: str):
    """The README says both previews keep their folder in /dev/shm where the machine has one
    (the internal preview's pages are plaintext): the Makefile is what does it."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("no make on this machine")
    shm = os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK)
    dry = subprocess.run(  # -o: never (re)install the virtualenv for a dry run
        [make, "-n", "-o", ".venv/.installed-stamp", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (command,) = [line for line in dry.splitlines() if "mkdocs serve" in line]
    assert command.startswith("TMPDIR=/dev/shm ") == shm, command
    assert "site_config/" in command
    assert "in `/dev/shm` where the machine has one" in (ROOT / "README.md").read_text()
