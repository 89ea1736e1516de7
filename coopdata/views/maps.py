"""Maps of the 13 communes: interactive (folium, offline) and static (PNG, matplotlib).

Three maps, each in two forms with the same content, legend and source line:

- :func:`territory_map` / :func:`territory_png`: the 5 regions, neighbouring countries, and the 13
  communes as circles at their urban centre, sized by population and coloured by model of
  cooperation;
- :func:`partner_map` / :func:`partner_png`: lines from each commune to its partners' places;
- :func:`commune_location_map` / :func:`commune_location_png`: one commune within its region.

Colour rule (territory and location maps): a commune is coloured by the model of its *earliest*
Tableau n°01 partnership (``record_type == "partnership"``, smallest ``start_year`` as printed in
Tableau n°01, then smallest ``partnership_id``); every model of its Tableau n°01 rows is listed in
its popup. A commune with no Tableau n°01 row would be grey.

Communes are points because no openly licensed polygons of the 2019 communes exist
(data/geo/SOURCES.md). Polygons sent to the browser come from the simplified regions layer (or are
simplified here) with coordinates rounded to 5 decimals; areas are computed on the full polygons
(:mod:`coopdata.analysis.geography`). Every text taken from the data is HTML-escaped before it reaches a popup,
tooltip or caption.
"""

from __future__ import annotations

import math
import os
import tempfile
import textwrap
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from coopdata.analysis import geography as geo
from coopdata.core.i18n import check_lang, tr
from coopdata.views.offline import Attribution, Caption, HtmlControl, bind_popup, bind_tooltip, esc, offline_map
from coopdata.views.style import fmt_int, fmt_num

PathLike = str | os.PathLike | None


#: Colour of each model of cooperation (Okabe–Ito based, readable by colour-blind readers).
MODEL_COLOURS = {
    "jumelage": "#0072B2",
    "hors_jumelage": "#56B4E9",
    "regionale": "#009E73",
    "syndicat": "#E69F00",
    "osc": "#CC79A7",
    "pourparlers": "#6F6F6F",
    "sud_sud": "#D55E00",
    "triangulaire": "#8C564B",
    "diaspora": "#B8A100",
    "associative": "#6A3D9A",
    "religieuse": "#B15928",
}
NO_MODEL_COLOUR = "#BDBDBD"
REGION_FILLS = {"savanes": "#F3E9D2", "kara": "#E4EDD3", "centrale": "#F6E0D6", "plateaux": "#DDE8E4",
                "maritime": "#E9E1EE"}
FLAG_COLOUR = "#C0392B"
NEIGHBOUR_FILL = "#F4F3EF"
SEA_COLOUR = "#E2E4E6"  # background: the sea and countries outside the layers alike
COORD_DECIMALS = 5
#: Bounding box (lon/lat) of the partner map's context: West Africa to Germany, without overseas France.
PARTNER_BBOX = (-12.0, 3.0, 18.0, 56.0)
# Circle radius (pixels on the web map) = R_MIN + R_SPAN * sqrt(population / largest population).
R_MIN, R_SPAN, R_UNKNOWN = 4.0, 14.0, 8.0


# ----------------------------------------------------------------------------- formatting
def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    for word in ("region", "de la", "des", "du", "de", "la", "'", "’", "-", "_"):
        text = text.replace(word, " ")
    return "".join(text.split())


# ----------------------------------------------------------------------------- data
@dataclass
class MapData:
    regions_table: pd.DataFrame
    regions_full: object
    regions_simplified: object
    country: object
    neighbours: object
    context: object
    places: object
    communes: object
    partnerships: pd.DataFrame
    conflicts: pd.DataFrame
    comparison: pd.DataFrame


def load_map_data(data_dir: PathLike = None) -> MapData:
    from coopdata.data import loaders as L

    regions_table = L.load_regions(data_dir)
    regions_full = L.load_layer("regions", data_dir)
    return MapData(
        regions_table=regions_table,
        regions_full=regions_full,
        regions_simplified=L.load_layer("regions_simplified", data_dir),
        country=L.load_layer("country", data_dir),
        neighbours=L.load_layer("neighbours", data_dir),
        context=L.load_layer("context", data_dir),
        places=L.load_layer("places", data_dir),
        communes=L.load_communes(data_dir),
        partnerships=L.load_partnerships(data_dir),
        conflicts=L.load_conflicts(data_dir),
        comparison=geo.region_area_comparison(regions_table, regions_full),
    )


def resolve_region(region, regions_table: pd.DataFrame, aliases: dict[str, str] | None = None) -> str | None:
    """The region_id meant by ``region`` (id, name, printed name or ISO code, any case/accents), or None.

    An empty value means the whole country. Anything else unknown raises a ValueError listing the
    valid values.
    """
    if region is None or (isinstance(region, str) and region.strip() == ""):
        return None
    lookup: dict[str, str] = {}
    for row in regions_table.itertuples():
        for key in (row.region_id, row.region, row.region_printed, row.iso_3166_2):
            lookup[_norm(key)] = row.region_id
    for key, rid in (aliases or {}).items():
        lookup.setdefault(_norm(key), rid)
    found = lookup.get(_norm(region))
    if found is None:
        valid = ", ".join(f"{r.region_id!r} ({r.region}, {r.iso_3166_2})" for r in regions_table.itertuples())
        raise ValueError(f"unknown region {region!r}; valid regions: {valid} (or '' for the whole country)")
    return found


def region_id(region, data_dir: PathLike = None) -> str | None:
    """The region_id meant by a notebook's ``region`` parameter ('' = whole country), or a ValueError."""
    data = load_map_data(data_dir)
    return resolve_region(region, data.regions_table, _region_aliases(data))


def commune_models(partnerships: pd.DataFrame) -> pd.DataFrame:
    """Per commune: the colour model (earliest Tableau n°01 partnership) and all its Tableau n°01 models.

    Columns: commune_id, colour_model, colour_partnership_id, colour_year, models (list, by year).
    """
    p = partnerships[partnerships["record_type"] == "partnership"].copy()
    p["_year"] = p["start_year"].astype("Float64").fillna(np.inf).astype(float)
    p = p.sort_values(["commune_id", "_year", "partnership_id"], kind="mergesort")
    rows = []
    for cid, grp in p.groupby("commune_id", sort=True):
        first = grp.iloc[0]
        models = list(dict.fromkeys(grp["model"].astype(str)))
        rows.append({"commune_id": cid, "colour_model": str(first["model"]),
                     "colour_partnership_id": str(first["partnership_id"]),
                     "colour_year": first["start_year"], "models": models})
    return pd.DataFrame(rows, columns=["commune_id", "colour_model", "colour_partnership_id", "colour_year", "models"])


def _round_geom(geom, simplify: float | None = None):
    import shapely

    if simplify:
        geom = geom.simplify(simplify, preserve_topology=True)
    return shapely.transform(geom, lambda xy: np.round(xy, COORD_DECIMALS))


def _feature(geom, simplify: float | None = None) -> dict:
    from shapely.geometry import mapping

    return {"type": "Feature", "properties": {}, "geometry": mapping(_round_geom(geom, simplify))}


def marker_radius(population, max_population) -> float:
    if population is None or pd.isna(population) or not max_population:
        return R_UNKNOWN
    return R_MIN + R_SPAN * math.sqrt(float(population) / float(max_population))


def _conflict_for_region(conflicts: pd.DataFrame, region_id: str) -> str | None:
    c = conflicts[(conflicts["field"] == "regions.area_km2")]
    for row in c.itertuples():
        ids = str(row.record_ids).split(";") if not pd.isna(row.record_ids) else []
        if region_id in ids:
            return str(row.conflict_id)
    return None


def _colon(lang: str) -> str:
    """French typography puts a space before the colon."""
    return "\u00a0:" if lang == "fr" else ":"


def _kv(label: str, value_html: str) -> str:
    th = "text-align:left;padding-right:6px;vertical-align:top"
    return f"<tr><th style='{th}'>{esc(label)}</th><td>{value_html}</td></tr>"


