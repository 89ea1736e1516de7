"""« À retenir » of the territory report (notebooks/01_map.ipynb): where the communes are, the most and
least populous, the densest, the area they cover, and a printed region area that cannot be right.

The figures come from :func:`coopdata.analysis.places.territory_facts`; the words from the ``kp.01.*``
labels. Nothing is typed in: a 14th commune or a corrected area changes the sentences.
"""

from __future__ import annotations

from coopdata.analysis.places import PathLike, load_map_data, map_region_id, territory_facts
from coopdata.core.i18n import check_lang, tr
from coopdata.views.style import fmt_int, fmt_num

#: The box holds at most this many sentences (the report's conventions: 3 to 5).
MAX_POINTS = 5


def _names(names: list[str]) -> str:
    """« A, B, C » (a list after a colon or a preposition reads the same in both languages)."""
    return ", ".join(names)


def _count(facts: dict, lang: str, region_name: str | None) -> str:
    if region_name is not None:
        return tr("kp.01.count_region", lang, region=region_name, n=facts["communes"], total=facts["total_communes"],
                  names=_names(facts["names"]))
    k, total = facts["regions_with_communes"], facts["regions"]
    where = tr("kp.01.where_all", lang, total=total) if k == total else tr("kp.01.where_some", lang, k=k,
                                                                          total=total)
    if facts["others"]:
        return tr("kp.01.count_mixed", lang, n=facts["prodegol"], others=facts["others"], where=where)
    return tr("kp.01.count", lang, n=facts["prodegol"], where=where)


def _population(facts: dict, lang: str) -> str | None:
    extremes = facts["population"]
    if extremes is None:
        return None
    (top, top_pop), (low, low_pop) = extremes
    if facts["population_known"] == 1:
        return tr("kp.01.population_one", lang, name=top, pop=fmt_int(top_pop, lang))
    text = tr("kp.01.population", lang, top=top, top_pop=fmt_int(top_pop, lang), low=low,
              low_pop=fmt_int(low_pop, lang))
    for field, key in (("population_unreadable", "kp.01.population_unreadable"),
                       ("population_not_given", "kp.01.population_not_given")):
        if facts[field]:
            text += " " + tr(key, lang, names=_names(facts[field]))
    return text


def _density(facts: dict, lang: str) -> str | None:
    extremes = facts["density"]
    if extremes is None or facts["population_known"] < 2:
        return None
    (top, top_d), (low, low_d) = extremes
    return tr("kp.01.density", lang, top=top, top_density=fmt_int(top_d, lang), low=low,
              low_density=fmt_int(low_d, lang))


def _area(facts: dict, lang: str, region_name: str | None) -> str | None:
    if not facts["area_known"] or not facts["territory_km2"]:
        return None
    share = fmt_num(100 * facts["area_km2"] / facts["territory_km2"], lang, 0)
    area = fmt_int(facts["area_km2"], lang)
    if region_name is not None:
        return tr("kp.01.area_region", lang, area=area, share=share, region=region_name)
    return tr("kp.01.area", lang, area=area, share=share)


def _flagged(facts: dict, lang: str) -> list[str]:
    return [tr("kp.01.flagged", lang, region=f["region"], printed=fmt_int(f["area_printed_km2"], lang),
               computed=fmt_int(f["area_computed_km2"], lang), pct=fmt_num(abs(f["diff_pct"]), lang, 0))
            for f in facts["flagged"]]


def key_points(data_dir: PathLike = None, lang: str = "fr", region=None) -> list[str]:
    """The report's key points (3 to 5 sentences, ``**bold**`` on the key figure) for the whole country or
    one region (``region``: id, name or ISO code, as the notebook's parameter)."""
    check_lang(lang)
    data = load_map_data(data_dir)
    rid = map_region_id(data, region)
    region_name = None if rid is None else str(data.regions_table.set_index("region_id").loc[rid, "region"])
    facts = territory_facts(data, rid)
    points = [_count(facts, lang, region_name), _population(facts, lang), _density(facts, lang),
              _area(facts, lang, region_name), *_flagged(facts, lang)]
    return [p for p in points if p][:MAX_POINTS]
