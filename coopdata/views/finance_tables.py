"""Reader tables and the verdict of §4.6.1 (notebook 04), from the frames of ``coopdata.analysis.finance``.

Labels come from ``tr``, numbers in running text from ``coopdata.views.style``; tables keep their numbers
numeric so that ``views.tables.html_table(..., lang=...)`` writes them in the reader's language.
"""

from __future__ import annotations

import pandas as pd

from coopdata.analysis.finance import DEFINITIONS, METHODS, Reproduction, averages, euro_table
from coopdata.core.i18n import check_lang, tr
from coopdata.views.style import colon, fmt_num, fmt_pct, list_sep


def _decimals(value: float) -> int:
    """Decimals needed to write ``value`` as its shortest form (1.0 → 0, 0.25 → 2)."""
    return len(f"{value:f}".rstrip("0").partition(".")[2])


def _communes(ids, names: dict) -> str:
    return ", ".join(names.get(c, c) for c in str(ids).split(";"))


def _definitions(ids, lang: str) -> str:
    """Definitions that give the same value (joined by ';') as « A = B »."""
    return " = ".join(tr(f"finance.def.{d}", lang) for d in str(ids).split(";"))


def describe(row: dict, lang: str = "fr", names: dict | None = None) -> str:
    """A candidate of ``Reproduction`` as « definition — method — communes (amounts) » in ``lang``."""
    method = tr(f"finance.method.{row['method']}", lang)
    basis = tr(f"finance.amount_basis.{row['amounts']}", lang)
    return f"{_definitions(row['definition'], lang)} — {method} — {_communes(row['communes'], names or {})} ({basis})"


def verdict(rep: Reproduction, lang: str = "fr", names: dict | None = None) -> str:
    """The finding of ``reproduce_stated_average`` in a few sentences, in ``lang``."""
    check_lang(lang)
    stated = fmt_num(rep.stated, lang, 0)
    if rep.reproduced:
        best = rep.grouped(rep.matches_all_communes).iloc[0].to_dict()
        text = tr("finance.verdict.reproduced", lang, what=describe(best, lang, names),
                  value=fmt_pct(best["value_pct"], lang), stated=stated)
    else:
        best = rep.closest_all_communes
        tol = rep.tolerance_pct_points
        text = tr("finance.verdict.not_reproduced", lang, what=describe(best, lang, names),
                  value=fmt_pct(best["value_pct"], lang), gap=fmt_num(best["gap_pp"], lang, signed=True),
                  tol=fmt_num(tol, lang, _decimals(tol)), n=rep.n_communes, stated=stated)
    others = rep.grouped(rep.matches[rep.matches["n_communes"] < rep.n_communes])
    if len(others):
        items = list_sep(lang).join(f"{describe(r, lang, names)}{colon(lang)}{fmt_pct(r['value_pct'], lang)}"
                                    for r in others.to_dict("records"))
        key = "finance.verdict.single" if (others["n_communes"] == 1).all() else "finance.verdict.subset"
        text += " " + tr(key, lang, items=items)
    return text


def candidates_display(rep: Reproduction, names: dict | None = None, lang: str = "fr", n: int | None = 10,
                       all_communes: bool = False, amounts: str | None = None,
                       best_per_definition: bool = False) -> pd.DataFrame:
    """The candidates nearest to the stated figure, for reading: definitions giving the same value
    merged (« A = B »), labels in ``lang``, values rounded to 0.1.

    ``all_communes`` keeps the averages of all the communes, ``amounts`` one amount basis,
    ``best_per_definition`` the nearest candidate of each definition only.
    """
    check_lang(lang)
    names = names or {}
    rows = rep.candidates
    if all_communes:
        rows = rows[rows["n_communes"] == rep.n_communes]
    if amounts is not None:
        rows = rows[rows["amounts"] == amounts]
    if best_per_definition:
        rows = rows.loc[rows.groupby("definition", sort=False)["gap_pp"].apply(lambda g: g.abs().idxmin())]
    else:
        rows = rep.grouped(rows)
    rows = rows.head(n) if n is not None else rows
    out = pd.DataFrame({
        tr("finance.amounts", lang): [tr(f"finance.amount_basis.{a}", lang) for a in rows["amounts"]],
        tr("finance.definition", lang): [_definitions(v, lang) for v in rows["definition"]],
        tr("finance.method", lang): [tr(f"finance.method.{m}", lang) for m in rows["method"]],
        tr("communes", lang): [_communes(v, names) for v in rows["communes"]],
        tr("finance.share_pct", lang): rows["value_pct"].round(1).to_numpy(),
        tr("finance.gap_pp", lang): rows["gap_pp"].round(1).to_numpy(),
    })
    return out.reset_index(drop=True)


def amounts_display(finance: pd.DataFrame, names: dict | None = None, lang: str = "fr") -> pd.DataFrame:
    """The printed amounts for reading: FCFA, period, euros at the peg beside the study's euros."""
    check_lang(lang)
    names = names or {}
    euros = euro_table(finance).set_index("finance_id").loc[finance["finance_id"]]
    return pd.DataFrame({
        tr("col.commune", lang): [names.get(c, c) for c in finance["commune_id"]],
        tr("finance.item", lang): [tr(f"finance_item.{i}", lang) for i in finance["item"]],
        tr("finance.amount_printed", lang): finance["amount_printed"].to_numpy(),
        tr("finance.amount_fcfa", lang): finance["amount_fcfa"].to_numpy(),
        tr("finance.period_printed", lang): finance["period_printed"].fillna("—").to_numpy(),
        tr("finance.period_years", lang): finance["period_years"].to_numpy(),
        tr("finance.period_basis", lang): [tr(f"period_basis.{b}", lang) for b in finance["period_basis"]],
        tr("finance.eur_exact", lang): euros["eur_exact"].round(0).astype("Int64").to_numpy(),
        tr("finance.eur_approx", lang): finance["eur_approx"].to_numpy(),
        tr("finance.eur_diff_pct", lang): euros["eur_diff_pct"].round(1).to_numpy(),
    })


def shares_display(ratios: pd.DataFrame, names: dict | None = None, lang: str = "fr") -> pd.DataFrame:
    """Communes × definitions in %, with a row per average (mean, median, pooled), one decimal."""
    check_lang(lang)
    names = names or {}
    rows = {names.get(c, c): ratios.loc[ratios["commune_id"] == c, list(DEFINITIONS)].iloc[0]
            for c in ratios["commune_id"]}
    avg = averages(ratios)
    for method in METHODS:
        rows[tr(f"finance.method.{method}", lang)] = avg[avg["method"] == method].set_index("definition")["value"]
    out = pd.DataFrame(rows).T[list(DEFINITIONS)].astype(float) * 100
    out.columns = [tr(f"finance.def.{d}", lang) for d in DEFINITIONS]
    return out.round(1)
