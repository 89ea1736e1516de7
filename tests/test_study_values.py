"""The study's own values, pinned to the study's edition of data/.

The notebooks hold rules that any valid data keep; the values the study prints (17 rows of Tableau n°01,
13 ProDeGoL communes, the five conflicting start years, conflicts C01–C21, the finance amounts and the
22 %, Plateaux flagged, Kozah 1's governance inferred…) are checked here, on the rows whose source is the
study (``source_id`` of ``coopdata:study``), so that rows added from later sources change none of them.
"""

import re

import pandas as pd
import pytest

import coopdata
from coopdata.analysis import finance, geography, overview, places, updates
from coopdata.analysis import sectors as sector_analysis
from coopdata.data import checks


@pytest.fixture(scope="module")
def study():
    return updates.study_id()


def _study_rows(name: str, study: str) -> pd.DataFrame:
    table = coopdata.load_table(name)
    return table[table["source_id"] == study].reset_index(drop=True)


@pytest.fixture(scope="module")
def tableau_01(study):
    rows = _study_rows("partnerships", study)
    return rows[rows["record_type"] == "partnership"].reset_index(drop=True)


@pytest.fixture(scope="module")
def study_communes(study):
    return _study_rows("communes", study)


# ---- partnerships (Tableau n°01) --------------------------------------------------------------------------


