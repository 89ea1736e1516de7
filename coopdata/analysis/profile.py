"""What one commune's presentation sheet (notebook 10) says, as frames: the facts, not their writing.

The study's page for a commune (§3) is short; partners looking for a commune need it together with
its partnerships (Tableau n°01 and later sources) and what the sources know of each over time
(``coopdata.analysis.lifecycle``: last confirmation, status, end), sectors (Tableau n°03 and n°6), leads,
web references and what the sources leave unknown. Everything here is computed from data/;
``coopdata.views.sheet`` writes it (numbers, dates, the sheet's HTML and its timeline).

Any commune of communes.csv has a sheet: one the study did not survey (``prodegol`` False) may leave the
study's columns empty (mayor, population…), which stay None here, never a guess. A row of the study cites
the lines of its text; a row of another source cites that source (title, publisher, date) and its locator.

Builders take ``(commune_id, lang, data=ProfileData)``; ``build_profile`` runs them all once.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from coopdata.analysis.lifecycle import UNKNOWN, lifecycle
from coopdata.analysis.sectors import gaps
from coopdata.analysis.timelines import years_in
from coopdata.core.errors import ParameterError
from coopdata.core.i18n import check_lang, label_or_code, tr
from coopdata.core.text import is_missing, normalize_name, safe_url
from coopdata.data import loaders

# Tables whose conflicts concern what the sheet shows (finance and national counts are not on the sheet).
SHEET_TABLES = ("communes", "partnerships", "partnership_events", "sectors_current", "sectors_interest",
                "web_references")
SECTOR_TABLES = (("current", "Tableau n°03"), ("interest", "Tableau n°6"))
_SECTION = re.compile(r"^(§[\d.]+)")
COMMUNE_PAGE = "§3, page « Commune"  # how conflicts.csv names a commune page in printed_at


def match_commune(name, communes: pd.DataFrame | None = None, data_dir=None) -> str:
    """The commune_id of ``name``, ignoring case, accents, spaces and hyphens (the urban centre works too).

    Raises ``ParameterError`` (a ``ValueError``) listing the valid names when nothing matches.
    """
    if communes is None:
        communes = loaders.load_table("communes", data_dir)
    names: dict[str, set[str]] = {}
    for row in communes.itertuples():
        for alias in (row.commune, row.commune_id, getattr(row, "urban_centre", None)):
            if not is_missing(alias):
                names.setdefault(normalize_name(alias), set()).add(row.commune_id)
    key = normalize_name(name) if name is not None else ""
    found = names.get(key, set()) if key else set()
    if len(found) == 1:
        return next(iter(found))
    valid = ", ".join(sorted(communes["commune"], key=normalize_name))
    why = "ambiguous" if found else "unknown"
    raise ParameterError(
        f"{why} commune {name!r} (commune inconnue). Valid names / noms valides ({len(communes)}): {valid}. "
        "Case, accents, spaces and hyphens do not matter."
    )


def ids(value) -> list[str]:
    """« P03; W01 » → ["P03", "W01"]; [] when empty."""
    return [] if is_missing(value) else [v.strip() for v in str(value).split(";") if v.strip()]


def short_place(printed_at: str, lang: str) -> str:
    """« §3, page « Commune de X » » → "page commune"; « §4.1 Les modèles … » → "§4.1"; else as printed."""
    if str(printed_at).startswith(COMMUNE_PAGE):
        return tr("profile.commune_page", lang)
    match = _SECTION.match(str(printed_at))
    return match.group(1) if match else str(printed_at)


# --------------------------------------------------------------------------- data

@dataclass
class ProfileData:
    """The tables a sheet needs, loaded (and validated) once."""

    communes: pd.DataFrame
    partnerships: pd.DataFrame
    conflicts: pd.DataFrame
    web_references: pd.DataFrame
    sectors: pd.DataFrame
    current: pd.DataFrame
    interest: pd.DataFrame
    events: pd.DataFrame
    life_events: pd.DataFrame  # partnership_events.csv
    sources: pd.DataFrame


def load_profile_data(data_dir=None) -> ProfileData:
    return ProfileData(
        communes=loaders.load_communes(data_dir),
        partnerships=loaders.load_partnerships(data_dir),
        conflicts=loaders.load_conflicts(data_dir),
        web_references=loaders.load_web_references(data_dir),
        sectors=loaders.load_table("sectors", data_dir).sort_values("position"),
        current=loaders.load_sectors("current", data_dir),
        interest=loaders.load_sectors("interest", data_dir),
        events=loaders.load_events(data_dir),
        life_events=loaders.load_table("partnership_events", data_dir),
        sources=loaders.load_table("sources", data_dir),
    )


def _data(data: ProfileData | None, data_dir) -> ProfileData:
    return data if data is not None else load_profile_data(data_dir)


def commune_row(data: ProfileData, commune_id: str) -> pd.Series:
    """The commune's row of data/communes.csv (with its density); an unknown id raises ParameterError."""
    rows = data.communes[data.communes["commune_id"] == commune_id]
    if len(rows) != 1:
        match_commune(commune_id, data.communes)  # raises the error listing the valid names
    return rows.iloc[0]


