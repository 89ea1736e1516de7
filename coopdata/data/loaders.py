"""Loaders returning validated pandas / GeoPandas frames.

Every loader takes ``data_dir=`` (default: $COOPDATA_DATA_DIR or the project's data/) and validates
the folder first (once per process), so bad data raises the same ``DataError`` as ``coopdata check``.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from coopdata.data.checks import commune_points
from coopdata.data.compute import density
from coopdata.data.description import read_descriptor, resource
from coopdata.data.reading import PathLike, read_table
from coopdata.data.validation import ensure_valid


def load_table(name: str, data_dir: PathLike = None, *, validate: bool = True) -> pd.DataFrame:
    """Any table of data/datapackage.json by resource name, typed from its schema (validated first)."""
    return read_table(name, ensure_valid(data_dir) if validate else data_dir)


def load_regions(data_dir: PathLike = None) -> pd.DataFrame:
    return load_table("regions", data_dir)


def load_communes(data_dir: PathLike = None):
    """The communes as a GeoDataFrame of points, with density.

    A commune's point is the lat and lon of its row when given, else its urban centre's (places, GeoNames);
    ``point_basis`` says which ("row" or "urban_centre").
    """

    communes = commune_points(load_table("communes", data_dir), load_table("places", data_dir))
    regions = load_table("regions", data_dir)[["region_id", "region"]]
    df = communes.merge(regions, on="region_id", how="left")
    df["density_per_km2"] = density(df["population"], df["area_km2"])
    geometry = gpd.points_from_xy(df["lon"].astype(float), df["lat"].astype(float), crs="EPSG:4326")
    return gpd.GeoDataFrame(df, geometry=geometry, crs="EPSG:4326")


def load_partnerships(data_dir: PathLike = None, record_types: tuple[str, ...] | None = None) -> pd.DataFrame:
    df = load_table("partnerships", data_dir)
    if record_types is not None:
        df = df[df["record_type"].isin(record_types)].reset_index(drop=True)
    return df


def load_sectors(kind: str = "current", data_dir: PathLike = None) -> pd.DataFrame:
    """Commune × sector cells (long form): ``"current"`` (Tableau n°03) or ``"interest"`` (Tableau n°6)."""
    if kind not in ("current", "interest"):
        raise ValueError(f"kind must be 'current' or 'interest', not {kind!r}")
    return load_table(f"sectors_{kind}", data_dir)


def load_sector_rules(data_dir: PathLike = None) -> pd.DataFrame:
    return load_table("sector_rules", data_dir)


def load_finance(data_dir: PathLike = None) -> pd.DataFrame:
    return load_table("finance", data_dir)


def load_governance(data_dir: PathLike = None) -> pd.DataFrame:
    return load_table("governance", data_dir)


def load_governance_modes(data_dir: PathLike = None) -> pd.DataFrame:
    return load_table("governance_modes", data_dir)


def load_conflicts(data_dir: PathLike = None) -> pd.DataFrame:
    return load_table("conflicts", data_dir)


def load_web_references(data_dir: PathLike = None) -> pd.DataFrame:
    return load_table("web_references", data_dir)


def load_study_figures(data_dir: PathLike = None) -> pd.DataFrame:
    return load_table("study_figures", data_dir)


def load_events(data_dir: PathLike = None) -> pd.DataFrame:
    return load_table("events", data_dir)


def load_swot(data_dir: PathLike = None) -> pd.DataFrame:
    return load_table("swot", data_dir)


def load_challenges(data_dir: PathLike = None) -> pd.DataFrame:
    return load_table("challenges", data_dir)


def load_recommendations(data_dir: PathLike = None) -> pd.DataFrame:
    return load_table("recommendations", data_dir)


LAYERS = {
    "regions": "layer_regions",
    "regions_simplified": "layer_regions_simplified",
    "country": "layer_country",
    "neighbours": "layer_neighbours",
    "context": "layer_context",
}


def load_layer(name: str, data_dir: PathLike = None):
    """A geographic layer as a GeoDataFrame (EPSG:4326).

    ``regions`` (full), ``regions_simplified`` (for the browser), ``country`` (Togo outline),
    ``neighbours``, ``context`` (with France and Germany) or ``places`` (GeoNames points).
    """

    if name == "places":
        places = load_table("places", data_dir)
        geometry = gpd.points_from_xy(places["lon"].astype(float), places["lat"].astype(float), crs="EPSG:4326")
        return gpd.GeoDataFrame(places, geometry=geometry, crs="EPSG:4326")
    if name not in LAYERS:
        raise ValueError(f"unknown layer {name!r}; choose one of {sorted([*LAYERS, 'places'])}")
    data_dir = ensure_valid(data_dir)
    res = resource(read_descriptor(data_dir), LAYERS[name])
    gdf = gpd.read_file(data_dir / res["path"])
    return gdf.set_crs("EPSG:4326", allow_override=True) if gdf.crs is None else gdf.to_crs("EPSG:4326")
