"""Overview and data quality: the study's figures against the data, conflicts, unknowns, and what later sources
add to or change from the study (real values)."""

import shutil

import pandas as pd
import pytest

import coopdata
from coopdata.analysis import overview, updates
from coopdata.core.i18n import tr
from coopdata.core.paths import DATA_DIR
from coopdata.data.sectors import write_derived
from coopdata.views import overview_tables, study_charts
from coopdata.views.summary import summary_lines
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
    # Tableau n°01's eight twinnings and Kloto 1 – Mamoudzou (2022, a later source): Kloto 1 already had one
    assert models.loc[("partnership", "jumelage"), ["rows", "cooperations", "communes"]].tolist() == [9, 9, 7]
    # the regional cooperation is one cooperation printed for three communes
    assert models.loc[("partnership", "regionale"), ["rows", "cooperations", "communes"]].tolist() == [3, 1, 3]
    # SEDIF in Tône 1 is reported by a later source (P19)
    assert models.loc[("partnership", "syndicat"), "communes_list"] == "Kozah 1, Oti 1, Tône 1, Yoto 1"
    assert models.loc["partnership", "rows"].sum() == 19
    assert models.loc[("mention", "associative"), ["rows", "cooperations", "communes"]].tolist() == [5, 3, 4]
    assert models["rows"].sum() == 30


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
    assert len(table) == len(conflicts) == 74
    assert table.index.get_level_values(0).nunique() == 27
    assert table.loc["C13"].iloc[1]["Valeur imprimée"] == "7 + 7 + 5 + 12 + 7 Préfectures"
    assert set(table["Utilisée"]) == {"oui", "non"}
    summary = overview.conflicts_summary(conflicts).set_index("conflict_id")
    assert summary.loc["C08", ["values", "used"]].tolist() == [6, 3]
    assert summary.loc["C01", "used"] == 0


def test_conflicts_table_for_readers_and_for_the_annex(later):
    conflicts = coopdata.load_conflicts()
    computed = overview.computed_conflict_values(conflicts)
    fr = overview_tables.conflicts_table(conflicts, "fr", sources=later["sources"], computed=computed)
    # one row group per conflict, its id first: the export anchors that cell as conflict-C01
    assert fr.index.names[0] == "Conflit" and fr.index.get_level_values(0)[0] == "C01"
    assert list(fr.columns) == ["Valeur imprimée", "Source", "Utilisée"]  # no lines, no English rationale
    assert fr.loc["C02"].iloc[0]["Source"] == "Étude ProDeGoL, Tableau n°01"
    c24 = fr.loc["C24"]
    assert "Jumelages & Partenariats (presse, 21 novembre 2023)" in set(c24["Source"])
    # a data set's row shows the value computed from the data, not the English description of the file
    c22 = fr.loc["C22"]["Valeur imprimée"].tolist()
    assert c22[1] == "16 communes dans la liste des communes du Togo (région Savanes, calcul du projet)"
    assert fr.loc["C13"]["Valeur imprimée"].iloc[2].startswith("39 préfectures dans la liste des communes du Togo")
    assert fr.loc["C14"]["Valeur imprimée"].iloc[1].startswith("17\u202f213 km²")
    assert fr.loc["C25"]["Valeur imprimée"].iloc[2] == "2007 (donnée par la source, non citée mot pour mot)"
    en = overview_tables.conflicts_table(conflicts, "en", sources=later["sources"], computed=computed, annex=True)
    assert list(en.columns)[-4:] == ["Field", "Source (ref.)", "Lines", "Rationale (as written in the data)"]
    assert en.loc["C01"].iloc[0]["Lines"] == "812"
    annex_fr = overview_tables.conflicts_table(conflicts, "fr", sources=later["sources"], annex=True)
    assert "Lignes" in annex_fr.columns and not any("Raison" in c for c in annex_fr.columns)


