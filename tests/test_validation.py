"""Every kind of bad content `roadmap check` must reject, one test per kind.

Each test asserts exit code 1, the exact `path:line: message; hint` line on stderr (the line
number is where a product manager would look), and no traceback. Items written with
`project.item("x", **fields)` have their front matter on these lines:

    1 ---   2 title   3 summary   4 visibility   5 status   6 horizon   7 theme   8+ extra fields
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest

from conftest import BASE_THEMES, Project

ITEM = "content/roadmap/x.md"
THEMES = "content/roadmap/themes.yml"
STRATEGY = "content/roadmap/strategy.yml"
ITEM_FIELDS = (
    "title, summary, visibility, status, horizon, theme, tags, shipped, release_notes, target, "
    "target_shareable, commitment, confidence, priority, owner, customers, competitors, "
    "depends_on, links, last_reviewed, public, sales, share_with"
)


def problem_lines(err: str) -> list[str]:
    """The `path:line: message` lines of stderr, without the command's own summary lines."""
    return [line for line in err.splitlines() if line.strip() and not line.startswith("roadmap:")]


def assert_rejected(project: Project, *expected: str | re.Pattern):
    """`roadmap check` exits 1, prints exactly these problem lines in this order, writes nothing.

    A str must match a line exactly, a compiled pattern must match it whole.
    """
    site = project.root / "site"
    had_site = site.exists()
    result = project.run("check")
    for stream in (result.out, result.err):
        assert "Traceback" not in stream
        assert "internal error" not in stream
    assert result.code == 1, result.err
    lines = problem_lines(result.err)
    assert len(lines) == len(expected), result.err
    for line, want in zip(lines, expected, strict=True):
        if isinstance(want, re.Pattern):
            assert want.fullmatch(line), f"{line!r} does not match {want.pattern!r}"
        else:
            assert line == want
    assert site.exists() == had_site
    return result


def raw_item(project: Project, item_id: str = "x", **raw: str) -> Path:
    """A valid public item whose given fields hold YAML text exactly as written (not dumped)."""
    path = project.item(item_id, **{name: f"RAW-VALUE-OF-{name}" for name in raw})
    text = path.read_text(encoding="utf-8")
    for name, value in raw.items():
        text = text.replace(f"RAW-VALUE-OF-{name}", value)
    path.write_text(text, encoding="utf-8")
    return path


# --- Success path ----------------------------------------------------------------------------


def test_valid_content_passes_and_writes_nothing(project: Project):
    """Every field used correctly, every file kind present: no false positives."""
    project.item(
        "full-item",
        body="Body text.\n",
        tags=["beta", "mobile"],
        target="2027-Q1",
        commitment="committed",
        confidence="medium",
        priority=1,
        owner="Ann Lee",
        customers=[{"name": "Acme", "arr": 120000, "note": "wants it"}, {"name": "Bolt"}],
        competitors="Others do it worse.",
        depends_on=["other-item"],
        links=[{"title": "Spec", "url": "https://example.com/spec"}],
        last_reviewed=date.today().isoformat(),  # a stale one is a warning (test_authoring)
        public={"title": "Public title", "summary": "Public summary."},
        sales={"pitch": "Pitch.", "avoid": "Dates.", "questions": [{"q": "When?", "a": "Soon."}]},
    )
    project.item("other-item", folder="sub", visibility="ask-first", target="2026-12-31")
    project.item("shipped-item", status="shipped", horizon=None, shipped="2026-01-15")
    project.item("cancelled-item", status="cancelled", horizon=None, visibility=None)
    project.item("secret-item", theme="secret-theme", visibility="internal", status="paused")
    project.write(
        STRATEGY,
        "priorities:\n  - title: Retention\n    why: Churn.\n"
        "flexible:\n  - area: Dates\n    can_bend: a quarter\n    approver: Head of product\n",
    )
    project.page("about.md", "# About\n", visibility="internal", description="About us.")
    project.write("content/playbook/index.md", "---\ntitle: Playbook\n---\nHow we sell.\n")
    project.write("content/playbook/objections.md", "---\n---\n# Objections\n")

    result = project.run("check")

    assert result.code == 0, result.err
    assert result.err == ""
    assert "5 items (2 on the light site)" in result.out
    assert not (project.root / "site").exists()


