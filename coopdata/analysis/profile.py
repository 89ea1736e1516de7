"""One printable presentation sheet per commune (notebook 10).

The study's page for a commune (§3) is short; partners looking for a commune need it together with
its partnerships (Tableau n°01), sectors (Tableau n°03 and n°6), leads, web references and what the
study leaves unknown. Everything here is computed from data/; HTML fragments escape every data string.

Builders take ``(commune_id, lang, data=ProfileData)``; ``build_profile`` runs them all once.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd

from coopdata.core.i18n import check_lang, tr
from coopdata.notebook import ParameterError
from coopdata.views.style import fmt_int, fmt_num

MONTHS = {
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
}
# Tables whose conflicts concern what the sheet shows (finance and national counts are not on the sheet).
SHEET_TABLES = ("communes", "partnerships", "sectors_current", "sectors_interest", "web_references")
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_SECTION = re.compile(r"^(§[\d.]+)")
_NOT_COLLECTED = re.compile(r"non recueilli", re.IGNORECASE)
_COMMUNE_PAGE = "§3, page « Commune"  # how conflicts.csv names a commune page in printed_at


# --------------------------------------------------------------------------- names, slugs, links

def _ascii_fold(text) -> str:
    """Lower case without accents (« Tône » → "tone"); other characters are left to the caller."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def normalize_name(text) -> str:
    """Lower-case ASCII letters and digits only: « Tône 1 », "TONE-1" and "tone1" all give "tone1"."""
    return re.sub(r"[^0-9a-z]+", "", _ascii_fold(text))


def match_commune(name, communes: pd.DataFrame | None = None, data_dir=None) -> str:
    """The commune_id of ``name``, ignoring case, accents, spaces and hyphens (the urban centre works too).

    Raises ``ParameterError`` (a ``ValueError``) listing the valid names when nothing matches.
    """
    if communes is None:
        from coopdata.data.loaders import load_table

        communes = load_table("communes", data_dir)
    names: dict[str, set[str]] = {}
    for row in communes.itertuples():
        for alias in (row.commune, row.commune_id, getattr(row, "urban_centre", None)):
            if alias is not None and not pd.isna(alias):
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


def slug(text, max_length: int = 60) -> str:
    """A safe file-name part: ASCII lower-case letters, digits and single hyphens (« Tône 1 » → "tone-1")."""
    out = re.sub(r"[^0-9a-z]+", "-", _ascii_fold(text)).strip("-")[:max_length].strip("-")
    if not out:
        raise ValueError(f"cannot make a file name from {text!r}")
    return out


