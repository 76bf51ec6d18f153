"""Text as its reader sees it: escapes undone, tags dropped, invisible characters and look-alikes
folded, then cut into normalised words. The audit and the phrases it looks for share it.

A word is a run of letters and digits; in scripts written without spaces (Chinese, Japanese,
Korean, Thai...) every character is a word, so a name is found inside a sentence.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import html
import re
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote

# --- Escapes ------------------------------------------------------------------------------------

# JSON and JavaScript: \uXXXX (a surrogate pair is one character), \u{X...}, \xXX, \/.
_JS_ESCAPE = re.compile(
    r"\\u(?P<hi>[dD][89abAB][0-9a-fA-F]{2})\\u(?P<lo>[dD][c-fC-F][0-9a-fA-F]{2})"
    r"|\\u(?P<u>[0-9a-fA-F]{4})|\\u\{(?P<cp>[0-9a-fA-F]{1,6})\}|\\x(?P<x>[0-9a-fA-F]{2})|\\/"
)
# JavaScript's unescape(): %uXXXX.
_PERCENT_U = re.compile(r"%u([0-9a-fA-F]{4})")


def _js_char(m: re.Match) -> str:
    if m["hi"]:
        return chr(0x10000 + ((int(m["hi"], 16) - 0xD800) << 10) + int(m["lo"], 16) - 0xDC00)
    code = m["u"] or m["cp"] or m["x"]
    if code is None:
        return "/"
    value = int(code, 16)
    return chr(value) if value <= sys.maxunicode else "\ufffd"


def decode(text: str) -> str:
    """Undo the encodings a word may hide behind, repeatedly (double escaping is common):
    HTML entities, JSON and JavaScript escapes, URL-encoding."""
    for _ in range(8):
        before = text
        if "&" in text:
            text = html.unescape(text)
        if "\\" in text:
            text = _JS_ESCAPE.sub(_js_char, text)
        if "%" in text:
            text = unquote(_PERCENT_U.sub(lambda m: chr(int(m[1], 16)), text))
        if text == before:
            break
    return text


# --- Other ways to read the same text -----------------------------------------------------------

# CSS escapes (`\43 alder`): decoded in a reading of their own, since the same backslash in
# other text ("C:\Acme") is no escape and decoding it would hide the word.
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})[ \t]?")
# Bidi controls that show text in another order than it is stored: an override reverses the
# letters (RLO), an embedding or isolate the words (RLE, RLI).
_OVERRIDE = re.compile("\u202e([^\u202c\u2069\n]*)")
_EMBEDDING = re.compile("[\u202b\u2067]([^\u202c\u2069\n]*)")
# Entities an XML file (an SVG) declares for itself.
_ENTITY_DECLARATION = re.compile(r"""<!ENTITY\s+([\w.-]+)\s+(?:"([^"]*)"|'([^']*)')""")
# Strings a script puts together ("Cal" + "der").
_CONCATENATION = re.compile(r"""["']\s*\+\s*["']""")
VARIANTS = 4  # kinds of reading variants() may return


def variants(text: str) -> list[tuple[int, str]]:
    """Decoded text, and the other ways a reader may see it: (kind, text), kind 0 the text
    itself; the others only when the text has what they undo."""
    out = [(0, text)]
    for kind in range(1, VARIANTS):
        other = variant(kind, text)
        if other is not None:
            out.append((kind, other))
    return out


def variant(kind: int, text: str) -> str | None:
    if kind == 0:
        return text
    if kind == 1 and "\\" in text and _CSS_ESCAPE.search(text):
        return _CSS_ESCAPE.sub(lambda m: _js_char_of(int(m[1], 16)), text)
    if kind == 2 and ("\u202e" in text or "\u202b" in text or "\u2067" in text):
        text = _OVERRIDE.sub(lambda m: m[1][::-1], text)
        return _EMBEDDING.sub(lambda m: " ".join(reversed(m[1].split(" "))), text)
    if kind == 3 and "<!ENTITY" in text:
        entities = {m[1]: m[2] or m[3] or "" for m in _ENTITY_DECLARATION.finditer(text)}
        if entities:
            names = "|".join(map(re.escape, entities))
            return re.sub(rf"&({names});", lambda m: entities[m[1]], text)
    return None


