"""The internal site's passwords: where they come from, what is refused, and that no message
ever repeats a password (or anything that may be half of one)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import PASSWORD, ROOT, Project
from roadmap.passwords import (
    MIN_PASSPHRASE_WORDS,
    estimate,
    found_in_repository,
    read_passwords,
    weakness,
)
from roadmap.problems import display_path

HINT = "use a passphrase of five or more random words: `roadmap passphrase` makes one"
CONTEXT = ["Crewline roadmap", "Halyard", "Kestrel"]  # site name and codenames, as the plugin
TEAM_SHAPE = "write 'team: password'; a line holding only a password needs a label"
LINE_BREAK = (
    "the password ends with a line break; remove it: it could never be typed into the unlock"
    " form; `printf '%s'` and `$(cat file)` drop it, `echo` and some secret stores add one"
)
SPACE = (
    "the password starts or ends with a space or a tab; remove it: spaces at either end are"
    " lost when a password is copied or typed"
)
SAVE_AS = "save it as UTF-8 (in Notepad: Save as, Encoding: UTF-8)"


def messages(problems) -> list[str]:
    return [str(p) for p in problems]


def from_variable(password: str) -> list[str]:
    _, problems = read_passwords({"ROADMAP_PASSWORD": password}, context=CONTEXT)
    out = messages(problems)
    assert all(password.strip() not in line for line in out), out
    return out


def from_file(tmp_path: Path, data: str | bytes) -> tuple[list[str], list[str]]:
    """(labels read, problem lines) for a password file holding `data`."""
    path = tmp_path / "teams.txt"
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    creds, problems = read_passwords({"ROADMAP_PASSWORD_FILE": str(path)}, context=CONTEXT)
    prefix = f"{display_path(path)}:"
    out = [str(p).removeprefix(prefix) for p in problems]
    assert all(str(p).startswith(prefix) for p in problems)
    return [c.label for c in creds], out


# --- Where the password comes from -----------------------------------------------------------


def test_missing_password_is_a_clear_problem():
    creds, problems = read_passwords({})
    assert creds == []
    assert messages(problems) == [
        "site_config/internal.yml:1: the internal site needs a password; set ROADMAP_PASSWORD, "
        "or ROADMAP_PASSWORD_FILE naming a file of 'team: password' lines"
    ]


def test_password_file_missing(tmp_path):
    _, problems = read_passwords({"ROADMAP_PASSWORD_FILE": str(tmp_path / "nope.txt")})
    assert messages(problems) == [
        f"{display_path(tmp_path / 'nope.txt')}:1: cannot read the password file:"
        " No such file or directory; ROADMAP_PASSWORD_FILE must name a readable file"
    ]


# --- Strength --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password, why",
    [
        ("hunter2", "too short (7 characters, 12 needed)"),
        ("password1234", "too weak: this is a very common password (about 10^2 guesses"),
        ("qwertyuiop123", "too weak: this is a very common password (about 10^3 guesses"),
        ("aaaaaaaaaaaaaaaa", 'too weak: repeats like "aaa" are easy to guess (about 10^2'),
        # zxcvbn score 3, about 10^8 guesses: hours on one GPU at 600k PBKDF2 iterations.
        ("P@ssw0rd2025!!", "too weak: it is made of common words, names, dates or patterns"),
        ("Welcome2Crewline!", "too weak: it is made of common words, names, dates or patterns"),
        # zxcvbn alone says 10^12 (it reads '-2025' as random characters); word by word, 10^6.
        ("roadmap-internal-2025", "too weak: it is made of common words, names, dates or pat"),
        ("Halyard-Kestrel-2026!", "too weak: it is made of common words, names, dates or pat"),
    ],
)
def test_weak_passwords_are_refused(password: str, why: str):
    (line,) = from_variable(password)
    assert line.startswith(f"ROADMAP_PASSWORD:1: {why}")
    assert line.endswith(f"10^12 needed); {HINT}") or "too short" in line


def test_the_site_name_and_codenames_count_as_known_words():
    assert estimate("Crewline-Halyard-Kestrel", CONTEXT)[0] < 10**12
    assert estimate("Crewline-Halyard-Kestrel")[0] > 10**12  # unknown to zxcvbn otherwise


def test_every_password_printed_in_this_repository_passes():
    """The Quick start, CI, bench and tests use these: they must build (and warn, see below)."""
    printed = {PASSWORD}
    for rel in ("README.md", ".ci/run", "bench/generate.py"):
        text = (ROOT / rel).read_text(encoding="utf-8")
        printed |= set(re.findall(r"ROADMAP_PASSWORD='([^'<]+)'", text))
        printed |= set(re.findall(r'PASSWORD = "([^"]+)"', text))
    assert len(printed) >= 4, printed
    for password in printed:
        assert weakness(password, CONTEXT) == [], password


def test_strong_passphrase_is_accepted():
    creds, problems = read_passwords({"ROADMAP_PASSWORD": PASSWORD}, context=CONTEXT)
    assert problems == [] and [c.password for c in creds] == [PASSWORD]


# --- The variable, exactly as given ----------------------------------------------------------


@pytest.mark.parametrize(
    "password, expected",
    [
        pytest.param(PASSWORD + "\n", LINE_BREAK, id="trailing-newline"),
        pytest.param(PASSWORD + "\r\n", LINE_BREAK, id="trailing-crlf"),
        pytest.param(PASSWORD + " ", SPACE, id="trailing-space"),
        pytest.param(" " + PASSWORD, SPACE, id="leading-space"),
        pytest.param("\t" + PASSWORD, SPACE, id="leading-tab"),
        pytest.param(
            PASSWORD.replace(" ", "\t"),
            "the password holds a control or invisible character (U+0009);"
            " use characters that can be typed",
            id="tab-inside",
        ),
        pytest.param(
            PASSWORD.replace("-", "\u200b-", 1),
            "the password holds a control or invisible character (U+200B);"
            " use characters that can be typed",
            id="zero-width-space",
        ),
        pytest.param(
            PASSWORD.replace(" ", "\u2028", 1),
            "the password holds a control or invisible character (U+2028);"
            " use characters that can be typed",
            id="line-separator",
        ),
    ],
)
def test_variable_edge_cases(password: str, expected: str):
    assert from_variable(password) == [f"ROADMAP_PASSWORD:1: {expected}"]


# --- The file --------------------------------------------------------------------------------


def test_password_file_one_line_per_team(tmp_path):
    labels, problems = from_file(
        tmp_path,
        "# Teams: one line each\n"
        "  # an indented comment\n"
        "sales-emea: river otter lamp sixteen\n"
        "\n"
        "Sales US:\tcopper kettle moon rises\r\n"  # a tab after ':', a Windows line end
        "staff.all: marble tulip harbor nine\n",
    )
    assert problems == []
    assert labels == ["sales-emea", "Sales US", "staff.all"]


@pytest.mark.parametrize(
    "line, expected",
    [
        pytest.param(
            "correct-horse-battery-staple-99",
            f"expected 'team: password'; {TEAM_SHAPE}",
            id="password-only",
        ),
        pytest.param(
            "Tr0ub4dor:correct-horse-battery-staple",
            f"expected a space after the first ':'; {TEAM_SHAPE}",
            id="password-only-with-colon",
        ),
        pytest.param(
            "https://vault.example/x: river otter lamp sixteen",
            f"expected a space after the first ':'; {TEAM_SHAPE}",
            id="url-as-label",
        ),
        pytest.param(
            "ri$ver!otter: lamp sixteen copper kettle",
            "the team label before the first ':' must be 1 to 40 letters, digits, spaces, '.',"
            f" '_' or '-'; {TEAM_SHAPE}",
            id="password-like-label",
        ),
        pytest.param(
            ": river otter lamp sixteen",
            "the team label before the first ':' must be 1 to 40 letters, digits, spaces, '.',"
            f" '_' or '-'; {TEAM_SHAPE}",
            id="no-label",
        ),
        pytest.param(
            "sales: river otter lamp sixteen # rotated in May",
            "a '#' after a space looks like a comment; comments go on lines of their own,"
            " starting with '#'; if the '#' is part of the password, choose another one"
            " (`roadmap passphrase`)",
            id="trailing-comment",
        ),
        pytest.param(
            "sales: river otter lamp sixteen ",
            SPACE,
            id="trailing-space",
        ),
        pytest.param(
            "sales: river\x0botter lamp sixteen",
            "the password holds a control or invisible character (U+000B);"
            " use characters that can be typed",
            id="vertical-tab",
        ),
        pytest.param(
            "sales:",
            "no password after the team label; write 'team: password'",
            id="empty",
        ),
        pytest.param(
            "sales: hunter2",
            f"too short (7 characters, 12 needed); {HINT}",
            id="weak",
        ),
    ],
)
def test_bad_password_file_line(tmp_path, line: str, expected: str):
    labels, problems = from_file(tmp_path, f"ok: river otter lamp sixteen\n{line}\n")
    assert labels == ["ok"] or line.endswith("hunter2")
    assert problems == [f"2: {expected}"]
    secret_part = line.partition(":")[2].strip() or line
    for word in re.findall(r"[A-Za-z0-9]{4,}", secret_part.replace("rotated", "")):
        assert all(word not in p for p in problems), word


def test_duplicate_label_and_duplicate_password(tmp_path):
    """A password on two lines would keep working after one is removed: both refused."""
    labels, problems = from_file(
        tmp_path,
        "emea: river otter lamp sixteen\n"
        "EMEA: copper kettle moon rises\n"
        "us: river otter lamp sixteen\n"
        "apac: cafe\u0301 amber falcon tide\n"
        "anz: caf\u00e9 amber falcon tide\n",  # the same password once NFC-normalised
    )
    assert labels == ["emea", "apac"]
    same = (
        "each team needs its own password: removing one line must end that team's access,"
        " and a shared password would go on working"
    )
    assert problems == [
        "2: this team label is already used on line 1; each team gets one line",
        f"3: the same password as line 1; {same}",
        f"5: the same password as line 4; {same}",
    ]


@pytest.mark.parametrize(
    "data, expected",
    [
        pytest.param(
            "sales: river otter lamp sixteen\n".encode("utf-16"),
            f"1: the password file is UTF-16 text; {SAVE_AS}",
            id="utf-16-with-bom",
        ),
        pytest.param(
            "sales: river otter lamp sixteen\n".encode("utf-16-le"),
            f"1: the password file holds NUL bytes (UTF-16?); {SAVE_AS}",
            id="utf-16-without-bom",
        ),
        pytest.param(
            "a: river otter lamp sixteen\nb: caf\u00e9 amber falcon lamp\n".encode("latin-1"),
            f"2: not valid UTF-8 text; {SAVE_AS}",
            id="latin-1",
        ),
    ],
)
def test_wrongly_encoded_password_file(tmp_path, data: bytes, expected: str):
    labels, problems = from_file(tmp_path, data)
    assert labels == [] and problems == [expected]


def test_utf8_bom_is_fine(tmp_path):
    labels, problems = from_file(tmp_path, "\ufeffsales: river otter lamp sixteen\n")
    assert (labels, problems) == (["sales"], [])


def test_empty_password_file(tmp_path):
    labels, problems = from_file(tmp_path, "# nobody yet\n\n")
    assert problems == ["1: no passwords in the file; add one 'team: password' line per team"]


# --- Through `roadmap build` -----------------------------------------------------------------


def test_build_refuses_a_bad_password_file_and_says_nothing_of_it(project: Project, tmp_path):
    project.item("x")
    teams = tmp_path / "teams.txt"
    teams.write_text(
        "sales: river otter lamp sixteen\nTr0ub4dor:x marble tulip harbor\nus: hunter2xyz\n"
    )
    result = project.run(
        "build", "--audience", "internal", password=None, env={"ROADMAP_PASSWORD_FILE": str(teams)}
    )
    assert result.code == 1
    shown = os.path.relpath(teams, project.root)  # the command ran in the project
    assert result.err.splitlines() == [
        f"{shown}:2: expected a space after the first ':'; {TEAM_SHAPE}",
        f"{shown}:3: too short (10 characters, 12 needed); {HINT}",
        "roadmap: nothing was built; the previous sites are untouched",
    ]
    for secret in ("Tr0ub4dor", "marble", "hunter2xyz", "river"):
        assert secret not in result.out + result.err
    assert not project.site("internal").exists()


def test_build_refuses_a_trailing_newline_in_the_variable(project: Project):
    project.item("x")
    result = project.run("build", "--audience", "internal", password=PASSWORD + "\n")
    assert result.code == 1
    assert result.err.splitlines()[0] == f"ROADMAP_PASSWORD:1: {LINE_BREAK}"
    assert PASSWORD not in result.out + result.err


def test_a_password_in_a_tracked_file_is_a_loud_warning(project: Project):
    """This repository prints its demo passwords on purpose: they warn, they do not fail."""
    project.item("x")
    project.write("notes/setup.md", f"# Setup\n\nBuild with\n\n    ROADMAP_PASSWORD='{PASSWORD}'\n")
    project.write("notes/other.md", "Nothing here.\n")
    git = ["git", "-C", str(project.root)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "notes", "mkdocs.yml"], check=True)
    result = project.run("build", "--audience", "internal")
    assert result.code == 0, result.err
    assert result.err.splitlines() == [
        "WARNING: site_config/address-salt.txt:1: git does not track the address salt file:"
        " a fresh clone would make a new one and change every internal page address;"
        " commit it: git add site_config/address-salt.txt",
        "WARNING: notes/setup.md:5: PASSWORD IN THE REPOSITORY: the internal site's password"
        " (ROADMAP_PASSWORD) is written in this tracked file, so anyone who can read the"
        " repository can unlock the site; choose a new one (`roadmap passphrase`) and keep it"
        " in a CI secret or a password manager; demo passwords printed in this project are"
        " public",
    ]
    assert PASSWORD not in result.out + result.err


def test_no_warning_when_the_password_is_nowhere_in_the_repository(project: Project):
    project.item("x")
    subprocess.run(["git", "-C", str(project.root), "init", "-q"], check=True)
    subprocess.run(["git", "-C", str(project.root), "add", "."], check=True)
    result = project.run("build", "--audience", "internal")
    assert result.code == 0, result.err
    assert "PASSWORD IN THE REPOSITORY" not in result.err


# --- `roadmap passphrase` --------------------------------------------------------------------


def eff_words() -> set[str]:
    from xkcdpass import xkcd_password

    return set(Path(xkcd_password.locate_wordfile("eff-long")).read_text().split())


def test_passphrase_prints_random_words_that_pass(project: Project):
    first, second = project.run("passphrase"), project.run("passphrase", "--words", "7")
    assert first.code == second.code == 0
    words, more = first.out.strip().split("-"), second.out.strip().split("-")
    assert (len(words), len(more)) == (5, 7)
    assert set(words + more) <= eff_words()
    assert first.out != project.run("passphrase").out
    assert weakness(first.out.strip(), CONTEXT) == []


def test_passphrase_words_have_letters_only():
    """The EFF list has "t-shirt" and "yo-yo": between hyphens they would read as two words."""
    from roadmap.passwords import passphrase

    for _ in range(300):
        assert all(word.isalpha() for word in passphrase(4).split("-"))


def test_passphrase_needs_no_project(tmp_path):
    from conftest import Project as Bare

    result = Bare(tmp_path).run("passphrase")  # no mkdocs.yml, no site_config/
    assert result.code == 0 and len(result.out.strip().split("-")) == 5


def test_passphrase_refuses_too_few_words(project: Project):
    result = project.run("passphrase", "--words", str(MIN_PASSPHRASE_WORDS - 1))
    assert result.code == 2
    assert result.err.splitlines()[-1] == (
        "roadmap passphrase: error: --words: at least 4 (each adds ~12.9 bits)"
    )


# --- Red team (issue 8): what an attacker tries first ----------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",  # xkcd 936: in every cracking list
        "Correct-Horse-Battery-Staple-2024",
        "the quick brown fox jumps over the lazy dog",
        "MayTheForceBeWithYou!!",
    ],
)
def test_famous_phrases_are_refused(password: str):
    (line,) = from_variable(password)
    assert "too weak" in line


def test_the_light_sites_own_words_are_refused(project: Project):
    """A title clients read, the site's description, a customer's name: zxcvbn rated each
    word as rare (10^13 to 10^20 guesses), but an attacker holding the light site, or a
    revoked team, tries these phrases first."""
    project.item("offline", title="Offline sync for field crews")
    project.item("hidden", visibility="internal", customers=[{"name": "Harrow Finch Services"}])
    for password in (
        "Offline sync for field crews",
        "OfflineSyncForFieldCrews2026",
        "What Crewline is building for field-service teams.",  # site_description
        "harrow-finch-services-roadmap",
    ):
        assert estimate(password, CONTEXT)[0] > 10**12, password  # as it was
        result = project.run("build", password=password)
        assert result.code == 1, password
        assert "ROADMAP_PASSWORD:1: too weak" in result.err, result.err
        assert password not in result.err


def test_a_password_close_to_another_teams_is_refused(tmp_path):
    """Revoking a team whose password differs from another's by one word ends nothing."""
    labels, problems = from_file(
        tmp_path,
        "emea: amber falcon river lamp tide\n"
        "us: amber falcon river lamp moon\n"
        "apac: copper kettle marble tulip nine\n",
    )
    too_close = "a team that knows that one could guess this one, even after its line is removed"
    assert problems == [
        f"1: too close to the password on line 2: {too_close}; give each team its own random "
        "passphrase (`roadmap passphrase`)",
        f"2: too close to the password on line 1: {too_close}; give each team its own random "
        "passphrase (`roadmap passphrase`)",
    ]


