"""Plotly figures of the commune × sector matrices (notebook 03): current cooperation (Tableau n°03),
interests expressed (Tableau n°6) and the gaps between them.

``unknown`` is drawn as unknown (grey, « ? »), never as ``no``; every cell also carries its text so that
colour is not needed. Colours are ``coopdata.views.style``'s; the frames come from
``coopdata.analysis.sectors``.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from coopdata.analysis.sectors import gap_cells, gap_totals, matrix, totals
from coopdata.analysis.timelines import commune_names
from coopdata.core.errors import DataError
from coopdata.core.i18n import check_lang, label_or_code, tr
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
    fmt_int,
    list_sep,
)
from coopdata.views.tables import with_headers


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


#: Width of the matrices and bars in CSS pixels: a phone shows the static SVG at about 560 px (with a
#: horizontal scroll), so its 12–13 px text stays 12–13 px there; a wider page scales it up.
WIDTH = 560
ROW_HEIGHT = 30  # one commune row of a matrix
LABEL_WRAP = 22  # characters per line of a sector label
_HEADER = 150  # room over a matrix for the title and the slanted sector labels
_NOTE_LINE = 15  # pixels per line of the notes under a figure
_NOTE_WIDTH = 84  # characters per line of the notes at WIDTH
_LEGEND_LINE = 21  # pixels per entry of a legend
_ROW_LABELS = 108  # left margin of a matrix: the commune names


def _sector_axis(sectors: pd.DataFrame, lang: str, width: int = LABEL_WRAP) -> tuple[list[str], list[str]]:
    ids = list(sectors.sort_values("position")["sector_id"])
    return ids, [wrap(tr(f"sector.{s}", lang), width) for s in ids]


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


def _legend_name(value: str, lang: str, n: int) -> str:
    """« oui (29) », « « ? » inconnu (62) »: the value's label and how many cells have it."""
    mark = "«\u00a0?\u00a0» " if value == "unknown" else ""
    return f"{mark}{tr(f'answer.{value}', lang)} ({fmt_int(n, lang)})"


def _note_lines(notes: list[str]) -> int:
    return sum(len(wrap(n, _NOTE_WIDTH).split("<br>")) for n in notes)


def _notes_at_left_edge(fig: go.Figure, left_margin: int) -> None:
    """The notes start at the figure's left edge (not the plot's), in a legible size."""
    note = fig.layout.annotations[0]
    note.xshift = -(left_margin - 8)
    note.font.size = 11.5


