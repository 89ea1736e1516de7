"""`coopdata check` on broken copies of data/: one clear line, exit 1, nothing written."""

import hashlib
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

import coopdata
from coopdata.cli import main
from coopdata.core.errors import DataError
from coopdata.core.paths import DATA_DIR


@pytest.fixture
def data_copy(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def snapshot(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def edit(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def run_check(folder):
    before = snapshot(folder)
    result = CliRunner().invoke(main, ["check", "--data-dir", str(folder)])
    assert snapshot(folder) == before, "check must never write"
    return result


def assert_clear_failure(folder, *fragments):
    result = run_check(folder)
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    # a loader on the same data raises the same clear error
    with pytest.raises(DataError) as info:
        coopdata.load_regions(data_dir=folder)
    assert info.value.message in lines[0]
    return lines[0]


def test_valid_copy_passes(data_copy):
    result = run_check(data_copy)
    assert result.exit_code == 0 and "23 tables valid" in result.output


def test_missing_column(data_copy):
    path = data_copy / "communes.csv"
    rows = [line.split(",", 1)[1] for line in path.read_text(encoding="utf-8").splitlines()]  # drop commune_id
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert_clear_failure(data_copy, "communes.csv", "line 1", "'commune_id'", "missing column")


def test_renamed_column(data_copy):
    edit(data_copy / "finance.csv", "amount_fcfa", "montant_fcfa")
    assert_clear_failure(data_copy, "finance.csv", "line 1", "'montant_fcfa'", "unexpected column (renamed?)",
                         "Expected columns")


def test_empty_file(data_copy):
    (data_copy / "governance.csv").write_text("", encoding="utf-8")
    assert_clear_failure(data_copy, "governance.csv", "empty file")


def test_unknown_commune(data_copy):
    edit(data_copy / "partnerships.csv", "P01,partnership,jumelage,JUMELAGE – Convention de partenariat signée "
         "entre les deux communes,ogou-1", "P01,partnership,jumelage,JUMELAGE – Convention de partenariat signée "
         "entre les deux communes,lome-9")
    assert_clear_failure(data_copy, "partnerships.csv", "line 2", "'commune_id'", "lome-9",
                         "not found in the referenced table")


def test_start_year_in_the_future(data_copy):
    edit(data_copy / "partnerships.csv", ",2015,Données non recueillies", ",2999,Données non recueillies")
    assert_clear_failure(data_copy, "partnerships.csv", "line 7", "'start_year'", "'2999'", "maximum",
                         "future")


def test_start_year_before_1900(data_copy):
    edit(data_copy / "partnerships.csv", ',1958,"Eau et Assainissement', ',1858,"Eau et Assainissement')
    assert_clear_failure(data_copy, "partnerships.csv", "line 2", "'start_year'", "'1858'", "minimum = 1900")


def test_negative_amount(data_copy):
    edit(data_copy / "finance.csv", "F05,ogou-1,budget,277000000", "F05,ogou-1,budget,-277000000")
    assert_clear_failure(data_copy, "finance.csv", "line 6", "'amount_fcfa'", "'-277000000'", "minimum = 0")


def test_non_numeric_amount(data_copy):
    edit(data_copy / "finance.csv", "F05,ogou-1,budget,277000000", "F05,ogou-1,budget,environ 277 M")
    assert_clear_failure(data_copy, "finance.csv", "line 6", "'amount_fcfa'", "'environ 277 M'", "type (integer)")


def test_duplicate_id(data_copy):
    edit(data_copy / "partnerships.csv", "\nP02,", "\nP01,")
    assert_clear_failure(data_copy, "partnerships.csv", "line 3", "duplicate", "P01")


def test_not_utf8(data_copy):
    path = data_copy / "communes.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1", errors="replace"))
    assert_clear_failure(data_copy, "communes.csv", "line 2", "not UTF-8", "byte 0xf4", "CSV UTF-8")


def test_french_spreadsheet_export(data_copy):
    path = data_copy / "finance.csv"
    import csv
    import io

    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([cell.replace(".", ",") for cell in row])
    path.write_text(out.getvalue(), encoding="cp1252", errors="replace")
    line = assert_clear_failure(data_copy, "finance.csv")
    assert "semicolon-separated" in line or "not UTF-8" in line


def test_semicolons_in_utf8(data_copy):
    path = data_copy / "regions.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",", ";"), encoding="utf-8")
    assert_clear_failure(data_copy, "regions.csv", "line 1", "semicolon-separated")


def test_decimal_comma_adds_a_field(data_copy):
    edit(data_copy / "geo/places_geonames.csv", "Dapaong,10.86225,", "Dapaong,10,86225,")
    assert_clear_failure(data_copy, "places_geonames.csv", "line 2", "more fields than the header")


def test_row_with_too_many_fields(data_copy):
    edit(data_copy / "governance.csv", "tone-1,comite_jumelage,indirecte,stated,", "tone-1,comite_jumelage,indirecte,"
         "stated,extra,")
    assert_clear_failure(data_copy, "governance.csv", "line 2", "more fields than the header")


def test_utf8_bom_is_accepted(data_copy):
    path = data_copy / "regions.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert run_check(data_copy).exit_code == 0
    assert len(coopdata.load_regions(data_dir=data_copy)) == 5


def test_derived_sectors_must_match_rules(data_copy):
    edit(data_copy / "sectors_current.csv", "kloto-1,culture,unknown", "kloto-1,culture,yes")
    assert_clear_failure(data_copy, "sectors_current.csv", "differs from the derivation", "'value'")


NEW_ROW_2024 = ("P20,partnership,jumelage,,kloto-1,,Ville test,commune,FR,,,not_available,2024,,,,{source_id},"
                "page de la commune,{lines}\n")


def test_a_study_row_without_lines_is_refused_in_one_line(data_copy):
    path = data_copy / "partnerships.csv"
    header = path.read_text(encoding="utf-8").splitlines()[0]
    assert header.endswith("note,source_id,source,source_lines")
    text = path.read_text(encoding="utf-8").replace("\nL01,", "\n" + NEW_ROW_2024.format(source_id="S001", lines="")
                                                    + "L01,", 1)
    path.write_text(text, encoding="utf-8")
    assert_clear_failure(data_copy, "partnerships.csv", "line 21", "'source_lines'", "required when source_id is "
                         "the study (S001)")


def test_a_row_of_a_later_source_needs_no_lines(data_copy):
    path = data_copy / "partnerships.csv"
    text = path.read_text(encoding="utf-8").replace("\nL01,", "\n" + NEW_ROW_2024.format(source_id="S012", lines="")
                                                    + "L01,", 1)
    path.write_text(text, encoding="utf-8")
    assert run_check(data_copy).exit_code == 0


def test_a_derived_table_names_the_exact_command(data_copy):
    edit(data_copy / "sectors_interest.csv", "zio-1,culture,unknown", "zio-1,culture,yes")
    line = assert_clear_failure(data_copy, "sectors_interest.csv", "line ", "'value'")
    assert f"`coopdata derive-sectors --data-dir {data_copy}`" in line


def test_an_unknown_source_id_is_refused(data_copy):
    edit(data_copy / "swot.csv", "FOR01,forces,Existence d’une convention ou accord de coopération entre les communes "
         "et leurs partenaires,S001", "FOR01,forces,Existence d’une convention ou accord de coopération entre les "
         "communes et leurs partenaires,S999")
    assert_clear_failure(data_copy, "swot.csv", "line 2", "'source_id'", "S999", "not found in the referenced table")


COMMUNE_HEADER = ("commune_id,commune,prodegol,region_id,prefecture,urban_centre,lat,lon,distance_km,"
                  "distance_from,mayor,"
                  "term_start,term_end,population,population_printed,area_km2,petit_plus,cooperation_sentence,"
                  "study_phase,source_id,source,source_lines")


def add_commune(folder, row):
    path = folder / "communes.csv"
    assert path.read_text(encoding="utf-8").splitlines()[0] == COMMUNE_HEADER
    with path.open("a", encoding="utf-8") as fh:
        fh.write(row + "\n")


def test_a_fourteenth_commune_needs_the_derived_tables_then_appears(data_copy):
    add_commune(data_copy, "golfe-1,Golfe 1,False,maritime,Golfe,Lomé,,,,,,,,,,,,,,S004,togo_communes.csv,")
    line = assert_clear_failure(data_copy, "sectors_current.csv", "row count differs")
    assert "coopdata derive-sectors --data-dir" in line
    result = CliRunner().invoke(main, ["derive-sectors", "--data-dir", str(data_copy)])
    assert result.exit_code == 0, result.output
    assert run_check(data_copy).exit_code == 0
    communes = coopdata.load_communes(data_dir=data_copy).set_index("commune_id")
    assert len(communes) == 14 and int(communes["prodegol"].sum()) == 13
    assert communes.loc["golfe-1", "point_basis"] == "urban_centre"
    assert communes.loc["golfe-1", "lat"] == pytest.approx(6.12874)
    interest = coopdata.load_sectors("interest", data_dir=data_copy)
    # §5.1 speaks of « les treize communes »: a commune added later gets no interest from it
    assert set(interest.loc[interest["commune_id"] == "golfe-1", "value"]) == {"unknown"}
    assert len(interest) == 14 * 7


def test_coordinates_given_on_the_row_are_used(data_copy):
    add_commune(data_copy, "lacs-1,Lacs 1,False,maritime,Lacs,,6.23,1.59,,,,,,,,,,,,S004,togo_communes.csv,")
    CliRunner().invoke(main, ["derive-sectors", "--data-dir", str(data_copy)])
    assert run_check(data_copy).exit_code == 0
    communes = coopdata.load_communes(data_dir=data_copy).set_index("commune_id")
    assert (communes.loc["lacs-1", "lat"], communes.loc["lacs-1", "lon"]) == (6.23, 1.59)
    assert communes.loc["lacs-1", "point_basis"] == "row"


def test_a_commune_without_coordinates_is_refused(data_copy):
    add_commune(data_copy, "lacs-1,Lacs 1,False,maritime,Lacs,,,,,,,,,,,,,,,S004,togo_communes.csv,")
    assert_clear_failure(data_copy, "communes.csv", "line 15", "'lat'", "no coordinates")


def test_a_commune_must_be_one_of_the_117(data_copy):
    add_commune(data_copy, "lome-9,Lomé 9,False,maritime,Golfe,Lomé,,,,,,,,,,,,,,S004,togo_communes.csv,")
    assert_clear_failure(data_copy, "communes.csv", "line 15", "'commune'", "Lomé 9",
                         "not a commune of Togo in togo_communes.csv")


def test_a_commune_in_the_wrong_prefecture_or_region_is_refused(data_copy):
    add_commune(data_copy, "golfe-1,Golfe 1,False,maritime,Zio,Lomé,,,,,,,,,,,,,,S004,togo_communes.csv,")
    assert_clear_failure(data_copy, "communes.csv", "line 15", "'prefecture'", "Golfe 1: Golfe")
    edit(data_copy / "communes.csv", "golfe-1,Golfe 1,False,maritime,Zio", "golfe-1,Golfe 1,False,plateaux,Golfe")
    assert_clear_failure(data_copy, "communes.csv", "line 15", "'region_id'", "Golfe 1: maritime")


def test_names_are_matched_without_accents_or_case(data_copy):
    edit(data_copy / "communes.csv", "tone-1,Tône 1,True,savanes,Tône,", "tone-1,TONE 1,True,savanes,tone,")
    assert run_check(data_copy).exit_code == 0


def test_env_var_points_loaders_at_a_copy(data_copy, monkeypatch):
    edit(data_copy / "communes.csv", "M. Yampoadeb", "M. Y. (updated)")
    monkeypatch.setenv("COOPDATA_DATA_DIR", str(data_copy))
    assert "M. Y. (updated)" in set(coopdata.load_communes()["mayor"])


def test_no_traceback_from_the_real_command(data_copy):
    (data_copy / "swot.csv").write_text("", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "coopdata.cli", "check", "--data-dir", str(data_copy)],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.strip().startswith("coopdata: error:") and "swot.csv" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_start_year_conflict_value_names_one_year(data_copy):
    edit(data_copy / "conflicts.csv", "signé en 2003 un accord de jumelage,S022",
         "signé en 2003 un accord de jumelage resté sans effet jusqu'en 2013,S022")
    assert_clear_failure(data_copy, "conflicts.csv", "'value_printed'", "exactly one year")