def commune_records(data: ProfileData, commune_id: str) -> set[str]:
    """Ids that belong to the commune: itself, its partnership/lead/mention rows and its web references."""
    pids = set(data.partnerships.loc[data.partnerships["commune_id"] == commune_id, "partnership_id"])
    refs = {r.ref_id for r in data.web_references.itertuples() if pids & set(ids(r.partnership_ids))}
    return {commune_id} | pids | refs


def in_study(commune: pd.Series) -> bool:
    """The commune is one of the study's (the ProDeGoL communes, ``prodegol`` True)."""
    return not is_missing(commune.get("prodegol")) and bool(commune["prodegol"])


def cite(source_id, locator, lines, sources: pd.DataFrame) -> str:
    """Where a row comes from: « Tableau n°01 (l. 976-986) » for the study's rows (lines of its text), else the
    source's title (publisher, date) and the locator: « Le Journal de Mayotte (…, 2022-05-10) — article … »."""
    row = sources[sources["source_id"] == source_id]
    study = row.empty or row["kind"].iloc[0] == "study"
    if study:
        return str(locator) if is_missing(lines) else f"{locator} (l. {lines})"
    r = row.iloc[0]
    publisher = r["author_or_publisher"]
    if not is_missing(publisher) and str(publisher).split(" (")[0] in str(r["title"]):
        publisher = None  # already named by the title (« Le Journal de Mayotte: … »)
    who = ", ".join(str(v) for v in (publisher, r["date"]) if not is_missing(v))
    title = f"{r['title']} ({who})" if who else str(r["title"])
    return title if is_missing(locator) else f"{title} — {locator}"


def commune_conflicts(commune_id: str, data: ProfileData | None = None, data_dir=None) -> pd.DataFrame:
    """conflicts.csv rows on what the sheet shows (SHEET_TABLES) for this commune, its partnerships and links."""
    data = _data(data, data_dir)
    own = commune_records(data, commune_id)
    c = data.conflicts
    table = c["field"].str.split(".").str[0]
    # a competing value printed for another record only (e.g. another commune's page) is left out
    mine = c["record_ids"].map(lambda v: bool(own & set(ids(v))))
    return c[table.isin(SHEET_TABLES) & mine].reset_index(drop=True)


def variants(conflicts: pd.DataFrame, pid: str, field: str) -> pd.DataFrame:
    """The conflicts rows printing a value of ``partnerships.<field>`` for partnership ``pid``."""
    full = field if "." in field else f"partnerships.{field}"
    mask = (conflicts["field"] == full) & conflicts["record_ids"].map(lambda v: pid in ids(v))
    return conflicts[mask]


