"""The sectors report's reader layer (notebooks/03_sectors.ipynb): key points computed from the two matrices,
tables headed and worded in the report's language, figures sized for a phone; pinned on the study's values."""

import pandas as pd
import pytest

import coopdata
from coopdata.analysis import sectors
from coopdata.views import sector_charts
from coopdata.views.key_points.sectors import key_points as sector_key_points


@pytest.fixture(scope="module")
def data():
    return {
        "partnerships": coopdata.load_partnerships(),
        "conflicts": coopdata.load_conflicts(),
        "communes": coopdata.load_table("communes"),
        "sectors": coopdata.load_table("sectors"),
        "rules": coopdata.load_sector_rules(),
        "current": coopdata.load_sectors("current"),
        "interest": coopdata.load_sectors("interest"),
    }


def heatmap(data, kind="current", lang="fr"):
    return sector_charts.sector_heatmap(data[kind], data["sectors"], data["communes"], lang,
                                        f"fig.sectors.{kind}.title", rules=data["rules"])


def test_sector_figures_fit_a_phone_and_name_no_file(data):
    """Drawn at WIDTH (a phone shows ~560 px), with notes a reader understands: no data/ file names."""
    figs = [heatmap(data), heatmap(data, "interest", "en"),
            sector_charts.gap_view(data["current"], data["interest"], data["sectors"], data["communes"], "fr"),
            sector_charts.gap_by_sector(data["current"], data["interest"], data["sectors"], "en")]
    for fig in figs:
        assert fig.layout.width == sector_charts.WIDTH <= 600
        notes = " ".join(a.text for a in fig.layout.annotations)
        assert "data/" not in notes and ".csv" not in notes


def test_sector_facts_and_key_points(data):
    facts = sectors.sector_facts(data["current"], data["interest"], data["sectors"])
    assert facts["current_top"] == (["eau_assainissement"], 9)
    assert facts["interest_top"] == (["eau_assainissement", "sante_social", "education_jeunesse"], 13)
    assert facts["gap_top"] == (["education_jeunesse"], 9)
    assert (facts["cells"], facts["current_unknown"], facts["interest_unknown"], facts["no_cells"]) == (91, 62, 52, 0)
    for lang in ("fr", "en"):
        points = sector_key_points(data["current"], data["interest"], data["sectors"], lang)
        assert 3 <= len(points) <= 5 and all("**" in p for p in points[:4])
    fr = sector_key_points(data["current"], data["interest"], data["sectors"], "fr")
    assert "«\u00a0Eau et assainissement\u00a0»" in fr[0] and "**9 communes sur 13**" in fr[0]
    assert "«\u00a0Santé, social\u00a0» et «\u00a0Éducation, jeunesse\u00a0»" in fr[1]  # a tie names them all
    assert "**62 restent inconnues**" in fr[3]
    # a printed « no » removes the sentence that says there is none
    current = data["current"].copy()
    current.loc[(current["commune_id"] == "binah-1") & (current["sector_id"] == "culture"), "value"] = "no"
    assert len(sector_key_points(current, data["interest"], data["sectors"], "en")) == 4


def test_sector_reader_tables(data):
    by_sector = sector_charts.sector_table(data["current"], data["interest"], data["sectors"], "fr")
    assert list(by_sector.columns) == ["Secteur", "Coopération connue", "Coopération inconnue", "Intérêt exprimé",
                                       "Intérêt sans coopération connue", "Intérêt inconnu"]
    assert by_sector.iloc[0].tolist() == ["Eau et assainissement", 9, 4, 13, 4, 0]
    by_commune = sector_charts.commune_table(data["current"], data["interest"], data["sectors"], data["communes"],
                                             "en").set_index("Commune")
    assert by_commune.loc["Binah 1"].tolist() == ["Energy, environment, climate",
                                                  "Water and sanitation; Health, social; Education, youth"]
    assert pd.isna(by_commune.loc["Tône 1", "Sectors wanted without known cooperation"])
    for lang in ("fr", "en"):
        rules = pd.concat([sector_charts.rules_table(data["rules"], k, lang) for k in ("current", "interest")])
        assert len(rules) == len(data["rules"])
        # every rule explained in the report's language, not with the data's English note
        assert not set(rules.iloc[:, 3]) & set(data["rules"]["basis"])
    missing = sector_charts.missing_rows_table(data["current"], data["communes"], data["partnerships"],
                                               data["conflicts"], data["sectors"], "fr")
    assert missing["Commune"].tolist() == ["Oti 1", "Yoto 1"] and set(missing["Conflit"]) == {"C12"}
    assert missing.iloc[0, 3] == "Eau et assainissement\u00a0; Santé, social"
