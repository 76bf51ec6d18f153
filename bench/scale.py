"""Issue 12's benchmark: `roadmap build` (both sites, encrypted, audited) against a plain MkDocs +
Material build of the same bodies, in the same run, on a generated roadmap (bench/generate.py).

For each size N: cold builds of both, alternating, median of RUNS (every cold `roadmap build`
starts without site/, staging or render cache); then warm rebuilds after a one-item edit (a
sentence of a public item's body): `roadmap build` with the render cache of the build before, and
the two `make serve` previews (`mkdocs serve -f site_config/<audience>.yml`), timed from
MkDocs' own "Documentation built in" line. Peak memory is the largest sum of the proportional
set sizes (PSS) of the build's processes, sampled every 20 ms. Prints a Markdown table.

Run: .venv/bin/python bench/scale.py [N ...] [--runs 3] [--commits 30] [--no-serve]
(default N: 1000). The content is a git repository of `--commits` commits after the first,
history_depth left at its default (200): the history is part of every build.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from generate import PASSWORD, edit_body, make_plain, make_project  # noqa: E402

BIN = Path(sys.executable).parent
ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith("ROADMAP_")},
    "ROADMAP_PASSWORD": PASSWORD,
    "NO_MKDOCS_2_WARNING": "1",
    "SOURCE_DATE_EPOCH": "1795000000",
}
CLEAN = ("site", ".roadmap-staging", ".roadmap-cache")


class PeakMemory:
    """The largest total PSS of a process and its descendants while it runs."""

    def __init__(self, pid: int):
        self.pid, self.peak, self.done = pid, 0, False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.done:
            self.peak = max(self.peak, sum(_pss(p) for p in _tree(self.pid)))
            time.sleep(0.02)

    def stop(self) -> int:
        self.done = True
        self.thread.join()
        return self.peak


def _tree(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += [p for p, parent in parents.items() if parent == pid]
    return found


def _pss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def timed(args: list[str], cwd: Path) -> tuple[float, int]:
    """Wall seconds and peak memory (bytes) of one command, which must succeed."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    memory = PeakMemory(proc.pid)
    out, err = proc.communicate()
    seconds = time.perf_counter() - start
    peak = memory.stop()
    if proc.returncode:
        raise SystemExit(f"{' '.join(args)} failed in {cwd}:\n{err.decode()[-3000:]}")
    return seconds, peak


def clean(root: Path) -> None:
    for name in CLEAN:
        shutil.rmtree(root / name, ignore_errors=True)


def size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def serve_rebuilds(root: Path, audience: str, port: int, item: Path, edits: int) -> list[float]:
    """Seconds MkDocs reports for each rebuild of `mkdocs serve` after a one-item edit.

    MkDocs logs "Documentation built in X seconds" through a filter that drops a message it
    logged before: a rebuild that takes the time of an earlier one to the hundredth says
    nothing. Such a rebuild ends at "Reloading browsers" and is timed here, from "Building
    documentation..." (which also counts reading the config: a few hundredths more)."""
    config = f"site_config/{audience}.yml"
    args = [str(BIN / "mkdocs"), "serve", "-f", config, "-a", f"127.0.0.1:{port}"]
    env = dict(ENV)
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        env["TMPDIR"] = "/dev/shm"  # the preview's folder, as `make serve` gives it (Makefile)
    proc = subprocess.Popen(args, cwd=root, env=env, stderr=subprocess.PIPE, text=True)
    built: list[float] = []
    said: list[str] = []
    lock = threading.Condition()

    def read() -> None:
        started, reported = 0.0, None
        for line in proc.stderr:
            said.append(line)
            if "Building documentation..." in line:
                started, reported = time.perf_counter(), None
            m = re.search(r"Documentation built in ([\d.]+) seconds", line)
            if m:
                reported = float(m[1])
            if m and not built or "Reloading browsers" in line:  # the first build reloads none
                with lock:
                    built.append(
                        reported if reported is not None else time.perf_counter() - started
                    )
                    lock.notify_all()

    threading.Thread(target=read, daemon=True).start()
    try:
        for n in range(edits + 1):
            with lock:
                if not lock.wait_for(lambda n=n: len(built) > n, timeout=600 if n == 0 else 120):
                    last = "".join(said[-20:])
                    raise SystemExit(f"mkdocs serve ({audience}) did not build; it said:\n{last}")
            if n < edits:
                time.sleep(1.0)  # past the watcher's polling interval
                edit_body(item, 1000 + n)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return built[1:]


