"""A short text summary of the dataset, in English, for ``coopdata summary``."""

from __future__ import annotations

from coopdata.core.text import is_missing
from coopdata.data.description import read_descriptor, study_source_id
from coopdata.data.loaders import load_communes, load_conflicts, load_partnerships, load_regions
from coopdata.views.style import fmt_int, fmt_num

MISSING = "—"


def summary_lines(data_dir=None) -> list[str]:
    """One line of counts, then one line per commune (region, population, area, coordinates)."""
    regions = load_regions(data_dir)
    communes = load_communes(data_dir)
    partnerships = load_partnerships(data_dir)
    conflicts = load_conflicts(data_dir)
    study = study_source_id(read_descriptor(data_dir))
    kinds = partnerships["record_type"].value_counts()
    rows = partnerships[partnerships["record_type"] == "partnership"]
    from_study = int((rows["source_id"] == study).sum())
    lines = [
        f"{len(regions)} regions, {len(communes)} communes "
        f"({int(communes['prodegol'].fillna(False).astype(bool).sum())} ProDeGoL), "
        f"{len(rows)} partnership rows ({from_study} of Tableau n°01, {len(rows) - from_study} from later sources), "
        f"{int(kinds.get('lead', 0))} leads, {int(kinds.get('mention', 0))} mentions, "
        f"{conflicts['conflict_id'].nunique()} conflicts ({len(conflicts)} competing values)",
    ]
    for c in communes.sort_values("commune").itertuples():
        if is_missing(c.population):
            pop = MISSING if is_missing(c.population_printed) else c.population_printed
        else:
            pop = fmt_int(c.population, "en")
        area = MISSING if is_missing(c.area_km2) else c.area_km2
        lines.append(f"  {c.commune:<12} {c.region:<9} pop. {pop:>10}  {area:>5} km²  "
                     f"({fmt_num(c.lat, 'en', 4)}, {fmt_num(c.lon, 'en', 4)})")
    return lines
