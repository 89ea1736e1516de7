"""coopdata.views.offline, the maps (coopdata.views.maps, map_popups, map_content, static_maps) and their data
(coopdata.analysis.places): offline HTML, escaping, region zoom, static PNGs."""

import json
import re
import shutil
import struct
import zlib

import folium
import pandas as pd
import pytest
import shapely
import xstatic.pkg.leaflet as xl
from conftest import AGOE
from folium.plugins import MarkerCluster

import coopdata
from coopdata.analysis import places
from coopdata.core.paths import DATA_DIR
from coopdata.views import map_content, map_popups, maps, offline, static_maps, style
from coopdata.views.key_points.map import key_points

SCRIPT_OR_STYLE_FROM_NETWORK = re.compile(
    r"<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//", re.IGNORECASE
)


def html_of(m) -> str:
    return offline.render_html(m)


def shown(page: str) -> str:
    """The page with JSON \\uXXXX escapes decoded (popup and label texts are JSON strings in the script)."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page)


@pytest.fixture(scope="module")
def pages():
    return {
        "territory_fr": html_of(maps.territory_map("fr")),
        "territory_en": html_of(maps.territory_map("en")),
        "territory_plateaux": html_of(maps.territory_map("fr", region="plateaux")),
        "partner_fr": html_of(maps.partner_map("fr")),
        "location_kloto": html_of(maps.commune_location_map("kloto-1", "fr")),
    }


# ----------------------------------------------------------------------------- offline HTML
def test_no_script_or_style_sheet_comes_from_the_network(pages):
    for name, page in pages.items():
        assert not SCRIPT_OR_STYLE_FROM_NETWORK.search(page), name
        assert offline.external_assets(page) == [], name
        assert "cdn.jsdelivr" not in page and "code.jquery.com" not in page, name
        assert "bootstrap" not in page.lower() and "awesome" not in page.lower(), name


def test_leaflet_is_inlined_from_xstatic(pages):
    assert xl.VERSION == "1.9.3"
    for name, page in pages.items():
        scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.DOTALL)
        assert any("Leaflet 1.9.3" in s and "L.version" not in s[:0] for s in scripts), name
        assert "<style>" in page and ".leaflet-container" in page, name
        assert "url(images/" not in page and "data:image/png;base64," in page, name
        assert "sourceMappingURL" not in page, name
        # No jQuery: the project's popups do not need it.
        assert "jQuery v3.7.1" not in page, name


def test_leaflet_css_images_are_data_uris():
    css = offline.leaflet_css()
    assert css.count("data:image/png;base64,") == 3  # layers.png, layers-2x.png, marker-icon.png
    assert not re.search(r"url\(\s*['\"]?(?!data:|#)", css)


def test_folium_class_lists_are_left_alone():
    m = offline.offline_map()
    assert m.default_js == [] and m.default_css == []
    assert any(name == "leaflet" and url.startswith("https://") for name, url in folium.Map.default_js)
    html_of(m)
    assert any(name == "bootstrap" for name, _ in folium.Map.default_js)


def test_jquery_is_inlined_only_when_a_folium_popup_needs_it():
    m = offline.offline_map()
    folium.CircleMarker([8.0, 1.0], popup="folium popup").add_to(m)
    page = html_of(m)
    assert "jQuery v3.7.1" in page
    assert not SCRIPT_OR_STYLE_FROM_NETWORK.search(page)


def test_an_element_that_needs_a_cdn_is_refused():
    m = offline.offline_map()
    MarkerCluster().add_to(m)
    with pytest.raises(offline.OfflineError, match="network"):
        html_of(m)


def test_offline_map_has_no_tiles_unless_asked():
    with pytest.raises(ValueError, match="no tiles"):
        offline.offline_map(tiles="OpenStreetMap")
    page = html_of(offline.offline_map())
    assert "tile.openstreetmap" not in page and "L.tileLayer" not in page
    online = html_of(offline.offline_map(online_tiles=True))
    assert "L.tileLayer" in online and "tile.openstreetmap.org" in online
    assert not SCRIPT_OR_STYLE_FROM_NETWORK.search(online)


def test_save_map_writes_a_standalone_file_atomically(tmp_path):
    m = maps.commune_location_map("tone-1", "fr")
    path = offline.save_map(m, tmp_path / "maps" / "loc.html", title="Tône 1")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<title>Tône 1</title>" in page
    assert "Leaflet 1.9.3" in page
    assert [p.name for p in path.parent.iterdir()] == ["loc.html"]  # no temporary file left


def test_browser_geometries_are_simplified_and_rounded(pages):
    page = pages["territory_fr"]
    decimals = [len(d) for d in re.findall(r"-?\d+\.(\d+)", page.split("</style>")[-1].split('"coordinates"', 1)[-1])
                if d]
    assert decimals and max(decimals) <= 5
    assert page.count('"coordinates"') >= 5


# ----------------------------------------------------------------------------- content
def test_territory_map_content(pages):
    fr, en = shown(pages["territory_fr"]), shown(pages["territory_en"])
    for commune in coopdata.load_communes()["commune"]:
        assert commune in fr
    assert "population illisible dans l’étude (« 118 4640 »)" in fr
    assert "population unreadable in the study" in en
    assert "Tableau n°01" in fr
    assert "Natural Earth" in fr and "GeoNames (www.geonames.org), CC BY 4.0" in fr
    assert "pas de polygones ouverts des communes" in fr and "no open polygons of the communes" in en
    assert "C14" in fr  # Plateaux's printed area is flagged in its popup
    assert "19\u202f975" in fr and "17\u202f213" in fr
    assert "19,975" in en and "17,213" in en


def test_region_popup_shows_printed_and_computed_area():
    data = places.load_map_data()
    regs = map_popups.region_rows(data, "fr").set_index("region_id")
    assert regs.loc["plateaux", "flagged"] and regs.loc["plateaux", "conflict_id"] == "C14"
    assert not regs.loc["kara", "flagged"]
    popup = regs.loc["plateaux", "popup"]
    assert "19\u202f975" in popup and "17\u202f213" in popup and "+16,0 %" in popup and "C14" in popup
    assert regs.loc["savanes", "prefectures_count"] == 7 and regs.loc["plateaux", "communes_count"] == 32
    assert regs["prodegol_count"].tolist() == [2, 3, 3, 3, 2]


def test_colour_rule_is_the_earliest_tableau_01_partnership():
    models = places.commune_models(coopdata.load_partnerships()).set_index("commune_id")
    assert len(models) == 13
    # Tchaoudjo 1: Région Grand Est 1987 (regionale) before Nuremberg 2018 (hors_jumelage).
    assert models.loc["tchaoudjo-1", "colour_model"] == "regionale"
    assert models.loc["tchaoudjo-1", "colour_partnership_id"] == "P10"
    assert models.loc["tchaoudjo-1", "models"] == ["regionale", "hors_jumelage"]
    assert models.loc["kloto-1", "colour_model"] == "jumelage"  # Bressuire 1991 before the OSC (2018)
    assert models.loc["kloto-1", "models"] == ["jumelage", "osc"]
    assert models.loc["oti-1", "colour_model"] == "syndicat"  # SEDIF 2017 before Garlban-Togo 2018
    assert models.loc["ogou-1", "colour_year"] == 1958
    assert models["colour_model"].value_counts().to_dict() == {"jumelage": 7, "regionale": 3, "syndicat": 3}


def test_kloto_is_drawn_hollow_with_the_printed_value():
    rows = map_popups.commune_rows(places.load_map_data(), "fr").set_index("commune_id")
    assert not rows.loc["kloto-1", "population_known"]
    assert rows["population_known"].sum() == 12
    assert "« 118 4640 »" in rows.loc["kloto-1", "popup"]
    assert rows.loc["kloto-1", "radius"] == map_content.R_UNKNOWN
    # Circle area ∝ population: Zio 1, the largest, gets the largest radius.
    assert rows["radius"].idxmax() == "zio-1"
    assert rows.loc["zio-1", "radius"] == pytest.approx(map_content.R_MIN + map_content.R_SPAN)


def test_commune_popup_escapes_data():
    bad = "<script>alert(1)</script>"
    partnerships = pd.DataFrame([{
        "partnership_id": "P99", "record_type": "partnership", "model": "jumelage", "commune_id": "x",
        "partner": "Ville <img src=x onerror=alert(2)> `${alert(3)}`", "start_year": 2001, "source": "Tableau n°01",
    }])
    commune = {"commune_id": "x", "commune": bad, "region": "R&D", "prefecture": "P", "urban_centre": "U",
               "population": 1000, "population_printed": "1 000", "area_km2": 10, "density_per_km2": 100.0,
               "source": "§3"}
    html_ = map_popups.commune_popup(commune, partnerships, "fr", "jumelage")
    assert bad not in html_ and "&lt;script&gt;alert(1)&lt;/script&gt;" in html_
    assert "<img" not in html_ and "&lt;img src=x onerror=alert(2)&gt;" in html_
    assert "R&amp;D" in html_


EVIL = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def evil_data_dir(tmp_path_factory):
    """A copy of data/ where a commune's mayor and a partner carry HTML/JS.

    (A commune's name must be one of togo_communes.csv, so a free text of its row carries the payload.)"""
    target = tmp_path_factory.mktemp("evil") / "data"
    shutil.copytree(DATA_DIR, target)
    communes = target / "communes.csv"
    text = communes.read_text(encoding="utf-8")
    assert text.count(",M. Yampoadeb,") == 1
    communes.write_text(text.replace(",M. Yampoadeb,", f",{EVIL},"), encoding="utf-8")
    partnerships = target / "partnerships.csv"
    text = partnerships.read_text(encoding="utf-8")
    partnerships.write_text(text.replace(",Chauray,commune,", ",Chauray</script><b onmouseover=alert(2)>`${x}`,"
                                         "commune,", 1), encoding="utf-8")
    return target


def test_malicious_names_are_escaped_on_every_map(evil_data_dir):
    for m in (maps.territory_map("fr", data_dir=evil_data_dir), maps.partner_map("fr", data_dir=evil_data_dir),
              maps.commune_location_map("tone-1", "fr", data_dir=evil_data_dir)):
        page = html_of(m)
        assert "<script>alert(1)" not in page and "<script>alert(1)" not in shown(page)
        assert "</script><b" not in page and "<b onmouseover" not in shown(page)
        assert page.count("</script>") == page.count("<script")  # nothing closes a script early
        if isinstance(getattr(m, "coop_links", None), places.PartnerLinks):
            assert "Chauray&lt;/script&gt;&lt;b onmouseover=alert(2)&gt;`${x}`" in shown(page)
        else:  # the commune popups show the mayor
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown(page)
    data = places.load_map_data(evil_data_dir)
    assert EVIL in set(data.communes["mayor"])  # data kept as is; escaped only in HTML


# ----------------------------------------------------------------------------- region parameter
@pytest.mark.parametrize("name", ["plateaux", "Plateaux", "PLATEAUX", "TG-P", "Région des Plateaux",
                                  "RÉGION DES PLATEAUX", " plateaux "])
def test_region_is_forgiving(name):
    assert places.resolve_region(name, coopdata.load_regions()) == "plateaux"


def test_centre_is_accepted_for_centrale():
    m = maps.territory_map("fr", region="Centre")
    assert m.coop_region_id == "centrale"


def test_region_zooms_on_its_polygon(pages):
    m = maps.territory_map("fr", region="TG-P")
    assert m.coop_region_id == "plateaux"
    whole = maps.territory_map("fr")
    assert whole.coop_region_id is None
    simplified = coopdata.load_layer("regions_simplified")
    expected = simplified.loc[simplified["iso_3166_2"] == "TG-P"].total_bounds
    assert m.coop_bounds == pytest.approx(tuple(expected), abs=1e-5)
    minx, miny, maxx, maxy = m.coop_bounds
    wminx, wminy, wmaxx, wmaxy = whole.coop_bounds
    assert wminx <= minx and wminy <= miny and maxx <= wmaxx and maxy <= wmaxy
    assert (maxy - miny) < (wmaxy - wminy) / 2
    assert json.dumps([[miny, minx], [maxy, maxx]]) in pages["territory_plateaux"]
    assert "Les communes du ProDeGoL de la région Plateaux" in pages["territory_plateaux"]


def test_empty_region_means_the_whole_country():
    assert places.resolve_region("", coopdata.load_regions()) is None
    assert places.resolve_region(None, coopdata.load_regions()) is None


def test_region_id_accepts_natural_earth_names():
    assert places.region_id("Centre") == "centrale"  # Natural Earth's name of the Centrale region
    assert places.region_id("") is None


def test_analysis_frames_carry_no_html_and_popups_are_added_by_the_views():
    data = places.load_map_data()
    assert "popup" not in places.region_frame(data).columns
    assert not {"popup", "colour", "radius"} & set(places.commune_frame(data).columns)
    rows = map_popups.commune_rows(data, "en")
    assert {"popup", "colour", "radius"} <= set(rows.columns)
    assert rows.set_index("commune_id").loc["tchaoudjo-1", "colour"] == style.model_colour("regionale")


def test_unknown_region_is_rejected_with_the_valid_ones():
    with pytest.raises(ValueError) as err:
        maps.territory_map("fr", region="Lomé")
    text = str(err.value)
    assert "'Lomé'" in text
    for rid in ("savanes", "kara", "centrale", "plateaux", "maritime"):
        assert rid in text


def test_bad_lang_and_commune_are_rejected():
    with pytest.raises(ValueError, match="lang"):
        maps.territory_map("de")
    with pytest.raises(ValueError, match="tone-1"):
        maps.commune_location_map("lome", "fr")


# ----------------------------------------------------------------------------- partner map
def test_partner_links_skip_rows_with_no_place_and_say_why():
    data = places.load_map_data()
    links = places.partner_links(data)
    p = data.partnerships
    assert len(links.drawn) + len(links.skipped) == len(p) == 30
    assert len(links.skipped) == p["partner_place"].isna().sum() == 8
    assert set(links.skipped["partnership_id"]) == {"L03", "L05", "M01", "M02", "M03", "M04", "M05", "M06"}
    assert set(links.skipped["skip_reason"]) == {"no_place"}
    # every Tableau n°01 row (P01–P17), and the two from later sources (P18, P19)
    assert len(links.drawn[links.drawn["record_type"] == "partnership"]) == 19
    assert set(links.drawn.loc[links.drawn["record_type"] == "lead", "partnership_id"]) == {"L01", "L02", "L04"}
    assert len(links.places) == 16
    caption = " ".join(map_content.partner_caption(data, links, "fr"))
    assert "8 ligne(s)" in caption and "L03 Sanga" in caption and "22 liens tracés vers 16 lieux" in caption
    assert "Tableau n°01" in caption and "§5.1" in caption
    assert "Sources ultérieures à l’étude : S012" in caption  # P18's source, not filed under the study
    assert "Hors des fonds de carte" not in caption  # the context layer covers every place drawn


def test_p18_is_drawn_to_mamoudzou_inside_a_box_computed_from_the_data():
    data = places.load_map_data()
    links = places.partner_links(data)
    p18 = links.drawn.set_index("partnership_id").loc["P18"]
    assert (p18["commune_id"], p18["partner_place"]) == ("kloto-1", "Mamoudzou")
    assert (p18["place_lat"], p18["place_lon"]) == (-12.78234, 45.22878)  # Mayotte (GeoNames 921815)
    assert (p18["commune_lat"], p18["commune_lon"]) == (6.9, 0.63333)  # Kpalimé
    minx, miny, maxx, maxy = places.drawn_bounds(data, links)
    assert (miny, maxx) == (-12.78234, 45.22878)  # Mamoudzou sets the south and the east
    bounds = map_content.partner_bounds(data, links)
    assert bounds == (minx - 2, miny - 2, maxx + 2, maxy + 2)
    ctx = map_content.context_clipped(data, bounds).set_index("ISO_A3")
    france = ctx.loc["-99", "geometry"]  # Natural Earth's France holds Mayotte: its point lies on the layer
    assert france.distance(shapely.Point(45.22878, -12.78234)) < 0.02
    assert map_content.places_off_context(data, links, bounds) == []
    assert places.group_counts(data.communes) == (13, 0)


def test_partner_map_draws_leads_dashed(pages):
    page = shown(pages["partner_fr"])
    assert page.count("L.polyline(") == 22
    assert "Mamoudzou" in page and "Kloto 1 → Mamoudzou" in page
    assert page.count('"dashArray": "6 5"') == 3
    assert "Waldstetten (Baden-Württemberg)" in page and "Ouargaye" in page
    assert "Allemagne" in page and "France" in page


def test_a_place_off_the_context_layer_is_drawn_and_the_caption_says_so():
    data = places.load_map_data()
    data.context = data.context[data.context["ADMIN"] != "France"]  # as if the layer lacked France and Mayotte
    links = places.partner_links(data)
    bounds = map_content.partner_bounds(data, links)
    off = map_content.places_off_context(data, links, bounds)
    assert "Mamoudzou" in off and "Paris" in off and "Nuremberg (Nürnberg)" not in off
    caption = " ".join(map_content.partner_caption(data, links, "fr"))
    assert "Hors des fonds de carte (data/geo, Natural Earth) : " in caption and "Mamoudzou" in caption
    assert len(links.drawn) == 22  # drawn all the same


# ----------------------------------------------------------------------------- any commune of Togo
def test_a_14th_commune_appears_on_the_three_maps(data_14):
    data = places.load_map_data(data_14)
    assert places.group_counts(data.communes) == (13, 1)
    cid, name = AGOE["commune_id"], AGOE["commune"]
    # the territory map: in its region, its own circle and a second one, the groups named and counted
    territory = shown(html_of(maps.territory_map("fr", data_dir=data_14)))
    assert name in territory
    assert "Les 13 communes du ProDeGoL, 1 autre(s) commune(s) et leurs régions" in territory
    assert "commune du ProDeGoL : un cercle (13)" in territory and "autre commune : double cercle (1)" in territory
    assert "population non renseignée" in territory and "population illisible dans l’étude" in territory
    assert "1 autre(s) commune(s) ajoutée(s) depuis, d’autres sources : Agoè-Nyivé 2" in territory
    assert "S012 Ministry of territorial administration of Togo" in territory  # its source, named
    assert territory.count('"interactive": false') >= 1  # the second circle (not clickable)
    frame = places.commune_frame(data).set_index("commune_id")
    assert frame.loc[cid, "inside_region"] and frame.loc[cid, "point_basis"] == "row"
    assert frame.loc[cid, "population_status"] == "not_given"
    assert frame.loc["kloto-1", "population_status"] == "unreadable"
    regs = places.region_frame(data).set_index("region_id")
    assert (regs.loc["maritime", "prodegol_count"], regs.loc["maritime", "other_count"]) == (2, 1)
    assert regs["prodegol_count"].sum() == 13 and regs["other_count"].sum() == 1
    maritime = shown(html_of(maps.territory_map("fr", region="maritime", data_dir=data_14)))
    assert "Les communes de la région Maritime : 2 du ProDeGoL, 1 autre(s)" in maritime
    # its popup copes with the study's fields left empty
    rows = map_popups.commune_rows(data, "fr").set_index("commune_id")
    popup = rows.loc[cid, "popup"]
    assert popup.count("<i>non renseigné</i>") == 4  # urban centre, population, area, mayor
    assert "autre commune (hors ProDeGoL)" in popup and "S012, article ?p=17549" in popup
    assert rows.loc[cid, "radius"] == map_content.R_UNKNOWN and rows.loc[cid, "ring"]
    assert rows.loc[cid, "colour"] == style.NO_MODEL_COLOUR  # no partnership of its own yet
    assert "M. Yampoadeb (2019–2025)" in rows.loc["tone-1", "popup"]
    en = map_popups.commune_rows(data, "en").set_index("commune_id").loc[cid, "popup"]
    assert en.count("<i>not given</i>") == 4
    # the partner map: its point, and the title counts 14 communes
    partner = shown(html_of(maps.partner_map("fr", data_dir=data_14)))
    assert name in partner and "Les partenaires de coopération décentralisée des 14 communes" in partner
    # its location map
    location = shown(html_of(maps.commune_location_map(cid, "fr", data_dir=data_14)))
    assert "Agoè-Nyivé 2 (région Maritime)" in location
    assert "Point : coordonnées données sur la ligne de la commune (communes.csv)." in location
    assert "Source de la commune : S012" in location
    # the tables say which commune is in which group
    table = places.commune_table("fr", data_dir=data_14)
    assert table.set_index("Commune").loc[name, "Groupe"] == "autre commune (hors ProDeGoL)"
    assert places.region_table("fr", data_dir=data_14)["Autres communes (hors ProDeGoL)"].tolist() == [0, 0, 0, 0, 1]
    assert "Autres communes (hors ProDeGoL)" not in places.region_table("fr").columns  # the study alone: no column


@pytest.mark.parametrize("make", [
    lambda p, d: static_maps.territory_png(p, "fr", data_dir=d),
    lambda p, d: static_maps.partner_png(p, "en", data_dir=d),
    lambda p, d: static_maps.commune_location_png(p, "agoe-nyive-2", "fr", data_dir=d),
], ids=["territory", "partner", "location"])
def test_a_14th_commune_appears_on_the_three_pngs(tmp_path, data_14, make):
    with_it = make(tmp_path / "a.png", data_14).read_bytes()
    assert with_it == make(tmp_path / "b.png", data_14).read_bytes()
    assert len(with_it) > 20_000


def test_a_14th_commune_changes_the_pngs(tmp_path, data_14):
    study = static_maps.territory_png(tmp_path / "study.png", "fr").read_bytes()
    assert static_maps.territory_png(tmp_path / "14.png", "fr", data_dir=data_14).read_bytes() != study


# ----------------------------------------------------------------------------- PNG
def png_text_chunks(data: bytes) -> dict:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind in (b"tEXt", b"iTXt"):
            key, _, value = body.partition(b"\x00")
            chunks[key.decode("latin-1")] = value
        if kind == b"zTXt":
            key, _, value = body.partition(b"\x00")
            chunks[key.decode("latin-1")] = zlib.decompress(value[1:])
        if kind == b"tIME":
            chunks["tIME"] = body
        pos += 12 + length
    return chunks


@pytest.mark.parametrize("make", [
    lambda p: static_maps.territory_png(p, "fr"),
    lambda p: static_maps.territory_png(p, "en", region="kara"),
    lambda p: static_maps.partner_png(p, "fr"),
    lambda p: static_maps.commune_location_png(p, "kloto-1", "en"),
], ids=["territory", "territory_kara", "partner", "location"])
def test_pngs_are_written_and_identical_across_two_calls(tmp_path, make):
    a = make(tmp_path / "a.png").read_bytes()
    b = make(tmp_path / "b.png").read_bytes()
    assert a == b
    assert len(a) > 20_000
    chunks = png_text_chunks(a)
    assert "Software" not in chunks and "tIME" not in chunks and "Creation Time" not in chunks
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "b.png"]