def safe_url(url) -> str | None:
    """The address if it is a plain http(s) URL with a host, else None (never link anything else).

    Whitespace, control characters, quotes, angle brackets and backslashes are refused, not repaired."""
    if url is None or pd.isna(url):
        return None
    url = str(url)
    if any(ch.isspace() or ch in '"<>`\\' or unicodedata.category(ch).startswith("C") for ch in url):
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def esc(value) -> str:
    """html.escape for any data value; NA gives an empty string."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return html.escape(str(value), quote=True)


class Safe(str):
    """HTML built here (already escaped): table cells holding it are not escaped again."""


def link_html(url, label) -> str:
    """An escaped link, or the escaped text when the address is not http(s)."""
    target = safe_url(url)
    if target is None:
        return f'<span class="cp-nolink">{esc(label)}</span>'
    return f'<a href="{esc(target)}" rel="noopener" target="_blank">{esc(label)}</a>'


# --------------------------------------------------------------------------- formatting

def fmt_date(date: dt.date, lang: str = "fr") -> str:
    """2026-11-23 → "23 novembre 2026" / "23 November 2026"."""
    return f"{date.day} {MONTHS[lang][date.month - 1]} {date.year}"


def _sep(lang: str) -> str:
    return " ; " if lang == "fr" else "; "


def _kv(label: str, value: str, lang: str) -> str:
    """« Label : value » in French typography, "Label: value" in English."""
    return f"{label} : {value}" if lang == "fr" else f"{label}: {value}"


def _ids(value) -> list[str]:
    return [] if value is None or pd.isna(value) else [v.strip() for v in str(value).split(";") if v.strip()]


def short_place(printed_at: str, lang: str) -> str:
    """« §3, page « Commune de X » » → "page commune"; « §4.1 Les modèles … » → "§4.1"; else as printed."""
    if str(printed_at).startswith(_COMMUNE_PAGE):
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
    from coopdata.data import loaders

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


def _commune(data: ProfileData, commune_id: str) -> pd.Series:
    rows = data.communes[data.communes["commune_id"] == commune_id]
    if len(rows) != 1:
        match_commune(commune_id, data.communes)  # raises the error listing the valid names
    return rows.iloc[0]


def commune_records(data: ProfileData, commune_id: str) -> set[str]:
    """Ids that belong to the commune: itself, its partnership/lead/mention rows and its web references."""
    pids = set(data.partnerships.loc[data.partnerships["commune_id"] == commune_id, "partnership_id"])
    refs = {r.ref_id for r in data.web_references.itertuples() if pids & set(_ids(r.partnership_ids))}
    return {commune_id} | pids | refs


def commune_conflicts(commune_id: str, data: ProfileData | None = None, data_dir=None) -> pd.DataFrame:
    """conflicts.csv rows on what the sheet shows (SHEET_TABLES) for this commune, its partnerships and links."""
    data = _data(data, data_dir)
    own = commune_records(data, commune_id)
    c = data.conflicts
    table = c["field"].str.split(".").str[0]
    # a competing value printed for another record only (e.g. another commune's page) is left out
    mine = c["record_ids"].map(lambda v: bool(own & set(_ids(v))))
    return c[table.isin(SHEET_TABLES) & mine].reset_index(drop=True)


def _variants(conflicts: pd.DataFrame, pid: str, field: str) -> pd.DataFrame:
    mask = (conflicts["field"] == f"partnerships.{field}") & conflicts["record_ids"].map(lambda v: pid in _ids(v))
    return conflicts[mask]


def _grouped_values(group: pd.DataFrame, lang: str) -> list[tuple[str, list[str], bool]]:
    """(value, where printed, used) once per distinct value, used values first; the year only for start years."""
    out: dict[str, tuple[list[str], list[bool]]] = {}
    years = bool((group["field"] == "partnerships.start_year").all())
    for v in group.sort_values("used", ascending=False, kind="stable").itertuples():
        found = _YEAR.findall(str(v.value_printed)) if years else []
        places, used = out.setdefault(found[-1] if found else str(v.value_printed), ([], []))
        place = short_place(v.printed_at, lang)
        if place not in places:
            places.append(place)
        used.append(v.used == "yes")
    return [(value, places, any(used)) for value, (places, used) in out.items()]


def year_text(start_year, variants: pd.DataFrame, lang: str = "fr") -> str:
    """« 1991 (Tableau n°01, Carte n°02) ; 1993 (page commune) »; the plain year when no source disagrees."""
    if variants.empty:
        return "" if pd.isna(start_year) else str(int(start_year))
    return _sep(lang).join(f"{value} ({', '.join(places)})" for value, places, _ in _grouped_values(variants, lang))


def values_text(group: pd.DataFrame, lang: str = "fr") -> str:
    """The competing values of one conflict: « « 1991 » (Tableau n°01, Carte n°02 ; retenue) ; « 1993 » (page
    commune) »."""
    sep = _sep(lang)
    return sep.join(f"« {value} » ({', '.join(places)}{sep + tr('profile.used', lang) if used else ''})"
                    for value, places, used in _grouped_values(group, lang))


# --------------------------------------------------------------------------- builders

def identity(commune_id: str, lang: str = "fr", data: ProfileData | None = None, data_dir=None,
             as_of: dt.date | None = None) -> pd.DataFrame:
    """The commune page's facts: one row per field (value as in data/, text as shown, source)."""
    check_lang(lang)
    data = _data(data, data_dir)
    c = _commune(data, commune_id)
    page, phase_source = _split_source(c["source"])
    conflicts = commune_conflicts(commune_id, data)
    pop_conflicts = conflicts[conflicts["field"] == "communes.population"]["conflict_id"].unique()
    if pd.isna(c["population"]):
        ref = tr("profile.conflict_ref", lang, ids=", ".join(pop_conflicts)) if len(pop_conflicts) else ""
        pop_text = tr("profile.unknown_printed", lang, printed=c["population_printed"], conflict=ref)
    else:
        pop_text = fmt_int(c["population"], lang)
    density = c["density_per_km2"]
    density_text = (f"{fmt_num(density, lang)} {tr('profile.density_unit', lang)}" if not pd.isna(density)
                    else tr("profile.not_computable", lang))
    mayor = f"{c['mayor']} ({c['term_start']}–{c['term_end']})"
    if as_of is not None and as_of.year > int(c["term_end"]):
        mayor += f", {tr('profile.term_over', lang, date=fmt_date(as_of, lang))}"
    phases = sorted(data.communes["study_phase"].unique())
    phase_n = phases.index(c["study_phase"]) + 1
    year, month = (int(x) for x in str(c["study_phase"]).split("-"))
    month_text = f"{MONTHS[lang][month - 1]} {year}"
    phase_key = "profile.phase_text_1" if phase_n == 1 else "profile.phase_text"
    coop = c["cooperation_sentence"]
    coop_text = tr("profile.not_printed", lang) if pd.isna(coop) else f"« {coop} »"
    page_ids = conflicts.loc[conflicts["printed_at"].str.startswith(_COMMUNE_PAGE) & (conflicts["used"] == "no")
                             & conflicts["field"].str.startswith("partnerships."), "conflict_id"].unique()
    if len(page_ids) and not pd.isna(coop):
        coop_text += f" ({tr('profile.see_conflicts', lang, ids=', '.join(sorted(page_ids)))})"
    rows = [
        ("commune", tr("commune", lang), c["commune"], c["commune"], page),
        ("region", tr("region", lang), c["region"], c["region"], page),
        ("prefecture", tr("prefecture", lang), c["prefecture"], c["prefecture"], page),
        ("urban_centre", tr("profile.urban_centre", lang), c["urban_centre"], c["urban_centre"], page),
        ("distance_km", tr("profile.distance", lang), int(c["distance_km"]),
         tr("profile.distance_text", lang, km=fmt_int(c["distance_km"], lang), town=c["distance_from"]), page),
        ("mayor", tr("profile.mayor", lang), c["mayor"], mayor, page),
        ("population", tr("population", lang), None if pd.isna(c["population"]) else int(c["population"]),
         pop_text, page),
        ("area_km2", tr("area_km2", lang), int(c["area_km2"]), fmt_int(c["area_km2"], lang), page),
        ("density_per_km2", tr("profile.density_computed", lang),
         None if pd.isna(density) else round(float(density), 1), density_text, tr("profile.computed", lang)),
        ("petit_plus", tr("profile.petit_plus", lang), c["petit_plus"], f"« {c['petit_plus']} »", page),
        ("cooperation_sentence", tr("profile.cooperation_sentence", lang), None if pd.isna(coop) else coop,
         coop_text, page),
        ("study_phase", tr("profile.study_phase", lang), c["study_phase"],
         tr(phase_key, lang, month=month_text, n=phase_n), phase_source),
    ]
    df = pd.DataFrame(rows, columns=["field", "label", "value", "text", "source"])
    return df.set_index("field", drop=False)


