"""Small real files of every type the leak audit reads, built byte by byte, with text hidden
where each format keeps it (metadata, compressed chunks, archive members, PDF streams)."""

from __future__ import annotations

import gzip
import io
import struct
import zipfile
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(*chunks: bytes, text: bytes | None = None, after: bytes = b"") -> bytes:
    """A 1x1 grey PNG with these extra chunks (png_chunk(...)) before its pixels."""
    extra = list(chunks)
    if text is not None:
        extra.append(png_chunk(b"tEXt", b"Comment\0" + text))
    return (
        PNG_SIGNATURE
        + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
        + b"".join(extra)
        + png_chunk(b"IDAT", zlib.compress(b"\0\x80"))
        + png_chunk(b"IEND", b"")
        + after
    )


def ztxt(keyword: bytes, text: bytes) -> bytes:
    return png_chunk(b"zTXt", keyword + b"\0\0" + zlib.compress(text))


def itxt(keyword: bytes, text: str, compressed: bool = True) -> bytes:
    data = text.encode("utf-8")
    body = zlib.compress(data) if compressed else data
    return png_chunk(b"iTXt", keyword + b"\0" + bytes([compressed, 0]) + b"en\0\0" + body)


def exif(artist: str = "", description_utf16: str = "") -> bytes:
    """A little-endian TIFF/EXIF block: Artist (ASCII) and XPComment (UTF-16LE, as Windows
    writes it)."""
    entries = []
    values = b""
    base = 8 + 2 + 12 * 2 + 4
    for tag, kind, data in (
        (0x013B, 2, artist.encode("ascii") + b"\0"),
        (0x9C9C, 1, description_utf16.encode("utf-16-le") + b"\0\0"),
    ):
        entries.append(struct.pack("<HHII", tag, kind, len(data), base + len(values)))
        values += data
    return (
        b"II*\0"
        + struct.pack("<I", 8)
        + struct.pack("<H", 2)
        + b"".join(entries)
        + b"\0" * 4
        + values
    )


def jpeg(*segments: tuple[int, bytes]) -> bytes:
    """A JPEG skeleton: SOI, the given (marker, payload) segments, a scan, EOI."""
    out = b"\xff\xd8"
    for marker, payload in segments:
        out += bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload
    scan = b"\xff\xda" + struct.pack(">H", 8) + b"\x01\x01\x00\x00\x3f\x00"
    return out + scan + b"\x12\x34\xff\x00\x56" + b"\xff\xd9"


def gif(comment: bytes = b"", plain_text: bytes = b"") -> bytes:
    """A 1x1 GIF89a with a comment extension and a plain text extension."""

    def blocks(data: bytes) -> bytes:
        return (
            b"".join(
                bytes([len(data[i : i + 255])]) + data[i : i + 255]
                for i in range(0, len(data), 255)
            )
            + b"\0"
        )

    out = b"GIF89a" + struct.pack("<HH", 1, 1) + b"\x80\x00\x00" + b"\0\0\0\xff\xff\xff"
    if comment:
        out += b"\x21\xfe" + blocks(comment)
    if plain_text:
        out += b"\x21\x01" + b"\x0c" + b"\0" * 12 + blocks(plain_text)
    out += b"\x2c" + struct.pack("<HHHH", 0, 0, 1, 1) + b"\x00" + b"\x02" + blocks(b"\x4c\x01")
    return out + b"\x3b"


def webp(*chunks: tuple[bytes, bytes]) -> bytes:
    """A RIFF/WebP container: a VP8L frame and the given (fourcc, payload) chunks."""
    body = b"WEBP"
    for kind, data in ((b"VP8L", b"\x2f\0\0\0\0\x88\x88\x08"), *chunks):
        body += kind + struct.pack("<I", len(data)) + data + (b"\0" if len(data) % 2 else b"")
    return b"RIFF" + struct.pack("<I", len(body)) + body


def svg(body: str) -> str:
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40">{body}</svg>\n'


def svgz(body: str) -> bytes:
    return gzip.compress(svg(body).encode("utf-8"))


def zip_of(files: dict[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def docx(*runs: str) -> bytes:
    """A minimal Word document: one paragraph made of these runs."""
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(f"<w:r><w:t>{r}</w:t></w:r>" for r in runs)
    document = (
        f'<?xml version="1.0"?><w:document xmlns:w="{w}">'
        f"<w:body><w:p>{body}</w:p></w:body></w:document>"
    )
    return zip_of({"[Content_Types].xml": "<Types/>", "word/document.xml": document})


def pdf(content: bytes, compress: bool = True, extra: bytes = b"") -> bytes:
    """A one-page PDF drawing `content` (a content stream, e.g. b"BT (Hello) Tj ET")."""
    stream = zlib.compress(content) if compress else content
    filters = b"/Filter /FlateDecode " if compress else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 50] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< "
        + filters
        + b"/Length "
        + str(len(stream)).encode()
        + b" >>\nstream\n"
        + stream
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>" + extra,
    ]
    out = b"%PDF-1.4\n"
    for n, body in enumerate(objects, start=1):
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    return out + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"


def zlib_of(data: bytes) -> bytes:
    return zlib.compress(data)


def nest_gzip(data: bytes, times: int) -> bytes:
    for _ in range(times):
        data = gzip.compress(data)
    return data


def gzip_of(letter: bytes, size: int) -> bytes:
    """`size` bytes of one letter, gzipped without holding them in memory."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=1) as f:
        block = letter * (1 << 20)
        for _ in range(size >> 20):
            f.write(block)
    return out.getvalue()
