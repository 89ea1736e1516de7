"""Reader tables of the overview (notebook 05, and the finance conflicts of notebook 04).

Each function takes a frame of ``coopdata.analysis.overview`` or ``coopdata.analysis.updates`` (or a table of
data/) and returns it with labels in ``lang`` and numbers and dates written by ``coopdata.views.style``; render
with ``views.tables.html_table``. The reader's version of a table names communes, models and sources in words
and cites the study by section or table; ``annex=True`` (where there is one) adds what the annex shows: ids of
rows and sources, fields, line numbers of the study's text extraction, how a figure is computed.
"""

from __future__ import annotations

import re

import pandas as pd

from coopdata.analysis.overview import RECORD_TYPES
from coopdata.core.i18n import check_lang, label_or_code, tr
from coopdata.core.text import esc, is_missing
from coopdata.data.description import read_descriptor, study_source_id
from coopdata.views.style import colon, fmt_int, fmt_num, fmt_partial_date, fmt_pct, list_sep
from coopdata.views.tables import with_headers

MISSING = "—"
REF = "profile.ref"  # « Réf. » / "Ref.", heading of a column of references (P01, S001); shared with the sheet

SWOT_LAYOUT = {  # quadrant -> (row, column) of the 2×2 grid
    "forces": ("internal", "positive"),
    "faiblesses": ("internal", "negative"),
    "opportunites": ("external", "positive"),
    "menaces": ("external", "negative"),
}

#: reported_figures.csv is keyed by two columns, so the ids of its figures are named here, for their labels
#: (``overview.fig.<id>``); a figure without a label shows its description.
REPORTED_FIGURES = ("agreements", "agreements_active", "communes_with_agreements", "communes", "funds_mobilised",
                    "south_south_share_pct")


def figure_label(figure_id, description, lang: str = "fr") -> str:
    """What a figure of the study or of a later source counts, in ``lang`` (its description when unlabelled)."""
    if is_missing(figure_id):
        return _text(description)
    return label_or_code(f"overview.fig.{figure_id}", _text(description), lang)


# ---- sources, cited in words ------------------------------------------------------------------------------


class Citations:
    """How the reader tables name a source: the study as « Étude ProDeGoL », another source by its publisher,
    with its kind and date (``full``) or alone (``short``); ids stay for the annex."""

    def __init__(self, sources: pd.DataFrame | None, lang: str = "fr") -> None:
        self.lang = check_lang(lang)
        self.rows = {} if sources is None else {str(r["source_id"]): r for r in sources.to_dict("records")}

    @classmethod
    def from_frame(cls, df: pd.DataFrame, lang: str = "fr", prefix: str = "source_") -> Citations:
        """The sources named by the ``source_*`` columns of a frame of ``updates.with_source``."""
        cols = {f"{prefix}id": "source_id", f"{prefix}title": "title", f"{prefix}publisher": "author_or_publisher",
                f"{prefix}date": "date", f"{prefix}kind": "kind", f"{prefix}checked": "checked"}
        if not set(cols) <= set(df.columns):
            return cls(None, lang)
        rows = df[list(cols)].rename(columns=cols).dropna(subset=["source_id"]).drop_duplicates("source_id")
        return cls(rows, lang)

    def short(self, source_id) -> str:
        """« Étude ProDeGoL », « Atlas français de la coopération décentralisée », else the publisher's name."""
        row = self.rows.get(str(source_id))
        if row is None:
            return MISSING if is_missing(source_id) else str(source_id)
        if row["kind"] in ("study", "atlas"):
            return tr(f"overview.cite.{row['kind']}", self.lang)
        return re.split(r" \(|, ", str(row["author_or_publisher"]).strip())[0]

    def full(self, source_id, locator=None) -> str:
        """« Le Journal de Mayotte (presse, 10 mai 2022) »; the study with its section or table."""
        row = self.rows.get(str(source_id))
        if row is None:
            return self.short(source_id)
        if row["kind"] == "study":
            return self.short(source_id) + ("" if is_missing(locator) else f", {locator}")
        parts = [] if row["kind"] == "atlas" else [tr(f"source_kind.{row['kind']}", self.lang)]
        date = row["date"]
        parts.append(tr("overview.undated", self.lang) if is_missing(date) else fmt_partial_date(date, self.lang))
        if str(row.get("checked", "yes")) == "no":
            parts.append(tr("overview.reported", self.lang))
        return f"{self.short(source_id)} ({', '.join(parts)})"

    def many(self, ids) -> str:
        """« Ministère de l'Administration territoriale ; Le Journal de Mayotte » from « S012; S013 »."""
        if is_missing(ids):
            return MISSING
        return list_sep(self.lang).join(self.short(i.strip()) for i in str(ids).split(";") if i.strip())

    def dated(self, dates, ids) -> list[str]:
        """« 28 avril 2022 (Le Journal de Mayotte) »: each date with the source that gives it."""
        return [MISSING if is_missing(d) else f"{fmt_partial_date(d, self.lang)} ({self.short(i)})"
                for d, i in zip(dates, ids, strict=True)]


