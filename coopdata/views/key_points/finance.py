"""Key points of report 04 (§4.6.1, the study's mean share of decentralized cooperation in the budget).

Every sentence is computed from the printed amounts (``coopdata.analysis.finance``) and worded by the
``kp.04.*`` labels; ``**bold**`` marks the key figure. :func:`answer` is the plain answer to « can the
stated share be reproduced? », used in the key points and in the report's answer box.
"""

from __future__ import annotations

import pandas as pd

from coopdata.analysis.finance import DEFINITIONS, Reproduction, averages, ratios
from coopdata.core.i18n import check_lang, tr
from coopdata.views.style import colon, fmt_num, fmt_pct, list_sep


def _number(value: float, lang: str) -> str:
    """A number with as few decimals as it needs (1.0 → « 1 », 0.5 → « 0,5 »), at most two."""
    for decimals in (0, 1, 2):
        if abs(round(value, decimals) - value) < 1e-9:
            return fmt_num(value, lang, decimals)
    return fmt_num(value, lang, 2)


def points(value: float, lang: str) -> str:
    """« 1 point », « 1,5 point » (French: singular below 2), "1 point", "1.5 points" (English)."""
    singular = abs(value) < 2 if lang == "fr" else abs(value) == 1
    return tr("kp.04.point" if singular else "kp.04.points", lang, n=_number(value, lang))


def _names(ids, names: dict) -> list[str]:
    return [names.get(c, c) for c in ids]


def _join(items: list[str]) -> str:
    """« A, B, C »."""
    return ", ".join(items)


def describe(row: dict, n_communes: int, names: dict, lang: str) -> str:
    """A candidate of ``Reproduction`` in plain words: how it is averaged, over which communes, of what.

    Several definitions giving the same value (joined by ';') are described by the first one.
    """
    definition = tr(f"kp.04.def.{str(row['definition']).split(';')[0]}", lang)
    ids = str(row["communes"]).split(";")
    if len(ids) == 1:
        text = tr("kp.04.method.single", lang, definition=definition, commune=names.get(ids[0], ids[0]))
    else:
        communes = (tr("kp.04.all_communes", lang, n=n_communes) if len(ids) == n_communes
                    else _join(_names(ids, names)))
        text = tr(f"kp.04.method.{row['method']}", lang, definition=definition, communes=communes)
    if row["amounts"] != "amount_fcfa":
        basis = tr(f"finance.amount_basis.{row['amounts']}", lang)
        text += f" ({basis})"
    return text


def answer(rep: Reproduction, names: dict | None = None, lang: str = "fr") -> list[str]:
    """The answer to « can the stated share be reproduced? » in plain sentences: the verdict, then
    (when there is one) the value of a single commune or of a part of the communes that comes near it."""
    check_lang(lang)
    names = names or {}
    stated, tol = _number(rep.stated, lang), points(rep.tolerance_pct_points, lang)
    if rep.reproduced:
        best = rep.grouped(rep.matches_all_communes).iloc[0].to_dict()
        out = [tr("kp.04.reproduced", lang, stated=stated, tol=tol, value=fmt_pct(best["value_pct"], lang),
                  what=describe(best, rep.n_communes, names, lang))]
    else:
        best = rep.closest_all_communes
        out = [tr("kp.04.not_reproduced", lang, stated=stated, tol=tol, n=rep.n_communes,
                  value=fmt_pct(best["value_pct"], lang), what=describe(best, rep.n_communes, names, lang))]
    near = rep.matches[rep.matches["n_communes"] < rep.n_communes]
    if len(near):
        # the FCFA amounts when one of them comes near, else the study's rounded euros
        fcfa = near[near["amounts"] == "amount_fcfa"]
        row = rep.grouped(fcfa if len(fcfa) else near).iloc[0].to_dict()
        key = "kp.04.near_single" if row["n_communes"] == 1 else "kp.04.near_subset"
        out.append(tr(key, lang, what=describe(row, rep.n_communes, names, lang),
                      value=fmt_pct(row["value_pct"], lang), n=rep.n_communes))
    return out


def key_points(finance: pd.DataFrame, rep: Reproduction, names: dict | None = None, lang: str = "fr") -> list[str]:
    """The « À retenir » sentences of report 04, in ``lang``.

    ``finance`` is the table of printed amounts (``coopdata.load_finance``), ``rep`` the result of
    ``reproduce_stated_average`` on it, ``names`` commune id → name.
    """
    check_lang(lang)
    names = names or {}
    table = ratios(finance)
    communes = _names(table["commune_id"], names)
    stated = _number(rep.stated, lang)
    out = [tr("kp.04.stated", lang, n=len(table), communes=_join(communes), stated=stated)]
    verdict, *near = answer(rep, names, lang)
    out.append(verdict)
    printed = list_sep(lang).join(f"{name}{colon(lang)}{fmt_pct(v * 100, lang)}"
                                  for name, v in zip(communes, table[DEFINITIONS[0]], strict=True))
    mean = averages(table).set_index(["definition", "method"]).loc[(DEFINITIONS[0], "mean"), "value"]
    out.append(tr("kp.04.as_printed", lang, items=printed, mean=fmt_pct(mean * 100, lang)))
    for row in table[table["budget_years"] != table["contribution_years"]].itertuples():
        out.append(tr("kp.04.period", lang, commune=names.get(row.commune_id, row.commune_id),
                      contribution_years=row.contribution_years, budget_years=row.budget_years,
                      per_year=fmt_pct(row.share_per_year * 100, lang),
                      as_printed=fmt_pct(row.share_as_printed * 100, lang)))
    return out + near
