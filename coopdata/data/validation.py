"""Validate a data folder against data/datapackage.json: the rules live in that one file.

Frictionless checks types, constraints, keys and row shapes; the checks that frictionless reports
poorly (encoding, delimiter, header) run first, on the raw text, so that every failure becomes one
``DataError`` naming file, line, column, value and rule. Nothing here writes a file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
from pathlib import Path

from coopdata.core.errors import DataError
from coopdata.core.paths import resolve_data_dir
from coopdata.data.checks import check_consistency
from coopdata.data.description import (
    DATE,
    NOT_IN_FUTURE,
    VOCABULARY,
    data_digest,
    read_descriptor,
    resource,
    tabular_resources,
)

VALIDATED_ENV = "COOPDATA_VALIDATED_DIGEST"
BOM = "\ufeff"

_validated: set[str] = set()  # digests of data folders already validated in this process


def _decode(path: Path, raw: bytes) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before.rsplit(b"\n", 1)[-1].decode("utf-8", "replace")) + 1
        bad = raw[exc.start : exc.start + 1]
        raise DataError(
            str(path), f"file is not UTF-8 (byte 0x{bad.hex()} at column {col})", line=line,
            hint="Save it as « CSV UTF-8 » (a spreadsheet's plain « CSV » export uses another encoding)",
        ) from None
    return text[1:] if text.startswith(BOM) else text


def check_raw(path: Path, res: dict) -> None:
    """Checks on the raw text: presence, emptiness, encoding, delimiter, header."""
    if not path.is_file():
        raise DataError(str(path), f"missing file for table {res['name']!r}")
    text = _decode(path, path.read_bytes())
    if not text.strip():
        raise DataError(str(path), "empty file", line=1, hint="Expected a header line and rows")
    header_line = text.splitlines()[0]
    expected = [f["name"] for f in res["schema"]["fields"]]
    if "," not in header_line and ";" in header_line:
        raise DataError(
            str(path), "semicolon-separated file (a French spreadsheet export?)", line=1, value=header_line,
            hint="Separate fields with commas and write decimals with a point: « CSV UTF-8 (comma delimited) »",
        )
    header = next(csv.reader(io.StringIO(header_line)))
    seen = set()
    for i, name in enumerate(header, 1):
        if name in seen:
            raise DataError(str(path), "duplicate column name", line=1, column=name, value=name)
        seen.add(name)
        if name not in expected:
            raise DataError(
                str(path), f"unexpected column (renamed?) at position {i}", line=1, column=name, value=name,
                hint=f"Expected columns: {', '.join(expected)}",
            )
    for name in expected:
        if name not in seen:
            raise DataError(str(path), "missing column", line=1, column=name, hint=f"Header is: {header_line}")


def read_raw_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file as text (after check_raw: UTF-8, comma-separated, known header)."""
    return list(csv.DictReader(io.StringIO(_decode(path, path.read_bytes()))))


def check_foreign_keys(descriptor: dict, data_dir: Path, res: dict, rows: dict[str, list[dict]]) -> None:
    """Every value of a foreign key is a key of the table it references (an empty value refers to nothing).

    Done here rather than by Frictionless, whose lookups open every referenced table again for each
    table that refers to it (slow with a source_id on every table), and report the whole row as value.
    """
    def table(r):
        if r["name"] not in rows:
            rows[r["name"]] = read_raw_rows(data_dir / r["path"])
        return rows[r["name"]]

    for fk in res["schema"].get("foreignKeys", []):
        ref = resource(descriptor, fk["reference"]["resource"])
        ref_fields = fk["reference"]["fields"]
        keys = {tuple(r.get(f) or "" for f in ref_fields) for r in table(ref)}
        for line, row in enumerate(table(res), start=2):
            values = tuple(row.get(f) or "" for f in fk["fields"])
            if all(v == "" for v in values) or values in keys:
                continue
            raise DataError(str(data_dir / res["path"]), f"value not found in the referenced table ({ref['path']}, "
                            f"column {', '.join(ref_fields)})", line=line, column=fk["fields"][0],
                            value=", ".join(values))


def _frictionless_package(descriptor: dict, data_dir: Path, today: dt.date):
    # start-up: frictionless costs ~0.3 s to import; the kernels of a batch run skip validation (the run hands
    # them the digest it validated), so only `coopdata check` and first loads in a session pay for it.
    from frictionless import Package

    desc = json.loads(json.dumps(descriptor))  # deep copy: never touch the caller's dict
    for r in desc["resources"]:
        if r.get("format") == "csv":
            r["encoding"] = "utf-8-sig"  # a UTF-8 byte order mark is accepted
        for f in r.get("schema", {}).get("fields", []):
            f.pop(VOCABULARY, None)
            f.pop(DATE, None)
            f.pop("categories", None)
            if f.pop(NOT_IN_FUTURE, False):
                f.setdefault("constraints", {})["maximum"] = today.year
        r.get("schema", {}).pop("foreignKeys", None)  # checked by check_foreign_keys
    desc["resources"] = [r for r in desc["resources"] if r.get("format") == "csv"]
    return Package(desc, basepath=str(data_dir))


