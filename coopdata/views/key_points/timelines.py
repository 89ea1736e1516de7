"""« À retenir » of the timelines report (notebooks/02_timelines.ipynb): how many partnerships the sources
record, the oldest, how many a source confirms after the study and what status the sources give, the most
frequent partner country and model, and the partnerships whose sources print different start years.

The figures come from :func:`coopdata.analysis.timelines.timeline_facts`; the words from the ``kp.02.*``
labels. Nothing is typed in: a new partnership, event or conflict changes the sentences.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from coopdata.analysis.timelines import commune_names, timeline_facts
from coopdata.core.i18n import check_lang, label_or_code, tr
from coopdata.views.charts import short_partner
from coopdata.views.style import fmt_int, fmt_partial_date, list_sep


def _count(facts: dict, lang: str) -> str:
    n, later = fmt_int(facts["partnerships"], lang), facts["later"]
    if not later:
        return tr("kp.02.count_study", lang, n=n)
    return tr("kp.02.count", lang, n=n, study=fmt_int(facts["from_study"], lang), later=fmt_int(later, lang))


def _oldest(facts: dict, names: dict, lang: str) -> str | None:
    if facts["first_year"] is None:
        return None
    which = list_sep(lang).join(f"{names.get(r['commune_id'], r['commune_id'])} – {short_partner(r['partner'])}"
                                for r in facts["oldest"])
    key = "kp.02.oldest" if len(facts["oldest"]) == 1 else "kp.02.oldest_many"
    return tr(key, lang, which=which, year=facts["first_year"])


def _confirmed(facts: dict, lang: str) -> str | None:
    if facts["survey"] is None:
        return None
    status = facts["status"]
    stated = [tr("kp.02.status_part", lang, status=tr(f"partnership_status.{s}", lang), n=fmt_int(k, lang))
              for s, k in status.items() if s != "unknown" and k]
    text = tr("kp.02.confirmed", lang, k=fmt_int(facts["confirmed_since"], lang),
              n=fmt_int(facts["partnerships"], lang), survey=fmt_partial_date(facts["survey"], lang))
    if stated:
        text += " " + tr("kp.02.status", lang, stated=", ".join(stated),
                         unknown=fmt_int(status.get("unknown", 0), lang))
    return text


def _most_frequent(facts: dict, lang: str) -> str | None:
    (country, k), (model, m) = facts["top_country"], facts["top_model"]
    if country is None or model is None:
        return None
    return tr("kp.02.most_frequent", lang, country=label_or_code(f"country.{country}", country, lang),
              k=fmt_int(k, lang), n=fmt_int(facts["partnerships"], lang), model=tr(f"model.{model}", lang),
              m=fmt_int(m, lang))


def _conflicts(facts: dict, lang: str) -> str:
    ids = facts["conflicts"]
    if not ids:
        return tr("kp.02.conflicts_none", lang)
    return tr("kp.02.conflicts", lang, n=fmt_int(len(ids), lang), ids=", ".join(ids))


def key_points(partnerships: pd.DataFrame, life_events: pd.DataFrame, conflicts: pd.DataFrame,
               sources: pd.DataFrame, communes: pd.DataFrame, as_of: dt.date, lang: str = "fr") -> list[str]:
    """The report's key points (3 to 5 sentences, ``**bold**`` on the key figure), as of ``as_of``."""
    check_lang(lang)
    facts = timeline_facts(partnerships, life_events, conflicts, sources, as_of)
    points = [_count(facts, lang), _oldest(facts, commune_names(communes), lang), _confirmed(facts, lang),
              _most_frequent(facts, lang), _conflicts(facts, lang)]
    return [p for p in points if p]
