"""``coopdata run``: planning, normalisation, publishing, and whole runs on synthetic notebooks.

The slow tests (marker ``notebooks``) run the real command in a subprocess on small notebooks
written into a temporary folder, against the project's data, with a private Jupyter data folder
for the notebook signatures.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from conftest import PARAMETERS, coopdata_command, write_notebook
from nbformat.sign import NotebookNotary

from coopdata.batch.changes import data_changes, previous_run
from coopdata.batch.execute import describe_error
from coopdata.batch.manifest import row_checksums
from coopdata.batch.normalise import normalise_notebook, renumber_ids
from coopdata.batch.plan import Job, RunError, discover_notebooks, parameter_names, plan_jobs, select_jobs, slugify
from coopdata.batch.publish import collect_maps, publish_dir
from coopdata.core.paths import DATA_DIR, PROJECT_DIR
from coopdata.data.validation import data_digest
from coopdata.report.html import external_resources

DATE = "2024-05-01"
COMMUNES = ["Tône 1", "Oti 1", "Kozah 1", "Binah 1", "Bassar 1", "Tchaoudjo 1", "Tchamba 1", "Sotouboua 1",
            "Ogou 1", "Amou 1", "Kloto 1", "Zio 1", "Yoto 1"]

# -------------------------------------------------------------------------------------------- planning


def test_slugify_matches_the_commune_ids():
    assert [slugify(c) for c in COMMUNES] == [
        "tone-1", "oti-1", "kozah-1", "binah-1", "bassar-1", "tchaoudjo-1", "tchamba-1", "sotouboua-1", "ogou-1",
        "amou-1", "kloto-1", "zio-1", "yoto-1"]
    assert slugify("Agoè-Nyivé 2") == "agoe-nyive-2"  # any commune of Togo (togo_communes.csv)
    with pytest.raises(RunError):
        slugify("«»")


def test_parameter_names_and_discovery(make_notebook, tmp_path):
    make_notebook("01_a", "A", ["x = 1"])
    make_notebook("10_profile", "P", ["y = 2"], parameters='commune = "Tône 1"\n' + PARAMETERS)
    (tmp_path / "notebooks" / "scratch.ipynb").write_text("{}")  # not numbered: ignored
    found = discover_notebooks(tmp_path / "notebooks")
    assert [p.name for p in found] == ["01_a.ipynb", "10_profile.ipynb"]
    assert parameter_names(found[0]) == ["lang", "as_of", "data_dir", "output_dir"]
    assert parameter_names(found[1])[0] == "commune"
    with pytest.raises(RunError, match="no numbered notebook"):
        discover_notebooks(tmp_path)


def test_plan_runs_the_profile_once_per_commune_of_the_data(make_notebook, tmp_path):
    nbs = [make_notebook("01_a", "A", []),
           make_notebook("10_profile", "P", [], parameters='commune = ""\n' + PARAMETERS)]
    jobs = plan_jobs(nbs, ("fr", "en"), dt.date(2024, 5, 1), DATA_DIR)
    assert len(jobs) == 2 * (1 + 13)
    profiles = [j for j in jobs if j.commune and j.lang == "fr"]
    assert [j.commune for j in profiles] == COMMUNES  # the order of data/communes.csv
    assert profiles[0].name == "10_profile-tone-1"
    assert profiles[0].parameters == {"commune": "Tône 1", "lang": "fr", "as_of": "2024-05-01",
                                      "data_dir": str(DATA_DIR)}
    assert jobs[-1].key == "en/10_profile-yoto-1"
    assert profiles[0].ipynb_rel == "notebooks/fr/10_profile-tone-1.ipynb"
    assert profiles[0].html_rel == "fr/10_profile-tone-1.html"


def test_only_selects_by_name_number_commune_or_pattern(make_notebook, tmp_path):
    nbs = [make_notebook("01_map", "A", []), make_notebook("02_timelines", "B", []),
           make_notebook("10_profile", "P", [], parameters='commune = ""\n' + PARAMETERS)]
    jobs = plan_jobs(nbs, ("fr",), dt.date(2024, 5, 1), DATA_DIR, communes=COMMUNES)

    def names(*only):
        return [j.name for j in select_jobs(jobs, only)]

    assert len(names()) == 15
    assert names("01_map") == names("01") == names("01_map.ipynb") == ["01_map"]
    assert names("02,tone-1") == ["02_timelines", "10_profile-tone-1"]
    assert names("Kozah 1", "0*") == ["01_map", "02_timelines", "10_profile-kozah-1"]
    assert len(names("10_profile")) == 13
    with pytest.raises(RunError, match=r"--only 07_nothing: no such notebook \(known: 01_map, 02_timelines"):
        names("07_nothing")


# -------------------------------------------------------------------------------------------- normalisation


def _executed_like_papermill(tmp: str):
    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"start_time": "2024-01-01T00:00:00", "end_time": "x", "duration": 3.2,
                                "input_path": "/abs/nb.ipynb", "output_path": f"{tmp}/notebooks/fr/01_a.ipynb",
                                "parameters": {"output_dir": f"{tmp}/fr/01_a"}}
    inj = nbformat.v4.new_code_cell(f'output_dir = "{tmp}/fr/01_a"', metadata={"tags": ["injected-parameters"]})
    cell = nbformat.v4.new_code_cell("fig.show()")
    cell.id = "cell-from-the-source"  # source cells keep their ids; papermill's injected cells get random ones
    cell.metadata["execution"] = {"iopub.status.busy": "2024-01-01T00:00:01Z"}
    cell.metadata["papermill"] = {"duration": 1.0, "start_time": "a", "end_time": "b", "status": "completed"}
    plot = "1b2c3d4e-1111-4abc-8def-0123456789ab"
    folium_id = "map_0123456789abcdef0123456789abcdef"
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={
            "text/html": f'<div id="{plot}"></div><script>Plotly.newPlot("{plot}")</script>'
                         f'<iframe srcdoc="var {folium_id} = L.map(&quot;{folium_id}&quot;); '
                         f'function geo_json_{folium_id[4:]}_styler(f) {{}}"></iframe>'
                         '<style>#T_205e1 td {}</style><table id="T_205e1"><th id="T_205e1_level0_col0">',
            "text/plain": "<coopdata.views.offline.OfflineMap at 0x7f7492413c50>"}),
        nbformat.v4.new_output("stream", name="stdout", text=f"wrote {tmp}/fr/01_a/tables/a.csv\n"),
    ]
    nb.cells = [inj, cell]
    return nb


def test_normalise_notebook_removes_timings_paths_and_random_ids():
    job = Job("01_a", Path("/somewhere/notebooks/01_a.ipynb"), "fr", {})
    a = normalise_notebook(_executed_like_papermill("/out/.2024.partial-1"), job=job,
                           replace={"/out/.2024.partial-1": "/out/2024-05-01"})
    b = normalise_notebook(_executed_like_papermill("/out/.2024.partial-2"), job=job,
                           replace={"/out/.2024.partial-2": "/out/2024-05-01"})
    assert nbformat.writes(a) == nbformat.writes(b)
    meta = a.metadata.papermill
    assert not {"start_time", "end_time", "duration"} & set(meta)
    assert meta["input_path"] == "notebooks/01_a.ipynb" and meta["output_path"] == "notebooks/fr/01_a.ipynb"
    assert meta["parameters"]["output_dir"] == "/out/2024-05-01/fr/01_a"
    cell = a.cells[1]
    assert "execution" not in cell.metadata and cell.metadata.papermill == {"status": "completed"}
    page = cell.outputs[0].data["text/html"]
    assert page.count("00000000-0000-4000-8000-000000000001") == 2  # both references renamed alike
    assert page.count("map_00000000000000000000000000000003") == 2
    assert "geo_json_00000000000000000000000000000003_styler" in page  # the same random token, the same number
    assert page.count("T_00002") == 3 and "T_205e1" not in page  # pandas Styler
    assert cell.outputs[0].data["text/plain"] == "<coopdata.views.offline.OfflineMap at 0x0>"
    assert cell.outputs[1].text == "wrote /out/2024-05-01/fr/01_a/tables/a.csv\n"
    assert a.cells[0].id == "papermill-0"


def test_renumber_ids_leaves_other_hex_alone():
    sha = hashlib.sha256(b"x").hexdigest()
    text = f"sha {sha} md5 {hashlib.md5(b'x').hexdigest()}"
    assert renumber_ids(text) == text


# -------------------------------------------------------------------------------------------- what changed


def _manifest(date: str, rows: dict, data: dict | None = None) -> dict:
    """A manifest's data part: ``rows`` as {table: {row id: checksum}} ("" key: a table without one)."""
    return {"parameters": {"date": date}, "inputs": {"data": data or {}, "rows": {
        name: {"key": [] if name == "swot" else ["id"], "path": f"{name}.csv", "rows": r} for name, r in rows.items()}}}


