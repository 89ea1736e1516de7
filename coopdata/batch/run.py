"""``coopdata run``: every notebook executed in parallel into a dated folder that readers open offline.

What a run does
---------------
1. Validates the data folder (as ``coopdata check``); nothing runs if it is broken.
2. Plans the jobs: every numbered notebook of ``notebooks/`` (``01_map.ipynb`` ...) once per language,
   and a notebook whose ``parameters`` cell defines ``commune`` (the commune profile) once per commune
   and language, the commune's name passed as ``commune``. ``--only`` keeps some of them.
3. Executes them with papermill in a pool of worker processes (``--jobs``, default: all cores). The
   workers are forked from a forkserver that imported coopdata, papermill and nbconvert once
   (coopdata first, which keeps the slow ``rfc3987_syntax`` import out: see ``coopdata._speedups``).
   Each kernel gets ``COOPDATA_VALIDATED_DIGEST`` so that it does not validate the data again. Each
   worker saves the executed notebook once (not after every cell: the first plotly figure embeds
   4.8 MB of plotly.js), normalises it, and exports the reader's HTML (:mod:`coopdata.report.html`).
   The main process signs every executed notebook (``nbformat.sign.NotebookNotary``) so that
   JupyterLab trusts its maps, shows a progress bar and one line per notebook.
4. Writes ``manifest.json`` and ``index.html``, then publishes.

Layout of ``OUTPUT_DIR/DATE/``
------------------------------
::

    index.html                      links every report (relative links, works from a USB key)
    manifest.json                   parameters, sha256 of every input, versions, git commit, durations, status
    fr/01_map.html                  the reader's report (code hidden unless --show-code)
    fr/01_map/figures/*.png         what the notebook wrote into its output_dir
    fr/01_map/tables/*.csv
    fr/01_map/maps/*.html
    fr/10_commune_profile-tone-1.html, fr/10_commune_profile-tone-1/...
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
Saved notebooks carry no timing (papermill's and nbclient's timestamps and durations are removed,
durations go to the manifest), no temporary path (the partial folder's path is replaced by the
final one, ``OUTPUT_DIR/DATE``, also in ``DATE.failed``), and no random identifier: plotly's and
folium's element ids, cell ids of papermill's injected cells and object addresses (``at 0x...``) are
renumbered in order of appearance, in the notebooks and in the maps' HTML files.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import fnmatch
import hashlib
import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from coopdata import _speedups  # noqa: F401  (before anything imports jsonschema)
from coopdata.core.i18n import LANGS, tr
from coopdata.core.paths import MAPS_DIR, NOTEBOOKS_DIR, OUTPUTS_DIR, PROJECT_DIR, resolve_data_dir

PROFILE_PARAMETER = "commune"
NOTEBOOK_NAME = re.compile(r"^\d+[_-][^/]*\.ipynb$")
LOCK_NAME = ".coopdata-run.lock"
KERNEL_NAME = "python3"
DEFAULT_CELL_TIMEOUT = 900
PACKAGES = (
    "coopdata", "pandas", "geopandas", "shapely", "pyproj", "pyogrio", "folium", "branca", "plotly", "kaleido",
    "matplotlib", "numpy", "papermill", "nbconvert", "nbformat", "nbclient", "ipykernel", "jupyter_client",
    "jupyterlab", "frictionless", "click", "tqdm", "XStatic-Leaflet", "XStatic-jQuery",
)


#: Set to "0" to let every kernel start its own PNG renderer (the benchmark measures both).
SHARED_RENDERER_ENV = "COOPDATA_SHARED_RENDERER"


class RunError(Exception):
    """A problem that stops the run before anything is executed; the message is one line."""


# ----------------------------------------------------------------------------- planning
@dataclass
class Job:
    name: str  # "01_map", "10_commune_profile-tone-1"
    notebook: Path
    lang: str
    parameters: dict
    commune: str | None = None

    @property
    def key(self) -> str:
        return f"{self.lang}/{self.name}"

    @property
    def stem(self) -> str:
        return self.notebook.stem

    @property
    def ipynb_rel(self) -> str:
        return f"notebooks/{self.lang}/{self.name}.ipynb"

    @property
    def html_rel(self) -> str:
        return f"{self.lang}/{self.name}.html"

    @property
    def files_rel(self) -> str:
        return f"{self.lang}/{self.name}"

    @property
    def log_rel(self) -> str:
        return f"logs/{self.lang}/{self.name}.log"


@dataclass
class RunOptions:
    date: dt.date
    langs: tuple[str, ...] = ("fr",)
    only: tuple[str, ...] = ()
    jobs: int | None = None
    data_dir: Path | None = None
    output_dir: Path = OUTPUTS_DIR
    notebooks_dir: Path = NOTEBOOKS_DIR
    maps_dir: Path = MAPS_DIR
    show_code: bool = False
    cell_timeout: int = DEFAULT_CELL_TIMEOUT
    extra: dict = field(default_factory=dict)


def slugify(text, max_length: int = 60) -> str:
    """« Tône 1 » → "tone-1": :func:`coopdata.analysis.profile.slug`, the name the profile notebook gives its
    files, so that a job's folder and the files in it agree; a RunError where no name can be made."""
    from coopdata.analysis.profile import slug

    try:
        return slug(text, max_length)
    except ValueError as exc:
        raise RunError(str(exc)) from None


