"""The leak audit: forbidden words planted in public content make the light build fail.

A clean project is built once; each test works on a copy of it (site included), plants a word,
rebuilds the light site and expects exit 1, a line naming the output file, the word and its
origin, and the previous site/public/ byte for byte as it was. The audit's own pieces
(decode, Matcher, audit) are tested directly at the end, without a build; how it reads each
file type is in test_audit_reading.py, what it knows of internal text in test_audit_passages.py.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
from pathlib import Path

import pytest

from conftest import Project, Result, all_files, image_bytes, new_project, pixels, site_text
from roadmap.audience import Secret
from roadmap.audit import Finding, Matcher, audit, decode, trusted_files
from specimens import png

HIDDEN = "content/roadmap/secret-ledger-sync.md"
PAUSED = "content/roadmap/paused-router.md"
ITEM_PAGE = "items/public-item/index.html"


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Project:
    """A light site built from clean content, next to an internal item full of secrets."""
    project = new_project(tmp_path_factory.mktemp("audit") / "project")
    project.item("public-item", body="A public body about scheduling.\n")
    project.item(
        "secret-ledger-sync",
        title="Project Nightjar",
        summary="Ledger sync for one big account.",
        visibility="internal",
        theme="secret-theme",
        owner="Dana Whitlock",
        customers=[
            {"name": "Acme Corp", "arr": 120000},
            {"name": "Summit"},
            {"name": "Ærøskøbing Foods"},
            {"name": "山田商事"},
            {"name": "Müller Café"},
        ],
    )
    project.item("paused-router", title="Bulk Route Optimizer", status="paused")
    result = project.run("build", "--audience", "public")
    assert result.code == 0, result.err
    return project


@pytest.fixture
def project(clean: Project, tmp_path: Path) -> Project:
    """A copy of the clean project, with its built site/public/."""
    root = tmp_path / "project"
    shutil.copytree(clean.root, root, symlinks=True)
    return Project(root)


def snapshot(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in all_files(site)}


def plant(project: Project, body: str, **fields) -> None:
    project.item("public-item", body=body, **fields)


def build_refused(project: Project, *, file: str, word: str, origin: str) -> Result:
    """Build the light site; assert it is refused for `word` in `file`, the old site intact."""
    before = snapshot(project.site("public"))
    assert before, "the clean site should be there before the test"
    result = project.run("build", "--audience", "public")
    assert result.code == 1, result.err
    assert "Traceback" not in result.err
    named = [
        line
        for line in result.lines
        if line.startswith(f"{file}:") and f"'{word}'" in line and origin in line
    ]
    assert named, f"no line names {file}, '{word}' and {origin!r}:\n{result.err}"
    assert snapshot(project.site("public")) == before
    return result


# --- What the audit looks for -------------------------------------------------------------------

KINDS = [
    pytest.param("Halcyon", "Runs on Halcyon.", "confidential_terms", id="confidential-term"),
    pytest.param("Acme Corp", "Built with Acme Corp.", f"customer name ({HIDDEN}:", id="customer"),
    pytest.param("Dana Whitlock", "Ask Dana Whitlock.", f"owner name ({HIDDEN}:", id="owner"),
    pytest.param(
        "Project Nightjar",
        "Part of Project Nightjar.",
        f"title of an item not on the light site ({HIDDEN}:",
        id="internal-title",
    ),
    pytest.param(
        "secret-ledger-sync",
        "See secret-ledger-sync.",
        f"id of an item not on the light site ({HIDDEN}:",
        id="internal-id",
    ),
    pytest.param(
        "Bulk Route Optimizer",
        "Pairs well with the Bulk Route Optimizer.",
        f"title of an item not on the light site ({PAUSED}:",
        id="paused-title",
    ),
]


@pytest.mark.parametrize(("word", "body", "origin"), KINDS)
def test_forbidden_word_in_public_text_fails_the_build(
    project: Project, word: str, body: str, origin: str
):
    project.configure(confidential_terms=["Halcyon"])
    plant(project, body + "\n")
    build_refused(project, file=ITEM_PAGE, word=word, origin=origin)


def test_failed_build_leaves_no_staging_folder_behind(project: Project):
    plant(project, "Built with Acme Corp.\n")
    build_refused(project, file=ITEM_PAGE, word="Acme Corp", origin="customer name")
    assert sorted(p.name for p in (project.root / "site").iterdir()) == ["public"]


# --- The same word in disguise ------------------------------------------------------------------

CUSTOMER = f"customer name ({HIDDEN}:"


def test_word_as_html_entities(project: Project):
    plant(project, "Built with &#65;cme&#32;Corp and &#x41;CME Corp.\n")
    build_refused(project, file=ITEM_PAGE, word="Acme Corp", origin=CUSTOMER)


def test_word_as_json_unicode_escape_in_roadmap_json(project: Project):
    # A literal backslash-u in a public title lands in roadmap.json as "\\u0041cme Corp".
    plant(project, "Body.\n", title="Works with \\u0041cme Corp")
    raw = "\\u0041cme Corp"
    assert raw in (project.content / "roadmap/public-item.md").read_text()
    build_refused(project, file="roadmap.json", word="Acme Corp", origin=CUSTOMER)


def test_non_ascii_name_escaped_in_the_search_index(project: Project):
    # The search index is JSON with \u escapes for non-ASCII letters: Ærøskøbing -> \u00c6r...
    plant(project, "Loved by Ærøskøbing Foods.\n")
    build_refused(
        project, file="search/search_index.json", word="Ærøskøbing Foods", origin=CUSTOMER
    )


def test_word_url_encoded_in_a_link(project: Project):
    plant(project, "Try [this search](https://example.com/?q=Acme%20Corp).\n")
    build_refused(project, file=ITEM_PAGE, word="Acme Corp", origin=CUSTOMER)


def test_word_split_by_inline_markup(project: Project):
    # `**Acme** Corp` renders as <strong>Acme</strong> Corp: the words are apart in the HTML,
    # together in the search index's text.
    plant(project, "Built with **Acme** Corp.\n")
    build_refused(project, file="search/search_index.json", word="Acme Corp", origin=CUSTOMER)


def test_word_joined_by_underscores(project: Project):
    plant(project, "Built with Acme_Corp.\n")
    build_refused(project, file=ITEM_PAGE, word="Acme Corp", origin=CUSTOMER)


def test_word_in_mixed_case(project: Project):
    plant(project, "Built with aCmE cOrP.\n")
    build_refused(project, file=ITEM_PAGE, word="Acme Corp", origin=CUSTOMER)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("Built with Ac\u00adme Corp.", id="soft-hyphen"),
        pytest.param("Built with Ac&shy;me Corp.", id="soft-hyphen-entity"),
        pytest.param("Built with Ac\u200bme Co\u200drp.", id="zero-width"),
        pytest.param("Built with Ac&#8205;me Corp.", id="zero-width-joiner-entity"),
        pytest.param("Built with Acme<br>Corp.", id="split-by-a-tag"),
        pytest.param("Built with A<span></span>cme Corp.", id="split-inside-a-word"),
        pytest.param(
            "Built with \uff21\uff43\uff4d\uff45 \uff23\uff4f\uff52\uff50.", id="full-width"
        ),
        pytest.param("Built with \u0410\u0441m\u0435 \u0421\u043erp.", id="cyrillic-look-alikes"),
        pytest.param("Built with \u0391cme C\u03bfrp.", id="greek"),
        pytest.param('Built with <abbr title="Acme Corp">them</abbr>.', id="in-an-attribute"),
    ],
)
def test_word_in_disguise_in_public_text(project: Project, body: str):
    plant(project, body + "\n")
    build_refused(project, file=ITEM_PAGE, word="Acme Corp", origin=CUSTOMER)


def test_word_in_nfd_form(project: Project):
    plant(project, "Loved by Mu\u0308ller Cafe\u0301.\n")
    build_refused(project, file=ITEM_PAGE, word="Müller Café", origin=CUSTOMER)


def test_cjk_name_inside_a_sentence_without_spaces(project: Project):
    plant(project, "弊社は山田商事と契約しました。\n")
    build_refused(project, file=ITEM_PAGE, word="山田商事", origin=CUSTOMER)


def test_word_in_an_image_s_metadata_is_dropped_before_the_audit(project: Project):
    """Images are re-encoded from their pixels (media.py), so a name in a PNG text chunk never
    reaches the site; that the audit reads such chunks is test_audit_reading's business."""
    project.write("content/pages/img/team.png", png(text=b"Shot for Acme Corp"))
    project.page("team.md", "Our team.\n\n![team](img/team.png)\n", visibility="public")
    result = project.run("build", "--audience", "public")
    assert result.code == 0, result.err
    (image,) = (project.site("public") / "media").iterdir()
    assert b"Acme" not in image.read_bytes()


