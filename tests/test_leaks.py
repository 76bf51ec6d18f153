"""The light site built from a corpus of leak vectors: nothing internal in any byte or file name.

tests/fixtures/leaky/content/ plants one marker string per vector (LEAKnn_...) in everything the
light site must not show, and POSOK_... markers in what it must show. The corpus is built once
for this module, with a repository URL, edit links and a site URL switched on in mkdocs.yml.
"""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import material
import pytest
import yaml
from PIL import Image, ImageOps, ImageStat

from conftest import PASSWORD, Project, Result, all_files, new_project, site_text
from roadmap.crypto import open_keyring
from roadmap.seal import open_page

CORPUS = Path(__file__).parent / "fixtures" / "leaky" / "content"
THEME_DIR = Path(material.__file__).parent / "templates"
PLUGIN_ASSETS = Path(__file__).resolve().parents[1] / "plugins" / "roadmap" / "assets"
SITE_URL = "https://roadmap.example.com/"
BUILD_EPOCH = int(datetime(2026, 5, 4, tzinfo=UTC).timestamp())

# What the corpus puts on the light site, by construction.
PUBLIC_ITEMS = {
    "field-notes",
    "dated-target",
    "posok-title-override-smarter-quotes",  # override-title.md: its public title, not its id
    "shipped-thing",
    "public-links",
    "order-one",
    "order-two",
    "order-three",
    "p7-item-vectors",
}
PUBLIC_THEMES = ["zz-field", "aa-office"]  # themes.yml order, not alphabetical
P7_PAGES = [
    "p7-separators",
    "p7-containers",
    "p7-lazy-quotes",
    "p7-footnotes",
    "p7-raw-html",
    "p7-attr-list",
    "p7-nested",
    "p7-heads",
    "p7-title-comment",
    "p7-title-internal",
    "p7-crlf",
]
# Red team of issue 7 (rt7-*): vectors the first fixes let through.
RT7_PAGES = ["rt7-definitions", "rt7-hoisted", "rt7-media", "rt7-heads", "rt7-prestrip"]
PUBLIC_PAGES = {
    "",
    "about/",
    *(f"{p}/" for p in P7_PAGES),
    *(f"{p}/" for p in RT7_PAGES),
    "f7-media/",
    "shipped/",
    "changes/",
    "themes/",
    *(f"horizons/{h}/" for h in ("now", "next", "later")),  # every card of a horizon
    *(f"items/{i}/" for i in PUBLIC_ITEMS),
    *(f"themes/{t}/" for t in PUBLIC_THEMES),
}
# Raster images public pages show; published re-encoded, so compared by what they show.
PUBLIC_IMAGES = {
    CORPUS / "roadmap/img/public-item-shot.png",
    CORPUS / "pages/img/public-diagram.png",
    *(
        CORPUS / "pages/img" / name
        for name in (
            "f7-exif-photo.jpg",
            "f7-text-chunks.png",
            "f7-animated.gif",
            "f7-meta.webp",
            "f7-srcset-a.png",
            "f7-srcset-b.png",
            "f7-upper.PNG",
            "f7 space ünï.png",
        )
    ),
}
PUBLIC_SVGS = {CORPUS / "pages/img/f7-drawing.svg", CORPUS / "pages/img/rt7-hidden-layers.svg"}
HIDDEN_TITLES = [
    "LEAK28_TITLE",
    "LEAK29_TITLE",
    "LEAK30_TITLE",
    "LEAK31_TITLE",
    "LEAK32_TITLE",
    "LEAK33_TITLE",
    "LEAK33B_TITLE",
    "LEAK10_DEPTITLE",
    "LEAK47_TITLE",
    "LEAK48_TITLE",
    "LEAK57_TITLE",
    "LEAK60_TITLE",
    "LEAK61_TITLE",
    "LEAK44_INTERNALTITLE",
    "LEAK49_PUBLICTITLE",
    "LEAK34_THEMETITLE",
    "LEAK35_DEFAULTTHEMETITLE",
    "LEAK35_PAGETITLE",
    "LEAK36_PAGETITLE",
    "LEAK37_PLAYBOOKTITLE",
    "LEAK37_TALKTRACKTITLE",
    "CLIENT01_TITLE",
]

