"""The printable presentation sheet of one commune (notebook 10): its texts, tables, timeline and HTML.

``coopdata.analysis.profile`` says what the sheet shows (a ``Profile`` of frames); here it is written:
numbers and dates by ``coopdata.views.style``, labels by ``tr``, tables by the one table renderer
(``coopdata.views.tables.html_table``), the timeline by the report's (``coopdata.views.charts.timeline``
for this commune). Every data string is HTML-escaped; links are http(s) only.

Nothing implies the present: each partnership says what its last source says and when (« listé en
décembre 2018 (étude) », « confirmé le 28 avril 2022 (…) ») and its status only where a source states it;
a value no source gives reads « non renseigné » (« année inconnue » for a start year).
"""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

import pandas as pd

from coopdata.analysis.profile import (
    COMMUNE_PAGE,
    SECTOR_TABLES,
    Profile,
    cite,
    grouped_values,
    in_study,
    phase_number,
    short_place,
    variants,
)
from coopdata.core.i18n import tr
from coopdata.core.io import write_table_csv
from coopdata.core.text import esc, is_missing, safe_url, slug
from coopdata.views.charts import confirmation_text, status_text, timeline
from coopdata.views.style import MONTHS, colon, fmt_date, fmt_int, fmt_num, list_sep
from coopdata.views.tables import html_table

_IN_HEADER = ("commune", "region", "prefecture", "urban_centre")


def _kv(label: str, value: str, lang: str) -> str:
    """« Label : value » in French typography, "Label: value" in English."""
    return f"{label}{colon(lang)}{value}"


# --------------------------------------------------------------------------- texts

def year_text(start_year, years: pd.DataFrame, lang: str = "fr") -> str:
    """« 1991 (Tableau n°01, Carte n°02) ; 1993 (page commune) »; the plain year when no source disagrees."""
    if years.empty:
        return tr("year_unknown", lang) if is_missing(start_year) else str(int(start_year))
    return list_sep(lang).join(f"{value} ({', '.join(places)})" for value, places, _ in grouped_values(years, lang))


def values_text(group: pd.DataFrame, lang: str = "fr") -> str:
    """The competing values of one conflict: « « 1991 » (Tableau n°01, Carte n°02 ; retenue) ; « 1993 » (page
    commune) »."""
    sep = list_sep(lang)
    return sep.join(f"« {value} » ({', '.join(places)}{sep + tr('profile.used', lang) if used else ''})"
                    for value, places, used in grouped_values(group, lang))


def identity_table(profile: Profile) -> pd.DataFrame:
    """``profile.identity`` with the ``text`` each value is shown as (before its source)."""
    lang, c, conflicts = profile.lang, profile.commune, profile.conflicts
    ident = profile.identity
    value = ident["value"].to_dict()
    not_given = tr("profile.not_given", lang)
    pop_conflicts = conflicts.loc[conflicts["field"] == "communes.population", "conflict_id"].unique()
    texts = {f: not_given for f, v in value.items() if is_missing(v)}  # what no source gives
    if value["population"] is None and not is_missing(c.get("population_printed")):
        ref = tr("profile.conflict_ref", lang, ids=", ".join(pop_conflicts)) if len(pop_conflicts) else ""
        texts["population"] = tr("profile.unknown_printed", lang, printed=c["population_printed"], conflict=ref)
    elif value["population"] is not None:
        texts["population"] = fmt_int(value["population"], lang)
    density = value["density_per_km2"]
    texts["density_per_km2"] = (f"{fmt_num(density, lang)} {tr('profile.density_unit', lang)}" if density is not None
                                else tr("profile.not_computable", lang))
    if value["mayor"] is not None:
        term = [str(c[k]) for k in ("term_start", "term_end") if not is_missing(c.get(k))]
        texts["mayor"] = f"{value['mayor']} ({'–'.join(term)})" if term else str(value["mayor"])
        if profile.term_over:
            texts["mayor"] += f", {tr('profile.term_over', lang, date=fmt_date(profile.as_of, lang))}"
    n = phase_number(profile.data, value["study_phase"])
    if n is not None:
        year, month = (int(x) for x in str(value["study_phase"]).split("-"))
        texts["study_phase"] = tr("profile.phase_text_1" if n == 1 else "profile.phase_text", lang,
                                  month=f"{MONTHS[lang][month - 1]} {year}", n=n)
    coop = value["cooperation_sentence"]
    if coop is not None:
        texts["cooperation_sentence"] = f"« {coop} »"
        page_ids = conflicts.loc[conflicts["printed_at"].str.startswith(COMMUNE_PAGE) & (conflicts["used"] == "no")
                                 & conflicts["field"].str.startswith("partnerships."), "conflict_id"].unique()
        if len(page_ids):
            texts["cooperation_sentence"] += f" ({tr('profile.see_conflicts', lang, ids=', '.join(sorted(page_ids)))})"
    elif in_study(c):
        texts["cooperation_sentence"] = tr("profile.not_printed", lang)
    if value["distance_km"] is not None:
        texts["distance_km"] = tr("profile.distance_text", lang, km=fmt_int(value["distance_km"], lang),
                                  town=c["distance_from"])
    if value["area_km2"] is not None:
        texts["area_km2"] = fmt_int(value["area_km2"], lang)
    if value["petit_plus"] is not None:
        texts["petit_plus"] = f"« {value['petit_plus']} »"
    out = ident.copy()
    out.insert(3, "text", [texts.get(f, v) for f, v in zip(out["field"], out["value"], strict=True)])
    return out