# --- Files that are not valid front matter / YAML --------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        pytest.param(
            {"title": '"Faster sync'},
            re.compile(rf"{ITEM}:2: invalid YAML: .*quot.*", re.I),
            id="unclosed-quote",
        ),
        pytest.param(
            {"owner": "Ann: the boss"},
            f"{ITEM}:8: invalid YAML: mapping values are not allowed in this context;"
            " a value containing ': ' must be quoted",
            id="colon-in-value",
        ),
        pytest.param(
            {"owner": "Ann\n   competitors: none"},
            re.compile(rf"{ITEM}:9: invalid YAML: .*indent.*"),
            id="key-indented-too-deep",
        ),
        pytest.param(
            {"public": "\n    title: A\n  summary: B"},
            re.compile(rf"{ITEM}:10: invalid YAML: .*indent.*"),
            id="key-indented-too-shallow",
        ),
        pytest.param(
            {"owner": "Ann\n\tcompetitors: none"},
            f"{ITEM}:9: invalid YAML: found a tab character that violates indentation;"
            " indent with spaces, not tabs",
            id="tab-before-key",
        ),
        pytest.param(
            {"tags": "\n\t- beta"},
            re.compile(rf"{ITEM}:9: invalid YAML: .*; indent with spaces, not tabs"),
            id="tab-before-list-entry",
        ),
    ],
)
def test_malformed_yaml(project: Project, raw: dict, expected):
    raw_item(project, **raw)
    assert_rejected(project, expected)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("# Just a heading\n\ntitle: X\n", id="markdown-only"),
        pytest.param("", id="empty-file"),
        pytest.param("\n---\ntitle: X\n---\n", id="blank-line-before-dashes"),
    ],
)
def test_file_without_front_matter(project: Project, text: str):
    project.write(ITEM, text)
    assert_rejected(
        project,
        f"{ITEM}:1: no front matter; start the file with a '---' line, then the YAML fields,"
        " then another '---' line",
    )


def test_front_matter_not_closed(project: Project):
    project.write(ITEM, "---\ntitle: T\nsummary: S.\n\nThe body, but no closing line.\n")
    assert_rejected(
        project,
        f"{ITEM}:1: front matter is not closed; end the YAML fields with a line holding only '---'",
    )


def test_front_matter_that_is_a_list(project: Project):
    project.write(ITEM, "---\n- title: T\n- summary: S.\n---\n")
    assert_rejected(project, f"{ITEM}:2: front matter must be 'key: value' fields; see README")


def test_non_mapping_key(project: Project):
    raw_item(project, owner="Ann\n[a, b]: c")
    assert_rejected(project, f"{ITEM}:9: a key must be plain text")


@pytest.mark.parametrize(
    "rel, data, line",
    [
        pytest.param(ITEM, b"---\ntitle: Caf\xe9\nsummary: S.\n---\n", 2, id="item"),
        pytest.param("content/pages/x.md", b"---\ntitle: X\n---\n\nCaf\xe9\n", 5, id="page"),
        pytest.param(
            THEMES,
            b"core:\n  title: Core\n  summary: Caf\xe9\n  visibility: public\n",
            3,
            id="themes",
        ),
    ],
)
def test_non_utf8_file(project: Project, rel: str, data: bytes, line: int):
    project.write(rel, data)
    assert_rejected(project, f"{rel}:{line}: not valid UTF-8 text; save the file as UTF-8")


def test_duplicate_yaml_key(project: Project):
    raw_item(project, owner="Ann\ntitle: Second title")
    assert_rejected(
        project, f"{ITEM}:9: duplicate key 'title'; each key may appear once; remove one of them"
    )


# --- Item fields -----------------------------------------------------------------------------


def test_misspelt_key_suggests_the_right_one(project: Project):
    project.item("x", titel="Typo")
    assert_rejected(project, f"{ITEM}:8: unknown field 'titel'; did you mean 'title'?")


def test_unknown_key_lists_the_allowed_ones(project: Project):
    project.item("x", jira_ticket="CRW-123")
    assert_rejected(
        project, f"{ITEM}:8: unknown field 'jira_ticket'; expected one of: {ITEM_FIELDS}"
    )


@pytest.mark.parametrize(
    "field, bad, good, line",
    [
        ("status", "planed", "planned", 5),
        ("horizon", "latr", "later", 6),
        ("visibility", "publik", "public", 4),
        ("commitment", "commited", "committed", 8),
        ("confidence", "hgh", "high", 8),
    ],
)
def test_wrong_choice_suggests_the_right_one(
    project: Project, field: str, bad: str, good: str, line: int
):
    project.item("x", **{field: bad})
    assert_rejected(
        project, f"{ITEM}:{line}: {field}: '{bad}' is not allowed; did you mean '{good}'?"
    )


@pytest.mark.parametrize(
    "value, message",
    [
        ("2026-13-01", "'2026-13-01' is not a real date; check the month and day"),
        ("2026-02-30", "'2026-02-30' is not a real date; check the month and day"),
        ("next week", "'next week' is not a date; write it as YYYY-MM-DD"),
    ],
)
def test_bad_date(project: Project, value: str, message: str):
    project.item("x", last_reviewed=value)
    assert_rejected(project, f"{ITEM}:8: last_reviewed: {message}")


