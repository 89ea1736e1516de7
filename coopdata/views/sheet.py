"""The presentation sheet of one commune (notebook 10): one A4 page a commune hands to a prospective partner.

``coopdata.analysis.profile`` says what the sheet shows (a ``Profile`` of frames); here it is written in the run's
language (``tr``; numbers and dates by ``coopdata.views.style``), tables by ``coopdata.views.tables.html_table``, the
timeline by the report's (``coopdata.views.charts.timeline``). Every data string is HTML-escaped; links are http(s).
Nothing implies the present: each partnership says what its last source says and when, its status only where a
source states it; a value no source gives reads « non renseigné ». Readers see sources by document and section
(« étude ProDeGoL, §5.1 », « Le Temps (Togo), 23 février 2017 »); the text's line numbers and file names stay in the
CSV tables and the annex. ``caption``: the report's numbering (``Report.table``, ``Report.figure_caption``).
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from coopdata.analysis.profile import (
    COMMUNE_PAGE,
    SECTOR_TABLES,
    Profile,
    cite,
    grouped_values,
    in_study,
    phase_number,
    printed_where,
    publisher,
    short_place,
    variants,
)
from coopdata.core.i18n import tr
from coopdata.core.io import write_table_csv
from coopdata.core.text import esc, is_missing, safe_url, slug
from coopdata.views import static_maps
from coopdata.views.charts import confirmation_text, status_text, timeline
from coopdata.views.style import MONTHS, colon, fmt_date, fmt_int, fmt_num, fmt_partial_date, list_sep
from coopdata.views.tables import html_table

_IN_HEADER = ("commune", "region", "prefecture", "urban_centre")
_SHORT = ("distance_km", "population", "area_km2", "density_per_km2", "study_phase")  # side by side on the card
Caption = Callable[[str], object] | None  # Report.table (a str) or Report.figure_caption (an HTML object)


def _kv(label: str, value: str, lang: str) -> str:  # « Label : value » / "Label: value"
    return f"{label}{colon(lang)}{value}"


# --------------------------------------------------------------------------- sources, for readers

def source_name(source_id, sources: pd.DataFrame, lang: str = "fr", short: bool = False) -> str:
    """« étude ProDeGoL », else publisher and date: « Le Temps (Togo), 23 février 2017 » (``short``: « CNCD »)."""
    name = publisher(source_id, sources, short)
    if name is None:
        return tr("profile.src.study", lang)
    date = sources.loc[sources["source_id"] == source_id, "date"].iloc[0]
    return name if is_missing(date) else f"{name}, {fmt_partial_date(date, lang)}"


def where_text(source_id, locator, sources: pd.DataFrame, lang: str = "fr") -> str:
    """« étude ProDeGoL, §5.1 », or a later source's :func:`source_name` (its English locator stays in the CSV)."""
    row = sources[sources["source_id"] == source_id]
    if (row.empty or row["kind"].iloc[0] == "study") and not is_missing(locator) and str(locator):
        return f"{tr('profile.src.study', lang)}, {short_place(str(locator), lang)}"
    return source_name(source_id, sources, lang)


def _sources_text(items, lang: str) -> str:  # « Source : a » / « Sources : a ; b » (each once)
    items = list(dict.fromkeys(i for i in items if i))
    key = "profile.src.one" if len(items) == 1 else "profile.src.many"
    return tr(key, lang, sources=list_sep(lang).join(items)) if items else ""


# --------------------------------------------------------------------------- texts

def year_text(start_year, years: pd.DataFrame, lang: str = "fr", sources: pd.DataFrame | None = None) -> str:
    """« 1991 (Tableau n°01, Carte n°02) ; 1993 (page commune) »; the plain year when no source disagrees."""
    if years.empty:
        return tr("year_unknown", lang) if is_missing(start_year) else str(int(start_year))
    return list_sep(lang).join(f"{value} ({', '.join(places)})"
                               for value, places, _ in grouped_values(years, lang, sources))


