"""One vocabulary: controlled values defined once in datapackage.json, every other label once in labels.csv.

A key is *used* when the package or a notebook names it as a string, whole, or as a prefix completed at
run time (``tr(f"col.{column}")``) by a value that exists somewhere: a string of the code, a column of a
table, or a value of a vocabulary. Every key named whole in a ``tr("...")`` call must exist.
"""

from __future__ import annotations

import ast
import csv
import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

from coopdata.core import i18n
from coopdata.core.paths import DATA_DIR, LABELS_FILE, NOTEBOOKS_DIR, PACKAGE_DIR
from coopdata.data.description import VOCABULARIES, VOCABULARY, read_descriptor


def _sources() -> dict[str, str]:
    out = {str(p): p.read_text(encoding="utf-8") for p in PACKAGE_DIR.rglob("*.py")}
    for nb in sorted(NOTEBOOKS_DIR.glob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        code = [("".join(c["source"]).replace("%", "#")) for c in cells if c["cell_type"] == "code"]
        out[str(nb)] = "\n".join(line for line in "\n".join(code).splitlines() if not line.startswith("!"))
    return out


class _Strings(ast.NodeVisitor):
    """Whole strings, prefixes of f-strings and of ``"x." + y``, and the keys of ``tr("...")`` calls."""

    def __init__(self) -> None:
        self.whole: set[str] = set()
        self.prefixes: set[str] = set()
        self.tr_keys: set[str] = set()

    def visit_Constant(self, node):
        if isinstance(node.value, str):
            self.whole.add(node.value)

    def visit_JoinedStr(self, node):
        if node.values and isinstance(node.values[0], ast.Constant) and len(node.values) > 1:
            self.prefixes.add(node.values[0].value)
        self.generic_visit(node)

    def visit_BinOp(self, node):
        if isinstance(node.op, ast.Add) and isinstance(node.left, ast.Constant) and isinstance(node.left.value, str):
            self.prefixes.add(node.left.value)
        self.generic_visit(node)

    def visit_Call(self, node):
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name == "tr" and node.args and isinstance(node.args[0], ast.Constant):
            self.tr_keys.add(node.args[0].value)
        self.generic_visit(node)


@pytest.fixture(scope="module")
def strings() -> _Strings:
    visitor = _Strings()
    for path, source in _sources().items():
        try:
            visitor.visit(ast.parse(source))
        except SyntaxError as exc:  # pragma: no cover - a notebook with magics would land here
            pytest.fail(f"{path}: cannot parse ({exc})")
    return visitor


@pytest.fixture(scope="module")
def descriptor() -> dict:
    return read_descriptor(DATA_DIR)


def _data_words(descriptor: dict) -> set[str]:
    """Column names, allowed values and the identifiers of the tables (event ids, grouped without a _N suffix)."""
    words = set()
    for res in descriptor["resources"]:
        fields = res.get("schema", {}).get("fields", [])
        for field in fields:
            words.add(field["name"])
            words.update(field.get("constraints", {}).get("enum", []))
        key = res.get("schema", {}).get("primaryKey")
        if isinstance(key, list) and len(key) == 1:
            key = key[0]
        if res.get("format") == "csv" and isinstance(key, str):
            with open(Path(DATA_DIR) / res["path"], encoding="utf-8-sig", newline="") as fh:
                ids = [row[key] for row in csv.DictReader(fh)]
            words.update(ids)
            words.update(re.sub(r"_\d+$", "", i) for i in ids)
    for vocab in descriptor.get(VOCABULARIES, {}).values():
        words.update(c["value"] for c in vocab["categories"])
    return words


def test_labels_file_has_unique_keys_and_both_languages():
    with open(LABELS_FILE, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    keys = [r["key"] for r in rows]
    assert len(keys) == len(set(keys))
    assert all(r["fr"].strip() and r["en"].strip() for r in rows)
    assert keys == sorted(keys), "keep labels.csv sorted by key: easier to find and to merge"


def test_no_two_labels_say_the_same_thing():
    by_text = defaultdict(list)
    for key, texts in i18n.labels().items():
        by_text[(texts["fr"], texts["en"])].append(key)
    assert {t: k for t, k in by_text.items() if len(k) > 1} == {}


def test_every_label_is_used(strings, descriptor):
    words = strings.whole | _data_words(descriptor)
    unused = []
    for key in i18n.labels():
        if key in strings.whole:
            continue
        if any(key.startswith(p) and key[len(p):] in words for p in strings.prefixes if p):
            continue
        unused.append(key)
    assert unused == []


def test_every_named_label_exists(strings):
    missing = sorted(k for k in strings.tr_keys if not i18n.has_label(k))
    assert missing == []


def test_vocabularies_are_defined_once_and_labelled_in_both_languages(descriptor):
    vocabularies = descriptor[VOCABULARIES]
    for name, vocab in vocabularies.items():
        values = [c["value"] for c in vocab["categories"]]
        assert len(values) == len(set(values)), name
        assert all(c["labels"]["fr"].strip() and c["labels"]["en"].strip() for c in vocab["categories"]), name
    raw = json.loads((Path(DATA_DIR) / "datapackage.json").read_text(encoding="utf-8"))
    for res in raw["resources"]:
        for field in res.get("schema", {}).get("fields", []):
            enum = field.get("constraints", {}).get("enum")
            if enum is None:
                continue
            # a literal list of allowed values must not repeat a vocabulary: it names the vocabulary instead
            for name, vocab in vocabularies.items():
                full = [c["value"] for c in vocab["categories"]]
                assert VOCABULARY in field or set(enum) != set(full), (res["name"], field["name"], name)


def test_vocabulary_labels_reach_tr():
    assert i18n.tr("model.jumelage", "en") == "Twinning"
    assert i18n.tr("sector.eau_assainissement", "fr") == "Eau et assainissement"
    assert i18n.tr("country.DE", "fr") == "Allemagne"
    with pytest.raises(KeyError, match="no label 'model.nothing'"):
        i18n.tr("model.nothing", "fr")


def test_an_unknown_label_and_an_unused_label_are_found(strings, descriptor):
    """The checks above can fail: a made-up key is neither used nor defined."""
    assert not i18n.has_label("nothing.at_all")
    assert "nothing.at_all" not in strings.whole
    assert not any("nothing.at_all".startswith(p) for p in strings.prefixes if p)
