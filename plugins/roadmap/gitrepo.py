"""The git command, read-only: the commits that touched content/, file contents at a commit, the
default branch. Every call is `git` in a subprocess (no shell); failures are values, not raises.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

REGULAR_FILE_MODES = ("100644", "100755")  # symlinks and submodules are never materialised


class GitError(Exception):
    """git failed or is missing; the message is one line a person can act on."""


@dataclass(frozen=True)
class Commit:
    sha: str
    date: datetime  # committer date, UTC: when the change landed on this line of history
    author: str
    subject: str

    @property
    def short(self) -> str:
        return self.sha[:10]


@dataclass(frozen=True)
class FileChange:
    path: str  # relative to the content folder
    blob: str | None  # None: deleted (or not a regular file any more)


def _env() -> dict[str, str]:
    # No optional locks: reading history must never block, or be blocked by, a git in the same
    # clone; no pager and no prompts, whatever the user's configuration says.
    return {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}


class Repo:
    """A git work tree and where the content folder sits in it."""

    def __init__(self, top: Path, prefix: str):
        self.top, self.prefix = top, prefix  # prefix: "content/" (or "" when content is the top)

    @classmethod
    def find(cls, content_dir: Path) -> Repo:
        """The repository holding `content_dir`; raises GitError saying why there is none."""
        if shutil.which("git") is None:
            raise GitError("git is not installed")
        folder = Path(content_dir).resolve()
        if not folder.is_dir():
            raise GitError(f"{content_dir} is not a folder")
        out = _run(["git", "rev-parse", "--show-toplevel", "--show-prefix"], folder, check=False)
        if out is None:
            raise GitError("not a git repository")
        lines = out.decode().splitlines()
        if len(lines) < 2:
            lines.append("")
        return cls(Path(lines[0]), lines[1])

    def git(self, *args: str, check: bool = True, stdin: bytes | None = None) -> bytes | None:
        return _run(["git", *args], self.top, check=check, stdin=stdin)

    # -- history --------------------------------------------------------------------------------

    def is_shallow(self) -> bool:
        return (self.git("rev-parse", "--is-shallow-repository") or b"").strip() == b"true"

    def shallow_roots(self) -> set[str]:
        """Commits whose parents a shallow clone did not fetch (git reads them as root commits)."""
        out = self.git("rev-parse", "--git-path", "shallow", check=False)
        path = self.top / out.decode().strip() if out else None
        if not path or not path.is_file():
            return set()
        return set(path.read_text().split())

    def head(self) -> str | None:
        out = self.git("rev-parse", "--verify", "-q", "HEAD^{commit}", check=False)
        return out.decode().strip() if out else None

    def content_commits(self, depth: int) -> list[tuple[Commit, list[FileChange]]]:
        """The newest `depth` commits of the first-parent line that touched the content folder,
        oldest first, each with the files it changed there (merges against their first parent)."""
        if depth <= 0 or self.head() is None:
            return []
        out = self.git(
            "log",
            "--first-parent",
            "--diff-merges=first-parent",
            "--raw",
            "--no-renames",
            "--no-abbrev",
            "-z",
            f"-n{depth}",
            "--format=%x1e%H%x00%ct%x00%an%x00%s",
            "HEAD",
            "--",
            self.prefix or ".",
        )
        commits = []
        for record in out.split(b"\x1e")[1:]:
            sha, stamp, author, subject, rest = record.split(b"\x00", 4)
            commit = Commit(
                sha.decode(),
                datetime.fromtimestamp(int(stamp), UTC),
                author.decode(errors="replace"),
                subject.decode(errors="replace"),
            )
            commits.append((commit, self._raw_changes(rest)))
        commits.reverse()
        return commits

    def _raw_changes(self, raw: bytes) -> list[FileChange]:
        """`:old new oldsha newsha X\\0path\\0` entries of `git log --raw -z`."""
        fields = raw.lstrip(b"\x00\n").split(b"\x00")
        changes = []
        for head, path in zip(fields[0::2], fields[1::2], strict=False):
            if not head.startswith(b":"):
                continue
            _, new_mode, _, new_blob, status = head[1:].decode().split(" ")
            rel = self._relative(path.decode(errors="surrogateescape"))
            if rel is None:
                continue
            keep = status != "D" and new_mode in REGULAR_FILE_MODES
            changes.append(FileChange(rel, new_blob if keep else None))
        return changes

    def files_at(self, rev: str) -> list[FileChange]:
        """Every regular file of the content folder at `rev`."""
        out = self.git("ls-tree", "-r", "-z", "--full-tree", rev, "--", self.prefix or ".")
        files = []
        for entry in out.split(b"\x00"):
            if not entry:
                continue
            meta, path = entry.split(b"\t", 1)
            mode, kind, blob = meta.decode().split(" ")
            rel = self._relative(path.decode(errors="surrogateescape"))
            if kind == "blob" and mode in REGULAR_FILE_MODES and rel is not None:
                files.append(FileChange(rel, blob))
        return files

    def _relative(self, path: str) -> str | None:
        return path[len(self.prefix) :] if path.startswith(self.prefix) else None

    def parent(self, sha: str) -> str | None:
        out = self.git("rev-parse", "--verify", "-q", f"{sha}^1", check=False)
        return out.decode().strip() if out else None

    def content_trees(self, shas: list[str]) -> list[str]:
        """The tree id of the content folder at each commit ("" where it does not exist)."""
        if not shas:
            return []
        out = []
        step = 500  # keep command lines short
        for i in range(0, len(shas), step):
            batch = shas[i : i + step]
            args = [f"{s}:{self.prefix}" if self.prefix else f"{s}^{{tree}}" for s in batch]
            found = self.git("rev-parse", *args, check=False)
            if found is not None and len(found.split()) == len(batch):
                out += found.decode().split()
            else:  # a commit without the folder: ask one by one
                for arg in args:
                    one = self.git("rev-parse", "--verify", "-q", arg, check=False)
                    out.append(one.decode().strip() if one else "")
        return out

    def last_changed(self) -> dict[str, datetime]:
        """When each content file last changed on the first-parent line (one walk of the log)."""
        if self.head() is None:
            return {}
        out = self.git(
            "log",
            "--first-parent",
            "--diff-merges=first-parent",
            "--name-only",
            "--no-renames",
            "-z",
            "--format=%x1e%ct",
            "HEAD",
            "--",
            self.prefix or ".",
        )
        seen: dict[str, datetime] = {}
        for record in out.split(b"\x1e")[1:]:
            stamp, _, names = record.partition(b"\x00")
            when = datetime.fromtimestamp(int(stamp.split(b"\n")[0]), UTC)
            for name in names.split(b"\x00"):
                rel = self._relative(name.strip(b"\n").decode(errors="surrogateescape"))
                if rel and rel not in seen:
                    seen[rel] = when
        return seen

    # -- revisions ------------------------------------------------------------------------------

    def resolve(self, rev: str) -> str | None:
        if rev.startswith("-"):
            return None  # never let a revision be read as an option
        out = self.git("rev-parse", "--verify", "-q", f"{rev}^{{commit}}", check=False)
        return out.decode().strip() if out else None

    def default_branch(self) -> str | None:
        """origin/HEAD when the clone knows it, else origin/main, origin/master, main, master."""
        out = self.git("symbolic-ref", "-q", "refs/remotes/origin/HEAD", check=False)
        candidates = [out.decode().strip()] if out else []
        candidates += ["refs/remotes/origin/main", "refs/remotes/origin/master"]
        candidates += ["refs/heads/main", "refs/heads/master"]
        for ref in candidates:
            if self.resolve(ref):
                return ref.removeprefix("refs/remotes/").removeprefix("refs/heads/")
        return None

    def merge_base(self, a: str, b: str) -> str | None:
        out = self.git("merge-base", a, b, check=False)
        return out.decode().strip() if out else None

    def extract(self, rev: str, dest: Path) -> bool:
        """Write the content folder at `rev` into `dest`; False when it did not exist there."""
        tree = f"{rev}:{self.prefix}" if self.prefix else f"{rev}^{{tree}}"
        if self.git("rev-parse", "--verify", "-q", tree, check=False) is None:
            return False
        data = self.git("archive", "--format=tar", tree)
        dest.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            members = [m for m in tar.getmembers() if m.isfile() or m.isdir()]
            tar.extractall(dest, members=members, filter="data")
        return True


class BlobReader:
    """`git cat-file --batch`: one process answering for every blob of a history walk."""

    def __init__(self, repo: Repo):
        self.proc = subprocess.Popen(
            ["git", "cat-file", "--batch"],
            cwd=repo.top,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=_env(),
        )

    def read(self, blob: str) -> bytes:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(blob.encode() + b"\n")
        self.proc.stdin.flush()
        header = self.proc.stdout.readline().split()
        if len(header) != 3:
            raise GitError(f"cannot read blob {blob}")
        data = self.proc.stdout.read(int(header[2]))
        self.proc.stdout.read(1)  # the newline after each object
        return data

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait()

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _run(
    args: list[str], cwd: Path, check: bool = True, stdin: bytes | None = None
) -> bytes | None:
    """stdout of a git command; None when it failed and `check` is False."""
    try:
        done = subprocess.run(args, cwd=cwd, input=stdin, capture_output=True, env=_env())
    except OSError as e:
        raise GitError(f"cannot run git: {e.strerror}") from None
    if done.returncode != 0:
        if not check:
            return None
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise GitError(message[0] if message else f"git {args[1]} failed")
    return done.stdout