def values_text(group: pd.DataFrame, lang: str = "fr", sources: pd.DataFrame | None = None) -> str:
    """A conflict's values: « « 1991 » (Tableau n°01, Carte n°02 ; retenue) ; « 1993 » (page commune) »."""
    sep = list_sep(lang)
    return sep.join(f"« {value} » ({', '.join(places)}{sep + tr('profile.used', lang) if used else ''})"
                    for value, places, used in grouped_values(group, lang, sources))


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
    """A partnership's last confirmation and stated status: « listé en février 2020 (étude) ; statut : actif … »."""
    sources = profile.data.sources
    parts = [confirmation_text(row, sources, profile.lang), status_text(row, sources, profile.lang)]
    return list_sep(profile.lang).join(p for p in parts if p) or tr("profile.not_given", profile.lang)


def partnerships_table(profile: Profile) -> pd.DataFrame:
    """``profile.partnerships`` with ``since`` (every printed start year and where, « année inconnue » when none),
    ``other_values`` (other partner names printed), ``known`` (last confirmation and status, :func:`known_text`)
    and ``where`` (the row's source for readers, :func:`where_text`)."""
    lang, conflicts = profile.lang, profile.conflicts
    out = profile.partnerships.copy()
    since, others = [], []
    known = [known_text(r, profile) for r in out.to_dict("records")]
    for r in out.itertuples():
        since.append(year_text(r.start_year, variants(conflicts, r.partnership_id, "start_year"), lang,
                               profile.data.sources))
        names = variants(conflicts, r.partnership_id, "partner")
        others.append(list_sep(lang).join(f"« {v.value_printed} » ({printed_where(v, lang, profile.data.sources)})"
                                          for v in names.itertuples() if v.used == "no"))
    out.insert(5, "since", since)
    out.insert(7, "other_values", others)
    out.insert(8, "known", known)
    out["where"] = [where_text(s, loc, profile.data.sources, lang) for s, loc in zip(out["source_id"], out["locator"],
                                                                                     strict=True)]
    return out


def unknowns_table(profile: Profile) -> pd.DataFrame:
    """What the sources leave unknown for the commune, computed from empty cells, unknown cells and conflicts
    (« non imprimé » for what the study does not print, « non renseigné » for what no source gives).
    ``source`` cites the study's lines and data/ files (CSV, annex); ``where`` names it for readers; ``summary``
    is the ``detail`` printed on paper, shorter where the sheet shows the rest elsewhere (the sectors' unknown
    cells, every printed name or start year of a partnership) or where the printed values are long;
    ``elsewhere``: the whole row is said elsewhere on the sheet, so the paper leaves it out."""
    lang, c, conflicts, data = profile.lang, profile.commune, profile.conflicts, profile.data
    sep = list_sep(lang)
    study = in_study(c)
    rows, study_name = [], tr("profile.src.study", lang)

    def add(topic, detail, source, ref="", where=None, summary="", elsewhere=False):
        rows.append({"topic": topic, "detail": detail, "source": source, "ref": ref, "summary": summary or detail,
                     "where": study_name if where is None else where, "elsewhere": elsewhere})

    ident = profile.identity
    page = tr("profile.src.page", lang) if study else where_text(c["source_id"], None, data.sources, lang)
    for f in ident.itertuples():
        if is_missing(f.value):
            if f.field == "population" and not is_missing(c.get("population_printed")):
                add(f.label, tr("profile.u.population", lang, printed=c["population_printed"]), f.source,
                    ", ".join(conflicts.loc[conflicts["field"] == "communes.population", "conflict_id"].unique()),
                    page, elsewhere=True)  # the identity card says it too
            elif f.field != "density_per_km2":  # density follows the population
                add(f.label, tr("profile.not_printed" if study else "profile.not_given", lang), f.source, "", page,
                    elsewhere=True)
    if profile.term_over:
        add(tr("profile.mayor", lang), tr("profile.u.term_over", lang, start=c["term_start"], end=c["term_end"],
                                          date=fmt_date(profile.as_of, lang)), ident.at["mayor", "source"], "", page,
            elsewhere=True)  # the identity card says the term is over

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
            add(topic, sep.join(details), cite(r.source_id, r.source, r.source_lines, data.sources), r.partnership_id,
                where_text(r.source_id, r.source, data.sources, lang))

    if not study:
        add(tr("profile.sectors", lang), tr("profile.out_of_study", lang),
            "data/sectors_current.csv, data/sectors_interest.csv", "", "", elsewhere=True)
    for kind, table in SECTOR_TABLES * study:
        cells = data.current if kind == "current" else data.interest
        mine = cells[cells["commune_id"] == profile.commune_id]
        unknown = [tr(f"sector.{s}", lang) for s in mine.loc[mine["value"] == "unknown", "sector_id"]]
        topic = tr(f"profile.{kind}", lang)
        where = f"{study_name}, {table}"
        if unknown:
            add(topic, tr("profile.u.cells", lang, n=len(unknown), total=len(mine), sectors=sep.join(unknown)), table,
                "", where, tr("profile.u.cells_short", lang, n=len(unknown), total=len(mine)), elsewhere=True)
        if not mine["in_printed_table"].all():
            ids = conflicts.loc[conflicts["field"] == f"sectors_{kind}.in_printed_table", "conflict_id"].unique()
            add(topic, tr("profile.row_not_printed", lang, table=table), table, ", ".join(ids), where,
                elsewhere=True)  # a note under the sectors' table says it

    for cid, group in conflicts.groupby("conflict_id", sort=True):
        if (group["field"] == "communes.population").all() or group["field"].str.endswith("in_printed_table").all():
            continue  # already said above
        field = group["field"].iloc[0].split(".")[-1]
        try:
            field_label = tr(f"profile.field.{field}", lang)
        except KeyError:
            field_label = field
        values = grouped_values(group, lang, data.sources)
        detail = tr("profile.u.conflict", lang, values=values_text(group, lang, data.sources))
        summary = ""
        if field in ("partner", "start_year") and any(used for *_, used in values):
            value, places, _ = next(v for v in values if v[2])
            summary = tr("profile.u.conflict_short", lang, n=len(values), used=value, where=", ".join(places))
        elif len(detail) > 160:  # long printed values: where each is printed (the CSV and the screen quote them)
            used_mark = f" ({tr('profile.used', lang)})"
            places = [", ".join(pl) + used_mark * used for _, pl, used in values]
            summary = tr("profile.u.conflict_places", lang, n=len(values), places=list_sep(lang).join(places))
        add(_kv(group["subject"].iloc[0], field_label, lang), detail, "data/conflicts.csv", cid, "", summary)
    return pd.DataFrame(rows, columns=["topic", "detail", "summary", "source", "ref", "where", "elsewhere"])


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


