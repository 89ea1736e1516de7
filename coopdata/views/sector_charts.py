"""Plotly figures of the commune × sector matrices (notebook 03): current cooperation (Tableau n°03),
interests expressed (Tableau n°6) and the gaps between them.

``unknown`` is drawn as unknown (grey, « ? »), never as ``no``; every cell also carries its text so that
colour is not needed. Colours are ``coopdata.views.style``'s; the frames come from
``coopdata.analysis.sectors``.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from coopdata.analysis.sectors import gap_cells, gap_totals, matrix
from coopdata.analysis.timelines import commune_names
from coopdata.core.errors import DataError
from coopdata.core.i18n import check_lang, tr
from coopdata.core.text import esc
from coopdata.data.sectors import SOURCES, UNKNOWN_BASIS
from coopdata.views.charts import base_layout, wrap
from coopdata.views.style import (
    GAP_COLOURS,
    GAP_ORDER,
    GAP_TEXT_COLOURS,
    VALUE_COLOURS,
    VALUE_ORDER,
    VALUE_TEXT_COLOURS,
    colon,
)


def _kind_of(cells: pd.DataFrame) -> str | None:
    for kind, text in SOURCES.items():
        if set(cells["source"].dropna()) == {text}:
            return kind
    return None


def _expand_basis(basis: str, rules: pd.DataFrame | None, lang: str) -> str:
    if basis == UNKNOWN_BASIS:
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
    return ids, [wrap(tr(f"sector.{s}", lang), 14) for s in ids]


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
    wide = matrix(cells, sectors, communes)
    if wide.isna().any().any():
        raise DataError("sectors", "the matrix has missing cells", hint="every commune × sector needs a row")
    names = commune_names(communes)
    printed = cells.groupby("commune_id")["in_printed_table"].all()
    row_labels = [esc(names[c]) + ("" if bool(printed[c]) else " *") for c in wide.index]
    code = {v: i for i, v in enumerate(VALUE_ORDER)}
    indexed = cells.set_index(["commune_id", "sector_id"])
    z, text, custom = [], [], []
    for c in wide.index:
        z_row, t_row, c_row = [], [], []
        for s in sector_ids:
            value = wide.at[c, s]
            cell = indexed.loc[(c, s)]
            z_row.append(code[value])
            t_row.append("?" if value == "unknown" else esc(tr(f"answer.{value}", lang)))
            c_row.append([esc(tr(f"answer.{value}", lang)), esc(_expand_basis(cell["basis"], rules, lang)),
                          esc(cell["source_lines"] if pd.notna(cell["source_lines"]) else "—"),
                          esc(tr(f"sector.{s}", lang)), esc(names[c])])
        z.append(z_row)
        text.append(t_row)
        custom.append(c_row)
    fig = go.Figure(go.Heatmap(
        z=z, x=sector_labels, y=row_labels, zmin=-0.5, zmax=len(VALUE_ORDER) - 0.5,
        colorscale=_discrete_scale([VALUE_COLOURS[v] for v in VALUE_ORDER]), showscale=False,
        xgap=2, ygap=2, customdata=custom,
        hovertemplate=("<b>%{customdata[4]} — %{customdata[3]}</b><br>"
                       + tr("col.value", lang) + colon(lang) + "%{customdata[0]}<br>"
                       + tr("col.basis", lang) + colon(lang) + "%{customdata[1]}<br>"
                       + tr("col.source_lines", lang) + colon(lang) + "%{customdata[2]}<extra></extra>"),
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
    source = (tr(f"fig.sectors.source.{kind}", lang, study=tr("study", lang)) if kind
              else tr("fig.source", lang, text="; ".join(sorted(set(cells["source"])))))
    notes = [source, tr("fig.sectors.unknown_note", lang)]
    if not printed.all():
        notes.append(tr("fig.sectors.not_printed_note", lang))
    n = len(wide.index)
    base_layout(fig, tr(title_key, lang), notes, height=140 + 34 * n + 150,
                 margin={"l": 110, "r": 20, "t": 95, "b": 125}, note_width=150)
    fig.update_layout(
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom", "font": {"size": 12}},
        xaxis={"side": "bottom", "showgrid": False, "zeroline": False, "tickangle": 0, "categoryorder": "array",
               "categoryarray": sector_labels},
        yaxis={"autorange": "reversed", "showgrid": False, "zeroline": False, "categoryorder": "array",
               "categoryarray": row_labels},
    )
    return fig


def gap_view(current: pd.DataFrame, interest: pd.DataFrame, sectors: pd.DataFrame, communes: pd.DataFrame,
             lang: str = "fr") -> go.Figure:
    """Interests expressed (Tableau n°6) against current cooperation (Tableau n°03), commune × sector.

    Tells « not covered » (current no) from « not known to be covered » (current unknown); cells whose
    interest is unknown are drawn pale and empty.
    """
    check_lang(lang)
    cells = gap_cells(current, interest)
    sector_ids, sector_labels = _sector_axis(sectors, lang)
    names = commune_names(communes)
    commune_ids = [c for c in communes["commune_id"] if c in set(cells["commune_id"])]
    rows = [esc(names[c]) for c in commune_ids]
    code = {s: i for i, s in enumerate(GAP_ORDER)}
    marks = {"covered": "✓", "gap": "✗", "not_known_covered": "?", "interest_unknown": ""}
    lookup = cells.set_index(["commune_id", "sector_id"])
    z, custom, texts = [], [], {s: ([], [], []) for s in GAP_ORDER}
    for i, c in enumerate(commune_ids):
        z_row, c_row = [], []
        for j, s in enumerate(sector_ids):
            cell = lookup.loc[(c, s)]
            z_row.append(code[cell["status"]])
            c_row.append([esc(names[c]), esc(tr(f"sector.{s}", lang)), esc(tr(f"fig.gap.{cell['status']}", lang)),
                          esc(tr(f"answer.{cell['value_interest']}", lang)),
                          esc(tr(f"answer.{cell['value_current']}", lang))])
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
                       + tr("fig.sectors.interest.title", lang) + colon(lang) + "%{customdata[3]}<br>"
                       + tr("fig.sectors.current.title", lang) + colon(lang) + "%{customdata[4]}<extra></extra>"),
    ))
    for status in GAP_ORDER:
        xs, ys, ts = texts[status]
        fig.add_trace(go.Scatter(x=xs, y=ys, text=ts, mode="text", showlegend=False, hoverinfo="skip",
                                 textfont={"color": GAP_TEXT_COLOURS[status], "size": 13}))
    _legend_squares(fig, [(tr(f"fig.gap.{s}", lang), GAP_COLOURS[s]) for s in GAP_ORDER])
    base_layout(fig, tr("fig.gap.title", lang), [tr("fig.gap.source", lang, study=tr("study", lang))],
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
            hovertemplate="%{x}: %{y}<extra>" + esc(tr(f"fig.gap.{status}", lang)) + "</extra>",
        ))
    base_layout(fig, tr("fig.gap.by_sector.title", lang), [tr("fig.gap.source", lang, study=tr("study", lang))],
                 height=480, margin={"l": 70, "r": 20, "t": 95, "b": 105}, note_width=150)
    fig.update_layout(
        barmode="stack", bargap=0.3,
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom", "font": {"size": 12},
                "traceorder": "normal"},
        xaxis={"tickangle": 0, "categoryorder": "array", "categoryarray": sector_labels},
        yaxis={"title": {"text": tr("communes", lang)}, "rangemode": "tozero", "gridcolor": "#EEEEEE",
               "range": [0, max(1, int(table["interest_yes"].max())) * 1.1]},
    )
    return fig