def _citations(df: pd.DataFrame, sources: pd.DataFrame | None, lang: str) -> Citations:
    return Citations(sources, lang) if sources is not None else Citations.from_frame(df, lang)


def sources_display(sources: pd.DataFrame, lang: str = "fr", used: set | None = None) -> pd.DataFrame:
    """The sources cited (all of sources.csv, or those in ``used``) for the annex: id, publisher, kind, date,
    checked, address; the title too in English (the collector described most pages in English)."""
    check_lang(lang)
    rows = sources if used is None else sources[sources["source_id"].isin(used)]
    study = rows["kind"] == "study"
    out = rows.assign(
        author_or_publisher=[tr("study", lang) if s else p for s, p in zip(study, rows["author_or_publisher"],
                                                                           strict=True)],
        kind=[tr(f"source_kind.{k}", lang) for k in rows["kind"]],
        date=[tr("overview.undated", lang) if is_missing(d) else fmt_partial_date(d, lang) for d in rows["date"]],
        checked=[tr(f"answer.{c}", lang) for c in rows["checked"]],
        url_or_file=[u if str(u).startswith(("http://", "https://")) else MISSING for u in rows["url_or_file"]],
    )
    keys = {"source_id": REF, "author_or_publisher": "overview.publisher", "kind": "overview.kind",
            "date": "overview.date", "checked": "overview.checked", "url_or_file": "overview.address"}
    if lang == "en":
        keys = {"source_id": REF, "title": "overview.title"} | dict(list(keys.items())[1:])
    return with_headers(out, keys, lang).reset_index(drop=True)


# ---- the study's figures --------------------------------------------------------------------------------------


def _figure_value(figure_id: str, value, lang: str) -> str:
    """A computed figure: a year as is, a share with « % », else an integer or one decimal; « — » when missing."""
    if is_missing(value):
        return MISSING
    value = float(value)
    if figure_id.endswith("_year"):
        return str(int(value))
    decimals = 0 if value.is_integer() else 1
    return fmt_pct(value, lang, decimals) if figure_id.endswith("_pct") else fmt_num(value, lang, decimals)


def _answer(value, lang: str) -> str:
    """A boolean as the vocabulary ``answer``: yes / no in ``lang``, « — » when missing."""
    if is_missing(value):
        return MISSING
    return tr("answer.yes" if bool(value) else "answer.no", lang)


def figure_checks_display(table: pd.DataFrame, lang: str = "fr", annex: bool = False) -> pd.DataFrame:
    """``figure_checks`` (or ``national_context``) for reading: what each figure counts, as printed, as the
    data give it, the verdict and the study's section; ``annex`` adds the figure's id, how it is computed
    and the lines of the text extraction."""
    check_lang(lang)
    study = tr("overview.cite.study", lang)
    descriptions = table["description"] if "description" in table else table["figure_id"]
    out = table.assign(
        label=[figure_label(f, d, lang) for f, d in zip(table["figure_id"], descriptions, strict=True)],
        computed=[_figure_value(f, v, lang) for f, v in zip(table["figure_id"], table["computed"], strict=True)],
        status=[tr(f"overview.status.{s}", lang) for s in table["status"]],
        source=[f"{study}, {s}" for s in table["source"]],
    )
    keys = {"label": "overview.figure", "value_printed": "overview.printed", "computed": "overview.computed",
            "status": "overview.check", "source": "col.source"}
    if annex:
        keys = {"figure_id": REF} | keys | {"how": "overview.how", "source_lines": "col.source_lines"}
    return with_headers(out, keys, lang)


