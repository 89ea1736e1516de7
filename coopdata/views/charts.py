"""Plotly figures of the partnerships: the timeline (notebook 02 and, filtered to one commune, the commune
sheet of notebook 10) and the counts by model, country and decade; the reader tables of notebook 02.

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

from coopdata.analysis.lifecycle import UNKNOWN, events_until, source_label
from coopdata.analysis.timelines import (
    agreements_count,
    claim_places,
    commune_names,
    communes_table,
    confirmed_after_end,
    count_table,
    decade_changes,
    life_marks,
    partnership_rows,
    start_year_claims,
    timeline_life,
    undated_rows,
)
from coopdata.core.i18n import check_lang, label_or_code, tr
from coopdata.core.text import esc, is_missing
from coopdata.views.style import (
    CONFLICT_COLOUR,
    COUNT_COLOUR,
    EVENT_LINE,
    FONT,
    LIFE_EVENT_COLOUR,
    LIFE_EVENT_SYMBOLS,
    MODELS,
    PERIOD_FILL,
    SURVEY_LINE,
    UNCONFIRMED_DASH,
    UNCONFIRMED_LEGEND,
    colon,
    fmt_date,
    fmt_partial_date,
    list_sep,
    model_colour,
)

_ACRONYM_ONLY = re.compile(r"^[^()]*\(([A-Z]{2,})\)$")
_ROW_STEP = 0.34  # distance between the bars of one commune's partnerships, in rows


# --------------------------------------------------------------------------------------------- helpers

#: Columns whose heading is the label of another key: an id column is headed like the thing it names,
#: answer and gap-status columns by their value's label; ``ref`` « Réf. », the id a reader quotes.
COLUMN_LABEL_KEYS = {
    "commune_id": "col.commune", "sector_id": "col.sector", "row_printed": "col.in_printed_table", "ref": "profile.ref",
    "partnership": "col.partnership_id", "used_at": "col.used_at", "other_years": "col.other_years",
    "record_type": "col.record_type", "yes": "answer.yes", "no": "answer.no", "unknown": "answer.unknown",
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
    return day.year + (day - start).days / (dt.date(day.year + 1, 1, 1) - start).days


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
                note_width: int = 160, width: int | None = None, title_width: int | None = None) -> go.Figure:
    """Title at the top left (wrapped at ``title_width`` characters if given), notes (source, caption) at the
    bottom left, in the figure's margin (no notes: no annotation)."""
    text = wrap(title, title_width) if title_width else esc(title)
    fig.update_layout(
        title={"text": f"<b>{text}</b>", "x": 0.01, "xanchor": "left", "y": 0.985, "yanchor": "top",
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
    if not notes:
        return fig
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
#: ``t`` and ``b`` follow the legend's rows (``columns`` entries each) and the notes' lines.
#: The report's is drawn for a phone: its SVG is shown at the page's width but never narrower than 560 px,
#: so at 680 px its text keeps at least 82 % of its size. Its legend is two columns under the title (models
#: and marks, dated events), its y axis in pixels (_report_positions), its margins computed from its labels.
_REPORT = {"margin": {"l": 100, "r": 140}, "note_width": 95, "wrap": 18, "width": 680, "columns": 2}
_SHEET = {"margin": {"l": 90, "r": 165}, "note_width": 105, "wrap": 24, "width": 680, "columns": 1}
_LINE, _GAP, _BAND, _STRIP = 16, 14, 30, (36, 24)  # report, px: label line, between communes, least band, strips
_CHAR = 7.0  # px: the width of a character at 12 px (DejaVu Sans), to leave room for the partner labels


def _report_positions(rows: pd.DataFrame, shown: list, width: int) -> tuple[dict, dict, list]:
    """The report's rows, in pixels from the bottom of the plot: each partnership as high as its partner's
    wrapped label, each commune at least ``_BAND``, a strip at the bottom for the period's label and one at the
    top for the elections'. Returns {partnership_id: y}, {commune_id: y of its label}, the y range."""
    ypos, ticks, y = {}, {}, float(_STRIP[0])
    for cid in reversed(shown):
        group = rows[rows["commune_id"] == cid]
        slots = [max(1, len(textwrap.wrap(short_partner(p), width))) * _LINE + 4 for p in group["partner"]]
        band = max(sum(slots), _BAND)
        at = y + _GAP / 2 + (band - sum(slots)) / 2
        for pid, slot in zip(reversed(list(group["partnership_id"])), reversed(slots), strict=True):
            ypos[pid] = at + slot / 2
            at += slot
        ticks[cid] = y + _GAP / 2 + band / 2
        y += band + _GAP
    return ypos, ticks, [0, y + _STRIP[1]]


def _sheet_positions(rows: pd.DataFrame, shown: list) -> tuple[dict, dict, list]:
    """The sheet's rows, in rows: one per commune, its partnerships ``_ROW_STEP`` apart around it."""
    n, ypos = len(shown), {}
    base = {c: n - 1 - i for i, c in enumerate(shown)}
    for cid, group in rows.groupby("commune_id", sort=False):
        k = len(group)
        for j, pid in enumerate(group["partnership_id"]):
            ypos[pid] = base[cid] + ((k - 1) / 2 - j) * _ROW_STEP
    ys = list(ypos.values())
    return ypos, base, [min([-0.6, *[y - 0.3 for y in ys]]), max([n - 0.4, *[y + 0.3 for y in ys]])]


def known_table(life: pd.DataFrame, communes: pd.DataFrame, sources: pd.DataFrame, lang: str = "fr") -> pd.DataFrame:
    """What the sources know of each partnership (rows of ``lifecycle.lifecycle``), for a reader: ref, commune
    (its name), partner, start_year (text), last_confirmed and status (in words; None when no source says)."""
    names, records = commune_names(communes), life.to_dict("records")
    return pd.DataFrame({
        "ref": life["partnership_id"], "commune": [names.get(c, c) for c in life["commune_id"]],
        "partner": life["partner"], "start_year": [None if pd.isna(y) else str(int(y)) for y in life["start_year"]],
        "last_confirmed": [confirmation_text(r, sources, lang) or None for r in records],
        "status": [status_text(r, sources, lang, short=True) or None for r in records]})


def when(date, lang: str = "fr") -> str:
    """« le 28 avril 2022 », « en décembre 2018 », « en 2019 » (the preposition follows the date's precision)."""
    key = "when.on" if str(date).count("-") == 2 else "when.in"
    return tr(key, lang, date=fmt_partial_date(date, lang))


def confirmation_text(life, sources: pd.DataFrame, lang: str = "fr") -> str:
    """What the last confirmation is: « listé en décembre 2018 (étude) », « confirmé le 28 avril 2022 (…) »."""
    if is_missing(life["last_confirmed"]):
        return ""
    key = "life.listed" if life["last_confirmed_kind"] == "listed" else "life.confirmed"
    return tr(key, lang, when=when(life["last_confirmed"], lang),
              source=source_label(life["last_confirmed_source"], sources, lang))


def status_text(life, sources: pd.DataFrame, lang: str = "fr", short: bool = False) -> str:
    """The status a source states, and since when (« statut : actif depuis novembre 2023 (…) »; ``short``, for a
    column headed « Statut », without « statut : »); "" when none does."""
    if life["status"] == UNKNOWN:
        return ""
    if life["status"] == "ended" and not is_missing(life["end_date"]):
        date, source, phrase = life["end_date"], life["end_source"], when(life["end_date"], lang)
    else:
        date, source = life["status_since"], life["status_since_source"]
        phrase = tr("when.since_day" if str(date).count("-") == 2 else "when.since", lang,
                    date=fmt_partial_date(date, lang))
    return tr("life.status_short" if short else "life.status", lang, when=phrase,
              status=tr(f"partnership_status.{life['status']}", lang), source=source_label(source, sources, lang))


def timeline(partnerships: pd.DataFrame, conflicts: pd.DataFrame, events: pd.DataFrame, as_of=None,
             lang: str = "fr", communes: pd.DataFrame | None = None, commune_id: str | None = None, *,
             life_events: pd.DataFrame | None = None, sources: pd.DataFrame | None = None,
             notes: bool = True) -> go.Figure:
    """Partnerships drawn as far as their sources know them, one row per commune, up to ``as_of``.

    Per partnership with a start year: a solid bar from that year to its last confirmation by a source
    (the study's listing at its survey, or a later source), then a dotted line, « not confirmed after the
    last source », up to ``as_of``; a partnership a source ends stops at its end. Dated events of
    ``life_events`` (act, convention, dormancy, relaunch, term, end…) are markers whose hover names their
    source; a confirmation dated after a source's end is a conflict marker. Every other start year printed
    for a row (``conflicts``, kind start_year) is a red marker joined to the bar by a dotted line.
    Partnerships without a start year are not drawn: the note lists them. Context: the special delegations
    and the 2019 local elections (``events``). ``communes`` (names, row order), ``life_events`` and
    ``sources`` are required. With ``commune_id``: that commune only, sized for its sheet, with the month of
    the study's survey; the traces are the report's. ``notes=False`` leaves the notes
    (:func:`timeline_notes`) out of the figure, for a page that writes them as text.
    """
    return _timeline(partnerships, conflicts, events, as_of, lang, communes, commune_id, life_events, sources,
                     notes)[0]


def timeline_notes(partnerships: pd.DataFrame, conflicts: pd.DataFrame, events: pd.DataFrame, as_of=None,
                   lang: str = "fr", communes: pd.DataFrame | None = None, commune_id: str | None = None, *,
                   life_events: pd.DataFrame | None = None, sources: pd.DataFrame | None = None) -> dict[str, str]:
    """The notes :func:`timeline` writes under the figure, as plain text: ``source`` (the sources drawn, the
    places of the other years printed, the context), ``caption`` (how bars are drawn, what is not) and, when
    some partnership has no start year, ``undated``."""
    return _timeline(partnerships, conflicts, events, as_of, lang, communes, commune_id, life_events, sources,
                     False)[1]


def _timeline(partnerships, conflicts, events, as_of, lang, communes, commune_id, life_events, sources,
              with_notes) -> tuple[go.Figure, dict[str, str]]:
    check_lang(lang)
    as_of = _as_date(as_of)
    end = decimal_year(as_of)
    communes = communes_table(communes)
    if life_events is None or sources is None:  # no silent data/: it would ignore the caller's data_dir
        raise ValueError("pass life_events and sources (partnership_events and sources of the notebook's data_dir)")
    names = commune_names(communes)
    only = None if commune_id is None else [commune_id]
    if commune_id is not None and commune_id not in names:
        raise ValueError(f"unknown commune_id {commune_id!r}")
    rows = timeline_life(partnerships, life_events, as_of, communes, only=only)
    if rows.empty and commune_id is None:
        raise ValueError(f"no partnership starts on or before {as_of}")
    shown = only or list(dict.fromkeys(rows["commune_id"]))
    report = commune_id is None
    size = _REPORT if report else _SHEET
    ypos, ticks, yrange = _report_positions(rows, shown, size["wrap"]) if report else _sheet_positions(rows, shown)
    rows["y"] = rows["partnership_id"].map(ypos)
    title_of = {r.partnership_id: esc(f"{names[r.commune_id]} – {r.partner}") for r in rows.itertuples()}

    fig = go.Figure()
    _add_bars(fig, rows, names, sources, lang, width=12 if report else 0.26)
    labels = {r.partnership_id: textwrap.wrap(short_partner(r.partner), size["wrap"]) for r in rows.itertuples()}
    for r in rows.itertuples():  # short partner names in the right margin, level with their bar
        fig.add_annotation(x=1, xref="paper", xanchor="left", xshift=6, y=r.y, yref="y", showarrow=False,
                           text="<br>".join(esc(line) for line in labels[r.partnership_id]) or esc(r.partner),
                           font={"size": 12 if report else 11, "color": "#333333"}, align="left")
    claims = start_year_claims(conflicts, partnerships)
    claims = claims[claims["partnership_id"].isin(ypos)]
    _add_claims(fig, claims, ypos, names, lang)
    before = len(fig.data)
    _add_life_events(fig, life_marks(life_events, ypos, as_of, LIFE_EVENT_SYMBOLS), ypos, title_of, sources, lang)
    if report:  # the dated events in a second column of the legend: two narrow columns fit a phone's width
        for t in fig.data[before:]:
            t.legend = "legend2"
    _add_after_end(fig, confirmed_after_end(life_events, rows, as_of), rows, ypos, title_of, sources, lang)
    event_notes = _add_events(fig, events, as_of, lang, label_width=24 if report else None)
    if commune_id is not None:
        event_notes += _add_survey(fig, communes, commune_id, as_of, lang)
    notes = _notes(partnerships, rows, claims, communes, only, life_events, sources, event_notes, as_of, lang)
    shown_notes = list(notes.values()) if with_notes else []
    entries = sum(1 for t in fig.data if t.name and t.showlegend is not False)
    second = sum(1 for t in fig.data if t.name and t.showlegend is not False and t.legend == "legend2")
    lines = sum(len(textwrap.wrap(note, size["note_width"])) for note in shown_notes)
    margin = {**size["margin"], "t": 50 + 20 * -(-entries // size["columns"]), "b": 58 + 14 * lines}
    if report:
        title = tr("fig.timeline.title", lang, start=int(rows["start_year"].min()), as_of=fmt_date(as_of, lang))
        longest = max(len(line) for lines_ in labels.values() for line in lines_)
        # margins computed, not pushed by the legends: their columns sit at fixed places of the figure
        margin.update(t=58 + 19 * max(second, entries - second) + 16, b=margin["b"] - 8 if shown_notes else 46,
                      r=int(12 + _CHAR * longest), l=int(16 + _CHAR * 1.1 * max(len(names[c]) for c in shown)),
                      autoexpand=False)
        height = margin["t"] + margin["b"] + int(yrange[1])
    else:
        title = tr("profile.timeline_title", lang, commune=names[commune_id])
        height = margin["t"] + margin["b"] + 90 + 40 * max(1, len(rows))
    base_layout(fig, title, shown_notes, height=height, margin=margin, note_width=size["note_width"],
                width=size["width"], title_width=60 if report else None)
    first = int(rows["start_year"].min()) if len(rows) else as_of.year
    # the report's axis starts in 1955 at the latest; a sheet's at the decade before its first partnership,
    # 2000 at the latest, so that the context (the delegations, the elections) stays in view
    left = min(1955, first - 3) if report else min(2000, (first - 2) // 10 * 10)
    legend = {"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom", "yref": "paper",
              "font": {"size": 11.5}, "traceorder": "normal"}
    if report:  # two columns under the title, their tops level
        legend.update(orientation="v", xref="container", x=0.005, yref="container", y=1 - 58 / height,
                      yanchor="top", font={"size": 12})
        fig.update_layout(legend2={**legend, "x": 0.56})
    fig.update_layout(
        barmode="overlay", bargap=0, showlegend=True,  # even with a single model (a commune's sheet)
        legend=legend,
        xaxis={"title": {"text": tr("col.year", lang)}, "range": [left, end + 0.3],
               "dtick": 10 if report and end - left > 40 else 5, "showgrid": True, "gridcolor": "#EEEEEE",
               "zeroline": False, "ticks": "outside"},
        yaxis={"tickvals": [ticks[c] for c in shown], "ticktext": [esc(names[c]) for c in shown], "range": yrange,
               "showgrid": False, "zeroline": False, **({"tickfont": {"size": 13}} if report else {})},
    )
    return fig, notes


def _notes(partnerships, rows, claims, communes, only, life_events, sources, event_notes, as_of, lang) -> dict:
    """The timeline's notes (see :func:`timeline_notes`)."""
    names, undated = commune_names(communes), undated_rows(partnerships, communes, only)
    others = partnerships[(partnerships["record_type"] != "partnership")
                          & (True if only is None else partnerships["commune_id"].isin(only))]
    where = list_sep(lang).join(sorted(dict.fromkeys(s.split(" ")[0] for s in others["source"])))
    known = events_until(life_events, as_of)
    used_sources = set(rows["source_id"]) | set(known.loc[known["partnership_id"].isin(set(rows["partnership_id"])),
                                                          "source_id"])
    study = set(sources.loc[sources["kind"] == "study", "source_id"])
    cited = [tr("study", lang)] * bool(used_sources & study) + list(dict.fromkeys(
        source_label(s, sources, lang) for s in sorted(used_sources - study)))
    competing = list_sep(lang).join(claim_places(claims[~claims["used"]], sources, lang))
    out = {"source": tr("fig.timeline.source", lang, sources=list_sep(lang).join(cited) or "—",
                        competing=competing or "—", events=list_sep(lang).join(event_notes) or "—"),
           "caption": tr("fig.timeline.caption", lang, n=len(others), where=where or "—")}
    if len(undated):
        out["undated"] = tr("fig.timeline.undated", lang, n=len(undated), which=list_sep(lang).join(
            f"{names.get(r.commune_id, r.commune_id)} – {r.partner}" for r in undated.itertuples()))
    return out


def _add_bars(fig: go.Figure, rows: pd.DataFrame, names: dict, sources: pd.DataFrame, lang: str,
              width: float = 0.26) -> None:
    """Per model: the solid bars (start year to last confirmation), then the dotted unconfirmed parts."""
    models = [m for m in MODELS if m in set(rows["model"])]
    for model in models:
        sub = rows[rows["model"] == model]
        custom = [[esc(names[r.commune_id]), esc(r.partner), esc(tr(f"model.{model}", lang)), r.start_year,
                   esc(r.source), r.partnership_id, esc(confirmation_text(r._asdict(), sources, lang)),
                   esc(status_text(r._asdict(), sources, lang))] for r in sub.itertuples()]
        fig.add_trace(go.Bar(
            orientation="h", base=sub["start_year"].tolist(), x=(sub["solid_to"] - sub["start_year"]).tolist(),
            y=sub["y"].tolist(), width=width, name=tr(f"model.{model}", lang), legendgroup=model,
            marker={"color": model_colour(model), "line": {"width": 0}}, customdata=custom,
            hovertemplate=("<b>%{customdata[0]} – %{customdata[1]}</b><br>%{customdata[2]}<br>"
                           + tr("fig.timeline.started", lang, year="%{customdata[3]}")
                           + " (%{customdata[4]}, %{customdata[5]})<br>%{customdata[6]}<br>%{customdata[7]}"
                           + "<extra></extra>"),
        ))
    tails = rows[rows["unconfirmed_to"].notna()]
    for model in models:
        sub = tails[tails["model"] == model]
        if sub.empty:
            continue
        xs, ys, texts, pids = [], [], [], []
        for r in sub.itertuples():
            hover = (f"<b>{esc(names[r.commune_id])} – {esc(r.partner)}</b><br>"
                     + esc(tr("life.unconfirmed_hover", lang, date=fmt_partial_date(r.last_confirmed, lang))
                           if not is_missing(r.last_confirmed) else tr("life.unconfirmed", lang)))
            xs += [r.solid_to, r.unconfirmed_to, None]
            ys += [r.y, r.y, None]
            texts += [hover, hover, None]
            pids += [r.partnership_id, r.partnership_id, None]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", legendgroup="unconfirmed", showlegend=False,
                                 line={"color": model_colour(model), "width": 5, "dash": UNCONFIRMED_DASH},
                                 text=texts, customdata=pids, hovertemplate="%{text}<extra></extra>"))
    if len(tails):  # the legend's sample: a neutral dotted line
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", legendgroup="unconfirmed",
                                 name=tr("life.unconfirmed", lang),
                                 line={"color": UNCONFIRMED_LEGEND, "width": 5, "dash": UNCONFIRMED_DASH}))


def _add_life_events(fig: go.Figure, marks: pd.DataFrame, ypos: dict, title_of: dict, sources: pd.DataFrame,
                     lang: str) -> None:
    """One marker trace per kind of dated event (partnership_events.csv), its hover naming the sources."""
    for kind, symbol in LIFE_EVENT_SYMBOLS.items():
        sub = marks[marks["kind"] == kind]
        if sub.empty:
            continue
        label = tr(f"event_kind.{kind}", lang)
        custom = []
        for r in sub.itertuples():
            cited = list_sep(lang).join(source_label(s, sources, lang) for s in r.source_ids)
            quote = f"<br>« {wrap(r.quotation, 70)} »" if r.quotation else ""
            custom.append([title_of[r.partnership_id], esc(f"{label} {when(r.date, lang)} ({cited})") + quote,
                           esc(", ".join(r.source_ids))])
        line_only = symbol.startswith("line")
        fig.add_trace(go.Scatter(
            x=sub["position"].tolist(), y=[ypos[p] for p in sub["partnership_id"]], mode="markers", name=label,
            marker={"symbol": symbol, "size": 16 if line_only else 9, "color": LIFE_EVENT_COLOUR,
                    "line": {"color": LIFE_EVENT_COLOUR if line_only else "#FFFFFF", "width": 3 if line_only else 1}},
            customdata=custom, meta=sub["partnership_id"].tolist(),
            hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]} (%{customdata[2]})<extra></extra>",
        ))