def _split_source(source: str) -> tuple[str, str]:
    parts = [p.strip() for p in str(source).split(";")]
    phase = next((p for p in parts if "§2.1" in p), parts[-1])
    page = "; ".join(p for p in parts if p != phase) or phase
    return page, phase.replace(" (study phase)", "")


def _country(row, lang: str) -> str:
    code = row.partner_country
    if code is not None and not pd.isna(code):
        try:
            return tr(f"country.{code}", lang)
        except KeyError:
            return str(code)
    return "" if pd.isna(row.partner_country_printed) else str(row.partner_country_printed)


def partnerships_table(commune_id: str, lang: str = "fr", data: ProfileData | None = None,
                       data_dir=None) -> pd.DataFrame:
    """Tableau n°01 rows of the commune, with the years and names other sources print beside them."""
    check_lang(lang)
    data = _data(data, data_dir)
    _commune(data, commune_id)
    conflicts = commune_conflicts(commune_id, data)
    p = data.partnerships
    rows = p[(p["commune_id"] == commune_id) & (p["record_type"] == "partnership")]
    out = []
    for r in rows.sort_values(["start_year", "partnership_id"]).itertuples():
        years = _variants(conflicts, r.partnership_id, "start_year")
        names = _variants(conflicts, r.partnership_id, "partner")
        others = [f"« {v.value_printed} » ({short_place(v.printed_at, lang)})"
                  for v in names.itertuples() if v.used == "no"]
        ids = sorted(set(years["conflict_id"]) | set(names["conflict_id"]))
        out.append({
            "partnership_id": r.partnership_id,
            "partner": r.partner,
            "country": _country(r, lang),
            "model": tr(f"model.{r.model}", lang),
            "start_year": int(r.start_year),
            "since": year_text(r.start_year, years, lang),
            "sectors_printed": "" if pd.isna(r.sectors_printed) else r.sectors_printed,
            "other_values": _sep(lang).join(others),
            "conflicts": ", ".join(ids),
            "source": f"{r.source} (l. {r.source_lines})",
        })
    cols = ["partnership_id", "partner", "country", "model", "start_year", "since", "sectors_printed",
            "other_values", "conflicts", "source"]
    return pd.DataFrame(out, columns=cols)


