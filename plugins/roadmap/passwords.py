"""The internal site's passwords: from ROADMAP_PASSWORD or ROADMAP_PASSWORD_FILE, never from config.

The file holds one `team: password` line per team; removing a line and rebuilding ends that
team's access. A downloaded page can be attacked offline, so a password must withstand 10^12
guesses, and a message never repeats any part of a line that may hold a password.
"""

from __future__ import annotations

import functools
import hashlib
import math
import mmap
import os
import re
import secrets
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .problems import Problem
from .repository import checkout_root, is_ignored, is_tracked, tracked_files

MIN_LENGTH = 12
# PBKDF2 at 600k iterations: ~2e4 guesses/s on a current GPU, so 1e12 guesses take decades.
MIN_GUESSES = 10**12
ENV_PASSWORD, ENV_FILE = "ROADMAP_PASSWORD", "ROADMAP_PASSWORD_FILE"
# Words anyone would try first against this tool, whatever the site.
COMMON_WORDS = ("roadmap", "internal", "sales", "password", "team", "default")
# Phrases every cracking list holds, though zxcvbn rates them as random words: the examples
# people copy (xkcd's passphrase, the pangram) and famous lines.
KNOWN_PHRASES = (
    "correct horse battery staple",
    "the quick brown fox jumps over the lazy dog",
    "to be or not to be that is the question",
    "may the force be with you",
    "lorem ipsum dolor sit amet",
    "all work and no play makes jack a dull boy",
    "never gonna give you up",
    "i love you",
    "open sesame",
)
# A team label: short, plain, and never anything that could be half of a password.
_LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,39}")
_SEPARATORS = re.compile(r"[\s\-_.:,;/+|]+")
_COMMENT_AFTER = re.compile(r"\s#")
# Unicode categories nobody can type reliably: controls (a tab, a line break), format
# characters (zero-width spaces), line and paragraph separators, lone surrogates.
_INVISIBLE = ("Cc", "Cf", "Zl", "Zp", "Cs")
PASSPHRASE_WORDS, MIN_PASSPHRASE_WORDS = 5, 4  # EFF long list: 12.9 bits a word
_HINT = "use a passphrase of five or more random words: `roadmap passphrase` makes one"


@dataclass(frozen=True)
class Credential:
    label: str
    password: str = field(repr=False)
    where: str = ENV_PASSWORD  # for messages: the variable, or `file:line`


def read_passwords(
    environ: Mapping[str, str] | None = None,
    asked_by: Path = Path("site_config/internal.yml"),
    context: Sequence[str] = (),
) -> tuple[list[Credential], list[Problem]]:
    """The credentials to wrap the content key for, or the problems that stop the build.

    `context` holds words an attacker of this site would try first: the site's and the
    company's name. Team labels are added to them.
    """
    try:
        return _read_passwords(os.environ if environ is None else environ, asked_by, context)
    finally:
        # Every run of words of a large roadmap's phrases (56 MB at 3,000 items) is read for
        # this build's passwords only; the build that follows must not carry it.
        _known.cache_clear()


def first_password(environ: Mapping[str, str] | None = None) -> str | None:
    """The password the internal site's page addresses come from, as read_passwords reads it
    (the variable, or the file's first usable line), without checking it or the file: None
    when there is none. For what a build can do before the password is checked against the
    content's words: the checks decide whether anything is built."""
    environ = os.environ if environ is None else environ
    file_name = environ.get(ENV_FILE, "").strip()
    if not file_name:
        password = environ.get(ENV_PASSWORD, "")
        return password if password and not _unusable(password, variable=True) else None
    text, problem = _decode(Path(file_name))
    if problem:
        return None
    for line in text.split("\n"):
        line = line.removesuffix("\r")
        if not line.strip(" \t") or line.lstrip(" \t").startswith("#"):
            continue
        try:
            _, password = _parse_line(line)
        except _BadLine:
            continue
        if not _unusable(password, variable=False):
            return password
    return None


def _read_passwords(
    environ: Mapping[str, str], asked_by: Path, context: Sequence[str]
) -> tuple[list[Credential], list[Problem]]:
    file_name = environ.get(ENV_FILE, "")
    if file_name.strip():
        return _read_file(Path(file_name.strip()), context)
    password = environ.get(ENV_PASSWORD, "")
    if not password:
        return [], [
            Problem(
                asked_by,
                1,
                "the internal site needs a password",
                f"set {ENV_PASSWORD}, or {ENV_FILE} naming a file of 'team: password' lines",
            )
        ]
    where = Path(ENV_PASSWORD)
    problems = [Problem(where, 1, msg, hint) for msg, hint in _unusable(password, variable=True)]
    if not problems:
        problems = [Problem(where, 1, msg, hint) for msg, hint in weakness(password, context)]
    return [Credential("default", password)], problems