# One vector per row: its name, and strings none of which may appear (case-insensitive) in any
# byte or path of site/public/. Vectors without a text field carry a distinctive value instead;
# class names are written as in HTML attributes, since the plugin's shared CSS names them all.
VECTORS = [
    ("01-target-quarter", ["2039-q3", "q3 2039", "2039"]),
    # a committed date sales may share (target_shareable) is still never on the light site
    ("02-target-date", ["2041-11-29", "29 november 2041", "november 2041", "2041"]),
    (
        "03-commitment",
        ["rm-commit rm-commit--", '"commitment"', "you may promise", "do not promise"],
    ),
    ("04-confidence", ["confidence"]),
    ("05-priority", ['class="rm-priority"', '"priority"', ">p7<", "not ranked"]),
    ("06-owner", ["leak05_owner"]),
    ("07-customer-name", ["leak06_customer", 'class="rm-customers"']),
    ("08-customer-arr", ["987654", "987,654", "987 654"]),
    ("09-customer-note", ["leak08_custnote"]),
    ("10-competitors", ["leak09_competitor"]),
    ("11-depends-on-hidden-item", ["leak10", ">depends on<", ">needed by<"]),
    ("12-links-title", ["leak11_linktitle"]),
    ("13-links-url", ["leak12-linkurl"]),
    ("14-last-reviewed", ["2037-06-23", "23 june 2037", "june 2037", "last reviewed"]),
    ("15-sales-pitch", ["leak14_pitch"]),
    ("16-sales-avoid", ["leak15_avoid"]),
    ("17-sales-flexibility", ["leak16_flex"]),
    ("18-sales-question", ["leak17_question"]),
    ("19-sales-answer", ["leak18_answer"]),
    ("20-admonition-internal", ["leak19_"]),
    ("21-details-internal", ["leak20_"]),
    ("22-details-open-internal", ["leak21_"]),
    ("23-note-internal", ["leak22_"]),
    ("24-internal-in-list-item", ["leak23_"]),
    ("25-internal-at-end-of-file", ["leak24_"]),
    ("26-internal-no-space", ["leak25_"]),
    ("27-internal-uppercase", ["leak26_"]),
    ("28-html-comment-in-item", ["leak27_"]),
    ("29-internal-item", ["leak28"]),
    ("30-internal-item-public-override", ["leak49"]),
    ("31-internal-item-tags", ["leak51"]),
    ("32-internal-item-image", ["leak50"]),
    ("33-ask-first-item", ["leak29"]),
    ("34-paused-public-item", ["leak30", 'rm-status--paused"', "rm-card--paused"]),
    ("35-cancelled-public-item", ["leak31", 'rm-status--cancelled"', "rm-card--cancelled"]),
    ("36-item-without-visibility", ["leak32"]),
    ("37-item-in-internal-theme", ["leak33_", "leak33-"]),
    ("38-item-in-theme-without-visibility", ["leak33b"]),
    ("39-internal-theme-title-and-id", ["leak34"]),
    ("40-theme-without-visibility", ["leak35_defaulttheme", "leak35-default-theme"]),
    ("41-internal-page", ["leak35_page", "leak35-internal-page"]),
    ("42-page-without-visibility", ["leak36"]),
    ("43-playbook-pages", ["leak37", "playbook"]),
    ("44-strategy-priorities", ["leak38"]),
    ("45-strategy-flexible", ["leak39"]),
    ("46-image-only-in-internal-block", ["leak40"]),
    ("47-image-only-on-internal-page", ["leak41"]),
    ("48-files-nobody-uses", ["leak42"]),
    ("49-stray-markdown-outside-sections", ["leak43"]),
    ("50-overridden-public-title", ["leak44"]),
    ("51-overridden-public-summary", ["leak45"]),
    ("52-shipped-exact-day", ["2026-03-17", "17 march 2026", "march 17"]),
    ("53-page-link-to-hidden-item", ["leak47"]),
    ("54-item-link-to-hidden-item", ["leak48"]),
    ("55-internal-block-in-public-page", ["leak52"]),
    ("56-html-comment-in-public-page", ["leak53"]),
    ("57-image-only-in-html-comment", ["leak54"]),
    ("58-markdown-comment", ["leak55"]),
    ("59-hidden-item-in-subfolder", ["leak57"]),
    ("60-playbook-image", ["leak58"]),
    ("61-hidden-item-depending-on-public-one", ["leak60"]),
    ("62-hidden-shipped-item", ["leak61", "july 2025", "2025-07"]),
    pytest.param("63-internal-block-in-blockquote", ["leak62"]),
    pytest.param("64-internal-title-escaped-quote", ["leak63"]),
    pytest.param("65-image-refdef-used-only-inside-block", ["leak64"]),
    ("66-status-only-hidden-items-have", ['data-value="exploring"', 'rm-status--exploring"']),
    ("67-repo-url", ["leakrepo", "github.com/acme"]),
    ("68-edit-uri", ["edit/main", "edit this page", "view source"]),
    # Issue 7, one parser decides: each line separator in a block's body and title line...
    *(
        (f"p7-separator-{key}", [f"p7leak_sep{part}_{key}" for part in parts])
        for key in ("vt", "ff", "fs", "gs", "rs", "nel", "ls", "ps")
        for parts in [("title", "after", "body", "tail", "head", "headbody")]
    ),
    # ...blocks inside every container Markdown accepts...
    ("p7-block-on-list-marker-line", ["p7leak_listhead"]),
    ("p7-block-in-ordered-item", ["p7leak_ordered"]),
    ("p7-block-in-loose-item", ["p7leak_loose"]),
    ("p7-block-in-definition", ["p7leak_deflist"]),
    ("p7-block-as-definition", ["p7leak_defhead"]),
    ("p7-block-in-quoted-list", ["p7leak_quotedlist"]),
    ("p7-block-in-md-in-html", ["p7leak_mdinhtml"]),
    ("p7-lazy-continuation", ["p7leak_lazy"]),
    ("p7-quotes-joined-across-blank", ["p7leak_joined"]),
    ("p7-nested-quote-lazy", ["p7leak_nestedquote", "p7leak_nestedlazy"]),
    # ...footnotes only a block uses...
    ("p7-footnote-used-only-inside", ["p7leak_fnuse", "p7leak_fndef", "p7leak_fnchain"]),
    ("p7-block-inside-dropped-footnote", ["p7leak_fninner"]),
    # ...raw HTML and attr_list classes...
    ("p7-raw-details-markdown", ["p7leak_rawdetails"]),
    ("p7-raw-div", ["p7leak_rawdiv"]),
    ("p7-raw-uppercase", ["p7leak_rawupper"]),
    ("p7-raw-mixed-case-class", ["p7leak_rawmixed"]),
    ("p7-raw-entity-class", ["p7leak_rawentity"]),
    ("p7-raw-inline-span", ["p7leak_rawspan"]),
    ("p7-raw-unclosed", ["p7leak_rawunclosed"]),
    ("p7-raw-wrapper-heading", ["p7leak_rawheading"]),
    ("p7-attr-list", ["p7leak_attr"]),
    ("p7-nested-blocks", ["p7leak_nest"]),
    # ...heads a reader takes for internal...
    ("p7-head-glued-title", ["p7leak_headglued"]),
    ("p7-head-colon", ["p7leak_headcolon"]),
    ("p7-head-cyrillic-i", ["p7leak_headcyrillic"]),
    ("p7-head-zero-width", ["p7leak_headzerowidth"]),
    ("p7-head-full-width", ["p7leak_headfullwidth"]),
    ("p7-head-quoted-title", ["p7leak_headquoted"]),
    ("p7-head-tab-body", ["p7leak_headtab"]),
    ("p7-crlf-bom", ["p7leak_crlf"]),
    # ...titles from the stripped body only, and all of it in an item too.
    ("p7-title-in-comment", ["p7leak_commenttitle"]),
    ("p7-title-in-block", ["p7leak_blocktitle", "p7leak_setexttitle"]),
    ("p7-item-body", ["p7leak_item"]),
    # Files (issue 7): only images a rendered public page shows, cleaned. Image markers sit in
    # metadata (compressed chunks are checked by test_published_images_carry_no_metadata).
    ("f7-01-png-text-chunks", ["f7leak_pngcomment", "f7leak_pngxmp"]),
    ("f7-02-jpeg-exif-xmp-comment", ["f7leak_exif", "f7leak_jpegxmp", "f7leak_jpegcomment"]),
    ("f7-03-gif-comment", ["f7leak_gifcomment"]),
    ("f7-04-webp-exif-xmp", ["f7leak_webpxmp"]),
    ("f7-05-svg-script", ["f7leak_svgscript"]),
    ("f7-06-svg-event-handlers", ["f7leak_onload", "f7leak_onclick"]),
    ("f7-07-svg-foreign-object", ["f7leak_svgforeign"]),
    (
        "f7-08-svg-external-references",
        ["f7leak-import", "f7leak-image", "f7leak-use", "f7leak-fill", "f7leak_link", "f7leak_set"],
    ),
    (
        "f7-09-svg-metadata-comments-labels",
        ["f7leak_svgmetadata", "f7leak_svgcomment", "f7leak_svglabel", "f7leak_svgdataname"],
    ),
    ("f7-10-svg-css-comment", ["f7leak_csscomment"]),
    ("f7-11-image-only-in-inline-code", ["f7leak_f7-code-only"]),
    ("f7-12-image-only-in-fenced-code", ["f7leak_f7-fenced-only"]),
    ("f7-13-image-only-in-html-comment", ["f7leak_htmlcomment", "f7leak_f7-comment-only"]),
    (
        "f7-14-refdef-used-only-in-internal-block",
        ["f7leak_block", "f7leak_f7-refdef-only", "f7leak_f7-block-only"],
    ),
    ("f7-15-definition-nobody-uses", ["f7leak_f7-unused-refdef", "f7leak_f7-unused"]),
    (
        "f7-16-markdown-of-other-extensions",
        ["f7leak_mkd", "f7leak_mdown", "f7leak_mdwn", "f7leak_mkdn", "f7-page", "f7-other"],
    ),
    ("f7-17-dotfile-and-dot-folder", ["f7leak_dotfile", "f7leak_dotfolder", ".f7-dot"]),
    (
        "f7-18-data-files",
        ["f7leak_csv", "f7leak_txt", "f7leak_json", "f7leak_pdf", "f7-notes", "f7-data", "f7-doc"],
    ),
    ("f7-19-unused-playbook-image", ["f7leak_playbookimg", "f7-playbook-shot"]),
    ("f7-20-source-file-names", ["f7-text-chunks", "f7-exif-photo", "f7 space", "f7-upper"]),
    ("inputs-01-id-behind-a-public-title", ["override-title"]),
    # Red team (rt7): a definition made inside an internal block lends nothing to a use outside
    # (link target and title, image, footnote), even where it would override a public one...
    (
        "rt7-definitions-inside-internal-blocks",
        ["rt7leak-refurl", "rt7leak_reftitle", "rt7leak_fndef", "rt7leak_imgtitle"]
        + ["rt7leak-detailsurl", "rt7leak_detailstitle", "rt7leak_fnlist", "rt7leak-mihurl"]
        + ["rt7leak_mihtitle", "rt7leak-override", "rt7leak_fnoverride", "rt7-refdef-only"],
    ),
    # ...a block element opened inside a paragraph runs on, as in a browser, to its end tag.
    (
        "rt7-block-opened-inside-a-paragraph",
        ["rt7leak_hoistdiv", "rt7leak_hoistlist", "rt7leak_hoistsummary", "rt7leak_hoistdetails"]
        + ["rt7leak_hoistquote", "rt7leak_hoistitem", "rt7leak_hoistnote", "rt7leak_hoistrest"]
        + ["rt7leak_hoistheading"],
    ),
    # ...heads a reader takes for internal: an invisible or non-breaking character before the
    # marker, a title that says so whatever the type, an accented look-alike...
    (
        "rt7-heads-read-as-internal",
        ["rt7leak_headnbsp", "rt7leak_headzwsp", "rt7leak_headtitle", "rt7leak_headaccent"],
    ),
    # ...and a drawing's hidden layers and notes (display: none, visibility: hidden) go.
    (
        "rt7-svg-hidden-layers",
        ["rt7leak_svglayer", "rt7leak_svgdisplay", "rt7leak_svghidden", "rt7leak_svginherited"]
        + ["rt7leak_svgtail", "rt7leak_svgcollapse", "review notes"],
    ),
    ("client01-release-notes-of-hidden-item", ["client01", "february 2026"]),
]

