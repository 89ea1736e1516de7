"""The regions, communes and partner places behind the maps: frames in, frames out, nothing drawn.

- :func:`load_map_data` reads every table and layer a map needs (:class:`MapData`);
- :func:`resolve_region` / :func:`region_id` turn a notebook's ``region`` parameter into a region_id;
- :func:`commune_models` applies the colour rule: a commune takes the model of its *earliest* Tableau n°01
  partnership (``record_type == "partnership"``, smallest ``start_year`` as printed, then smallest
  ``partnership_id``), and lists every model of its Tableau n°01 rows;
- :func:`region_frame` / :func:`commune_frame`: one row per region / commune with what the maps show;
- :func:`partner_links`: partnerships joined to the GeoNames places, split into drawn and skipped rows;
  :func:`drawn_bounds` is the box of everything the partner map draws (from the data, never a constant);
- :func:`group_counts`: the ProDeGoL communes (the study's named group) and the others, counted;
- :func:`source_titles`: the sources cited by rows, other than the study, for the captions;
- :func:`territory_facts`: the counts and extremes a report's key points state (numbers, no words);
- :func:`region_table` / :func:`commune_table`: the same, with translated headers and no codes, for readers.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from coopdata.analysis import geography as geo
from coopdata.core.i18n import check_lang, tr
from coopdata.data import loaders as L
from coopdata.data.description import read_descriptor, study_source_id

PathLike = str | os.PathLike | None


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
    sources: pd.DataFrame
    study_source: str


def load_map_data(data_dir: PathLike = None) -> MapData:
    """Every table and layer the maps draw, and the printed vs computed region areas."""
    regions_table = L.load_regions(data_dir)
    regions_full = L.load_layer("regions", data_dir)
    communes = L.load_communes(data_dir)
    communes["prodegol"] = communes["prodegol"].fillna(False).astype(bool)
    return MapData(
        regions_table=regions_table,
        regions_full=regions_full,
        regions_simplified=L.load_layer("regions_simplified", data_dir),
        country=L.load_layer("country", data_dir),
        neighbours=L.load_layer("neighbours", data_dir),
        context=L.load_layer("context", data_dir),
        places=L.load_layer("places", data_dir),
        communes=communes,
        partnerships=L.load_partnerships(data_dir),
        conflicts=L.load_conflicts(data_dir),
        comparison=geo.region_area_comparison(regions_table, regions_full),
        sources=L.load_table("sources", data_dir),
        study_source=study_source_id(read_descriptor(data_dir)),
    )


# ----------------------------------------------------------------------------- region parameter
def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    for word in ("region", "de la", "des", "du", "de", "la", "'", "’", "-", "_"):
        text = text.replace(word, " ")
    return "".join(text.split())


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


def region_aliases(data: MapData) -> dict[str, str]:
    """Natural Earth's region names (e.g. « Centre ») → region_id, joined on the ISO 3166-2 code."""
    table = data.regions_table.set_index("iso_3166_2")["region_id"]
    return {str(r["name_ne"]): table[r["iso_3166_2"]] for _, r in data.regions_full.iterrows()
            if r["iso_3166_2"] in table.index}


def map_region_id(data: MapData, region) -> str | None:
    """:func:`resolve_region` with the regions and aliases of ``data``."""
    return resolve_region(region, data.regions_table, region_aliases(data))


def region_id(region, data_dir: PathLike = None) -> str | None:
    """The region_id meant by a notebook's ``region`` parameter ('' = whole country), or a ValueError."""
    return map_region_id(load_map_data(data_dir), region)


def region_name(region_id: str | None, data_dir: PathLike = None) -> str | None:
    """The name of a region (« Plateaux ») from its region_id; None for None (the whole country)."""
    if region_id is None:
        return None
    return str(L.load_regions(data_dir).set_index("region_id").loc[region_id, "region"])


# ----------------------------------------------------------------------------- regions and communes
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


def _conflict_for_region(conflicts: pd.DataFrame, region_id: str) -> str | None:
    c = conflicts[(conflicts["field"] == "regions.area_km2")]
    for row in c.itertuples():
        ids = str(row.record_ids).split(";") if not pd.isna(row.record_ids) else []
        if region_id in ids:
            return str(row.conflict_id)
    return None