def test_computed_conflict_values_follow_the_data():
    values = overview.computed_conflict_values(coopdata.load_conflicts()).set_index("conflict_id")
    assert values.loc["C22", ["value", "national"]].tolist() == [16, 117]
    assert values.loc["C13", ["region", "value", "national"]].tolist() == ["Maritime", 8, 39]
    assert 17_000 < values.loc["C14", "value"] < 17_500 and pd.isna(values.loc["C14", "national"])


def test_key_points_are_computed_sentences():
    from coopdata.views.key_points.overview import key_points

    fr, en = key_points(lang="fr"), key_points(lang="en")
    assert 3 <= len(fr) <= 5 and len(fr) == len(en)
    assert fr[0].startswith("Le Togo compte **117 communes** réparties en 5 régions")
    assert "**13**" in fr[0]
    assert en[1].startswith("The sources record **19 partnerships** (17 distinct cooperations) under **5 models**")
    assert en[2].startswith("**27 conflicts** between values") and "11 set the study against another source" in en[2]
    assert en[-1].startswith("Latest national figure: **52 conventions and twinning agreements")
    assert "« à peine une trentaine de partenariats »" in en[-1]


def test_sources_display_cites_in_words():
    sources = coopdata.load_table("sources")
    fr = overview_tables.sources_display(sources, "fr", {"S001", "S013"})
    assert fr["Réf."].tolist() == ["S001", "S013"] and fr.iloc[1, 2] == "presse"
    assert fr.iloc[0, 1] == tr("study", "fr") and fr.iloc[0, -1] == "—"  # no local file name
    assert "Titre (ou description de la page)" not in fr.columns  # English descriptions: English report only
    assert "Title (or description of the page)" in overview_tables.sources_display(sources, "en").columns


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
    # every Tableau n°01 row has a start year; SEDIF in Tône 1 (P19, a later source) has none
    assert grouped.loc[("start_year", "partnership"), ["n", "total", "records"]].tolist() == [1, 19, "P19"]
    assert grouped.loc[("start_year", "lead"), ["n", "total"]].tolist() == [5, 5]
    assert grouped.loc[("start_year", "mention"), ["n", "total"]].tolist() == [6, 6]
    assert grouped.loc[("partner_place_not_available", "lead"), "records"] == "L03; L05"
    assert grouped.loc[("sectors_printed", "partnership"), ["records", "detail"]].tolist() == [
        "P06; P18; P19", "Données non recueillies"]


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
    assert cells.loc[("partnerships", "start_year"), "empty"] == 12
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
    assert [t.name for t in fig.data] == ["Partenariat (Tableau n°01 ou source ultérieure)", "Piste (texte)",
                                         "Mention (texte)"]
    assert list(fig.data[0].x) == [9, 1, 1, 4, 2]
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
    shown = overview_tables.figure_checks_display(overview.figure_checks(lang="fr"), "fr", annex=True)
    computed = shown.set_index(tr("profile.ref", "fr"))[tr("overview.computed", "fr")]
    assert computed["regions"] == "5"
    assert computed["first_twinning_year"] == "1958"  # a year, no thousands separator
    assert computed["partnerships_share_pct"] == "25,6\u00a0%"
    assert computed["partnerships_total"] == "—"
    en = overview_tables.figure_checks_display(overview.figure_checks(lang="en"), "en")
    assert "25.6\u00a0%" in set(en.iloc[:, 2])
    # the reader's version names each figure in words and cites the study by section, no line numbers
    assert en.iloc[0, 0] == "Regions of Togo" and en.iloc[0, -1] == "ProDeGoL study, §1.1"
    assert tr("col.source_lines", "en") not in en.columns
    assert shown.set_index(tr("profile.ref", "fr")).loc["prefectures", tr("col.source_lines", "fr")] == "79"


def test_governance_display_answers_yes_or_no(names):
    gov = overview.governance_table(coopdata.load_governance(), coopdata.load_governance_modes(), names)
    fr = overview_tables.governance_display(gov, "fr")
    assert set(fr.iloc[:-1, -1]) == {"oui"} and fr.iloc[-1, -1] == "—"
    assert fr.iloc[-1, 0] == tr("overview.mode.none_reported", "fr")
    assert set(overview_tables.governance_display(gov, "en").iloc[:-1, -1]) == {"yes"}


