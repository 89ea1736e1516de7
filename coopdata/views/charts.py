"""Plotly figures for the timelines (notebook 02) and the commune × sector matrices (notebook 03).

Every builder takes ``lang`` ("fr" or "en") for titles, axis labels, legends and hover text, and
writes under the figure where its numbers come from (the study's table or section). Data values
(commune and partner names, printed text) are shown as the study prints them.

Nothing here chooses silently between values the study prints differently: the timeline draws the
start year of Tableau n°01 as the bar and every other printed year (data/conflicts.csv) as its own
marker; the sector matrices draw ``unknown`` as unknown (grey, « ? »), never as ``no``.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import textwrap

import pandas as pd
import plotly.graph_objects as go

from coopdata.core.errors import DataError
from coopdata.core.i18n import check_lang, tr
from coopdata.data import sectors as sector_tools

FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"
MODELS = ("jumelage", "hors_jumelage", "regionale", "syndicat", "osc",
          "pourparlers", "sud_sud", "triangulaire", "diaspora", "associative", "religieuse")
#: Okabe-Ito colours (readable with the common colour-vision deficiencies).
MODEL_COLOURS = {
    "jumelage": "#0072B2", "hors_jumelage": "#E69F00", "regionale": "#009E73", "syndicat": "#CC79A7",
    "osc": "#D55E00", "pourparlers": "#56B4E9", "sud_sud": "#F0E442", "triangulaire": "#999999",
    "diaspora": "#000000", "associative": "#8C564B", "religieuse": "#7F7F7F",
}
#: Cell values of the sector matrices: three distinct colours, text so that colour is not needed.
VALUE_ORDER = ("yes", "no", "unknown")
VALUE_COLOURS = {"yes": "#1F5FA6", "no": "#E07B00", "unknown": "#D4D4D4"}
VALUE_TEXT_COLOURS = {"yes": "#FFFFFF", "no": "#000000", "unknown": "#333333"}
#: Statuses of the gap view (interest × current cooperation).
GAP_ORDER = ("covered", "gap", "not_known_covered", "interest_unknown")
GAP_COLOURS = {"covered": "#1F5FA6", "gap": "#E07B00", "not_known_covered": "#F6D58E", "interest_unknown": "#EFEFEF"}
GAP_TEXT_COLOURS = {"covered": "#FFFFFF", "gap": "#000000", "not_known_covered": "#333333",
                    "interest_unknown": "#9A9A9A"}
COMPETING_COLOUR = "#B2182B"
COUNT_BY = ("model", "partner_country", "decade")
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
_ACRONYM_ONLY = re.compile(r"^[^()]*\(([A-Z]{2,})\)$")
_MONTHS = {
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}



# --------------------------------------------------------------------------------------------- helpers


def translate_columns(df: pd.DataFrame, lang: str = "fr") -> pd.DataFrame:
    """A copy of ``df`` with column headers in ``lang`` (``fig.col.<name>``; unknown names kept)."""
    check_lang(lang)
    names = {}
    for col in df.columns:
        try:
            names[col] = tr(f"fig.col.{col}", lang)
        except KeyError:
            names[col] = col
    return df.rename(columns=names)


def format_date(day: dt.date, lang: str = "fr") -> str:
    """« 30 juin 2019 » / « 30 June 2019 »."""
    return f"{day.day} {_MONTHS[check_lang(lang)][day.month - 1]} {day.year}"


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


def _esc(value) -> str:
    return html.escape("" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value))


def _wrap(text: str, width: int) -> str:
    """Plain text wrapped at ``width`` characters, each line HTML-escaped, lines joined with <br>."""
    return "<br>".join(_esc(line) for line in textwrap.wrap(str(text), width=width)) or _esc(text)


def _base_layout(fig: go.Figure, title: str, notes: list[str], *, height: int, margin: dict,
                 note_width: int = 160) -> go.Figure:
    """Title at the top left, notes (source, caption) at the bottom left, in the figure's margin."""
    fig.update_layout(
        title={"text": f"<b>{_esc(title)}</b>", "x": 0.01, "xanchor": "left", "y": 0.985, "yanchor": "top",
               "font": {"size": 17}},
        font={"family": FONT, "size": 12, "color": "#222222"},
        height=height,
        margin=margin,
        plot_bgcolor="#FFFFFF",
        paper_bgcolor="#FFFFFF",
        hoverlabel={"font": {"family": FONT}},
    )
    text = "<br>".join(_wrap(n, note_width) for n in notes)
    fig.add_annotation(
        text=text, xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="bottom",
        yshift=-(margin["b"] - 6), showarrow=False, align="left", font={"size": 10.5, "color": "#444444"},
    )
    return fig


