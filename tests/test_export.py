"""PNG export through kaleido and Debian's chromium (coopdata.report.png), byte-stable CSV tables written
atomically (coopdata.core.io), and what a run publishes for readers: the index pages (coopdata.batch.index), the
PDFs of the commune sheets, and ``quickstart.py run``."""

import html
import importlib.util
import json
import os
import posixpath
import random
import re
import stat
import struct
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import plotly.graph_objects as go
import pytest

from coopdata.batch.changes import DataChanges, TableChange
from coopdata.batch.index import THUMB_BUDGET, preview_figure, render_index, write_index
from coopdata.batch.plan import Job
from coopdata.core import io as core_io
from coopdata.core.paths import PROJECT_DIR
from coopdata.report import png as export

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def small_figure():
    return go.Figure(go.Bar(x=["Tône 1", "Kloto 1"], y=[1, 2]), layout_title_text="Essai « é »")


def test_save_plotly_png_writes_a_valid_png(tmp_path):
    path = export.save_plotly_png(small_figure(), tmp_path / "sub" / "fig.png", width=400, height=300, scale=2)
    assert path == tmp_path / "sub" / "fig.png"
    data = path.read_bytes()
    assert png_size(data) == (800, 600)  # layout pixels × scale
    assert data.endswith(b"IEND\xaeB`\x82")
    assert [p.name for p in path.parent.iterdir()] == ["fig.png"]  # no temporary file left


def test_png_export_is_byte_identical(tmp_path):
    a = export.save_plotly_png(small_figure(), tmp_path / "a.png", width=500, height=350, scale=1)
    b = export.save_plotly_png(small_figure(), tmp_path / "b.png", width=500, height=350, scale=1)
    assert png_size(a.read_bytes()) == (500, 350)
    assert a.read_bytes() == b.read_bytes()


def test_height_defaults_to_the_figure_layout(tmp_path):
    fig = small_figure().update_layout(height=420)
    assert png_size(export.plotly_png_bytes(fig, width=300, scale=1)) == (300, 420)


def test_no_browser_is_a_clear_error(tmp_path, monkeypatch):
    export.close_renderer()
    monkeypatch.delenv(export.BROWSER_ENV, raising=False)
    monkeypatch.setattr(export.shutil, "which", lambda name: None)
    monkeypatch.setattr(export, "DEBIAN_CHROMIUM", str(tmp_path / "no-chromium"))
    with pytest.raises(RuntimeError, match="Install Debian's chromium package"):
        export.save_plotly_png(small_figure(), tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def test_browser_path_must_be_executable(tmp_path, monkeypatch):
    not_exe = tmp_path / "chromium"
    not_exe.write_text("#!/bin/sh\n")
    monkeypatch.setenv(export.BROWSER_ENV, str(not_exe))
    with pytest.raises(RuntimeError, match="is not an executable file.*chromium package"):
        export.find_chromium()


def test_debian_chromium_is_found_and_exported_to_choreographer(monkeypatch):
    monkeypatch.delenv(export.BROWSER_ENV, raising=False)
    path = export.find_chromium()
    assert path.endswith(("chromium", "chromium-browser"))
    assert export.os.environ[export.BROWSER_ENV] == path


def test_write_table_csv_is_deterministic(tmp_path):
    df = pd.DataFrame({
        "commune_id": ["zio-1", "tone-1", "kloto-1"],
        "commune": ["Zio 1", "Tône 1", "Kloto 1"],
        "density": [241484 / 889, 176605 / 438, None],
        "count": [2, 1, 2],
    })
    path = core_io.write_table_csv(df, tmp_path / "t.csv", sort_by="commune_id")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # the UTF-8 BOM: French Excel then reads « Tône » right
    assert data.decode("utf-8-sig") == (
        "commune_id,commune,density,count\n"
        "kloto-1,Kloto 1,,2\n"
        "tone-1,Tône 1,403.208,1\n"
        "zio-1,Zio 1,271.636,2\n"
    )
    assert b"\r\n" not in data
    again = core_io.write_table_csv(df.iloc[::-1], tmp_path / "t2.csv", sort_by="commune_id")
    assert again.read_bytes() == data
    fixed = core_io.write_table_csv(df, tmp_path / "t3.csv", float_format="%.2f")
    assert fixed.read_text(encoding="utf-8").splitlines()[2] == "tone-1,Tône 1,403.21,1"


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"old\n")
    with pytest.raises(TypeError):
        core_io.write_bytes_atomic(path, "not bytes")
    assert path.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]


