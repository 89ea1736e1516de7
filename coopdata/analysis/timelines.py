"""Start years of the partnerships (Tableau n°01) and every other year the study prints for them.

Frames in, frames out: the rows a timeline draws, the printed years of ``data/conflicts.csv`` (kind
``start_year``) as claims on those rows, and the counts by model, country and decade. Nothing here
chooses silently between printed values: the start year is Tableau n°01's, every other printed year
is a claim of its own (``used`` False). Drawing is ``coopdata.views.charts``.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from coopdata.core.errors import DataError
from coopdata.core.i18n import check_lang, label_or_code, tr
from coopdata.data.loaders import load_table

COUNT_BY = ("model", "partner_country", "decade")
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")


def years_in(text) -> list[int]:
    """The four-digit years (1800–2099) written in a printed value, in reading order."""
    return [int(y) for y in _YEAR.findall(str(text))]


def communes_table(communes: pd.DataFrame | None = None) -> pd.DataFrame:
    """``communes`` itself, or data/communes.csv when it is None."""
    return load_table("communes") if communes is None else communes


def commune_names(communes: pd.DataFrame | None = None) -> dict[str, str]:
    """{commune_id: name} in the order of ``communes`` (default: data/communes.csv)."""
    communes = communes_table(communes)
    return dict(zip(communes["commune_id"], communes["commune"], strict=True))


def partnership_rows(partnerships: pd.DataFrame) -> pd.DataFrame:
    """The rows of Tableau n°01 (record_type partnership), leads and mentions left out."""
    return partnerships[partnerships["record_type"] == "partnership"].reset_index(drop=True)


def timeline_rows(partnerships: pd.DataFrame, as_of: dt.date, communes: pd.DataFrame | None = None,
                  only=None) -> pd.DataFrame:
    """The partnerships a timeline draws: started on or before ``as_of``, ``start_year`` an int, ordered by
    commune (order of ``communes``), start year and id; ``only`` (commune ids) keeps those communes."""
    order = list(commune_names(communes))
    rows = partnership_rows(partnerships)
    rows = rows[rows["start_year"].notna() & (rows["start_year"] <= as_of.year)].copy()
    if only is not None:
        rows = rows[rows["commune_id"].isin(set(only))]
    rows["start_year"] = rows["start_year"].astype(int)
    rows["rank"] = rows["commune_id"].map({c: i for i, c in enumerate(order)})
    rows = rows.sort_values(["rank", "start_year", "partnership_id"], kind="mergesort")
    return rows.reset_index(drop=True)


def conflict_year_table(conflicts: pd.DataFrame) -> pd.DataFrame:
    """Every printed value of the start-year conflicts (kind ``start_year``), with the year it prints.

    One row per row of data/conflicts.csv, in file order; raises DataError if a value prints no
    year or several.
    """
    rows = conflicts[conflicts["kind"] == "start_year"].copy()
    years = []
    for row in rows.itertuples():
        found = sorted(set(years_in(row.value_printed)))
        if len(found) != 1:
            raise DataError("conflicts.csv", "a start_year value must print exactly one year",
                            column="value_printed", value=str(row.value_printed))
        years.append(found[0])
    rows["year"] = pd.array(years, dtype="Int64")
    cols = ["conflict_id", "subject", "record_ids", "year", "value_printed", "printed_at", "source_lines", "used"]
    return rows[cols].reset_index(drop=True)


def start_year_claims(conflicts: pd.DataFrame, partnerships: pd.DataFrame) -> pd.DataFrame:
    """One row per (partnership, printed start year) with every place that prints it.

    Columns: conflict_id, subject, partnership_id, commune_id, partner, year, used (bool), start_year (the
    Tableau n°01 value), printed_at (places joined with « ; »), source_lines. Raises DataError when a
    value marked ``used`` is not the start year of Tableau n°01, or a record id is unknown.
    """
    table = conflict_year_table(conflicts)
    p = partnerships.set_index("partnership_id")
    out: dict[tuple[str, str, int], dict] = {}
    for row in table.itertuples():
        for pid in str(row.record_ids).split(";"):
            pid = pid.strip()
            if pid not in p.index:
                raise DataError("conflicts.csv", "record_ids names an unknown partnership", column="record_ids",
                                value=pid)
            start = p.at[pid, "start_year"]
            used = row.used == "yes"
            if used and int(row.year) != int(start):
                raise DataError("conflicts.csv", f"the value used for {pid} is not its start_year ({start})",
                                column="value_printed", value=str(row.value_printed))
            key = (row.conflict_id, pid, int(row.year))
            rec = out.setdefault(key, {
                "conflict_id": row.conflict_id, "subject": row.subject, "partnership_id": pid,
                "commune_id": p.at[pid, "commune_id"], "partner": p.at[pid, "partner"],
                "year": int(row.year), "used": used, "start_year": int(start),
                "printed_at": [], "source_lines": [],
            })
            rec["used"] = rec["used"] or used
            rec["printed_at"].append(str(row.printed_at))
            rec["source_lines"].append(str(row.source_lines))
    cols = ["conflict_id", "subject", "partnership_id", "commune_id", "partner", "year", "used", "start_year",
            "printed_at", "source_lines"]
    df = pd.DataFrame(list(out.values()), columns=cols)
    df["printed_at"] = df["printed_at"].map("; ".join)
    df["source_lines"] = df["source_lines"].map("; ".join)
    return df.sort_values(["partnership_id", "year"], kind="mergesort").reset_index(drop=True)


def conflict_summary(conflicts: pd.DataFrame, partnerships: pd.DataFrame,
                     communes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per start-year conflict: the year used (Tableau n°01) and every year printed, as text « 1991; 1993 »."""
    claims = start_year_claims(conflicts, partnerships)
    names = commune_names(communes)
    rows = []
    for cid, group in claims.groupby("conflict_id", sort=True):
        years = sorted(set(group["year"]))
        rows.append({
            "conflict_id": cid,
            "subject": conflicts.loc[conflicts["conflict_id"] == cid, "subject"].iloc[0],
            "commune": "; ".join(dict.fromkeys(names[c] for c in group["commune_id"])),
            "start_year": int(group["start_year"].iloc[0]),
            "years_printed": "; ".join(str(y) for y in years),
        })
    return pd.DataFrame(rows)