def _js_char_of(value: int) -> str:
    return chr(value) if 0 < value <= sys.maxunicode else "\ufffd"


# --- Inline data --------------------------------------------------------------------------------

# A base64 `data:` URI: a browser decodes it into a file of its own (an image, a page, a font).
DATA_URI = re.compile(
    r"data:[\w.+/-]*(?:;[\w.+-]+=[^;,\s\"'()<>]*)*;base64,([A-Za-z0-9+/=]*)", re.I
)


def data_uris(text: str) -> Iterator[tuple[int, bytes]]:
    """(offset, bytes) of each file inlined in `text` as a base64 data: URI."""
    if ":" not in text or "data:" not in text.lower():
        return
    for m in DATA_URI.finditer(text):
        try:
            data = base64.b64decode(m[1] + "=" * (-len(m[1]) % 4))
        except (binascii.Error, ValueError):
            continue  # not base64 after all: its letters are read as text where they stand
        yield m.start(), data


# Runs of base64 or hexadecimal digits long enough to spell a name: a script may decode them.
_ENCODED = re.compile(r"[\w+/-]{12,}={0,2}", re.ASCII)
_HEX = re.compile(r"(?:[0-9A-Fa-f]{2})+")


def encoded_runs(text: str) -> Iterator[tuple[int, bytes]]:
    """(offset, bytes) of runs that decode from base64 (standard or URL-safe) or hex: what
    they hold is read when it is text or a known container; otherwise they are ordinary
    words (hashes, identifiers)."""
    runs = _ENCODED.findall(text)
    # One case only: a name, a path, a class, a hash; base64 of text mixes cases.
    hexes = [r for r in runs if (r.islower() or r.isupper()) and len(r) >= 16]
    mixed = [r for r in runs if not (r.islower() or r.isupper())]
    for run in hexes:
        if _HEX.fullmatch(run):
            yield text.find(run), bytes.fromhex(run)
    for run in mixed:
        digits = run.rstrip("=")
        url_safe = "-" in digits or "_" in digits
        if url_safe and ("+" in digits or "/" in digits):
            continue
        with contextlib.suppress(binascii.Error, ValueError):
            padded = digits + "=" * (-len(digits) % 4)
            data = base64.b64decode(padded, altchars=b"-_" if url_safe else None)
            yield text.find(run), data


# --- Tags and invisible characters --------------------------------------------------------------

# Stands where a tag or an invisible character was: a reader may see a space there or nothing
# (`Cal<b></b>der`, `Calder<br>Mechanical`), so both readings are matched.
JOIN = "\ue000"
_TAG = re.compile(r"<[!?/]?[A-Za-z][^<>]*>")
_TAG_WITH_NEWLINE = re.compile(r"<[!?/]?[A-Za-z][^<>\n]*\n[^<>]*>")
_COMMENT_MARKS = re.compile(r"<!--|-->|<!\[CDATA\[|\]\]>")
_SEPARATORS = set("\t\n\v\f\r\x1c\x1d\x1e\x1f\x85")


def _char_class(codepoints: list[int]) -> str:
    """A regex character class for these code points, as ranges."""
    ranges: list[list[int]] = []
    for cp in codepoints:
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )


def _classes() -> tuple[str, str]:
    """(invisible, combining marks) as regex classes; planes 3-13 hold neither."""
    invisible, marks = [], []
    for cp in (*range(0x30000), *range(0xE0000, 0xE1000)):
        category = unicodedata.category(chr(cp))
        if category == "Cf" or (category == "Cc" and chr(cp) not in _SEPARATORS):
            invisible.append(cp)
        elif category in ("Mn", "Me"):
            marks.append(cp)
    invisible += [0x115F, 0x1160, 0x3164, 0xFFA0]  # Hangul fillers: letters that show nothing
    return _char_class(sorted(invisible)), _char_class(marks)


_INVISIBLE_CLASS, _MARKS_CLASS = _classes()
# Zero-width and format characters (soft hyphen, ZWSP/ZWJ/ZWNJ, word joiner, BOM, bidi
# controls, tag characters), control characters, Hangul fillers: shown as nothing.
_INVISIBLE = re.compile(f"[{_INVISIBLE_CLASS}]+")
# Combining marks: accents are folded away, so `Nestle\u0301` and `Nestlé` read the same.
_MARKS = re.compile(f"[{_MARKS_CLASS}]+")

