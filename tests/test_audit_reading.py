"""The audit reads a file as its reader would: each disguise of a name, in each file type the
audit reads, is planted in an audited folder and found; what it cannot read fails the build;
its memory stays flat on a 100 MB file.
"""

from __future__ import annotations

import base64
import gzip
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import specimens as s
from roadmap import reader
from roadmap.audience import Secret
from roadmap.audit import Finding, Refused, audit

NAME = "Calder Mechanical Group"
SECRETS = [
    Secret(NAME, "a customer name (content/roadmap/x.md:9)"),
    Secret("山田商事", "a customer name (content/roadmap/y.md:9)"),
    Secret("Ærøskøbing Foods", "a customer name (content/roadmap/z.md:9)"),
]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# (file name, content, the name to find, where in the file it is said to be)
TEXT_DISGUISES = [
    ("soft-hyphen.html", "<p>Cal\u00adder Mech\u00adanical Group</p>", NAME, ""),
    ("shy-entity.html", "<p>Cal&shy;der Mech&#173;anical Group</p>", NAME, ""),
    ("zero-width.html", "<p>Cal\u200bder Mech\u200danical\u2060 Group</p>", NAME, ""),
    ("zwj-entity.html", "<p>Cal&#8205;der Mech&zwnj;anical Group</p>", NAME, ""),
    ("bom-inside.html", "<p>Cal\ufeffder Mechanical Group</p>", NAME, ""),
    ("tag-characters.html", "<p>Cal\U000e0041der Mechanical Group</p>", NAME, ""),
    ("variation-selector.html", "<p>C\ufe0falder Mechanical Group</p>", NAME, ""),
    ("hangul-filler.html", "<p>Cal\u3164der Mechanical Group</p>", NAME, ""),
    ("br.html", "<p>Calder<br>Mechanical Group</p>", NAME, ""),
    ("list-items.html", "<li>Calder</li><li>Mechanical Group</li>", NAME, ""),
    ("empty-tag.html", "<p>Cal<b></b>der Mech<span class='x'>anical</span> Group</p>", NAME, ""),
    ("one-letter-spans.html", "".join(f"<span>{c}</span>" for c in "Calder") + " Mechanical Group", NAME, ""),  # noqa: E501
    ("multi-line-tag.html", '<p>Calder<a\n  href="#"\n  class="x">Mechanical</a> Group</p>', NAME, ""),  # noqa: E501
    ("nfd.html", "<p>Mu\u0308ller Cafe\u0301 and Calder Mechanical Group</p>", NAME, ""),
    ("stray-accents.html", "<p>Ca\u0301lder Me\u0300chanical Group</p>", NAME, ""),
    ("full-width.html", "Ｃａｌｄｅｒ Ｍｅｃｈａｎｉｃａｌ Ｇｒｏｕｐ", NAME, ""),
    ("math-letters.html", "<p>𝐂𝐚𝐥𝐝𝐞𝐫 𝐌𝐞𝐜𝐡𝐚𝐧𝐢𝐜𝐚𝐥 𝐆𝐫𝐨𝐮𝐩</p>", NAME, ""),
    ("circled.html", "<p>ⓒⓐⓛⓓⓔⓡ ⓜⓔⓒⓗⓐⓝⓘⓒⓐⓛ ⓖⓡⓞⓤⓟ</p>", NAME, ""),
    ("cyrillic.html", "Саldеr Меchаniсаl Grоuр", NAME, ""),
    ("greek.html", "Cαlder Μechanical Grουp", NAME, ""),
    ("cjk.html", "<p>弊社は山田商事と契約しました。</p>", "山田商事", ""),
    ("cjk-entities.html", "<p>弊社は&#23665;&#30000;商事と</p>", "山田商事", ""),
    ("title.html", '<a title="Calder Mechanical Group" href="#">x</a>', NAME, ""),
    ("alt.html", '<img alt="Calder&#32;Mechanical&#32;Group" src="x.png">', NAME, ""),
    ("aria-label.html", '<div aria-label="Calder Mechanical Group"></div>', NAME, ""),
    ("template.html", "<template><p>Calder Mechanical Group</p></template>", NAME, ""),
    ("comment.html", "<!-- Calder Mechanical Group -->", NAME, ""),
    ("noscript.html", "<noscript>Calder Mechanical Group</noscript>", NAME, ""),
    ("css-content.css", 'a::after { content: "Calder Mechanical Group"; }', NAME, ""),
    ("css-escape.css", 'a::after { content: "\\43 alder Mechanical\\000020Group"; }', NAME, ""),
    ("json.json", '{"t": "\\u0043alder\\u0020Mechanical Group"}', NAME, ""),
    ("json-surrogates.json", '{"t": "\\ud835\\udc02alder Mechanical Group"}', NAME, ""),
    ("js-escapes.js", 'var a = "\\x43alder Mechanical\\u{20}Group";', NAME, ""),
    ("js-concatenation.html", '<script>w("Cal" + "der Mech" + \'anical Group\')</script>', NAME, ""),  # noqa: E501
    ("percent-u.js", 'unescape("%u0043alder Mechanical Group")', NAME, ""),
    ("url.html", '<a href="https://x.com/?q=Calder%20Mechanical%20Group">x</a>', NAME, ""),
    ("url-four-times.html", '<a href="?q=Calder%2525252520Mechanical%20Group">x</a>', NAME, ""),
    ("entity-no-semicolon.html", "<p>&#67alder Mechanical Group</p>", NAME, ""),
    ("rlo.html", "<p>\u202epuorG lacinahceM redlaC\u202c</p>", NAME, ""),
    ("rle.html", "<p>\u202bGroup Mechanical Calder\u202c</p>", NAME, ""),
    ("tspan.svg", s.svg("<text><tspan>Calder</tspan><tspan x='40'>Mechanical Group</tspan></text>"), NAME, ""),  # noqa: E501
    ("tspan-letters.svg", s.svg("<text><tspan>Cal</tspan><tspan>der Mechanical Group</tspan></text>"), NAME, ""),  # noqa: E501
    ("svg-entities.svg", '<!DOCTYPE svg [<!ENTITY a "Calder"><!ENTITY b "Mechanical Group">]>' + s.svg("<text>&a; &b;</text>"), NAME, ""),  # noqa: E501
    ("svg-desc.svg", s.svg("<desc>Calder Mechanical Group</desc>"), NAME, ""),
    ("data-uri.html", f'<img src="data:text/plain;base64,{b64(NAME.encode())}">', NAME, "in a data: URI"),  # noqa: E501
    ("data-uri-svg.css", f"a{{background:url(data:image/svg+xml;base64,{b64(s.svg(f'<text>{NAME}</text>').encode())})}}", NAME, "in a data: URI"),  # noqa: E501
    ("data-uri-png.html", f'<img src="data:image/png;base64,{b64(s.png(text=NAME.encode()))}">', NAME, "in a data: URI, in a PNG tEXt chunk"),  # noqa: E501
    ("atob.html", f'<script>document.write(atob("{b64(NAME.encode())}"))</script>', NAME, "in text encoded in base64 or hex"),  # noqa: E501
    ("hex.js", f'x = "{NAME.encode().hex()}"', NAME, "in text encoded in base64 or hex"),
    ("base64-gzip.js", f'x = "{b64(gzip.compress(NAME.encode()))}"', NAME, "in text encoded in base64 or hex, in its gzip data"),  # noqa: E501
]  # fmt: skip

