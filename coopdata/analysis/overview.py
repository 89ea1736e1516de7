"""Overview and data quality: what the study states, what the data reproduce, what stays unknown.

Every number here is computed from data/: the study's figures are set beside the values the
tables give (``figure_checks``), the conflicts are listed with every competing value
(``conflicts_table``) and ``unknowns`` finds the empty or unresolved cells that limit what the
data can say. ``html_table`` renders any of these tables with the data text HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from coopdata.core.i18n import check_lang, tr
from coopdata.data import checks
from coopdata.data.loaders import load_table

RECORD_TYPES = ("partnership", "lead", "mention")
SWOT_LAYOUT = {  # quadrant -> (row, column) of the 2×2 grid
    "forces": ("internal", "positive"),
    "faiblesses": ("internal", "negative"),
    "opportunites": ("external", "positive"),
    "menaces": ("external", "negative"),
}


def _names(data_dir) -> dict[str, str]:
    communes = load_table("communes", data_dir)
    return dict(zip(communes["commune_id"], communes["commune"], strict=True))


def _enum(data_dir, table: str, column: str) -> list[str]:
    from coopdata.core.paths import resolve_data_dir
    from coopdata.data.validation import read_descriptor, resource

    res = resource(read_descriptor(resolve_data_dir(data_dir)), table)
    field = next(f for f in res["schema"]["fields"] if f["name"] == column)
    return list(field.get("constraints", {}).get("enum", []))


# ---- the study's figures against the data ----------------------------------------------------------------


def _figure_values(data_dir) -> dict[str, float]:
    """Values computed from the tables for the study figures that the data can check."""
    from coopdata.analysis import finance

    regions = load_table("regions", data_dir)
    communes = load_table("communes", data_dir)
    partnerships = load_table("partnerships", data_dir)
    governance = load_table("governance", data_dir)
    figures = load_table("study_figures", data_dir).set_index("figure_id")["value"]
    rows = partnerships[partnerships["record_type"] == "partnership"]
    twinnings = rows[rows["model"] == "jumelage"]
    values = {
        "regions": len(regions),
        "prefectures": checks.prefectures_sum(regions),
        "communes": checks.communes_sum(regions),
        "prodegol_communes": len(communes),
        "first_twinning_year": int(twinnings["start_year"].min()),
        "jumelage_communes": twinnings["commune_id"].nunique(),
        "hors_jumelage_communes": rows.loc[rows["model"] == "hors_jumelage", "commune_id"].nunique(),
        "no_formal_partnership_communes": int((governance["mode"] == "none_reported").sum()),
        "cooperation_forms": rows["model"].nunique(),
    }
    if "partnerships_total" in figures and "communes" in figures:
        values["partnerships_share_pct"] = float(figures["partnerships_total"]) / float(figures["communes"]) * 100
    values["finance_mean_share_pct"] = float(
        finance.ratios(load_table("finance", data_dir))["share_as_printed"].mean() * 100)
    return values


#: Figures printed as approximations (« environ », « une trentaine »): agree within this many units.
APPROXIMATE = {"partnerships_share_pct": 1.0}


def figure_checks(data_dir=None, lang: str = "fr") -> pd.DataFrame:
    """Every figure of study_figures.csv, printed, with the value the data give where they can.

    Columns: figure_id, value_printed, printed (number), computed (NA when not checkable), status
    (agrees, agrees_approx, differs, not_checkable), how, source.
    """
    check_lang(lang)
    figures = load_table("study_figures", data_dir)
    computed = _figure_values(data_dir)
    rows = []
    for f in figures.itertuples():
        value = computed.get(f.figure_id)
        if value is None:
            status = "not_checkable"
        elif abs(float(value) - float(f.value)) < 1e-9:
            status = "agrees"
        elif abs(float(value) - float(f.value)) <= APPROXIMATE.get(f.figure_id, 0):
            status = "agrees_approx"
        else:
            status = "differs"
        how_key = f"overview.how.{f.figure_id}"
        rows.append({
            "figure_id": f.figure_id,
            "value_printed": f.value_printed,
            "printed": float(f.value),
            "computed": pd.NA if value is None else round(float(value), 1),
            "status": status,
            "how": tr(how_key if value is not None else "overview.how.none", lang),
            "source": f"{f.source} (l. {f.source_lines})",
        })
    out = pd.DataFrame(rows)
    out["computed"] = out["computed"].astype("Float64")
    return out


def national_context(data_dir=None, lang: str = "fr") -> pd.DataFrame:
    """The national figures of §1.1 and the Conclusion (regions, préfectures, communes, partnerships)."""
    ids = ["regions", "prefectures", "communes", "partnerships_total", "partnerships_share_pct"]
    table = figure_checks(data_dir, lang)
    return table.set_index("figure_id").loc[[i for i in ids if i in set(table["figure_id"])]].reset_index()


# ---- models, governance -------------------------------------------------------------------------------------


def models_table(partnerships: pd.DataFrame, names: dict | None = None) -> pd.DataFrame:
    """Per record type and model: rows, distinct cooperations (group_id merges the rows of one
    cooperation), distinct communes and their names."""
    names = names or {}
    df = partnerships.copy()
    df["cooperation"] = df["group_id"].fillna(df["partnership_id"])
    order = {m: i for i, m in enumerate(pd.unique(df["model"]))}
    rows = []
    for (record_type, model), g in df.groupby(["record_type", "model"], sort=False):
        ids = sorted(set(g["commune_id"]), key=lambda c: names.get(c, c))
        rows.append({"record_type": record_type, "model": model, "rows": len(g),
                     "cooperations": g["cooperation"].nunique(), "communes": len(ids),
                     "communes_list": ", ".join(names.get(c, c) for c in ids)})
    out = pd.DataFrame(rows)
    out["_r"] = out["record_type"].map({r: i for i, r in enumerate(RECORD_TYPES)})
    out["_m"] = out["model"].map(order)
    return out.sort_values(["_r", "_m"]).drop(columns=["_r", "_m"]).reset_index(drop=True)


def governance_table(governance: pd.DataFrame, modes: pd.DataFrame, names: dict | None = None) -> pd.DataFrame:
    """Tableau n°4's count per mode beside the communes governance.csv assigns to it (stated / inferred)."""
    names = names or {}
    counts = checks.governance_counts(governance)
    rows = []
    for m in modes.itertuples():
        g = governance[governance["mode"] == m.mode]
        rows.append({
            "mode": m.mode, "body_printed": m.body_printed, "management_printed": m.management_printed,
            "count_table4": int(m.communes_count), "count_governance": int(counts.get(m.mode, 0)),
            "stated": ", ".join(names.get(c, c) for c in g.loc[g["basis"] == "stated", "commune_id"]),
            "inferred": ", ".join(names.get(c, c) for c in g.loc[g["basis"] == "inferred", "commune_id"]),
        })
    g = governance[governance["mode"] == "none_reported"]
    rows.append({
        "mode": "none_reported", "body_printed": pd.NA, "management_printed": pd.NA, "count_table4": pd.NA,
        "count_governance": len(g),
        "stated": ", ".join(names.get(c, c) for c in g.loc[g["basis"] == "stated", "commune_id"]),
        "inferred": ", ".join(names.get(c, c) for c in g.loc[g["basis"] == "inferred", "commune_id"]),
    })
    out = pd.DataFrame(rows)
    out["count_table4"] = out["count_table4"].astype("Int64")
    out["agrees"] = (out["count_table4"] == out["count_governance"]).astype("boolean")
    return out


