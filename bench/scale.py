"""How build cost grows with the roadmap: builds N and K*N generated items, prints the ratio.

Linear cost shows as a time ratio near K. Run: .venv/bin/python bench/scale.py [N] [K]
(defaults 250 and 4). Each size is built for both audiences in a throwaway project.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench only: granite-swallow-meadow-four"
THEMES = ["scheduling", "mobile", "billing", "portal", "integrations", "platform"]


def make_project(root: Path, n: int) -> None:
    for name in ("mkdocs.yml", "site_config", "overrides"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / name)
    content = root / "content"
    (content / "roadmap").mkdir(parents=True)
    (content / "pages").mkdir()
    themes = "".join(
        f"{t}:\n  title: {t.title()}\n  visibility: {'internal' if t == 'platform' else 'public'}\n"
        for t in THEMES
    )
    (content / "roadmap" / "themes.yml").write_text(themes)
    (content / "pages" / "index.md").write_text(
        "---\ntitle: Roadmap\nvisibility: public\n---\nHi.\n"
    )
    rng = random.Random(n)
    for i in range(n):
        theme = rng.choice(THEMES)
        visibility = "internal" if theme == "platform" else rng.choice(["public", "ask-first"])
        status = rng.choice(["exploring", "planned", "in-progress", "shipped"])
        extra = (
            "shipped: 2026-05-04\n"
            if status == "shipped"
            else f"horizon: {rng.choice(['now', 'next', 'later'])}\n"
        )
        deps = f"depends_on: [item-{i - 1}]\n" if i and rng.random() < 0.2 else ""
        (content / "roadmap" / f"item-{i}.md").write_text(
            f"---\ntitle: Item number {i}\nsummary: What item {i} does for clients.\n"
            f"visibility: {visibility}\nstatus: {status}\n{extra}theme: {theme}\n"
            f"owner: Owner {i % 7}\ntarget: 2027-Q{i % 4 + 1}\npriority: {i % 50 + 1}\n{deps}"
            f"customers:\n  - name: Customer {i % 13}\n    arr: {1000 * i}\n---\n"
            f"## Problem\n\nParagraph about item {i}.\n\n"
            f'!!! internal "Notes"\n    Internal notes for {i}.\n'
        )


def timed_build(root: Path) -> float:
    env = {**os.environ, "ROADMAP_PASSWORD": PASSWORD, "NO_MKDOCS_2_WARNING": "1"}
    roadmap = Path(sys.executable).parent / "roadmap"
    start = time.perf_counter()
    subprocess.run([str(roadmap), "build"], cwd=root, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 250
    k = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    times = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in (n, k * n):
            root = Path(tmp) / str(size)
            root.mkdir()
            make_project(root, size)
            times[size] = timed_build(root)
            print(
                f"{size:>6} items: {times[size]:6.1f} s  ({times[size] / size * 1000:.1f} ms/item)"
            )
    print(f"ratio {k * n}/{n}: time x{times[k * n] / times[n]:.2f} for items x{k} (linear = {k})")


if __name__ == "__main__":
    main()