def test_png_rejects_bad_region(tmp_path):
    with pytest.raises(ValueError, match="valid regions"):
        static_maps.territory_png(tmp_path / "x.png", "fr", region="nowhere")
    assert not (tmp_path / "x.png").exists()


# ----------------------------------------------------------------------------- tables
def test_region_and_commune_tables_follow_lang():
    fr = places.region_table("fr")
    en = places.region_table("en")
    assert list(fr["Région"]) == ["Savanes", "Kara", "Centrale", "Plateaux", "Maritime"]
    # a reader's table: names, no codes; the flagged region says why, with its conflict id
    assert "Code ISO 3166-2" not in fr.columns and "ISO 3166-2 code" not in en.columns
    assert fr.loc[fr["Région"] == "Plateaux", "Remarque"].item() == (
        "écart de plus de 5 % : chiffre imprimé douteux (Conflit C14)")
    assert en.loc[en["Region"] == "Plateaux", "Note"].item() == (
        "difference above 5 %: doubtful printed figure (Conflict C14)")
    assert (fr.loc[fr["Région"] != "Plateaux", "Remarque"] == "").all()
    assert en["Area measured on the map (km²)"].tolist() == [8654, 11589, 13228, 17213, 6181]
    communes = places.commune_table("en", region="kara")
    assert list(communes["Commune"]) == ["Kozah 1", "Binah 1", "Bassar 1"]
    fr_communes = places.commune_table("fr").set_index("Commune")
    assert fr_communes.loc["Kloto 1", "Population"] == "population illisible dans l’étude (« 118 4640 »)"
    assert fr_communes.loc["Zio 1", "Population"] == 241484
    assert fr_communes.loc["Tône 1", "Modèles de coopération (le plus ancien d’abord)"].startswith("Jumelage, ")
    # whether each point lies in its region is a check of the report, not a column
    assert places.commune_frame(places.load_map_data())["inside_region"].all()
    totals = places.area_totals_table("fr").set_index("Mesure")["Valeur"]  # why Plateaux is flagged (annex)
    assert totals["Somme des superficies des régions imprimées dans l’étude (km²)"] == 59173
    assert totals["Superficie du contour du Togo mesurée sur la carte (km²)"] == pytest.approx(56863, abs=2)
    assert totals["Régions signalées"] == "Plateaux"