def count_table(partnerships: pd.DataFrame, by: str, lang: str = "fr") -> pd.DataFrame:
    """Rows of Tableau n°01 (record_type partnership) counted by model, partner_country or decade.

    Columns: ``by``, ``label`` (in ``lang``), ``count``. Models and countries are sorted by count
    (descending) then code; decades in time order, with the empty decades in between (count 0).
    """
    check_lang(lang)
    if by not in COUNT_BY:
        raise ValueError(f"by must be one of {COUNT_BY}, not {by!r}")
    rows = partnership_rows(partnerships)
    if by == "decade":
        years = rows["start_year"].dropna().astype(int)
        if len(years) != len(rows):
            raise DataError("partnerships.csv", "a partnership has no start_year", column="start_year")
        decades = (years // 10 * 10).value_counts()
        keys = list(range(int(decades.index.min()), int(decades.index.max()) + 1, 10))
        out = pd.DataFrame({"decade": keys, "count": [int(decades.get(k, 0)) for k in keys]})
        out.insert(1, "label", [tr("fig.counts.decade_label", lang, decade=k) for k in keys])
        return out
    counts = rows[by].fillna("").value_counts()
    out = pd.DataFrame({by: counts.index.astype(str), "count": counts.to_numpy().astype(int)})
    out = out.sort_values(["count", by], ascending=[False, True], kind="mergesort").reset_index(drop=True)
    prefix = "model" if by == "model" else "country"
    out.insert(1, "label", [label_or_code(f"{prefix}.{k}", k, lang) for k in out[by]])
    return out


def agreements_count(partnerships: pd.DataFrame) -> int:
    """Distinct agreements of Tableau n°01: rows sharing a group_id (one per beneficiary commune) count once."""
    rows = partnership_rows(partnerships)
    grouped = rows["group_id"].dropna().nunique()
    return int(rows["group_id"].isna().sum() + grouped)


def decade_changes(conflicts: pd.DataFrame, partnerships: pd.DataFrame) -> pd.DataFrame:
    """Claims (:func:`start_year_claims`) whose printed year lies in another decade than Tableau n°01's."""
    claims = start_year_claims(conflicts, partnerships)
    return claims[claims["year"] // 10 != claims["start_year"] // 10].reset_index(drop=True)
