"""The description of the data: ``datapackage.json``, its tables, fields and controlled vocabularies.

Every table, column, type, allowed value and source is described there once; the rest of the package
reads it through these functions.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from coopdata.core.errors import DataError
from coopdata.core.paths import DATAPACKAGE, resolve_data_dir

NOT_IN_FUTURE = "coopdata:notInFuture"
VOCABULARY = "coopdata:vocabulary"
VOCABULARIES = "coopdata:vocabularies"
STUDY = "coopdata:study"  # the source_id of the study, whose rows cite lines of its text extraction
DATE = "coopdata:date"  # a string field holding a date at the source's precision: real, not in the future
DERIVED = "coopdata:derived"  # on a table written by a command (its value), never edited by hand


def read_descriptor(data_dir: str | os.PathLike | None = None) -> dict:
    data_dir = resolve_data_dir(data_dir)
    path = data_dir / DATAPACKAGE
    if not data_dir.is_dir():
        raise DataError(str(data_dir), "data folder not found")
    if not path.is_file():
        raise DataError(str(path), "missing data description", hint="Every data folder needs its datapackage.json")
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise DataError(str(path), f"not valid UTF-8 JSON ({exc.__class__.__name__})", line=line) from None
    return expand_vocabularies(descriptor, path)


def expand_vocabularies(descriptor: dict, path: Path) -> dict:
    """Give each field that names a vocabulary (``coopdata:vocabulary``) its allowed values and categories.

    A vocabulary is defined once, at the top of datapackage.json; a field may narrow it with its own
    ``enum`` (a subset). The result is what Frictionless validates and what the rest of the code reads.
    """
    vocabularies = descriptor.get(VOCABULARIES, {})
    for res in descriptor.get("resources", []):
        for field in res.get("schema", {}).get("fields", []):
            name = field.get(VOCABULARY)
            if name is None:
                continue
            if name not in vocabularies:
                raise DataError(str(path), f"field {res['name']}.{field['name']} names an unknown vocabulary",
                                value=name, hint=f"Known: {', '.join(sorted(vocabularies))}")
            values = [c["value"] for c in vocabularies[name]["categories"]]
            constraints = field.setdefault("constraints", {})
            narrowed = constraints.get("enum")
            if narrowed is not None and not set(narrowed) <= set(values):
                extra = sorted(set(narrowed) - set(values))
                raise DataError(str(path), f"field {res['name']}.{field['name']} allows values outside vocabulary "
                                f"{name!r}", value=", ".join(extra))
            constraints["enum"] = narrowed if narrowed is not None else values
            field["categories"] = [c["value"] for c in vocabularies[name]["categories"]
                                   if c["value"] in constraints["enum"]]
    return descriptor


def study_source_id(descriptor: dict) -> str:
    """The source_id of the study (``coopdata:study`` in datapackage.json)."""
    return descriptor.get(STUDY, "S001")


def derived_command(res: dict) -> str | None:
    """The command that writes a derived table (``coopdata:derived``), None for a table edited by hand."""
    return res.get(DERIVED)


def tabular_resources(descriptor: dict) -> list[dict]:
    return [r for r in descriptor["resources"] if r.get("format") == "csv"]


def resource(descriptor: dict, name: str) -> dict:
    for r in descriptor["resources"]:
        if r["name"] == name:
            return r
    raise KeyError(f"no resource {name!r} in {DATAPACKAGE}; known: {[r['name'] for r in descriptor['resources']]}")


def data_digest(data_dir: str | os.PathLike | None = None) -> str:
    """sha256 over the description and every file it names (names and bytes)."""
    data_dir = resolve_data_dir(data_dir)
    descriptor = read_descriptor(data_dir)
    h = hashlib.sha256()
    for rel in [DATAPACKAGE] + sorted(r["path"] for r in descriptor["resources"]):
        p = data_dir / rel
        h.update(rel.encode())
        h.update(p.read_bytes() if p.is_file() else b"<missing>")
    return h.hexdigest()
