"""Timelines, counts and commune × sector figures, checked against the values read in data/*.csv.

The timeline's rules hold for any valid data (every dated partnership drawn once, every printed start year
a marker, the commune sheet's timeline the report's filtered); the real values are pinned where the sources
give them (Kozah 1 – SIAAP ended in 2016, Kloto 1 – Mamoudzou since 2022, Ogou 1 – Niort relaunched in
2023…). The study's own values are pinned on its rows (source_id S001).
"""

import datetime as dt

import pandas as pd
import pytest

import coopdata
from coopdata.analysis import sectors, timelines
from coopdata.analysis.lifecycle import date_position, lifecycle
from coopdata.core.errors import DataError
from coopdata.core.i18n import tr
from coopdata.views import charts, sector_charts, style
from coopdata.views.key_points.timelines import key_points

AS_OF = dt.date(2026, 12, 3)  # the day the later sources were read (sources.csv, access_date)
END = charts.decimal_year(AS_OF)
STUDY = "S001"


@pytest.fixture(scope="module")
def data():
    return {
        "partnerships": coopdata.load_partnerships(),
        "conflicts": coopdata.load_conflicts(),
        "events": coopdata.load_events(),
        "communes": coopdata.load_table("communes"),
        "life_events": coopdata.load_table("partnership_events"),
        "sources": coopdata.load_table("sources"),
        "sectors": coopdata.load_table("sectors"),
        "rules": coopdata.load_sector_rules(),
        "current": coopdata.load_sectors("current"),
        "interest": coopdata.load_sectors("interest"),
    }


def timeline(data, lang="fr", as_of=AS_OF, commune_id=None):
    return charts.timeline(data["partnerships"], data["conflicts"], data["events"], as_of, lang,
                           communes=data["communes"], commune_id=commune_id, life_events=data["life_events"],
                           sources=data["sources"])


def trace(fig, name):
    found = [t for t in fig.data if t.name == name]
    assert len(found) == 1, [t.name for t in fig.data]
    return found[0]


def markers(fig, name):
    """{(partnership_id, year): hover text} of a marker trace."""
    t = trace(fig, name)
    return {(pid, int(x)): custom[1] for pid, x, custom in zip(t.meta, t.x, t.customdata, strict=True)}


def bar_rows(fig):
    """{partnership_id: (model trace, colour, start, end, hover)} of the solid bars of a timeline."""
    return {c[5]: (t.name, t.marker.color, b, b + x, tuple(c)) for t in fig.data if t.type == "bar"
            for b, x, c in zip(t.base, t.x, t.customdata, strict=True)}


def tail_rows(fig):
    """{partnership_id: (colour, from, to)} of the dotted « not confirmed » parts."""
    out = {}
    for t in fig.data:
        if t.type == "scatter" and t.legendgroup == "unconfirmed" and t.customdata is not None:
            for i in range(0, len(t.x), 3):
                out[t.customdata[i]] = (t.line.color, t.x[i], t.x[i + 1])
    return out


def marker_rows(fig):
    """{(trace, partnership_id, x to 3 decimals): (symbol, colour, hover)} of the marker traces of a timeline."""
    return {(t.name, pid, round(x, 3)): (t.marker.symbol, t.marker.color, tuple(c))
            for t in fig.data if t.type == "scatter" and t.meta
            for pid, x, c in zip(t.meta, t.x, t.customdata, strict=True)}


def at(date):
    """A date's position on the axis, as marker_rows keys it."""
    return round(date_position(date), 3)


def unwrap(text):
    """A wrapped label or note as one line (a line broken after a hyphen joins without a space)."""
    return text.replace("-<br>", "-").replace("<br>", " ")


def notes(fig):
    return unwrap(next(a.text for a in fig.layout.annotations if a.text.startswith("Source")))


# ------------------------------------------------------------------------------------------ timeline


