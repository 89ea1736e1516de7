"""Reading a table of the data folder into a typed frame, as its description says (no validation here)."""

from __future__ import annotations

import os

import pandas as pd

from coopdata.core.paths import resolve_data_dir
from coopdata.data.description import read_descriptor, resource

PathLike = str | os.PathLike | None

_DTYPES = {"string": "string", "integer": "Int64", "number": "Float64", "boolean": "boolean"}
_TRUE = {"true", "True", "TRUE", "1", "yes"}


def read_table(name: str, data_dir: PathLike = None, descriptor: dict | None = None) -> pd.DataFrame:
    """Any table of datapackage.json by resource name, typed from its schema, not validated.

    ``descriptor``: the folder's description when the caller has already read it (saves reading it again).
    """
    data_dir = resolve_data_dir(data_dir)
    res = resource(descriptor if descriptor is not None else read_descriptor(data_dir), name)
    fields = res["schema"]["fields"]
    dtypes = {f["name"]: _DTYPES.get(f["type"], "string") for f in fields if f["type"] != "boolean"}
    df = pd.read_csv(
        data_dir / res["path"], dtype=dtypes, encoding="utf-8-sig",
        keep_default_na=False, na_values={f["name"]: [""] for f in fields},
    )
    for f in fields:
        if f["type"] == "boolean":
            df[f["name"]] = df[f["name"]].map(lambda v: pd.NA if pd.isna(v) else str(v) in _TRUE).astype("boolean")
    return df[[f["name"] for f in fields]]