# What must be there: every public title, summary, body, page, theme and tag.
POSITIVE = [
    "POSOK_TITLE_FIELDNOTES",
    "POSOK_SUMMARY_FIELDNOTES",
    "POSOK_BODY_FIELDNOTES_A",
    "POSOK_BODY_FIELDNOTES_B",
    "POSOK_BODY_FIELDNOTES_C",
    "POSOK_LIST_ONE",
    "POSOK_LIST_TWO",
    "POSOK_TAG_FIELDNOTES",
    "POSOK_TITLE_DATED",
    "POSOK_SUMMARY_DATED",
    "POSOK_BODY_DATED",
    "POSOK_TITLE_OVERRIDE",
    "POSOK_SUMMARY_OVERRIDE",
    "POSOK_BODY_OVERRIDE",
    "POSOK_TITLE_SHIPPED",
    "POSOK_SUMMARY_SHIPPED",
    "POSOK_BODY_SHIPPED",
    "POSOK_TITLE_LINKS",
    "POSOK_SUMMARY_LINKS",
    "POSOK_BODY_LINKS_A",
    "POSOK_BODY_LINKS_QUOTE",
    "POSOK_BODY_LINKS_B",
    "Order Alpha",
    "Order Bravo",
    "Order Aardvark",
    "POSOK_SUMMARY_ORDERALPHA",
    "POSOK_BODY_ORDERBRAVO",
    "POSOK_BODY_ORDERAARDVARK",
    "POSOK_HOME_TITLE",
    "POSOK_HOME_BODY",
    "POSOK_PAGE_TITLE",
    "POSOK_PAGE_DESCRIPTION",
    "POSOK_PAGE_BODY",
    "POSOK_PAGE_END",
    "POSOK_THEME_FIELD",
    "POSOK_THEMESUMMARY_FIELD",
    "POSOK_THEME_OFFICE",
    "POSOK_THEMESUMMARY_OFFICE",
    "March 2026",  # the shipped item, to the month
    *sorted(  # every public part of the p7- vectors
        {
            marker
            for path in [*(CORPUS / "pages").glob("p7-*.md"), *(CORPUS / "roadmap").glob("p7-*")]
            for marker in re.findall(r"POSOK_P7_\w+", path.read_text(encoding="utf-8"))
        }
    ),
    *sorted(  # every public part of the rt7- vectors
        {
            marker
            for path in CORPUS.rglob("rt7-*.md")
            for marker in re.findall(r"POSOK_RT7_\w+", path.read_text(encoding="utf-8"))
        }
    ),
    "example.com/posok-rt7-public",  # a public definition an internal one cannot override
    "notes.example/posok-notes-shipped",  # its release notes
    "see the related note",  # link text kept when the link to a hidden item is dropped
    "the background",
    "the plan",
    "POSOK_F7_TITLE",
    "POSOK_F7_BODY",
    "POSOK_F7_EXIF",
    "POSOK_F7_TEXT",
    "POSOK_F7_GIF",
    "POSOK_F7_WEBP",
    "POSOK_F7_SVG",
    "POSOK_F7_PICTURE",
    "POSOK_F7_UPPER",
    "POSOK_F7_SPACE",
    "POSOK_F7_QUERY",
    "POSOK_F7_END",
    "![code](img/f7-code-only.png)",  # a link in code is words, as written
]


