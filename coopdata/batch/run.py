"""``coopdata run``: every notebook executed in parallel into a dated folder that readers open offline.

What a run does
---------------
1. Validates the data folder (as ``coopdata check``); nothing runs if it is broken.
2. Plans the jobs (:mod:`coopdata.batch.plan`): every numbered notebook of ``notebooks/``
   (``01_map.ipynb`` ...) once per language, and a notebook whose ``parameters`` cell defines
   ``commune`` (the commune profile) once per commune and language, the commune's name passed as
   ``commune``. ``--only`` keeps some of them.
3. Executes them with papermill in a pool of worker processes (:mod:`coopdata.batch.execute`;
   ``--jobs``, default: all cores). The workers are forked from a forkserver that imported coopdata,
   papermill and nbconvert once (coopdata first, which keeps the slow ``rfc3987_syntax`` import out:
   see ``coopdata._speedups``). Each kernel gets ``COOPDATA_VALIDATED_DIGEST`` so that it does not
   validate the data again. Each worker saves the executed notebook once (not after every cell: the
   first plotly figure embeds 4.8 MB of plotly.js), normalises it (:mod:`coopdata.batch.normalise`),
   and exports the reader's HTML (:mod:`coopdata.report.html`). The main process signs every
   executed notebook (``nbformat.sign.NotebookNotary``) so that JupyterLab trusts its maps, shows a
   progress bar and one line per notebook.
4. Prints every commune sheet that succeeded to PDF beside its page (``fr/10_commune_profile-tone-1.pdf``),
   and per language the booklet of all the sheets in commune order (``fr/fiches-communes.pdf``,
   ``en/commune-sheets.pdf``): one headless Chromium for the whole step, pages printed one after the
   other (:mod:`coopdata.report.pdf`); a page that cannot be printed fails the run.
5. Writes ``manifest.json`` (:mod:`coopdata.batch.manifest`, with a checksum of every row of the data, and
   the PDFs with their sizes and page counts) and the index pages (:mod:`coopdata.batch.index`: one per
   language, ``fr/index.html``, ``en/index.html``, and ``index.html`` at the top; with what changed in the
   data since the previous dated run of the same output folder: :mod:`coopdata.batch.changes`), then
   publishes (:mod:`coopdata.batch.publish`).

Layout of ``OUTPUT_DIR/DATE/``
------------------------------
::

    index.html                      the index (French; relative links, works from a USB key): every report
                                    with its key points, the commune sheets and their PDFs
    manifest.json                   parameters, sha256 of every input, versions, git commit, durations, status
    thumbnails/fr/01_map.png        the index's small previews of the reports' first figures
    fr/index.html                   the same index beside the French reports (their « back » link); en/...
    fr/01_map.html                  the reader's report (code hidden unless --show-code)
    fr/01_map/figures/*.png         what the notebook wrote into its output_dir
    fr/01_map/tables/*.csv
    fr/01_map/maps/*.html
    fr/10_commune_profile-tone-1.html, fr/10_commune_profile-tone-1.pdf, fr/10_commune_profile-tone-1/...
    fr/fiches-communes.pdf          every commune sheet of the run, in commune order (en/commune-sheets.pdf)
    notebooks/fr/01_map.ipynb       executed notebooks, signed
    logs/fr/01_map.log              the kernel's own stderr (diagnosis)
    en/...                          with --lang en or all

``MAPS_DIR/<lang>/`` (the project's ``maps/``) receives the standalone maps: every HTML file the
notebooks wrote into ``output_dir/maps/``, with the PNG of the same name found in ``maps/`` or
``figures/``. File names are kept; a name written by two notebooks is prefixed with the job name.

Nothing is lost
---------------
Everything is written into ``OUTPUT_DIR/.DATE.partial-<pid>/`` (same file system as the target) and
moved into place only when every notebook succeeded:

- success: the folder is swapped in atomically (``renameat2(RENAME_EXCHANGE)`` on Linux, else two
  renames); an existing ``OUTPUT_DIR/DATE/`` (an earlier run the same day) becomes
  ``OUTPUT_DIR/DATE.previous/`` (one level of backup, replacing an older ``.previous``). Then
  ``MAPS_DIR/<lang>/`` is swapped the same way. With ``--only`` the new dated folder holds only the
  notebooks run (the complete earlier one is then ``DATE.previous``), while ``MAPS_DIR`` keeps the
  maps of the other notebooks;
- a notebook fails: the others still run; nothing in ``OUTPUT_DIR/DATE/`` or ``MAPS_DIR`` changes; the
  whole run (failed notebook included, with its traceback) goes to ``OUTPUT_DIR/DATE.failed/``; the
  summary names the notebook and the failing cell; exit status 1;
- interrupted (Ctrl-C, SIGTERM): the partial folder is removed; killed (``kill -9``): the partial
  folder stays hidden and is removed by the next run; the workers notice within half a second and
  exit, and their kernels follow (ipykernel watches its parent).

One run at a time writes into an output folder (``OUTPUT_DIR/.coopdata-run.lock``, released by the
kernel even after ``kill -9``).

Same inputs, same bytes
-----------------------
Saved notebooks and maps carry no timing, no temporary path and no random identifier: see
:mod:`coopdata.batch.normalise`.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import sys
import time
from pathlib import Path

from nbformat import read as read_notebook
from nbformat.sign import NotebookNotary
from tqdm import tqdm

from coopdata import _speedups  # noqa: F401  (before jsonschema; coopdata/__init__ runs it first anyway)
from coopdata.batch.changes import changes_since_previous
from coopdata.batch.execute import default_jobs, describe_error, execute_tasks
from coopdata.batch.index import write_index
from coopdata.batch.manifest import build_manifest, previous_durations, run_inputs, write_manifest
from coopdata.batch.plan import Job, RunOptions, discover_notebooks, plan_jobs, select_jobs
from coopdata.batch.publish import folder_lock, publish_dir, refresh_maps, remove_stale
from coopdata.core.i18n import tr
from coopdata.core.paths import resolve_data_dir
from coopdata.data.validation import VALIDATED_ENV, data_digest, validate_data_dir
from coopdata.report.pdf import PdfError, PdfPrinter, footer_template, merge_pdfs
from coopdata.views.style import fmt_date


def _echo(msg: str, err: bool = False) -> None:
    print(msg, file=sys.stderr if err else sys.stdout, flush=True)


def _longest_first(jobs: list[Job], previous: dict[str, float]) -> list[Job]:
    """Jobs by decreasing duration in the previous run; new notebooks first, then new profiles."""
    return sorted(jobs, key=lambda j: (-previous.get(j.key, 1e9 if not j.commune else 1e8), jobs.index(j)))


class _Progress:
    """The main process's side of each finished job: sign the notebook, record the result, print a line."""

    def __init__(self, root: Path, total: int):
        self.root = root
        self.results: dict[str, dict] = {}
        self.notary = NotebookNotary()
        Path(self.notary.data_dir).mkdir(parents=True, exist_ok=True)  # a fresh account has no Jupyter data folder
        self.bar = tqdm(total=total, unit="nb", desc="coopdata run", file=sys.stderr, disable=None, leave=False)

    def __call__(self, task: dict, result: dict) -> None:
        job = task["job"]
        result["duration_s"] = round(result["execute_s"] + result["export_s"], 3)
        ipynb = self.root / job.ipynb_rel
        if ipynb.is_file():
            try:  # signed, JupyterLab trusts the notebook's maps
                self.notary.sign(read_notebook(ipynb, as_version=4))
            except Exception as exc:  # an unsignable notebook is still kept
                result["sign_error"] = str(exc)
        self.results[job.key] = result
        if result["status"] == "ok":
            line = f"ok     {job.key:<40} {result['duration_s']:7.1f} s"
        else:
            line = f"FAILED {job.key:<40} {result['duration_s']:7.1f} s  {describe_error(result['error'])}"
        self.bar.write(line, file=sys.stdout)
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def pdf_rel(job: Job) -> str:
    """The PDF of a commune sheet, beside its page: ``fr/10_commune_profile-tone-1.pdf``."""
    return f"{job.lang}/{job.name}.pdf"


