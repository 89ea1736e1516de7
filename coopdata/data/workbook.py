"""The spreadsheet update path: the editable tables of data/ as one workbook, and back.

``write_workbook`` writes one sheet per table edited by hand (the derived sector matrices are left
out), the header row frozen, a comment on each header cell with the column's description, dropdowns
for controlled values (vocabularies and allowed values), for ids of other tables (communes, sources,
partnerships…) and for booleans, and a README sheet describing every column.

``import_workbook`` reads values only: a workbook with macros (.xlsm, or a vbaProject part) is
refused, and so is any cell holding a formula, named by sheet and cell. It writes the tables to a
temporary copy of the data folder, re-derives the sector matrices there and validates everything;
only when all is valid does it write the changed CSV files into the data folder (each atomically)
and report what changed per table (rows added, changed and removed, by primary key). Values a
spreadsheet turned into numbers, booleans or dates keep their CSV text when they did not change, so
a round trip without edits leaves every file byte-identical.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula

from coopdata.core.errors import DataError
from coopdata.core.io import write_bytes_atomic
from coopdata.core.paths import resolve_data_dir
from coopdata.data.description import derived_command, read_descriptor, resource, tabular_resources
from coopdata.data.sectors import write_derived
from coopdata.data.validation import validation_errors

README = "README"
LISTS = "lists"
LAST_ROW = 5000  # dropdowns and id lists reach this row of a sheet
MACRO_SUFFIXES = (".xlsm", ".xltm", ".xlam", ".xlsb")


class WorkbookError(Exception):
    """A workbook that cannot be read at all (not a workbook, macros): one line."""


def editable_resources(descriptor: dict) -> list[dict]:
    """The tables edited by hand: every CSV table but the derived ones."""
    return [r for r in tabular_resources(descriptor) if not derived_command(r)]


def _read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def _csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


# ----------------------------------------------------------------------------------------------- writing
def _typed(text: str, ftype: str):
    """The cell value for a CSV text: numbers as numbers, the rest as text (never a formula)."""
    if text == "":
        return None
    try:
        if ftype == "integer":
            return int(text)
        if ftype == "number":
            number = float(text)
            return number if number == number and abs(number) != float("inf") else text
    except ValueError:
        return text
    return text


def _allowed(field_: dict) -> list[str] | None:
    if field_["type"] == "boolean":
        return ["True", "False"]
    return field_.get("constraints", {}).get("enum")


def _describe(field_: dict, fks: dict[str, tuple[str, str]]) -> str:
    c = field_.get("constraints", {})
    parts = [field_.get("description", "").strip(), f"Type: {field_['type']}."]
    parts.append("Required." if c.get("required") else "May be empty.")
    if field_["name"] in fks:
        parts.append(f"An id of sheet {fks[field_['name']][0]} (column {fks[field_['name']][1]}).")
    allowed = _allowed(field_)
    if allowed:
        parts.append("Allowed: " + ", ".join(allowed) + ".")
    if "pattern" in c:
        parts.append(f"Pattern: {c['pattern']}.")
    return " ".join(p for p in parts if p)


def write_workbook(out: str | os.PathLike, data_dir: str | os.PathLike | None = None) -> Path:
    """Write the editable tables of ``data_dir`` as a workbook at ``out`` (atomically)."""
    folder = resolve_data_dir(data_dir)
    descriptor = read_descriptor(folder)
    editable = editable_resources(descriptor)
    names = {r["name"] for r in editable}
    wb = Workbook()
    readme = wb.active
    readme.title = README
    lists = wb.create_sheet(LISTS)
    lists.sheet_state = "hidden"
    readme.append(["coopdata: the editable tables of data/, one sheet each"])
    readme.append(["Edit values only (no formulas, no macros), then: coopdata import THIS.xlsx. Nothing is written "
                   "unless every table is valid. The sector matrices are derived and re-derived on import."])
    readme.append([])
    readme.append(["sheet", "column", "type", "required", "description"])
    for cell in readme[4]:
        cell.font = Font(bold=True)
    list_col = 0
    for res in editable:
        fields = res["schema"]["fields"]
        fks = {fk["fields"][0]: (fk["reference"]["resource"], fk["reference"]["fields"][0])
               for fk in res["schema"].get("foreignKeys", []) if fk["reference"]["resource"] in names}
        ws = wb.create_sheet(res["name"][:31])
        rows = _read_csv(folder / res["path"])
        header = [f["name"] for f in fields]
        ws.append(header)
        order = [rows[0].index(h) if h in rows[0] else None for h in header]
        for row in rows[1:]:
            values = [_typed(row[k] if k is not None and k < len(row) else "", f["type"])
                      for k, f in zip(order, fields, strict=True)]
            ws.append(values)
            for cell, value in zip(ws[ws.max_row], values, strict=False):
                if isinstance(value, str):
                    cell.data_type = "s"  # text, even when it starts with "=" (never a formula)
        ws.freeze_panes = "A2"
        for j, f in enumerate(fields, start=1):
            letter = get_column_letter(j)
            head = ws.cell(row=1, column=j)
            head.font = Font(bold=True)
            text = _describe(f, fks)
            head.comment = Comment(text, "coopdata", width=320, height=160)
            ws.column_dimensions[letter].width = min(60, max(10, len(f["name"]) + 2))
            readme.append([ws.title, f["name"], f["type"], "yes" if f.get("constraints", {}).get("required") else "",
                           text])
            target = f"{letter}2:{letter}{LAST_ROW}"
            if f["name"] in fks:
                ref_res = resource(descriptor, fks[f["name"]][0])
                ref_col = [x["name"] for x in ref_res["schema"]["fields"]].index(fks[f["name"]][1]) + 1
                ref_letter = get_column_letter(ref_col)
                formula = f"{quote_sheetname(ref_res['name'][:31])}!${ref_letter}$2:${ref_letter}${LAST_ROW}"
            elif _allowed(f):
                list_col += 1
                lists.cell(row=1, column=list_col, value=f"{res['name']}.{f['name']}")
                for i, v in enumerate(_allowed(f), start=2):
                    lists.cell(row=i, column=list_col, value=v).data_type = "s"
                col = get_column_letter(list_col)
                formula = f"{LISTS}!${col}$2:${col}${len(_allowed(f)) + 1}"
            else:
                continue
            dv = DataValidation(type="list", formula1=f"={formula}", allow_blank=True, showErrorMessage=True,
                                errorTitle=f["name"], error=f"Choose a value of the list ({f['name']}).")
            dv.add(target)
            ws.add_data_validation(dv)
    buffer = io.BytesIO()
    wb.save(buffer)
    return write_bytes_atomic(out, buffer.getvalue())


# ----------------------------------------------------------------------------------------------- reading
@dataclass
class SheetTable:
    name: str
    path: str
    rows: list[list[str]]  # header first, as CSV text
    sheet_rows: list[int] = field(default_factory=list)  # the sheet row of each data row


def _refuse_macros(path: Path) -> None:
    if path.suffix.lower() in MACRO_SUFFIXES:
        raise WorkbookError(f"{path.name}: a workbook with macros ({path.suffix}) is refused: save it as .xlsx")
    try:
        with zipfile.ZipFile(path) as z:
            parts = z.namelist()
    except (zipfile.BadZipFile, OSError):
        raise WorkbookError(f"{path.name}: not an .xlsx workbook") from None
    if any("vbaproject" in p.lower() for p in parts):
        raise WorkbookError(f"{path.name}: the workbook holds macros (a vbaProject part): refused; save it as .xlsx "
                            "without macros")


def _text(value, ftype: str) -> str:
    """The CSV text of a cell value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if ftype == "integer" and value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def read_workbook(path: str | os.PathLike, descriptor: dict) -> tuple[dict[str, SheetTable], list[str]]:
    """The editable tables as CSV text rows, and one line per problem (missing sheet, header, formula)."""
    path = Path(path)
    _refuse_macros(path)
    try:
        wb = load_workbook(path, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise WorkbookError(f"{path.name}: cannot be read as a workbook ({exc.__class__.__name__})") from None
    tables: dict[str, SheetTable] = {}
    problems: list[str] = []
    for res in editable_resources(descriptor):
        sheet = res["name"][:31]
        if sheet not in wb.sheetnames:
            problems.append(f"{path.name}, sheet {sheet!r}: missing sheet (table {res['path']})")
            continue
        ws = wb[sheet]
        fields = res["schema"]["fields"]
        expected = [f["name"] for f in fields]
        header = [str(c.value).strip() if c.value is not None else "" for c in ws[1]] if ws.max_row else []
        while header and header[-1] == "":
            header.pop()
        if header != expected:
            missing = [h for h in expected if h not in header]
            extra = [h for h in header if h not in expected]
            what = (f"missing column {missing[0]!r}" if missing else f"unexpected column {extra[0]!r}" if extra
                    else "columns in another order")
            problems.append(f"{path.name}, sheet {sheet!r}, row 1: {what}; expected columns: {', '.join(expected)}")
            continue
        table = SheetTable(res["name"], res["path"], [expected])
        for r, cells in enumerate(ws.iter_rows(min_row=2, max_col=len(expected)), start=2):
            for cell in cells:
                if cell.data_type == "f" or isinstance(cell.value, ArrayFormula):
                    problems.append(f"{path.name}, sheet {sheet!r}, cell {cell.coordinate} (row {r}, column "
                                    f"{expected[cell.column - 1]!r}): holds a formula; type its value instead")
            values = [_text(c.value, f["type"]) for c, f in zip(cells, fields, strict=False)]
            values += [""] * (len(expected) - len(values))
            if all(v == "" for v in values):
                continue
            table.rows.append(values)
            table.sheet_rows.append(r)
        tables[res["name"]] = table
    return tables, problems


def _same(a: str, b: str, ftype: str) -> bool:
    """Equal as values of the column's type (a spreadsheet writes 1.50 as 1.5 and true as TRUE)."""
    if a == b:
        return True
    try:
        if ftype in ("integer", "number"):
            return float(a) == float(b)
        if ftype == "boolean":
            return a.lower() in ("true", "1") and b.lower() in ("true", "1") or \
                a.lower() in ("false", "0") and b.lower() in ("false", "0")
    except ValueError:
        return False
    return False


def _keep_text(res: dict, new: list[list[str]], old: list[list[str]]) -> list[list[str]]:
    """Rows of ``new`` in which values equal to the old ones keep their old CSV text."""
    fields = res["schema"]["fields"]
    key = res["schema"].get("primaryKey") or [fields[0]["name"]]
    key = [key] if isinstance(key, str) else key
    names = [f["name"] for f in fields]
    if not old or old[0] != names:
        return new
    k = [names.index(c) for c in key]
    before = {tuple(row[i] for i in k): row for row in old[1:] if len(row) == len(names)}
    out = [new[0]]
    for row in new[1:]:
        prior = before.get(tuple(row[i] for i in k))
        if prior is not None:
            row = [p if _same(v, p, f["type"]) else v for v, p, f in zip(row, prior, fields, strict=True)]
        out.append(row)
    return out


@dataclass
class Change:
    table: str
    added: list[str]
    changed: list[str]
    removed: list[str]

    def __str__(self) -> str:
        def part(label, ids):
            shown = ", ".join(ids[:8]) + (", …" if len(ids) > 8 else "")
            return f"{len(ids)} {label}" + (f" ({shown})" if ids else "")
        return f"{self.table}: {part('added', self.added)}, {part('changed', self.changed)}, " \
               f"{part('removed', self.removed)}"


def diff_rows(res: dict, old: list[list[str]], new: list[list[str]]) -> Change:
    """Rows added, changed and removed between two versions of a table, by primary key."""
    names = [f["name"] for f in res["schema"]["fields"]]
    key = res["schema"].get("primaryKey") or [names[0]]
    key = [key] if isinstance(key, str) else key

    def keyed(rows):
        if not rows:
            return {}
        header = rows[0]
        idx = [header.index(c) for c in key if c in header]
        return {"+".join(r[i] for i in idx if i < len(r)): dict(zip(header, r, strict=False)) for r in rows[1:]}

    a, b = keyed(old), keyed(new)
    return Change(res["name"], [k for k in b if k not in a], [k for k in b if k in a and a[k] != b[k]],
                  [k for k in a if k not in b])


@dataclass
class ImportResult:
    problems: list[str]
    changes: list[Change]
    written: list[str]


def _where(err: DataError, tables: dict[str, SheetTable], descriptor: dict, book: str, tmp: Path) -> str:
    """A validation error on the temporary copy, said in the workbook's terms (sheet, row, column)."""
    name = Path(err.file).name
    match = next((t for t in tables.values() if Path(t.path).name == name), None)
    if match is None or err.line is None or err.line < 2 or err.line - 2 >= len(match.sheet_rows):
        text = err.message.replace(str(tmp) + os.sep, "").replace(str(tmp), "data")
        if match is not None:
            text = f"{book}, sheet {match.name!r}: " + text
        return text
    row = match.sheet_rows[err.line - 2]
    where = f"{book}, sheet {match.name!r}, row {row}"
    if err.column is not None:
        names = match.rows[0]
        cell = f"{get_column_letter(names.index(err.column) + 1)}{row}" if err.column in names else None
        where += f", column {err.column!r}" + (f" (cell {cell})" if cell else "")
    text = f"{where}: {err.rule}"
    if err.value is not None:
        shown = err.value if len(err.value) <= 80 else err.value[:77] + "..."
        text += f" (value: {shown!r})"
    return text + (f". {err.hint}" if err.hint and "derive-sectors" not in err.hint else "")


def import_workbook(path: str | os.PathLike, data_dir: str | os.PathLike | None = None) -> ImportResult:
    """Validate the workbook's tables on a temporary copy of the data folder; write them only when all is valid."""
    folder = resolve_data_dir(data_dir)
    descriptor = read_descriptor(folder)
    book = Path(path).name
    tables, problems = read_workbook(path, descriptor)
    if problems:
        return ImportResult(problems, [], [])
    with tempfile.TemporaryDirectory(prefix="coopdata-import-") as tmp_name:
        tmp = Path(tmp_name) / "data"
        shutil.copytree(folder, tmp)
        texts: dict[str, str] = {}
        for res in editable_resources(descriptor):
            old = _read_csv(folder / res["path"])
            rows = _keep_text(res, tables[res["name"]].rows, old)
            texts[res["path"]] = _csv_text(rows)
            (tmp / res["path"]).write_text(texts[res["path"]], encoding="utf-8")
        errors = validation_errors(tmp, consistency=False)  # each table valid on its own first
        if not errors:
            try:
                write_derived(tmp)  # the sector matrices follow the edited tables
            except DataError as exc:
                errors = [exc]
        errors = errors or validation_errors(tmp)
        if errors:
            return ImportResult([_where(e, tables, descriptor, book, tmp) for e in errors], [], [])
        changes, written = [], []
        for res in tabular_resources(descriptor):
            new_bytes = (tmp / res["path"]).read_bytes()
            target = folder / res["path"]
            if target.is_file() and target.read_bytes() == new_bytes:
                continue
            changes.append(diff_rows(res, _read_csv(target) if target.is_file() else [],
                                     _read_csv(tmp / res["path"])))
            written.append(res["path"])
        for rel in written:
            write_bytes_atomic(folder / rel, (tmp / rel).read_bytes())
    return ImportResult([], changes, written)