def region_frame(data: MapData) -> pd.DataFrame:
    """One row per region (table order): table values, printed vs computed area, flag and conflict id."""
    cmp_ = data.comparison.set_index("region_id")
    group = data.communes["prodegol"]
    prodegol = data.communes[group].groupby("region_id").size()
    others = data.communes[~group].groupby("region_id").size()
    rows = []
    for r in data.regions_table.itertuples():
        c = cmp_.loc[r.region_id]
        conflict = _conflict_for_region(data.conflicts, r.region_id) if bool(c["flagged"]) else None
        rows.append({
            "region_id": r.region_id, "region": r.region, "iso_3166_2": r.iso_3166_2,
            "prefectures_count": r.prefectures_count, "communes_count": r.communes_count,
            "prodegol_count": int(prodegol.get(r.region_id, 0)), "other_count": int(others.get(r.region_id, 0)),
            "area_printed_km2": c["area_printed_km2"], "area_computed_km2": c["area_computed_km2"],
            "diff_km2": c["diff_km2"], "diff_pct": c["diff_pct"], "flagged": bool(c["flagged"]),
            "conflict_id": conflict,
        })
    return pd.DataFrame(rows)


def population_status(population, printed) -> str:
    """"known"; "unreadable" (a number is printed but cannot be read: Kloto 1); "not_given" (no source gives it)."""
    if not pd.isna(population):
        return "known"
    return "not_given" if pd.isna(printed) or not str(printed).strip() else "unreadable"


def commune_frame(data: MapData) -> pd.DataFrame:
    """The communes (table order) with colour model, all models, population status, inside-its-region check
    and number of partnerships (``record_type == "partnership"``, from the study or a later source)."""
    models = commune_models(data.partnerships).set_index("commune_id")
    check = geo.commune_region_check(data.communes, data.regions_full, data.regions_table).set_index("commune_id")
    c = data.communes.copy()
    c["colour_model"] = c["commune_id"].map(models["colour_model"]).astype("object")
    c["models"] = c["commune_id"].map(models["models"])
    c["population_known"] = c["population"].notna()
    c["population_status"] = [population_status(p, t) for p, t in zip(c["population"], c["population_printed"],
                                                                      strict=True)]
    c["inside_region"] = c["commune_id"].map(check["inside"]).astype(bool)
    c["n_partnerships"] = c["commune_id"].map(
        data.partnerships[data.partnerships["record_type"] == "partnership"].groupby("commune_id").size()
    ).fillna(0).astype(int)
    return c


def commune_record(data: MapData, commune_id: str) -> dict:
    """One commune's row as a dict; an unknown commune_id raises a ValueError listing the valid ones."""
    ids = data.communes["commune_id"].astype(str).tolist()
    if commune_id not in ids:
        raise ValueError(f"unknown commune_id {commune_id!r}; valid: {', '.join(ids)}")
    return data.communes[data.communes["commune_id"] == commune_id].iloc[0].to_dict()


def group_counts(communes: pd.DataFrame) -> tuple[int, int]:
    """(ProDeGoL communes, other communes) among ``communes`` (its ``prodegol`` column)."""
    group = communes["prodegol"].fillna(False).astype(bool)
    return int(group.sum()), int((~group).sum())


def source_titles(data: MapData, source_ids, max_chars: int = 70) -> list[str]:
    """« S012 title (date) » of each source id cited (first-seen order, the study left out); a title longer than
    ``max_chars`` is cut (data/sources.csv has it whole)."""
    table = data.sources.set_index("source_id")
    out = []
    for sid in dict.fromkeys(str(s) for s in source_ids if not pd.isna(s)):
        if sid == data.study_source or sid not in table.index:
            continue
        row = table.loc[sid]
        title = str(row["title"])
        title = title if len(title) <= max_chars else title[:max_chars - 1].rstrip() + "…"
        out.append(f"{sid} {title}" + ("" if pd.isna(row["date"]) else f" ({row['date']})"))
    return out


