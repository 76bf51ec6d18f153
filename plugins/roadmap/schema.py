"""The machinery behind the one declaration of every content field.

A record (an item, a customer, a theme...) is a frozen dataclass whose fields carry a `Spec` in
their metadata: kind, whether required, default, audience and a line of documentation.
Validation, the public allow-list, the README field table and the JSON Schema all read it.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from .problems import did_you_mean

PUBLIC = "public"
INTERNAL = "internal"


class Invalid(Exception):
    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message, self.hint = message, hint


class Context:
    """Where a kind reports a problem with the value at a key (the caller knows its line)."""

    def __init__(self, report: Callable[[tuple, str, str], None]):
        self.report = report


class Kind:
    label: ClassVar[str] = ""

    def convert(self, value: Any, key: tuple, ctx: Context) -> Any:
        raise NotImplementedError

    def describe(self) -> str:
        return self.label

    def json_schema(self) -> dict[str, Any]:
        raise NotImplementedError


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a yes/no value"
    if value is None:
        return "nothing"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a set of fields"
    return "text"


class Text(Kind):
    label = "text"

    def convert(self, value, key, ctx):
        if isinstance(value, bool):
            raise Invalid("must be text, not a yes/no value", "put the value in quotes")
        if not isinstance(value, str):
            raise Invalid(f"must be text, not {_type_name(value)}", "put the value in quotes")
        if not value.strip():
            raise Invalid("must not be empty")
        return value.strip()

    def json_schema(self):
        return {"type": "string"}


class PlainText(Text):
    """Text shown as it is written, in titles, nav, search and meta tags: no markup in it.

    Every template escapes it; '<' and '>' are refused as well, so a title can never read as a
    tag to a reader that forgets to escape (a feed reader, a chat preview, a client's script).
    """

    def convert(self, value, key, ctx):
        value = super().convert(value, key, ctx)
        if "<" in value or ">" in value:
            raise Invalid(
                "'<' and '>' are not allowed: titles and summaries are plain text",
                "write it in words ('under 5 minutes', 'more than 10 sites')",
            )
        return value


class Url(Text):
    label = "URL"

    def convert(self, value, key, ctx):
        value = super().convert(value, key, ctx)
        if not re.match(r"^(https?://|mailto:)\S+$", value):
            raise Invalid(f"'{value}' is not a web address", "start it with https://")
        return value

    def json_schema(self):
        return {"type": "string", "format": "uri"}


class Choice(Kind):
    def __init__(self, *choices: str):
        self.choices = choices

    def convert(self, value, key, ctx):
        if value not in self.choices:
            raise Invalid(f"'{value}' is not allowed", did_you_mean(value, self.choices))
        return value

    def describe(self):
        return " · ".join(f"`{c}`" for c in self.choices)

    def json_schema(self):
        return {"enum": list(self.choices)}


class Flag(Kind):
    label = "`true` · `false`"

    def convert(self, value, key, ctx):
        if not isinstance(value, bool):
            raise Invalid(f"must be true or false, not {_type_name(value)}", "write true or false")
        return value

    def json_schema(self):
        return {"type": "boolean"}


class Number(Kind):
    def __init__(self, minimum: float = 0, integer: bool = False):
        self.minimum, self.integer = minimum, integer

    def convert(self, value, key, ctx):
        ok = int if self.integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, ok):
            what = "a whole number" if self.integer else "a number"
            got = value if isinstance(value, float) else _type_name(value)
            raise Invalid(f"must be {what}, not {got}", "write digits only, no units")
        if value < self.minimum:
            raise Invalid(f"must be {self.minimum} or more")
        return value

    def describe(self):
        return f"integer >= {self.minimum}" if self.integer else "number"

    def json_schema(self):
        return {"type": "integer" if self.integer else "number", "minimum": self.minimum}


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def _parse_date(value: Any) -> date:
    text = str(value).strip()
    if not _DATE.match(text):
        raise Invalid(f"'{value}' is not a date", "write it as YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(f"'{value}' is not a real date", "check the month and day") from None


class Date(Kind):
    label = "date `YYYY-MM-DD`"

    def convert(self, value, key, ctx):
        return _parse_date(value)

    def json_schema(self):
        return {"type": "string", "format": "date"}


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    q: int

    def __str__(self) -> str:
        return f"{self.year}-Q{self.q}"

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)


@dataclass(frozen=True)
class Target:
    """A target: a quarter, or a date (which also falls in a quarter)."""

    quarter: Quarter
    day: date | None = None

    def __str__(self) -> str:
        return self.day.isoformat() if self.day else str(self.quarter)


class QuarterOrDate(Kind):
    label = "quarter `YYYY-Qn` or date `YYYY-MM-DD`"

    def convert(self, value, key, ctx):
        m = _QUARTER.match(str(value).strip())
        if m:
            return Target(Quarter(int(m[1]), int(m[2])))
        if re.match(r"^\d{4}-[qQ]\d$", str(value).strip()):
            raise Invalid(f"'{value}' is not a quarter", "write it as YYYY-Qn with n from 1 to 4")
        try:
            day = _parse_date(value)
        except Invalid:
            raise Invalid(
                f"'{value}' is not a quarter or a date", "write 2027-Q1 or 2027-03-31"
            ) from None
        return Target(Quarter.of(day), day)

    def json_schema(self):
        return {"type": "string", "pattern": r"^\d{4}-(Q[1-4]|\d{2}-\d{2})$"}


class Slug(Text):
    label = "id"
    pattern = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
    longest = 80  # characters of an id made from a title: file names stay short

    @classmethod
    def from_text(cls, text: str) -> str:
        """An id from a title: `Client portal (beta)` -> `client-portal-beta`; may be empty."""
        ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        words = re.findall(r"[a-z0-9]+", ascii_text.lower())
        slug = ""
        for word in words:
            longer = f"{slug}-{word}" if slug else word
            if len(longer) > cls.longest:
                break
            slug = longer
        return slug or "-".join(words)[: cls.longest].strip("-")

    def convert(self, value, key, ctx):
        value = super().convert(value, key, ctx)
        if not self.pattern.match(value):
            raise Invalid(
                f"'{value}' is not an id", "ids use lowercase letters, digits and hyphens"
            )
        return value


class ListOf(Kind):
    def __init__(self, of: Kind):
        self.of = of

    def convert(self, value, key, ctx):
        if isinstance(self.of, Text) and isinstance(value, str):
            if "," in value:  # `tags: mobile, offline` is one text, not the two tags meant
                parts = [p.strip() for p in value.split(",") if p.strip()]
                raise Invalid(
                    f"'{value}' is one text with commas, not a list",
                    f"write [{', '.join(parts)}] or one '- entry' per line",
                )
            value = [value]  # `tags: beta` reads as a one-entry list
        if not isinstance(value, list):
            raise Invalid(
                f"must be a list, not {_type_name(value)}", "write one '- entry' per line"
            )
        out = []
        for i, entry in enumerate(value):
            converted = convert_or_report(self.of, entry, key + (i,), ctx)
            if converted is not INVALID:
                out.append(converted)
        return tuple(out)

    def describe(self):
        inner = self.of.describe()
        return f"list of {inner}"

    def json_schema(self):
        return {"type": "array", "items": self.of.json_schema()}


class RecordOf(Kind):
    """A nested set of fields declared by another dataclass."""

    def __init__(self, cls: type):
        self.cls = cls

    def convert(self, value, key, ctx):
        if not isinstance(value, dict):
            raise Invalid(f"must be a set of fields, not {_type_name(value)}", self._shape_hint())
        return build_record(self.cls, value, key, ctx)

    def _shape_hint(self) -> str:
        return "fields: " + ", ".join(f.name for f in declared(self.cls))

    def describe(self):
        parts = []
        for f in declared(self.cls):
            s = spec_of(f)
            parts.append(f.name + ("" if s.required else "?"))
        return "{" + ", ".join(parts) + "}"

    def json_schema(self):
        return record_json_schema(self.cls)


INVALID = object()


@dataclass(frozen=True)
class Spec:
    kind: Kind
    required: bool = False
    audience: str = INTERNAL
    doc: str = ""
    required_doc: str = ""  # when required depends on other fields, say how


def spec(
    kind: Kind,
    *,
    required: bool = False,
    default: Any = None,
    audience: str = INTERNAL,
    doc: str = "",
    required_doc: str = "",
) -> Any:
    """Declare a content field: use as the default of a dataclass field."""
    meta = {"spec": Spec(kind, required, audience, doc, required_doc)}
    if isinstance(default, list | dict | set):
        raise TypeError("use a tuple for sequence defaults")
    return dataclasses.field(default=default, metadata=meta)


def declared(cls: type) -> list[dataclasses.Field]:
    """The content fields of a record, in declaration order (not the derived ones)."""
    return [f for f in dataclasses.fields(cls) if "spec" in f.metadata]


def spec_of(f: dataclasses.Field) -> Spec:
    return f.metadata["spec"]


def convert_or_report(kind: Kind, value: Any, key: tuple, ctx: Context) -> Any:
    try:
        return kind.convert(value, key, ctx)
    except Invalid as e:
        name = ".".join(str(k) for k in key if not isinstance(k, int)) or "value"
        ctx.report(key, f"{name}: {e.message}", e.hint)
        return INVALID


def build_record(cls: type, raw: dict, key: tuple, ctx: Context, extra: dict | None = None) -> Any:
    """Validate `raw` against the declaration of `cls`; unknown and missing fields are problems.

    Returns an instance, or INVALID when any field was wrong (the problems are reported).
    """
    fields = {f.name: f for f in declared(cls)}
    values: dict[str, Any] = dict(extra or {})
    ok = True
    for name in raw:
        if name not in fields:
            ctx.report(key + (name,), f"unknown field '{name}'", did_you_mean(name, fields))
            ok = False
    for name, f in fields.items():
        s = spec_of(f)
        if name not in raw or raw[name] is None:
            if name in raw and s.required:
                ctx.report(key + (name,), f"{name}: must not be empty", "")
                ok = False
            elif s.required:
                where = ".".join(str(k) for k in key if not isinstance(k, int))
                ctx.report(
                    key,
                    f"missing required field '{name}'" + (f" in {where}" if where else ""),
                    f"add '{name}: ...'",
                )
                ok = False
            continue
        converted = convert_or_report(s.kind, raw[name], key + (name,), ctx)
        if converted is INVALID:
            ok = False
        else:
            values[name] = converted
    return cls(**values) if ok else INVALID


def record_json_schema(cls: type, only: Sequence[str] | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {}
    required = []
    for f in declared(cls):
        if only is not None and f.name not in only:
            continue
        s = spec_of(f)
        props[f.name] = {**s.kind.json_schema(), **({"description": s.doc} if s.doc else {})}
        if s.required:
            required.append(f.name)
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        out["required"] = required
    return out


def field_table(cls: type) -> str:
    """The README's field reference for a record, as a Markdown table."""
    rows = [
        "| field | type / values | required | light site | meaning |",
        "|---|---|---|---|---|",
    ]
    for f in declared(cls):
        s = spec_of(f)
        required = "yes" if s.required else (s.required_doc or "no")
        light = "public\\*" if s.audience == PUBLIC else "never"
        rows.append(f"| `{f.name}` | {s.kind.describe()} | {required} | {light} | {s.doc} |")
    return "\n".join(rows)