def test_bad_shipped_date(project: Project):
    project.item("x", status="shipped", horizon=None, shipped="2026-02-30")
    assert_rejected(
        project, f"{ITEM}:7: shipped: '2026-02-30' is not a real date; check the month and day"
    )


def test_bad_quarter(project: Project):
    project.item("x", target="2026-Q5")
    assert_rejected(
        project,
        f"{ITEM}:8: target: '2026-Q5' is not a quarter; write it as YYYY-Qn with n from 1 to 4",
    )


@pytest.mark.parametrize(
    "raw, line, message",
    [
        pytest.param(
            {"title": "42"},
            2,
            "title: must be text, not a number; put the value in quotes",
            id="title-number",
        ),
        pytest.param(
            {"title": "yes"},
            2,
            "title: must be text, not a yes/no value; put the value in quotes",
            id="title-yes",
        ),
        pytest.param({"title": '""'}, 2, "title: must not be empty", id="title-empty"),
        pytest.param(
            {"priority": "high"},
            8,
            "priority: must be a whole number, not text; write digits only, no units",
            id="priority-text",
        ),
        pytest.param(
            {"priority": '"1"'},
            8,
            "priority: must be a whole number, not text; write digits only, no units",
            id="priority-quoted-digits",
        ),
        pytest.param({"priority": "0"}, 8, "priority: must be 1 or more", id="priority-zero"),
        pytest.param(
            {"priority": "true"},
            8,
            "priority: must be a whole number, not a yes/no value; write digits only, no units",
            id="priority-bool",
        ),
        pytest.param(
            {"tags": "{a: 1}"},
            8,
            "tags: must be a list, not a set of fields; write one '- entry' per line",
            id="tags-mapping",
        ),
        pytest.param(
            {"customers": "Acme"},
            8,
            "customers: must be a list, not text; write one '- entry' per line",
            id="customers-text",
        ),
        pytest.param(
            {"customers": "\n  - arr: 5000"},
            9,
            "missing required field 'name' in customers; add 'name: ...'",
            id="customer-without-name",
        ),
        pytest.param(
            {"customers": "\n  - name: Acme\n    arr: lots"},
            10,
            "customers.arr: must be a number, not text; write digits only, no units",
            id="customer-arr-text",
        ),
        pytest.param(
            {"links": "\n  - title: Spec"},
            9,
            "missing required field 'url' in links; add 'url: ...'",
            id="link-without-url",
        ),
        pytest.param(
            {"links": "\n  - title: Spec\n    url: ftp://files.example.com/spec"},
            10,
            "links.url: 'ftp://files.example.com/spec' is not a web address;"
            " start it with https://",
            id="link-not-http",
        ),
        pytest.param(
            {"public": "\n  title: 42"},
            9,
            "public.title: must be text, not a number; put the value in quotes",
            id="public-title-number",
        ),
        pytest.param(
            {"sales": "\n  questions:\n    - q: When?"},
            10,
            "missing required field 'a' in sales.questions; add 'a: ...'",
            id="sales-question-without-answer",
        ),
    ],
)
def test_wrong_type(project: Project, raw: dict, line: int, message: str):
    raw_item(project, **raw)
    assert_rejected(project, f"{ITEM}:{line}: {message}")


@pytest.mark.parametrize("field", ["title", "summary", "status", "theme"])
def test_missing_required_field(project: Project, field: str):
    project.item("x", **{field: None})
    assert_rejected(project, f"{ITEM}:2: missing required field '{field}'; add '{field}: ...'")


def test_missing_horizon_when_not_shipped(project: Project):
    project.item("x", horizon=None)
    assert_rejected(
        project,
        f"{ITEM}:5: missing required field 'horizon' (status is planned);"
        " add 'horizon: now', 'next' or 'later'",
    )


def test_shipped_without_date(project: Project):
    project.item("x", status="shipped", horizon=None)
    assert_rejected(
        project,
        f"{ITEM}:5: status is shipped but there is no 'shipped' date; add 'shipped: YYYY-MM-DD'",
    )


def test_shipped_date_with_other_status(project: Project):
    project.item("x", shipped="2026-01-15")
    assert_rejected(
        project,
        f"{ITEM}:8: a shipped date is set but status is planned;"
        " set 'status: shipped' or remove the date",
    )


# --- Item ids and files ----------------------------------------------------------------------


def test_duplicate_id_in_two_folders(project: Project):
    project.item("x", folder="a")
    project.item("x", folder="b")
    assert_rejected(
        project,
        "content/roadmap/b/x.md:1: duplicate id 'x': content/roadmap/a/x.md has it too;"
        " ids come from file names and must be unique across content/roadmap/",
    )


