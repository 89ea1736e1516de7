"""A short text summary of the dataset, in English, for ``coopdata summary``."""

from __future__ import annotations

from coopdata.core.text import is_missing
from coopdata.data.loaders import load_communes, load_conflicts, load_partnerships, load_regions
from coopdata.views.style import fmt_int, fmt_num


def summary_lines(data_dir=None) -> list[str]:
    """One line of counts, then one line per commune (region, population, area, coordinates)."""
    regions = load_regions(data_dir)
    communes = load_communes(data_dir)
    partnerships = load_partnerships(data_dir)
    conflicts = load_conflicts(data_dir)
    kinds = partnerships["record_type"].value_counts()
    lines = [
        f"{len(regions)} regions, {len(communes)} communes, "
        f"{int(kinds.get('partnership', 0))} partnership rows (Tableau n°01), "
        f"{int(kinds.get('lead', 0))} leads, {int(kinds.get('mention', 0))} mentions, "
        f"{conflicts['conflict_id'].nunique()} conflicts ({len(conflicts)} competing values)",
    ]
    for c in communes.sort_values("commune").itertuples():
        pop = c.population_printed if is_missing(c.population) else fmt_int(c.population, "en")
        lines.append(f"  {c.commune:<12} {c.region:<9} pop. {pop:>10}  {c.area_km2:>5} km²  "
                     f"({fmt_num(c.lat, 'en', 4)}, {fmt_num(c.lon, 'en', 4)})")
    return lines
