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

from coopdata.analysis.lifecycle import (
    CONFIRMING,
    date_key,
    date_position,
    events_until,
    known_positions,
    lifecycle,
    source_label,
    status_counts,
)
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
    cols = ["conflict_id", "subject", "record_ids", "year", "value_printed", "source_id", "printed_at", "source_lines",
            "used"]
    return rows[cols].reset_index(drop=True)


def start_year_claims(conflicts: pd.DataFrame, partnerships: pd.DataFrame) -> pd.DataFrame:
    """One row per (partnership, printed start year) with every place that prints it.

    Columns: conflict_id, subject, partnership_id, commune_id, partner, year, used (bool), start_year (the
    Tableau n°01 value), printed_at (places joined with « ; »), source_ids (the source of each place, joined
    the same way), source_lines. Raises DataError when a
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
                "printed_at": [], "source_ids": [], "source_lines": [],
            })
            rec["used"] = rec["used"] or used
            rec["printed_at"].append(str(row.printed_at))
            rec["source_ids"].append(str(row.source_id))
            rec["source_lines"].append(str(row.source_lines))
    cols = ["conflict_id", "subject", "partnership_id", "commune_id", "partner", "year", "used", "start_year",
            "printed_at", "source_ids", "source_lines"]
    df = pd.DataFrame(list(out.values()), columns=cols)
    df["start_year"] = df["start_year"].astype("Int64")
    df["printed_at"] = df["printed_at"].map("; ".join)
    df["source_ids"] = df["source_ids"].map("; ".join)
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


def timeline_facts(partnerships: pd.DataFrame, life_events: pd.DataFrame, conflicts: pd.DataFrame,
                   sources: pd.DataFrame, as_of: dt.date) -> dict:
    """The numbers a reader is told first (the report's key points), all computed from the tables.

    ``partnerships`` (record_type partnership, every source), ``from_study`` and ``later`` (by the kind of
    their source), ``undated``; ``first_year`` and ``oldest`` (commune_id, partner of the rows that start
    then); ``survey``, the last date the study lists a partnership, and ``confirmed_since`` the partnerships
    a source confirms after it (up to ``as_of``); ``status`` (partnerships per status, as of ``as_of``);
    ``top_country`` / ``top_model`` (code, count); ``conflicts``, the start-year conflicts whose sources print
    more than one year (ids, sorted).
    """
    rows = partnership_rows(partnerships)
    study = set(sources.loc[sources["kind"] == "study", "source_id"])
    from_study = int(rows["source_id"].isin(study).sum())
    dated = rows[rows["start_year"].notna()]
    first = int(dated["start_year"].min()) if len(dated) else None
    oldest = dated.loc[dated["start_year"] == first, ["commune_id", "partner"]].to_dict("records")
    known = events_until(life_events, as_of)
    listed = known.loc[(known["kind"] == "listed") & known["source_id"].isin(study), "date"].astype(str)
    survey = max(listed, key=date_key) if len(listed) else None
    life = lifecycle(partnerships, life_events, as_of=as_of)
    confirmed = life["last_confirmed"].dropna().astype(str)
    since = 0 if survey is None else int(sum(date_key(d) > date_key(survey) for d in confirmed))
    tops = {}
    for by in ("partner_country", "model"):
        table = count_table(partnerships, by)
        tops[by] = (table[by].iloc[0], int(table["count"].iloc[0])) if len(table) else (None, 0)
    claims = start_year_claims(conflicts, partnerships)
    several = sorted(cid for cid, group in claims.groupby("conflict_id") if group["year"].nunique() > 1)
    return {"partnerships": len(rows), "from_study": from_study, "later": len(rows) - from_study,
            "undated": len(rows) - len(dated), "first_year": first, "oldest": oldest, "survey": survey,
            "confirmed_since": since, "status": status_counts(life).to_dict(), "top_country": tops["partner_country"],
            "top_model": tops["model"], "conflicts": several}


# ------------------------------------------------------------------------------- reader tables (02)


def claim_places(claims: pd.DataFrame, sources: pd.DataFrame, lang: str = "fr", pages: bool = True) -> list[str]:
    """Distinct places that print the years of ``claims`` (:func:`start_year_claims` rows), named alike in
    every language: the study's own locator (Tableau n°01, Carte n°02, §3…; with ``pages`` its commune pages
    of §3 named once), a later source by its name (:func:`~coopdata.analysis.lifecycle.source_label`)."""
    study = set(sources.loc[sources["kind"] == "study", "source_id"])
    out = []
    for joined, ids in zip(claims["printed_at"], claims["source_ids"], strict=True):
        for place, sid in zip(str(joined).split("; "), str(ids).split("; "), strict=True):
            if sid not in study:
                place = source_label(sid, sources, lang)
            elif pages and place.startswith("§3, page"):
                place = tr("fig.timeline.commune_pages", lang)
            out.append(place)
    return list(dict.fromkeys(out))


def _sep(lang: str) -> tuple[str, str]:
    """(list separator, colon) of running text in ``lang``."""
    return (" ; ", "\u00a0: ") if check_lang(lang) == "fr" else ("; ", ": ")


def conflict_overview(conflicts: pd.DataFrame, partnerships: pd.DataFrame, communes: pd.DataFrame,
                      sources: pd.DataFrame, lang: str = "fr") -> pd.DataFrame:
    """Per start-year conflict, for a reader: conflict_id, partnership (the conflict's subject), commune,
    start_year (the year used, as text), used_at (the places that print it) and other_years (one line per
    other year printed: « 1986 : Carte n°02 »), places named by :func:`claim_places`."""
    sep, colon = _sep(lang)
    claims = start_year_claims(conflicts, partnerships)
    names = commune_names(communes)
    rows = []
    for cid, group in claims.groupby("conflict_id", sort=True):
        start = group["start_year"].iloc[0]
        others = group[~group["used"]]
        rows.append({
            "conflict_id": cid, "partnership": group["subject"].iloc[0],
            "commune": sep.join(dict.fromkeys(names.get(c, c) for c in group["commune_id"])),
            "start_year": None if pd.isna(start) else str(int(start)),
            "used_at": sep.join(claim_places(group[group["used"]], sources, lang, pages=False)),
            "other_years": "\n".join(f"{year}{colon}{sep.join(claim_places(g, sources, lang, pages=False))}"
                                     for year, g in others.groupby("year", sort=True)),
        })
    return pd.DataFrame(rows, columns=["conflict_id", "partnership", "commune", "start_year", "used_at",
                                       "other_years"])


def conflict_values(conflicts: pd.DataFrame, sources: pd.DataFrame, lang: str = "fr") -> pd.DataFrame:
    """:func:`conflict_year_table` for a reader: every printed value, the year it prints (text), where (the
    study's locator or the source's name), its text lines and whether it is the value used (« oui »)."""
    table = conflict_year_table(conflicts)
    study = set(sources.loc[sources["kind"] == "study", "source_id"])
    return pd.DataFrame({
        "conflict_id": table["conflict_id"], "partnership": table["subject"],
        "ref": table["record_ids"].str.replace(";", ", "), "year": table["year"].astype(str),
        "value_printed": table["value_printed"],
        "printed_at": [p if s in study else source_label(s, sources, lang)
                       for p, s in zip(table["printed_at"], table["source_id"], strict=True)],
        "source_lines": table["source_lines"].astype("string"),
        "used": [tr(f"answer.{u}", lang) for u in table["used"]],
    })


def other_records(partnerships: pd.DataFrame, communes: pd.DataFrame, lang: str = "fr") -> pd.DataFrame:
    """The leads and mentions (no start year, not on a timeline) for a reader: ref, record_type and model
    (their labels), commune (its name), partner, source (the study's section)."""
    rows = partnerships[partnerships["record_type"] != "partnership"]
    names = commune_names(communes)
    kinds = [tr(f"record_type.{k}", lang) for k in rows["record_type"]]
    return pd.DataFrame({
        "ref": rows["partnership_id"].to_numpy(), "record_type": [k[:1].upper() + k[1:] for k in kinds],
        "model": [label_or_code(f"model.{m}", m, lang) for m in rows["model"]],
        "commune": [names.get(c, c) for c in rows["commune_id"]], "partner": rows["partner"].to_numpy(),
        "source": rows["source"].to_numpy(),
    })
