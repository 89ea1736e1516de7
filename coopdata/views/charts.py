"""Plotly figures of the partnerships: the timeline (notebook 02 and, filtered to one commune, the commune
sheet of notebook 10) and the counts by model, country and decade.

Every builder takes ``lang`` ("fr" or "en") for titles, axis labels, legends and hover text, and writes
under the figure where its numbers come from. Data values (commune and partner names, printed text) are
shown as the study prints them, HTML-escaped. Colours, fonts and dates come from
``coopdata.views.style``; the frames drawn come from ``coopdata.analysis.timelines``.

Nothing here chooses silently between values the study prints differently: the timeline draws the
start year of Tableau n°01 as the bar and every other printed year (data/conflicts.csv) as its own
marker.
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap

import pandas as pd
import plotly.graph_objects as go

from coopdata.analysis.timelines import (
    agreements_count,
    commune_names,
    communes_table,
    count_table,
    decade_changes,
    partnership_rows,
    start_year_claims,
    timeline_rows,
)
from coopdata.core.i18n import check_lang, label_or_code, tr
from coopdata.core.text import esc
from coopdata.views.style import (
    CONFLICT_COLOUR,
    COUNT_COLOUR,
    EVENT_LINE,
    FONT,
    MODELS,
    PERIOD_FILL,
    SURVEY_LINE,
    colon,
    fmt_date,
    list_sep,
    model_colour,
)

_ACRONYM_ONLY = re.compile(r"^[^()]*\(([A-Z]{2,})\)$")
_ROW_STEP = 0.34  # distance between the bars of one commune's partnerships, in rows


# --------------------------------------------------------------------------------------------- helpers


#: Columns whose heading is the label of another key: an id column is headed like the thing it names,
#: answer and gap-status columns by their value's label.
COLUMN_LABEL_KEYS = {
    "commune_id": "col.commune", "sector_id": "col.sector", "row_printed": "col.in_printed_table",
    "yes": "answer.yes", "no": "answer.no", "unknown": "answer.unknown",
    "covered": "status.covered", "gap": "status.gap", "not_known_covered": "status.not_known_covered",
}


def translate_columns(df: pd.DataFrame, lang: str = "fr") -> pd.DataFrame:
    """A copy of ``df`` with column headers in ``lang`` (``col.<name>``; unknown names kept)."""
    check_lang(lang)
    return df.rename(columns={c: label_or_code(COLUMN_LABEL_KEYS.get(c, f"col.{c}"), c, lang) for c in df.columns})


def with_labels(table: pd.DataFrame, by: str, lang: str = "fr", communes: pd.DataFrame | None = None,
                sectors: pd.DataFrame | None = None) -> pd.DataFrame:
    """``table`` (a column or index ``by`` = commune_id or sector_id) with a ``label`` column second,
    rows in printed order (communes.csv / sectors.csv position) when that table is given."""
    check_lang(lang)
    df = table.reset_index() if by not in table.columns else table.copy()
    if by == "sector_id":
        labels = [tr(f"sector.{s}", lang) for s in df[by]]
        order = list(sectors.sort_values("position")["sector_id"]) if sectors is not None else None
    elif by == "commune_id":
        names = commune_names(communes)
        labels = [names[c] for c in df[by]]
        order = list(communes["commune_id"]) if communes is not None else None
    else:
        raise ValueError(f"by must be 'commune_id' or 'sector_id', not {by!r}")
    df.insert(df.columns.get_loc(by) + 1, "label", labels)
    if order is not None:
        df = df.set_index(by).reindex([k for k in order if k in set(df[by])]).reset_index()
    df.columns.name = None
    return df


def decimal_year(day: dt.date) -> float:
    """The date as a position on a year axis (1 January = the integer year)."""
    start = dt.date(day.year, 1, 1)
    days = (dt.date(day.year + 1, 1, 1) - start).days
    return day.year + (day - start).days / days


def short_partner(name: str) -> str:
    """A short label: the acronym when the name ends with one, else the name before « ( »."""
    name = str(name).strip()
    match = _ACRONYM_ONLY.match(name)
    if match:
        return match.group(1)
    return name.split(" (")[0].strip()


def wrap(text: str, width: int) -> str:
    """Plain text wrapped at ``width`` characters, each line HTML-escaped, lines joined with <br>."""
    return "<br>".join(esc(line) for line in textwrap.wrap(str(text), width=width)) or esc(text)


def base_layout(fig: go.Figure, title: str, notes: list[str], *, height: int, margin: dict,
                note_width: int = 160, width: int | None = None) -> go.Figure:
    """Title at the top left, notes (source, caption) at the bottom left, in the figure's margin."""
    fig.update_layout(
        title={"text": f"<b>{esc(title)}</b>", "x": 0.01, "xanchor": "left", "y": 0.985, "yanchor": "top",
               "font": {"size": 17}},
        font={"family": FONT, "size": 12, "color": "#222222"},
        height=height,
        margin=margin,
        plot_bgcolor="#FFFFFF",
        paper_bgcolor="#FFFFFF",
        hoverlabel={"font": {"family": FONT}},
    )
    if width is not None:
        fig.update_layout(width=width)
    text = "<br>".join(wrap(n, note_width) for n in notes)
    fig.add_annotation(
        text=text, xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="bottom",
        yshift=-(margin["b"] - 6), showarrow=False, align="left", font={"size": 10.5, "color": "#444444"},
    )
    return fig


def _as_date(as_of) -> dt.date:
    if as_of is None or as_of == "":
        return dt.date.today()
    return dt.date.fromisoformat(as_of) if isinstance(as_of, str) else as_of


# ------------------------------------------------------------------------------------------ timeline

#: Sizes of the two layouts: the report's (all communes) and the commune sheet's (one commune, A4 width).
_REPORT = {"margin": {"l": 110, "r": 215, "t": 115, "b": 150}, "note_width": 175, "wrap": 27, "width": None}
_SHEET = {"margin": {"l": 90, "r": 165, "t": 0, "b": 140}, "note_width": 105, "wrap": 24,  # t: from the legend
          "width": 680}


def timeline(partnerships: pd.DataFrame, conflicts: pd.DataFrame, events: pd.DataFrame, as_of=None,
             lang: str = "fr", communes: pd.DataFrame | None = None, commune_id: str | None = None) -> go.Figure:
    """Partnerships (Tableau n°01) from their start year to ``as_of``, one row per commune.

    The bar starts at the year of Tableau n°01; each other year printed for it (data/conflicts.csv,
    kind start_year) is a red marker on the same row, joined to the bar by a dotted line, whose hover
    says where it is printed. Context: the special delegations period and the 2019 local elections
    (events.csv). Leads and mentions, which have no year, are not plotted (the caption says so).
    ``communes`` gives names and row order (default: data/communes.csv).

    With ``commune_id`` the same figure is drawn for that commune only, sized for its presentation sheet,
    with the date of the study's survey of the commune (§2.1): the traces are the report's traces for
    that commune.
    """
    check_lang(lang)
    as_of = _as_date(as_of)
    end = decimal_year(as_of)
    communes = communes_table(communes)
    names = commune_names(communes)
    only = None if commune_id is None else [commune_id]
    if commune_id is not None and commune_id not in names:
        raise ValueError(f"unknown commune_id {commune_id!r}")
    rows = timeline_rows(partnerships, as_of, communes, only=only)
    if rows.empty and commune_id is None:
        raise ValueError(f"no partnership starts on or before {as_of}")
    shown = only or list(dict.fromkeys(rows["commune_id"]))
    size = _REPORT if commune_id is None else _SHEET
    n = len(shown)
    base = {c: n - 1 - i for i, c in enumerate(shown)}
    ypos = {}
    for cid, group in rows.groupby("commune_id", sort=False):
        k = len(group)
        for j, pid in enumerate(group["partnership_id"]):
            ypos[pid] = base[cid] + ((k - 1) / 2 - j) * _ROW_STEP
    rows["y"] = rows["partnership_id"].map(ypos)

    fig = go.Figure()
    for model in [m for m in MODELS if m in set(rows["model"])]:
        sub = rows[rows["model"] == model]
        custom = [[esc(names[r.commune_id]), esc(r.partner), esc(tr(f"model.{model}", lang)), r.start_year,
                   esc(r.source), r.partnership_id] for r in sub.itertuples()]
        fig.add_trace(go.Bar(
            orientation="h", base=sub["start_year"].tolist(), x=[end - s for s in sub["start_year"]],
            y=sub["y"].tolist(), width=0.26, name=tr(f"model.{model}", lang), legendgroup=model,
            marker={"color": model_colour(model), "line": {"width": 0}}, customdata=custom,
            hovertemplate=("<b>%{customdata[0]} – %{customdata[1]}</b><br>%{customdata[2]}<br>"
                           + tr("since", lang, year="%{customdata[3]}")
                           + " (%{customdata[4]}, %{customdata[5]})<extra></extra>"),
        ))
    for r in rows.itertuples():  # short partner names in the right margin, level with their bar
        fig.add_annotation(x=1, xref="paper", xanchor="left", xshift=6, y=r.y, yref="y", showarrow=False,
                           text=wrap(short_partner(r.partner), size["wrap"]), font={"size": 11, "color": "#333333"},
                           align="left")

    claims = start_year_claims(conflicts, partnerships)
    claims = claims[claims["partnership_id"].isin(ypos)]
    _add_claims(fig, claims, ypos, names, lang)
    event_notes = _add_events(fig, events, as_of, lang)
    if commune_id is not None:
        event_notes += _add_survey(fig, communes, commune_id, as_of, lang)

    competing_places = _places(claims.loc[~claims["used"], "printed_at"], lang)
    others = partnerships[partnerships["record_type"] != "partnership"]
    if only is not None:
        others = others[others["commune_id"].isin(only)]
    where = list_sep(lang).join(sorted(dict.fromkeys(s.split(" ")[0] for s in others["source"])))
    notes = [
        tr("fig.timeline.source", lang, study=tr("study", lang), competing=competing_places or "—",
           events=list_sep(lang).join(event_notes) or "—"),
        tr("fig.timeline.caption", lang, n=len(others), where=where or "—"),
    ]
    if commune_id is None:
        title = tr("fig.timeline.title", lang, start=int(rows["start_year"].min()), as_of=fmt_date(as_of, lang))
        height = 150 + 52 * n + 120
    else:
        title = tr("profile.timeline_title", lang, commune=names[commune_id])
        entries = sum(1 for t in fig.data if t.name)  # the legend: one row each at the sheet's width
        size = {**size, "margin": {**size["margin"], "t": 45 + 19 * entries}}
        height = size["margin"]["t"] + size["margin"]["b"] + 90 + 40 * max(1, len(rows))
    base_layout(fig, title, notes, height=height, margin=size["margin"], note_width=size["note_width"],
                width=size["width"])
    first = int(rows["start_year"].min()) if len(rows) else as_of.year
    ys = list(ypos.values())
    fig.update_layout(
        barmode="overlay", bargap=0, showlegend=True,  # even with a single model (a commune's sheet)
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom", "yref": "paper",
                "font": {"size": 11.5}, "traceorder": "normal"},
        xaxis={"title": {"text": tr("col.year", lang)}, "range": [min(1955, first - 3), end + 0.3],
               "dtick": 5 if commune_id is None else 10, "showgrid": True, "gridcolor": "#EEEEEE",
               "zeroline": False, "ticks": "outside"},
        yaxis={"tickvals": [base[c] for c in shown], "ticktext": [esc(names[c]) for c in shown],
               "range": [min([-0.6, *[y - 0.3 for y in ys]]), max([n - 0.4, *[y + 0.3 for y in ys]])],
               "showgrid": False, "zeroline": False},
    )
    return fig