def test_data_changes_between_two_manifests_list_tables_and_rows_by_id():
    files = {"communes.csv": "1", "geo/layer.geojson": "2", "SOURCES.md": "3"}
    old = _manifest("2024-05-01", {"communes": {"tone-1": "a", "zio-1": "b"}, "partnerships": {"P01": "c", "P19": "e"},
                                   "swot": {"f": "f", "g": "g"}, "events": {"E1": "h"}, "gone": {"x": "i"}}, files)
    new = _manifest("2024-06-01", {"communes": {"tone-1": "a", "zio-1": "B", "agoe-nyive-2": "j"},
                                   "partnerships": {"P01": "c"}, "swot": {"f": "f", "k": "k"}, "events": {"E1": "h"},
                                   "sources": {"S030": "l"}}, {**files, "communes.csv": "9", "geo/layer.geojson": "8"})
    ch = data_changes(old, new)
    assert ch.since == "2024-05-01" and ch.comparable
    assert [(c.table, c.added, c.changed, c.removed, c.keyed, c.status) for c in ch.tables] == [
        ("communes", ["agoe-nyive-2"], ["zio-1"], [], True, "changed"),
        ("partnerships", [], [], ["P19"], True, "changed"),
        ("swot", ["k"], [], ["g"], False, "changed"),  # no key: a changed row is one removed, one added
        ("sources", ["S030"], [], [], True, "added"),
        ("gone", [], [], ["x"], True, "removed"),
    ]  # events: unchanged, not listed
    assert ch.files == ["geo/layer.geojson"]  # the tables' own files are compared row by row
    assert data_changes(old, old).tables == [] and data_changes(None, new).since is None
    assert not data_changes({"parameters": {"date": "2024-01-01"}, "inputs": {"data": {}}}, new).comparable