def parse_langs(value: str) -> tuple[str, ...]:
    if value == "all":
        return LANGS
    if value not in LANGS:
        raise RunError(f"--lang must be one of {', '.join(LANGS)} or all, not {value!r}")
    return (value,)


def discover_notebooks(notebooks_dir: Path) -> list[Path]:
    """The numbered notebooks (``01_map.ipynb``...), sorted by name."""
    if not notebooks_dir.is_dir():
        raise RunError(f"{notebooks_dir}: notebooks folder not found")
    found = sorted(p for p in notebooks_dir.iterdir() if p.is_file() and NOTEBOOK_NAME.match(p.name))
    if not found:
        raise RunError(f"{notebooks_dir}: no numbered notebook (NN_name.ipynb)")
    return found


def parameter_names(path: Path) -> list[str]:
    """Names of the notebook's parameters, as papermill reads them (the cell tagged ``parameters``)."""
    import papermill  # start-up: papermill and nbformat cost ~1 s to import; only planning needs them here

    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RunError(f"{path}: not a readable notebook ({exc.__class__.__name__}: {exc})") from None
    if not any(c.get("cell_type") == "code" and "parameters" in c.get("metadata", {}).get("tags", [])
               for c in nb.get("cells", [])):
        raise RunError(f"{path}: no code cell tagged 'parameters'")
    for cell in nb["cells"]:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            try:
                ast.parse("".join(cell.get("source", [])))
            except SyntaxError as exc:
                raise RunError(f"{path}: parameters cell is not valid Python ({exc.msg}, line {exc.lineno})") from None
    return list(papermill.inspect_notebook(str(path)))


def commune_names(data_dir: Path) -> list[str]:
    from coopdata.data.loaders import load_table

    return [str(c) for c in load_table("communes", data_dir, validate=False)["commune"]]


def plan_jobs(notebooks: list[Path], langs: tuple[str, ...], date: dt.date, data_dir: Path,
              communes: list[str] | None = None) -> list[Job]:
    jobs: list[Job] = []
    for lang in langs:
        for nb in notebooks:
            params = {"lang": lang, "as_of": date.isoformat(), "data_dir": str(data_dir)}
            if PROFILE_PARAMETER in parameter_names(nb):
                if communes is None:
                    communes = commune_names(data_dir)
                for commune in communes:
                    jobs.append(Job(f"{nb.stem}-{slugify(commune)}", nb, lang,
                                    {PROFILE_PARAMETER: commune, **params}, commune=commune))
            else:
                jobs.append(Job(nb.stem, nb, lang, params))
    return jobs


def select_jobs(jobs: list[Job], only: tuple[str, ...]) -> list[Job]:
    """Keep the jobs named by ``only``: a notebook name (``01_map``) or number (``01``), a job name
    (``10_commune_profile-tone-1``), a commune (``tone-1``, « Tône 1 ») or a shell pattern (``0*``)."""
    names = [n.strip() for item in only for n in item.split(",") if n.strip()]
    if not names:
        return jobs

    def matches(job: Job, name: str) -> bool:
        base = name[:-6] if name.endswith(".ipynb") else name
        number = job.stem.split("_", 1)[0].split("-", 1)[0]
        if base in (job.stem, job.name, number) or fnmatch.fnmatchcase(job.name, base):
            return True
        return job.commune is not None and slugify(base) == slugify(job.commune)

    unknown = [n for n in names if not any(matches(j, n) for j in jobs)]
    if unknown:
        known = sorted({j.stem for j in jobs})
        raise RunError(f"--only {', '.join(unknown)}: no such notebook (known: {', '.join(known)}; "
                       "a commune or a job name like 10_commune_profile-tone-1 also works)")
    return [j for j in jobs if any(matches(j, n) for n in names)]


