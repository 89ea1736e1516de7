"""The spreadsheet update path: `coopdata workbook` then `coopdata import`, on copies of data/."""

import hashlib
import shutil
import zipfile

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import coopdata
from coopdata.cli import main
from coopdata.core.paths import DATA_DIR


@pytest.fixture
def data_copy(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


@pytest.fixture
def book(data_copy, tmp_path):
    path = tmp_path / "data.xlsx"
    result = CliRunner().invoke(main, ["workbook", str(path), "--data-dir", str(data_copy)])
    assert result.exit_code == 0, result.output
    return path


def snapshot(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def run_import(path, folder):
    return CliRunner().invoke(main, ["import", str(path), "--data-dir", str(folder)])


def column(ws, name):
    return [c.value for c in ws[1]].index(name) + 1


def find_row(ws, key):
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == key)


def test_the_workbook_has_a_sheet_per_editable_table_dropdowns_and_notes(book):
    wb = load_workbook(book)
    assert "sectors_current" not in wb.sheetnames and "sectors_interest" not in wb.sheetnames
    assert {"README", "sources", "communes", "partnerships", "partnership_events", "togo_communes",
            "reported_figures"} <= set(wb.sheetnames)
    ws = wb["partnerships"]
    assert ws.freeze_panes == "A2"
    assert "Model of cooperation" in ws.cell(row=1, column=column(ws, "model")).comment.text
    validations = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    letter = ws.cell(row=1, column=column(ws, "commune_id")).column_letter
    assert validations[f"{letter}2:{letter}5000"] == "='communes'!$A$2:$A$5000"
    src = ws.cell(row=1, column=column(ws, "source_id")).column_letter
    assert validations[f"{src}2:{src}5000"] == "='sources'!$A$2:$A$5000"
    model = ws.cell(row=1, column=column(ws, "model")).column_letter
    assert validations[f"{model}2:{model}5000"].startswith("=lists!")
    ev = wb["partnership_events"]
    kinds = {str(dv.sqref) for dv in ev.data_validations.dataValidation}
    assert len(kinds) >= 4  # partnership_id, kind, status_after, source_id
    readme = [tuple(r) for r in wb["README"].iter_rows(values_only=True)]
    assert any(r[:2] == ("communes", "prodegol") for r in readme)
    assert wb["communes"].cell(row=2, column=column(wb["communes"], "population")).value == 176605


def test_round_trip_without_edits_changes_nothing(book, data_copy):
    before = snapshot(data_copy)
    result = run_import(book, data_copy)
    assert result.exit_code == 0, result.output
    assert "no change" in result.output
    assert snapshot(data_copy) == before


def test_a_population_change_is_written_and_reported(book, data_copy):
    wb = load_workbook(book)
    ws = wb["communes"]
    ws.cell(row=find_row(ws, "zio-1"), column=column(ws, "population")).value = 250000
    wb.save(book)
    before = snapshot(data_copy)
    result = run_import(book, data_copy)
    assert result.exit_code == 0, result.output
    assert "communes: 0 added, 1 changed (zio-1), 0 removed" in result.output
    after = snapshot(data_copy)
    assert {k for k in after if after[k] != before[k]} == {"communes.csv"}
    assert coopdata.load_communes(data_dir=data_copy).set_index("commune_id").loc["zio-1", "population"] == 250000
    assert CliRunner().invoke(main, ["check", "--data-dir", str(data_copy)]).exit_code == 0


def test_a_new_commune_and_partnership_follow_in_the_derived_tables(book, data_copy):
    wb = load_workbook(book)
    ws = wb["communes"]
    row = {"commune_id": "golfe-1", "commune": "Golfe 1", "prodegol": False, "region_id": "maritime",
           "prefecture": "Golfe", "urban_centre": "Lomé", "source_id": "S004", "source": "togo_communes.csv"}
    ws.append([row.get(c.value) for c in ws[1]])
    ws = wb["partnerships"]
    row = {"partnership_id": "P20", "record_type": "partnership", "model": "jumelage", "commune_id": "golfe-1",
           "partner": "Ville test", "partner_type": "commune", "partner_place_basis": "not_available",
           "start_year": 2024, "source_id": "S025", "source": "page test"}
    ws.append([row.get(c.value) for c in ws[1]])
    wb.save(book)
    result = run_import(book, data_copy)
    assert result.exit_code == 0, result.output
    assert "communes: 1 added (golfe-1), 0 changed, 0 removed" in result.output
    assert "partnerships: 1 added (P20)" in result.output
    assert "sectors_current: 7 added" in result.output and "sectors_interest: 7 added" in result.output
    assert CliRunner().invoke(main, ["check", "--data-dir", str(data_copy)]).exit_code == 0


def test_a_removed_partnership_is_reported(book, data_copy):
    wb = load_workbook(book)
    ws = wb["partnerships"]
    ws.delete_rows(find_row(ws, "P19"))
    ev = wb["partnership_events"]
    pid = column(ev, "partnership_id")
    for r in sorted((r for r in range(2, ev.max_row + 1) if ev.cell(row=r, column=pid).value == "P19"), reverse=True):
        ev.delete_rows(r)
    wb.save(book)
    result = run_import(book, data_copy)
    assert result.exit_code == 0, result.output
    assert "partnerships: 0 added, 0 changed, 1 removed (P19)" in result.output


def test_a_formula_is_refused_naming_sheet_and_cell(book, data_copy):
    wb = load_workbook(book)
    ws = wb["communes"]
    r, c = find_row(ws, "tone-1"), column(ws, "population")
    ws.cell(row=r, column=c).value = "=176000+605"
    ref = ws.cell(row=r, column=c).coordinate
    wb.save(book)
    before = snapshot(data_copy)
    result = run_import(book, data_copy)
    assert result.exit_code == 1
    assert f"sheet 'communes', cell {ref} (row {r}, column 'population'): holds a formula" in result.output
    assert "Traceback" not in result.output
    assert snapshot(data_copy) == before


def test_a_workbook_with_macros_is_refused(book, data_copy, tmp_path):
    macro = tmp_path / "macro.xlsx"
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(macro, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr("xl/vbaProject.bin", b"\x00" * 16)
    before = snapshot(data_copy)
    result = run_import(macro, data_copy)
    assert result.exit_code == 1 and "holds macros (a vbaProject part)" in result.output
    xlsm = tmp_path / "data.xlsm"
    shutil.copy(book, xlsm)
    result = run_import(xlsm, data_copy)
    assert result.exit_code == 1 and "a workbook with macros (.xlsm) is refused" in result.output
    assert snapshot(data_copy) == before


def test_an_invalid_value_is_refused_and_nothing_is_written(book, data_copy):
    wb = load_workbook(book)
    ws = wb["communes"]
    r = find_row(ws, "zio-1")
    ws.cell(row=r, column=column(ws, "population")).value = "about 250 000"
    ws.cell(row=find_row(ws, "yoto-1"), column=column(ws, "mayor")).value = "M. Test"  # a valid edit beside it
    p = wb["partnerships"]
    p.cell(row=find_row(p, "P02"), column=column(p, "commune_id")).value = "lome-9"
    wb.save(book)
    before = snapshot(data_copy)
    result = run_import(book, data_copy)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("coopdata: error:")]
    letter = ws.cell(row=1, column=column(ws, "population")).column_letter
    assert any(f"sheet 'communes', row {r}, column 'population' (cell {letter}{r}): value does not have the "
               "column's type (integer)" in line for line in lines), lines
    assert any("sheet 'partnerships', row 3, column 'commune_id'" in line and "lome-9" in line for line in lines), lines
    assert "nothing written" in result.output
    assert snapshot(data_copy) == before


def test_a_missing_sheet_or_column_is_named(book, data_copy):
    wb = load_workbook(book)
    del wb["swot"]
    ws = wb["finance"]
    ws.cell(row=1, column=column(ws, "amount_fcfa")).value = "montant"
    wb.save(book)
    result = run_import(book, data_copy)
    assert result.exit_code == 1
    assert "sheet 'swot': missing sheet" in result.output
    assert "sheet 'finance', row 1: missing column 'amount_fcfa'" in result.output