# ----------------------------------------------------------------------------- key points
def test_key_points_are_computed_from_the_data():
    fr = key_points(lang="fr")
    assert 3 <= len(fr) <= 5
    assert fr[0] == "Les **13 communes** du ProDeGoL se trouvent dans les 5 régions du Togo."
    assert "**Zio 1** (241\u202f484 habitants)" in fr[1] and "Amou 1 (23\u202f727 habitants)" in fr[1]
    assert "Kloto 1" in fr[1]  # its printed population cannot be read: said, not ranked
    assert "**Kozah 1**" in fr[2] and "**1\u202f050 habitants au km²**" in fr[2] and "Bassar 1" in fr[2]
    assert "**8\u202f647 km²**" in fr[3] and "15\u00a0%" in fr[3]
    assert "**Plateaux**" in fr[4] and "19\u202f975 km²" in fr[4] and "**16\u00a0%**" in fr[4]
    en = key_points(lang="en")
    assert en[0] == "The **13 ProDeGoL communes** lie in all 5 regions of Togo." and "241,484" in en[1]
    kara = key_points(lang="en", region="TG-K")
    assert kara[0] == "The Kara region holds **3 of the 13 communes** followed: Kozah 1, Binah 1, Bassar 1."
    assert not any("Plateaux" in k for k in kara)  # Kara's printed area is not flagged


