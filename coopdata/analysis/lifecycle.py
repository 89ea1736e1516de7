"""What the sources know of each partnership's life: start, confirmations, end and status (frames in, frames out).

A partnership is known only as far as its sources go. The study lists its rows as of its survey
(December 2018 or February 2020: events of kind ``listed``); later sources add acts, conventions,
confirmations, dormancy, relaunches, terms and ends (``partnership_events.csv``). From them:

* ``first_confirmed`` / ``last_confirmed``: the first and last dates at which a source attests the
  partnership (every kind of event but ``dormant``, ``term`` and ``end``);
* ``end_year``: the year of the last ``end`` event, if any;
* ``status``: the last status a source states (``status_after``), ``unknown`` when none does; with
  ``status_since``, the date from which the sources state that status without a break;
* ``confirmed_after_end``: a source attests the partnership after another source ends it, a
  conflict between sources that both values keep (e.g. Kozah 1–SIAAP).

Dates keep the precision their source gives (YYYY, YYYY-MM or YYYY-MM-DD); they are ordered by
year, then month, then day, a missing part counting as the earliest.
"""

from __future__ import annotations

import pandas as pd

CONFIRMING = frozenset({"act", "convention", "decision", "declaration", "start", "listed", "confirmed", "activity",
                        "amendment", "relaunch"})
UNKNOWN = "unknown"

COLUMNS = ["partnership_id", "commune_id", "partner", "model", "source_id", "start_year", "first_confirmed",
           "last_confirmed", "last_confirmed_source", "listed", "end_year", "end_date", "end_source", "status",
           "status_since", "status_date", "status_source", "confirmed_after_end", "sources", "events"]


def date_key(text) -> tuple[int, int, int]:
    """'2023-11' -> (2023, 11, 0): a sort key for dates of mixed precision."""
    parts = [int(p) for p in str(text).split("-")]
    return tuple((parts + [0, 0])[:3])


def year_of(text) -> int:
    return int(str(text)[:4])


def _blank(value) -> bool:
    return value is None or pd.isna(value) or not str(value).strip()


def _ordered(events: pd.DataFrame) -> pd.DataFrame:
    if events.empty:
        return events
    keys = events["date"].map(date_key)
    return events.assign(_key=keys).sort_values(["_key", "event_id"], kind="mergesort").drop(columns="_key")


def _status(ev: pd.DataFrame) -> dict:
    stated = [r for r in ev.to_dict("records") if not _blank(r["status_after"])]
    if not stated:
        return {"status": UNKNOWN, "status_since": None, "status_date": None, "status_source": None}
    last = stated[-1]
    since = last
    for r in reversed(stated):
        if r["status_after"] != last["status_after"]:
            break
        since = r
    return {"status": str(last["status_after"]), "status_since": str(since["date"]), "status_date": str(last["date"]),
            "status_source": str(last["source_id"])}


def _one(row, ev: pd.DataFrame) -> dict:
    ev = _ordered(ev)
    confirming = ev[ev["kind"].isin(CONFIRMING)]
    ends = ev[ev["kind"] == "end"]
    listed = ev[ev["kind"] == "listed"]
    out = {
        "partnership_id": row.partnership_id, "commune_id": row.commune_id, "partner": row.partner,
        "model": row.model, "source_id": row.source_id,
        "start_year": row.start_year if not _blank(row.start_year) else pd.NA,
        "first_confirmed": str(confirming["date"].iloc[0]) if len(confirming) else None,
        "last_confirmed": str(confirming["date"].iloc[-1]) if len(confirming) else None,
        "last_confirmed_source": str(confirming["source_id"].iloc[-1]) if len(confirming) else None,
        "listed": "; ".join(dict.fromkeys(listed["date"].astype(str))) or None,
        "end_year": year_of(ends["date"].iloc[-1]) if len(ends) else pd.NA,
        "end_date": str(ends["date"].iloc[-1]) if len(ends) else None,
        "end_source": str(ends["source_id"].iloc[-1]) if len(ends) else None,
        **_status(ev),
        "sources": "; ".join(sorted({str(row.source_id), *ev["source_id"].astype(str)})),
        "events": len(ev),
    }
    out["confirmed_after_end"] = bool(
        out["end_date"] is not None and out["last_confirmed"] is not None
        and date_key(out["last_confirmed"]) > date_key(out["end_date"]))
    return out


def lifecycle(partnerships: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """One row per partnership (record_type ``partnership``), in the order of partnerships.csv (see the docstring)."""
    rows = partnerships[partnerships["record_type"] == "partnership"]
    by_id = {pid: group for pid, group in events.groupby("partnership_id", sort=False)}
    empty = events.iloc[0:0]
    out = [_one(row, by_id.get(row.partnership_id, empty)) for row in rows.itertuples(index=False)]
    df = pd.DataFrame(out, columns=COLUMNS)
    df["start_year"] = df["start_year"].astype("Int64")
    df["end_year"] = df["end_year"].astype("Int64")
    df["confirmed_after_end"] = df["confirmed_after_end"].astype(bool)
    df["events"] = df["events"].astype(int)
    return df.reset_index(drop=True)


def known_span(life: pd.Series, as_of_year: int) -> dict:
    """How far a timeline may draw a partnership: solid to its last confirmation, then unconfirmed, stopped at its end.

    ``{"start": year or None, "confirmed_until": year or None, "unconfirmed_until": year or None}``:
    ``unconfirmed_until`` is ``as_of_year`` for a partnership not known to have ended, its end year
    (when later than its last confirmation) otherwise, and None when nothing follows the last confirmation.
    """
    start = None if pd.isna(life["start_year"]) else int(life["start_year"])
    confirmed = None if life["last_confirmed"] is None else year_of(life["last_confirmed"])
    end = None if pd.isna(life["end_year"]) else int(life["end_year"])
    if end is not None and life["status"] == "ended":
        confirmed_until = min(confirmed, end) if confirmed is not None else None
        return {"start": start, "confirmed_until": confirmed_until,
                "unconfirmed_until": end if confirmed_until is None or end > confirmed_until else None}
    tail = as_of_year if confirmed is None or as_of_year > confirmed else None
    return {"start": start, "confirmed_until": confirmed, "unconfirmed_until": tail}


def status_counts(life: pd.DataFrame) -> pd.Series:
    """Partnerships per status (active, dormant, ended, unknown), all four present."""
    return life["status"].value_counts().reindex(["active", "dormant", "ended", UNKNOWN], fill_value=0)
