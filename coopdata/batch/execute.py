"""Executing the jobs: a pool of worker processes, each running papermill on one notebook at a time.

The workers are forked from a forkserver that imported coopdata, papermill and nbconvert once
(coopdata first, which keeps the slow ``rfc3987_syntax`` import out: see ``coopdata._speedups``).
Each kernel gets the environment given to :func:`execute_tasks` (the run passes
``COOPDATA_VALIDATED_DIGEST`` so that the kernels do not validate the data again). Each worker saves
the executed notebook once (not after every cell: the first plotly figure embeds 4.8 MB of
plotly.js), normalises it (:mod:`coopdata.batch.normalise`), and exports the reader's HTML
(:mod:`coopdata.report.html`).

A killed run (``kill -9``) is noticed by its workers within half a second: they exit, and their
kernels follow (ipykernel watches its parent).

A task is a dict: ``job`` (:class:`~coopdata.batch.plan.Job`), ``root`` (the folder written into),
``final_root`` (the path it will have once published, written into the notebooks instead of
``root``), ``show_code``, ``cell_timeout`` and ``html`` (export the HTML page, default True).
A result is a dict: ``key``, ``status`` ("ok" or "failed"), ``error`` (None or a dict, see
:func:`describe_error`), ``execute_s``, ``export_s`` and, with an HTML page, ``title``, ``html_bytes``.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import nbformat
import papermill
from papermill.exceptions import PapermillExecutionError

from coopdata.batch.normalise import normalise_maps, normalise_notebook
from coopdata.batch.plan import Job
from coopdata.report.html import export_html, notebook_title
from coopdata.report.png import serve_png

#: The link from a report (``<lang>/<job>.html``) back to the run's index of its language.
INDEX_HREF = "index.html"

KERNEL_NAME = "python3"
#: Set to "0" to let every kernel start its own PNG renderer (the benchmark measures both).
SHARED_RENDERER_ENV = "COOPDATA_SHARED_RENDERER"
#: Imported once in the forkserver; every worker is forked from it with these modules loaded.
FORKSERVER_PRELOAD = ["coopdata", "papermill", "nbconvert", "nbformat", "coopdata.report.html",
                      "coopdata.batch.execute"]


def default_jobs() -> int:
    """All the cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def describe_error(err: dict) -> str:
    """One line naming the failing cell (or stage) and the exception of a result's ``error``."""
    if not err:
        return ""
    where = ""
    if err.get("execution_count") is not None:
        where = f"cell In [{err['execution_count']}]"
        if err.get("code"):
            where += f" `{err['code']}`"
        where += ": "
    elif err.get("stage") == "html":
        where = "HTML export: "
    return f"{where}{err.get('ename', '')}: {err.get('evalue', '')}".strip()


# ----------------------------------------------------------------------------- worker side
def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError, IndexError):  # a killed parent not yet reaped is a zombie: dead
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    return True


def _watch_run(pid: int, interval: float = 0.5) -> None:
    """Exit as soon as the run's main process is gone (``kill -9``): nothing keeps writing.

    The worker's parent is the forkserver, which itself lives as long as its workers, so the
    kernel's parent-death signal would never fire; the kernels started by this worker exit by
    themselves when it is gone (ipykernel watches its parent).
    """

    def watch():
        while _alive(pid):
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="coopdata-watch-run", daemon=True).start()


def _worker_init(env: dict[str, str], run_pid: int) -> None:
    os.environ.update(env)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process decides what Ctrl-C does
    _watch_run(run_pid)
    logging.getLogger("papermill").setLevel(logging.ERROR)
    logging.getLogger("traitlets").setLevel(logging.ERROR)