def _matrix_layout(fig: go.Figure, title: str, notes: list[str], sector_labels: list[str],
                   row_labels: list[str], legend_items: int) -> None:
    """A phone-legible matrix: sector labels slanted over the columns, communes on the left, the legend
    (one entry a line) and the notes under the cells, all at ``WIDTH``."""
    plot_height = ROW_HEIGHT * len(row_labels)
    bottom = 12 + _LEGEND_LINE * legend_items + 10 + _NOTE_LINE * _note_lines(notes) + 8
    base_layout(fig, title, notes, height=_HEADER + plot_height + bottom, width=WIDTH,
                margin={"l": _ROW_LABELS, "r": 40, "t": _HEADER, "b": bottom}, note_width=_NOTE_WIDTH)
    _notes_at_left_edge(fig, _ROW_LABELS)
    fig.update_layout(
        title={"font": {"size": 15}, "y": 1 - 8 / (_HEADER + plot_height + bottom), "yanchor": "top"},
        legend={"orientation": "v", "x": 0, "xanchor": "left", "y": -12 / plot_height, "yanchor": "top",
                "font": {"size": 12.5}, "traceorder": "normal", "itemclick": False, "itemdoubleclick": False},
        xaxis={"side": "top", "showgrid": False, "zeroline": False, "tickangle": -40, "categoryorder": "array",
               "categoryarray": sector_labels, "tickfont": {"size": 12.5}, "fixedrange": True},
        yaxis={"autorange": "reversed", "showgrid": False, "zeroline": False, "categoryorder": "array",
               "categoryarray": row_labels, "tickfont": {"size": 13}, "fixedrange": True},
    )


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
    counts = cells["value"].value_counts()
    legend = [(_legend_name(v, lang, int(counts.get(v, 0))), VALUE_COLOURS[v]) for v in VALUE_ORDER]
    _legend_squares(fig, legend)
    kind = _kind_of(cells)
    source = (tr(f"fig.sectors.source.{kind}", lang, study=tr("study", lang)) if kind
              else tr("fig.source", lang, text="; ".join(sorted(set(cells["source"])))))
    notes = [source, tr("fig.sectors.unknown_note", lang)]
    if not printed.all():
        notes.append(tr("fig.sectors.not_printed_note", lang))
    _matrix_layout(fig, tr(title_key, lang), notes, sector_labels, row_labels, len(legend))
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
    counts = cells["status"].value_counts()
    legend = [(f"{tr(f'fig.gap.{s}', lang)} ({fmt_int(int(counts.get(s, 0)), lang)})", GAP_COLOURS[s])
              for s in GAP_ORDER]
    _legend_squares(fig, legend)
    _matrix_layout(fig, tr("fig.gap.title", lang), [tr("fig.gap.source", lang, study=tr("study", lang))],
                   sector_labels, rows, len(legend))
    return fig


def gap_by_sector(current: pd.DataFrame, interest: pd.DataFrame, sectors: pd.DataFrame,
                  lang: str = "fr") -> go.Figure:
    """Horizontal stacked bars: per sector, the communes that expressed an interest, split into covered /
    not covered / not known to be covered; a sector without any known interest says so (not a zero bar)."""
    check_lang(lang)
    table = gap_totals(current, interest, "sector_id").set_index("sector_id")
    sector_ids, sector_labels = _sector_axis(sectors, lang, 20)
    table = table.reindex(sector_ids, fill_value=0)
    fig = go.Figure()
    for status in GAP_ORDER[:3]:
        fig.add_trace(go.Bar(
            y=sector_labels, x=table[status].tolist(), name=tr(f"fig.gap.{status}", lang), orientation="h",
            marker={"color": GAP_COLOURS[status], "line": {"color": "#777777", "width": 0.8}},
            text=[fmt_int(v, lang) if v else "" for v in table[status]], textposition="inside",
            insidetextanchor="middle", textfont={"color": GAP_TEXT_COLOURS[status], "size": 13},
            hovertemplate="%{y}: %{x}<extra>" + esc(tr(f"fig.gap.{status}", lang)) + "</extra>",
        ))
    most = max(1, int(table["interest_yes"].max()))
    none = [label for label, n in zip(sector_labels, table["interest_yes"], strict=True) if n == 0]
    fig.add_trace(go.Scatter(
        y=none, x=[0.02 * most] * len(none), mode="text", textposition="middle right",
        text=[esc(tr("fig.gap.interest_unknown", lang))] * len(none), showlegend=False, hoverinfo="skip",
        textfont={"color": "#555555", "size": 12.5},
    ))
    top = 40 + _LEGEND_LINE * 3 + 12
    notes = [tr("fig.gap.source", lang, study=tr("study", lang))]
    bottom = 50 + _NOTE_LINE * _note_lines(notes) + 8
    base_layout(fig, tr("fig.gap.by_sector.title", lang), notes, height=top + 46 * len(sector_ids) + bottom,
                width=WIDTH, margin={"l": 150, "r": 20, "t": top, "b": bottom}, note_width=_NOTE_WIDTH)
    _notes_at_left_edge(fig, 150)
    fig.update_layout(
        title={"font": {"size": 15}},
        barmode="stack", bargap=0.3,
        legend={"orientation": "v", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom", "font": {"size": 12.5},
                "traceorder": "normal", "itemclick": False, "itemdoubleclick": False},
        yaxis={"autorange": "reversed", "categoryorder": "array", "categoryarray": sector_labels,
               "tickfont": {"size": 12.5}, "fixedrange": True},
        xaxis={"title": {"text": tr("communes", lang), "standoff": 6}, "rangemode": "tozero", "gridcolor": "#EEEEEE",
               "range": [0, most * 1.05], "dtick": 1 if most <= 15 else None, "fixedrange": True},
    )
    return fig


