"""What a map shows in both of its forms, the interactive page (:mod:`coopdata.views.maps`) and the PNG
(:mod:`coopdata.views.static_maps`): marker colours and sizes, label positions, link curves, legend
entries, titles and caption lines. Drawing is left to those two modules.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import box

from coopdata.analysis import geography as geo
from coopdata.analysis.places import MapData, PartnerLinks, commune_frame, drawn_bounds, group_counts, source_titles
from coopdata.core.i18n import tr
from coopdata.views.style import MODELS, list_sep, model_colour

COORD_DECIMALS = 5
#: Margin (degrees) around everything the partner map draws (:func:`partner_bounds`): its countries are
#: clipped to that box, which comes from the data, so that a partner anywhere (Mamoudzou, Mayotte) is in it.
PARTNER_MARGIN_DEG = 2.0
# Circle radius (pixels on the web map) = R_MIN + R_SPAN * sqrt(population / largest population).
R_MIN, R_SPAN, R_UNKNOWN = 4.0, 14.0, 8.0
#: A commune outside the ProDeGoL group is drawn with a second circle this many pixels outside its own.
RING_GAP = 3.5
#: Populations drawn as size references in the legends.
SIZE_SAMPLES = (50_000, 100_000, 200_000)


# ----------------------------------------------------------------------------- markers
def marker_radius(population, max_population) -> float:
    """Circle radius (web-map pixels) of a commune: area ∝ population; R_UNKNOWN when it is unknown."""
    if population is None or pd.isna(population) or not max_population:
        return R_UNKNOWN
    return R_MIN + R_SPAN * math.sqrt(float(population) / float(max_population))


def commune_marks(data: MapData) -> pd.DataFrame:
    """:func:`~coopdata.analysis.places.commune_frame` with each commune's circle ``colour`` and ``radius``."""
    c = commune_frame(data)
    max_pop = c["population"].astype("Float64").max()
    c["colour"] = c["colour_model"].map(model_colour)
    c["radius"] = [marker_radius(p, max_pop) for p in c["population"]]
    c["ring"] = ~c["prodegol"]  # the ProDeGoL communes (a named group) have one circle, the others two
    return c


def models_in_order(models) -> list[str]:
    """The models present, in the legends' order."""
    present = set(models)
    return [m for m in MODELS if m in present]


def legend_models(models: list[str], lang: str) -> list[tuple[str, str]]:
    """(colour, label) of each model, for a legend."""
    return [(model_colour(m), tr("model." + m, lang)) for m in models]


# ----------------------------------------------------------------------------- labels
def country_name(row, lang: str) -> str:
    return str(row["NAME_FR"] if lang == "fr" else row["NAME"])


def label_points(geoms: dict, avoid_xy=(), texts: dict | None = None, step: float = 0.03, cap: float = 0.5,
                 char_w: float = 0.04, half_h: float = 0.09, avoid_r=None, avoid_boxes=()) -> dict:
    """A label position (lon, lat) inside each geometry, away from the points to avoid.

    Grid search over candidate centres inside the geometry: the label is a box of half-width ``char_w`` ×
    its number of characters and half-height ``half_h`` (degrees, about zoom 6.5–7). Score: the box's
    distance to the nearest point to avoid (capped; minus the points' radius ``avoid_r`` in degrees, if
    given) plus a little of the centre's distance to the boundary, and boxes inside the geometry always
    win over boxes that cross its edge (labels are drawn over the points, with a halo). ``avoid_boxes``
    (min lon, min lat, max lon, max lat: other labels) count as points to avoid, at their box's distance.
    Ties go to the first candidate, so the result is deterministic.
    """
    avoid = np.asarray(list(avoid_xy), dtype=float).reshape(-1, 2)
    radii = np.zeros(len(avoid)) if avoid_r is None else np.asarray(avoid_r, dtype=float)
    boxes_av = np.asarray(list(avoid_boxes), dtype=float).reshape(-1, 4)
    if len(boxes_av):  # a box = its centre, the label's half size grown by the box's own half size
        grow = np.column_stack([(boxes_av[:, 2] - boxes_av[:, 0]) / 2, (boxes_av[:, 3] - boxes_av[:, 1]) / 2])
        centres = np.column_stack([(boxes_av[:, 0] + boxes_av[:, 2]) / 2, (boxes_av[:, 1] + boxes_av[:, 3]) / 2])
    else:
        grow, centres = np.zeros((0, 2)), np.zeros((0, 2))
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
        d_av = np.full(len(gx), cap)
        if len(avoid):
            dx = np.maximum(np.abs(gx[:, None] - avoid[None, :, 0]) - half_w, 0)
            dy = np.maximum(np.abs(gy[:, None] - avoid[None, :, 1]) - half_h, 0)
            d_av = np.minimum(d_av, np.min(np.hypot(dx, dy) - radii[None, :], axis=1))
        if len(centres):
            dx = np.maximum(np.abs(gx[:, None] - centres[None, :, 0]) - half_w - grow[None, :, 0], 0)
            dy = np.maximum(np.abs(gy[:, None] - centres[None, :, 1]) - half_h - grow[None, :, 1], 0)
            d_av = np.minimum(d_av, np.min(np.hypot(dx, dy), axis=1))
        score = np.minimum(d_av, cap) + 0.2 * np.minimum(d_edge, 0.5) + np.where(fits, 10.0, 0.0)
        i = int(np.argmax(score))
        out[key] = (round(float(gx[i]), COORD_DECIMALS), round(float(gy[i]), COORD_DECIMALS))
    return out


