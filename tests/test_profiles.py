"""Commune presentation sheets (coopdata.analysis.profile, coopdata.views.sheet): matching, slugs, values from the
study and later sources, what is known of each partnership and when, a commune outside the study, escaping, links,
the timeline."""

import csv
import datetime as dt
import re
import shutil
from dataclasses import replace
from html.parser import HTMLParser

import pandas as pd
import pytest

from coopdata.analysis import profile as profiles
from coopdata.analysis.sectors import gaps
from coopdata.analysis.timelines import start_year_claims
from coopdata.core.i18n import tr
from coopdata.core.paths import DATA_DIR, PACKAGE_DIR
from coopdata.core.text import esc, safe_url, slug
from coopdata.data.sectors import write_derived
from coopdata.views import charts, sheet
from coopdata.views.key_points import profile as kp
from coopdata.views.style import fmt_int, list_sep

AS_OF = dt.date(2026, 11, 23)


def fr(text):
    """An expected French text: its « ; » written with the separator of coopdata.views.style (a no-break space)."""
    return text.replace(" ; ", list_sep("fr"))


def read_csv(name):
    with open(DATA_DIR / f"{name}.csv", encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def data():
    return profiles.load_profile_data()


def identity(commune_id, lang, data, as_of=None):
    """The identity card as shown: ``profile.identity`` with its ``text``."""
    return sheet.identity_table(profiles.build_profile(commune_id, lang, data=data, as_of=as_of))


def unknowns(commune_id, lang, data, as_of=None):
    return sheet.unknowns_table(profiles.build_profile(commune_id, lang, data=data, as_of=as_of))


def partnerships(commune_id, lang, data):
    """The partnerships as shown, with every printed start year (``since``) and partner name."""
    return sheet.partnerships_table(profiles.build_profile(commune_id, lang, data=data))


@pytest.fixture(scope="module")
def communes_csv():
    return {row["commune_id"]: row for row in read_csv("communes")}


# ----------------------------------------------------------------------------- names and files

@pytest.mark.parametrize("name", ["tone 1", "Tône 1", "TONE 1", "tone-1", "Tone1", "  tône   1 ", "TÔNE_1",
                                  "Dapaong"])
def test_match_commune_forgives_case_accents_spaces_hyphens(name, data):
    assert profiles.match_commune(name, data.communes) == "tone-1"


def test_match_commune_every_printed_name(data, communes_csv):
    for commune_id, row in communes_csv.items():
        assert profiles.match_commune(row["commune"], data.communes) == commune_id
        assert profiles.match_commune(row["commune"].upper().replace(" ", "-"), data.communes) == commune_id


@pytest.mark.parametrize("name", ["Lomé 9", "Tône 11", "", "tone", None])
def test_unknown_commune_lists_the_valid_names(name, data, communes_csv):
    with pytest.raises(ValueError) as err:
        profiles.match_commune(name, data.communes)
    message = str(err.value)
    for row in communes_csv.values():
        assert row["commune"] in message
    assert f"({len(communes_csv)})" in message


def test_build_profile_rejects_unknown_commune(data):
    with pytest.raises(ValueError, match="Lomé 9.*Kloto 1"):
        profiles.build_profile("Lomé 9", data=data)


@pytest.mark.parametrize(("text", "expected"), [
    ("Tône 1", "tone-1"), ("Tchaoudjo 1", "tchaoudjo-1"), ("../x/y", "x-y"), ("..\\..\\etc\\passwd", "etc-passwd"),
    ("  Kloto   1 ", "kloto-1"), ("Sokodé/../../root", "sokode-root"), ("Ça été", "ca-ete"),
])
def test_slug_is_a_safe_file_name(text, expected, tmp_path):
    out = slug(text)
    assert out == expected
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", out)
    assert (tmp_path / f"{out}.png").resolve().parent == tmp_path.resolve()


@pytest.mark.parametrize("text", ["", "../..", "///", "…"])
def test_slug_refuses_names_without_letters(text):
    with pytest.raises(ValueError):
        slug(text)


def test_slug_length_is_bounded():
    assert len(slug("a" * 500)) == 60


# ----------------------------------------------------------------------------- identity

def test_identity_tone_1_equals_the_commune_page(data, communes_csv):
    ident = identity("tone-1", "fr", data)
    # « Nombre d'habitants : 176 605 », « Superficie : 438 km2 » (§3, page « Commune de Tône 1 »)
    assert ident.at["population", "value"] == 176605 == int(communes_csv["tone-1"]["population"])
    assert ident.at["area_km2", "value"] == 438 == int(communes_csv["tone-1"]["area_km2"])
    assert ident.at["population", "text"] == "176\u202f605"
    assert ident.at["density_per_km2", "value"] == round(176605 / 438, 1)
    assert ident.at["density_per_km2", "text"] == "403,2 hab./km²"
    assert ident.at["distance_km", "text"] == "650 km de Lomé"
    assert ident.at["urban_centre", "text"] == "Dapaong"
    assert ident.at["mayor", "text"] == "M. Yampoadeb (2019–2025)"
    assert "Issy-les-Moulineaux" in ident.at["cooperation_sentence", "text"]
    assert ident.at["study_phase", "text"] == "décembre 2018 (1re phase)"
    en = identity("tone-1", "en", data)
    assert en.at["population", "text"] == "176,605"
    assert en.at["distance_km", "text"] == "650 km from Lomé"
    assert en.at["study_phase", "text"] == "December 2018 (phase 1)"


def test_identity_kloto_1_population_unknown_shows_printed_text(data, communes_csv):
    ident = identity("kloto-1", "fr", data)
    assert communes_csv["kloto-1"]["population"] == ""
    assert ident.at["population", "value"] is None
    assert ident.at["population", "text"] == "inconnue : imprimé « 118 4640 » (conflit C01)"
    assert ident.at["area_km2", "value"] == 257
    assert ident.at["density_per_km2", "value"] is None
    assert ident.at["density_per_km2", "text"] == "non calculable"
    assert ident.at["study_phase", "text"] == "février 2020 (2e phase)"
    # the commune page's sentence prints 1993 and Waldstetten, which Tableau n°01 does not
    assert ident.at["cooperation_sentence", "text"].endswith("(voir conflits C04, C10)")


def test_mayor_term_over_depends_on_as_of(data):
    assert "échu" not in identity("zio-1", "fr", data, as_of=dt.date(2025, 6, 1)).at["mayor", "text"]
    late = identity("zio-1", "fr", data, as_of=AS_OF)
    assert late.at["mayor", "text"] == "M. Agogno (2019–2025), mandat échu au 23 novembre 2026"
    topics = unknowns("zio-1", "fr", data, as_of=AS_OF)["topic"].tolist()
    assert "Maire (mandat)" in topics
    assert "Maire (mandat)" not in unknowns("zio-1", "fr", data, as_of=dt.date(2025, 6, 1))["topic"].tolist()


# ----------------------------------------------------------------------------- partnerships and conflicts

def test_kloto_1_conflicting_start_years_shown_side_by_side(data):
    table = partnerships("kloto-1", "fr", data).set_index("partnership_id")
    assert table.at["P04", "partner"] == "Bressuire"
    assert table.at["P04", "start_year"] == 1991
    assert table.at["P04", "since"] == fr("1991 (Tableau n°01, Carte n°02) ; 1993 (page commune)")
    assert table.at["P04", "conflicts"] == "C04"
    en = partnerships("kloto-1", "en", data).set_index("partnership_id")
    assert en.at["P04", "since"] == "1991 (Tableau n°01, Carte n°02); 1993 (commune page)"
    # the commune page names the town of Waldstetten where Tableau n°01 names an NGO (C10)
    assert "Ville de Waldstetten" in table.at["P17", "other_values"]
    assert table.at["P17", "conflicts"] == "C10"
    refs = set(unknowns("kloto-1", "fr", data)["ref"])
    assert {"C01", "C04", "C10"} <= refs


def test_partnerships_equal_the_rows_of_data(data):
    rows = [r for r in read_csv("partnerships") if r["record_type"] == "partnership"]
    for commune_id in {r["commune_id"] for r in rows}:
        table = profiles.partnerships_table(commune_id, "fr", data)
        mine = [r for r in rows if r["commune_id"] == commune_id]
        assert sorted(table["partner"]) == sorted(r["partner"] for r in mine)
        years = {r["partnership_id"]: r["start_year"] for r in mine}  # unknown stays unknown (NA), never 0
        assert {p: ("" if pd.isna(y) else str(y)) for p, y in zip(table["partnership_id"], table["start_year"],
                                                                    strict=True)} == years


def test_other_communes_page_years_do_not_leak(data):
    # C08: each of the three commune pages prints 1986 for its own row only; Tableau n°01 prints 1987
    since = partnerships("tchamba-1", "fr", data).set_index("partnership_id").at["P11", "since"]
    assert since == fr("1987 (Tableau n°01, Carte n°02, §4.1) ; 1986 (page commune)")
    amou = partnerships("amou-1", "fr", data).set_index("partnership_id")
    # a later source is named by its publisher (its locator is written in English in data/)
    assert amou.at["P02", "since"] == fr("2006 (Tableau n°01, Ville d'Aiffres) ; 1986 (Carte n°02) ; "
                                         "1958 (page commune)")
    claims = start_year_claims(data.conflicts, data.partnerships).query("commune_id == 'amou-1'")
    assert sorted(claims["year"]) == [1958, 1986, 2006]
    assert claims.loc[claims["used"], "year"].tolist() == [2006]


def test_leads_and_mentions(data):
    def partners(commune_id):
        return profiles.leads_table(commune_id, "en", data)[["model", "partner"]].values.tolist()

    assert partners("yoto-1") == [["Talks", "Saint Martin des Noyers"]]
    assert ["South-South lead", "Ouargaye"] in partners("tone-1")
    assert ["South-South lead", "Sanga"] in partners("tone-1")
    assert any(m == "Triangular cooperation" and "Lacs 1" in p for m, p in partners("tchaoudjo-1"))
    assert any(m == "Diaspora" for m, _ in partners("oti-1"))
    assert any(m == "Associations" for m, _ in partners("bassar-1"))
    assert profiles.leads_table("kloto-1", "fr", data).empty


def test_sectors_current_beside_interests(data):
    table = profiles.sectors_table("oti-1", "fr", data).set_index("sector_id")
    assert len(table) == 7
    cells = {(r["sector_id"], "current"): r["value"] for r in read_csv("sectors_current") if r["commune_id"] == "oti-1"}
    cells |= {(r["sector_id"], "interest"): r["value"]
              for r in read_csv("sectors_interest") if r["commune_id"] == "oti-1"}
    for (sector_id, kind), value in cells.items():
        assert table.at[sector_id, kind] == value
    expected = gaps(data.current, data.interest)
    expected = dict(expected.loc[expected["commune_id"] == "oti-1", ["sector_id", "status"]].values)
    assert {s: g for s, g in table["gap"].items() if g} == expected
    assert table.at["education_jeunesse", "gap"] == "not_known_covered"
    assert not table["current_in_printed_table"].any()  # Tableau n°03 has no OTI 1 row (C12)


def test_unknowns_computed_for_oti_1(data):
    u = unknowns("oti-1", "fr", data)
    assert "non imprimé" in u.loc[u["topic"] == "Coopération (page de la commune)", "detail"].tolist()
    assert {"C11", "C12", "L05"} <= set(u["ref"])
    current = u.loc[u["topic"] == "Actuel (Tableau n°03)", "detail"].tolist()
    assert any(d.startswith("5 cellule(s) sur 7") for d in current)


def test_unknowns_for_zio_1_say_domains_not_collected(data):
    u = unknowns("zio-1", "en", data).set_index("ref")
    assert u.at["P06", "detail"] == "fields « Données non recueillies »"
    assert "« 1990 » (commune page)" in u.at["C05", "detail"]


# ----------------------------------------------------------------------------- links and HTML

@pytest.mark.parametrize("url", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<b>x</b>",
                                 "//evil.example/x", "ftp://example.org/f", "https://", "http://a b.org/",
                                 'https://x.org/" onmouseover="alert(1)', "https://x.org/\n", "mailto:a@b.c",
                                 "https:\\\\evil.example", 'https://x.org/"><b>', "https://x.org/<script>",
                                 "https://x.org/\x00", None, ""])