@dataclass
class Built:
    project: Project
    result: Result

    @property
    def site(self) -> Path:
        return self.project.site("public")


def leaky_project(root: Path) -> Project:
    """The leak corpus with the repository, edit links and a site URL switched on."""
    project = new_project(root, CORPUS)
    config_path = project.root / "mkdocs.yml"
    config = yaml.safe_load(config_path.read_text())
    config["site_url"] = SITE_URL
    config["repo_url"] = "https://github.com/acme/LEAKREPO"
    config["repo_name"] = "acme/LEAKREPO"
    config["edit_uri"] = "edit/main/content/"
    config["theme"]["features"] += ["content.action.edit", "content.action.view"]
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    return project


def leaky_light_site(root: Path, engine: str) -> Built:
    """The corpus's light site, built by `engine` at the corpus's build date."""
    project = leaky_project(root)
    result = project.run(
        "build",
        "--audience",
        "public",
        "--engine",
        engine,
        env={"SOURCE_DATE_EPOCH": str(BUILD_EPOCH)},
    )
    assert result.code == 0, result.err
    return Built(project, result)


@pytest.fixture(
    scope="module", params=["mkdocs", pytest.param("properdocs", marks=pytest.mark.engines)]
)
def built(tmp_path_factory, request) -> Built:
    """The corpus built by each engine (ProperDocs with `make test-engines`)."""
    return leaky_light_site(tmp_path_factory.mktemp("leaky") / "project", request.param)


