"""Check that the values of data/ are printed at the lines their rows cite.

``coopdata verify-source STUDY.txt`` reads the study's text extraction (which users may not have,
so it is never read by the loaders or the tests) and, for every row citing the study (source_id of
the study, see sources.csv), looks for the row's printed values in the cited lines. Rows of other
sources (later pages, datasets) are skipped: they cite no lines of the study. Numbers are searched
in the French form the study prints (« 176 605 », « 1 830 km2 »).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from coopdata.data.description import read_descriptor, study_source_id
from coopdata.data.loaders import load_table

_RANGE = re.compile(r"^(\d+)(?:-(\d+))?$")


def parse_lines(spec) -> list[int]:
    """'564-582; 349' -> [564, ..., 582, 349]"""
    out: list[int] = []
    if spec is None or pd.isna(spec) or not str(spec).strip():
        return out
    for part in str(spec).split(";"):
        m = _RANGE.match(part.strip())
        if not m:
            raise ValueError(f"bad line range {part!r}")
        a, b = int(m.group(1)), int(m.group(2) or m.group(1))
        out.extend(range(a, b + 1))
    return out


def french_int(n: int) -> str:
    """176605 -> '176 605' (groups of three, as the study prints them)."""
    return f"{int(n):,}".replace(",", " ")


def _norm(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip().lower()


@dataclass
class Finding:
    table: str
    row_id: str
    column: str
    value: str
    lines: str

    def __str__(self) -> str:
        return f"{self.table} {self.row_id}: {self.column} {self.value!r} not found at lines {self.lines}"


# table -> (id column, [(column, renderer)]); a renderer turns a cell into the text to find
CHECKS = {
    "regions": ("region_id", [("prefectures_count", lambda v: f"{v} Préfectures"),
                              ("communes_count", lambda v: f"{v} communes"),
                              ("area_km2", lambda v: f"{french_int(v)} km2"), ("main_ethnic_group", str)]),
    "communes": ("commune_id", [("urban_centre", str), ("distance_km", lambda v: f"{v} km"), ("mayor", str),
                                ("population_printed", str), ("area_km2", lambda v: f"{french_int(v)} km2"),
                                ("petit_plus", str), ("cooperation_sentence", str), ("prefecture", str)]),
    "partnerships": ("partnership_id", [("start_year", str), ("sectors_printed", str)]),
    "finance": ("finance_id", [("amount_printed", str), ("eur_printed", str), ("period_printed", str)]),
    "web_references": ("ref_id", [("url", str), ("label_printed", str)]),
    "conflicts": ("conflict_id", [("value_printed", str)]),
    "study_figures": ("figure_id", [("value_printed", str)]),
    "governance_modes": ("mode", [("body_printed", str), ("communes_count", str)]),
    "swot": ("item_id", [("item_printed", str)]),
    "challenges": ("challenge_id", [("challenge_printed", str)]),
    "recommendations": ("recommendation_id", [("recommendation_printed", str)]),
    "events": ("event_id", [("start", lambda v: str(v)[:4]), ("end", lambda v: str(v)[:4])]),
    "partnership_events": ("event_id", [("quotation", str)]),
}


def verify(study_path: str | Path, data_dir=None) -> tuple[int, list[Finding]]:
    """(number of values checked, findings for the values not found where cited)."""
    lines = Path(study_path).read_text(encoding="utf-8").splitlines()
    study = study_source_id(read_descriptor(data_dir))
    checked, findings = 0, []
    for table, (id_col, cols) in CHECKS.items():
        df = load_table(table, data_dir)
        for row in df[(df["source_id"] == study).fillna(False).astype(bool)].itertuples(index=False):
            spec = row.source_lines
            numbers = parse_lines(spec)
            if not numbers:
                continue
            text = _norm(" ".join(lines[n - 1] for n in numbers if 0 < n <= len(lines)))
            for col, render in cols:
                value = getattr(row, col)
                if value is None or pd.isna(value) or str(value) == "":
                    continue
                wanted = render(value)
                if table == "conflicts" and " (no " in wanted:
                    wanted = wanted.split(" (no ")[0]  # the « (no …) » part says what is absent
                checked += 1
                if not _found(_norm(wanted), text):
                    findings.append(Finding(table, str(getattr(row, id_col)), col, str(value), str(spec)))
    return checked, findings


def _found(wanted: str, text: str) -> bool:
    if wanted in text:
        return True
    # tables broken by the PDF extraction: every word of the value, in order, within the cited lines
    pos = 0
    for word in re.findall(r"\w+", wanted):
        i = text.find(word, pos)
        if i < 0:
            return False
        pos = i + len(word)
    return True