def test_safe_url_refuses_anything_but_http(url):
    assert safe_url(url) is None


def test_link_html_escapes_and_sets_rel():
    out = sheet.link_html("https://ex.org/a?b=1&c='2'", "Site <b>x</b>")
    assert out == ('<a href="https://ex.org/a?b=1&amp;c=&#x27;2&#x27;" rel="noopener" target="_blank">'
                   "Site &lt;b&gt;x&lt;/b&gt;</a>")
    assert sheet.link_html("javascript:alert(1)", "x") == '<span class="cp-nolink">x</span>'


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.hrefs, self.rels = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        if tag == "a":
            self.hrefs.append(attrs.get("href"))
            self.rels.append(attrs.get("rel"))


def test_web_links_of_tone_1_are_the_sitography(data):
    links = profiles.web_links("tone-1", data)
    assert links["ref_id"].tolist() == ["W01", "W02", "W03"]
    assert "https://www.issy.com/dapaong" in links["url"].tolist()
    parser = _Collector()
    parser.feed(sheet.links_html(profiles.build_profile("tone-1", data=data)))
    assert parser.hrefs == links["url"].tolist()
    assert set(parser.rels) == {"noopener"}


def test_malicious_data_is_escaped_everywhere(data):
    evil = '<script>alert("x")</script>'
    evil_attr = '"><img src=x onerror=alert(1)>'
    communes = data.communes.copy()
    communes.loc[communes["commune_id"] == "tone-1", "petit_plus"] = evil
    partnerships = data.partnerships.copy()
    partnerships.loc[partnerships["partnership_id"] == "P03", "partner"] = evil_attr
    partnerships.loc[partnerships["partnership_id"] == "L02", "sectors_printed"] = evil
    refs = data.web_references.copy()
    refs.loc[refs["ref_id"] == "W01", "url"] = "javascript:alert(1)"
    refs.loc[refs["ref_id"] == "W02", "label_printed"] = evil
    bad = replace(data, communes=communes, partnerships=partnerships, web_references=refs)
    profile = profiles.build_profile("Tône 1", "fr", data=bad, as_of=AS_OF)
    html = sheet.sheet_html(profile)
    assert "<script" not in html and "<img src=x" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    parser = _Collector()
    parser.feed(html)
    assert "script" not in parser.tags
    assert all(h.startswith(("https://", "http://")) for h in parser.hrefs)
    assert "javascript:alert(1)" in html  # shown as text, marked as not linked
    assert "adresse non http(s), non liée" in html


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_commune_sheet_builds_with_own_figures(lang, data, communes_csv):
    for commune_id, row in communes_csv.items():
        profile = profiles.build_profile(row["commune"], lang, data=data, as_of=AS_OF)
        html = sheet.sheet_html(profile)
        assert profile.commune_id == commune_id
        assert esc(tr("profile.title", lang, commune=row["commune"])) in html
        population = fmt_int(row["population"], lang) or row["population_printed"]
        assert population in html and fmt_int(row["area_km2"], lang) in html
        parser = _Collector()
        parser.feed(html)
        assert all(h.startswith(("https://", "http://")) for h in parser.hrefs)