def known_text(row, profile: Profile) -> str:
    """What the sources say of one partnership of ``profile.partnerships``: its last confirmation and, where a
    source states it, its status (« listé en février 2020 (étude) » ; « statut : actif depuis … (…) »)."""
    sources = profile.data.sources
    parts = [confirmation_text(row, sources, profile.lang), status_text(row, sources, profile.lang)]
    return list_sep(profile.lang).join(p for p in parts if p) or tr("profile.not_given", profile.lang)


def partnerships_table(profile: Profile) -> pd.DataFrame:
    """``profile.partnerships`` with ``since`` (every printed start year and where, « année inconnue » when none),
    ``other_values`` (other partner names printed) and ``known`` (last confirmation and status, :func:`known_text`)."""
    lang, conflicts = profile.lang, profile.conflicts
    out = profile.partnerships.copy()
    since, others = [], []
    known = [known_text(r, profile) for r in out.to_dict("records")]
    for r in out.itertuples():
        since.append(year_text(r.start_year, variants(conflicts, r.partnership_id, "start_year"), lang))
        names = variants(conflicts, r.partnership_id, "partner")
        others.append(list_sep(lang).join(f"« {v.value_printed} » ({short_place(v.printed_at, lang)})"
                                          for v in names.itertuples() if v.used == "no"))
    out.insert(5, "since", since)
    out.insert(7, "other_values", others)
    out.insert(8, "known", known)
    return out


def unknowns_table(profile: Profile) -> pd.DataFrame:
    """What the sources leave unknown for the commune, computed from empty cells, unknown cells and conflicts
    (« non imprimé » for what the study does not print, « non renseigné » for what no source gives)."""
    lang, c, conflicts, data = profile.lang, profile.commune, profile.conflicts, profile.data
    sep = list_sep(lang)
    study = in_study(c)
    rows: list[dict] = []

    def add(topic, detail, source, ref=""):
        rows.append({"topic": topic, "detail": detail, "source": source, "ref": ref})

    ident = profile.identity
    for f in ident.itertuples():
        if is_missing(f.value):
            if f.field == "population" and not is_missing(c.get("population_printed")):
                add(f.label, tr("profile.u.population", lang, printed=c["population_printed"]), f.source,
                    ", ".join(conflicts.loc[conflicts["field"] == "communes.population", "conflict_id"].unique()))
            elif f.field != "density_per_km2":  # density follows the population
                add(f.label, tr("profile.not_printed" if study else "profile.not_given", lang), f.source)
    if profile.term_over:
        add(tr("profile.mayor", lang), tr("profile.u.term_over", lang, start=c["term_start"], end=c["term_end"],
                                          date=fmt_date(profile.as_of, lang)), ident.at["mayor", "source"])

    p = data.partnerships[data.partnerships["commune_id"] == profile.commune_id].sort_values("partnership_id")
    for r in p.itertuples():
        missing = [tr(f"profile.field.{f}", lang) for f in ("start_year", "sectors_printed", "partner_country")
                   if is_missing(getattr(r, f))]
        if r.partner_place_basis == "not_available":
            missing.append(tr("profile.u.place", lang))
        from_study = not is_missing(r.source_lines)  # only the study's rows cite lines of its text
        key = "profile.u.record" if from_study else "profile.u.record_not_given"
        details = [tr(key, lang, fields=", ".join(missing))] if missing else []
        if not is_missing(r.sectors_printed) and "non recueilli" in r.sectors_printed.lower():
            details.append(tr("profile.u.not_collected", lang, printed=r.sectors_printed))
        if details:
            topic = f"{r.partner} ({tr(f'model.{r.model}', lang)})"
            add(topic, sep.join(details), cite(r.source_id, r.source, r.source_lines, data.sources), r.partnership_id)

    if not study:
        add(tr("profile.sectors", lang), tr("profile.out_of_study", lang),
            "data/sectors_current.csv, data/sectors_interest.csv")
    for kind, table in SECTOR_TABLES * study:
        cells = data.current if kind == "current" else data.interest
        mine = cells[cells["commune_id"] == profile.commune_id]
        unknown = [tr(f"sector.{s}", lang) for s in mine.loc[mine["value"] == "unknown", "sector_id"]]
        topic = tr(f"profile.{kind}", lang)
        if unknown:
            add(topic, tr("profile.u.cells", lang, n=len(unknown), total=len(mine), sectors=sep.join(unknown)), table)
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