@pytest.fixture(scope="module")
def text(built: Built) -> str:
    return site_text(built.site).casefold()


def _rel_files(site: Path) -> list[str]:
    return [p.relative_to(site).as_posix() for p in all_files(site)]


def _page_of(rel: str) -> str | None:
    """The page URL a built HTML file serves ("" for the home page)."""
    if rel == "index.html":
        return ""
    if rel.endswith("/index.html"):
        return rel.removesuffix("index.html")
    return None


# --- The vectors --------------------------------------------------------------------------------


def test_corpus_has_at_least_30_vectors():
    names = [v.values[0] if hasattr(v, "values") else v[0] for v in VECTORS]
    assert len(set(names)) == len(names) >= 30


@pytest.mark.parametrize(
    ("vector", "needles"),
    VECTORS,
    ids=[v.values[0] if hasattr(v, "values") else v[0] for v in VECTORS],
)
def test_vector_absent_from_light_site(text: str, vector: str, needles: list[str]):
    found = [n for n in needles if n.casefold() in text]
    assert not found, f"{vector}: {found} found in site/public/"


@pytest.mark.parametrize("marker", POSITIVE)
def test_public_content_present(text: str, marker: str):
    assert marker.casefold() in text


def _published(built: Built, svg: bool = True) -> dict[str, bytes]:
    media = (built.site / "media").iterdir()
    return {p.name: p.read_bytes() for p in media if svg or p.suffix != ".svg"}


def _same_picture(published: bytes, source: Path) -> bool:
    """The same picture: exactly, or near enough where the format is lossy (JPEG, WebP)."""
    with Image.open(source) as img:
        want = ImageOps.exif_transpose(img).convert("RGB")
    with Image.open(io.BytesIO(published)) as img:
        lossy = img.format in ("JPEG", "WEBP")
        got = img.convert("RGB")
    if got.size != want.size:
        return False
    if not lossy:
        return got.tobytes() == want.tobytes()
    means = zip(ImageStat.Stat(got).mean, ImageStat.Stat(want).mean, strict=True)
    return all(abs(a - b) < 6 for a, b in means)


def test_media_holds_exactly_the_images_public_pages_show(built: Built):
    published = _published(built)
    rasters = _published(built, svg=False)
    matches = {
        source.name: sorted(n for n, d in rasters.items() if _same_picture(d, source))
        for source in PUBLIC_IMAGES
    }
    assert all(len(found) == 1 for found in matches.values()), matches
    assert sorted(n for found in matches.values() for n in found) == sorted(rasters)
    assert len(published) - len(rasters) == len(PUBLIC_SVGS)