def test_write_tables_is_deterministic(tmp_path, data):
    profile = profiles.build_profile("kloto 1", "fr", data=data, as_of=AS_OF)
    first = {p.name: p.read_bytes() for p in sheet.write_tables(profile, tmp_path / "a")}
    second = {p.name: p.read_bytes() for p in sheet.write_tables(profile, tmp_path / "b")}
    assert first == second
    assert sorted(first) == [f"kloto-1_{k}.csv" for k in
                             sorted(["identity", "partnerships", "leads", "sectors", "links", "unknowns"])]
    assert "118 4640" in first["kloto-1_identity.csv"].decode()


@pytest.mark.parametrize("commune_id", ["kloto-1", "tchaoudjo-1"])
def test_the_sheet_timeline_is_the_report_timeline_for_the_commune(data, commune_id):
    profile = profiles.build_profile(commune_id, "en", data=data, as_of=AS_OF)
    fig = sheet.timeline_figure(profile)
    report = charts.timeline(data.partnerships, data.conflicts, data.events, AS_OF, "en", communes=data.communes,
                             life_events=data.life_events, sources=data.sources)
    pids = set(profile.partnerships["partnership_id"])
    # same bars (model, colour, start, length, hover) and same markers (symbol, colour, hover) for the commune
    bars = {c[5]: (t.name, t.marker.color, b, x, tuple(c)) for t in fig.data if t.type == "bar"
            for b, x, c in zip(t.base, t.x, t.customdata, strict=True)}
    report_bars = {c[5]: (t.name, t.marker.color, b, x, tuple(c)) for t in report.data if t.type == "bar"
                   for b, x, c in zip(t.base, t.x, t.customdata, strict=True)}
    assert set(bars) == pids and bars == {k: v for k, v in report_bars.items() if k in pids}

    def markers(f):
        return {(t.name, pid, x): (t.marker.symbol, t.marker.color, t.marker.size, tuple(c))
                for t in f.data if t.type == "scatter" and t.meta
                for pid, x, c in zip(t.meta, t.x, t.customdata, strict=True)}

    assert markers(fig) == {k: v for k, v in markers(report).items() if k[1] in pids}
    assert {(t.name, t.type) for t in fig.data} <= {(t.name, t.type) for t in report.data}
    if commune_id == "kloto-1":  # the start years printed, and Mamoudzou's convention of 28 April 2022
        assert {round(x, 2) for (_, _, x) in markers(fig)} == {1991, 1993, 2022.32}
    assert fig.layout.title.text == f"<b>{esc(tr('profile.timeline_title', 'en', commune=profile.name))}</b>"


