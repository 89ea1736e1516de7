"""Planning a batch run: which notebooks run, in which languages, with which parameters.

Every numbered notebook of ``notebooks/`` (``01_map.ipynb`` ...) runs once per language; a notebook
whose ``parameters`` cell defines ``commune`` (the commune profile) runs once per commune and
language, the commune's name passed as ``commune`` (every row of communes.csv: a commune added to the data gets
its profile; « Agoè-Nyivé 2 » → job ``10_commune_profile-agoe-nyive-2``). ``--only`` keeps some of the jobs.
"""

from __future__ import annotations

import ast
import datetime as dt
import fnmatch
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import papermill

from coopdata.core.i18n import LANGS
from coopdata.core.paths import MAPS_DIR, NOTEBOOKS_DIR, OUTPUTS_DIR
from coopdata.core.text import slug
from coopdata.data.loaders import load_table

PROFILE_PARAMETER = "commune"
NOTEBOOK_NAME = re.compile(r"^\d+[_-][^/]*\.ipynb$")
DEFAULT_CELL_TIMEOUT = 900


class RunError(Exception):
    """A problem that stops the run before anything is executed; the message is one line."""


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
    """« Tône 1 » → "tone-1": :func:`coopdata.core.text.slug`, the name the profile notebook gives its
    files, so that a job's folder and the files in it agree; a RunError where no name can be made."""
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
                seen: dict[str, str] = {}
                for commune in communes:
                    name = f"{nb.stem}-{slugify(commune)}"
                    if name in seen:
                        raise RunError(f"communes {seen[name]!r} and {commune!r} give the same file name "
                                       f"({name}): rename one in communes.csv")
                    seen[name] = commune
                    jobs.append(Job(name, nb, lang, {PROFILE_PARAMETER: commune, **params}, commune=commune))
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