def test_images_no_rendered_public_page_shows_are_absent(built: Built):
    hidden = [
        p
        for p in CORPUS.rglob("*")
        if p.suffix.lower() in (".png", ".jpg", ".gif", ".webp") and p not in PUBLIC_IMAGES
    ]
    assert len(hidden) >= 15
    published = _published(built, svg=False).values()
    shown = [p.name for p in hidden if any(_same_picture(d, p) for d in published)]
    assert not shown


# What an image keeps once re-encoded: how to draw and animate it, nothing said about it.
HARMLESS_INFO = {"jfif", "jfif_version", "jfif_unit", "jfif_density", "progressive"}
HARMLESS_INFO |= {"loop", "duration", "background", "transparency", "version", "extension"}


def test_published_images_carry_no_metadata(built: Built):
    for name, data in _published(built, svg=False).items():
        with Image.open(io.BytesIO(data)) as img:
            assert set(img.info) <= HARMLESS_INFO, (name, img.info)
            assert not dict(img.getexif()), name
            if img.format == "PNG":
                assert not img.text, name
        # No chunk or segment that carries words: tEXt zTXt iTXt eXIf iCCP, APP1 (EXIF/XMP).
        for tag in (b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"iCCP", b"Exif\x00", b"XMP", b"ICC_"):
            assert tag not in data, (name, tag)


def test_cleaned_images_keep_their_look(built: Built):
    by_source = {
        source.name: next(d for d in _published(built, False).values() if _same_picture(d, source))
        for source in PUBLIC_IMAGES
    }
    with Image.open(io.BytesIO(by_source["f7-exif-photo.jpg"])) as photo:
        assert photo.size == (4, 6)  # turned upright before its EXIF orientation went
    with Image.open(io.BytesIO(by_source["f7-animated.gif"])) as gif:
        assert gif.n_frames == 3
        durations = []
        for frame in range(gif.n_frames):
            gif.seek(frame)
            durations.append(gif.info["duration"])
        assert durations == [80, 120, 160]


def test_svg_is_published_sanitised_with_its_text(built: Built):
    svgs = [d for n, d in _published(built).items() if n.endswith(".svg")]
    (svg,) = [d for d in svgs if b"POSOK_F7_SVGTEXT" in d]
    root = ET.fromstring(svg)
    tags = {el.tag.rsplit("}", 1)[-1] for el in root.iter()}
    assert not tags & {"script", "foreignObject", "metadata", "set", "animate"}
    for el in root.iter():
        for key, value in el.attrib.items():
            local = key.rsplit("}", 1)[-1]
            assert not local.startswith("on"), (el.tag, key)
            if local == "href":
                assert value.startswith("#"), value
            assert "url(" not in value or "url(#" in value, value
    text = "".join(root.itertext())
    assert "POSOK_F7_SVGTEXT" in text and "clients see" in text
    assert b"@import" not in svg


def test_srcset_candidates_point_at_published_files(built: Built):
    page = (built.site / "f7-media/index.html").read_text()
    (srcset,) = re.findall(r'srcset="([^"]*)"', page)
    urls = [c.split()[0] for c in srcset.split(",")]
    assert len(urls) == 2
    for url in urls:
        assert (built.site / "f7-media" / url).resolve().is_file(), url
    for src in re.findall(r'<img[^>]*\ssrc="([^"]*)"', page):
        path = src.split("?")[0].split("#")[0]
        assert (built.site / "f7-media" / path).resolve().is_file(), src


def test_link_to_hidden_item_keeps_neutral_text_only(built: Built):
    about = (built.site / "about/index.html").read_text()
    assert "see the related note" in about
    assert "leak47" not in about.casefold()
    item = (built.site / "items/public-links/index.html").read_text()
    assert "the background" in item and "leak48" not in item.casefold()


# --- Every file explained -----------------------------------------------------------------------


def _theme_file(rel: str, path: Path) -> bool:
    source = THEME_DIR / rel
    return source.is_file() and source.read_bytes() == path.read_bytes()


def _plugin_asset(rel: str, path: Path) -> bool:
    source = PLUGIN_ASSETS / rel.removeprefix("assets/roadmap/")
    return source.is_file() and source.read_bytes() == path.read_bytes()


def test_every_file_is_explained(built: Built):
    fixed = {
        "roadmap.json",
        "roadmap.schema.json",
        "search/search_index.json",
        "sitemap.xml",
        "sitemap.xml.gz",
        "404.html",
        "feed.xml",
        *(f"themes/{t}/feed.xml" for t in PUBLIC_THEMES),
    }
    unexplained = []
    for path in all_files(built.site):
        rel = path.relative_to(built.site).as_posix()
        if rel in fixed or _page_of(rel) in PUBLIC_PAGES:
            continue
        if re.fullmatch(r"media/[0-9a-f]{16}\.(png|jpg|gif|webp|svg)", rel):
            continue
        if rel.startswith("assets/roadmap/") and _plugin_asset(rel, path):
            continue
        if rel.startswith("assets/") and _theme_file(rel, path):
            continue
        unexplained.append(rel)
    assert not unexplained
    pages = {_page_of(r) for r in _rel_files(built.site)} - {None}
    assert pages == PUBLIC_PAGES