@pytest.mark.parametrize(
    "name, suggestion",
    [("Upper Case.md", "upper-case.md"), ("new_feature.md", "new-feature.md")],
)
def test_bad_file_name(project: Project, name: str, suggestion: str):
    project.write(f"content/roadmap/{name}", "---\ntitle: T\n---\n")
    assert_rejected(
        project,
        f"content/roadmap/{name}:1: '{name}' is not a valid item id;"
        f" ids use lowercase letters, digits and hyphens: rename it {suggestion}",
    )


@pytest.mark.parametrize("rel", ["content/roadmap/notes.yml", "content/roadmap/sub/x.yaml"])
def test_unexpected_yaml_file_in_roadmap(project: Project, rel: str):
    project.write(rel, "anything: 1\n")
    assert_rejected(
        project,
        f"{rel}:1: unexpected YAML file;"
        " content/roadmap/ holds themes.yml, strategy.yml and items (.md)",
    )


# --- References between items and themes -----------------------------------------------------


def test_dangling_theme_suggests_the_right_one(project: Project):
    project.item("x", theme="cor")
    assert_rejected(
        project, f"{ITEM}:7: unknown theme 'cor'; did you mean 'core'? (themes are in themes.yml)"
    )


def test_public_item_in_internal_theme(project: Project):
    project.item("x", theme="secret-theme")
    assert_rejected(
        project,
        f"{ITEM}:4: a public item cannot sit in the internal theme 'secret-theme';"
        " make the theme public in themes.yml or this item internal",
    )


def test_depends_on_unknown_item(project: Project):
    project.item("search-filters")
    project.item("x", depends_on=["search-filter"])
    assert_rejected(
        project,
        f"{ITEM}:8: depends_on: unknown item 'search-filter'; did you mean 'search-filters'?",
    )


def test_depends_on_itself(project: Project):
    project.item("x", depends_on=["x"])
    assert_rejected(project, f"{ITEM}:8: an item cannot depend on itself")


def test_depends_on_cycle(project: Project):
    project.item("a", depends_on=["b"])
    project.item("b", depends_on=["a"])
    assert_rejected(
        project,
        "content/roadmap/a.md:8: depends_on makes a cycle: a -> b -> a;"
        " an item cannot depend on itself, even through others",
    )


# --- themes.yml and strategy.yml -------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param(
            None,
            f"{THEMES}:1: themes.yml not found;"
            " create it: a mapping from theme id to {title, summary, visibility}",
            id="missing",
        ),
        pytest.param(
            "core:\n  title: Core\n\tvisibility: public\n",
            f"{THEMES}:3: invalid YAML: found a tab character that violates indentation;"
            " indent with spaces, not tabs",
            id="tab",
        ),
        pytest.param(
            "- core\n- other\n",
            f"{THEMES}:1: themes.yml must map theme ids to their fields;"
            " write 'my-theme:' then an indented 'title: ...'",
            id="list",
        ),
    ],
)
def test_themes_file_unusable(project: Project, text: str | None, expected: str):
    """The items are fine; only themes.yml is reported (no cascade of 'unknown theme')."""
    project.item("x")
    if text is None:
        (project.content / "roadmap/themes.yml").unlink()
    else:
        project.write(THEMES, text)
    assert_rejected(project, expected)


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param(
            "core:\n  title: Core\n  visibility: public\n  colour: teal\n",
            f"{THEMES}:4: unknown field 'colour'; expected one of: title, summary, visibility",
            id="unknown-field",
        ),
        pytest.param(
            "core:\n  title: Core\n  visiblity: public\n",
            f"{THEMES}:3: unknown field 'visiblity'; did you mean 'visibility'?",
            id="misspelt-field",
        ),
        pytest.param(
            "core:\n  title: Core\n  visibility: publik\n",
            f"{THEMES}:3: core.visibility: 'publik' is not allowed; did you mean 'public'?",
            id="bad-visibility",
        ),
        pytest.param(
            "core:\n  summary: No title.\n  visibility: public\n",
            f"{THEMES}:1: missing required field 'title' in core; add 'title: ...'",
            id="missing-title",
        ),
        pytest.param(
            "core: Core product\n",
            f"{THEMES}:1: theme 'core' must have fields; indent 'title: ...' under the id",
            id="no-fields",
        ),
    ],
)
def test_theme_with_bad_field(project: Project, text: str, expected: str):
    """The theme is declared, only broken: its items must not be told it does not exist."""
    project.write(THEMES, text)
    project.item("x")
    assert_rejected(project, expected)


