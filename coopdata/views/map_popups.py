"""The HTML inside the interactive maps: popups, legends and captions.

Every text taken from the data is escaped (:func:`coopdata.core.text.esc`) before it reaches a popup,
tooltip, legend or caption; :mod:`coopdata.views.offline` then passes the HTML to Leaflet as JSON strings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coopdata.analysis import geography as geo
from coopdata.analysis.places import MapData, region_frame
from coopdata.core.i18n import check_lang, tr
from coopdata.core.text import esc
from coopdata.views.map_content import SIZE_SAMPLES, commune_marks, marker_radius
from coopdata.views.style import CONFLICT_COLOUR, colon, fmt_int, fmt_num

_SMALL = "font-size:11px;color:#555"
_LIST = "margin:2px 0 0 16px;padding:0"


def _kv(label: str, value_html: str) -> str:
    th = "text-align:left;padding-right:6px;vertical-align:top"
    return f"<tr><th style='{th}'>{esc(label)}</th><td>{value_html}</td></tr>"


def _given(value_html: str, lang: str) -> str:
    """The value, or « non renseigné » in italics when no source gives it."""
    return value_html if value_html else f"<i>{esc(tr('profile.not_given', lang))}</i>"


def _year_text(start_year, lang: str) -> str:
    return tr("since", lang, year=int(start_year)) if not pd.isna(start_year) else tr("map.year_unknown", lang)


# ----------------------------------------------------------------------------- popups
def region_popup(row: dict, lang: str) -> str:
    """HTML of a region's popup (every value escaped)."""
    pct = fmt_num(geo.AREA_TOLERANCE_PCT, lang, 0)
    diff = f"{fmt_num(row['diff_km2'], lang, 0, signed=True)} km² ({fmt_num(row['diff_pct'], lang, 1, signed=True)} %)"
    if row["flagged"]:
        conflict = f" ({tr('col.conflict_id', lang)} {row['conflict_id']})" if row.get("conflict_id") else ""
        flag = esc(tr("map.flag_text", lang, pct=pct, conflict=conflict))
        diff += f"<br><b style='color:{CONFLICT_COLOUR}'>⚠ {flag}</b>"
    return (
        f"<b>{esc(tr('region', lang))} {esc(row['region'])}</b>"
        "<table style='font-size:12px;margin-top:4px'>"
        + _kv(tr("map.iso", lang), esc(row["iso_3166_2"]))
        + _kv(tr("map.prefectures", lang), esc(fmt_int(row["prefectures_count"], lang)))
        + _kv(tr("map.communes_all", lang), esc(fmt_int(row["communes_count"], lang)))
        + _kv(tr("map.communes_prodegol", lang), esc(fmt_int(row["prodegol_count"], lang)))
        + (_kv(tr("map.communes_other", lang), esc(fmt_int(row["other_count"], lang))) if row.get("other_count")
           else "")
        + _kv(tr("map.area_printed", lang), esc(fmt_int(row["area_printed_km2"], lang)))
        + _kv(tr("map.area_computed", lang), esc(fmt_int(row["area_computed_km2"], lang)))
        + _kv(tr("map.diff_km2", lang).split(" (")[0], diff)
        + "</table>"
        + f"<div style='{_SMALL};margin-top:4px'>{esc(tr('map.area_method', lang))}</div>"
    )


def _partner_line(p, lang: str) -> str:
    model = tr("model." + str(p["model"]), lang)
    return f"{esc(p['partner'])} — {esc(model)}, {esc(_year_text(p['start_year'], lang))}"


def _text(value) -> str:
    return "" if value is None or pd.isna(value) else str(value).strip()


def cite(source_id, source, study_source: str | None) -> str:
    """Where a row comes from: its ``source`` (a section of the study), prefixed with its source id when
    the row comes from another source than the study (« S012, article ?p=17549 »)."""
    where, sid = _text(source), _text(source_id)
    if not sid or sid == study_source or study_source is None:
        return where
    return f"{sid}, {where}" if where else sid


def _mayor_html(commune: dict, lang: str) -> str:
    mayor = _text(commune.get("mayor"))
    years = [_text(commune.get(k)) for k in ("term_start", "term_end")]
    term = "–".join(y for y in years if y)
    return esc(f"{mayor} ({term})" if mayor and term else mayor)