def test_row_checksums_key_rows_by_primary_key_and_ignore_column_order(tmp_path):
    data = shutil.copytree(DATA_DIR, tmp_path / "data")
    rows = row_checksums(data)
    assert len(rows["communes"]["rows"]) == 13 and rows["sectors_current"]["key"] == ["commune_id", "sector_id"]
    assert "tone-1/eau_assainissement" in rows["sectors_current"]["rows"] and len(rows["regions"]["rows"]["kara"]) == 12
    with open(data / "regions.csv", encoding="utf-8", newline="") as fh:
        table = [list(reversed(r)) for r in csv.reader(fh)]
    with open(data / "regions.csv", "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(table)
    assert row_checksums(data)["regions"] == rows["regions"]  # same rows, other column order


def test_previous_run_is_the_latest_dated_folder_before_the_date(tmp_path):
    for name in ("2024-04-01", "2024-04-20", "2024-04-20.previous", "2024-04-25.failed", "2024-05-01", "notes"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "manifest.json").write_text(json.dumps(_manifest(name[:10], {})), encoding="utf-8")
    assert previous_run(tmp_path, "2024-05-01")[0] == "2024-04-20"
    assert previous_run(tmp_path, "2024-04-02")[0] == "2024-04-01" and previous_run(tmp_path, "2024-04-01") is None
    assert data_changes(*(previous_run(tmp_path, d)[1] for d in ("2024-04-02", "2024-05-01"))).tables == []


# -------------------------------------------------------------------------------------------- publishing


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_publish_dir_swaps_and_keeps_one_backup(tmp_path):
    target, backup = tmp_path / "2024-05-01", tmp_path / "2024-05-01.previous"
    for n in (1, 2, 3):
        new = tmp_path / f".2024-05-01.partial-{n}"
        new.mkdir()
        (new / "run.txt").write_text(str(n))
        publish_dir(new, target, backup)
        assert (target / "run.txt").read_text() == str(n)
        assert not new.exists()
    assert (backup / "run.txt").read_text() == "2"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2024-05-01", "2024-05-01.previous"]


def test_collect_maps_keeps_names_and_prefixes_collisions(tmp_path):
    jobs = [Job("01_map", Path("01_map.ipynb"), "fr", {}), Job("02_t", Path("02_t.ipynb"), "fr", {}),
            Job("01_map", Path("01_map.ipynb"), "en", {})]
    for job, names in zip(jobs, (["communes", "partners"], ["partners"], ["communes"]), strict=True):
        base = tmp_path / job.files_rel
        (base / "maps").mkdir(parents=True)
        (base / "figures").mkdir()
        for n in names:
            (base / "maps" / f"{n}.html").write_text(n)
        (base / "figures" / "communes.png").write_bytes(b"png")
        (base / "figures" / "other.png").write_bytes(b"png")
    found = collect_maps(tmp_path, jobs, "fr")
    assert sorted(found) == ["01_map-partners.html", "02_t-partners.html", "communes.html", "communes.png"]
    assert found["communes.png"] == tmp_path / "fr/01_map/figures/communes.png"


def test_describe_error_names_the_cell():
    err = {"cell_index": 6, "execution_count": 5, "code": "assert n == 13", "ename": "AssertionError", "evalue": "12"}
    assert describe_error(err) == "cell In [5] `assert n == 13`: AssertionError: 12"


# -------------------------------------------------------------------------------------------- command line


def test_run_stops_on_invalid_data_before_executing(make_notebook, tmp_path):
    make_notebook("01_a", "A", ["open('ran', 'w').write('x')"])
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    communes = data / "communes.csv"
    communes.write_text(communes.read_text(encoding="utf-8").replace(",650,", ",six cent cinquante,", 1),
                        encoding="utf-8")
    res = coopdata_command("run", "--data-dir", data, "--notebooks-dir", tmp_path / "notebooks",
                           "--output-dir", tmp_path / "out", "--maps-dir", tmp_path / "maps")
    assert res.returncode == 1
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "communes.csv, line 2, column 'distance_km'" in lines[0], res.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "notebooks" / "ran").exists()