# --------------------------------------------------------------------------- figures

def timeline_figure(profile: Profile):
    """The report's timeline (``coopdata.views.charts.timeline``) for this commune, sized for the sheet."""
    d = profile.data
    return timeline(d.partnerships, d.conflicts, d.events, profile.as_of, profile.lang, communes=d.communes,
                    commune_id=profile.commune_id, life_events=d.life_events, sources=d.sources)


def compact_timeline(fig, profile: Profile):
    """The sheet's timeline for one A4 page: the same traces, without the figure's own title, legend and notes (the
    sheet writes them in HTML at a readable size: :func:`timeline_legend_html`, :func:`timeline_caption`), nor
    the commune's name on the axis (the sheet is about it); ``layout.meta.alt`` is its text alternative."""
    fig = type(fig)(fig)  # a copy: the caller's figure is left as it was
    fig.layout.annotations = [a for a in fig.layout.annotations  # the notes: at the foot, in the bottom margin
                              if not (a.xref == "paper" and a.yref == "paper" and (a.yshift or 0) < 0)]
    plot = 46 + 26 * max(1, profile.partnerships["start_year"].notna().sum())
    right = fig.layout.margin.r if fig.layout.margin.r is not None else 165
    fig.update_layout(title=None, showlegend=False, margin={"t": 4, "b": 22, "l": 26, "r": right},
                      height=4 + 22 + plot, meta={"alt": timeline_alt(profile)})
    span = fig.layout.xaxis.range[1] - fig.layout.xaxis.range[0] if fig.layout.xaxis.range else 0
    fig.update_xaxes(title=None, dtick=10 if span > 30 else 5)
    fig.update_yaxes(showticklabels=False)
    return fig