def test_timeline_draws_every_partnership_with_a_start_year_once(data):
    fig = timeline(data)
    p = timelines.partnership_rows(data["partnerships"])
    dated = p[p["start_year"].notna() & (p["start_year"] <= AS_OF.year)]
    bars = [c[5] for t in fig.data if t.type == "bar" for c in t.customdata]
    assert sorted(bars) == sorted(dated["partnership_id"])  # each once, none other
    undated = p[p["start_year"].isna()]
    assert "P19" in set(undated["partnership_id"]) and "P19" not in bars  # Tône 1 – SEDIF: start year unknown
    assert (f"Sans année de début, non dessinés : {len(undated)} partenariat(s) "
            "(Tône 1 – Syndicat des Eaux D’Ile-de-France (SEDIF))") in notes(fig)
    # one row per commune that has a drawn partnership, in the order of communes.csv, top to bottom
    drawn = set(dated["commune_id"])
    assert list(fig.layout.yaxis.ticktext) == [r.commune for r in data["communes"].itertuples()
                                               if r.commune_id in drawn]
    assert fig.layout.yaxis.tickvals[0] > fig.layout.yaxis.tickvals[-1]


def test_study_rows_are_solid_to_the_survey_then_unconfirmed_to_as_of(data):
    fig = timeline(data)
    bars, tails = bar_rows(fig), tail_rows(fig)
    life = lifecycle(data["partnerships"], data["life_events"], as_of=AS_OF).set_index("partnership_id")
    only_listed = life[(life["last_confirmed_kind"] == "listed") & (life["status"] != "ended")]
    assert set(only_listed.index) == {"P02", "P03", "P04", "P05", "P06", "P07", "P10", "P11", "P12", "P14", "P16"}
    for pid, row in only_listed.iterrows():
        _, colour, start, end, _ = bars[pid]
        assert start == row["start_year"] and end == pytest.approx(date_position(row["last_confirmed"])), pid
        assert tails[pid] == (colour, pytest.approx(end), pytest.approx(END)), pid
    # Tône 1 – Issy-les-Moulineaux: surveyed in December 2018; Kloto 1 – Bressuire in February 2020
    assert bars["P03"][2:4] == (1989, pytest.approx(2018 + 334 / 365))
    assert bars["P04"][2:4] == (1991, pytest.approx(2020 + 31 / 366))
    assert bars["P03"][4][6] == "listé en décembre 2018 (étude)" and bars["P03"][4][7] == ""
    assert "non confirmé après décembre 2018" in tail_hover(fig, "P03")


def tail_hover(fig, pid):
    t = next(t for t in fig.data if t.legendgroup == "unconfirmed" and t.customdata is not None and pid in t.customdata)
    return t.text[list(t.customdata).index(pid)]


def test_kozah_1_siaap_stops_at_its_end_in_2016_and_the_study_listing_is_a_conflict(data):
    fig = timeline(data)
    name, colour, start, end, hover = bar_rows(fig)["P13"]
    assert (start, int(end)) == (2007, 2016) and end == pytest.approx(date_position("2016-12-31"))
    assert "P13" not in tail_rows(fig)  # nothing drawn after the end
    assert hover[7] == "statut : terminé le 31 décembre 2016 (Atlas français de la coopération décentralisée)"
    marks = marker_rows(fig)
    end_mark = marks[("fin", "P13", round(end, 3))]
    assert end_mark[0] == style.LIFE_EVENT_SYMBOLS["end"] and "S009" in end_mark[2][2]
    after = markers(fig, "Confirmé après la fin (conflit entre sources)")
    assert after == {("P13", 2018): "listé en décembre 2018 (étude), après la fin le 31 décembre 2016 (Atlas français "
                                    "de la coopération décentralisée)"}
    assert markers(fig, "Autre année imprimée")[("P13", 2004)] == "2004 — imprimé : SIAAP, page Togo, Kara"
    assert ("échéance prévue", "P13", at("2016-07")) in marks


def test_kloto_1_mamoudzou_starts_in_2022_signed_on_28_april(data):
    fig = timeline(data, "en")
    _, _, start, end, hover = bar_rows(fig)["P18"]
    assert (start, end) == (2022, pytest.approx(date_position("2022-04-28")))
    assert hover[6] == "confirmed on 28 April 2022 (Le Journal de Mayotte)"
    # an official page is named by its publisher, as it names itself, in every language
    assert hover[7] == "status: active since 28 April 2022 (Ministère de l&#x27;Administration territoriale)"
    signed = marker_rows(fig)[("convention or agreement signed", "P18", at("2022-04-28"))]
    assert signed[2][1].startswith("convention or agreement signed on 28 April 2022 (Ministère de "
                                   "l&#x27;Administration territoriale; Le Journal de Mayotte)")
    assert signed[2][2] == "S012, S013"