def test_print_css_has_a4_and_print_rules():
    css = (PACKAGE_DIR / "assets" / "print.css").read_text(encoding="utf-8")
    assert re.search(r"@page\s*{[^}]*size:\s*A4", css)
    assert "@media print" in css
    assert 'content: " <" attr(href) ">"' in css
    assert ".cp-screen-only" in css and ".celltag_screen-only" in css
    # the commune sheet: the printer's A4 margins (its running footer goes in the bottom one), no type under 7 pt
    assert re.search(r"@page\s*{\s*size:\s*A4;\s*margin:\s*12mm 12mm 16mm 12mm;\s*}", css)
    handout = css[css.index("the commune sheet: one A4 page */"):]
    sizes = [float(x) for x in re.findall(r"font-size:\s*([\d.]+)pt", handout)]
    assert sizes and min(sizes) >= 7
    assert not re.search(r"font-size:\s*[\d.]+(em|px|%)", handout)  # relative sizes could fall under 7 pt


# ----------------------------------------------------------------------------- what is known, and when

def test_each_partnership_says_its_last_confirmation_and_source_never_the_present(data):
    def known(commune_id, lang="fr"):
        return partnerships_at(commune_id, lang, data).set_index("partnership_id")["known"].to_dict()

    # the study's rows: listed at the survey of their commune (December 2018 or February 2020), status unsaid
    assert known("tone-1")["P03"] == "listé en décembre 2018 (étude)"
    assert known("kloto-1", "en")["P04"] == "listed in February 2020 (study)"
    # Kozah 1 – SIAAP: ended per the atlas, listed by the study after that (conflict C27, both values stand)
    assert known("kozah-1")["P13"] == fr("listé en décembre 2018 (étude) ; statut : terminé le 31 décembre 2016 "
                                         "(Atlas français de la coopération décentralisée)")
    assert "C27" in partnerships_at("kozah-1", "fr", data).set_index("partnership_id").at["P13", "conflicts"]
    # Kloto 1 – Mamoudzou, from later sources; Ogou 1 – Niort, relaunched in November 2023
    assert known("kloto-1")["P18"] == fr("confirmé le 28 avril 2022 (Le Journal de Mayotte) ; statut : actif depuis le "
                                         "28 avril 2022 (Ministère de l'Administration territoriale)")
    assert known("ogou-1")["P01"] == fr("confirmé en novembre 2023 (Jumelages & Partenariats) ; statut : actif depuis "
                                        "novembre 2023 (Jumelages & Partenariats)")
    # every partnership says when it was last confirmed, and by which source
    for commune_id in data.communes["commune_id"]:
        for pid, text in known(commune_id).items():
            assert re.search(r"(listé|confirmé) (en|le) .*\d{4} \(", text), (pid, text)