def leads_table(commune_id: str, lang: str = "fr", data: ProfileData | None = None, data_dir=None) -> pd.DataFrame:
    """Leads (talks, South-South, triangular, diaspora) and mentions (associations, churches) of the commune."""
    check_lang(lang)
    data = _data(data, data_dir)
    _commune(data, commune_id)
    p = data.partnerships
    rows = p[(p["commune_id"] == commune_id) & p["record_type"].isin(["lead", "mention"])]
    out = [{
        "partnership_id": r.partnership_id,
        "kind": tr(f"record_type.{r.record_type}", lang),
        "model": tr(f"model.{r.model}", lang),
        "partner": r.partner,
        "country": _country(r, lang),
        "purpose": "" if pd.isna(r.sectors_printed) else r.sectors_printed,
        "source": f"{r.source} (l. {r.source_lines})",
    } for r in rows.sort_values(["record_type", "partnership_id"]).itertuples()]
    return pd.DataFrame(out, columns=["partnership_id", "kind", "model", "partner", "country", "purpose", "source"])


def sectors_table(commune_id: str, lang: str = "fr", data: ProfileData | None = None,
                  data_dir=None) -> pd.DataFrame:
    """The seven sectors: current cooperation (Tableau n°03) beside interests (Tableau n°6), and the gap."""
    from coopdata.data.sectors import gaps

    check_lang(lang)
    data = _data(data, data_dir)
    _commune(data, commune_id)
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
            "gap_text": "—" if st is None else tr(f"profile.status.{st}", lang),
            "current_in_printed_table": bool(cur.at[sector_id, "in_printed_table"]),
            "interest_in_printed_table": bool(itr.at[sector_id, "in_printed_table"]),
        })
    return pd.DataFrame(out)


def web_links(commune_id: str, data: ProfileData | None = None, data_dir=None) -> pd.DataFrame:
    """The sitography's references for the commune's partnerships; ``url`` is empty (NA) where not http(s)."""
    data = _data(data, data_dir)
    _commune(data, commune_id)
    own = commune_records(data, commune_id)
    refs = data.web_references[data.web_references["ref_id"].isin(own)]
    out = refs[["ref_id", "heading_printed", "label_printed"]].copy()
    out["url"] = [safe_url(u) for u in refs["url"]]
    out["url_printed"] = refs["url"].to_numpy()
    out["source"] = [f"{s} (l. {ln})" for s, ln in zip(refs["source"], refs["source_lines"], strict=True)]
    return out.sort_values("ref_id").reset_index(drop=True)


def unknowns(commune_id: str, lang: str = "fr", data: ProfileData | None = None, data_dir=None,
             as_of: dt.date | None = None) -> pd.DataFrame:
    """What the study leaves unknown for the commune, computed from empty cells, unknown cells and conflicts."""
    check_lang(lang)
    data = _data(data, data_dir)
    c = _commune(data, commune_id)
    conflicts = commune_conflicts(commune_id, data)
    rows: list[dict] = []

    def add(topic, detail, source, ref=""):
        rows.append({"topic": topic, "detail": detail, "source": source, "ref": ref})

    ident = identity(commune_id, lang, data, as_of=as_of)
    for f in ident.itertuples():
        if f.value is None or (not isinstance(f.value, str) and pd.isna(f.value)):
            if f.field == "population":
                add(f.label, tr("profile.u.population", lang, printed=c["population_printed"]), f.source,
                    ", ".join(conflicts.loc[conflicts["field"] == "communes.population", "conflict_id"].unique()))
            elif f.field != "density_per_km2":  # density follows the population
                add(f.label, tr("profile.not_printed", lang), f.source)
    if as_of is not None and as_of.year > int(c["term_end"]):
        add(tr("profile.mayor", lang), tr("profile.u.term_over", lang, start=c["term_start"], end=c["term_end"],
                                          date=fmt_date(as_of, lang)), ident.at["mayor", "source"])

    p = data.partnerships[data.partnerships["commune_id"] == commune_id].sort_values("partnership_id")
    for r in p.itertuples():
        missing = [tr(f"profile.field.{f}", lang) for f in ("start_year", "sectors_printed", "partner_country")
                   if pd.isna(getattr(r, f))]
        if r.partner_place_basis == "not_available":
            missing.append(tr("profile.u.place", lang))
        details = [tr("profile.u.record", lang, fields=", ".join(missing))] if missing else []
        if not pd.isna(r.sectors_printed) and _NOT_COLLECTED.search(r.sectors_printed):
            details.append(tr("profile.u.not_collected", lang, printed=r.sectors_printed))
        if details:
            topic = f"{r.partner} ({tr(f'model.{r.model}', lang)})"
            add(topic, _sep(lang).join(details), f"{r.source} (l. {r.source_lines})", r.partnership_id)

    for kind, cells, table in (("current", data.current, "Tableau n°03"), ("interest", data.interest, "Tableau n°6")):
        mine = cells[cells["commune_id"] == commune_id]
        unknown = [tr(f"sector.{s}", lang) for s in mine.loc[mine["value"] == "unknown", "sector_id"]]

        topic = tr(f"profile.{kind}", lang)
        if unknown:
            add(topic, tr("profile.u.cells", lang, n=len(unknown), total=len(mine), sectors=_sep(lang).join(unknown)),
                table)
        if not mine["in_printed_table"].all():
            ids = conflicts.loc[conflicts["field"] == f"sectors_{kind}.in_printed_table", "conflict_id"].unique()
            add(topic, tr("profile.row_not_printed", lang, table=table), table, ", ".join(ids))

    for cid, group in conflicts.groupby("conflict_id", sort=True):
        if (group["field"] == "communes.population").all() or group["field"].str.endswith("in_printed_table").all():
            continue  # already said above
        field = group["field"].iloc[0].split(".")[-1]
        try:
            field_label = tr(f"profile.field.{field}", lang)
        except KeyError:
            field_label = field
        add(_kv(group["subject"].iloc[0], field_label, lang),
            tr("profile.u.conflict", lang, values=values_text(group, lang)), "data/conflicts.csv", cid)
    return pd.DataFrame(rows, columns=["topic", "detail", "source", "ref"])


