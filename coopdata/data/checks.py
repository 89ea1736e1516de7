"""Cross-table checks: parts add up to totals, derived tables match their rules, ids resolve.

``check_consistency`` raises ``DataError`` on the first failure (used by ``coopdata check``);
the other functions return computed values that notebooks show and tests assert.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from coopdata.core.errors import DataError
from coopdata.core.paths import resolve_data_dir
from coopdata.core.text import normalize_name
from coopdata.data.description import (
    DATE,
    derived_command,
    read_descriptor,
    study_source_id,
    tabular_resources,
)
from coopdata.data.reading import read_table
from coopdata.data.sectors import derive


class Tables:
    """The tables of one data folder, each read once (typed, as read_table reads them); frames are shared."""

    def __init__(self, data_dir, descriptor: dict | None = None) -> None:
        self.data_dir = resolve_data_dir(data_dir)
        self.descriptor = descriptor if descriptor is not None else read_descriptor(self.data_dir)
        self._frames: dict[str, pd.DataFrame] = {}

    def __call__(self, name: str) -> pd.DataFrame:
        if name not in self._frames:
            self._frames[name] = read_table(name, self.data_dir, descriptor=self.descriptor)
        return self._frames[name]


def _load(name, data_dir):
    return data_dir(name) if isinstance(data_dir, Tables) else read_table(name, data_dir)


def prefectures_sum(regions: pd.DataFrame) -> int:
    return int(regions["prefectures_count"].sum())


def communes_sum(regions: pd.DataFrame) -> int:
    return int(regions["communes_count"].sum())


def governance_counts(governance: pd.DataFrame) -> pd.Series:
    return governance[governance["mode"] != "none_reported"].groupby("mode").size()


def _blank(value) -> bool:
    return value is None or pd.isna(value) or not str(value).strip()


def command_for(command: str, data_dir) -> str:
    """The exact command to run on this data folder (``--data-dir`` named when it is not the default)."""
    folder = resolve_data_dir(data_dir)
    return command if folder == resolve_data_dir(None) else f"{command} --data-dir {folder}"


def check_study_lines(descriptor: dict, data_dir) -> None:
    """A row citing the study cites its lines too; rows of other sources need none (derived tables excepted)."""
    study = study_source_id(descriptor)
    for res in tabular_resources(descriptor):
        names = {f["name"] for f in res["schema"]["fields"]}
        if derived_command(res) or not {"source_id", "source_lines"} <= names:
            continue
        df = _load(res["name"], data_dir)
        for i, (source_id, lines) in enumerate(zip(df["source_id"], df["source_lines"], strict=True), start=2):
            if source_id == study and _blank(lines):
                raise DataError(res["path"], f"source_lines is required when source_id is the study ({study})",
                                line=i, column="source_lines",
                                hint="Cite the lines of the study's text extraction, or give the row the "
                                     "source_id of the source it comes from (sources.csv)")


def parse_date(text: str) -> tuple[int, int | None, int | None]:
    """'2023-11' -> (2023, 11, None); raises ValueError for a date that does not exist (2023-02-30)."""
    parts = [int(p) for p in str(text).split("-")]
    year, month, day = (parts + [None, None])[:3]
    dt.date(year, month or 1, day or 1)
    return year, month, day


def check_dates(descriptor: dict, data_dir, today: dt.date) -> None:
    """Fields marked ``coopdata:date`` hold real dates (YYYY, YYYY-MM or YYYY-MM-DD), none after today."""
    for res in tabular_resources(descriptor):
        for field in (f["name"] for f in res["schema"]["fields"] if f.get(DATE)):
            for i, value in enumerate(_load(res["name"], data_dir)[field], start=2):
                if _blank(value):
                    continue
                try:
                    year, month, day = parse_date(value)
                except ValueError:
                    raise DataError(res["path"], "not a real date", line=i, column=field, value=str(value)) from None
                if (year, month or 1, day or 1) > (today.year, today.month, today.day):
                    raise DataError(res["path"], "a date cannot lie in the future", line=i, column=field,
                                    value=str(value))


def check_derived(tables: Tables) -> None:
    """The derived sector tables equal what the written rules give."""
    command = command_for("coopdata derive-sectors", tables.data_dir)
    inputs = [tables(name) for name in ("communes", "partnerships", "sector_rules", "sectors", "sector_table_rows")]
    for kind in ("current", "interest"):
        committed = tables(f"sectors_{kind}")
        derived = derive(kind, *inputs, study_source=study_source_id(tables.descriptor))
        for i in range(max(len(committed), len(derived))):
            a = committed.iloc[i] if i < len(committed) else None
            b = derived.iloc[i] if i < len(derived) else None
            if a is None or b is None:
                raise DataError(f"sectors_{kind}.csv", "row count differs from the derivation by sector_rules.csv",
                                line=i + 2, hint=f"A derived table: regenerate it with `{command}`")
            for col in ("commune_id", "sector_id", "value", "in_printed_table", "basis", "source_id"):
                if str(a[col]) != str(b[col]):
                    raise DataError(f"sectors_{kind}.csv", "cell differs from the derivation by sector_rules.csv",
                                    line=i + 2, column=col, value=str(a[col]),
                                    hint=f"The rules give {b[col]!r}; a derived table: regenerate it with `{command}`")


def commune_points(communes: pd.DataFrame, places: pd.DataFrame) -> pd.DataFrame:
    """Each commune's point: lat and lon given on its row, else its urban centre's in places.

    Returns the communes with ``lat``, ``lon``, ``geonameid`` and ``point_basis`` ("row" or "urban_centre");
    a commune with neither raises DataError naming the line of communes.csv.
    """
    places = places.set_index("label")
    out = communes.copy()
    lat, lon, geonameid, basis = [], [], [], []
    for i, row in enumerate(communes.itertuples(index=False), start=2):
        has_lat, has_lon = not _blank(row.lat), not _blank(row.lon)
        if has_lat != has_lon:
            raise DataError("communes.csv", "lat and lon go together: give both or neither", line=i,
                            column="lon" if has_lat else "lat")
        if has_lat:
            lat.append(float(row.lat))
            lon.append(float(row.lon))
            geonameid.append(pd.NA)
            basis.append("row")
            continue
        centre = None if _blank(row.urban_centre) else row.urban_centre
        place = places.loc[centre] if centre in places.index else None
        if place is None or _blank(place["lat"]) or _blank(place["lon"]):
            raise DataError("communes.csv", "no coordinates: the row gives no lat and lon, and its urban_centre has "
                            "no point in places (geo/places_geonames.csv)", line=i, column="lat",
                            value=centre, hint="Give lat and lon on the row, or an urban_centre that places locates")
        lat.append(float(place["lat"]))
        lon.append(float(place["lon"]))
        geonameid.append(place["geonameid"])
        basis.append("urban_centre")
    out["lat"] = pd.array(lat, dtype="Float64")
    out["lon"] = pd.array(lon, dtype="Float64")
    out["geonameid"] = pd.array(geonameid, dtype="Int64")
    out["point_basis"] = pd.array(basis, dtype="string")
    return out


def check_communes_of_togo(communes: pd.DataFrame, togo: pd.DataFrame) -> None:
    """Each commune's name, prefecture and region are those of togo_communes.csv (accents and case aside)."""
    known = {normalize_name(r.commune): r for r in togo.itertuples(index=False)}
    for i, row in enumerate(communes.itertuples(index=False), start=2):
        match = known.get(normalize_name(row.commune))
        if match is None:
            raise DataError("communes.csv", "not a commune of Togo in togo_communes.csv (the 117 communes)", line=i,
                            column="commune", value=str(row.commune),
                            hint="Spell it as togo_communes.csv does (accents and case may differ)")
        if normalize_name(row.prefecture) != normalize_name(match.prefecture):
            raise DataError("communes.csv", f"prefecture does not match togo_communes.csv ({match.commune}: "
                            f"{match.prefecture})", line=i, column="prefecture", value=str(row.prefecture))
        if row.region_id != match.region_id:
            raise DataError("communes.csv", f"region does not match togo_communes.csv ({match.commune}: "
                            f"{match.region_id})", line=i, column="region_id", value=str(row.region_id))