def test_ogou_1_niort_act_convention_dormancy_and_relaunch_are_markers(data):
    fig = timeline(data)
    marks = {(name, x) for (name, pid, x) in marker_rows(fig) if pid == "P01"}
    assert {("acte de jumelage", 1958), ("convention ou accord signé", 1958), ("convention ou accord signé", 1986),
            ("mise en sommeil", 2019), ("relance", at("2023-11"))} <= marks
    relaunch = markers(fig, "relance")
    assert relaunch == {("P01", 2023): "relance en novembre 2023 (Jumelages &amp; Partenariats)"}
    hover = bar_rows(fig)["P01"][4]
    assert hover[7] == "statut : actif depuis novembre 2023 (Jumelages &amp; Partenariats)"
    assert bar_rows(fig)["P01"][2] == 1958  # Tableau n°01; 1986 is another year printed (C24)
    assert ("P01", 1986) in markers(fig, "Autre année imprimée")


def test_timeline_reads_only_the_events_up_to_as_of(data):
    fig = timeline(data, as_of=dt.date(2025, 6, 30))
    bars = bar_rows(fig)
    # Nuremberg's declaration of 12 September 2025 is later: Tchaoudjo 1 – Nuremberg is known up to the study's
    # listing, its status unknown
    assert bars["P09"][3] == pytest.approx(date_position("2020-02")) and bars["P09"][4][6:] == (
        "listé en février 2020 (étude)", "")
    assert "déclaration" not in {t.name for t in fig.data}
    assert tail_rows(fig)["P09"][2] == pytest.approx(2025 + 180 / 365)
    early = timeline(data, as_of=dt.date(2000, 1, 1))
    assert set(bar_rows(early)) == {"P01", "P03", "P04", "P05", "P07", "P08", "P10", "P11", "P12"}
    assert not early.layout.shapes  # the delegations start in 2001, the elections in 2019
    assert "relance" not in {t.name for t in early.data}
    competing = markers(early, "Autre année imprimée")
    assert ("P02", 1958) not in competing and ("P04", 1993) in competing  # Aiffres starts in 2006


def test_every_printed_start_year_is_a_marker_on_its_row(data):
    fig = timeline(data, "en")
    drawn = bar_rows(fig)
    claims = timelines.start_year_claims(data["conflicts"], data["partnerships"])
    claims = claims[claims["partnership_id"].isin(drawn)]
    used, competing = markers(fig, "Start year used"), markers(fig, "Other year printed")
    assert set(used) == {(r.partnership_id, r.year) for r in claims.itertuples() if r.used}
    assert set(competing) == {(r.partnership_id, r.year) for r in claims.itertuples() if not r.used}
    assert all(drawn[pid][2] == year for pid, year in used)  # the year used is the bar's start
    # the real values: the study's competing years, and those of later sources
    assert set(competing) == {("P04", 1993), ("P05", 1990), ("P02", 1986), ("P02", 1958), ("P07", 1994),
                              ("P10", 1986), ("P11", 1986), ("P12", 1986), ("P01", 1986), ("P05", 2003),
                              ("P09", 2017), ("P13", 2004)}
    assert used[("P04", 1991)] == "1991 — used, printed at Tableau n°01; Carte n°02"
    assert competing[("P04", 1993)] == "1993 — printed at §3, page « Commune de Kloto 1 »"
    # each marker sits on the row of its own bar
    t = trace(fig, "Other year printed")
    bar_y = {c[5]: y for tr_ in fig.data if tr_.type == "bar" for y, c in zip(tr_.y, tr_.customdata, strict=True)}
    assert all(y == bar_y[pid] for pid, y in zip(t.meta, t.y, strict=True))


def test_timeline_context_and_caption(data):
    fig = timeline(data)
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    assert [(r.x0, r.x1) for r in rects] == [(2001, 2019)]
    lines = sorted(s.x0 for s in fig.layout.shapes if s.type == "line")
    assert lines == [pytest.approx(2019 + 180 / 365), pytest.approx(2019 + 226 / 365)]  # 30 June, 15 August
    texts = [unwrap(a.text) for a in fig.layout.annotations]  # the report wraps the period's label
    assert "Élections locales : 30 juin 2019, 15 août 2019" in texts
    assert "Délégations spéciales (2001–2019)" in texts
    note = notes(fig)
    assert note.startswith("Sources : GIZ / ProDeGoL") and "Carte n°02" in note
    assert "Atlas français de la coopération décentralisée" in note and "Le Journal de Mayotte" in note
    leads = data["partnerships"].query("record_type != 'partnership'")
    assert f"{len(leads)} pistes et mentions sans année" in note
    assert "pointillés : non confirmé depuis" in note


