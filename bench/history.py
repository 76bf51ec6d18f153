"""What reading the git history costs: a roadmap of N items with C commits that each change one
item, read cold and warm (the per-process cache), and at two sizes to show how it grows.

Run: .venv/bin/python bench/history.py [N] [C]   (defaults 100 items, 300 commits)
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from generate import make_project  # noqa: E402

from roadmap import history, load  # noqa: E402

ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "commit.gpgsign=false", *args], cwd=root, env=ENV, check=True)


def make_repo(root: Path, n: int, commits: int) -> Path:
    make_project(root, n)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "start")
    rng = random.Random(commits)
    items = sorted((root / "content/roadmap").glob("item-*.md"))
    for c in range(commits):
        path = rng.choice(items)
        text = path.read_text()
        if "horizon: " in text:
            old = text.split("horizon: ")[1].split("\n")[0]
            new = rng.choice([h for h in ("now", "next", "later") if h != old])
            text = text.replace(f"horizon: {old}", f"horizon: {new}")
        else:
            text = text.replace("summary: ", f"summary: Edit {c}. ", 1)
        path.write_text(text)
        git(root, "commit", "-q", "-am", f"change {c}")
    return root / "content"


def timed(content: Path, depth: int) -> tuple[float, float, float]:
    """Wall time cold (nothing cached), CPU time cold (git's own time is not counted; on a busy
    machine it is the steadier number), wall time warm (every tree known)."""
    history._STATES.clear()
    load._read_item.cache_clear()
    t0, c0 = time.perf_counter(), time.process_time()
    first = history.read_history(content, depth)
    cold, cpu = time.perf_counter() - t0, time.process_time() - c0
    t0 = time.perf_counter()
    history.read_history(content, depth)
    warm = time.perf_counter() - t0
    assert first.commits, first.notes
    return cold, cpu, warm


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    commits = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    with tempfile.TemporaryDirectory() as tmp:
        for size in (n, 2 * n):
            root = Path(tmp) / f"p{size}"
            root.mkdir()
            t0 = time.perf_counter()
            content = make_repo(root, size, commits)
            made = time.perf_counter() - t0
            cold, cpu, warm = timed(content, commits + 1)
            print(
                f"{size} items, {commits + 1} commits (made in {made:.0f} s): cold {cold:.2f} s "
                f"wall, {cpu:.2f} s CPU ({1000 * cpu / (commits + 1):.1f} ms/commit); "
                f"warm {warm:.2f} s"
            )
            half = (commits + 1) // 2
            cold_half, cpu_half, _ = timed(content, half)
            print(f"  history_depth {half}: cold {cold_half:.2f} s wall, {cpu_half:.2f} s CPU")


if __name__ == "__main__":
    main()
