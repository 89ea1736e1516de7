"""The issue « Living data », "Done when": four updates, each made by editing a CSV file, then again through the
workbook, on a temporary copy of data/ (data/ itself is never touched):

(a) a 2024 partnership from a new source, without locator lines (a row of sources.csv, of partnerships.csv and of
    partnership_events.csv);
(b) a 14th commune (Agoè-Nyivé 2, its point given on the row, the study's fields empty);
(c) a population changed (Yoto 1);
(d) a partnership removed, with what refers to it (its events, its conflict rows, its web references): P17.

After each one ``coopdata check`` passes (``coopdata derive-sectors`` run where the check names it; the import
re-derives by itself). A broken edit is refused with one clear line and nothing is written. Then one real
``coopdata run`` on the final state shows the changes in the reports, the profiles and the index.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import AGOE, PARAMETERS, add_row, coopdata_command, copy_data, read_rows, write_rows

from coopdata.batch.index import render_index
from coopdata.batch.manifest import row_checksums, tree_checksums
from coopdata.batch.plan import RunError, plan_jobs
from coopdata.core.paths import DATA_DIR
from coopdata.data.loaders import load_table

SOURCE = {"source_id": "S099", "title": "Commune de Zio 1 : délibération sur le jumelage avec Saint-Essai-sur-Loire",
          "author_or_publisher": "Commune de Zio 1", "date": "2024-06-14", "kind": "municipal_page",
          "url_or_file": "https://example.org/zio-1/deliberation-2024-06", "licence": "not stated",
          "access_date": "2024-07-01", "checked": "no", "note": "A test source (tests/test_updates.py)."}
PARTNERSHIP = {"partnership_id": "P20", "record_type": "partnership", "model": "jumelage", "commune_id": "zio-1",
               "partner": "Saint-Essai-sur-Loire", "partner_type": "commune", "partner_country": "FR",
               "partner_place_basis": "not_available", "start_year": "2024", "source_id": "S099",
               "source": "délibération du 14 juin 2024"}  # no source_lines: not the study
EVENT = {"event_id": "E099", "partnership_id": "P20", "date": "2024-06-14", "kind": "convention",
         "status_after": "active", "source_id": "S099", "locator": "délibération du 14 juin 2024",
         "quotation": "approuve la convention de jumelage"}
POPULATION = ("yoto-1", 123456)
REMOVED = "P17"  # Kloto 1 – ONG Hilfe Für Togo (Waldstetten): 2 events, conflict C10, web references W16 and W18
REFERENCES = {"partnership_events": "partnership_id", "conflicts": "record_ids", "web_references": "partnership_ids"}
STEPS = ("a_partnership", "b_commune", "c_population", "d_removal")


def sums(folder: Path) -> dict[str, str]:
    return tree_checksums(folder)


def check(data: Path) -> list[str]:
    """``coopdata check``, with ``coopdata derive-sectors`` first when the check asks for it; the commands run."""
    res = coopdata_command("check", "--data-dir", data)
    if res.returncode != 0 and "coopdata derive-sectors" in res.stderr:
        assert res.stderr.count("\n") == 1 and f"`coopdata derive-sectors --data-dir {data}`" in res.stderr
        derive = coopdata_command("derive-sectors", "--data-dir", data)
        assert derive.returncode == 0, derive.stderr
        res = coopdata_command("check", "--data-dir", data)
        assert res.returncode == 0, res.stderr
        return ["derive-sectors", "check"]
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("coopdata check: ") and res.stderr == ""
    return ["check"]


# ----------------------------------------------------------------------------- by editing the CSV files
def _refers_to(value: str, pid: str) -> bool:
    return pid in value.split(";")


def csv_edit(data: Path, step: str) -> None:
    if step == "a_partnership":
        add_row(data / "sources.csv", SOURCE)
        add_row(data / "partnerships.csv", PARTNERSHIP)
        add_row(data / "partnership_events.csv", EVENT)
    elif step == "b_commune":
        add_row(data / "communes.csv", AGOE)
    elif step == "c_population":
        fields, rows = read_rows(data / "communes.csv")
        for row in rows:
            if row["commune_id"] == POPULATION[0]:
                row["population"] = str(POPULATION[1])
        write_rows(data / "communes.csv", fields, rows)
    elif step == "d_removal":
        fields, rows = read_rows(data / "partnerships.csv")
        write_rows(data / "partnerships.csv", fields, [r for r in rows if r["partnership_id"] != REMOVED])
        for table, column in REFERENCES.items():
            fields, rows = read_rows(data / f"{table}.csv")
            kept = []
            for row in rows:
                if _refers_to(row[column], REMOVED):
                    row[column] = ";".join(i for i in row[column].split(";") if i != REMOVED)
                    if not row[column]:
                        continue  # it referred to the removed partnership only
                kept.append(row)
            write_rows(data / f"{table}.csv", fields, kept)


@pytest.fixture(scope="module")
def csv_route(tmp_path_factory):
    data = copy_data(tmp_path_factory.mktemp("csv") / "data")
    commands = {}
    for step in STEPS:
        csv_edit(data, step)
        commands[step] = check(data)
    return data, commands


def test_each_update_by_editing_the_csv_files_passes_the_check(csv_route):
    data, commands = csv_route
    # the check names `coopdata derive-sectors` where the sector matrices follow the edit (a commune, a partnership
    # the matrices derive from); a later partnership without sectors and a population change need nothing more
    assert commands == {"a_partnership": ["check"], "b_commune": ["derive-sectors", "check"],
                        "c_population": ["check"], "d_removal": ["derive-sectors", "check"]}
    communes = load_table("communes", data).set_index("commune_id")
    assert len(communes) == 14 and communes.loc[POPULATION[0], "population"] == POPULATION[1]
    partnerships = load_table("partnerships", data).set_index("partnership_id")
    assert "P20" in partnerships.index and REMOVED not in partnerships.index
    assert pd.isna(partnerships.loc["P20", "source_lines"])  # a later source: no line numbers needed
    for table, column in REFERENCES.items():
        assert not any(_refers_to(str(v), REMOVED) for v in load_table(table, data)[column]), table
    assert "agoe-nyive-2" not in set(load_table("communes", DATA_DIR)["commune_id"])  # data/ itself untouched


def shown(page: str) -> str:
    """A map page with its JSON \\uXXXX escapes decoded (popup and tooltip texts are JSON strings)."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page)