# ---- SWOT, challenges, recommendations -----------------------------------------------------------------------


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
    grid = pd.DataFrame(
        [[cells[(r, c)] for c in ("positive", "negative")] for r in ("internal", "external")],
        index=[tr("overview.swot.internal", lang), tr("overview.swot.external", lang)],
        columns=[tr("overview.swot.positive", lang), tr("overview.swot.negative", lang)],
    )
    return grid


def recommendations_by_audience(recommendations: pd.DataFrame) -> pd.DataFrame:
    """Recommendations indexed by (audience as printed, id), in the study's order."""
    df = recommendations[["audience_printed", "recommendation_id", "recommendation_printed"]]
    return df.set_index(["audience_printed", "recommendation_id"])


# ---- conflicts -----------------------------------------------------------------------------------------------


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
    out.index.names = [tr("overview.conflict", lang), tr("overview.kind", lang), tr("overview.subject", lang)]
    out.columns = [tr(k, lang) for k in ("overview.value_printed", "overview.printed_at",
                                        "overview.lines", "overview.used", "overview.rationale")]
    return out


def conflicts_summary(conflicts: pd.DataFrame) -> pd.DataFrame:
    """One row per conflict: kind, subject, number of competing values, how many are used."""
    g = conflicts.groupby("conflict_id", sort=True)
    return pd.DataFrame({
        "kind": g["kind"].first(), "subject": g["subject"].first(), "field": g["field"].first(),
        "values": g.size(), "used": g["used"].apply(lambda s: int((s == "yes").sum())),
    }).reset_index()


