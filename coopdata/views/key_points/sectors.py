"""« À retenir » of the sectors report (notebooks/03_sectors.ipynb): the most common sector of current
cooperation, the most wanted sector, the biggest gap between the two, and how much of both matrices is
unknown.

The figures come from :func:`coopdata.analysis.sectors.sector_facts`; the words from the ``kp.03.*``
labels. Nothing is typed in: a re-derived matrix (a new rule, a new commune) changes the sentences. Ties
are named together (« A », « B » et « C »).
"""

from __future__ import annotations

import pandas as pd

from coopdata.analysis.sectors import sector_facts
from coopdata.core.i18n import check_lang, tr
from coopdata.views.style import fmt_int

#: The box holds at most this many sentences (the report's conventions: 3 to 5).
MAX_POINTS = 5


def _top(key: str, tie_key: str, top: tuple[list[str], int], lang: str, **fmt) -> str | None:
    """``key`` (one sector) or ``tie_key`` (several), the sectors quoted and listed; None when none."""
    ids, n = top
    if not ids:
        return None
    names = [f"«\u00a0{tr(f'sector.{s}', lang)}\u00a0»" for s in ids]  # no line break inside the quotes
    if len(names) == 1:
        return tr(key, lang, sector=names[0], n=fmt_int(n, lang), **fmt)
    return tr(tie_key, lang, sectors=", ".join(names[:-1]), last=names[-1], n=fmt_int(n, lang), **fmt)


def key_points(current: pd.DataFrame, interest: pd.DataFrame, sectors: pd.DataFrame, lang: str = "fr") -> list[str]:
    """The report's key points (3 to 5 sentences, ``**bold**`` on the key figure) from the two matrices
    (the long tables of data/sectors_current.csv and data/sectors_interest.csv)."""
    check_lang(lang)
    facts = sector_facts(current, interest, sectors)
    total = fmt_int(facts["communes"], lang)
    points = [
        _top("kp.03.current_top", "kp.03.current_top_tie", facts["current_top"], lang, total=total),
        _top("kp.03.interest_top", "kp.03.interest_top_tie", facts["interest_top"], lang, total=total),
        _top("kp.03.gap_top", "kp.03.gap_top_tie", facts["gap_top"], lang),
        tr("kp.03.unknown", lang, cells=fmt_int(facts["cells"], lang), current=fmt_int(facts["current_unknown"], lang),
           interest=fmt_int(facts["interest_unknown"], lang)),
        tr("kp.03.no_no", lang) if facts["no_cells"] == 0 and facts["current_unknown"] + facts["interest_unknown"]
        else None,
    ]
    return [p for p in points if p][:MAX_POINTS]
