"""Reader tables of the overview (notebook 05, and the finance conflicts of notebook 04).

Each function takes a frame of ``coopdata.analysis.overview`` or ``coopdata.analysis.updates`` (or a table of
data/) and returns it with labels in ``lang`` and numbers and dates written by ``coopdata.views.style``; render
with ``views.tables.html_table``.
"""

from __future__ import annotations

import pandas as pd

from coopdata.analysis.overview import RECORD_TYPES
from coopdata.core.i18n import check_lang, tr
from coopdata.core.text import esc, is_missing
from coopdata.views.style import colon, fmt_num, fmt_partial_date, fmt_pct
from coopdata.views.tables import with_headers

MISSING = "—"

SWOT_LAYOUT = {  # quadrant -> (row, column) of the 2×2 grid
    "forces": ("internal", "positive"),
    "faiblesses": ("internal", "negative"),
    "opportunites": ("external", "positive"),
    "menaces": ("external", "negative"),
}


def _figure_value(figure_id: str, value, lang: str) -> str:
    """A computed figure: a year as is, a share with « % », else an integer or one decimal; « — » when missing."""
    if is_missing(value):
        return MISSING
    value = float(value)
    if figure_id.endswith("_year"):
        return str(int(value))
    decimals = 0 if value.is_integer() else 1
    return fmt_pct(value, lang, decimals) if figure_id.endswith("_pct") else fmt_num(value, lang, decimals)


def _answer(value, lang: str) -> str:
    """A boolean as the vocabulary ``answer``: yes / no, « — » when missing."""
    if is_missing(value):
        return MISSING
    return tr("answer.yes" if bool(value) else "answer.no", lang)


def figure_checks_display(table: pd.DataFrame, lang: str = "fr") -> pd.DataFrame:
    """``figure_checks`` (or ``national_context``) for reading: formatted numbers, translated status and headers."""
    check_lang(lang)
    out = table.assign(
        computed=[_figure_value(f, v, lang) for f, v in zip(table["figure_id"], table["computed"], strict=True)],
        status=[tr(f"overview.status.{s}", lang) for s in table["status"]],
    )
    return with_headers(out, {"figure_id": "overview.figure", "value_printed": "overview.printed",
                              "computed": "overview.computed", "status": "overview.status", "how": "overview.how",
                              "source": "col.source"}, lang)


def models_display(models: pd.DataFrame, lang: str = "fr") -> pd.DataFrame:
    """``models_table`` with translated record types, models and headers."""
    check_lang(lang)
    out = models.assign(record_type=[tr(f"overview.record_type.{r}", lang) for r in models["record_type"]],
                        model=[tr(f"model.{m}", lang) for m in models["model"]])
    return with_headers(out, {"record_type": "overview.record_type", "model": "model_of_cooperation",
                              "rows": "overview.rows", "cooperations": "overview.cooperations", "communes": "communes",
                              "communes_list": "overview.communes_list"}, lang)


def governance_display(gov: pd.DataFrame, lang: str = "fr") -> pd.DataFrame:
    """``governance_table`` with the « none reported » row named, agreement as yes / no, translated headers."""
    check_lang(lang)
    out = gov.copy()
    none = out["mode"] == "none_reported"
    out["body_printed"] = out["body_printed"].astype("object")
    out.loc[none, "body_printed"] = tr("overview.mode.none_reported", lang)
    out["agrees"] = [_answer(v, lang) for v in out["agrees"]]
    return with_headers(out, {"body_printed": "overview.mode", "management_printed": "overview.management",
                              "count_table4": "overview.count_table4",
                              "count_governance": "overview.count_governance", "stated": "overview.stated",
                              "inferred": "overview.inferred", "agrees": "overview.agrees"}, lang)