def bench(n: int, runs: int, commits: int, serve: bool, work: Path) -> dict:
    root, plain = work / f"roadmap-{n}", work / f"plain-{n}"
    root.mkdir()
    plain.mkdir()
    t0 = time.perf_counter()
    content = make_project(root, n, commits=commits)
    # A project's address salt is committed (README, "Page addresses"): made now, as its first
    # build would. Without it a build cannot key what it keeps for the next one before it has
    # checked the content, and the first build after a cold one would be measured half cold.
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from roadmap.addresses import read_address_secret as r; "
            "from pathlib import Path; r(Path('site_config'), create=True)",
        ],
        cwd=root,
        env=ENV,
        check=True,
    )
    make_plain(plain, content)
    made = time.perf_counter() - t0
    print(f"  made {n} items, {commits + 1} commits in {made:.0f} s", flush=True)
    roadmap = [str(BIN / "roadmap"), "build"]
    mkdocs = [str(BIN / "mkdocs"), "build", "-q"]
    plain_times, cold, peaks = [], [], []
    for run in range(runs):
        shutil.rmtree(plain / "site", ignore_errors=True)
        plain_times.append(timed(mkdocs, plain)[0])
        clean(root)
        seconds, peak = timed(roadmap, root)
        cold.append(seconds)
        peaks.append(peak)
        print(f"  run {run + 1}: plain {plain_times[-1]:.1f} s, roadmap {seconds:.1f} s")
    public_items = sorted(
        p
        for p in (content / "roadmap").glob("*.md")
        if "\nvisibility: public\n" in p.read_text() and "\nstatus: planned\n" in p.read_text()
    )
    item = public_items[len(public_items) // 2]
    warm, warm_peaks = [], []
    for run in range(runs):
        edit_body(item, run)
        seconds, peak = timed(roadmap, root)
        warm.append(seconds)
        warm_peaks.append(peak)  # a warm build holds what it reuses: its own peak
    site = root / "site"
    board = gzip.compress((site / "public" / "index.html").read_bytes(), 9)
    result = {
        "n": n,
        "plain": statistics.median(plain_times),
        "cold": statistics.median(cold),
        "peak": max(peaks),
        "warm_peak": max(warm_peaks),
        "public": size(site / "public"),
        "internal": size(site / "internal"),
        "plain_size": size(plain / "site"),
        "board_gz": len(board),
        "warm": statistics.median(warm),
    }
    if serve:
        for audience, port in (("public", 8123), ("internal", 8124)):
            result[f"serve_{audience}"] = statistics.median(
                serve_rebuilds(root, audience, port, item, runs)
            )
    return result


def table(results: list[dict], serve: bool) -> str:
    head = (
        "| N | plain Material | `roadmap build` (both) | ratio | ms/item | ms per added item "
        "| peak memory | light site | internal site | light board (gzip) | warm `roadmap build` |"
    )
    rule = "|---|---|---|---|---|---|---|---|---|---|---|"
    if serve:
        head += " warm `make serve` | warm `make serve-internal` |"
        rule += "---|---|"
    rows = [head, rule]
    for before, r in zip([None, *results], results, strict=False):
        # Flat cost per item, without the fixed part (starting MkDocs twice, the theme, the
        # playbook) that ms/item spreads over fewer items at small sizes: the slope from the
        # size before, for the roadmap and (in brackets) the plain build.
        added = ""
        if before and r["n"] > before["n"]:
            grown = r["n"] - before["n"]
            added = (
                f"{1000 * (r['cold'] - before['cold']) / grown:.1f} "
                f"({1000 * (r['plain'] - before['plain']) / grown:.1f})"
            )
        row = (
            f"| {r['n']:,} | {r['plain']:.1f} s | {r['cold']:.1f} s | {r['cold'] / r['plain']:.2f} "
            f"| {1000 * r['cold'] / r['n']:.1f} | {added} "
            f"| {r['peak'] / 2**20:.0f} MB (warm {r['warm_peak'] / 2**20:.0f} MB) "
            f"| {r['public'] / 2**20:.1f} MB | {r['internal'] / 2**20:.1f} MB "
            f"| {r['board_gz'] / 1024:.0f} KB "
            f"| {r['warm']:.2f} s ({100 * r['warm'] / r['cold']:.0f}%) |"
        )
        if serve:
            for audience in ("public", "internal"):
                s = r[f"serve_{audience}"]
                row += f" {s:.2f} s ({100 * s / r['cold']:.0f}%) |"
        rows.append(row)
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--commits", type=int, default=30)
    parser.add_argument("--no-serve", dest="serve", action="store_false")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
    work = args.keep or Path(tempfile.mkdtemp(prefix="roadmap-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        results = []
        for n in args.sizes:
            print(f"N = {n}", flush=True)
            results.append(bench(n, args.runs, args.commits, args.serve, work))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    print(table(results, args.serve))


if __name__ == "__main__":
    main()