# -------------------------------------------------------------------------------------------- tables


def sector_table(current: pd.DataFrame, interest: pd.DataFrame, sectors: pd.DataFrame,
                 lang: str = "fr") -> pd.DataFrame:
    """Per sector (printed order), numbers of communes: known cooperation, cooperation unknown, interest
    expressed, interest without known cooperation, interest unknown; the « no » and « not covered »
    columns only when some cell says ``no``. Headed by labels, sectors by their label."""
    check_lang(lang)
    ids = list(sectors.sort_values("position")["sector_id"])
    cur = totals(current, "sector_id").reindex(ids, fill_value=0)
    wish = totals(interest, "sector_id").reindex(ids, fill_value=0)
    gaps = gap_totals(current, interest, "sector_id").set_index("sector_id").reindex(ids, fill_value=0)
    table = pd.DataFrame({
        "sector": [tr(f"sector.{s}", lang) for s in ids],
        "current_yes": cur["yes"].to_numpy(), "current_no": cur["no"].to_numpy(),
        "current_unknown": cur["unknown"].to_numpy(), "interest_yes": wish["yes"].to_numpy(),
        "gap": gaps["gap"].to_numpy(), "not_known_covered": gaps["not_known_covered"].to_numpy(),
        "interest_unknown": wish["unknown"].to_numpy(),
    })
    keys = {"sector": "col.sector", "current_yes": "sectors.col.current_yes", "current_no": "sectors.col.current_no",
            "current_unknown": "sectors.col.current_unknown", "interest_yes": "sectors.col.interest_yes",
            "gap": "sectors.col.gap", "not_known_covered": "sectors.col.not_known_covered",
            "interest_unknown": "sectors.col.interest_unknown"}
    if not (table["current_no"].any() or table["gap"].any()):
        keys = {k: v for k, v in keys.items() if k not in ("current_no", "gap")}
    return with_headers(table, keys, lang)


def _sector_list(ids, lang: str) -> str | None:
    names = [tr(f"sector.{s}", lang) for s in ids]
    return list_sep(lang).replace(" ;", "\u00a0;").join(names) if names else None  # no line break before « ; »


def commune_table(current: pd.DataFrame, interest: pd.DataFrame, sectors: pd.DataFrame, communes: pd.DataFrame,
                  lang: str = "fr") -> pd.DataFrame:
    """Per commune (in communes.csv order, by name): the sectors of known current cooperation and the
    interests expressed without known cooperation (sector labels, « ; » between them; — when none)."""
    check_lang(lang)
    order = {s: i for i, s in enumerate(sectors.sort_values("position")["sector_id"])}
    cells = gap_cells(current, interest)
    names = commune_names(communes)
    rows = []
    for commune_id in [c for c in communes["commune_id"] if c in set(cells["commune_id"])]:
        mine = cells[cells["commune_id"] == commune_id].sort_values("sector_id", key=lambda s: s.map(order))
        rows.append({
            "commune": names[commune_id],
            "current_yes": _sector_list(mine.loc[mine["value_current"] == "yes", "sector_id"], lang),
            "without": _sector_list(mine.loc[mine["status"].isin(["gap", "not_known_covered"]), "sector_id"], lang),
        })
    table = pd.DataFrame(rows, columns=["commune", "current_yes", "without"])
    return with_headers(table, {"commune": "col.commune", "current_yes": "sectors.col.current_sectors",
                                "without": "sectors.col.wanted_without"}, lang)


