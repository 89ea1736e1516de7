"""Overview and data quality: what the study states, what the data reproduce, what stays unknown.

Every number here is computed from data/: the study's figures are set beside the values the
tables give (``figure_checks``), the conflicts are counted per conflict (``conflicts_summary``)
and ``unknowns`` finds the empty or unresolved cells that limit what the data can say. Frames in,
frames out: the labelled reader tables are in ``coopdata.views.overview_tables``, the chart in
``coopdata.views.study_charts``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from coopdata.analysis import finance
from coopdata.analysis.geography import ISO, region_areas
from coopdata.core.i18n import check_lang, tr
from coopdata.data import checks
from coopdata.data.description import read_descriptor, resource, study_source_id
from coopdata.data.loaders import load_layer, load_table

RECORD_TYPES = ("partnership", "lead", "mention")


def _enum(data_dir, table: str, column: str) -> list[str]:
    res = resource(read_descriptor(data_dir), table)
    field = next(f for f in res["schema"]["fields"] if f["name"] == column)
    return list(field.get("constraints", {}).get("enum", []))


# ---- the study's figures against the data ----------------------------------------------------------------


def _figure_values(data_dir) -> dict[str, float]:
    """Values computed from the tables for the study figures that the data can check.

    A figure of the study is checked against the study's own rows (``source_id`` of the study, the
    ProDeGoL communes): a row added from a later source does not change what the study says.
    """
    study = study_source_id(read_descriptor(data_dir))
    regions = load_table("regions", data_dir)
    communes = load_table("communes", data_dir)
    partnerships = load_table("partnerships", data_dir)
    governance = load_table("governance", data_dir)
    governance = governance[governance["source_id"] == study]
    figures = load_table("study_figures", data_dir).set_index("figure_id")["value"]
    rows = partnerships[(partnerships["record_type"] == "partnership") & (partnerships["source_id"] == study)]
    twinnings = rows[rows["model"] == "jumelage"]
    values = {
        "regions": len(regions),
        "prefectures": checks.prefectures_sum(regions),
        "communes": checks.communes_sum(regions),
        "prodegol_communes": int(communes["prodegol"].fillna(False).astype(bool).sum()),
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
    (agrees, agrees_approx, differs, not_checkable), how, source (the study's section or table),
    source_lines (lines of the study's text extraction).
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
            "source": f.source,
            "source_lines": f.source_lines,
        })
    out = pd.DataFrame(rows)
    out["computed"] = out["computed"].astype("Float64")
    return out


def national_context(data_dir=None, lang: str = "fr") -> pd.DataFrame:
    """The national figures of §1.1 and the Conclusion (regions, préfectures, communes, partnerships)."""
    ids = ["regions", "prefectures", "communes", "partnerships_total", "partnerships_share_pct"]
    table = figure_checks(data_dir, lang)
    return table.set_index("figure_id").loc[[i for i in ids if i in set(table["figure_id"])]].reset_index()


#: Conflict fields that record a count of regions.csv differing from another source's.
REGION_COUNT_FIELDS = ("regions.communes_count", "regions.prefectures_count")


def region_counts(regions: pd.DataFrame, togo_communes: pd.DataFrame, conflicts: pd.DataFrame) -> pd.DataFrame:
    """Per region, the study's counts (§3, regions.csv) beside the list of the communes of Togo (togo_communes.csv).

    Both values stand: neither table is corrected. Columns: region_id, region, communes_study,
    communes_dataset (rows of the list), prefectures_study, prefectures_dataset (distinct préfectures of
    the list), differs, conflicts (ids of the conflicts recording a count of the region, '; '); a last
    row ``total`` sums the regions (the list's préfectures counted once each).
    """
    counted = conflicts[conflicts["field"].isin(REGION_COUNT_FIELDS)]

    def conflict_ids(region_id: str | None) -> str:
        ids = [str(r.conflict_id) for r in counted.itertuples()
               if region_id is None or region_id in str(r.record_ids).split(";")]
        return "; ".join(dict.fromkeys(ids))

    dataset = togo_communes.groupby("region_id").agg(communes=("commune", "size"),
                                                     prefectures=("prefecture", "nunique"))
    rows = []
    for r in regions.itertuples():
        rows.append({"region_id": r.region_id, "region": r.region, "communes_study": int(r.communes_count),
                     "communes_dataset": int(dataset["communes"].get(r.region_id, 0)),
                     "prefectures_study": int(r.prefectures_count),
                     "prefectures_dataset": int(dataset["prefectures"].get(r.region_id, 0)),
                     "conflicts": conflict_ids(r.region_id)})
    rows.append({"region_id": "total", "region": pd.NA, "communes_study": checks.communes_sum(regions),
                 "communes_dataset": len(togo_communes), "prefectures_study": checks.prefectures_sum(regions),
                 "prefectures_dataset": int(togo_communes["prefecture"].nunique()), "conflicts": conflict_ids(None)})
    out = pd.DataFrame(rows)
    out["differs"] = ((out["communes_study"] != out["communes_dataset"])
                      | (out["prefectures_study"] != out["prefectures_dataset"]))
    return out[["region_id", "region", "communes_study", "communes_dataset", "prefectures_study",
                "prefectures_dataset", "differs", "conflicts"]]


# ---- values the project computes for a data set's conflict rows ------------------------------------------------

#: Conflict fields whose value, on a row whose source is a data set (``kind`` dataset in sources.csv), the
#: project computes: such a row's ``value_printed`` describes the computation, it quotes nothing.
COMPUTED_FIELDS = ("regions.communes_count", "regions.prefectures_count", "regions.area_km2")


def computed_conflict_values(conflicts: pd.DataFrame, data_dir=None) -> pd.DataFrame:
    """The values behind the conflict rows of a data set, computed again from data/.

    One row per conflict row of a data set whose field is in ``COMPUTED_FIELDS``. Columns: conflict_id,
    value_printed (with conflict_id, the row's key), field, region_id, region, value (for the row's region:
    communes or distinct préfectures of togo_communes.csv, geodesic area in km² of the region's polygon),
    national (the same count for the whole list; NA for an area).
    """
    sources = load_table("sources", data_dir)
    datasets = set(sources.loc[sources["kind"] == "dataset", "source_id"])
    rows = conflicts[conflicts["source_id"].isin(datasets) & conflicts["field"].isin(COMPUTED_FIELDS)]
    columns = ["conflict_id", "value_printed", "field", "region_id", "region", "value", "national"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    regions = load_table("regions", data_dir).set_index("region_id")
    togo = load_table("togo_communes", data_dir)
    areas = region_areas(load_layer("regions", data_dir)) if (rows["field"] == "regions.area_km2").any() else None
    out = []
    for r in rows.itertuples():
        region_id = str(r.record_ids).split(";")[0].strip()
        part = togo[togo["region_id"] == region_id]
        if r.field == "regions.communes_count":
            value, national = len(part), len(togo)
        elif r.field == "regions.prefectures_count":
            value, national = part["prefecture"].nunique(), togo["prefecture"].nunique()
        else:
            value, national = round(float(areas[regions.loc[region_id, ISO]])), pd.NA
        out.append({"conflict_id": r.conflict_id, "value_printed": r.value_printed, "field": r.field,
                    "region_id": region_id, "region": regions.loc[region_id, "region"], "value": value,
                    "national": national})
    return pd.DataFrame(out, columns=columns)


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


# ---- recommendations -------------------------------------------------------------------------------------


def recommendations_by_audience(recommendations: pd.DataFrame) -> pd.DataFrame:
    """Recommendations indexed by (audience as printed, id), in the study's order."""
    df = recommendations[["audience_printed", "recommendation_id", "recommendation_printed"]]
    return df.set_index(["audience_printed", "recommendation_id"])


# ---- conflicts -----------------------------------------------------------------------------------------------


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
    descriptor = read_descriptor(data_dir)
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
