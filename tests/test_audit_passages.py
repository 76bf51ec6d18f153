"""The audit knows the internal text: a run of words from any internal passage that reaches the
light site, and that no public text has, fails the build, naming where it came from.

Each kind of internal passage is written in a project, then planted in an audited folder (as a
stripper bug or an image's metadata would publish it); one goes through a real build.
"""

from __future__ import annotations

import re
from pathlib import Path

import material
import pytest

from conftest import ROOT, Project, new_project
from roadmap.audience import light_site_passages, public_markdown
from roadmap.audit import SHINGLE, Finding, audit
from roadmap.load import load
from roadmap.sites import PublicSite

THEME = Path(material.__file__).parent / "templates"
PUB = "content/roadmap/pub-item.md"
HIDDEN = "content/roadmap/hidden-item.md"

PUB_BODY = """\
Plan and schedule a job that spans several days as one piece of work.

!!! internal "Sales only"
    Lighthouse accounts get this three weeks early if they renew this quarter.

<!-- Reviewed with finance: the pricing stays flat until the autumn release. -->

Notes, photos and time roll up to the parent job.
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Project:
    project = new_project(tmp_path_factory.mktemp("passages") / "project")
    project.write(
        "content/roadmap/themes.yml",
        "core:\n  title: Core product\n  visibility: public\n"
        "secret-theme:\n  title: Hidden theme\n"
        "  summary: Everything we build for the two largest utilities next year.\n",
    )
    project.item(
        "pub-item",
        title="Multi-day jobs",
        summary="Plan a job that spans several days as one piece of work.",
        body=PUB_BODY,
        competitors="FieldCo ships this already but only for their enterprise tier customers.",
        customers=[
            {"name": "Ironbark", "note": "They lose the history of every job split by day."}
        ],
        sales={
            "pitch": "Lead with the invoicing story because finance signs off on renewals.",
            "questions": [{"q": "Can it bill per visit?", "a": "Yes from the first release on."}],
        },
        links=[{"title": "Design review notes for the parent job model", "url": "https://x.test"}],
    )
    project.item(
        "hidden-item",
        visibility="internal",
        theme="secret-theme",
        title="Ledger sync",
        summary="Sync invoices into the ledger.",
        body="We promised this to the two largest utilities before their next renewal.\n",
    )
    project.page(
        "pricing-notes.md",
        "Discounts above twenty percent need a second signature from the finance lead.\n",
        visibility="internal",
    )
    project.write(
        "content/playbook/objections.md",
        "---\ntitle: Objections\n---\n"
        "When they mention FieldCo, steer the call back to scheduling depth.\n",
    )
    project.write(
        "content/roadmap/strategy.yml",
        "priorities:\n  - title: Win the dispatch desk\n"
        "    why: Scheduling is where we win and lose mid-market deals every quarter.\n",
    )
    return project


@pytest.fixture(scope="module")
def passages(project: Project):
    return light_site_passages(load(project.content))


def leaked(tmp_path: Path, passages, text: str, allow=()) -> list[Finding]:
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "page.html").write_text(f"<html>\n<body>\n<p>{text}</p>\n</body>\n</html>\n")
    return audit(site, [], allow, internal=passages.internal, public=passages.public)


KINDS = [
    ("Lighthouse accounts get this three weeks early", "an internal block", f"{PUB}:23"),
    ("the pricing stays flat until the autumn release", "an HTML comment", f"{PUB}:26"),
    ("FieldCo ships this already but only for", "the competitors note", f"{PUB}:8"),
    ("they lose the history of every job", "a customer note", f"{PUB}:9"),  # the field's line
    ("lead with the invoicing story because finance", "a sales note", f"{PUB}:12"),
    ("yes from the first release on", "a sales note", f"{PUB}:12"),
    ("design review notes for the parent job", "an internal link", f"{PUB}:17"),
    ("we promised this to the two largest utilities", "an item not on the light site", HIDDEN),
    ("everything we build for the two largest", "an internal theme", "themes.yml:4"),
    ("discounts above twenty percent need a second", "an internal page", "pricing-notes.md:"),
    ("steer the call back to scheduling depth", "a playbook page", "objections.md:4"),
    ("Scheduling is where we win and lose mid-market deals", "the strategy", "strategy.yml:3"),
]


@pytest.mark.parametrize(("text", "what", "source"), KINDS, ids=[k[1] for k in KINDS])
def test_run_of_internal_words_on_the_light_site_is_found(
    tmp_path: Path, passages, text: str, what: str, source: str
):
    findings = leaked(tmp_path, passages, f"As we said: {text}, really.")
    lines = [str(f) for f in findings]
    assert len(lines) == 1, lines
    assert lines[0].startswith("page.html:3: the light site contains '"), lines
    assert f"a run of words of {what} (" in lines[0] and source in lines[0], lines
    assert "that no public text has" in lines[0]


def test_run_split_by_markup_and_disguised_is_found(tmp_path: Path, passages):
    text = "Lighthouse <b>accounts</b> get th\u00adis three&nbsp;weeks <i>early</i>"
    assert len(leaked(tmp_path, passages, text)) == 1


def test_fewer_words_than_a_run_are_not_a_finding(tmp_path: Path, passages):
    words = ["Lighthouse", "accounts", "get", "this", "three", "weeks", "early"][: SHINGLE - 1]
    assert leaked(tmp_path, passages, " ".join(words)) == []


def test_internal_words_also_in_public_text_are_not_a_finding(tmp_path: Path, passages):
    # The public body says it too: clients may read it.
    assert leaked(tmp_path, passages, "Notes, photos and time roll up to the parent job.") == []


def test_public_texts_side_by_side_are_not_a_finding(tmp_path: Path, project: Project):
    # A pitch that quotes the title then the summary: a card shows them side by side.
    project.item(
        "quoting",
        title="Crew scheduling board",
        summary="Drag whole crews onto jobs and see clashes at once.",
        sales={"pitch": "Crew scheduling board: drag whole crews onto jobs, the demo sells it."},
    )
    passages = light_site_passages(load(project.content))
    (project.content / "roadmap/quoting.md").unlink()
    text = "<h3>Crew scheduling board</h3><p>Drag whole crews onto jobs and see clashes</p>"
    assert leaked(tmp_path, passages, text) == []


# The text pre-strip is set aside when it would show more than the parser (here a comment
# glued to a setext underline): the body is then kept whole for the parser to decide. Public
# text is what the light site renders of a body, never the body as written.
SET_ASIDE = """\
A line
<!-- x -->===