# ----------------------------------------------------------------------------- territory content
def region_rows(data: MapData, lang: str) -> pd.DataFrame:
    """One row per region: table values, areas, flag, conflict id and popup HTML (table order)."""
    cmp_ = data.comparison.set_index("region_id")
    prodegol = data.communes.groupby("region_id").size()
    rows = []
    for r in data.regions_table.itertuples():
        c = cmp_.loc[r.region_id]
        conflict = _conflict_for_region(data.conflicts, r.region_id) if bool(c["flagged"]) else None
        rows.append({
            "region_id": r.region_id, "region": r.region, "iso_3166_2": r.iso_3166_2,
            "prefectures_count": r.prefectures_count, "communes_count": r.communes_count,
            "prodegol_count": int(prodegol.get(r.region_id, 0)),
            "area_printed_km2": c["area_printed_km2"], "area_computed_km2": c["area_computed_km2"],
            "diff_km2": c["diff_km2"], "diff_pct": c["diff_pct"], "flagged": bool(c["flagged"]),
            "conflict_id": conflict,
        })
    out = pd.DataFrame(rows)
    out["popup"] = [region_popup(row, lang) for row in out.to_dict("records")]
    return out


def region_popup(row: dict, lang: str) -> str:
    """HTML of a region's popup (every value escaped)."""
    pct = fmt_num(geo.AREA_TOLERANCE_PCT, lang, 0)
    diff = f"{fmt_num(row['diff_km2'], lang, 0, signed=True)} km² ({fmt_num(row['diff_pct'], lang, 1, signed=True)} %)"
    if row["flagged"]:
        conflict = f" ({tr('map.conflict', lang)} {row['conflict_id']})" if row.get("conflict_id") else ""
        diff += f"<br><b style='color:{FLAG_COLOUR}'>⚠ {esc(tr('map.flag_text', lang, pct=pct, conflict=conflict))}</b>"
    return (
        f"<b>{esc(tr('region', lang))} {esc(row['region'])}</b>"
        "<table style='font-size:12px;margin-top:4px'>"
        + _kv(tr("map.iso", lang), esc(row["iso_3166_2"]))
        + _kv(tr("map.prefectures", lang), esc(fmt_int(row["prefectures_count"], lang)))
        + _kv(tr("map.communes_all", lang), esc(fmt_int(row["communes_count"], lang)))
        + _kv(tr("map.communes_prodegol", lang), esc(fmt_int(row["prodegol_count"], lang)))
        + _kv(tr("map.area_printed", lang), esc(fmt_int(row["area_printed_km2"], lang)))
        + _kv(tr("map.area_computed", lang), esc(fmt_int(row["area_computed_km2"], lang)))
        + _kv(tr("map.diff_km2", lang).split(" (")[0], diff)
        + "</table>"
        + f"<div style='font-size:11px;color:#555;margin-top:4px'>{esc(tr('map.area_method', lang))}</div>"
    )


def _partner_line(p, lang: str) -> str:
    year = tr("map.since", lang, year=int(p["start_year"])) if not pd.isna(p["start_year"]) else tr(
        "map.year_unknown", lang)
    return f"{esc(p['partner'])} — {esc(tr('model.' + str(p['model']), lang))}, {esc(year)}"


def commune_popup(commune: dict, partnerships: pd.DataFrame, lang: str, colour_model: str | None = None) -> str:
    """HTML of a commune's popup: population, area, density, partners and start years (all escaped)."""
    check_lang(lang)
    cid = commune["commune_id"]
    own = partnerships[partnerships["commune_id"] == cid]
    if pd.isna(commune.get("population")):
        pop = f"<i>{esc(tr('map.pop_unreadable', lang, printed=commune.get('population_printed', '')))}</i>"
    else:
        pop = esc(fmt_int(commune["population"], lang))
    density = fmt_num(commune.get("density_per_km2"), lang, 1)
    rows = (
        _kv(tr("region", lang), esc(commune.get("region", "")))
        + _kv(tr("prefecture", lang), esc(commune.get("prefecture", "")))
        + _kv(tr("map.urban_centre", lang), esc(commune.get("urban_centre", "")))
        + _kv(tr("population", lang), pop)
        + _kv(tr("area_km2", lang), esc(fmt_int(commune.get("area_km2"), lang)))
        + _kv(tr("density", lang), esc(density) if density else "—")
    )
    if colour_model:
        rows += _kv(tr("map.colour_model", lang), esc(tr("model." + colour_model, lang)))
    parts = own[own["record_type"] == "partnership"].copy()
    parts["_y"] = parts["start_year"].astype("Float64").fillna(np.inf).astype(float)
    parts = parts.sort_values(["_y", "partnership_id"], kind="mergesort")
    items = "".join(f"<li>{_partner_line(p, lang)}</li>" for _, p in parts.iterrows())
    html_ = f"<b>{esc(commune['commune'])}</b><table style='font-size:12px;margin-top:4px'>{rows}</table>"
    html_ += f"<div style='margin-top:4px'><b>{esc(tr('map.partnerships', lang))}</b>"
    html_ += f"<ul style='margin:2px 0 0 16px;padding:0'>{items}</ul></div>" if items else " —</div>"
    leads = own[own["record_type"] == "lead"].sort_values("partnership_id")
    if len(leads):
        li = "".join(f"<li>{esc(p['partner'])} — {esc(tr('model.' + str(p['model']), lang))}</li>"
                     for _, p in leads.iterrows())
        html_ += f"<div><b>{esc(tr('map.leads', lang))}</b><ul style='margin:2px 0 0 16px;padding:0'>{li}</ul></div>"
    src = "; ".join(dict.fromkeys([str(commune.get("source", "")), *parts["source"].astype(str)]))
    html_ += (f"<div style='font-size:11px;color:#555;margin-top:4px'>{esc(tr('source', lang))}{_colon(lang)} "
              f"{esc(src)}</div>")
    return html_


def commune_rows(data: MapData, lang: str) -> pd.DataFrame:
    """The communes with colour model, radius, inside-its-region check and popup HTML (table order)."""
    models = commune_models(data.partnerships).set_index("commune_id")
    check = geo.commune_region_check(data.communes, data.regions_full, data.regions_table).set_index("commune_id")
    c = data.communes.copy()
    max_pop = c["population"].astype("Float64").max()
    c["colour_model"] = c["commune_id"].map(models["colour_model"]).astype("object")
    c["models"] = c["commune_id"].map(models["models"])
    c["colour"] = c["colour_model"].map(lambda m: MODEL_COLOURS.get(m, NO_MODEL_COLOUR) if isinstance(m, str)
                                        else NO_MODEL_COLOUR)
    c["radius"] = [marker_radius(p, max_pop) for p in c["population"]]
    c["population_known"] = c["population"].notna()
    c["inside_region"] = c["commune_id"].map(check["inside"]).astype(bool)
    c["n_partnerships"] = c["commune_id"].map(
        data.partnerships[data.partnerships["record_type"] == "partnership"].groupby("commune_id").size()
    ).fillna(0).astype(int)
    c["popup"] = [
        commune_popup(row, data.partnerships, lang, row["colour_model"] if isinstance(row["colour_model"], str)
                      else None)
        for row in c.to_dict("records")
    ]
    return c


def _territory_caption(lang: str) -> list[str]:
    lines = [tr("map.sources.territory", lang, study=tr("study", lang)), tr("map.area_method", lang)]
    lines += [tr("map.colour_rule", lang), tr("map.points_note", lang),
              f"{tr('attribution_ne', lang)} ; {tr('attribution_gn', lang)}" if lang == "fr"
              else f"{tr('attribution_ne', lang)}; {tr('attribution_gn', lang)}"]
    return lines


def _legend_models(models: list[str], lang: str) -> list[tuple[str, str]]:
    return [(MODEL_COLOURS.get(m, NO_MODEL_COLOUR), tr("model." + m, lang)) for m in models]


def _models_in_order(models) -> list[str]:
    present = set(models)
    return [m for m in MODEL_COLOURS if m in present]


# ----------------------------------------------------------------------------- folium building blocks
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


