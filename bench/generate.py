"""A realistic roadmap of N items for the benchmarks: the shape of issue 12, in a git repository.

Each item: a ~1.4 KB body with a paragraph, a heading, a list, a table, a link to another item
and an internal block; 1-4 customers with notes; sales notes; owner, target, tags. One item in
three is public. Words come from the EFF long list (xkcdpass ships it), so no two runs of six
words repeat by accident and the leak audit has real work. `make_project(root, n)` writes the
project; `commits` adds that many later commits, each changing one to three items, so the
history (changelogs, feeds, item histories) has something to read.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import xkcdpass

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench only: granite-swallow-meadow-four"
THEMES = {
    "scheduling": "Scheduling and dispatch",
    "mobile": "Technician mobile app",
    "billing": "Quotes, invoicing and payments",
    "portal": "Customer experience",
    "integrations": "Integrations and API",
    "reporting": "Reporting and insight",
    "inventory": "Parts and inventory",
    "platform": "Platform foundations",  # internal
}
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def _words() -> list[str]:
    path = Path(xkcdpass.__file__).parent / "static" / "eff-long"
    return [w.strip() for w in path.read_text().split() if w.strip().isalpha()]


class Writer:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.words = _words()

    def word(self) -> str:
        return self.rng.choice(self.words)

    def phrase(self, n: int) -> str:
        return " ".join(self.word() for _ in range(n))

    def sentence(self, low: int = 9, high: int = 16) -> str:
        text = self.phrase(self.rng.randint(low, high))
        return text[0].upper() + text[1:] + "."

    def sentences(self, n: int) -> str:
        return " ".join(self.sentence() for _ in range(n))

    def name(self) -> str:
        return f"{self.word().title()} {self.word().title()}"


def _yaml_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _body(w: Writer, other: str) -> str:
    rng = w.rng
    rows = "\n".join(
        f"| {w.phrase(2).title()} | {rng.randint(1, 99)}% | {w.phrase(3)} |" for _ in range(3)
    )
    bullets = "\n".join(f"- {w.sentence(6, 10)}" for _ in range(4))
    return (
        f"{w.sentences(3)}\n\n"
        f"## What we are building\n\n{bullets}\n\n"
        f"| Part | Share | Notes |\n|---|--:|---|\n{rows}\n\n"
        f"It builds on [{w.phrase(3)}]({other}.md), and {w.sentence(8, 12).lower()}\n\n"
        f'!!! internal "Engineering notes"\n    {w.sentence()}\n    {w.sentence()}\n\n'
        f"{w.sentences(2)}\n"
    )


def _item(w: Writer, i: int, ids: list[str], owners, customers, tags) -> str:
    rng = w.rng
    theme = rng.choice(list(THEMES))
    visibility = (
        "internal" if theme == "platform" else rng.choice(["public", "ask-first", "internal"])
    )
    status = rng.choices(
        ["exploring", "planned", "in-progress", "shipped", "paused", "cancelled"],
        [20, 30, 20, 20, 5, 5],
    )[0]
    lines = [
        f"title: {_yaml_text(w.phrase(rng.randint(3, 5)).capitalize())}",
        f"summary: {_yaml_text(w.sentence(12, 20))}",
        f"visibility: {visibility}",
        f"status: {status}",
    ]
    if status not in ("shipped", "cancelled"):
        lines.append(f"horizon: {rng.choice(['now', 'next', 'later'])}")
    lines.append(f"theme: {theme}")
    lines.append(f"tags: [{', '.join(rng.sample(tags, rng.randint(1, 3)))}]")
    if status == "shipped":
        day = date(2025, 1, 1) + timedelta(days=rng.randint(0, 690))
        lines.append(f"shipped: {day.isoformat()}")
    elif rng.random() < 0.7:
        lines.append(f"target: 202{rng.randint(6, 8)}-Q{rng.randint(1, 4)}")
    lines.append(f"commitment: {rng.choice(['committed', 'likely', 'exploratory'])}")
    lines.append(f"confidence: {rng.choice(['high', 'medium', 'low'])}")
    lines.append(f"priority: {rng.randint(1, 50)}")
    lines.append(f"owner: {rng.choice(owners)}")
    lines.append("customers:")
    for name in rng.sample(customers, rng.randint(1, 4)):
        lines += [
            f"  - name: {name}",
            f"    arr: {rng.randint(10, 400) * 1000}",
            f"    note: {_yaml_text(w.sentence())}",
        ]
    if rng.random() < 0.5:
        lines.append(f"competitors: {_yaml_text(w.sentences(2))}")
    if i and rng.random() < 0.15:
        lines.append(f"depends_on: [{ids[rng.randrange(i)]}]")
    lines += [
        "links:",
        f"  - title: {_yaml_text(w.phrase(3).capitalize() + ' design')}",
        f"    url: https://wiki.example.com/eng/{ids[i]}",
    ]
    lines.append(f"last_reviewed: {date(2026, 1, 1) + timedelta(days=rng.randint(0, 330))}")
    if visibility == "public" and rng.random() < 0.2:
        lines += [
            "public:",
            f"  title: {_yaml_text(w.phrase(4).capitalize())}",
            f"  summary: {_yaml_text(w.sentence(12, 18))}",
        ]
    lines += [
        "sales:",
        f"  pitch: {_yaml_text(w.sentences(2))}",
        f"  avoid: {_yaml_text(w.sentence())}",
        "  questions:",
    ]
    for _ in range(rng.randint(1, 2)):
        lines += [
            f"    - q: {_yaml_text(w.sentence(6, 9)[:-1] + '?')}",
            f"      a: {_yaml_text(w.sentence())}",
        ]
    other = ids[rng.randrange(len(ids))]
    return "---\n" + "\n".join(lines) + "\n---\n" + _body(w, other)


def make_project(root: Path, n: int, seed: int = 12, commits: int = 0) -> Path:
    """Write a project of `n` items under `root`; with `commits`, a git repository whose first
    commit holds everything and whose later commits each change one to three items."""
    for name in ("mkdocs.yml", "site_config", "overrides"):
        src = ROOT / name
        if src.is_dir():
            ignore = shutil.ignore_patterns("address-salt.txt")
            shutil.copytree(src, root / name, ignore=ignore, dirs_exist_ok=True)
        else:
            shutil.copy(src, root / name)
    w = Writer(seed)
    content = root / "content"
    (content / "roadmap").mkdir(parents=True, exist_ok=True)
    (content / "pages").mkdir(exist_ok=True)
    (content / "playbook").mkdir(exist_ok=True)
    (content / "roadmap" / "themes.yml").write_text(
        "".join(
            f"{t}:\n  title: {title}\n  summary: {_yaml_text(w.sentence())}\n"
            f"  visibility: {'internal' if t == 'platform' else 'public'}\n"
            for t, title in THEMES.items()
        )
    )
    (content / "roadmap" / "strategy.yml").write_text(
        "priorities:\n"
        + "".join(
            f"  - title: {_yaml_text(w.phrase(4).capitalize())}\n"
            f"    why: {_yaml_text(w.sentences(2))}\n"
            f"    themes: [{t}]\n"
            for t in list(THEMES)[:3]
        )
        + "flexible:\n"
        f"  - area: Delivery dates\n    can_bend: {_yaml_text(w.sentence())}\n"
        f"    cannot_bend: {_yaml_text(w.sentence())}\n    approver: VP Product\n"
    )
    (content / "pages" / "index.md").write_text(
        f"---\ntitle: Roadmap\nvisibility: public\n---\n{w.sentences(3)}\n"
    )
    (content / "pages" / "about.md").write_text(
        f"---\ntitle: About this roadmap\nvisibility: public\n---\n{w.sentences(6)}\n"
    )
    (content / "playbook" / "index.md").write_text(f"---\ntitle: Playbook\n---\n{w.sentences(5)}\n")
    ids = [f"{w.word()}-{w.word()}-{i}" for i in range(n)]
    owners = [w.name() for _ in range(40)]
    customers = [
        f"{w.name()} {w.rng.choice(['Group', 'Services', 'Ltd'])}" for _ in range(max(50, n // 5))
    ]
    tags = sorted({w.word() for _ in range(30)})
    for i, item_id in enumerate(ids):
        (content / "roadmap" / f"{item_id}.md").write_text(
            _item(w, i, ids, owners, customers, tags)
        )
    if commits:
        git(root, "init", "-q", "-b", "main")
        (root / ".gitignore").write_text((ROOT / ".gitignore").read_text())
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "Import the roadmap")
        for c in range(commits):
            for item_id in w.rng.sample(ids, w.rng.randint(1, 3)):
                edit_item(content / "roadmap" / f"{item_id}.md", w.rng)
            git(root, "commit", "-q", "-am", f"Roadmap update {c + 1}")
    return content


def edit_item(path: Path, rng: random.Random) -> None:
    """Move an item to another horizon (or edit its summary when it has none)."""
    text = path.read_text()
    if "\nhorizon: " in text:
        old = text.split("\nhorizon: ")[1].split("\n")[0]
        new = rng.choice([h for h in ("now", "next", "later") if h != old])
        text = text.replace(f"\nhorizon: {old}", f"\nhorizon: {new}", 1)
    else:
        text = text.replace('summary: "', 'summary: "Now ', 1)
    path.write_text(text)


def edit_body(path: Path, n: int) -> None:
    """A one-item edit as a product manager makes one: a sentence of the body changes."""
    text = path.read_text()
    head, sep, body = text.partition("\n---\n")
    path.write_text(head + sep + body.replace(".", f" (edit {n}).", 1))


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "commit.gpgsign=false", *args],
        cwd=root,
        env={**os.environ, **GIT_ENV},
        check=True,
    )


def make_plain(root: Path, content: Path) -> None:
    """The same bodies as a plain MkDocs + Material site: one page each, out of the nav, with
    the same Markdown extensions and the search plugin; the home page in the nav."""
    docs = root / "docs"
    (docs / "items").mkdir(parents=True, exist_ok=True)
    (docs / "index.md").write_text("# Roadmap\n\nThe plain build of the same bodies.\n")
    for path in sorted((content / "roadmap").glob("*.md")):
        text = path.read_text()
        front, _, body = text.partition("\n---\n")
        title = next(line for line in front.splitlines() if line.startswith("title: "))[7:]
        (docs / "items" / path.name).write_text(f"# {title.strip(chr(34))}\n\n{body}")
    (root / "mkdocs.yml").write_text(
        "site_name: Plain\nnav:\n  - Home: index.md\ntheme:\n  name: material\n  font: false\n"
        "markdown_extensions:\n  - admonition\n  - attr_list\n  - md_in_html\n  - tables\n"
        "  - footnotes\n  - def_list\n  - pymdownx.details\n  - pymdownx.superfences\n"
        "  - pymdownx.tasklist\n  - toc:\n      permalink: true\nplugins:\n  - search\n"
    )
