"""Interactive maps of the communes of data/ (folium, offline); their PNG twins are in
:mod:`coopdata.views.static_maps`.

- :func:`territory_map`: the 5 regions, neighbouring countries, and every commune of communes.csv as a
  circle at its point (its urban centre, or the point given on its row), sized by population and
  coloured by model of cooperation. The ProDeGoL communes (the study's named group) have one circle,
  the communes added since two (:data:`~coopdata.views.map_content.RING_GAP`); titles and legends count
  both groups from the data;
- :func:`partner_map`: lines from each commune to its partners' places, in a box computed from
  everything drawn (:func:`~coopdata.views.map_content.partner_bounds`);
- :func:`commune_location_map`: one commune within its region.

Colour rule (territory and location maps): a commune is coloured by the model of its *earliest*
partnership (``record_type == "partnership"``, from the study's Tableau n°01 or a later source;
:func:`coopdata.analysis.places.commune_models`); every model is listed in its popup. A commune with no
partnership is grey.

Communes are points because no openly licensed polygons of the 2019 communes exist
(data/geo/SOURCES.md). Polygons sent to the browser come from the simplified regions layer (or are
simplified here) with coordinates rounded to 5 decimals; areas are computed on the full polygons
(:mod:`coopdata.analysis.geography`). Popups, legends and captions are built, escaped, in
:mod:`coopdata.views.map_popups`.
"""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import quote

import folium
import numpy as np
import shapely
from branca.element import Element, MacroElement
from folium.template import Template
from shapely.geometry import mapping

from coopdata.analysis import geography as geo
from coopdata.analysis.places import (
    PathLike,
    commune_record,
    drawn_bounds,
    group_counts,
    load_map_data,
    map_region_id,
    partner_links,
    region_frame,
)
from coopdata.core.i18n import check_lang, tr
from coopdata.core.text import esc
from coopdata.views import map_content as mc
from coopdata.views import map_popups as pop
from coopdata.views.map_content import COORD_DECIMALS
from coopdata.views.offline import Attribution, Caption, HtmlControl, bind_popup, bind_tooltip, offline_map
from coopdata.views.style import (
    CONFLICT_COLOUR,
    NEIGHBOUR_FILL,
    NO_MODEL_COLOUR,
    OWN_REGION_FILL,
    REGION_FILL_DEFAULT,
    REGION_FILLS,
    SEA_COLOUR,
    TOGO_FILL,
    fmt_num,
    model_colour,
)


# ----------------------------------------------------------------------------- folium building blocks
def _round_geom(geom, simplify: float | None = None):
    if simplify:
        geom = geom.simplify(simplify, preserve_topology=True)
    return shapely.transform(geom, lambda xy: np.round(xy, COORD_DECIMALS))


def _feature(geom, simplify: float | None = None) -> dict:
    return {"type": "Feature", "properties": {}, "geometry": mapping(_round_geom(geom, simplify))}


def _style(fill, colour="#ffffff", weight=1.0, fill_opacity=1.0, dash=None, opacity=1.0):
    """A constant Leaflet path style; ``fill=None`` draws the outline only (clicks go to layers below)."""
    style = {"color": colour, "weight": weight, "opacity": opacity}
    if fill is None:
        style["fill"] = False
    else:
        style.update(fillColor=fill, fillOpacity=fill_opacity)
    if dash:
        style["dashArray"] = dash
    return lambda _feature: style


def _add_label(group, lon: float, lat: float, text: str, css: str = "", dx_px: float = 0.0, rank: int | None = None,
               transform: str | None = None):
    """A text label (no box, white halo) centred on a point, or to its right (css "right", ``dx_px`` further).

    ``rank`` (lower = more important) lets the page hide the label where it overlaps a more important one
    (:class:`Declutter`); ``transform`` (CSS) places it elsewhere around the point.
    """
    styles = ([f"margin-left:{dx_px:.0f}px"] if dx_px else []) + ([f"transform:{transform}"] if transform else [])
    style = f" style='{';'.join(styles)}'" if styles else ""
    data = f" data-rank='{int(rank)}'" if rank is not None else ""
    icon = folium.DivIcon(html=f"<div class='coop-label {css}'{style}{data}>{esc(text)}</div>", icon_size=(0, 0),
                          icon_anchor=(0, 0))
    folium.Marker([lat, lon], icon=icon, interactive=False, keyboard=False).add_to(group)


