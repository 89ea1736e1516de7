"""What changed in the data between two dated runs, from their manifests.

Each run's ``manifest.json`` records, per table of ``datapackage.json``
(:func:`coopdata.batch.manifest.row_checksums`), a short checksum of every row keyed by the row's primary
key (or, for a table without one, by its content), under ``inputs.rows``:

    "communes": {"key": ["commune_id"], "path": "communes.csv", "rows": {"tone-1": "3f2a…", …}}

:func:`data_changes` compares two such records: per table, the rows added, changed and removed, by id.
:func:`previous_run` finds the dated run to compare with: the latest ``YYYY-MM-DD/`` folder of the same
output folder before the run's date. Files that are not tables (the geographic layers, the description)
are compared by their sha256 (``inputs.data``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from coopdata.batch.manifest import MANIFEST_NAME


@dataclass
class TableChange:
    table: str
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    keyed: bool = True  # False: rows have no id, they are counted (a changed row is one removed, one added)
    status: str = "changed"  # "changed", "added" (a new table) or "removed" (a table gone)


@dataclass
class DataChanges:
    since: str | None  # the date of the run compared with; None when there is none
    tables: list[TableChange] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # other data files (not tables) added, changed or removed
    comparable: bool = True  # False when the earlier manifest recorded no rows


def _diff_table(name: str, old: dict | None, new: dict | None) -> TableChange | None:
    old_rows, new_rows = (old or {}).get("rows", {}), (new or {}).get("rows", {})
    keyed = bool((new or old or {}).get("key"))
    if old is not None and new is not None and old.get("key") != new.get("key"):
        keyed = False  # the key changed: rows can only be matched by content
        old_rows = {v: v for v in old_rows.values()}
        new_rows = {v: v for v in new_rows.values()}
    change = TableChange(
        name, added=[r for r in new_rows if r not in old_rows],
        changed=[r for r in new_rows if r in old_rows and old_rows[r] != new_rows[r]],
        removed=[r for r in old_rows if r not in new_rows], keyed=keyed,
        status="added" if old is None else "removed" if new is None else "changed",
    )
    return change if (change.added or change.changed or change.removed or change.status != "changed") else None


def data_changes(old_manifest: dict | None, new_manifest: dict, since: str | None = None) -> DataChanges:
    """What changed in the data from ``old_manifest``'s run to ``new_manifest``'s (tables in the new order)."""
    if old_manifest is None:
        return DataChanges(since=None)
    since = since or old_manifest.get("parameters", {}).get("date")
    old_in, new_in = old_manifest.get("inputs", {}), new_manifest.get("inputs", {})
    if "rows" not in old_in:
        return DataChanges(since=since, comparable=False)
    old_rows, new_rows = old_in["rows"], new_in.get("rows", {})
    tables = []
    for name in [*new_rows, *(n for n in old_rows if n not in new_rows)]:
        change = _diff_table(name, old_rows.get(name), new_rows.get(name))
        if change is not None:
            tables.append(change)
    old_files, new_files = old_in.get("data", {}), new_in.get("data", {})
    table_files = _table_paths(new_manifest) | _table_paths(old_manifest)
    files = sorted(p for p in set(old_files) | set(new_files)
                   if p not in table_files and old_files.get(p) != new_files.get(p))
    return DataChanges(since=since, tables=tables, files=files)


def _table_paths(manifest: dict) -> set[str]:
    return {t.get("path") for t in manifest.get("inputs", {}).get("rows", {}).values()}


def previous_run(output_dir: Path, date: str) -> tuple[str, dict] | None:
    """(date, manifest) of the latest dated run in ``output_dir`` before ``date`` (YYYY-MM-DD), or None."""
    found = []
    for path in Path(output_dir).glob(f"*/{MANIFEST_NAME}"):
        name = path.parent.name
        with contextlib.suppress(ValueError):
            if dt.date.fromisoformat(name).isoformat() == name and name < date:
                found.append(name)
    for name in sorted(found, reverse=True):
        with contextlib.suppress(OSError, ValueError):
            return name, json.loads((Path(output_dir) / name / MANIFEST_NAME).read_text(encoding="utf-8"))
    return None


def changes_since_previous(output_dir: Path, manifest: dict) -> DataChanges:
    """:func:`data_changes` between the previous dated run of ``output_dir`` and this run's ``manifest``."""
    prev = previous_run(output_dir, manifest["parameters"]["date"])
    if prev is None:
        return DataChanges(since=None)
    return data_changes(prev[1], manifest, since=prev[0])
