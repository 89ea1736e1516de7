"""``manifest.json``: what a run did, with what, and how long it took.

Parameters, the sha256 of every input (data files and notebooks), a short checksum of every row of every
table (keyed by primary key: :func:`row_checksums`, compared by :mod:`coopdata.batch.changes`), the
versions of the packages that make the outputs, the git commit of the project, and per notebook its
parameters, status, error, durations and the sha256 of every file it wrote. The PDFs of the commune sheets
(``outputs.pdf`` of each sheet) and the booklets (``pdf.booklets``) are listed with their path, size in bytes,
page count and sha256; ``pdf.duration_s`` is the time the printing took, ``pdf.error`` why it failed.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import shutil
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from coopdata.batch.plan import Job
from coopdata.core.paths import PROJECT_DIR
from coopdata.data.description import read_descriptor, tabular_resources
from coopdata.data.loaders import load_table

MANIFEST_NAME = "manifest.json"
PACKAGES = (
    "coopdata", "pandas", "geopandas", "shapely", "pyproj", "pyogrio", "folium", "branca", "plotly", "kaleido",
    "matplotlib", "numpy", "papermill", "nbconvert", "nbformat", "nbclient", "ipykernel", "jupyter_client",
    "jupyterlab", "frictionless", "click", "tqdm", "XStatic-Leaflet", "XStatic-jQuery", "playwright", "pypdf",
    "pillow",
)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def tree_checksums(root: Path) -> dict[str, str]:
    """{relative path: sha256} of every file under ``root``, hidden files and __pycache__ left out."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if p.is_file() and not any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
            out[rel.as_posix()] = sha256_file(p)
    return out


def package_versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0]}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def git_info(root: Path = PROJECT_DIR) -> dict | None:
    """The commit of ``root`` and whether tracked files changed since; None outside git."""
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


#: Hex digits kept of each row's sha256: 48 bits, plenty to tell a changed row among a few thousand.
ROW_DIGEST_CHARS = 12
#: Joins the values of a composite primary key into one row id (« tone-1/eau_assainissement »).
KEY_SEP = "/"


def _row_digest(row: dict) -> str:
    """The checksum of one row: its values by column name (column order does not matter), as read."""
    text = json.dumps(sorted(row.items()), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:ROW_DIGEST_CHARS]


def table_checksums(path: Path, key: list[str]) -> dict[str, str]:
    """{row id: checksum} of a CSV file; the id is the primary key's values, or the row's own checksum
    when the table has no key (a repeated row gets ``#2``, ``#3``…)."""
    out: dict[str, str] = {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            row = {k: (v or "") for k, v in row.items() if k is not None}
            digest = _row_digest(row)
            rid = KEY_SEP.join(row.get(k, "") for k in key) if key else digest
            base, n = rid, 1
            while rid in out:
                n += 1
                rid = f"{base}#{n}"
            out[rid] = digest
    return out


def row_checksums(data_dir: Path) -> dict[str, dict]:
    """Per table of the data folder: its primary key and ``{row id: checksum}`` (for ``manifest.json``)."""
    out = {}
    for res in tabular_resources(read_descriptor(data_dir)):
        key = res.get("schema", {}).get("primaryKey") or []
        key = [key] if isinstance(key, str) else list(key)
        path = Path(data_dir) / res["path"]
        if path.is_file():
            out[res["name"]] = {"key": key, "path": res["path"], "rows": table_checksums(path, key)}
    return out


def commune_counts(data_dir: Path) -> dict[str, int]:
    """How many communes the data describe: the ProDeGoL group (the study's) and the others."""
    group = load_table("communes", data_dir, validate=False)["prodegol"].fillna(False).astype(bool)
    return {"prodegol": int(group.sum()), "other": int((~group).sum())}


def run_inputs(data_dir: Path, digest: str, notebooks_dir: Path, jobs: list[Job]) -> dict:
    """The inputs of a run: the data folder (digest, every file's sha256, every table row's checksum) and the
    notebooks run."""
    return {
        "data_dir": str(data_dir), "data_digest": digest, "data": tree_checksums(data_dir),
        "rows": row_checksums(data_dir), "communes": commune_counts(data_dir),
        "notebooks_dir": str(notebooks_dir),
        "notebooks": {p.name: sha256_file(p) for p in sorted({j.notebook for j in jobs})},
    }


def _with_sha(root: Path, record: dict) -> dict:
    path = root / record["path"]
    return {**record, "sha256": sha256_file(path) if path.is_file() else None}


def build_manifest(root: Path, jobs: list[Job], results: dict[str, dict], *, parameters: dict, inputs: dict,
                   started_at: str, duration_s: float, pdf: dict | None = None) -> dict:
    """The manifest of a run written into ``root``; ``results`` maps job keys to the workers' results, ``pdf`` is
    the printing step's record (:func:`coopdata.batch.run.print_pdfs`: ``sheets`` by job key, ``booklets``,
    ``error``, ``duration_s``)."""
    pdf = pdf or {}
    sheets = {key: _with_sha(root, rec) for key, rec in (pdf.get("sheets") or {}).items()}
    failed = any(results.get(j.key, {}).get("status") != "ok" for j in jobs) or bool(pdf.get("error"))
    return {
        "coopdata_run": 1,
        "status": "failed" if failed else "ok",
        "parameters": parameters,
        "started_at": started_at,
        "duration_s": round(duration_s, 3),
        "inputs": inputs,
        "packages": package_versions(),
        "git": git_info(),
        "notebooks": [manifest_entry(root, j, results.get(j.key), sheets.get(j.key)) for j in jobs],
        "pdf": {"booklets": [_with_sha(root, b) for b in pdf.get("booklets") or []],
                "duration_s": round(float(pdf.get("duration_s") or 0.0), 3), "error": pdf.get("error")},
    }


def write_manifest(root: Path, manifest: dict) -> Path:
    path = root / MANIFEST_NAME
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    return path


def previous_durations(output_dir: Path) -> dict[str, float]:
    """Durations from the latest good run, to start the longest notebooks first."""
    manifests = sorted(output_dir.glob(f"[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]/{MANIFEST_NAME}"))
    for path in reversed(manifests):
        with contextlib.suppress(Exception):
            data = json.loads(path.read_text(encoding="utf-8"))
            return {n["key"]: float(n["duration_s"]) for n in data["notebooks"]}
    return {}


def manifest_entry(root: Path, job: Job, result: dict | None, pdf: dict | None = None) -> dict:
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
            "files": {rel: sha256_file(root / rel) for rel in job_files(root, job)},
            "pdf": pdf,
        },
    }
    if job.commune:
        entry["commune"] = job.commune
    return entry


def job_files(root: Path, job: Job) -> list[str]:
    base = root / job.files_rel
    return sorted(p.relative_to(root).as_posix() for p in base.rglob("*") if p.is_file()) if base.is_dir() else []