{lead}

!!! internal
    {secret}

<!-- {comment} -->
"""


@pytest.mark.parametrize("where", ["item", "page"])
def test_a_body_kept_whole_for_the_parser_is_not_public_text(tmp_path: Path, where: str):
    secret = "Renewal credits go to the three accounts that complained in March."
    comment = "Finance wants the pricing page rewritten before the autumn launch."
    body = SET_ASIDE.format(lead="Public words about the feature.", secret=secret, comment=comment)
    project = new_project(tmp_path / "project")
    if where == "item":
        project.item("pub", body)
    else:
        project.page("about.md", body, visibility="public")
    passages = light_site_passages(load(project.content))
    assert public_markdown(body) == body  # the pre-strip is set aside
    for text in (secret, comment):
        assert len(leaked(tmp_path, passages, text)) == 1, text
    assert leaked(tmp_path, passages, "A line. Public words about the feature.") == []


def test_audit_allow_lets_a_phrase_through(tmp_path: Path, passages):
    text = "Lighthouse accounts get this three weeks early"
    assert leaked(tmp_path, passages, text, allow=[text]) == []


def test_one_finding_per_source_passage_and_file(tmp_path: Path, passages):
    block = "Lighthouse accounts get this three weeks early if they renew this quarter."
    findings = leaked(tmp_path, passages, f"{block}<br>\n{block}")
    assert len(findings) == 1 and findings[0].line == 3


def test_internal_run_in_a_published_svg_fails_the_build(project: Project, tmp_path: Path):
    clone = new_project(tmp_path / "clone", project.content)
    clone.write(
        "content/pages/img/plan.svg",
        '<svg xmlns="http://www.w3.org/2000/svg"><text>Lead with the invoicing story '
        "because finance signs off</text></svg>\n",
    )
    clone.page("plan.md", "The plan.\n\n![plan](img/plan.svg)\n", visibility="public")
    result = clone.run("build", "--audience", "public")
    assert result.code == 1, result.err
    assert any(
        line.startswith("media/")
        and "a run of words of a sales note (content/roadmap/pub-item.md:" in line
        for line in result.lines
    ), result.err
    assert "Traceback" not in result.err


# --- No false alarm on real content -------------------------------------------------------------


def test_sample_light_site_has_no_internal_run(sample: Project):
    """The sample content's internal text (sales notes, strategy, playbook, internal blocks)
    is known to the audit, and none of it is on its light site."""
    site = PublicSite(
        load(sample.content), [], [], fixed_text=["x"], theme_dirs=(THEME, ROOT / "overrides")
    )
    assert len(site.passages.internal) > 100
    kinds = {p.what for p in site.passages.internal}
    assert {"an internal block", "a sales note", "the strategy", "a playbook page"} <= kinds
    findings = audit(
        sample.site("public"),
        site.secrets,
        internal=site.passages.internal,
        public=site.public_text,
        trusted=set(),
    )
    assert findings == []


def test_strategy_entries_without_optional_fields_are_read(tmp_path: Path):
    """A priority without `why` (or an area without `approver`) is no passage, not a crash."""
    bare = new_project(tmp_path / "project")
    bare.item("x")
    bare.write("content/roadmap/strategy.yml", "priorities:\n  - title: Win the dispatch desk\n")
    passages = light_site_passages(load(bare.content))
    assert [(p.what, p.text) for p in passages.internal if p.what == "the strategy"] == [
        ("the strategy", "Win the dispatch desk")
    ]


def test_raw_html_a_browser_reads_otherwise_stops_the_build(tmp_path: Path):
    """The extension models how browsers nest raw HTML; where a browser's tree (Lexbor) puts
    public-looking text inside an internal element, the build stops and names the body."""
    project = new_project(tmp_path / "project")
    project.item("x", "Fine.\n")
    project.page(
        "about.md",
        '# About\n\nPublic.\n\n> <details class="internal"> notes <table>\n\n'
        "Renewal pricing for the two utilities stays flat.\n",
        visibility="public",
    )
    result = project.run("build", "--audience", "public")
    assert result.code == 1
    assert (
        "content/pages/about.md:10: a browser reads the raw HTML of this body otherwise than "
        "the build does: the light site would show 'renewal pricing for the two utilities'"
    ) in result.err, result.err
    assert "close each element with the class internal" in result.err
    assert not project.site("public").exists()


SHOWN_HEADS = {
    # The pre-strip is set aside (cutting the comment would make a link), so the parser alone
    # decides, and for it the block is code.
    "indented-code": (
        "See [docs]<!-- c -->(https://example.com/a).\n\nIntro:\n\n    code line\n"
        "    !!! internal\n        Margin talk.\n",
        6,
        "!!! internal",
    ),
    "github-alert": ("Fine.\n\n> [!INTERNAL]\n> Margin talk.\n", 3, "[!INTERNAL]"),
    "fenced-div": ("Fine.\n\n::: internal\nMargin talk.\n:::\n", 3, "::: internal"),
    "titled-in-code": (
        'Fine.\n\n    !!! note "Internal only"\n        Margin talk.\n',
        3,
        '!!! note "Internal only"',
    ),
}


@pytest.mark.parametrize("name", sorted(SHOWN_HEADS))
def test_an_internal_marker_shown_as_text_stops_the_build(tmp_path: Path, name: str):
    """A marker Markdown did not read as an internal block shows, with what follows it, as
    text on the light site: the author meant those lines for staff, so the build stops."""
    body, line, marker = SHOWN_HEADS[name]
    project = new_project(tmp_path / "project")
    project.item("x", body)
    result = project.run("build", "--audience", "public")
    assert result.code == 1, result.out
    first = project.root / "content/roadmap/x.md"
    body_line = first.read_text().split("\n").index("---", 1) + 2
    assert (
        f"content/roadmap/x.md:{body_line + line - 1}: '{marker}' shows on the light site as "
        "text (inside code, or in a syntax this Markdown does not read as a block)"
    ) in result.err, result.err
    assert not project.site("public").exists()


def test_markers_that_are_not_internal_and_fenced_code_build(tmp_path: Path):
    """A fence is code its author asked for: not refused (the pre-strip may still take it out)."""
    project = new_project(tmp_path / "project")
    project.item(
        "x",
        "Fine.\n\n    !!! note\n        In code.\n\n!!! internal\n    Hidden.\n\n"
        "```\n??? internal\n    Shown as code.\n```\n\n"
        "    !!! internal\n        Indented too far: the pre-strip takes it out.\n",
    )
    assert project.run("build", "--audience", "public").code == 0
    page = (project.site("public") / "items/x/index.html").read_text()
    text = re.sub(r"<[^>]+>", "", page)  # the highlighter wraps each word in a span
    assert "Fine." in text and "Indented too far" not in text
