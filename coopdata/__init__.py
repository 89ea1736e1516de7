"""coopdata: sourced data, maps and figures on the decentralized cooperation of 13 Togolese communes."""

from coopdata import _speedups  # noqa: F401  (must run before jsonschema is imported)
from coopdata.core.errors import DataError
from coopdata.data.loaders import (
    load_challenges,
    load_communes,
    load_conflicts,
    load_events,
    load_finance,
    load_governance,
    load_governance_modes,
    load_layer,
    load_partnerships,
    load_recommendations,
    load_regions,
    load_sector_rules,
    load_sectors,
    load_study_figures,
    load_swot,
    load_table,
    load_web_references,
)

__version__ = "0.1.0"

__all__ = [
    "DataError",
    "load_challenges",
    "load_communes",
    "load_conflicts",
    "load_events",
    "load_finance",
    "load_governance",
    "load_governance_modes",
    "load_layer",
    "load_partnerships",
    "load_recommendations",
    "load_regions",
    "load_sector_rules",
    "load_sectors",
    "load_study_figures",
    "load_swot",
    "load_table",
    "load_web_references",
]