def _read_file(path: Path, context: Sequence[str]) -> tuple[list[Credential], list[Problem]]:
    text, problem = _decode(path)
    if problem:
        return [], [problem]
    creds: list[Credential] = []
    problems: list[Problem] = []
    labels: dict[str, int] = {}
    passwords: dict[str, int] = {}
    pending: list[tuple[int, Credential]] = []
    for n, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")  # Windows line ends are line ends
        if not line.strip(" \t") or line.lstrip(" \t").startswith("#"):
            continue
        try:
            label, password = _parse_line(line)
        except _BadLine as e:
            problems.append(Problem(path, n, e.message, e.hint))
            continue
        found = _unusable(password, variable=False)
        if found:
            problems += [Problem(path, n, msg, hint) for msg, hint in found]
            continue
        key = label.casefold()
        if key in labels:
            problems.append(
                Problem(
                    path,
                    n,
                    f"this team label is already used on line {labels[key]}",
                    "each team gets one line",
                )
            )
            continue
        labels[key] = n
        same = unicodedata.normalize("NFC", password)
        if same in passwords:
            problems.append(
                Problem(
                    path,
                    n,
                    f"the same password as line {passwords[same]}",
                    "each team needs its own password: removing one line must end that "
                    "team's access, and a shared password would go on working",
                )
            )
            continue
        passwords[same] = n
        pending.append((n, Credential(label, password, f"{path.name}:{n}")))
    words = [*context, *(c.label for _, c in pending)]
    for n, cred in pending:
        found = weakness(cred.password, words)
        problems += [Problem(path, n, msg, hint) for msg, hint in found]
        if not found:
            problems += [Problem(path, n, msg, hint) for msg, hint in _close_to(cred, pending)]
        creds.append(cred)
    if not creds and not problems:
        problems.append(
            Problem(path, 1, "no passwords in the file", "add one 'team: password' line per team")
        )
    return creds, problems


def _decode(path: Path) -> tuple[str, Problem | None]:
    """The file as text, or why it cannot be read: never a traceback, never its bytes."""
    try:
        data = path.read_bytes()
    except OSError as e:
        return "", Problem(
            path,
            1,
            f"cannot read the password file: {e.strerror}",
            f"{ENV_FILE} must name a readable file",
        )
    save_as = "save it as UTF-8 (in Notepad: Save as, Encoding: UTF-8)"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "", Problem(path, 1, "the password file is UTF-16 text", save_as)
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        return "", Problem(path, line, "the password file holds NUL bytes (UTF-16?)", save_as)
    try:
        return data.decode("utf-8").removeprefix("\ufeff"), None
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        return "", Problem(path, line, "not valid UTF-8 text", save_as)