#: Where a commune's name may go around its circle, in order of preference.
LABEL_SIDES = ("right", "left", "above", "below", "upper-right", "lower-right", "upper-left", "lower-left")
#: Estimated size of a commune name on the web map (11.5 px bold): pixels per character, line height.
LABEL_CHAR_PX, LABEL_HEIGHT_PX = 7.0, 14.0
#: Zoom levels at which the names should not overlap (the whole country fills a report's map at about 7).
LABEL_ZOOMS = (6.5, 7.0, 7.5)


def _web_px(lon, lat, zoom: float) -> tuple[np.ndarray, np.ndarray]:
    """Web Mercator pixel coordinates at ``zoom`` (y grows southwards, as on screen)."""
    scale = 256 * 2**zoom
    lon, lat = np.asarray(lon, dtype=float), np.radians(np.asarray(lat, dtype=float))
    return (lon + 180) / 360 * scale, (1 - np.log(np.tan(lat) + 1 / np.cos(lat)) / math.pi) / 2 * scale


def label_box(side: str, radius: float, width: float, height: float = LABEL_HEIGHT_PX) -> tuple[float, ...]:
    """(left, top, right, bottom) of a name's box in pixels from its circle's centre, on ``side``."""
    gap, d = 3.0, 0.7 * radius
    horizontal = {"right": (radius + gap, radius + gap + width), "left": (-radius - gap - width, -radius - gap),
                  "above": (-width / 2, width / 2), "below": (-width / 2, width / 2),
                  "upper-right": (d + gap, d + gap + width), "lower-right": (d + gap, d + gap + width),
                  "upper-left": (-d - gap - width, -d - gap), "lower-left": (-d - gap - width, -d - gap)}[side]
    vertical = {"above": (-radius - 1 - height, -radius - 1), "below": (radius + 1, radius + 1 + height),
                "upper-right": (-d - height, -d), "upper-left": (-d - height, -d),
                "lower-right": (d, d + height), "lower-left": (d, d + height)}.get(side, (-height / 2, height / 2))
    return horizontal[0], vertical[0], horizontal[1], vertical[1]


def label_css_transform(side: str, radius: float) -> str:
    """The CSS ``transform`` that puts a name (a box whose top left corner is on the point) on ``side``."""
    left, top, right, _ = label_box(side, radius, 0.0, 0.0)
    x = {"above": "-50%", "below": "-50%"}.get(side) or (
        f"calc(-100% - {-right:.1f}px)" if side.endswith("left") else f"{left:.1f}px")
    y = {"right": "-50%", "left": "-50%"}.get(side) or (
        f"calc(-100% - {-top:.1f}px)" if side in ("above", "upper-right", "upper-left") else f"{top:.1f}px")
    return f"translate({x}, {y})"


def _overlap(a, b) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def commune_label_sides(communes: pd.DataFrame, zooms=LABEL_ZOOMS) -> dict[str, str]:
    """The side of its circle where each commune's name goes (commune_id → one of :data:`LABEL_SIDES`).

    Greedy, largest circles first: each name takes the first side, in order of preference, whose box
    overlaps the fewest names already placed, then the fewest circles, summed over ``zooms``. The page
    hides a name that still overlaps another at the reader's zoom (:func:`coopdata.views.maps.territory_map`).
    ``communes`` needs commune_id, commune, lon, lat and radius (and ring, for a second circle).
    """
    radius, width = _radii_with_rings(communes), _label_widths(communes)
    pts = [_web_px(communes["lon"], communes["lat"], z) for z in zooms]
    order = np.argsort(-radius, kind="stable")
    placed: dict[int, str] = {}
    for i in order:
        best, best_score = LABEL_SIDES[0], math.inf
        for rank, side in enumerate(LABEL_SIDES):
            score = 0.01 * rank
            for x, y in pts:
                box_i = np.add(label_box(side, radius[i], width[i]), (x[i], y[i], x[i], y[i]))
                for j, other in placed.items():
                    box_j = np.add(label_box(other, radius[j], width[j]), (x[j], y[j], x[j], y[j]))
                    score += 10 * _overlap(box_i, box_j)
                for j in range(len(radius)):
                    if j != i:
                        r = radius[j]
                        score += _overlap(box_i, (x[j] - r, y[j] - r, x[j] + r, y[j] + r))
            if score < best_score:
                best, best_score = side, score
        placed[int(i)] = best
    ids = communes["commune_id"].astype(str).tolist()
    return {ids[i]: placed[i] for i in range(len(ids))}