def test_word_in_a_file_name(project: Project):
    project.page("acme-corp.md", "Our partners.\n", title="Partners", visibility="public")
    result = build_refused(project, file="acme-corp/index.html", word="Acme Corp", origin=CUSTOMER)
    assert any(
        line.startswith("acme-corp/index.html:") and "(in the file name)" in line
        for line in result.lines
    ), result.err


def test_image_named_after_a_customer_is_published_under_a_neutral_name(project: Project):
    # Files a public page uses are renamed to a content hash under media/: the name never
    # reaches the site, so there is nothing for the audit to refuse.
    logo = image_bytes()
    project.write("content/pages/img/acme-corp-logo.png", logo)
    project.page(
        "partners.md", "Our partners.\n\n![logo](img/acme-corp-logo.png)\n", visibility="public"
    )
    result = project.run("build", "--audience", "public")
    assert result.code == 0, result.err
    site = project.site("public")
    paths = " ".join(p.relative_to(site).as_posix() for p in site.rglob("*"))
    assert "acme" not in paths.casefold()
    assert "acme-corp-logo" not in site_text(site).casefold()
    media = [pixels(p.read_bytes()) for p in (site / "media").iterdir()]
    assert media == [pixels(logo)]


# --- audit_allow --------------------------------------------------------------------------------