class Declutter(MacroElement):
    """Hide, at each zoom, a ranked label (``data-rank``) that overlaps one of lower rank (a more important one).

    Commune names come first (largest population first), then region names, then countries: zoomed out on a
    phone, a name that would cover another waits until the reader zooms in; its circle keeps its tooltip.
    Plain inline script: nothing is fetched.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
            function declutter() {
                var nodes = map.getContainer().querySelectorAll('.coop-label[data-rank]');
                var labels = Array.prototype.slice.call(nodes);
                labels.sort(function (a, b) { return a.getAttribute('data-rank') - b.getAttribute('data-rank'); });
                labels.forEach(function (el) { el.style.visibility = 'visible'; });
                var kept = [];
                labels.forEach(function (el) {
                    var r = el.getBoundingClientRect();
                    if (r.width === 0 && r.height === 0) { return; }
                    var hit = kept.some(function (k) {
                        return r.left < k.right && k.left < r.right && r.top < k.bottom && k.top < r.bottom;
                    });
                    if (hit) { el.style.visibility = 'hidden'; } else { kept.push(r); }
                });
            }
            function later() { window.setTimeout(declutter, 0); }
            map.on('zoomend overlayadd resize', later);
            map.whenReady(later);
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self):
        super().__init__()
        self._name = "Declutter"


def _add_polygon(group, geom, style, simplify=None, tooltip=None, popup=None):
    layer = folium.GeoJson(_feature(geom, simplify), style_function=style, highlight_function=None,
                           smooth_factor=0.5, zoom_on_click=False)
    if popup:
        bind_popup(layer, popup, max_width=340)
    if tooltip:
        bind_tooltip(layer, esc(tooltip))
    layer.add_to(group)
    return layer


def _add_neighbours(group, neighbours, lang: str) -> None:
    for _, row in neighbours.iterrows():
        if row["ISO_A3"] != "TGO":
            _add_polygon(group, row.geometry, _style(NEIGHBOUR_FILL, "#9A9A9A", 1.0), simplify=0.01,
                         tooltip=mc.country_name(row, lang))


def _base_map(ratio: str = "75%"):
    m = offline_map(zoom_snap=0.25, zoom_delta=0.5)
    fig = m.get_root()
    fig.ratio = ratio
    fig.header.add_child(Element(
        f"<style>.folium-map.leaflet-container {{ background: {SEA_COLOUR}; }}"
        ".coop-label { display: inline-block; transform: translate(-50%, -50%); white-space: nowrap;"
        " font: bold 12px 'DejaVu Sans', Arial, sans-serif; color: #555; text-shadow: 0 0 3px #fff, 0 0 3px #fff;"
        " pointer-events: none; }"
        ".coop-label.country { font-weight: normal; font-style: italic; color: #888; }"
        ".coop-label.right { transform: translate(9px, -50%); color: #111; }"
        ".coop-label.region { font-size: 13px; color: #666; letter-spacing: 0.06em; text-transform: uppercase; }"
        ".coop-label.commune { font-size: 11.5px; color: #111; text-shadow: 0 0 2px #fff, 0 0 3px #fff, 0 0 4px #fff; }"
        "@media (max-width: 560px) { .leaflet-control.coop-control { max-width: 11em; max-height: 40vh;"
        " font-size: 10px; padding: 4px 6px; } .leaflet-control.coop-control h4 { font-size: 11px; }"
        " .leaflet-control-attribution { font-size: 9px; } }"
        "</style>"
    ), name="coop_map_style")
    Attribution(["Natural Earth", "GeoNames (www.geonames.org), CC BY 4.0"]).add_to(m)
    return m


def _fit(m, bounds, padding=10):
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    m.fit_bounds([[round(miny, COORD_DECIMALS), round(minx, COORD_DECIMALS)],
                  [round(maxy, COORD_DECIMALS), round(maxx, COORD_DECIMALS)]], padding=(padding, padding))


def _latlon(row, lat: str = "lat", lon: str = "lon") -> list[float]:
    return [round(float(row[lat]), COORD_DECIMALS), round(float(row[lon]), COORD_DECIMALS)]


def _add_ring(group, row, radius: float) -> None:
    """The second circle of a commune outside the ProDeGoL group (not clickable: its own circle is)."""
    folium.CircleMarker(_latlon(row), radius=round(radius + mc.RING_GAP, 2), color="#222222", weight=1.2,
                        fill=False, interactive=False).add_to(group)


def _group_legend(communes, lang: str) -> list[str]:
    """The two groups with their counts, when the data hold communes outside the ProDeGoL group."""
    n, others = group_counts(communes)
    if not others:
        return []
    one = "<span class='sw' style='background:#fff;border:1px solid #222'></span>"
    two = ("<span class='sw' style='background:#fff;border:1px solid #222;"
           "box-shadow:0 0 0 2px #fff,0 0 0 3px #222'></span>")
    return [f"{one}{esc(tr('map.legend.prodegol', lang, n=n))}", f"{two}{esc(tr('map.legend.other', lang, n=others))}"]


def _population_legend(communes, lang: str) -> list[str]:
    status = set(communes["population_status"])
    return [f"{pop.swatch('#555555', hollow=True)}{esc(tr(key, lang))}"
            for code, key in (("unreadable", "map.legend.unreadable"), ("not_given", "map.legend.pop_not_given"))
            if code in status]


# ----------------------------------------------------------------------------- territory map
def territory_map(lang: str = "fr", region=None, data_dir: PathLike = None):
    """The 5 regions, neighbouring countries and the 13 communes (see the module docstring).

    ``region`` (region_id, name, printed name or ISO code; empty = whole country) zooms on one
    region; an unknown region raises a ValueError listing the valid ones.
    """
    check_lang(lang)
    data = load_map_data(data_dir)
    region_id = map_region_id(data, region)
    regs = pop.region_rows(data, lang)
    communes = pop.commune_rows(data, lang)
    simpl = geo.join_regions(data.regions_table[["region_id", "iso_3166_2"]], data.regions_simplified)
    simpl = simpl.set_index("region_id")

    m = _base_map()
    _add_neighbours(folium.FeatureGroup(name=tr("map.layer.neighbours", lang)).add_to(m), data.neighbours, lang)
    g_reg = folium.FeatureGroup(name=tr("map.layer.regions", lang)).add_to(m)
    for row in regs.to_dict("records"):
        rid = row["region_id"]
        dim = region_id is not None and rid != region_id
        style = _style(REGION_FILLS.get(rid, REGION_FILL_DEFAULT), "#FFFFFF", 1.5, 0.45 if dim else 1.0)
        _add_polygon(g_reg, simpl.loc[rid, "geometry"], style, popup=row["popup"])
    for _, row in data.country.iterrows():
        _add_polygon(g_reg, row.geometry, _style(None, "#333333", 2.0), simplify=0.002)
    for row in regs[regs["flagged"]].to_dict("records"):
        _add_polygon(g_reg, simpl.loc[row["region_id"], "geometry"],
                     _style(None, CONFLICT_COLOUR, 2.5, dash="7 5"), popup=row["popup"])

    g_lab = folium.FeatureGroup(name=tr("map.layer.labels", lang)).add_to(m)
    region_names = regs.set_index("region_id")["region"]
    sides = mc.commune_label_sides(communes)
    name_boxes = mc.commune_label_boxes(communes, sides)
    for i, (rid, (x, y)) in enumerate(mc.region_label_points(data, communes, label_boxes=name_boxes).items()):
        _add_label(g_lab, x, y, region_names[rid], "region", rank=1000 + i)
    names = data.neighbours.set_index("ISO_A3")
    for i, (iso, (x, y)) in enumerate(mc.neighbour_label_points(data.neighbours, data.country.total_bounds).items()):
        _add_label(g_lab, x, y, mc.country_name(names.loc[iso], lang), "country", rank=2000 + i)
    by_size = communes.sort_values("radius", ascending=False, kind="mergesort")
    for rank, row in enumerate(by_size.to_dict("records")):  # every commune named, the largest first
        lat, lon = _latlon(row)
        radius = row["radius"] + (mc.RING_GAP if row["ring"] else 0)
        _add_label(g_lab, lon, lat, row["commune"], "commune", rank=rank,
                   transform=mc.label_css_transform(sides[row["commune_id"]], radius))

    g_com = folium.FeatureGroup(name=tr("communes", lang)).add_to(m)
    for row in communes.sort_values("radius", ascending=False, kind="mergesort").to_dict("records"):
        known = bool(row["population_known"])
        marker = folium.CircleMarker(
            _latlon(row), radius=round(row["radius"], 2), color="#222222" if known else row["colour"],
            weight=1.2 if known else 2.5, fill=known, fill_color=row["colour"], fill_opacity=0.9 if known else 0.0,
            dash_array=None if known else "4 3",
        )
        bind_popup(marker, row["popup"], max_width=360)
        bind_tooltip(marker, esc(row["commune"]))
        marker.add_to(g_com)
        if row["ring"]:
            _add_ring(g_com, row, row["radius"])

    models = mc.models_in_order(communes["colour_model"].dropna())
    legend = [f"{pop.swatch(c)}{esc(label)}" for c, label in mc.legend_models(models, lang)]
    if communes["colour_model"].isna().any():
        legend.append(f"{pop.swatch(NO_MODEL_COLOUR)}{esc(tr('map.legend.none', lang))}")
    legend += _group_legend(communes, lang)
    legend.append(f"{esc(tr('map.legend.size', lang))}<br>{pop.size_samples(communes, lang)}")
    legend += _population_legend(communes, lang)
    if regs["flagged"].any():
        pct = fmt_num(geo.AREA_TOLERANCE_PCT, lang, 0)
        legend.append(f"{pop.line_swatch(CONFLICT_COLOUR, True)}{esc(tr('map.legend.flagged', lang, pct=pct))}")
    HtmlControl(pop.legend_html(tr("map.legend.model", lang), legend), "topright").add_to(m)
    shown = communes if region_id is None else communes[communes["region_id"] == region_id]
    title = mc.territory_title(lang, shown, None if region_id is None else region_names[region_id])
    Caption(pop.caption_html(title, mc.territory_caption(data, lang))).add_to(m)
    folium.LayerControl(collapsed=True, position="topleft").add_to(m)
    Declutter().add_to(m)
    bounds = data.regions_full.total_bounds if region_id is None else simpl.loc[[region_id]].total_bounds
    _fit(m, bounds)
    m.coop_region_id = region_id
    m.coop_bounds = tuple(round(float(v), COORD_DECIMALS) for v in bounds)
    return m


def territory_alt(lang: str = "fr", region=None, data_dir: PathLike = None) -> str:
    """The alternative text of the territory map's PNG (:func:`coopdata.views.static_maps.territory_png`):
    its title, then what it shows, for a reader who cannot see it."""
    check_lang(lang)
    data = load_map_data(data_dir)
    region_id = map_region_id(data, region)
    communes = mc.commune_marks(data)
    shown = communes if region_id is None else communes[communes["region_id"] == region_id]
    name = None if region_id is None else str(region_frame(data).set_index("region_id").loc[region_id, "region"])
    return tr("map.territory.alt", lang, title=mc.territory_title(lang, shown, name))


def embed_html(m, title: str) -> str:
    """The map as a notebook shows it (folium's ``<iframe srcdoc>``), with a ``title`` for screen readers."""
    page = m._repr_html_()
    if "<iframe " not in page:
        raise ValueError("the map's HTML has no iframe to title")
    return page.replace("<iframe ", f'<iframe title="{esc(title)}" ', 1)


def link_html(href: str, text: str) -> str:
    """A paragraph with a link (relative ``href``, e.g. to the standalone map beside the report)."""
    return f'<p class="cp-map-link"><a href="{esc(quote(href))}" target="_blank" rel="noopener">{esc(text)}</a></p>'


def png_html(path, alt: str, width: int = 760) -> str:
    """An ``<img>`` of a PNG file, embedded as a data URI (no file to fetch), with its alternative text."""
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return (f'<img src="data:image/png;base64,{data}" alt="{esc(alt)}" width="{int(width)}" '
            'style="max-width:100%;height:auto">')


# ----------------------------------------------------------------------------- partner map
def partner_map(lang: str = "fr", data_dir: PathLike = None):
    """Lines from each commune to its partners' places, coloured by model; leads dashed."""
    check_lang(lang)
    data = load_map_data(data_dir)
    links = partner_links(data)
    bounds = mc.partner_bounds(data, links)
    m = _base_map(ratio="85%")
    g_ctx = folium.FeatureGroup(name=tr("map.layer.countries", lang)).add_to(m)
    for _, row in mc.context_clipped(data, bounds).iterrows():
        togo = row["ISO_A3"] == "TGO"
        _add_polygon(g_ctx, row.geometry, _style(TOGO_FILL if togo else NEIGHBOUR_FILL, "#8A8A8A", 1.0),
                     simplify=0.02, tooltip=mc.country_name(row, lang))
    names = data.context.set_index("ISO_A3")
    for iso, (x, y) in mc.context_label_points(data, bounds).items():
        _add_label(g_ctx, x, y, mc.country_name(names.loc[iso], lang), "country")
    g_lines = folium.FeatureGroup(name=tr("map.layer.links", lang)).add_to(m)
    for row, bend in zip(links.drawn.to_dict("records"), mc.bends(links.drawn), strict=True):
        lead = row["record_type"] != "partnership"
        line = folium.PolyLine(
            mc.arc(float(row["commune_lat"]), float(row["commune_lon"]), float(row["place_lat"]),
                   float(row["place_lon"]), bend),
            color=model_colour(str(row["model"])), weight=2.5, opacity=0.9, dash_array="6 5" if lead else None,
        )
        bind_popup(line, pop.link_popup(row, lang, data.study_source), max_width=360)
        bind_tooltip(line, f"{esc(row['commune'])} → {esc(row['partner'])}")
        line.add_to(g_lines)
    g_places = folium.FeatureGroup(name=tr("map.layer.places", lang)).add_to(m)
    for place in links.places.to_dict("records"):
        marker = folium.CircleMarker(_latlon(place, "place_lat", "place_lon"), radius=4, color="#333333", weight=1,
                                     fill=True, fill_color="#FFFFFF", fill_opacity=1.0)
        bind_popup(marker, pop.place_popup(place, links.drawn, lang))
        bind_tooltip(marker, esc(place["partner_place"]))
        marker.add_to(g_places)
    g_com = folium.FeatureGroup(name=tr("communes", lang)).add_to(m)
    for row in data.communes.to_dict("records"):
        marker = folium.CircleMarker(_latlon(row), radius=3.5, color="#222222", weight=1, fill=True,
                                     fill_color="#222222", fill_opacity=1.0)
        bind_tooltip(marker, esc(row["commune"]))
        marker.add_to(g_com)
        if not row["prodegol"]:
            _add_ring(g_com, row, 3.5)

    models = mc.models_in_order(links.drawn["model"].astype(str))
    legend = [f"{pop.line_swatch(c, False)}{esc(label)}" for c, label in mc.legend_models(models, lang)]
    legend += [f"{pop.line_swatch('#444444', False)}{esc(tr('map.legend.partnership', lang))}",
               f"{pop.line_swatch('#444444', True)}{esc(tr('map.legend.lead', lang))}",
               f"<span class='sw' style='background:#222;width:7px;height:7px'></span>"
               f"{esc(tr('map.legend.commune', lang))}",
               f"<span class='sw' style='background:#fff;width:8px;height:8px'></span>"
               f"{esc(tr('map.legend.place', lang))}", *_group_legend(data.communes, lang)]
    HtmlControl(pop.legend_html(tr("model_of_cooperation", lang), legend), "topright").add_to(m)
    Caption(pop.caption_html(mc.partner_title(data, lang), mc.partner_caption(data, links, lang))).add_to(m)
    folium.LayerControl(collapsed=True, position="topleft").add_to(m)
    _fit(m, drawn_bounds(data, links), padding=30)
    m.coop_links = links
    m.coop_bounds = tuple(round(float(v), COORD_DECIMALS) for v in bounds)
    return m


# ----------------------------------------------------------------------------- commune location
def commune_location_map(commune_id: str, lang: str = "fr", data_dir: PathLike = None):
    """A small map of one commune's point within its region and Togo."""
    check_lang(lang)
    data = load_map_data(data_dir)
    com = commune_record(data, commune_id)
    communes = pop.commune_rows(data, lang).set_index("commune_id")
    simpl = geo.join_regions(data.regions_table[["region_id", "iso_3166_2", "region"]], data.regions_simplified)
    m = _base_map()
    fig = m.get_root()
    fig.height, fig.width = "420px", "100%"
    _add_neighbours(m, data.neighbours, lang)
    for row in simpl.itertuples():
        own = row.region_id == com["region_id"]
        _add_polygon(m, row.geometry, _style(OWN_REGION_FILL if own else REGION_FILL_DEFAULT, "#FFFFFF", 1.2),
                     tooltip=row.region)
    for _, row in data.country.iterrows():
        _add_polygon(m, row.geometry, _style(None, "#333333", 1.8), simplify=0.002)
    c = communes.loc[commune_id]
    marker = folium.CircleMarker(_latlon(com), radius=7, color="#222222", weight=1.5, fill=True,
                                 fill_color=c["colour"], fill_opacity=1.0)
    bind_popup(marker, c["popup"], max_width=360)
    bind_tooltip(marker, esc(com["commune"]))
    marker.add_to(m)
    if c["ring"]:
        _add_ring(m, com, 7)
    lat, lon = _latlon(com)
    _add_label(m, lon, lat, com["commune"], "right", 7 + (mc.RING_GAP if c["ring"] else 0))
    lines = [*mc.location_caption(data, com, lang), mc.attribution_line(lang)]
    Caption(pop.caption_html(mc.location_title(com, lang), lines)).add_to(m)
    _fit(m, data.country.total_bounds, padding=5)
    return m
