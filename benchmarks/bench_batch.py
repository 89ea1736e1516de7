#!/usr/bin/env python3
"""Measure ``coopdata run`` on this machine and print ratios (run by hand, not a test).

    .venv/bin/python benchmarks/bench_batch.py                 # everything (about 10 min on 2 cores)
    .venv/bin/python benchmarks/bench_batch.py --skip naive    # parts: batch, floor, naive, growth, imports
    .venv/bin/python benchmarks/bench_batch.py --json results.json

Parts, all in one run, on the project's notebooks and data, into a temporary folder:

batch    the full batch: ``coopdata run`` (every notebook and every commune profile, HTML, figures,
         signatures, manifest), as a user runs it;
floor    as many papermill executions, with the same parallelism and the same worker pool, of
         notebooks that only import the same libraries: for each real notebook, every module of
         the project's libraries (pandas, geopandas, plotly, folium, matplotlib, kaleido, coopdata...)
         that it had loaded when it ended, found by a probe run (not timed); coopdata imports most
         libraries lazily, so the notebooks' import statements alone would understate the floor;
naive    serially, the command lines ``papermill IN OUT -p ...`` then ``jupyter nbconvert --to html OUT``
         for each notebook and profile;
growth   the commune profile for 13, 26 and 52 communes, through the same pool and export as the
         batch: time per profile. The study has 13 communes and the profile asserts it, so the 26 and
         52 runs are the 13 communes executed 2 and 4 times under distinct output names (see
         docs/performance.md);
imports  ``python -c "import nbformat"`` with and without the rfc3987_syntax workaround;
batch_own_renderers  the batch again with COOPDATA_SHARED_RENDERER=0: every kernel starts its own
         Chromium for its PNGs instead of using the run's shared renderer.

Peak memory is the largest total resident memory of the process tree (sampled with psutil every
0.1 s); HTML sizes are listed per file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import coopdata  # noqa: E402,F401  (first: blocks the slow optional import in this process too)

# isort: split
import papermill  # noqa: E402

from coopdata.batch.execute import (  # noqa: E402
    KERNEL_NAME,
    SHARED_RENDERER_ENV,
    default_jobs,
    execute_tasks,
    redirect_fds,
)
from coopdata.batch.plan import DEFAULT_CELL_TIMEOUT, Job, discover_notebooks, plan_jobs  # noqa: E402
from coopdata.core.paths import DATA_DIR, NOTEBOOKS_DIR  # noqa: E402
from coopdata.data.validation import VALIDATED_ENV, data_digest  # noqa: E402

try:  # optional: without it, peak memory is reported as n/a
    import psutil
except ImportError:
    psutil = None

BIN = Path(sys.executable).parent
PARTS = ("batch", "batch_own_renderers", "floor", "naive", "growth", "imports")
KEEP = {"COOPDATA_KEEP_RFC3987_SYNTAX": "1"}


# ----------------------------------------------------------------------------- measuring
class PeakMemory:
    """Peak total RSS of this process's children (and theirs), sampled in a thread."""

    def __init__(self, interval: float = 0.1):
        self.interval, self.peak, self._stop = interval, 0, threading.Event()

    def _sample(self):
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for p in me.children(recursive=True):
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    def __enter__(self):
        if psutil is None:
            self.peak = None
            return self
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self.peak is not None:
            self._thread.join()


def timed(fn, *args, **kw):
    with PeakMemory() as mem:
        t0 = time.perf_counter()
        value = fn(*args, **kw)
        elapsed = time.perf_counter() - t0
    return elapsed, mem.peak, value


def mib(n):
    return "n/a" if n is None else f"{n / 2**20:,.0f} MiB"


def machine() -> dict:
    cpu = platform.processor() or "?"
    if Path("/proc/cpuinfo").exists():
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), cpu)
    ram = None
    if Path("/proc/meminfo").exists():
        kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")))
        ram = f"{kb / 2**20:.1f} GiB"
    return {"nproc": default_jobs(), "cpu": cpu, "ram": ram, "python": sys.version.split()[0],
            "platform": platform.platform(), "loadavg_at_start": os.getloadavg() if hasattr(os, "getloadavg") else None}


# ----------------------------------------------------------------------------- the parts
def real_jobs(lang: str) -> list[Job]:
    return plan_jobs(discover_notebooks(NOTEBOOKS_DIR), (lang,), dt.date.today(), DATA_DIR)


def run_batch(tmp: Path, jobs: int, lang: str, name: str = "batch", env_extra: dict | None = None) -> Path:
    out = tmp / name
    cmd = [str(BIN / "coopdata"), "run", "--jobs", str(jobs), "--lang", lang, "--output-dir", str(out / "outputs"),
           "--maps-dir", str(out / "maps")]
    env = {**os.environ, "JUPYTER_DATA_DIR": str(tmp / "jupyter"), **(env_extra or {})}
    res = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if res.returncode != 0:
        raise SystemExit(f"the batch failed:\n{res.stdout}\n{res.stderr}")
    (dated,) = [p for p in (out / "outputs").iterdir() if not p.name.startswith(".")]
    return dated