def test_customer_named_like_a_common_word_fails_without_audit_allow(project: Project):
    plant(project, "Reach the summit of scheduling.\n")
    build_refused(project, file=ITEM_PAGE, word="Summit", origin=CUSTOMER)


def test_customer_named_like_a_common_word_builds_once_allowed(project: Project):
    project.configure(audit_allow=["Summit"])
    plant(project, "Reach the summit of scheduling.\n")
    result = project.run("build", "--audience", "public")
    assert result.code == 0, result.err
    assert "Reach the summit" in (project.site("public") / ITEM_PAGE).read_text()


def test_audit_allow_lets_only_the_listed_word_through(project: Project):
    project.configure(audit_allow=["Summit"])
    plant(project, "Reach the summit with Acme Corp.\n")
    result = build_refused(project, file=ITEM_PAGE, word="Acme Corp", origin=CUSTOMER)
    assert "'Summit'" not in result.err


# --- The audit's pieces, without a build ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain Acme Corp", "plain Acme Corp"),
        ("&#65;cme", "Acme"),
        ("&#x41;cme", "Acme"),
        ("Acme&nbsp;Corp", "Acme\xa0Corp"),
        ("Tom &amp; Jerry", "Tom & Jerry"),
        ("\\u0041cme", "Acme"),
        ("\\u00c6r\\u00f8", "Ærø"),
        ("a\\/b", "a/b"),
        ("Acme%20Corp", "Acme Corp"),
        ("%41cme", "Acme"),
        ("&amp;#65;cme", "Acme"),  # double HTML escaping
        ("%2541cme", "Acme"),  # double URL encoding
        ("\\\\u0041cme", "\\Acme"),  # JSON-escaped backslash before a \u escape
        ("&#x25;41cme", "Acme"),  # an entity that spells URL encoding
    ],
)
def test_decode(text: str, expected: str):
    assert decode(text) == expected


