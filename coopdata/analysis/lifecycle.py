"""What the sources know of each partnership's life: start, confirmations, end and status (frames in, frames out).

A partnership is known only as far as its sources go. The study lists its rows as of its survey
(December 2018 or February 2020: events of kind ``listed``); later sources add acts, conventions,
confirmations, dormancy, relaunches, terms and ends (``partnership_events.csv``). From them:

* ``first_confirmed`` / ``last_confirmed``: the first and last dates at which a source attests the
  partnership (every kind of event but ``dormant``, ``term`` and ``end``);
* ``end_year``: the year of the last ``end`` event, if any;
* ``status``: the last status a source states (``status_after``), ``unknown`` when none does; with
  ``status_since``, the date from which the sources state that status without a break (and the source
  that says so first, ``status_since_source``);
* ``confirmed_after_end``: a source attests the partnership after another source ends it, a
  conflict between sources that both values keep (e.g. Kozah 1–SIAAP).

Dates keep the precision their source gives (YYYY, YYYY-MM or YYYY-MM-DD); they are ordered by
year, then month, then day, a missing part counting as the earliest. ``lifecycle(..., as_of=day)``
reads only the events dated on or before ``day``: what the sources say of the partnership up to then.

A timeline draws what is known (:func:`known_span` by years, :func:`known_positions` at the precision
of the dates): solid to the last confirmation, unconfirmed after it, stopped at a source's end.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from coopdata.core.i18n import tr

CONFIRMING = frozenset({"act", "convention", "decision", "declaration", "start", "listed", "confirmed", "activity",
                        "amendment", "relaunch"})
UNKNOWN = "unknown"

COLUMNS = ["partnership_id", "commune_id", "partner", "model", "source_id", "start_year", "first_confirmed",
           "last_confirmed", "last_confirmed_source", "last_confirmed_kind", "listed", "end_year", "end_date",
           "end_source", "status", "status_since", "status_since_source", "status_date", "status_source",
           "confirmed_after_end", "sources", "events"]


def date_key(text) -> tuple[int, int, int]:
    """'2023-11' -> (2023, 11, 0): a sort key for dates of mixed precision."""
    parts = [int(p) for p in str(text).split("-")]
    return tuple((parts + [0, 0])[:3])


def year_of(text) -> int:
    return int(str(text)[:4])


def date_position(text) -> float:
    """A date of any precision as a position on a year axis, at its earliest day: '2018-12' -> 2018.915…"""
    year, month, day = date_key(text)
    start = dt.date(year, 1, 1)
    days = (dt.date(year + 1, 1, 1) - start).days
    return year + (dt.date(year, max(month, 1), max(day, 1)) - start).days / days


def events_until(events: pd.DataFrame, as_of: dt.date | None) -> pd.DataFrame:
    """The events dated on or before ``as_of`` (all of them when it is None)."""
    if as_of is None or events.empty:
        return events
    limit = (as_of.year, as_of.month, as_of.day)
    return events[events["date"].map(lambda d: date_key(d) <= limit)]


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
        return {"status": UNKNOWN, "status_since": None, "status_since_source": None, "status_date": None,
                "status_source": None}
    last = stated[-1]
    since = last
    for r in reversed(stated):
        if r["status_after"] != last["status_after"]:
            break
        since = r
    return {"status": str(last["status_after"]), "status_since": str(since["date"]),
            "status_since_source": str(since["source_id"]), "status_date": str(last["date"]),
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
        "last_confirmed_kind": str(confirming["kind"].iloc[-1]) if len(confirming) else None,
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


def lifecycle(partnerships: pd.DataFrame, events: pd.DataFrame, as_of: dt.date | None = None) -> pd.DataFrame:
    """One row per partnership (record_type ``partnership``), in the order of partnerships.csv (see the docstring);
    with ``as_of``, from the events dated on or before it only."""
    rows = partnerships[partnerships["record_type"] == "partnership"]
    events = events_until(events, as_of)
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
    confirmed = None if _blank(life["last_confirmed"]) else year_of(life["last_confirmed"])
    end = None if pd.isna(life["end_year"]) else int(life["end_year"])
    if end is not None and life["status"] == "ended":
        confirmed_until = min(confirmed, end) if confirmed is not None else None
        return {"start": start, "confirmed_until": confirmed_until,
                "unconfirmed_until": end if confirmed_until is None or end > confirmed_until else None}
    tail = as_of_year if confirmed is None or as_of_year > confirmed else None
    return {"start": start, "confirmed_until": confirmed, "unconfirmed_until": tail}


def known_positions(life: pd.Series, as_of: dt.date) -> dict:
    """:func:`known_span` at the precision of the dates, as positions on a year axis (floats, or None).

    ``{"start", "confirmed_until", "unconfirmed_until", "end"}``: the solid part runs from the start year
    (1 January) to the last confirmation (its earliest day), never before the start; the unconfirmed part
    from there to ``as_of``, or to the end date of a partnership a source ends; ``end`` is that end date.
    ``life`` should come from ``lifecycle(..., as_of=as_of)``; a partnership without a start year has
    no position (all None).
    """
    if pd.isna(life["start_year"]):
        return {"start": None, "confirmed_until": None, "unconfirmed_until": None, "end": None}
    start = float(int(life["start_year"]))
    confirmed = None if _blank(life["last_confirmed"]) else date_position(life["last_confirmed"])
    end = None
    if not _blank(life["end_date"]) and life["status"] == "ended":
        end = date_position(life["end_date"])
        solid = min(confirmed, end) if confirmed is not None else start
        tail = end
    else:
        solid = confirmed if confirmed is not None else start
        tail = date_position(as_of.isoformat())
    solid = max(solid, start)
    return {"start": start, "confirmed_until": solid, "unconfirmed_until": tail if tail > solid else None, "end": end}


#: Kinds of source whose title in sources.csv describes the document (in English) instead of naming it: they
#: are named by their publisher, as the publisher names itself.
BY_PUBLISHER = frozenset({"ministry_page", "official_report"})
_DESCRIPTION = re.compile(r"\s*\([a-z][^()]*\)$")  # a trailing « (association site) »: a description, not a name


def source_label(source_id, sources: pd.DataFrame, lang: str = "fr") -> str:
    """How a hover, a table or a sheet names a source in a few words, the same in every language: « étude » /
    "study" for the study; the publisher up to its first comma for an official page or report (« Ministère de
    l'Administration territoriale »); else the title up to the first colon or comma, without a trailing
    description in lower case (« Atlas français de la coopération décentralisée », « Groupe Pagouda »)."""
    row = sources.loc[sources["source_id"] == source_id]
    if row.empty:
        return str(source_id)
    row = row.iloc[0]
    if row["kind"] == "study":
        return tr("source_kind.study", lang)
    by_publisher = row["kind"] in BY_PUBLISHER and not _blank(row.get("author_or_publisher"))
    title = str(row["author_or_publisher"] if by_publisher else row["title"]).strip()
    for sep in (",",) if by_publisher else (":", ","):
        title = title.split(sep)[0].strip()
    return _DESCRIPTION.sub("", title) or str(source_id)


def status_counts(life: pd.DataFrame) -> pd.Series:
    """Partnerships per status (active, dormant, ended, unknown), all four present."""
    return life["status"].value_counts().reindex(["active", "dormant", "ended", UNKNOWN], fill_value=0)
