"""Every text a file holds, as its readers would get at it: decoded, decompressed, taken out of
image metadata, archives and PDF streams. A file it cannot read raises Unreadable.

Readable: text in UTF-8, UTF-16/32 with a byte-order mark, or Windows-1252/Latin-1; gzip (also
nested); ZIP (DOCX, XLSX...); PNG (text chunks, EXIF, ICC profile names, unknown chunks, data
after the end); JPEG (EXIF, XMP, comments, every APPn segment); GIF (comments, plain text and
application extensions); WebP (EXIF, XMP, unknown chunks); PDF (see _pdf). Base64 `data:` URIs
inside text are read as files of their own (audit.py asks for that). Pixels are not read.

Texts are streamed in pieces, so memory stays flat in a file's size; decompressed data is
capped per file (a decompression bomb fails the build instead of filling the memory).
"""

from __future__ import annotations

import base64
import codecs
import contextlib
import gzip
import io
import re
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from .words import JOIN

PIECE = 1 << 18  # bytes read at a time
MAX_EXPANDED = 1 << 28  # decompressed bytes per file: far above any real site file
MAX_IN_MEMORY = 64 << 20  # an image or a metadata block is read whole; larger ones are refused
MAX_DEPTH = 8  # containers inside containers (gzip in ZIP in a data: URI...)

Source = Callable[[], BinaryIO]  # opens the bytes afresh: a text may be read twice


class Unreadable(Exception):
    """The audit cannot read this file; the message says why."""


@dataclass
class Text:
    """One text a file holds. `pieces` yields decoded text; None starts a new reading of the
    same text (read again in another encoding), so nothing carries over the gap."""

    where: str  # "" for the file's own text, else "in its gzip data", "in a PNG zTXt chunk"...
    pieces: Iterator[str | None]


@dataclass
class _Context:
    expanded: list[int] = field(default_factory=lambda: [0])  # shared by nested readers
    depth: int = 0

    def deeper(self) -> _Context:
        if self.depth >= MAX_DEPTH:
            raise Unreadable(f"containers nested more than {MAX_DEPTH} deep")
        return _Context(self.expanded, self.depth + 1)

    def count(self, n: int) -> None:
        self.expanded[0] += n
        if self.expanded[0] > MAX_EXPANDED:
            raise Unreadable(
                f"more than {MAX_EXPANDED >> 20} MiB once decompressed (a decompression bomb?)"
            )


def texts(path: Path) -> Iterator[Text]:
    """Every text in the file at `path`."""
    yield from _texts(lambda: path.open("rb"), "", _Context())


def worth_reading(data: bytes) -> bool:
    """Whether bytes decoded from a guess (a run that looks like base64) hold anything to
    read: text, or a file of a type the audit knows."""
    if data.startswith(
        (b"\x1f\x8b", b"\x89PNG", b"PK\x03\x04", b"%PDF-", b"\xff\xd8\xff", b"GIF8")
    ):
        return True
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not _BINARY.search(text) and sum(c.isalpha() or c == " " for c in text) > len(text) / 2


def texts_of(data: bytes, where: str, depth: int = 1) -> Iterator[Text]:
    """Every text in bytes found inside another file (a data: URI)."""
    yield from _texts(lambda: io.BytesIO(data), where, _Context(depth=depth))


# --- What a file is -----------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _texts(source: Source, where: str, ctx: _Context) -> Iterator[Text]:
    with source() as f:
        head = _read(f, 16)
    if head.startswith(b"\x1f\x8b"):
        yield from _gzip(source, where, ctx)
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        yield from _png(_whole(source), where, ctx)
    elif head.startswith(b"\xff\xd8\xff"):
        yield from _jpeg(_whole(source), where, ctx)
    elif head[:6] in (b"GIF87a", b"GIF89a"):
        yield from _gif(_whole(source), where, ctx)
    elif head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        yield from _webp(_whole(source), where, ctx)
    elif head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        yield from _zip(source, where, ctx)
    elif head.startswith(b"%PDF-"):
        yield from _pdf(_whole(source), where, ctx)
    else:
        yield Text(where, _decoded(source, head))


def _read(f: BinaryIO, n: int) -> bytes:
    """Up to n bytes (fewer only at the end), with broken compressed data said plainly."""
    out = bytearray()
    try:
        while len(out) < n and (data := f.read(min(n - len(out), PIECE))):
            out += data
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as e:
        raise Unreadable(f"corrupt or truncated compressed data ({e})") from None
    return bytes(out)


