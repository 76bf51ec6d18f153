"""How the leak audit's time grows with the roadmap: audits the light site of N and K*N items.

Builds each light site once (bench/scale.py makes the project), then times the audit alone,
with the secrets, internal passages and public text a real build gives it. Linear cost shows
as a time ratio near the ratio of site sizes. Run: .venv/bin/python bench/audit.py [N] [K]
(defaults 1000 and 5).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import material

from roadmap.audit import audit, trusted_files
from roadmap.load import load
from roadmap.sites import PublicSite

sys.path.insert(0, str(Path(__file__).parent))
from generate import make_project  # noqa: E402

THEME = Path(material.__file__).parent / "templates"


def timed_audit(root: Path) -> tuple[float, float, int]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    roadmap = Path(sys.executable).parent / "roadmap"
    build = [str(roadmap), "build", "--audience", "public"]
    subprocess.run(build, cwd=root, env=env, check=True, capture_output=True)
    site = PublicSite(load(root / "content"), [], [], ["-"], (THEME, root / "overrides"))
    public = root / "site" / "public"
    size = sum(p.stat().st_size for p in public.rglob("*") if p.is_file()) / 1e6
    trusted = trusted_files((THEME,), public)
    start = time.perf_counter()
    found = audit(public, site.secrets, (), trusted, (), site.passages.internal, site.public_text)
    return time.perf_counter() - start, size, len(found)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    k = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in (n, k * n):
            root = Path(tmp) / str(size)
            root.mkdir()
            make_project(root, size)
            results[size] = timed_audit(root)
            seconds, mb, found = results[size]
            print(f"{size:>6} items: site {mb:5.1f} MB, audit {seconds:5.2f} s, {found} findings")
    (t1, m1, _), (t2, m2, _) = results[n], results[k * n]
    print(f"ratio {k * n}/{n}: time x{t2 / t1:.2f} for site size x{m2 / m1:.2f} (linear: equal)")


if __name__ == "__main__":
    main()