def label_points(geoms: dict, avoid_xy=(), texts: dict | None = None, step: float = 0.03, cap: float = 0.5,
                 char_w: float = 0.04, half_h: float = 0.09, avoid_r=None) -> dict:
    """A label position (lon, lat) inside each geometry, away from the points to avoid.

    Grid search over candidate centres inside the geometry: the label is a box of half-width ``char_w`` ×
    its number of characters and half-height ``half_h`` (degrees, about zoom 6.5–7). Score: the box's
    distance to the nearest point to avoid (capped; minus the points' radius ``avoid_r`` in degrees, if
    given) plus a little of the centre's distance to the boundary, and boxes inside the geometry always
    win over boxes that cross its edge (labels are drawn over the points, with a halo). Ties go to the first
    candidate, so the result is deterministic.
    """
    import shapely

    avoid = np.asarray(list(avoid_xy), dtype=float).reshape(-1, 2)
    radii = np.zeros(len(avoid)) if avoid_r is None else np.asarray(avoid_r, dtype=float)
    out = {}
    for key, geom in geoms.items():
        text = (texts or {}).get(key, str(key))
        half_w = char_w * max(len(text), 3)
        minx, miny, maxx, maxy = geom.bounds
        gx, gy = np.meshgrid(np.arange(minx, maxx, step), np.arange(miny, maxy, step))
        gx, gy = gx.ravel(), gy.ravel()
        inside = shapely.contains_xy(geom, gx, gy)
        gx, gy = gx[inside], gy[inside]
        if len(gx) == 0:
            pt = geom.representative_point()
            out[key] = (round(pt.x, COORD_DECIMALS), round(pt.y, COORD_DECIMALS))
            continue
        shapely.prepare(geom)
        boxes = shapely.box(gx - half_w, gy - half_h, gx + half_w, gy + half_h)
        fits = shapely.contains(geom, boxes)
        d_edge = shapely.distance(shapely.points(gx, gy), geom.boundary)
        if len(avoid):
            dx = np.maximum(np.abs(gx[:, None] - avoid[None, :, 0]) - half_w, 0)
            dy = np.maximum(np.abs(gy[:, None] - avoid[None, :, 1]) - half_h, 0)
            d_av = np.min(np.hypot(dx, dy) - radii[None, :], axis=1)
        else:
            d_av = np.full(len(gx), cap)
        score = np.minimum(d_av, cap) + 0.2 * np.minimum(d_edge, 0.5) + np.where(fits, 10.0, 0.0)
        i = int(np.argmax(score))
        out[key] = (round(float(gx[i]), COORD_DECIMALS), round(float(gy[i]), COORD_DECIMALS))
    return out


def _neighbour_label_points(neighbours, around_bounds, margin: float = 1.0) -> dict:
    from shapely.geometry import box

    minx, miny, maxx, maxy = around_bounds
    window = box(minx - margin, miny - margin, maxx + margin, maxy + margin)
    geoms = {}
    for _, row in neighbours.iterrows():
        if row["ISO_A3"] == "TGO":
            continue
        part = row.geometry.intersection(window)
        if not part.is_empty:
            geoms[row["ISO_A3"]] = part
    return label_points(geoms, step=0.1, char_w=0.0, half_h=0.0)


def _add_label(group, lon: float, lat: float, text: str, css: str = "", dx_px: float = 0.0):
    """A text label (no box, white halo) centred on a point, or to its right (css "right", ``dx_px`` further)."""
    import folium

    style = f" style='margin-left:{dx_px:.0f}px'" if dx_px else ""
    icon = folium.DivIcon(html=f"<div class='coop-label {css}'{style}>{esc(text)}</div>", icon_size=(0, 0),
                          icon_anchor=(0, 0))
    folium.Marker([lat, lon], icon=icon, interactive=False, keyboard=False).add_to(group)


def _add_polygon(group, geom, style, simplify=None, tooltip=None, popup=None):
    import folium

    layer = folium.GeoJson(_feature(geom, simplify), style_function=style, highlight_function=None,
                           smooth_factor=0.5, zoom_on_click=False)
    if popup:
        bind_popup(layer, popup, max_width=340)
    if tooltip:
        bind_tooltip(layer, esc(tooltip))
    layer.add_to(group)
    return layer


def _country_name(row, lang: str) -> str:
    return str(row["NAME_FR"] if lang == "fr" else row["NAME"])


def _legend_html(title: str, items: list[str]) -> str:
    return f"<h4>{esc(title)}</h4>" + "".join(f"<div>{i}</div>" for i in items)


def _swatch(colour: str, hollow: bool = False) -> str:
    style = f"border:2px dashed {colour};background:none" if hollow else f"background:{colour}"
    return f"<span class='sw' style='{style}'></span>"


def _line_swatch(colour: str, dashed: bool) -> str:
    return f"<span class='ln' style='border-top:3px {'dashed' if dashed else 'solid'} {colour}'></span>"


def _caption_html(title: str, lines: list[str]) -> str:
    return f"<b>{esc(title)}</b><br>" + "<br>".join(esc(line) for line in lines)


def _base_map(lang: str, ratio: str = "75%"):
    from branca.element import Element

    m = offline_map(zoom_snap=0.25, zoom_delta=0.5)
    fig = m.get_root()
    fig.ratio = ratio
    fig.header.add_child(Element(
        f"<style>.folium-map.leaflet-container {{ background: {SEA_COLOUR}; }}"
        ".coop-label { transform: translate(-50%, -50%); white-space: nowrap; font: bold 12px 'DejaVu Sans',"
        " Arial, sans-serif; color: #555; text-shadow: 0 0 3px #fff, 0 0 3px #fff; pointer-events: none; }"
        ".coop-label.country { font-weight: normal; font-style: italic; color: #888; }"
        ".coop-label.right { transform: translate(9px, -50%); color: #111; }</style>"
    ), name="coop_map_style")
    Attribution(["Natural Earth", "GeoNames (www.geonames.org), CC BY 4.0"]).add_to(m)
    return m


def _fit(m, bounds, padding=10):
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    m.fit_bounds([[round(miny, COORD_DECIMALS), round(minx, COORD_DECIMALS)],
                  [round(maxy, COORD_DECIMALS), round(maxx, COORD_DECIMALS)]], padding=(padding, padding))


def _region_label_points(data: MapData, communes, deg_per_px: float | None = None) -> dict:
    """Region label positions away from the commune circles (web scale, or ``deg_per_px`` of a PNG)."""
    full = geo.join_regions(data.regions_table[["region_id", "iso_3166_2"]], data.regions_full)
    geoms = dict(zip(full["region_id"], full.geometry, strict=True))
    texts = dict(zip(data.regions_table["region_id"], data.regions_table["region"], strict=True))
    xy = communes[["lon", "lat"]].astype(float).to_numpy()
    if deg_per_px is None:
        return label_points(geoms, xy, texts)
    radii = [r * deg_per_px for r in communes["radius_pt_png"]]
    return label_points(geoms, xy, texts, char_w=4.2 * deg_per_px, half_h=8 * deg_per_px, avoid_r=radii)


#: Populations drawn as size references in the legends.
SIZE_SAMPLES = (50_000, 100_000, 200_000)


def _size_samples(communes, lang: str) -> str:
    max_pop = communes["population"].astype("Float64").max()
    parts = []
    for pop in SIZE_SAMPLES:
        r = marker_radius(pop, max_pop)
        d = 2 * r + 2
        parts.append(
            f"<span style='display:inline-block;text-align:center;margin-right:8px'>"
            f"<svg width='{d:.0f}' height='{d:.0f}' style='vertical-align:middle'><circle cx='{d / 2:.1f}' "
            f"cy='{d / 2:.1f}' r='{r:.1f}' fill='#ffffff' stroke='#222' stroke-width='1'/></svg> "
            f"{esc(fmt_int(pop, lang))}</span>"
        )
    return "".join(parts)


def _region_aliases(data: MapData) -> dict[str, str]:
    table = data.regions_table.set_index("iso_3166_2")["region_id"]
    return {str(r["name_ne"]): table[r["iso_3166_2"]] for _, r in data.regions_full.iterrows()
            if r["iso_3166_2"] in table.index}