def models_display(models: pd.DataFrame, lang: str = "fr") -> pd.DataFrame:
    """``models_table`` with translated record types, models and headers."""
    check_lang(lang)
    out = models.assign(record_type=[tr(f"overview.record_type.{r}", lang) for r in models["record_type"]],
                        model=[tr(f"model.{m}", lang) for m in models["model"]])
    return with_headers(out, {"record_type": "overview.record_type", "model": "model_of_cooperation",
                              "rows": "overview.rows", "cooperations": "overview.cooperations", "communes": "communes",
                              "communes_list": "overview.communes_list"}, lang)


def governance_display(gov: pd.DataFrame, lang: str = "fr") -> pd.DataFrame:
    """``governance_table`` with the « none reported » row named, agreement as yes / no, translated headers."""
    check_lang(lang)
    out = gov.copy()
    none = out["mode"] == "none_reported"
    out["body_printed"] = out["body_printed"].astype("object")
    out.loc[none, "body_printed"] = tr("overview.mode.none_reported", lang)
    out["agrees"] = [_answer(v, lang) for v in out["agrees"]]
    for col in ("stated", "inferred"):
        out[col] = [v if v else MISSING for v in out[col]]
    return with_headers(out, {"body_printed": "overview.mode", "management_printed": "overview.management",
                              "count_table4": "overview.count_table4",
                              "count_governance": "overview.count_governance", "stated": "overview.stated",
                              "inferred": "overview.inferred", "agrees": "overview.agrees"}, lang)


def swot_grid(swot: pd.DataFrame, lang: str = "fr") -> pd.DataFrame:
    """Tableau n°5 as a 2×2 table: rows internal / external, columns helpful / harmful.

    Each cell lists the quadrant's name with its count, then its items as printed, one per line
    (« • … »); render with ``html_table(..., pre_line=True)``.
    """
    check_lang(lang)
    cells: dict[tuple[str, str], str] = {}
    for quadrant, (row, col) in SWOT_LAYOUT.items():
        items = swot.loc[swot["quadrant"] == quadrant, "item_printed"].tolist()
        head = f"{tr('swot_quadrant.' + quadrant, lang).upper()} ({len(items)})"
        cells[(row, col)] = "\n".join([head, *[f"• {t}" for t in items]])
    return pd.DataFrame(
        [[cells[(r, c)] for c in ("positive", "negative")] for r in ("internal", "external")],
        index=[tr("overview.swot.internal", lang), tr("overview.swot.external", lang)],
        columns=[tr("overview.swot.positive", lang), tr("overview.swot.negative", lang)],
    )


def printed_list_display(table: pd.DataFrame, id_column: str, text_column: str, text_key: str,
                         lang: str = "fr", group_column: str | None = None) -> pd.DataFrame:
    """Challenges or recommendations as printed: reference and text (the caption cites the section); with
    ``group_column``, indexed by the audience as printed, so that each audience heads its rows (``index=True``)."""
    check_lang(lang)
    keys = ({group_column: "overview.audience"} if group_column else {}) | {id_column: REF, text_column: text_key}
    out = with_headers(table, keys, lang).reset_index(drop=True)
    return out.set_index([tr("overview.audience", lang), tr(REF, lang)]) if group_column else out


# ---- conflicts ----------------------------------------------------------------------------------------------

#: A note of the project at the end of a value (« 2007 (convention first signed …; not quoted) »): not printed.
_NOT_QUOTED = re.compile(r"\s*\(([^()]*\bnot quoted\b[^()]*)\)\s*$")


def _computed_lookup(computed: pd.DataFrame | None) -> dict:
    if computed is None or computed.empty:
        return {}
    return {(r["conflict_id"], r["value_printed"]): r for r in computed.to_dict("records")}


