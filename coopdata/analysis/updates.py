"""What later sources add to or change from the study (notebook 05): frames in, frames out.

The study is one source among others (``sources.csv``; its id is ``coopdata:study`` in datapackage.json).
Every row below comes from a row of data/ whose ``source_id`` is not the study's, set beside what the
study says of the same thing, with its source (title, publisher, date):

* ``added_partnerships``: partnerships that only later sources give (not rows of the study);
* ``later_status``: per partnership of the study that a later source speaks of, the study's listing
  date beside the later confirmations, status and end (``coopdata.analysis.lifecycle``), and what they
  find (``FINDINGS``);
* ``later_events``: every dated event a later source gives about a partnership of the study, placed
  before or after the study's listing (an end dated before it contradicts the listing: both stand);
* ``between_sources``: conflict rows whose source is not the study, beside the study's values;
* ``national_figures``: figures reported after the study (``reported_figures.csv``) beside the
  study's national figures (``study_figures.csv``), paired where they count the same thing.

The labelled reader tables are in ``coopdata.views.overview_tables``.
"""

from __future__ import annotations

import pandas as pd

from coopdata.analysis.lifecycle import date_key, lifecycle
from coopdata.data.description import read_descriptor, study_source_id

#: What later sources find about a partnership the study lists (``later_status``), in reading order.
FINDINGS = ("ended_before_listing", "ended_after_listing", "confirmed_after_listing", "not_confirmed_after_listing")

#: Where an event of a later source falls against the study's listing of its partnership (``later_events``).
RELATIONS = ("before_listing", "after_listing", "ends_before_listing")

#: Figures of reported_figures.csv that count what a figure of study_figures.csv counts (reported -> study).
COMPARABLE = {"communes": "communes", "agreements": "partnerships_total"}

#: The study's national figures (§1.1, Conclusion) shown beside the figures reported after it.
STUDY_NATIONAL = ("regions", "prefectures", "communes", "partnerships_fr_2010", "partnerships_total",
                  "partnerships_share_pct")

SOURCE_COLUMNS = ["source_title", "source_publisher", "source_date", "source_kind", "source_checked"]


def study_id(data_dir=None) -> str:
    """The study's source_id (``coopdata:study`` of the data folder's datapackage.json)."""
    return study_source_id(read_descriptor(data_dir))


def with_source(df: pd.DataFrame, sources: pd.DataFrame, column: str = "source_id") -> pd.DataFrame:
    """``df`` with the title, publisher, date, kind and checked flag of the source named in ``column``."""
    src = sources.set_index("source_id")
    ids = df[column].astype("string")
    out = df.copy()
    for name, field in zip(SOURCE_COLUMNS, ["title", "author_or_publisher", "date", "kind", "checked"], strict=True):
        out[name] = ids.map(src[field].to_dict()).astype("string")
    return out


def _partnership_rows(partnerships: pd.DataFrame) -> pd.DataFrame:
    return partnerships[partnerships["record_type"] == "partnership"]


def added_partnerships(partnerships: pd.DataFrame, events: pd.DataFrame, sources: pd.DataFrame,
                       study: str) -> pd.DataFrame:
    """Partnerships that are not rows of the study, with what their sources know and the row's source.

    Columns: partnership_id, commune_id, partner, model, start_year, first_confirmed, last_confirmed,
    status, status_since, status_source, sources (every source of the partnership), source_id (the row's) and
    ``SOURCE_COLUMNS``.
    """
    rows = _partnership_rows(partnerships)
    rows = rows[rows["source_id"] != study]
    life = lifecycle(rows, events)
    cols = ["partnership_id", "commune_id", "partner", "model", "start_year", "first_confirmed", "last_confirmed",
            "status", "status_since", "status_source", "sources", "source_id"]
    return with_source(life[cols], sources).reset_index(drop=True)


def _blank(value) -> bool:
    return value is None or pd.isna(value) or not str(value).strip()


def _finding(row) -> str:
    listed = date_key(row["listed"])
    if not _blank(row["end_date"]):
        return "ended_before_listing" if date_key(row["end_date"]) < listed else "ended_after_listing"
    if not _blank(row["last_confirmed"]) and date_key(row["last_confirmed"]) > listed:
        return "confirmed_after_listing"
    return "not_confirmed_after_listing"


def later_status(partnerships: pd.DataFrame, events: pd.DataFrame, sources: pd.DataFrame,
                 study: str) -> pd.DataFrame:
    """Per partnership of the study that a later source speaks of: the study's listing beside the later facts.

    Columns: partnership_id, commune_id, partner, start_year (the study's), listed (the study's survey
    date), later_sources (ids), last_confirmed and its source, status, status_since and its source,
    end_date and its source, finding (one of ``FINDINGS``), in the order of ``FINDINGS`` then of
    partnerships.csv. The source columns are those of the last confirmation.
    """
    rows = _partnership_rows(partnerships)
    rows = rows[rows["source_id"] == study]
    later = events[events["source_id"] != study]
    rows = rows[rows["partnership_id"].isin(set(later["partnership_id"]))]
    life = lifecycle(rows, events)
    life = life[life["listed"].notna()].copy()
    life["listed"] = life["listed"].map(lambda s: str(s).split("; ")[-1])
    by_id = later.groupby("partnership_id")["source_id"].apply(lambda s: "; ".join(sorted(set(s.astype(str)))))
    life["later_sources"] = life["partnership_id"].map(by_id)
    life["finding"] = [_finding(r) for r in life.to_dict("records")]
    life["_order"] = life["finding"].map({f: i for i, f in enumerate(FINDINGS)})
    life = life.sort_values("_order", kind="mergesort").drop(columns="_order")
    cols = ["partnership_id", "commune_id", "partner", "start_year", "listed", "later_sources", "last_confirmed",
            "last_confirmed_source", "status", "status_since", "status_source", "end_date", "end_source", "finding"]
    return life[cols].reset_index(drop=True)