def timeline_points(commune_id: str, lang: str = "fr", data: ProfileData | None = None,
                    data_dir=None) -> pd.DataFrame:
    """One row per printed start year of each partnership (used = the Tableau n°01 year)."""
    data = _data(data, data_dir)
    table = partnerships_table(commune_id, lang, data)
    conflicts = commune_conflicts(commune_id, data)
    rows = []
    for r in table.itertuples():
        rows.append({"partnership_id": r.partnership_id, "partner": r.partner, "year": r.start_year,
                     "used": True, "printed_at": "Tableau n°01"})
        for v in _variants(conflicts, r.partnership_id, "start_year").itertuples():
            found = _YEAR.findall(str(v.value_printed))
            if found and int(found[-1]) != r.start_year:
                rows.append({"partnership_id": r.partnership_id, "partner": r.partner, "year": int(found[-1]),
                             "used": False, "printed_at": short_place(v.printed_at, lang)})
    df = pd.DataFrame(rows, columns=["partnership_id", "partner", "year", "used", "printed_at"])
    return df.drop_duplicates().reset_index(drop=True)


def _year_fraction(text) -> float:
    """"2019-08-15" → 2019.62; "2018-12" → 2018.96 (mid-month); "2001" → 2001.0."""
    parts = [int(x) for x in str(text).split("-")]
    if len(parts) == 1:
        return float(parts[0])
    day = dt.date(parts[0], parts[1], parts[2] if len(parts) > 2 else 15)
    return parts[0] + (day.timetuple().tm_yday - 1) / 365.25


