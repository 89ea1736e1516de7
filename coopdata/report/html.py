"""HTML export of executed notebooks that readers open offline (from a USB key).

nbconvert's ``lab`` template, extended by ``coopdata/templates/coopdata_offline.html.j2`` which
empties the blocks loading require.js, MathJax, mermaid and the widgets manager from CDNs, and
inlines ``coopdata/assets/print.css`` when it exists. Before rendering, outputs are cleaned of the
one network request the kernel side is known to add: plotly's notebook renderer puts
``<script src="https://cdnjs.cloudflare.com/ajax/libs/mathjax/...">`` in front of every figure
(``include_mathjax="cdn"`` is hard-coded in plotly 6/7). After rendering, :func:`external_resources`
looks for anything that would still be fetched (scripts, style sheets, fonts, images, frames, also
inside folium's ``<iframe srcdoc>``) and :func:`export_html` refuses to return such a page, so a
broken page is an error of the run, not a surprise on the reader's laptop. Links (``<a href>``)
stay: they are followed only when the reader clicks.

Code is hidden by default (the reader sees the narrative and the outputs); ``show_code=True``
keeps it. With code hidden, stderr streams (library warnings) are dropped from the HTML; the
executed notebook keeps them.
"""

from __future__ import annotations

import copy
import functools
import html
import re

from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from coopdata.core.i18n import tr
from coopdata.core.paths import PACKAGE_DIR, TEMPLATES_DIR
from coopdata.report.reader import finish_page, reader_cells, shown_to_reader

PRINT_CSS = PACKAGE_DIR / "assets" / "print.css"
READER_CSS = PACKAGE_DIR / "assets" / "reader.css"
TEMPLATE_FILE = "coopdata_offline.html.j2"

#: The MathJax loader plotly's notebook renderer writes in front of each figure (harmless to drop:
#: the project's figures use no LaTeX).
_PLOTLY_MATHJAX = re.compile(
    r"""<script\s+src=["']https://cdnjs\.cloudflare\.com/ajax/libs/mathjax/[^"']*["']\s*>\s*</script>""",
    re.IGNORECASE,
)
#: Elements that make the browser fetch their src/href/data as soon as the page loads.
_FETCHING_TAG = re.compile(
    r"""<(script|link|img|iframe|frame|embed|source|audio|video|object|input|image|use)\b[^>]*?"""
    r"""\b(?:src|href|data|srcset|poster|xlink:href)\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]+)""",
    re.IGNORECASE,
)
_CSS_IMPORT = re.compile(r"""@import\s+(?:url\(\s*)?["']?\s*((?:https?:)?//[^"')\s;]+)""")
_CSS_URL = re.compile(r"""url\(\s*["']?\s*((?:https?:)?//[^"')\s]+)""")
_ES_IMPORT = re.compile(r"""import\s*\(?\s*["']((?:https?:)?//[^"']+)["']""")
_SRCDOC = re.compile(r'srcdoc\s*=\s*"([^"]*)"')
_PLOTLY_BANNER = re.compile(r"\*\s*plotly\.js v\d+\.\d+\.\d+")


class OfflineHTMLError(RuntimeError):
    """An exported page would load something from the network, or embeds plotly.js twice."""


def external_resources(page: str) -> list[str]:
    """URLs the page would fetch on load (also inside ``srcdoc`` iframes), sorted, without duplicates."""
    found: set[str] = set()
    texts = [page] + [html.unescape(m.group(1)) for m in _SRCDOC.finditer(page)]
    for text in texts:
        found.update(m.group(2) for m in _FETCHING_TAG.finditer(text))
        for rx in (_CSS_IMPORT, _CSS_URL, _ES_IMPORT):
            found.update(m.group(1) for m in rx.finditer(text))
    return sorted(found)


def plotly_js_count(page: str) -> int:
    """How many copies of the plotly.js library the page embeds."""
    return len(_PLOTLY_BANNER.findall(page))


