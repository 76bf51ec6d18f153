"""Strict YAML reading with line numbers: front matter and data files.

MkDocs' own front matter reader silently ignores broken YAML, so content is read here instead.
Dates stay text (the schema parses them, with a clear message), duplicate keys are errors, and
every value keeps the line it came from. Line separators Markdown does not break on (U+2028,
form feed...) become spaces as a file is read, before anything reads its lines: PyYAML would
take some for line breaks and refuse others, Python's splitlines() all, Markdown none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .audience_markdown import normalise_separators
from .problems import Problem

Key = tuple[str | int, ...]


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """SafeLoader without implicit timestamps: `2026-13-01` must be a clear error, not a crash."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class Doc:
    """A parsed YAML document: the plain value plus the line of every key and list entry."""

    path: Path
    value: Any
    lines: dict[Key, int] = field(default_factory=dict)

    def line(self, key: Key) -> int:
        """The line of `key`, or of its nearest parent that has one."""
        while key not in self.lines and key:
            key = key[:-1]
        return self.lines.get(key, 1)


def parse_yaml(text: str, path: Path, first_line: int = 1) -> tuple[Doc | None, list[Problem]]:
    """Parse one YAML document; `first_line` is the file line the text starts on."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        if e.context_mark and mark.index >= len(text.rstrip()):
            mark = e.context_mark  # it ran off the end: the construct left open is the culprit
        line = first_line + (mark.line if mark else 0)
        what = e.problem or e.context or "invalid YAML"
        lines = text.splitlines()
        at = lines[mark.line] if mark and mark.line < len(lines) else ""
        return None, [Problem(path, line, f"invalid YAML: {what}", _yaml_hint(e, at))]
    except yaml.YAMLError as e:  # pragma: no cover - every PyYAML error we know is marked
        return None, [Problem(path, first_line, f"invalid YAML: {e}")]
    doc = Doc(path, None)
    problems: list[Problem] = []
    if node is not None:
        builder = _Builder(doc, first_line, problems)
        doc.value = builder.build(node, ())
    doc.lines.setdefault((), first_line)
    return doc, problems


def _yaml_hint(e: yaml.MarkedYAMLError, line: str) -> str:
    """A hint for the usual mistakes, from PyYAML's (or libyaml's) wording and the line itself."""
    what = f"{e.context or ''} {e.problem or ''}"
    indent = line[: len(line) - len(line.lstrip())]
    if "\t" in indent or "tab" in what:
        return "indent with spaces, not tabs"
    if "quoted scalar" in what:
        return "a quote opened on this line is not closed"
    if "mapping values are not allowed" in what:
        if line.strip().count(": ") > 1 or line.strip().endswith(":") and ": " in line.strip():
            return "a value containing ': ' must be quoted"
        return "this line is indented deeper than the field above it; line up fields of one level"
    if "expected key" in what or "expected <block end>" in what:
        return "check the indentation: fields of one level must line up"
    if "could not find expected ':'" in what:
        return "each line needs 'key: value'"
    return ""


class _Builder:
    def __init__(self, doc: Doc, first_line: int, problems: list[Problem]):
        self.doc, self.first_line, self.problems = doc, first_line, problems
        self.constructor = _Loader("")

    def line_of(self, node: yaml.Node) -> int:
        return self.first_line + node.start_mark.line

    def build(self, node: yaml.Node, key: Key) -> Any:
        self.doc.lines.setdefault(key, self.line_of(node))
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for k_node, v_node in node.value:
                if not isinstance(k_node, yaml.ScalarNode):
                    self.problems.append(
                        Problem(self.doc.path, self.line_of(k_node), "a key must be plain text")
                    )
                    continue
                k = self.constructor.construct_object(k_node)
                if k in out:
                    self.problems.append(
                        Problem(
                            self.doc.path,
                            self.line_of(k_node),
                            f"duplicate key '{k}'",
                            "each key may appear once; remove one of them",
                        )
                    )
                    continue
                self.doc.lines[key + (k,)] = self.line_of(k_node)
                out[k] = self.build(v_node, key + (k,))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(v, key + (i,)) for i, v in enumerate(node.value)]
        return self.constructor.construct_object(node)


def split_front_matter(text: str, path: Path) -> tuple[str, int, str, int] | Problem:
    """Split `---` front matter from the body.

    Returns (yaml_text, yaml_first_line, body, body_first_line) or a Problem.
    """
    text = normalise_separators(text.removeprefix("\ufeff"))
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        return Problem(
            path,
            1,
            "no front matter",
            "start the file with a '---' line, then the YAML fields, then another '---' line",
        )
    for i, line in enumerate(lines[1:], start=1):
        if line.rstrip() in ("---", "..."):
            return "".join(lines[1:i]), 2, "".join(lines[i + 1 :]), i + 2
    return Problem(
        path, 1, "front matter is not closed", "end the YAML fields with a line holding only '---'"
    )


def read_front_matter(path: Path) -> tuple[Doc | None, str, int, list[Problem]]:
    """Read a Markdown file with front matter: (doc, body, body_first_line, problems)."""
    text, problem = read_text(path)
    if problem:
        return None, "", 1, [problem]
    split = split_front_matter(text, path)
    if isinstance(split, Problem):
        return None, "", 1, [split]
    fm, fm_line, body, body_line = split
    doc, problems = parse_yaml(fm, path, fm_line)
    if doc is not None and doc.value is None:
        doc.value = {}
    if doc is not None and not isinstance(doc.value, dict):
        problems.append(
            Problem(path, fm_line, "front matter must be 'key: value' fields", "see README")
        )
        doc = None
    return doc, body, body_line, problems


def read_yaml_file(path: Path) -> tuple[Doc | None, list[Problem]]:
    text, problem = read_text(path)
    if problem:
        return None, [problem]
    return parse_yaml(text.removeprefix("\ufeff"), path)


def read_text(path: Path) -> tuple[str, Problem | None]:
    try:
        return normalise_separators(path.read_text(encoding="utf-8")), None
    except UnicodeDecodeError as e:
        line = path.read_bytes()[: e.start].count(b"\n") + 1
        return "", Problem(path, line, "not valid UTF-8 text", "save the file as UTF-8")
    except OSError as e:
        return "", Problem(path, 1, f"cannot read: {e.strerror}")