WATCHED = ("pandas", "numpy", "geopandas", "shapely", "pyproj", "pyogrio", "folium", "branca", "jinja2", "plotly",
           "kaleido", "choreographer", "matplotlib", "PIL", "frictionless", "xstatic", "coopdata", "IPython")
PROBE = f"""import json, sys
print("COOPDATA-MODULES", json.dumps(sorted(m for m in list(sys.modules)
      if m.split(".")[0] in {WATCHED!r} and sys.modules[m] is not None)))"""


def probe_modules(notebook: Path, tmp: Path) -> list[str]:
    """The modules of the project's libraries that the notebook has loaded when it ends (coopdata's
    modules import most libraries lazily, inside functions, so import statements alone say little)."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    nb["cells"].append({"cell_type": "code", "execution_count": None, "id": "probe", "metadata": {}, "outputs": [],
                        "source": PROBE})
    copy = tmp / f"probe-{notebook.name}"
    copy.write_text(json.dumps(nb), encoding="utf-8")
    with redirect_fds(tmp / "probe.log"):  # the kernel's own warnings
        out = papermill.execute_notebook(str(copy), None, parameters={"output_dir": str(tmp / "probe-out")},
                                         progress_bar=False, cwd=str(notebook.parent), kernel_name=KERNEL_NAME)
    for o in out.cells[-1].outputs:
        text = o.get("text", "")
        if text.startswith("COOPDATA-MODULES"):
            return json.loads(text.split(" ", 1)[1])
    raise SystemExit(f"probe of {notebook.name} printed nothing")


def floor_notebooks(tmp: Path) -> dict[Path, Path]:
    """For each real notebook, one with the same parameters cell that only imports, one by one, every
    module of the project's libraries the real notebook had loaded (found by a probe run)."""
    folder = tmp / "floor-notebooks"
    folder.mkdir()
    out = {}
    for nb_path in discover_notebooks(NOTEBOOKS_DIR):
        modules = probe_modules(nb_path, tmp)
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
        params = next(c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
        source = (f"import importlib\nfor name in {modules!r}:\n    try:\n        importlib.import_module(name)\n"
                  "    except Exception:\n        pass")
        nb["cells"] = [params, {"cell_type": "code", "execution_count": None, "id": "imports", "metadata": {},
                                "outputs": [], "source": source}]
        target = folder / nb_path.name
        target.write_text(json.dumps(nb), encoding="utf-8")
        out[nb_path] = target
    return out


def run_pool(tmp: Path, name: str, jobs: list[Job], workers: int, html: bool) -> list[dict]:
    root = tmp / name
    root.mkdir()
    tasks = [{"job": j, "root": str(root), "final_root": str(root), "html": html, "show_code": False,
              "cell_timeout": DEFAULT_CELL_TIMEOUT} for j in jobs]
    results = []
    env = {VALIDATED_ENV: data_digest(DATA_DIR), "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    execute_tasks(tasks, workers, env, lambda task, result: results.append(result))
    failed = [r for r in results if r["status"] != "ok"]
    if failed:
        raise SystemExit(f"{name}: {len(failed)} executions failed: {failed[:2]}")
    return results


def run_floor(tmp: Path, floors: dict[Path, Path], jobs: list[Job], workers: int):
    floor_jobs = [Job(j.name, floors[j.notebook], j.lang, j.parameters, j.commune) for j in jobs]
    return run_pool(tmp, "floor", floor_jobs, workers, html=False)


def run_naive(tmp: Path, jobs: list[Job]) -> None:
    folder = tmp / "naive"
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "COOPDATA_VALIDATED_DIGEST"}
    for job in jobs:
        out_nb = folder / f"{job.name}.ipynb"
        params = [a for k, v in {**job.parameters, "output_dir": str(folder / job.name)}.items() for a in ("-p", k, v)]
        subprocess.run([str(BIN / "papermill"), str(job.notebook), str(out_nb), *params,
                        "--cwd", str(job.notebook.parent)], check=True, capture_output=True, env=env)
        subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", str(out_nb)], check=True,
                       capture_output=True, env=env)


def profile_jobs(jobs: list[Job], copies: int) -> list[Job]:
    base = [j for j in jobs if j.commune]
    return [Job(f"{j.name}-copy{c}" if c else j.name, j.notebook, j.lang, j.parameters, j.commune)
            for c in range(copies) for j in base]