def test_search_index_has_public_pages_only(built: Built):
    index = json.loads((built.site / "search/search_index.json").read_text())
    pages = {doc["location"].split("#")[0] for doc in index["docs"]}
    # The board, horizon, theme, shipped and changes listings repeat the items' text: not
    # indexed.
    listings = {"", "shipped/", "changes/"} | {
        p for p in PUBLIC_PAGES if p.startswith(("themes/", "horizons/"))
    }
    assert pages == PUBLIC_PAGES - listings
    titles = " ".join(doc["title"] for doc in index["docs"]).casefold()
    assert not [t for t in HIDDEN_TITLES if t.casefold() in titles]


def test_sitemap_lists_public_pages_only(built: Built):
    sitemap = (built.site / "sitemap.xml").read_text()
    locs = re.findall(r"<loc>(.*?)</loc>", sitemap)
    assert all(loc.startswith(SITE_URL) for loc in locs)
    assert sorted(loc.removeprefix(SITE_URL) for loc in locs) == sorted(PUBLIC_PAGES)


def test_404_page_names_nothing_hidden(built: Built):
    page = (built.site / "404.html").read_text().casefold()
    assert not [t for t in HIDDEN_TITLES if t.casefold() in page]
    assert "posok_page_title" in page  # it carries the public nav, nothing more


def test_no_edit_or_source_links_nor_repository(built: Built):
    for path in all_files(built.site):
        rel = path.relative_to(built.site).as_posix()
        if path.suffix not in (".html", ".json", ".xml"):
            continue
        body = path.read_text().casefold()
        for needle in ("leakrepo", "github.com/acme", "md-source", "md-content__button", "/edit/"):
            assert needle not in body, f"{needle} in {rel}"


# --- roadmap.json -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def roadmap_json(built: Built) -> dict:
    return json.loads((built.site / "roadmap.json").read_text())


def test_roadmap_json_validates_against_its_schema(built: Built, roadmap_json: dict):
    schema = json.loads((built.site / "roadmap.schema.json").read_text())
    jsonschema.validate(roadmap_json, schema)


def test_roadmap_json_has_public_items_and_themes_only(roadmap_json: dict):
    assert roadmap_json["version"] == 1
    assert {i["id"] for i in roadmap_json["items"]} == PUBLIC_ITEMS
    assert [t["id"] for t in roadmap_json["themes"]] == PUBLIC_THEMES
    allowed = {"id", "title", "summary", "status", "horizon", "theme", "tags", "shipped", "url"}
    allowed.add("release_notes")
    for item in roadmap_json["items"]:
        assert set(item) <= allowed, item["id"]
        assert item["shipped"] is None or re.fullmatch(r"\d{4}-\d{2}", item["shipped"])
    shipped = next(i for i in roadmap_json["items"] if i["id"] == "shipped-thing")
    assert shipped["shipped"] == "2026-03"
    override = next(
        i for i in roadmap_json["items"] if i["id"] == "posok-title-override-smarter-quotes"
    )
    assert override["title"].startswith("POSOK_TITLE_OVERRIDE")


# --- Order and counts ---------------------------------------------------------------------------

HORIZONS = ["now", "next", "later"]


def _public_order_key(item: dict) -> tuple:
    horizon = HORIZONS.index(item["horizon"]) if item["horizon"] in HORIZONS else len(HORIZONS)
    return (horizon, PUBLIC_THEMES.index(item["theme"]), item["title"].casefold())


def test_roadmap_json_order_is_horizon_theme_title(roadmap_json: dict):
    items = roadmap_json["items"]
    assert items == sorted(items, key=_public_order_key)


def _columns(html: str) -> dict[str, tuple[int, list[str]]]:
    """Each board column's displayed count and card titles, in page order."""
    out = {}
    for h in HORIZONS:
        start = re.search(rf'<section[^>]*class="rm-column rm-column--{h}"', html).start()
        section = html[start : html.index("</section>", start)]
        count = int(re.search(r"data-rm-count>(\d+)<", section)[1])
        titles = re.findall(r'class="rm-card__title"><a href="[^"]*">(.*?)</a>', section)
        out[h] = (count, titles)
    return out


def test_board_orders_by_theme_then_title_never_priority(built: Built):
    # Priorities: Aardvark 1, Alpha 5, Bravo 9; themes.yml lists zz-field (Alpha, Bravo) first.
    _, now = _columns((built.site / "index.html").read_text())["now"]
    assert now == ["Order Alpha", "Order Bravo", "Order Aardvark"]