def test_atomic_write_gives_the_mode_of_a_new_file(tmp_path):
    old = os.umask(0o027)
    try:
        path = core_io.write_bytes_atomic(tmp_path / "t.csv", b"x\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # 0666 less the umask, as open() would give


# ----------------------------------------------------------------------------- shared renderer
CLIENT = """
import sys
from coopdata.report import png as export
import plotly.graph_objects as go
fig = go.Figure(go.Bar(x=["Tône 1", "Kloto 1"], y=[1, 2]), layout_title_text="Essai « é »")
sys.stdout.buffer.write(export.plotly_png_bytes(fig, width=500, height=350, scale=1))
assert export._renderer is None, "the kernel started a browser of its own"
"""


def test_shared_renderer_serves_other_processes_the_same_bytes(tmp_path, monkeypatch):
    monkeypatch.delenv(export.SERVER_ENV, raising=False)
    local = export.plotly_png_bytes(small_figure(), width=500, height=350, scale=1)
    with export.serve_png() as env:
        address = env[export.SERVER_ENV]
        runs = [subprocess.run([sys.executable, "-c", CLIENT], capture_output=True, env={**os.environ, **env},
                               timeout=120) for _ in range(2)]
    for run in runs:
        assert run.returncode == 0, run.stderr.decode()
        assert run.stdout == local
    assert not os.path.exists(address)  # socket and folder removed


def test_an_unreachable_server_means_rendering_here(tmp_path, monkeypatch):
    monkeypatch.setenv(export.SERVER_ENV, str(tmp_path / "gone.sock"))
    assert png_size(export.plotly_png_bytes(small_figure(), width=320, height=200, scale=1)) == (320, 200)


def test_a_server_side_failure_is_reported_not_hidden(monkeypatch):
    def broken():
        raise RuntimeError("browser crashed")

    with export.serve_png() as env:
        monkeypatch.setenv(export.SERVER_ENV, env[export.SERVER_ENV])
        monkeypatch.setattr(export, "_get_renderer", broken)
        with pytest.raises(RuntimeError, match="shared renderer: RuntimeError: browser crashed"):
            export.plotly_png_bytes(small_figure(), width=320, height=200, scale=1)


# ----------------------------------------------------------------------------- the run's index pages
DATE = "2024-05-01"


def test_the_index_lists_what_changed_since_the_previous_dated_run(tmp_path):
    manifest = {"status": "ok", "parameters": {"langs": ["fr", "en"], "date": DATE}, "git": None,
                "inputs": {"data_digest": "0" * 64, "communes": {"prodegol": 13, "other": 0}}}
    changes = DataChanges("2024-04-20", [TableChange("communes", ["agoe-nyive-2"], ["zio-1"], []),
                                         TableChange("partnerships", [], [], ["P19"]),
                                         TableChange("swot", ["k1"], [], ["g1"], keyed=False),
                                         TableChange("notes", [f"<N{i}>" for i in range(35)], status="added")],
                          files=["geo/layer.geojson"])
    index = render_index(tmp_path, manifest, [], {}, changes)  # the first language's page: French
    english = render_index(tmp_path, manifest, [], {}, changes, lang="en")
    assert "Ce qui a changé dans les données" in index and "What changed in the data" in english
    assert "Depuis le lancement du 2024-04-20" in index and "Since the run of 2024-04-20" in english
    assert "What changed" not in index and "Ce qui a changé" not in english
    row = "<tr><td>communes</td><td><b>1</b>\u00a0: agoe-nyive-2</td><td><b>1</b>\u00a0: zio-1</td><td>—</td></tr>"
    assert row in index
    assert "<td>partnerships</td><td>—</td><td>—</td><td><b>1</b>\u00a0: P19</td>" in index
    assert "1 ligne(s) (table sans identifiant)" in index and "1 row(s) (table without identifier)" in english
    assert "notes <span class=\"muted\">(nouvelle table)</span>" in index and "(+5)" in index
    assert "&lt;N0&gt;" in index and "<N0>" not in index
    assert "Autres fichiers de données modifiés : geo/layer.geojson." in index
    assert "la coopération décentralisée des 13 communes du ProDeGoL (Togo)" in index
    assert '<a href="en/index.html" hreflang="en" lang="en">English version</a>' in index
    assert '<a href="fr/index.html" hreflang="fr" lang="fr">Version française</a>' in english
    first = render_index(tmp_path, manifest, [], {}, DataChanges(None))
    assert "Premier lancement daté dans ce dossier : rien à comparer." in first
    none = render_index(tmp_path, manifest, [], {}, DataChanges("2024-04-20"))
    assert "Aucun changement dans les données depuis le lancement du 2024-04-20." in none


def _png(path: Path, seed: int, size=(1100, 700)) -> None:
    """A figure that compresses badly (noise), as a map or a chart full of detail would."""
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.frombytes("RGB", size, random.Random(seed).randbytes(size[0] * size[1] * 3)).save(path)


def _executed(root: Path, job: Job, titles: tuple[str, str], points: dict[str, list[str]]) -> None:
    """An executed notebook as the batch keeps it: both languages' cells, the key points in an output's metadata."""
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("R.key_points(...)")
    code.outputs = [nbformat.v4.new_output("display_data", data={"text/html": "<aside></aside>"},
                                           metadata={"coopdata": {"key_points": points[job.lang]}})]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {titles[0]}\n\nIntro.", metadata={"tags": ["lang-fr"]}),
                nbformat.v4.new_markdown_cell(f"# {titles[1]}\n\nIntro.", metadata={"tags": ["lang-en"]}), code]
    path = root / job.ipynb_rel
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