def _places(printed_at: pd.Series, lang: str) -> str:
    """Distinct places, the commune pages of §3 named once."""
    places = []
    for joined in printed_at:
        for place in str(joined).split("; "):
            if place.startswith("§3, page"):
                place = "§3 (pages des communes)" if lang == "fr" else "§3 (commune pages)"
            places.append(place)
    return list_sep(lang).join(dict.fromkeys(places))


def _add_claims(fig: go.Figure, claims: pd.DataFrame, ypos: dict, names: dict, lang: str) -> None:
    used = claims[claims["used"]]
    competing = claims[~claims["used"]]
    if not competing.empty:  # dotted line from each other printed year to the start of the bar
        xs, ys = [], []
        for r in competing.itertuples():
            xs += [r.year, r.start_year, None]
            ys += [ypos[r.partnership_id]] * 2 + [None]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={"color": CONFLICT_COLOUR, "width": 1.2,
                                                                  "dash": "dot"},
                                 showlegend=False, hoverinfo="skip"))
    for subset, key, name, symbol, colour, size in (
        (used, "fig.timeline.used_hover", "col.start_year", "diamond", "#FFFFFF", 10),
        (competing, "fig.timeline.printed_at", "fig.timeline.competing", "x", CONFLICT_COLOUR, 12),
    ):
        if subset.empty:
            continue
        custom = [[esc(f"{names[r.commune_id]} – {r.partner}"),
                   esc(tr(key, lang, year=r.year, where=r.printed_at)),
                   esc(r.conflict_id)] for r in subset.itertuples()]
        fig.add_trace(go.Scatter(
            x=subset["year"].tolist(), y=[ypos[p] for p in subset["partnership_id"]], mode="markers",
            marker={"symbol": symbol, "size": size, "color": colour, "line": {"color": "#222222", "width": 1.2}},
            name=tr(name, lang), customdata=custom, meta=subset["partnership_id"].tolist(),
            hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]} (%{customdata[2]})<extra></extra>",
        ))