def _short(text: str, n: int = 38) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def timeline_figure(commune_id: str, lang: str = "fr", data: ProfileData | None = None, data_dir=None):
    """A small plotly timeline: start years (Tableau n°01 filled, other printed years hollow), the special
    delegations period, the 2019 local elections and the study's survey date (data/events.csv, §2.1)."""
    import plotly.graph_objects as go

    data = _data(data, data_dir)
    c = _commune(data, commune_id)
    points = timeline_points(commune_id, lang, data)
    survey = _year_fraction(c["study_phase"])
    labels = {pid: _short(partner) for pid, partner in zip(points["partnership_id"], points["partner"], strict=True)}
    order = list(dict.fromkeys(points.sort_values(["year", "partnership_id"])["partnership_id"]))
    y_of = {pid: labels[pid] for pid in order}
    fig = go.Figure()
    used = points[points["used"]]
    for i, r in enumerate(used.itertuples()):
        fig.add_trace(go.Scatter(x=[r.year, survey], y=[y_of[r.partnership_id]] * 2, mode="lines",
                                 line={"color": "#9aa5b1", "width": 2}, hoverinfo="skip",
                                 name=tr("profile.listed_until", lang), legendgroup="line", showlegend=i == 0))
    fig.add_trace(go.Scatter(
        x=used["year"], y=[y_of[p] for p in used["partnership_id"]], mode="markers+text",
        marker={"size": 12, "color": "#1f5f99"}, text=[str(y) for y in used["year"]], textposition="top center",
        name=tr("profile.start_used", lang),
        customdata=used[["partner"]].to_numpy(),
        hovertemplate="%{customdata[0]}<br>%{x} (Tableau n°01)<extra></extra>",
    ))
    other = points[~points["used"]]
    if not other.empty:
        fig.add_trace(go.Scatter(
            x=other["year"], y=[y_of[p] for p in other["partnership_id"]], mode="markers+text",
            marker={"size": 11, "color": "white", "line": {"color": "#c0392b", "width": 2}, "symbol": "diamond"},
            text=[str(y) for y in other["year"]], textposition="bottom center", textfont={"color": "#c0392b"},
            name=tr("profile.start_other", lang), customdata=other[["partner", "printed_at"]].to_numpy(),
            hovertemplate="%{customdata[0]}<br>%{x} (%{customdata[1]})<extra></extra>",
        ))
    # events are drawn as shapes and named in the legend (labels on the plot collide when years are close)
    def legend_entry(name, **style):
        fig.add_trace(go.Scatter(x=[None], y=[None], name=name, hoverinfo="skip", **style))

    for e in data.events.itertuples():
        if e.kind == "period":
            fig.add_vrect(x0=int(e.start), x1=int(e.end), fillcolor="#f0e6c8", opacity=0.6, line_width=0,
                          layer="below")
            legend_entry(f"{tr('profile.delegations', lang)} ({e.start}–{e.end})", mode="markers",
                         marker={"symbol": "square", "size": 12, "color": "#f0e6c8"})
    dates = [_year_fraction(e.start) for e in data.events.itertuples() if e.kind == "date"]
    if dates:
        fig.add_vline(x=sum(dates) / len(dates), line={"color": "#555", "dash": "dot", "width": 1})
        legend_entry(tr("profile.elections", lang), mode="lines", line={"color": "#555", "dash": "dot"})
    fig.add_vline(x=survey, line={"color": "#1f5f99", "dash": "dash", "width": 1})
    legend_entry(f"{tr('profile.survey', lang)} ({c['study_phase']})", mode="lines",
                 line={"color": "#1f5f99", "dash": "dash"})
    years = list(points["year"]) + [survey, 2001]
    fig.update_layout(
        title={"text": tr("profile.timeline_title", lang, commune=c["commune"]), "font": {"size": 15},
               "subtitle": {"text": tr("profile.timeline_source", lang), "font": {"size": 10, "color": "#555"}}},
        width=680, height=230 + 46 * len(order), margin={"l": 10, "r": 20, "t": 70, "b": 115},
        template="plotly_white", font={"family": "DejaVu Sans, Arial, sans-serif", "size": 11},
        legend={"orientation": "h", "yref": "container", "y": 0.01, "yanchor": "bottom", "x": 0,
                "font": {"size": 10}},
        xaxis={"title": tr("profile.year", lang), "range": [min(years) - 3, max(years) + 3], "dtick": 5},
        yaxis={"categoryorder": "array", "categoryarray": list(y_of.values())[::-1], "automargin": True,
               "range": [-0.8, len(order) - 0.2]},
    )
    return fig


# --------------------------------------------------------------------------- the profile

@dataclass
class Profile:
    commune_id: str
    name: str
    lang: str
    as_of: dt.date | None
    identity: pd.DataFrame
    partnerships: pd.DataFrame
    leads: pd.DataFrame
    sectors: pd.DataFrame
    links: pd.DataFrame
    unknowns: pd.DataFrame
    data: ProfileData

    def timeline_figure(self):
        return timeline_figure(self.commune_id, self.lang, self.data)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The sheet's tables by file-name part, for CSV export."""
        return {"identity": self.identity.reset_index(drop=True), "partnerships": self.partnerships,
                "leads": self.leads, "sectors": self.sectors, "links": self.links, "unknowns": self.unknowns}


def build_profile(commune, lang: str = "fr", data_dir=None, as_of: dt.date | None = None,
                  data: ProfileData | None = None) -> Profile:
    """Everything the sheet shows for ``commune`` (any spelling match_commune accepts)."""
    check_lang(lang)
    data = _data(data, data_dir)
    commune_id = match_commune(commune, data.communes)
    name = str(_commune(data, commune_id)["commune"])
    return Profile(
        commune_id=commune_id, name=name, lang=lang, as_of=as_of,
        identity=identity(commune_id, lang, data, as_of=as_of),
        partnerships=partnerships_table(commune_id, lang, data),
        leads=leads_table(commune_id, lang, data),
        sectors=sectors_table(commune_id, lang, data),
        links=web_links(commune_id, data),
        unknowns=unknowns(commune_id, lang, data, as_of=as_of),
        data=data,
    )