def test_tableau_01_has_17_rows_first_niort_1958(tableau_01):
    assert len(tableau_01) == 17
    assert set(tableau_01["source"]) == {"Tableau n°01"}
    first = tableau_01[tableau_01["start_year"] == tableau_01["start_year"].min()]
    assert first[["commune_id", "partner", "start_year"]].values.tolist() == [["ogou-1", "Niort", 1958]]
    assert tableau_01["partner_country"].value_counts().to_dict() == {"FR": 15, "DE": 2}
    assert tableau_01["model"].value_counts().to_dict() == {"jumelage": 8, "regionale": 3, "syndicat": 3, "osc": 2,
                                                            "hors_jumelage": 1}
    assert tableau_01["start_year"].notna().all()
    decades = (tableau_01["start_year"] // 10 * 10).value_counts().sort_index()
    assert (decades.index[0], decades.iloc[0]) == (1950, 1)


def test_study_records_leads_and_mentions(study):
    rows = _study_rows("partnerships", study)
    assert rows["record_type"].value_counts().to_dict() == {"partnership": 17, "mention": 6, "lead": 5}


def test_the_five_conflicting_start_years_of_the_study(study):
    conflicts = coopdata.load_conflicts()
    ours = conflicts[(conflicts["kind"] == "start_year") & (conflicts["source_id"] == study)]
    years = {s: {int(y) for v in g["value_printed"] for y in re.findall(r"\d{4}", v)}
             for s, g in ours.groupby("subject")}
    competing = {s: y for s, y in years.items() if len(y) > 1}
    assert competing == {
        "Kloto 1 – Bressuire": {1991, 1993},
        "Zio 1 – Parthenay": {1993, 1990},
        "Amou 1 – Aiffres": {2006, 1986, 1958},
        "Binah 1 – Côte Roannaise": {1991, 1994},
        "Région Centrale – Région Grand Est": {1987, 1986},
    }


# ---- communes, regions, the map ------------------------------------------------------------------------------


def test_the_thirteen_prodegol_communes(study_communes, tableau_01):
    assert len(study_communes) == 13
    assert study_communes["prodegol"].all()
    assert study_communes["region_id"].value_counts().to_dict() == {"kara": 3, "centrale": 3, "plateaux": 3,
                                                                     "savanes": 2, "maritime": 2}
    # every ProDeGoL commune has at least one partnership of Tableau n°01
    assert set(places.commune_models(tableau_01)["commune_id"]) == set(study_communes["commune_id"])


def test_five_regions_plateaux_area_flagged():
    regions = coopdata.load_regions()
    polygons = coopdata.load_layer("regions")
    comparison = geography.region_area_comparison(regions, polygons)
    assert len(regions) == len(polygons) == 5
    assert comparison.loc[comparison["flagged"], "region_id"].tolist() == ["plateaux"]
    togo_km2 = geography.geodesic_area_km2(coopdata.load_layer("country")).sum()
    # with the printed Plateaux area, the five printed areas add up to more than Togo (conflict C14)
    assert comparison["area_printed_km2"].sum() > togo_km2
    assert "plateaux" in coopdata.load_conflicts().set_index("conflict_id").loc["C14", "record_ids"].tolist()


# ---- the national context (§1.1, Conclusion) ---------------------------------------------------------------


def test_national_figures_of_the_study():
    regions = coopdata.load_regions()
    figures = coopdata.load_study_figures().set_index("figure_id")["value"]
    assert len(regions) == figures["regions"] == 5
    assert checks.communes_sum(regions) == figures["communes"] == 117
    # 39 préfectures printed nationally, 7 + 7 + 5 + 12 + 7 = 38 per region: conflict C13
    assert (checks.prefectures_sum(regions), figures["prefectures"]) == (38, 39)
    assert "C13" in set(coopdata.load_conflicts()["conflict_id"])
    share = figures["partnerships_total"] / figures["communes"] * 100  # « une trentaine … soit environ 25 % »
    assert (figures["partnerships_total"], figures["partnerships_share_pct"]) == (30, 25)
    assert abs(share - figures["partnerships_share_pct"]) <= overview.APPROXIMATE["partnerships_share_pct"]


def test_five_forms_of_cooperation(tableau_01):
    figures = coopdata.load_study_figures().set_index("figure_id")["value"]
    assert tableau_01["model"].nunique() == figures["cooperation_forms"] == 5


def test_governance_of_the_study(study):
    governance = _study_rows("governance", study)
    gov = overview.governance_table(governance, coopdata.load_governance_modes())
    counted = gov[gov["mode"] != "none_reported"]
    assert (counted["count_table4"] == counted["count_governance"]).all()  # Tableau n°4
    assert governance.loc[governance["basis"] == "inferred", "commune_id"].tolist() == ["kozah-1"]  # conflict C21
    assert gov["count_governance"].sum() == len(governance) == 13


# ---- conflicts ------------------------------------------------------------------------------------------------


STUDY_CONFLICTS = [f"C{i:02d}" for i in range(1, 22)]


def test_the_study_conflicts_c01_to_c21(study):
    conflicts = coopdata.load_conflicts()
    ids = list(dict.fromkeys(conflicts["conflict_id"]))
    assert ids[:21] == STUDY_CONFLICTS
    values = conflicts[conflicts["source_id"] == study].groupby("conflict_id").size()
    assert values[STUDY_CONFLICTS].to_dict() == {
        "C01": 1, "C02": 4, "C03": 3, "C04": 3, "C05": 3, "C06": 4, "C07": 3, "C08": 6, "C09": 4, "C10": 3, "C11": 2,
        "C12": 2, "C13": 2, "C14": 1, "C15": 1, "C16": 2, "C17": 1, "C18": 2, "C19": 2, "C20": 2, "C21": 1}
    assert values[STUDY_CONFLICTS].sum() == 52  # values printed by the study (C14 adds the Natural Earth area, S002)
    # the conflicts recorded after C21 each set the study against another source
    later = conflicts[~conflicts["conflict_id"].isin(STUDY_CONFLICTS)]
    assert later.groupby("conflict_id")["source_id"].apply(lambda s: (s != study).any()).all()
    summary = overview.conflicts_summary(conflicts).set_index("conflict_id")
    assert summary.loc["C08", ["values", "used"]].tolist() == [6, 3]
    assert summary.loc["C01", "used"] == 0


# ---- sector matrices (Tableaux n°03 and n°6) ----------------------------------------------------------------


def test_sector_matrices_of_the_study(study_communes):
    ids = set(study_communes["commune_id"])
    sectors = coopdata.load_table("sectors")
    current = coopdata.load_sectors("current")
    interest = coopdata.load_sectors("interest")
    current, interest = current[current["commune_id"].isin(ids)], interest[interest["commune_id"].isin(ids)]
    assert len(sectors) == 7
    assert len(current) == len(interest) == 13 * 7
    water = interest[interest["sector_id"] == "eau_assainissement"]  # « les treize communes » (§5.1)
    assert len(water) == 13 and (water["value"] == "yes").all()
    rows = coopdata.load_table("sector_table_rows")
    printed = set(rows.loc[rows["kind"] == "current", "commune_id"])
    assert len(printed) == 11  # Tableau n°03 prints 11 commune rows
    assert sorted(ids - printed) == ["oti-1", "yoto-1"]  # conflict C12
    gaps = sector_analysis.gap_totals(current, interest, "commune_id")
    assert len(gaps) == 13 and gaps["interest_yes"].ge(3).all() and gaps["gap"].sum() == 0


# ---- finance (§4.6.1) -----------------------------------------------------------------------------------------


def test_finance_of_the_study(study):
    fin = _study_rows("finance", study)
    table = finance.ratios(fin)
    assert table["commune_id"].tolist() == ["tone-1", "kozah-1", "ogou-1"]
    assert table["budget"].tolist() == [570_000_000, 1_185_000_000, 277_000_000]
    assert table["contribution"].tolist() == [166_000_000, 1_370_000_000, 128_000_000]
    euros = finance.euro_table(fin)
    assert euros.loc[euros["eur_diff_pct"].abs().idxmax(), "finance_id"] == "F04"  # « environ 2 000 000 € », C17
    assert fin.loc[fin["period_basis"] == "implied", "commune_id"].tolist() == ["tone-1"]
    assert fin.loc[fin["period_start"].isna(), "commune_id"].tolist() == ["kozah-1"]
    conflicts = coopdata.load_conflicts()
    assert sorted(conflicts.loc[conflicts["field"].str.startswith("finance"), "conflict_id"].unique()) == [
        "C15", "C16", "C17"]
    communes = coopdata.load_table("communes")
    assert finance.reserves(fin, communes[communes["source_id"] == study]) == {
        "communes_with_amounts": 3, "communes": 13, "period_mismatch": ["Kozah 1"], "period_implied": ["Tône 1"],
        "period_years_unknown": ["Kozah 1"]}


def test_the_22_percent_is_not_reproduced(study):
    fin = _study_rows("finance", study)
    stated = finance.stated_share(coopdata.load_study_figures())
    assert stated == 22.0
    rep = finance.reproduce_stated_average(fin, stated=stated)
    assert not rep.reproduced and rep.n_communes == 3
    # the mean of the three printed ratios is far above 22 %: 63.6 %
    assert table_mean(fin) == pytest.approx(63.6, abs=0.05)


def table_mean(fin: pd.DataFrame) -> float:
    return float(finance.ratios(fin)["share_as_printed"].mean() * 100)