def publisher(source_id, sources: pd.DataFrame | None, short: bool = False) -> str | None:
    """A later source's publisher as readers see it (an English gloss in brackets left out: « Stadt Nürnberg »,
    « Le Temps (Togo) », « … (SIAAP) »); ``short``: a long name by its acronym (« CNCD »). None for the study."""
    row = None if sources is None else sources[sources["source_id"] == source_id]
    if row is None or row.empty or row["kind"].iloc[0] == "study":
        return None
    r = row.iloc[0]
    name = str(r["title"] if is_missing(r["author_or_publisher"]) else r["author_or_publisher"]).split(", with ")[0]
    name = re.sub(r"\s*\((?![A-Z][\w.&-]*\))[^()]*\)$", "", name).strip()
    acronym = re.search(r"\(([A-Z]{2,})\)$", name)
    return acronym.group(1) if short and acronym and len(name) > 40 else name


def printed_where(conflict_row, lang: str, sources: pd.DataFrame | None = None) -> str:
    """Where a row of conflicts.csv was printed, in a few words: the study's section or table, a later source's
    publisher."""
    return publisher(conflict_row.source_id, sources, short=True) or short_place(conflict_row.printed_at, lang)


def grouped_values(group: pd.DataFrame, lang: str,
                   sources: pd.DataFrame | None = None) -> list[tuple[str, list[str], bool]]:
    """(value, where printed, used) once per distinct value, used values first; the year only for start years.
    Where: the study's section or table (:func:`short_place`), a later source's :func:`publisher` (with ``sources``)."""
    out: dict[str, tuple[list[str], list[bool]]] = {}
    years = bool((group["field"] == "partnerships.start_year").all())
    for v in group.sort_values("used", ascending=False, kind="stable").itertuples():
        found = years_in(v.value_printed) if years else []
        places, used = out.setdefault(str(found[-1]) if found else str(v.value_printed), ([], []))
        place = printed_where(v, lang, sources)
        if place not in places:
            places.append(place)
        used.append(v.used == "yes")
    return [(value, places, any(used)) for value, (places, used) in out.items()]


def split_source(source: str) -> tuple[str, str]:
    """A commune's ``source``: (the commune page, the study-phase section)."""
    parts = [p.strip() for p in str(source).split(";")]
    phase = next((p for p in parts if "§2.1" in p), parts[-1])
    page = "; ".join(p for p in parts if p != phase) or phase
    return page, phase.replace(" (study phase)", "")


def phase_number(data: ProfileData, study_phase) -> int | None:
    """1 for the study's first survey phase, 2 for the second…; None for a commune the study did not survey."""
    if is_missing(study_phase):
        return None
    phases = sorted(p for p in data.communes["study_phase"].unique() if not is_missing(p))
    return phases.index(study_phase) + 1


# --------------------------------------------------------------------------- builders

IDENTITY_FIELDS = (("commune", "col.commune"), ("region", "region"), ("prefecture", "prefecture"),
                   ("urban_centre", "urban_centre"), ("distance_km", "profile.distance"),
                   ("mayor", "profile.mayor"), ("population", "population"), ("area_km2", "area_km2"),
                   ("density_per_km2", "profile.density_computed"), ("petit_plus", "profile.petit_plus"),
                   ("cooperation_sentence", "profile.cooperation_sentence"), ("study_phase", "profile.study_phase"))


def identity(commune_id: str, lang: str = "fr", data: ProfileData | None = None, data_dir=None) -> pd.DataFrame:
    """The commune page's facts: one row per field (label in ``lang``, value as in data/, source), indexed by field.

    Missing values are None (a commune outside the study leaves most of them empty); the density is
    computed (one decimal). ``coopdata.views.sheet`` writes them."""
    check_lang(lang)
    data = _data(data, data_dir)
    c = commune_row(data, commune_id)
    if in_study(c):
        page, phase_source = split_source(c["source"])
    else:
        page = phase_source = cite(c["source_id"], c["source"], None, data.sources)
    density = c["density_per_km2"]

    def value(field):
        v = c.get(field)
        if is_missing(v):
            return None
        return int(v) if field in ("distance_km", "population", "area_km2") else v

    values = {field: value(field) for field, _ in IDENTITY_FIELDS}
    values["density_per_km2"] = None if is_missing(density) else round(float(density), 1)
    rows = [(field, tr(key, lang), values[field],
             tr("profile.computed", lang) if field == "density_per_km2" else
             phase_source if field == "study_phase" else page) for field, key in IDENTITY_FIELDS]
    df = pd.DataFrame(rows, columns=["field", "label", "value", "source"], dtype=object)  # None stays None
    return df.set_index("field", drop=False)