def test_run_refuses_bad_options(tmp_path):
    res = coopdata_command("run", "--date", "2024-13-01", "--output-dir", tmp_path / "out")
    assert res.returncode == 1 and "--date must be a date YYYY-MM-DD, not '2024-13-01'" in res.stderr
    res = coopdata_command("run", "--lang", "de", "--output-dir", tmp_path / "out")
    assert res.returncode == 2 and "'de' is not one of 'fr', 'en', 'all'" in res.stderr
    assert not (tmp_path / "out").exists()


# -------------------------------------------------------------------------------------------- whole runs

FIGURE = """import plotly.express as px
fig = px.bar(x=["a", "b"], y=[1, 2], title="Partenariats")
fig.show()"""
TABLE = """import pandas as pd
df = pd.DataFrame({"commune": ["Tône 1", "Oti 1"], "n": [3, 1]})
df.to_csv(P.tables_dir / "counts.csv", index=False, lineterminator="\\n")
print("wrote", P.tables_dir / "counts.csv")"""
MAP = """import folium
from coopdata.views.offline import offline_map, save_map
m = offline_map(location=[8.5, 1.0], zoom_start=6)
folium.CircleMarker([10.86, 0.2], radius=8, tooltip="Dapaong").add_to(m)
save_map(m, P.output_dir / "maps" / "carte_test.html")
m"""
PNG = """import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
f, ax = plt.subplots(figsize=(2, 2))
ax.plot([1, 2], [2, 1])
f.savefig(P.figures_dir / "carte_test.png", metadata={"Software": None})"""
KEY_POINTS = """from coopdata.views.report_blocks import Report
Report(P, "01").key_points(["Les **13** communes < 14.", "Deux régions."])"""
PROFILE = """(P.tables_dir / "profile.csv").write_text(f"commune\\n{commune}\\n", encoding="utf-8")
assert lang in ("fr", "en")"""


