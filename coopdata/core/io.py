"""Atomic file writing: a reader never sees half a file, and a failed write leaves the old one in place."""

from __future__ import annotations

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
    return write_bytes_atomic(path, table_csv_text(df, float_format=float_format, index=index).encode("utf-8"))