@pytest.mark.parametrize(
    "theme_id, line",
    [("Bad Theme", 4), ("big_data", 4), ("-edge", 4)],
)
def test_bad_theme_id(project: Project, theme_id: str, line: int):
    project.write(
        THEMES, f"core:\n  title: Core\n  visibility: public\n{theme_id}:\n  title: Other\n"
    )
    assert_rejected(
        project,
        f"{THEMES}:{line}: '{theme_id}' is not a valid theme id;"
        " ids use lowercase letters, digits and hyphens",
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param(
            "priorities:\n  - title: Retention\nflexibel:\n  - area: Dates\n",
            f"{STRATEGY}:3: unknown field 'flexibel'; did you mean 'flexible'?",
            id="unknown-field",
        ),
        pytest.param(
            "priorities: 5\n",
            f"{STRATEGY}:1: priorities: must be a list, not a number; write one '- entry' per line",
            id="priorities-number",
        ),
        pytest.param(
            "priorities:\n  - title: Retention\n    why: 3\n",
            f"{STRATEGY}:3: priorities.why: must be text, not a number; put the value in quotes",
            id="why-number",
        ),
        pytest.param(
            "flexible:\n  - can_bend: a quarter\n",
            f"{STRATEGY}:2: missing required field 'area' in flexible; add 'area: ...'",
            id="flexible-without-area",
        ),
        pytest.param(
            "- Retention\n",
            f"{STRATEGY}:1: strategy.yml must have 'priorities:' and 'flexible:' lists",
            id="list",
        ),
    ],
)
def test_bad_strategy(project: Project, text: str, expected: str):
    project.write(STRATEGY, text)
    assert_rejected(project, expected)


# --- Pages and playbook ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "front, expected",
    [
        pytest.param(
            "title: X\nvisiblity: public\n",
            "content/pages/x.md:3: unknown field 'visiblity'; did you mean 'visibility'?",
            id="misspelt-key",
        ),
        pytest.param(
            "title: X\nstatus: public\n",
            "content/pages/x.md:3: unknown field 'status';"
            " expected one of: title, description, visibility",
            id="unknown-key",
        ),
        pytest.param(
            "title: X\nvisibility: ask-first\n",
            "content/pages/x.md:3: visibility: 'ask-first' is not allowed;"
            " expected one of: public, internal",
            id="bad-visibility",
        ),
        pytest.param(
            "title: X\nvisibility: pubic\n",
            "content/pages/x.md:3: visibility: 'pubic' is not allowed; did you mean 'public'?",
            id="misspelt-visibility",
        ),
    ],
)
def test_bad_page_front_matter(project: Project, front: str, expected: str):
    project.write("content/pages/x.md", f"---\n{front}---\nText.\n")
    assert_rejected(project, expected)


@pytest.mark.parametrize("rel", ["content/pages/notes.md", "content/playbook/objections.md"])
def test_page_without_front_matter(project: Project, rel: str):
    """Every content file starts with front matter, pages too: a plain Markdown file is more
    likely a page whose fields were lost than one meant to be internal."""
    project.write(rel, "# Objections\n\nWhat clients push back on.\n")
    assert_rejected(
        project,
        f"{rel}:1: no front matter; start the file with a '---' line, then the YAML fields,"
        " then another '---' line",
    )


def test_playbook_page_with_visibility(project: Project):
    project.write("content/playbook/objections.md", "---\ntitle: X\nvisibility: public\n---\n")
    assert_rejected(
        project,
        "content/playbook/objections.md:3: playbook pages have no visibility;"
        " they are always internal; remove the line",
    )


@pytest.mark.parametrize(
    "rel, name",
    [
        ("items/x.md", "items"),
        ("themes/index.md", "themes"),
        ("shipped.md", "shipped.md"),
        ("shipped/index.md", "shipped"),
        ("Shipped.md", "Shipped.md"),  # one file with shipped.md on a case-insensitive disk
        ("ITEMS/x.md", "ITEMS"),
        ("sitemap.xml.md", "sitemap.xml.md"),
        ("roadmap.json.md", "roadmap.json.md"),
        ("roadmap.schema.json.md", "roadmap.schema.json.md"),
        ("feed.xml.md", "feed.xml.md"),
        ("404.md", "404.md"),
        ("search/index.md", "search"),
        ("search.md", "search.md"),
        ("media/x.md", "media"),
        ("assets/x.markdown", "assets"),
        ("timeline.md", "timeline.md"),
        ("playbook.md", "playbook.md"),
    ],
)
def test_page_path_taken_by_generated_pages(project: Project, rel: str, name: str):
    project.page(rel, "Text.\n", title="X", visibility="public")
    assert_rejected(
        project,
        f"content/pages/{rel}:1: '{name}' is a name the generated pages use;"
        " rename or move this page",
    )