def test_timeline_labels_follow_lang(data):
    fr, en = timeline(data, "fr"), timeline(data, "en")
    assert unwrap(fr.layout.title.text) == ("<b>Partenariats des communes selon les sources, de 1958 au 3 décembre "
                                            "2026</b>")
    assert unwrap(en.layout.title.text) == ("<b>Partnerships of the communes as the sources know them, 1958 to 3 "
                                            "December 2026</b>")
    assert fr.layout.xaxis.title.text == "Année" and en.layout.xaxis.title.text == "Year"
    assert {"Twinning", "Not confirmed after the last source", "relaunch", "end"} <= {t.name for t in en.data}
    assert {"Jumelage", "Non confirmé après la dernière source", "relance", "fin"} <= {t.name for t in fr.data}
    with pytest.raises(ValueError, match="lang"):
        timeline(data, "de")


def test_timeline_colours_and_symbols_are_the_style_vocabulary(data):
    fig = timeline(data, "en")
    bars = {t.legendgroup: t.marker.color for t in fig.data if t.type == "bar"}
    assert bars == {m: style.model_colour(m) for m in bars}  # the maps' colours
    tails = {t.line.color for t in fig.data if t.legendgroup == "unconfirmed" and t.customdata is not None}
    assert tails <= set(bars.values())  # the unconfirmed part keeps its model's colour, dotted
    assert {t.line.dash for t in fig.data if t.legendgroup == "unconfirmed"} == {style.UNCONFIRMED_DASH}
    assert trace(fig, "Not confirmed after the last source").line.color == style.UNCONFIRMED_LEGEND
    kinds = {tr(f"event_kind.{k}", "en"): (s, k) for k, s in style.LIFE_EVENT_SYMBOLS.items()}
    for t in fig.data:
        if t.name in kinds:
            assert t.marker.symbol == kinds[t.name][0] and t.marker.color == style.LIFE_EVENT_COLOUR
    assert trace(fig, "Other year printed").marker.color == style.CONFLICT_COLOUR
    assert trace(fig, "Confirmed after the end (conflict between sources)").marker.color == style.CONFLICT_COLOUR
    assert [r.fillcolor for r in fig.layout.shapes if r.type == "rect"] == [style.PERIOD_FILL]
    assert {s.line.color for s in fig.layout.shapes if s.type == "line"} == {style.EVENT_LINE}
    assert fig.layout.font.family == style.FONT


@pytest.mark.parametrize("commune_id", ["kloto-1", "amou-1", "tchamba-1", "tone-1", "kozah-1", "ogou-1"])
def test_commune_timeline_is_the_report_timeline_filtered(data, commune_id):
    report = timeline(data, "fr")
    one = timeline(data, "fr", commune_id=commune_id)
    p = data["partnerships"]
    pids = set(p.loc[(p["commune_id"] == commune_id) & (p["record_type"] == "partnership")
                     & p["start_year"].notna(), "partnership_id"])
    assert set(bar_rows(one)) == pids
    assert bar_rows(one) == {k: v for k, v in bar_rows(report).items() if k in pids}
    assert tail_rows(one) == {k: v for k, v in tail_rows(report).items() if k in pids}
    assert marker_rows(one) == {k: v for k, v in marker_rows(report).items() if k[1] in pids}
    # the same context, and the date the study surveyed the commune
    assert [(r.x0, r.x1, r.fillcolor) for r in one.layout.shapes if r.type == "rect"] == \
        [(r.x0, r.x1, r.fillcolor) for r in report.layout.shapes if r.type == "rect"]
    survey = [s for s in one.layout.shapes if s.type == "line" and s.line.color == style.SURVEY_LINE]
    assert len(survey) == 1
    assert list(one.layout.yaxis.ticktext) == list(data["communes"].query("commune_id == @commune_id")["commune"])
    assert one.layout.width == 680