def swot_grid(swot: pd.DataFrame, lang: str = "fr") -> pd.DataFrame:
    """Tableau n°5 as a 2×2 table: rows internal / external, columns helpful / harmful.

    Each cell lists the quadrant's name with its count, then its items as printed, one per line
    (« • … »); render with ``html_table(..., pre_line=True)``.
    """
    check_lang(lang)
    cells: dict[tuple[str, str], str] = {}
    for quadrant, (row, col) in SWOT_LAYOUT.items():
        items = swot.loc[swot["quadrant"] == quadrant, "item_printed"].tolist()
        head = f"{tr('swot_quadrant.' + quadrant, lang).upper()} ({len(items)})"
        cells[(row, col)] = "\n".join([head, *[f"• {t}" for t in items]])
    return pd.DataFrame(
        [[cells[(r, c)] for c in ("positive", "negative")] for r in ("internal", "external")],
        index=[tr("overview.swot.internal", lang), tr("overview.swot.external", lang)],
        columns=[tr("overview.swot.positive", lang), tr("overview.swot.negative", lang)],
    )


def conflicts_table(conflicts: pd.DataFrame, lang: str = "fr") -> pd.DataFrame:
    """Every competing value, indexed by (conflict id, kind, subject), in the file's order.

    Columns: value printed, where, lines, used (yes/no in ``lang``), rationale; the field each
    conflict touches is in ``conflicts_summary`` (kept out here so that the table fits a page).
    """
    check_lang(lang)
    df = conflicts.copy()
    df["kind_label"] = [tr(f"conflict_kind.{k}", lang) for k in df["kind"]]
    df["used_label"] = [tr(f"answer.{u}", lang) for u in df["used"]]
    out = df.set_index(["conflict_id", "kind_label", "subject"])[
        ["value_printed", "printed_at", "source_lines", "used_label", "rationale"]]
    out.index.names = [tr("col.conflict_id", lang), tr("col.nature", lang), tr("col.subject", lang)]
    out.columns = [tr(k, lang) for k in ("overview.value_printed", "overview.printed_at",
                                        "overview.lines", "overview.used", "overview.rationale")]
    return out


def conflicts_summary_display(summary: pd.DataFrame, lang: str = "fr") -> pd.DataFrame:
    """``conflicts_summary`` with translated kinds and headers."""
    check_lang(lang)
    out = summary.assign(kind=[tr(f"conflict_kind.{k}", lang) for k in summary["kind"]])
    return with_headers(out, {"conflict_id": "col.conflict_id", "kind": "col.nature",
                              "subject": "col.subject", "field": "overview.field",
                              "values": "overview.values", "used": "overview.values_used"}, lang)


def unknowns_display(table: pd.DataFrame, lang: str = "fr") -> pd.DataFrame:
    """``unknowns`` with translated topics and headers, rows where something is missing only."""
    check_lang(lang)
    shown = table[table["n"] > 0].copy()
    shown["topic"] = [tr(f"overview.unknown.{t}", lang) for t in shown["topic"]]
    shown["group"] = [tr(f"overview.record_type.{g}", lang) if g in RECORD_TYPES else g for g in shown["group"]]
    headers = {"topic": "what_is_missing", "table": "overview.table", "group": "overview.group", "n": "col.count",
               "total": "overview.total", "records": "col.record_ids", "detail": "overview.detail"}
    return with_headers(shown, headers, lang).reset_index(drop=True)


def null_cells_display(nulls: pd.DataFrame, lang: str = "fr") -> pd.DataFrame:
    """``null_cells`` with translated headers."""
    check_lang(lang)
    return with_headers(nulls, {"table": "overview.table", "column": "overview.column", "empty": "overview.empty",
                                "rows": "overview.rows"}, lang)


# ---- the national context beside the list of the communes of Togo ----------------------------------------


def region_counts_display(table: pd.DataFrame, lang: str = "fr") -> pd.DataFrame:
    """``overview.region_counts`` with the total row named, differences as yes / no, translated headers."""
    check_lang(lang)
    out = table.copy()
    out["region"] = out["region"].astype("object")
    out.loc[out["region_id"] == "total", "region"] = tr("overview.total_row", lang)
    out["differs"] = [_answer(v, lang) for v in out["differs"]]
    return with_headers(out, {"region": "region", "communes_study": "overview.communes_study",
                              "communes_dataset": "overview.communes_dataset",
                              "prefectures_study": "overview.prefectures_study",
                              "prefectures_dataset": "overview.prefectures_dataset", "differs": "overview.differs",
                              "conflicts": "col.conflict_id"}, lang)