def conflict_value(value_printed, computed: dict | None, lang: str = "fr") -> str:
    """A competing value for reading: as printed (a quotation), or, on a data set's row, the value the project
    computes (``overview.computed_conflict_values``), or without the project's « not quoted » note."""
    if computed is not None:
        field = computed["field"].split(".")[-1]
        value = fmt_int(computed["value"], lang)
        national = "" if is_missing(computed["national"]) else fmt_int(computed["national"], lang)
        return tr(f"overview.computed.{field}", lang, value=value, national=national, region=computed["region"])
    text = _text(value_printed)
    if _NOT_QUOTED.search(text):
        return f"{_NOT_QUOTED.sub('', text)} ({tr('overview.not_quoted', lang)})"
    return text


def conflicts_table(conflicts: pd.DataFrame, lang: str = "fr", *, sources: pd.DataFrame | None = None,
                    computed: pd.DataFrame | None = None, annex: bool = False) -> pd.DataFrame:
    """Every competing value, indexed by (conflict id, kind, subject), in the file's order: one row group per
    conflict, its id first (the export anchors it as ``conflict-C01``).

    Columns: value printed (``conflict_value``), where (the study's table or section, or another source in
    words when ``sources`` is given), used (yes / no in ``lang``). ``annex`` adds the field, the source's id,
    the lines of the study's text extraction and, in English (the language of the data), the rationale.
    """
    check_lang(lang)
    df = conflicts.copy()
    cite = Citations(sources, lang)
    study_ids = {i for i, r in cite.rows.items() if r["kind"] == "study"} or {study_source_id(read_descriptor())}
    study = tr("overview.cite.study", lang)
    values = _computed_lookup(computed)
    df["kind_label"] = [tr(f"conflict_kind.{k}", lang) for k in df["kind"]]
    df["value_label"] = [conflict_value(v, values.get((c, v)), lang)
                         for c, v in zip(df["conflict_id"], df["value_printed"], strict=True)]
    df["where"] = [f"{study}, {p}" if s in study_ids else cite.full(s)
                   for s, p in zip(df["source_id"], df["printed_at"], strict=True)]
    df["used_label"] = [tr(f"answer.{u}", lang) for u in df["used"]]
    columns = {"value_label": "overview.value_printed", "where": "col.source", "used_label": "overview.used"}
    if annex:
        df["lines"] = [_text(v) for v in df["source_lines"]]
        columns |= {"field": "overview.field", "source_id": "overview.source_ref", "lines": "overview.lines"}
        if lang == "en":
            columns |= {"rationale": "overview.rationale"}
    out = df.set_index(["conflict_id", "kind_label", "subject"])[list(columns)]
    out.index.names = [tr("col.conflict_id", lang), tr("col.nature", lang), tr("col.subject", lang)]
    out.columns = [tr(k, lang) for k in columns.values()]
    return out


def conflicts_summary_display(summary: pd.DataFrame, lang: str = "fr") -> pd.DataFrame:
    """``conflicts_summary`` with translated kinds and headers."""
    check_lang(lang)
    out = summary.assign(kind=[tr(f"conflict_kind.{k}", lang) for k in summary["kind"]])
    return with_headers(out, {"conflict_id": "col.conflict_id", "kind": "col.nature",
                              "subject": "col.subject", "field": "overview.field",
                              "values": "overview.values", "used": "overview.values_used"}, lang)


# ---- unknowns -------------------------------------------------------------------------------------------------


def record_names(communes: pd.DataFrame, partnerships: pd.DataFrame | None = None,
                 finance: pd.DataFrame | None = None, lang: str = "fr") -> dict[str, str]:
    """Words for the ids a reader meets in the unknowns: communes by name, a partnership, lead or mention as
    « Tône 1 – Syndicat des Eaux D’Ile-de-France », a finance row as « Kozah 1 – Apport … »."""
    names = dict(zip(communes["commune_id"], communes["commune"], strict=True))
    out = dict(names)
    if partnerships is not None:
        for r in partnerships.itertuples():
            partner = re.split(r" \(", str(r.partner))[0]
            out[r.partnership_id] = f"{names.get(r.commune_id, r.commune_id)} – {partner}"
    if finance is not None:
        for r in finance.itertuples():
            item = label_or_code(f"finance_item.{r.item}", r.item, lang)
            out[r.finance_id] = f"{names.get(r.commune_id, r.commune_id)} – {item}"
    return out


