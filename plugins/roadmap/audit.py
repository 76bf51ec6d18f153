"""The leak scan of a built site: every text in every file, and every file and folder name.

Each file is read as its reader would see it (reader.py finds the texts, words.py reads them:
decoded, unescaped, tags dropped, invisible characters, case, width, accents and look-alikes
folded) and streamed over normalised words, so memory stays flat in a file's size and time
linear in the site: one Aho-Corasick automaton finds the forbidden phrases
(audience.light_site_secrets), a table of fingerprints looked up at every window of SHINGLE
words finds the runs of internal text that no public text contains
(audience.light_site_passages): millions of runs at 10,000 items, each confirmed against the
internal text itself (_Runs). A file the audit cannot read fails the build.
Files the build machinery makes and files byte-identical to a trusted source (the theme
package, the plugin's own assets) cannot carry content: their bytes are not read and their
names are theirs.
"""

from __future__ import annotations

import bisect
import hashlib
import posixpath
import re
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import count, repeat
from operator import and_, lshift, or_, rshift
from pathlib import Path
from urllib.parse import urlsplit

import ahocorasick_rs

from .audience import InternalText, Secret
from .reader import Text, Unreadable, texts, texts_of, worth_reading
from .words import (
    TooLong,
    data_uris,
    decode,
    encoded_runs,
    logical_lines,
    pieces,
    readings,
    variant,
    variants,
    words,
)

# A run of this many words found in internal text and on the light site, but in no public
# text, is a leak. Shorter runs recur by chance in ordinary prose ("we are planning to add
# support for"); see the README for how it was chosen.
SHINGLE = 6

# Where a text names another resource: HTML attributes, JSON fields, sitemap entries, CSS.
_ADDRESS = re.compile(
    r"""(?:\b(?:href|src|srcset|action|poster|data)\s*=\s*["']?|"(?:location|url)"\s*:\s*"|"""
    r"""<loc>|\burl\(\s*["']?)(?P<a>[^"'<>\s)]+)""",
    re.I,
)
_HINT = "remove it from public content, or list it under audit_allow if it is an ordinary word"
_RUN_HINT = (
    "find how it reached the light site and remove it there, or say it in public text "
    "(a public body, title or summary) if clients may read it"
)
_OTHER = "\x01"  # the code of every word no needle contains
# Word codes count up from here, skipping the surrogates: two or three bytes of UTF-8 each for
# the first 63,000 words, which keeps the automaton's states (one per byte) about half of what
# four-byte codes need, and Python's coded strings two bytes a character.
_FIRST_CODE = 0x80
_SURROGATES = 0xD800
_LINK_TARGET = re.compile(r"\]\([^)]*\)|^\s{0,3}\[[^\]]+\]:\s*\S+.*$", re.M)


@dataclass(frozen=True, order=True)
class Finding:
    file: str  # relative to the site
    line: int
    word: str
    origin: str
    where: str = ""  # inside the file: "in its gzip data", "in a PNG zTXt chunk"...
    hint: str = _HINT

    def __str__(self) -> str:
        inside = f" {self.where}" if self.where else ""
        return (
            f"{self.file}:{self.line}: the light site contains '{self.word}'{inside}, "
            f"{self.origin}; {self.hint}"
        )