# ---- unknowns ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnknownRule:
    """Where to look for one kind of missing information."""

    topic: str
    table: str
    field: str
    id_column: str
    missing: Callable[[pd.DataFrame], pd.Series]  # True where the information is missing
    # printed column shown beside the ids, or a summary computed from (matching rows, whole table)
    detail: str | Callable[[pd.DataFrame, pd.DataFrame], str] | None = None
    group_by: str | None = None  # count per value of this column (every value, zeros included)
    list_records: bool = True  # False when every record is concerned (the detail then summarizes)


def _sectors_missing(df: pd.DataFrame) -> pd.Series:
    # printed as « Données non recueillies » (data not collected) or not printed at all
    text = df["sectors_printed"].astype("string")
    return text.isna() | text.str.contains("non recueilli", case=False, na=False)


def _per_sector(sel: pd.DataFrame, full: pd.DataFrame) -> str:
    counts = sel.groupby("sector_id").size()
    return "; ".join(f"{k}: {int(counts.get(k, 0))}" for k in pd.unique(full["sector_id"]))


UNKNOWN_RULES = (
    UnknownRule("population", "communes", "population", "commune_id",
                lambda d: d["population"].isna(), detail="population_printed"),
    UnknownRule("cooperation_sentence", "communes", "cooperation_sentence", "commune_id",
                lambda d: d["cooperation_sentence"].isna()),
    UnknownRule("start_year", "partnerships", "start_year", "partnership_id",
                lambda d: d["start_year"].isna(), group_by="record_type"),
    UnknownRule("sectors_printed", "partnerships", "sectors_printed", "partnership_id",
                _sectors_missing, detail="sectors_printed", group_by="record_type"),
    UnknownRule("partner_country", "partnerships", "partner_country", "partnership_id",
                lambda d: d["partner_country"].isna(), detail="partner_country_printed"),
    UnknownRule("partner_place_not_available", "partnerships", "partner_place", "partnership_id",
                lambda d: d["partner_place_basis"] == "not_available", group_by="record_type"),
    UnknownRule("partner_place_seat", "partnerships", "partner_place", "partnership_id",
                lambda d: d["partner_place_basis"] == "seat_not_printed", detail="partner_place"),
    UnknownRule("sector_cell", "sectors_current", "value", "commune_id",
                lambda d: d["value"] == "unknown", detail=_per_sector, list_records=False),
    UnknownRule("sector_row_not_printed", "sectors_current", "in_printed_table", "commune_id",
                lambda d: ~d["in_printed_table"].astype(bool)),
    UnknownRule("sector_cell", "sectors_interest", "value", "commune_id",
                lambda d: d["value"] == "unknown", detail=_per_sector, list_records=False),
    UnknownRule("sector_row_not_printed", "sectors_interest", "in_printed_table", "commune_id",
                lambda d: ~d["in_printed_table"].astype(bool)),
    UnknownRule("finance_period", "finance", "period_start", "finance_id",
                lambda d: d["period_start"].isna() | d["period_end"].isna(), detail="period_printed"),
    UnknownRule("finance_period_implied", "finance", "period_basis", "finance_id",
                lambda d: d["period_basis"] == "implied"),
    UnknownRule("governance_inferred", "governance", "basis", "commune_id",
                lambda d: d["basis"] == "inferred"),
    UnknownRule("web_reference_unlinked", "web_references", "partnership_ids", "ref_id",
                lambda d: d["partnership_ids"].isna(), detail="heading_printed"),
)


def _unique(values) -> list[str]:
    return list(dict.fromkeys(str(v) for v in values))