# ----------------------------------------------------------------------------- through the workbook
def _sheet_rows(ws) -> tuple[list[str], list[tuple[int, dict]]]:
    header = [c.value for c in ws[1]]
    rows = [(r, dict(zip(header, (c.value for c in cells), strict=False)))
            for r, cells in enumerate(ws.iter_rows(min_row=2), start=2)]
    return header, rows


def _append(ws, row: dict) -> None:
    header = [c.value for c in ws[1]]
    ws.append([row.get(h) for h in header])


def workbook_edit(wb, step: str) -> None:
    """The same edits as :func:`csv_edit`, as a spreadsheet user makes them (typed cells: numbers, booleans)."""
    if step == "a_partnership":
        _append(wb["sources"], SOURCE)
        _append(wb["partnerships"], {**PARTNERSHIP, "start_year": 2024})
        _append(wb["partnership_events"], EVENT)
    elif step == "b_commune":
        _append(wb["communes"], {**AGOE, "prodegol": False, "lat": 6.24, "lon": 1.2})
    elif step == "c_population":
        ws = wb["communes"]
        header, rows = _sheet_rows(ws)
        (r,) = [r for r, row in rows if row["commune_id"] == POPULATION[0]]
        ws.cell(row=r, column=header.index("population") + 1, value=POPULATION[1])
    elif step == "d_removal":
        for sheet, column in {"partnerships": "partnership_id", **REFERENCES}.items():
            ws = wb[sheet]
            header, rows = _sheet_rows(ws)
            for r, row in reversed(rows):
                value = str(row[column] or "")
                if _refers_to(value, REMOVED):
                    rest = ";".join(i for i in value.split(";") if i != REMOVED)
                    if rest:
                        ws.cell(row=r, column=header.index(column) + 1, value=rest)
                    else:
                        ws.delete_rows(r)


