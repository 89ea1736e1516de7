"""The transcribed dataset: real values from the study, keys, sums and the conflicts table."""

import json

import geopandas as gpd
import pandas as pd
import pytest

import coopdata
from coopdata.core.paths import DATA_DIR
from coopdata.data import checks, sectors
from coopdata.data.provenance import french_int, parse_lines

STUDY_LINES = 2481  # line count of the study's text extraction (data/SOURCES.md)


@pytest.fixture(scope="module")
def communes():
    return coopdata.load_communes().set_index("commune_id")


def test_thirteen_communes_with_region_population_area_coordinates(communes):
    assert len(communes) == 13
    assert communes["prodegol"].all()
    assert (communes["point_basis"] == "urban_centre").all()
    assert communes.loc["tone-1", "region"] == "Savanes"
    assert communes.loc["tone-1", "population"] == 176605
    assert communes.loc["tone-1", "area_km2"] == 438
    assert communes.loc["zio-1", "population"] == 241484
    assert communes.loc["bassar-1", "area_km2"] == 1830
    assert communes.loc["ogou-1", "mayor"] == "Mme Kouigan"
    assert communes.loc["oti-1", "distance_from"] == "Tône 1"
    assert communes[["lat", "lon"]].notna().all().all()
    assert communes.loc["kozah-1", "urban_centre"] == "Kara"
    assert communes.loc["kozah-1", "lat"] == pytest.approx(9.55111)


def test_malformed_population_stays_unknown(communes):
    assert pd.isna(communes.loc["kloto-1", "population"])
    assert communes.loc["kloto-1", "population_printed"] == "118 4640"
    assert pd.isna(communes.loc["kloto-1", "density_per_km2"])
    conflicts = coopdata.load_conflicts()
    assert "118 4640" in set(conflicts.loc[conflicts["conflict_id"] == "C01", "value_printed"])


def test_density_is_computed(communes):
    assert communes.loc["tone-1", "density_per_km2"] == pytest.approx(176605 / 438)


def test_study_phases(communes):
    first = set(communes.index[communes["study_phase"] == "2018-12"])
    assert first == {"tone-1", "kozah-1", "ogou-1"}


def test_each_commune_point_lies_in_its_region_polygon(communes):
    regions = coopdata.load_layer("regions").merge(coopdata.load_regions(), on="iso_3166_2")
    joined = gpd.sjoin(communes.reset_index(), regions[["region_id", "geometry"]], predicate="within")
    assert len(joined) == 13
    assert (joined["region_id_left"] == joined["region_id_right"]).all()


def test_regions_as_printed():
    regions = coopdata.load_regions().set_index("region_id")
    assert list(regions["iso_3166_2"]) == ["TG-S", "TG-K", "TG-C", "TG-P", "TG-M"]
    assert regions.loc["plateaux", "area_km2"] == 19975
    assert regions.loc["kara", "main_ethnic_group"] == "Kabiyè"
    assert checks.communes_sum(regions) == 117
    # the printed regional préfectures do not reach the national 39: recorded as conflict C13
    assert checks.prefectures_sum(regions) == 38
    assert "C13" in set(coopdata.load_conflicts()["conflict_id"])


def test_the_117_communes_of_togo_as_their_own_table():
    togo = coopdata.load_table("togo_communes")
    assert len(togo) == 117 and togo["commune"].is_unique
    assert togo.groupby("region_id").size().to_dict() == {"savanes": 16, "kara": 22, "centrale": 15, "plateaux": 32,
                                                          "maritime": 32}
    assert togo["prefecture"].nunique() == 39
    assert togo[togo["region_id"] == "maritime"]["prefecture"].nunique() == 8
    assert togo.set_index("upstream_id").loc[117, "commune"] == "Amou 3"
    assert set(togo["source_id"]) == {"S004"}
    named = set(togo["commune"])
    assert set(coopdata.load_table("communes")["commune"]) <= named
    desc = json.loads((DATA_DIR / "datapackage.json").read_text(encoding="utf-8"))
    res = next(r for r in desc["resources"] if r["name"] == "togo_communes")
    assert [lic["name"] for lic in res["licenses"]] == ["ODbL-1.0", "DbCL-1.0"]
    attribution = ("Contains information from Api_commune_Togo (github.com/Togodevelopers/Api_commune_Togo), which is "
                   "made available under the Open Database License (ODbL)")
    assert res["coopdata:attribution"] == attribution
    assert attribution in (DATA_DIR / "SOURCES.md").read_text(encoding="utf-8").replace("\n", " ")


