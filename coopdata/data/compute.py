"""Small derived numbers, computed (never typed in)."""

from __future__ import annotations

import pandas as pd


def density(population: pd.Series, area_km2: pd.Series) -> pd.Series:
    """Inhabitants per km², NA where either side is unknown or the area is not positive."""
    pop = pd.to_numeric(population, errors="coerce").astype("Float64")
    area = pd.to_numeric(area_km2, errors="coerce").astype("Float64")
    return (pop / area.where(area > 0)).astype("Float64")
