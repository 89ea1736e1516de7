"""§4.6.1: shares of decentralized cooperation in the commune budget, checked against values computed by hand."""

import pandas as pd
import pytest

import coopdata
from coopdata.analysis import finance
from coopdata.core.errors import ParameterError
from coopdata.views import finance_tables, study_charts


@pytest.fixture(scope="module")
def data():
    return coopdata.load_finance()


@pytest.fixture(scope="module")
def table(data):
    return finance.ratios(data).set_index("commune_id")


def test_peg_conversion():
    assert finance.FCFA_PER_EUR == 655.957
    assert finance.fcfa_to_eur(655_957) == pytest.approx(1000.0)
    assert finance.fcfa_to_eur(570_000_000) == pytest.approx(868_959.40, abs=0.01)
    series = finance.fcfa_to_eur(pd.Series([1_370_000_000]))
    assert series.iloc[0] == pytest.approx(1_370_000_000 / 655.957)


def test_euro_table_compares_the_study_rounding(data):
    euros = finance.euro_table(data).set_index("finance_id")
    assert euros.loc["F01", "eur_approx"] == 870_000
    assert euros.loc["F01", "eur_exact"] == pytest.approx(570_000_000 / 655.957, abs=0.01)
    # Kozah 1's contribution: « environ 2 000 000 € » for 2 088 551.54 € at the peg (conflict C17)
    assert euros.loc["F04", "eur_exact"] == pytest.approx(2_088_551.54, abs=0.01)
    assert euros.loc["F04", "eur_diff_pct"] == pytest.approx((2_000_000 / (1_370_000_000 / 655.957) - 1) * 100,
                                                             abs=0.01)
    assert euros["eur_diff_pct"].abs().idxmax() == "F04"
    assert (euros.drop(index="F04")["eur_diff_pct"].abs() < 1.5).all()


def test_printed_amounts_match_their_digits(data):
    checks = finance.printed_amount_checks(data)
    assert len(checks) == 6
    assert checks["fcfa_matches"].all() and checks["eur_matches"].all()
    broken = data.copy()
    broken.loc[broken["finance_id"] == "F02", "amount_fcfa"] = 160_000_000
    assert not finance.printed_amount_checks(broken).set_index("finance_id").loc["F02", "fcfa_matches"]


def test_amounts_and_periods(table):
    assert list(table.index) == ["tone-1", "kozah-1", "ogou-1"]
    assert table.loc["tone-1", ["budget", "contribution"]].tolist() == [570_000_000, 166_000_000]
    assert table.loc["kozah-1", ["budget_years", "contribution_years"]].tolist() == [5, 10]
    assert table.loc["ogou-1", ["budget", "contribution"]].tolist() == [277_000_000, 128_000_000]
    assert table["budget"].sum() == 2_032_000_000
    assert table["contribution"].sum() == 1_664_000_000


def test_ratios_by_hand(table):
    assert table.loc["tone-1", "share_as_printed"] == pytest.approx(166 / 570)
    assert table.loc["tone-1", "share_per_year"] == pytest.approx(166 / 570)  # same five years on both sides
    assert table.loc["kozah-1", "share_as_printed"] == pytest.approx(1370 / 1185)
    assert table.loc["kozah-1", "share_as_printed"] > 1  # ten years of contribution exceed five years of budget
    assert table.loc["kozah-1", "share_per_year"] == pytest.approx((1370 / 10) / (1185 / 5))
    assert table.loc["ogou-1", "share_as_printed"] == pytest.approx(128 / 277)
    assert table.loc["tone-1", "share_of_total_resources"] == pytest.approx(166 / (570 + 166))
    assert table.loc["kozah-1", "share_of_total_resources"] == pytest.approx(1370 / (1185 + 1370))
    assert table.loc["kozah-1", "share_of_total_resources_per_year"] == pytest.approx(137 / (237 + 137))


def test_averages_by_hand(table):
    avg = finance.averages(table.reset_index()).set_index(["definition", "method"])["value"]
    assert len(avg) == 4 * 3
    assert avg["share_as_printed", "mean"] == pytest.approx((166 / 570 + 1370 / 1185 + 128 / 277) / 3)
    assert avg["share_as_printed", "pooled"] == pytest.approx(1664 / 2032)
    assert avg["share_per_year", "pooled"] == pytest.approx((166 / 5 + 137 + 128 / 5) / (570 / 5 + 1185 / 5 + 277 / 5))
    assert avg["share_per_year", "mean"] == pytest.approx((166 / 570 + 137 / 237 + 128 / 277) / 3)
    assert avg["share_of_total_resources", "pooled"] == pytest.approx(1664 / (2032 + 1664))
    assert avg["share_as_printed", "median"] == pytest.approx(128 / 277)