_GLYPHS = {"diamond": "◆", "diamond-open": "◇", "x": "✖", "square": "■", "arrow-bar-right": "⇥", "line-ns": "│",
           "circle-x": "⊗", "star": "★", "hourglass": "⧓", "triangle-up": "▲", "triangle-right": "▶",
           "triangle-down": "▼", "hexagram": "✶", "circle": "●", "cross": "✚"}  # plotly's marker symbols, in text


def _legend_mark(trace) -> tuple[str, str]:
    """(glyph, CSS colour) of one legend entry of the timeline."""
    if trace.type == "bar":
        return "■", str(trace.marker.color)
    if "markers" not in (trace.mode or ""):
        return "┈┈", str(trace.line.color or "#555")
    symbol, colour = str(trace.marker.symbol or "circle"), str(trace.marker.color or "#222")
    if colour.upper() in ("#FFFFFF", "WHITE"):  # a white marker drawn by its outline
        symbol, colour = f"{symbol}-open", str(trace.marker.line.color or "#222")
    return _GLYPHS.get(symbol, _GLYPHS.get(symbol.removesuffix("-open"), "●")), colour


def timeline_legend_html(fig) -> str:
    """The timeline's legend as a line of text: a coloured mark and the label of each entry."""
    items = []
    for t in [t for t in fig.data if t.showlegend is not False and t.name]:
        glyph, colour = _legend_mark(t)
        colour = colour if re.fullmatch(r"#[0-9A-Fa-f]{3,8}|[a-z]+", colour) else "#222"
        items.append(f'<span class="cp-key"><span class="cp-mark" style="color:{colour}" aria-hidden="true">'
                     f"{glyph}</span> {esc(t.name)}</span>")
    return f'<p class="cp-legend">{" ".join(items)}</p>' if items else ""


def timeline_alt(profile: Profile) -> str:
    """The timeline in words: each dated partnership, its start and its last confirmation by a source."""
    lang, sources = profile.lang, profile.data.sources
    p = profile.partnerships
    items = [tr("cap.10.timeline_item", lang, partner=r["partner"], model=r["model"], year=int(r["start_year"]),
                known=confirmation_text(r, sources, lang) or tr("profile.not_given", lang))
             for r in p.to_dict("records") if not is_missing(r["start_year"])]
    if not items:
        return tr("cap.10.timeline_alt_none", lang, commune=profile.name)
    return tr("cap.10.timeline_alt", lang, commune=profile.name, items=list_sep(lang).join(items))


def timeline_caption(profile: Profile) -> str:
    """The caption of the sheet's timeline: what it shows, how to read it, what is not drawn, its sources."""
    lang, p = profile.lang, profile.partnerships
    parts = [tr("cap.10.timeline", lang, commune=profile.name), tr("cap.10.timeline_key", lang)]
    undated = p.loc[p["start_year"].isna(), "partner"].tolist()
    if undated:
        parts.append(tr("cap.10.timeline_undated", lang, names=list_sep(lang).join(undated)))
    names = [source_name(s, profile.data.sources, lang, short=True)
             for s in [*p["source_id"], *p["last_confirmed_source"].dropna()]]
    parts.append(_sources_text(names, lang))
    return " ".join(parts)


def _frame_box(grey: np.ndarray) -> tuple[int, int, int, int] | None:
    """(left, top, right, bottom) of the map's frame: the rows and columns drawn dark over most of their length."""
    dark = grey < 100
    rows, cols = np.flatnonzero(dark.mean(axis=1) > 0.5), np.flatnonzero(dark.mean(axis=0) > 0.5)
    if len(rows) < 2 or len(cols) < 2 or min(rows[-1] - rows[0], cols[-1] - cols[0]) < min(grey.shape) / 3:
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def location_png(path, profile: Profile, data_dir=None) -> Path:
    """``static_maps.commune_location_png`` cut to its frame: printed small, its title and source lines would be
    unreadable; the caption and :func:`footer_html` say them. Same bytes on every run."""
    path = static_maps.commune_location_png(path, profile.commune_id, profile.lang, data_dir=data_dir)
    with Image.open(path) as img:
        rgb = img.convert("RGB")
    box = _frame_box(np.asarray(rgb.convert("L")))
    if box is not None:
        rgb.crop(box).save(path, format="PNG", optimize=True)
    return Path(path)