def _good_notebooks(folder: Path, fail: bool = False, sleep: float = 0) -> Path:
    write_notebook(folder / "01_map.ipynb", "Carte de test",
                   [KEY_POINTS, "md:Une figure.", FIGURE, TABLE, '(P.output_dir / "maps").mkdir(exist_ok=True)', MAP,
                    PNG])
    body = ["x = 1", "assert x == 2, 'x vaut 1'"] if fail else ["x = 2"]
    if sleep:
        body.insert(0, f"import time\ntime.sleep({sleep})")
    write_notebook(folder / "02_other.ipynb", "Deuxième carnet", body)
    write_notebook(folder / "10_profile.ipynb", "Fiche", [PROFILE], parameters='commune = "Tône 1"\n' + PARAMETERS)
    return folder


def _run(tmp: Path, notebooks: Path, *extra, jobs=2, only=("01,02,tone-1,oti-1",), **kw):
    args = ["run", "--date", DATE, "--notebooks-dir", notebooks, "--output-dir", tmp / "out",
            "--maps-dir", tmp / "maps", "--jobs", jobs, *[a for o in only for a in ("--only", o)], *extra]
    return coopdata_command(*args, env_extra={"JUPYTER_DATA_DIR": str(tmp / "jupyter")}, **kw)


@pytest.fixture(scope="module")
def good_run(tmp_path_factory):
    """One successful run on synthetic notebooks, then a second one the same day."""
    tmp = tmp_path_factory.mktemp("good")
    notebooks = _good_notebooks(tmp / "notebooks")
    first = _run(tmp, notebooks)
    assert first.returncode == 0, first.stdout + first.stderr
    copy = tmp / "first"
    shutil.copytree(tmp / "out" / DATE, copy)
    second = _run(tmp, notebooks, jobs=1)
    assert second.returncode == 0, second.stdout + second.stderr
    return {"tmp": tmp, "out": tmp / "out" / DATE, "first": copy, "res": first, "second": second}


@pytest.mark.notebooks
def test_success_writes_the_dated_folder(good_run):
    out = good_run["out"]
    keys = ["fr/01_map", "fr/02_other", "fr/10_profile-oti-1", "fr/10_profile-tone-1"]
    for key in keys:
        lang, name = key.split("/")
        assert (out / "notebooks" / lang / f"{name}.ipynb").is_file()
        assert (out / lang / f"{name}.html").is_file()
    assert (out / "fr/01_map/figures/carte_test.png").is_file()
    assert (out / "fr/01_map/tables/counts.csv").read_text() == "commune,n\nTône 1,3\nOti 1,1\n"
    assert (out / "fr/01_map/maps/carte_test.html").is_file()
    assert (out / "fr/10_profile-oti-1/tables/profile.csv").read_text() == "commune\nOti 1\n"
    assert (out / "index.html").is_file() and (out / "manifest.json").is_file()
    for rel in ("fr/10_profile-tone-1.pdf", "fr/10_profile-oti-1.pdf", "fr/fiches-communes.pdf"):
        assert (out / rel).read_bytes().startswith(b"%PDF-"), rel
    # the previous run of the same day is kept as DATE.previous, nothing else is left behind
    root = out.parent
    assert sorted(p.name for p in root.iterdir()) == [".coopdata-run.lock", DATE, f"{DATE}.previous"]
    stdout = good_run["res"].stdout
    assert re.search(r"^ok +fr/10_profile-tone-1 +\d+\.\d s$", stdout, re.M), stdout
    assert "4 notebooks ok" in stdout
    assert re.search(r"^pdf +fr/fiches-communes.pdf +\d+\.\d s  2 commune sheets, 2 pages$", stdout, re.M), stdout


