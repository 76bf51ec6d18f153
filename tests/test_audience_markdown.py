"""The audience extension on its own, no MkDocs build: what the light site keeps of a body.

Cases are files: tests/cases/audience/<case>.md is a body, <case>.public.html the light site's
rendering of it. `ROADMAP_REGEN=1 pytest tests/test_audience_markdown.py` rewrites the .html
files on purpose; read the diff before committing it. In every case, SECRETnn words are inside
what the internal site shows as internal (checked) and PUBnn words are public.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import markdown
import pytest
import yaml

from roadmap.audience import public_markdown, strip_comments, strip_internal_blocks
from roadmap.audience_markdown import (
    LINE_SEPARATORS,
    SITE_EXTENSION_CONFIGS,
    SITE_EXTENSIONS,
    AudienceExtension,
    Passage,
    filter_html,
    first_heading,
    internal_passages,
    is_internal_word,
    misread_by_browsers,
    normalise_separators,
    render,
    starts_with_heading,
    with_audience,
)
from roadmap.yaml_source import read_front_matter, split_front_matter

ROOT = Path(__file__).resolve().parents[1]
CASES = sorted((Path(__file__).parent / "cases" / "audience").glob("*.md"))


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")  # byte-exact: CRLF and separators are cases


def _secrets(text: str) -> set[str]:
    return set(re.findall(r"SECRET\d+", text))


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_case(case: Path):
    source = _read(case)
    public = render(source, "public")
    golden = case.with_suffix(".public.html")
    if os.environ.get("ROADMAP_REGEN"):
        golden.write_text(public, encoding="utf-8")
    assert public == golden.read_text(encoding="utf-8")
    # Each SECRET is really internal (the internal site shows it as such) and never public,
    # with or without the text pre-strip in front; each PUB word stays.
    internal_text = " ".join(p.text for p in internal_passages(source))
    assert _secrets(source) <= _secrets(internal_text)
    assert not _secrets(public)
    assert not _secrets(render(public_markdown(source), "public"))
    for word in set(re.findall(r"PUB\d+", source)):
        assert word in public


def test_site_extensions_are_mkdocs_yml_ones():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    names = [e if isinstance(e, str) else next(iter(e)) for e in config["markdown_extensions"]]
    assert tuple(names) == SITE_EXTENSIONS
    configs = {
        k: v for e in config["markdown_extensions"] if isinstance(e, dict) for k, v in e.items()
    }
    assert configs == SITE_EXTENSION_CONFIGS


# --- Internal site -------------------------------------------------------------------------


def test_internal_site_marks_every_internal_element():
    html = render(
        '!!! Internal "A"\n    a\n\nb\n{ .INTERNAL }\n\n<DIV CLASS=INTERNAL>c</DIV>\n', "internal"
    )
    assert '<div class="admonition internal">' in html
    assert '<p class="INTERNAL internal">b</p>' in html
    assert '<div class="INTERNAL internal">c</DIV>' in html


def test_internal_site_keeps_comments_and_footnotes():
    html = render(
        "a[^x]\n\n<!-- note -->\n\n!!! internal\n    b[^y]\n\n[^x]: X\n[^y]: Y\n", "internal"
    )
    assert "<!-- note -->" in html and 'id="fn:y"' in html and 'id="fn:x"' in html


# --- The extension as a package entry point ------------------------------------------------


def test_loadable_by_name_with_an_audience():
    html = markdown.markdown(
        "!!! internal\n    secret\n\nkept",
        extensions=["admonition", "roadmap_audience"],
        extension_configs={"roadmap_audience": {"audience": "public"}},
    )
    assert html == "<p>kept</p>"


def test_unknown_audience_is_refused():
    with pytest.raises(ValueError, match="audience"):
        AudienceExtension(audience="clients")


def test_with_audience_replaces_one_given_in_the_config():
    given = ["admonition", "roadmap_audience", AudienceExtension(audience="internal")]
    out = with_audience(given, "public")
    assert out[0] == "admonition" and len(out) == 2
    assert out[1].getConfig("audience") == "public"


# --- Line separators -----------------------------------------------------------------------


def test_separators_are_every_splitlines_break_markdown_ignores():
    breaks = {chr(c) for c in range(0x110000) if len(f"a{chr(c)}b".splitlines()) == 2}
    assert breaks - {"\n", "\r"} == set(LINE_SEPARATORS)
    assert normalise_separators("a\u2028b\x0bc\x85d\ne") == "a b c d\ne"


@pytest.mark.parametrize("sep", list(LINE_SEPARATORS), ids=lambda s: f"U+{ord(s):04X}")
def test_front_matter_with_a_separator_reads_as_one_line(tmp_path: Path, sep: str):
    # PyYAML takes U+2028, U+2029 and U+0085 for line breaks and refuses the others; a
    # separator could also fake the closing '---' for splitlines(). Read as a space: no error.
    path = tmp_path / "x.md"
    path.write_text(f"---\ntitle: a{sep}---{sep}b\nvisibility: public\n---\nbody{sep}more\n")
    doc, body, body_line, problems = read_front_matter(path)
    assert problems == []
    assert doc.value == {"title": "a --- b", "visibility": "public"}
    assert (body, body_line) == ("body more\n", 5)


def test_split_front_matter_normalises_text_given_directly():
    split = split_front_matter("---\na: 1\u2028---\n---\n!!! internal\u2028x\n", Path("p.md"))
    assert split == ("a: 1 ---\n", 2, "!!! internal x\n", 4)


# --- The pre-strip is a second layer that never makes things worse -------------------------


@pytest.mark.parametrize(
    "body",
    [
        "> !!! internal\n>     SECRET1\n    SECRET2 lazy\n",
        "> !!! internal\n>     SECRET1\n\n>     SECRET2 joined quote\n",
        "> > !!! internal\n> >     SECRET1\n>     SECRET2 lazy in the outer quote\n",
        "!!! internal\n    SECRET1\n\n\n    SECRET2 after two blank lines\n",
        "!!! internal \u2028    SECRET1\n",
    ],
)
def test_pre_strip_removes_at_least_what_markdown_puts_in_the_block(body: str):
    assert not _secrets(render(public_markdown(body), "public"))
    assert not _secrets(public_markdown(body))


def test_pre_strip_is_dropped_when_it_would_show_more():
    # Found by the property test: cutting the comment takes the `!!! note` head with it, so
    # the note's body becomes an indented code block that shows the raw HTML as text.
    body = (
        "> <!-- c\n> d\n\n!!! note\n    e <!-- f -->\n\n"
        '    PUB <span class="internal">SECRET1</span>\n'
    )
    assert _secrets(render(strip_comments(strip_internal_blocks(body)), "public"))
    assert public_markdown(body) == body  # the parser alone decides
    assert not _secrets(render(public_markdown(body), "public"))


@pytest.mark.parametrize(
    "body",
    [
        "The text ![shot]<!-- for later -->(img/shot.png) stays text.\n",
        "The [plan]<!-- x -->(https://deals.example.com/plan) stays text.\n",
        '<img <!-- x --> src="shot.png">\n',
    ],
)
def test_pre_strip_is_dropped_when_it_would_make_a_link_or_an_image(body: str):
    """Cutting a comment can join text into a link or an image the parser never made (and
    publish the image): the same words, but an address used where there was none."""
    assert public_markdown(body) == body
    assert "<img" not in render(public_markdown(body), "public").replace("&lt;img", "")


def test_pre_strip_is_kept_when_it_only_removes():
    body = "a\n\n!!! internal\n    SECRET1\n\nb <!-- SECRET2 -->\n"
    assert public_markdown(body) == "a\n\n\nb \n"


def test_pre_strip_keeps_blank_lines_after_a_removed_block():
    assert strip_internal_blocks("a\n!!! internal\n    x\n\nb\n") == "a\n\nb\n"


# --- Raw HTML filter -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "kept"),
    [
        ('<p>a</p><div class="internal">x<div>y</div>z</div><p>b</p>', "<p>a</p><p>b</p>"),
        ('a<span class="internal">x<span>y</span>z</span>b', "ab"),
        ('a<img class="internal" src="x.png">b', "ab"),
        ('a<br class="internal"/>b', "ab"),
        ('a<span class="internal"/>x</span>b', "ab"),
        ('a<div class="internal">x', "a"),
        ("a<!-- x -->b<!---->c", "abc"),
        ("a<!-- never closed", "a"),
        ("a<!DOCTYPE x>b<?pi?>c", "abc"),
        ('a<div class="note&#x20;INTERNAL">x</div>b', "ab"),
        ("a<div class='\u0456nternal'>x</div>b", "ab"),
        ('a<div class="intern al">x</div>b', 'a<div class="intern al">x</div>b'),
        ('a<div class="internal-notes">x</div>b', 'a<div class="internal-notes">x</div>b'),
        # A browser reads a raw-text element's content as text: an end tag inside it ends
        # nothing, so none is trusted after one (red team of issue 7).
        ('a<span class="internal">x<textarea></span></textarea>SECRET</span>b', "a"),
        ('a<div class="internal"><noscript></div></noscript>SECRET</div>b', "a"),
        ('a<span class="internal"><title></span></title>SECRET</span>b', "a"),
        ('a<textarea><span class="internal"></textarea>b', "a<textarea>"),  # fail closed
    ],
)
def test_filter_html(html: str, kept: str):
    assert filter_html(html)[0] == kept


@pytest.mark.parametrize(
    "word",
    ["internal", "Internal", "INTERNAL", "in\u200bternal", "\u0456nternal", "internal:"]
    + ["\u00efnternal", "i\u0302nternal", "\uff49\uff4e\uff54\uff45\uff52\uff4e\uff41\uff4c"],
)
def test_words_read_as_internal(word: str):
    assert is_internal_word(word)


@pytest.mark.parametrize("word", ["internals", "not-internal", "intern", "external"])
def test_words_not_internal(word: str):
    assert not is_internal_word(word)


# Heads a reader takes for internal: invisible or non-breaking characters a paste leaves
# before the marker, a title that says so whatever the type (red team of issue 7).
@pytest.mark.parametrize(
    "head",
    [
        "\u200b!!! internal",
        "\u00a0!!! internal",
        "\ufeff??? internal",
        " \u2003???+ internal",
        '!!! warning "Internal"',
        '!!! note "Internal only: do not share"',
        '??? danger "INTERNAL-ONLY notes"',
        '!!! tip "\u0456nternal"',
    ],
)
def test_heads_read_as_internal(head: str):
    body = f"Public.\n\n{head}\n    SECRET words\n\nAfter.\n"
    public, internal = render(body, "public"), render(body, "internal")
    assert "SECRET" not in public and "Public." in public and "After." in public
    assert re.search(r'class="[^"]*\binternal\b[^"]*"[^>]*>\s*<(p|summary)', internal), internal


@pytest.mark.parametrize(
    "body",
    [
        'Pub <span class="internal">a <textarea></span></textarea> SECRET</span> end.\n',
        'Pub <em class="internal">a <xmp></em></xmp> SECRET</em> end.\n',
        'Pub <span class="internal">a <script></span></script> SECRET</span> end.\n',
    ],
)
def test_raw_text_element_inside_an_internal_one(body: str):
    """Inline raw HTML reaches the parser one tag at a time: an end tag after a raw-text
    element opened inside an internal one may be text to a browser, so it ends nothing."""
    assert "SECRET" not in render(body, "public") and "Pub" in render(body, "public")


@pytest.mark.parametrize(
    "head",
    ['!!! note "Not internal"', '!!! note "Internals of the sync engine"', "    !!! internal"],
)
def test_heads_not_internal(head: str):
    body = f"{head}\n    PUBLIC words\n"
    assert "PUBLIC" in render(body, "public")


# --- Titles --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "title"),
    [
        ("# Plain\n\ntext", "Plain"),
        ("Setext\n======\n\ntext", "Setext"),
        ("<!--\n# SECRET comment heading\n-->\n# Real", "Real"),
        ("!!! internal\n    # SECRET heading\n\n# Real", "Real"),
        ('<div class="internal" markdown>\n# SECRET\n</div>\n\n# Real', "Real"),
        ("# A <span class='internal'>SECRET</span> title", "A title"),
        ("# Tom &amp; Jerry", "Tom & Jerry"),
        ("> # Quoted heading\n\ntext", None),
        ("text only", None),
    ],
)
def test_first_heading_of_the_stripped_rendering(body: str, title: str | None):
    assert first_heading(render(body, "public")) == title


def test_starts_with_heading():
    assert starts_with_heading(render("# A\n\ntext", "public"))
    assert starts_with_heading(render("<!-- c -->\n\n# A", "public"))
    assert not starts_with_heading(render("text\n\n# A", "public"))


# --- internal_passages ---------------------------------------------------------------------


def test_internal_passages_text_and_lines():
    body = (
        "Public intro.\n"
        "\n"
        '!!! internal "Engineering notes"\n'
        "    Halyard depends on sync.[^dep]\n"
        "\n"
        "- item\n"
        "\n"
        "    ??? internal\n"
        "        Nested in a list.\n"
        "\n"
        'Text <span class="internal">inline aside</span>.\n'
        "\n"
        "<!-- a comment -->\n"
        "\n"
        "[^dep]: Only the block uses this footnote.\n"
    )
    assert internal_passages(body) == [
        Passage("Engineering notes Halyard depends on sync. 1", 3),
        Passage("Internal Nested in a list.", 9),
        # What the light site drops runs on across the comment and the footnote after it.
        Passage("inline aside a comment Only the block uses this footnote.", 11),
    ]


def test_internal_passages_of_a_public_body_is_empty():
    assert internal_passages("# Title\n\nAll public.[^a]\n\n[^a]: Note.\n") == []


# --- Raw HTML as browsers read it ----------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        # A table inside an internal element: the end tags of the blocks around it end nothing.
        '> <details class="internal"> notes <table>\n\nSECRET after the quote\n',
        # A block that closes the paragraph, then an internal element beside it.
        'Text <dl> <sup class="internal">\n\nSECRET in the next paragraph\n',
        # A heading inside an internal element inside a heading.
        '## <nav class="internal"> <h2> <article class="internal">\n\nSECRET para\n',
    ],
)
def test_raw_html_a_browser_reads_otherwise_is_named(body: str):
    """Where the extension's model of raw HTML and a browser's tree disagree, the words the
    light site would show that the internal site shows as internal are named."""
    assert "SECRET" in render(body, "public")  # what the extension alone would publish
    found = misread_by_browsers(body)
    assert found is not None and "secret" in found.text


@pytest.mark.parametrize(
    "body",
    [
        "Plain *text*, `code`, [a link](https://example.com) and ![an image](x.png).\n",
        "A[^b] B[^a]\n\n!!! internal\n    C[^a] SECRET\n\n[^a]: one\n[^b]: two\n",
        'Intro <div class="internal">\n\nSECRET\n\n</div>\n\nOutro.\n',
        'See [x][r].\n\n!!! internal\n    [r]: https://a.example "SECRET"\n',
        "<script>var x = 1;</script>\n\n<textarea>t <b>x</b></textarea>\n\n<!-- SECRET -->\n",
        '| a | b |\n|---|---|\n| 1 | <span class="internal">SECRET</span> |\n',
        "Term\n:   !!! internal\n        SECRET\n\n- item\n\n    ??? internal\n        SECRET\n",
    ],
)
def test_bodies_browsers_read_as_the_extension_does(body: str):
    assert misread_by_browsers(body) is None


@pytest.mark.parametrize(
    "blocks",
    [
        "!!! internal\n    SECRET1\n\n",
        "!!! internal\n    SECRET1\n\n??? internal\n    SECRET2\n\n<!-- SECRET3 -->\n\n",
        '<div class="internal">SECRET1</div>\n\n<details class="internal">SECRET2</details>\n\n',
        "SECRET1\n{ .internal }\n\n",
    ],
)
def test_the_light_page_says_nothing_of_how_many_blocks_it_dropped(blocks: str):
    """Byte for byte the page of the same body without them: no blank line per dropped block
    (nor per dropped footnote) that would count them in the page source."""
    body = "Before.[^a]\n\n{}- item\n\n{}After.\n\n{}[^a]: Note.\n"
    with_blocks = body.format(blocks, blocks, blocks.replace("SECRET1", "SECRET1[^b]"))
    with_blocks += "[^b]: SECRET4 only a dropped block uses it.\n"
    assert render(with_blocks, "public") == render(body.format("", "", ""), "public")


def test_an_abbreviation_defined_inside_an_internal_block_titles_nothing():
    """abbr is not in mkdocs.yml, but a site may add it: its definitions hold for the whole
    document too, so one made (or undone) inside an internal block changes nothing outside."""
    extensions = [*SITE_EXTENSIONS, "abbr"]
    body = (
        "*[SSO]: Single sign-on\n\nSSO and SCIM for ACME.\n\n"
        '!!! internal\n    *[ACME]: SECRET1 the renewal at risk\n    *[SSO]: ""\n'
    )
    public = render(body, "public", extensions)
    assert "SECRET1" not in public and '<abbr title="Single sign-on">SSO</abbr>' in public
    assert "SECRET1" in render(body, "internal", extensions)