def unknowns(data_dir=None) -> pd.DataFrame:
    """The missing, unresolved or inferred cells that limit what the data can say, found in the data.

    One row per rule of ``UNKNOWN_RULES`` (per group for grouped rules, zeros included so that a
    reader sees what IS complete), plus one row for the conflicts where no printed value is used.
    Columns: topic, table, field, group, n (matching rows), total (rows looked at), records (ids
    joined by '; ', duplicates removed; empty for the sector cells, which concern every commune),
    detail (printed text of the matching rows, '; '; for the sector cells, unknown cells per sector).
    """
    rows = []
    cache: dict[str, pd.DataFrame] = {}
    for rule in UNKNOWN_RULES:
        df = cache.setdefault(rule.table, load_table(rule.table, data_dir))
        mask = rule.missing(df).fillna(False).astype(bool)
        groups = [(None, df.index)]
        if rule.group_by:
            values = _enum(data_dir, rule.table, rule.group_by) or _unique(df[rule.group_by])
            groups = [(v, df.index[df[rule.group_by] == v]) for v in values]
        for group, index in groups:
            sel = df.loc[index][mask.loc[index]]
            if rule.detail is None:
                detail = ""
            elif callable(rule.detail):
                detail = rule.detail(sel, df)
            else:
                detail = "; ".join(_unique(sel[rule.detail].dropna()))
            records = "; ".join(_unique(sel[rule.id_column])) if rule.list_records else ""
            rows.append({"topic": rule.topic, "table": rule.table, "field": rule.field,
                         "group": "" if group is None else group, "n": len(sel), "total": len(index),
                         "records": records, "detail": detail})
    conflicts = load_table("conflicts", data_dir)
    unresolved = conflicts.groupby("conflict_id").filter(lambda g: (g["used"] == "no").all())
    ids = _unique(unresolved["conflict_id"])
    rows.append({"topic": "conflict_unresolved", "table": "conflicts", "field": "used", "group": "",
                 "n": len(ids), "total": conflicts["conflict_id"].nunique(), "records": "; ".join(ids),
                 "detail": "; ".join(_unique(unresolved["subject"]))})
    return pd.DataFrame(rows, columns=["topic", "table", "field", "group", "n", "total", "records", "detail"])


def null_cells(data_dir=None) -> pd.DataFrame:
    """Every empty cell of every table, counted per (table, column): the raw view behind ``unknowns``."""
    from coopdata.core.paths import resolve_data_dir
    from coopdata.data.validation import read_descriptor

    descriptor = read_descriptor(resolve_data_dir(data_dir))
    rows = []
    for res in descriptor["resources"]:
        if not str(res.get("path", "")).endswith(".csv") or res["name"] == "places":
            continue
        df = load_table(res["name"], data_dir)
        for column, n in df.isna().sum().items():
            if n:
                rows.append({"table": res["name"], "column": column, "empty": int(n), "rows": len(df)})
    return pd.DataFrame(rows, columns=["table", "column", "empty", "rows"]).sort_values(
        ["table", "column"]).reset_index(drop=True)


def unknowns_display(table: pd.DataFrame, lang: str = "fr") -> pd.DataFrame:
    """``unknowns`` with translated topics and headers, rows where something is missing only."""
    check_lang(lang)
    shown = table[table["n"] > 0].copy()
    shown["topic"] = [tr(f"overview.unknown.{t}", lang) for t in shown["topic"]]
    shown["group"] = [tr(f"overview.record_type.{g}", lang) if g in RECORD_TYPES else g for g in shown["group"]]
    shown = shown[["topic", "table", "group", "n", "total", "records", "detail"]]
    shown.columns = [tr(f"overview.{c}", lang) for c in ("topic", "table", "group", "n", "total", "records", "detail")]
    return shown.reset_index(drop=True)


# ---- rendering -----------------------------------------------------------------------------------------------


def html_table(df: pd.DataFrame, caption: str | None = None, *, index: bool = True, pre_line: bool = False,
               lang: str | None = None, precision: int = 1):
    """A pandas Styler with every data cell and index label HTML-escaped (and the caption too).

    Numbers get ``precision`` decimals; with ``lang`` they follow its conventions (« 1 234,5 » in
    French, « 1,234.5 » in English). ``pre_line`` keeps the line breaks of multi-line cells.
    """
    fmt = {"precision": precision, "na_rep": "—", "escape": "html"}
    if lang is not None:
        fmt.update(decimal="," if check_lang(lang) == "fr" else ".", thousands="\u202f" if lang == "fr" else ",")
    styler = df.style.format(**fmt).format_index(escape="html", axis=0).format_index(escape="html", axis=1)
    if not index:
        styler = styler.hide(axis="index")
    styles = [{"selector": "td, th", "props": "text-align: left; vertical-align: top; max-width: 30em;"}]
    if pre_line:
        styles.append({"selector": "td", "props": "white-space: pre-line;"})
    styler = styler.set_table_styles(styles)
    if caption:
        styler = styler.set_caption(html.escape(caption))
    return styler


def _number(value, lang: str) -> str:
    """An integer as is, else one decimal; French decimal comma; « — » when missing."""
    if value is None or pd.isna(value):
        return "—"
    value = float(value)
    text = str(int(value)) if value.is_integer() else f"{value:.1f}"
    return text.replace(".", ",") if lang == "fr" else text