def rule_reason(rule, lang: str = "fr") -> str:
    """Why a rule of data/sector_rules.csv ties its term to its sector (or to none), in ``lang``: the
    label ``sectors.rule.<rule_id>``, else the data's own note (``basis``)."""
    return label_or_code(f"sectors.rule.{rule.rule_id}", str(rule.basis), lang)


def rules_table(rules: pd.DataFrame, kind: str, lang: str = "fr") -> pd.DataFrame:
    """The written rules of one matrix (``current`` or ``interest``) for readers: reference, printed term,
    the sector it leads to (« not linked » for an unmapped term), why, and the lines of the text."""
    check_lang(lang)
    mine = rules[rules["kind"] == kind]
    table = pd.DataFrame({
        "rule_id": mine["rule_id"].to_numpy(),
        "term": mine["term"].to_numpy(),
        "sector": [tr(f"sector.{s}", lang) if isinstance(s, str) and s else tr("sectors.unmapped", lang)
                   for s in mine["sector_id"]],
        "reason": [rule_reason(r, lang) for r in mine.itertuples()],
        "source_lines": mine["source_lines"].to_numpy(),
    })
    return with_headers(table, {"rule_id": "col.rule_id", "term": "col.term", "sector": "col.sector",
                                "reason": "col.rationale", "source_lines": "col.source_lines"}, lang)


def missing_rows_table(current: pd.DataFrame, communes: pd.DataFrame, partnerships: pd.DataFrame,
                       conflicts: pd.DataFrame, sectors: pd.DataFrame, lang: str = "fr",
                       study_source: str = "S001") -> pd.DataFrame:
    """The communes missing from the printed Tableau n°03: the conflict that records it, the fields of
    cooperation the study prints for them elsewhere (Tableau n°01, quoted as printed), the « yes » cells
    rebuilt from them and the lines of the text."""
    check_lang(lang)
    order = {s: i for i, s in enumerate(sectors.sort_values("position")["sector_id"])}
    missing = [c for c in communes["commune_id"]
               if c in set(current.loc[~current["in_printed_table"].astype(bool), "commune_id"])]
    flagged = conflicts[conflicts["field"] == "sectors_current.in_printed_table"]
    mask = (partnerships["record_type"] == "partnership") & (partnerships["source_id"] == study_source)
    rows_of = partnerships[mask.fillna(False).astype(bool)]
    names = commune_names(communes)
    rows = []
    for commune_id in missing:
        ids = [c for c, ids in zip(flagged["conflict_id"], flagged["record_ids"].fillna(""), strict=True)
               if commune_id in str(ids).split(";")]
        own = rows_of[rows_of["commune_id"] == commune_id]
        printed = [f"« {t} » ({p})" for p, t in zip(own["partnership_id"], own["sectors_printed"], strict=True)
                   if isinstance(t, str) and t.strip()]
        yes = current[(current["commune_id"] == commune_id) & (current["value"] == "yes")]
        lines = [str(v) for v in own["source_lines"] if isinstance(v, str) and v]
        rows.append({
            "commune": names[commune_id],
            "conflict_id": ", ".join(dict.fromkeys(ids)) or None,
            "printed": list_sep(lang).replace(" ;", "\u00a0;").join(printed) or None,
            "yes": _sector_list(sorted(yes["sector_id"], key=order.get), lang),
            "source_lines": "; ".join(dict.fromkeys(lines)) or None,
        })
    table = pd.DataFrame(rows, columns=["commune", "conflict_id", "printed", "yes", "source_lines"])
    return with_headers(table, {"commune": "col.commune", "conflict_id": "col.conflict_id",
                                "printed": "sectors.col.printed_fields", "yes": "sectors.col.rebuilt_yes",
                                "source_lines": "col.source_lines"}, lang)