# ---- the national context beside the list of the 117 communes ----------------------------------------------


def test_region_counts_keep_both_values():
    counts = overview.region_counts(coopdata.load_regions(), coopdata.load_table("togo_communes"),
                                    coopdata.load_conflicts()).set_index("region_id")
    cols = ["communes_study", "communes_dataset", "prefectures_study", "prefectures_dataset"]
    assert counts.loc["savanes", cols].tolist() == [17, 16, 7, 7]  # conflict C22
    assert counts.loc["maritime", cols].tolist() == [31, 32, 7, 8]  # conflicts C23, C13
    assert counts.loc["kara", cols].tolist() == [22, 22, 7, 7]
    assert counts.loc["total", cols].tolist() == [117, 117, 38, 39]
    assert counts.loc["savanes", "conflicts"] == "C13; C22" and counts.loc["maritime", "conflicts"] == "C13; C23"
    assert counts["differs"].tolist() == [True, False, False, False, True, True]
    shown = overview_tables.region_counts_display(counts.reset_index(), "fr")
    assert shown.iloc[-1, 0] == "Ensemble du Togo" and shown.iloc[0, 5] == "oui" and shown.iloc[1, 5] == "non"


def test_figure_checks_read_the_study_rows_only(tmp_path):
    # a 14th commune (not ProDeGoL) with a twinning from a later source: the study's figures still agree
    data_dir = tmp_path / "data"
    shutil.copytree(DATA_DIR, data_dir)
    communes = data_dir / "communes.csv"
    header = communes.read_text(encoding="utf-8").splitlines()[0].split(",")
    row = dict.fromkeys(header, "") | {"commune_id": "agoe-nyive-2", "commune": "Agoè-Nyivé 2", "prodegol": "False",
                                        "region_id": "maritime", "prefecture": "Agouè-Nyivé", "lat": "6.23",
                                        "lon": "1.21", "source_id": "S012", "source": "territoire.gouv.tg ?p=17549"}
    with open(communes, "a", encoding="utf-8") as fh:
        fh.write(",".join(row[h] for h in header) + "\n")
    partnerships = data_dir / "partnerships.csv"
    lines = partnerships.read_text(encoding="utf-8").splitlines()
    p18 = next(line for line in lines if line.startswith("P18,"))
    partnerships.write_text("\n".join([*lines, p18.replace("P18,", "P20,").replace(",kloto-1,", ",agoe-nyive-2,")])
                            + "\n", encoding="utf-8")
    write_derived(data_dir)
    table = overview.figure_checks(data_dir).set_index("figure_id")
    assert table.loc["prodegol_communes", ["computed", "status"]].tolist() == [13, "agrees"]
    assert table.loc["jumelage_communes", ["computed", "status"]].tolist() == [7, "agrees"]
    added = updates.added_partnerships(coopdata.load_partnerships(data_dir), coopdata.load_table(
        "partnership_events", data_dir), coopdata.load_table("sources", data_dir), "S001")
    assert added["partnership_id"].tolist() == ["P18", "P19", "P20"]


# ---- what later sources add to or change from the study ----------------------------------------------------


@pytest.fixture(scope="module")
def later():
    return {"partnerships": coopdata.load_partnerships(), "events": coopdata.load_table("partnership_events"),
            "sources": coopdata.load_table("sources"), "study": updates.study_id()}