def partnerships_at(commune_id, lang, data):
    return sheet.partnerships_table(profiles.build_profile(commune_id, lang, data=data, as_of=AS_OF))


def test_a_start_year_no_source_gives_stays_unknown_and_later_sources_are_cited(data):
    table = partnerships_at("tone-1", "fr", data).set_index("partnership_id")
    assert pd.isna(table.at["P19", "start_year"]) and table.at["P19", "since"] == "année inconnue"
    assert table.at["P19", "source"] == ("Le Temps (Togo): access to drinking water for Mango and Dapaong (2017-02-23) "
                                         "— Le Temps (Togo), article of 23/02/2017")
    assert table.at["P03", "source"] == "Tableau n°01 (l. 976-990)"  # the study's rows: lines of its text
    html = sheet.sheet_html(profiles.build_profile("tone-1", "fr", data=data, as_of=AS_OF))
    assert "&lt;NA&gt;" not in html and "<NA>" not in html and "l. nan" not in html
    # readers see the later source by publisher and date in their language; its locator stays in the CSV
    assert "année inconnue" in html and "Le Temps (Togo), 23 février 2017" in html
    assert "article of 23/02/2017" not in html and "(l. " not in html
    # line numbers are cited for the study's rows only
    study = set(data.sources.loc[data.sources["kind"] == "study", "source_id"])
    for commune_id in data.communes["commune_id"]:
        pr = profiles.build_profile(commune_id, "en", data=data, as_of=AS_OF)
        for r in pr.partnerships.itertuples():
            assert ("(l. " in r.source) == (r.source_id in study), (r.partnership_id, r.source)