def test_board_counts_public_items_only(built: Built):
    # Four hidden items sit in "now" (internal, ask-first, paused, no visibility).
    columns = _columns((built.site / "index.html").read_text())
    assert {h: (c, len(t)) for h, (c, t) in columns.items()} == {
        "now": (3, 3),
        "next": (1, 1),
        "later": (3, 3),
    }
    field = _columns((built.site / "themes/zz-field/index.html").read_text())
    assert {h: c for h, (c, _) in field.items()} == {"now": 2, "next": 1, "later": 1}
    office = _columns((built.site / "themes/aa-office/index.html").read_text())
    assert {h: c for h, (c, _) in office.items()} == {"now": 1, "next": 0, "later": 2}


def test_horizon_pages_list_the_board_columns_and_nothing_hidden(built: Built):
    """horizons/<h>/ lists what the board's column does (every card, not cut), public only:
    no hidden item of the corpus (internal, ask-first, paused, in an internal theme...) is on
    any horizon page, by id or title."""
    columns = _columns((built.site / "index.html").read_text())
    for h, (count, titles) in columns.items():
        page = (built.site / f"horizons/{h}/index.html").read_text()
        listed = re.findall(r'class="rm-card__title"><a href="[^"]*">(.*?)</a>', page)
        assert listed == titles and len(listed) == count, h
        assert f'data-rm-total="{count}"' in page
    text = site_text(built.site / "horizons")
    hidden = [
        path
        for path in (CORPUS / "roadmap").rglob("*.md")
        if path.stem not in PUBLIC_ITEMS and path.stem != "override-title"
    ]
    assert len(hidden) >= 10
    for path in hidden:
        title = re.search(r"^title: (.*)$", path.read_text(), re.M)
        for needle in (path.stem, title[1].strip("'\"") if title else path.stem):
            assert needle not in text, (path.name, needle)


def test_build_date_is_the_one_given(built: Built, roadmap_json: dict):
    """SOURCE_DATE_EPOCH pins the date the site shows, so the day checks above cannot collide."""
    assert roadmap_json["generated"] == "2026-05-04"
    assert "4 May 2026" in (built.site / "index.html").read_text()


def test_page_titles_come_from_the_stripped_body(built: Built):
    """A page without `title` is named by its first heading as the light site renders it."""
    expected = {
        "p7-title-comment": "POSOK_P7_TITLE_REAL Real title",
        "p7-title-internal": "POSOK_P7_TITLE2_SETEXT Setext title",
    }
    index = json.loads((built.site / "search/search_index.json").read_text())
    titles = {doc["location"]: doc["title"] for doc in index["docs"]}
    for page, title in expected.items():
        html = (built.site / page / "index.html").read_text()
        assert f"<title>{title} - " in html
        assert titles[f"{page}/"] == title
        assert html.count("<h1") == 1  # the body's own heading, not one more from the template
    nav = (built.site / "404.html").read_text()
    assert all(title in nav for title in expected.values())


def test_internal_block_inside_a_footnote(project: Project):
    project.item(
        "footnoted",
        body="Public text.[^1]\n\n[^1]: POSOK_FOOTNOTE a public footnote.\n\n"
        '    !!! internal "LEAK_FOOTNOTE_TITLE"\n        LEAK_FOOTNOTE_BODY\n',
    )
    result = project.run("build", "--audience", "public")
    assert result.code == 0, result.err
    text = site_text(project.site("public")).casefold()
    assert "posok_footnote" in text
    assert "leak_footnote" not in text


def test_internal_site_marks_blocks_and_its_client_panel_drops_them(project: Project):
    """The internal item page shows internal text as marked callouts; its "What clients see"
    panel is rendered as the light site renders, so it shows none of it."""
    project.item(
        "panel",
        body="POSOK_PANEL_BODY public.\n\n"
        '- !!! internal "LEAK_PANEL_LIST"\n      LEAK_PANEL_LISTBODY\n\n'
        'Text <span class="Internal">LEAK_PANEL_SPAN</span> end.\n\n'
        "LEAK_PANEL_ATTR paragraph\n{ .INTERNAL }\n",
    )
    result = project.run("build", "--audience", "internal")
    assert result.code == 0, result.err
    site = project.site("internal")
    sealed = json.loads(
        re.search(r'id="roadmap-sealed">(.*?)</script>', (site / "index.html").read_text(), re.S)[1]
    )
    key = open_keyring(sealed, PASSWORD)
    pages = [open_page(site, p.relative_to(site).as_posix(), key) for p in site.rglob("*.html")]
    page = next(p.decode() for p in pages if b"POSOK_PANEL_BODY" in p)
    body, panel = page.split('class="rm-client-view__frame"', 1)
    assert "POSOK_PANEL_BODY" in panel
    assert "LEAK_PANEL" not in panel.split("</article>")[0]
    assert '<div class="admonition internal">' in body
    assert '<span class="Internal internal">LEAK_PANEL_SPAN</span>' in body
    assert '<p class="INTERNAL internal">LEAK_PANEL_ATTR paragraph</p>' in body