def _yes_no(value, lang: str) -> str:
    if value is None or pd.isna(value):
        return "—"
    return tr("yes" if bool(value) else "no", lang)


def _headers(df: pd.DataFrame, keys: dict[str, str], lang: str) -> pd.DataFrame:
    out = df[list(keys)].copy()
    out.columns = [tr(k, lang) for k in keys.values()]
    return out


def figure_checks_display(table: pd.DataFrame, lang: str = "fr") -> pd.DataFrame:
    """``figure_checks`` (or ``national_context``) for reading: formatted numbers, translated status and headers."""
    check_lang(lang)
    out = table.assign(
        computed=[_number(v, lang) for v in table["computed"]],
        status=[tr(f"overview.status.{s}", lang) for s in table["status"]],
    )
    return _headers(out, {"figure_id": "overview.figure", "value_printed": "overview.printed",
                          "computed": "overview.computed", "status": "overview.status", "how": "overview.how",
                          "source": "source"}, lang)


def models_display(models: pd.DataFrame, lang: str = "fr") -> pd.DataFrame:
    check_lang(lang)
    out = models.assign(record_type=[tr(f"overview.record_type.{r}", lang) for r in models["record_type"]],
                        model=[tr(f"model.{m}", lang) for m in models["model"]])
    return _headers(out, {"record_type": "overview.record_type", "model": "model", "rows": "overview.rows",
                          "cooperations": "overview.cooperations", "communes": "overview.n_communes",
                          "communes_list": "overview.communes_list"}, lang)


def governance_display(gov: pd.DataFrame, lang: str = "fr") -> pd.DataFrame:
    check_lang(lang)
    out = gov.copy()
    none = out["mode"] == "none_reported"
    out["body_printed"] = out["body_printed"].astype("object")
    out.loc[none, "body_printed"] = tr("overview.mode.none_reported", lang)
    out["agrees"] = [_yes_no(v, lang) for v in out["agrees"]]
    return _headers(out, {"body_printed": "overview.mode", "management_printed": "overview.management",
                          "count_table4": "overview.count_table4", "count_governance": "overview.count_governance",
                          "stated": "overview.stated", "inferred": "overview.inferred", "agrees": "overview.agrees"},
                    lang)


def conflicts_summary_display(summary: pd.DataFrame, lang: str = "fr") -> pd.DataFrame:
    check_lang(lang)
    out = summary.assign(kind=[tr(f"conflict_kind.{k}", lang) for k in summary["kind"]])
    return _headers(out, {"conflict_id": "overview.conflict", "kind": "overview.kind", "subject": "overview.subject",
                          "field": "overview.field", "values": "overview.values", "used": "overview.values_used"},
                    lang)


def null_cells_display(nulls: pd.DataFrame, lang: str = "fr") -> pd.DataFrame:
    check_lang(lang)
    return _headers(nulls, {"table": "overview.table", "column": "overview.column", "empty": "overview.empty",
                            "rows": "overview.rows"}, lang)


def models_figure(models: pd.DataFrame, lang: str = "fr"):
    """Horizontal bars: cooperations per model, coloured by record type (Tableau n°01 rows, leads, mentions)."""
    import plotly.graph_objects as go

    check_lang(lang)
    fig = go.Figure()
    for record_type in RECORD_TYPES:
        part = models[models["record_type"] == record_type]
        if part.empty:
            continue
        fig.add_bar(
            name=tr(f"overview.record_type.{record_type}", lang), orientation="h",
            y=[tr(f"model.{m}", lang) for m in part["model"]], x=part["cooperations"].tolist(),
            customdata=[[n, html.escape(t)] for n, t in zip(part["communes"], part["communes_list"], strict=True)],
            text=part["cooperations"].tolist(), textposition="outside", cliponaxis=False,
            hovertemplate=("%{y}<br>" + tr("overview.cooperations", lang) + " : %{x}<br>"
                           + tr("overview.n_communes", lang)
                           + " : %{customdata[0]}<br>%{customdata[1]}<extra></extra>"),
        )
    fig.update_layout(
        title=tr("overview.models.title", lang), template="plotly_white", barmode="overlay",
        xaxis_title=tr("overview.cooperations", lang), yaxis_title=None, yaxis_autorange="reversed",
        xaxis_dtick=1, legend_title=tr("overview.record_type", lang), width=1000, height=560,
        margin={"b": 110, "l": 20},
    )
    fig.add_annotation(text=tr("overview.models.source", lang), xref="paper", yref="paper", x=0, y=-0.2,
                       showarrow=False, xanchor="left", yanchor="top", font={"size": 11})
    return fig