COMMUNES = ["Tône 1", "Oti 1", "Kozah 1"]


def _fake_run(root: Path, langs=("fr", "en")):
    """A run's folder as the batch leaves it before the index: 01 ok, 02 failed, three commune sheets printed."""
    jobs, results, entries, booklets = [], {}, [], []
    for lang in langs:
        jobs += [Job(n, Path(f"{n}.ipynb"), lang, {}) for n in ("01_map", "02_timelines")]
        jobs += [Job(f"10_commune_profile-{c.split()[0].lower().replace('ô', 'o')}-1", Path("10_commune_profile.ipynb"),
                     lang, {}, commune=c) for c in COMMUNES]
        booklets.append({"lang": lang, "path": f"{lang}/{'fiches-communes' if lang == 'fr' else 'commune-sheets'}.pdf",
                         "bytes": 1_234_567, "pages": 5, "communes": COMMUNES})
        (root / booklets[-1]["path"]).parent.mkdir(parents=True, exist_ok=True)
        (root / booklets[-1]["path"]).write_bytes(b"%PDF-1.4 booklet")
    for n, job in enumerate(jobs):
        pdf = None
        if job.stem == "02_timelines":
            results[job.key] = {"status": "failed", "error": {"execution_count": 6, "code": "fig = timeline(p)",
                                                              "ename": "ValueError", "evalue": "no <year>"}}
        else:
            results[job.key] = {"status": "ok"}
            (root / job.html_rel).write_text("<html>report</html>" * 60, encoding="utf-8")
            _png(root / job.files_rel / "figures" / "a.png", n, size=(200, 100))
            _png(root / job.files_rel / "figures" / "b.png", n + 100)  # the largest figure is the preview
        if job.stem == "01_map":
            _executed(root, job, ("Carte du territoire", "Territory map"),
                      {"fr": ["Les **13** communes sont dans **5** régions.", "Kara < Savanes"],
                       "en": ["The **13** communes are in **5** regions.", "Kara < Savanes"]})
        if job.commune:
            pdf = {"path": f"{job.lang}/{job.name}.pdf", "bytes": 1500, "pages": 2 if job.commune == "Oti 1" else 1}
            (root / pdf["path"]).write_bytes(b"%PDF-1.4 sheet")
        entries.append({"key": job.key, "outputs": {"pdf": pdf}})
    manifest = {"status": "failed", "parameters": {"langs": list(langs), "date": DATE}, "git": None,
                "inputs": {"data_digest": "0" * 64, "communes": {"prodegol": 13, "other": 0}},
                "notebooks": entries, "pdf": {"booklets": booklets, "error": None}}
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return jobs, results, manifest


def _links(page: str) -> list[str]:
    return re.findall(r'(?:href|src)="([^"]+)"', page)