# Letters of other scripts that look like Latin ones (after case folding): Cyrillic, Greek,
# Armenian and a few Latin variants. Full-width and mathematical letters are NFKC's job.
LOOK_ALIKES = str.maketrans(
    {
        **dict.fromkeys("аɑα", "a"),
        **dict.fromkeys("вβϐ", "b"),
        **dict.fromkeys("сϲς", "c"),
        **dict.fromkeys("ԁ", "d"),
        **dict.fromkeys("еєεϵ", "e"),
        **dict.fromkeys("ɡց", "g"),
        **dict.fromkeys("нһηհ", "h"),
        **dict.fromkeys("іїιıɩ", "i"),
        **dict.fromkeys("јϳ", "j"),
        **dict.fromkeys("кκ", "k"),
        **dict.fromkeys("ӏℓ", "l"),
        **dict.fromkeys("мμ", "m"),
        **dict.fromkeys("пո", "n"),
        **dict.fromkeys("оοօσ", "o"),
        **dict.fromkeys("рρ", "p"),
        **dict.fromkeys("ԛ", "q"),
        **dict.fromkeys("ѕ", "s"),
        **dict.fromkeys("тτ", "t"),
        **dict.fromkeys("υս", "u"),
        **dict.fromkeys("νѵ", "v"),
        **dict.fromkeys("ԝω", "w"),
        **dict.fromkeys("хχ", "x"),
        **dict.fromkeys("уүγ", "y"),
        **dict.fromkeys("ζ", "z"),
    }
)

# Scripts written without spaces between words: every character is a word of its own.
_UNSPACED = (
    "\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u1100-\u11ff"  # Hangul jamo
    "\u1780-\u17ff"  # Khmer
    "\u2e80-\u2fdf"  # CJK radicals
    "\u3005-\u3007\u3021-\u3029\u3031-\u3035\u3038-\u303c"
    "\u3040-\u318f"  # Hiragana, Katakana, Bopomofo, Hangul compatibility jamo
    "\u31a0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"  # CJK ideographs
    "\ua960-\ua97f\uac00-\ud7ff"  # Hangul
    "\uf900-\ufaff\uff66-\uff9f"
    "\U00020000-\U0003ffff"
)
_UNSPACED_CHAR = re.compile(f"[{_UNSPACED}]")
_WORD_RE = re.compile(r"[^\W_]+")
_ASCII_SEPARATORS = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()})


class _Words:
    """The words of folded text (fold has put spaces around each character of an unspaced
    script and turned every other character outside ASCII into a letter or a space)."""

    @staticmethod
    def findall(text: str) -> list[str]:
        if text.isascii():  # the fast way: CPython translates ASCII to ASCII in bulk
            return text.translate(_ASCII_SEPARATORS).split()
        return _WORD_RE.findall(text)


_WORD = _Words()


# Where the slow folding is needed: characters outside ASCII, and ASCII control characters.
_SPECIAL = re.compile(r"[^\x00-\x7f\ue000]+|[\x00-\x08\x0e-\x1b\x7f]+")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")
_NOT_A_WORD = re.compile(r"[^\w\ue000]|_")


@functools.lru_cache(maxsize=1 << 14)  # the same dashes, arrows and accented letters recur
def _fold_run(text: str) -> str:
    """Characters outside ASCII folded: letters to their plain lowercase form (often ASCII),
    everything else to a space, and unspaced scripts one word per character."""
    text = _INVISIBLE.sub(JOIN, text)
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    text = _NOT_A_WORD.sub(" ", _MARKS.sub("", text).translate(LOOK_ALIKES))
    return _UNSPACED_CHAR.sub(r" \g<0> ", text)


def fold(text: str) -> str:
    """Case, width, accents and look-alikes folded (what two readers would call the same text);
    invisible characters become JOIN."""
    text = text.lower()
    if text.isascii() and not _CONTROL.search(text):
        return text
    return _SPECIAL.sub(lambda m: _fold_run(m[0]), text)


def words(text: str) -> list[str]:
    """The normalised words of a plain text (a phrase, a passage of Markdown)."""
    return _WORD.findall(fold(text.replace(JOIN, " ")).replace(JOIN, ""))


