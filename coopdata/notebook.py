"""What every notebook does first: check its parameters and set up offline-friendly output."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import plotly.io as pio

from coopdata.core.errors import ParameterError
from coopdata.core.i18n import check_lang, use_data_dir
from coopdata.core.paths import OUTPUTS_DIR, resolve_data_dir


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


def configure_plotly() -> None:
    # The mimetype renders in JupyterLab; "notebook" embeds plotly.js once per notebook so that
    # figures survive nbconvert's HTML export with no network.
    pio.renderers.default = "plotly_mimetype+notebook"
