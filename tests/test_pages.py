"""Generated Markdown, page by page, against golden files.

The golden files show what each audience's page is made of. After an intended change to a
template, regenerate them with `UPDATE_GOLDEN=1 make test` and review the diff.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import markdown
import pytest

from conftest import Project
from roadmap import audience
from roadmap.load import load
from roadmap.pages import Settings, plan_site

GOLDEN = Path(__file__).parent / "golden"
EXTENSIONS = ["admonition", "attr_list", "md_in_html", "tables", "pymdownx.details", "toc"]


def render(text: str) -> str:
    return markdown.markdown(text, extensions=EXTENSIONS)


SETTINGS = Settings(
    today=date(2026, 11, 27),
    feedback_url="https://feedback.example/?item={id}",
    client_ask_url="https://asks.example/new?item={id}&title={title}",
)


@pytest.fixture
def plans(project: Project):
    project.item(
        "offline-mode",
        title="Offline mode v2 (Kestrel)",
        summary="Internal summary.",
        public={"title": "Offline mode", "summary": "Work with no signal."},
        tags=["mobile"],
        target="2027-Q1",
        commitment="committed",
        confidence="high",
        priority=2,
        owner="Tomasz W",
        customers=[{"name": "Northgate", "arr": 246000, "note": "Lift shafts."}],
        depends_on=["sync-engine"],
        last_reviewed="2026-05-01",
        sales={"pitch": "Jobs keep moving.", "questions": [{"q": "iOS?", "a": "Yes."}]},
        body='## Why\n\nNo signal in basements.\n\n!!! internal "Notes"\n    Needs Kestrel.\n',
    )
    project.item("sync-engine", visibility="internal", title="Sync engine", horizon="now")
    roadmap = load(project.content)
    return {
        name: plan_site(audience.project(roadmap, name), SETTINGS, render)
        for name in ("public", "internal")
    }


@pytest.mark.parametrize(
    "audience, page",
    [
        ("public", "index.md"),
        ("public", "items/offline-mode.md"),
        ("internal", "items/offline-mode.md"),
        ("internal", "timeline.md"),
    ],
)
def test_generated_page(plans, audience: str, page: str):
    text = plans[audience].pages[page].markdown
    golden = GOLDEN / f"{audience}-{page.replace('/', '-')}"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), f"{golden} differs; see the module doc"


def test_nav_per_audience(plans):
    assert plans["public"].nav == [
        {"Roadmap": "index.md"},
        {"Themes": [{"All themes": "themes/index.md"}, {"Core product": "themes/core.md"}]},
        {"Recently shipped": "shipped.md"},
    ]
    assert [next(iter(entry)) for entry in plans["internal"].nav] == [
        "Roadmap",
        "Timeline",
        "Themes",
        "Recently shipped",
    ]
