"""Static PNG twins of the interactive maps (:mod:`coopdata.views.maps`), drawn with matplotlib.

:func:`territory_png`, :func:`partner_png` and :func:`commune_location_png` show the same layers, legend and
source lines as :func:`~coopdata.views.maps.territory_map`, :func:`~coopdata.views.maps.partner_map` and
:func:`~coopdata.views.maps.commune_location_map`; a PNG has no date nor software version in it, so two runs
give the same bytes. Figures are built on their own Agg canvas (no pyplot, no global state).
"""

from __future__ import annotations

import io
import math
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.legend_handler import HandlerTuple
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MPath

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
from coopdata.core.io import write_bytes_atomic
from coopdata.views import map_content as mc
from coopdata.views.style import (
    CONFLICT_COLOUR,
    NEIGHBOUR_FILL,
    NO_MODEL_COLOUR,
    REGION_FILL_DEFAULT,
    REGION_FILLS,
    SEA_COLOUR,
    colon,
    fmt_int,
    fmt_num,
    model_colour,
)

PNG_DPI = 150


# ----------------------------------------------------------------------------- figure and axes
def _new_figure(figsize) -> Figure:
    """A matplotlib Figure with its own Agg canvas: no pyplot, no global state, nothing to close."""
    fig = Figure(figsize=figsize, dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _save_png(fig, path) -> Path:
    """Save atomically; no date nor software version in the PNG, so two runs give the same bytes. The image is
    cropped to what is drawn, so a caption longer than planned (many sources, communes) is never cut off."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=PNG_DPI, metadata={"Software": None}, bbox_inches="tight", pad_inches=0.15)
    return write_bytes_atomic(path, buf.getvalue())
def _geom_path(geom):
    """A matplotlib Path of a (multi)polygon's rings (holes included)."""
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


def _legend(fig, entries, **kw):
    """A figure legend of ``entries`` (kind, colour, label[, marker size]); a "ring" is a circle in a circle."""
    handles = _legend_handles(entries)
    return fig.legend(handles=handles, labels=[e[2] for e in entries], handler_map={tuple: HandlerTuple(ndivide=1)},
                      **kw)


def _bottom(fig, artist) -> float:
    """The lower edge of an artist, as a fraction of the figure's height."""
    return artist.get_window_extent(fig.canvas.get_renderer()).y0 / fig.bbox.height


def _legend_handles(entries):
    handles = []
    for kind, colour, label, *size in entries:
        ms = size[0] if size else 9
        if kind == "ring":
            handles.append((Line2D([], [], marker="o", ls="", markersize=ms + 5, markerfacecolor="none",
                                   markeredgecolor="#222222", markeredgewidth=0.8),
                            Line2D([], [], marker="o", ls="", markersize=ms, markerfacecolor=colour,
                                   markeredgecolor="#222222")))
        elif kind == "dot":
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


def _ring(ax, x: float, y: float, radius_pt: float) -> None:
    """The second circle of a commune outside the ProDeGoL group (``radius_pt``: its own circle's radius)."""
    ax.scatter([x], [y], s=(2 * (radius_pt + _radius_pt(mc.RING_GAP))) ** 2, facecolors="none",
               edgecolors="#222222", linewidths=0.8, zorder=5)


def _group_entries(communes, lang: str) -> list[tuple]:
    n, others = group_counts(communes)
    if not others:
        return []
    return [("dot", "#FFFFFF", tr("map.legend.prodegol", lang, n=n)),
            ("ring", "#FFFFFF", tr("map.legend.other", lang, n=others))]


def _population_entries(communes, lang: str) -> list[tuple]:
    status = set(communes["population_status"])
    return [("hollow", "#555555", tr(key, lang))
            for code, key in (("unreadable", "map.legend.unreadable"), ("not_given", "map.legend.pop_not_given"))
            if code in status]


def territory_png(path, lang: str = "fr", region=None, data_dir: PathLike = None) -> Path:
    """Static PNG of :func:`territory_map` (same layers, legend and sources); byte-identical across runs."""
    check_lang(lang)
    data = load_map_data(data_dir)
    region_id = map_region_id(data, region)
    regs = region_frame(data)
    region_names = regs.set_index("region_id")["region"]
    communes = mc.commune_marks(data)
    full = geo.join_regions(data.regions_table, data.regions_full).set_index("region_id")

    fig = _new_figure((10, 10))
    bounds = full.total_bounds if region_id is None else full.loc[[region_id]].total_bounds
    ax, k = _map_axes(fig, [0.03, 0.15, 0.55, 0.77], bounds)
    neigh = data.neighbours[data.neighbours["ISO_A3"] != "TGO"]
    _draw(ax, neigh, NEIGHBOUR_FILL, "#9A9A9A", 0.6)
    for row in regs.to_dict("records"):
        rid = row["region_id"]
        dim = region_id is not None and rid != region_id
        _draw(ax, full.loc[[rid]], REGION_FILLS.get(rid, REGION_FILL_DEFAULT), "white", 1.2, alpha=0.45 if dim else 1.0)
    _draw(ax, data.country, edgecolor="#333333", linewidth=1.2, zorder=2)
    for row in regs[regs["flagged"]].to_dict("records"):
        _draw(ax, full.loc[[row["region_id"]]], edgecolor=CONFLICT_COLOUR, linewidth=1.6, linestyle=(0, (5, 3)),
              zorder=3)
    fixed = []
    x0, x1 = ax.get_xlim()
    deg_per_pt = (x1 - x0) / (0.55 * fig.get_figwidth() * 72)
    communes["radius_pt_png"] = [_radius_pt(r) for r in communes["radius"]]
    for rid, (x, y) in mc.region_label_points(data, communes, deg_per_pt).items():
        fixed.append(ax.text(x, y, region_names[rid], ha="center", va="center",
                             fontsize=10, color="#555555", fontweight="bold", zorder=8,
                             path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")]))
    names = data.neighbours.set_index("ISO_A3")
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    for iso, (x, y) in mc.neighbour_label_points(data.neighbours, data.country.total_bounds).items():
        if x0 < x < x1 and y0 < y < y1:
            fixed.append(ax.text(x, y, mc.country_name(names.loc[iso], lang), ha="center", fontsize=9,
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
        if row["ring"]:
            _ring(ax, x, y, _radius_pt(row["radius"]))
    _finish_axes(ax, k)
    circles = [(float(r["lon"]), float(r["lat"]), _radius_pt(r["radius"] + (mc.RING_GAP if r["ring"] else 0)))
               for r in communes.to_dict("records")]
    _place_labels(fig, ax, [{"x": c[0], "y": c[1], "r": c[2], "text": name, "fontsize": 8.5}
                            for c, name in zip(circles, communes["commune"], strict=True)], circles, fixed)
    shown = communes if region_id is None else communes[communes["region_id"] == region_id]
    fig.suptitle(mc.territory_title(lang, shown, None if region_id is None else region_names[region_id]),
                 fontsize=14, y=0.975)

    entries = [("dot", c, label) for c, label in mc.legend_models(mc.models_in_order(communes["colour_model"].dropna()),
                                                                 lang)]
    if communes["colour_model"].isna().any():
        entries.append(("dot", NO_MODEL_COLOUR, tr("map.legend.none", lang)))
    entries += _group_entries(communes, lang)
    entries += _population_entries(communes, lang)
    if regs["flagged"].any():
        entries.append(("dashed", CONFLICT_COLOUR, "\n".join(textwrap.wrap(
            tr("map.legend.flagged", lang, pct=fmt_num(geo.AREA_TOLERANCE_PCT, lang, 0)), 40))))
    entries.append(("text", "", "\n".join(textwrap.wrap(tr("map.legend.size", lang), 40))))
    legend = _legend(fig, entries, loc="upper left", bbox_to_anchor=(0.6, 0.92), fontsize=9,
                     title="\n".join(textwrap.wrap(tr("map.legend.model", lang), 40)), title_fontsize=9.5,
                     frameon=False, alignment="left", labelspacing=0.9)
    top = min(0.67, _bottom(fig, legend) - 0.01)  # the size samples and the areas go below the legend
    _size_axes(fig, [0.61, top - 0.08, 0.36, 0.08], communes, lang)
    # Region areas, printed vs computed (the content of the web map's region popups).
    head = f"{tr('map.area_printed', lang)} / {tr('map.area_computed', lang)}"
    lines = [head]
    for row in regs.to_dict("records"):
        flag = f"  ⚠ {row['conflict_id'] or ''}" if row["flagged"] else ""
        lines.append(f"{row['region']}{colon(lang)}{fmt_int(row['area_printed_km2'], lang)} / "
                     f"{fmt_int(row['area_computed_km2'], lang)} ({fmt_num(row['diff_pct'], lang, 1, True)} %){flag}")
    fig.text(0.61, top - 0.13, "\n".join(textwrap.fill(t, 46) for t in lines), fontsize=8.5, va="top",
             linespacing=1.5)
    fig.text(0.03, 0.13, _caption_text(mc.territory_caption(data, lang), 128), fontsize=7.8, va="top", color="#333333",
             linespacing=1.4)
    return _save_png(fig, path)


def _size_axes(fig, rect, communes, lang: str) -> None:
    """Reference circles for mc.SIZE_SAMPLES populations, at the map's scale."""
    sax = fig.add_axes(rect)
    sax.set_axis_off()
    max_pop = communes["population"].astype("Float64").max()
    sax.set_xlim(0, 1)
    sax.set_ylim(0, 1)
    for i, pop in enumerate(mc.SIZE_SAMPLES):
        x = 0.1 + i * 0.3
        sax.scatter([x], [0.6], s=_scatter_size(mc.marker_radius(pop, max_pop)), c="#FFFFFF", edgecolors="#222222",
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
    bounds = mc.partner_bounds(data, links)
    ctx = mc.context_clipped(data, bounds)
    fig = _new_figure((10, 11))
    ax, k = _map_axes(fig, [0.03, 0.2, 0.56, 0.73], drawn_bounds(data, links), pad=0.06)
    inset, k_in = _map_axes(fig, [0.64, 0.2, 0.33, 0.36], data.country.total_bounds, pad=0.03)
    for a in (ax, inset):
        for row in ctx.itertuples():
            togo = row.ISO_A3 == "TGO"
            _draw(a, [row.geometry], "#FBF3DC" if togo else NEIGHBOUR_FILL, "#8A8A8A", 0.6)
        for row, bend in zip(links.drawn.to_dict("records"), mc.bends(links.drawn), strict=True):
            pts = np.array(mc.arc(float(row["commune_lat"]), float(row["commune_lon"]), float(row["place_lat"]),
                               float(row["place_lon"]), bend, n=48))
            lead = row["record_type"] != "partnership"
            a.plot(pts[:, 1], pts[:, 0], color=model_colour(str(row["model"])),
                   lw=1.6 if a is ax else 1.2, ls=(0, (4, 3)) if lead else "-", alpha=0.9, zorder=3)
        a.scatter(data.communes["lon"].astype(float), data.communes["lat"].astype(float), s=10 if a is ax else 14,
                  c="#222222", zorder=5)
        a.scatter(links.places["place_lon"].astype(float), links.places["place_lat"].astype(float), s=22,
                  c="white", edgecolors="#333333", linewidths=0.8, zorder=5)
    for r in data.communes[~data.communes["prodegol"]].itertuples():
        _ring(inset, float(r.lon), float(r.lat), math.sqrt(14) / 2)
    fixed = []
    names = data.context.set_index("ISO_A3")
    axbox = ax.get_window_extent(fig.canvas.get_renderer())
    for iso, (x, y) in mc.context_label_points(data, bounds).items():
        label = ax.text(x, y, mc.country_name(names.loc[iso], lang), ha="center", fontsize=9, color="#8A8A8A",
                        style="italic")
        b = label.get_window_extent(fig.canvas.get_renderer())
        if b.x0 < axbox.x0 or b.x1 > axbox.x1 or b.y0 < axbox.y0 or b.y1 > axbox.y1:
            label.remove()  # a name that would stick out of the map
        else:
            fixed.append(label)
    _finish_axes(ax, k)
    _finish_axes(inset, k_in)
    inset.set_title(tr("map.togo", lang), fontsize=9)
    x0, x1 = inset.get_xlim()
    y0, y1 = inset.get_ylim()
    ax.add_patch(Rectangle(
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
    fig.suptitle(mc.partner_title(data, lang), fontsize=13.5, y=0.975)
    models = mc.models_in_order(links.drawn["model"].astype(str))
    entries = [("solid", c, label) for c, label in mc.legend_models(models, lang)]
    entries += [("solid", "#444444", tr("map.legend.partnership", lang)),
                ("dashed", "#444444", tr("map.legend.lead", lang)),
                ("dot", "#222222", tr("map.legend.commune", lang), 6),
                ("dot", "#FFFFFF", tr("map.legend.place", lang), 7), *_group_entries(data.communes, lang)]
    _legend(fig, entries, loc="upper left", bbox_to_anchor=(0.62, 0.93), fontsize=8.5,
               title=tr("model_of_cooperation", lang), title_fontsize=9.5, frameon=False, alignment="left")
    fig.text(0.03, 0.175, _caption_text(mc.partner_caption(data, links, lang), 135), fontsize=7.5, va="top",
             color="#333333", linespacing=1.4)
    return _save_png(fig, path)


def commune_location_png(path, commune_id: str, lang: str = "fr", data_dir: PathLike = None) -> Path:
    """Static PNG of :func:`commune_location_map`; byte-identical across runs."""
    check_lang(lang)
    data = load_map_data(data_dir)
    com = commune_record(data, commune_id)
    c = mc.commune_marks(data).set_index("commune_id").loc[commune_id]
    full = geo.join_regions(data.regions_table, data.regions_full)
    fig = _new_figure((4.6, 6.4))
    ax, k = _map_axes(fig, [0.03, 0.17, 0.94, 0.75], full.total_bounds, pad=0.05)
    _draw(ax, data.neighbours[data.neighbours["ISO_A3"] != "TGO"], NEIGHBOUR_FILL, "#9A9A9A", 0.5)
    own = full["region_id"] == com["region_id"]
    _draw(ax, full[~own], REGION_FILL_DEFAULT, "white", 1.0)
    _draw(ax, full[own], "#F9D98B", "white", 1.0)
    _draw(ax, data.country, edgecolor="#333333", linewidth=1.0, zorder=2)
    x, y = float(com["lon"]), float(com["lat"])
    ax.scatter([x], [y], s=70, c=[c["colour"]], edgecolors="#222222", linewidths=1, zorder=5)
    r = 5.0  # the label's distance (points) from the point: beyond the circle (s=70: radius 4.2 pt)
    if c["ring"]:
        _ring(ax, x, y, math.sqrt(70) / 2)
        r += _radius_pt(mc.RING_GAP)
    _finish_axes(ax, k)
    _place_labels(fig, ax, [{"x": x, "y": y, "r": r, "text": com["commune"], "fontsize": 9,
                             "style": {"fontweight": "bold"}}], [(x, y, r)])
    fig.suptitle(mc.location_title(com, lang), fontsize=11, y=0.975)
    lines = [*mc.location_caption(data, com, lang), tr("attribution_ne", lang), tr("attribution_gn", lang)]
    fig.text(0.04, 0.15, _caption_text(lines, 72), fontsize=6.6, va="top", color="#333333")
    return _save_png(fig, path)
