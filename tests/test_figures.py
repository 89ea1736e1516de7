"""Timelines, counts and commune × sector figures, checked against the values read in data/*.csv."""

import datetime as dt

import pandas as pd
import pytest

import coopdata
from coopdata.analysis import sectors, timelines
from coopdata.core.errors import DataError
from coopdata.views import charts, sector_charts, style

AS_OF = dt.date(2025, 6, 30)


@pytest.fixture(scope="module")
def data():
    return {
        "partnerships": coopdata.load_partnerships(),
        "conflicts": coopdata.load_conflicts(),
        "events": coopdata.load_events(),
        "communes": coopdata.load_table("communes"),
        "sectors": coopdata.load_table("sectors"),
        "rules": coopdata.load_sector_rules(),
        "current": coopdata.load_sectors("current"),
        "interest": coopdata.load_sectors("interest"),
    }


def timeline(data, lang="fr", as_of=AS_OF):
    return charts.timeline(data["partnerships"], data["conflicts"], data["events"], as_of, lang,
                            communes=data["communes"])


def trace(fig, name):
    found = [t for t in fig.data if t.name == name]
    assert len(found) == 1, [t.name for t in fig.data]
    return found[0]


def markers(fig, name):
    """{(partnership_id, year): hover text} of a marker trace."""
    t = trace(fig, name)
    return {(pid, int(x)): custom[1] for pid, x, custom in zip(t.meta, t.x, t.customdata, strict=True)}


# ------------------------------------------------------------------------------------------ timeline


def test_timeline_draws_every_partnership_of_tableau_01_to_as_of(data):
    fig = timeline(data)
    bars = [t for t in fig.data if t.type == "bar"]
    assert sum(len(t.y) for t in bars) == 17
    assert {t.name for t in bars} == {"Jumelage", "Coopération hors jumelage", "Coopération régionale",
                                      "Appui d’un syndicat (projets multi-acteurs)", "Coopération avec une OSC"}
    jumelage = trace(fig, "Jumelage")
    assert len(jumelage.y) == 8
    assert min(jumelage.base) == 1958  # Ogou 1 – Niort
    end = 2025 + 180 / 365  # 30 June 2025 as a year position
    assert all(base + width == pytest.approx(end) for t in bars for base, width in zip(t.base, t.x, strict=True))
    # one row per commune: 13 communes, Tône 1 at the top, Yoto 1 at the bottom
    assert list(fig.layout.yaxis.ticktext) == list(data["communes"]["commune"])
    assert fig.layout.yaxis.tickvals[0] > fig.layout.yaxis.tickvals[-1]


def test_timeline_shows_the_competing_start_years_as_such(data):
    fig = timeline(data, "en")
    competing = markers(fig, "Other year printed")
    used = markers(fig, "Year used (Tableau n°01)")
    # Kloto 1 – Bressuire: 1991 in Tableau n°01 and Carte n°02, 1993 on the commune page (C04)
    assert used[("P04", 1991)] == "1991 — used, printed at Tableau n°01; Carte n°02"
    assert competing[("P04", 1993)] == "1993 — printed at §3, page « Commune de Kloto 1 »"
    # Zio 1 – Parthenay 1993 vs 1990; Amou 1 – Aiffres 2006 vs 1986 vs 1958; Binah 1 1991 vs 1994
    assert ("P05", 1993) in used and ("P05", 1990) in competing
    assert ("P02", 2006) in used and {("P02", 1986), ("P02", 1958)} <= set(competing)
    assert competing[("P07", 1994)] == "1994 — printed at Carte n°02; §3, page « Commune de Binah 1 »"
    # Région Centrale – Grand Est: 1987 for the three beneficiary communes, each page prints 1986
    for pid, commune in (("P10", "Tchaoudjo 1"), ("P11", "Tchamba 1"), ("P12", "Sotouboua 1")):
        assert (pid, 1987) in used
        assert competing[(pid, 1986)] == f"1986 — printed at §3, page « Commune de {commune} »"
    assert set(competing) == {("P04", 1993), ("P05", 1990), ("P02", 1986), ("P02", 1958), ("P07", 1994),
                              ("P10", 1986), ("P11", 1986), ("P12", 1986)}
    assert set(used) == {("P02", 2006), ("P04", 1991), ("P05", 1993), ("P07", 1991), ("P10", 1987),
                         ("P11", 1987), ("P12", 1987)}
    # each marker sits on the row of its own bar
    kloto = trace(fig, "Twinning")
    y_p04 = [y for y, c in zip(kloto.y, kloto.customdata, strict=True) if c[5] == "P04"]
    t = trace(fig, "Other year printed")
    assert [y for pid, y in zip(t.meta, t.y, strict=True) if pid == "P04"] == y_p04