# ----------------------------------------------------------------------------- provenance
def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _tree_checksums(root: Path) -> dict[str, str]:
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if p.is_file() and not any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
            out[rel.as_posix()] = sha256_file(p)
    return out


def package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": sys.version.split()[0]}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def git_info(root: Path = PROJECT_DIR) -> dict | None:
    if not (root / ".git").exists() or not shutil.which("git"):
        return None
    try:
        def git(*args):
            return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=20,
                                  check=True).stdout.strip()

        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": dirty}


# ----------------------------------------------------------------------------- normalisation
_UUID4 = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\b")
_HEX32 = re.compile(r"(?<=[a-z0-9]_)[0-9a-f]{32}(?![0-9A-Za-z])")  # folium's get_name(): "map_" + uuid4().hex
_STYLER = re.compile(r"(?<![0-9A-Za-z_])T_[0-9a-f]{5}(?![0-9a-f])")  # pandas Styler's table id: "T_" + 5 hex
_ADDRESS = re.compile(r"( at 0x)[0-9a-f]{6,16}>")
_PLOTLY_BANNER = "* plotly.js v"
_TIMING_KEYS = ("start_time", "end_time", "duration")


def renumber_ids(text: str, seen: dict[str, str] | None = None) -> str:
    """Replace random element ids (plotly's uuid4, folium's 32-hex names, pandas Styler's ``T_xxxxx``) by
    counters, in order of first appearance: the same page gives the same bytes on every run, references
    stay consistent. Pass the same ``seen`` for several texts of one document (ids stay unique)."""
    seen = {} if seen is None else seen
    if _PLOTLY_BANNER in text:  # the plotly.js library itself (4.8 MB) holds no element id: not scanned
        return text

    def uuid_sub(m):
        return seen.setdefault(m.group(0), f"00000000-0000-4000-8000-{len(seen) + 1:012x}")

    def hex_sub(m):
        return seen.setdefault(m.group(0), f"{len(seen) + 1:032x}")

    def styler_sub(m):
        return seen.setdefault(m.group(0), f"T_{len(seen) + 1:05x}")

    text = _UUID4.sub(uuid_sub, text)
    text = _STYLER.sub(styler_sub, text)
    return _HEX32.sub(hex_sub, text)


def _map_strings(obj, fn):
    """Apply ``fn`` to every string inside nested dicts and lists (in place, document order)."""
    if isinstance(obj, dict):
        for key in obj:
            obj[key] = _map_strings(obj[key], fn)
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            obj[i] = _map_strings(value, fn)
    elif isinstance(obj, str):
        return fn(obj)
    return obj


def normalise_notebook(nb, *, job: Job | None = None, replace: dict[str, str] | None = None):
    """Strip timings and temporary paths, renumber random ids in outputs (in place and returned)."""
    replace = replace or {}

    def fix_paths(text: str) -> str:
        for old, new in replace.items():
            text = text.replace(old, new)
        return text

    meta = nb.metadata.get("papermill")
    if meta is not None:
        for key in _TIMING_KEYS:
            meta.pop(key, None)
        if job is not None:
            meta["input_path"] = f"notebooks/{job.notebook.name}"
            meta["output_path"] = job.ipynb_rel
        _map_strings(meta, fix_paths)
    seen: dict[str, str] = {}
    for i, cell in enumerate(nb.cells):
        cell.metadata.pop("execution", None)
        pm = cell.metadata.get("papermill")
        if pm is not None:
            for key in _TIMING_KEYS:
                pm.pop(key, None)
        tags = cell.metadata.get("tags", [])
        if "id" in cell and ("injected-parameters" in tags or "papermill-error-cell-tag" in tags):
            cell["id"] = f"papermill-{i}"
        cell["source"] = fix_paths(cell.source)
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "text/plain" in data:
                text = data["text/plain"]
                data["text/plain"] = _ADDRESS.sub(r"\g<1>0>", "".join(text) if isinstance(text, list) else text)
            _map_strings(out, lambda text: renumber_ids(fix_paths(text), seen))
    return nb


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
    import threading

    def watch():
        while _alive(pid):
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="coopdata-watch-run", daemon=True).start()


