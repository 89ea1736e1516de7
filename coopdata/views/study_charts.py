"""Charts of the study's own figures: cooperations per model (notebook 05) and the finance shares (notebook 04).

Figures in, frames from ``coopdata.analysis.overview`` and ``coopdata.analysis.finance``; labels from ``tr``,
numbers and fonts from ``coopdata.views.style``, data text HTML-escaped in hover labels.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from coopdata.analysis.finance import DEFINITIONS, averages
from coopdata.analysis.overview import RECORD_TYPES
from coopdata.core.i18n import check_lang, tr
from coopdata.core.text import esc
from coopdata.views.style import FONT, colon, fmt_num, fmt_pct

#: The line at the stated share: neutral, whatever the bars' colours.
STATED_LINE = {"dash": "dash", "color": "black"}


def _source_note(fig: go.Figure, text: str) -> None:
    fig.add_annotation(text=text, xref="paper", yref="paper", x=0, y=-0.2, showarrow=False, xanchor="left",
                       yanchor="top", font={"size": 11})


def models_figure(models: pd.DataFrame, lang: str = "fr") -> go.Figure:
    """Horizontal bars: cooperations per model, coloured by record type (Tableau n°01 rows, leads, mentions).

    ``models`` is ``coopdata.analysis.overview.models_table``.
    """
    check_lang(lang)
    fig = go.Figure()
    for record_type in RECORD_TYPES:
        part = models[models["record_type"] == record_type]
        if part.empty:
            continue
        fig.add_bar(
            name=tr(f"overview.record_type.{record_type}", lang), orientation="h",
            y=[tr(f"model.{m}", lang) for m in part["model"]], x=part["cooperations"].tolist(),
            customdata=[[n, esc(t)] for n, t in zip(part["communes"], part["communes_list"], strict=True)],
            text=part["cooperations"].tolist(), textposition="outside", cliponaxis=False,
            hovertemplate=("%{y}<br>" + tr("overview.cooperations", lang) + colon(lang) + "%{x}<br>"
                           + tr("communes", lang) + colon(lang)
                           + "%{customdata[0]}<br>%{customdata[1]}<extra></extra>"),
        )
    fig.update_layout(
        title=tr("overview.models.title", lang), template="plotly_white", barmode="overlay",
        font={"family": FONT}, xaxis_title=tr("overview.cooperations", lang), yaxis_title=None,
        yaxis_autorange="reversed", xaxis_dtick=1, legend_title=tr("overview.record_type", lang),
        width=1000, height=560, margin={"b": 110, "l": 20},
    )
    _source_note(fig, tr("overview.models.source", lang))
    return fig


def _short_number(value: float, lang: str) -> str:
    """``value`` with as few decimals as it needs (22.0 → « 22 », 22.5 → « 22,5 »), at most two."""
    for decimals in (0, 1):
        if abs(round(value, decimals) - value) < 1e-9:
            return fmt_num(value, lang, decimals)
    return fmt_num(value, lang, 2)


def shares_figure(ratios: pd.DataFrame, stated: float, names: dict | None = None, lang: str = "fr") -> go.Figure:
    """Grouped bars: each definition for each commune, the mean and the pooled value; a line at ``stated``.

    ``ratios`` is ``coopdata.analysis.finance.ratios``; ``stated`` the share printed, in %.
    """
    check_lang(lang)
    names = names or {}
    labels = [tr(f"finance.def.{d}", lang).replace(" (", "<br>(").replace(", ", ",<br>") for d in DEFINITIONS]
    hover = "%{fullData.name}<br>%{x}<br>%{customdata}<extra></extra>"
    fig = go.Figure()
    for c in ratios["commune_id"]:
        row = ratios.loc[ratios["commune_id"] == c].iloc[0]
        values = [float(row[d]) * 100 for d in DEFINITIONS]
        fig.add_bar(name=esc(names.get(c, c)), x=labels, y=values,
                    text=[fmt_num(v, lang) for v in values], customdata=[fmt_pct(v, lang) for v in values],
                    hovertemplate=hover)
    avg = averages(ratios).set_index(["definition", "method"])["value"]
    for method, pattern in (("mean", "/"), ("pooled", "x")):
        values = [float(avg[(d, method)]) * 100 for d in DEFINITIONS]
        fig.add_bar(name=tr(f"finance.method.{method}", lang), x=labels, y=values,
                    text=[fmt_num(v, lang) for v in values], customdata=[fmt_pct(v, lang) for v in values],
                    marker_pattern_shape=pattern, hovertemplate=hover)
    fig.add_hline(y=stated, line_dash=STATED_LINE["dash"], line_color=STATED_LINE["color"])
    # the dashed line's label goes in the legend (an annotation would cover the bars)
    fig.add_scatter(x=[None], y=[None], mode="lines", line=STATED_LINE,
                    name=tr("finance.stated", lang, value=_short_number(stated, lang)), hoverinfo="skip")
    fig.update_traces(textposition="outside", cliponaxis=False, selector={"type": "bar"})
    fig.update_layout(
        title=tr("finance.chart.title", lang), barmode="group", template="plotly_white", font={"family": FONT},
        yaxis_title=tr("finance.share_pct", lang), xaxis_title=None, xaxis_tickangle=0,
        width=1100, height=600, margin={"b": 110, "t": 80},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left", "x": 0},
    )
    _source_note(fig, tr("finance.chart.source", lang))
    return fig