@contextlib.contextmanager
def redirect_fds(path: Path):
    """Send this process's stdout/stderr (and so the kernel's, which inherits them) to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for f in (fd, *saved):
            os.close(f)


def _first_line(source: str) -> str:
    for line in source.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            return line.strip()[:100]
    return ""


def run_job(task: dict) -> dict:
    """Execute one notebook, save it normalised, export its HTML (runs in a worker process)."""
    job: Job = task["job"]
    root = Path(task["root"])
    out_ipynb = root / job.ipynb_rel
    out_ipynb.parent.mkdir(parents=True, exist_ok=True)
    files_dir = root / job.files_rel
    result = {"key": job.key, "status": "ok", "error": None, "execute_s": 0.0, "export_s": 0.0}
    params = {**job.parameters, "output_dir": str(files_dir)}
    t0 = time.perf_counter()
    with redirect_fds(root / job.log_rel):
        try:
            papermill.execute_notebook(
                str(job.notebook), str(out_ipynb), parameters=params, kernel_name=task.get("kernel", KERNEL_NAME),
                cwd=str(job.notebook.parent), progress_bar=False, log_output=False,
                request_save_on_cell_execute=False, execution_timeout=task.get("cell_timeout"), start_timeout=120,
            )
        except PapermillExecutionError as exc:
            result["status"] = "failed"
            result["error"] = {
                "cell_index": exc.cell_index, "execution_count": exc.exec_count, "ename": exc.ename,
                "evalue": str(exc.evalue)[:500], "code": _first_line(exc.source or ""),
            }
        except Exception as exc:  # kernel died, timeout, unreadable notebook...
            result["status"] = "failed"
            result["error"] = {"ename": exc.__class__.__name__, "evalue": str(exc).strip()[:500]}
    result["execute_s"] = time.perf_counter() - t0
    if not out_ipynb.is_file():
        return result
    t1 = time.perf_counter()
    nb = nbformat.read(out_ipynb, as_version=4)
    nb = normalise_notebook(nb, job=job, replace={str(root): task["final_root"]})
    nbformat.write(nb, out_ipynb)
    normalise_maps(files_dir / "maps")
    if task.get("html", True):
        _export_page(nb, job, root, task.get("show_code", False), result)
    result["export_s"] = time.perf_counter() - t1
    return result


def _export_page(nb, job: Job, root: Path, show_code: bool, result: dict) -> None:
    """Write the reader's HTML page of ``nb``; an export failure fails a job that had succeeded."""
    title = notebook_title(nb, job.stem, lang=job.lang)
    if job.commune:
        title = f"{title} — {job.commune}"
    result["title"] = title
    try:
        page = export_html(nb, title=title, lang=job.lang, show_code=show_code, index_href=INDEX_HREF,
                           page_name=Path(job.html_rel).name)
    except Exception as exc:
        if result["status"] == "ok":
            result["status"] = "failed"
            result["error"] = {"ename": exc.__class__.__name__, "evalue": str(exc)[:500], "stage": "html"}
    else:
        html_path = root / job.html_rel
        html_path.write_text(page, encoding="utf-8")
        result["html_bytes"] = html_path.stat().st_size


# ----------------------------------------------------------------------------- pool
def _pool(workers: int, env: dict[str, str]) -> ProcessPoolExecutor:
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(FORKSERVER_PRELOAD)
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init,
                               initargs=(env, os.getpid()))


def execute_tasks(tasks: list[dict], workers: int, env: dict[str, str], on_result) -> None:
    """Run ``run_job`` on every task in parallel; ``on_result(task, result)`` in the main process.

    The kernels share one PNG renderer kept in this process (coopdata.report.png.serve_png) instead of
    starting a Chromium each, unless ``$COOPDATA_SHARED_RENDERER`` is "0".
    """
    shared = os.environ.get(SHARED_RENDERER_ENV, "1") != "0"
    with serve_png() if shared else contextlib.nullcontext({}) as png_env:
        _execute_tasks(tasks, workers, {**env, **png_env}, on_result)


def _execute_tasks(tasks: list[dict], workers: int, env: dict[str, str], on_result) -> None:
    pool = _pool(max(1, min(workers, len(tasks))), env)
    try:
        futures = {pool.submit(run_job, t): t for t in tasks}
        for fut in as_completed(futures):
            task = futures[fut]
            try:
                result = fut.result()
            except Exception as exc:  # the worker itself died (BrokenProcessPool...)
                result = {"key": task["job"].key, "status": "failed", "execute_s": 0.0, "export_s": 0.0,
                          "error": {"ename": exc.__class__.__name__, "evalue": str(exc)[:500]}}
            on_result(task, result)
    except BaseException:  # Ctrl-C, SIGTERM: stop the workers now (their kernels follow them)
        procs = list((getattr(pool, "_processes", None) or {}).values())
        for proc in procs:
            with contextlib.suppress(Exception):
                proc.kill()
        for proc in procs:
            with contextlib.suppress(Exception):
                proc.join(5)
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