# ----------------------------------------------------------------------------- territory map
def territory_map(lang: str = "fr", region=None, data_dir: PathLike = None):
    """The 5 regions, neighbouring countries and the 13 communes (see the module docstring).

    ``region`` (region_id, name, printed name or ISO code; empty = whole country) zooms on one
    region; an unknown region raises a ValueError listing the valid ones.
    """
    import folium

    check_lang(lang)
    data = load_map_data(data_dir)
    region_id = resolve_region(region, data.regions_table, _region_aliases(data))
    regs = region_rows(data, lang)
    communes = commune_rows(data, lang)
    simpl = geo.join_regions(data.regions_table[["region_id", "iso_3166_2"]], data.regions_simplified)
    simpl = simpl.set_index("region_id")

    m = _base_map(lang)
    g_neigh = folium.FeatureGroup(name=tr("map.layer.neighbours", lang)).add_to(m)
    for _, row in data.neighbours.iterrows():
        if row["ISO_A3"] == "TGO":
            continue
        _add_polygon(g_neigh, row.geometry, _style(NEIGHBOUR_FILL, "#9A9A9A", 1.0), simplify=0.01,
                     tooltip=_country_name(row, lang))
    g_reg = folium.FeatureGroup(name=tr("map.layer.regions", lang)).add_to(m)
    for row in regs.to_dict("records"):
        rid = row["region_id"]
        dim = region_id is not None and rid != region_id
        style = _style(REGION_FILLS.get(rid, "#EEEEEE"), "#FFFFFF", 1.5, 0.45 if dim else 1.0)
        _add_polygon(g_reg, simpl.loc[rid, "geometry"], style, popup=row["popup"])
    for _, row in data.country.iterrows():
        _add_polygon(g_reg, row.geometry, _style(None, "#333333", 2.0), simplify=0.002)
    for row in regs[regs["flagged"]].to_dict("records"):
        _add_polygon(g_reg, simpl.loc[row["region_id"], "geometry"],
                     _style(None, FLAG_COLOUR, 2.5, dash="7 5"), popup=row["popup"])

    g_lab = folium.FeatureGroup(name=tr("map.layer.labels", lang)).add_to(m)
    for rid, (x, y) in _region_label_points(data, communes).items():
        _add_label(g_lab, x, y, regs.set_index("region_id").loc[rid, "region"])
    names = data.neighbours.set_index("ISO_A3")
    for iso, (x, y) in _neighbour_label_points(data.neighbours, data.country.total_bounds).items():
        _add_label(g_lab, x, y, _country_name(names.loc[iso], lang), "country")

    g_com = folium.FeatureGroup(name=tr("map.layer.communes", lang)).add_to(m)
    for row in communes.sort_values("radius", ascending=False, kind="mergesort").to_dict("records"):
        known = bool(row["population_known"])
        marker = folium.CircleMarker(
            [round(float(row["lat"]), COORD_DECIMALS), round(float(row["lon"]), COORD_DECIMALS)],
            radius=round(row["radius"], 2), color="#222222" if known else row["colour"], weight=1.2 if known else 2.5,
            fill=known, fill_color=row["colour"], fill_opacity=0.9 if known else 0.0,
            dash_array=None if known else "4 3",
        )
        bind_popup(marker, row["popup"], max_width=360)
        bind_tooltip(marker, esc(row["commune"]))
        marker.add_to(g_com)
        if region_id is not None and row["region_id"] == region_id:  # few enough to be named on the map
            _add_label(g_lab, round(float(row["lon"]), 5), round(float(row["lat"]), 5), row["commune"], "right",
                       row["radius"])

    pct = fmt_num(geo.AREA_TOLERANCE_PCT, lang, 0)
    legend = [f"{_swatch(c)}{esc(label)}" for c, label in _legend_models(_models_in_order(communes["colour_model"]
                                                                                        .dropna()), lang)]
    if communes["colour_model"].isna().any():
        legend.append(f"{_swatch(NO_MODEL_COLOUR)}{esc(tr('map.legend.none', lang))}")
    legend.append(f"{esc(tr('map.legend.size', lang))}<br>{_size_samples(communes, lang)}")
    if (~communes["population_known"]).any():
        legend.append(f"{_swatch('#555555', hollow=True)}{esc(tr('map.legend.unreadable', lang))}")
    if regs["flagged"].any():
        legend.append(f"<span class='ln' style='border-top:3px dashed {FLAG_COLOUR}'></span>"
                      f"{esc(tr('map.legend.flagged', lang, pct=pct))}")
    HtmlControl(_legend_html(tr("map.legend.model", lang), legend), "topright").add_to(m)
    title = tr("map.territory.title", lang) if region_id is None else tr(
        "map.territory.title_region", lang, region=regs.set_index("region_id").loc[region_id, "region"])
    Caption(_caption_html(title, _territory_caption(lang))).add_to(m)
    folium.LayerControl(collapsed=True, position="topleft").add_to(m)
    bounds = data.regions_full.total_bounds if region_id is None else simpl.loc[[region_id]].total_bounds
    _fit(m, bounds)
    m.coop_region_id = region_id
    m.coop_bounds = tuple(round(float(v), COORD_DECIMALS) for v in bounds)
    return m


# ----------------------------------------------------------------------------- partner map
@dataclass
class PartnerLinks:
    drawn: pd.DataFrame  # one row per drawn link, with commune/place coordinates
    skipped: pd.DataFrame  # rows not drawn, with a reason code
    places: pd.DataFrame  # the distinct places drawn


def partner_links(data: MapData) -> PartnerLinks:
    """Join partnerships.partner_place to the GeoNames places by label; split drawn and skipped rows."""
    p = data.partnerships.copy()
    places = pd.DataFrame(data.places.drop(columns="geometry"))
    places = places[["label", "country", "lat", "lon"]].rename(
        columns={"label": "partner_place", "country": "place_country", "lat": "place_lat", "lon": "place_lon"})
    com = pd.DataFrame(data.communes.drop(columns="geometry"))[["commune_id", "commune", "lat", "lon"]]
    com = com.rename(columns={"lat": "commune_lat", "lon": "commune_lon"})
    j = p.merge(places, on="partner_place", how="left").merge(com, on="commune_id", how="left")
    reason = pd.Series(pd.NA, index=j.index, dtype="string")
    reason[j["partner_place"].isna()] = "no_place"
    reason[j["partner_place"].notna() & (j["place_lat"].isna() | j["place_lon"].isna())] = "no_coords"
    j["skip_reason"] = reason
    drawn = j[j["skip_reason"].isna()].sort_values("partnership_id", kind="mergesort").reset_index(drop=True)
    skipped = j[j["skip_reason"].notna()].sort_values("partnership_id", kind="mergesort").reset_index(drop=True)
    drawn_places = drawn.groupby("partner_place", sort=True).agg(
        place_lat=("place_lat", "first"), place_lon=("place_lon", "first"),
        place_country=("place_country", "first")).reset_index()
    return PartnerLinks(drawn, skipped, drawn_places)


def arc(lat1: float, lon1: float, lat2: float, lon2: float, bend: float = 0.1, n: int = 24) -> list[list[float]]:
    """A gently curved line (quadratic Bézier in lon/lat) so that links sharing an end stay apart."""
    mx, my = (lon1 + lon2) / 2, (lat1 + lat2) / 2
    dx, dy = lon2 - lon1, lat2 - lat1
    cx, cy = mx - dy * bend, my + dx * bend
    pts = []
    for i in range(n + 1):
        t = i / n
        x = (1 - t) ** 2 * lon1 + 2 * (1 - t) * t * cx + t**2 * lon2
        y = (1 - t) ** 2 * lat1 + 2 * (1 - t) * t * cy + t**2 * lat2
        pts.append([round(y, COORD_DECIMALS), round(x, COORD_DECIMALS)])
    return pts


def _bends(drawn: pd.DataFrame) -> list[float]:
    seen: dict[tuple, int] = {}
    out = []
    for row in drawn.itertuples():
        key = (row.commune_id, row.partner_place)
        k = seen.get(key, 0)
        seen[key] = k + 1
        out.append(0.08 + 0.07 * k)
    return out