@pytest.mark.notebooks
def test_manifest_records_parameters_inputs_versions_and_durations(good_run):
    out = good_run["out"]
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m["status"] == "ok"
    p = m["parameters"]
    assert (p["date"], p["langs"], p["jobs"], p["show_code"]) == (DATE, ["fr"], 1, False)
    assert m["inputs"]["data"]["communes.csv"] == hashlib.sha256((DATA_DIR / "communes.csv").read_bytes()).hexdigest()
    data_files = {f.relative_to(DATA_DIR).as_posix() for f in DATA_DIR.rglob("*") if f.is_file()}
    assert set(m["inputs"]["data"]) == data_files
    nb_dir = good_run["tmp"] / "notebooks"
    assert m["inputs"]["notebooks"] == {n: hashlib.sha256((nb_dir / n).read_bytes()).hexdigest()
                                        for n in ("01_map.ipynb", "02_other.ipynb", "10_profile.ipynb")}
    assert m["inputs"]["data_digest"] == data_digest(DATA_DIR)
    assert m["packages"]["papermill"] and m["packages"]["nbconvert"] and m["packages"]["python"]
    if (PROJECT_DIR / ".git").exists() and shutil.which("git"):
        assert re.fullmatch(r"[0-9a-f]{40}", m["git"]["commit"])
    entries = {n["key"]: n for n in m["notebooks"]}
    assert sorted(entries) == ["fr/01_map", "fr/02_other", "fr/10_profile-oti-1", "fr/10_profile-tone-1"]
    tone = entries["fr/10_profile-tone-1"]
    assert tone["status"] == "ok" and tone["duration_s"] > 0 and tone["commune"] == "Tône 1"
    assert tone["parameters"] == {"commune": "Tône 1", "lang": "fr", "as_of": DATE, "data_dir": str(DATA_DIR),
                                  "output_dir": "fr/10_profile-tone-1"}
    csv = "fr/01_map/tables/counts.csv"
    assert entries["fr/01_map"]["outputs"]["files"][csv] == hashlib.sha256((out / csv).read_bytes()).hexdigest()
    # the PDFs: each sheet's beside its page, and the booklet, with size, page count and checksum
    sheet = tone["outputs"]["pdf"]
    assert sheet["path"] == "fr/10_profile-tone-1.pdf" and sheet["pages"] == 1
    assert sheet["bytes"] == (out / sheet["path"]).stat().st_size
    assert sheet["sha256"] == hashlib.sha256((out / sheet["path"]).read_bytes()).hexdigest()
    assert entries["fr/01_map"]["outputs"]["pdf"] is None
    (book,) = m["pdf"]["booklets"]
    assert (book["lang"], book["path"], book["communes"]) == ("fr", "fr/fiches-communes.pdf", ["Tône 1", "Oti 1"])
    assert book["pages"] == 2 and book["bytes"] == (out / book["path"]).stat().st_size
    assert m["pdf"]["error"] is None and m["pdf"]["duration_s"] > 0