BINARY_DISGUISES = [
    ("utf-16.txt", NAME.encode("utf-16"), NAME, ""),
    ("utf-16-be.html", b"\xfe\xff" + f"<p>{NAME}</p>".encode("utf-16-be"), NAME, ""),
    ("utf-32.txt", NAME.encode("utf-32"), NAME, ""),
    ("utf-8-bom.html", b"\xef\xbb\xbf" + NAME.encode(), NAME, ""),
    ("latin-1.html", "<p>Ærøskøbing Foods</p>".encode("latin-1"), "Ærøskøbing Foods", ""),
    ("cp1252.html", f"<p>\u201c{NAME}\u201d \u2014 Š</p>".encode("cp1252"), NAME, ""),
    ("mixed-encodings.html", b"\xff " + "Ærøskøbing Foods".encode(), "Ærøskøbing Foods", ""),
    ("sitemap.xml.gz", gzip.compress(f"<loc>{NAME}</loc>".encode()), NAME, "in its gzip data"),
    ("double.gz", gzip.compress(gzip.compress(NAME.encode())), NAME, "in its gzip data, in its gzip data"),  # noqa: E501
    ("png-text.png", s.png(text=NAME.encode()), NAME, "in a PNG tEXt chunk"),
    ("png-ztxt.png", s.png(s.ztxt(b"Comment", NAME.encode())), NAME, "in a PNG zTXt chunk"),
    ("png-itxt.png", s.png(s.itxt(b"Comment", NAME)), NAME, "in a PNG iTXt chunk"),
    ("png-itxt-plain.png", s.png(s.itxt(b"Title", "Ærøskøbing Foods", compressed=False)), "Ærøskøbing Foods", "in a PNG iTXt chunk"),  # noqa: E501
    ("png-exif.png", s.png(s.png_chunk(b"eXIf", s.exif(artist=NAME))), NAME, "in a PNG eXIf chunk"),
    ("png-exif-utf16.png", s.png(s.png_chunk(b"eXIf", s.exif(description_utf16=NAME))), NAME, "in a PNG eXIf chunk"),  # noqa: E501
    ("png-private-chunk.png", s.png(s.png_chunk(b"leAk", NAME.encode())), NAME, "in a PNG leAk chunk"),  # noqa: E501
    ("png-after-end.png", s.png(after=NAME.encode()), NAME, "in data after the PNG's end"),
    ("jpeg-exif.jpg", s.jpeg((0xE1, b"Exif\0\0" + s.exif(artist=NAME))), NAME, "in JPEG metadata"),
    ("jpeg-xmp.jpg", s.jpeg((0xE1, b"http://ns.adobe.com/xap/1.0/\0<dc:creator>" + NAME.encode() + b"</dc:creator>")), NAME, "in JPEG metadata"),  # noqa: E501
    ("jpeg-comment.jpg", s.jpeg((0xFE, NAME.encode())), NAME, "in JPEG metadata"),
    ("gif-comment.gif", s.gif(comment=NAME.encode()), NAME, "in a GIF extension"),
    ("gif-plain-text.gif", s.gif(plain_text=NAME.encode()), NAME, "in a GIF extension"),
    ("webp-exif.webp", s.webp((b"EXIF", s.exif(artist=NAME))), NAME, "in a WebP EXIF chunk"),
    ("webp-xmp.webp", s.webp((b"XMP ", b"<dc:creator>" + NAME.encode() + b"</dc:creator>")), NAME, "in a WebP XMP  chunk"),  # noqa: E501
    ("image.svgz", s.svgz(f"<text>{NAME}</text>"), NAME, "in its gzip data"),
    ("tspans.svgz", s.svgz("<text><tspan>Calder Mech</tspan><tspan>anical Group</tspan></text>"), NAME, "in its gzip data"),  # noqa: E501
    ("notes.zip", s.zip_of({"notes.txt": NAME}), NAME, "in ZIP member notes.txt"),
    ("named.zip", s.zip_of({f"{NAME}.txt": "x"}), NAME, f"in ZIP member {NAME}.txt"),
    ("letter.docx", s.docx("Calder Mech", "anical Gr", "oup"), NAME, "in ZIP member word/document.xml"),  # noqa: E501
    ("plain.pdf", s.pdf(f"BT /F1 12 Tf ({NAME}) Tj ET".encode(), compress=False), NAME, "in the PDF's text"),  # noqa: E501
    ("flate.pdf", s.pdf(f"BT /F1 12 Tf ({NAME}) Tj ET".encode()), NAME, "in the PDF's text"),
    ("kerned.pdf", s.pdf(b"BT /F1 12 Tf [(Cal) -20 (der) -250 (Mech) 12 (anical Group)] TJ ET"), NAME, "in the PDF's text"),  # noqa: E501
    ("hex-string.pdf", s.pdf(f"BT /F1 12 Tf <{NAME.encode().hex()}> Tj ET".encode()), NAME, "in the PDF's text"),  # noqa: E501
    ("escaped-string.pdf", s.pdf(b"BT /F1 12 Tf (\\103alder Mechanical Group) Tj ET"), NAME, "in the PDF's text"),  # noqa: E501
    ("utf16-string.pdf", s.pdf(b"BT ET", extra=b" /Title <FEFF" + NAME.encode("utf-16-be").hex().encode() + b">"), NAME, "in the PDF's text"),  # noqa: E501
]  # fmt: skip