def write_tables(profile: Profile, tables_dir, prefix: str | None = None) -> list[Path]:
    """Each table of the sheet as ``<slug>_<table>.csv`` (deterministic); returns the paths."""
    from coopdata.report.png import write_table_csv

    prefix = prefix or slug(profile.name)
    paths = []
    for key, df in profile.tables().items():
        path = Path(tables_dir) / f"{prefix}_{key}.csv"
        write_table_csv(df, path)
        paths.append(path)
    return paths


# --------------------------------------------------------------------------- HTML

def table_html(df: pd.DataFrame, columns: dict[str, str], caption: str = "", cls: str = "cp-table") -> str:
    """An escaped HTML table of ``columns`` {column: header}; cells that are ``Safe`` are kept as built."""
    head = "".join(f"<th scope=\"col\">{esc(h)}</th>" for h in columns.values())
    body = []
    for row in df.itertuples(index=False):
        values = row._asdict()
        cells = "".join(f"<td>{v if isinstance(v, Safe) else esc(v)}</td>"
                        for v in (values[c] for c in columns))
        body.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return f'<table class="{esc(cls)}">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _section(key: str, body: str, lang: str, source: str = "", cls: str = "") -> str:
    src = f'<p class="cp-source">{esc(source)}</p>' if source else ""
    return (f'<section class="cp-section {esc(cls)}"><h2 class="cp-h2">{esc(tr(key, lang))}</h2>'
            f"{body}{src}</section>")


def png_img(path, alt: str, cls: str = "cp-img") -> str:
    """A PNG embedded as a data URI (the exported HTML stays self-contained)."""
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f'<img class="{esc(cls)}" alt="{esc(alt)}" src="data:image/png;base64,{data}">'


def header_html(profile: Profile) -> str:
    lang = profile.lang
    ident = profile.identity
    sub = " · ".join(_kv(tr(f, lang) if f != "urban_centre" else tr("profile.urban_centre", lang),
                         ident.at[f, "text"], lang) for f in _IN_HEADER[1:])
    return (f'<header class="cp-header"><p class="cp-kicker">{esc(tr("profile.subtitle", lang))}</p>'
            f'<h1 class="cp-h1">{esc(tr("profile.title", lang, commune=profile.name))}</h1>'
            f'<p class="cp-sub">{esc(sub)}</p></header>')


_IN_HEADER = ("commune", "region", "prefecture", "urban_centre")


def identity_html(profile: Profile, map_png=None) -> str:
    """The identity card (a two-column table), with the static location map beside it when given."""
    lang = profile.lang
    rows = "".join(f'<tr><th scope="row">{esc(r.label)}</th><td>{esc(r.text)}</td></tr>'
                   for r in profile.identity.itertuples() if r.field not in _IN_HEADER)
    card = f'<table class="cp-identity"><tbody>{rows}</tbody></table>'
    if map_png is not None and Path(map_png).is_file():
        # the PNG carries its own title, source and attributions (coopdata.views.maps); the footer repeats them
        card += f'<figure class="cp-figure cp-map">{png_img(map_png, tr("profile.map_caption", lang))}</figure>'
    sources = "; ".join(dict.fromkeys(profile.identity["source"]))
    return _section("profile.identity", f'<div class="cp-card">{card}</div>', lang,
                    _kv(tr("source", lang), sources, lang))


def screen_only_html(fragment: str, title: str = "") -> str:
    """Wrap trusted HTML (e.g. a folium map's own _repr_html_) so that it is not printed."""
    head = f'<p class="cp-note">{esc(title)}</p>' if title else ""
    return f'<div class="cp-screen-only">{head}{fragment}</div>'


def partnerships_html(profile: Profile) -> str:
    lang = profile.lang
    cols = {"partner": tr("partner", lang), "country": tr("country", lang), "model": tr("model", lang),
            "since": tr("profile.since", lang), "sectors_printed": tr("profile.sectors_printed", lang),
            "other_values": tr("profile.other_values", lang), "conflicts": tr("profile.conflicts", lang)}
    body = table_html(profile.partnerships, cols) if len(profile.partnerships) else \
        f"<p>{esc(tr('profile.none', lang))}</p>"
    sources = "; ".join(dict.fromkeys(profile.partnerships["source"]))
    src = _kv(tr("source", lang), sources, lang) + _sep(lang) + _kv(tr("profile.conflicts", lang).lower(),
                                                                   "data/conflicts.csv", lang)
    return _section("profile.partnerships", body, lang, src)