def test_commune_timeline_of_kloto_1(data):
    fig = timeline(data, "en", commune_id="kloto-1")
    assert fig.layout.title.text == "<b>Kloto 1: partnerships as the sources know them</b>"
    assert markers(fig, "Start year used") == {("P04", 1991): "1991 — used, printed at Tableau n°01; Carte n°02"}
    assert set(markers(fig, "Other year printed")) == {("P04", 1993)}
    assert set(bar_rows(fig)) == {"P04", "P17", "P18"}  # Bressuire, Hilfe für Togo, and Mamoudzou since 2022
    survey = next(s for s in fig.layout.shapes if s.line.color == style.SURVEY_LINE)
    assert survey.x0 == pytest.approx(2020 + 45 / 366)  # 15 February 2020 (study phase 2020-02)
    with pytest.raises(ValueError, match="commune_id"):
        timeline(data, "en", commune_id="lome-9")


def test_partner_labels_are_short_and_escaped(data):
    assert charts.short_partner("Syndicat des Eaux D’Ile-de-France (SEDIF)") == "SEDIF"
    assert charts.short_partner("Région Grand Est (représenté par le Grand Est Solidarité et Coopérations pour "
                                 "le Développement (GESCOD))") == "Région Grand Est"
    assert charts.short_partner("ONG Hilfe Für Togo (Waldstetten)") == "ONG Hilfe Für Togo"
    p = data["partnerships"].copy()
    p.loc[p["partnership_id"] == "P01", "partner"] = "<script>x</script>"
    fig = charts.timeline(p, data["conflicts"], data["events"], AS_OF, "fr", communes=data["communes"],
                          life_events=data["life_events"], sources=data["sources"])
    texts = [a.text for a in fig.layout.annotations]
    assert "&lt;script&gt;x&lt;/script&gt;" in texts
    assert not any("<script>" in t for t in texts)


def test_conflict_tables_name_one_year_per_printed_value(data):
    c = data["conflicts"]
    table = timelines.conflict_year_table(c)
    assert len(table) == (c["kind"] == "start_year").sum()  # one row per printed value, each with its year
    assert table.loc[table["value_printed"] == "Région Grand-Est (France) depuis 1986", "year"].tolist() == [1986] * 3
    summary = timelines.conflict_summary(c, data["partnerships"], data["communes"]).set_index("subject")
    assert summary.loc["Kloto 1 – Bressuire", "years_printed"] == "1991; 1993"
    assert summary.loc["Kozah 1 – SIAAP", "years_printed"] == "2004; 2007"  # the partner's page: « Initié en 2004 »
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


def test_counts_add_up_to_the_partnerships_and_unknown_stays_unknown(data):
    p = data["partnerships"]
    rows = timelines.partnership_rows(p)
    for by in timelines.COUNT_BY:
        assert timelines.count_table(p, by, "fr")["count"].sum() == len(rows), by
    by_decade = timelines.count_table(p, "decade", "en")
    unknown = by_decade[by_decade["decade"].isna()]
    assert unknown[["label", "count"]].values.tolist() == [["year unknown", rows["start_year"].isna().sum()]]
    assert unknown["count"].iloc[0] == 1  # Tône 1 – SEDIF (P19)
    assert by_decade.loc[by_decade["decade"] == 2020, "count"].tolist() == [1]  # Kloto 1 – Mamoudzou, 2022
    with pytest.raises(ValueError, match="by must be"):
        timelines.count_table(p, "region", "fr")


def test_counts_chart_says_what_it_counts(data):
    p = data["partnerships"]
    fig = charts.counts_by(p, "model", "fr")
    table = timelines.count_table(p, "model", "fr")
    assert list(fig.data[0].y) == table["count"].tolist() and fig.data[0].x[0] == table["label"].iloc[0]
    assert fig.layout.title.text == "<b>Partenariats par modèle de coopération</b>"
    assert charts.counts_by(p, "model", "en").layout.yaxis.title.text == "Partnerships recorded (rows)"
    note = fig.layout.annotations[0].text.replace("<br>", " ")
    assert f"{len(timelines.partnership_rows(p))} partenariats recensés, quel que soit leur statut aujourd’hui" in note
    decade = charts.counts_by(p, "decade", "en", conflicts=data["conflicts"])
    assert unwrap(decade.data[0].x[-1]) == "year unknown"


