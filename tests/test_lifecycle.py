"""Partnerships over time: data/partnership_events.csv and coopdata.analysis.lifecycle, pinned to real values."""

import datetime as dt

import pandas as pd
import pytest

import coopdata
from coopdata.analysis.lifecycle import (
    date_key,
    date_position,
    known_positions,
    known_span,
    lifecycle,
    source_label,
    status_counts,
)
from coopdata.data.provenance import verify


@pytest.fixture(scope="module")
def events():
    return coopdata.load_table("partnership_events")


@pytest.fixture(scope="module")
def life(events):
    return lifecycle(coopdata.load_partnerships(), events).set_index("partnership_id")


def test_every_study_partnership_is_listed_at_its_communes_survey_date(events):
    p = coopdata.load_partnerships(record_types=("partnership",))
    study = p[p["source_id"] == "S001"]
    communes = coopdata.load_table("communes").set_index("commune_id")
    listed = events[events["kind"] == "listed"].set_index("partnership_id")
    assert sorted(listed.index) == sorted(study["partnership_id"]) and len(listed) == 17
    for row in study.itertuples():
        assert listed.loc[row.partnership_id, "date"] == communes.loc[row.commune_id, "study_phase"]
    assert (listed["source_id"] == "S001").all() and listed["source_lines"].notna().all()
    assert set(listed["date"]) == {"2018-12", "2020-02"}
    assert set(listed.loc[listed["date"] == "2018-12"].index) == {"P01", "P03", "P13"}


def test_later_partnerships_cite_their_sources_and_no_lines():
    p = coopdata.load_partnerships().set_index("partnership_id")
    assert (p.loc["P18", "commune_id"], p.loc["P18", "partner"], p.loc["P18", "start_year"]) == ("kloto-1", "Mamoudzou",
                                                                                                  2022)
    assert p.loc["P18", "source_id"] == "S012" and pd.isna(p.loc["P18", "source_lines"])
    assert p.loc["P19", "partner"] == "Syndicat des Eaux D’Ile-de-France (SEDIF)"
    assert pd.isna(p.loc["P19", "start_year"])
    # « Sotouboua 2 » signed with Ardennes Thiérache: not a partnership of Sotouboua 1, recorded nowhere as one
    assert not p["partner"].str.contains("Ardennes").any()
    assert not p["note"].fillna("").str.contains("Sotouboua 2").any()


def test_kloto_1_mamoudzou_since_2022_with_its_two_sources(life, events):
    assert life.loc["P18", "start_year"] == 2022
    assert life.loc["P18", "first_confirmed"] == "2022-04-28"
    assert life.loc["P18", "status"] == "active"
    signed = events[(events["partnership_id"] == "P18")]
    assert set(signed["source_id"]) == {"S012", "S013"} and set(signed["date"]) == {"2022-04-28"}


def test_kozah_1_siaap_ended_in_2016_while_the_study_lists_it(life):
    row = life.loc["P13"]
    assert (row["status"], row["end_year"], row["end_date"], row["end_source"]) == ("ended", 2016, "2016-12-31", "S009")
    assert row["last_confirmed"] == "2018-12" and row["last_confirmed_source"] == "S001"
    assert row["confirmed_after_end"]
    c = coopdata.load_conflicts()
    assert set(c.loc[c["conflict_id"] == "C27", "source_id"]) == {"S001", "S009", "S010"}
    assert known_span(row, 2026) == {"start": 2007, "confirmed_until": 2016, "unconfirmed_until": None}


def test_ogou_1_niort_act_1958_convention_1986_dormant_2019_relaunched_2023(life, events):
    ev = events[events["partnership_id"] == "P01"]
    by_kind = ev.groupby("kind")["date"].apply(set).to_dict()
    assert "1958" in by_kind["act"] and "1986" in by_kind["convention"]
    assert by_kind["dormant"] == {"2019"} and by_kind["relaunch"] == {"2023-11"}
    row = life.loc["P01"]
    assert (row["start_year"], row["status"], row["status_since"]) == (1958, "active", "2023-11")
    years = coopdata.load_conflicts().query("conflict_id == 'C24'")
    assert {"1958", "Année de première signature de la convention 1986"} <= set(years["value_printed"])
    assert set(years["source_id"]) == {"S001", "S005", "S006", "S007", "S008"}