def country(row, lang: str) -> str:
    """The partner's country in ``lang`` (the code when it has no label), else the country as printed."""
    code = row.partner_country
    if not is_missing(code):
        return label_or_code(f"country.{code}", str(code), lang)
    return "" if is_missing(row.partner_country_printed) else str(row.partner_country_printed)


LIFE_COLUMNS = ("last_confirmed", "last_confirmed_kind", "last_confirmed_source", "status", "status_since",
                "status_since_source", "end_date", "end_source", "confirmed_after_end")


def partnerships_table(commune_id: str, lang: str = "fr", data: ProfileData | None = None,
                       data_dir=None, as_of: dt.date | None = None) -> pd.DataFrame:
    """The commune's partnerships (every source), with the ids of the conflicts on their start year, partner
    name and status, and what the sources know of each up to ``as_of`` (default: today): LIFE_COLUMNS of
    ``coopdata.analysis.lifecycle``. ``start_year`` stays NA where no source gives it (rows last)."""
    check_lang(lang)
    data = _data(data, data_dir)
    commune_row(data, commune_id)
    conflicts = commune_conflicts(commune_id, data)
    p = data.partnerships
    rows = p[(p["commune_id"] == commune_id) & (p["record_type"] == "partnership")]
    life = lifecycle(rows, data.life_events, as_of=as_of or dt.date.today()).set_index("partnership_id")
    out = []
    for r in rows.sort_values(["start_year", "partnership_id"], na_position="last").itertuples():
        found = [variants(conflicts, r.partnership_id, f)["conflict_id"]
                 for f in ("start_year", "partner", "partnership_events.status_after")]
        out.append({
            "partnership_id": r.partnership_id,
            "partner": r.partner,
            "country": country(r, lang),
            "model": tr(f"model.{r.model}", lang),
            "start_year": pd.NA if is_missing(r.start_year) else int(r.start_year),
            "sectors_printed": "" if is_missing(r.sectors_printed) else r.sectors_printed,
            "conflicts": ", ".join(sorted(set().union(*found))),
            "source_id": r.source_id,
            "source": cite(r.source_id, r.source, r.source_lines, data.sources),
            "locator": "" if is_missing(r.source) else str(r.source),
            **{c: life.at[r.partnership_id, c] for c in LIFE_COLUMNS},
        })
    cols = ["partnership_id", "partner", "country", "model", "start_year", "sectors_printed", "conflicts",
            "source_id", "source", "locator", *LIFE_COLUMNS]
    df = pd.DataFrame(out, columns=cols)
    df["start_year"] = df["start_year"].astype("Int64")
    return df


def leads_table(commune_id: str, lang: str = "fr", data: ProfileData | None = None, data_dir=None) -> pd.DataFrame:
    """Leads (talks, South-South, triangular, diaspora) and mentions (associations, churches) of the commune."""
    check_lang(lang)
    data = _data(data, data_dir)
    commune_row(data, commune_id)
    p = data.partnerships
    rows = p[(p["commune_id"] == commune_id) & p["record_type"].isin(["lead", "mention"])]
    out = [{
        "partnership_id": r.partnership_id,
        "kind": tr(f"record_type.{r.record_type}", lang),
        "model": tr(f"model.{r.model}", lang),
        "partner": r.partner,
        "country": country(r, lang),
        "purpose": "" if is_missing(r.sectors_printed) else r.sectors_printed,
        "source": cite(r.source_id, r.source, r.source_lines, data.sources),
        "source_id": r.source_id,
        "locator": "" if is_missing(r.source) else str(r.source),
    } for r in rows.sort_values(["record_type", "partnership_id"]).itertuples()]
    return pd.DataFrame(out, columns=["partnership_id", "kind", "model", "partner", "country", "purpose", "source",
                                      "source_id", "locator"])