def link_popup(row: dict, lang: str) -> str:
    year = tr("map.since", lang, year=int(row["start_year"])) if not pd.isna(row["start_year"]) else tr(
        "map.year_unknown", lang)
    basis = row.get("partner_place_basis")
    basis_txt = tr("place_basis." + str(basis), lang) if isinstance(basis, str) else ""
    return (
        f"<b>{esc(row['commune'])} → {esc(row['partner'])}</b>"
        "<table style='font-size:12px;margin-top:4px'>"
        + _kv(tr("model", lang), esc(tr("model." + str(row["model"]), lang)))
        + _kv(tr("start_year", lang), esc(year))
        + _kv(tr("map.place", lang), f"{esc(row['partner_place'])} ({esc(basis_txt)})")
        + _kv("", esc(tr("record_type." + str(row["record_type"]), lang)) + f" {esc(row['partnership_id'])}")
        + "</table>"
        + f"<div style='font-size:11px;color:#555'>{esc(tr('source', lang))}{_colon(lang)} {esc(row['source'])}</div>"
    )


def _partner_caption(links: PartnerLinks, lang: str) -> list[str]:
    sections = list(dict.fromkeys(links.drawn["source"].astype(str)))
    lines = [tr("map.sources.partner", lang, study=tr("study", lang), sections="; ".join(sections)),
             tr("map.lines_drawn", lang, n=len(links.drawn), places=len(links.places))]
    if len(links.skipped) == 0:
        lines.append(tr("map.skipped.none", lang))
    for reason, grp in links.skipped.groupby("skip_reason", sort=True):
        items = ", ".join(f"{r.partnership_id} {r.partner}" for r in grp.itertuples())
        lines.append(tr("map.skipped", lang, n=len(grp), reason=tr("map.reason." + reason, lang), items=items))
    lines += [tr("map.points_note", lang),
              f"{tr('attribution_ne', lang)} ; {tr('attribution_gn', lang)}" if lang == "fr"
              else f"{tr('attribution_ne', lang)}; {tr('attribution_gn', lang)}"]
    return lines


def _context_clipped(data: MapData):
    from shapely.geometry import box

    return data.context.clip(box(*PARTNER_BBOX)).sort_values("ADMIN", kind="mergesort")


def _context_label_points(data: MapData) -> dict:
    """Label positions of the partner map's countries (not Togo, whose communes are there)."""
    ctx = _context_clipped(data)
    geoms = {r["ISO_A3"]: r.geometry for _, r in ctx.iterrows() if r["ISO_A3"] != "TGO"}
    return label_points(geoms, step=0.1, char_w=0.0, half_h=0.0)


def partner_map(lang: str = "fr", data_dir: PathLike = None):
    """Lines from each commune to its partners' places, coloured by model; leads dashed."""
    import folium

    check_lang(lang)
    data = load_map_data(data_dir)
    links = partner_links(data)
    m = _base_map(lang, ratio="85%")
    g_ctx = folium.FeatureGroup(name=tr("map.layer.countries", lang)).add_to(m)
    for _, row in _context_clipped(data).iterrows():
        togo = row["ISO_A3"] == "TGO"
        _add_polygon(g_ctx, row.geometry, _style("#FBF3DC" if togo else NEIGHBOUR_FILL, "#8A8A8A", 1.0),
                     simplify=0.02, tooltip=_country_name(row, lang))
    names = data.context.set_index("ISO_A3")
    for iso, (x, y) in _context_label_points(data).items():
        _add_label(g_ctx, x, y, _country_name(names.loc[iso], lang), "country")
    g_lines = folium.FeatureGroup(name=tr("map.layer.links", lang)).add_to(m)
    for row, bend in zip(links.drawn.to_dict("records"), _bends(links.drawn), strict=True):
        colour = MODEL_COLOURS.get(str(row["model"]), NO_MODEL_COLOUR)
        lead = row["record_type"] != "partnership"
        line = folium.PolyLine(
            arc(float(row["commune_lat"]), float(row["commune_lon"]), float(row["place_lat"]),
                float(row["place_lon"]), bend),
            color=colour, weight=2.5, opacity=0.9, dash_array="6 5" if lead else None,
        )
        bind_popup(line, link_popup(row, lang), max_width=360)
        bind_tooltip(line, f"{esc(row['commune'])} → {esc(row['partner'])}")
        line.add_to(g_lines)
    g_places = folium.FeatureGroup(name=tr("map.layer.places", lang)).add_to(m)
    for place in links.places.to_dict("records"):
        here = links.drawn[links.drawn["partner_place"] == place["partner_place"]]
        items = "".join(f"<li>{esc(r.partner)} ← {esc(r.commune)}</li>" for r in here.itertuples())
        marker = folium.CircleMarker([round(float(place["place_lat"]), 5), round(float(place["place_lon"]), 5)],
                                     radius=4, color="#333333", weight=1, fill=True, fill_color="#FFFFFF",
                                     fill_opacity=1.0)
        bind_popup(marker, f"<b>{esc(place['partner_place'])}</b><div>{esc(tr('map.partners_here', lang))}</div>"
                           f"<ul style='margin:2px 0 0 16px;padding:0'>{items}</ul>")
        bind_tooltip(marker, esc(place["partner_place"]))
        marker.add_to(g_places)
    g_com = folium.FeatureGroup(name=tr("map.layer.communes", lang)).add_to(m)
    for row in data.communes.to_dict("records"):
        marker = folium.CircleMarker([round(float(row["lat"]), 5), round(float(row["lon"]), 5)], radius=3.5,
                                     color="#222222", weight=1, fill=True, fill_color="#222222", fill_opacity=1.0)
        bind_tooltip(marker, esc(row["commune"]))
        marker.add_to(g_com)

    models = _models_in_order(links.drawn["model"].astype(str))
    legend = [f"{_line_swatch(c, False)}{esc(label)}" for c, label in _legend_models(models, lang)]
    legend += [f"{_line_swatch('#444444', False)}{esc(tr('map.legend.partnership', lang))}",
               f"{_line_swatch('#444444', True)}{esc(tr('map.legend.lead', lang))}",
               f"<span class='sw' style='background:#222;width:7px;height:7px'></span>"
               f"{esc(tr('map.legend.commune', lang))}",
               f"<span class='sw' style='background:#fff;width:8px;height:8px'></span>"
               f"{esc(tr('map.legend.place', lang))}"]
    HtmlControl(_legend_html(tr("map.legend.models", lang), legend), "topright").add_to(m)
    Caption(_caption_html(tr("map.partner.title", lang), _partner_caption(links, lang))).add_to(m)
    folium.LayerControl(collapsed=True, position="topleft").add_to(m)
    pts = pd.concat([links.drawn[["commune_lon", "commune_lat"]].set_axis(["lon", "lat"], axis=1),
                     links.drawn[["place_lon", "place_lat"]].set_axis(["lon", "lat"], axis=1)]).astype(float)
    _fit(m, (pts["lon"].min(), pts["lat"].min(), pts["lon"].max(), pts["lat"].max()), padding=30)
    m.coop_links = links
    return m


# ----------------------------------------------------------------------------- commune location
def _commune_row(data: MapData, commune_id: str) -> dict:
    ids = data.communes["commune_id"].astype(str).tolist()
    if commune_id not in ids:
        raise ValueError(f"unknown commune_id {commune_id!r}; valid: {', '.join(ids)}")
    return data.communes[data.communes["commune_id"] == commune_id].iloc[0].to_dict()


