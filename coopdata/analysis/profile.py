"""What one commune's presentation sheet (notebook 10) says, as frames: the facts, not their writing.

The study's page for a commune (§3) is short; partners looking for a commune need it together with
its partnerships (Tableau n°01), sectors (Tableau n°03 and n°6), leads, web references and what the
study leaves unknown. Everything here is computed from data/; ``coopdata.views.sheet`` writes it
(numbers, dates, the sheet's HTML and its timeline).

Builders take ``(commune_id, lang, data=ProfileData)``; ``build_profile`` runs them all once.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from coopdata.analysis.sectors import gaps
from coopdata.analysis.timelines import years_in
from coopdata.core.errors import ParameterError
from coopdata.core.i18n import check_lang, label_or_code, tr
from coopdata.core.text import is_missing, normalize_name, safe_url
from coopdata.data import loaders

# Tables whose conflicts concern what the sheet shows (finance and national counts are not on the sheet).
SHEET_TABLES = ("communes", "partnerships", "sectors_current", "sectors_interest", "web_references")
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
    mask = (conflicts["field"] == f"partnerships.{field}") & conflicts["record_ids"].map(lambda v: pid in ids(v))
    return conflicts[mask]


def grouped_values(group: pd.DataFrame, lang: str) -> list[tuple[str, list[str], bool]]:
    """(value, where printed, used) once per distinct value, used values first; the year only for start years."""
    out: dict[str, tuple[list[str], list[bool]]] = {}
    years = bool((group["field"] == "partnerships.start_year").all())
    for v in group.sort_values("used", ascending=False, kind="stable").itertuples():
        found = years_in(v.value_printed) if years else []
        places, used = out.setdefault(str(found[-1]) if found else str(v.value_printed), ([], []))
        place = short_place(v.printed_at, lang)
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


def phase_number(data: ProfileData, study_phase: str) -> int:
    """1 for the study's first survey phase, 2 for the second…"""
    return sorted(data.communes["study_phase"].unique()).index(study_phase) + 1


# --------------------------------------------------------------------------- builders

IDENTITY_FIELDS = (("commune", "col.commune"), ("region", "region"), ("prefecture", "prefecture"),
                   ("urban_centre", "urban_centre"), ("distance_km", "profile.distance"),
                   ("mayor", "profile.mayor"), ("population", "population"), ("area_km2", "area_km2"),
                   ("density_per_km2", "profile.density_computed"), ("petit_plus", "profile.petit_plus"),
                   ("cooperation_sentence", "profile.cooperation_sentence"), ("study_phase", "profile.study_phase"))


def identity(commune_id: str, lang: str = "fr", data: ProfileData | None = None, data_dir=None) -> pd.DataFrame:
    """The commune page's facts: one row per field (label in ``lang``, value as in data/, source), indexed by field.

    Missing values are None; the density is computed (one decimal). ``coopdata.views.sheet`` writes them."""
    check_lang(lang)
    data = _data(data, data_dir)
    c = commune_row(data, commune_id)
    page, phase_source = split_source(c["source"])
    density = c["density_per_km2"]
    values = {
        "distance_km": int(c["distance_km"]),
        "population": None if is_missing(c["population"]) else int(c["population"]),
        "area_km2": int(c["area_km2"]),
        "density_per_km2": None if is_missing(density) else round(float(density), 1),
        "cooperation_sentence": None if is_missing(c["cooperation_sentence"]) else c["cooperation_sentence"],
    }
    rows = [(field, tr(key, lang), values.get(field, c[field]),
             tr("profile.computed", lang) if field == "density_per_km2" else
             phase_source if field == "study_phase" else page) for field, key in IDENTITY_FIELDS]
    df = pd.DataFrame(rows, columns=["field", "label", "value", "source"])
    return df.set_index("field", drop=False)


def country(row, lang: str) -> str:
    """The partner's country in ``lang`` (the code when it has no label), else the country as printed."""
    code = row.partner_country
    if not is_missing(code):
        return label_or_code(f"country.{code}", str(code), lang)
    return "" if is_missing(row.partner_country_printed) else str(row.partner_country_printed)


def partnerships_table(commune_id: str, lang: str = "fr", data: ProfileData | None = None,
                       data_dir=None) -> pd.DataFrame:
    """Tableau n°01 rows of the commune, with the ids of the conflicts on their start year and partner name."""
    check_lang(lang)
    data = _data(data, data_dir)
    commune_row(data, commune_id)
    conflicts = commune_conflicts(commune_id, data)
    p = data.partnerships
    rows = p[(p["commune_id"] == commune_id) & (p["record_type"] == "partnership")]
    out = []
    for r in rows.sort_values(["start_year", "partnership_id"]).itertuples():
        years = variants(conflicts, r.partnership_id, "start_year")
        names = variants(conflicts, r.partnership_id, "partner")
        out.append({
            "partnership_id": r.partnership_id,
            "partner": r.partner,
            "country": country(r, lang),
            "model": tr(f"model.{r.model}", lang),
            "start_year": int(r.start_year),
            "sectors_printed": "" if is_missing(r.sectors_printed) else r.sectors_printed,
            "conflicts": ", ".join(sorted(set(years["conflict_id"]) | set(names["conflict_id"]))),
            "source": f"{r.source} (l. {r.source_lines})",
        })
    cols = ["partnership_id", "partner", "country", "model", "start_year", "sectors_printed", "conflicts", "source"]
    return pd.DataFrame(out, columns=cols)


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
        "source": f"{r.source} (l. {r.source_lines})",
    } for r in rows.sort_values(["record_type", "partnership_id"]).itertuples()]
    return pd.DataFrame(out, columns=["partnership_id", "kind", "model", "partner", "country", "purpose", "source"])


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
        out.append({
            "sector_id": sector_id,
            "sector": tr(f"sector.{sector_id}", lang),
            "current": cur.at[sector_id, "value"],
            "interest": itr.at[sector_id, "value"],
            "current_text": tr(f"answer.{cur.at[sector_id, 'value']}", lang),
            "interest_text": tr(f"answer.{itr.at[sector_id, 'value']}", lang),
            "gap": "" if st is None else st,
            "gap_text": "—" if st is None else tr(f"status.{st}", lang),
            "current_in_printed_table": bool(cur.at[sector_id, "in_printed_table"]),
            "interest_in_printed_table": bool(itr.at[sector_id, "in_printed_table"]),
        })
    return pd.DataFrame(out)


def web_links(commune_id: str, data: ProfileData | None = None, data_dir=None) -> pd.DataFrame:
    """The sitography's references for the commune's partnerships; ``url`` is empty (NA) where not http(s)."""
    data = _data(data, data_dir)
    commune_row(data, commune_id)
    own = commune_records(data, commune_id)
    refs = data.web_references[data.web_references["ref_id"].isin(own)]
    out = refs[["ref_id", "heading_printed", "label_printed"]].copy()
    out["url"] = [safe_url(u) for u in refs["url"]]
    out["url_printed"] = refs["url"].to_numpy()
    out["source"] = [f"{s} (l. {ln})" for s, ln in zip(refs["source"], refs["source_lines"], strict=True)]
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
        return self.as_of is not None and self.as_of.year > int(self.commune["term_end"])


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
        partnerships=partnerships_table(commune_id, lang, data),
        leads=leads_table(commune_id, lang, data),
        sectors=sectors_table(commune_id, lang, data),
        links=web_links(commune_id, data),
        data=data,
    )