def later_events(partnerships: pd.DataFrame, events: pd.DataFrame, sources: pd.DataFrame,
                 study: str) -> pd.DataFrame:
    """Every dated event of a later source about a partnership of the study, with its source.

    Columns: event_id, partnership_id, commune_id, partner, listed (the study's date for it), date, kind,
    status_after, relation (one of ``RELATIONS``), quotation, locator, source_id and ``SOURCE_COLUMNS``;
    in the order of partnerships.csv, then by date.
    """
    rows = _partnership_rows(partnerships)
    rows = rows[rows["source_id"] == study]
    listed = events[(events["source_id"] == study) & (events["kind"] == "listed")]
    listed = listed.groupby("partnership_id")["date"].apply(lambda s: max(s.astype(str), key=date_key))
    ev = events[(events["source_id"] != study) & events["partnership_id"].isin(set(rows["partnership_id"]))].copy()
    info = rows.set_index("partnership_id")
    ev["commune_id"] = ev["partnership_id"].map(info["commune_id"].to_dict())
    ev["partner"] = ev["partnership_id"].map(info["partner"].to_dict())
    ev["listed"] = ev["partnership_id"].map(listed.to_dict())

    def relation(r) -> str:
        if pd.isna(r["listed"]) or date_key(r["date"]) > date_key(r["listed"]):
            return "after_listing"
        return "ends_before_listing" if r["kind"] == "end" else "before_listing"

    ev["relation"] = [relation(r) for r in ev.to_dict("records")]
    order = {pid: i for i, pid in enumerate(rows["partnership_id"])}
    ev["_p"] = ev["partnership_id"].map(order)
    ev["_d"] = ev["date"].map(date_key)
    ev = ev.sort_values(["_p", "_d", "event_id"], kind="mergesort").drop(columns=["_p", "_d"])
    cols = ["event_id", "partnership_id", "commune_id", "partner", "listed", "date", "kind", "status_after", "relation",
            "quotation", "locator", "source_id"]
    return with_source(ev[cols], sources).reset_index(drop=True)


def between_sources(conflicts: pd.DataFrame, sources: pd.DataFrame, study: str) -> pd.DataFrame:
    """Conflict rows whose source is not the study, each beside the study's values of the same conflict.

    Columns: conflict_id, kind, subject, field, study_values (the study's values, '; '), value_printed,
    printed_at, used, source_id and ``SOURCE_COLUMNS``; in the order of conflicts.csv.
    """
    ours = conflicts[conflicts["source_id"] == study]
    study_values = ours.groupby("conflict_id")["value_printed"].apply(lambda s: "; ".join(s.astype(str)))
    other = conflicts[conflicts["source_id"] != study].copy()
    other["study_values"] = other["conflict_id"].map(study_values.to_dict()).astype("string")
    cols = ["conflict_id", "kind", "subject", "field", "study_values", "value_printed", "printed_at", "used",
            "source_id"]
    return with_source(other[cols], sources).reset_index(drop=True)


def national_figures(reported: pd.DataFrame, study_figures: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """The figures reported after the study beside the study's national figures, paired by ``COMPARABLE``.

    One row per reported figure (its study counterpart beside it, when one counts the same thing),
    then one row per national figure of the study that no reported figure pairs with. Columns:
    figure_id (reported), description, value, unit, period, source_id and ``SOURCE_COLUMNS`` of the
    reported figure; study_figure_id, study_description, study_value, study_value_printed, study_unit,
    study_source_id, study_locator (section or table), study_lines (lines of the study's text extraction) and
    the study's ``SOURCE_COLUMNS`` prefixed ``study_``.
    """
    study = study_figures.set_index("figure_id")
    study = study.loc[[f for f in STUDY_NATIONAL if f in study.index]]
    src = sources.set_index("source_id")

    def study_part(fid) -> dict:
        if fid is None or fid not in study.index:
            return dict.fromkeys(["study_figure_id", "study_description", "study_value", "study_value_printed",
                                  "study_unit", "study_source_id", "study_locator", "study_lines",
                                  *[f"study_{c}" for c in SOURCE_COLUMNS]], pd.NA)
        s = study.loc[fid]
        out = {"study_figure_id": fid, "study_description": s["description"], "study_value": float(s["value"]),
               "study_value_printed": s["value_printed"], "study_unit": s["unit"], "study_source_id": s["source_id"],
               "study_locator": s["source"], "study_lines": s["source_lines"]}
        fields = ["title", "author_or_publisher", "date", "kind", "checked"]
        return out | {f"study_{c}": src[f].get(s["source_id"], pd.NA) for c, f in zip(SOURCE_COLUMNS, fields,
                                                                                          strict=True)}

    later = with_source(reported, sources)
    rows = []
    for r in later.to_dict("records"):
        rows.append({k: r[k] for k in ["figure_id", "description", "value", "unit", "period", "source_id",
                                       *SOURCE_COLUMNS]} | study_part(COMPARABLE.get(r["figure_id"])))
    paired = {COMPARABLE[f] for f in reported["figure_id"] if f in COMPARABLE}
    for fid in study.index:
        if fid not in paired:
            rows.append(dict.fromkeys(["figure_id", "description", "value", "unit", "period", "source_id",
                                       *SOURCE_COLUMNS], pd.NA) | study_part(fid))
    out = pd.DataFrame(rows)
    out["value"] = out["value"].astype("Float64")
    out["study_value"] = out["study_value"].astype("Float64")
    return out