def _radii_with_rings(communes: pd.DataFrame) -> np.ndarray:
    rings = communes["ring"] if "ring" in communes else pd.Series(False, index=communes.index)
    return (communes["radius"].astype(float) + np.where(rings.astype(bool), RING_GAP, 0.0)).to_numpy()


def _label_widths(communes: pd.DataFrame) -> np.ndarray:
    return np.array([LABEL_CHAR_PX * len(str(n)) + 4 for n in communes["commune"]])


def commune_label_boxes(communes: pd.DataFrame, sides: dict[str, str], zoom: float = LABEL_ZOOMS[1]) -> list[tuple]:
    """The box (min lon, min lat, max lon, max lat) of each commune's name at ``zoom``, for the region labels
    to keep clear of."""
    deg_per_px = 360 / (256 * 2**zoom)
    out = []
    for row, r, w in zip(communes.to_dict("records"), _radii_with_rings(communes), _label_widths(communes),
                         strict=True):
        left, top, right, bottom = label_box(sides[str(row["commune_id"])], r, w)
        lon, lat = float(row["lon"]), float(row["lat"])
        k = deg_per_px * math.cos(math.radians(lat))  # a pixel spans fewer degrees of latitude
        out.append((lon + left * deg_per_px, lat - bottom * k, lon + right * deg_per_px, lat - top * k))
    return out


def neighbour_label_points(neighbours, around_bounds, margin: float = 1.0) -> dict:
    """Label positions of the neighbouring countries (not Togo), within ``margin`` degrees of the bounds."""
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


def region_label_points(data: MapData, communes, deg_per_px: float | None = None, label_boxes=()) -> dict:
    """Region label positions away from the commune circles (web scale, or ``deg_per_px`` of a PNG) and, on the
    web map, from the communes' names (``label_boxes``, :func:`commune_label_boxes`)."""
    full = geo.join_regions(data.regions_table[["region_id", "iso_3166_2"]], data.regions_full)
    geoms = dict(zip(full["region_id"], full.geometry, strict=True))
    texts = dict(zip(data.regions_table["region_id"], data.regions_table["region"], strict=True))
    xy = communes[["lon", "lat"]].astype(float).to_numpy()
    if deg_per_px is None:
        return label_points(geoms, xy, texts, char_w=0.05, avoid_boxes=label_boxes)
    radii = [r * deg_per_px for r in communes["radius_pt_png"]]
    return label_points(geoms, xy, texts, char_w=4.2 * deg_per_px, half_h=8 * deg_per_px, avoid_r=radii)


def partner_bounds(data: MapData, links: PartnerLinks, margin: float = PARTNER_MARGIN_DEG) -> tuple:
    """The partner map's box: every commune and partner place drawn (:func:`drawn_bounds`), plus a margin."""
    minx, miny, maxx, maxy = drawn_bounds(data, links)
    return (max(minx - margin, -180.0), max(miny - margin, -90.0), min(maxx + margin, 180.0), min(maxy + margin, 90.0))


def context_clipped(data: MapData, bounds):
    """The partner map's countries, clipped to ``bounds`` (:func:`partner_bounds`), by name."""
    ctx = data.context.clip(box(*bounds))
    return ctx[~ctx.geometry.is_empty].sort_values("ADMIN", kind="mergesort")


def _main_part(geom):
    """The largest polygon of a multipolygon (a country's label goes there: France's in Europe)."""
    parts = getattr(geom, "geoms", None)
    return max(parts, key=lambda g: g.area) if parts else geom


def context_label_points(data: MapData, bounds) -> dict:
    """Label positions of the partner map's countries (not Togo, whose communes are there)."""
    ctx = context_clipped(data, bounds)
    geoms = {r["ISO_A3"]: _main_part(r.geometry) for _, r in ctx.iterrows() if r["ISO_A3"] != "TGO"}
    return label_points(geoms, step=0.1, char_w=0.0, half_h=0.0)


def places_off_context(data: MapData, links: PartnerLinks, bounds) -> list[str]:
    """The partner places drawn where the context countries layer (data/geo) has no land: drawn anyway."""
    ctx = context_clipped(data, bounds)
    if len(links.places) == 0:
        return []
    off = geo.points_off_polygons(links.places["place_lon"], links.places["place_lat"], ctx)
    return [str(p) for p, o in zip(links.places["partner_place"], off, strict=True) if o]