@dataclass
class Readings:
    """The word lists of one piece of text, one per way a reader may see it."""

    spaced: list[str]  # tags and invisible characters as spaces
    joined: list[str] | None  # ... as nothing, when that differs
    markup: list[str] | None  # the text inside tags: attributes (alt, title, href...)

    def __iter__(self) -> Iterator[list[str]]:
        yield self.spaced
        yield self.joined or []
        yield self.markup or []


def readings(text: str) -> Readings:
    """Read decoded text as a reader would: tags dropped, the text inside them read apart."""
    markup = None
    if "+" in text:
        text = _CONCATENATION.sub(JOIN, text)
    if "<" in text:
        tags = _TAG.findall(text)
        if tags:
            markup = _WORD.findall(fold(" ".join(tags)).replace(JOIN, ""))
            text = _TAG.sub(JOIN, text)
        text = _COMMENT_MARKS.sub(" ", text)
    text = fold(text)
    joined = None
    if JOIN in text:
        joined = _WORD.findall(text.replace(JOIN, ""))
        text = text.replace(JOIN, " ")
    spaced = _WORD.findall(text)
    if joined == spaced:
        joined = None
    return Readings(spaced, joined, markup)


def logical_lines(text: str) -> list[str]:
    """`text` cut at its line breaks, except those inside a tag: each piece reads on its own
    as it reads inside the whole."""
    if "<" in text:
        text = _TAG_WITH_NEWLINE.sub(lambda m: m[0].replace("\n", "\r"), text)
    return [line.replace("\r", "\n") for line in text.split("\n")]


# --- Streams ------------------------------------------------------------------------------------

PIECE = 1 << 18  # characters read at a time
_LOOK_BACK = 1 << 16  # how far back a cut looks for a place where nothing is split
MAX_DATA_URI = 64 << 20  # a longer data: URI cannot be read whole: refused
# Characters no escape, entity or word contains: a cut after one splits nothing.
_CUT_AFTER = " \t\"',;:{}()[]|"


class TooLong(Exception):
    """A data: URI longer than MAX_DATA_URI."""


@dataclass
class Piece:
    """A stretch of a text that reads on its own (no tag, escape, word or data: URI cut)."""

    raw: str
    line: int  # the line of the text it starts on


def pieces(stream: Iterator[str | None]) -> Iterator[Piece | None]:
    """A text in pieces of about PIECE characters, each cut where nothing is split, with
    the line each starts on. None (a new reading of the same text) passes through."""
    buffer, line, wait = "", 1, PIECE
    for chunk in stream:
        if chunk is None:
            if buffer:
                yield Piece(buffer, line)
            yield None
            buffer, line, wait = "", 1, PIECE
            continue
        buffer += chunk
        while len(buffer) >= wait:
            cut = _cut(buffer)
            if cut is None:  # a long data: URI: look again when the text has doubled
                wait = 2 * len(buffer)
                break
            wait = PIECE
            yield Piece(buffer[:cut], line)
            line += buffer.count("\n", 0, cut)
            buffer = buffer[cut:]
    if buffer:
        yield Piece(buffer, line)


def _cut(text: str) -> int | None:
    """Where to cut `text` so that both sides read as they do together; None: read on."""
    low = max(1, len(text) - _LOOK_BACK)
    cut = text.rfind("\n", low) + 1
    if not cut:
        cut = max(text.rfind(c, low) for c in _CUT_AFTER) + 1
    if not cut:  # one long run of letters or escapes: cut it, but not inside an escape
        cut = len(text) - 16
        cut = min((i for c in "&%\\" if (i := text.rfind(c, cut)) > 0), default=cut)
    tag = text.rfind("<", low, cut)
    if tag > 0 and text.find(">", tag, cut) < 0:
        cut = tag  # an unclosed tag starts the next piece
    uri = text.rfind("data:", max(0, cut - MAX_DATA_URI), cut)
    if uri >= 0:
        m = DATA_URI.match(text, uri)
        if m and m.end() >= cut:  # a data: URI runs over the cut
            if uri > 0:
                return uri
            if len(text) > MAX_DATA_URI:
                raise TooLong
            return None
    return cut