# --------------------------------------------------------------------------- HTML

def link_html(url, label) -> str:
    """An escaped link, or the escaped text when the address is not http(s)."""
    target = safe_url(url)
    if target is None:
        return f'<span class="cp-nolink">{esc(label)}</span>'
    return f'<a href="{esc(target)}" rel="noopener" target="_blank">{esc(label)}</a>'


def _caption_text(caption: Caption, text: str) -> str:
    """The numbered caption (``caption(text)``), as text; "" without numbering."""
    out = "" if caption is None else caption(text)
    return str(getattr(out, "data", out))


def table_html(df: pd.DataFrame, columns: dict[str, str], key: str, caption: str = "", cls: str = "cp-table",
               html_columns: tuple[str, ...] = (), screen_only=None) -> str:
    """``df``'s ``columns`` {column: header} through the one table renderer (``html_table``), with the sheet's CSS
    class and no inline style; every cell is escaped by ``esc`` except those of ``html_columns`` (HTML built here);
    the rows where ``screen_only`` (a boolean Series) is true are not printed."""
    shown = df[list(columns)].rename(columns=columns)
    styler = html_table(shown, caption or None, index=False).set_table_styles([], overwrite=True)
    if screen_only is not None:
        styler = styler.set_td_classes(pd.DataFrame({c: np.where(screen_only, "cp-dup", "") for c in shown.columns},
                                                    index=shown.index))
    plain = [h for c, h in columns.items() if c not in html_columns]
    styler = styler.format(esc, subset=plain, escape=None)
    if html_columns:
        styler = styler.format(str, subset=[columns[c] for c in html_columns], escape=None)
    styler.cell_ids = False
    return styler.to_html(table_uuid=f"cp-{key}", table_attributes=f'class="{esc(cls)}"')


def heading_html(key: str, lang: str) -> str:  # a section heading of the sheet (a ``##`` of the report)
    return f'<h2 class="cp-h2">{esc(tr(key, lang))}</h2>'


def _section(key: str, body: str, lang: str, source: str = "", cls: str = "") -> str:
    src = f'<p class="cp-source">{esc(source)}</p>' if source else ""
    return f'<section class="cp-section {esc(cls)}">{heading_html(key, lang)}{body}{src}</section>'


def png_img(path, alt: str, cls: str = "cp-img") -> str:
    """A PNG embedded as a data URI (the exported HTML stays self-contained)."""
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f'<img class="{esc(cls)}" alt="{esc(alt)}" src="data:image/png;base64,{data}">'


def identity_source(profile: Profile) -> str:
    """Where the identity card comes from, for readers."""
    lang, c = profile.lang, profile.commune
    if in_study(c):
        return tr("profile.src.identity", lang)
    return _kv(tr("col.source", lang), where_text(c["source_id"], None, profile.data.sources, lang), lang)


def map_alt(profile: Profile) -> str:
    return tr("cap.10.map_alt", profile.lang, commune=profile.name, region=profile.commune["region"])


def header_html(profile: Profile) -> str:
    """The sheet's masthead: the kind of document, the commune's name, its region, prefecture and urban centre."""
    lang = profile.lang
    ident = identity_table(profile)
    items = [_kv(ident.at[f, "label"], ident.at[f, "text"], lang) for f in _IN_HEADER[1:]]
    if ident.at["distance_km", "value"] is not None:
        items[-1] += f" ({ident.at['distance_km', 'text']})"
    sub = " · ".join(items)
    kicker = tr("profile.subtitle", lang, date=fmt_date(profile.as_of or dt.date.today(), lang))
    return (f'<header class="cp-header cp-handout"><p class="cp-kicker">{esc(kicker)}</p>'
            f'<p class="cp-h1">{esc(tr("profile.title", lang, commune=profile.name))}</p>'
            f'<p class="cp-sub">{esc(sub)}</p></header>')


