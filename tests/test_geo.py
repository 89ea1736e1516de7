"""coopdata.analysis.geography: geodesic areas, printed vs computed, and which region polygon holds each commune."""

import pandas as pd
import pytest
from conftest import AGOE, add_row, copy_data

import coopdata
from coopdata.analysis import geography as geo
from coopdata.data.sectors import write_derived

# Geodesic areas of the Natural Earth region polygons (data/geo/SOURCES.md, "Checked facts").
EXPECTED_KM2 = {"TG-S": 8654, "TG-K": 11589, "TG-C": 13228, "TG-P": 17213, "TG-M": 6181}


@pytest.fixture(scope="module")
def regions_gdf():
    return coopdata.load_layer("regions")


@pytest.fixture(scope="module")
def regions_table():
    return coopdata.load_regions()


def test_region_areas_are_geodesic_areas_of_the_full_polygons(regions_gdf):
    areas = geo.region_areas(regions_gdf)
    assert list(areas.index) == ["TG-S", "TG-K", "TG-C", "TG-P", "TG-M"]
    for iso, km2 in EXPECTED_KM2.items():
        assert areas[iso] == pytest.approx(km2, abs=1)
    assert areas.sum() == pytest.approx(56863, abs=2)


def test_regions_add_up_to_the_togo_outline(regions_gdf):
    togo = geo.geodesic_area_km2(coopdata.load_layer("country")).sum()
    assert geo.region_areas(regions_gdf).sum() == pytest.approx(togo, rel=0.001)


def test_simplified_layer_changes_each_area_by_at_most_one_km2(regions_gdf):
    full = geo.region_areas(regions_gdf)
    simplified = geo.region_areas(coopdata.load_layer("regions_simplified"))
    assert (full - simplified[full.index]).abs().max() <= 1.0


def test_area_comparison_flags_plateaux_only(regions_table, regions_gdf):
    cmp_ = geo.region_area_comparison(regions_table, regions_gdf).set_index("region_id")
    assert list(cmp_.index) == ["savanes", "kara", "centrale", "plateaux", "maritime"]
    assert cmp_.loc["plateaux", "area_printed_km2"] == 19975
    assert cmp_.loc["plateaux", "area_computed_km2"] == pytest.approx(17213, abs=1)
    assert cmp_.loc["plateaux", "diff_km2"] == pytest.approx(19975 - 17213, abs=1)
    assert cmp_.loc["plateaux", "diff_pct"] == pytest.approx(16.05, abs=0.05)
    assert cmp_.loc["savanes", "diff_pct"] == pytest.approx(-2.07, abs=0.05)
    assert cmp_["flagged"].tolist() == [False, False, False, True, False]
    assert geo.AREA_TOLERANCE_PCT == 5.0
    # The printed total is larger than Togo: the reason the Plateaux figure cannot be right (C14).
    assert cmp_["area_printed_km2"].sum() == 59173
    assert cmp_["area_printed_km2"].sum() > cmp_["area_computed_km2"].sum()


def test_tolerance_is_a_parameter(regions_table, regions_gdf):
    cmp_ = geo.region_area_comparison(regions_table, regions_gdf, tolerance_pct=2.0).set_index("region_id")
    assert set(cmp_.index[cmp_["flagged"]]) == {"savanes", "plateaux"}


def test_join_is_by_iso_code_not_by_row_order(regions_table, regions_gdf):
    shuffled = regions_gdf.iloc[[4, 2, 0, 3, 1]].reset_index(drop=True)
    joined = geo.join_regions(regions_table, shuffled).set_index("region_id")
    for rid, iso in zip(regions_table["region_id"], regions_table["iso_3166_2"], strict=True):
        assert joined.loc[rid, "iso_3166_2"] == iso
        expected = regions_gdf.loc[regions_gdf["iso_3166_2"] == iso, "geometry"].iloc[0]
        assert joined.loc[rid, "geometry"].equals(expected)
    cmp_ = geo.region_area_comparison(regions_table, shuffled).set_index("region_id")
    assert cmp_.loc["maritime", "area_computed_km2"] == pytest.approx(6181, abs=1)


def test_join_rejects_missing_or_duplicate_codes(regions_table, regions_gdf):
    with pytest.raises(ValueError, match="TG-M"):
        geo.join_regions(regions_table, regions_gdf[regions_gdf["iso_3166_2"] != "TG-M"])
    doubled = pd.concat([regions_table, regions_table.iloc[[0]]])
    with pytest.raises(ValueError, match="twice.*TG-S"):
        geo.join_regions(doubled, regions_gdf)


def test_each_commune_lies_in_its_region_polygon(regions_table, regions_gdf):
    check = geo.commune_region_check(coopdata.load_communes(), regions_gdf, regions_table)
    assert len(check) == 13
    assert check["inside"].all()
    assert (check["region_id_polygon"] == check["region_id"]).all()
    row = check.set_index("commune_id").loc["kloto-1"]  # Kpalimé, a few km from the Ghana border
    assert row["region_id_polygon"] == "plateaux"


def test_simplified_polygons_hold_the_communes_too(regions_table):
    check = geo.commune_region_check(coopdata.load_communes(), coopdata.load_layer("regions_simplified"),
                                     regions_table)
    assert check["inside"].all()


def test_commune_region_check_reports_a_misplaced_point(regions_table, regions_gdf):
    communes = coopdata.load_communes()
    moved = communes.copy()
    moved.loc[moved["commune_id"] == "tone-1", "region_id"] = "maritime"  # table says Maritime, point is in Savanes
    check = geo.commune_region_check(moved, regions_gdf, regions_table).set_index("commune_id")
    assert not check.loc["tone-1", "inside"]
    assert check.loc["tone-1", "region_id_polygon"] == "savanes"
    assert check["inside"].sum() == 12


def test_points_off_polygons_allows_a_coast_and_finds_a_point_at_sea():
    context = coopdata.load_layer("context")
    # Mamoudzou (Mayotte) lies 0.013° off Natural Earth's 1:50 million coast: covered; the open sea is not.
    off = geo.points_off_polygons([45.22878, 1.0, 30.0], [-12.78234, 8.5, -30.0], context)
    assert off == [False, False, True]
    assert geo.points_off_polygons([45.22878], [-12.78234], context, tolerance_deg=0.001) == [True]


def test_a_commune_added_with_its_point_or_its_urban_centre_lies_in_its_region(tmp_path, regions_table,
                                                                                   regions_gdf):
    data = copy_data(tmp_path / "data")
    add_row(data / "communes.csv", AGOE)  # point given on the row
    add_row(data / "communes.csv", {"commune_id": "golfe-1", "commune": "Golfe 1", "prodegol": "False",
                                    "region_id": "maritime", "prefecture": "Golfe", "urban_centre": "Lomé",
                                    "source_id": "S004", "source": "communes.csv, id 95"})  # point of places
    write_derived(data)
    communes = coopdata.load_communes(data).set_index("commune_id")
    assert communes.loc["agoe-nyive-2", "point_basis"] == "row"
    assert (communes.loc["golfe-1", "point_basis"], communes.loc["golfe-1", "lat"]) == ("urban_centre", 6.12874)
    check = geo.commune_region_check(communes.reset_index(), regions_gdf, regions_table).set_index("commune_id")
    assert len(check) == 15 and check["inside"].all()
    assert check.loc[["agoe-nyive-2", "golfe-1"], "region_id_polygon"].tolist() == ["maritime", "maritime"]