def test_tchaoudjo_1_nuremberg_permanent_city_friendship_2025(life, events):
    decl = events[(events["partnership_id"] == "P09") & (events["kind"] == "declaration")]
    assert list(decl["date"]) == ["2025-09-12"] and list(decl["source_id"]) == ["S011"]
    assert life.loc["P09", "status"] == "active" and life.loc["P09", "last_confirmed"] == "2025-09-12"
    assert life.loc["P09", "start_year"] == 2018  # Tableau n°01; the 2017 decision is conflict C26


def test_study_rows_are_last_confirmed_at_the_survey_unless_a_later_source_says_more(life):
    study_only = {"P03": "2018-12", "P04": "2020-02", "P10": "2020-02", "P11": "2020-02", "P12": "2020-02",
                  "P16": "2020-02", "P02": "2020-02", "P05": "2020-02", "P06": "2020-02", "P07": "2020-02",
                  "P14": "2020-02"}
    for pid, date in study_only.items():
        assert life.loc[pid, "last_confirmed"] == date, pid
        assert life.loc[pid, "last_confirmed_source"] == "S001", pid
    assert life.loc["P08", "last_confirmed"] == "2025-12-08"  # Bassar 1 – Chauray, reported
    assert life.loc["P17", "last_confirmed"] == "2025-11-23"  # Kloto 1 – Hilfe für Togo, reported
    assert life.loc["P04", "status"] == "unknown"  # the study lists, it does not say what holds today
    assert known_span(life.loc["P04"], 2026) == {"start": 1991, "confirmed_until": 2020, "unconfirmed_until": 2026}


def test_status_counts_and_start_year_conflicts(life):
    assert status_counts(lifecycle(coopdata.load_partnerships(), coopdata.load_table("partnership_events"))).to_dict() \
        == {"active": 4, "dormant": 0, "ended": 1, "unknown": 14}
    c = coopdata.load_conflicts()
    years = c[c["kind"] == "start_year"]
    assert set(years["conflict_id"]) == {"C03", "C04", "C05", "C07", "C08", "C24", "C25", "C26"}
    assert "officiellement jumelée avec Renaison depuis 1994 et maintenant avec toute la Côte Roannaise" in set(
        years.loc[years["conflict_id"] == "C07", "value_printed"])
    zio = years[years["conflict_id"] == "C05"]
    assert zio.set_index("source_id").loc["S022", "value_printed"].startswith("signé en 2003")


def test_reported_facts_are_marked_as_such(events):
    sources = coopdata.load_table("sources").set_index("source_id")
    checked = events.merge(sources[["checked"]], left_on="source_id", right_index=True)
    reported = checked[checked["checked"] == "no"]
    assert set(reported["partnership_id"]) == {"P02", "P03", "P05", "P06", "P07", "P08", "P10", "P11", "P12", "P14",
                                               "P15", "P17", "P19"}
    assert set(checked.loc[checked["partnership_id"].isin(["P01", "P09", "P13", "P18"]), "checked"]) == {"yes"}


