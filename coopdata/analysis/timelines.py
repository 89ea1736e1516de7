"""Partnerships over time, as frames: the rows a timeline draws and how far, the printed start years, the counts.

The start year of a partnership is that of its row (Tableau n°01 for the study's rows, the later source's
for the others); every other year printed for it (``data/conflicts.csv``, kind ``start_year``) is a claim
of its own (``used`` False): nothing here chooses silently between printed values. How far a partnership
is drawn is what its sources know (``coopdata.analysis.lifecycle``): solid to its last confirmation,
unconfirmed after it, stopped where a source ends it. A partnership without a start year is not drawn; it
is counted apart. Drawing is ``coopdata.views.charts``.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from coopdata.analysis.lifecycle import CONFIRMING, date_key, date_position, events_until, known_positions, lifecycle
from coopdata.core.errors import DataError
from coopdata.core.i18n import check_lang, label_or_code, tr

COUNT_BY = ("model", "partner_country", "decade")
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")


def years_in(text) -> list[int]:
    """The four-digit years (1800–2099) written in a printed value, in reading order."""
    return [int(y) for y in _YEAR.findall(str(text))]


def communes_table(communes: pd.DataFrame | None = None) -> pd.DataFrame:
    """``communes`` itself. There is no default: a silent data/ would ignore the caller's ``data_dir``."""
    if communes is None:
        raise ValueError("pass the communes table, loaded from the notebook's data_dir "
                         "(coopdata.load_table('communes', data_dir))")
    return communes


def commune_names(communes: pd.DataFrame | None = None) -> dict[str, str]:
    """{commune_id: name} in the order of ``communes`` (required: see ``communes_table``)."""
    communes = communes_table(communes)
    return dict(zip(communes["commune_id"], communes["commune"], strict=True))


def partnership_rows(partnerships: pd.DataFrame) -> pd.DataFrame:
    """The partnerships (record_type partnership) of every source, leads and mentions left out."""
    return partnerships[partnerships["record_type"] == "partnership"].reset_index(drop=True)


def _ranked(rows: pd.DataFrame, communes: pd.DataFrame | None, only) -> pd.DataFrame:
    order = list(commune_names(communes))
    if only is not None:
        rows = rows[rows["commune_id"].isin(set(only))]
    return rows.assign(rank=rows["commune_id"].map({c: i for i, c in enumerate(order)}))


def timeline_rows(partnerships: pd.DataFrame, as_of: dt.date, communes: pd.DataFrame | None = None,
                  only=None) -> pd.DataFrame:
    """The partnerships a timeline draws: started on or before ``as_of``, ``start_year`` an int, ordered by
    commune (order of ``communes``), start year and id; ``only`` (commune ids) keeps those communes."""
    rows = partnership_rows(partnerships)
    rows = rows[rows["start_year"].notna() & (rows["start_year"] <= as_of.year)].copy()
    rows = _ranked(rows, communes, only)
    rows["start_year"] = rows["start_year"].astype(int)
    rows = rows.sort_values(["rank", "start_year", "partnership_id"], kind="mergesort")
    return rows.reset_index(drop=True)


def undated_rows(partnerships: pd.DataFrame, communes: pd.DataFrame | None = None, only=None) -> pd.DataFrame:
    """The partnerships no source gives a start year: a timeline cannot draw them (its note lists them)."""
    rows = _ranked(partnership_rows(partnerships), communes, only)
    rows = rows[rows["start_year"].isna()]
    return rows.sort_values(["rank", "partnership_id"], kind="mergesort").reset_index(drop=True)


def timeline_life(partnerships: pd.DataFrame, life_events: pd.DataFrame, as_of: dt.date,
                  communes: pd.DataFrame | None = None, only=None) -> pd.DataFrame:
    """:func:`timeline_rows` with what the sources know of each up to ``as_of`` and how far it is drawn.

    Adds the columns of ``coopdata.analysis.lifecycle.lifecycle(..., as_of=as_of)`` (last_confirmed,
    status, end_date…) and the positions on a year axis of :func:`~coopdata.analysis.lifecycle.known_positions`:
    ``solid_to`` (last confirmation), ``unconfirmed_to`` (as_of, or the end; NaN when nothing follows) and
    ``end_at`` (NaN unless a source ends it).
    """
    rows = timeline_rows(partnerships, as_of, communes, only)
    life = lifecycle(partnership_rows(partnerships), life_events, as_of=as_of).set_index("partnership_id")
    keep = [c for c in life.columns if c not in rows.columns]
    rows = rows.join(life[keep], on="partnership_id")
    spans = [known_positions(life.loc[pid], as_of) for pid in rows["partnership_id"]]
    for column, key in (("solid_to", "confirmed_until"), ("unconfirmed_to", "unconfirmed_until"), ("end_at", "end")):
        rows[column] = [float("nan") if s[key] is None else s[key] for s in spans]
    return rows


def life_marks(life_events: pd.DataFrame, pids, as_of: dt.date, kinds) -> pd.DataFrame:
    """The dated events of ``kinds`` for partnerships ``pids`` up to ``as_of``, one row per (partnership, kind,
    date), with every source that gives it: partnership_id, kind, date, position, source_ids (list), quotation
    (the first given), in date order."""
    ev = events_until(life_events, as_of)
    ev = ev[ev["partnership_id"].isin(set(pids)) & ev["kind"].isin(set(kinds))]
    rows = []
    for (pid, kind, date), group in ev.groupby(["partnership_id", "kind", "date"], sort=False):
        quotes = [str(q) for q in group["quotation"] if not pd.isna(q) and str(q).strip()]
        rows.append({"partnership_id": pid, "kind": kind, "date": str(date), "position": date_position(date),
                     "source_ids": list(dict.fromkeys(group["source_id"].astype(str))),
                     "quotation": quotes[0] if quotes else ""})
    out = pd.DataFrame(rows, columns=["partnership_id", "kind", "date", "position", "source_ids", "quotation"])
    if out.empty:
        return out
    out["_key"] = out["date"].map(date_key)
    return out.sort_values(["_key", "partnership_id", "kind"], kind="mergesort").drop(columns="_key").reset_index(
        drop=True)


