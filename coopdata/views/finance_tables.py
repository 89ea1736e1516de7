"""Reader tables and the verdict of §4.6.1 (notebook 04), from the frames of ``coopdata.analysis.finance``.

Labels come from ``tr``, numbers in running text from ``coopdata.views.style``; tables keep their numbers
numeric so that ``views.tables.html_table(..., lang=...)`` writes them in the reader's language.
"""

from __future__ import annotations

import re

import pandas as pd

from coopdata.analysis.finance import DEFINITIONS, METHODS, Reproduction, averages, euro_table, reserves
from coopdata.core.i18n import check_lang, has_label, tr
from coopdata.core.text import esc
from coopdata.views.style import colon, fmt_int, fmt_num, fmt_pct, list_sep


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


def _capital(text: str) -> str:
    """``text`` with its first letter in capital (« montants en FCFA » → « Montants en FCFA »)."""
    return text[:1].upper() + text[1:]


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
        tr("finance.amounts", lang): [_capital(tr(f"finance.amount_basis.{a}", lang)) for a in rows["amounts"]],
        tr("finance.definition", lang): [_definitions(v, lang) for v in rows["definition"]],
        tr("finance.method", lang): [tr(f"finance.method.{m}", lang) for m in rows["method"]],
        tr("communes", lang): [_communes(v, names) for v in rows["communes"]],
        tr("finance.share_pct", lang): rows["value_pct"].round(1).to_numpy(),
        tr("finance.gap_pp", lang): rows["gap_pp"].round(1).to_numpy(),
    })
    return out.reset_index(drop=True)


def _quote(text, lang: str) -> str:
    """A text printed by the study, as a quotation (« ... »); « — » when there is none."""
    if pd.isna(text) or not str(text).strip():
        return "—"
    if "«" in str(text) or "“" in str(text):  # already holds a quotation: leave it as printed
        return str(text)
    return f"«\u00a0{text}\u00a0»" if lang == "fr" else f"“{text}”"


