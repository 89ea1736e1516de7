"""Cross-table checks: parts add up to totals, derived tables match their rules, ids resolve.

``check_consistency`` raises ``DataError`` on the first failure (used by ``coopdata check``);
the other functions return computed values that notebooks show and tests assert.
"""

from __future__ import annotations

import pandas as pd

from coopdata.core.errors import DataError
from coopdata.data.reading import read_table
from coopdata.data.sectors import derive_from_dir


def _load(name, data_dir):
    return read_table(name, data_dir)


def prefectures_sum(regions: pd.DataFrame) -> int:
    return int(regions["prefectures_count"].sum())


def communes_sum(regions: pd.DataFrame) -> int:
    return int(regions["communes_count"].sum())


def governance_counts(governance: pd.DataFrame) -> pd.Series:
    return governance[governance["mode"] != "none_reported"].groupby("mode").size()


def check_consistency(data_dir) -> None:
    # derived sector tables equal what the written rules give
    for kind in ("current", "interest"):
        committed = _load(f"sectors_{kind}", data_dir)
        derived = derive_from_dir(kind, data_dir)
        for i in range(max(len(committed), len(derived))):
            a = committed.iloc[i] if i < len(committed) else None
            b = derived.iloc[i] if i < len(derived) else None
            if a is None or b is None:
                raise DataError(f"sectors_{kind}.csv", "row count differs from the derivation by sector_rules.csv",
                                line=i + 2, hint="Regenerate with `coopdata derive-sectors`")
            for col in ("commune_id", "sector_id", "value", "in_printed_table", "basis"):
                if str(a[col]) != str(b[col]):
                    raise DataError(f"sectors_{kind}.csv", "cell differs from the derivation by sector_rules.csv",
                                    line=i + 2, column=col, value=str(a[col]),
                                    hint=f"The rules give {b[col]!r}; regenerate with `coopdata derive-sectors`")
    # Tableau n°4's counts equal the communes assigned to each mode
    modes = _load("governance_modes", data_dir)
    counts = governance_counts(_load("governance", data_dir))
    for i, row in enumerate(modes.itertuples(), start=2):
        if int(counts.get(row.mode, 0)) != int(row.communes_count):
            raise DataError("governance_modes.csv", "governance.csv assigns another number of communes to this mode",
                            line=i, column="communes_count", value=str(row.communes_count),
                            hint=f"governance.csv has {int(counts.get(row.mode, 0))}")
    # the regions' communes add up to the national figure
    regions = _load("regions", data_dir)
    figures = _load("study_figures", data_dir).set_index("figure_id")["value"]
    if "communes" in figures and communes_sum(regions) != int(figures["communes"]):
        raise DataError("regions.csv", "communes_count does not add up to the national figure of study_figures.csv",
                        column="communes_count", value=str(communes_sum(regions)))
    # every record named by a conflict or a web reference exists
    known = set()
    for name, col in [("partnerships", "partnership_id"), ("communes", "commune_id"), ("regions", "region_id"),
                      ("finance", "finance_id"), ("web_references", "ref_id"), ("study_figures", "figure_id")]:
        known |= set(_load(name, data_dir)[col])
    for table, col in [("conflicts", "record_ids"), ("web_references", "partnership_ids")]:
        df = _load(table, data_dir)
        for i, value in enumerate(df[col], start=2):
            if pd.isna(value):
                continue
            for rid in str(value).split(";"):
                if rid.strip() and rid.strip() not in known:
                    raise DataError(f"{table}.csv", "names a record that does not exist", line=i, column=col, value=rid)