def audited(tmp_path: Path, name: str, data: str | bytes) -> list[Finding | Refused]:
    site = tmp_path / "site"
    site.mkdir()
    path = site / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return audit(site, SECRETS)


@pytest.mark.parametrize(
    ("name", "data", "word", "where"),
    TEXT_DISGUISES + BINARY_DISGUISES,
    ids=[case[0] for case in TEXT_DISGUISES + BINARY_DISGUISES],
)
def test_disguised_name_is_found(tmp_path: Path, name: str, data, word: str, where: str):
    findings = audited(tmp_path, name, data)
    assert [f for f in findings if isinstance(f, Refused)] == []
    lines = [str(f) for f in findings]
    expected = f"{name}:1: the light site contains '{word}'" + (f" {where}," if where else ",")
    assert any(line.startswith(expected) for line in lines), lines


@pytest.mark.parametrize(
    "text",
    [
        "<p>Calder and Mechanical Group are unrelated words here.</p>",
        "<p>Calder Mechanical Grouping</p>",
        "<p>Cal der Mechanical Group</p>",
        "C:\\Calder\\Mechanical Group",  # a backslash path in prose is not a CSS escape...
        "<p>弊社は山田と商事</p>",
        "<p>Acalder Mechanical Group</p>",
    ],
)
def test_near_misses_are_not_findings(tmp_path: Path, text: str):
    findings = audited(tmp_path, "page.html", text)
    names = [f.word for f in findings if isinstance(f, Finding)]
    if text.startswith("C:"):  # ...but read both ways: as written it names the customer
        assert names == [NAME]
    else:
        assert names == []