def test_timeline_context_and_caption(data):
    fig = timeline(data)
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    assert [(r.x0, r.x1) for r in rects] == [(2001, 2019)]
    lines = sorted(s.x0 for s in fig.layout.shapes if s.type == "line")
    assert lines == [pytest.approx(2019 + 180 / 365), pytest.approx(2019 + 226 / 365)]  # 30 June, 15 August
    texts = [a.text for a in fig.layout.annotations]
    assert "Élections locales : 30 juin 2019, 15 août 2019" in texts
    assert "Délégations spéciales (2001–2019)" in texts
    notes = next(t for t in texts if t.startswith("Source"))
    assert "Tableau n°01" in notes and "Carte n°02" in notes
    assert "11 pistes et mentions sans année" in notes.replace("<br>", " ")


def test_timeline_labels_follow_lang(data):
    fr, en = timeline(data, "fr"), timeline(data, "en")
    assert fr.layout.title.text == "<b>Partenariats des communes ProDeGoL, de 1958 au 30 juin 2025</b>"
    assert en.layout.title.text == "<b>Partnerships of the ProDeGoL communes, 1958 to 30 June 2025</b>"
    assert fr.layout.xaxis.title.text == "Année" and en.layout.xaxis.title.text == "Year"
    assert "Twinning" in {t.name for t in en.data} and "Jumelage" in {t.name for t in fr.data}
    with pytest.raises(ValueError, match="lang"):
        timeline(data, "de")


def test_timeline_before_the_elections_leaves_later_rows_out(data):
    fig = timeline(data, as_of=dt.date(2000, 1, 1))
    assert sum(len(t.y) for t in fig.data if t.type == "bar") == 9
    assert not [s for s in fig.layout.shapes]  # the delegations start in 2001, the elections in 2019
    competing = markers(fig, "Autre année imprimée")
    assert ("P02", 1958) not in competing  # Amou 1 – Aiffres starts in 2006 in Tableau n°01
    assert ("P04", 1993) in competing


def test_timeline_colours_are_the_style_palette(data):
    fig = timeline(data, "en")
    bars = {t.legendgroup: t.marker.color for t in fig.data if t.type == "bar"}
    assert bars == {m: style.model_colour(m) for m in bars}  # the maps' colours
    assert bars["jumelage"] == style.MODEL_COLOURS["jumelage"]
    assert trace(fig, "Other year printed").marker.color == style.CONFLICT_COLOUR
    assert [r.fillcolor for r in fig.layout.shapes if r.type == "rect"] == [style.PERIOD_FILL]
    assert {s.line.color for s in fig.layout.shapes if s.type == "line"} == {style.EVENT_LINE}
    assert fig.layout.font.family == style.FONT


def bar_rows(fig):
    """{partnership_id: (model trace, colour, start, length)} of the bars of a timeline."""
    return {c[5]: (t.name, t.marker.color, b, x) for t in fig.data if t.type == "bar"
            for b, x, c in zip(t.base, t.x, t.customdata, strict=True)}


def marker_rows(fig):
    """{(trace, partnership_id, year): (symbol, colour, hover)} of the marker traces of a timeline."""
    return {(t.name, pid, x): (t.marker.symbol, t.marker.color, tuple(c))
            for t in fig.data if t.type == "scatter" and t.meta
            for pid, x, c in zip(t.meta, t.x, t.customdata, strict=True)}


@pytest.mark.parametrize("commune_id", ["kloto-1", "amou-1", "tchamba-1", "tone-1"])
def test_commune_timeline_is_the_report_timeline_filtered(data, commune_id):
    report = timeline(data, "fr")
    one = charts.timeline(data["partnerships"], data["conflicts"], data["events"], AS_OF, "fr",
                          communes=data["communes"], commune_id=commune_id)
    pids = set(data["partnerships"].query("commune_id == @commune_id and record_type == 'partnership'")
               ["partnership_id"])
    assert set(bar_rows(one)) == pids
    assert bar_rows(one) == {k: v for k, v in bar_rows(report).items() if k in pids}
    assert marker_rows(one) == {k: v for k, v in marker_rows(report).items() if k[1] in pids}
    # the same context, and the date the study surveyed the commune
    assert [(r.x0, r.x1, r.fillcolor) for r in one.layout.shapes if r.type == "rect"] == \
        [(r.x0, r.x1, r.fillcolor) for r in report.layout.shapes if r.type == "rect"]
    survey = [s for s in one.layout.shapes if s.type == "line" and s.line.color == style.SURVEY_LINE]
    assert len(survey) == 1
    assert list(one.layout.yaxis.ticktext) == list(data["communes"].query("commune_id == @commune_id")["commune"])
    assert one.layout.width == 680