def test_a_password_file_git_would_commit_is_a_loud_warning(project: Project):
    """The README's own example (`ROADMAP_PASSWORD_FILE=passwords.txt` in the project) left
    every team's password one `git add -A` away from the repository, and nothing said so."""
    git = ["git", "-C", str(project.root)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "mkdocs.yml"], check=True)
    path = project.write("passwords.txt", "sales: copper kettle marble tulip nine\n")
    environ = {"ROADMAP_PASSWORD_FILE": str(path)}
    creds, problems = read_passwords(environ)
    assert problems == []
    assert messages(found_in_repository(creds, project.root, environ)) == [
        f"{display_path(path)}:1: PASSWORD FILE NOT IGNORED: ROADMAP_PASSWORD_FILE names a file"
        " inside the repository's checkout that git does not ignore, so the next `git add -A`"
        " commits every team's password; keep it outside the checkout, or add its name to"
        " .gitignore"
    ]
    project.write(".gitignore", "/passwords.txt\n")
    assert found_in_repository(creds, project.root, environ) == []
    outside = project.root.parent / "teams.txt"  # outside the checkout: nothing to say
    outside.write_text("sales: copper kettle marble tulip nine\n")
    assert found_in_repository(creds, project.root, {"ROADMAP_PASSWORD_FILE": str(outside)}) == []