@pytest.mark.parametrize(
    "first, second",
    [
        ("about.md", "about/index.md"),
        ("about.md", "About.md"),
        ("team/index.md", "team/README.md"),
        ("Guide/setup.md", "guide/setup.md"),
    ],
)
def test_two_pages_at_one_address(project: Project, first: str, second: str):
    project.page(first, "Text.\n", title="A", visibility="public")
    project.page(second, "Text.\n", title="B", visibility="public")
    later = max(first, second)
    assert_rejected(
        project,
        f"content/pages/{later}:1: this page lands at the same address as"
        f" content/pages/{min(first, second)}; rename or move one of them (names differing only"
        " in case, or 'x.md' and 'x/index.md', share an address)",
    )


def test_readme_would_be_the_home_page(project: Project):
    project.page("README.md", "Text.\n", title="Readme", visibility="public")
    assert_rejected(
        project,
        "content/pages/README.md:1: 'README.md' would be the home page;"
        " rename it; the text above the home page's board is pages/index.md",
    )


def test_playbook_pages_at_one_address(project: Project):
    project.write("content/playbook/calls.md", "---\ntitle: A\n---\n")
    project.write("content/playbook/calls/index.md", "---\ntitle: B\n---\n")
    assert_rejected(
        project,
        "content/playbook/calls/index.md:1: this page lands at the same address as"
        " content/playbook/calls.md; rename or move one of them (names differing only in case,"
        " or 'x.md' and 'x/index.md', share an address)",
    )


# --- Local links and images ------------------------------------------------------------------


@pytest.mark.parametrize(
    "rel, body, expected",
    [
        pytest.param(
            ITEM,
            "Intro.\n\nSee [the spec](spec.md).\n",
            f"{ITEM}:11: 'spec.md' not found; check the path, relative to this file",
            id="item-link-to-missing-file",
        ),
        pytest.param(
            ITEM,
            "Intro.\n\nSee [config](../../mkdocs.yml).\n",
            f"{ITEM}:11: '../../mkdocs.yml' points outside content/;"
            " only files under content/ can be published",
            id="item-link-outside-content",
        ),
        pytest.param(
            "content/pages/about.md",
            "\n![Flow](img/flow.png)\n",
            "content/pages/about.md:5: 'img/flow.png' not found;"
            " check the path, relative to this file",
            id="page-image-missing",
        ),
    ],
)
def test_broken_local_reference(project: Project, rel: str, body: str, expected: str):
    if rel == ITEM:
        project.item("x", body=body)  # front matter on lines 1-8, body from line 9
    else:
        project.write(rel, f"---\ntitle: About\n---\n{body}")  # body from line 4
    assert_rejected(project, expected)


# --- YAML beyond plain values ----------------------------------------------------------------

TAG_HINT = "remove it: write plain text, numbers, yes/no, lists and 'key: value' fields"


@pytest.mark.parametrize(
    "raw, expected",
    [
        pytest.param(
            {"owner": "!secret ann"},
            f"{ITEM}:8: the YAML tag '!secret' is not supported; {TAG_HINT}",
            id="custom-tag",
        ),
        pytest.param(
            {"owner": "!!python/object/apply:os.system ['true']"},
            f"{ITEM}:8: the YAML tag '!!python/object/apply:os.system' is not supported;"
            f" {TAG_HINT}",
            id="python-object",
        ),
        pytest.param(
            {"owner": "!!binary QW5u"},
            f"{ITEM}:8: the YAML tag '!!binary' is not supported; {TAG_HINT}",
            id="binary",
        ),
        pytest.param(
            {"tags": "!!set {beta, mobile}"},
            f"{ITEM}:8: the YAML tag '!!set' is not supported; {TAG_HINT}",
            id="set",
        ),
        pytest.param(
            {"tags": "!!omap [a: 1]"},
            f"{ITEM}:8: the YAML tag '!!omap' is not supported; {TAG_HINT}",
            id="omap",
        ),
        pytest.param(
            {"last_reviewed": "!!timestamp 2026-01-01"},
            f"{ITEM}:8: the YAML tag '!!timestamp' is not supported; {TAG_HINT}",
            id="timestamp",
        ),
        pytest.param(
            {"priority": "!!int high"},
            f"{ITEM}:8: 'high' is not a valid int; remove the '!!int' tag",
            id="int-tag-on-text",
        ),
        pytest.param(
            {"owner": "="},
            f"{ITEM}:8: a value of '=' must be quoted; write '='",
            id="bare-equals",
        ),
        pytest.param(
            {"sales": "\n  <<: {pitch: Faster.}"},
            f"{ITEM}:9: YAML merge keys ('<<') are not supported; write each field out in full",
            id="merge-key-inline",
        ),
        pytest.param(
            {"sales": "&base\n  pitch: Faster.\npublic:\n  <<: *base"},
            f"{ITEM}:11: YAML merge keys ('<<') are not supported; write each field out in full",
            id="merge-key-alias",
        ),
        pytest.param(
            {"tags": "&t [a, b]\ncompetitors: *t"},
            f"{ITEM}:9: YAML aliases ('*name') are not supported;"
            " write the value out in full; if '*' starts a text, put the text in quotes",
            id="alias",
        ),
        pytest.param(
            {"tags": "&t [*t, *t]"},
            f"{ITEM}:8: YAML aliases ('*name') are not supported;"
            " write the value out in full; if '*' starts a text, put the text in quotes",
            id="recursive-alias",
        ),
    ],
)
def test_yaml_beyond_plain_values(project: Project, raw: dict, expected: str):
    """Each is refused at its line; the rest of the file is not read some other way."""
    raw_item(project, **raw)
    assert_rejected(project, expected)