def _colon(lang: str) -> str:
    return " : " if lang == "fr" else ": "


def _study(lang: str) -> str:
    return tr("study", lang)


def _commune_names(communes: pd.DataFrame | None) -> dict[str, str]:
    if communes is None:
        from coopdata.data.loaders import load_table

        communes = load_table("communes")
    return dict(zip(communes["commune_id"], communes["commune"], strict=True))


def _partnership_rows(partnerships: pd.DataFrame) -> pd.DataFrame:
    return partnerships[partnerships["record_type"] == "partnership"].reset_index(drop=True)


# ------------------------------------------------------------------------------------- timeline data


def years_in(text: str) -> list[int]:
    """The four-digit years (1800–2099) written in a printed value."""
    return [int(y) for y in _YEAR.findall(str(text))]


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
    df = pd.DataFrame(out.values())
    df["printed_at"] = df["printed_at"].map("; ".join)
    df["source_lines"] = df["source_lines"].map("; ".join)
    return df.sort_values(["partnership_id", "year"], kind="mergesort").reset_index(drop=True)


def conflict_summary(conflicts: pd.DataFrame, partnerships: pd.DataFrame,
                     communes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per start-year conflict: the year used (Tableau n°01) and every year printed, as text « 1991 ; 1993 »."""
    claims = start_year_claims(conflicts, partnerships)
    names = _commune_names(communes)
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


# ------------------------------------------------------------------------------------------ timeline


def timeline(partnerships: pd.DataFrame, conflicts: pd.DataFrame, events: pd.DataFrame, as_of=None,
             lang: str = "fr", communes: pd.DataFrame | None = None) -> go.Figure:
    """Partnerships (Tableau n°01) from their start year to ``as_of``, one row per commune.

    The bar starts at the year of Tableau n°01; each other year printed for it (data/conflicts.csv,
    kind start_year) is a red marker on the same row, joined to the bar by a dotted line, whose hover
    says where it is printed. Context: the special delegations period and the 2019 local elections
    (events.csv). Leads and mentions, which have no year, are not plotted (the caption says so).
    ``communes`` gives names and row order (default: data/communes.csv).
    """
    check_lang(lang)
    as_of = as_of or dt.date.today()
    if isinstance(as_of, str):
        as_of = dt.date.fromisoformat(as_of)
    end = decimal_year(as_of)
    names = _commune_names(communes)
    order = list(names)
    rows = _partnership_rows(partnerships)
    rows = rows[rows["start_year"].notna() & (rows["start_year"] <= as_of.year)].copy()
    if rows.empty:
        raise ValueError(f"no partnership starts on or before {as_of}")
    rows["start_year"] = rows["start_year"].astype(int)
    rows["rank"] = rows["commune_id"].map({c: i for i, c in enumerate(order)})
    rows = rows.sort_values(["rank", "start_year", "partnership_id"], kind="mergesort")
    shown = [c for c in order if c in set(rows["commune_id"])]
    n = len(shown)
    base = {c: n - 1 - i for i, c in enumerate(shown)}
    ypos = {}
    for commune_id, group in rows.groupby("commune_id", sort=False):
        k = len(group)
        for j, pid in enumerate(group["partnership_id"]):
            ypos[pid] = base[commune_id] + ((k - 1) / 2 - j) * 0.34
    rows["y"] = rows["partnership_id"].map(ypos)

    fig = go.Figure()
    for model in [m for m in MODELS if m in set(rows["model"])]:
        sub = rows[rows["model"] == model]
        custom = [[_esc(names[r.commune_id]), _esc(r.partner), _esc(tr(f"model.{model}", lang)), r.start_year,
                   _esc(r.source), r.partnership_id] for r in sub.itertuples()]
        fig.add_trace(go.Bar(
            orientation="h", base=sub["start_year"].tolist(), x=[end - s for s in sub["start_year"]],
            y=sub["y"].tolist(), width=0.26, name=tr(f"model.{model}", lang), legendgroup=model,
            marker={"color": MODEL_COLOURS[model], "line": {"width": 0}}, customdata=custom,
            hovertemplate=("<b>%{customdata[0]} – %{customdata[1]}</b><br>%{customdata[2]}<br>"
                           + tr("fig.timeline.since", lang, year="%{customdata[3]}")
                           + " (%{customdata[4]}, %{customdata[5]})<extra></extra>"),
        ))
    for r in rows.itertuples():  # short partner names in the right margin, level with their bar
        fig.add_annotation(x=1, xref="paper", xanchor="left", xshift=6, y=r.y, yref="y", showarrow=False,
                           text=_wrap(short_partner(r.partner), 27), font={"size": 11, "color": "#333333"},
                           align="left")

    claims = start_year_claims(conflicts, partnerships)
    claims = claims[claims["partnership_id"].isin(ypos)]
    _add_claims(fig, claims, ypos, names, lang)
    event_notes = _add_events(fig, events, as_of, lang)

    competing_places = _places(claims.loc[~claims["used"], "printed_at"], lang)
    others = partnerships[partnerships["record_type"] != "partnership"]
    where = "; ".join(sorted(dict.fromkeys(s.split(" ")[0] for s in others["source"])))
    notes = [
        tr("fig.timeline.source", lang, study=_study(lang), competing=competing_places or "—",
           events=event_notes or "—"),
        tr("fig.timeline.caption", lang, n=len(others), where=where),
    ]
    height = 150 + 52 * n + 120
    _base_layout(fig, tr("fig.timeline.title", lang, start=int(rows["start_year"].min()),
                                  as_of=format_date(as_of, lang)),
                 notes, height=height, margin={"l": 110, "r": 215, "t": 115, "b": 150}, note_width=175)
    fig.update_layout(
        barmode="overlay", bargap=0,
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom", "yref": "paper",
                "font": {"size": 11.5}, "traceorder": "normal"},
        xaxis={"title": {"text": tr("fig.year", lang)}, "range": [min(1955, rows["start_year"].min() - 3), end + 0.3],
               "dtick": 5, "showgrid": True, "gridcolor": "#EEEEEE", "zeroline": False, "ticks": "outside"},
        yaxis={"tickvals": [base[c] for c in shown], "ticktext": [_esc(names[c]) for c in shown],
               "range": [-0.6, n - 0.4], "showgrid": False, "zeroline": False},
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
    return "; ".join(dict.fromkeys(places))


def _add_claims(fig: go.Figure, claims: pd.DataFrame, ypos: dict, names: dict, lang: str) -> None:
    used = claims[claims["used"]]
    competing = claims[~claims["used"]]
    # dotted line from each other printed year to the start of the bar
    xs, ys = [], []
    for r in competing.itertuples():
        xs += [r.year, r.start_year, None]
        ys += [ypos[r.partnership_id]] * 2 + [None]
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={"color": COMPETING_COLOUR, "width": 1.2, "dash": "dot"},
                             showlegend=False, hoverinfo="skip"))
    for subset, key, symbol, colour, size in (
        (used, "fig.timeline.used_hover", "diamond", "#FFFFFF", 10),
        (competing, "fig.timeline.printed_at", "x", COMPETING_COLOUR, 12),
    ):
        custom = [[_esc(f"{names[r.commune_id]} – {r.partner}"),
                   _esc(tr(key, lang, year=r.year, where=r.printed_at)),
                   _esc(r.conflict_id)] for r in subset.itertuples()]
        fig.add_trace(go.Scatter(
            x=subset["year"].tolist(), y=[ypos[p] for p in subset["partnership_id"]], mode="markers",
            marker={"symbol": symbol, "size": size, "color": colour, "line": {"color": "#222222", "width": 1.2}},
            name=tr("fig.timeline.used" if subset is used else "fig.timeline.competing", lang),
            customdata=custom, meta=subset["partnership_id"].tolist(),
            hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]} (%{customdata[2]})<extra></extra>",
        ))


def _add_events(fig: go.Figure, events: pd.DataFrame, as_of: dt.date, lang: str) -> str:
    """Shade periods, draw dated events as vertical lines; return the sources for the note."""
    notes = []
    for e in events[events["kind"] == "period"].itertuples():
        start, stop = int(e.start), int(e.end)
        if start > as_of.year:
            continue
        label = _event_label(e.event_id, lang, start=start, end=stop, fallback=e.label_printed)
        fig.add_vrect(x0=start, x1=min(stop, decimal_year(as_of)), fillcolor="#9E9E9E", opacity=0.16, line_width=0,
                      layer="below", annotation_text=_esc(label), annotation_position="bottom left",
                      annotation_font={"size": 11, "color": "#555555"})
        notes.append(f"{label}{_colon(lang)}{e.source}")
    dated = events[events["kind"] == "date"].copy()
    dated["group"] = dated["event_id"].str.replace(r"_\d+$", "", regex=True)
    for group, sub in dated.groupby("group", sort=True):
        days = [dt.date.fromisoformat(str(s)) for s in sub["start"]]
        days = [d for d in days if d <= as_of]
        if not days:
            continue
        for d in days:
            fig.add_vline(x=decimal_year(d), line={"color": "#555555", "width": 1.3, "dash": "dash"})
        label = _event_label(group, lang, dates=", ".join(format_date(d, lang) for d in days),
                             fallback=sub["label_printed"].iloc[0])
        fig.add_annotation(x=decimal_year(days[-1]), y=1, yref="paper", xanchor="right", yanchor="top",
                           text=_esc(label), showarrow=False, font={"size": 11, "color": "#333333"},
                           bgcolor="rgba(255,255,255,0.85)", xshift=-4)
        notes.append(f"{label}{_colon(lang)}{sub['source'].iloc[0]}")
    return "; ".join(notes)


def _event_label(key: str, lang: str, fallback: str, **fmt) -> str:
    try:
        return tr(f"fig.event.{key}", lang, **fmt)
    except KeyError:
        return str(fallback)


# ------------------------------------------------------------------------------------------- counts


def count_table(partnerships: pd.DataFrame, by: str, lang: str = "fr") -> pd.DataFrame:
    """Rows of Tableau n°01 (record_type partnership) counted by model, partner_country or decade.

    Columns: ``by``, ``label`` (in ``lang``), ``count``. Models and countries are sorted by count
    (descending) then code; decades in time order, with the empty decades in between (count 0).
    """
    check_lang(lang)
    if by not in COUNT_BY:
        raise ValueError(f"by must be one of {COUNT_BY}, not {by!r}")
    rows = _partnership_rows(partnerships)
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
    out.insert(1, "label", [_label_or_code(f"{prefix}.{k}", k, lang) for k in out[by]])
    return out


def _label_or_code(key: str, code: str, lang: str) -> str:
    try:
        return tr(key, lang)
    except KeyError:
        return code


def agreements_count(partnerships: pd.DataFrame) -> int:
    """Distinct agreements of Tableau n°01: rows sharing a group_id (one per beneficiary commune) count once."""
    rows = _partnership_rows(partnerships)
    grouped = rows["group_id"].dropna().nunique()
    return int(rows["group_id"].isna().sum() + grouped)


def decade_changes(conflicts: pd.DataFrame, partnerships: pd.DataFrame) -> pd.DataFrame:
    """Claims (:func:`start_year_claims`) whose printed year lies in another decade than Tableau n°01's."""
    claims = start_year_claims(conflicts, partnerships)
    return claims[claims["year"] // 10 != claims["start_year"] // 10].reset_index(drop=True)


def counts_by(partnerships: pd.DataFrame, by: str, lang: str = "fr",
              conflicts: pd.DataFrame | None = None) -> go.Figure:
    """Bar chart of :func:`count_table`.

    With ``conflicts`` and ``by="decade"``, the note says how many rows another printed start year
    would move to another decade.
    """
    table = count_table(partnerships, by, lang)
    if by == "model":
        colours = [MODEL_COLOURS.get(k, "#777777") for k in table["model"]]
    else:
        colours = ["#0072B2"] * len(table)
    x = [_wrap(label, 18) for label in table["label"]]
    fig = go.Figure(go.Bar(
        x=x, y=table["count"].tolist(), marker={"color": colours}, text=table["count"].tolist(),
        textposition="outside", cliponaxis=False, showlegend=False,
        hovertemplate="%{x}: %{y}<extra></extra>",
    ))
    rows = _partnership_rows(partnerships)
    notes = [tr("fig.counts.source", lang, study=_study(lang), rows=len(rows), agreements=agreements_count(rows))]
    if by == "decade" and conflicts is not None:
        moved = decade_changes(conflicts, partnerships)
        which = "; ".join(f"{subject} ({', '.join(str(y) for y in sorted(set(group['year'])))})"
                          for subject, group in moved.groupby("subject", sort=True))
        notes.append(tr("fig.counts.decade_note", lang, n=moved["partnership_id"].nunique(), which=which or "—"))
    _base_layout(fig, tr(f"fig.counts.title.{by}", lang), notes, height=460,
                 margin={"l": 70, "r": 30, "t": 70, "b": 130 if by == "model" else 110}, note_width=120)
    fig.update_layout(
        xaxis={"title": {"text": tr("fig.counts.decade", lang) if by == "decade" else
                         tr("model" if by == "model" else "country", lang)}, "type": "category"},
        yaxis={"title": {"text": tr("fig.counts.axis", lang)}, "rangemode": "tozero", "dtick": 2,
               "range": [0, max(table["count"]) * 1.15 + 0.5], "gridcolor": "#EEEEEE"},
        bargap=0.35,
    )
    return fig


# -------------------------------------------------------------------------------------- sector views


def _kind_of(cells: pd.DataFrame) -> str | None:
    for kind, text in sector_tools.SOURCES.items():
        if set(cells["source"].dropna()) == {text}:
            return kind
    return None


def _expand_basis(basis: str, rules: pd.DataFrame | None, lang: str) -> str:
    if basis == sector_tools.UNKNOWN_BASIS:
        return tr("fig.sectors.unknown_basis", lang)
    if rules is None:
        return basis
    terms = dict(zip(rules["rule_id"], rules["term"], strict=True))
    parts = []
    for item in str(basis).split("; "):
        rule_id, _, record = item.partition(":")
        term = terms.get(rule_id)
        text = f"{rule_id} « {term} »" if term else rule_id
        parts.append(f"{text} → {record}" if record else text)
    return "; ".join(parts)


def _sector_axis(sectors: pd.DataFrame, lang: str) -> tuple[list[str], list[str]]:
    ids = list(sectors.sort_values("position")["sector_id"])
    return ids, [_wrap(tr(f"sector.{s}", lang), 14) for s in ids]


def _legend_squares(fig: go.Figure, items: list[tuple[str, str]]) -> None:
    for name, colour in items:
        fig.add_trace(go.Scatter(
            x=[None], y=[None], mode="markers", name=name, showlegend=True, hoverinfo="skip",
            marker={"symbol": "square", "size": 15, "color": colour, "line": {"color": "#777777", "width": 1}},
        ))


def _discrete_scale(colours: list[str]) -> list[list]:
    scale = []
    k = len(colours)
    for i, c in enumerate(colours):
        scale += [[i / k, c], [(i + 1) / k, c]]
    return scale


def sector_heatmap(cells: pd.DataFrame, sectors: pd.DataFrame, communes: pd.DataFrame, lang: str = "fr",
                   title_key: str = "fig.sectors.current.title", rules: pd.DataFrame | None = None) -> go.Figure:
    """Commune × sector matrix: yes / no / unknown in three colours with text (« ? » for unknown).

    ``cells`` is the long table (data/sectors_current.csv or sectors_interest.csv). Rows not printed in
    the study's table are marked « * ». Hover shows the value, the basis (rules and records; with
    ``rules`` the printed term of each rule) and the text lines.
    """
    check_lang(lang)
    bad = set(cells["value"]) - set(VALUE_ORDER)
    if bad:
        raise DataError("sectors", "cell value must be yes, no or unknown", column="value", value=str(sorted(bad)))
    sector_ids, sector_labels = _sector_axis(sectors, lang)
    wide = sector_tools.matrix(cells, sectors, communes)
    if wide.isna().any().any():
        raise DataError("sectors", "the matrix has missing cells", hint="every commune × sector needs a row")
    names = _commune_names(communes)
    printed = cells.groupby("commune_id")["in_printed_table"].all()
    row_labels = [_esc(names[c]) + ("" if bool(printed[c]) else " *") for c in wide.index]
    code = {v: i for i, v in enumerate(VALUE_ORDER)}
    indexed = cells.set_index(["commune_id", "sector_id"])
    z, text, custom = [], [], []
    for c in wide.index:
        z_row, t_row, c_row = [], [], []
        for s in sector_ids:
            value = wide.at[c, s]
            cell = indexed.loc[(c, s)]
            z_row.append(code[value])
            t_row.append("?" if value == "unknown" else _esc(tr(f"answer.{value}", lang)))
            c_row.append([_esc(tr(f"answer.{value}", lang)), _esc(_expand_basis(cell["basis"], rules, lang)),
                          _esc(cell["source_lines"] if pd.notna(cell["source_lines"]) else "—"),
                          _esc(tr(f"sector.{s}", lang)), _esc(names[c])])
        z.append(z_row)
        text.append(t_row)
        custom.append(c_row)
    fig = go.Figure(go.Heatmap(
        z=z, x=sector_labels, y=row_labels, zmin=-0.5, zmax=len(VALUE_ORDER) - 0.5,
        colorscale=_discrete_scale([VALUE_COLOURS[v] for v in VALUE_ORDER]), showscale=False,
        xgap=2, ygap=2, customdata=custom,
        hovertemplate=("<b>%{customdata[4]} — %{customdata[3]}</b><br>"
                       + tr("fig.sectors.hover_value", lang) + _colon(lang) + "%{customdata[0]}<br>"
                       + tr("fig.sectors.hover_basis", lang) + _colon(lang) + "%{customdata[1]}<br>"
                       + tr("fig.sectors.hover_lines", lang) + _colon(lang) + "%{customdata[2]}<extra></extra>"),
    ))
    # the cell text as one text trace per value: white on the dark « yes » cells, dark elsewhere
    for value in VALUE_ORDER:
        xs, ys, ts = [], [], []
        for i, c in enumerate(wide.index):
            for j, s in enumerate(sector_ids):
                if wide.at[c, s] == value:
                    xs.append(sector_labels[j])
                    ys.append(row_labels[i])
                    ts.append(text[i][j])
        fig.add_trace(go.Scatter(x=xs, y=ys, text=ts, mode="text", showlegend=False, hoverinfo="skip",
                                 textfont={"color": VALUE_TEXT_COLOURS[value], "size": 12}))
    _legend_squares(fig, [(tr(f"answer.{v}", lang) + (" (« ? »)" if v == "unknown" else ""), VALUE_COLOURS[v])
                          for v in VALUE_ORDER])
    kind = _kind_of(cells)
    source = (tr(f"fig.sectors.source.{kind}", lang, study=_study(lang)) if kind
              else tr("fig.source", lang, text="; ".join(sorted(set(cells["source"])))))
    notes = [source, tr("fig.sectors.unknown_note", lang)]
    if not printed.all():
        notes.append(tr("fig.sectors.not_printed_note", lang))
    n = len(wide.index)
    _base_layout(fig, tr(title_key, lang), notes, height=140 + 34 * n + 150,
                 margin={"l": 110, "r": 20, "t": 95, "b": 125}, note_width=150)
    fig.update_layout(
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom", "font": {"size": 12}},
        xaxis={"side": "bottom", "showgrid": False, "zeroline": False, "tickangle": 0, "categoryorder": "array",
               "categoryarray": sector_labels},
        yaxis={"autorange": "reversed", "showgrid": False, "zeroline": False, "categoryorder": "array",
               "categoryarray": row_labels},
    )
    return fig


def gap_cells(current: pd.DataFrame, interest: pd.DataFrame) -> pd.DataFrame:
    """Every commune × sector with its gap status.

    ``covered`` (interest yes, current yes), ``gap`` (interest yes, current no: « not covered »),
    ``not_known_covered`` (interest yes, current unknown) from :func:`coopdata.data.sectors.gaps`;
    ``interest_unknown`` where the interest itself is not known (or not yes).
    """
    status = sector_tools.gaps(current, interest).set_index(["commune_id", "sector_id"])["status"]
    cells = interest[["commune_id", "sector_id", "value"]].rename(columns={"value": "value_interest"})
    cells = cells.merge(current[["commune_id", "sector_id", "value"]].rename(columns={"value": "value_current"}),
                        on=["commune_id", "sector_id"], how="left", validate="one_to_one")
    keys = list(zip(cells["commune_id"], cells["sector_id"], strict=True))
    cells["status"] = [status.get(k, "interest_unknown") for k in keys]
    return cells


def gap_totals(current: pd.DataFrame, interest: pd.DataFrame, by: str) -> pd.DataFrame:
    """Counts of interests (yes) by ``commune_id`` or ``sector_id``: covered, gap (not covered),
    not_known_covered and their total interest_yes, in the order of the interest table."""
    if by not in ("commune_id", "sector_id"):
        raise ValueError(f"by must be 'commune_id' or 'sector_id', not {by!r}")
    cells = gap_cells(current, interest)
    order = list(dict.fromkeys(cells[by]))
    yes = cells[cells["status"] != "interest_unknown"]
    table = yes.groupby([by, "status"]).size().unstack(fill_value=0).reindex(order, fill_value=0)
    for col in GAP_ORDER[:3]:
        if col not in table:
            table[col] = 0
    table = table[list(GAP_ORDER[:3])].astype(int)
    table["interest_yes"] = table.sum(axis=1)
    table.columns.name = None
    return table.reset_index()


def gap_view(current: pd.DataFrame, interest: pd.DataFrame, sectors: pd.DataFrame, communes: pd.DataFrame,
             lang: str = "fr") -> go.Figure:
    """Interests expressed (Tableau n°6) against current cooperation (Tableau n°03), commune × sector.

    Tells « not covered » (current no) from « not known to be covered » (current unknown); cells whose
    interest is unknown are drawn pale and empty.
    """
    check_lang(lang)
    cells = gap_cells(current, interest)
    sector_ids, sector_labels = _sector_axis(sectors, lang)
    names = _commune_names(communes)
    commune_ids = [c for c in communes["commune_id"] if c in set(cells["commune_id"])]
    rows = [_esc(names[c]) for c in commune_ids]
    code = {s: i for i, s in enumerate(GAP_ORDER)}
    marks = {"covered": "✓", "gap": "✗", "not_known_covered": "?", "interest_unknown": ""}
    lookup = cells.set_index(["commune_id", "sector_id"])
    z, custom, texts = [], [], {s: ([], [], []) for s in GAP_ORDER}
    for i, c in enumerate(commune_ids):
        z_row, c_row = [], []
        for j, s in enumerate(sector_ids):
            cell = lookup.loc[(c, s)]
            z_row.append(code[cell["status"]])
            c_row.append([_esc(names[c]), _esc(tr(f"sector.{s}", lang)), _esc(tr(f"fig.gap.{cell['status']}", lang)),
                          _esc(tr(f"answer.{cell['value_interest']}", lang)),
                          _esc(tr(f"answer.{cell['value_current']}", lang))])
            xs, ys, ts = texts[cell["status"]]
            xs.append(sector_labels[j])
            ys.append(rows[i])
            ts.append(marks[cell["status"]])
        z.append(z_row)
        custom.append(c_row)
    fig = go.Figure(go.Heatmap(
        z=z, x=sector_labels, y=rows, zmin=-0.5, zmax=len(GAP_ORDER) - 0.5,
        colorscale=_discrete_scale([GAP_COLOURS[s] for s in GAP_ORDER]), showscale=False, xgap=2, ygap=2,
        customdata=custom,
        hovertemplate=("<b>%{customdata[0]} — %{customdata[1]}</b><br>%{customdata[2]}<br>"
                       + tr("fig.sectors.interest.title", lang) + _colon(lang) + "%{customdata[3]}<br>"
                       + tr("fig.sectors.current.title", lang) + _colon(lang) + "%{customdata[4]}<extra></extra>"),
    ))
    for status in GAP_ORDER:
        xs, ys, ts = texts[status]
        fig.add_trace(go.Scatter(x=xs, y=ys, text=ts, mode="text", showlegend=False, hoverinfo="skip",
                                 textfont={"color": GAP_TEXT_COLOURS[status], "size": 13}))
    _legend_squares(fig, [(tr(f"fig.gap.{s}", lang), GAP_COLOURS[s]) for s in GAP_ORDER])
    _base_layout(fig, tr("fig.gap.title", lang), [tr("fig.gap.source", lang, study=_study(lang))],
                 height=140 + 34 * len(rows) + 150, margin={"l": 110, "r": 20, "t": 95, "b": 100}, note_width=150)
    fig.update_layout(
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom", "font": {"size": 12}},
        xaxis={"showgrid": False, "zeroline": False, "tickangle": 0, "categoryorder": "array",
               "categoryarray": sector_labels},
        yaxis={"autorange": "reversed", "showgrid": False, "zeroline": False, "categoryorder": "array",
               "categoryarray": rows},
    )
    return fig


def gap_by_sector(current: pd.DataFrame, interest: pd.DataFrame, sectors: pd.DataFrame,
                  lang: str = "fr") -> go.Figure:
    """Stacked bars: per sector, the interests expressed split into covered / not covered / not known."""
    check_lang(lang)
    table = gap_totals(current, interest, "sector_id").set_index("sector_id")
    sector_ids, sector_labels = _sector_axis(sectors, lang)
    table = table.reindex(sector_ids, fill_value=0)
    fig = go.Figure()
    for status in GAP_ORDER[:3]:
        fig.add_trace(go.Bar(
            x=sector_labels, y=table[status].tolist(), name=tr(f"fig.gap.{status}", lang),
            marker={"color": GAP_COLOURS[status], "line": {"color": "#777777", "width": 0.8}},
            text=[v if v else "" for v in table[status]], textposition="inside",
            textfont={"color": GAP_TEXT_COLOURS[status]},
            hovertemplate="%{x}: %{y}<extra>" + _esc(tr(f"fig.gap.{status}", lang)) + "</extra>",
        ))
    _base_layout(fig, tr("fig.gap.by_sector.title", lang), [tr("fig.gap.source", lang, study=_study(lang))],
                 height=480, margin={"l": 70, "r": 20, "t": 95, "b": 105}, note_width=150)
    fig.update_layout(
        barmode="stack", bargap=0.3,
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom", "font": {"size": 12},
                "traceorder": "normal"},
        xaxis={"tickangle": 0, "categoryorder": "array", "categoryarray": sector_labels},
        yaxis={"title": {"text": tr("fig.gap.cells", lang)}, "rangemode": "tozero", "gridcolor": "#EEEEEE",
               "range": [0, max(1, int(table["interest_yes"].max())) * 1.1]},
    )
    return fig


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
        names = _commune_names(communes)
        labels = [names[c] for c in df[by]]
        order = list(communes["commune_id"]) if communes is not None else None
    else:
        raise ValueError(f"by must be 'commune_id' or 'sector_id', not {by!r}")
    df.insert(df.columns.get_loc(by) + 1, "label", labels)
    if order is not None:
        df = df.set_index(by).reindex([k for k in order if k in set(df[by])]).reset_index()
    df.columns.name = None
    return df
