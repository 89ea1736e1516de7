"""« À retenir » of the overview report (05): the country and the programme, the partnerships and their models,
the conflicts between sources, the unknowns, and the latest national figure — each sentence computed from data/."""

from __future__ import annotations

import pandas as pd

from coopdata.analysis import overview, updates
from coopdata.analysis.lifecycle import date_key
from coopdata.core.i18n import check_lang, tr
from coopdata.core.text import is_missing
from coopdata.data.loaders import load_partnerships, load_study_figures, load_table
from coopdata.views.overview_tables import Citations, figure_label, period_text
from coopdata.views.style import fmt_int, fmt_num


def _country(figures: pd.DataFrame, communes: pd.DataFrame, lang: str) -> str | None:
    if not {"communes", "regions"} <= set(figures.index):
        return None
    prodegol = int(communes["prodegol"].fillna(False).astype(bool).sum())
    return tr("kp.05.communes", lang, communes=fmt_int(figures.loc["communes", "value"], lang),
              regions=fmt_int(figures.loc["regions", "value"], lang), section=figures.loc["communes", "source"],
              prodegol=fmt_int(prodegol, lang))


def _partnerships(partnerships: pd.DataFrame, study: str, lang: str) -> str:
    models = overview.models_table(partnerships)
    rows = models[models["record_type"] == "partnership"]
    added = partnerships[(partnerships["record_type"] == "partnership") & (partnerships["source_id"] != study)]
    return tr("kp.05.partnerships", lang, rows=fmt_int(rows["rows"].sum(), lang),
              cooperations=fmt_int(rows["cooperations"].sum(), lang), models=fmt_int(len(rows), lang),
              added=fmt_int(len(added), lang))


def _conflicts(conflicts: pd.DataFrame, study: str, lang: str) -> str:
    between = conflicts.loc[conflicts["source_id"] != study, "conflict_id"].nunique()
    unresolved = (conflicts.groupby("conflict_id")["used"].apply(lambda s: (s == "no").all())).sum()
    return tr("kp.05.conflicts", lang, n=fmt_int(conflicts["conflict_id"].nunique(), lang),
              between=fmt_int(between, lang), unresolved=fmt_int(unresolved, lang))


def _unknowns(unknowns: pd.DataFrame, lang: str) -> str:
    found = unknowns[unknowns["n"] > 0]
    return tr("kp.05.unknowns", lang, kinds=fmt_int(found["topic"].nunique(), lang),
              cases=fmt_int(found["n"].sum(), lang))


def _latest_national(national: pd.DataFrame, sources: pd.DataFrame, lang: str) -> str | None:
    """The latest figure of a later source that counts what the study's partnership count counts."""
    paired = national[national["figure_id"].notna() & (national["study_figure_id"] == "partnerships_total")]
    if paired.empty:
        return None
    latest = max(paired.to_dict("records"),
                 key=lambda r: date_key("0" if is_missing(r["source_date"]) else str(r["source_date"])))
    value = float(latest["value"])
    what = figure_label(latest["figure_id"], latest["description"], lang)
    return tr("kp.05.national", lang, what=what[:1].lower() + what[1:],
              value=fmt_num(value, lang, 0 if value.is_integer() else 1), period=period_text(latest["period"]),
              source=Citations(sources, lang).full(latest["source_id"]), study=latest["study_value_printed"])


def key_points(data_dir=None, lang: str = "fr") -> list[str]:
    """Three to five sentences for the key points box of report 05, in ``lang`` (``**bold**`` for the figure)."""
    check_lang(lang)
    study = updates.study_id(data_dir)
    figures = load_study_figures(data_dir).set_index("figure_id")
    sources = load_table("sources", data_dir)
    national = updates.national_figures(load_table("reported_figures", data_dir), load_study_figures(data_dir),
                                        sources)
    points = [
        _country(figures, load_table("communes", data_dir), lang),
        _partnerships(load_partnerships(data_dir), study, lang),
        _conflicts(load_table("conflicts", data_dir), study, lang),
        _unknowns(overview.unknowns(data_dir), lang),
        _latest_national(national, sources, lang),
    ]
    return [p for p in points if p]