# ---- what later sources add to or change from the study ----------------------------------------------------


def _text(value) -> str:
    return MISSING if is_missing(value) else str(value)


def _date(value, lang: str) -> str:
    return MISSING if is_missing(value) else fmt_partial_date(value, lang)


def _dated(dates, ids, lang: str) -> list[str]:
    """« 28 avril 2022 (S013) »: each date with the source that gives it."""
    return [MISSING if is_missing(d) else f"{fmt_partial_date(d, lang)} ({i})" for d, i in zip(dates, ids, strict=True)]


def source_label(row, lang: str = "fr", prefix: str = "source_") -> str:
    """« S012 · title — publisher, date » from the source columns of ``updates.with_source`` (« non datée »
    when the source gives no date; « signalé, à vérifier » when it is not yet checked twice)."""
    date = row[f"{prefix}date"]
    when = tr("overview.undated", lang) if is_missing(date) else fmt_partial_date(date, lang)
    text = f"{row[prefix + 'id']} · {row[prefix + 'title']} — {row[prefix + 'publisher']}, {when}"
    if str(row.get(f"{prefix}checked", "yes")) == "no":
        text += f" ({tr('overview.reported', lang)})"
    return text


def _sources(df: pd.DataFrame, lang: str) -> list[str]:
    return [source_label(r, lang) for r in df.to_dict("records")]


def added_partnerships_display(added: pd.DataFrame, names: dict | None = None, lang: str = "fr") -> pd.DataFrame:
    """``updates.added_partnerships`` for reading: commune names, model and status labels, dates, the row's source."""
    check_lang(lang)
    names = names or {}
    out = added.assign(
        commune_id=[names.get(c, c) for c in added["commune_id"]],
        model=[tr(f"model.{m}", lang) for m in added["model"]],
        start_year=[_text(y) for y in added["start_year"]],
        first_confirmed=[_date(d, lang) for d in added["first_confirmed"]],
        status=[tr(f"partnership_status.{s}", lang) for s in added["status"]],
        status_since=_dated(added["status_since"], added["status_source"], lang),
        source=_sources(added, lang),
    )
    return with_headers(out, {"partnership_id": "col.partnership_id", "commune_id": "col.commune",
                              "partner": "col.partner", "model": "col.model", "start_year": "overview.start_year",
                              "first_confirmed": "overview.first_confirmed", "status": "overview.status",
                              "status_since": "overview.status_since", "sources": "overview.sources",
                              "source": "col.source"}, lang)


def later_status_display(status: pd.DataFrame, names: dict | None = None, lang: str = "fr") -> pd.DataFrame:
    """``updates.later_status`` for reading: the study's listing beside the later confirmation, status and end."""
    check_lang(lang)
    names = names or {}

    out = status.assign(
        commune_id=[names.get(c, c) for c in status["commune_id"]],
        start_year=[_text(y) for y in status["start_year"]],
        listed=[_date(d, lang) for d in status["listed"]],
        last_confirmed=_dated(status["last_confirmed"], status["last_confirmed_source"], lang),
        status=[tr(f"partnership_status.{s}", lang) for s in status["status"]],
        status_since=_dated(status["status_since"], status["status_source"], lang),
        end_date=_dated(status["end_date"], status["end_source"], lang),
        finding=[tr(f"overview.finding.{f}", lang) for f in status["finding"]],
    )
    return with_headers(out, {"partnership_id": "col.partnership_id", "commune_id": "col.commune",
                              "partner": "col.partner", "start_year": "col.start_year", "listed": "overview.listed",
                              "later_sources": "overview.later_sources", "last_confirmed": "overview.last_confirmed",
                              "status": "overview.status", "status_since": "overview.status_since",
                              "end_date": "overview.end", "finding": "overview.finding"}, lang)