@pytest.mark.notebooks
def test_executed_notebooks_are_signed_and_carry_no_timing(good_run):
    notary = NotebookNotary(data_dir=str(good_run["tmp"] / "jupyter"))
    for path in sorted((good_run["out"] / "notebooks").rglob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        assert notary.check_signature(nb), path
        text = path.read_text(encoding="utf-8")
        assert "start_time" not in text and "iopub.status" not in text and ".partial-" not in text
    nb = nbformat.read(good_run["out"] / "notebooks/fr/10_profile-tone-1.ipynb", as_version=4)
    assert nb.metadata.papermill.parameters["commune"] == "Tône 1"
    # an unsigned copy is not trusted: the signature is what makes JupyterLab trust the maps
    other = good_run["tmp"] / "other-jupyter"
    other.mkdir(exist_ok=True)
    assert not NotebookNotary(data_dir=str(other)).check_signature(nb)


@pytest.mark.notebooks
def test_two_runs_give_the_same_bytes_except_timings(good_run):
    first, second = _tree(good_run["first"]), _tree(good_run["out"])
    for tree in (first, second):  # the provenance line names the git commit, which may move between runs
        for key in [k for k in tree if k.endswith("index.html")]:
            tree[key] = re.sub(rb'<p class="muted">[^\n]*manifest.json</a></p>', b"", tree[key])
    assert sorted(first) == sorted(second)
    differ = sorted(k for k in first if first[k] != second[k])
    # manifest (durations, jobs=1) and the kernels' own logs may differ; the index shows no timing
    assert all(k == "manifest.json" or k.startswith("logs/") for k in differ), differ
    assert any(k.endswith(".ipynb") for k in first) and any(k.endswith("maps/carte_test.html") for k in first)


@pytest.mark.notebooks
def test_html_reports_are_offline_and_hide_code(good_run):
    out = good_run["out"]
    pages = sorted(out.rglob("*.html"))
    assert len(pages) >= 6
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert external_resources(text) == [], page
        assert "require.min.js" not in text and "MathJax.js" not in text
    report = (out / "fr/01_map.html").read_text(encoding="utf-8")
    assert "plotly.js v" not in report and re.search(r'class="jp-RenderedSVG[^"]*cp-figure', report)  # static SVG
    assert "leaflet" in report.lower() and "srcdoc" in report
    assert "px.bar(" not in report  # code hidden by default
    assert '<html lang="fr">' in report and "<title>Carte de test</title>" in report


@pytest.mark.notebooks
def test_index_links_every_report_relatively(good_run):
    out = good_run["out"]
    index = (out / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'(?:href|src)="([^"]+)"', index)
    for rel in ["fr/01_map.html", "fr/02_other.html", "fr/10_profile-tone-1.html", "fr/10_profile-tone-1.pdf",
                "fr/fiches-communes.pdf", "thumbnails/fr/01_map.png", "manifest.json"]:
        assert rel in links
    for rel in links:
        assert not rel.startswith(("/", "http")) and (out / rel).is_file(), rel
    assert '<a href="fr/10_profile-tone-1.html">Tône 1</a>' in index and ">Carte de test<" in index
    assert "Fiches des communes" in index and "Les <strong>13</strong> communes &lt; 14." in index  # key points
    beside = (out / "fr/index.html").read_text(encoding="utf-8")  # the reports' « back » link: index.html
    assert '<a href="10_profile-tone-1.pdf">' in beside
    for rel in re.findall(r'(?:href|src)="([^"]+)"', beside):
        assert (out / "fr" / rel).is_file(), rel
    assert not (out / "en").exists()  # French only


@pytest.mark.notebooks
def test_maps_folder_receives_the_maps_and_their_png(good_run):
    maps = good_run["tmp"] / "maps"
    assert sorted(p.name for p in (maps / "fr").iterdir()) == ["carte_test.html", "carte_test.png"]
    made = good_run["out"] / "fr/01_map/maps/carte_test.html"
    assert (maps / "fr/carte_test.html").read_bytes() == made.read_bytes()


@pytest.mark.notebooks
def test_show_code_keeps_the_code(tmp_path):
    notebooks = tmp_path / "notebooks"
    write_notebook(notebooks / "01_code.ipynb", "Code", ["shown_value = 6 * 7\nshown_value"])
    res = _run(tmp_path, notebooks, "--show-code", "--lang", "en", only=())
    assert res.returncode == 0, res.stderr
    page = (tmp_path / "out" / DATE / "en/01_code.html").read_text(encoding="utf-8")
    assert "shown_value" in page and "42" in page and '<html lang="en">' in page


@pytest.fixture(scope="module")
def failed_run(good_run, tmp_path_factory):
    """A run in which 02_other fails, over the good outputs of ``good_run`` (copied)."""
    tmp = tmp_path_factory.mktemp("failed")
    shutil.copytree(good_run["tmp"] / "out", tmp / "out")
    shutil.copytree(good_run["tmp"] / "maps", tmp / "maps")
    before = _tree(tmp / "out"), _tree(tmp / "maps")
    notebooks = _good_notebooks(tmp / "notebooks", fail=True)
    res = _run(tmp, notebooks)
    return {"tmp": tmp, "res": res, "before": before}


@pytest.mark.notebooks
def test_a_failing_notebook_does_not_stop_the_others(failed_run):
    res, tmp = failed_run["res"], failed_run["tmp"]
    assert res.returncode == 1
    assert "1 of 4 notebooks FAILED" in res.stderr
    assert "fr/02_other: cell In [5] `assert x == 2, 'x vaut 1'`: AssertionError: x vaut 1" in res.stderr
    kept = tmp / "out" / f"{DATE}.failed"
    m = json.loads((kept / "manifest.json").read_text(encoding="utf-8"))
    status = {n["key"]: n["status"] for n in m["notebooks"]}
    assert status == {"fr/01_map": "ok", "fr/02_other": "failed", "fr/10_profile-oti-1": "ok",
                      "fr/10_profile-tone-1": "ok"}
    err = next(n["error"] for n in m["notebooks"] if n["key"] == "fr/02_other")
    assert (err["execution_count"], err["ename"], err["evalue"]) == (5, "AssertionError", "x vaut 1")
    # the failed executed notebook is kept, with the traceback in the failing cell
    nb = nbformat.read(kept / "notebooks/fr/02_other.ipynb", as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert outputs and outputs[0].ename == "AssertionError"
    assert (kept / "fr/01_map/tables/counts.csv").is_file() and (kept / "fr/10_profile-oti-1.html").is_file()
    index = (kept / "index.html").read_text(encoding="utf-8")
    assert "Ce lancement a échoué" in index and "Ce rapport n’a pas pu être produit lors de ce lancement." in index
    assert "AssertionError: x vaut 1" in index


@pytest.mark.notebooks
def test_a_failed_run_leaves_good_outputs_and_maps_untouched(failed_run):
    tmp = failed_run["tmp"]
    out_before, maps_before = failed_run["before"]
    after = _tree(tmp / "out")
    assert {k: v for k, v in after.items() if not k.startswith(f"{DATE}.failed/")} == out_before
    assert _tree(tmp / "maps") == maps_before


def _processes_using(folder: Path) -> list[int]:
    """Pids whose working directory is inside ``folder`` (the run's workers and kernels)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if (proc / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                    continue  # a zombie is dead, only not yet reaped
                cwd = os.readlink(proc / "cwd")
            except (OSError, IndexError):
                continue
            if cwd == str(folder) or cwd.startswith(str(folder) + os.sep):
                pids.append(int(proc.name))
    return pids


def _start_and_wait_half_way(tmp_path: Path, good_run):
    """Copy good outputs, start a run whose 02_other sleeps; return when 01_map is done."""
    shutil.copytree(good_run["tmp"] / "out", tmp_path / "out")
    shutil.copytree(good_run["tmp"] / "maps", tmp_path / "maps")
    before = _tree(tmp_path / "out"), _tree(tmp_path / "maps")
    notebooks = _good_notebooks(tmp_path / "notebooks", sleep=120)
    work = tmp_path / "cwd"
    work.mkdir()
    args = [sys.executable, "-m", "coopdata.cli", "run", "--date", DATE, "--notebooks-dir", notebooks,
            "--output-dir", tmp_path / "out", "--maps-dir", tmp_path / "maps", "--jobs", "2", "--only", "01,02"]
    proc = subprocess.Popen([str(a) for a in args], cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "JUPYTER_DATA_DIR": str(tmp_path / "jupyter")})
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:  # wait until 01_map is done and 02_other is sleeping
        if next((tmp_path / "out").glob(f".{DATE}.partial-*/fr/01_map.html"), None) is not None:
            return proc, before, notebooks, work
        if proc.poll() is not None:
            pytest.fail(f"the run ended early: {proc.communicate()}")
        time.sleep(0.2)
    proc.kill()
    pytest.fail("the run did not get half way in time")


def _wait_processes_gone(*folders: Path, timeout: float = 30) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = [pid for f in folders for pid in _processes_using(f)]
        if not left:
            return []
        time.sleep(0.5)
    return left


@pytest.mark.notebooks
@pytest.mark.skipif(not Path("/proc/self/cwd").exists(), reason="needs Linux /proc")
def test_kill_9_midway_leaves_previous_outputs_intact(good_run, tmp_path):
    proc, before, notebooks, work = _start_and_wait_half_way(tmp_path, good_run)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    # the good outputs and maps are as they were; only the hidden partial folder is new
    after = _tree(tmp_path / "out")
    assert {k: v for k, v in after.items() if not k.startswith(f".{DATE}.partial-")} == before[0]
    assert _tree(tmp_path / "maps") == before[1]
    # the workers and the kernels die with the run (nothing keeps writing)
    assert _wait_processes_gone(work, notebooks) == []
    # the next run removes the leftover and succeeds
    _good_notebooks(notebooks)
    res = _run(tmp_path, notebooks, only=("01,02",))
    assert res.returncode == 0, res.stderr
    assert not list((tmp_path / "out").glob(".*partial*"))
    assert (tmp_path / "out" / f"{DATE}.previous" / "fr/10_profile-tone-1.html").is_file()


@pytest.mark.notebooks
@pytest.mark.skipif(not Path("/proc/self/cwd").exists(), reason="needs Linux /proc")
def test_sigterm_midway_stops_cleanly(good_run, tmp_path):
    proc, before, notebooks, work = _start_and_wait_half_way(tmp_path, good_run)
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "left as they were" in stderr
    assert _tree(tmp_path / "out") == before[0]  # the partial folder is gone too
    assert _tree(tmp_path / "maps") == before[1]
    assert _wait_processes_gone(work, notebooks) == []