def _records(records, names: dict, lang: str = "fr") -> str:
    ids = [r.strip() for r in str(records).split(";") if r.strip()] if not is_missing(records) else []
    return list_sep(lang).join(names.get(i, i) for i in ids) or MISSING


def _unknown_detail(topic: str, detail, lang: str) -> str:
    """The printed detail of an unknown; per sector, « Culture : 9 » (label and count) for the sector cells."""
    if is_missing(detail) or not str(detail):
        return MISSING
    if topic != "sector_cell":
        return str(detail)
    parts = [p.split(":") for p in str(detail).split(";") if ":" in p]
    return list_sep(lang).join(f"{label_or_code(f'sector.{k.strip()}', k.strip(), lang)}{colon(lang)}{n.strip()}"
                               for k, n in parts)


def unknowns_display(table: pd.DataFrame, lang: str = "fr", names: dict | None = None) -> pd.DataFrame:
    """``unknowns`` for reading, rows where something is missing only: what, in which data, for which kind of
    record, how many out of how many, which records (communes by name, other records by reference), detail."""
    check_lang(lang)
    names = names or {}
    shown = table[table["n"] > 0].copy()
    shown["detail"] = [_unknown_detail(t, d, lang) for t, d in zip(shown["topic"], shown["detail"], strict=True)]
    shown["topic"] = [tr(f"overview.unknown.{t}", lang) for t in shown["topic"]]
    shown["table"] = [label_or_code(f"overview.table.{t}", t, lang) for t in shown["table"]]
    shown["group"] = [tr(f"overview.record_type.{g}", lang) if g in RECORD_TYPES else (g or MISSING)
                      for g in shown["group"]]
    shown["records"] = [_records(r, names, lang) for r in shown["records"]]
    headers = {"topic": "what_is_missing", "table": "overview.table", "group": "overview.group", "n": "col.count",
               "total": "overview.total", "records": "col.record_ids", "detail": "overview.detail"}
    return with_headers(shown, headers, lang).reset_index(drop=True)


def null_cells_display(nulls: pd.DataFrame, lang: str = "fr") -> pd.DataFrame:
    """``null_cells`` with translated headers."""
    check_lang(lang)
    return with_headers(nulls, {"table": "overview.table", "column": "overview.column", "empty": "overview.empty",
                                "rows": "overview.rows"}, lang)


# ---- the national context beside the list of the communes of Togo ----------------------------------------


def region_counts_display(table: pd.DataFrame, lang: str = "fr") -> pd.DataFrame:
    """``overview.region_counts`` with the total row named, differences as yes / no, translated headers."""
    check_lang(lang)
    out = table.copy()
    out["region"] = out["region"].astype("object")
    out.loc[out["region_id"] == "total", "region"] = tr("overview.total_row", lang)
    out["differs"] = [_answer(v, lang) for v in out["differs"]]
    out["conflicts"] = [v if v else MISSING for v in out["conflicts"]]
    return with_headers(out, {"region": "region", "communes_study": "overview.communes_study",
                              "communes_dataset": "overview.communes_dataset",
                              "prefectures_study": "overview.prefectures_study",
                              "prefectures_dataset": "overview.prefectures_dataset", "differs": "overview.differs",
                              "conflicts": "col.conflict_id"}, lang)


# ---- what later sources add to or change from the study ----------------------------------------------------


def _text(value) -> str:
    return MISSING if is_missing(value) else str(value)


def _date(value, lang: str) -> str:
    return MISSING if is_missing(value) else fmt_partial_date(value, lang)


def _commune(ids, names: dict | None) -> list[str]:
    names = names or {}
    return [names.get(c, c) for c in ids]


