"""Commune × sector cells (data/sectors_current.csv, sectors_interest.csv) read as matrices, totals and gaps.

Frames in, frames out. ``unknown`` stays unknown: an interest is « not covered » (``gap``) only where a
current cell says ``no``; where it says ``unknown`` the interest is « not known to be covered ». The
cells themselves are derived from the text in ``coopdata.data.sectors``; the figures are in
``coopdata.views.sector_charts``.
"""

from __future__ import annotations

import pandas as pd

VALUES = ("yes", "no", "unknown")
#: Gap statuses of an interest: the first three are interests expressed (yes), the last is the rest.
GAP_STATUSES = ("covered", "gap", "not_known_covered", "interest_unknown")


def matrix(cells: pd.DataFrame, sectors: pd.DataFrame | None = None,
           communes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Wide commune × sector table of values (yes / no / unknown), in printed order."""
    wide = cells.pivot(index="commune_id", columns="sector_id", values="value")
    if sectors is not None:
        wide = wide[list(sectors.sort_values("position")["sector_id"])]
    if communes is not None:
        wide = wide.reindex(list(communes["commune_id"]))
    return wide


def totals(cells: pd.DataFrame, by: str) -> pd.DataFrame:
    """Counts of yes / no / unknown cells by ``commune_id`` or ``sector_id``."""
    counts = cells.groupby([by, "value"]).size().unstack(fill_value=0)
    for col in VALUES:
        if col not in counts:
            counts[col] = 0
    return counts[list(VALUES)]


def gaps(current: pd.DataFrame, interest: pd.DataFrame) -> pd.DataFrame:
    """Interests (yes) that no current cooperation is known to cover; status tells yes from unknown."""
    merged = interest.merge(current, on=["commune_id", "sector_id"], suffixes=("_interest", "_current"))
    merged = merged[merged["value_interest"] == "yes"]
    merged = merged.assign(
        status=merged["value_current"].map({"yes": "covered", "no": "gap", "unknown": "not_known_covered"})
    )
    return merged[["commune_id", "sector_id", "value_interest", "value_current", "status"]].reset_index(drop=True)


def gap_cells(current: pd.DataFrame, interest: pd.DataFrame) -> pd.DataFrame:
    """Every commune × sector with its gap status.

    ``covered`` (interest yes, current yes), ``gap`` (interest yes, current no: « not covered »),
    ``not_known_covered`` (interest yes, current unknown) from :func:`gaps`; ``interest_unknown`` where
    the interest itself is not known (or not yes).
    """
    status = gaps(current, interest).set_index(["commune_id", "sector_id"])["status"]
    cells = interest[["commune_id", "sector_id", "value"]].rename(columns={"value": "value_interest"})
    cells = cells.merge(current[["commune_id", "sector_id", "value"]].rename(columns={"value": "value_current"}),
                        on=["commune_id", "sector_id"], how="left", validate="one_to_one")
    keys = list(zip(cells["commune_id"], cells["sector_id"], strict=True))
    cells["status"] = [status.get(k, "interest_unknown") for k in keys]
    return cells


def gap_totals(current: pd.DataFrame, interest: pd.DataFrame, by: str) -> pd.DataFrame:
    """Counts of interests (yes) by ``commune_id`` or ``sector_id``: covered, gap (not covered),
    not_known_covered and their total interest_yes, in the order of the interest table."""
    if by not in ("commune_id", "sector_id"):
        raise ValueError(f"by must be 'commune_id' or 'sector_id', not {by!r}")
    cells = gap_cells(current, interest)
    order = list(dict.fromkeys(cells[by]))
    yes = cells[cells["status"] != "interest_unknown"]
    table = yes.groupby([by, "status"]).size().unstack(fill_value=0).reindex(order, fill_value=0)
    for col in GAP_STATUSES[:3]:
        if col not in table:
            table[col] = 0
    table = table[list(GAP_STATUSES[:3])].astype(int)
    table["interest_yes"] = table.sum(axis=1)
    table.columns.name = None
    return table.reset_index()


def _top(counts: pd.Series, order: list[str]) -> tuple[list[str], int]:
    """The ids of ``counts`` with the highest count (in ``order``), and that count; ([], 0) when all are 0."""
    counts = counts.reindex(order, fill_value=0)
    best = int(counts.max()) if len(counts) else 0
    return ([s for s in order if counts[s] == best] if best > 0 else []), best


def sector_facts(current: pd.DataFrame, interest: pd.DataFrame, sectors: pd.DataFrame | None = None) -> dict:
    """The figures the report's key points state, computed from the two matrices.

    ``current_top`` / ``interest_top``: the sectors (ids, ties kept, in printed order) with the most
    communes saying ``yes``, and that number; ``gap_top``: the sectors with the most interests (yes) that
    no current cooperation is known to cover (``gap`` + ``not_known_covered``), and that number;
    ``*_unknown``: cells of each matrix that are ``unknown``; ``no_cells``: cells saying ``no`` in either.
    """
    order = (list(sectors.sort_values("position")["sector_id"]) if sectors is not None
             else list(dict.fromkeys(current["sector_id"])))
    yes = {name: cells[cells["value"] == "yes"].groupby("sector_id").size()
           for name, cells in (("current", current), ("interest", interest))}
    gaps_by_sector = gap_totals(current, interest, "sector_id").set_index("sector_id")
    wanted_not_known = gaps_by_sector["gap"] + gaps_by_sector["not_known_covered"]
    return {
        "communes": int(current["commune_id"].nunique()),
        "sectors": len(order),
        "cells": len(current),
        "current_top": _top(yes["current"], order),
        "interest_top": _top(yes["interest"], order),
        "gap_top": _top(wanted_not_known, order),
        "current_unknown": int((current["value"] == "unknown").sum()),
        "interest_unknown": int((interest["value"] == "unknown").sum()),
        "no_cells": int((current["value"] == "no").sum() + (interest["value"] == "no").sum()),
    }