def test_one_index_per_language_speaks_it_and_links_what_exists(tmp_path):
    jobs, results, manifest = _fake_run(tmp_path)
    written = write_index(tmp_path, manifest, jobs, results, DataChanges(None))
    assert [p.relative_to(tmp_path).as_posix() for p in written] == ["fr/index.html", "index.html", "en/index.html"]
    fr = (tmp_path / "index.html").read_text(encoding="utf-8")  # the top page: French, links from the top
    en = render_index(tmp_path, manifest, jobs, results, DataChanges(None), lang="en")
    assert '<html lang="fr">' in fr and '<html lang="en">' in en
    assert "<title>Coopération décentralisée au Togo : rapports du 1 mai 2024</title>" in fr
    assert "<title>Decentralized cooperation in Togo: reports of 1 May 2024</title>" in en
    # each report: its title in the language, the question it answers, its key points, the page's size
    assert '<h3><a href="fr/01_map.html">Carte du territoire</a></h3>' in fr and "Territory map" not in fr
    assert '<h3><a href="en/01_map.html">Territory map</a></h3>' in en and "Carte du territoire" not in en
    assert "Où se trouvent les communes" in fr and "Where are the communes" in en
    assert "<li>Les <strong>13</strong> communes sont dans <strong>5</strong> régions.</li>" in fr
    assert "<li>Kara &lt; Savanes</li>" in fr and "<li>The <strong>13</strong> communes are in" in en
    assert "Lire le rapport (1 ko)" in fr and "Read the report (1 kB)" in en
    # a failed report stays, with a plain note and the technical detail
    assert "Ce rapport n’a pas pu être produit lors de ce lancement." in fr
    assert "This report could not be produced in this run." in en
    assert "Technical detail: cell In [6] `fig = timeline(p)`: ValueError: no &lt;year&gt;" in en
    # the commune sheets: page and PDF of each, in commune order, and the booklet
    assert re.findall(r'<li><a href="fr/[^"]+\.html">([^<]+)</a>', fr) == COMMUNES
    assert '<a href="fr/10_commune_profile-oti-1.pdf">PDF (2 p., 2 ko)</a>' in fr
    assert '<a href="en/10_commune_profile-oti-1.pdf">PDF (2 pp., 2 kB)</a>' in en
    assert "Toutes les fiches en un seul PDF (3 communes, 5 pages, 1,2 Mo)" in fr
    assert "All the sheets in one PDF (3 communes, 5 pages, 1.2 MB)" in en
    assert "Ce qui a changé dans les données" in fr and "What changed in the data" in en
    assert "could not be printed" not in en
    failed_print = {**manifest, "pdf": {"booklets": [], "error": "sheet.html: TimeoutError: 120 s"}}
    assert ("The PDFs of the sheets could not be printed in this run.</p><p class=\"muted\">Technical detail: "
            "sheet.html: TimeoutError: 120 s") in render_index(tmp_path, failed_print, jobs, results, lang="en")
    for page, other in ((fr, "en"), (en, "fr")):
        assert "État" not in page and "notebooks/" not in page and ".ipynb" not in page and "<pre" not in page
        assert f'hreflang="{other}"' in page
        for rel in _links(page):
            assert not rel.startswith(("/", "http", "//")) and (tmp_path / rel).is_file(), rel
    # previews: a PNG per report shown at a fixed size, lazily, small enough for a phone
    imgs = re.findall(r"<img [^>]*>", fr)
    assert len(imgs) == 2  # 01_map and the commune sheets (a failed report shows none)
    for img in imgs:
        assert re.search(r'alt="Aperçu : [^"]+" width="\d+" height="\d+" loading="lazy"', img), img
    thumbs = [tmp_path / rel for rel in _links(fr) if rel.startswith("thumbnails/")]
    assert 0 < sum(p.stat().st_size for p in thumbs) <= THUMB_BUDGET
    assert preview_figure(tmp_path, jobs[0]).name == "b.png"
    before = {p: p.read_bytes() for p in thumbs}
    write_index(tmp_path, manifest, jobs, results, DataChanges(None))
    assert {p: p.read_bytes() for p in thumbs} == before  # same figures, same previews
    # a report at <lang>/<job>.html goes back with « index.html »: its language's page, links from there
    for lang, page in (("fr", fr), ("en", en)):
        beside = (tmp_path / lang / "index.html").read_text(encoding="utf-8")
        assert re.sub(r'(href|src)="[^"]*"', "", beside) == re.sub(r'(href|src)="[^"]*"', "", page)
        for rel in _links(beside):
            assert (tmp_path / lang / rel).is_file(), rel
    assert '<a href="../en/index.html" hreflang="en"' in (tmp_path / "fr/index.html").read_text(encoding="utf-8")