def _years(text) -> list[str]:
    return sorted(set(re.findall(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)", str(text))))


def check_start_year_conflicts(conflicts: pd.DataFrame) -> None:
    """A start_year conflict has one competing value per row: each value_printed names exactly one year."""
    for i, row in enumerate(conflicts.itertuples(index=False), start=2):
        if row.kind == "start_year" and len(_years(row.value_printed)) != 1:
            raise DataError("conflicts.csv", "a start_year value must name exactly one year (one row per competing "
                            "value)", line=i, column="value_printed", value=str(row.value_printed),
                            hint="Quote the part of the source that gives the year")


def check_consistency(data_dir, today: dt.date | None = None) -> None:
    data_dir = tables = Tables(data_dir)  # every table read once for all the checks below
    descriptor = tables.descriptor
    check_study_lines(descriptor, data_dir)
    check_dates(descriptor, data_dir, today or dt.date.today())
    communes = _load("communes", data_dir)
    check_communes_of_togo(communes, _load("togo_communes", data_dir))
    commune_points(communes, _load("places", data_dir))
    check_derived(tables)
    check_start_year_conflicts(tables("conflicts"))
    # Tableau n°4's counts equal the communes assigned to each mode
    modes = _load("governance_modes", data_dir)
    counts = governance_counts(_load("governance", data_dir))
    for i, row in enumerate(modes.itertuples(), start=2):
        if int(counts.get(row.mode, 0)) != int(row.communes_count):
            raise DataError("governance_modes.csv", "governance.csv assigns another number of communes to this mode",
                            line=i, column="communes_count", value=str(row.communes_count),
                            hint=f"governance.csv has {int(counts.get(row.mode, 0))}")
    # the regions' communes add up to the national figure
    regions = _load("regions", data_dir)
    figures = _load("study_figures", data_dir).set_index("figure_id")["value"]
    if "communes" in figures and communes_sum(regions) != int(figures["communes"]):
        raise DataError("regions.csv", "communes_count does not add up to the national figure of study_figures.csv",
                        column="communes_count", value=str(communes_sum(regions)))
    # every record named by a conflict or a web reference exists
    known = set()
    for name, col in [("partnerships", "partnership_id"), ("communes", "commune_id"), ("regions", "region_id"),
                      ("finance", "finance_id"), ("web_references", "ref_id"), ("study_figures", "figure_id")]:
        known |= set(_load(name, data_dir)[col])
    for table, col in [("conflicts", "record_ids"), ("web_references", "partnership_ids")]:
        df = _load(table, data_dir)
        for i, value in enumerate(df[col], start=2):
            if pd.isna(value):
                continue
            for rid in str(value).split(";"):
                if rid.strip() and rid.strip() not in known:
                    raise DataError(f"{table}.csv", "names a record that does not exist", line=i, column=col, value=rid)