def test_key_points_count_a_14th_commune(data_14):
    fr = key_points(data_14, "fr")
    assert fr[0].startswith("Les données comptent **13 communes** du ProDeGoL et **1 autre(s)**")
    assert "La population de Agoè-Nyivé 2 n’est pas renseignée." in fr[1]
    facts = places.territory_facts(places.load_map_data(data_14), "maritime")
    assert (facts["communes"], facts["prodegol"], facts["others"]) == (3, 2, 1)


# ----------------------------------------------------------------------------- commune names on the web map
def test_every_commune_is_named_on_the_territory_map_without_overlap(pages):
    page = shown(pages["territory_fr"])
    names = re.findall(r"<div class='coop-label commune' style='transform:[^']*' data-rank='(\d+)'>([^<]+)</div>",
                       page)
    assert sorted(n for _, n in names) == sorted(coopdata.load_communes()["commune"])
    assert sorted(int(r) for r, _ in names) == list(range(len(names)))  # ranks for the page to declutter
    assert "querySelectorAll('.coop-label[data-rank]')" in page  # the script that hides overlapping names
    data = places.load_map_data()
    marks = map_content.commune_marks(data)
    sides = map_content.commune_label_sides(marks)
    assert set(sides) == set(marks["commune_id"]) and set(sides.values()) <= set(map_content.LABEL_SIDES)
    boxes = []
    for row in marks.to_dict("records"):  # at zoom 7 (the whole country in a report), no two names overlap
        x, y = map_content._web_px(row["lon"], row["lat"], 7.0)
        box = map_content.label_box(sides[row["commune_id"]], row["radius"], 7.0 * len(row["commune"]) + 4)
        boxes.append((box[0] + x, box[1] + y, box[2] + x, box[3] + y))
    assert not [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:] if map_content._overlap(a, b) > 0]
    assert map_content.label_css_transform("left", 10) == "translate(calc(-100% - 13.0px), -50%)"
    assert map_content.label_css_transform("below", 10) == "translate(-50%, 11.0px)"