def secrets(*words: str) -> list[Secret]:
    return [Secret(w, f"origin of {w}") for w in words]


def found(matcher: Matcher, text: str) -> list[str]:
    return sorted({s.word for _, s in matcher.find(text)})


def test_matcher_finds_phrases_across_case_punctuation_and_lines():
    m = Matcher(secrets("Acme Corp"))
    assert found(m, "ACME corp") == ["Acme Corp"]
    assert found(m, "acme-corp") == ["Acme Corp"]
    assert found(m, "Acme\n  Corp") == ["Acme Corp"]


def test_matcher_matches_whole_words_only():
    m = Matcher(secrets("Acme", "Summit"))
    assert found(m, "Acmeville SuperAcme summitry") == []
    assert found(m, "the Acme summit") == ["Acme", "Summit"]


def test_matcher_needs_every_word_of_a_phrase_in_order():
    m = Matcher(secrets("Bulk Route Optimizer"))
    assert found(m, "bulk route") == []
    assert found(m, "route bulk optimizer") == []
    assert found(m, "the bulk route optimizer.") == ["Bulk Route Optimizer"]


def test_matcher_phrases_sharing_a_first_word():
    m = Matcher(secrets("Project Nightjar", "Project Kestrel"))
    assert found(m, "project kestrel and project nightjar") == [
        "Project Kestrel",
        "Project Nightjar",
    ]


def test_matcher_gives_word_offsets():
    m = Matcher(secrets("Acme Corp"))
    assert [offset for offset, _ in m.find("one two Acme Corp")] == [2]


def test_matcher_allow_list_is_case_insensitive_and_exact():
    m = Matcher(secrets("Summit", "Summit Partners"), allow=["SUMMIT"])
    assert found(m, "summit") == []
    assert found(m, "Summit Partners") == ["Summit Partners"]


def test_matcher_ignores_secrets_without_words():
    m = Matcher(secrets("", "  ", "--"))
    assert found(m, "anything -- at all") == []


def test_matcher_non_ascii_words():
    m = Matcher(secrets("Ærøskøbing Foods"))
    assert found(m, "ærøskøbing FOODS") == ["Ærøskøbing Foods"]
    assert found(m, "\\u00c6r\\u00f8sk\\u00f8bing Foods") == ["Ærøskøbing Foods"]


def test_matcher_sees_words_joined_by_underscores():
    m = Matcher(secrets("Acme Corp", "secret-ledger-sync"))
    assert found(m, "Acme_Corp secret_ledger_sync") == ["Acme Corp", "secret-ledger-sync"]


def test_matcher_cjk_words_need_no_spaces_latin_ones_do():
    m = Matcher(secrets("山田商事", "Acme"))
    assert found(m, "弊社は山田商事と契約") == ["山田商事"]
    assert found(m, "山田商") == []
    assert found(m, "株式会社Acme") == ["Acme"]
    assert found(m, "Acmeville") == []


def test_matcher_is_linear_in_phrases_sharing_words():
    # The old matcher compared every phrase starting with a word at each occurrence of it.
    m = Matcher(secrets(*(f"common word{i}" for i in range(2000))))
    assert found(m, "common " * 1000 + "common word1999") == ["common word1999"]