# ----------------------------------------------------------------------------- key figures
def _extremes(values: pd.Series, names: pd.Series) -> tuple[tuple[str, float], tuple[str, float]] | None:
    """((name, value) of the largest, (name, value) of the smallest) known value; ties go to table order."""
    known = values.astype("Float64").dropna()
    if known.empty:
        return None
    top, low = known.astype(float).idxmax(), known.astype(float).idxmin()
    return (str(names[top]), float(known[top])), (str(names[low]), float(known[low]))


def territory_facts(data: MapData, region_id: str | None = None) -> dict:
    """The figures a territory report states, for the whole country or one region (``region_id``).

    Keys: ``regions`` (regions in the table), ``regions_with_communes``, ``communes`` / ``prodegol`` /
    ``others`` (communes of the area, by group), ``total_communes`` (all communes of the data), ``names``
    (communes of the area, table order), ``population`` and ``density`` (the extremes as
    ``((name, value), (name, value))``, or None), ``population_known`` (how many),
    ``population_unreadable`` and ``population_not_given`` (names), ``area_km2`` (sum of the communes'
    areas given), ``area_known`` (how many), ``territory_km2`` (computed area of the country or the
    region), ``flagged`` (regions of the area whose printed area is flagged: dicts of region,
    area_printed_km2, area_computed_km2, diff_pct, conflict_id).
    """
    c = commune_frame(data)
    regs = region_frame(data)
    if region_id is not None:
        c = c[c["region_id"] == region_id]
        regs = regs[regs["region_id"] == region_id]
    prodegol, others = group_counts(c)
    pops = c["population"].astype("Float64")
    density = c["density_per_km2"].astype("Float64")
    area = pd.to_numeric(c["area_km2"], errors="coerce")
    return {
        "regions": len(regs),
        "regions_with_communes": int(c["region_id"].nunique()),
        "communes": len(c), "prodegol": prodegol, "others": others,
        "total_communes": len(data.communes),
        "names": c["commune"].astype(str).tolist(),
        "population": _extremes(pops, c["commune"]),
        "population_known": int(pops.notna().sum()),
        "population_unreadable": c.loc[(c["population_status"] == "unreadable").to_numpy(), "commune"].astype(str)
        .tolist(),
        "population_not_given": c.loc[(c["population_status"] == "not_given").to_numpy(), "commune"].astype(str)
        .tolist(),
        "density": _extremes(density, c["commune"]),
        "area_km2": float(area.sum()), "area_known": int(area.notna().sum()),
        "territory_km2": float(regs["area_computed_km2"].sum()),
        "flagged": regs.loc[regs["flagged"], ["region", "area_printed_km2", "area_computed_km2", "diff_pct",
                                              "conflict_id"]].to_dict("records"),
    }


# ----------------------------------------------------------------------------- partner places
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