def test_commune_timeline_of_kloto_1_marks_both_printed_years(data):
    fig = charts.timeline(data["partnerships"], data["conflicts"], data["events"], AS_OF, "en",
                          communes=data["communes"], commune_id="kloto-1")
    assert fig.layout.title.text == "<b>Kloto 1: partnerships&#x27; start</b>"
    used = {("P04", 1991): "1991 — used, printed at Tableau n°01; Carte n°02"}
    assert markers(fig, "Year used (Tableau n°01)") == used
    assert set(markers(fig, "Other year printed")) == {("P04", 1993)}
    survey = next(s for s in fig.layout.shapes if s.line.color == style.SURVEY_LINE)
    assert survey.x0 == pytest.approx(2020 + 45 / 366)  # 15 February 2020 (study phase 2020-02)
    with pytest.raises(ValueError, match="commune_id"):
        charts.timeline(data["partnerships"], data["conflicts"], data["events"], AS_OF, "en",
                        communes=data["communes"], commune_id="lome-9")


def test_partner_labels_are_short_and_escaped(data):
    assert charts.short_partner("Syndicat des Eaux D’Ile-de-France (SEDIF)") == "SEDIF"
    assert charts.short_partner("Région Grand Est (représenté par le Grand Est Solidarité et Coopérations pour "
                                 "le Développement (GESCOD))") == "Région Grand Est"
    assert charts.short_partner("ONG Hilfe Für Togo (Waldstetten)") == "ONG Hilfe Für Togo"
    p = data["partnerships"].copy()
    p.loc[p["partnership_id"] == "P01", "partner"] = "<script>x</script>"
    fig = charts.timeline(p, data["conflicts"], data["events"], AS_OF, "fr", communes=data["communes"])
    texts = [a.text for a in fig.layout.annotations]
    assert "&lt;script&gt;x&lt;/script&gt;" in texts
    assert not any("<script>" in t for t in texts)


def test_conflict_tables(data):
    table = timelines.conflict_year_table(data["conflicts"])
    assert len(table) == 18  # C03, C04, C05, C07: three printed values each; C08: six
    assert table.loc[table["value_printed"] == "Région Grand-Est (France) depuis 1986", "year"].tolist() == [1986] * 3
    summary = timelines.conflict_summary(data["conflicts"], data["partnerships"], data["communes"]).set_index("subject")
    assert summary.loc["Kloto 1 – Bressuire", "years_printed"] == "1991; 1993"
    assert summary.loc["Amou 1 – Aiffres", "years_printed"] == "1958; 1986; 2006"
    assert summary.loc["Amou 1 – Aiffres", "start_year"] == 2006
    assert summary.loc["Région Centrale – Région Grand Est", "commune"] == "Tchaoudjo 1; Tchamba 1; Sotouboua 1"


def test_a_used_value_that_is_not_the_table_year_is_an_error(data):
    conflicts = data["conflicts"].copy()
    row = (conflicts["conflict_id"] == "C04") & (conflicts["used"] == "no")
    conflicts.loc[row, "used"] = "yes"  # would make 1993 « used » while Tableau n°01 says 1991
    with pytest.raises(DataError, match="not its start_year"):
        timelines.start_year_claims(conflicts, data["partnerships"])
    conflicts = data["conflicts"].copy()
    conflicts.loc[conflicts["conflict_id"] == "C04", "value_printed"] = "vers 1990 ou 1991"
    with pytest.raises(DataError, match="exactly one year"):
        timelines.conflict_year_table(conflicts)


# ------------------------------------------------------------------------------------------- counts