def confirmed_after_end(life_events: pd.DataFrame, drawn: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Confirmations dated after the end a source gives a partnership that stays ended (a conflict between
    sources, e.g. the study listing Kozah 1 – SIAAP in 2018-12 after the atlas ends it on 2016-12-31).

    ``drawn`` is :func:`timeline_life`; one row per such event: partnership_id, kind, date, position,
    source_id, end_date, end_source, end_at.
    """
    cols = ["partnership_id", "kind", "date", "position", "source_id", "end_date", "end_source", "end_at"]
    ended = drawn[(drawn["status"] == "ended") & drawn["end_date"].notna()].set_index("partnership_id")
    ev = events_until(life_events, as_of)
    ev = ev[ev["partnership_id"].isin(set(ended.index)) & ev["kind"].isin(CONFIRMING)]
    rows = []
    for e in ev.itertuples():
        life = ended.loc[e.partnership_id]
        if date_key(e.date) > date_key(life["end_date"]):
            rows.append({"partnership_id": e.partnership_id, "kind": e.kind, "date": str(e.date),
                         "position": date_position(e.date), "source_id": str(e.source_id),
                         "end_date": life["end_date"], "end_source": life["end_source"], "end_at": life["end_at"]})
    return pd.DataFrame(rows, columns=cols)


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
            if used and (pd.isna(start) or int(row.year) != int(start)):
                raise DataError("conflicts.csv", f"the value used for {pid} is not its start_year ({start})",
                                column="value_printed", value=str(row.value_printed))
            key = (row.conflict_id, pid, int(row.year))
            rec = out.setdefault(key, {
                "conflict_id": row.conflict_id, "subject": row.subject, "partnership_id": pid,
                "commune_id": p.at[pid, "commune_id"], "partner": p.at[pid, "partner"],
                "year": int(row.year), "used": used, "start_year": pd.NA if pd.isna(start) else int(start),
                "printed_at": [], "source_lines": [],
            })
            rec["used"] = rec["used"] or used
            rec["printed_at"].append(str(row.printed_at))
            rec["source_lines"].append(str(row.source_lines))
    cols = ["conflict_id", "subject", "partnership_id", "commune_id", "partner", "year", "used", "start_year",
            "printed_at", "source_lines"]
    df = pd.DataFrame(list(out.values()), columns=cols)
    df["start_year"] = df["start_year"].astype("Int64")
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
            "start_year": group["start_year"].iloc[0],
            "years_printed": "; ".join(str(y) for y in years),
        })
    out = pd.DataFrame(rows, columns=["conflict_id", "subject", "commune", "start_year", "years_printed"])
    out["start_year"] = out["start_year"].astype("Int64")
    return out


def count_table(partnerships: pd.DataFrame, by: str, lang: str = "fr") -> pd.DataFrame:
    """Partnerships (record_type partnership, every source) counted by model, partner_country or decade.

    Columns: ``by``, ``label`` (in ``lang``), ``count``; the counts add up to the partnerships. Models and
    countries are sorted by count (descending) then code; decades in time order, with the empty decades in
    between (count 0), then one row of decade NA (« année inconnue ») for those without a start year, if any.
    These are partnerships the sources record, whatever their status today.
    """
    check_lang(lang)
    if by not in COUNT_BY:
        raise ValueError(f"by must be one of {COUNT_BY}, not {by!r}")
    rows = partnership_rows(partnerships)
    if by == "decade":
        years = rows["start_year"].dropna().astype(int)
        decades = (years // 10 * 10).value_counts()
        keys = list(range(int(decades.index.min()), int(decades.index.max()) + 1, 10)) if len(decades) else []
        counts = [int(decades.get(k, 0)) for k in keys]
        labels = [tr("fig.counts.decade_label", lang, decade=k) for k in keys]
        if len(years) < len(rows):  # unknown stays unknown: a row of its own
            keys, counts = [*keys, pd.NA], [*counts, len(rows) - len(years)]
            labels.append(tr("year_unknown", lang))
        return pd.DataFrame({"decade": pd.array(keys, dtype="Int64"), "label": labels, "count": counts})
    counts = rows[by].fillna("").value_counts()
    out = pd.DataFrame({by: counts.index.astype(str), "count": counts.to_numpy().astype(int)})
    out = out.sort_values(["count", by], ascending=[False, True], kind="mergesort").reset_index(drop=True)
    prefix = "model" if by == "model" else "country"
    out.insert(1, "label", [label_or_code(f"{prefix}.{k}", k, lang) for k in out[by]])
    return out


def agreements_count(partnerships: pd.DataFrame) -> int:
    """Distinct agreements: rows sharing a group_id (one per beneficiary commune) count once."""
    rows = partnership_rows(partnerships)
    grouped = rows["group_id"].dropna().nunique()
    return int(rows["group_id"].isna().sum() + grouped)


def decade_changes(conflicts: pd.DataFrame, partnerships: pd.DataFrame) -> pd.DataFrame:
    """Claims (:func:`start_year_claims`) whose printed year lies in another decade than the start year used."""
    claims = start_year_claims(conflicts, partnerships)
    claims = claims[claims["start_year"].notna()]
    return claims[claims["year"] // 10 != claims["start_year"] // 10].reset_index(drop=True)
