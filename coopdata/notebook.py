"""What every notebook does first: check its parameters and set up offline-friendly output."""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import plotly.io as pio
from plotly.io._base_renderers import MimetypeRenderer

from coopdata.core.errors import ParameterError
from coopdata.core.i18n import check_lang, use_data_dir
from coopdata.core.paths import OUTPUTS_DIR, resolve_data_dir
from coopdata.core.text import esc
from coopdata.report.png import plotly_svg_text


@dataclass
class Params:
    lang: str
    as_of: dt.date
    data_dir: Path
    output_dir: Path
    extra: dict = field(default_factory=dict)

    @property
    def figures_dir(self) -> Path:
        d = self.output_dir / "figures"
        d.mkdir(parents=True, exist_ok=True)
        return d

    @property
    def tables_dir(self) -> Path:
        d = self.output_dir / "tables"
        d.mkdir(parents=True, exist_ok=True)
        return d


def parse_date(value) -> dt.date:
    if isinstance(value, dt.date):
        return value
    if value in (None, ""):
        return dt.date.today()
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ParameterError(f"as_of must be a date YYYY-MM-DD, not {value!r}") from None


def setup(lang="fr", as_of=None, data_dir=None, output_dir=None, **extra) -> Params:
    """Validate the common parameters, configure plotly for offline HTML and return them."""
    try:
        check_lang(lang)
    except ValueError as exc:
        raise ParameterError(f"lang must be 'fr' or 'en', not {lang!r}") from exc
    as_of = parse_date(as_of)
    if as_of.year < 1958:
        raise ParameterError(f"as_of {as_of} is before the first partnership (1958)")
    data_dir = resolve_data_dir(data_dir)
    if not data_dir.is_dir():
        raise ParameterError(f"data_dir {str(data_dir)!r} is not a folder")
    use_data_dir(data_dir)  # the vocabularies' labels come from this folder's datapackage.json
    output_dir = Path(output_dir) if output_dir else OUTPUTS_DIR / "scratch"
    output_dir.mkdir(parents=True, exist_ok=True)
    configure_plotly()
    return Params(lang=lang, as_of=as_of, data_dir=data_dir, output_dir=output_dir.resolve(), extra=extra)


#: Width in CSS pixels of the static SVG of a figure (the report's text column); it scales down on phones.
SVG_WIDTH = 960


class StaticSVGRenderer(MimetypeRenderer):
    """``image/svg+xml`` of the figure, rendered by kaleido (the run's shared renderer in a batch).

    With the plotly mimetype beside it, JupyterLab still shows the interactive figure, while the
    HTML export (which does not know plotly's mimetype) shows the SVG: the reader's page loads no
    plotly.js (4.6 MB) and draws at once (docs/choices.md, « Light pages »). The SVG's root gets
    ``role="img"`` and an ``aria-label``: the figure's ``layout.meta.alt`` (set by
    ``Report.figure`` from the caption), else its title.
    """

    def to_mimebundle(self, fig_dict):
        layout = fig_dict.get("layout", {})
        width = int(layout.get("width") or SVG_WIDTH)
        svg = plotly_svg_text(fig_dict, width=width, height=layout.get("height"))
        meta = layout.get("meta") if isinstance(layout.get("meta"), dict) else {}
        title = layout.get("title")
        title = title.get("text") if isinstance(title, dict) else title
        alt = html.unescape(re.sub(r"<[^>]+>", " ", str(meta.get("alt") or title or ""))).strip()
        svg = re.sub(r"^\s*(?:<\?xml[^>]*>\s*)?<svg\b", f'<svg role="img" aria-label="{esc(alt)}"', svg, count=1)
        return {"image/svg+xml": svg}


def configure_plotly() -> None:
    # The mimetype renders interactively in JupyterLab; the SVG is what the exported report shows.
    pio.renderers["coopdata_svg"] = StaticSVGRenderer()
    pio.renderers.default = "plotly_mimetype+coopdata_svg"
