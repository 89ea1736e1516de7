"""Overview and data quality: the study's figures against the data, conflicts and unknowns (real values)."""

import shutil

import pandas as pd
import pytest

import coopdata
from coopdata.analysis import overview
from coopdata.core.i18n import tr
from coopdata.core.paths import DATA_DIR
from coopdata.views import overview_tables, study_charts
from coopdata.views.tables import html_table


@pytest.fixture(scope="module")
def names():
    communes = coopdata.load_table("communes")
    return dict(zip(communes["commune_id"], communes["commune"], strict=True))


def test_figure_checks_national_context():
    table = overview.figure_checks().set_index("figure_id")
    assert table.loc["regions", ["printed", "computed", "status"]].tolist() == [5, 5, "agrees"]
    # 39 préfectures printed nationally, 7 + 7 + 5 + 12 + 7 = 38 per region (conflict C13)
    assert table.loc["prefectures", ["printed", "computed", "status"]].tolist() == [39, 38, "differs"]
    assert table.loc["communes", ["printed", "computed", "status"]].tolist() == [117, 117, "agrees"]
    assert table.loc["prodegol_communes", "computed"] == 13
    assert table.loc["first_twinning_year", "computed"] == 1958
    assert table.loc["jumelage_communes", "computed"] == 7
    assert table.loc["hors_jumelage_communes", "computed"] == 1
    assert table.loc["no_formal_partnership_communes", "computed"] == 4
    assert table.loc["cooperation_forms", "computed"] == 5
    # « une trentaine de partenariats … soit environ 25 % » of 117 communes: 30 / 117 = 25.6 %
    assert table.loc["partnerships_share_pct", "computed"] == pytest.approx(25.6)
    assert table.loc["partnerships_share_pct", "status"] == "agrees_approx"
    assert table.loc["finance_mean_share_pct", "status"] == "differs"
    assert table.loc["partnerships_total", "status"] == "not_checkable"
    assert pd.isna(table.loc["partnerships_total", "computed"])
    ctx = overview.national_context(lang="en")
    assert list(ctx["figure_id"]) == ["regions", "prefectures", "communes", "partnerships_total",
                                      "partnerships_share_pct"]
    assert ctx["how"].iloc[1].startswith("sum of the préfectures")


def test_models_table(names):
    models = overview.models_table(coopdata.load_partnerships(), names).set_index(["record_type", "model"])
    assert models.loc[("partnership", "jumelage"), ["rows", "cooperations", "communes"]].tolist() == [8, 8, 7]
    # the regional cooperation is one cooperation printed for three communes
    assert models.loc[("partnership", "regionale"), ["rows", "cooperations", "communes"]].tolist() == [3, 1, 3]
    assert models.loc[("partnership", "syndicat"), "communes_list"] == "Kozah 1, Oti 1, Yoto 1"
    assert models.loc["partnership", "rows"].sum() == 17
    assert models.loc[("mention", "associative"), ["rows", "cooperations", "communes"]].tolist() == [5, 3, 4]
    assert models["rows"].sum() == 28


def test_governance_table_agrees_with_tableau_4(names):
    gov = overview.governance_table(coopdata.load_governance(), coopdata.load_governance_modes(), names)
    gov = gov.set_index("mode")
    assert gov.loc["comite_jumelage", ["count_table4", "count_governance"]].tolist() == [7, 7]
    assert gov.loc["service_technique", "stated"] == "Tchaoudjo 1"
    assert gov.loc["comite_pilotage_technique", "inferred"] == "Kozah 1"
    assert gov.loc["comite_pilotage_technique", "stated"] == ""
    assert gov.loc[["service_technique", "comite_jumelage", "comite_pilotage_technique"], "agrees"].all()
    assert gov.loc["none_reported", "count_governance"] == 4
    assert pd.isna(gov.loc["none_reported", "count_table4"])


def test_swot_grid_is_two_by_two():
    grid = overview_tables.swot_grid(coopdata.load_swot(), "fr")
    assert grid.shape == (2, 2)
    assert grid.iloc[0, 0].startswith("FORCES (10)\n• Existence d’une convention")
    assert grid.iloc[0, 1].startswith("FAIBLESSES (9)")
    assert grid.iloc[1, 0].startswith("OPPORTUNITÉS (6)")
    assert grid.iloc[1, 1].startswith("MENACES (5)")
    assert grid.iloc[1, 1].count("\n• ") == 5
    assert list(overview_tables.swot_grid(coopdata.load_swot(), "en").columns) == ["Helpful", "Harmful"]


def test_recommendations_by_audience():
    recs = overview.recommendations_by_audience(coopdata.load_recommendations())
    counts = recs.groupby(level=0).size()
    assert counts["POUR LES COMMUNES ET LES PARTENAIRES TECHNIQUES ET FINANCIERS"] == 9
    assert counts["POUR L’ÉTAT ET LA FAITIÈRE DES COMMUNES DU TOGO"] == 5


def test_conflicts_table_keeps_every_value():
    conflicts = coopdata.load_conflicts()
    table = overview_tables.conflicts_table(conflicts, "fr")
    assert len(table) == len(conflicts) == 53
    assert table.index.get_level_values(0).nunique() == 21
    assert table.loc["C13"].iloc[1]["Valeur imprimée"] == "7 + 7 + 5 + 12 + 7 Préfectures"
    assert set(table["Utilisée"]) == {"oui", "non"}
    summary = overview.conflicts_summary(conflicts).set_index("conflict_id")
    assert summary.loc["C08", ["values", "used"]].tolist() == [6, 3]
    assert summary.loc["C01", "used"] == 0