def identity_html(profile: Profile, caption: Caption = None) -> str:
    """The identity card: a two-column table of what the commune's page (or source) says."""
    lang = profile.lang
    ident = identity_table(profile)
    in_header = [*_IN_HEADER, *["distance_km"] * (ident.at["distance_km", "value"] is not None)]
    shown = [r for r in ident.itertuples() if r.field not in in_header]
    short = [f'<th scope="row">{esc(r.label)}</th><td>{esc(r.text)}</td>' for r in shown if r.field in _SHORT]
    long = [f'<th scope="row">{esc(r.label)}</th><td colspan="3">{esc(r.text)}</td>' for r in shown
            if r.field not in _SHORT]
    pairs = ["".join(short[i:i + 2]) for i in range(0, len(short), 2)]  # short values two by two
    rows = "".join(f"<tr>{c}</tr>" for c in [*long[:1], *pairs, *long[1:]])  # the mayor first
    cap = " ".join(x for x in (_caption_text(caption, tr("cap.10.identity", lang, commune=profile.name)),
                                identity_source(profile)) if x)
    return (f'<section class="cp-section cp-identity-card" aria-label="{esc(tr("profile.identity", lang))}">'
            f'<table class="cp-identity"><caption>{esc(cap)}</caption><tbody>{rows}</tbody></table></section>')


def map_html(profile: Profile, map_png, caption: Caption = None) -> str:
    """The static location map with its caption (printed beside the title and the key points)."""
    cap = _caption_text(caption, tr("cap.10.map", profile.lang))
    return (f'<figure class="cp-figure cp-map">{png_img(map_png, map_alt(profile))}'
            f'{f"<figcaption>{cap}</figcaption>" if cap else ""}</figure>')


def screen_only_html(fragment: str) -> str:
    """Wrap trusted HTML (e.g. a folium map's own _repr_html_) so that it is not printed."""
    return f'<div class="cp-screen-only">{fragment}</div>'


def _partner_cell(r, lang: str) -> str:
    other = (f'<br><span class="cp-alt">{esc(tr("profile.also_printed", lang, names=r.other_values))}</span>'
             if r.other_values else "")
    return f"<strong>{esc(r.partner)}</strong>{other}"


def partnerships_html(profile: Profile, caption: Caption = None) -> str:
    lang = profile.lang
    table = partnerships_table(profile)
    if table.empty:
        return _section("partnerships", f"<p>{esc(tr('profile.none', lang))}</p>", lang)
    table["partner_html"] = [_partner_cell(r, lang) for r in table.itertuples()]
    cols = {"partner_html": tr("col.partner", lang), "country": tr("country", lang),
            "model": tr("col.model", lang), "since": tr("start_year", lang),
            "known": tr("profile.known", lang), "sectors_printed": tr("profile.sectors_printed", lang)}
    cap = _caption_text(caption, tr("cap.10.partnerships", lang, commune=profile.name))
    cap = " ".join(x for x in (cap, _sources_text(table["where"], lang)) if x)
    body = table_html(table, cols, "partnerships", cap, html_columns=("partner_html",))
    return _section("partnerships", body, lang)


def sectors_html(profile: Profile, caption: Caption = None) -> str:
    lang = profile.lang
    df = profile.sectors.copy()
    for col in ("current_text", "interest_text", "gap_text"):
        value_col = col.replace("_text", "")
        df[col] = [f'<span class="cp-v cp-v-{esc(v)}">{esc(t)}</span>' if not is_missing(v) else esc(t)
                   for v, t in zip(df[value_col], df[col], strict=True)]
    cols = {"sector": tr("col.sector", lang), "current_text": tr("profile.current_short", lang),
            "interest_text": tr("profile.interest_short", lang), "gap_text": tr("profile.gap", lang)}
    notes = [f'<p class="cp-note">{esc(tr("profile.row_not_printed", lang, table=table))}</p>'
             for kind, table in SECTOR_TABLES if not profile.sectors[f"{kind}_in_printed_table"].all()]
    if not in_study(profile.commune):  # the derived cells of a commune the study did not survey say nothing
        notes = [f'<p class="cp-note">{esc(tr("profile.out_of_study", lang))}</p>']
    cap = _caption_text(caption, tr("cap.10.sectors", lang, commune=profile.name))
    cap = " ".join(x for x in (cap, tr("profile.sectors_source", lang)) if x)
    body = table_html(df, cols, "sectors", cap, cls="cp-table cp-sectors",
                      html_columns=("current_text", "interest_text", "gap_text"))
    return _section("profile.sectors", body + "".join(notes), lang)