def later_events_display(events: pd.DataFrame, names: dict | None = None, lang: str = "fr") -> pd.DataFrame:
    """``updates.later_events`` for reading: dated events, their place against the study, quotation and source."""
    check_lang(lang)
    names = names or {}
    out = events.assign(
        commune_id=[names.get(c, c) for c in events["commune_id"]],
        date=[_date(d, lang) for d in events["date"]],
        kind=[tr(f"event_kind.{k}", lang) for k in events["kind"]],
        status_after=[MISSING if is_missing(s) else tr(f"partnership_status.{s}", lang)
                      for s in events["status_after"]],
        relation=[tr(f"overview.relation.{r}", lang) for r in events["relation"]],
        quotation=[_text(q) for q in events["quotation"]],
        source=_sources(events, lang),
    )
    return with_headers(out, {"partnership_id": "col.partnership_id", "commune_id": "col.commune",
                              "date": "overview.date", "kind": "overview.event", "status_after": "overview.status",
                              "relation": "overview.relation", "quotation": "overview.quotation",
                              "source": "col.source"}, lang)


def between_sources_display(rows: pd.DataFrame, lang: str = "fr") -> pd.DataFrame:
    """``updates.between_sources`` for reading: the study's values beside another source's, used yes / no."""
    check_lang(lang)
    out = rows.assign(kind=[tr(f"conflict_kind.{k}", lang) for k in rows["kind"]],
                      study_values=[_text(v) for v in rows["study_values"]],
                      used=[tr(f"answer.{u}", lang) for u in rows["used"]], source=_sources(rows, lang))
    return with_headers(out, {"conflict_id": "col.conflict_id", "kind": "col.nature", "subject": "col.subject",
                              "study_values": "overview.study_values", "value_printed": "overview.other_value",
                              "used": "overview.used", "source": "col.source"}, lang)


def _figure_text(value, unit, lang: str) -> str:
    if is_missing(value):
        return MISSING
    value = float(value)
    decimals = 0 if value.is_integer() else 1
    if unit == "percent":
        return fmt_pct(value, lang, decimals)
    return fmt_num(value, lang, decimals) + (" FCFA" if unit == "FCFA" else "")


def national_figures_display(figures: pd.DataFrame, lang: str = "fr") -> pd.DataFrame:
    """``updates.national_figures`` for reading: each later figure with its source, the study's beside it."""
    check_lang(lang)
    later = [MISSING if is_missing(r["source_id"]) else source_label(r, lang) for r in figures.to_dict("records")]
    study = [MISSING if is_missing(r["study_source_id"]) else
             f"{source_label(r, lang, prefix='study_source_')}, {r['study_locator']}"
             for r in figures.to_dict("records")]
    out = figures.assign(
        description=[_text(d) for d in figures["description"]],
        value=[_figure_text(v, u, lang) for v, u in zip(figures["value"], figures["unit"], strict=True)],
        period=[_text(p) for p in figures["period"]], source=later,
        study_description=[_text(d) for d in figures["study_description"]],
        study_value_printed=[_text(v) for v in figures["study_value_printed"]], study_source=study,
    )
    return with_headers(out, {"description": "overview.later_figure", "value": "col.value",
                              "period": "overview.period", "source": "col.source",
                              "study_description": "overview.figure", "study_value_printed": "overview.printed",
                              "study_source": "overview.study_source"}, lang)


# ---- what the data cannot say --------------------------------------------------------------------------------


def limits_markdown(unknowns: pd.DataFrame, reproduced: bool, stated: float, lang: str = "fr") -> str:
    """The limits found in the data, as a Markdown list: each kind of unknown with its records, then the
    finance share of §4.6.1 when no computation reproduces it (``finance.reproduce_stated_average``)."""
    check_lang(lang)
    items = []
    for (topic, table), rows in unknowns[unknowns["n"] > 0].groupby(["topic", "table"], sort=False):
        records = "; ".join(r for r in rows["records"] if r) or "; ".join(d for d in rows["detail"] if d)
        head = f"- {tr(f'overview.unknown.{topic}', lang)} (`{table}`, {fmt_num(rows['n'].sum(), lang, 0)})"
        items.append(head + (f"{colon(lang)}{esc(records)}" if records else ""))
    if not reproduced:
        items.append(f"- {tr('overview.limits.finance', lang, stated=fmt_num(stated, lang, 0))}")
    return "\n".join(items)