def test_unknowns_found_in_the_data():
    u = overview.unknowns()
    one = u[u["group"] == ""].set_index(["topic", "table"])
    assert one.loc[("population", "communes"), ["n", "records", "detail"]].tolist() == [1, "kloto-1", "118 4640"]
    assert one.loc[("finance_period", "finance"), "records"] == "F04"
    assert one.loc[("finance_period", "finance"), "detail"] == "sur une période de dix ans cette fois-ci"
    assert one.loc[("governance_inferred", "governance"), "records"] == "kozah-1"
    assert one.loc[("sector_cell", "sectors_current"), ["n", "total"]].tolist() == [62, 91]
    assert one.loc[("sector_cell", "sectors_interest"), ["n", "total"]].tolist() == [52, 91]
    assert "gouvernance_locale: 13" in one.loc[("sector_cell", "sectors_interest"), "detail"]
    assert one.loc[("sector_row_not_printed", "sectors_current"), "n"] == 14  # Oti 1 and Yoto 1, 7 sectors each
    assert one.loc[("conflict_unresolved", "conflicts"), "records"] == "C01; C15; C17"
    grouped = u[u["group"] != ""].set_index(["topic", "group"])
    # every Tableau n°01 row has a start year; no lead or mention has one
    assert grouped.loc[("start_year", "partnership"), ["n", "total"]].tolist() == [0, 17]
    assert grouped.loc[("start_year", "lead"), ["n", "total"]].tolist() == [5, 5]
    assert grouped.loc[("start_year", "mention"), ["n", "total"]].tolist() == [6, 6]
    assert grouped.loc[("partner_place_not_available", "lead"), "records"] == "L03; L05"
    assert grouped.loc[("sectors_printed", "partnership"), ["records", "detail"]].tolist() == [
        "P06", "Données non recueillies"]


def test_unknowns_follow_the_data(tmp_path):
    # a copy of data/ with one more empty population: unknowns() finds it, nothing is hard-coded
    data_dir = tmp_path / "data"
    shutil.copytree(DATA_DIR, data_dir)
    csv = data_dir / "communes.csv"
    text = csv.read_text(encoding="utf-8")
    csv.write_text(text.replace(",176605,176 605,", ",,176 605,"), encoding="utf-8")
    u = overview.unknowns(data_dir).set_index("topic")
    assert u.loc["population", "n"] == 2
    assert u.loc["population", "records"] == "tone-1; kloto-1"


def test_null_cells_counts_every_empty_cell():
    cells = overview.null_cells().set_index(["table", "column"])
    assert cells.loc[("partnerships", "start_year"), "empty"] == 11
    assert cells.loc[("communes", "population"), "empty"] == 1
    assert cells.loc[("finance", "period_start"), ["empty", "rows"]].tolist() == [1, 6]


def test_html_table_escapes_data_text():
    df = pd.DataFrame({"<b>col</b>": ["<script>alert(1)</script>", "a & b"]}, index=["<i>x</i>", "y"])
    html = html_table(df, caption="<caption>").to_html()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "a &amp; b" in html
    assert "<i>x</i>" not in html and "&lt;i&gt;x&lt;/i&gt;" in html
    assert "<b>col</b>" not in html and "&lt;b&gt;col&lt;/b&gt;" in html
    assert "&lt;caption&gt;" in html


def test_models_figure(names):
    models = overview.models_table(coopdata.load_partnerships(), names)
    fig = study_charts.models_figure(models, "fr")
    assert [t.name for t in fig.data] == ["Partenariat (Tableau n°01)", "Piste (texte)", "Mention (texte)"]
    assert list(fig.data[0].x) == [8, 1, 1, 3, 2]
    assert list(fig.data[0].y)[0] == "Jumelage"
    assert "Tableau n°01" in fig.layout.annotations[0].text
    assert "Coopérations\u00a0: %{x}" in fig.data[0].hovertemplate


def test_models_figure_escapes_commune_names():
    models = pd.DataFrame({"record_type": ["partnership"], "model": ["jumelage"], "rows": [1], "cooperations": [1],
                           "communes": [1], "communes_list": ["<b>X</b>"]})
    fig = study_charts.models_figure(models, "en")
    assert fig.data[0].customdata[0][1] == "&lt;b&gt;X&lt;/b&gt;"
    assert "Cooperations: %{x}" in fig.data[0].hovertemplate


def test_figure_checks_display_writes_numbers_in_the_reader_language():
    shown = overview_tables.figure_checks_display(overview.figure_checks(lang="fr"), "fr")
    computed = shown.set_index(tr("overview.figure", "fr"))[tr("overview.computed", "fr")]
    assert computed["regions"] == "5"
    assert computed["first_twinning_year"] == "1958"  # a year, no thousands separator
    assert computed["partnerships_share_pct"] == "25,6\u00a0%"
    assert computed["partnerships_total"] == "—"
    en = overview_tables.figure_checks_display(overview.figure_checks(lang="en"), "en")
    assert "25.6\u00a0%" in set(en.iloc[:, 2])


def test_governance_display_answers_yes_or_no(names):
    gov = overview.governance_table(coopdata.load_governance(), coopdata.load_governance_modes(), names)
    fr = overview_tables.governance_display(gov, "fr")
    assert set(fr.iloc[:-1, -1]) == {"oui"} and fr.iloc[-1, -1] == "—"
    assert fr.iloc[-1, 0] == tr("overview.mode.none_reported", "fr")
    assert set(overview_tables.governance_display(gov, "en").iloc[:-1, -1]) == {"yes"}