@pytest.fixture(scope="module")
def workbook_route(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("workbook")
    data = copy_data(tmp / "data")
    outputs = {}
    for step in STEPS:
        book = tmp / f"{step}.xlsx"
        res = coopdata_command("workbook", book, "--data-dir", data)
        assert res.returncode == 0, res.stderr
        wb = openpyxl.load_workbook(book)
        workbook_edit(wb, step)
        wb.save(book)
        res = coopdata_command("import", book, "--data-dir", data)
        assert res.returncode == 0, res.stdout + res.stderr
        outputs[step] = (res.stdout, check(data))
    return data, outputs


def test_each_update_through_the_workbook_passes_the_check(workbook_route):
    data, outputs = workbook_route
    assert all(commands == ["check"] for _, commands in outputs.values())  # the import re-derived the matrices
    printed = {step: out for step, (out, _) in outputs.items()}
    assert "partnerships: 1 added (P20), 0 changed, 0 removed" in printed["a_partnership"]
    assert "sources: 1 added (S099)" in printed["a_partnership"]
    assert "communes: 1 added (agoe-nyive-2)" in printed["b_commune"]
    assert "communes: 0 added, 1 changed (yoto-1), 0 removed" in printed["c_population"]
    assert f"partnerships: 0 added, 0 changed, 1 removed ({REMOVED})" in printed["d_removal"]
    assert "web_references: 0 added, 1 changed (W16), 1 removed (W18)" in printed["d_removal"]


def test_both_routes_give_the_same_data(csv_route, workbook_route):
    by_csv, by_workbook = csv_route[0], workbook_route[0]
    for table in ("sources", "communes", "partnerships", "partnership_events", "conflicts", "web_references",
                  "sectors_current", "sectors_interest"):
        a, b = load_table(table, by_csv), load_table(table, by_workbook)
        assert a.astype(str).equals(b.astype(str)), table


# ----------------------------------------------------------------------------- a broken edit
BROKEN = {**PARTNERSHIP, "partnership_id": "P21", "commune_id": "lome-9", "partner": "Nulle-Part"}


def test_a_broken_csv_edit_is_refused_with_one_line_and_nothing_written(csv_route):
    data = csv_route[0]
    original = (data / "partnerships.csv").read_bytes()
    add_row(data / "partnerships.csv", BROKEN)
    try:
        before = sums(data)
        res = coopdata_command("check", "--data-dir", data)
        assert res.returncode == 1 and res.stdout == ""
        assert res.stderr.count("\n") == 1, res.stderr
        assert "partnerships.csv, line " in res.stderr and "commune_id" in res.stderr and "lome-9" in res.stderr
        assert "Traceback" not in res.stderr
        assert sums(data) == before  # the check writes nothing
        out = data.parent / "out-broken"
        res = coopdata_command("run", "--data-dir", data, "--output-dir", out, "--maps-dir", data.parent / "maps-b")
        assert res.returncode == 1 and res.stderr.count("\n") == 1 and "lome-9" in res.stderr
        assert not out.exists() and sums(data) == before  # the run refuses before anything is written
    finally:
        (data / "partnerships.csv").write_bytes(original)
    assert check(data) == ["check"]


def test_a_broken_workbook_edit_is_refused_with_one_line_and_nothing_written(workbook_route, tmp_path):
    data = workbook_route[0]
    book = tmp_path / "broken.xlsx"
    assert coopdata_command("workbook", book, "--data-dir", data).returncode == 0
    wb = openpyxl.load_workbook(book)
    _append(wb["partnerships"], {**BROKEN, "start_year": 2024})
    wb.save(book)
    before = sums(data)
    res = coopdata_command("import", book, "--data-dir", data)
    assert res.returncode == 1 and res.stdout == "" and "Traceback" not in res.stderr
    errors = [line for line in res.stderr.splitlines() if line.startswith("coopdata: error:")]
    assert len(errors) == 1, res.stderr
    assert "broken.xlsx, sheet 'partnerships', row " in errors[0] and "lome-9" in errors[0]
    assert res.stderr.splitlines()[-1] == "coopdata import: 1 problem(s); nothing written"
    assert sums(data) == before


# ----------------------------------------------------------------------------- the batch
def test_a_14th_commune_gets_its_profile_job_and_a_line_in_the_index(make_notebook, tmp_path, data_14):
    nb = make_notebook("10_profile", "P", [], parameters='commune = ""\n' + PARAMETERS)
    jobs = plan_jobs([nb], ("fr",), dt.date(2024, 5, 1), data_14)
    assert len(jobs) == 14 and jobs[-1].commune == "Agoè-Nyivé 2"
    assert (jobs[-1].name, jobs[-1].html_rel) == ("10_profile-agoe-nyive-2", "fr/10_profile-agoe-nyive-2.html")
    (tmp_path / "fr").mkdir()
    (tmp_path / jobs[-1].html_rel).write_text("profile")
    manifest = {"status": "ok", "parameters": {"langs": ["fr"], "date": "2024-05-01"}, "git": None,
                "inputs": {"data_digest": "0" * 64, "communes": {"prodegol": 13, "other": 1}}}
    index = render_index(tmp_path, manifest, jobs, {j.key: {"status": "ok"} for j in jobs})
    assert '<a href="fr/10_profile-agoe-nyive-2.html">Agoè-Nyivé 2</a>' in index
    assert "de 13 communes du ProDeGoL et de 1 autre(s) commune(s) du Togo" in index
    with pytest.raises(RunError, match="'Tône 1' and 'TONE 1' give the same file name"):
        plan_jobs([nb], ("fr",), dt.date(2024, 5, 1), data_14, communes=["Tône 1", "TONE 1"])


EARLIER = "2024-01-01"


@pytest.mark.notebooks
def test_a_real_run_on_the_final_state_shows_the_updates(workbook_route, tmp_path):
    data = workbook_route[0]
    out, maps = tmp_path / "OUT2", tmp_path / "MAPS2"
    # an earlier dated run in the same output folder, made on the study's edition of data/ (its manifest)
    (out / EARLIER).mkdir(parents=True)
    earlier = {"parameters": {"date": EARLIER}, "inputs": {"data": tree_checksums(DATA_DIR),
                                                           "rows": row_checksums(DATA_DIR)}}
    (out / EARLIER / "manifest.json").write_text(json.dumps(earlier), encoding="utf-8")
    # the reports an update can reach (maps, timelines, overview; the profiles of the communes changed): the
    # other eleven profiles are the same notebook, and the suite's shared batch already runs them
    touched = "01,02,05,agoe-nyive-2,yoto-1,kloto-1"
    res = coopdata_command("run", "--data-dir", data, "--output-dir", out, "--maps-dir", maps, "--jobs", "2",
                           "--lang", "fr", "--only", touched, env_extra={"JUPYTER_DATA_DIR": str(tmp_path / "jupyter")},
                           timeout=3600)
    assert res.returncode == 0, f"the run failed:\n{res.stdout}\n{res.stderr}"
    (run,) = [p for p in out.iterdir() if re.fullmatch(r"\d{4}-\d{2}-\d{2}", p.name) and p.name != EARLIER]
    # (a) the new partner in the timelines
    timelines = (run / "fr/02_timelines.html").read_text(encoding="utf-8")
    assert "Saint-Essai-sur-Loire" in timelines
    # (b) the 14th commune's profile, in the index; on the maps
    profile = run / "fr/10_commune_profile-agoe-nyive-2.html"
    assert profile.is_file() and "Agoè-Nyivé 2" in profile.read_text(encoding="utf-8")
    index = (run / "index.html").read_text(encoding="utf-8")
    assert '<a href="fr/10_commune_profile-agoe-nyive-2.html">Agoè-Nyivé 2</a>' in index
    for name in ("01_territoire.html", "02_partenaires.html"):
        assert "Agoè-Nyivé 2" in shown((maps / "fr" / name).read_text(encoding="utf-8")), name
    # (c) the new population in that commune's profile
    yoto = (run / "fr/10_commune_profile-yoto-1.html").read_text(encoding="utf-8")
    assert re.search(r"123(\u202f|&#8239;|&#x202f;|\xa0|&nbsp;| )456", yoto)
    # (d) the removed partner is gone from every report
    for page in sorted((run / "fr").glob("*.html")):  # the index's « what changed » names it
        assert page.name == "index.html" or "ONG Hilfe F" not in page.read_text(encoding="utf-8"), page.name
    # the index lists what changed in the data since the earlier dated run
    assert f"Depuis le lancement du {EARLIER}" in index
    for table, ids in {"communes": ("agoe-nyive-2", POPULATION[0]), "partnerships": ("P20", REMOVED),
                       "sources": ("S099",), "partnership_events": ("E099",)}.items():
        row = re.search(rf"<tr><td>{table}</td>.*?</tr>", index)
        assert row and all(i in row.group(0) for i in ids), table
