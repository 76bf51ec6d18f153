"""The README's field reference is generated from the declaration: it must match it."""

from __future__ import annotations

import re

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