def test_embedded_map_and_png_carry_their_titles(tmp_path):
    m = maps.territory_map("en")
    assert maps.embed_html(m, "The <communes>").count('<iframe title="The &lt;communes&gt;" ') == 1
    png = static_maps.territory_png(tmp_path / "t.png", "en")
    alt = maps.territory_alt("en")
    assert alt.startswith("The 13 ProDeGoL communes and their regions. Map of Togo")
    img = maps.png_html(png, alt)
    assert img.startswith('<img src="data:image/png;base64,') and f'alt="{alt}"' in img
    assert maps.link_html("01_map/maps/a b.html", "Open") == (
        '<p class="cp-map-link"><a href="01_map/maps/a%20b.html" target="_blank" rel="noopener">Open</a></p>')


# ----------------------------------------------------------------------------- in a real browser
@pytest.mark.browser
def test_maps_render_offline_in_chromium_and_run_no_injected_code(browser, tmp_path, evil_data_dir):
    """Open the saved HTML in headless Chromium: Leaflet draws, nothing is fetched, no injected code runs."""
    files = {
        "territory": offline.save_map(maps.territory_map("fr", data_dir=evil_data_dir), tmp_path / "t.html"),
        "partner": offline.save_map(maps.partner_map("en", data_dir=evil_data_dir), tmp_path / "p.html"),
    }
    for name, path in files.items():
        page = browser.new_page(viewport={"width": 1100, "height": 850})
        requests, errors, dialogs = [], [], []
        page.on("request", lambda r, requests=requests: requests.append(r.url))
        page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        page.on("dialog", lambda d, dialogs=dialogs: (dialogs.append(d.message), d.dismiss()))
        try:
            page.goto(path.as_uri())
            page.wait_for_selector("path.leaflet-interactive")
            drawn = page.evaluate("document.querySelectorAll('path.leaflet-interactive').length")
            assert drawn >= 13, name
            if name == "territory":  # the evil name shows as text in its popup, never as markup
                texts = []
                blue = page.locator("path.leaflet-interactive[fill='#0072B2']")
                for i in range(blue.count()):
                    blue.nth(i).dispatch_event("click")  # a real click could land on an open popup
                    page.wait_for_selector(".leaflet-popup-content")
                    texts.append(page.locator(".leaflet-popup-content").last.inner_text())
                    assert page.locator(".leaflet-popup-content script").count() == 0
                assert any(t.startswith("Tône 1") and EVIL in t for t in texts)
                assert any(t.startswith("Ogou 1") and "Niort" in t for t in texts)
            assert [u for u in requests if not u.startswith(("file:", "data:"))] == [], name
            assert errors == [], name
            assert dialogs == [], name
        finally:
            page.close()


@pytest.mark.browser
def test_default_marker_icons_are_inlined(browser, tmp_path):
    """A plain folium.Marker (and a DivIcon label, which starts as one) asks for no marker-icon.png file."""
    m = offline.offline_map(location=[8.6, 1.0], zoom_start=6)
    folium.Marker([8.6, 1.0]).add_to(m)
    folium.Marker([9.0, 1.2], icon=folium.DivIcon(html="<b>label</b>")).add_to(m)
    path = offline.save_map(m, tmp_path / "markers.html")
    page = browser.new_page()
    requests, failed = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: failed.append(r.url))
    try:
        page.goto(path.as_uri())
        page.wait_for_selector("img.leaflet-marker-icon")
        src = page.evaluate("document.querySelector('img.leaflet-marker-icon').src")
        assert src.startswith("data:image/png;base64,")
        assert [u for u in requests if not u.startswith("data:")] == [path.as_uri()]
        assert failed == []
    finally:
        page.close()