def test_the_study_and_the_list_of_communes_disagree_on_counts():
    regions = coopdata.load_regions().set_index("region_id")
    togo = coopdata.load_table("togo_communes")
    counts = togo.groupby("region_id").size()
    differ = {r for r in regions.index if counts[r] != regions.loc[r, "communes_count"]}
    assert differ == {"savanes", "maritime"}
    assert (regions.loc["savanes", "communes_count"], counts["savanes"]) == (17, 16)
    assert (regions.loc["maritime", "communes_count"], counts["maritime"]) == (31, 32)
    assert counts.sum() == checks.communes_sum(regions) == 117
    assert (checks.prefectures_sum(regions), togo["prefecture"].nunique()) == (38, 39)
    c = coopdata.load_conflicts()
    for cid, region in (("C22", "savanes"), ("C23", "maritime")):
        rows = c[c["conflict_id"] == cid].set_index("source_id")
        assert rows.loc["S001", "value_printed"] == f"{regions.loc[region, 'communes_count']} communes"
        assert rows.loc["S004", "value_printed"].startswith(f"{counts[region]} communes")
    c13 = c[(c["conflict_id"] == "C13") & (c["source_id"] == "S004")]
    assert c13["value_printed"].iloc[0].startswith("39 préfectures, 8 of them in Région Maritime")


def test_partnerships_tableau_01():
    p = coopdata.load_partnerships(record_types=("partnership",))
    assert len(p) == 19 and set(p.loc[p["source_id"] != "S001", "partnership_id"]) == {"P18", "P19"}
    p = p[p["source_id"] == "S001"]  # the study's Tableau n°01
    assert len(p) == 17
    assert p["model"].value_counts().to_dict() == {"jumelage": 8, "regionale": 3, "syndicat": 3, "osc": 2,
                                                   "hors_jumelage": 1}
    first = p.loc[p["start_year"].idxmin()]
    assert (first["commune_id"], first["partner"], first["start_year"]) == ("ogou-1", "Niort", 1958)
    # every commune has at least one Tableau n°01 row (« les treize villes ont toutes bénéficié »)
    assert p["commune_id"].nunique() == 13
    # the regional cooperation is linked to each beneficiary commune named
    regional = p[p["model"] == "regionale"]
    assert set(regional["commune_id"]) == {"tchaoudjo-1", "tchamba-1", "sotouboua-1"}
    assert regional["group_id"].nunique() == 1


def test_leads_are_not_partnerships():
    p = coopdata.load_partnerships().set_index("partnership_id")
    assert p.loc["L01", "record_type"] == "lead" and p.loc["L01", "partner"] == "Saint Martin des Noyers"
    assert set(p.loc[p["model"] == "sud_sud", "partner"]) == {"Ouargaye", "Sanga"}
    assert p.loc["L04", "model"] == "triangulaire"
    assert p.loc[p["record_type"] != "partnership", "start_year"].isna().all()


def test_start_year_conflicts_use_tableau_01():
    p = coopdata.load_partnerships().set_index("partnership_id")
    c = coopdata.load_conflicts()
    years = c[c["kind"] == "start_year"]
    assert set(years.loc[years["source_id"] == "S001", "conflict_id"]) == {"C03", "C04", "C05", "C07", "C08", "C24",
                                                                             "C25", "C26"}
    for row in years[(years["used"] == "yes") & (years["printed_at"] == "Tableau n°01")].itertuples():
        for rid in row.record_ids.split(";"):
            assert p.loc[rid, "start_year"] == int(row.value_printed)
    kloto = years[years["conflict_id"] == "C04"]
    assert set(kloto["value_printed"]) == {"1991", "1993"}
    # every conflict has two competing values, except the kinds whose other side is computed or absent
    single = {"malformed_number", "missing_section", "unreproducible_figure", "approximation"}
    for _, group in c.groupby("conflict_id"):
        assert len(group) >= 2 or group["kind"].iloc[0] in single


def test_many_conflicts_recorded():
    c = coopdata.load_conflicts()
    assert c["conflict_id"].nunique() >= 20
    assert set(c["used"]) <= {"yes", "no"}


def test_finance_as_printed():
    f = coopdata.load_finance().set_index("finance_id")
    assert f.loc["F01", "amount_fcfa"] == 570_000_000
    assert f.loc["F04", "amount_fcfa"] == 1_370_000_000 and f.loc["F04", "period_years"] == 10
    assert f.loc["F03", "period_years"] == 5
    assert f.loc["F06", "amount_printed"] == "128 000 000 FCFA"


def test_governance_matches_tableau_4():
    counts = checks.governance_counts(coopdata.load_governance())
    modes = coopdata.load_governance_modes().set_index("mode")["communes_count"]
    assert counts.to_dict() == {k: int(v) for k, v in modes.items()} == {
        "service_technique": 1, "comite_jumelage": 7, "comite_pilotage_technique": 1}
    g = coopdata.load_governance().set_index("commune_id")
    assert g.loc["kozah-1", "basis"] == "inferred"


def test_sector_cells_derived_by_written_rules():
    current = coopdata.load_sectors("current")
    interest = coopdata.load_sectors("interest")
    assert len(current) == len(interest) == 13 * 7
    assert "no" not in set(current["value"]) | set(interest["value"])
    pd.testing.assert_frame_equal(current, sectors.derive_from_dir("current"), check_dtype=False)
    cells = current.set_index(["commune_id", "sector_id"])["value"]
    assert cells["kloto-1", "tourisme"] == "yes"
    # « Agriculture » (Hilfe für Togo, Kloto 1) must not be read as « culture »
    assert cells["kloto-1", "culture"] == "unknown"
    assert cells["tone-1", "culture"] == "yes"
    printed = current.groupby("commune_id")["in_printed_table"].first()
    assert not printed["oti-1"] and not printed["yoto-1"] and printed["tone-1"]
    eau = interest[interest["sector_id"] == "eau_assainissement"]
    assert (eau["value"] == "yes").all()
    with pytest.raises(ValueError):
        coopdata.load_sectors("past")