def added_partnerships_display(added: pd.DataFrame, names: dict | None = None, lang: str = "fr",
                               sources: pd.DataFrame | None = None) -> pd.DataFrame:
    """``updates.added_partnerships`` for reading: commune names, model and status labels, dates, sources in words."""
    check_lang(lang)
    cite = _citations(added, sources, lang)
    out = added.assign(
        commune_id=_commune(added["commune_id"], names),
        model=[tr(f"model.{m}", lang) for m in added["model"]],
        start_year=[_text(y) for y in added["start_year"]],
        first_confirmed=[_date(d, lang) for d in added["first_confirmed"]],
        status=[tr(f"partnership_status.{s}", lang) for s in added["status"]],
        status_since=cite.dated(added["status_since"], added["status_source"]),
        sources=[cite.many(s) for s in added["sources"]],
        source=[cite.full(s) for s in added["source_id"]],
    )
    return with_headers(out, {"partnership_id": REF, "commune_id": "col.commune",
                              "partner": "col.partner", "model": "col.model", "start_year": "overview.start_year",
                              "first_confirmed": "overview.first_confirmed", "status": "overview.status",
                              "status_since": "overview.status_since", "sources": "overview.sources",
                              "source": "col.source"}, lang)


def later_status_display(status: pd.DataFrame, names: dict | None = None, lang: str = "fr",
                         sources: pd.DataFrame | None = None) -> pd.DataFrame:
    """``updates.later_status`` for reading: the study's listing beside the later confirmation, status and end."""
    check_lang(lang)
    cite = _citations(status, sources, lang)
    out = status.assign(
        commune_id=_commune(status["commune_id"], names),
        start_year=[_text(y) for y in status["start_year"]],
        listed=[_date(d, lang) for d in status["listed"]],
        later_sources=[cite.many(s) for s in status["later_sources"]],
        last_confirmed=cite.dated(status["last_confirmed"], status["last_confirmed_source"]),
        status=[tr(f"partnership_status.{s}", lang) for s in status["status"]],
        status_since=cite.dated(status["status_since"], status["status_source"]),
        end_date=cite.dated(status["end_date"], status["end_source"]),
        finding=[tr(f"overview.finding.{f}", lang) for f in status["finding"]],
    )
    return with_headers(out, {"partnership_id": REF, "commune_id": "col.commune",
                              "partner": "col.partner", "start_year": "col.start_year", "listed": "overview.listed",
                              "later_sources": "overview.later_sources", "last_confirmed": "overview.last_confirmed",
                              "status": "overview.status", "status_since": "overview.status_since",
                              "end_date": "overview.end", "finding": "overview.finding"}, lang)


def later_events_display(events: pd.DataFrame, names: dict | None = None, lang: str = "fr",
                         sources: pd.DataFrame | None = None) -> pd.DataFrame:
    """``updates.later_events`` for reading: dated events, their place against the study, quotation and source."""
    check_lang(lang)
    cite = _citations(events, sources, lang)
    out = events.assign(
        commune_id=_commune(events["commune_id"], names),
        date=[_date(d, lang) for d in events["date"]],
        kind=[tr(f"event_kind.{k}", lang) for k in events["kind"]],
        status_after=[MISSING if is_missing(s) else tr(f"partnership_status.{s}", lang)
                      for s in events["status_after"]],
        relation=[tr(f"overview.relation.{r}", lang) for r in events["relation"]],
        quotation=[_text(q) for q in events["quotation"]],
        source=[cite.full(s) for s in events["source_id"]],
    )
    return with_headers(out, {"partnership_id": REF, "commune_id": "col.commune",
                              "date": "overview.date", "kind": "overview.event", "status_after": "overview.status",
                              "relation": "overview.relation", "quotation": "overview.quotation",
                              "source": "col.source"}, lang)