def tables(profile: Profile) -> dict[str, pd.DataFrame]:
    """The sheet's tables by file-name part, as shown, for CSV export."""
    return {"identity": identity_table(profile).reset_index(drop=True), "partnerships": partnerships_table(profile),
            "leads": profile.leads, "sectors": profile.sectors, "links": profile.links,
            "unknowns": unknowns_table(profile)}


def write_tables(profile: Profile, tables_dir, prefix: str | None = None) -> list[Path]:
    """Each table of the sheet as ``<slug>_<table>.csv`` (deterministic); returns the paths."""
    prefix = prefix or slug(profile.name)
    paths = []
    for key, df in tables(profile).items():
        path = Path(tables_dir) / f"{prefix}_{key}.csv"
        write_table_csv(df, path)
        paths.append(path)
    return paths


def timeline_figure(profile: Profile):
    """The report's timeline (``coopdata.views.charts.timeline``) for this commune, sized for the sheet."""
    d = profile.data
    return timeline(d.partnerships, d.conflicts, d.events, profile.as_of, profile.lang, communes=d.communes,
                    commune_id=profile.commune_id, life_events=d.life_events, sources=d.sources)


# --------------------------------------------------------------------------- HTML

def link_html(url, label) -> str:
    """An escaped link, or the escaped text when the address is not http(s)."""
    target = safe_url(url)
    if target is None:
        return f'<span class="cp-nolink">{esc(label)}</span>'
    return f'<a href="{esc(target)}" rel="noopener" target="_blank">{esc(label)}</a>'


def table_html(df: pd.DataFrame, columns: dict[str, str], key: str, caption: str = "", cls: str = "cp-table",
               html_columns: tuple[str, ...] = ()) -> str:
    """``df``'s ``columns`` {column: header} through the one table renderer (``html_table``), with the sheet's CSS
    class and no inline style; every cell is escaped by ``esc`` except those of ``html_columns`` (HTML built here)."""
    shown = df[list(columns)].rename(columns=columns)
    styler = html_table(shown, caption or None, index=False).set_table_styles([], overwrite=True)
    plain = [h for c, h in columns.items() if c not in html_columns]
    styler = styler.format(esc, subset=plain, escape=None)
    if html_columns:
        styler = styler.format(str, subset=[columns[c] for c in html_columns], escape=None)
    styler.cell_ids = False
    return styler.to_html(table_uuid=f"cp-{key}", table_attributes=f'class="{esc(cls)}"')


def _section(key: str, body: str, lang: str, source: str = "", cls: str = "") -> str:
    src = f'<p class="cp-source">{esc(source)}</p>' if source else ""
    return (f'<section class="cp-section {esc(cls)}"><h2 class="cp-h2">{esc(tr(key, lang))}</h2>'
            f"{body}{src}</section>")


def _none(lang: str) -> str:
    return f"<p>{esc(tr('profile.none', lang))}</p>"


def png_img(path, alt: str, cls: str = "cp-img") -> str:
    """A PNG embedded as a data URI (the exported HTML stays self-contained)."""
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f'<img class="{esc(cls)}" alt="{esc(alt)}" src="data:image/png;base64,{data}">'


def header_html(profile: Profile) -> str:
    lang = profile.lang
    ident = identity_table(profile)
    sub = " · ".join(_kv(ident.at[f, "label"], ident.at[f, "text"], lang) for f in _IN_HEADER[1:])
    return (f'<header class="cp-header"><p class="cp-kicker">{esc(tr("profile.subtitle", lang))}</p>'
            f'<h1 class="cp-h1">{esc(tr("profile.title", lang, commune=profile.name))}</h1>'
            f'<p class="cp-sub">{esc(sub)}</p></header>')