def commune_location_map(commune_id: str, lang: str = "fr", data_dir: PathLike = None):
    """A small map of one commune's point within its region and Togo."""
    import folium

    check_lang(lang)
    data = load_map_data(data_dir)
    com = _commune_row(data, commune_id)
    communes = commune_rows(data, lang).set_index("commune_id")
    simpl = geo.join_regions(data.regions_table[["region_id", "iso_3166_2", "region"]], data.regions_simplified)
    m = _base_map(lang)
    fig = m.get_root()
    fig.height, fig.width = "420px", "100%"
    for _, row in data.neighbours.iterrows():
        if row["ISO_A3"] != "TGO":
            _add_polygon(m, row.geometry, _style(NEIGHBOUR_FILL, "#9A9A9A", 1.0), simplify=0.01,
                         tooltip=_country_name(row, lang))
    for row in simpl.itertuples():
        own = row.region_id == com["region_id"]
        _add_polygon(m, row.geometry, _style("#F9D98B" if own else "#EEEEEE", "#FFFFFF", 1.2), tooltip=row.region)
    for _, row in data.country.iterrows():
        _add_polygon(m, row.geometry, _style(None, "#333333", 1.8), simplify=0.002)
    c = communes.loc[commune_id]
    marker = folium.CircleMarker([round(float(com["lat"]), 5), round(float(com["lon"]), 5)], radius=7,
                                 color="#222222", weight=1.5, fill=True, fill_color=c["colour"], fill_opacity=1.0)
    bind_popup(marker, c["popup"], max_width=360)
    bind_tooltip(marker, esc(com["commune"]))
    marker.add_to(m)
    _add_label(m, round(float(com["lon"]), 5), round(float(com["lat"]), 5), com["commune"], "right", 7)
    title = tr("map.location.title", lang, commune=com["commune"], region=com["region"])
    lines = [tr("map.sources.location", lang, study=tr("study", lang)), tr("map.points_note", lang),
             f"{tr('attribution_ne', lang)} ; {tr('attribution_gn', lang)}" if lang == "fr"
             else f"{tr('attribution_ne', lang)}; {tr('attribution_gn', lang)}"]
    Caption(_caption_html(title, lines)).add_to(m)
    _fit(m, data.country.total_bounds, padding=5)
    return m


# ----------------------------------------------------------------------------- tables
def region_table(lang: str = "fr", data_dir: PathLike = None) -> pd.DataFrame:
    """The regions (table order) with printed vs computed area, translated headers, for display."""
    check_lang(lang)
    regs = region_rows(load_map_data(data_dir), lang)
    out = pd.DataFrame({
        tr("region", lang): regs["region"],
        tr("map.iso", lang): regs["iso_3166_2"],
        tr("map.prefectures", lang): regs["prefectures_count"],
        tr("map.communes_all", lang): regs["communes_count"],
        tr("map.communes_prodegol", lang): regs["prodegol_count"],
        tr("map.area_printed", lang): regs["area_printed_km2"].round(0).astype("Int64"),
        tr("map.area_computed", lang): regs["area_computed_km2"].round(0).astype("Int64"),
        tr("map.diff_km2", lang): regs["diff_km2"].round(0).astype("Int64"),
        tr("map.diff_pct", lang): regs["diff_pct"].round(1),
        tr("map.flagged", lang): regs["flagged"].map({True: tr("yes", lang), False: tr("no", lang)}),
        tr("map.conflict", lang): regs["conflict_id"].fillna(""),
    })
    return out


def commune_table(lang: str = "fr", region=None, data_dir: PathLike = None) -> pd.DataFrame:
    """The communes (table order; one region if given) with population, area, density and models."""
    check_lang(lang)
    data = load_map_data(data_dir)
    region_id = resolve_region(region, data.regions_table, _region_aliases(data))
    c = commune_rows(data, lang)
    if region_id is not None:
        c = c[c["region_id"] == region_id]
    return pd.DataFrame({
        tr("commune", lang): c["commune"],
        tr("region", lang): c["region"],
        tr("prefecture", lang): c["prefecture"],
        tr("map.urban_centre", lang): c["urban_centre"],
        tr("population", lang): c["population"],
        tr("map.population_printed", lang): c["population_printed"],
        tr("area_km2", lang): c["area_km2"],
        tr("density", lang): c["density_per_km2"].round(1),
        tr("map.colour_model", lang): [tr("model." + m, lang) if isinstance(m, str) else "" for m in c["colour_model"]],
        tr("map.all_models", lang): [", ".join(tr("model." + x, lang) for x in ms) if isinstance(ms, list) else ""
                                     for ms in c["models"]],
        tr("map.partnerships_count", lang): c["n_partnerships"],
        tr("map.inside", lang): c["inside_region"].map({True: tr("yes", lang), False: tr("no", lang)}),
    }).reset_index(drop=True)


# ----------------------------------------------------------------------------- static PNG
PNG_DPI = 150


def _new_figure(figsize):
    """A matplotlib Figure with its own Agg canvas: no pyplot, no global state, nothing to close."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _save_png(fig, path) -> Path:
    """Save atomically; no date nor software version in the PNG, so two runs give the same bytes."""
    from coopdata.views.offline import _umask

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp, format="png", dpi=PNG_DPI, metadata={"Software": None})
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _geom_path(geom):
    """A matplotlib Path of a (multi)polygon's rings (holes included)."""
    from matplotlib.path import Path as MPath

    polys = getattr(geom, "geoms", [geom])
    verts, codes = [], []
    for poly in polys:
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)
            verts.append(xy)
            codes.append([MPath.MOVETO] + [MPath.LINETO] * (len(xy) - 2) + [MPath.CLOSEPOLY])
    if not verts:
        return None
    return MPath(np.concatenate(verts), np.concatenate(codes))


def _draw(ax, geoms, facecolor="none", edgecolor="none", linewidth=1.0, alpha=1.0, linestyle="-", zorder=1):
    """Draw polygons (a GeoDataFrame / GeoSeries / list of geometries) as patches (no geopandas.plot)."""
    from matplotlib.patches import PathPatch

    for geom in getattr(geoms, "geometry", geoms):
        path = _geom_path(geom)
        if path is None:
            continue
        ax.add_patch(PathPatch(path, facecolor=facecolor, edgecolor=edgecolor, linewidth=linewidth, alpha=alpha,
                               linestyle=linestyle, zorder=zorder))


def _map_axes(fig, rect, bounds, pad: float = 0.04):
    """Axes at ``rect`` showing ``bounds`` (lon/lat) with the local aspect, widened to fill the box."""
    ax = fig.add_axes(rect)
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    k = 1 / math.cos(math.radians((miny + maxy) / 2))
    w_in, h_in = rect[2] * fig.get_figwidth(), rect[3] * fig.get_figheight()
    sx, sy = (maxx - minx) * (1 + 2 * pad), (maxy - miny) * (1 + 2 * pad)
    if sy * k / sx > h_in / w_in:
        sx = sy * k * w_in / h_in
    else:
        sy = sx * h_in / (w_in * k)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    ax.set_xlim(cx - sx / 2, cx + sx / 2)
    ax.set_ylim(cy - sy / 2, cy + sy / 2)
    ax.set_facecolor(SEA_COLOUR)
    return ax, k


def _finish_axes(ax, k, bounds=None) -> None:
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    ax.set_aspect(k, adjustable="box")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")


_OFFSETS = [  # (dx, dy) direction, ha, va
    ((1, 0), "left", "center"), ((-1, 0), "right", "center"), ((0, 1), "center", "bottom"),
    ((0, -1), "center", "top"), ((0.75, 0.75), "left", "bottom"), ((0.75, -0.75), "left", "top"),
    ((-0.75, 0.75), "right", "bottom"), ((-0.75, -0.75), "right", "top"),
]


def _place_labels(fig, ax, items: list[dict], circles: list[tuple[float, float, float]], fixed=()) -> None:
    """Put each label beside its point where it overlaps no other label nor circle (greedy, deterministic).

    ``items``: dicts with x, y, text, r (radius of the point's circle, points), fontsize and style
    keywords; ``circles``: (x, y, r_points) obstacles; ``fixed``: texts already drawn to avoid.
    """
    renderer = fig.canvas.get_renderer()
    px_per_pt = fig.dpi / 72
    obstacles = []
    for x, y, r in circles:
        cx, cy = ax.transData.transform((x, y))
        rp = r * px_per_pt
        obstacles.append((cx - rp, cy - rp, cx + rp, cy + rp))
    placed = [t.get_window_extent(renderer) for t in fixed]
    placed = [(b.x0, b.y0, b.x1, b.y1) for b in placed]
    axbox = ax.get_window_extent(renderer)

    def overlap(a, b):
        return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))

    for item in items:
        own = ax.transData.transform((item["x"], item["y"]))
        best, best_cost = None, None
        for (dx, dy), ha, va in _OFFSETS:
            gap = item.get("r", 3) + 2.5
            ann = ax.annotate(item["text"], (item["x"], item["y"]), xytext=(dx * gap, dy * gap),
                              textcoords="offset points", ha=ha, va=va, fontsize=item.get("fontsize", 8),
                              zorder=7, **item.get("style", {}))
            b = ann.get_window_extent(renderer)
            box = (b.x0 - 1, b.y0 - 1, b.x1 + 1, b.y1 + 1)
            cost = sum(overlap(box, p) for p in placed)
            cost += sum(overlap(box, o) for o in obstacles
                        if not (abs((o[0] + o[2]) / 2 - own[0]) < 0.5 and abs((o[1] + o[3]) / 2 - own[1]) < 0.5))
            outside = (b.width * b.height) - overlap(box, (axbox.x0, axbox.y0, axbox.x1, axbox.y1))
            cost += 2 * max(outside, 0)
            if best_cost is None or cost < best_cost:
                if best is not None:
                    best[0].remove()
                best, best_cost = (ann, box), cost
            else:
                ann.remove()
            if cost == 0:
                break
        placed.append(best[1])