def _whole(source: Source) -> bytes:
    with source() as f:
        data = _read(f, MAX_IN_MEMORY + 1)
    if len(data) > MAX_IN_MEMORY:
        raise Unreadable(f"an image or document larger than {MAX_IN_MEMORY >> 20} MiB")
    return data


# --- Text ---------------------------------------------------------------------------------------

# Bytes no text holds: a binary file of a type the audit does not know.
_BINARY = re.compile("[\x00-\x08\x0e-\x1a]")
# Windows-1252 where it differs from Latin-1 (0x80-0x9f); its five holes stay Latin-1.
_CP1252 = {
    b: ord(bytes([b]).decode("cp1252"))
    for b in range(0x80, 0xA0)
    if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}


def _decoded(source: Source, head: bytes) -> Iterator[str | None]:
    """The text of a file: with a BOM, its encoding; else UTF-8, and when that fails, read
    again twice, as Windows-1252 and as UTF-8 with the bad bytes replaced."""
    encoding = next((enc for bom, enc in _BOMS if head.startswith(bom)), None)
    try:
        yield from _decode_with(source, encoding or "utf-8", "strict")
        return
    except UnicodeDecodeError as e:
        if encoding:
            raise Unreadable(f"not valid {encoding.upper()} text ({e.reason})") from None
    yield None
    yield from _decode_with(source, "latin-1", "strict", _CP1252)
    yield None
    yield from _decode_with(source, "utf-8", "replace")


def _decode_with(
    source: Source, encoding: str, errors: str, table: dict | None = None
) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder(encoding)(errors)
    with source() as f:
        while data := _read(f, PIECE):
            text = decoder.decode(data)
            if _BINARY.search(text):
                raise Unreadable("binary data of a type the audit cannot read")
            yield text.translate(table) if table else text
        yield decoder.decode(b"", final=True)


def _binary_texts(data: bytes, where: str) -> Iterator[Text]:
    """Metadata that mixes numbers and text (EXIF, XMP packets, ICC profiles, unknown chunks):
    the text in it, whatever its encoding: UTF-8 and UTF-16 of either byte order and alignment.
    """
    if not data:
        return

    def pieces(encoding: str, offset: int) -> Iterator[str]:
        decoder = codecs.getincrementaldecoder(encoding)("replace")
        for start in range(offset, len(data), PIECE):
            yield decoder.decode(data[start : start + PIECE])
        yield decoder.decode(b"", final=True)

    yield Text(where, pieces("utf-8", 0))
    for offset in (0, 1):
        for encoding in ("utf-16-le", "utf-16-be"):
            yield Text(where, pieces(encoding, offset))


