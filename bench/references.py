"""How the text scan of links grows with pathological bodies: N and K*N repetitions of each
pattern, through `find_refs` and through `roadmap check`'s whole load, and the time ratio.

Linear cost shows as a ratio near K. Run: .venv/bin/python bench/references.py [N] [K]
(defaults 20000 and 4). CPU time, best of 5: other processes on the machine barely move it.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from roadmap.load import load_with_problems
from roadmap.references import find_refs

PATTERNS = {
    "unmatched [": "[",
    "unmatched ](": "](",
    'open titles ](x "': '](x.png "',
    "open references ![a][": "![a][",
    "nested [a](": "[a](",
    "one image per line": "![a](x.png)\n",
    "attributes": 'src="x.png" ',
}
THEMES = "core:\n  title: Core\n  visibility: public\n"
ITEM = "---\ntitle: T\nsummary: S.\nstatus: planned\nhorizon: now\ntheme: core\n---\n"


def timed(fn, *args) -> float:
    best = float("inf")
    for _ in range(5):
        start = time.process_time()
        fn(*args)
        best = min(best, time.process_time() - start)
    return best


def check_time(body: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "content"
        (content / "roadmap").mkdir(parents=True)
        (content / "roadmap" / "themes.yml").write_text(THEMES)
        (content / "roadmap" / "x.png").write_bytes(b"")
        (content / "roadmap" / "alpha.md").write_text(ITEM + body + "\n")
        return timed(load_with_problems, content)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    k = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    print(f"{'pattern':<24} {'scan':>8} {'x' + str(k):>6}   {'check':>8} {'x' + str(k):>6}")
    for name, unit in PATTERNS.items():
        scan = [timed(find_refs, unit * size) for size in (n, k * n)]
        check = [check_time(unit * size) for size in (n, k * n)]
        print(
            f"{name:<24} {scan[0] * 1000:7.1f}ms {scan[1] / scan[0]:6.2f}   "
            f"{check[0] * 1000:7.1f}ms {check[1] / check[0]:6.2f}"
        )
    print(f"(linear = {k})")


if __name__ == "__main__":
    main()
