"""The style module: number formatting shared by maps, figures and profiles."""

import datetime as dt
import json
import math
import re

import pytest

import coopdata
from coopdata.analysis import places
from coopdata.analysis.profile import build_profile
from coopdata.core.i18n import tr
from coopdata.views import charts, maps, sheet, style
from coopdata.views.offline import render_html
from coopdata.views.style import fmt_int, fmt_num

AS_OF = dt.date(2026, 12, 3)


@pytest.mark.parametrize(("value", "lang", "expected"), [
    (176605, "fr", "176\u202f605"), (176605, "en", "176,605"), ("176605", "fr", "176\u202f605"),
    (3512.6, "en", "3,513"), (None, "fr", ""), ("", "en", ""), ("  ", "fr", ""), (math.nan, "fr", ""),
])
def test_fmt_int(value, lang, expected):
    assert fmt_int(value, lang) == expected


def test_fmt_num_decimal_comma_in_french_and_sign():
    assert fmt_num(19975 / 17213 * 100 - 100, "fr") == "16,0"
    assert fmt_num(1234.56, "en", 2) == "1,234.56"
    assert fmt_num(1234.56, "fr", 2) == "1\u202f234,56"
    assert fmt_num(-4.2, "fr", 1, signed=True) == "-4,2" and fmt_num(4.2, "en", 1, signed=True) == "+4.2"
    assert fmt_num(None, "en") == ""


# ----------------------------------------------------------------------------- one colour per model
def _hex(colour: str) -> str:
    return colour.upper()


def _commune_circles(page: str) -> dict[tuple[float, float], str]:
    """(lat, lon) → fill colour of every circle marker in a folium map's HTML."""
    found = {}
    pattern = r"L\.circleMarker\(\s*\[([-\d.]+),\s*([-\d.]+)\],\s*(\{.*?\})\s*\)"
    for lat, lon, options in re.findall(pattern, page, re.S):
        found[(round(float(lat), 4), round(float(lon), 4))] = _hex(json.loads(options)["fillColor"])
    return found


def _polyline_colours(page: str) -> list[str]:
    return [_hex(json.loads(o)["color"]) for o in re.findall(r"L\.polyline\(\s*\[.*?\],\s*(\{.*?\})\s*\)", page, re.S)]


def _bar_colours(fig, labels: dict[str, str]) -> dict[str, str]:
    """model → colour of the timeline's bars (one trace per model, named by its label)."""
    return {labels[t.name]: _hex(t.marker.color) for t in fig.data if t.type == "bar"}


def test_every_view_gives_a_model_the_same_colour():
    """Territory map, partner map, timeline, counts and the commune sheet: one colour per model, style's."""
    data = places.load_map_data()
    labels = {tr(f"model.{m}", "fr"): m for m in style.MODELS}
    seen: dict[str, dict[str, str]] = {}

    # territory map: each commune's circle has the colour of the model it stands for
    frame = places.commune_frame(data)
    circles = _commune_circles(render_html(maps.territory_map("fr")))
    territory = {}
    for row in frame.itertuples():
        colour = circles[(round(float(row.lat), 4), round(float(row.lon), 4))]
        assert territory.setdefault(row.colour_model, colour) == colour
    seen["territory map"] = territory

    # partner map: each link is drawn in the colour of its partnership's model, in the order of the links
    pmap = maps.partner_map("fr")
    models = pmap.coop_links.drawn["model"].astype(str).tolist()
    colours = _polyline_colours(render_html(pmap))
    assert len(colours) == len(models)
    seen["partner map"] = dict(zip(models, colours, strict=True))

    # the report's timeline and the counts by model
    partnerships = coopdata.load_partnerships()
    conflicts, events = coopdata.load_conflicts(), coopdata.load_events()
    communes = coopdata.load_table("communes")
    timeline = charts.timeline(partnerships, conflicts, events, AS_OF, "fr", communes=communes,
                               life_events=coopdata.load_table("partnership_events"),
                               sources=coopdata.load_table("sources"))
    seen["timeline"] = _bar_colours(timeline, labels)
    counts = charts.counts_by(partnerships, "model", "fr")
    (bars,) = [t for t in counts.data if t.type == "bar"]
    seen["counts"] = {labels[x.replace("<br>", " ")]: _hex(c) for x, c in zip(bars.x, bars.marker.color, strict=True)}

    # the commune sheets' timelines
    sheet_colours: dict[str, str] = {}
    for commune in communes["commune"]:
        pr = build_profile(commune, "fr", as_of=AS_OF)
        for model, colour in _bar_colours(sheet.timeline_figure(pr), labels).items():
            assert sheet_colours.setdefault(model, colour) == colour
    seen["commune sheets"] = sheet_colours

    for view, by_model in seen.items():
        assert len(by_model) >= 3, (view, by_model)  # enough models for the comparison to mean something
        assert by_model == {m: _hex(style.model_colour(m)) for m in by_model}, view
    # every model of Tableau n°01 is on the timeline, and the maps use no colour that is not a model's
    assert set(seen["timeline"]) == set(partnerships.loc[partnerships["record_type"] == "partnership", "model"])
    assert len(set(style.MODEL_COLOURS.values())) == len(style.MODEL_COLOURS)