def _add_after_end(fig: go.Figure, after: pd.DataFrame, rows: pd.DataFrame, ypos: dict, title_of: dict,
                   sources: pd.DataFrame, lang: str) -> None:
    """A confirmation dated after a source's end: a conflict marker, joined to the end by a dotted line."""
    if after.empty:
        return
    xs, ys = [], []
    for r in after.itertuples():
        xs += [r.end_at, r.position, None]
        ys += [ypos[r.partnership_id]] * 2 + [None]
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", showlegend=False, hoverinfo="skip",
                             line={"color": CONFLICT_COLOUR, "width": 1.2, "dash": "dot"}))
    custom = []
    for r in after.itertuples():
        life = {"last_confirmed": r.date, "last_confirmed_kind": r.kind, "last_confirmed_source": r.source_id}
        custom.append([title_of[r.partnership_id], esc(tr(
            "life.after_end_hover", lang, what=confirmation_text(life, sources, lang), when=when(r.end_date, lang),
            source=source_label(r.end_source, sources, lang))), esc(r.source_id)])
    fig.add_trace(go.Scatter(
        x=after["position"].tolist(), y=[ypos[p] for p in after["partnership_id"]], mode="markers",
        name=tr("life.after_end", lang), customdata=custom, meta=after["partnership_id"].tolist(),
        marker={"symbol": "circle-x", "size": 11, "color": CONFLICT_COLOUR, "line": {"color": "#222222", "width": 1}},
        hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]} (%{customdata[2]})<extra></extra>",
    ))


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
        (used, "fig.timeline.used_hover", "col.start_year", "diamond", "#FFFFFF", 13),
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