def commune_popup(commune: dict, partnerships: pd.DataFrame, lang: str, colour_model: str | None = None,
                  study_source: str | None = None) -> str:
    """HTML of a commune's popup: group, population, area, density, mayor, partners and start years (all escaped).

    A field no source gives (a commune added from another source than the study) reads « non renseigné »."""
    check_lang(lang)
    cid = commune["commune_id"]
    own = partnerships[partnerships["commune_id"] == cid]
    if not pd.isna(commune.get("population")):
        pop = esc(fmt_int(commune["population"], lang))
    elif _text(commune.get("population_printed")):
        pop = f"<i>{esc(tr('map.pop_unreadable', lang, printed=_text(commune.get('population_printed'))))}</i>"
    else:
        pop = ""
    density = fmt_num(commune.get("density_per_km2"), lang, 1)
    prodegol = commune.get("prodegol")
    group = "" if prodegol is None or pd.isna(prodegol) else tr("map.group." + ("prodegol" if prodegol else "other"),
                                                                   lang)
    rows = (
        (_kv(tr("overview.group", lang), esc(group)) if group else "")
        + _kv(tr("region", lang), _given(esc(_text(commune.get("region"))), lang))
        + _kv(tr("prefecture", lang), _given(esc(_text(commune.get("prefecture"))), lang))
        + _kv(tr("urban_centre", lang), _given(esc(_text(commune.get("urban_centre"))), lang))
        + _kv(tr("population", lang), _given(pop, lang))
        + _kv(tr("area_km2", lang), _given(esc(fmt_int(commune.get("area_km2"), lang)), lang))
        + _kv(tr("density", lang), esc(density) if density else "—")
        + _kv(tr("profile.mayor", lang), _given(_mayor_html(commune, lang), lang))
    )
    if colour_model:
        rows += _kv(tr("map.colour_model", lang), esc(tr("model." + colour_model, lang)))
    parts = own[own["record_type"] == "partnership"].copy()
    parts["_y"] = parts["start_year"].astype("Float64").fillna(np.inf).astype(float)
    parts = parts.sort_values(["_y", "partnership_id"], kind="mergesort")
    items = "".join(f"<li>{_partner_line(p, lang)}</li>" for _, p in parts.iterrows())
    html_ = f"<b>{esc(commune['commune'])}</b><table style='font-size:12px;margin-top:4px'>{rows}</table>"
    html_ += f"<div style='margin-top:4px'><b>{esc(tr('partnerships', lang))}</b>"
    html_ += f"<ul style='{_LIST}'>{items}</ul></div>" if items else " —</div>"
    leads = own[own["record_type"] == "lead"].sort_values("partnership_id")
    if len(leads):
        li = "".join(f"<li>{esc(p['partner'])} — {esc(tr('model.' + str(p['model']), lang))}</li>"
                     for _, p in leads.iterrows())
        html_ += f"<div><b>{esc(tr('map.leads', lang))}</b><ul style='{_LIST}'>{li}</ul></div>"
    cites = [cite(commune.get("source_id"), commune.get("source"), study_source),
             *(cite(p.get("source_id"), p.get("source"), study_source) for p in parts.to_dict("records"))]
    src = "; ".join(dict.fromkeys(c for c in cites if c))
    html_ += f"<div style='{_SMALL};margin-top:4px'>{esc(tr('col.source', lang))}{colon(lang)}{esc(src)}</div>"
    return html_


def link_popup(row: dict, lang: str, study_source: str | None = None) -> str:
    """HTML of a partnership line's popup: model, start year, place and source (all escaped)."""
    basis = row.get("partner_place_basis")
    basis_txt = tr("place_basis." + str(basis), lang) if isinstance(basis, str) else ""
    return (
        f"<b>{esc(row['commune'])} → {esc(row['partner'])}</b>"
        "<table style='font-size:12px;margin-top:4px'>"
        + _kv(tr("model_of_cooperation", lang), esc(tr("model." + str(row["model"]), lang)))
        + _kv(tr("start_year", lang), esc(_year_text(row["start_year"], lang)))
        + _kv(tr("map.place", lang), f"{esc(row['partner_place'])} ({esc(basis_txt)})")
        + _kv("", esc(tr("record_type." + str(row["record_type"]), lang)) + f" {esc(row['partnership_id'])}")
        + "</table>"
        + f"<div style='{_SMALL}'>{esc(tr('col.source', lang))}{colon(lang)}"
        f"{esc(cite(row.get('source_id'), row.get('source'), study_source))}</div>"
    )


def place_popup(place: dict, drawn: pd.DataFrame, lang: str) -> str:
    """HTML of a partner place's popup: the partners there and their communes."""
    here = drawn[drawn["partner_place"] == place["partner_place"]]
    items = "".join(f"<li>{esc(r.partner)} ← {esc(r.commune)}</li>" for r in here.itertuples())
    return (f"<b>{esc(place['partner_place'])}</b><div>{esc(tr('map.partners_here', lang))}</div>"
            f"<ul style='{_LIST}'>{items}</ul>")


# ----------------------------------------------------------------------------- rows with their popups
def region_rows(data: MapData, lang: str) -> pd.DataFrame:
    """:func:`~coopdata.analysis.places.region_frame` with each region's popup HTML."""
    out = region_frame(data)
    out["popup"] = [region_popup(row, lang) for row in out.to_dict("records")]
    return out


def commune_rows(data: MapData, lang: str) -> pd.DataFrame:
    """:func:`~coopdata.views.map_content.commune_marks` with each commune's popup HTML."""
    c = commune_marks(data)
    c["popup"] = [
        commune_popup(row, data.partnerships, lang, row["colour_model"] if isinstance(row["colour_model"], str)
                      else None, data.study_source)
        for row in c.to_dict("records")
    ]
    return c


# ----------------------------------------------------------------------------- legends and captions
def legend_html(title: str, items: list[str]) -> str:
    return f"<h4>{esc(title)}</h4>" + "".join(f"<div>{i}</div>" for i in items)


def swatch(colour: str, hollow: bool = False) -> str:
    style = f"border:2px dashed {colour};background:none" if hollow else f"background:{colour}"
    return f"<span class='sw' style='{style}'></span>"


def line_swatch(colour: str, dashed: bool) -> str:
    return f"<span class='ln' style='border-top:3px {'dashed' if dashed else 'solid'} {colour}'></span>"


def size_samples(communes, lang: str) -> str:
    """Reference circles for SIZE_SAMPLES populations, at the map's scale (inline SVG)."""
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


def caption_html(title: str, lines: list[str]) -> str:
    return f"<b>{esc(title)}</b><br>" + "<br>".join(esc(line) for line in lines)