def test_ratios_from_the_study_rounded_euros(data):
    eur = finance.ratios(data, "eur_approx").set_index("commune_id")
    assert eur.loc["tone-1", "share_as_printed"] == pytest.approx(250 / 870)
    assert eur.loc["kozah-1", "share_per_year"] == pytest.approx((2000 / 10) / (1800 / 5))
    with pytest.raises(ValueError, match="amount_column"):
        finance.ratios(data, "amount_printed")


def test_ratios_refuse_a_missing_item(data):
    with pytest.raises(coopdata.DataError, match="exactly one contribution"):
        finance.ratios(data[data["finance_id"] != "F06"])


def test_the_stated_22_percent_is_not_an_average_of_the_three_communes(data):
    stated = finance.stated_share(coopdata.load_study_figures())
    assert stated == 22.0
    rep = finance.reproduce_stated_average(data, stated=stated, tolerance_pct_points=1.0)
    assert rep.n_communes == 3
    # 2 amount bases × 4 definitions × (3 single + 3 pairs × 2 methods + 1 triple × 3 methods)
    assert len(rep.candidates) == 2 * 4 * (3 + 3 * 2 + 3)
    assert not rep.reproduced
    assert rep.matches_all_communes.empty
    # the nearest average of the three communes (FCFA): mean of contribution / (budget + contribution) per year
    best = rep.closest_all_communes
    assert (best["definition"], best["method"], best["amounts"]) == (
        "share_of_total_resources_per_year", "mean", "amount_fcfa")
    by_hand = (166 / 736 + 137 / (237 + 137) + 128 / 405) / 3 * 100
    assert best["value_pct"] == pytest.approx(by_hand)
    assert best["gap_pp"] == pytest.approx(by_hand - 22)
    assert best["gap_pp"] > 8
    # only Tône 1 alone, as contribution / (budget + contribution), lands within one point
    assert set(rep.matches["communes"]) == {"tone-1"}
    assert set(rep.matches["definition"]) == {"share_of_total_resources", "share_of_total_resources_per_year"}
    assert rep.closest["communes"] == "tone-1"
    fcfa = rep.matches[rep.matches["amounts"] == "amount_fcfa"]
    assert fcfa["value_pct"].iloc[0] == pytest.approx(166 / 736 * 100)  # 22.55 %
    eur = rep.matches[rep.matches["amounts"] == "eur_approx"]
    assert eur["value_pct"].iloc[0] == pytest.approx(250 / 1120 * 100)  # 22.32 %


def test_verdict_says_it_in_both_languages(data):
    rep = finance.reproduce_stated_average(data)
    names = {"tone-1": "Tône 1", "kozah-1": "Kozah 1", "ogou-1": "Ogou 1"}
    fr = finance_tables.verdict(rep, "fr", names)
    assert fr.startswith("Aucune moyenne des 3 communes")
    assert "30,3\u00a0%" in fr and "22,6\u00a0%" in fr and "Tône 1" in fr
    assert "(écart +8,3 points)" in fr and "à 1 point ou moins de 22 %" in fr
    assert "(montants en FCFA)\u00a0: 22,6\u00a0%" in fr
    en = finance_tables.verdict(rep, "en", names)
    assert en.startswith("No average of the 3 communes") and "30.3\u00a0%" in en and "22.6\u00a0%" in en
    with pytest.raises(ValueError):
        finance_tables.verdict(rep, "de")


def test_a_figure_that_is_an_average_is_reproduced(data):
    # the pooled share as printed, 1664 / 2032 = 81.9 %, must be found when it is the stated figure
    rep = finance.reproduce_stated_average(data, stated=81.9, tolerance_pct_points=0.1)
    assert rep.reproduced
    top = rep.matches_all_communes.iloc[0]
    assert (top["definition"], top["method"], top["amounts"]) == ("share_as_printed", "pooled", "amount_fcfa")
    assert finance_tables.verdict(rep, "en").startswith("The 82 % is reproduced by")


def test_display_tables_and_figure(data, table):
    names = {"tone-1": "Tône 1", "kozah-1": "Kozah 1", "ogou-1": "Ogou 1"}
    shares = finance_tables.shares_display(table.reset_index(), names, "fr")
    assert shares.loc["Kozah 1", "Apport / budget (périodes imprimées)"] == pytest.approx(115.6)
    assert shares.loc["Agrégée (sommes des montants)", "Apport / budget (périodes imprimées)"] == pytest.approx(81.9)
    amounts = finance_tables.amounts_display(data, names, "en")
    assert list(amounts["Commune"]) == ["Tône 1"] * 2 + ["Kozah 1"] * 2 + ["Ogou 1"] * 2
    assert amounts["EUR at the fixed peg"].tolist()[3] == 2_088_552
    fig = study_charts.shares_figure(table.reset_index(), 22.0, names, "en")
    assert len(fig.data) == 3 + 2 + 1  # communes, mean and pooled, the stated line in the legend
    assert fig.data[-1].name == "Mean share stated by the study: 22 %"
    assert fig.data[0].name == "Tône 1"
    assert fig.data[1].y[1] == pytest.approx(137 / 237 * 100)
    assert "§4.6.1" in fig.layout.annotations[-1].text
    assert fig.data[0].text[0] == "29.1" and fig.data[0].customdata[0] == "29.1\u00a0%"