class _BadLine(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
        self.hint = "write 'team: password'; a line holding only a password needs a label"


def _parse_line(line: str) -> tuple[str, str]:
    """(label, password); raises _BadLine saying what is wrong without quoting the line."""
    label, sep, rest = line.partition(":")
    if not sep:
        raise _BadLine("expected 'team: password'")
    label = label.strip(" \t")
    if not _LABEL.fullmatch(label):
        raise _BadLine(
            "the team label before the first ':' must be 1 to 40 letters, digits, spaces, "
            "'.', '_' or '-'"
        )
    if rest and not rest.startswith((" ", "\t")):
        raise _BadLine("expected a space after the first ':'")
    return label, rest.lstrip(" \t")


def _unusable(password: str, variable: bool) -> list[tuple[str, str]]:
    """Why a password cannot be typed as it is stored (never repeating any of it)."""
    if not password:
        return [("no password after the team label", "write 'team: password'")]
    if variable and password.endswith(("\n", "\r")):
        return [
            (
                "the password ends with a line break",
                "remove it: it could never be typed into the unlock form; "
                "`printf '%s'` and `$(cat file)` drop it, `echo` and some secret stores add one",
            )
        ]
    if password != password.strip():
        return [
            (
                "the password starts or ends with a space or a tab",
                "remove it: spaces at either end are lost when a password is copied or typed",
            )
        ]
    odd = next((c for c in password if unicodedata.category(c) in _INVISIBLE), None)
    if odd is not None:
        return [
            (
                f"the password holds a control or invisible character (U+{ord(odd):04X})",
                "use characters that can be typed",
            )
        ]
    if not variable and _COMMENT_AFTER.search(password):
        return [
            (
                "a '#' after a space looks like a comment",
                "comments go on lines of their own, starting with '#'; if the '#' is part of "
                "the password, choose another one (`roadmap passphrase`)",
            )
        ]
    return []


def weakness(password: str, context: Iterable[str] = ()) -> list[tuple[str, str]]:
    """Why a password is too weak (never repeating it), or nothing."""
    if len(password) < MIN_LENGTH:
        return [(f"too short ({len(password)} characters, {MIN_LENGTH} needed)", _HINT)]
    guesses, warning = estimate(password, context)
    if guesses < MIN_GUESSES:
        why = (warning or "it is made of common words, names, dates or patterns").rstrip(".")
        needed = round(math.log10(MIN_GUESSES))
        return [
            (
                f"too weak: {why[0].lower() + why[1:]} "
                f"(about 10^{max(0, int(math.log10(guesses)))} guesses, 10^{needed} needed)",
                _HINT,
            )
        ]
    return []


def _close_to(cred: Credential, pending: list[tuple[int, Credential]]) -> list[tuple[str, str]]:
    """Whether another team's password makes this one easy to guess (`…-lamp-tide` beside
    `…-lamp-moon`): a team whose line is removed still knows its own password."""
    for n, other in pending:
        if other is not cred and estimate(cred.password, [other.password])[0] < MIN_GUESSES:
            return [
                (
                    f"too close to the password on line {n}: a team that knows that one "
                    "could guess this one, even after its line is removed",
                    "give each team its own random passphrase (`roadmap passphrase`)",
                )
            ]
    return []


def estimate(password: str, context: Iterable[str] = ()) -> tuple[float, str]:
    """Guesses an attacker needs, and zxcvbn's warning (see _estimate). Kept per process for
    the last few passwords and contexts: `roadmap build` checks the password before it builds
    anything, and the internal site's build, in the same process, checks it again against the
    same words (0.5 s at 1,000 items)."""
    context = tuple(context)
    key = (hashlib.sha256(password.encode("utf-8", "surrogatepass")).digest(), context)
    found = _ESTIMATES.get(key)
    if found is None:
        found = _estimate(password, context)
        if len(_ESTIMATES) >= 8:
            _ESTIMATES.clear()
        _ESTIMATES[key] = found
    return found


_ESTIMATES: dict[tuple[bytes, tuple[str, ...]], tuple[float, str]] = {}


def _estimate(password: str, context: tuple[str, ...]) -> tuple[float, str]:
    """Guesses an attacker needs, and zxcvbn's warning: the lowest of zxcvbn's estimate of
    - the whole password;
    - its words taken one by one (zxcvbn reads `-2025` after a word as random characters, so
      `roadmap-internal-2025` passed), a run of two or more words found together in a known
      phrase (a title clients read, a sentence of the site) counting as one guess among all
      such runs;
    - its letters and digits run together (a known phrase whatever its separators)."""
    from zxcvbn import zxcvbn  # imported late: it loads its word lists on import

    phrases = (*COMMON_WORDS, *KNOWN_PHRASES, *context)
    user_inputs, runs = _known(phrases)
    whole = zxcvbn(password[:100], user_inputs=user_inputs)

    def guesses(word: str) -> float:
        return float(zxcvbn(word, user_inputs=user_inputs)["guesses"])

    by_word = 10.0  # the attacker also guesses the separator
    for word in (t for t in _SEPARATORS.split(password[:100]) if t):
        by_word *= guesses(word)
    joined = _joined(password)[:100]
    run_together = 10.0 * guesses(joined) if joined else 1.0
    lowest = min(float(whole["guesses"]), by_word, run_together, _by_runs(password, runs, guesses))
    return lowest, whole["feedback"].get("warning") or ""


@functools.lru_cache(maxsize=8)  # one context per read_passwords, estimated once per password
def _known(phrases: tuple[str, ...]) -> tuple[list[str], frozenset[tuple[str, ...]]]:
    """zxcvbn's user inputs for these phrases, and every run of two or more of their words."""
    user_inputs = sorted({w for text in phrases for w in _words(text)})
    runs: set[tuple[str, ...]] = set()
    for text in phrases:
        words = _TOKEN.findall(text.lower())
        runs.update(
            tuple(words[i:j]) for i in range(len(words)) for j in range(i + 2, len(words) + 1)
        )
    return user_inputs, frozenset(runs)


def _by_runs(password: str, runs: frozenset[tuple[str, ...]], guesses) -> float:
    """Guesses for the password read as runs of words from known phrases (each run one of all
    the runs there are, in three cases) and single words (zxcvbn's estimate each)."""
    split = _CAMEL.sub(" ", password[:100])  # OfflineSyncFor2026 -> Offline Sync For 2026
    tokens = _TOKEN.findall(split)
    lowered = [t.lower() for t in tokens]
    total, i = 10.0, 0  # the separator
    while i < len(tokens):
        end = next((j for j in range(len(tokens), i + 1, -1) if tuple(lowered[i:j]) in runs), None)
        if end is None:
            total *= guesses(tokens[i])
            i += 1
        else:
            total *= 3 * len(runs)  # lower, Title or UPPER case
            i = end
    return total


_TOKEN = re.compile(r"[^\W_]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def _words(text: str) -> list[str]:
    """A phrase, each word of it and the words run together: `Crewline roadmap` -> itself,
    `Crewline`, `roadmap`, `crewlineroadmap`."""
    text = text.strip()
    parts = [w for w in re.split(r"[\W_]+", text) if len(w) >= 3]
    joined = _joined(text)
    return [text, *parts, *([joined] if len(parts) > 1 else [])] if text else parts


def _joined(text: str) -> str:
    return re.sub(r"[\W_]+", "", text).lower()


def content_words(view) -> list[str]:
    """What an attacker who read the light site (titles, summaries), or once read the internal
    one (customers, owners, priorities), tries first: from the internal View, which holds both.
    A password made of a title clients read is no secret, whatever zxcvbn makes of its words."""
    words: list[str | None] = []
    for item in view.items:
        words += [item.id, item.title, item.summary, item.owner, *item.tags]
        words += [c.name for c in item.customers]
        if item.public:
            words += [item.public.title, item.public.summary]
    for theme in view.themes:
        words += [theme.title, theme.summary]
    for page in (*view.pages, *view.playbook):
        words += [page.title, page.description]
    if view.strategy:
        words += [p.title for p in view.strategy.priorities]
        words += [f.area for f in view.strategy.flexible]
    return [w for w in words if w]


# --- Passwords printed where they should not be -----------------------------------------------


def found_in_repository(
    credentials: Iterable[Credential], folder: Path, environ: Mapping[str, str] | None = None
) -> list[Problem]:
    """Tracked files of the git checkout around `folder` that hold one of the passwords, and
    a password file (ROADMAP_PASSWORD_FILE) in that checkout that git does not ignore: the
    next `git add -A` would commit it.

    For a loud warning, not an error: this repository's own demo and test passwords are in its
    README, CI script and tests, on purpose. Nothing outside a git checkout is searched.
    """
    files = tracked_files(folder)
    if files is None:
        return []
    environ = os.environ if environ is None else environ
    unprotected = []
    name = environ.get(ENV_FILE, "").strip()
    top = checkout_root(folder)
    password_file = Path(name).absolute() if name else None
    if (
        password_file is not None
        and top is not None
        and password_file.is_file()
        and password_file.resolve().is_relative_to(top.resolve())
        and is_ignored(password_file) is False
        and is_tracked(password_file) is False  # a tracked one: its lines are found below
    ):
        unprotected.append(
            Problem(
                password_file,
                1,
                f"PASSWORD FILE NOT IGNORED: {ENV_FILE} names a file inside the repository's "
                "checkout that git does not ignore, so the next `git add -A` commits every "
                "team's password",
                "keep it outside the checkout, or add its name to .gitignore",
            )
        )
    wanted = {}
    for cred in credentials:
        for form in {cred.password, unicodedata.normalize("NFC", cred.password)}:
            wanted[form.encode("utf-8")] = cred
    warnings = []
    for path in files:
        for line, cred in _occurrences(path, wanted):
            warnings.append(
                Problem(
                    path,
                    line,
                    f"PASSWORD IN THE REPOSITORY: the internal site's password ({cred.where}) "
                    "is written in this tracked file, so anyone who can read the repository "
                    "can unlock the site",
                    "choose a new one (`roadmap passphrase`) and keep it in a CI secret or a "
                    "password manager; demo passwords printed in this project are public",
                )
            )
    return unprotected + sorted(set(warnings))


def _occurrences(path: Path, wanted: dict[bytes, Credential]) -> list[tuple[int, Credential]]:
    try:
        if not path.is_file() or path.is_symlink() or path.stat().st_size == 0:
            return []
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            out = []
            for needle, cred in wanted.items():
                at = data.find(needle)
                if at >= 0:
                    out.append((data[:at].count(b"\n") + 1, cred))
            return out
    except (OSError, ValueError):  # unreadable, or changed while read: not ours to judge
        return []


# --- `roadmap passphrase` ---------------------------------------------------------------------


def passphrase(words: int = PASSPHRASE_WORDS, separator: str = "-") -> str:
    """Random words from the EFF long list (7,776 words, shipped by xkcdpass), chosen with
    `secrets`; drawn again in the rare case the strength check would refuse the result."""
    from xkcdpass import xkcd_password

    if words < MIN_PASSPHRASE_WORDS:
        raise ValueError(f"at least {MIN_PASSPHRASE_WORDS} words")
    wordlist = xkcd_password.generate_wordlist(
        wordfile=xkcd_password.locate_wordfile("eff-long"), min_length=3, max_length=9
    )
    # Letters only: "t-shirt" or "yo-yo" between hyphens would read as two words.
    wordlist = [w for w in wordlist if w.isalpha()]
    while True:
        phrase = separator.join(secrets.choice(wordlist) for _ in range(words))
        if not weakness(phrase):
            return phrase