def _add_events(fig: go.Figure, events: pd.DataFrame, as_of: dt.date, lang: str) -> list[str]:
    """Shade periods, draw dated events as vertical lines; return the sources for the note."""
    notes = []
    for e in events[events["kind"] == "period"].itertuples():
        start, stop = int(e.start), int(e.end)
        if start > as_of.year:
            continue
        label = _event_label(e.event_id, lang, start=start, end=stop, fallback=e.label_printed)
        fig.add_vrect(x0=start, x1=min(stop, decimal_year(as_of)), fillcolor=PERIOD_FILL, opacity=0.6,
                      line_width=0, layer="below", annotation_text=esc(label), annotation_position="bottom left",
                      annotation_font={"size": 11, "color": "#555555"})
        notes.append(f"{label}{colon(lang)}{e.source}")
    dated = events[events["kind"] == "date"].copy()
    dated["group"] = dated["event_id"].str.replace(r"_\d+$", "", regex=True)
    for group, sub in dated.groupby("group", sort=True):
        days = [dt.date.fromisoformat(str(s)) for s in sub["start"]]
        days = [d for d in days if d <= as_of]
        if not days:
            continue
        for d in days:
            fig.add_vline(x=decimal_year(d), line={"color": EVENT_LINE, "width": 1.3, "dash": "dash"})
        label = _event_label(group, lang, dates=", ".join(fmt_date(d, lang) for d in days),
                             fallback=sub["label_printed"].iloc[0])
        fig.add_annotation(x=decimal_year(days[-1]), y=1, yref="paper", xanchor="right", yanchor="top",
                           text=esc(label), showarrow=False, font={"size": 11, "color": "#333333"},
                           bgcolor="rgba(255,255,255,0.85)", xshift=-4)
        notes.append(f"{label}{colon(lang)}{sub['source'].iloc[0]}")
    return notes