def test_yaml_tag_in_themes_and_strategy(project: Project):
    project.write(THEMES, BASE_THEMES.replace("title: Core product", "title: !vault core"))
    project.write(STRATEGY, "priorities:\n  - title: Retention\n    why: !!binary QQ==\n")
    project.item("x")
    assert_rejected(
        project,
        f"{STRATEGY}:3: the YAML tag '!!binary' is not supported; {TAG_HINT}",
        f"{THEMES}:2: the YAML tag '!vault' is not supported; {TAG_HINT}",
    )


def test_plain_yaml_extras_still_read(project: Project):
    """An explicit `!!str`, an anchor nobody refers to, a quoted '*' or '<<': plain values."""
    raw_item(project, owner="!!str 1234", competitors="&note Nobody.", tags="['*star', '<<']")
    result = project.run("check")
    assert result.code == 0, result.err


# --- Titles and summaries are plain text -----------------------------------------------------

PLAIN = (
    "'<' and '>' are not allowed: titles and summaries are plain text;"
    " write it in words ('under 5 minutes', 'more than 10 sites')"
)


@pytest.mark.parametrize(
    "rel, text, expected",
    [
        pytest.param(
            ITEM, {"title": "Faster <b>sync</b>"}, f"{ITEM}:2: title: {PLAIN}", id="item-title"
        ),
        pytest.param(
            ITEM, {"summary": "Loads in <5 s."}, f"{ITEM}:3: summary: {PLAIN}", id="item-summary"
        ),
        pytest.param(
            ITEM,
            {"public": {"title": "</title><script>alert(1)</script>"}},
            f"{ITEM}:9: public.title: {PLAIN}",
            id="public-title",
        ),
        pytest.param(
            ITEM,
            {"public": {"summary": "More -> better"}},
            f"{ITEM}:9: public.summary: {PLAIN}",
            id="public-summary",
        ),
        pytest.param(
            "content/pages/about.md",
            {"title": "About <us>"},
            f"content/pages/about.md:3: title: {PLAIN}",
            id="page-title",
        ),
        pytest.param(
            "content/pages/about.md",
            {"title": "About", "description": '"><script>x</script>'},
            f"content/pages/about.md:4: description: {PLAIN}",
            id="page-description",
        ),
        pytest.param(
            THEMES,
            "core:\n  title: Core > all\n  visibility: public\n",
            f"{THEMES}:2: core.title: {PLAIN}",
            id="theme-title",
        ),
    ],
)
def test_markup_in_titles_and_summaries(project: Project, rel: str, text, expected: str):
    if rel == ITEM:
        project.item("x", **text)
    elif rel == THEMES:
        project.write(THEMES, text)
        project.item("x")
    else:
        project.page("about.md", "Text.\n", visibility="public", **text)
    assert_rejected(project, expected)


# --- Light-site ids --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "items, expected",
    [
        pytest.param(
            [
                ("x", {"public": {"title": "Offline mode"}}),
                ("y", {"public": {"id": "offline-mode"}}),
            ],
            "content/roadmap/y.md:8: the light-site id 'offline-mode' (from public.id) is already"
            " taken by content/roadmap/x.md; set a different 'id: ...' under public:",
            id="public-id-vs-public-title",
        ),
        pytest.param(
            [("offline-mode", {}), ("x", {"public": {"title": "Offline mode!"}})],
            f"{ITEM}:8: the light-site id 'offline-mode' (from public.title) is already taken by"
            " content/roadmap/offline-mode.md; set a different 'id: ...' under public:",
            id="public-title-vs-item-id",
        ),
        pytest.param(
            [("codename", {"visibility": "internal"}), ("x", {"public": {"id": "codename"}})],
            f"{ITEM}:8: the light-site id 'codename' (from public.id) is already taken by"
            " content/roadmap/codename.md; set a different 'id: ...' under public:",
            id="public-id-names-a-hidden-item",
        ),
        pytest.param(
            [("x", {"public": {"title": "日本語"}})],
            f"{ITEM}:8: public.title has no letters or digits to make the item's light-site id;"
            " add 'id: ...' under public: (lowercase letters, digits and hyphens)",
            id="title-without-latin-letters",
        ),
        pytest.param(
            [("x", {"public": {"id": "Offline Mode"}})],
            f"{ITEM}:9: public.id: 'Offline Mode' is not an id;"
            " ids use lowercase letters, digits and hyphens",
            id="bad-public-id",
        ),
    ],
)
def test_light_site_id_problems(project: Project, items: list, expected: str):
    for item_id, fields in items:
        project.item(item_id, **fields)
    assert_rejected(project, expected)


