"""Reader tables: ``html_table``, the one HTML table renderer, and ``with_headers``, which the ``*_display``
functions (``coopdata.views.overview_tables``, ``coopdata.views.finance_tables``) use to label their columns.

Analysis modules return frames with codes and numbers; the display functions turn codes into labels
(``tr``) and write numbers with ``coopdata.views.style``; ``html_table`` HTML-escapes every data text.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coopdata.core.i18n import check_lang, tr
from coopdata.core.text import esc, is_missing
from coopdata.views.style import fmt_int, fmt_num


def _cell_text(value, lang: str | None, precision: int) -> str:
    """One data cell as reader text: numbers in the language's format (style), text escaped (core.text.esc)."""
    if value is None or (not isinstance(value, str) and is_missing(value)):
        return "—"
    if isinstance(value, bool | np.bool_):
        return esc(value)
    if isinstance(value, int | np.integer):
        return fmt_int(value, lang) if lang else str(value)
    if isinstance(value, float | np.floating):
        return fmt_num(value, lang, precision) if lang else f"{value:.{precision}f}"
    return esc(value)


def html_table(df: pd.DataFrame, caption: str | None = None, *, index: bool = True, pre_line: bool = False,
               lang: str | None = None, precision: int = 1):
    """A pandas Styler with every data cell and index label HTML-escaped (and the caption too).

    Numbers get ``precision`` decimals; with ``lang`` they follow its conventions (« 1 234,5 » in
    French, « 1,234.5 » in English). ``pre_line`` keeps the line breaks of multi-line cells.
    """
    if lang is not None:
        check_lang(lang)
    styler = (df.style.format(lambda v: _cell_text(v, lang, precision))
              .format_index(esc, axis=0).format_index(esc, axis=1))
    if not index:
        styler = styler.hide(axis="index")
    styler.cell_ids = False  # no id on every cell: lighter pages, and ids free for anchors (conflict-C09)
    styles = [{"selector": "td, th", "props": "text-align: left; vertical-align: top; max-width: 30em;"}]
    if pre_line:
        styles.append({"selector": "td", "props": "white-space: pre-line;"})
    styler = styler.set_table_styles(styles)
    if caption:
        styler = styler.set_caption(esc(caption))
    return styler


def with_headers(df: pd.DataFrame, keys: dict[str, str], lang: str = "fr") -> pd.DataFrame:
    """The columns named in ``keys`` (column → label key), in that order, headed by their labels."""
    out = df[list(keys)].copy()
    out.columns = [tr(k, lang) for k in keys.values()]
    return out
