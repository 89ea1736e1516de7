"""Path constants of the project (one place, as in cookiecutter-data-science)."""

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = PACKAGE_DIR.parent
DATA_DIR = PROJECT_DIR / "data"
NOTEBOOKS_DIR = PROJECT_DIR / "notebooks"
OUTPUTS_DIR = PROJECT_DIR / "outputs"
MAPS_DIR = PROJECT_DIR / "maps"
TEMPLATES_DIR = PACKAGE_DIR / "templates"
LABELS_FILE = PACKAGE_DIR / "labels.csv"

DATA_DIR_ENV = "COOPDATA_DATA_DIR"
DATAPACKAGE = "datapackage.json"


def resolve_data_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """The data folder: the argument, else $COOPDATA_DATA_DIR, else the project's data/."""
    if data_dir is None or str(data_dir) == "":
        data_dir = os.environ.get(DATA_DIR_ENV) or DATA_DIR
    return Path(data_dir).expanduser().resolve()