def _text_of(data: bytes, where: str) -> Text:
    """A text field of a binary format: UTF-8, else Windows-1252."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1").translate(_CP1252)
    return Text(where, iter([text]))


# --- Compressed data ----------------------------------------------------------------------------


class _Counted(io.RawIOBase):
    """A decompressing stream whose output counts against the file's cap; closing it closes
    the streams under it."""

    def __init__(self, inner: BinaryIO, ctx: _Context, *under: BinaryIO):
        self.inner, self.ctx, self.under = inner, ctx, under

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        try:
            data = self.inner.read(len(b))
        except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as e:
            raise Unreadable(f"corrupt or truncated compressed data ({e})") from None
        self.ctx.count(len(data))
        b[: len(data)] = data
        return len(data)

    def close(self) -> None:
        for f in (self.inner, *self.under):
            with contextlib.suppress(Exception):
                f.close()
        super().close()


def _gzip(source: Source, where: str, ctx: _Context) -> Iterator[Text]:
    inner = ctx.deeper()

    def opened() -> BinaryIO:
        raw = source()
        return _Counted(gzip.GzipFile(fileobj=raw, mode="rb"), inner, raw)

    yield from _texts(opened, _inside(where, "its gzip data"), inner)


def _inflated(data: bytes, ctx: _Context, wbits: int = zlib.MAX_WBITS) -> Iterator[bytes]:
    """zlib data, decompressed piece by piece."""
    d = zlib.decompressobj(wbits)
    try:
        while data:
            out = d.decompress(data, PIECE)
            data = d.unconsumed_tail
            ctx.count(len(out))
            yield out
        if not d.eof:
            raise Unreadable("truncated compressed data")
    except zlib.error as e:
        raise Unreadable(f"corrupt compressed data ({e})") from None


def _streamed(pieces: Iterator[bytes]) -> Source:
    """A Source reading these pieces (once: compressed fields are small, their output not)."""
    buffered = io.BufferedReader(_Pieces(pieces), PIECE)
    return lambda: buffered


class _Pieces(io.RawIOBase):
    def __init__(self, pieces: Iterator[bytes]):
        self.pieces, self.left = pieces, b""

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        while not self.left:
            self.left = next(self.pieces, None)
            if self.left is None:
                self.left = b""
                return 0
        n = min(len(b), len(self.left))
        b[:n], self.left = self.left[:n], self.left[n:]
        return n


def _compressed_text(data: bytes, where: str, ctx: _Context) -> Iterator[Text]:
    """zlib data holding text: read as the text it is (the two readings of a text that is not
    UTF-8 need it twice, so it is decompressed twice: it is never kept whole)."""
    inner = ctx.deeper()
    with _streamed(_inflated(data, inner))() as f:
        head = f.peek(16)[:16]
    yield Text(where, _decoded(lambda: _streamed(_inflated(data, inner))(), head))


def _inside(where: str, what: str) -> str:
    return f"{where}, in {what}" if where else f"in {what}"


# --- Images -------------------------------------------------------------------------------------

# PNG chunks that hold numbers and pixels only.
_PNG_PLAIN = {
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"sBIT", b"bKGD",
    b"hIST", b"pHYs", b"tIME", b"acTL", b"fcTL", b"fdAT", b"cICP", b"mDCv", b"cLLi",
}  # fmt: skip


def _png(data: bytes, where: str, ctx: _Context) -> Iterator[Text]:
    pos = 8
    while True:
        if pos + 8 > len(data):
            raise Unreadable("truncated PNG (no IEND chunk)")
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        crc = data[pos + 8 + length : pos + 12 + length]
        if len(body) < length or len(crc) < 4:
            raise Unreadable(f"truncated PNG {kind.decode('latin-1')} chunk")
        if zlib.crc32(kind + body) != struct.unpack(">I", crc)[0]:
            raise Unreadable(f"corrupt PNG {kind.decode('latin-1')} chunk (bad checksum)")
        pos += 12 + length
        name = kind.decode("latin-1")
        here = _inside(where, f"a PNG {name} chunk")
        if kind == b"tEXt":
            yield _text_of(body.replace(b"\0", b" ", 1), here)
        elif kind == b"zTXt":
            keyword, _, rest = body.partition(b"\0")
            yield _text_of(keyword, here)
            yield from _compressed_text(rest[1:], here, ctx)
        elif kind == b"iTXt":
            keyword, _, rest = body.partition(b"\0")
            compressed, rest = rest[:1] == b"\1", rest[2:]
            language, _, rest = rest.partition(b"\0")
            translated, _, text = rest.partition(b"\0")
            yield _text_of(b" ".join((keyword, language, translated)), here)
            if compressed:
                yield from _compressed_text(text, here, ctx)
            else:
                yield _text_of(text, here)
        elif kind == b"iCCP":
            name_, _, rest = body.partition(b"\0")
            yield _text_of(name_, here)
            yield from _binary_texts(b"".join(_inflated(rest[1:], ctx.deeper())), here)
        elif kind not in _PNG_PLAIN:
            yield from _binary_texts(body, here)
        if kind == b"IEND":
            yield from _binary_texts(data[pos:], _inside(where, "data after the PNG's end"))
            return


def _jpeg(data: bytes, where: str, ctx: _Context) -> Iterator[Text]:
    pos = 2
    while True:
        marker = data.find(b"\xff", pos)
        if marker < 0 or marker + 1 >= len(data):
            raise Unreadable("truncated JPEG (no end-of-image marker)")
        kind = data[marker + 1]
        if kind in (0xFF, 0x00, 0x01) or 0xD0 <= kind <= 0xD7:  # fill, stuffing, restarts
            pos = marker + 1 if kind == 0xFF else marker + 2
            continue
        if kind == 0xD9:
            after = _inside(where, "data after the JPEG's end")
            yield from _binary_texts(data[marker + 2 :], after)
            return
        if marker + 4 > len(data):
            raise Unreadable("truncated JPEG segment")
        (length,) = struct.unpack(">H", data[marker + 2 : marker + 4])
        end = marker + 2 + length
        if length < 2 or end > len(data):
            raise Unreadable("truncated JPEG segment")
        if kind == 0xFE or 0xE0 <= kind <= 0xEF:  # comment, APPn: EXIF, XMP, IPTC, ICC...
            yield from _binary_texts(data[marker + 4 : end], _inside(where, "JPEG metadata"))
        pos = end  # after start-of-scan, the search for 0xFF skips the coded pixels


def _gif(data: bytes, where: str, ctx: _Context) -> Iterator[Text]:
    def blocks(pos: int) -> tuple[bytes, int]:
        out = []
        while True:
            if pos >= len(data):
                raise Unreadable("truncated GIF")
            size = data[pos]
            if not size:
                return b"".join(out), pos + 1
            out.append(data[pos + 1 : pos + 1 + size])
            pos += 1 + size

    if len(data) < 13:
        raise Unreadable("truncated GIF")
    flags = data[10]
    pos = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    while True:
        if pos >= len(data):
            raise Unreadable("truncated GIF (no trailer)")
        kind = data[pos]
        if kind == 0x3B:
            yield from _binary_texts(data[pos + 1 :], _inside(where, "data after the GIF's end"))
            return
        if kind == 0x2C:  # an image: descriptor, local colours, LZW size, pixel blocks
            if pos + 10 > len(data):
                raise Unreadable("truncated GIF")
            local = data[pos + 9]
            pos += 10 + (3 << ((local & 7) + 1) if local & 0x80 else 0) + 1
            _, pos = blocks(pos)
        elif kind == 0x21:
            if pos + 2 > len(data):
                raise Unreadable("truncated GIF")
            label = data[pos + 1]
            body, pos = blocks(pos + 2)
            if label != 0xF9:  # all but graphic control: comments, plain text, XMP...
                yield from _binary_texts(body, _inside(where, "a GIF extension"))
        else:
            raise Unreadable(f"corrupt GIF (unknown block 0x{kind:02x})")


_WEBP_PLAIN = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF"}


def _webp(data: bytes, where: str, ctx: _Context) -> Iterator[Text]:
    (size,) = struct.unpack("<I", data[4:8])
    if size + 8 > len(data):
        raise Unreadable("truncated WebP")
    yield from _binary_texts(data[size + 8 :], _inside(where, "data after the WebP's end"))
    pos = 12
    while pos < size + 8:
        if pos + 8 > len(data):
            raise Unreadable("truncated WebP chunk")
        kind, length = struct.unpack("<4sI", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if len(body) < length:
            raise Unreadable("truncated WebP chunk")
        if kind not in _WEBP_PLAIN:
            yield from _binary_texts(body, _inside(where, f"a WebP {kind.decode('latin-1')} chunk"))
        pos += 8 + length + (length & 1)


# --- Archives -----------------------------------------------------------------------------------


def _zip(source: Source, where: str, ctx: _Context) -> Iterator[Text]:
    inner = ctx.deeper()
    with tempfile.SpooledTemporaryFile(MAX_IN_MEMORY // 4) as spool, source() as f:
        while data := _read(f, PIECE):
            spool.write(data)
        try:
            archive = zipfile.ZipFile(spool)
        except (zipfile.BadZipFile, OSError) as e:
            raise Unreadable(f"corrupt ZIP archive ({e})") from None
        with archive:
            yield _text_of(archive.comment, _inside(where, "the ZIP comment"))
            for member in archive.infolist():
                here = _inside(where, f"ZIP member {member.filename}")
                yield _text_of(member.filename.encode(), here)
                if member.is_dir():
                    continue
                if member.flag_bits & 1:
                    raise Unreadable(f"encrypted ZIP member {member.filename}")

                def opened(m: zipfile.ZipInfo = member) -> BinaryIO:
                    try:
                        return _Counted(archive.open(m), inner)
                    except (NotImplementedError, zipfile.BadZipFile, OSError) as e:
                        raise Unreadable(f"ZIP member {m.filename}: {e}") from None

                yield from _texts(opened, here, inner)


# --- PDF ----------------------------------------------------------------------------------------

_STREAM = re.compile(rb"stream(?:\r\n|\n|\r)")
_FILTERS = re.compile(rb"/Filter\s*(\[[^\]]*\]|/[A-Za-z0-9]+)")
_NAME = re.compile(rb"/([A-Za-z0-9]+)")
_CID_FONT = re.compile(rb"/Identity-[HV]|/Type0\b|/CIDFontType")
# Images: their pixels are not read, as for PNG and JPEG.
_IMAGE_FILTERS = {b"DCTDecode", b"JPXDecode", b"CCITTFaxDecode", b"JBIG2Decode"}


def _pdf(data: bytes, where: str, ctx: _Context) -> Iterator[Text]:
    """A PDF: its objects and inflated streams, each read twice: as they are, and as the text
    of their strings alone (what a PDF reader shows). Text drawn with fonts whose codes are
    glyph numbers (Type0, Identity-H) cannot be read without the font: such files are refused,
    as are encrypted ones and streams in filters not listed here."""
    if b"/Encrypt" in data:
        raise Unreadable("encrypted PDF")
    parts, pos = [], 0
    for m in _STREAM.finditer(data):
        if m.start() < pos:
            continue
        end = data.find(b"endstream", m.end())
        if end < 0:
            raise Unreadable("truncated PDF stream")
        head = data[pos : m.start()]
        parts.append(head)
        filters = _FILTERS.search(head[max(0, head.rfind(b"obj")) :])
        names = _NAME.findall(filters[1]) if filters else []
        if not any(n in _IMAGE_FILTERS for n in names):
            parts.append(_pdf_unfiltered(data[m.end() : end], names, ctx))
        pos = end + len(b"endstream")
    parts.append(data[pos:])
    here = _inside(where, "the PDF's text")
    for part in parts:
        if _CID_FONT.search(part):
            raise Unreadable("PDF text in CID fonts (Type0, Identity-H) cannot be read")
        yield Text(here, iter([part.decode("latin-1").translate(_CP1252)]))
        yield Text(here, iter([JOIN.join(_pdf_strings(part))]))


def _pdf_unfiltered(body: bytes, filters: list[bytes], ctx: _Context) -> bytes:
    for name in filters:
        if name in (b"FlateDecode", b"Fl"):
            body = b"".join(_inflated(body, ctx.deeper()))
        elif name in (b"ASCIIHexDecode", b"AHx"):
            digits = re.sub(rb"[^0-9A-Fa-f]", b"", body.split(b">")[0])
            body = bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode())
        elif name in (b"ASCII85Decode", b"A85"):
            try:
                body = base64.a85decode(body.strip(), adobe=body.strip().startswith(b"<~"))
            except ValueError as e:
                raise Unreadable(f"corrupt PDF stream ({e})") from None
        else:
            raise Unreadable(f"PDF stream in a filter the audit cannot read ({name.decode()})")
    return body


_PDF_ESCAPE = re.compile(rb"\\([0-7]{1,3}|.)", re.S)
_PDF_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"\n": b""}


_PDF_TOKEN = re.compile(
    rb"(?P<s>\((?:[^()\\]|\\.|\((?:[^()\\]|\\.)*\))*\)|<(?P<hex>[0-9A-Fa-f\s]*)>)"
    rb"|(?P<n>[-+]?\d*\.?\d+)|(?P<open>\[)|(?P<close>\])",
    re.S,
)


def _pdf_strings(part: bytes) -> Iterator[str]:
    """The text of the strings in PDF syntax, as a reader shows it. In a TJ array, a small
    number between two strings is kerning (one word), a large negative one a space; other
    strings are drawn apart, which may or may not look like a space (both readings: JOIN)."""
    in_array, text = False, ""
    for m in _PDF_TOKEN.finditer(part):
        if m["open"] or m["close"]:
            in_array = bool(m["open"])
            if text:
                yield text
            text = ""
        elif m["n"] is not None:
            if in_array and text and float(m["n"]) < -150:
                text += " "
        elif in_array:
            text += _pdf_string(m)
        else:
            yield _pdf_string(m)
    if text:
        yield text


def _pdf_string(m: re.Match) -> str:
    if m["hex"] is not None:
        digits = re.sub(rb"\s", b"", m["hex"])
        raw = bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode())
    else:
        raw = _PDF_ESCAPE.sub(
            lambda e: (
                bytes([int(e[1], 8) & 0xFF]) if e[1][:1].isdigit() else _PDF_ESCAPES.get(e[1], e[1])
            ),
            m["s"][1:-1],
        )
    if raw.startswith(codecs.BOM_UTF16_BE):
        return raw[2:].decode("utf-16-be", "replace")
    return raw.decode("latin-1").translate(_CP1252)
