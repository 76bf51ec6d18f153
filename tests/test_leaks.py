"""The light site built from a corpus of leak vectors: nothing internal in any byte or file name.

tests/fixtures/leaky/content/ plants one marker string per vector (LEAKnn_...) in everything the
light site must not show, and POSOK_... markers in what it must show. The corpus is built once
for this module, with a repository URL, edit links and a site URL switched on in mkdocs.yml.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import material
import pytest
import yaml

from conftest import Project, Result, all_files, new_project, site_text

CORPUS = Path(__file__).parent / "fixtures" / "leaky" / "content"
THEME_DIR = Path(material.__file__).parent / "templates"
PLUGIN_ASSETS = Path(__file__).resolve().parents[1] / "plugins" / "roadmap" / "assets"
SITE_URL = "https://roadmap.example.com/"
BUILD_EPOCH = int(datetime(2026, 5, 4, tzinfo=UTC).timestamp())

# What the corpus puts on the light site, by construction.
PUBLIC_ITEMS = {
    "field-notes",
    "dated-target",
    "override-title",
    "shipped-thing",
    "public-links",
    "order-one",
    "order-two",
    "order-three",
}
PUBLIC_THEMES = ["zz-field", "aa-office"]  # themes.yml order, not alphabetical
PUBLIC_PAGES = {
    "",
    "about/",
    "shipped/",
    "themes/",
    *(f"items/{i}/" for i in PUBLIC_ITEMS),
    *(f"themes/{t}/" for t in PUBLIC_THEMES),
}
PUBLIC_IMAGES = {
    CORPUS / "roadmap/img/public-item-shot.png",
    CORPUS / "pages/img/public-diagram.png",
}
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
    "notes.example/posok-notes-shipped",  # its release notes
    "see the related note",  # link text kept when the link to a hidden item is dropped
    "the background",
    "the plan",
]


@dataclass
class Built:
    project: Project
    result: Result

    @property
    def site(self) -> Path:
        return self.project.site("public")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    project = new_project(tmp_path_factory.mktemp("leaky") / "project", CORPUS)
    config_path = project.root / "mkdocs.yml"
    config = yaml.safe_load(config_path.read_text())
    config["site_url"] = SITE_URL
    config["repo_url"] = "https://github.com/acme/LEAKREPO"
    config["repo_name"] = "acme/LEAKREPO"
    config["edit_uri"] = "edit/main/content/"
    config["theme"]["features"] += ["content.action.edit", "content.action.view"]
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    result = project.run(
        "build", "--audience", "public", env={"SOURCE_DATE_EPOCH": str(BUILD_EPOCH)}
    )
    assert result.code == 0, result.err
    return Built(project, result)


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


def test_public_images_published_under_media(built: Built):
    media = {p.read_bytes() for p in (built.site / "media").iterdir() if p.is_file()}
    for image in PUBLIC_IMAGES:
        assert image.read_bytes() in media, image.name


def test_media_holds_only_images_public_pages_use(built: Built):
    media = sorted(p.read_bytes() for p in (built.site / "media").iterdir())
    assert media == sorted(p.read_bytes() for p in PUBLIC_IMAGES)


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
    }
    unexplained = []
    for path in all_files(built.site):
        rel = path.relative_to(built.site).as_posix()
        if rel in fixed or _page_of(rel) in PUBLIC_PAGES:
            continue
        if re.fullmatch(r"media/[0-9a-f]{16}\.png", rel):
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
    # The board, theme and shipped listings repeat the items' text: they are not indexed.
    assert pages == {p for p in PUBLIC_PAGES if p.startswith("items/")} | {"about/"}
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
    override = next(i for i in roadmap_json["items"] if i["id"] == "override-title")
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


def test_build_date_is_the_one_given(built: Built, roadmap_json: dict):
    """SOURCE_DATE_EPOCH pins the date the site shows, so the day checks above cannot collide."""
    assert roadmap_json["generated"] == "2026-05-04"
    assert "4 May 2026" in (built.site / "index.html").read_text()


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