def leads_html(profile: Profile) -> str:
    """Leads and other cooperations mentioned, as a short list (partner, country, kind, what the study prints)."""
    lang = profile.lang
    if profile.leads.empty:
        return _section("profile.leads", f"<p>{esc(tr('profile.none', lang))}</p>", lang, cls="cp-leads")
    items = []
    for r in profile.leads.itertuples():
        country = f" ({esc(r.country)})" if r.country else ""
        purpose = (f"{esc(list_sep(lang))}{esc(tr('profile.purpose', lang).lower())}{esc(colon(lang))}"
                   f"« {esc(r.purpose)} »" if r.purpose else "")
        where = where_text(r.source_id, r.locator, profile.data.sources, lang)
        items.append(f"<li><strong>{esc(r.partner)}</strong>{country} — {esc(r.model)}{purpose} "
                     f'<span class="cp-where">({esc(where)})</span></li>')
    return _section("profile.leads", f'<ul class="cp-list">{"".join(items)}</ul>', lang, cls="cp-leads")


def links_html(profile: Profile) -> str:
    lang = profile.lang
    if profile.links.empty:
        return _section("profile.links", f"<p>{esc(tr('profile.none', lang))}</p>", lang, cls="cp-weblinks")
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
                    tr("profile.links_source", lang), cls="cp-weblinks")


def unknowns_html(profile: Profile, caption: Caption = None) -> str:
    lang = profile.lang
    unknowns = unknowns_table(profile)
    if unknowns.empty:
        return _section("profile.unknowns", f"<p>{esc(tr('profile.none', lang))}</p>", lang,
                        tr("profile.unknowns_intro", lang), cls="cp-unknowns")
    unknowns["detail_html"] = [  # the screen shows the whole detail, paper its summary
        (esc(r.detail) if r.summary == r.detail else f'<span class="cp-full">{esc(r.detail)}</span><span class='
         f'"cp-brief">{esc(r.summary)}</span>') + f' <span class="cp-where">({esc(r.where)})</span>' * bool(r.where)
        for r in unknowns.itertuples()]
    cols = {"topic": tr("profile.topic", lang), "detail_html": tr("what_is_missing", lang),
            "ref": tr("profile.ref", lang)}
    cap = _caption_text(caption, tr("cap.10.unknowns", lang, commune=profile.name))
    cap = " ".join(x for x in (cap, tr("profile.unknowns_intro", lang)) if x)
    table = table_html(unknowns, cols, "unknowns", cap, cls="cp-table cp-long cp-unknowns-table",
                       html_columns=("detail_html",), screen_only=unknowns["elsewhere"].to_numpy())
    return _section("profile.unknowns", table, lang, cls="cp-unknowns")


def columns_html(*parts: str) -> str:
    """Sections side by side on a wide screen and on paper, one under the other on a phone."""
    return f'<div class="cp-columns">{"".join(f"<div>{p}</div>" for p in parts)}</div>'


def map_sources(profile: Profile) -> str:
    """Where the location map's dot and layers come from (the map's own source lines are cut off its PNG)."""
    c, lang = profile.commune, profile.lang
    if c.get("point_basis") != "row" and not is_missing(c.get("urban_centre")):
        return tr("profile.map_sources", lang, place=c["urban_centre"])
    return tr("profile.point_row", lang)


def footer_html(profile: Profile) -> str:
    """The end of the sheet: its sources, and where the map's dot and layers come from (the date is in its head)."""
    text = tr("profile.footer", profile.lang, study=tr("study", profile.lang))
    return f'<footer class="cp-footer"><p>{esc(text)} {esc(map_sources(profile))}</p></footer>'


def sheet_html(profile: Profile, map_png=None) -> str:
    """The whole sheet but its timeline in one fragment (the notebook shows it section by section)."""
    parts = [header_html(profile), map_html(profile, map_png) if map_png else "", identity_html(profile),
             partnerships_html(profile),
             columns_html(sectors_html(profile), leads_html(profile) + links_html(profile)), unknowns_html(profile),
             footer_html(profile)]
    return f'<article class="cp-sheet">{"".join(parts)}</article>'
