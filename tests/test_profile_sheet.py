"""The commune sheet as a one-page handout (coopdata.views.sheet, coopdata.views.key_points.profile): key points
computed from the data, sources named for readers in their language, the compact timeline, the location map."""

import datetime as dt
import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from coopdata.analysis import profile as profiles
from coopdata.core.i18n import tr
from coopdata.views import sheet
from coopdata.views.key_points import profile as kp

AS_OF = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def data():
    return profiles.load_profile_data()


def build(commune_id, lang, data):
    return profiles.build_profile(commune_id, lang, data=data, as_of=AS_OF)


# ----------------------------------------------------------------------------- key points

@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_commune_has_three_or_four_key_points(lang, data):
    for commune_id in data.communes["commune_id"]:
        points = kp.key_points(build(commune_id, lang, data))
        assert 3 <= len(points) <= 4, (commune_id, points)
        assert all(p.endswith(".") and "**" in p for p in points), (commune_id, points)
        assert not any("{" in p or "(s)" in p for p in points), (commune_id, points)


def test_key_points_of_tone_1(data):
    fr = kp.key_points(build("tone-1", "fr", data))
    assert fr[0].startswith("**2 partenariats** recensés par les sources")
    assert "Issy-les-Moulineaux" in fr[1] and "**1989**" in fr[1]
    assert fr[2].startswith("Domaines de coopération connus (**4 sur 7**) : eau et assainissement")
    assert "le maire en fonction" in fr[3] and "l’année de début d’un partenariat" in fr[3]
    en = kp.key_points(build("tone-1", "en", data))
    assert en[0].startswith("**2 partnerships** recorded by the sources")


def test_key_points_say_other_printed_years_and_stated_status(data):
    kloto = kp.key_points(build("kloto-1", "fr", data))
    assert "**Bressuire**" in kloto[1] and "1993" in kloto[1]  # C04: the commune page prints 1993
    kozah = kp.key_points(build("kozah-1", "en", data))
    assert "SIAAP, ended on 31 December 2016" in kozah[0]
    # the whole name, never cut
    assert "Syndicat Interdépartemental pour l’Assainissement de l’Agglomération Parisienne (SIAAP)" in kozah[1]


def test_key_points_follow_the_data(data):
    """A partnership added to data/ changes the count and the oldest: nothing is typed in."""
    p = data.partnerships
    row = p[p["partnership_id"] == "P03"].copy()
    row["partnership_id"], row["partner"], row["start_year"] = "P99", "Ville nouvelle", 1970
    more = replace(data, partnerships=pd.concat([p, row], ignore_index=True))
    points = kp.key_points(profiles.build_profile("tone-1", "fr", data=more, as_of=AS_OF))
    assert points[0].startswith("**3 partenariats**")
    assert "**Ville nouvelle**" in points[1] and "**1970**" in points[1]


# ----------------------------------------------------------------------------- sources for readers

def test_sources_are_named_in_the_readers_language(data):
    s = data.sources
    assert sheet.source_name("S001", s, "fr") == "étude ProDeGoL"
    assert sheet.source_name("S018", s, "fr") == "Le Temps (Togo), 23 février 2017"
    assert sheet.source_name("S018", s, "en") == "Le Temps (Togo), 23 February 2017"
    assert sheet.source_name("S011", s, "fr") == "Stadt Nürnberg"  # the English gloss is left out
    assert sheet.source_name("S010", s, "en").endswith("(SIAAP)")  # an acronym stays
    assert sheet.where_text("S001", "§5.1 Coopération Sud-Sud", s, "en") == "ProDeGoL study, §5.1"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_sheet_shows_no_line_numbers_nor_file_names(lang, data):
    for commune_id in data.communes["commune_id"]:
        html = sheet.sheet_html(build(commune_id, lang, data))
        assert "(l. " not in html and "data/" not in html and ".csv" not in html, commune_id
        assert "article of" not in html and "page on the" not in html, commune_id  # English locators of data/


def test_english_sheet_speaks_english(data):
    html = sheet.sheet_html(build("kloto-1", "en", data))
    for french in ("Source :", "Sources :", "étude ProDeGoL", "non renseigné", "Partenaire", "inconnu<"):
        assert french not in html, french


def test_unknowns_said_elsewhere_are_marked_for_screen_only(data):
    pr = build("tone-1", "fr", data)
    u = sheet.unknowns_table(pr)
    assert u.loc[u["topic"] == "Maire (mandat)", "elsewhere"].all()
    assert u.loc[u["topic"].str.startswith(("Actuel", "Attente")), "elsewhere"].all()
    assert not u.loc[u["ref"] == "P19", "elsewhere"].any()
    html = sheet.unknowns_html(pr)
    assert len(re.findall(r'<td class="[^"]*\bcp-dup\b', html)) == 3 * 3  # three rows of three cells


def test_conflicts_on_names_and_years_are_summed_up_where_the_partnerships_show_them(data):
    u = sheet.unknowns_table(build("kloto-1", "en", data)).set_index("ref")
    assert u.at["C04", "summary"] == "2 values printed (see Partnerships); used: « 1991 » (Tableau n°01, Carte n°02)"
    assert "« 1993 » (commune page)" in u.at["C04", "detail"]  # the CSV keeps every value


# ----------------------------------------------------------------------------- figures

def test_the_compact_timeline_keeps_the_traces_and_says_itself_in_words(data):
    pr = build("kloto-1", "fr", data)
    full = sheet.timeline_figure(pr)
    fig = sheet.compact_timeline(full, pr)
    assert [t.to_plotly_json() for t in fig.data] == [t.to_plotly_json() for t in full.data]
    assert full.layout.title.text  # the caller's figure is left as it was
    assert fig.layout.title.text is None and fig.layout.showlegend is False
    assert not [a for a in fig.layout.annotations if a.yref == "paper" and (a.yshift or 0) < 0]
    alt = fig.layout.meta["alt"]
    assert all(name in alt for name in ("Bressuire", "Mamoudzou", "1991", "2022"))
    legend = sheet.timeline_legend_html(full)
    assert "Jumelage" in legend and "Autre année imprimée" in legend
    assert "Sources :" in sheet.timeline_caption(pr) or "Source :" in sheet.timeline_caption(pr)


def test_undated_partnerships_are_named_under_the_timeline(data):
    caption = sheet.timeline_caption(build("tone-1", "en", data))
    assert "No start year, not drawn: Syndicat des Eaux D’Ile-de-France (SEDIF)." in caption


def test_the_location_map_is_cut_to_its_frame(data, tmp_path):
    pr = build("amou-1", "fr", data)
    path = sheet.location_png(tmp_path / "amou-1_location.png", pr)
    grey = np.asarray(Image.open(path).convert("L"))
    # the frame is the border: the first and last rows and columns are dark lines
    for edge in (grey[0], grey[-1], grey[:, 0], grey[:, -1]):
        assert (edge < 100).mean() > 0.9
    assert path.read_bytes() == sheet.location_png(tmp_path / "again.png", pr).read_bytes()
    assert "Amou 1" in sheet.map_alt(pr) and tr("cap.10.map", "fr") == (
        "Situation au Togo.")