def test_added_partnerships_come_from_later_sources(later, names):
    added = updates.added_partnerships(**later).set_index("partnership_id")
    assert list(added.index) == ["P18", "P19"]
    kloto = added.loc["P18"]
    assert (kloto["commune_id"], kloto["partner"], kloto["start_year"], kloto["status"]) == (
        "kloto-1", "Mamoudzou", 2022, "active")
    assert (kloto["status_since"], kloto["status_source"], kloto["sources"]) == ("2022-04-28", "S013", "S012; S013")
    assert kloto["source_publisher"].startswith("Ministère de l'Administration territoriale")
    assert added.loc["P19", ["status", "source_id", "source_checked"]].tolist() == ["unknown", "S018", "no"]
    shown = overview_tables.added_partnerships_display(added.reset_index(), names, "fr", later["sources"])
    shown = shown.set_index("Réf.")
    assert shown.loc["P18", "Statut depuis (source)"] == "28 avril 2022 (Le Journal de Mayotte)"
    assert shown.loc["P18", "Toutes ses sources"] == ("Ministère de l'Administration territoriale\u00a0; "
                                                      "Le Journal de Mayotte")
    assert shown.loc["P19", "Source"] == "Le Temps (presse, 23 février 2017, signalé, pas encore vérifié deux fois)"
    # without the sources table, the row's own source is still cited in words; other sources by id
    alone = overview_tables.added_partnerships_display(added.reset_index(), names, "en").set_index("Ref.")
    assert alone.loc["P19", "Source"] == "Le Temps (press, 23 February 2017, reported, not yet checked twice)"
    assert alone.loc["P18", "Status since (source)"] == "28 April 2022 (S013)"


def test_later_status_confirms_or_contradicts_the_study(later, names):
    status = updates.later_status(**later).set_index("partnership_id")
    # Kozah 1 – SIAAP: ended 31/12/2016 per the atlas, listed by the study in December 2018 (C27)
    assert status.loc["P13", ["listed", "end_date", "end_source", "status", "finding"]].tolist() == [
        "2018-12", "2016-12-31", "S009", "ended", "ended_before_listing"]
    # Ogou 1 – Niort: dormant from 2019, relaunched in November 2023, « En cours » in the atlas
    assert status.loc["P01", ["status", "status_since", "last_confirmed_source", "finding"]].tolist() == [
        "active", "2023-11", "S007", "confirmed_after_listing"]
    # Tchaoudjo 1 – Nuremberg: a permanent city friendship declared on 12 September 2025
    assert status.loc["P09", ["status", "status_since", "status_source"]].tolist() == ["active", "2025-09-12", "S011"]
    assert status.loc["P02", "finding"] == "not_confirmed_after_listing"
    assert "P04" not in status.index and "P18" not in status.index  # no later source; not a row of the study
    assert status["finding"].value_counts().to_dict() == {"not_confirmed_after_listing": 9,
                                                          "confirmed_after_listing": 5, "ended_before_listing": 1}
    shown = overview_tables.later_status_display(status.reset_index(), names, "en", later["sources"])
    shown = shown.set_index("Ref.")
    assert shown.loc["P13", "End (source)"] == "31 December 2016 (French atlas of decentralized cooperation)"
    assert shown.loc["P13", "What later sources say"] == "ended before the study's listing: both values stand"


def test_later_events_are_placed_against_the_study(later, names):
    events = updates.later_events(**later).set_index("event_id")
    assert events.loc["E022", ["partnership_id", "date", "kind", "relation", "source_id"]].tolist() == [
        "P01", "2019", "dormant", "after_listing", "S005"]
    assert events.loc["E023", ["kind", "status_after", "relation"]].tolist() == ["relaunch", "active", "after_listing"]
    assert events.loc["E029", "relation"] == "ends_before_listing"
    assert events.loc["E018", "relation"] == "before_listing"  # Niort's act of 1958
    assert events.loc["E032", ["date", "kind", "source_id"]].tolist() == ["2025-09-12", "declaration", "S011"]
    assert "E033" not in events.index  # Kloto 1 – Mamoudzou is not a partnership of the study
    assert len(events) == 29 and (events["source_id"] != "S001").all()
    shown = overview_tables.later_events_display(events.reset_index(), names, "fr", later["sources"])
    row = shown[shown["Réf."] == "P13"].iloc[-1]
    assert row["Date"] == "31 décembre 2016" and row["Événement"] == "fin" and row["Statut"] == "terminé"
    assert row["Source"] == "Atlas français de la coopération décentralisée (sans date)"