@dataclass(frozen=True, order=True)
class Refused:
    """A file the audit cannot read: it fails the build (fail closed)."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return (
            f"{self.file}:{self.line}: the leak audit cannot read this file: {self.reason}; "
            "publish it in a type the audit reads (README: what is audited), or remove it"
        )


@dataclass(frozen=True, slots=True)
class _Run:
    """Where a run of words of internal text found on the light site comes from (made when it
    is found: _Origins)."""

    text: InternalText
    line: int  # of the run's first word in its source file


class Matcher:
    """Every needle in one automaton over normalised words, each word coded as one character.

    Needles: the phrases of `secrets` (those with `everywhere`; the others are looked for in
    names and addresses only), and the runs of SHINGLE words of `internal` texts that appear
    in none of the `public` ones nor in `allow`.
    """

    def __init__(
        self,
        secrets: Iterable[Secret],
        allow: Iterable[str] = (),
        internal: Iterable[InternalText] = (),
        public: Iterable[str] = (),
    ):
        self.codes: dict[str, str] = {}
        self.vocabulary: list[str] = []
        allow = list(allow)
        allowed = {tuple(words(a)) for a in allow}
        everywhere: dict[str, object] = {}
        addresses: dict[str, object] = {}
        for secret in secrets:
            phrase = tuple(words(secret.word))
            if not phrase or phrase in allowed:
                continue
            needles = everywhere if secret.everywhere else addresses
            needles.setdefault(self._learn(phrase), secret)
        self.covers: set[str] = set()  # starts and ends of public texts, and short ones whole
        runs = self._runs(internal)
        for text in (*public, *allow):
            for sequence in _read(text):
                coded = self.code(sequence)
                runs.drop_all(coded)
                self._cover(coded)
        for key in everywhere:  # a forbidden phrase is reported as such, not as a run
            if len(key) == SHINGLE:
                runs.drop(key)
        self.everywhere = _Needles(_Automaton(everywhere), runs)
        self.addresses = _Needles(_Automaton(addresses))

    def _learn(self, phrase: list[str] | tuple[str, ...]) -> str:
        codes = self.codes
        for word in [w for w in dict.fromkeys(phrase) if w not in codes]:  # in order, once each
            codes[word] = _code(len(codes))
        return "".join(map(codes.__getitem__, phrase))

    def code(self, tokens: Iterable[str]) -> str:
        return "".join(map(self.codes.get, tokens, repeat(_OTHER)))

    def word_of(self, code: str) -> str:
        """The word a code stands for (codes are given in order: _code)."""
        if len(self.vocabulary) != len(self.codes):
            self.vocabulary = list(self.codes)
        n = ord(code) - _FIRST_CODE
        return self.vocabulary[n if n < _SURROGATES - _FIRST_CODE else n - 0x800]

    def _runs(self, internal: Iterable[InternalText]) -> _Runs:
        """Every internal text coded, in order, and where each of its lines starts."""
        coded: list[str] = []
        ends = array("Q")
        lines = _Origins()
        size = 0
        for text in internal:
            tokens: list[str] = []
            for n, line in enumerate(text.text.split("\n")):
                before = len(tokens)
                for sequence in _read(line):
                    tokens += sequence
                if len(tokens) > before:
                    lines.add(size + before, text, text.line + n)
            coded.append(self._learn(tokens))
            size += len(coded[-1])
            ends.append(size)
        text = "".join(coded)
        del coded
        return _Runs(text, ends, lines)

    def _cover(self, coded: str) -> None:
        if _OTHER in coded:
            head, tail = coded.split(_OTHER, 1)[0], coded.rsplit(_OTHER, 1)[1]
        else:
            head = tail = coded
        for n in range(1, min(SHINGLE, len(head) + 1)):
            self.covers.add("<" + head[:n])
        for n in range(1, min(SHINGLE, len(tail) + 1)):
            self.covers.add(">" + tail[-n:])
        if len(coded) < SHINGLE and _OTHER not in coded:
            self.covers.add("=" + coded)

    def covered(self, run: str) -> bool:
        """Whether a run is public text put side by side: the end of one public text, whole
        short ones, then the start of another (a title, then its summary)."""
        reach = [True] + [False] * len(run)
        for end in range(1, len(run) + 1):
            for start in range(end):
                if not reach[start]:
                    continue
                part = run[start:end]
                if (
                    (start == 0 and ">" + part in self.covers)
                    or (end == len(run) and "<" + part in self.covers)
                    or "=" + part in self.covers
                ):
                    reach[end] = True
                    break
        return reach[-1]

    def find(self, text: str) -> list[tuple[int, object]]:
        """(word index, needle) for each needle in a plain text (for tests and names)."""
        found = []
        for _, seen in variants(decode(text)):
            for tokens in readings(seen):
                found += [(start, needle) for start, needle, _ in _Scan(self).feed(tokens)]
        return found


def _code(n: int) -> str:
    """The code of the n-th word learned."""
    point = _FIRST_CODE + n
    return chr(point if point < _SURROGATES else point + 0x800)


def _read(text: str) -> tuple[list[str], ...]:
    """The word sequences of a piece of Markdown or template text, as a reader of its HTML
    meets them: link targets dropped, tags dropped, the text inside tags apart. Not cached:
    the texts are the content's, each read once a build (a cache held them all, 50 MB at
    3,000 items)."""
    r = readings(decode(_LINK_TARGET.sub("]", text)))
    return (r.spaced, r.markup) if r.markup else (r.spaced,)


# A run's fingerprint: str's own hash, computed in C for every window of the light site. It is
# salted per process (PYTHONHASHSEED) and kept across fork: a Matcher is built and used in one
# process (sites.PublicSite.finish), never pickled. Tests replace it to force collisions.
_fingerprint = hash
# Slots of the prefilter per run: at a bit a slot, 16 (2 bytes a run) let through one window
# in 20 or so of those made of known words, each then confirmed in the index.
_SLOTS_PER_RUN = 16
_GROUP_BITS = 8  # the index is found by the low byte of a slot within groups of 256 slots
_BUCKET_BITS = 8  # sorted 256 buckets at a time: a few MB of Python ints at once
_BIT = bytes(1 << (n & 7) for n in range(256))  # a slot's bit in its byte of the prefilter
_NONZERO = re.compile(b"[^\x00]")
# Only windows made of words some internal text has can be runs.
_KNOWN = re.compile(f"[^{_OTHER}]{{{SHINGLE},}}")


class _Origins:
    """Where each line of internal text starts in the coded texts put end to end: a run is
    reported with the line of its first word, as a _Run made when it is found (a few arrays
    where an object per line was kept)."""

    def __init__(self) -> None:
        self.texts: list[InternalText] = []
        self.starts = array("Q")  # offset of the line's first word
        self.text = array("I")  # index in self.texts
        self.line = array("i")  # in its source file
        self.made: dict[int, _Run] = {}

    def add(self, start: int, text: InternalText, line: int) -> None:
        if not self.texts or self.texts[-1] is not text:
            self.texts.append(text)
        self.starts.append(start)
        self.text.append(len(self.texts) - 1)
        self.line.append(line)

    def of(self, offset: int) -> _Run:
        k = bisect.bisect_right(self.starts, offset) - 1
        if (run := self.made.get(k)) is None:  # a leak is many runs of one line
            run = self.made[k] = _Run(self.texts[self.text[k]], self.line[k])
        return run


class _Runs:
    """The runs of SHINGLE words of internal text, looked up at every window of the light site.

    The internal texts are kept coded, end to end (a character a word: 2 bytes below 63,000
    words); a run is the offset of its first word there. A window is looked up by its
    fingerprint's slot: first a prefilter of one bit a slot (16 slots a run: one window of
    known words in 20 or so passes it), then the index, every run's offset sorted by slot then
    offset, found through the low byte of its slot (`low`) within a group of 256 slots
    (`groups`: where each group starts). Every candidate is confirmed against the coded text:
    a slot shared by two runs, or by a run and any other window, neither hides a run nor makes a
    false one, and the first offset of a run is its first occurrence. About 12 bytes a run, the
    coded text and the line table included, where a dict took some 85 (26 MB against 176 MB at
    10,000 items).
    """

    def __init__(self, text: str, ends: Iterable[int], origins: _Origins):
        self.text, self.origins = text, origins
        runs = sum(max(end - start - SHINGLE + 1, 0) for start, end in _pairs(ends))
        self.size = size = max(runs * _SLOTS_PER_RUN, 1)
        self.gone = len(text)  # the offset of a run dropped as public: no window is there
        # Sorted as (slot, offset) pairs packed in one int, a bucket of slots at a time: one
        # list of every run's int would take 40 bytes a run while building.
        offset_bits = len(text).bit_length()
        bucket_bits = max(size.bit_length() - _BUCKET_BITS, _GROUP_BITS)  # whole groups
        shift = offset_bits + bucket_bits
        buckets = [array("Q") for _ in range(((size - 1) >> bucket_bits) + 1)]
        adds = [b.append for b in buckets]
        slot = size.__rmod__
        for start, end in _pairs(ends):
            windows = _windows(text, start, end)
            packed = map(
                or_,
                map(lshift, map(slot, map(_fingerprint, windows)), repeat(offset_bits)),
                count(start),
            )
            for pair in packed:
                adds[pair >> shift](pair)
        del adds
        self.where = array(_typecode(len(text)))
        self.low = bytearray()
        n_groups = ((size - 1) >> _GROUP_BITS) + 1
        self.groups = array(_typecode(runs), [0]) * (n_groups + 1)
        self.prefilter = prefilter = bytearray((size + 7) // 8)
        per_bucket = 1 << (bucket_bits - _GROUP_BITS)
        offsets = (1 << offset_bits) - 1
        for b, bucket in enumerate(buckets):
            pairs = sorted(bucket)
            buckets[b] = array("Q")
            slots = list(map(rshift, pairs, repeat(offset_bits)))
            first = len(self.where)
            for g in range(b * per_bucket, min((b + 1) * per_bucket, n_groups)):
                self.groups[g] = first + bisect.bisect_left(slots, g << _GROUP_BITS)
            self.where.extend(map(and_, pairs, repeat(offsets)))
            self.low.extend(map(and_, slots, repeat(0xFF)))
            for s in slots:
                prefilter[s >> 3] |= 1 << (s & 7)
        self.groups[n_groups] = len(self.where)
        self.live = len(self.where)

    def __len__(self) -> int:
        return self.live

    def _candidates(self, coded: str) -> Iterator[tuple[int, str]]:
        """(start, window) of every window of coded text the prefilter lets through."""
        slot, byte, bit = self.size.__rmod__, self.prefilter.__getitem__, _BIT.__getitem__
        fingerprint = _fingerprint
        for m in _KNOWN.finditer(coded):
            part = m[0]
            slots = list(map(slot, map(fingerprint, _windows(part))))
            marks = bytes(
                map(
                    and_,
                    map(byte, map(rshift, slots, repeat(3))),
                    map(bit, map(and_, slots, repeat(0xFF))),
                )
            )
            for i in map(re.Match.start, _NONZERO.finditer(marks)):
                yield m.start() + i, part[i : i + SHINGLE]

    def _span(self, slot: int) -> range:
        """The indexes in the index of the runs whose fingerprint falls in `slot`."""
        group, low = slot >> _GROUP_BITS, slot & 0xFF
        end = self.groups[group + 1]
        first = last = self.low.find(low, self.groups[group], end)
        if first < 0:
            return range(0)
        while last < end and self.low[last] == low:  # one run or two, but for collisions
            last += 1
        return range(first, last)

    def first(self, window: str) -> int | None:
        """The offset of the first occurrence of a run equal to window, if it is one."""
        text, where = self.text, self.where
        for i in self._span(_fingerprint(window) % self.size):
            at = where[i]
            if text[at : at + SHINGLE] == window:
                return at
        return None

    def find(self, coded: str) -> list[tuple[int, int, _Run]]:
        """(start, end, run) of every run in coded text."""
        found = []
        for start, window in self._candidates(coded):
            at = self.first(window)
            if at is not None:
                found.append((start, start + SHINGLE, self.origins.of(at)))
        return found

    def drop(self, window: str) -> None:
        """Every occurrence of a run equal to window is no run (it is in public text): left in
        the index as an offset where no window is, its slot out of the prefilter once empty."""
        text, where = self.text, self.where
        slot = _fingerprint(window) % self.size
        span = self._span(slot)
        for i in span:
            at = where[i]
            if text[at : at + SHINGLE] == window:
                where[i] = self.gone
                self.live -= 1
        if span and all(where[i] == self.gone for i in span):
            self.prefilter[slot >> 3] &= ~(1 << (slot & 7))

    def drop_all(self, coded: str) -> None:
        """Every window of coded text is no run."""
        for _, window in self._candidates(coded):
            self.drop(window)


def _windows(text: str, start: int = 0, end: int | None = None) -> Iterator[str]:
    """Every SHINGLE-word window of coded text between two offsets, in order (sliced in C)."""
    end = len(text) if end is None else end
    return map(
        text.__getitem__, map(slice, range(start, end - SHINGLE + 1), count(start + SHINGLE))
    )


def _pairs(ends: Iterable[int]) -> Iterator[tuple[int, int]]:
    """(start, end) of each text from where each ends."""
    start = 0
    for end in ends:
        yield start, end
        start = end


def _typecode(largest: int) -> str:
    """The array type of unsigned ints up to `largest`: 4 bytes while they fit."""
    return "I" if largest < 1 << 32 else "Q"


class _Automaton:
    """Aho-Corasick over word codes (ahocorasick-rs: its dense automaton keeps each step
    constant-time however many words the needles use)."""

    def __init__(self, needles: dict[str, object]):
        # The keys are not kept: the automaton holds them, and they are millions of strings.
        self.needles = list(needles.values())
        self.longest = max(map(len, needles), default=0)
        self.automaton = ahocorasick_rs.AhoCorasick(list(needles)) if needles else None

    def __len__(self) -> int:
        return len(self.needles)

    def find(self, coded: str) -> list[tuple[int, int, object]]:
        """(start, end, needle) of every needle in coded text, overlapping ones too."""
        if self.automaton is None:
            return []
        found = self.automaton.find_matches_as_indexes(coded, overlapping=True)
        return [(start, end, self.needles[i]) for i, start, end in found]


class _Needles:
    """The phrases in an automaton, and the runs of internal text (_Runs)."""

    def __init__(self, phrases: _Automaton, runs: _Runs | None = None):
        self.phrases = phrases
        self.runs = runs
        self.longest = max(phrases.longest, SHINGLE if runs else 0)

    def __len__(self) -> int:
        return len(self.phrases) + (len(self.runs) if self.runs else 0)

    def find(self, coded: str) -> list[tuple[int, int, object]]:
        """(start, end, needle) of every needle in coded text, overlapping ones too."""
        found = self.phrases.find(coded)
        if self.runs:
            found += self.runs.find(coded)
        return found


class _Scan:
    """One reading of one text through the automaton, piece after piece: the last words of a
    piece are carried over, so a needle cut by a piece boundary is found."""

    def __init__(self, matcher: Matcher, automaton: _Automaton | None = None):
        self.matcher = matcher
        self.automaton = matcher.everywhere if automaton is None else automaton
        self.carry = ""

    def feed(self, tokens: list[str]) -> list[tuple[int, object, str]]:
        """(start, needle, matched codes) of each needle ending in these words; start is
        the index of its first word in `tokens`, negative when it began in an earlier piece."""
        if not len(self.automaton):
            return []
        coded = self.carry + self.matcher.code(tokens)
        carried = len(self.carry)
        out = [
            (start - carried, needle, coded[start:end])
            for start, end, needle in self.automaton.find(coded)
            if end > carried
        ]
        keep = self.automaton.longest - 1
        self.carry = coded[-keep:] if keep > 0 else ""
        return out


def trusted_files(folders: tuple[Path, ...], site: Path) -> frozenset[tuple[str, str]]:
    """(relative path, SHA-256) of each file of `site` that is also a file, at the same path, in
    folders known not to come from the roadmap (the theme package). Only the site's files are
    read: Material holds 14,660 files, a site a few dozen of them (hashing them all took 0.8 s
    of every build, in each process)."""
    out = set()
    for path in site.rglob("*"):
        if path.is_file():
            rel = path.relative_to(site).as_posix()
            out.update((rel, d) for folder in folders if (d := _digest(folder / rel)) is not None)
    return frozenset(out)


def _digest(path: Path) -> str | None:
    """A theme file's SHA-256, None if there is no such file. Kept: the theme package does not
    change while the process runs (both audiences, serve); at most one entry per theme file."""
    if path not in _DIGESTS:
        if not path.is_file():
            return None  # a page's address, most often: not kept
        _DIGESTS[path] = hashlib.sha256(path.read_bytes()).hexdigest()
    return _DIGESTS[path]


_DIGESTS: dict[Path, str] = {}


def audit(
    site_dir: Path,
    secrets: Iterable[Secret],
    allow: Iterable[str] = (),
    trusted: set[tuple[str, str]] = frozenset(),
    machine_made: Iterable[str] = (),
    internal: Iterable[InternalText] = (),
    public: Iterable[str] = (),
) -> list[Finding | Refused]:
    """Every forbidden phrase and internal run found in `site_dir`, and every file it cannot
    read. Secrets with `everywhere` are looked for in every text; the others (one-word ids and
    titles, which are ordinary words) in file names and in the addresses pages link to.
    `machine_made` names files the build writes under fixed names (the search index...).
    """
    return _Audit(site_dir, Matcher(secrets, allow, internal, public), trusted, machine_made).run()


class _Audit:
    def __init__(
        self,
        site_dir: Path,
        matcher: Matcher,
        trusted: set[tuple[str, str]],
        machine_made: Iterable[str],
    ):
        self.site_dir, self.matcher, self.trusted = site_dir, matcher, trusted
        self.machine_made = set(machine_made)
        # Addresses of theme and machine-made files name the theme or the build, not content.
        self.names_known = {rel for rel, _ in trusted} | self.machine_made
        self.findings: set[Finding | Refused] = set()
        self.runs: dict[tuple[str, InternalText], Finding] = {}  # the first run per source

    def run(self) -> list[Finding | Refused]:
        for path in sorted(p for p in self.site_dir.rglob("*") if p.is_file()):
            rel = path.relative_to(self.site_dir).as_posix()
            digest = hashlib.sha256()
            with path.open("rb") as f:
                while data := f.read(1 << 20):
                    digest.update(data)
            theirs = (rel, digest.hexdigest()) in self.trusted  # neither bytes nor name
            if not theirs and rel not in self.machine_made:
                self._name(rel)
            if theirs:
                continue
            try:
                for text in texts(path):
                    self._text(rel, text)
            except Unreadable as e:
                self.findings.add(Refused(rel, 1, str(e)))
            except TooLong:
                self.findings.add(Refused(rel, 1, "a data: URI too long to read whole"))
        found = self.findings | set(self.runs.values())
        return sorted(found, key=_order)

    def _name(self, rel: str) -> None:
        tokens = words(decode(rel.replace("/", " / ")))
        for automaton in (self.matcher.everywhere, self.matcher.addresses):
            for _, needle, _ in _Scan(self.matcher, automaton).feed(tokens):
                if isinstance(needle, Secret) and _named_by(needle, rel):
                    origin = f"{needle.origin} (in the file name)"
                    self.findings.add(Finding(rel, 1, needle.word, origin))

    def _text(self, rel: str, text: Text, at: int | None = None, depth: int = 0) -> None:
        """Scan one text of a file; `at`: the line of the outer file it sits on (data: URIs)."""
        matcher = self.matcher
        scans: dict[tuple[int, int], _Scan] = {}  # per (variant, reading), then addresses
        for piece in pieces(text.pieces):
            if piece is None:  # the same text again, read another way
                scans = {}
                continue
            decoded = decode(piece.raw)
            hits = []
            named = False  # whether a word looked for in addresses only is in this piece
            for kind, seen in variants(decoded):
                for reading, tokens in enumerate(readings(seen)):
                    if (kind, reading) not in scans:
                        scans[kind, reading] = _Scan(matcher)
                        scans[-1 - kind, reading] = _Scan(matcher, matcher.addresses)
                    hits += [(kind, reading, *hit) for hit in scans[kind, reading].feed(tokens)]
                    named = bool(scans[-1 - kind, reading].feed(tokens)) or named
            if hits:
                lines = _Lines(piece.raw, piece.line)
                for kind, reading, start, needle, coded in hits:
                    line = at or lines.of(kind, reading, start)
                    self._hit(rel, line, needle, coded, text.where)
            if named:
                self._addresses(rel, decoded, at or piece.line, text.where)
            for offset, data, guess in _inlined(decoded):
                line = at or piece.line + decoded.count("\n", 0, offset)
                where = "a data: URI" if not guess else "text encoded in base64 or hex"
                where = f"{text.where}, in {where}" if text.where else f"in {where}"
                try:
                    for inner in texts_of(data, where, depth + 1):
                        self._text(rel, inner, line, depth + 1)
                except Unreadable:
                    if not guess:
                        raise

    def _addresses(self, rel: str, decoded: str, line: int, where: str) -> None:
        """The addresses in a piece of text that name a word looked for in addresses only."""
        for m in _ADDRESS.finditer(decoded):
            if _points_into(m["a"], rel, self.names_known):
                continue
            scan = _Scan(self.matcher, self.matcher.addresses)
            for _, needle, _ in scan.feed(words(m["a"])):
                if not _named_by(needle, m["a"]):
                    continue
                at = line + decoded.count("\n", 0, m.start())
                self.findings.add(Finding(rel, at, needle.word, needle.origin, where))

    def _hit(self, rel: str, line: int, needle: object, coded: str, where: str) -> None:
        if isinstance(needle, Secret):
            self.findings.add(Finding(rel, line, needle.word, needle.origin, where))
            return
        assert isinstance(needle, _Run)
        if self.matcher.covered(coded):
            return
        key = (rel, needle.text)
        if key in self.runs and self.runs[key].line <= line:
            return
        run = " ".join(self.matcher.word_of(c) for c in coded)
        source = f"{needle.text.path}:{needle.line}"
        origin = f"a run of words of {needle.text.what} ({source}) that no public text has"
        self.runs[key] = Finding(rel, line, run, origin, where, _RUN_HINT)


def _order(f: Finding | Refused) -> tuple:
    return (f.file, f.line, getattr(f, "word", ""), getattr(f, "origin", ""), str(f))


class _Lines:
    """Which line of a piece each word of each reading is on (worked out only for pieces with
    a hit: it reads the piece again, line by line)."""

    def __init__(self, raw: str, first: int):
        self.lines = logical_lines(raw)
        self.starts: list[int] = []  # raw line of each logical line
        line = first
        for text in self.lines:
            self.starts.append(line)
            line += text.count("\n") + 1
        self.first = first
        self.ends: dict[tuple[int, int], list[int]] = {}

    def of(self, kind: int, reading: int, start: int) -> int:
        if start < 0:
            return self.first
        if (kind, reading) not in self.ends:
            totals: list[int] = []
            total = 0
            for text in self.lines:
                r = readings(variant(kind, decode(text)) or decode(text))
                tokens = (r.spaced, r.spaced if r.joined is None else r.joined, r.markup or [])
                total += len(tokens[reading])
                totals.append(total)
            self.ends[kind, reading] = totals
        k = bisect.bisect_right(self.ends[kind, reading], start)
        return self.starts[min(k, len(self.starts) - 1)]


def _inlined(text: str) -> Iterator[tuple[int, bytes, bool]]:
    """(offset, bytes, guessed) of files inlined in text: data: URIs, and runs of base64 or
    hex that hold text or a known file (a guess: what cannot be read is left as words)."""
    for offset, data in data_uris(text):
        yield offset, data, False
    for offset, data in encoded_runs(text):
        if worth_reading(data):
            yield offset, data, True


def _named_by(secret: Secret, address: str) -> bool:
    """Whether `address` names `secret`: anywhere in it, or as one whole segment of it."""
    if not secret.whole_segment:
        return True
    wanted = words(secret.word)
    segments = re.split(r"[/?&=#]", decode(address))
    return any(words(segment.rsplit(".", 1)[0]) == wanted for segment in segments)


def _points_into(address: str, here: str, known: set[str]) -> bool:
    """Whether a relative address leads to a file whose name is not content (theme assets)."""
    parts = urlsplit(address)
    if parts.scheme or parts.netloc or not parts.path:
        return False
    target = posixpath.normpath(posixpath.join(posixpath.dirname(here), parts.path))
    if parts.path.endswith("/"):
        target = posixpath.join(target, "index.html")
    return target in known
