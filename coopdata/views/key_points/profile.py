"""« À retenir » of the commune presentation sheet (notebooks/10_commune_profile.ipynb): how many partnerships and
with which countries, the oldest, the sectors of cooperation, and what to check before presenting the commune.

The facts come from :func:`coopdata.analysis.profile.key_facts`; the words from the ``kp.10.*`` labels, in the
profile's language. Nothing is typed in: a new source, partnership or conflict changes the sentences.
"""

from __future__ import annotations

from coopdata.analysis.lifecycle import UNKNOWN
from coopdata.analysis.profile import Profile, key_facts
from coopdata.core.i18n import tr
from coopdata.core.text import is_missing
from coopdata.views.charts import short_partner, when
from coopdata.views.style import fmt_partial_date, list_sep


def _and(items: list[str], lang: str) -> str:
    """« A, B et C » / "A, B and C"."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {tr('kp.10.and', lang)} {items[-1]}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _sectors(ids: list[str], lang: str) -> str:
    """Sector labels in running text (« eau et assainissement ; santé, social »: their labels hold commas)."""
    return list_sep(lang).join(_lower_first(tr(f"sector.{s}", lang)) for s in ids)


def count_sentence(facts: dict, profile: Profile) -> str:
    lang, n = profile.lang, facts["partnerships"]
    if n == 0:
        text = tr("kp.10.none", lang, commune=profile.name)
    else:
        countries = _and(facts["countries"], lang) or tr("profile.not_given", lang)
        text = (tr("kp.10.count_one", lang, countries=countries) if n == 1
                else tr("kp.10.count", lang, n=n, countries=countries))
    statuses = status_items(profile)
    if statuses:
        text += " " + tr("kp.10.status", lang, items=list_sep(lang).join(statuses))
    return text


def status_items(profile: Profile) -> list[str]:
    """« SIAAP, terminé le 31 décembre 2016 »: each partnership whose status a source states, and since when."""
    lang, out = profile.lang, []
    for r in profile.partnerships.itertuples():
        if r.status == UNKNOWN:
            continue
        if r.status == "ended" and not is_missing(r.end_date):
            phrase = when(r.end_date, lang)
        else:
            day = str(r.status_since).count("-") == 2
            phrase = tr("when.since_day" if day else "when.since", lang, date=fmt_partial_date(r.status_since, lang))
        out.append(f"{short_partner(r.partner)}, {tr(f'partnership_status.{r.status}', lang)} {phrase}")
    return out


def oldest_sentence(facts: dict, profile: Profile) -> str | None:
    lang = profile.lang
    if not facts["oldest"]:
        return tr("kp.10.no_year", lang) if facts["partnerships"] else None
    partner = _and([o["partner"] for o in facts["oldest"]], lang)
    model = _lower_first(_and(list(dict.fromkeys(o["model"] for o in facts["oldest"])), lang))
    others = sorted({y for o in facts["oldest"] for y in o["others"]})
    note = tr("kp.10.other_years", lang, years=_and(others, lang)) if others else ""
    key = "kp.10.oldest_one" if facts["partnerships"] == 1 else "kp.10.oldest"
    return tr(key, lang, partner=partner, model=model, year=facts["oldest"][0]["year"], others=note)


def sectors_sentence(facts: dict, profile: Profile) -> str:
    lang = profile.lang
    if not facts["in_study"]:
        return tr("kp.10.sectors_out", lang)
    text = (tr("kp.10.sectors", lang, current=_sectors(facts["current"], lang), n=len(facts["current"]),
               total=len(profile.sectors)) if facts["current"] else tr("kp.10.sectors_none", lang))
    if facts["uncovered"]:
        text += " " + tr("kp.10.uncovered", lang, sectors=_sectors(facts["uncovered"], lang))
    return text


def check_items(facts: dict, profile: Profile) -> list[str]:
    """What to check before presenting the commune: the partnerships' present status, the mayor, the population,
    start years and values the sources print differently."""
    lang, c = profile.lang, profile.commune
    items = []
    if facts["partnerships"] and facts["status_known"] == 0 and facts["last_confirmed"] is not None:
        key = "kp.10.check.status_one" if facts["partnerships"] == 1 else "kp.10.check.status"
        items.append(tr(key, lang, when=fmt_partial_date(facts["last_confirmed"][0], lang)))
    if facts["term_over"]:
        items.append(tr("kp.10.check.mayor", lang, start=c["term_start"], end=c["term_end"]))
    if facts["population_unknown"]:
        printed = c.get("population_printed")
        items.append(tr("kp.10.check.population" if isinstance(printed, str) and printed.strip()
                        else "kp.10.check.population_none", lang))
    for what, one, many in (("undated", "kp.10.check.undated_one", "kp.10.check.undated"),
                            ("conflicts", "kp.10.check.conflicts_one", "kp.10.check.conflicts")):
        n = len(facts[what])
        if n:
            items.append(tr(one if n == 1 else many, lang, n=n))
    return items


def check_sentence(facts: dict, profile: Profile) -> str | None:
    items = check_items(facts, profile)
    if not items:
        return None
    key = "kp.10.check_one" if len(items) == 1 else "kp.10.check"
    return tr(key, profile.lang, n=len(items), items=list_sep(profile.lang).join(items))


def key_points(profile: Profile) -> list[str]:
    """The sheet's key points (3 or 4 sentences, ``**bold**`` on the key figure) in the profile's language."""
    facts = key_facts(profile)
    sentences = [count_sentence(facts, profile), oldest_sentence(facts, profile), sectors_sentence(facts, profile),
                 check_sentence(facts, profile)]
    return [s for s in sentences if s]
