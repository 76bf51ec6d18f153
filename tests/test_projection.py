"""The audience projection, without MkDocs: what each audience's view holds."""

from __future__ import annotations

import dataclasses

import pytest

from conftest import Project
from roadmap.audience import (
    PUBLIC_ITEM_FIELDS,
    PublicItem,
    light_site_secrets,
    project,
    public_markdown,
    strip_internal_blocks,
)
from roadmap.load import load


def test_public_fields_are_exactly_the_declared_public_ones():
    assert PUBLIC_ITEM_FIELDS == (
        "title",
        "summary",
        "status",
        "horizon",
        "theme",
        "tags",
        "shipped",
        "release_notes",
    )
    names = {f.name for f in dataclasses.fields(PublicItem)}
    # shared_with: an account's name, set on its own site only (accounts, issue 13)
    assert names == {"id", "body", "body_line", "path", "shared_with", *PUBLIC_ITEM_FIELDS}
    internal_fields = ("owner", "target", "customers", "commitment", "priority", "sales", "public")
    for internal in (*internal_fields, "share_with"):
        assert internal not in names


@pytest.fixture
def roadmap(project: Project):
    project.item("visible", priority=9, owner="Ann Owner", target="2027-Q1")
    project.item("ask-first-item", visibility="ask-first")
    project.item("internal-item", visibility="internal")
    project.item("no-visibility", visibility=None)
    project.item("paused-item", status="paused")
    project.item("cancelled-item", status="cancelled", horizon=None)
    project.item("hidden-theme-item", visibility="internal", theme="secret-theme")
    project.item(
        "renamed",
        title="Internal name",
        summary="Internal summary.",
        public={"title": "Client name", "summary": "Client summary."},
        priority=1,
    )
    project.item("done", status="shipped", horizon=None, shipped="2026-03-17")
    project.page("about.md", "About.", visibility="public")
    project.page("secret.md", "Secret.", visibility="internal")
    project.page("default.md", "No visibility given.")
    project.write("content/playbook/index.md", "---\ntitle: Playbook\n---\nBody.\n")
    return load(project.content)


def test_public_view_holds_only_public_items_themes_and_pages(roadmap):
    view = project(roadmap, "public")
    # "renamed" has a public title: clients know it by that, never by its own id.
    assert [i.id for i in view.items] == ["client-name", "visible", "done"]
    assert all(isinstance(i, PublicItem) for i in view.items)
    assert [t.id for t in view.themes] == ["core"]
    assert [p.rel for p in view.pages] == ["about.md", "index.md"]
    assert view.playbook == () and view.strategy is None and view.public is None


def test_public_view_uses_overrides_and_month_precision(roadmap):
    view = {i.id: i for i in project(roadmap, "public").items}
    renamed = view["client-name"]
    assert (renamed.title, renamed.summary) == ("Client name", "Client summary.")
    assert view["done"].shipped == "2026-03"
    with pytest.raises(AttributeError):
        view["visible"].owner  # noqa: B018 - the attribute must not exist at all


def test_public_order_ignores_priority(roadmap):
    # "renamed" has priority 1 and "visible" 9: the light site orders by horizon, theme, title.
    titles = [i.title for i in project(roadmap, "public").items if i.status != "shipped"]
    assert titles == sorted(titles, key=str.casefold)


def test_internal_view_holds_everything(roadmap):
    view = project(roadmap, "internal")
    assert len(view.items) == 9
    assert [p.rel for p in view.playbook] == ["index.md"]
    assert {p.rel for p in view.pages} == {"about.md", "index.md", "secret.md", "default.md"}
    assert [i.id for i in view.public.items] == ["client-name", "visible", "done"]
    assert view.items[0].id == "renamed"  # internal order: priority within horizon and theme


def test_secrets_name_what_the_light_site_must_not_show(roadmap):
    words = {s.word for s in light_site_secrets(roadmap, ["Codename"])}
    assert {"Codename", "Ann Owner", "Internal name"} <= words
    for hidden in ("ask-first-item", "internal-item", "no-visibility", "paused-item"):
        assert hidden in words and f"Title of {hidden}" in words
    assert "visible" not in words and "Title of visible" not in words


@pytest.mark.parametrize(
    "head",
    [
        '!!! internal "Notes"',
        "??? internal",
        '???+ internal "Open"',
        "!!! note internal",
        "!!!internal",
        "!!! Internal",
        '!!! internal inline end "x"',
    ],
)
def test_internal_blocks_are_removed(head):
    text = f"Before.\n\n{head}\n    SECRET line one\n\n    SECRET line two\n\nAfter.\n"
    out = strip_internal_blocks(text)
    assert "SECRET" not in out and head not in out
    assert "Before." in out and "After." in out


def test_nested_internal_block_and_other_admonitions():
    text = (
        "- item\n\n"
        "    !!! internal\n"
        "        SECRET nested\n\n"
        "    kept in the list\n\n"
        '!!! note "Public note"\n'
        "    kept note\n"
        "!!! internal\n"
        "    SECRET at the end"
    )
    out = strip_internal_blocks(text)
    assert "SECRET" not in out
    assert "kept in the list" in out and "kept note" in out


def test_comments_are_removed_for_the_light_site():
    out = public_markdown("Text <!-- SECRET\nmultiline --> more <!-- unclosed SECRET")
    assert "SECRET" not in out and out.startswith("Text  more")


def test_files_published_only_when_a_page_of_the_audience_uses_them(project: Project):
    project.write("content/roadmap/img/public.png", b"png")
    project.write("content/roadmap/img/internal-only.png", b"png")
    project.write("content/roadmap/img/unused.png", b"png")
    project.item(
        "with-images",
        body="![a](img/public.png)\n\n!!! internal\n    ![b](img/internal-only.png)\n",
    )
    roadmap = load(project.content)
    public = {p.name for p in project_files(roadmap, "public")}
    internal = {p.name for p in project_files(roadmap, "internal")}
    assert public == {"public.png"}
    assert internal == {"public.png", "internal-only.png"}


def project_files(roadmap, audience):
    return project(roadmap, audience).files


def test_one_word_ids_are_not_looked_for_in_markup(project: Project):
    """`hidden` and `search` name HTML attributes and Material's own classes."""
    project.item("hidden", visibility="internal")
    project.item("search", visibility="internal")
    project.item("open-item", body="A public item.")
    result = project.run("build", "--audience", "public")
    assert result.code == 0, result.err


def test_one_word_ids_are_still_found_in_text_and_addresses(project: Project):
    project.item("zebraproject", visibility="internal")
    project.item("open-item", body="See [more](https://example.com/zebraproject/).")
    result = project.run("build", "--audience", "public")
    assert result.code == 1
    assert "items/open-item/index.html" in result.err and "'zebraproject'" in result.err