def _add_survey(fig: go.Figure, communes: pd.DataFrame, commune_id: str, as_of: dt.date, lang: str) -> list[str]:
    """The month the study surveyed the commune (communes.csv study_phase, §2.1), mid-month, as a line."""
    if "study_phase" not in communes:
        return []
    phase = str(communes.loc[communes["commune_id"] == commune_id, "study_phase"].iloc[0])
    year, month = (int(x) for x in phase.split("-")[:2])
    day = dt.date(year, month, 15)
    if day > as_of:
        return []
    label = f"{tr('profile.survey', lang)} ({phase})"
    fig.add_vline(x=decimal_year(day), line={"color": SURVEY_LINE, "width": 1.3, "dash": "dot"})
    # one line above the label of the period (bottom left of its band), so that the two never overlap
    fig.add_annotation(x=decimal_year(day), y=0, yref="paper", xanchor="right", yanchor="bottom", text=esc(label),
                       showarrow=False, font={"size": 11, "color": SURVEY_LINE}, bgcolor="rgba(255,255,255,0.85)",
                       xshift=-4, yshift=18)
    return [f"{label}{colon(lang)}§2.1"]


def _event_label(key: str, lang: str, fallback: str, **fmt) -> str:
    try:
        return tr(f"fig.event.{key}", lang, **fmt)
    except KeyError:
        return str(fallback)