def _worker_init(env: dict[str, str], run_pid: int) -> None:
    os.environ.update(env)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process decides what Ctrl-C does
    _watch_run(run_pid)
    import logging

    # Already imported in the forkserver (coopdata first, which blocks the slow optional import);
    # repeated here for a pool started with another method.
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401

    logging.getLogger("papermill").setLevel(logging.ERROR)
    logging.getLogger("traitlets").setLevel(logging.ERROR)


@contextlib.contextmanager
def _redirect_fds(path: Path):
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
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    job: Job = task["job"]
    root = Path(task["root"])
    out_ipynb = root / job.ipynb_rel
    out_ipynb.parent.mkdir(parents=True, exist_ok=True)
    files_dir = root / job.files_rel
    result = {"key": job.key, "status": "ok", "error": None, "execute_s": 0.0, "export_s": 0.0}
    params = {**job.parameters, "output_dir": str(files_dir)}
    t0 = time.perf_counter()
    with _redirect_fds(root / job.log_rel):
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
    for page in sorted((files_dir / "maps").glob("*.html")) if (files_dir / "maps").is_dir() else []:
        text = page.read_text(encoding="utf-8")
        fixed = renumber_ids(text)
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")
    if task.get("html", True):
        from coopdata.report.html import export_html, notebook_title

        title = notebook_title(nb, job.stem)
        if job.commune:
            title = f"{title} — {job.commune}"
        result["title"] = title
        try:
            page = export_html(nb, title=title, lang=job.lang, show_code=task.get("show_code", False))
        except Exception as exc:
            if result["status"] == "ok":
                result["status"] = "failed"
                result["error"] = {"ename": exc.__class__.__name__, "evalue": str(exc)[:500], "stage": "html"}
        else:
            html_path = root / job.html_rel
            html_path.write_text(page, encoding="utf-8")
            result["html_bytes"] = html_path.stat().st_size
    result["export_s"] = time.perf_counter() - t1
    return result