def test_line_of_a_finding_is_the_line_in_the_file(tmp_path: Path):
    html = "<html>\n<body>\n<p\n class='x'>Hello</p>\n<p>Cal<b></b>der\nMechanical Group</p>\n"
    findings = audited(tmp_path, "page.html", html * 3)
    assert sorted(f.line for f in findings) == [5, 11, 17]


def test_name_across_a_piece_boundary_is_found(tmp_path: Path):
    # Text is read in pieces of 256k characters: the end of one carries over to the next.
    filler = "word " * ((1 << 18) // 5 - 1) + "Calder"
    findings = audited(tmp_path, "long.txt", filler + "\n\n   Mechanical\n Group\n")
    assert [f.word for f in findings] == [NAME]


def test_long_line_without_spaces_is_read(tmp_path: Path):
    findings = audited(tmp_path, "long.txt", "x" * (1 << 19) + " " + NAME)
    assert [f.word for f in findings] == [NAME]


# --- What the audit cannot read fails the build -------------------------------------------------

GOOD_PNG = s.png(s.ztxt(b"Comment", b"hello"))

UNREADABLE = [
    ("truncated.gz", gzip.compress(b"hello world " * 100)[:-12], "corrupt or truncated compressed data"),  # noqa: E501
    ("corrupt.gz", gzip.compress(b"hello")[:10] + b"\0garbage" + b"\0" * 8, "corrupt or truncated compressed data"),  # noqa: E501
    ("trailing-junk.gz", gzip.compress(b"hello") + b"junk", "corrupt or truncated compressed data"),
    ("truncated.png", GOOD_PNG[:-20], "truncated PNG"),
    ("bad-checksum.png", GOOD_PNG[:-13] + b"\0" + GOOD_PNG[-12:], "bad checksum"),
    ("bad-ztxt.png", s.png(s.png_chunk(b"zTXt", b"C\0\0not zlib")), "corrupt compressed data"),
    ("truncated-ztxt.png", s.png(s.png_chunk(b"zTXt", b"C\0\0" + s.zlib_of(b"hello " * 50)[:-9])), "truncated compressed data"),  # noqa: E501
    ("fake.png", b"\x89PNG\r\n\x1a\nnot really a png", "truncated PNG"),
    ("truncated.jpg", s.jpeg((0xFE, b"hi"))[:-2], "truncated JPEG"),
    ("truncated.gif", s.gif(comment=b"hi")[:-3], "truncated GIF"),
    ("truncated.webp", s.webp((b"EXIF", b"x" * 40))[:-10], "truncated WebP"),
    ("truncated.zip", s.zip_of({"a.txt": "hello"})[:-30], "corrupt ZIP archive"),
    ("encrypted.pdf", s.pdf(b"BT (x) Tj ET", extra=b" /Encrypt 9 0 R"), "encrypted PDF"),
    ("cid-font.pdf", s.pdf(b"BT (x) Tj ET", extra=b" /Subtype /Type0 /Encoding /Identity-H"), "CID fonts"),  # noqa: E501
    ("lzw.pdf", s.pdf(b"BT (x) Tj ET").replace(b"/FlateDecode", b"/LZWDecode"), "LZWDecode"),
    ("font.woff2", b"wOF2\0\1\0\0" + bytes(range(256)), "binary data of a type the audit cannot read"),  # noqa: E501
    ("utf-16-without-bom.txt", "Ærø".encode("utf-16-le"), "binary data of a type the audit cannot read"),  # noqa: E501
    ("bad-utf-16.txt", b"\xff\xfe" + "hi".encode("utf-16-le") + b"\0\xd8", "not valid UTF-16 text"),  # noqa: E501
    ("nested-too-deep.gz", s.nest_gzip(b"hello", 10), "nested more than"),
    ("bomb.gz", s.gzip_of(b"a", 5 << 20), "decompression bomb"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "data", "reason"), UNREADABLE, ids=[case[0] for case in UNREADABLE]
)
def test_file_the_audit_cannot_read_fails_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, data, reason: str
):
    monkeypatch.setattr(reader, "MAX_EXPANDED", 4 << 20)  # the real cap is 256 MiB
    findings = audited(tmp_path, name, data)
    assert [type(f) for f in findings] == [Refused]
    line = str(findings[0])
    assert line.startswith(f"{name}:1: the leak audit cannot read this file: "), line
    assert reason in line and "; " in line, line