# ----------------------------------------------------------------------------- links
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


def bends(drawn: pd.DataFrame) -> list[float]:
    """The bend of each drawn link: links between the same commune and place curve more and more."""
    seen: dict[tuple, int] = {}
    out = []
    for row in drawn.itertuples():
        key = (row.commune_id, row.partner_place)
        k = seen.get(key, 0)
        seen[key] = k + 1
        out.append(0.08 + 0.07 * k)
    return out


# ----------------------------------------------------------------------------- titles and captions
def territory_title(lang: str, communes: pd.DataFrame, region_name: str | None = None) -> str:
    """The territory map's title, its counts computed from ``communes`` (those shown)."""
    n, others = group_counts(communes)
    if region_name is not None:
        if others:
            return tr("map.territory.title_region_mixed", lang, region=region_name, n=n, others=others)
        return tr("map.territory.title_region", lang, region=region_name)
    if others:
        return tr("map.territory.title_mixed", lang, n=n, others=others)
    return tr("map.territory.title_n", lang, n=n)


def partner_title(data: MapData, lang: str) -> str:
    return tr("map.partner.title_n", lang, n=len(data.communes))


def attribution_line(lang: str) -> str:
    return f"{tr('attribution_ne', lang)}{list_sep(lang)}{tr('attribution_gn', lang)}"


def _later_sources(data: MapData, source_ids, lang: str) -> list[str]:
    titles = source_titles(data, source_ids)
    return [tr("map.sources.later", lang, items="; ".join(titles))] if titles else []


def group_lines(data: MapData, lang: str) -> list[str]:
    """Which communes are the ProDeGoL group and which were added since (nothing when all are the group's)."""
    n, others = group_counts(data.communes)
    if not others:
        return []
    added = data.communes.loc[~data.communes["prodegol"], "commune"].astype(str).tolist()
    names = ", ".join(added[:12]) + (", …" if len(added) > 12 else "")
    return [tr("map.group_note", lang, n=n, others=others, names=names)]


def territory_caption(data: MapData, lang: str) -> list[str]:
    partnerships = data.partnerships[data.partnerships["record_type"] == "partnership"]
    later = _later_sources(data, [*data.communes["source_id"], *partnerships["source_id"]], lang)
    return [tr("map.sources.territory", lang, study=tr("study", lang)), *later, *group_lines(data, lang),
            tr("map.area_method", lang), tr("map.colour_rule", lang), tr("map.points_note", lang),
            attribution_line(lang)]


def partner_caption(data: MapData, links: PartnerLinks, lang: str) -> list[str]:
    study = links.drawn[links.drawn["source_id"].astype(str) == data.study_source]
    sections = list(dict.fromkeys(study["source"].astype(str)))
    lines = [tr("map.sources.partner", lang, study=tr("study", lang), sections="; ".join(sections)),
             *_later_sources(data, links.drawn["source_id"], lang), *group_lines(data, lang),
             tr("map.lines_drawn", lang, n=len(links.drawn), places=len(links.places))]
    off = places_off_context(data, links, partner_bounds(data, links))
    if off:
        lines.append(tr("map.off_context", lang, places=", ".join(off)))
    if len(links.skipped) == 0:
        lines.append(tr("map.skipped.none", lang))
    for reason, grp in links.skipped.groupby("skip_reason", sort=True):
        items = ", ".join(f"{r.partnership_id} {r.partner}" for r in grp.itertuples())
        lines.append(tr("map.skipped", lang, n=len(grp), reason=tr("map.reason." + reason, lang), items=items))
    lines += [tr("map.points_note", lang), attribution_line(lang)]
    return lines


def location_title(commune: dict, lang: str) -> str:
    return tr("map.location.title", lang, commune=commune["commune"], region=commune["region"])


def location_caption(data: MapData, commune: dict, lang: str) -> list[str]:
    """Source lines of the commune location map: the commune row's source and where its point comes from
    (the attributions are added by each form)."""
    if str(commune.get("source_id")) == data.study_source:
        lines = [tr("map.sources.location", lang, study=tr("study", lang))]
    else:
        titles = source_titles(data, [commune.get("source_id")])
        where = "" if pd.isna(commune.get("source")) else f", {commune['source']}"
        lines = [tr("map.sources.location_other", lang, source=(titles or [str(commune.get("source_id"))])[0] + where)]
    if commune.get("point_basis") == "row":
        lines.append(tr("map.point.row", lang))
    else:
        lines.append(tr("map.point.urban_centre", lang, place=commune.get("urban_centre")))
    return [*lines, tr("map.points_note", lang)]