# ----------------------------------------------------------------------------- pool
def _pool(workers: int, env: dict[str, str]):
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    ctx = mp.get_context("forkserver")
    # Imported once in the forkserver; every worker is forked from it with these modules loaded.
    ctx.set_forkserver_preload(["coopdata", "papermill", "nbconvert", "nbformat", "coopdata.report.html",
                                "coopdata.batch.run"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init,
                               initargs=(env, os.getpid()))


def execute_tasks(tasks: list[dict], workers: int, env: dict[str, str], on_result) -> None:
    """Run ``run_job`` on every task in parallel; ``on_result(task, result)`` in the main process.

    The kernels share one PNG renderer kept in this process (coopdata.report.png.serve_png) instead of
    starting a Chromium each, unless ``$COOPDATA_SHARED_RENDERER`` is "0".
    """
    from coopdata.report.png import serve_png

    shared = os.environ.get(SHARED_RENDERER_ENV, "1") != "0"
    with serve_png() if shared else contextlib.nullcontext({}) as png_env:
        _execute_tasks(tasks, workers, {**env, **png_env}, on_result)


def _execute_tasks(tasks: list[dict], workers: int, env: dict[str, str], on_result) -> None:
    from concurrent.futures import as_completed

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


# ----------------------------------------------------------------------------- publishing
def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    return fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def publish_dir(new: Path, target: Path, backup: Path | None) -> None:
    """Put ``new`` at ``target``; the old ``target`` (if any) becomes ``backup`` (or is removed)."""
    if target.exists():
        if _exchange(new, target):
            old = new  # the previous content now lives at the temporary name
        else:
            old = new.with_name(new.name + ".old")
            os.rename(target, old)
            os.rename(new, target)
        if backup is not None:
            if backup.exists():
                shutil.rmtree(backup)
            os.rename(old, backup)
        else:
            shutil.rmtree(old)
    else:
        os.rename(new, target)


@contextlib.contextmanager
def _locked(folder: Path, blocking: bool):
    import fcntl

    folder.mkdir(parents=True, exist_ok=True)
    fh = (folder / LOCK_NAME).open("a+")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            raise RunError(f"another coopdata run is writing into {folder}; wait for it to end") from None
        yield
    finally:
        fh.close()


def _remove_stale(folder: Path) -> None:
    """Remove what killed runs left (we hold the lock, so no live run owns them)."""
    if folder.is_dir():
        for p in folder.iterdir():
            if p.name.startswith(".") and (".partial-" in p.name or p.name.endswith(".old")) and p.is_dir():
                shutil.rmtree(p, ignore_errors=True)


def collect_maps(root: Path, jobs: list[Job], lang: str) -> dict[str, Path]:
    """Standalone maps of the finished run for ``lang``: {file name in maps/<lang>/: source path}."""
    found: list[tuple[Job, Path]] = []
    for job in jobs:
        if job.lang != lang:
            continue
        base = root / job.files_rel
        maps = sorted((base / "maps").glob("*.html")) if (base / "maps").is_dir() else []
        for page in maps:
            found.append((job, page))
            for folder in ("maps", "figures"):
                png = base / folder / f"{page.stem}.png"
                if png.is_file():
                    found.append((job, png))
                    break
    counts: dict[str, int] = {}
    for _, p in found:
        counts[p.name] = counts.get(p.name, 0) + 1
    return {(p.name if counts[p.name] == 1 else f"{job.name}-{p.name}"): p for job, p in found}


def refresh_maps(maps_dir: Path, root: Path, jobs: list[Job], langs: tuple[str, ...], partial_run: bool) -> dict:
    """Swap ``maps_dir/<lang>/`` for the maps of this run; with ``--only`` keep the others' maps."""
    counts = {}
    with _locked(maps_dir, blocking=True):
        _remove_stale(maps_dir)
        for lang in langs:
            maps = collect_maps(root, jobs, lang)
            target = maps_dir / lang
            new = maps_dir / f".{lang}.partial-{os.getpid()}"
            if partial_run and target.is_dir():
                shutil.copytree(target, new)
            else:
                new.mkdir(parents=True)
            for name, src in maps.items():
                shutil.copy2(src, new / name)
            publish_dir(new, target, backup=None)
            counts[lang] = sum(1 for n in maps if n.endswith(".html"))
    return counts



_INDEX_CSS = """
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; color: #222; line-height: 1.4; }
h1 { color: #1f5f99; font-size: 1.6em; } h2 { border-bottom: 2px solid #1f5f99; margin-top: 2em; }
table { border-collapse: collapse; width: 100%; } td, th { border-bottom: 1px solid #c8ced6; padding: .3em .5em;
text-align: left; vertical-align: top; } th { background: #eef2f7; } .failed { color: #a00; font-weight: bold; }
details { margin: .3em 0; } summary { cursor: pointer; } .muted { color: #555; font-size: .9em; }
"""


def _href(rel: str) -> str:
    return html.escape(quote(rel), quote=True)


def _files(root: Path, job: Job, sub: str, suffix: str) -> list[str]:
    folder = root / job.files_rel / sub
    return [p.relative_to(root).as_posix() for p in sorted(folder.glob(f"*{suffix}"))] if folder.is_dir() else []


def render_index(root: Path, manifest: dict, jobs: list[Job], results: dict[str, dict]) -> str:
    from coopdata.report.html import print_css

    e = html.escape
    langs = manifest["parameters"]["langs"]
    first = langs[0]
    date = manifest["parameters"]["date"]
    out = [f'<!DOCTYPE html>\n<html lang="{first}">\n<head>\n<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1.0">',
           f"<title>{e(tr('run.title', first, date=date))}</title>",
           f'<style type="text/css">{_INDEX_CSS}\n{print_css()}</style>\n</head>\n<body>\n<main>']
    out.append(f"<h1>{e(tr('run.title', first, date=date))}</h1>")
    if manifest["status"] != "ok":
        out.append(f'<p class="failed">{e(tr("run.failed_run", first))}</p>')
    for lang in langs:
        def t(key, lang=lang, **kw):
            return e(tr(key, lang, **kw))

        out.append(f'<section lang="{lang}">')
        if len(langs) > 1:
            out.append(f"<h2>{t('run.section')}</h2>")
        out.append(f"<p>{t('run.intro', date=date)}</p>")
        mine = [j for j in jobs if j.lang == lang]
        for heading, group in (("run.reports", [j for j in mine if not j.commune]),
                               ("run.profiles", [j for j in mine if j.commune])):
            if not group:
                continue
            out.append(f"<h3>{t(heading)}</h3>\n<table>\n<tr><th>{t('run.report')}</th><th>{t('run.status')}</th>"
                       f"<th>{t('run.files')}</th></tr>")
            for job in group:
                res = results.get(job.key, {})
                label = job.commune or res.get("title") or job.stem
                has_html = (root / job.html_rel).is_file()
                link = f'<a href="{_href(job.html_rel)}">{e(label)}</a>' if has_html else e(label)
                if (root / job.ipynb_rel).is_file():
                    link += f' <span class="muted">(<a href="{_href(job.ipynb_rel)}">{t("run.notebook")}</a>)</span>'
                if res.get("status") == "ok":
                    status = t("run.ok")
                else:
                    err = res.get("error") or {}
                    status = f'<span class="failed">{t("run.failed")}</span> {e(describe_error(err))}'
                parts = []
                for sub, suffix, key in (("figures", ".png", "run.figures"), ("tables", ".csv", "run.tables"),
                                         ("maps", ".html", "run.maps")):
                    rels = _files(root, job, sub, suffix)
                    if rels:
                        items = "".join(f'<li><a href="{_href(r)}">{e(Path(r).name)}</a></li>' for r in rels)
                        parts.append(f"<details><summary>{t(key)} ({len(rels)})</summary><ul>{items}</ul></details>")
                out.append(f"<tr><td>{link}</td><td>{status}</td><td>{''.join(parts)}</td></tr>")
            out.append("</table>")
        out.append("</section>")
    git = manifest.get("git")
    commit = git["commit"][:12] + (" (+)" if git["dirty"] else "") if git else tr("run.no_git", first)
    digest = manifest["inputs"]["data_digest"][:12]
    out.append(f'<p class="muted">{e(tr("run.provenance", first, digest=digest, commit=commit))}'
               f'<a href="manifest.json">manifest.json</a></p>')
    out.append("</main>\n</body>\n</html>\n")
    return "\n".join(out)


def describe_error(err: dict) -> str:
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


# ----------------------------------------------------------------------------- the run
def _previous_durations(output_dir: Path) -> dict[str, float]:
    """Durations from the latest good run, to start the longest notebooks first."""
    manifests = sorted(output_dir.glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]/manifest.json"))
    for path in reversed(manifests):
        with contextlib.suppress(Exception):
            data = json.loads(path.read_text(encoding="utf-8"))
            return {n["key"]: float(n["duration_s"]) for n in data["notebooks"]}
    return {}


def default_jobs() -> int:
    """All the cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _echo(msg: str, err: bool = False) -> None:
    print(msg, file=sys.stderr if err else sys.stdout, flush=True)


def run_batch(opts: RunOptions, echo=_echo) -> int:
    """The whole batch run; returns the exit status (0 ok, 1 failed, 130 interrupted).

    Raises RunError / DataError before anything is executed when the request or the data is wrong.
    """
    from coopdata.data.validation import VALIDATED_ENV, data_digest, validate_data_dir

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

    with _locked(output_dir, blocking=False):
        _remove_stale(output_dir)
        root = output_dir / f".{date}.partial-{os.getpid()}"
        root.mkdir()
        inputs = {
            "data_dir": str(data_dir), "data_digest": digest, "data": _tree_checksums(data_dir),
            "notebooks_dir": str(notebooks_dir),
            "notebooks": {p.name: sha256_file(p) for p in sorted({j.notebook for j in jobs})},
        }
        previous = _previous_durations(output_dir)
        order = sorted(jobs, key=lambda j: (-previous.get(j.key, 1e9 if not j.commune else 1e8), jobs.index(j)))
        tasks = [{"job": j, "root": str(root), "final_root": str(target), "show_code": opts.show_code,
                  "cell_timeout": opts.cell_timeout, "html": True} for j in order]
        env = {VALIDATED_ENV: digest, "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
        results: dict[str, dict] = {}
        echo(f"coopdata run {date}: {len(jobs)} notebooks ({', '.join(opts.langs)}), {workers} in parallel, "
             f"data {data_dir} (valid)")
        from nbformat import read as nb_read
        from nbformat.sign import NotebookNotary
        from tqdm import tqdm

        notary = NotebookNotary()
        Path(notary.data_dir).mkdir(parents=True, exist_ok=True)  # a fresh account has no Jupyter data folder yet
        bar = tqdm(total=len(tasks), unit="nb", desc="coopdata run", file=sys.stderr, disable=None, leave=False)

        def on_result(task, result):
            job = task["job"]
            result["duration_s"] = round(result["execute_s"] + result["export_s"], 3)
            ipynb = root / job.ipynb_rel
            if ipynb.is_file():
                try:
                    notary.sign(nb_read(ipynb, as_version=4))
                except Exception as exc:  # an unsignable notebook is still kept
                    result["sign_error"] = str(exc)
            results[job.key] = result
            if result["status"] == "ok":
                line = f"ok     {job.key:<40} {result['duration_s']:7.1f} s"
            else:
                line = f"FAILED {job.key:<40} {result['duration_s']:7.1f} s  {describe_error(result['error'])}"
            bar.write(line, file=sys.stdout)
            bar.update(1)

        def on_signal(signum, frame):
            raise KeyboardInterrupt

        old_term = signal.signal(signal.SIGTERM, on_signal)
        try:
            execute_tasks(tasks, workers, env, on_result)
        except KeyboardInterrupt:
            bar.close()
            shutil.rmtree(root, ignore_errors=True)
            echo(f"coopdata run: interrupted; {target} and {maps_dir} left as they were", err=True)
            return 130
        finally:
            signal.signal(signal.SIGTERM, old_term)
            bar.close()

        failed = [j for j in jobs if results.get(j.key, {}).get("status") != "ok"]
        manifest = {
            "coopdata_run": 1,
            "status": "ok" if not failed else "failed",
            "parameters": {
                "date": date, "as_of": date, "langs": list(opts.langs), "only": list(opts.only),
                "jobs": workers, "show_code": opts.show_code, "cell_timeout": opts.cell_timeout,
                "data_dir": str(data_dir), "output_dir": str(output_dir), "notebooks_dir": str(notebooks_dir),
                "maps_dir": str(maps_dir),
            },
            "started_at": started_at,
            "duration_s": round(time.perf_counter() - started, 3),
            "inputs": inputs,
            "packages": package_versions(),
            "git": git_info(),
            "notebooks": [_manifest_entry(root, j, results.get(j.key)) for j in jobs],
        }
        (root / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n",
                                            encoding="utf-8")
        (root / "index.html").write_text(render_index(root, manifest, jobs, results), encoding="utf-8")

        if failed:
            kept = output_dir / f"{date}.failed"
            publish_dir(root, kept, backup=None)
            echo(f"coopdata run: {len(failed)} of {len(jobs)} notebooks FAILED; {target} and {maps_dir} left as "
                 f"they were; this run is kept in {kept}", err=True)
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


def _manifest_entry(root: Path, job: Job, result: dict | None) -> dict:
    result = result or {"status": "not run", "error": None, "execute_s": 0.0, "export_s": 0.0, "duration_s": 0.0}
    entry = {
        "key": job.key, "name": job.name, "notebook": f"notebooks/{job.notebook.name}", "lang": job.lang,
        "parameters": {**job.parameters, "output_dir": job.files_rel},
        "status": result["status"], "duration_s": result.get("duration_s", 0.0),
        "execute_s": round(result.get("execute_s", 0.0), 3), "export_s": round(result.get("export_s", 0.0), 3),
        "error": result.get("error"),
        "outputs": {
            "notebook": job.ipynb_rel if (root / job.ipynb_rel).is_file() else None,
            "html": job.html_rel if (root / job.html_rel).is_file() else None,
            "log": job.log_rel if (root / job.log_rel).is_file() else None,
            "files": {rel: sha256_file(root / rel) for rel in _job_files(root, job)},
        },
    }
    if job.commune:
        entry["commune"] = job.commune
    return entry


def _job_files(root: Path, job: Job) -> list[str]:
    base = root / job.files_rel
    return sorted(p.relative_to(root).as_posix() for p in base.rglob("*") if p.is_file()) if base.is_dir() else []
