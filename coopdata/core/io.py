"""Atomic file writing: a reader never sees half a file, and a failed write leaves the old one in place."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import pandas as pd


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path``, then rename it over (mode 0666 less the umask)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """``write_bytes_atomic`` for text: UTF-8 with ``\\n`` line ends."""
    return write_bytes_atomic(path, text.encode("utf-8"))


def table_csv_text(df: pd.DataFrame, float_format: str = "%.6g", index: bool = False) -> str:
    """The CSV text of ``df`` in the row order given: "\\n" line ends, fixed float format, empty for NA."""
    return df.to_csv(index=index, float_format=float_format, lineterminator="\n", na_rep="")


def write_table_csv(df: pd.DataFrame, path, float_format: str = "%.6g", sort_by=None, index: bool = False) -> Path:
    """Write ``df`` as UTF-8 CSV (atomically), byte-identical for identical data.

    Rows are written in the order given, or sorted by ``sort_by`` (a column name or list, stable sort).
    """
    if sort_by is not None:
        df = df.sort_values(sort_by, kind="mergesort")
    text = table_csv_text(df, float_format=float_format, index=index)
    return write_bytes_atomic(path, text.encode("utf-8-sig"))  # the BOM tells Excel the file is UTF-8


def write_xlsx(sheets: dict[str, pd.DataFrame], path) -> Path:
    """One workbook (atomically), a sheet per frame, numbers as numbers and every text cell as text.

    A text starting with ``=``, ``+``, ``-`` or ``@`` is stored as a string cell (openpyxl would
    otherwise store ``=...`` as a formula): the data come from many sources. Sheet names are cut
    to Excel's 31 characters and made unique.
    """
    # start-up: openpyxl costs ~0.45 s to import; only reports that offer downloads need it
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter  # start-up: part of the same openpyxl import

    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for name, df in sheets.items():
        title = "".join(c for c in str(name) if c not in '[]:*?/\\')[:31] or "sheet"
        n = 1
        while title.lower() in used:
            n += 1
            title = f"{title[:28]}~{n}"
        used.add(title.lower())
        ws = book.create_sheet(title)
        ws.append([str(c) for c in df.columns])
        for row in df.itertuples(index=False):
            ws.append([_xlsx_value(v) for v in row])
        for r in ws.iter_rows(min_row=2):
            for cell in r:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula, whatever the first character
        ws.freeze_panes = "A2"
        for i, col in enumerate(df.columns, start=1):
            width = max([len(str(col))] + [len(str(v)) for v in df.iloc[:, i - 1].head(200)])
            ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, width + 2))
    buf = io.BytesIO()
    book.save(buf)
    return write_bytes_atomic(path, buf.getvalue())


def _xlsx_value(value):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    return value