def test_counts_by_model_country_decade(data):
    p = data["partnerships"]
    by_model = timelines.count_table(p, "model", "en")
    assert by_model.to_dict("records") == [
        {"model": "jumelage", "label": "Twinning", "count": 8},
        {"model": "regionale", "label": "Regional cooperation", "count": 3},
        {"model": "syndicat", "label": "Support from a syndicate (multi-actor projects)", "count": 3},
        {"model": "osc", "label": "Cooperation with a civil-society organisation", "count": 2},
        {"model": "hors_jumelage", "label": "Cooperation outside a twinning", "count": 1},
    ]
    by_country = timelines.count_table(p, "partner_country", "fr")
    assert list(zip(by_country["partner_country"], by_country["label"], by_country["count"], strict=True)) == [
        ("FR", "France", 15), ("DE", "Allemagne", 2)]
    by_decade = timelines.count_table(p, "decade", "fr")
    assert dict(zip(by_decade["decade"], by_decade["count"], strict=True)) == {
        1950: 1, 1960: 0, 1970: 0, 1980: 4, 1990: 4, 2000: 2, 2010: 6}
    assert by_decade["label"].iloc[0] == "années 1950"
    assert timelines.agreements_count(p) == 15  # the Région Centrale agreement has three rows
    with pytest.raises(ValueError, match="by must be"):
        timelines.count_table(p, "region", "fr")


def test_counts_chart_and_decade_note(data):
    p = data["partnerships"]
    fig = charts.counts_by(p, "model", "fr")
    assert list(fig.data[0].y) == [8, 3, 3, 2, 1]
    assert fig.data[0].x[0] == "Jumelage"
    assert fig.layout.title.text == "<b>Partenariats par modèle de coopération</b>"
    assert charts.counts_by(p, "model", "en").layout.yaxis.title.text == "Rows of Tableau n°01"
    moved = timelines.decade_changes(data["conflicts"], p)
    assert set(zip(moved["partnership_id"], moved["year"], strict=True)) == {("P02", 1958), ("P02", 1986)}
    fig = charts.counts_by(p, "decade", "en", conflicts=data["conflicts"])
    note = fig.layout.annotations[0].text.replace("<br>", " ")
    assert "change the decade of 1 row(s): Amou 1 – Aiffres (1958, 1986)" in note


# -------------------------------------------------------------------------------------- sector views


def heatmap(data, kind="current", lang="fr", cells=None):
    cells = data[kind] if cells is None else cells
    return sector_charts.sector_heatmap(cells, data["sectors"], data["communes"], lang, f"fig.sectors.{kind}.title",
                                  rules=data["rules"])


def cell_text(fig, value_colour):
    """{(row label, column label): text} of the text trace drawn in a value's text colour."""
    traces = [t for t in fig.data if t.type == "scatter" and t.mode == "text" and t.textfont.color == value_colour]
    return {(y, x): s for t in traces for x, y, s in zip(t.x, t.y, t.text, strict=True)}


def test_sector_heatmap_values_colours_and_rows(data):
    fig = heatmap(data)
    hm = fig.data[0]
    assert len(hm.y) == 13 and len(hm.x) == 7
    assert hm.y[1] == "Oti 1 *" and hm.y[-1] == "Yoto 1 *" and hm.y[0] == "Tône 1"
    codes = {v: i for i, v in enumerate(style.VALUE_ORDER)}
    z = pd.DataFrame(hm.z)
    assert set(z.stack()) == {codes["yes"], codes["unknown"]}  # no « no » anywhere
    assert (z == codes["yes"]).sum().sum() == (data["current"]["value"] == "yes").sum() == 29
    # Tône 1 – Eau et assainissement is yes (RC01 on P03), Gouvernance locale unknown
    assert z.iloc[0, 0] == codes["yes"] and z.iloc[0, 1] == codes["unknown"]
    assert style.VALUE_COLOURS["unknown"] != style.VALUE_COLOURS["yes"]
    assert style.VALUE_COLOURS["unknown"] != style.VALUE_COLOURS["no"]
    assert style.VALUE_COLOURS["yes"] != style.VALUE_COLOURS["no"]
    unknown = cell_text(fig, style.VALUE_TEXT_COLOURS["unknown"])
    assert unknown[("Tône 1", "Gouvernance<br>locale")] == "?"
    assert set(unknown.values()) == {"?"} and len(unknown) == 91 - 29
    legend = [t.name for t in fig.data if t.showlegend]
    assert legend == ["oui", "non", "inconnu (« ? »)"]
    assert [t.marker.color for t in fig.data if t.showlegend] == [style.VALUE_COLOURS[v] for v in ("yes", "no",
                                                                                                       "unknown")]


def test_sector_heatmap_hover_gives_basis_and_lines(data):
    fig = heatmap(data, lang="en")
    hm = fig.data[0]
    tone_water = hm.customdata[0][0]
    assert tone_water[0] == "yes"
    assert tone_water[1] == "RC01 « eau et assainissement » → P03"
    assert tone_water[2] == "976-990"
    assert hm.customdata[0][1][1] == "The text does not say (the table&#x27;s checkmarks are lost)."
    fr = heatmap(data, lang="fr").data[0]
    assert fr.customdata[0][1][1] == "Le texte ne dit pas (les coches du tableau sont perdues)."
    assert "Tableau n°03" in fig.layout.annotations[0].text


