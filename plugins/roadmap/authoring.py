"""Help for people writing items: the file `roadmap new` starts from, and the JSON Schema of
item front matter that editors use to complete and check fields. Both are made from the one
field declaration (model.Item), so they cannot drift from what `roadmap check` accepts.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from .model import Item
from .schema import (
    Choice,
    Date,
    Kind,
    ListOf,
    Number,
    QuarterOrDate,
    RecordOf,
    Slug,
    Url,
    declared,
    record_json_schema,
    spec_of,
)

SCHEMA_FILE = Path("schemas/item.schema.json")
# What a new item starts as: the first steps of an idea, internal until someone decides.
STARTING_VALUES = {"status": "exploring", "horizon": "later"}


def slugify(title: str) -> str:
    """An item id from a title: `Offline mode (iOS)` -> `offline-mode-ios`."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower()))


def front_matter_schema() -> dict[str, Any]:
    """JSON Schema of an item's front matter, for editors (schemas/item.schema.json)."""
    schema = record_json_schema(Item)
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://roadmap-publisher.invalid/schemas/item.schema.json",
        "title": "Roadmap item front matter",
        "description": "The YAML between the two '---' lines of content/roadmap/<id>.md. "
        "Generated from plugins/roadmap/model.py: do not edit by hand.",
        **schema,
    }


def schema_text() -> str:
    return json.dumps(front_matter_schema(), indent=2, ensure_ascii=False) + "\n"


def item_template(item_id: str, title: str, theme: str, themes: list[str], today: date) -> str:
    """A new item's file: the required fields filled in, every other field commented out with
    what it means, so a PM uncomments what they need."""
    lines = [
        "---",
        f"# A roadmap item. Its id is its file name: {item_id}. Every field is explained in the",
        '# README ("Roadmap items"); `roadmap check` checks this file.',
    ]
    for f in declared(Item):
        s = spec_of(f)
        doc = s.doc.replace("**", "").replace("`", "'")
        if f.name == "title":
            lines.append(f"title: {_yaml_text(title)}")
        elif f.name == "summary":
            lines.append("summary: One or two sentences on what it changes for clients.")
        elif f.name == "visibility":
            lines += [
                "# No visibility: this item is internal and clients never see it. To put it on",
                "# the light roadmap, uncomment the next line (ask-first: sales may mention it",
                "# only after asking the owner).",
                "# visibility: public",
            ]
        elif f.name == "theme":
            lines.append(f"theme: {theme}  # one of: {', '.join(themes)}")
        elif f.name in STARTING_VALUES:
            choices = s.kind.describe().replace("`", "")
            lines.append(f"{f.name}: {STARTING_VALUES[f.name]}  # {choices}")
        else:
            lines += _commented(f.name, s.kind, doc, today, f.default)
    lines += [
        "---",
        "Describe the problem this solves and for whom, then what changes for clients.",
        "",
        '!!! internal "Notes for the team"',
        "    Anything indented under this block stays on the internal site.",
        "",
    ]
    return "\n".join(lines)


def _commented(name: str, kind: Kind, doc: str, today: date, default: Any) -> list[str]:
    if isinstance(kind, RecordOf) or (isinstance(kind, ListOf) and isinstance(kind.of, RecordOf)):
        record = kind if isinstance(kind, RecordOf) else kind.of
        bullet = "- " if isinstance(kind, ListOf) else ""
        out = [f"# {name}:  # {doc}"]
        for n, sub in enumerate(declared(record.cls)):
            lead = bullet if n == 0 else " " * len(bullet)
            out.append(f"#   {lead}{sub.name}: {_example(spec_of(sub).kind, today)}")
        return out
    example = default if isinstance(default, str) else _example(kind, today)
    return [f"# {name}: {example}  # {doc}"]


def _example(kind: Kind, today: date) -> str:
    if isinstance(kind, Choice):
        return kind.choices[0]
    if isinstance(kind, Date):
        return today.isoformat()
    if isinstance(kind, QuarterOrDate):
        return f"{today.year + 1}-Q1"
    if isinstance(kind, Number):
        return "1"
    if isinstance(kind, Url):
        return "https://example.com/spec"
    if isinstance(kind, ListOf) and isinstance(kind.of, RecordOf):
        fields = ", ".join(f"{f.name}: ..." for f in declared(kind.of.cls))
        return f"[{{{fields}}}]"
    if isinstance(kind, ListOf):
        return "[other-item-id]" if isinstance(kind.of, Slug) else "[first, second]"
    if isinstance(kind, RecordOf):
        return "{}"
    return "..."


def _yaml_text(text: str) -> str:
    """A title as a YAML scalar: quoted when YAML would read it as something else."""
    try:
        plain = yaml.safe_load(f"t: {text}") == {"t": text}
    except yaml.YAMLError:
        plain = False
    return text if plain else json.dumps(text, ensure_ascii=False)