def test_every_row_cites_a_source_and_the_study_rows_cite_lines_within_it():
    desc = json.loads((DATA_DIR / "datapackage.json").read_text(encoding="utf-8"))
    sources = coopdata.load_table("sources").set_index("source_id")
    assert desc["coopdata:study"] == "S001" and sources.loc["S001", "kind"] == "study"
    cited = set()
    for res in desc["resources"]:
        if res.get("format") != "csv" or res["name"] == "sources":
            continue
        df = coopdata.load_table(res["name"])
        assert "source_id" in df and df["source_id"].notna().all(), res["name"]
        cited |= set(df["source_id"])
        locator = next(c for c in ("source", "printed_at", "locator") if c in df)
        assert df[locator].notna().all(), res["name"]
        if "source_lines" not in df:
            continue
        study = df[df["source_id"] == "S001"]
        if not res.get("coopdata:derived"):
            assert study["source_lines"].notna().all(), res["name"]
        for spec in study["source_lines"].dropna():
            assert all(1 <= n <= STUDY_LINES for n in parse_lines(spec)), (res["name"], spec)
        assert df.loc[df["source_id"] != "S001", "source_lines"].isna().all(), res["name"]
    assert cited <= set(sources.index)
    assert {"S001", "S002", "S003"} <= cited


def test_sources_table():
    s = coopdata.load_table("sources").set_index("source_id")
    assert s.loc["S001", "url_or_file"] == "seeds/001_385c30bed6d5fc93.txt"
    assert s.loc["S001", "licence"] == "not stated"
    assert s.loc["S003", "licence"] == "CC BY 4.0"
    assert s.loc["S004", "licence"].startswith("ODbL")
    later = s[s["access_date"] == "2026-12-03"]
    assert len(later) == 22
    assert set(later["checked"]) == {"yes", "no"}
    assert s.loc["S009", "url_or_file"].endswith("prjId=10229") and s.loc["S009", "kind"] == "atlas"
    assert s.loc["S012", "url_or_file"] == "https://territoire.gouv.tg/?p=17549"
    assert s["url_or_file"].dropna().str.match(r"^(https?://\S+|seeds/\S+)$").all()


def test_description_covers_every_data_file():
    desc = json.loads((DATA_DIR / "datapackage.json").read_text(encoding="utf-8"))
    described = {r["path"] for r in desc["resources"]}
    on_disk = {p.relative_to(DATA_DIR).as_posix() for p in DATA_DIR.rglob("*") if p.suffix in (".csv", ".geojson")}
    assert described == on_disk


def test_web_references_are_http_links_to_partnerships():
    refs = coopdata.load_web_references()
    assert refs["url"].str.match(r"^https?://").all()
    ids = set(coopdata.load_partnerships()["partnership_id"])
    linked = {i for v in refs["partnership_ids"].dropna() for i in v.split(";")}
    assert linked <= ids and "P03" in linked


def test_layers():
    assert len(coopdata.load_layer("regions")) == 5
    assert len(coopdata.load_layer("country")) == 1
    places = coopdata.load_layer("places")
    assert "Sanga" in set(places["label"]) and places.set_index("label").loc["Sanga", "lat"] is pd.NA
    with pytest.raises(ValueError, match="unknown layer"):
        coopdata.load_layer("rivers")


def test_french_int():
    assert french_int(1185000000) == "1 185 000 000"
    assert parse_lines("564-566; 349") == [564, 565, 566, 349]


def test_new_controlled_values_are_vocabularies_with_french_and_english_labels():
    from coopdata.core.i18n import tr

    desc = json.loads((DATA_DIR / "datapackage.json").read_text(encoding="utf-8"))
    vocabularies = desc["coopdata:vocabularies"]
    for name in ("source_kind", "event_kind", "partnership_status"):
        assert all(c["labels"]["fr"] and c["labels"]["en"] for c in vocabularies[name]["categories"]), name
    used = {(r["name"], f["name"]): f.get("coopdata:vocabulary") for r in desc["resources"]
            for f in r.get("schema", {}).get("fields", [])}
    assert used[("sources", "kind")] == "source_kind"
    assert used[("partnership_events", "kind")] == "event_kind"
    assert used[("partnership_events", "status_after")] == "partnership_status"
    assert used[("sources", "checked")] == "answer"
    assert tr("event_kind.relaunch", "fr") == "relance" and tr("partnership_status.ended", "en") == "ended"
    assert {c["value"] for c in vocabularies["event_kind"]["categories"]} >= {
        "act", "convention", "start", "listed", "confirmed", "dormant", "relaunch", "end", "amendment"}