def notebook_title(nb, default: str = "", lang: str | None = None) -> str:
    """The first markdown heading of the notebook (without its #), else ``default``.

    With ``lang``, only the cells a reader of that language sees count (``lang-fr`` / ``lang-en`` tags).
    """
    for cell in nb.cells:
        if cell.cell_type != "markdown" or (lang and not shown_to_reader(cell, lang)):
            continue
        for line in cell.source.splitlines():
            m = re.match(r"^\s*#{1,6}\s+(.+?)\s*#*\s*$", line)
            if m:
                return m.group(1)
    return default


def read_print_css() -> str:
    """The text of ``coopdata/assets/print.css`` (empty when the file is missing)."""
    return PRINT_CSS.read_text(encoding="utf-8") if PRINT_CSS.is_file() else ""


def read_reader_css() -> str:
    """The report's style: ``reader.css`` then ``print.css`` (the sheet's print rules win)."""
    return READER_CSS.read_text(encoding="utf-8") + "\n" + read_print_css()


@functools.cache
def _html_exporter(show_code: bool, lang: str) -> HTMLExporter:
    """nbconvert's exporter with the offline template and the project's cell tags (one per setting)."""
    exporter = HTMLExporter(
        template_name="lab",
        template_file=TEMPLATE_FILE,
        extra_template_paths=[str(TEMPLATES_DIR)],
        exclude_input=not show_code,
        exclude_input_prompt=not show_code,
        exclude_output_prompt=not show_code,
        exclude_anchor_links=True,
        language_code=lang,
    )
    tags = TagRemovePreprocessor(
        remove_cell_tags={"remove-cell", "remove_cell"},
        remove_input_tags=set() if show_code else {"remove-input", "hide-input"},
        remove_all_outputs_tags={"remove-output", "remove_output"},
    )
    exporter.register_preprocessor(tags, enabled=True)
    return exporter


def remove_plotly_mathjax(nb) -> None:
    """Remove plotly's MathJax CDN loader from every text/html output (in place)."""
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = out.get("data")
            if data and "text/html" in data:
                text = data["text/html"]
                text = "".join(text) if isinstance(text, list) else text
                data["text/html"] = _PLOTLY_MATHJAX.sub("", text)


def drop_stderr_streams(nb) -> None:
    """Remove the stderr streams (library warnings) from every code cell's outputs (in place)."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell["outputs"] = [out for out in cell.get("outputs", [])
                               if not (out.get("output_type") == "stream" and out.get("name") == "stderr")]


def export_html(nb, *, title: str | None = None, lang: str = "fr", show_code: bool = False,
                index_href: str | None = None, page_name: str = "") -> str:
    """The reader's HTML page of an executed notebook; raises OfflineHTMLError if it is not offline.

    Only the cells a reader of ``lang`` sees are kept (:mod:`coopdata.report.reader`); ``index_href``
    is the link back to the run's index, ``page_name`` the page's file name (for cross-links).
    """
    nb = copy.deepcopy(nb)
    reader_cells(nb, lang)
    remove_plotly_mathjax(nb)
    if not show_code:
        drop_stderr_streams(nb)
    title = title or notebook_title(nb, "coopdata")
    resources = {"metadata": {"name": title}, "coopdata_css": read_reader_css(),
                 "figure_label": tr("report.figure", lang)}
    page, _ = _html_exporter(bool(show_code), lang).from_notebook_node(nb, resources=resources)
    page = finish_page(page, lang=lang, index_href=index_href, page_name=page_name)
    check_offline(page, what=title)
    return page


def check_offline(page: str, what: str = "page") -> None:
    """Raise OfflineHTMLError if ``page`` would fetch anything on load or embeds plotly.js more than once."""
    urls = external_resources(page)
    if urls:
        raise OfflineHTMLError(f"{what}: the HTML would load from the network: {', '.join(urls[:5])}")
    copies = plotly_js_count(page)
    if copies > 1:
        raise OfflineHTMLError(f"{what}: the HTML embeds plotly.js {copies} times (at most once)")