def amounts_display(finance: pd.DataFrame, names: dict | None = None, lang: str = "fr") -> pd.DataFrame:
    """The printed amounts for reading: FCFA, period (quoted as printed), euros at the peg beside the
    study's euros. The digits as printed are in :func:`sources_display` (the annex)."""
    check_lang(lang)
    names = names or {}
    euros = euro_table(finance).set_index("finance_id").loc[finance["finance_id"]]
    return pd.DataFrame({
        tr("col.commune", lang): [names.get(c, c) for c in finance["commune_id"]],
        tr("finance.item", lang): [tr(f"finance_item.{i}", lang) for i in finance["item"]],
        tr("finance.amount_fcfa", lang): finance["amount_fcfa"].to_numpy(),
        tr("finance.period_printed", lang): [_quote(p, lang) for p in finance["period_printed"]],
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


def _inline(text: str) -> str:
    """``text`` HTML-escaped, ``**bold**`` kept as bold."""
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", esc(text))


def prose_html(items: list[str], as_list: bool = False) -> str:
    """Sentences as reader prose: paragraphs, or a bulleted list (``**bold**`` kept)."""
    if as_list:
        return '<ul class="cp-prose">' + "".join(f"<li>{_inline(t)}</li>" for t in items) + "</ul>"
    return "".join(f'<p class="cp-prose">{_inline(t)}</p>' for t in items)


#: The answer box: a plain frame, so that it reads as the report's answer wherever the style sheet is.
ANSWER_STYLE = "border-left: 4px solid #1f5f99; background: #eef2f7; padding: 0.5em 1em; margin: 0.8em 0;"


def answer_html(sentences: list[str]) -> str:
    """The answer to the report's question in a framed box (``coopdata.views.key_points.finance.answer``)."""
    return f'<div class="cp-callout" style="{ANSWER_STYLE}">{prose_html(sentences)}</div>'


def rounding_note(finance: pd.DataFrame, conflicts: pd.DataFrame, names: dict | None = None,
                  lang: str = "fr") -> str:
    """One sentence on the study's euros: the amount whose rounding is farthest from the exact
    conversion, with the conflicts on the study's euros that name it."""
    check_lang(lang)
    names = names or {}
    euros = euro_table(finance)
    worst = euros.loc[euros["eur_diff_pct"].abs().idxmax()]
    printed = finance.set_index("finance_id").loc[worst["finance_id"], "eur_printed"]
    on_euros = conflicts[conflicts["field"].fillna("").str.startswith("finance.eur")]
    ids = sorted({c for c, r in zip(on_euros["conflict_id"], on_euros["record_ids"].fillna(""), strict=True)
                  if worst["finance_id"] in r.split(";")})
    see = f" ({tr('finance.see', lang, ids=', '.join(ids))})" if ids else ""
    return tr("finance.rounding_note", lang, item=tr(f"finance_item.{worst['item']}", lang).lower(),
              commune=names.get(worst["commune_id"], worst["commune_id"]), printed=printed,
              exact=fmt_int(worst["eur_exact"], lang), diff=fmt_pct(worst["eur_diff_pct"], lang, signed=True),
              see=see)


def reserves_items(finance: pd.DataFrame, communes: pd.DataFrame, lang: str = "fr") -> list[str]:
    """The limits of the shares: what the figure measures (the study's own warning), then those found
    in the data (``analysis.finance.reserves``), as sentences."""
    check_lang(lang)
    found = reserves(finance, communes)
    out = [tr("finance.reserve.measure", lang),
           tr("finance.reserve.coverage", lang, k=found["communes_with_amounts"], n=found["communes"])]
    for key in ("period_mismatch", "period_implied", "period_years_unknown"):
        if found[key]:
            out.append(tr(f"finance.reserve.{key}", lang, communes=", ".join(found[key])))
    return out


def conflicts_display(conflicts: pd.DataFrame, lang: str = "fr") -> pd.DataFrame:
    """The conflicts on the finances for reading: reference, kind, subject, value as printed (quoted),
    where, whether it is used, and what the report does with it (a label per kind)."""
    check_lang(lang)

    def note(kind: str, rationale: str) -> str:
        key = f"finance.conflict_note.{kind}"
        return tr(key, lang) if has_label(key) else rationale

    return pd.DataFrame({
        tr("profile.ref", lang): conflicts["conflict_id"].to_numpy(),
        tr("col.nature", lang): [tr(f"conflict_kind.{k}", lang) for k in conflicts["kind"]],
        tr("col.subject", lang): conflicts["subject"].to_numpy(),
        tr("overview.value_printed", lang): [_quote(v, lang) for v in conflicts["value_printed"]],
        tr("overview.printed_at", lang): conflicts["printed_at"].to_numpy(),
        tr("overview.used", lang): [tr(f"answer.{u}", lang) for u in conflicts["used"]],
        tr("finance.conflict_note", lang): [note(k, r) for k, r in zip(conflicts["kind"], conflicts["rationale"],
                                                                     strict=True)],
    })


def sources_display(finance: pd.DataFrame, study_figures: pd.DataFrame, names: dict | None = None,
                    lang: str = "fr") -> pd.DataFrame:
    """Where each amount and the stated share are printed: the text as printed, section, text lines."""
    check_lang(lang)
    names = names or {}
    rows = [{
        tr("profile.ref", lang): r.finance_id,
        tr("col.commune", lang): names.get(r.commune_id, r.commune_id),
        tr("finance.item", lang): tr(f"finance_item.{r.item}", lang),
        tr("finance.amount_printed", lang): _quote(f"{r.amount_printed}, {r.eur_printed}", lang),
        tr("col.source", lang): r.source,
        tr("col.source_lines", lang): r.source_lines,
    } for r in finance.itertuples()]
    stated = study_figures[study_figures["figure_id"] == "finance_mean_share_pct"]
    rows += [{
        tr("profile.ref", lang): "—",
        tr("col.commune", lang): ", ".join(names.get(c, c) for c in pd.unique(finance["commune_id"])),
        tr("finance.item", lang): tr("finance.stated_share", lang),
        tr("finance.amount_printed", lang): _quote(r.value_printed, lang),
        tr("col.source", lang): r.source,
        tr("col.source_lines", lang): r.source_lines,
    } for r in stated.itertuples()]
    return pd.DataFrame(rows)
