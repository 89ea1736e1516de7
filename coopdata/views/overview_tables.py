"""Reader tables of the overview (notebook 05, and the finance conflicts of notebook 04).

Each function takes a frame of ``coopdata.analysis.overview`` (or a table of data/) and returns it with
labels in ``lang`` and numbers written by ``coopdata.views.style``; render with ``views.tables.html_table``.
"""

from __future__ import annotations

import pandas as pd

from coopdata.analysis.overview import RECORD_TYPES
from coopdata.core.i18n import check_lang, tr
from coopdata.core.text import is_missing
from coopdata.views.style import fmt_num, fmt_pct
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
    return tr("answer.yes" if bool(value) else "no", lang)


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