def _add_events(fig: go.Figure, events: pd.DataFrame, as_of: dt.date, lang: str,
                label_width: int | None = None) -> list[str]:
    """Shade periods (their label wrapped at ``label_width`` characters if given), draw dated events as vertical
    lines; return the sources for the note."""
    notes = []
    for e in events[events["kind"] == "period"].itertuples():
        start, stop = int(e.start), int(e.end)
        if start > as_of.year:
            continue
        label = _event_label(e.event_id, lang, start=start, end=stop, fallback=e.label_printed)
        text = wrap(label, label_width) if label_width else esc(label)
        fig.add_vrect(x0=start, x1=min(stop, decimal_year(as_of)), fillcolor=PERIOD_FILL, opacity=0.6, line_width=0,
                      layer="below", annotation_text=text, annotation_position="bottom left", annotation_align="left",
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
    phase = communes.loc[communes["commune_id"] == commune_id, "study_phase"].iloc[0]
    if is_missing(phase):  # a commune the study did not survey
        return []
    phase = str(phase)
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
              conflicts: pd.DataFrame | None = None, width: int | None = None) -> go.Figure:
    """Bar chart of :func:`coopdata.analysis.timelines.count_table`.

    With ``conflicts`` and ``by="decade"``, the note says how many rows another printed start year
    would move to another decade. ``width`` (pixels) fixes the figure's width, notes wrapped to fit.
    """
    table = count_table(partnerships, by, lang)
    if by == "model":
        colours = [model_colour(k) for k in table["model"]]
    else:
        colours = [COUNT_COLOUR] * len(table)
    x = [wrap(label, 10 if by == "decade" else 18 if width is None else 14) for label in table["label"]]
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
        which = list_sep(lang).join(f"{subject} ({', '.join(str(y) for y in sorted(set(group['year'])))})"
                          for subject, group in moved.groupby("subject", sort=True))
        notes.append(tr("fig.counts.decade_note", lang, n=moved["partnership_id"].nunique(), which=which or "—"))
    note_width = 120 if width is None else int(width / 6.4)
    lines = sum(len(textwrap.wrap(n, note_width)) for n in notes)  # with a width: the notes' and x labels' lines
    bottom = 48 + 15 * max(label.count("<br>") + 1 for label in x) + 14 * lines
    base_layout(fig, tr(f"fig.counts.title.{by}", lang), notes, height=460 if width is None else 290 + bottom,
                margin={"l": 70, "r": 30, "t": 70 if width is None else 50,
                        "b": (130 if by == "model" else 110) if width is None else bottom},
                note_width=note_width, width=width)
    fig.update_layout(
        xaxis={"title": {"text": tr("fig.counts.decade", lang) if by == "decade" else
                         tr("model_of_cooperation" if by == "model" else "country", lang)}, "type": "category"},
        yaxis={"title": {"text": tr("fig.counts.axis", lang)}, "rangemode": "tozero", "dtick": 2,
               "range": [0, max(table["count"]) * 1.15 + 0.5], "gridcolor": "#EEEEEE"},
        bargap=0.35,
    )
    return fig
