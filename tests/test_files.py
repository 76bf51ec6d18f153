"""Files on the light site are an allow-list: only images a rendered public page shows are
published, cleaned; any other file a public page links stops the build with a clear line.

The rendered HTML decides: the same links in code, comments or internal blocks are words.
"""

from __future__ import annotations

import base64
import io
import os
import re
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from conftest import Project, all_files, image_bytes, pixels
from roadmap.media import Refusal, clean_raster, clean_svg
from roadmap.references import find_refs, place_files, rewrite

SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4">
<script>alert(1)</script><text x="0" y="3">Logo text</text></svg>"""
MEDIA_NAME = re.compile(r"^media/[0-9a-f]{16}(\.\w+)$")
PAGE = "content/pages/files.md"  # front matter on lines 1-4, body from line 5


def public_page(project: Project, body: str) -> None:
    project.page("files.md", body, title="Files", visibility="public")


def built_files(site: Path) -> list[str]:
    """Every file of a built site but the theme's and the plugin's assets, media as
    media/*.<ext> (their names are content hashes)."""
    out = []
    for path in all_files(site):
        rel = path.relative_to(site).as_posix()
        if rel.startswith("assets/"):
            continue
        m = MEDIA_NAME.match(rel)
        out.append(f"media/*{m.group(1)}" if m else rel)
    return sorted(out)


# --- What is published --------------------------------------------------------------------------


def test_the_exact_files_of_a_small_light_site(project: Project):
    shot, unused, code = (image_bytes(color=c) for c in ((1, 2, 3), (9, 9, 9), (7, 7, 7)))
    project.write("content/pages/img/shot.png", shot)
    project.write("content/pages/img/unused.png", unused)
    project.write("content/roadmap/img/code.png", code)
    project.write("content/roadmap/img/hidden.png", image_bytes(color=(5, 5, 5)))
    project.write("content/pages/img/logo.svg", SVG)
    project.write("content/pages/notes.mkd", "---\nvisibility: public\n---\nA page? No.\n")
    project.write("content/pages/.hidden.png", image_bytes(color=(6, 6, 6)))
    project.write("content/roadmap/data.csv", "a,b\n")
    project.item("alpha", body="![shot](../pages/img/shot.png)\n\n`![code](img/code.png)`\n")
    project.item("beta", visibility="internal", body="![hidden](img/hidden.png)\n")
    project.page("about.md", "![logo](img/logo.svg)\n", title="About", visibility="public")
    result = project.run("build", "--audience", "public")
    assert result.code == 0, result.err
    site = project.site("public")
    assert built_files(site) == [
        "404.html",
        "about/index.html",
        "changes/index.html",
        "feed.xml",
        "horizons/later/index.html",
        "horizons/next/index.html",
        "horizons/now/index.html",
        "index.html",
        "items/alpha/index.html",
        "media/*.png",
        "media/*.svg",
        "roadmap.json",
        "roadmap.schema.json",
        "search/search_index.json",
        "shipped/index.html",
        "sitemap.xml",
        "sitemap.xml.gz",
        "themes/core/feed.xml",
        "themes/core/index.html",
        "themes/index.html",
    ]
    (png,) = (site / "media").glob("*.png")
    assert pixels(png.read_bytes()) == pixels(shot)
    (svg,) = (site / "media").glob("*.svg")
    assert b"Logo text" in svg.read_bytes() and b"script" not in svg.read_bytes()
    assert "![code](img/code.png)" in (site / "items/alpha/index.html").read_text()


def test_internal_site_embeds_files_as_they_are(project: Project):
    """No re-encoding there: even a file the light site would refuse travels encrypted."""
    project.write("content/pages/img/broken.png", b"\x89PNG\r\n\x1a\nnot really")
    project.page("inside.md", "![broken](img/broken.png)\n", title="Inside")
    result = project.run("build")
    assert result.code == 0, result.err


def test_a_failed_build_keeps_the_previous_site(project: Project):
    project.write("content/pages/img/shot.png", image_bytes())
    public_page(project, "![shot](img/shot.png)\n")
    assert project.run("build", "--audience", "public").code == 0
    site = project.site("public")
    before = {p: p.read_bytes() for p in all_files(site)}
    project.write("content/pages/img/shot.png", image_bytes()[:40])  # truncated
    result = project.run("build", "--audience", "public")
    assert result.code == 1
    assert result.lines[0] == (
        f"{PAGE}:5: 'img/shot.png' is truncated or corrupt: it cannot be read as a PNG image; "
        "open it in an image editor and save it again"
    )
    assert "Traceback" not in result.err
    assert {p: p.read_bytes() for p in all_files(site)} == before


# --- What a public page may not link -------------------------------------------------------------

IMAGES = "the light site publishes images only (PNG, JPEG, GIF, WebP or SVG)"
# One public page links every kind of file the light site refuses, one per line (line 5 on).
REFUSED = [
    (
        "[plan](../roadmap/strategy.yml)",
        "'../roadmap/strategy.yml' is a roadmap data file, internal by nature; never link it "
        "from a public page: say in the page what clients may know",
    ),
    (
        "[themes](../roadmap/themes.yml)",
        "'../roadmap/themes.yml' is a roadmap data file, internal by nature; never link it "
        "from a public page: say in the page what clients may know",
    ),
    (
        "![deck](../playbook/deck.png)",
        "'../playbook/deck.png' is in content/playbook/, which is internal; "
        "move the file out of playbook/ if clients may see it",
    ),
    (
        "[draft](draft.mkd)",
        "'draft.mkd' is a Markdown file that is not a page: it would be published unchecked; "
        "make it a page (a .md file under content/pages/) and link that",
    ),
    (
        "[notes](notes.MDOWN)",
        "'notes.MDOWN' is a Markdown file that is not a page: it would be published unchecked; "
        "make it a page (a .md file under content/pages/) and link that",
    ),
    (
        "![dot](.secret.png)",
        "'.secret.png' is a hidden file or in a hidden folder (a name starting with '.'); "
        "hidden files are never published; rename it if clients may see it",
    ),
    (
        "![dot](.cache/pic.png)",
        "'.cache/pic.png' is a hidden file or in a hidden folder (a name starting with '.'); "
        "hidden files are never published; rename it if clients may see it",
    ),
    (
        "[numbers](data/arr.csv)",
        f"'data/arr.csv' is a data file: {IMAGES}; show what clients may know in the page itself",
    ),
    (
        "[spec](spec.pdf)",
        f"'spec.pdf' is a PDF: {IMAGES}; a PDF can carry text and attachments nobody checks; "
        "export its pages as images, or link a published copy by its web address",
    ),
    (
        '<a href="export.html">export</a>',
        f"'export.html' is not an image: {IMAGES}; export it as an image, or remove the link",
    ),
    ("[pictures](img/)", "'img/' is a folder; link a page or an image in it"),
    (
        "![fake](img/fake.png)",
        "'img/fake.png' is truncated or corrupt: it cannot be read as a PNG image; "
        "open it in an image editor and save it again",
    ),
    (
        "![photo](img/photo.png)",
        "'img/photo.png' is a JPEG image, not PNG as its name says; "
        "rename it with the extension .jpg",
    ),
    (
        "![entity](img/entity.svg)",
        "'img/entity.svg' declares XML entities or external references; "
        "export it again as a plain SVG (no DTD, no entities)",
    ),
    (
        "![pasted](data:image/png;base64," + base64.b64encode(image_bytes()).decode() + ")",
        "the light site does not embed files in data: addresses; save the image as a file "
        "under content/ and link it, so it can be checked and cleaned",
    ),
    (
        '<img srcset="img/ok.png 1x, data/arr.csv 2x">',
        f"'data/arr.csv' is a data file: {IMAGES}; show what clients may know in the page itself",
    ),
    (
        "![huge](img/huge.png)",
        "'img/huge.png' is too large: over 50 million pixels, or 500 frames, to decode; "
        "publish a smaller image",
    ),
    (
        "![twin](img/twin.png)",
        "'img/twin.png' is a hard link (the same file has 2 names); "
        "the light site publishes files with one name only: copy the file instead",
    ),
]


def huge_png_header(width: int, height: int) -> bytes:
    """The start of a PNG that says it is this large: decoding it would take gigabytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def write_refused_files(project: Project) -> None:
    project.write("content/playbook/deck.png", image_bytes())
    project.write("content/pages/draft.mkd", "---\nvisibility: public\n---\nDraft.\n")
    project.write("content/pages/notes.MDOWN", "Notes.\n")
    project.write("content/pages/.secret.png", image_bytes())
    project.write("content/pages/.cache/pic.png", image_bytes())
    project.write("content/pages/data/arr.csv", "customer,arr\n")
    project.write("content/pages/spec.pdf", b"%PDF-1.4\n")
    project.write("content/pages/export.html", "<p>hi</p>")
    project.write("content/pages/img/fake.png", SVG)
    project.write("content/pages/img/ok.png", image_bytes())
    project.write("content/pages/img/photo.png", image_bytes("JPEG"))
    project.write(
        "content/pages/img/entity.svg",
        b'<!DOCTYPE svg [<!ENTITY x "secret">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>',
    )
    project.write("content/pages/img/huge.png", huge_png_header(30_000, 30_000))
    twin = project.write("content/pages/img/twin.png", image_bytes())
    os.link(twin, project.root / "content/pages/twin-elsewhere.png")
    project.write("content/roadmap/strategy.yml", "priorities:\n  - title: Win\n")


def test_every_refused_file_is_one_clear_line(project: Project):
    write_refused_files(project)
    public_page(project, "\n".join(f"{link}\n" for link, _ in REFUSED))
    assert project.run("check").code == 0  # the rendered page decides, at build
    result = project.run("build", "--audience", "public")
    assert result.code == 1
    expected = [f"{PAGE}:{5 + 2 * n}: {message}" for n, (_, message) in enumerate(REFUSED)]
    assert result.lines == [
        *sorted(expected, key=lambda line: int(line.split(":")[1])),
        "The light site was not published; the previous one is untouched.",
    ]
    assert not project.site("public").exists()


def test_refused_links_nothing_renders_are_no_error(project: Project):
    """In code, comments, internal blocks and unused definitions a link is no use."""
    write_refused_files(project)
    public_page(
        project,
        "Code: `[plan](../roadmap/strategy.yml)` and `![x](img/fake.png)`.\n\n"
        "```\n![x](img/fake.png)\n```\n\n"
        "<!-- ![x](img/fake.png) [plan](../roadmap/strategy.yml) -->\n\n"
        '!!! internal "Notes"\n    ![x](img/fake.png) [spec](spec.pdf)\n\n'
        "[unused]: ../roadmap/strategy.yml\n",
    )
    result = project.run("build", "--audience", "public")
    assert result.code == 0, result.err
    page = (project.site("public") / "files/index.html").read_text()
    assert "<code>[plan](../roadmap/strategy.yml)</code>" in page
    assert not (project.site("public") / "media").exists()


def test_links_to_pages_clients_do_not_see_are_words(project: Project):
    project.item("hidden-one", visibility="internal")
    project.write("content/playbook/pitch.md", "---\ntitle: Pitch\n---\nHow we sell.\n")
    project.write("content/stray.md", "Notes.\n")
    public_page(
        project,
        "See [the item](../roadmap/hidden-one.md), [the pitch](../playbook/pitch.md) "
        "and [the notes](../stray.md).\n",
    )
    result = project.run("build", "--audience", "public")
    assert result.code == 0, result.err
    page = (project.site("public") / "files/index.html").read_text()
    assert "See the item, the pitch and the notes." in page


# --- Symbolic links -------------------------------------------------------------------------------

LINK_HINT = "copy the file or folder here instead of linking to it"


@pytest.mark.parametrize(
    ("link", "to", "used_by"),
    [
        ("content/pages/img/logo.png", "../../roadmap/strategy.yml", "![logo](img/logo.png)"),
        ("content/pages/img/shot.png", "../../playbook/deck.png", "![s](img/shot.png)"),
        ("content/pages/img/own.png", "real.png", "![o](img/own.png)"),
        ("content/pages/shared", "../playbook", "![s](shared/deck.png)"),
        ("content/pages/loop", "..", ""),
        ("content/pages/outside.png", "/etc/hostname", ""),
    ],
    ids=["to-strategy", "to-playbook-image", "to-a-public-image", "folder", "loop", "outside"],
)
def test_symbolic_links_under_content_are_refused(project, link, to, used_by):
    project.write("content/playbook/deck.png", image_bytes())
    project.write("content/pages/img/real.png", image_bytes())
    project.write("content/roadmap/strategy.yml", "priorities:\n  - title: Win\n")
    public_page(project, f"Text.\n\n{used_by}\n")
    (project.root / link).parent.mkdir(parents=True, exist_ok=True)
    (project.root / link).symlink_to(to)
    for command in (("check",), ("build", "--audience", "public")):
        result = project.run(*command)
        assert result.code == 1
        assert f"{link}:1: a symbolic link: content/ holds real files only; {LINK_HINT}" in (
            result.lines
        ), result.err
    assert not project.site("public").exists()


# --- Bad link targets and pathological text ------------------------------------------------------


def test_nul_and_undecodable_characters_in_link_targets(project: Project):
    project.item("alpha", body="Intro.\n\n![x](img/a\x00.png) [y](b%00.csv) ![z](c%ff.png)\n")
    result = project.run("check")
    assert result.code == 1
    hint = "retype the link (an invisible character may have come with a paste)"
    where = "content/roadmap/alpha.md:11"
    assert result.lines[:3] == [
        f"{where}: the link target 'b%00.csv' holds the control character U+0000: "
        f"no file is named so; {hint}",
        f"{where}: the link target 'c%ff.png' holds a %-escape that is not UTF-8: "
        f"no file is named so; {hint}",
        f"{where}: the link target 'img/a\\x00.png' holds the control character U+0000: "
        f"no file is named so; {hint}",
    ]
    assert "Traceback" not in result.err


@pytest.mark.parametrize(
    "body",
    [
        "[" * 10_000,
        "](" * 10_000,
        '](x.png "' * 10_000,
        "![a][" * 10_000,
        "[a]: <" * 10_000,
        "[a](" * 10_000,
        "<" * 10_000,
        "![a](x.png)\n" * 10_000,
        'src="x.png" ' * 10_000,
    ],
    ids=["brackets", "opened", "titles", "refs", "defs", "nested", "angles", "lines", "attributes"],
)
def test_check_finishes_on_pathological_bodies(project: Project, body: str):
    """The scan is linear (bench/references.py measures it); here: it ends and says valid."""
    project.write("content/roadmap/x.png", image_bytes())
    project.item("alpha", body=body + "\n")
    result = project.run("check")
    assert result.code == 0, result.err[:500]


# --- The two readings, as units ------------------------------------------------------------------


def test_text_scan_finds_every_way_to_write_a_target():
    text = (
        "![a](one.png) [b](<two words.png> 'title') [c]: not-a-definition.png\n[c]: three.png\n"
        '<img src="four.png" srcset="five.png 1x, six.png 2x"> <object data=seven.svg>\n'
        "![d](eight.png){ srcset='nine.png 2x' } [e](https://x.example/y.png) [f](#top)\n"
        "```\n![g](fenced.png)\n```\n"
    )
    found = [(r.file_part, r.line) for r in find_refs(text)]
    assert found == [
        ("one.png", 0),
        ("two words.png", 0),
        ("three.png", 1),
        ("four.png", 2),
        ("five.png", 2),
        ("six.png", 2),
        ("seven.svg", 2),
        ("eight.png", 3),
        ("nine.png", 3),
    ]


def test_rendered_html_decides_and_tokens_in_words_come_back():
    from roadmap.problems import Problem
    from roadmap.references import FileRef

    source = (Path("content/pages/p.md"), 5)
    t = "roadmap-file:0123456789ab-"
    refs = {
        f"{t}0": FileRef(source[0], 5, "img/a.png", media="media/aaa.png"),
        f"{t}1": FileRef(source[0], 6, "img/b.png", media="media/bbb.png"),
        f"{t}2": FileRef(source[0], 7, "x.csv", refusal=Problem(source[0], 7, "refused", "")),
    }
    html = (
        f'<p><img alt="a" src="{t}0?v=1"> <code>![b]({t}1)</code></p>\n'
        f"<!-- <img src='{t}2'> --><p>{t}2</p><img src='{t}9'>"
    )
    placed = place_files(html, "items/x/", refs, source)
    assert placed.used == {"media/aaa.png"}
    assert not placed.problems
    assert placed.html == (
        '<p><img alt="a" src="../../media/aaa.png?v=1"> <code>![b](img/b.png)</code></p>\n'
        f"<!-- <img src='x.csv'> --><p>x.csv</p><img src='{t}9'>"
    )
    refused = place_files(f'<a href="{t}2">x</a>', "", refs, source)
    assert [str(p) for p in refused.problems] == ["content/pages/p.md:7: refused"]
    for html in ('<img src="data:image/png;base64,AAAA">', "<img srcset='&#100;ata:,x 2x'>"):
        embedded = place_files(html, "", refs, source)
        assert [str(p) for p in embedded.problems] == [
            "content/pages/p.md:5: the light site does not embed files in data: addresses; "
            "save the image as a file under content/ and link it, so it can be checked and cleaned"
        ]


def test_rewrite_drops_links_to_what_the_audience_does_not_see():
    text = "See [the plan](plan.md) and ![shot](shot.png) and [keep](keep.png)."
    out = rewrite(text, lambda ref: "new.png" if ref.file_part == "keep.png" else None)
    assert out == "See the plan and  and [keep](new.png)."


# --- Raster cleaning, as a unit ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "GIF"])
def test_colours_under_fully_transparent_pixels_are_cleared(fmt: str):
    """An editor's eraser often keeps the colour under a transparent pixel: text "erased" so
    would still be in the file."""
    img = Image.new("RGBA", (8, 2), (200, 30, 30, 0))  # the "erased" colour
    img.paste((10, 20, 30, 255), (0, 0, 4, 2))
    out = io.BytesIO()
    img.save(out, fmt, **({"lossless": True} if fmt == "WEBP" else {}))
    cleaned = Image.open(io.BytesIO(clean_raster(out.getvalue(), fmt, "'x'"))).convert("RGBA")
    seen = {cleaned.getpixel((x, y)) for x in range(4) for y in range(2)}
    unseen = {cleaned.getpixel((x, y)) for x in range(4, 8) for y in range(2)}
    assert all(c[3] == 255 and abs(c[0] - 10) < 8 for c in seen), seen  # WebP is lossy
    assert all(c[3] == 0 and c[0] < 50 for c in unseen), unseen  # the red is gone


# --- SVG sanitising, as a unit -------------------------------------------------------------------


def test_svg_keeps_the_drawing_and_its_text_and_nothing_that_runs_or_fetches():
    inner = io.BytesIO()
    exif = Image.Exif()
    exif[0x010E] = "EMBEDDEDSECRET"
    Image.new("RGB", (2, 2), (9, 9, 9)).save(inner, "PNG", exif=exif.tobytes())
    data_uri = "data:image/png;base64," + base64.b64encode(inner.getvalue()).decode()
    svg = f"""<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">
    <style>.a {{ fill: red }}</style>
    <style>.b {{ background: image-set("https://x.example/a.png" 1x) }}</style>
    <text class="a" style="fill:url(#g)">Kept <tspan>text</tspan></text>
    <rect style="fill:url('https://x.example/f')" width="1" height="1"/>
    <image xlink:href="{data_uri}" width="2" height="2"/>
    <use xlink:href="other.svg#icon"/>
    <a xlink:href="https://x.example/"><circle r="1" onmouseover="go()"/></a>
    <animate attributeName="xlink:href" to="javascript:go()"/>
    </svg>""".encode()
    out = clean_svg(svg, "'x.svg'").decode()
    assert "Kept <tspan>text</tspan>" in out
    assert ".a { fill: red }" in out and "image-set" not in out
    assert 'style="fill:url(#g)"' in out and "x.example" not in out
    assert "onmouseover" not in out and "animate" not in out and "other.svg" not in out
    embedded = base64.b64decode(re.search(r"base64,([^\"]+)", out).group(1))
    assert b"EMBEDDEDSECRET" not in embedded and pixels(embedded)[0] == (2, 2)


def test_svg_hidden_layers_and_notes_go():
    """An exported drawing keeps its hidden layers (display: none) and hidden text (visibility:
    hidden, inherited until a descendant says visible): nobody sees them, they go."""
    svg = b"""<svg xmlns="http://www.w3.org/2000/svg">
    <linearGradient id="g" display="none"><stop offset="0"/></linearGradient>
    <g style="display: none"><text>LAYER</text></g>
    <g style="fill:red;display:none !important"><text>IMPORTANT</text></g>
    <text display="none">ATTRIBUTE</text>
    <text><tspan display="none">SPAN</tspan>SHOWN1</text>
    <g visibility="hidden"><text>HIDDEN<tspan visibility="visible">SHOWN2</tspan>TAIL</text>
      <title>TOOLTIP</title></g>
    <text style="visibility:collapse">COLLAPSED</text>
    <rect style="fill:url(#g)" width="1" height="1"/>
    </svg>"""
    out = clean_svg(svg, "'x.svg'").decode()
    for gone in ("LAYER", "IMPORTANT", "ATTRIBUTE", "SPAN", "HIDDEN", "TAIL", "TOOLTIP"):
        assert gone not in out, gone
    assert "COLLAPSED" not in out
    assert "SHOWN1" in out and "SHOWN2" in out
    assert '<linearGradient id="g"' in out  # drawn where it is used, whatever its display


@pytest.mark.parametrize(
    "svg",
    [
        b'<!DOCTYPE s [<!ENTITY a SYSTEM "file:///etc/passwd">]><svg>&a;</svg>',
        b'<!DOCTYPE s [<!ENTITY a "x"><!ENTITY b "&a;&a;">]><svg>&b;</svg>',
        b"<svg><text>never closed",
        b"<html><body>not a drawing</body></html>",
        b"\x89PNG\r\n\x1a\n",
        b'<svg xmlns="http://www.w3.org/2000/svg">' + b"<g>" * 5000 + b"</g>" * 5000 + b"</svg>",
        b"<svg>" + b" " * 10_000_001 + b"</svg>",
    ],
    ids=[
        "external-entity",
        "entity-expansion",
        "truncated",
        "not-svg",
        "png-named-svg",
        "deep",
        "huge",
    ],
)
def test_svg_that_cannot_be_read_safely_is_refused(svg: bytes):
    with pytest.raises(Refusal):
        clean_svg(svg, "'x.svg'")