def test_previews_fit_the_budget_and_an_english_run_opens_on_index_html_too(tmp_path):
    jobs, results, manifest = _fake_run(tmp_path, langs=("en",))
    for n in range(3, 10):  # many reports with detailed figures
        job = Job(f"0{n}_more", Path(f"0{n}_more.ipynb"), "en", {})
        _png(tmp_path / job.files_rel / "figures" / "a.png", n)
        jobs.insert(0, job)
    from coopdata.batch.index import make_thumbnails

    total = make_thumbnails(tmp_path, jobs, "en", budget=120_000)
    assert 0 < total <= 120_000
    write_index(tmp_path, manifest, jobs, results)
    top = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert top.startswith('<!DOCTYPE html>\n<html lang="en">') and (tmp_path / "en/index.html").is_file()
    assert not (tmp_path / "fr").exists()


def test_quickstart_run_publishes_both_languages_unless_told():
    spec = importlib.util.spec_from_file_location("quickstart", PROJECT_DIR / "quickstart.py")
    quickstart = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(quickstart)
    assert quickstart.run_args([]) == ["run", "--lang", "all"]
    assert quickstart.run_args(["--only", "01"]) == ["run", "--lang", "all", "--only", "01"]
    assert quickstart.run_args(["--lang", "fr", "--only", "01"]) == ["run", "--lang", "fr", "--only", "01"]
    assert quickstart.run_args(["--lang=en"]) == ["run", "--lang=en"]


# ----------------------------------------------------------------------------- on the suite's real run
@pytest.mark.notebooks
def test_the_real_index_lists_reports_key_points_and_printed_sheets(batch):
    """The suite's real run (both languages): each language's index beside its reports, the top one French."""
    from urllib.parse import unquote

    from coopdata.batch.index import read_notebook_facts
    from coopdata.core.text import esc
    from coopdata.report.pdf import pdf_page_count

    out, _ = batch
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    langs = manifest["parameters"]["langs"]
    top = (out / "index.html").read_text(encoding="utf-8")
    assert f'<html lang="{langs[0]}">' in top
    for rel in _links(top):
        assert not rel.startswith(("/", "http", "//")) and (out / unquote(rel)).is_file(), rel
    booklets = {b["lang"]: b for b in manifest["pdf"]["booklets"]}
    points = 0
    for lang in langs:
        index = (out / lang / "index.html").read_text(encoding="utf-8")  # the reports' « back » link: index.html
        links = {posixpath.normpath(f"{lang}/{unquote(r)}") for r in _links(index)}
        for rel in links:
            assert (out / rel).is_file(), rel
        headings = {html.unescape(h) for h in re.findall(r"<h3><a [^>]*>(.*?)</a></h3>", index)}
        mine = [n for n in manifest["notebooks"] if n["lang"] == lang]
        for entry in (n for n in mine if not n.get("commune")):
            assert entry["outputs"]["html"] in links
            report = (out / entry["outputs"]["html"]).read_text(encoding="utf-8")
            title = html.unescape(re.search(r"<title>(.*?)</title>", report, re.S).group(1).strip())
            assert title in headings, title  # the report's own title, in the run's language
            facts = read_notebook_facts(out / entry["outputs"]["notebook"], lang)
            for point in facts["key_points"]:
                assert re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", esc(point)) in index, point
            points += len(facts["key_points"])
        sheets = [n for n in mine if n.get("commune")]
        assert len(sheets) == 13
        for entry in sheets:
            pdf = entry["outputs"]["pdf"]
            assert pdf["path"] in links and pdf["pages"] == pdf_page_count(out / pdf["path"]) >= 1
            assert pdf["bytes"] == (out / pdf["path"]).stat().st_size
        book = booklets[lang]
        assert book["path"] == {"fr": "fr/fiches-communes.pdf", "en": "en/commune-sheets.pdf"}[lang]
        assert book["path"] in links and book["communes"] == [e["commune"] for e in sheets]
        assert pdf_page_count(out / book["path"]) == book["pages"] == sum(e["outputs"]["pdf"]["pages"] for e in sheets)
        thumbs = [out / rel for rel in links if rel.startswith("thumbnails/")]
        assert thumbs and sum(p.stat().st_size for p in thumbs) <= THUMB_BUDGET
        assert "État" not in index and ".ipynb" not in index
        assert ("Read the report" in index) == (lang == "en") and ("Lire le rapport" in index) == (lang == "fr")
    assert points > 0, "no report has key points"