def test_refused_file_fails_the_build(tmp_path: Path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "ok.html").write_text("<p>fine</p>")
    (site / "broken.svgz").write_bytes(s.svgz("<text>x</text>")[:-6])
    findings = audit(site, SECRETS)
    assert [(f.file, type(f)) for f in findings] == [("broken.svgz", Refused)]


# --- Memory -------------------------------------------------------------------------------------

_MEASURE = textwrap.dedent(
    """
    import resource, sys
    from pathlib import Path
    from roadmap.audience import Secret
    from roadmap.audit import audit
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    found = audit(Path(sys.argv[1]), [Secret("Calder Mechanical Group", "a customer")])
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(after - before, len(found), found[0] if found else "")
    """
)


def test_memory_stays_flat_on_a_100_mb_file(tmp_path: Path):
    """100 MB of HTML, compressed to a few hundred kB: the old audit built a list of every
    word (24 GB for a file like this). The audit runs in a process of its own, so its peak
    memory is its own."""
    site = tmp_path / "site"
    site.mkdir()
    line = "<p>Scheduling <b>jobs</b> over several days, with notes and photos.</p>\n"
    blocks = 100_000_000 // len(line * 10_000)
    with gzip.open(site / "big.html.gz", "wt", compresslevel=1) as f:
        for _ in range(blocks):
            f.write(line * 10_000)
        f.write("<p>Calder <i>Mechanical</i> Group</p>\n")
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(site)], capture_output=True, text=True, check=True
    )
    grown_kb, found, first = result.stdout.split(" ", 2)
    where = f"big.html.gz:{blocks * 10_000 + 1}: the light site contains '{NAME}' in its gzip"
    assert found == "1" and first.startswith(where), result.stdout
    assert int(grown_kb) < 64_000, f"the audit grew by {int(grown_kb) // 1000} MB"