def _caption_text(lines: list[str], width: int) -> str:
    return "\n".join(textwrap.fill(line, width) for line in lines)


def _legend_handles(entries):
    from matplotlib.lines import Line2D

    handles = []
    for kind, colour, label, *size in entries:
        ms = size[0] if size else 9
        if kind == "dot":
            handles.append(Line2D([], [], marker="o", ls="", markersize=ms, markerfacecolor=colour,
                                  markeredgecolor="#222222", label=label))
        elif kind == "hollow":
            handles.append(Line2D([], [], marker="o", ls="", markersize=ms, markerfacecolor="none",
                                  markeredgecolor=colour, markeredgewidth=1.8, label=label))
        elif kind == "solid":
            handles.append(Line2D([], [], color=colour, lw=2.5, label=label))
        elif kind == "dashed":
            handles.append(Line2D([], [], color=colour, lw=2.5, ls=(0, (4, 3)), label=label))
        elif kind == "text":
            handles.append(Line2D([], [], ls="", label=label))
    return handles


def _radius_pt(radius_px: float) -> float:
    """Leaflet radius in CSS pixels → radius in points on the PNG (1 px = 0.75 pt, a little larger)."""
    return radius_px * 0.75 * 1.3


def _scatter_size(radius_px: float) -> float:
    return (2 * _radius_pt(radius_px)) ** 2


def _attribution_line(lang: str) -> str:
    sep = " ; " if lang == "fr" else "; "
    return f"{tr('attribution_ne', lang)}{sep}{tr('attribution_gn', lang)}"