def test_audit_reads_contents_names_and_gzip(tmp_path: Path):
    site = tmp_path / "site"
    (site / "acme-corp").mkdir(parents=True)
    (site / "acme-corp" / "index.html").write_text("<p>clean</p>\n")
    (site / "page.html").write_text("line one\nline two &#65;cme Corp\n")
    (site / "sitemap.xml.gz").write_bytes(gzip.compress(b"<loc>Project Nightjar</loc>"))
    findings = audit(site, secrets("Acme Corp", "Project Nightjar"))
    in_names = [(f.file, f.word) for f in findings if f.origin.endswith("(in the file name)")]
    assert in_names == [("acme-corp/index.html", "Acme Corp")]
    in_contents = [(f.file, f.line, f.word) for f in findings if f.origin == f"origin of {f.word}"]
    assert in_contents == [("page.html", 2, "Acme Corp"), ("sitemap.xml.gz", 1, "Project Nightjar")]


def test_audit_trusts_a_theme_file_only_at_its_own_path(tmp_path: Path):
    site = tmp_path / "site"
    site.mkdir()
    data = b"vendor bundle mentioning Acme Corp"
    (site / "bundle.js").write_bytes(data)
    (site / "acme-corp.js").write_bytes(data)  # the same bytes under another name: not trusted
    trusted = {("bundle.js", hashlib.sha256(data).hexdigest())}
    findings = audit(site, secrets("Acme Corp"), trusted=trusted)
    assert [(f.file, f.origin) for f in findings] == [
        ("acme-corp.js", "origin of Acme Corp"),
        ("acme-corp.js", "origin of Acme Corp (in the file name)"),
    ]


def test_audit_allow(tmp_path: Path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("Reach the summit with Acme Corp")
    findings = audit(site, secrets("Summit", "Acme Corp"), allow=["summit"])
    assert [f.word for f in findings] == ["Acme Corp"]


def test_finding_line_names_file_word_and_origin():
    line = str(Finding("items/x/index.html", 12, "Acme Corp", "a customer name (c.md:3)"))
    assert line.startswith("items/x/index.html:12: ")
    assert "'Acme Corp'" in line and "a customer name (c.md:3)" in line


def test_an_id_behind_a_public_title_is_found_as_a_whole_segment_only(tmp_path: Path):
    """The internal id behind a public title names the item only as a whole segment of an
    address: `items/offline/` does, `items/offline-mode/` (its public address) does not."""
    site = tmp_path / "site"
    (site / "items/offline-mode").mkdir(parents=True)
    page = site / "index.html"
    secret = Secret("offline", "the internal id behind a public one", False, whole_segment=True)
    page.write_text('<a href="items/offline-mode/">Offline mode</a> works offline.\n')
    assert audit(site, [secret]) == []
    page.write_text('<a href="items/offline-mode/">x</a>\n<a href="feedback?item=offline">y</a>\n')
    assert [(f.file, f.line, f.word) for f in audit(site, [secret])] == [
        ("index.html", 2, "offline")
    ]
    (site / "items/offline").mkdir()
    (site / "items/offline/index.html").write_text("<p>Hello</p>\n")
    assert ("items/offline/index.html", 1, "offline") in [
        (f.file, f.line, f.word) for f in audit(site, [secret])
    ]


def test_trusted_files_are_the_sites_files_the_theme_holds_at_the_same_path(tmp_path: Path):
    """Only the site's files are looked up in the theme's folders (not all of Material's): each
    is named with the digest of the theme's copy, from every folder that holds one, so the
    audit and the seal check trust a site file only byte for byte."""
    theme, override, site = tmp_path / "theme", tmp_path / "override", tmp_path / "site"
    for folder, files in {
        theme: {"assets/app.js": b"theme", "assets/unused.js": b"never copied", "404.html": b"t"},
        override: {"assets/app.js": b"override"},
        site: {"assets/app.js": b"changed on its way", "index.html": b"page", "404.html": b"x"},
    }.items():
        for rel, data in files.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_bytes(data)
    sha = lambda data: hashlib.sha256(data).hexdigest()  # noqa: E731
    assert trusted_files((theme, override), site) == {
        ("assets/app.js", sha(b"theme")),
        ("assets/app.js", sha(b"override")),
        ("404.html", sha(b"t")),
    }