def test_known_positions_draw_what_the_sources_know(life):
    at = dt.date(2026, 12, 3)
    # Kozah 1 – SIAAP: solid from 2007 to its end on 31 December 2016, nothing after (the 2018 listing is a conflict)
    kozah = known_positions(life.loc["P13"], at)
    assert kozah == {"start": 2007.0, "confirmed_until": pytest.approx(date_position("2016-12-31")),
                     "unconfirmed_until": None, "end": pytest.approx(2016 + 365 / 366)}
    # a study-only row: solid to its listing (February 2020), then unconfirmed up to the reference date
    bressuire = known_positions(life.loc["P04"], at)
    assert bressuire["confirmed_until"] == pytest.approx(2020 + 31 / 366)
    assert bressuire["unconfirmed_until"] == pytest.approx(date_position(at.isoformat()))
    assert int(bressuire["confirmed_until"]) == known_span(life.loc["P04"], 2026)["confirmed_until"]
    # Kloto 1 – Mamoudzou from 2022, confirmed on 28 April 2022; Tône 1 – SEDIF has no start year: not drawn
    assert known_positions(life.loc["P18"], at)["start"] == 2022.0
    assert set(known_positions(life.loc["P19"], at).values()) == {None}


def test_lifecycle_as_of_reads_the_events_up_to_that_day(events):
    p = coopdata.load_partnerships()
    before = lifecycle(p, events, as_of=dt.date(2025, 6, 30)).set_index("partnership_id")
    assert before.loc["P09", "last_confirmed"] == "2020-02" and before.loc["P09", "status"] == "unknown"
    assert before.loc["P01", "last_confirmed"] == "2023-11" and before.loc["P01", "status_since_source"] == "S005"
    assert before.loc["P18", "last_confirmed_kind"] == "convention"
    early = lifecycle(p, events, as_of=dt.date(2000, 1, 1)).set_index("partnership_id")
    assert pd.isna(early.loc["P04", "last_confirmed"]) and early.loc["P13", "status"] == "unknown"


def test_source_label_names_the_study_and_shortens_later_titles():
    sources = coopdata.load_table("sources")
    assert source_label("S001", sources, "fr") == "étude" and source_label("S001", sources, "en") == "study"
    assert source_label("S009", sources) == "Atlas français de la coopération décentralisée"
    assert source_label("S013", sources) == "Le Journal de Mayotte"
    # an official page by its publisher, as it names itself; no description in English after a name
    ministry = "Ministère de l'Administration territoriale"
    assert source_label("S012", sources, "en") == source_label("S025", sources) == ministry
    assert source_label("S021", sources) == "Groupe Pagouda"
    assert source_label("S999", sources) == "S999"


def test_dates_of_mixed_precision_are_ordered():
    assert date_key("2018-12") > date_key("2016-12-31") > date_key("2016")
    assert sorted(["2019", "2023-11", "1958", "2016-12-31"], key=date_key) == ["1958", "2016-12-31", "2019", "2023-11"]
    assert date_position("2019") == 2019.0 and date_position("2018-12") == pytest.approx(2018 + 334 / 365)


def test_verify_source_skips_the_rows_of_other_sources(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n" * 2481, encoding="utf-8")
    checked, findings = verify(empty)
    assert checked == len(findings) > 300  # nothing is found in an empty text
    ids = {f.row_id for f in findings}
    assert "P01" in ids and not ids & {"P18", "P19", "E018"}
    assert {f.table for f in findings if f.row_id == "E001"} == {"partnership_events"}


def test_national_figures_after_the_study():
    f = coopdata.load_table("reported_figures").set_index("figure_id")
    assert f.loc["agreements", "value"] == 52 and f.loc["agreements_active", "value"] == 39
    assert f.loc["communes_with_agreements", "value"] == 38 and f.loc["communes", "value"] == 117
    assert f.loc["funds_mobilised", "value"] == 1_221_667_043 and f.loc["funds_mobilised", "unit"] == "FCFA"
    assert f.loc["south_south_share_pct", "value"] == 52 and f.loc["south_south_share_pct", "unit"] == "percent"
    assert set(f["period"]) == {"2020-2024"} and set(f["source_id"]) == {"S025"}
    assert f.loc["agreements_active", "value"] <= f.loc["agreements", "value"]
    assert f.loc["communes_with_agreements", "value"] <= len(coopdata.load_table("togo_communes"))