_RULES = {
    "type-error": "value does not have the column's type ({type})",
    "constraint-error": "value breaks a rule: {constraint}",
    "extra-cell": "row has more fields than the header (a comma inside an unquoted value, or a decimal comma?)",
    "missing-cell": "row has fewer fields than the header",
    "blank-row": "blank row",
    "unique-error": "duplicate value in a column that must be unique",
    "primary-key": "duplicate identifier (primary key {key})",
    "foreign-key": "value not found in the referenced table ({ref})",
}


def _first_error(errors):
    """The first broken row's most telling error: a wrong number of fields explains its other errors."""
    shape = {"extra-cell": 0, "missing-cell": 1}
    row = min((getattr(e, "row_number", None) or 0) for e in errors)
    in_row = [e for e in errors if (getattr(e, "row_number", None) or 0) == row]
    return min(in_row, key=lambda e: shape.get(e.type, 2))


def _to_data_error(path: Path, res: dict, err) -> DataError:
    etype = err.type
    line = getattr(err, "row_number", None)
    column = getattr(err, "field_name", None) or None
    value = getattr(err, "cell", None)
    fields = {f["name"]: f for f in res["schema"]["fields"]}
    if etype == "type-error":
        rule = _RULES[etype].format(type=fields.get(column, {}).get("type", "?"))
        if fields.get(column, {}).get("type") in ("integer", "number") and value and "," in str(value):
            rule += "; write numbers without thousands separators or decimal commas"
    elif etype == "constraint-error":
        note = getattr(err, "note", "") or ""
        rule = _RULES[etype].format(constraint=note.replace('constraint "', "").replace('" is "', " = ").rstrip('"'))
        if "maximum" in note and fields.get(column, {}).get(NOT_IN_FUTURE):
            rule += " (a year cannot lie in the future)"
    elif etype == "primary-key":
        key = res["schema"].get("primaryKey")
        rule = _RULES[etype].format(key="+".join(key) if isinstance(key, list) else key)
        cells = getattr(err, "cells", None) or []
        value = ", ".join(c for c in cells if c) or None
    elif etype == "foreign-key":
        fk = next(iter(res["schema"].get("foreignKeys", [])), None)
        ref = getattr(err, "note", "") or (json.dumps(fk["reference"]) if fk else "?")
        rule = _RULES[etype].format(ref=ref)
        cells = getattr(err, "cells", None) or []
        value = ", ".join(c for c in cells if c) or value
        column = column or ",".join(getattr(err, "field_names", []) or []) or None
        # name the column holding the broken reference
        for fk in res["schema"].get("foreignKeys", []):
            if fk["reference"]["resource"] in ref:
                column = fk["fields"][0]
    elif etype in _RULES:
        rule = _RULES[etype]
    else:
        rule = f"{etype}: {err.message}"
    if value is not None:
        value = str(value)
    return DataError(str(path), rule, line=line, column=column, value=value)


def validation_errors(data_dir: str | os.PathLike | None = None, *, today: dt.date | None = None,
                      consistency: bool = True) -> list[DataError]:
    """Every table's first broken rule (one DataError per table); when all are valid, the first cross-table one."""
    data_dir = resolve_data_dir(data_dir)
    try:
        descriptor = read_descriptor(data_dir)
    except DataError as exc:
        return [exc]
    today = today or dt.date.today()
    tables = tabular_resources(descriptor)
    errors: dict[str, DataError] = {}
    for res in tables:
        try:
            check_raw(data_dir / res["path"], res)
        except DataError as exc:
            errors[res["name"]] = exc
    package = _frictionless_package(descriptor, data_dir, today)
    rows: dict[str, list[dict]] = {}
    for res in tables:
        if res["name"] in errors:
            continue
        report = package.get_resource(res["name"]).validate(limit_errors=50)
        failed = [task.errors for task in report.tasks if task.errors]
        if failed:
            errors[res["name"]] = _to_data_error(data_dir / res["path"], res, _first_error(failed[0]))
        elif report.errors:
            errors[res["name"]] = DataError(str(data_dir / res["path"]), report.errors[0].message)
        else:
            try:
                check_foreign_keys(descriptor, data_dir, res, rows)
            except DataError as exc:
                errors[res["name"]] = exc
    if errors or not consistency:
        return list(errors.values())
    try:
        check_consistency(data_dir, today)
    except DataError as exc:
        return [exc]
    return []


def validate_data_dir(data_dir: str | os.PathLike | None = None, *, today: dt.date | None = None,
                      consistency: bool = True) -> list[str]:
    """Raise DataError on the first broken rule; return the names of the tables checked."""
    errors = validation_errors(data_dir, today=today, consistency=consistency)
    if errors:
        raise errors[0]
    return [r["name"] for r in tabular_resources(read_descriptor(data_dir))]


def ensure_valid(data_dir: str | os.PathLike | None = None) -> Path:
    """Validate once per process and data state; a batch run hands its digest to the kernels."""
    data_dir = resolve_data_dir(data_dir)
    digest = data_digest(data_dir)
    if digest in _validated or os.environ.get(VALIDATED_ENV) == digest:
        return data_dir
    validate_data_dir(data_dir)
    _validated.add(digest)
    return data_dir
