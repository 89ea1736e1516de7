"""Shared fixtures: synthetic notebooks written in a temporary folder, the coopdata command, and copies of data/
edited as a user would (a 14th commune)."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from coopdata.batch.plan import NOTEBOOK_NAME
from coopdata.core.paths import DATA_DIR, NOTEBOOKS_DIR
from coopdata.data.sectors import write_derived

try:  # optional: the browser tests skip (or fail under CI) without it
    from playwright.sync_api import sync_playwright
except ImportError:
    sync_playwright = None

PARAMETERS = 'lang = "fr"\nas_of = ""\ndata_dir = ""\noutput_dir = ""'
SETUP = "from coopdata.notebook import setup\nP = setup(lang, as_of, data_dir, output_dir)"


def write_notebook(path: Path, title: str, cells: list[str], parameters: str = PARAMETERS) -> Path:
    """A notebook following the project's conventions: heading, parameters cell, setup, then ``cells``."""
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [new_markdown_cell(f"# {title}"), new_code_cell(parameters, metadata={"tags": ["parameters"]}),
                new_code_cell(SETUP)]
    nb.cells += [new_markdown_cell(c[3:]) if c.startswith("md:") else new_code_cell(c) for c in cells]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture
def make_notebook(tmp_path):
    """``make_notebook("01_x", "Title", [code, "md:text", ...])`` → path in ``tmp_path/notebooks``."""

    def make(name: str, title: str, cells: list[str], parameters: str = PARAMETERS) -> Path:
        return write_notebook(tmp_path / "notebooks" / f"{name}.ipynb", title, cells, parameters)

    return make


def coopdata_command(*args, env_extra: dict | None = None, cwd=None, timeout=600, **kw):
    """Run ``python -m coopdata.cli ARGS`` (the installed command) and return the CompletedProcess."""
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "coopdata.cli", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=timeout, **kw)


# ----------------------------------------------------------------------------- headless Chromium
CHROMIUM = os.environ.get("COOPDATA_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI is set, so the browser tests must run (install Debian's chromium package)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium (Debian's) for the whole session: Playwright's sync API allows one loop."""
    if sync_playwright is None:
        _unavailable("the playwright Python package is not installed")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


# ----------------------------------------------------------------------------- one real batch run
@pytest.fixture(scope="session")
def batch(tmp_path_factory):
    """The real batch (French and English, as the Quick start runs it), once for the session.

    Returns (dated folder, maps folder).

    Its notebooks are signed into ``tmp/jupyter`` (``batch_jupyter_dir``), a Jupyter data folder of its own.
    """
    if not NOTEBOOKS_DIR.is_dir() or not any(NOTEBOOK_NAME.match(p.name) for p in NOTEBOOKS_DIR.iterdir()):
        pytest.skip("no numbered notebook in notebooks/ yet")
    tmp = tmp_path_factory.mktemp("batch")
    res = coopdata_command("run", "--lang", "all", "--jobs", "2", "--output-dir", tmp / "out",
                           "--maps-dir", tmp / "maps", env_extra={"JUPYTER_DATA_DIR": str(tmp / "jupyter")},
                           timeout=3600)
    assert res.returncode == 0, f"the batch failed:\n{res.stdout}\n{res.stderr}"
    (out,) = [p for p in (tmp / "out").iterdir() if re.fullmatch(r"\d{4}-\d{2}-\d{2}", p.name)]
    return out, tmp / "maps"


@pytest.fixture(scope="session")
def batch_jupyter_dir(batch):
    """The Jupyter data folder holding the signatures of the batch's notebooks."""
    out, _ = batch
    return out.parent.parent / "jupyter"


# ----------------------------------------------------------------------------- editing a copy of data/
def read_rows(path: Path) -> tuple[list[str], list[dict]]:
    """The header and rows of a CSV file of data/ (as text)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def write_rows(path: Path, fields: list[str], rows: list[dict]) -> None:
    """Write rows back as data/ keeps them: UTF-8, LF, minimal quoting; missing cells empty."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows([{f: row.get(f, "") for f in fields} for row in rows])


def add_row(path: Path, row: dict) -> None:
    fields, rows = read_rows(path)
    write_rows(path, fields, [*rows, row])


#: A 14th commune, outside the ProDeGoL group: Agoè-Nyivé 2 co-signed the Mamoudzou twinning of 2022 (S012).
#: Its point is given on the row (no urban centre in places); the study's fields (population, area, mayor…)
#: stay empty.
AGOE = {"commune_id": "agoe-nyive-2", "commune": "Agoè-Nyivé 2", "prodegol": "False", "region_id": "maritime",
        "prefecture": "Agouè-Nyivé", "lat": "6.24", "lon": "1.2", "source_id": "S012",
        "source": "article ?p=17549 (signatory of the twinning with Mamoudzou); point: approximate, for the tests"}


def copy_data(target: Path) -> Path:
    shutil.copytree(DATA_DIR, target)
    return target


@pytest.fixture(scope="session")
def data_14(tmp_path_factory):
    """A copy of data/ with a 14th commune (:data:`AGOE`) and the sector matrices derived again."""
    target = copy_data(tmp_path_factory.mktemp("data14") / "data")
    add_row(target / "communes.csv", AGOE)
    write_derived(target)
    return target