def drawn_bounds(data: MapData, links: PartnerLinks) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) of everything the partner map draws: every commune and every
    partner place drawn. Computed from the data, so a place far away (Mamoudzou, Mayotte) is inside."""
    lon = pd.concat([data.communes["lon"], links.places["place_lon"]]).astype(float)
    lat = pd.concat([data.communes["lat"], links.places["place_lat"]]).astype(float)
    return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())


# ----------------------------------------------------------------------------- display tables
def _pct_text(value: float, lang: str) -> str:
    """A threshold in a sentence: 5.0 → « 5 », 2.5 → « 2,5 » (fr) / "2.5" (en) (analysis draws no views)."""
    text = f"{value:g}"
    return text.replace(".", ",") if lang == "fr" else text


def region_table(lang: str = "fr", data_dir: PathLike = None) -> pd.DataFrame:
    """The regions (table order) for readers: prefectures and communes, printed vs computed area, and a note
    on a printed area that cannot be right (with its conflict id). No codes: the ISO codes stay in the data."""
    check_lang(lang)
    regs = region_frame(load_map_data(data_dir))
    others = {tr("map.communes_other", lang): regs["other_count"]} if regs["other_count"].any() else {}
    pct = _pct_text(geo.AREA_TOLERANCE_PCT, lang)

    def note(row) -> str:
        if not row["flagged"]:
            return ""
        conflict = f" ({tr('col.conflict_id', lang)} {row['conflict_id']})" if row["conflict_id"] else ""
        return tr("map.flag_text", lang, pct=pct, conflict=conflict)

    return pd.DataFrame({
        tr("region", lang): regs["region"],
        tr("map.prefectures", lang): regs["prefectures_count"],
        tr("map.communes_all", lang): regs["communes_count"],
        tr("map.communes_prodegol", lang): regs["prodegol_count"],
        **others,
        tr("map.area_printed", lang): regs["area_printed_km2"].round(0).astype("Int64"),
        tr("map.area_computed", lang): regs["area_computed_km2"].round(0).astype("Int64"),
        tr("map.diff_pct", lang): regs["diff_pct"].round(1),
        tr("map.col.note", lang): [note(r) for r in regs.to_dict("records")],
    })


def _population_text(population, printed, lang: str):
    """The population as a number, or why there is none (« illisible dans l’étude (« 118 4640 ») »)."""
    status = population_status(population, printed)
    if status == "known":
        return int(population)
    if status == "unreadable":
        return tr("map.pop_unreadable", lang, printed=str(printed).strip())
    return tr("map.legend.pop_not_given", lang)


def commune_table(lang: str = "fr", region=None, data_dir: PathLike = None) -> pd.DataFrame:
    """The communes (table order; one region if given) for readers: where they are, population, area,
    density, models of cooperation (in order of their first partnership: the first gives the commune's colour
    on the maps) and number of partnerships. (Whether each point lies in its region's polygon is a check of
    the report, not a column.)"""
    check_lang(lang)
    data = load_map_data(data_dir)
    rid = map_region_id(data, region)
    c = commune_frame(data)
    mixed = not c["prodegol"].all()  # the named group beside other communes: say which is which
    if rid is not None:
        c = c[c["region_id"] == rid]
    group = {tr("overview.group", lang): [tr("map.group.prodegol" if g else "map.group.other", lang)
                                     for g in c["prodegol"]]} if mixed else {}
    return pd.DataFrame({
        tr("col.commune", lang): c["commune"],
        **group,
        tr("region", lang): c["region"],
        tr("urban_centre", lang): c["urban_centre"],
        tr("population", lang): [_population_text(p, t, lang) for p, t in zip(c["population"],
                                                                               c["population_printed"], strict=True)],
        tr("area_km2", lang): pd.to_numeric(c["area_km2"], errors="coerce").astype("Int64"),
        tr("density", lang): c["density_per_km2"].astype("Float64").round(0).astype("Int64"),
        tr("map.all_models", lang): [", ".join(tr("model." + x, lang) for x in ms) if isinstance(ms, list) else ""
                                     for ms in c["models"]],
        tr("map.col.partnerships", lang): c["n_partnerships"],
    }).reset_index(drop=True)


def area_totals_table(lang: str = "fr", data_dir: PathLike = None) -> pd.DataFrame:
    """Why a flagged region area cannot be right, for readers: the printed areas added up, the computed areas
    added up, the computed area of Togo's outline, the gap between the two sums, the threshold and the regions
    flagged (two columns: what, value)."""
    check_lang(lang)
    data = load_map_data(data_dir)
    cmp_ = data.comparison
    printed, computed = float(cmp_["area_printed_km2"].sum()), float(cmp_["area_computed_km2"].sum())
    flagged = cmp_.loc[cmp_["flagged"], "region"].astype(str).tolist()
    rows = [("map.totals.printed", int(round(printed))), ("map.totals.computed", int(round(computed))),
            ("map.totals.outline", int(round(float(geo.geodesic_area_km2(data.country).sum())))),
            ("map.totals.excess", round(100 * (printed / computed - 1), 1)),
            ("map.totals.threshold", float(geo.AREA_TOLERANCE_PCT)),
            ("map.totals.flagged", ", ".join(flagged) if flagged else None)]
    return pd.DataFrame({tr("map.totals.measure", lang): [tr(k, lang) for k, _ in rows],
                         tr("col.value", lang): pd.Series([v for _, v in rows], dtype="object")})