def between_sources_display(rows: pd.DataFrame, lang: str = "fr", sources: pd.DataFrame | None = None,
                            computed: pd.DataFrame | None = None) -> pd.DataFrame:
    """``updates.between_sources`` for reading: the study's values beside another source's, used yes / no."""
    check_lang(lang)
    cite = _citations(rows, sources, lang)
    values = _computed_lookup(computed)
    out = rows.assign(kind=[tr(f"conflict_kind.{k}", lang) for k in rows["kind"]],
                      study_values=[MISSING if is_missing(v) else str(v).replace("; ", list_sep(lang))
                                    for v in rows["study_values"]],
                      value_printed=[conflict_value(v, values.get((c, v)), lang)
                                     for c, v in zip(rows["conflict_id"], rows["value_printed"], strict=True)],
                      used=[tr(f"answer.{u}", lang) for u in rows["used"]],
                      source=[cite.full(s) for s in rows["source_id"]])
    return with_headers(out, {"conflict_id": "col.conflict_id", "kind": "col.nature", "subject": "col.subject",
                              "study_values": "overview.study_values", "value_printed": "overview.other_value",
                              "source": "col.source", "used": "overview.used"}, lang)


def _figure_text(value, unit, lang: str) -> str:
    if is_missing(value):
        return MISSING
    value = float(value)
    decimals = 0 if value.is_integer() else 1
    if unit == "percent":
        return fmt_pct(value, lang, decimals)
    return fmt_num(value, lang, decimals) + (" FCFA" if unit == "FCFA" else "")


def period_text(period) -> str:
    """« 2020–2024 » (en dash) from « 2020-2024 »."""
    return MISSING if is_missing(period) else str(period).replace("-", "–")


def national_figures_display(figures: pd.DataFrame, lang: str = "fr",
                             sources: pd.DataFrame | None = None) -> pd.DataFrame:
    """``updates.national_figures`` for reading: each later figure with its source, the study's beside it."""
    check_lang(lang)
    cite = _citations(figures, sources, lang)
    study = tr("overview.cite.study", lang)
    out = figures.assign(
        description=[MISSING if is_missing(f) else figure_label(f, d, lang)
                     for f, d in zip(figures["figure_id"], figures["description"], strict=True)],
        value=[_figure_text(v, u, lang) for v, u in zip(figures["value"], figures["unit"], strict=True)],
        period=[period_text(p) for p in figures["period"]],
        source=[MISSING if is_missing(s) else cite.full(s) for s in figures["source_id"]],
        study_description=[MISSING if is_missing(f) else figure_label(f, d, lang)
                           for f, d in zip(figures["study_figure_id"], figures["study_description"], strict=True)],
        study_value_printed=[_text(v) for v in figures["study_value_printed"]],
        study_source=[MISSING if is_missing(s) else f"{study}, {s}" for s in figures["study_locator"]],
    )
    return with_headers(out, {"description": "overview.later_figure", "value": "col.value",
                              "period": "overview.period", "source": "col.source",
                              "study_description": "overview.figure", "study_value_printed": "overview.printed",
                              "study_source": "overview.study_source"}, lang)


# ---- what the data cannot say --------------------------------------------------------------------------------


def limits_markdown(unknowns: pd.DataFrame, reproduced: bool, stated: float, lang: str = "fr",
                    names: dict | None = None, max_records: int = 3) -> str:
    """The limits found in the data, as a Markdown list: each kind of unknown, where, how many, and its records
    when there are at most ``max_records`` (communes by name; the table of unknowns lists them all), then the
    finance share of §4.6.1 when no computation reproduces it (``finance.reproduce_stated_average``).
    Data text is HTML-escaped."""
    check_lang(lang)
    names = names or {}
    items = []
    for (topic, table), rows in unknowns[unknowns["n"] > 0].groupby(["topic", "table"], sort=False):
        ids = [i.strip() for r in rows["records"] if r for i in str(r).split(";") if i.strip()]
        where = label_or_code(f"overview.table.{table}", table, lang)
        head = f"- {tr(f'overview.unknown.{topic}', lang)} — {where}{colon(lang)}{fmt_num(rows['n'].sum(), lang, 0)}"
        shown = list_sep(lang).join(names.get(i, i) for i in dict.fromkeys(ids))
        items.append(head + (f" ({esc(shown)})" if ids and len(set(ids)) <= max_records else ""))
    if not reproduced:
        text = tr("overview.limits.finance", lang, stated=fmt_num(stated, lang, 0))
        items.append(f"- {text[:1].upper()}{text[1:]}")
    return "\n".join(items)
