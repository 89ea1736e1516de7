"""Labels in French (default) and English: one lookup, ``tr(key, lang)``, for every text the project shows.

Two sources, each defined once:

* the **controlled vocabularies** of the data (cooperation models, sectors, countries, record types…) are
  categories with a French and an English label in ``data/datapackage.json`` (``coopdata:vocabularies``):
  ``tr("model.jumelage", "en")`` → "Twinning";
* **every other label** (titles, column headings, captions, notes) is a row of ``coopdata/labels.csv``
  (``key,fr,en``).

Data values (names, printed text) are never translated: they are quoted as their source prints them.
"""

from __future__ import annotations

import csv
import json
import os
from functools import cache
from pathlib import Path

from coopdata.core.paths import DATAPACKAGE, LABELS_FILE, resolve_data_dir

LANGS = ("fr", "en")
VOCABULARIES = "coopdata:vocabularies"


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    return lang


@cache
def labels() -> dict[str, dict[str, str]]:
    """The rows of ``labels.csv``: ``{key: {"fr": ..., "en": ...}}`` (a duplicate key is an error)."""
    out: dict[str, dict[str, str]] = {}
    with open(LABELS_FILE, encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            key = row["key"]
            if key in out:
                raise ValueError(f"{LABELS_FILE.name}, line {line}: key {key!r} defined twice")
            missing = [lang for lang in LANGS if not row.get(lang)]
            if missing:
                raise ValueError(f"{LABELS_FILE.name}, line {line}: key {key!r} has no text for {missing}")
            out[key] = {lang: row[lang] for lang in LANGS}
    return out


@cache
def _vocabularies(datapackage: Path) -> dict[str, dict[str, dict[str, str]]]:
    try:
        descriptor = json.loads(datapackage.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # the data layer reports a broken description with file and rule; labels just go without
    return {name: {c["value"]: c["labels"] for c in vocab.get("categories", [])}
            for name, vocab in descriptor.get(VOCABULARIES, {}).items()}


_data_dir: Path | None = None


def use_data_dir(data_dir: str | os.PathLike | None) -> None:
    """Take the vocabularies from this data folder (a notebook's ``data_dir``) from now on."""
    global _data_dir
    _data_dir = resolve_data_dir(data_dir)


def vocabularies() -> dict[str, dict[str, dict[str, str]]]:
    """``{vocabulary: {value: {"fr": label, "en": label}}}`` of the data folder in use."""
    return _vocabularies((_data_dir or resolve_data_dir(None)) / DATAPACKAGE)


def _texts(key: str) -> dict[str, str] | None:
    found = labels().get(key)
    if found is None:
        vocab, _, value = key.partition(".")
        found = vocabularies().get(vocab, {}).get(value)
    return found


def has_label(key: str) -> bool:
    return _texts(key) is not None


def tr(key: str, lang: str = "fr", **fmt) -> str:
    """The label of ``key`` in ``lang``, formatted with ``fmt`` (``str.format``)."""
    check_lang(lang)
    texts = _texts(key)
    if texts is None:
        raise KeyError(f"no label {key!r} (add it to coopdata/labels.csv, or to a vocabulary of datapackage.json)")
    text = texts[lang]
    return text.format(**fmt) if fmt else text


def label_or_code(key: str, code: str, lang: str = "fr") -> str:
    """The label of ``key`` when there is one, else ``code`` itself (a value outside every vocabulary)."""
    return tr(key, lang) if has_label(key) else code
