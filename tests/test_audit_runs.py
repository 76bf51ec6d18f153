"""The audit's runs of internal text are found by fingerprint and confirmed against the text.

The fingerprint is forced to collide (one value for every window, or a few) to check what a
fingerprint alone must never decide: two runs sharing one are both found, each with its own
origin; a public window sharing one removes no run; a light-site window sharing one that is no
run is no finding. A seeded comparison with a plain dict of every run checks the rest.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from roadmap import audit as audit_module
from roadmap.audience import InternalText, Secret
from roadmap.audit import SHINGLE, Finding, Matcher, audit
from roadmap.words import words

RUN_HINT = audit_module._RUN_HINT
ONE = "Alpha bravo charlie delta echo foxtrot"
TWO = "Golf hotel india juliet kilo lima"

FINGERPRINTS = {
    "str hash": hash,
    "one for all": lambda window: 7,
    "three": lambda window: ord(window[0]) % 3,
}


@pytest.fixture(params=list(FINGERPRINTS))
def fingerprint(request, monkeypatch) -> str:
    monkeypatch.setattr(audit_module, "_fingerprint", FINGERPRINTS[request.param])
    return request.param


def page(tmp_path: Path, *lines: str) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    (site / "page.html").write_text("".join(f"<p>{line}</p>\n" for line in lines))
    return site


def run_found(line: int, run: str, what: str, source: str) -> Finding:
    origin = f"a run of words of {what} ({source}) that no public text has"
    return Finding("page.html", line, run.lower(), origin, "", RUN_HINT)


def test_runs_sharing_a_fingerprint_are_each_found_with_their_origin(tmp_path, fingerprint):
    internal = [
        InternalText(ONE + ".", "content/a.md", 3, "a sales note"),
        InternalText(TWO, "content/b.md", 7, "an internal block"),
    ]
    assert audit(page(tmp_path, "clean", ONE, TWO), [], internal=internal) == [
        run_found(2, ONE, "a sales note", "content/a.md:3"),
        run_found(3, TWO, "an internal block", "content/b.md:7"),
    ]


def test_a_public_window_sharing_a_fingerprint_removes_only_itself(tmp_path, fingerprint):
    internal = [
        InternalText(ONE, "content/a.md", 3, "a sales note"),
        InternalText(TWO, "content/b.md", 7, "an internal block"),
    ]
    # Public text sharing no run, then one run word for word: only that one is no leak.
    public = ["Mike november oscar papa quebec romeo", TWO]
    found = audit(page(tmp_path, ONE, TWO), [], internal=internal, public=public)
    assert found == [run_found(1, ONE, "a sales note", "content/a.md:3")]


def test_a_slot_emptied_by_public_text_leaves_its_neighbours(tmp_path, monkeypatch):
    """Each window its own slot, in the order first seen: the two runs sit in one byte of the
    prefilter; public text empties the first slot, and the second run is still looked up."""
    seen: dict[str, int] = {}
    monkeypatch.setattr(audit_module, "_fingerprint", lambda w: seen.setdefault(w, len(seen)))
    internal = [
        InternalText(ONE, "content/a.md", 3, "a sales note"),
        InternalText(TWO, "content/b.md", 7, "an internal block"),
    ]
    found = audit(page(tmp_path, ONE, TWO), [], internal=internal, public=[ONE])
    assert found == [run_found(2, TWO, "an internal block", "content/b.md:7")]


def test_a_window_of_known_words_sharing_a_fingerprint_is_no_finding(tmp_path, fingerprint):
    internal = [InternalText(ONE, "content/a.md", 3, "a sales note")]
    # The same words in another order: every window passes the prefilter when all collide.
    reordered = " ".join(reversed(ONE.split()))
    assert (
        audit(
            page(tmp_path, reordered, "foxtrot alpha bravo charlie delta echo"),
            [],
            internal=internal,
        )
        == []
    )
    m = Matcher([], internal=internal)
    assert m.find(reordered) == []
    assert [start for start, _ in m.find("so " + ONE)] == [1]


def test_a_run_in_several_texts_is_reported_from_its_first(tmp_path, fingerprint):
    internal = [
        InternalText("An opening line\n" + ONE, "content/a.md", 3, "a sales note"),
        InternalText("Zulu " + ONE, "content/b.md", 9, "an internal block"),
        InternalText(ONE, "content/c.md", 2, "an HTML comment"),
    ]
    assert audit(page(tmp_path, ONE), [], internal=internal) == [
        run_found(1, ONE, "a sales note", "content/a.md:4")
    ]


def test_a_six_word_secret_is_reported_as_such_not_as_a_run(tmp_path, fingerprint):
    secret = Secret(ONE, "a confidential term (mkdocs.yml)")
    internal = [
        InternalText(ONE, "content/a.md", 3, "a sales note"),
        InternalText(TWO, "content/b.md", 7, "x"),
    ]
    found = audit(page(tmp_path, ONE), [secret], internal=internal)
    assert found == [Finding("page.html", 1, ONE, "a confidential term (mkdocs.yml)")]


def test_no_run_left_after_public_text_finds_nothing(tmp_path, fingerprint):
    internal = [InternalText(ONE, "content/a.md", 3, "a sales note")]
    m = Matcher([], internal=internal, public=[f"Public: {ONE}."])
    assert not m.everywhere.runs
    assert m.find(ONE) == []


WORDS = ["amber", "birch", "cedar", "dune", "ember", "fern", "grove", "heath", "iris", "juniper"]


def sentence(rng: random.Random, vocabulary: list[str], n: int) -> str:
    return " ".join(rng.choice(vocabulary) for _ in range(n))


@pytest.mark.parametrize("seed", range(6))
def test_runs_are_exactly_those_of_a_plain_dict(seed, monkeypatch):
    """Random texts over ten words, so that runs repeat, overlap and collide (three
    fingerprints for every window): every window is looked up and compared with a dict of
    every run, the first origin kept, public windows removed."""
    monkeypatch.setattr(audit_module, "_fingerprint", FINGERPRINTS["three"])
    rng = random.Random(seed)
    internal = [
        InternalText(
            "\n".join(sentence(rng, WORDS, rng.randint(0, 9)) for _ in range(rng.randint(1, 4))),
            f"content/t{i}.md",
            rng.randint(1, 50),
            "a sales note",
        )
        for i in range(40)
    ]
    public = [sentence(rng, WORDS + ["public"], rng.randint(3, 12)) for _ in range(15)]
    m = Matcher([], internal=internal, public=public)

    expected: dict[tuple[str, ...], tuple[str, int]] = {}
    for text in internal:
        tokens, lines = [], []
        for n, line in enumerate(text.text.split("\n")):
            for w in words(line):
                tokens.append(w)
                lines.append(text.line + n)
        for i in range(len(tokens) - SHINGLE + 1):
            expected.setdefault(tuple(tokens[i : i + SHINGLE]), (text.path, lines[i]))
    for text in public:
        tokens = words(text)
        for i in range(len(tokens) - SHINGLE + 1):
            expected.pop(tuple(tokens[i : i + SHINGLE]), None)
    assert expected, "the texts must leave some runs to find"

    light = [sentence(rng, WORDS + ["other"], 30) for _ in range(60)]
    light += [text.text.replace("\n", " ") for text in internal]
    hits = 0
    for text in light:
        tokens = words(text)
        got = [
            (start, (run.text.path, run.line))
            for start, _, run in m.everywhere.find(m.code(tokens))
        ]
        want = [
            (i, expected[tuple(tokens[i : i + SHINGLE])])
            for i in range(len(tokens) - SHINGLE + 1)
            if tuple(tokens[i : i + SHINGLE]) in expected
        ]
        assert got == want
        hits += len(got)
    assert hits


def test_runs_of_words_past_the_two_byte_codes_are_found():
    """Past 63,000 words the coded texts take 4 bytes a word: runs there are found the same."""
    vocabulary = [f"w{n}x" for n in range(70_000)]
    internal = [
        InternalText(" ".join(vocabulary[n : n + 1000]), f"content/{n}.md", 1, "a sales note")
        for n in range(0, 70_000, 1000)
    ]
    m = Matcher([], internal=internal, public=[" ".join(vocabulary[100:110])])
    assert max(map(ord, m.everywhere.runs.text)) > 0xFFFF
    late = m.find(" ".join(vocabulary[69_990:69_996]))
    assert [(start, run.text.path) for start, run in late] == [(0, "content/69000.md")]
    assert m.find(" ".join(vocabulary[102:108])) == []  # public