def booklet_rel(lang: str) -> str:
    """The booklet of a language's commune sheets: ``fr/fiches-communes.pdf``, ``en/commune-sheets.pdf``."""
    return f"{lang}/{tr('run.booklet_file', lang)}.pdf"


def print_pdfs(root: Path, jobs: list[Job], results: dict[str, dict], date: str, echo=_echo) -> dict:
    """Print every commune sheet that succeeded to ``<lang>/<job>.pdf`` and each language's booklet, with one
    browser for all; returns the manifest's ``pdf`` record (``error``: one line, or None)."""
    started = time.perf_counter()
    record: dict = {"sheets": {}, "booklets": [], "error": None, "duration_s": 0.0}
    sheets = [j for j in jobs if j.commune and results.get(j.key, {}).get("status") == "ok"
              and (root / j.html_rel).is_file()]
    if not sheets:
        return record
    day = dt.date.fromisoformat(date)
    langs = list(dict.fromkeys(j.lang for j in sheets))
    try:
        t0 = started  # the first line counts the browser's start too
        with PdfPrinter() as printer:
            for lang in langs:
                mine = [j for j in sheets if j.lang == lang]  # commune order: the plan's
                common = [tr("pdf.as_of", lang, date=fmt_date(day, lang)), tr("pdf.source", lang)]
                for job in mine:
                    info = printer.print_pdf(root / job.html_rel, root / pdf_rel(job), date=date,
                                             footer=footer_template([job.commune, *common], lang))
                    record["sheets"][job.key] = {"path": pdf_rel(job), "bytes": info.size, "pages": info.pages}
                book = merge_pdfs([(root / pdf_rel(j), j.commune) for j in mine], root / booklet_rel(lang),
                                  title=f"{tr('run.profiles', lang)} — {fmt_date(day, lang)}", date=date)
                record["booklets"].append({"lang": lang, "path": booklet_rel(lang), "bytes": book.size,
                                           "pages": book.pages, "communes": [j.commune for j in mine]})
                echo(f"pdf    {booklet_rel(lang):<40} {time.perf_counter() - t0:7.1f} s  "
                     f"{len(mine)} commune sheets, {book.pages} pages")
                t0 = time.perf_counter()
    except PdfError as exc:
        record["error"] = str(exc)
    record["duration_s"] = round(time.perf_counter() - started, 3)
    return record


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def run_batch(opts: RunOptions, echo=_echo) -> int:
    """The whole batch run; returns the exit status (0 ok, 1 failed, 130 interrupted).

    Raises RunError / DataError before anything is executed when the request or the data is wrong.
    """
    started = time.perf_counter()
    started_at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    data_dir = resolve_data_dir(opts.data_dir)
    output_dir = Path(opts.output_dir).resolve()
    notebooks_dir = Path(opts.notebooks_dir).resolve()
    maps_dir = Path(opts.maps_dir).resolve()
    notebooks = discover_notebooks(notebooks_dir)
    validate_data_dir(data_dir)  # DataError: nothing runs
    digest = data_digest(data_dir)
    jobs = select_jobs(plan_jobs(notebooks, opts.langs, opts.date, data_dir), opts.only)
    workers = max(1, int(opts.jobs or default_jobs()))
    date = opts.date.isoformat()
    target = output_dir / date

    with folder_lock(output_dir, blocking=False):
        remove_stale(output_dir)
        root = output_dir / f".{date}.partial-{os.getpid()}"
        root.mkdir()
        inputs = run_inputs(data_dir, digest, notebooks_dir, jobs)
        tasks = [{"job": j, "root": str(root), "final_root": str(target), "show_code": opts.show_code,
                  "cell_timeout": opts.cell_timeout, "html": True}
                 for j in _longest_first(jobs, previous_durations(output_dir))]
        env = {VALIDATED_ENV: digest, "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
        echo(f"coopdata run {date}: {len(jobs)} notebooks ({', '.join(opts.langs)}), {workers} in parallel, "
             f"data {data_dir} (valid)")
        progress = _Progress(root, len(tasks))
        old_term = signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            try:
                execute_tasks(tasks, workers, env, progress)
            finally:
                progress.close()
            results = progress.results
            pdf = print_pdfs(root, jobs, results, date, echo)
        except KeyboardInterrupt:
            shutil.rmtree(root, ignore_errors=True)
            echo(f"coopdata run: interrupted; {target} and {maps_dir} left as they were", err=True)
            return 130
        finally:
            signal.signal(signal.SIGTERM, old_term)
        parameters = {
            "date": date, "as_of": date, "langs": list(opts.langs), "only": list(opts.only),
            "jobs": workers, "show_code": opts.show_code, "cell_timeout": opts.cell_timeout,
            "data_dir": str(data_dir), "output_dir": str(output_dir), "notebooks_dir": str(notebooks_dir),
            "maps_dir": str(maps_dir),
        }
        manifest = build_manifest(root, jobs, results, parameters=parameters, inputs=inputs, started_at=started_at,
                                  duration_s=time.perf_counter() - started, pdf=pdf)
        write_manifest(root, manifest)
        write_index(root, manifest, jobs, results, changes_since_previous(output_dir, manifest))

        failed = [j for j in jobs if results.get(j.key, {}).get("status") != "ok"]
        if failed or pdf["error"]:
            kept = output_dir / f"{date}.failed"
            publish_dir(root, kept, backup=None)
            if pdf["error"]:
                echo(f"coopdata run: printing the PDFs FAILED: {pdf['error']}; {target} and {maps_dir} left as they "
                     f"were; this run is kept in {kept}", err=True)
            if failed:
                echo(f"coopdata run: {len(failed)} of {len(jobs)} notebooks FAILED; {target} and {maps_dir} left "
                     f"as they were; this run is kept in {kept}", err=True)
            for j in failed:
                echo(f"  {j.key}: {describe_error(results.get(j.key, {}).get('error') or {})} "
                     f"(see {kept / j.ipynb_rel})", err=True)
            return 1
        publish_dir(root, target, backup=output_dir / f"{date}.previous")
        counts = refresh_maps(maps_dir, target, jobs, opts.langs, partial_run=bool(opts.only))
    total = time.perf_counter() - started
    maps_note = ", ".join(f"{lang}: {n}" for lang, n in counts.items())
    echo(f"coopdata run: {len(jobs)} notebooks ok in {total:.0f} s -> {target / 'index.html'}; "
         f"maps refreshed in {maps_dir} ({maps_note})")
    return 0