def test_conflicts_between_sources(later):
    rows = updates.between_sources(coopdata.load_conflicts(), later["sources"], later["study"])
    assert len(rows) == 16
    assert list(dict.fromkeys(rows["conflict_id"])) == ["C03", "C05", "C07", "C13", "C14", "C22", "C23", "C24", "C25",
                                                        "C26", "C27"]
    c22 = rows[rows["conflict_id"] == "C22"].iloc[0]
    assert (c22["study_values"], c22["source_id"], c22["source_date"]) == ("17 communes", "S004", "2021-11-30")
    assert rows.loc[rows["conflict_id"] == "C26", "study_values"].tolist() == ["2018"]
    shown = overview_tables.between_sources_display(rows, "fr")
    assert list(shown.columns)[3:5] == ["Valeur(s) de l’étude", "Valeur d’une autre source"]


def test_national_figures_beside_the_study(later):
    national = updates.national_figures(coopdata.load_table("reported_figures"), coopdata.load_study_figures(),
                                        later["sources"])
    by_id = national.dropna(subset=["figure_id"]).set_index("figure_id")
    assert by_id["value"].to_dict() == {"agreements": 52, "agreements_active": 39, "communes_with_agreements": 38,
                                        "communes": 117, "funds_mobilised": 1_221_667_043, "south_south_share_pct": 52}
    assert by_id.loc["agreements", ["study_figure_id", "study_value"]].tolist() == ["partnerships_total", 30]
    assert by_id.loc["communes", ["study_value", "study_source_id"]].tolist() == [117, "S001"]
    assert set(by_id["period"]) == {"2020-2024"} and set(by_id["source_id"]) == {"S025"}
    alone = national[national["figure_id"].isna()]
    assert alone["study_figure_id"].tolist() == ["regions", "prefectures", "partnerships_fr_2010",
                                                 "partnerships_share_pct"]
    shown = overview_tables.national_figures_display(national, "fr")
    assert shown.iloc[4, 1] == "1\u202f221\u202f667\u202f043 FCFA" and shown.iloc[5, 1] == "52\u00a0%"
    assert shown.iloc[0, 5] == "à peine une trentaine de partenariats"
    assert shown.iloc[0, 3] == "Ministère de l'Administration territoriale (page d’un ministère, 2025)"
    assert shown.iloc[0, 0] == "Conventions et accords de jumelage des communes togolaises"
    assert shown.iloc[0, 6] == "Étude ProDeGoL, Conclusion"  # the section, no line numbers


def test_limits_are_found_in_the_data():
    u = overview.unknowns()
    names = {"kloto-1": "Kloto 1"}
    text = overview_tables.limits_markdown(u, reproduced=False, stated=22.0, lang="fr", names=names)
    assert ("- Population de la commune inconnue (nombre imprimé mal formé) — Communes du ProDeGoL (§3)\u00a0: 1 "
            "(Kloto 1)") in text
    assert "- Année de début non imprimée — Partenariats, pistes et mentions\u00a0: 12\n" in text  # too many to list
    assert text.endswith("- La part moyenne de 22 % énoncée au §4.6.1 : aucun calcul ne la reproduit "
                         "(voir le rapport sur les finances)")
    assert "stated in §4.6.1" not in overview_tables.limits_markdown(u, reproduced=True, stated=22.0, lang="en")
    odd = pd.DataFrame({"topic": ["population"], "table": ["communes"], "n": [1], "records": ["<b>x</b>"],
                        "detail": [""]})
    assert "&lt;b&gt;x&lt;/b&gt;" in overview_tables.limits_markdown(odd, True, 22.0, "en")


def test_summary_counts_rows_by_source():
    first = summary_lines()[0]
    assert first.startswith("5 regions, 13 communes (13 ProDeGoL), 19 partnership rows (17 of Tableau n°01, 2 from "
                            "later sources)")