def sectors_table(commune_id: str, lang: str = "fr", data: ProfileData | None = None,
                  data_dir=None) -> pd.DataFrame:
    """The seven sectors: current cooperation (Tableau n°03) beside interests (Tableau n°6), and the gap."""
    check_lang(lang)
    data = _data(data, data_dir)
    commune_row(data, commune_id)
    cur = data.current[data.current["commune_id"] == commune_id].set_index("sector_id")
    itr = data.interest[data.interest["commune_id"] == commune_id].set_index("sector_id")
    status = gaps(cur.reset_index(), itr.reset_index()).set_index("sector_id")["status"]
    out = []
    for sector_id in data.sectors["sector_id"]:
        st = status.get(sector_id)
        row = {"sector_id": sector_id, "sector": tr(f"sector.{sector_id}", lang)}
        for kind, cells in (("current", cur), ("interest", itr)):
            given = sector_id in cells.index  # a commune the derived tables do not cover yet: not given
            row[kind] = cells.at[sector_id, "value"] if given else None
            row[f"{kind}_text"] = tr(f"answer.{row[kind]}" if given else "profile.not_given", lang)
            row[f"{kind}_in_printed_table"] = bool(cells.at[sector_id, "in_printed_table"]) if given else False
        row["gap"] = "" if st is None else st
        row["gap_text"] = "—" if st is None else tr(f"status.{st}", lang)
        out.append(row)
    cols = ["sector_id", "sector", "current", "interest", "current_text", "interest_text", "gap", "gap_text",
            "current_in_printed_table", "interest_in_printed_table"]
    return pd.DataFrame(out)[cols]


def web_links(commune_id: str, data: ProfileData | None = None, data_dir=None) -> pd.DataFrame:
    """The sitography's references for the commune's partnerships; ``url`` is empty (NA) where not http(s)."""
    data = _data(data, data_dir)
    commune_row(data, commune_id)
    own = commune_records(data, commune_id)
    refs = data.web_references[data.web_references["ref_id"].isin(own)]
    out = refs[["ref_id", "heading_printed", "label_printed"]].copy()
    out["url"] = [safe_url(u) for u in refs["url"]]
    out["url_printed"] = refs["url"].to_numpy()
    out["source"] = [cite(s, loc, ln, data.sources)
                     for s, loc, ln in zip(refs["source_id"], refs["source"], refs["source_lines"], strict=True)]
    return out.sort_values("ref_id").reset_index(drop=True)


# --------------------------------------------------------------------------- the profile

@dataclass
class Profile:
    commune_id: str
    name: str
    lang: str
    as_of: dt.date | None
    commune: pd.Series  # the row of data/communes.csv
    conflicts: pd.DataFrame  # commune_conflicts
    identity: pd.DataFrame
    partnerships: pd.DataFrame
    leads: pd.DataFrame
    sectors: pd.DataFrame
    links: pd.DataFrame
    data: ProfileData

    @property
    def term_over(self) -> bool:
        """The mayor's printed term ended before ``as_of``."""
        end = self.commune.get("term_end")
        return self.as_of is not None and not is_missing(end) and self.as_of.year > int(end)


def build_profile(commune, lang: str = "fr", data_dir=None, as_of: dt.date | None = None,
                  data: ProfileData | None = None) -> Profile:
    """Everything the sheet shows for ``commune`` (any spelling match_commune accepts)."""
    check_lang(lang)
    data = _data(data, data_dir)
    commune_id = match_commune(commune, data.communes)
    row = commune_row(data, commune_id)
    return Profile(
        commune_id=commune_id, name=str(row["commune"]), lang=lang, as_of=as_of, commune=row,
        conflicts=commune_conflicts(commune_id, data),
        identity=identity(commune_id, lang, data),
        partnerships=partnerships_table(commune_id, lang, data, as_of=as_of),
        leads=leads_table(commune_id, lang, data),
        sectors=sectors_table(commune_id, lang, data),
        links=web_links(commune_id, data),
        data=data,
    )


