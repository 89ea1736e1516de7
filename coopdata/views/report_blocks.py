"""The reader's blocks of a report: the key points box, numbered captions, the downloads list.

A notebook makes one :class:`Report` after ``setup`` and goes through it for what a reader sees
besides prose::

    R = Report(P, "02")
    R.key_points([...sentences computed from the data...])
    R.figure(fig, tr("cap.02.timeline", P.lang))          # the figure, then « Figure 1 : ... »
    html_table(df, R.table(tr("cap.02.counts", P.lang)))  # « Tableau 2 : ... » as the table's caption
    R.downloads()                                         # one .xlsx of the report's CSVs, and links

Numbers follow the order of the calls, so they follow the report. The key points are also put in
the output's metadata (``coopdata.key_points``), where the run's index finds them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pandas as pd
from IPython.display import HTML, display

from coopdata.core.i18n import check_lang, tr
from coopdata.core.io import write_xlsx
from coopdata.core.text import esc
from coopdata.views.style import colon

KEY_POINTS_METADATA = "key_points"


def caption_html(kind: str, number: int, text: str, lang: str) -> str:
    """``<p class="cp-caption">`` « Figure 3 : text » with an anchor ``figure-3`` (text escaped)."""
    label = tr(f"report.{kind}", lang)
    return (f'<p class="cp-caption" id="{kind}-{number}"><span class="cp-caption-label">{esc(label)} {number}'
            f'</span>{esc(colon(lang))}{esc(text)}</p>')


def key_points_html(items: list[str], lang: str) -> str:
    """The « À retenir » / "Key points" box (items escaped; ``**bold**`` kept as bold)."""
    def item(text: str) -> str:
        return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", esc(text))

    title = esc(tr("report.key_points", lang))
    lis = "".join(f"<li>{item(t)}</li>" for t in items)
    return (f'<aside class="cp-keypoints" aria-labelledby="key-points"><h2 id="key-points">{title}</h2>'
            f"<ul>{lis}</ul></aside>")


@dataclass
class Report:
    """One report's reader blocks: numbered figures and tables, key points, downloads."""

    params: object  # coopdata.notebook.Params (lang, output_dir, tables_dir)
    prefix: str  # the file prefix of the report's tables and figures: "02", or a commune's key
    figures: int = 0
    tables: int = 0
    points: list[str] = field(default_factory=list)
    workbook: Path | None = None

    @property
    def lang(self) -> str:
        return check_lang(self.params.lang)

    def key_points(self, items: list[str]) -> None:
        """Show the key points box (and record the items for the run's index)."""
        self.points = [str(i) for i in items if str(i).strip()]
        display(HTML(key_points_html(self.points, self.lang)),
                metadata={"coopdata": {KEY_POINTS_METADATA: self.points}})

    def figure_caption(self, text: str) -> HTML:
        self.figures += 1
        return HTML(caption_html("figure", self.figures, text, self.lang))

    def figure(self, fig, text: str) -> None:
        """Show ``fig`` (plotly figure, folium map, HTML) and under it its numbered caption.

        A plotly figure without an alt text of its own gets the caption as its accessible name
        (``layout.meta.alt``, read by the SVG renderer).
        """
        if hasattr(fig, "update_layout"):
            meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
            if not meta.get("alt"):  # a figure's own alt text (e.g. the sheet's timeline) is kept
                fig.update_layout(meta={**meta, "alt": text})
        display(fig)
        display(self.figure_caption(text))

    def table(self, text: str) -> str:
        """The numbered caption of the next table, to give to ``html_table`` (« Tableau 2 : text »)."""
        self.tables += 1
        return f"{tr('col.kind', self.lang)} {self.tables}{colon(self.lang)}{text}"

    def table_files(self) -> list[Path]:
        """The CSV files of this report in its tables folder, the other language's left out."""
        other = [f"_{lang}.csv" for lang in ("fr", "en") if lang != self.lang]
        folder = Path(self.params.output_dir) / "tables"
        files = sorted(folder.glob(f"{self.prefix}_*.csv")) if folder.is_dir() else []
        return [p for p in files if not any(p.name.endswith(o) for o in other)]

    def downloads(self) -> None:
        """Write one ``.xlsx`` with a sheet per CSV of the report and show the links to the files.

        Returns nothing (a cell may end with it and display nothing more); the workbook's path is
        ``self.workbook``.

        Links are relative to the report's HTML page, which the batch writes beside the report's
        folder (``<lang>/<name>.html`` next to ``<lang>/<name>/tables/``).
        """
        files = self.table_files()
        if not files:
            return
        sheets = {p.stem: pd.read_csv(p, encoding="utf-8-sig", keep_default_na=False, na_values=[""])
                  for p in files}
        book = Path(self.params.output_dir) / "tables" / f"{self.prefix}_{tr('run.tables', self.lang)}.xlsx"
        write_xlsx(sheets, book)
        base = Path(self.params.output_dir).name
        def link(p: Path, label: str) -> str:
            return f'<a href="{esc(quote(f"{base}/tables/{p.name}"))}" download>{esc(label)}</a>'
        items = [f"<li>{link(book, tr('report.download_xlsx', self.lang))} ({esc(book.name)})</li>"]
        items += [f"<li>{link(p, p.name)}</li>" for p in files]
        display(HTML(f'<section class="cp-downloads"><h2 id="downloads">{esc(tr("report.downloads", self.lang))}'
                     f"</h2><p>{esc(tr('report.downloads_note', self.lang))}</p><ul>{''.join(items)}</ul></section>"))
        self.workbook = book