# ----------------------------------------------------------------------------- a commune outside the study

def _append(path, row):
    with open(path, encoding="utf-8-sig", newline="") as f:
        header = next(csv.reader(f))
    with open(path, "a", encoding="utf-8", newline="") as f:
        csv.DictWriter(f, fieldnames=header, lineterminator="\n").writerow(row)


@pytest.fixture(scope="module")
def with_lacs_1(tmp_path_factory):
    """A copy of data/ with a 14th commune, Lacs 1 (Maritime; not surveyed by the study), its partnership with
    Nuremberg from a later source (S011: a permanent city friendship declared on 12 September 2025) and that
    event; the derived sector matrices re-derived, as ``coopdata derive-sectors`` would."""
    folder = tmp_path_factory.mktemp("data14") / "data"
    shutil.copytree(DATA_DIR, folder)
    _append(folder / "communes.csv", {
        "commune_id": "lacs-1", "commune": "Lacs 1", "prodegol": "False", "region_id": "maritime",
        "prefecture": "Lacs", "lat": "6.2297", "lon": "1.5958", "source_id": "S004",
        "source": "Api_commune_Togo data/csv/communes.csv, id 102"})
    _append(folder / "partnerships.csv", {
        "partnership_id": "P20", "record_type": "partnership", "model": "hors_jumelage", "commune_id": "lacs-1",
        "partner": "Nuremberg", "partner_type": "commune", "partner_country": "DE",
        "partner_place": "Nuremberg (Nürnberg)", "partner_place_basis": "partner_itself", "start_year": "2025",
        "source_id": "S011", "source": "Stadt Nürnberg, page Togo"})
    _append(folder / "partnership_events.csv", {
        "event_id": "E900", "partnership_id": "P20", "date": "2025-09-12", "kind": "declaration",
        "status_after": "active", "source_id": "S011", "locator": "page Togo",
        "quotation": "Am 12. September 2025 unterzeichnete Oberbürgermeister Marcus König die Erklärung zur "
                     "unbefristeten Städtefreundschaft"})
    write_derived(folder)
    return profiles.load_profile_data(folder)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_commune_outside_the_study_has_its_sheet(with_lacs_1, lang):
    pr = profiles.build_profile("lacs 1", lang, data=with_lacs_1, as_of=AS_OF)
    assert (pr.commune_id, pr.name) == ("lacs-1", "Lacs 1")
    not_given = tr("profile.not_given", lang)
    ident = sheet.identity_table(pr)
    for field in ("urban_centre", "distance_km", "mayor", "population", "area_km2", "petit_plus",
                  "cooperation_sentence", "study_phase"):
        assert ident.at[field, "value"] is None and ident.at[field, "text"] == not_given, field
    assert ident.at["prefecture", "text"] == "Lacs" and ident.at["region", "text"] == "Maritime"
    assert ident.at["density_per_km2", "text"] == tr("profile.not_computable", lang)
    assert "Api_commune_Togo data/csv/communes.csv, id 102" in ident.at["commune", "source"]
    table = sheet.partnerships_table(pr).set_index("partnership_id")
    assert list(table.index) == ["P20"] and table.at["P20", "start_year"] == 2025
    assert table.at["P20", "known"] == {
        "fr": fr("confirmé le 12 septembre 2025 (Stadt Nürnberg) ; statut : actif depuis le 12 septembre 2025 "
                 "(Stadt Nürnberg)"),
        "en": "confirmed on 12 September 2025 (Stadt Nürnberg); status: active since 12 September 2025 "
              "(Stadt Nürnberg)"}[lang]
    assert "(l. " not in table.at["P20", "source"]
    html = sheet.sheet_html(pr)
    assert not re.search(r"\bnan\b|\bNaN\b|&lt;NA&gt;|<NA>|\bNone\b(?!\.)", html)  # « None. » is the label « Aucun. »
    assert esc(tr("profile.out_of_study", lang)) in html
    assert esc(tr("profile.row_not_printed", lang, table="Tableau n°03")) not in html
    fig = sheet.timeline_figure(pr)  # the report's timeline for Lacs 1: its bar from 2025, no survey of the study
    bars = {c[5]: (b, b + x) for t in fig.data if t.type == "bar" for b, x, c in zip(t.base, t.x, t.customdata,
                                                                                      strict=True)}
    assert list(bars) == ["P20"] and bars["P20"][0] == 2025
    assert not [s for s in fig.layout.shapes if s.type == "line" and s.line.color == "#1F5F99"]
    u = sheet.unknowns_table(pr)
    assert (u["detail"] == not_given).sum() == 8 and tr("profile.out_of_study", lang) in set(u["detail"])
    points = kp.key_points(pr)  # its key points say what is not given instead of guessing
    assert len(points) == 4 and points[2] == tr("kp.10.sectors_out", lang)
    assert tr("kp.10.check.population_none", lang) in points[3] and "**2025**" in points[1]