# ------------------------------------------------------------------------------------------- counts


def counts_by(partnerships: pd.DataFrame, by: str, lang: str = "fr",
              conflicts: pd.DataFrame | None = None) -> go.Figure:
    """Bar chart of :func:`coopdata.analysis.timelines.count_table`.

    With ``conflicts`` and ``by="decade"``, the note says how many rows another printed start year
    would move to another decade.
    """
    table = count_table(partnerships, by, lang)
    if by == "model":
        colours = [model_colour(k) for k in table["model"]]
    else:
        colours = [COUNT_COLOUR] * len(table)
    x = [wrap(label, 18) for label in table["label"]]
    fig = go.Figure(go.Bar(
        x=x, y=table["count"].tolist(), marker={"color": colours}, text=table["count"].tolist(),
        textposition="outside", cliponaxis=False, showlegend=False,
        hovertemplate="%{x}: %{y}<extra></extra>",
    ))
    rows = partnership_rows(partnerships)
    notes = [tr("fig.counts.source", lang, study=tr("study", lang), rows=len(rows),
                agreements=agreements_count(rows))]
    if by == "decade" and conflicts is not None:
        moved = decade_changes(conflicts, partnerships)
        which = "; ".join(f"{subject} ({', '.join(str(y) for y in sorted(set(group['year'])))})"
                          for subject, group in moved.groupby("subject", sort=True))
        notes.append(tr("fig.counts.decade_note", lang, n=moved["partnership_id"].nunique(), which=which or "—"))
    base_layout(fig, tr(f"fig.counts.title.{by}", lang), notes, height=460,
                margin={"l": 70, "r": 30, "t": 70, "b": 130 if by == "model" else 110}, note_width=120)
    fig.update_layout(
        xaxis={"title": {"text": tr("fig.counts.decade", lang) if by == "decade" else
                         tr("model_of_cooperation" if by == "model" else "country", lang)}, "type": "category"},
        yaxis={"title": {"text": tr("fig.counts.axis", lang)}, "rangemode": "tozero", "dtick": 2,
               "range": [0, max(table["count"]) * 1.15 + 0.5], "gridcolor": "#EEEEEE"},
        bargap=0.35,
    )
    return fig