# ------------------------------------------------------------------------ the study's values (S001 rows)


@pytest.fixture(scope="module")
def study(data):
    """The study's edition of the tables: its rows only (source_id S001)."""
    return {"partnerships": data["partnerships"].query("source_id == @STUDY"),
            "conflicts": data["conflicts"].query("source_id == @STUDY")}


def test_study_tableau_01_has_17_rows_niort_1958_first(study):
    rows = timelines.partnership_rows(study["partnerships"])
    assert len(rows) == 17 and set(rows["source"]) == {"Tableau n°01"}
    first = rows[rows["start_year"] == rows["start_year"].min()]
    assert first[["commune_id", "partner", "start_year"]].values.tolist() == [["ogou-1", "Niort", 1958]]


def test_study_counts_by_model_country_decade(study):
    p = study["partnerships"]
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
    assert list(charts.counts_by(p, "model", "fr").data[0].y) == [8, 3, 3, 2, 1]


def test_study_five_conflicting_start_years(study, data):
    c = study["conflicts"]
    assert len(timelines.conflict_year_table(c)) == 21  # C03, C04, C05, C07: three values each; C08: six; C24–C26
    summary = timelines.conflict_summary(c, data["partnerships"], data["communes"])
    printed = {s: set(map(int, y.split("; "))) for s, y in zip(summary["subject"], summary["years_printed"],
                                                               strict=True) if ";" in y}
    assert printed == {
        "Kloto 1 – Bressuire": {1991, 1993},
        "Zio 1 – Parthenay": {1993, 1990},
        "Amou 1 – Aiffres": {2006, 1986, 1958},
        "Binah 1 – Côte Roannaise": {1991, 1994},
        "Région Centrale – Région Grand Est": {1987, 1986},
    }
    summary = summary.set_index("subject")
    assert summary.loc["Amou 1 – Aiffres", "start_year"] == 2006
    moved = timelines.decade_changes(c, data["partnerships"])
    assert set(zip(moved["partnership_id"], moved["year"], strict=True)) == {("P02", 1958), ("P02", 1986)}
    fig = charts.counts_by(study["partnerships"], "decade", "en", conflicts=c)
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
    assert unknown[("Tône 1", "Gouvernance locale")] == "?"
    assert set(unknown.values()) == {"?"} and len(unknown) == 91 - 29
    legend = [t.name for t in fig.data if t.showlegend]
    assert legend == ["oui (29)", "non (0)", "«\u00a0?\u00a0» inconnu (62)"]  # how many cells of each
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
    assert cell_text(fig, style.VALUE_TEXT_COLOURS["no"]) == {("Tône 1", "Local governance"): "no"}
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
        "interest with known cooperation (20)", "interest not covered (0)", "interest without known cooperation (19)",
        "interest unknown (52)"]
    hm = fig.data[0]
    assert hm.z[3][0] == style.GAP_ORDER.index("not_known_covered")  # Binah 1, water
    assert hm.z[0][0] == style.GAP_ORDER.index("covered")  # Tône 1, water
    fr = sector_charts.gap_view(data["current"], data["interest"], data["sectors"], data["communes"], "fr")
    assert fr.layout.title.text == "<b>Intérêts exprimés et coopération en cours</b>"
    bars = sector_charts.gap_by_sector(data["current"], data["interest"], data["sectors"], "fr")
    assert [list(t.x) for t in bars.data if t.type == "bar"] == [[9, 0, 7, 4, 0, 0, 0], [0] * 7, [4, 0, 6, 9, 0, 0, 0]]
    # a sector without any known interest says so instead of drawing a zero bar
    (unknown,) = [t for t in bars.data if t.type == "scatter"]
    assert list(unknown.y) == ["Gouvernance locale", "Énergie,<br>environnement,<br>climat", "Culture", "Tourisme"]
    assert set(unknown.text) == {"intérêt inconnu"}


def test_with_labels_and_translated_headers(data):
    table = charts.with_labels(sectors.totals(data["current"], "sector_id"), "sector_id", "en",
                                sectors=data["sectors"])
    assert list(table.columns) == ["sector_id", "label", "yes", "no", "unknown"]
    assert table["sector_id"].iloc[0] == "eau_assainissement" and table["label"].iloc[0] == "Water and sanitation"
    assert table["yes"].tolist() == [9, 3, 7, 4, 3, 2, 1]
    shown = charts.translate_columns(table, "fr")
    assert list(shown.columns) == ["Secteur", "Libellé", "oui", "non", "inconnu"]


