"""Geodesic areas of the regions, printed vs computed, which region polygon holds each commune, and which
points no polygon of a layer covers (:func:`points_off_polygons`).

Areas are computed on the *full* Natural Earth polygons (``load_layer("regions")``), never on the
simplified layer drawn in the browser, with ``pyproj.Geod`` on the WGS 84 ellipsoid (the same
method as data/geo/SOURCES.md's checked facts). The regions table (``data/regions.csv``) and the
polygons are joined by their ISO 3166-2 code (``iso_3166_2``: TG-S, TG-K, TG-C, TG-P, TG-M).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod

from coopdata.data.loaders import load_regions

#: A printed area is flagged when it differs from the computed one by more than this share (%)
#: of the computed area. The study's regional areas are rounded official figures, and the Natural
#: Earth borders are generalised (1:10 million): 4 of the 5 printed figures lie within ±2.1 % of
#: the polygons, so 5 % leaves room for both while catching a figure that cannot be right
#: (Plateaux, +16 %: conflict C14).
AREA_TOLERANCE_PCT = 5.0

ISO = "iso_3166_2"


def geodesic_area_km2(geometries) -> pd.Series:
    """Geodesic area (km², WGS 84 ellipsoid) of each geometry of a GeoSeries / GeoDataFrame."""
    geod = Geod(ellps="WGS84")
    geoms = getattr(geometries, "geometry", geometries)
    if geoms.crs is not None and not geoms.crs.equals("EPSG:4326"):
        geoms = geoms.to_crs("EPSG:4326")
    areas = [abs(geod.geometry_area_perimeter(g)[0]) / 1e6 if g is not None else float("nan") for g in geoms]
    return pd.Series(areas, index=geoms.index, dtype="float64", name="area_km2_computed")


def region_areas(regions_gdf) -> pd.Series:
    """Geodesic area (km²) of each region polygon, indexed by ISO 3166-2 code, in the layer's order."""
    _check_iso(regions_gdf, "region polygons")
    areas = geodesic_area_km2(regions_gdf)
    areas.index = pd.Index(regions_gdf[ISO].astype(str).to_numpy(), name=ISO)
    return areas


def _check_iso(df, what: str) -> None:
    if ISO not in df.columns:
        raise ValueError(f"{what} have no {ISO!r} column to join on")
    codes = df[ISO]
    if codes.isna().any():
        raise ValueError(f"{what}: some rows have no ISO 3166-2 code")
    dup = sorted(codes[codes.duplicated()].astype(str).unique())
    if dup:
        raise ValueError(f"{what}: ISO 3166-2 codes appear twice: {dup}")


def join_regions(regions_table: pd.DataFrame, regions_gdf):
    """The regions table with each row's polygon, joined on ISO 3166-2 code (table order kept).

    Every code must be on both sides exactly once; otherwise a ``ValueError`` names the codes.
    """
    _check_iso(regions_table, "regions table")
    _check_iso(regions_gdf, "region polygons")
    left, right = set(regions_table[ISO].astype(str)), set(regions_gdf[ISO].astype(str))
    if left != right:
        raise ValueError(
            f"regions table and polygons do not match on {ISO}: only in table {sorted(left - right)}, "
            f"only in polygons {sorted(right - left)}"
        )
    polys = regions_gdf[[ISO, "geometry"]].copy()
    polys[ISO] = polys[ISO].astype(str)
    table = regions_table.copy()
    table[ISO] = table[ISO].astype(str)
    merged = table.merge(polys, on=ISO, how="left", validate="one_to_one")
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=regions_gdf.crs)


def region_area_comparison(regions_table: pd.DataFrame, regions_gdf, tolerance_pct: float = AREA_TOLERANCE_PCT):
    """Printed area (study §3) next to the geodesic area of the polygon, per region.

    Columns: region_id, region, iso_3166_2, area_printed_km2, area_computed_km2,
    diff_km2 (printed − computed), diff_pct (of the computed area), flagged (|diff_pct| > tolerance).
    """
    joined = join_regions(regions_table, regions_gdf)
    computed = region_areas(regions_gdf)
    out = pd.DataFrame({
        "region_id": joined["region_id"].astype(str),
        "region": joined["region"].astype(str),
        ISO: joined[ISO],
        "area_printed_km2": pd.to_numeric(joined["area_km2"], errors="coerce").astype("float64"),
        "area_computed_km2": joined[ISO].map(computed).astype("float64"),
    })
    out["diff_km2"] = out["area_printed_km2"] - out["area_computed_km2"]
    out["diff_pct"] = 100.0 * out["diff_km2"] / out["area_computed_km2"]
    out["flagged"] = out["diff_pct"].abs() > tolerance_pct
    return out.reset_index(drop=True)


def commune_region_check(communes, regions_gdf, regions_table: pd.DataFrame | None = None, data_dir=None):
    """Which region polygon contains each commune's point, against the region the study gives.

    ``communes`` is ``load_communes()`` (points + ``region_id``); polygons are matched to region_id
    through the regions table's ISO 3166-2 codes (``regions_table`` or ``load_regions(data_dir)``).
    Columns: commune_id, commune, region_id, region_id_polygon (NA when no polygon holds the point),
    inside (bool).
    """
    if regions_table is None:
        regions_table = load_regions(data_dir)
    joined = join_regions(regions_table, regions_gdf)[["region_id", "geometry"]]
    joined = joined.rename(columns={"region_id": "region_id_polygon"})
    points = gpd.GeoDataFrame(
        communes[["commune_id", "commune", "region_id"]].copy(), geometry=communes.geometry, crs=communes.crs
    ).to_crs(joined.crs)
    hit = gpd.sjoin(points, joined, how="left", predicate="within")
    if hit.index.duplicated().any():
        raise ValueError("a commune point falls in more than one region polygon: the polygons overlap")
    hit = hit.loc[points.index]
    out = pd.DataFrame({
        "commune_id": hit["commune_id"].astype(str),
        "commune": hit["commune"].astype(str),
        "region_id": hit["region_id"].astype(str),
        "region_id_polygon": hit["region_id_polygon"].astype("string"),
    })
    out["inside"] = (out["region_id_polygon"] == out["region_id"]).fillna(False).astype(bool)
    return out.reset_index(drop=True)


def points_off_polygons(lon, lat, polygons, tolerance_deg: float = 0.1) -> list[bool]:
    """For each point (lon, lat): True when no polygon of ``polygons`` lies within ``tolerance_deg`` of it.

    The tolerance lets a coastal town sit just off a generalised coastline (Natural Earth 1:50 million:
    Mamoudzou is 0.013° from Mayotte's outline) and still count as covered.
    """
    geoms = getattr(polygons, "geometry", polygons)
    union = shapely.union_all([g for g in geoms if g is not None])
    points = shapely.points(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return [bool(d > tolerance_deg) for d in shapely.distance(points, union)]
