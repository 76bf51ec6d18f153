"""Strict YAML reading with line numbers: front matter and data files.

MkDocs' own front matter reader silently ignores broken YAML, so content is read here instead.
Dates stay text (the schema parses them, with a clear message), duplicate keys are errors, and
every value keeps the line it came from. Line separators Markdown does not break on (U+2028,
form feed...) become spaces as a file is read, before anything reads its lines: PyYAML would
take some for line breaks and refuse others, Python's splitlines() all, Markdown none.
Only plain YAML is accepted: text, numbers, yes/no, lists and fields. Tags (`!secret`,
`!!binary`, `!!set`...), merge keys (`<<:`) and aliases (`*name`) are problems with a line,
never a crash or a value read some other way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .audience_markdown import normalise_separators
from .problems import Problem

Key = tuple[str | int, ...]

_CORE = "tag:yaml.org,2002:"
# What plain YAML resolves to without any tag written, per kind of node; `!!str` is allowed
# too (it forces text).
_PLAIN_TAGS = {
    yaml.ScalarNode: {_CORE + t for t in ("str", "int", "float", "bool", "null")},
    yaml.MappingNode: {_CORE + "map"},
    yaml.SequenceNode: {_CORE + "seq"},
}


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
    problems = _aliases(text, path, first_line) if "*" in text else []
    if problems:
        return None, problems  # aliases can nest: never expand them (a "billion laughs" file)
    if node is not None:
        builder = _Builder(doc, first_line, problems)
        doc.value = builder.build(node, ())
        if builder.refused:  # reading on would add problems that only echo this one
            return None, problems
    doc.lines.setdefault((), first_line)
    return doc, problems


def _aliases(text: str, path: Path, first_line: int) -> list[Problem]:
    """Each `*name` alias: it repeats another value, which a roadmap never needs."""
    problems, before = [], None
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            line = first_line + event.start_mark.line
            if isinstance(before, yaml.ScalarEvent) and before.value == "<<" and not before.style:
                problems.append(_merge_key(path, line))
            else:
                problems.append(
                    Problem(
                        path,
                        line,
                        "YAML aliases ('*name') are not supported",
                        "write the value out in full; if '*' starts a text, put the text in quotes",
                    )
                )
        before = event
    return problems


def _merge_key(path: Path, line: int) -> Problem:
    return Problem(
        path, line, "YAML merge keys ('<<') are not supported", "write each field out in full"
    )


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
        self.refused = False  # a value could not be read as plain YAML: the document is unusable

    def line_of(self, node: yaml.Node) -> int:
        return self.first_line + node.start_mark.line

    def problem(self, node: yaml.Node, message: str, hint: str = "") -> None:
        self.problems.append(Problem(self.doc.path, self.line_of(node), message, hint))

    def build(self, node: yaml.Node, key: Key) -> Any:
        self.doc.lines.setdefault(key, self.line_of(node))
        if not self.plain(node):
            return None
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for k_node, v_node in node.value:
                if k_node.tag == _CORE + "merge":
                    self.refused = True
                    self.problems.append(_merge_key(self.doc.path, self.line_of(k_node)))
                    continue
                if not isinstance(k_node, yaml.ScalarNode):
                    self.problem(k_node, "a key must be plain text")
                    continue
                if not self.plain(k_node):
                    continue
                # YAML 1.1 reads a bare `on:`, `off:`, `yes:` or `no:` key as a boolean; a
                # key is a name (share_with's `on`), so it stays the text it is written as.
                bool_key = k_node.tag == _CORE + "bool" and not k_node.style
                k = k_node.value if bool_key else self.scalar(k_node)
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
        return self.scalar(node)

    def plain(self, node: yaml.Node) -> bool:
        """Whether the node is plain YAML; a tag is reported, never read some other way."""
        if node.tag in _PLAIN_TAGS[type(node)]:
            return True
        self.refused = True
        if node.tag == _CORE + "value":  # a bare `=`: PyYAML knows no way to read it
            self.problem(node, "a value of '=' must be quoted", "write '='")
            return False
        tag = "!!" + node.tag.removeprefix(_CORE) if node.tag.startswith(_CORE) else node.tag
        tag = tag if len(tag) <= 40 else tag[:39] + "…"
        self.problem(
            node,
            f"the YAML tag '{tag}' is not supported",
            "remove it: write plain text, numbers, yes/no, lists and 'key: value' fields",
        )
        return False

    def scalar(self, node: yaml.ScalarNode) -> Any:
        try:
            return self.constructor.construct_object(node)
        except (yaml.YAMLError, ValueError):  # `!!int abc`, `!!float x`
            self.refused = True
            tag = node.tag.removeprefix(_CORE)
            self.problem(node, f"'{node.value}' is not a valid {tag}", f"remove the '!!{tag}' tag")
            return None


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
