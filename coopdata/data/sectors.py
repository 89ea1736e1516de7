"""Commune × sector matrices derived from the study's text by written rules (data/sector_rules.csv).

The checkmarks of Tableau n°03 and n°6 are lost in the text; a cell is ``yes`` only where a rule
ties a printed statement to it, otherwise ``unknown``. Nothing here ever writes ``no``. Reading the
cells (matrices, totals, gaps) is ``coopdata.analysis.sectors``.

The matrices reconstruct the study's two tables: only the study's partnership rows (source_id of the
study) enter them, and §5.1's statement about « les treize communes » applies to the ProDeGoL communes
only. A commune added from another source gets its rows, all ``unknown``; a partnership from a later
source keeps its printed domains on its own row and leaves the matrices as the study has them.
"""

from __future__ import annotations

import re

import pandas as pd

from coopdata.core.errors import DataError
from coopdata.core.io import table_csv_text, write_bytes_atomic
from coopdata.core.paths import resolve_data_dir
from coopdata.data.description import read_descriptor, resource, study_source_id
from coopdata.data.reading import read_table

SOURCES = {
    "current": "Tableau n°03, derived from Tableau n°01 by data/sector_rules.csv",
    "interest": "Tableau n°6, derived from §5.1 by data/sector_rules.csv",
}
UNKNOWN_BASIS = "The text does not say (the table's checkmarks are lost)."
_SPLIT = re.compile(r",|\bet\b")


def _phrase(term: str) -> re.Pattern:
    # whole words only, so that « culture » does not match « agriculture »
    return re.compile(r"(?<!\w)" + re.escape(term.lower()) + r"(?!\w)")


def match_domains(text: str, rules: pd.DataFrame, where: str = "") -> list[tuple[str, str]]:
    """(rule_id, sector_id) pairs found in a printed domain list; unmapped leftovers raise."""
    low = str(text).lower()
    found: list[tuple[str, str]] = []
    phrase_rules = rules[rules["scope"] == "phrase"]
    for rule in sorted(phrase_rules.itertuples(), key=lambda r: -len(r.term)):
        pattern = _phrase(rule.term)
        if pattern.search(low):
            found.append((rule.rule_id, rule.sector_id))
            low = pattern.sub(" ", low)
    unmapped = set(rules.loc[rules["scope"] == "unmapped", "term"].str.lower())
    for leftover in (t.strip() for t in _SPLIT.split(low)):
        if leftover and leftover not in unmapped:
            raise DataError("sector_rules.csv", f"printed domain term has no rule ({where})", value=leftover,
                            hint="Add a phrase rule or list it as unmapped")
    return found


def _present(value) -> bool:
    return value is not None and not pd.isna(value) and str(value).strip() != ""


def derive(kind: str, communes: pd.DataFrame, partnerships: pd.DataFrame, rules: pd.DataFrame,
           sectors: pd.DataFrame, table_rows: pd.DataFrame, study_source: str = "S001") -> pd.DataFrame:
    """The long commune × sector table for ``current`` or ``interest`` (see the module's docstring)."""
    rules = rules[rules["kind"] == kind]
    printed = set(table_rows.loc[table_rows["kind"] == kind, "commune_id"])
    support: dict[tuple[str, str], list[str]] = {}
    lines: dict[tuple[str, str], list[str]] = {}
    if kind == "current":
        mask = (partnerships["record_type"] == "partnership") & (partnerships["source_id"] == study_source)
        rows = partnerships[mask.fillna(False).astype(bool)]
        for p in rows.itertuples():
            if not _present(p.sectors_printed):
                continue
            for rule_id, sector_id in match_domains(p.sectors_printed, rules, p.partnership_id):
                support.setdefault((p.commune_id, sector_id), []).append(f"{rule_id}:{p.partnership_id}")
                lines.setdefault((p.commune_id, sector_id), []).append(p.source_lines)
    else:
        named = communes[communes["prodegol"].fillna(False).astype(bool)] if "prodegol" in communes else communes
        for rule in rules[rules["scope"] == "all_communes"].itertuples():
            for commune_id in named["commune_id"]:
                support.setdefault((commune_id, rule.sector_id), []).append(rule.rule_id)
                lines.setdefault((commune_id, rule.sector_id), []).append(rule.source_lines)
    out = []
    for commune_id in communes["commune_id"].dropna():
        for sector_id in sectors.sort_values("position")["sector_id"]:
            key = (commune_id, sector_id)
            known = key in support
            cited = [str(v) for v in lines.get(key, []) if _present(v)]
            out.append({
                "commune_id": commune_id,
                "sector_id": sector_id,
                "value": "yes" if known else "unknown",
                "in_printed_table": commune_id in printed,
                "basis": "; ".join(support[key]) if known else UNKNOWN_BASIS,
                "source_id": study_source,
                "source": SOURCES[kind],
                "source_lines": "; ".join(dict.fromkeys(cited)) if known and cited else None,
            })
    columns = ["commune_id", "sector_id", "value", "in_printed_table", "basis", "source_id", "source", "source_lines"]
    return pd.DataFrame(out, columns=columns)


def derive_from_dir(kind: str, data_dir=None) -> pd.DataFrame:
    tables = [read_table(name, data_dir) for name in ("communes", "partnerships", "sector_rules", "sectors",
                                                      "sector_table_rows")]
    return derive(kind, *tables, study_source=study_source_id(read_descriptor(data_dir)))


def derived_text(kind: str, data_dir=None) -> tuple[str, pd.DataFrame]:
    """The CSV text ``coopdata derive-sectors`` writes for ``kind``, and the table."""
    table = derive_from_dir(kind, data_dir)
    return table_csv_text(table), table


def write_derived(data_dir=None) -> list[tuple[str, pd.DataFrame]]:
    """Rewrite sectors_current.csv and sectors_interest.csv from the rules (atomically); (path, table) of each."""
    folder = resolve_data_dir(data_dir)
    texts = {kind: derived_text(kind, folder) for kind in ("current", "interest")}  # derive both before writing
    out = []
    for kind, (text, table) in texts.items():
        path = folder / resource(read_descriptor(folder), f"sectors_{kind}")["path"]
        write_bytes_atomic(path, text.encode("utf-8"))
        out.append((str(path), table))
    return out

