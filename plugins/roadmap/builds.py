"""`roadmap build`: each site built by MkDocs, both published together only when both passed.

With both sites asked for, on Linux, the content is loaded, checked, projected and its history
read once; then a forked process builds the light site, on its own core, from that state while
this one builds the internal site (MkDocs shares a plugin's instance between the configs of one
process, so a process per site is what lets them run at once; a third process, waiting, would
hold a third copy of the content). This process holds both staging folders: it publishes them
together when both sites passed, and discards them otherwise. A process killed by a signal
takes the build with it: the other is stopped, both discarded, and the build ends by the same
signal.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import io
import json
import logging
import os
import pickle
import select
import signal
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort, ConfigurationError, MkDocsException

from .audience import FOUND_IN_BODIES, SHOWN_NO_MORE, Findings, project, shows_no_more
from .audience_markdown import Passage
from .cache import Sealed, fingerprint
from .history import keep_states, read_history
from .model import Roadmap
from .plugin import FORKED_FOR_ONE_SITE, PREPARED, content_dir, final_site, staging_for
from .staging import Staging

JOBS = "ROADMAP_JOBS"  # "1": build the sites one after the other, in this process
PROFILE = "ROADMAP_PROFILE"  # a folder: cProfile statistics of each process, for bench/README
_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def profiled(name: str):
    """With ROADMAP_PROFILE set to a folder, the cProfile statistics of what runs inside, in
    `<folder>/<name>.prof` (`python -m pstats` reads them)."""
    folder = os.environ.get(PROFILE)
    if not folder:
        yield
        return
    import cProfile

    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        Path(folder).mkdir(parents=True, exist_ok=True)
        profile.dump_stats(Path(folder) / f"{name}.prof")


def build_site(config: MkDocsConfig, audience: str) -> int:
    """One site, as `mkdocs build` builds it; 0, or 1 after printing why."""
    with profiled(audience):
        return _build_site(config, audience)


def _build_site(config: MkDocsConfig, audience: str) -> int:
    try:
        config.plugins.on_startup(command="build", dirty=False)
        build(config)
    except Abort as e:
        print(str(e.format_message()).strip(), file=sys.stderr)
        return 1
    except MkDocsException as e:
        print(f"roadmap: {audience} site: {e.format_message()}", file=sys.stderr)
        return 1
    finally:
        config.plugins.on_shutdown()
    return 0


def parallel(audiences: list[str]) -> bool:
    return (
        len(audiences) > 1
        and sys.platform.startswith("linux")
        and os.environ.get(JOBS, "") != "1"
        and (os.cpu_count() or 1) > 1
    )


@dataclass
class _Child:
    audience: str
    pid: int
    fd: int  # the read end of the pipe its messages come through
    data: bytes = b""
    status: int | None = None  # as os.waitstatus_to_exitcode gives it


def collect_less() -> None:
    """Run Python's cycle collector about seventy times less often during a build.

    A build allocates millions of objects that live to its end (the content, its history and
    projections, the plan, MkDocs' pages), and each collection of the older generations walks
    them again, so the collector's share grows faster than the roadmap. Measured on a 5,000-item
    generated roadmap, cold, one after the other: 152.4 s with Python's thresholds (700, 10, 10),
    131.7 s with these, at the same peak memory (971 and 981 MB).
    """
    gc.set_threshold(50_000, 20, 100)


def build_in_parallel(
    audiences: list[str], load_config, roadmap: Roadmap | None
) -> tuple[int, list[Staging]]:
    """Build each audience's site in a process of its own; (exit code, the staged sites to
    publish when it is 0). Messages are printed here, site by site, in `audiences` order."""
    try:
        configs = {a: load_config(a) for a in audiences}
    except ConfigurationError as e:
        print(f"roadmap: configuration error: {e}", file=sys.stderr)
        return 1, []
    if roadmap is not None:
        with profiled("shared"):
            _warm(roadmap, configs)
    stagings: dict[str, Staging] = {}
    children: list[_Child] = []
    reading = threading.Thread(target=_read_all, args=(children,), daemon=True)
    previous = {sig: signal.getsignal(sig) for sig in _SIGNALS}

    def stop(signum, frame) -> None:  # the parent is told to stop: so are the children
        _kill(children, wait=True)
        handler = previous.get(signum)
        if callable(handler):
            handler(signum, frame)
        else:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)

    try:
        for audience in audiences:
            stagings[audience] = staging_for(configs[audience])
        for sig in _SIGNALS:
            previous[sig] = signal.getsignal(sig)
            signal.signal(sig, stop)
        *forked, here = audiences
        for audience in forked:
            PREPARED[final_site(configs[audience])] = stagings[audience]
            children.append(_fork(audience, load_config))
        PREPARED.clear()
        reading.start()
        PREPARED[final_site(configs[here])] = stagings[here]
        try:
            own = _build_here(here, load_config)
        finally:
            PREPARED.clear()
        reading.join()
        _wait(children)
    except Abort as e:
        print(str(e.format_message()).strip(), file=sys.stderr)
        _end(children, stagings, reading)
        return 1, []
    except BaseException:
        _end(children, stagings, reading)
        raise
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    code = 0
    killed = None
    results = [(*_messages(child), child.status) for child in children]
    for out, err, status in [*results, own]:
        sys.stdout.write(out)
        sys.stderr.write(err)
        exit_code = status if status is not None else 1
        if exit_code < 0:
            killed = killed or -exit_code
        elif exit_code:
            code = code or exit_code
    if killed or code:
        _end(children, stagings, reading)
        if killed == signal.SIGINT:
            return 130, []
        if killed:  # end as the child did, after cleaning up
            if killed != signal.SIGKILL:  # whose handler cannot be set, nor needs to be
                signal.signal(killed, signal.SIG_DFL)
            os.kill(os.getpid(), killed)
        return code, []
    return 0, [stagings[a] for a in audiences]


def keep_between_builds(project_dir: Path, secret: bytes) -> Sealed:
    """What `roadmap build` keeps of its work on the content for the next build, encrypted
    with a key from `secret` (the internal site's page-address key) in `.roadmap-cache/`: the
    history's states (history.keep_states), the projection's proofs that a stripped body shows
    no more than the whole (audience.SHOWN_NO_MORE), both 3 s of a warm build at 1,000 items
    before either site started, and what the light site's audit reads of each public body
    (audience.FOUND_IN_BODIES, 2.2 s of its process, profiled). Read here, before the content
    is projected and the light site's process forked; returns the proofs' file for keep_proofs
    (the findings are kept by keep_findings, the states as they are read)."""
    keep_states(project_dir, secret)
    shows_no_more.cache_clear()  # this build's proofs are counted from here
    SHOWN_NO_MORE.used.clear()
    proofs = Sealed(project_dir, "proofs", secret)
    SHOWN_NO_MORE.proven |= proofs.members(_prefix("shows_no_more"))
    findings = _FINDINGS[0] = Sealed(project_dir, "findings", secret)
    FOUND_IN_BODIES.made.clear()
    FOUND_IN_BODIES.used.clear()
    FOUND_IN_BODIES.known.clear()
    for data in findings.members(_prefix("body_findings")):
        try:
            digest, found = _decode_findings(data)
        except (ValueError, TypeError):
            continue  # found again
        FOUND_IN_BODIES.known[digest] = found
    return proofs


def forget_kept() -> None:
    """The end of a `roadmap build`: what it kept was its project's, not the next build's."""
    keep_states(None)
    _FINDINGS[0] = None


def keep_proofs(proofs: Sealed) -> None:
    """After a build passed: the proofs it made kept, those it used marked used."""
    prefix, proven = _prefix("shows_no_more"), SHOWN_NO_MORE.proven
    proofs.keep((prefix + d, None if d in proven else d.encode()) for d in SHOWN_NO_MORE.used)


def keep_findings() -> None:
    """After the light site's build passed, in the process that built it: the findings in
    bodies (audience.body_findings) it made kept, those it used marked used."""
    findings = _FINDINGS[0]
    if findings is None:
        return
    prefix, known, made = _prefix("body_findings"), FOUND_IN_BODIES.known, FOUND_IN_BODIES.made
    values = ((d, _encode_findings(d, known.get(d) or made[d])) for d in FOUND_IN_BODIES.used)
    findings.keep((prefix + value, None if d in known else value.encode()) for d, value in values)


_FINDINGS: list[Sealed | None] = [None]


def _prefix(what: str) -> str:
    return fingerprint(what).hex()


# A set's member is its own key (Sealed.members): the body's digest and its findings, as JSON.


def _encode_findings(digest: str, found: Findings) -> str:
    head, misread, passages = found

    def one(p: Passage | None) -> list | None:
        return None if p is None else [p.text, p.line]

    return json.dumps([digest, one(head), one(misread), [one(p) for p in passages]])


def _decode_findings(data: str) -> tuple[str, Findings]:
    digest, head, misread, passages = json.loads(data)

    def one(p: list | None) -> Passage | None:
        return None if p is None else Passage(*p)

    return digest, (one(head), one(misread), tuple(Passage(*p) for p in passages))


def _warm(roadmap: Roadmap, configs: dict[str, MkDocsConfig]) -> None:
    """What both processes read, computed once before they fork: the history and the
    projections (the light site's view renders every public body to check its text strip)."""
    for config in configs.values():
        depth = config.plugins["roadmap"].config.history_depth
        read_history(content_dir(config), depth)
    project(roadmap, "internal")


def _fork(audience: str, load_config) -> _Child:
    read, write = os.pipe()
    pid = os.fork()
    if pid:
        os.close(write)
        return _Child(audience, pid, read)
    os.close(read)
    code = 1
    out, err = io.StringIO(), io.StringIO()
    try:
        _as_child()
        FORKED_FOR_ONE_SITE[0] = True
        code = _build_captured(audience, load_config, out, err)
        if code == 0 and audience == "public":
            keep_findings()
    except KeyboardInterrupt:
        code = 130
    except BaseException as e:  # a bug of ours: one line, as main() prints it
        print(f"roadmap: internal error: {type(e).__name__}: {e}", file=err)
    finally:
        with contextlib.suppress(BaseException):
            data = pickle.dumps((out.getvalue(), err.getvalue()))
            while data:
                data = data[os.write(write, data) :]
        os._exit(code)


def _build_here(audience: str, load_config) -> tuple[str, str, int]:
    """The last site, built in this process while the others build in theirs: (its messages
    out, err, its exit code). The parent holds the content all processes share; a child for
    this site too would copy every page of it it touches, a third copy in memory."""
    out, err = io.StringIO(), io.StringIO()
    code = 1
    try:
        code = _build_captured(audience, load_config, out, err)
    except Exception as e:  # a bug of ours: one line, as main() prints it
        print(f"roadmap: internal error: {type(e).__name__}: {e}", file=err)
    return out.getvalue(), err.getvalue(), code


def _build_captured(audience: str, load_config, out: io.StringIO, err: io.StringIO) -> int:
    """Build one site with its messages written to `out` and `err`, to be printed in order."""
    streams = sys.stdout, sys.stderr
    handlers = [
        (handler, handler.stream)
        for handler in logging.getLogger("mkdocs").handlers
        if isinstance(handler, logging.StreamHandler)
    ]
    try:
        sys.stdout, sys.stderr = out, err
        for handler, _ in handlers:
            handler.setStream(err)
        try:
            config = load_config(audience)
        except ConfigurationError as e:
            print(f"roadmap: configuration error: {e}", file=sys.stderr)
            return 1
        return build_site(config, audience)
    finally:
        sys.stdout, sys.stderr = streams
        for handler, stream in handlers:
            handler.setStream(stream)


def _as_child() -> None:
    """Signals as a plain process has them (the parent cleans up), and death with the parent."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if _prctl is not None:
        _prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before that call
            os._exit(1)


def _messages(child: _Child) -> tuple[str, str]:
    return pickle.loads(child.data) if child.data else ("", "")


def _read_all(children: list[_Child]) -> None:
    """Read every child's messages to the end (on a thread: a child never waits on a full
    pipe while this process builds its own site)."""
    open_fds = {c.fd: c for c in children}
    while open_fds:
        ready, _, _ = select.select(list(open_fds), [], [])
        for fd in ready:
            chunk = os.read(fd, 1 << 16)
            if chunk:
                open_fds[fd].data += chunk
            else:
                _close(open_fds.pop(fd))


def _wait(children: list[_Child]) -> None:
    for child in children:
        _, status = os.waitpid(child.pid, 0)
        child.status = os.waitstatus_to_exitcode(status)


def _close(child: _Child) -> None:
    if child.fd >= 0:
        os.close(child.fd)
        child.fd = -1


def _kill(children: list[_Child], wait: bool = False) -> None:
    """SIGKILL every child still running; with `wait`, until each has ended."""
    for child in children:
        if child.status is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGKILL)
    for child in children:
        if wait and child.status is None:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(child.pid, 0)
            child.status = -signal.SIGKILL


def _end(children: list[_Child], stagings: dict[str, Staging], reading: threading.Thread) -> None:
    """Stop what still runs, then remove the staged sites."""
    _kill(children, wait=True)
    if reading.is_alive():  # the children's pipes are at their end now: it stops
        reading.join()
    for child in children:
        _close(child)
    for staging in stagings.values():
        staging.discard()


def _libc_prctl():
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_prctl = _libc_prctl()