def test_tolerance_parameter_is_checked(data):
    assert finance.check_tolerance("1.5") == 1.5
    with pytest.raises(ParameterError, match="tolerance_pct_points must be a number"):
        finance.check_tolerance("un")
    with pytest.raises(ParameterError, match="between 0 and 100"):
        finance.check_tolerance(0)
    with pytest.raises(ValueError, match=">= 0"):
        finance.reproduce_stated_average(data, tolerance_pct_points=-1)


def test_candidates_display_merges_equal_definitions(data):
    rep = finance.reproduce_stated_average(data)
    names = {"tone-1": "Tône 1", "kozah-1": "Kozah 1", "ogou-1": "Ogou 1"}
    top = finance_tables.candidates_display(rep, names, "en", n=2)
    assert top["Definition"].iloc[0] == ("Contribution / (budget + contribution) (printed periods) = "
                                         "Contribution / (budget + contribution), per year")
    assert top["Communes"].tolist() == ["Tône 1", "Tône 1"]
    assert top["Share (%)"].tolist() == [22.3, 22.6]  # the study's rounded euros, then FCFA
    best = finance_tables.candidates_display(rep, names, "en", n=None, all_communes=True, amounts="amount_fcfa",
                                      best_per_definition=True)
    assert len(best) == 4
    assert best["Communes"].unique().tolist() == ["Tône 1, Kozah 1, Ogou 1"]
    assert best["Share (%)"].iloc[0] == 30.3


NAMES = {"tone-1": "Tône 1", "kozah-1": "Kozah 1", "ogou-1": "Ogou 1"}


def test_key_points_answer_the_question_in_plain_words(data):
    from coopdata.views.key_points import finance as finance_points

    rep = finance.reproduce_stated_average(data, stated=22.0, tolerance_pct_points=1.0)
    fr = finance_points.key_points(data, rep, NAMES, "fr")
    assert 3 <= len(fr) <= 5
    assert fr[0].startswith("L’étude ProDeGoL (§4.6.1)") and "**3 communes** (Tône 1, Kozah 1, Ogou 1)" in fr[0]
    assert "**Non.**" in fr[1] and "**30,3\u00a0%**" in fr[1] and "1 point ou moins de 22\u00a0%" in fr[1]
    assert "**63,6\u00a0%**" in fr[2] and "Kozah 1\u00a0: 115,6\u00a0%" in fr[2]
    assert fr[3].startswith("À Kozah 1") and "**57,8\u00a0%**" in fr[3]
    assert "à Tône 1" in fr[4] and "**22,6\u00a0%**" in fr[4]
    en = finance_points.key_points(data, rep, NAMES, "en")
    assert "**No.**" in en[1] and "**30.3\u00a0%**" in en[1] and "within 1 point of 22\u00a0%" in en[1]
    assert not any(t in " ".join(fr + en) for t in ("share_", "amount_fcfa", "tone-1", "np.float"))
    # a figure that is an average of all the communes gets « Oui »
    yes = finance_points.answer(finance.reproduce_stated_average(data, stated=81.9, tolerance_pct_points=0.1),
                                NAMES, "fr")
    assert yes[0].count("**Oui**") == 1 and "**81,9\u00a0%**" in yes[0] and "0,1 point" in yes[0]
    assert finance_points.points(1.5, "fr") == "1,5 point" and finance_points.points(1.5, "en") == "1.5 points"


def test_reader_blocks_of_the_report(data):
    conflicts = coopdata.load_conflicts()
    communes = coopdata.load_table("communes")
    note = finance_tables.rounding_note(data, conflicts, NAMES, "fr")
    assert "Kozah 1" in note and "2\u202f088\u202f552" in note and "-4,2\u00a0%" in note and "C17" in note
    items = finance_tables.reserves_items(data, communes, "en")
    assert any("3 of the study’s 13 communes" in t for t in items)
    html = finance_tables.prose_html(items, as_list=True)
    assert html.startswith("<ul") and "<strong>Only some of the communes</strong>" in html
    shown = finance_tables.conflicts_display(conflicts[conflicts["field"].str.startswith("finance")], "fr")
    assert shown["Réf."].tolist() == ["C15", "C16", "C16", "C17"]
    assert set(shown["Utilisée"]) == {"oui", "non"}
    assert not shown.astype(str).apply(lambda s: s.str.contains("coopdata|notebook", regex=True)).any().any()
    sources = finance_tables.sources_display(data, coopdata.load_study_figures(), NAMES, "en")
    assert sources["Text lines"].tolist()[-1] == "1710-1714"