def timeline_html(profile: Profile, timeline_png) -> str:
    """The timeline as a static image, for a one-piece sheet (the notebook shows the interactive figure)."""
    img = png_img(timeline_png, tr("profile.timeline_title", profile.lang, commune=profile.name))
    return _section("profile.timeline", f'<figure class="cp-figure">{img}</figure>', profile.lang)


def sectors_html(profile: Profile) -> str:
    lang = profile.lang
    df = profile.sectors.copy()
    for col in ("current_text", "interest_text", "gap_text"):
        value_col = col.replace("_text", "")
        df[col] = [Safe(f'<span class="cp-v cp-v-{esc(v)}">{esc(t)}</span>') if v else Safe(esc(t))
                   for v, t in zip(df[value_col], df[col], strict=True)]
    cols = {"sector": tr("sector", lang), "current_text": tr("profile.current", lang),
            "interest_text": tr("profile.interest", lang), "gap_text": tr("profile.gap", lang)}
    notes = []
    for kind, table in (("current", "Tableau n°03"), ("interest", "Tableau n°6")):
        if not profile.sectors[f"{kind}_in_printed_table"].all():
            notes.append(f'<p class="cp-note">{esc(tr("profile.row_not_printed", lang, table=table))}</p>')
    return _section("profile.sectors", table_html(df, cols) + "".join(notes), lang,
                    tr("profile.sectors_source", lang))


def leads_html(profile: Profile) -> str:
    lang = profile.lang
    cols = {"kind": tr("profile.kind", lang), "model": tr("model", lang), "partner": tr("partner", lang),
            "country": tr("country", lang), "purpose": tr("profile.purpose", lang), "source": tr("source", lang)}
    body = table_html(profile.leads, cols) if len(profile.leads) else f"<p>{esc(tr('profile.none', lang))}</p>"
    return _section("profile.leads", body, lang)


def links_html(profile: Profile) -> str:
    lang = profile.lang
    if profile.links.empty:
        return _section("profile.links", f"<p>{esc(tr('profile.none', lang))}</p>", lang)
    items = []
    for heading, group in profile.links.groupby("heading_printed", sort=False):
        lis = []
        for r in group.itertuples():
            if pd.isna(r.url):
                lis.append(f'<li>{esc(r.label_printed)} — {esc(r.url_printed)} '
                           f'<em>({esc(tr("profile.unsafe_link", lang))})</em></li>')
            else:
                lis.append(f"<li>{link_html(r.url, r.label_printed)}</li>")
        items.append(f'<li><span class="cp-link-head">{esc(heading)}</span><ul>{"".join(lis)}</ul></li>')
    return _section("profile.links", f'<ul class="cp-links">{"".join(items)}</ul>', lang,
                    tr("profile.links_source", lang))


def unknowns_html(profile: Profile) -> str:
    lang = profile.lang
    intro = f'<p class="cp-note">{esc(tr("profile.unknowns_intro", lang))}</p>'
    if profile.unknowns.empty:
        none = f"<p>{esc(tr('profile.none', lang))}</p>"
        return _section("profile.unknowns", intro + none, lang, cls="cp-unknowns")
    cols = {"topic": tr("profile.topic", lang), "detail": tr("profile.detail", lang), "source": tr("source", lang),
            "ref": tr("profile.ref", lang)}
    table = table_html(profile.unknowns, cols, cls="cp-table cp-long")
    return _section("profile.unknowns", intro + table, lang, cls="cp-unknowns")


def footer_html(profile: Profile) -> str:
    lang = profile.lang
    date = fmt_date(profile.as_of or dt.date.today(), lang)
    text = tr("profile.footer", lang, date=date, study=tr("study", lang))
    return (f'<footer class="cp-footer"><p>{esc(text)}</p>'
            f'<p>{esc(tr("attribution_ne", lang))} · {esc(tr("attribution_gn", lang))}</p></footer>')


def sheet_html(profile: Profile, map_png=None, timeline_png=None) -> str:
    """The whole printable sheet in one fragment (the notebook shows it section by section)."""
    parts = [header_html(profile), identity_html(profile, map_png), partnerships_html(profile)]
    if timeline_png is not None:
        parts.append(timeline_html(profile, timeline_png))
    parts += [sectors_html(profile), leads_html(profile), links_html(profile), unknowns_html(profile),
              footer_html(profile)]
    return f'<article class="cp-sheet">{"".join(parts)}</article>'