def territory_png(path, lang: str = "fr", region=None, data_dir: PathLike = None) -> Path:
    """Static PNG of :func:`territory_map` (same layers, legend and sources); byte-identical across runs."""
    check_lang(lang)
    data = load_map_data(data_dir)
    region_id = resolve_region(region, data.regions_table, _region_aliases(data))
    regs = region_rows(data, lang)
    communes = commune_rows(data, lang)
    full = geo.join_regions(data.regions_table, data.regions_full).set_index("region_id")

    fig = _new_figure((10, 10))
    bounds = full.total_bounds if region_id is None else full.loc[[region_id]].total_bounds
    ax, k = _map_axes(fig, [0.03, 0.15, 0.55, 0.77], bounds)
    neigh = data.neighbours[data.neighbours["ISO_A3"] != "TGO"]
    _draw(ax, neigh, NEIGHBOUR_FILL, "#9A9A9A", 0.6)
    for row in regs.to_dict("records"):
        rid = row["region_id"]
        dim = region_id is not None and rid != region_id
        _draw(ax, full.loc[[rid]], REGION_FILLS.get(rid, "#EEEEEE"), "white", 1.2, alpha=0.45 if dim else 1.0)
    _draw(ax, data.country, edgecolor="#333333", linewidth=1.2, zorder=2)
    for row in regs[regs["flagged"]].to_dict("records"):
        _draw(ax, full.loc[[row["region_id"]]], edgecolor=FLAG_COLOUR, linewidth=1.6, linestyle=(0, (5, 3)), zorder=3)
    from matplotlib import patheffects

    fixed = []
    x0, x1 = ax.get_xlim()
    deg_per_pt = (x1 - x0) / (0.55 * fig.get_figwidth() * 72)
    communes["radius_pt_png"] = [_radius_pt(r) for r in communes["radius"]]
    for rid, (x, y) in _region_label_points(data, communes, deg_per_pt).items():
        fixed.append(ax.text(x, y, regs.set_index("region_id").loc[rid, "region"], ha="center", va="center",
                             fontsize=10, color="#555555", fontweight="bold", zorder=8,
                             path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")]))
    names = data.neighbours.set_index("ISO_A3")
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    for iso, (x, y) in _neighbour_label_points(data.neighbours, data.country.total_bounds).items():
        if x0 < x < x1 and y0 < y < y1:
            fixed.append(ax.text(x, y, _country_name(names.loc[iso], lang), ha="center", fontsize=9,
                                 color="#8A8A8A", style="italic"))
    order = communes.sort_values("radius", ascending=False, kind="mergesort")
    for row in order.to_dict("records"):
        x, y = float(row["lon"]), float(row["lat"])
        if row["population_known"]:
            ax.scatter([x], [y], s=_scatter_size(row["radius"]), c=[row["colour"]], edgecolors="#222222",
                       linewidths=0.8, zorder=5)
        else:
            ax.scatter([x], [y], s=_scatter_size(row["radius"]), facecolors="none", edgecolors=[row["colour"]],
                       linewidths=1.8, linestyle=(0, (2, 1.5)), zorder=5)
    _finish_axes(ax, k)
    circles = [(float(r["lon"]), float(r["lat"]), _radius_pt(r["radius"])) for r in communes.to_dict("records")]
    _place_labels(fig, ax, [{"x": c[0], "y": c[1], "r": c[2], "text": name, "fontsize": 8.5}
                            for c, name in zip(circles, communes["commune"], strict=True)], circles, fixed)
    title = tr("map.territory.title", lang) if region_id is None else tr(
        "map.territory.title_region", lang, region=regs.set_index("region_id").loc[region_id, "region"])
    fig.suptitle(title, fontsize=14, y=0.975)

    entries = [("dot", c, label) for c, label in _legend_models(_models_in_order(communes["colour_model"].dropna()),
                                                                 lang)]
    if communes["colour_model"].isna().any():
        entries.append(("dot", NO_MODEL_COLOUR, tr("map.legend.none", lang)))
    if (~communes["population_known"]).any():
        entries.append(("hollow", "#555555", tr("map.legend.unreadable", lang)))
    if regs["flagged"].any():
        entries.append(("dashed", FLAG_COLOUR, "\n".join(textwrap.wrap(
            tr("map.legend.flagged", lang, pct=fmt_num(geo.AREA_TOLERANCE_PCT, lang, 0)), 40))))
    entries.append(("text", "", "\n".join(textwrap.wrap(tr("map.legend.size", lang), 40))))
    fig.legend(handles=_legend_handles(entries), loc="upper left", bbox_to_anchor=(0.6, 0.92), fontsize=9,
               title="\n".join(textwrap.wrap(tr("map.legend.model", lang), 40)), title_fontsize=9.5,
               frameon=False, alignment="left", labelspacing=0.9)
    _size_axes(fig, [0.61, 0.59, 0.36, 0.08], communes, lang)
    # Region areas, printed vs computed (the content of the web map's region popups).
    head = f"{tr('map.area_printed', lang)} / {tr('map.area_computed', lang)}"
    lines = [head]
    colon = _colon(lang)
    for row in regs.to_dict("records"):
        flag = f"  ⚠ {row['conflict_id'] or ''}" if row["flagged"] else ""
        lines.append(f"{row['region']}{colon} {fmt_int(row['area_printed_km2'], lang)} / "
                     f"{fmt_int(row['area_computed_km2'], lang)} ({fmt_num(row['diff_pct'], lang, 1, True)} %){flag}")
    fig.text(0.61, 0.54, "\n".join(textwrap.fill(t, 46) for t in lines), fontsize=8.5, va="top", linespacing=1.5)
    fig.text(0.03, 0.13, _caption_text(_territory_caption(lang), 128), fontsize=7.8, va="top", color="#333333",
             linespacing=1.4)
    return _save_png(fig, path)


def _size_axes(fig, rect, communes, lang: str) -> None:
    """Reference circles for SIZE_SAMPLES populations, at the map's scale."""
    sax = fig.add_axes(rect)
    sax.set_axis_off()
    max_pop = communes["population"].astype("Float64").max()
    sax.set_xlim(0, 1)
    sax.set_ylim(0, 1)
    for i, pop in enumerate(SIZE_SAMPLES):
        x = 0.1 + i * 0.3
        sax.scatter([x], [0.6], s=_scatter_size(marker_radius(pop, max_pop)), c="#FFFFFF", edgecolors="#222222",
                    linewidths=0.8)
        sax.text(x, 0.0, fmt_int(pop, lang), ha="center", va="bottom", fontsize=8.5)


def _place_clusters(places: pd.DataFrame, max_deg: float = 0.75) -> list[list[int]]:
    """Group nearby places (greedy, by row order) so that their names share one label."""
    clusters: list[list[int]] = []
    xy = places[["place_lon", "place_lat"]].astype(float).to_numpy()
    for i in range(len(xy)):
        for cl in clusters:
            if any(np.hypot(*(xy[i] - xy[j])) < max_deg for j in cl):
                cl.append(i)
                break
        else:
            clusters.append([i])
    return clusters


def partner_png(path, lang: str = "fr", data_dir: PathLike = None) -> Path:
    """Static PNG of :func:`partner_map` (same lines, legend and sources); byte-identical across runs."""
    check_lang(lang)
    data = load_map_data(data_dir)
    links = partner_links(data)
    ctx = _context_clipped(data)
    fig = _new_figure((10, 11))
    lon = pd.concat([links.drawn["commune_lon"], links.drawn["place_lon"]]).astype(float)
    lat = pd.concat([links.drawn["commune_lat"], links.drawn["place_lat"]]).astype(float)
    ax, k = _map_axes(fig, [0.03, 0.2, 0.56, 0.73], (lon.min(), lat.min(), lon.max(), lat.max()), pad=0.06)
    inset, k_in = _map_axes(fig, [0.64, 0.2, 0.33, 0.36], data.country.total_bounds, pad=0.03)
    for a in (ax, inset):
        for row in ctx.itertuples():
            togo = row.ISO_A3 == "TGO"
            _draw(a, [row.geometry], "#FBF3DC" if togo else NEIGHBOUR_FILL, "#8A8A8A", 0.6)
        for row, bend in zip(links.drawn.to_dict("records"), _bends(links.drawn), strict=True):
            pts = np.array(arc(float(row["commune_lat"]), float(row["commune_lon"]), float(row["place_lat"]),
                               float(row["place_lon"]), bend, n=48))
            lead = row["record_type"] != "partnership"
            a.plot(pts[:, 1], pts[:, 0], color=MODEL_COLOURS.get(str(row["model"]), NO_MODEL_COLOUR),
                   lw=1.6 if a is ax else 1.2, ls=(0, (4, 3)) if lead else "-", alpha=0.9, zorder=3)
        a.scatter(data.communes["lon"].astype(float), data.communes["lat"].astype(float), s=10 if a is ax else 14,
                  c="#222222", zorder=5)
        a.scatter(links.places["place_lon"].astype(float), links.places["place_lat"].astype(float), s=22,
                  c="white", edgecolors="#333333", linewidths=0.8, zorder=5)
    fixed = []
    names = data.context.set_index("ISO_A3")
    for iso, (x, y) in _context_label_points(data).items():
        if ax.get_xlim()[0] < x < ax.get_xlim()[1] and ax.get_ylim()[0] < y < ax.get_ylim()[1]:
            fixed.append(ax.text(x, y, _country_name(names.loc[iso], lang), ha="center", fontsize=9,
                                 color="#8A8A8A", style="italic"))
    _finish_axes(ax, k)
    _finish_axes(inset, k_in)
    inset.set_title(tr("map.togo", lang), fontsize=9)
    x0, x1 = inset.get_xlim()
    y0, y1 = inset.get_ylim()
    ax.add_patch(__import__("matplotlib.patches", fromlist=["Rectangle"]).Rectangle(
        (x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="#555555", lw=0.8, zorder=6))
    circles = [(float(r.place_lon), float(r.place_lat), 3.0) for r in links.places.itertuples()]
    items = []
    for cl in _place_clusters(links.places):
        sub = links.places.iloc[cl].sort_values("place_lat", ascending=False, kind="mergesort")
        items.append({"x": float(sub["place_lon"].astype(float).mean()), "y": float(sub["place_lat"].astype(float)
                      .mean()), "r": 4.0 + 2.0 * (len(sub) > 1), "text": "\n".join(sub["partner_place"]),
                      "fontsize": 7.5})
    _place_labels(fig, ax, items, circles, fixed)
    com = data.communes
    _place_labels(fig, inset, [{"x": float(r.lon), "y": float(r.lat), "r": 2.5, "text": r.commune, "fontsize": 7}
                               for r in com.itertuples()],
                  [(float(r.lon), float(r.lat), 2.5) for r in com.itertuples()])
    fig.suptitle(tr("map.partner.title", lang), fontsize=13.5, y=0.975)
    models = _models_in_order(links.drawn["model"].astype(str))
    entries = [("solid", c, label) for c, label in _legend_models(models, lang)]
    entries += [("solid", "#444444", tr("map.legend.partnership", lang)),
                ("dashed", "#444444", tr("map.legend.lead", lang)),
                ("dot", "#222222", tr("map.legend.commune", lang), 6),
                ("dot", "#FFFFFF", tr("map.legend.place", lang), 7)]
    fig.legend(handles=_legend_handles(entries), loc="upper left", bbox_to_anchor=(0.62, 0.93), fontsize=8.5,
               title=tr("map.legend.models", lang), title_fontsize=9.5, frameon=False, alignment="left")
    fig.text(0.03, 0.175, _caption_text(_partner_caption(links, lang), 135), fontsize=7.5, va="top",
             color="#333333", linespacing=1.4)
    return _save_png(fig, path)


def commune_location_png(path, commune_id: str, lang: str = "fr", data_dir: PathLike = None) -> Path:
    """Static PNG of :func:`commune_location_map`; byte-identical across runs."""
    check_lang(lang)
    data = load_map_data(data_dir)
    com = _commune_row(data, commune_id)
    c = commune_rows(data, lang).set_index("commune_id").loc[commune_id]
    full = geo.join_regions(data.regions_table, data.regions_full)
    fig = _new_figure((4.6, 6.4))
    ax, k = _map_axes(fig, [0.03, 0.17, 0.94, 0.75], full.total_bounds, pad=0.05)
    _draw(ax, data.neighbours[data.neighbours["ISO_A3"] != "TGO"], NEIGHBOUR_FILL, "#9A9A9A", 0.5)
    own = full["region_id"] == com["region_id"]
    _draw(ax, full[~own], "#EEEEEE", "white", 1.0)
    _draw(ax, full[own], "#F9D98B", "white", 1.0)
    _draw(ax, data.country, edgecolor="#333333", linewidth=1.0, zorder=2)
    x, y = float(com["lon"]), float(com["lat"])
    ax.scatter([x], [y], s=70, c=[c["colour"]], edgecolors="#222222", linewidths=1, zorder=5)
    _finish_axes(ax, k)
    _place_labels(fig, ax, [{"x": x, "y": y, "r": 5.0, "text": com["commune"], "fontsize": 9,
                             "style": {"fontweight": "bold"}}], [(x, y, 5.0)])
    fig.suptitle(tr("map.location.title", lang, commune=com["commune"], region=com["region"]), fontsize=11, y=0.975)
    lines = [tr("map.sources.location", lang, study=tr("study", lang)), tr("map.points_note", lang),
             tr("attribution_ne", lang), tr("attribution_gn", lang)]
    fig.text(0.04, 0.15, _caption_text(lines, 72), fontsize=6.6, va="top", color="#333333")
    return _save_png(fig, path)