def identity_html(profile: Profile, map_png=None) -> str:
    """The identity card (a two-column table), with the static location map beside it when given."""
    lang = profile.lang
    ident = identity_table(profile)
    rows = "".join(f'<tr><th scope="row">{esc(r.label)}</th><td>{esc(r.text)}</td></tr>'
                   for r in ident.itertuples() if r.field not in _IN_HEADER)
    card = f'<table class="cp-identity"><tbody>{rows}</tbody></table>'
    if map_png is not None and Path(map_png).is_file():
        # the PNG carries its own title, source and attributions (coopdata.views.maps); the footer repeats them
        card += f'<figure class="cp-figure cp-map">{png_img(map_png, tr("profile.map_caption", lang))}</figure>'
    sources = "; ".join(dict.fromkeys(ident["source"]))
    return _section("profile.identity", f'<div class="cp-card">{card}</div>', lang,
                    _kv(tr("col.source", lang), sources, lang))


def screen_only_html(fragment: str, title: str = "") -> str:
    """Wrap trusted HTML (e.g. a folium map's own _repr_html_) so that it is not printed."""
    head = f'<p class="cp-note">{esc(title)}</p>' if title else ""
    return f'<div class="cp-screen-only">{head}{fragment}</div>'


def partnerships_html(profile: Profile) -> str:
    lang = profile.lang
    cols = {"partner": tr("col.partner", lang), "country": tr("country", lang),
            "model": tr("model_of_cooperation", lang), "since": tr("profile.since", lang),
            "known": tr("profile.known", lang), "sectors_printed": tr("profile.sectors_printed", lang),
            "other_values": tr("profile.other_values", lang), "conflicts": tr("profile.conflicts", lang)}
    table = partnerships_table(profile)
    body = table_html(table, cols, "partnerships") if len(table) else _none(lang)
    sources = "; ".join(dict.fromkeys(table["source"]))
    src = _kv(tr("col.source", lang), sources, lang) + list_sep(lang) + _kv(tr("profile.conflicts", lang).lower(),
                                                                       "data/conflicts.csv", lang)
    return _section("partnerships", body, lang, src)


def timeline_html(profile: Profile, timeline_png) -> str:
    """The timeline as a static image, for a one-piece sheet (the notebook shows the interactive figure)."""
    img = png_img(timeline_png, tr("profile.timeline_title", profile.lang, commune=profile.name))
    return _section("profile.timeline", f'<figure class="cp-figure">{img}</figure>', profile.lang)


def sectors_html(profile: Profile) -> str:
    lang = profile.lang
    df = profile.sectors.copy()
    for col in ("current_text", "interest_text", "gap_text"):
        value_col = col.replace("_text", "")
        df[col] = [f'<span class="cp-v cp-v-{esc(v)}">{esc(t)}</span>' if not is_missing(v) else esc(t)
                   for v, t in zip(df[value_col], df[col], strict=True)]
    cols = {"sector": tr("col.sector", lang), "current_text": tr("profile.current", lang),
            "interest_text": tr("profile.interest", lang), "gap_text": tr("profile.gap", lang)}
    notes = [f'<p class="cp-note">{esc(tr("profile.row_not_printed", lang, table=table))}</p>'
             for kind, table in SECTOR_TABLES if not profile.sectors[f"{kind}_in_printed_table"].all()]
    if not in_study(profile.commune):  # the derived cells of a commune the study did not survey say nothing
        notes = [f'<p class="cp-note">{esc(tr("profile.out_of_study", lang))}</p>']
    body = table_html(df, cols, "sectors", html_columns=("current_text", "interest_text", "gap_text"))
    return _section("profile.sectors", body + "".join(notes), lang, tr("profile.sectors_source", lang))


def leads_html(profile: Profile) -> str:
    lang = profile.lang
    cols = {"kind": tr("col.nature", lang), "model": tr("model_of_cooperation", lang),
            "partner": tr("col.partner", lang), "country": tr("country", lang), "purpose": tr("profile.purpose", lang),
            "source": tr("col.source", lang)}
    body = table_html(profile.leads, cols, "leads") if len(profile.leads) else _none(lang)
    return _section("profile.leads", body, lang)


def links_html(profile: Profile) -> str:
    lang = profile.lang
    if profile.links.empty:
        return _section("profile.links", _none(lang), lang)
    items = []
    for heading, group in profile.links.groupby("heading_printed", sort=False):
        lis = []
        for r in group.itertuples():
            if is_missing(r.url):
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
    unknowns = unknowns_table(profile)
    if unknowns.empty:
        return _section("profile.unknowns", intro + _none(lang), lang, cls="cp-unknowns")
    cols = {"topic": tr("profile.topic", lang), "detail": tr("what_is_missing", lang), "source": tr("col.source", lang),
            "ref": tr("profile.ref", lang)}
    table = table_html(unknowns, cols, "unknowns", cls="cp-table cp-long")
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