def test_sector_heatmap_draws_no_differently_from_unknown(data):
    cells = data["current"].copy()
    target = (cells["commune_id"] == "tone-1") & (cells["sector_id"] == "gouvernance_locale")
    cells.loc[target, "value"] = "no"
    fig = heatmap(data, cells=cells, lang="en")
    assert fig.data[0].z[0][1] == style.VALUE_ORDER.index("no")
    assert cell_text(fig, style.VALUE_TEXT_COLOURS["no"]) == {("Tône 1", "Local<br>governance"): "no"}
    cells.loc[target, "value"] = "maybe"
    with pytest.raises(DataError, match="yes, no or unknown"):
        heatmap(data, cells=cells)


def test_interest_heatmap_water_for_all_thirteen(data):
    fig = heatmap(data, "interest", "en")
    hm = fig.data[0]
    assert fig.layout.title.text == "<b>Sectors of interest expressed (Tableau n°6)</b>"
    assert [row[0] for row in hm.z] == [style.VALUE_ORDER.index("yes")] * 13
    assert not any(label.endswith("*") for label in hm.y)  # all 13 rows are printed in Tableau n°6


def test_gap_statuses_are_drawn_in_the_style_order():
    assert style.GAP_ORDER == sectors.GAP_STATUSES


def test_gap_cells_and_totals(data):
    cells = sectors.gap_cells(data["current"], data["interest"])
    assert cells["status"].value_counts().to_dict() == {"interest_unknown": 52, "covered": 20, "not_known_covered": 19}
    by_sector = sectors.gap_totals(data["current"], data["interest"], "sector_id").set_index("sector_id")
    assert by_sector.loc["eau_assainissement"].to_dict() == {"covered": 9, "gap": 0, "not_known_covered": 4,
                                                             "interest_yes": 13}
    assert by_sector.loc["education_jeunesse", "not_known_covered"] == 9
    by_commune = sectors.gap_totals(data["current"], data["interest"], "commune_id").set_index("commune_id")
    assert by_commune.loc["binah-1"].to_dict() == {"covered": 0, "gap": 0, "not_known_covered": 3, "interest_yes": 3}
    assert by_commune.loc["tone-1", "covered"] == 3
    # a printed « no » would be a gap, not « not known to be covered »
    current = data["current"].copy()
    current.loc[(current["commune_id"] == "binah-1") & (current["sector_id"] == "sante_social"), "value"] = "no"
    status = sectors.gap_cells(current, data["interest"]).set_index(["commune_id", "sector_id"])["status"]
    assert status[("binah-1", "sante_social")] == "gap"
    assert status[("binah-1", "eau_assainissement")] == "not_known_covered"


def test_gap_view_legend_and_labels(data):
    fig = sector_charts.gap_view(data["current"], data["interest"], data["sectors"], data["communes"], "en")
    assert [t.name for t in fig.data if t.showlegend] == [
        "interest covered", "interest not covered", "interest not known to be covered", "interest unknown"]
    hm = fig.data[0]
    assert hm.z[3][0] == style.GAP_ORDER.index("not_known_covered")  # Binah 1, water
    assert hm.z[0][0] == style.GAP_ORDER.index("covered")  # Tône 1, water
    fr = sector_charts.gap_view(data["current"], data["interest"], data["sectors"], data["communes"], "fr")
    assert fr.layout.title.text == "<b>Intérêts exprimés et coopération en cours</b>"
    bars = sector_charts.gap_by_sector(data["current"], data["interest"], data["sectors"], "fr")
    assert [list(t.y) for t in bars.data] == [[9, 0, 7, 4, 0, 0, 0], [0] * 7, [4, 0, 6, 9, 0, 0, 0]]


def test_with_labels_and_translated_headers(data):
    table = charts.with_labels(sectors.totals(data["current"], "sector_id"), "sector_id", "en",
                                sectors=data["sectors"])
    assert list(table.columns) == ["sector_id", "label", "yes", "no", "unknown"]
    assert table["sector_id"].iloc[0] == "eau_assainissement" and table["label"].iloc[0] == "Water and sanitation"
    assert table["yes"].tolist() == [9, 3, 7, 4, 3, 2, 1]
    shown = charts.translate_columns(table, "fr")
    assert list(shown.columns) == ["Secteur", "Libellé", "oui", "non", "inconnu"]