def row_sources(profile: Profile) -> pd.DataFrame:
    """Where the sheet finds the commune and each of its partnerships, leads and mentions: the source as cited in
    data/, with the lines of the study's text (for the annex)."""
    c, sources, lang = profile.commune, profile.data.sources, profile.lang
    rows = [("", profile.name, cite(c["source_id"], c["source"], c.get("source_lines"), sources))]
    p = profile.data.partnerships
    for r in p[p["commune_id"] == profile.commune_id].sort_values("partnership_id").itertuples():
        rows.append((r.partnership_id, r.partner, cite(r.source_id, r.source, r.source_lines, sources)))
    return pd.DataFrame(rows, columns=[tr("profile.ref", lang), tr("profile.record", lang), tr("col.source", lang)])



# --------------------------------------------------------------------------- key facts

def other_years(profile: Profile, pid: str) -> list[int]:
    """The other start years the sources print for partnership ``pid`` (not the one used), in printed order."""
    claims = variants(profile.conflicts, pid, "start_year")
    found = [years_in(v.value_printed) for v in claims.itertuples() if v.used == "no"]
    return list(dict.fromkeys(y[-1] for y in found if y))


def _later(a, b) -> bool:
    """Partial ISO dates ('2018-12', '2017-02-23', '2019'): ``a`` is after ``b`` (at their earliest day)."""
    def key(d):
        parts = [int(x) for x in str(d).split("-")]
        return tuple(parts + [1] * (3 - len(parts)))
    return key(a) > key(b)


def key_facts(profile: Profile) -> dict:
    """The facts of the sheet's key points (``coopdata.views.key_points.profile`` words them), from the profile.

    ``partnerships``: how many; ``countries``: the partners' countries (in the profile's language, first seen
    first); ``oldest``: the rows with the earliest start year used, each with the other years printed;
    ``undated``: partners without a start year; ``leads``: leads and mentions; ``current`` / ``interest``:
    sector ids answered « yes »; ``uncovered``: sectors of interest without a known current cooperation;
    ``last_confirmed``: the latest confirmation of a partnership by a source (date, source id), None when none;
    ``status_known``: partnerships whose status a source states; ``conflicts``: conflict ids on the sheet;
    ``term_over``, ``population_unknown``, ``in_study``.
    """
    p = profile.partnerships
    dated = p[p["start_year"].notna()]
    first = dated[dated["start_year"] == dated["start_year"].min()] if len(dated) else dated
    oldest = [{"partnership_id": r.partnership_id, "partner": r.partner, "model": r.model, "country": r.country,
               "year": int(r.start_year), "others": other_years(profile, r.partnership_id)}
              for r in first.itertuples()]
    last = None
    for r in p.itertuples():
        if not is_missing(r.last_confirmed) and (last is None or _later(r.last_confirmed, last[0])):
            last = (str(r.last_confirmed), r.last_confirmed_source)
    s = profile.sectors
    gap = s["gap"].isin(["gap", "not_known_covered"])
    return {
        "partnerships": len(p),
        "countries": list(dict.fromkeys(c for c in p["country"] if c)),
        "oldest": oldest,
        "undated": p.loc[p["start_year"].isna(), "partner"].tolist(),
        "leads": len(profile.leads),
        "current": s.loc[s["current"] == "yes", "sector_id"].tolist(),
        "interest": s.loc[s["interest"] == "yes", "sector_id"].tolist(),
        "uncovered": s.loc[gap, "sector_id"].tolist(),
        "last_confirmed": last,
        "status_known": int((p["status"] != UNKNOWN).sum()),
        "conflicts": sorted(profile.conflicts["conflict_id"].unique()),
        "term_over": profile.term_over,
        "population_unknown": profile.identity.at["population", "value"] is None,
        "in_study": in_study(profile.commune),
    }