def test_light_site_ids_may_match_their_own_item(project: Project):
    project.item("offline-mode", public={"title": "Offline mode"})
    project.item("x", public={"id": "x", "title": "Something else"})
    project.item("hidden", visibility="internal", public={"id": "offline-mode"})
    result = project.run("check")
    assert result.code == 0, result.err


# --- File names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rel, shown",
    [
        pytest.param(b"content/roadmap/caf\xe9.md", r"content/roadmap/caf\xe9.md", id="item"),
        pytest.param(b"content/pages/img/\xff.png", r"content/pages/img/\xff.png", id="image"),
        pytest.param(b"content/notes\xfe/a.md", r"content/notes\xfe", id="folder"),
    ],
)
def test_file_name_not_utf8(project: Project, rel: bytes, shown: str):
    path = project.root / os.fsdecode(rel)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"---\ntitle: T\n---\n")
    assert_rejected(
        project,
        f"{shown}:1: the file name is not valid UTF-8;"
        " rename it; names must be UTF-8 text, as git and editors write them",
    )


# --- Many problems at once -------------------------------------------------------------------


def test_every_problem_in_every_file_is_reported_sorted(project: Project):
    # Lines 5, 8, 9, 11 of one item: numeric order, not text order ("11" < "5").
    project.item("a", status="planed", priority=0, tags={"a": 1}, owner=5)
    raw_item(project, "b", owner="Ann: the boss")
    project.item("c", theme="nope", folder="sub")
    project.write("content/roadmap/notes.yml", "a: 1\n")
    project.write(
        THEMES,
        "core:\n  title: Core\n  visibility: public\n"
        "secret-theme:\n  title: Secret\n"
        "core:\n  title: Again\n",
    )
    project.write(STRATEGY, "priorities: 5\n")
    project.write("content/pages/x.md", "---\ntitle: X\nvisiblity: public\n---\n")
    project.write("content/playbook/p.md", "---\nvisibility: internal\n---\n")

    result = assert_rejected(
        project,
        "content/pages/x.md:3: unknown field 'visiblity'; did you mean 'visibility'?",
        "content/playbook/p.md:2: playbook pages have no visibility;"
        " they are always internal; remove the line",
        "content/roadmap/a.md:5: status: 'planed' is not allowed; did you mean 'planned'?",
        "content/roadmap/a.md:8: priority: must be 1 or more",
        "content/roadmap/a.md:9: tags: must be a list, not a set of fields;"
        " write one '- entry' per line",
        "content/roadmap/a.md:11: owner: must be text, not a number; put the value in quotes",
        "content/roadmap/b.md:8: invalid YAML: mapping values are not allowed in this context;"
        " a value containing ': ' must be quoted",
        "content/roadmap/notes.yml:1: unexpected YAML file;"
        " content/roadmap/ holds themes.yml, strategy.yml and items (.md)",
        "content/roadmap/strategy.yml:1: priorities: must be a list, not a number;"
        " write one '- entry' per line",
        "content/roadmap/sub/c.md:7: unknown theme 'nope'; expected one of: core, secret-theme"
        " (themes are in themes.yml)",
        "content/roadmap/themes.yml:6: duplicate key 'core';"
        " each key may appear once; remove one of them",
    )
    assert "roadmap: 11 problem(s) in content/" in result.err


# --- Build -----------------------------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_build_refuses_bad_content_and_keeps_the_previous_sites(project: Project):
    project.item("x")
    project.item("secret-item", theme="secret-theme", visibility="internal")
    first = project.run("build")
    assert first.code == 0, first.err
    before = {a: snapshot(project.site(a)) for a in ("public", "internal")}
    assert before["public"] and before["internal"]

    project.item("x", status="planed")
    expected = f"{ITEM}:5: status: 'planed' is not allowed; did you mean 'planned'?"
    check = assert_rejected(project, expected)
    for args in (
        ("build",),
        ("build", "--audience", "public"),
        ("build", "--audience", "internal"),
    ):
        result = project.run(*args)
        assert result.code == 1, args
        assert problem_lines(result.err) == problem_lines(check.err) == [expected]
        assert "Traceback" not in result.out + result.err
        for audience in ("public", "internal"):
            assert snapshot(project.site(audience)) == before[audience], (args, audience)
    assert sorted(p.name for p in (project.root / "site").iterdir()) == ["internal", "public"]