def import_times(repeat: int = 5) -> dict:
    def median(code: str, env_extra: dict | None = None) -> float:
        env = {**os.environ, **(env_extra or {})}
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, env=env)
            times.append(time.perf_counter() - t0)
        return statistics.median(times)

    return {
        "python -c 'import nbformat'": median("import nbformat"),
        "python -c 'import coopdata, nbformat'": median("import coopdata, nbformat"),
        "same, COOPDATA_KEEP_RFC3987_SYNTAX=1": median("import coopdata, nbformat", KEEP),
        "python -c 'import coopdata, papermill, nbconvert'": median("import coopdata, papermill, nbconvert"),
        "same, COOPDATA_KEEP_RFC3987_SYNTAX=1 ": median("import coopdata, papermill, nbconvert", KEEP),
        "papermill --help (CLI, no coopdata first)": median(
            f"import subprocess; subprocess.run([{str(BIN / 'papermill')!r}, '--help'], capture_output=True)"),
    }


# ----------------------------------------------------------------------------- main
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--jobs", type=int, default=default_jobs(), help="parallelism (default: all cores)")
    ap.add_argument("--lang", default="fr")
    ap.add_argument("--skip", default="", help=f"comma-separated parts to skip among {', '.join(PARTS)}")
    ap.add_argument("--json", type=Path, help="also write the results as JSON")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args(argv)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    tmp = Path(tempfile.mkdtemp(prefix="coopdata-bench-"))
    results: dict = {"machine": machine(), "jobs": args.jobs, "lang": args.lang}
    m = results["machine"]
    print(f"machine: {m['nproc']} cores ({m['cpu']}), {m['ram']} RAM, Python {m['python']}, "
          f"load average at start {m['loadavg_at_start']}")
    jobs = real_jobs(args.lang)
    n_profiles = sum(1 for j in jobs if j.commune)
    print(f"{len(jobs)} executions ({len(jobs) - n_profiles} notebooks + {n_profiles} profiles), "
          f"{args.jobs} in parallel")
    try:
        if "batch" not in skip:
            t, peak, dated = timed(run_batch, tmp, args.jobs, args.lang)
            sizes = {p.relative_to(dated).as_posix(): p.stat().st_size for p in sorted(dated.rglob("*.html"))}
            manifest = json.loads((dated / "manifest.json").read_text())
            results["batch"] = {"seconds": t, "peak_rss": peak, "html_bytes": sizes,
                                "per_notebook": {n["key"]: n["duration_s"] for n in manifest["notebooks"]}}
            total = sum(sizes.values()) / 2**20
            print(f"batch   {t:7.1f} s  peak {mib(peak)}  ({len(sizes)} HTML files, {total:.1f} MiB)")
        if "batch_own_renderers" not in skip:
            t, peak, _ = timed(run_batch, tmp, args.jobs, args.lang, "batch-own", {SHARED_RENDERER_ENV: "0"})
            results["batch_own_renderers"] = {"seconds": t, "peak_rss": peak}
            print(f"batch, one PNG renderer per kernel {t:7.1f} s  peak {mib(peak)}")
        if "floor" not in skip:
            floors = floor_notebooks(tmp)  # not timed: probes the real notebooks once each
            t, peak, _ = timed(run_floor, tmp, floors, jobs, args.jobs)
            results["floor"] = {"seconds": t, "peak_rss": peak}
            print(f"floor   {t:7.1f} s  peak {mib(peak)}")
        if "naive" not in skip:
            t, peak, _ = timed(run_naive, tmp, jobs)
            results["naive"] = {"seconds": t, "peak_rss": peak}
            print(f"naive   {t:7.1f} s  peak {mib(peak)}")
        if "growth" not in skip and n_profiles:
            results["growth"] = {}
            for copies in (1, 2, 4):
                subset = profile_jobs(jobs, copies)
                t, peak, _ = timed(run_pool, tmp, f"growth-{len(subset)}", subset, args.jobs, True)
                results["growth"][len(subset)] = {"seconds": t, "per_profile": t / len(subset), "peak_rss": peak}
                print(f"growth  {len(subset):3d} profiles {t:7.1f} s  {t / len(subset):5.2f} s/profile  "
                      f"peak {mib(peak)}")
        if "imports" not in skip:
            results["imports"] = import_times()
            for k, v in results["imports"].items():
                print(f"import  {v:6.2f} s  {k}")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"kept {tmp}")

    print("\nratios")
    b, f, n = (results.get(k, {}).get("seconds") for k in ("batch", "floor", "naive"))
    if b and f:
        results["batch_over_floor"] = b / f
        print(f"  batch / floor = {b / f:.2f}   (target <= 1.5)")
    own = results.get("batch_own_renderers", {}).get("seconds")
    if b and own:
        results["own_renderers_over_batch"] = own / b
        print(f"  batch with one renderer per kernel / batch = {own / b:.2f}")
    if b and n:
        results["naive_over_batch"] = n / b
        print(f"  naive / batch = {n / b:.2f}   (target >= 3)")
    g = results.get("growth")
    if g:
        base = g[min(g)]["per_profile"]
        rel = ", ".join(f"{k}: {v['per_profile'] / base:.2f}" for k, v in g.items())
        print(f"  time per profile relative to 13: {rel}")
    if "batch" in results:
        print("\nHTML sizes")
        for name, size in results["batch"]["html_bytes"].items():
            print(f"  {size / 2**20:6.2f} MiB  {name}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
