"""A short text summary of the dataset (the main job's output until the batch runner exists)."""

from __future__ import annotations

import pandas as pd

from coopdata.data.loaders import load_communes, load_conflicts, load_partnerships, load_regions


def summary_lines(data_dir=None) -> list[str]:
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
        pop = c.population_printed if pd.isna(c.population) else f"{int(c.population):,}"
        lines.append(f"  {c.commune:<12} {c.region:<9} pop. {pop:>10}  {c.area_km2:>5} km²  ({c.lat:.4f}, {c.lon:.4f})")
    return lines