def test_the_timeline_never_falls_back_to_the_default_data_folder(data):
    """Leaving out a table must fail loudly, not read data/ behind the notebook's data_dir."""
    with pytest.raises(ValueError, match="communes table"):
        charts.timeline(data["partnerships"], data["conflicts"], data["events"], AS_OF, "fr", communes=None,
                        life_events=data["life_events"], sources=data["sources"])
    with pytest.raises(ValueError, match="life_events and sources"):
        charts.timeline(data["partnerships"], data["conflicts"], data["events"], AS_OF, "fr",
                        communes=data["communes"])


# ------------------------------------------------------------------------- the report's reader layer (02)


def test_the_report_timeline_reads_on_a_phone_and_gives_its_notes_as_text(data):
    args = {k: data[k] for k in ("communes", "life_events", "sources")}
    fig = charts.timeline(data["partnerships"], data["conflicts"], data["events"], AS_OF, "fr", notes=False, **args)
    text = charts.timeline_notes(data["partnerships"], data["conflicts"], data["events"], AS_OF, "fr", **args)
    assert fig.layout.width == 680 and not any(a.text.startswith("Source") for a in fig.layout.annotations)
    assert set(text) == {"source", "caption", "undated"} and text["undated"] in notes(timeline(data))
    labels = [a for a in fig.layout.annotations if a.yref == "y"]  # partner names, right of the plot
    assert all(len(line) <= 18 for a in labels for line in a.text.split("<br>"))
    assert fig.layout.margin.r >= 7 * max(len(line) for a in labels for line in a.text.split("<br>"))
    ys = sorted(a.y for a in labels)  # the axis is in pixels: labels one line apart at least
    assert min(b - a for a, b in zip(ys, ys[1:], strict=False)) >= 16
    events = {tr(f"event_kind.{k}", "fr") for k in style.LIFE_EVENT_SYMBOLS}
    assert {t.name for t in fig.data if t.legend == "legend2"} <= events  # dated events: the second column


def test_reader_tables_use_names_labels_and_the_run_language(data):
    p, c, communes, sources = data["partnerships"], data["conflicts"], data["communes"], data["sources"]
    life = lifecycle(p, data["life_events"], as_of=AS_OF)
    known = charts.known_table(life, communes, sources, "en").set_index("ref")
    assert known.loc["P18", "status"] == "active since 28 April 2022 (Ministère de l'Administration territoriale)"
    assert known.loc["P01", "commune"] == "Ogou 1" and pd.isna(known.loc["P19", "start_year"])
    overview = timelines.conflict_overview(c, p, communes, sources, "fr").set_index("conflict_id")
    assert overview.loc["C03", "other_years"] == "1958\u00a0: §3, page « Commune de Amou 1 »\n1986\u00a0: Carte n°02"
    assert overview.loc["C07", "used_at"] == "Tableau n°01" and overview.loc["C25", "other_years"].endswith("SIAAP")
    others = timelines.other_records(p, communes, "fr")
    assert others.iloc[1][["record_type", "model", "commune"]].tolist() == ["Piste", "Piste Sud-Sud", "Tône 1"]
    values = timelines.conflict_values(c, sources, "en")
    assert set(values["used"]) == {"yes", "no"} and "page on the twinning" not in set(values["printed_at"])
    for table in (known.reset_index(), overview.reset_index(), others, values):
        shown = charts.translate_columns(table, "fr")
        assert not set(shown.columns) & set(table.columns) - {"commune"}, list(shown.columns)  # every heading a label


def test_key_points_of_the_timelines_report(data):
    points = key_points(data["partnerships"], data["life_events"], data["conflicts"], data["sources"],
                        data["communes"], AS_OF, "fr")
    assert 3 <= len(points) <= 5 and points[1] == "Le plus ancien est **Ogou 1 – Niort**, depuis **1958**."
    assert points[0].startswith("Les sources recensent **19 partenariats**")
    assert "« actif » pour **4**" in points[2] and "(C03, C04, C05, C07, C08, C24, C25, C26)" in points[4]
