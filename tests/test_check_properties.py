"""Property: whatever one edits in a valid data folder, `coopdata check` ends in exit 0, or exit 1 with one clear line.

Hypothesis mutates copies of data/ (empty cells, wrong types, extra rows, odd Unicode, ids that do not
resolve, removed rows, duplicated rows, a cell with a comma or a line break) and runs the command
in-process (click's CliRunner). Never a traceback, never more than one line, never a file changed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coopdata.cli import main
from coopdata.core.paths import DATA_DIR

DESCRIPTOR = json.loads((DATA_DIR / "datapackage.json").read_text(encoding="utf-8"))
TABLES = [r for r in DESCRIPTOR["resources"] if r.get("format") == "csv"]
CLEAR = re.compile(r"^coopdata: error: \S*(\.csv|datapackage\.json)(, line \d+)?(, column '[^']*')?: .+")

odd_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
values = st.one_of(
    st.just(""),
    st.sampled_from(["zz-unknown", "P999", "S999", "commune-x", "2999", "-1", "1e400", "NaN", "True", "oui",
                     "2023-02-30", "10,5", "1 000", " tone-1", "Tône 1", "TONE 1", "\u00a0", "\ufeffid", "yes"]),
    st.integers(min_value=-10**12, max_value=10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    odd_text,
    st.text(alphabet="a,\"\n;", max_size=5),
)


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def _write(path: Path, rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


@st.composite
def mutations(draw):
    """A list of (table path, operation, arguments) to apply to a copy of data/."""
    out = []
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        table = draw(st.sampled_from(TABLES))
        op = draw(st.sampled_from(["set", "set", "set", "remove", "duplicate", "append", "swap_ids"]))
        out.append((table["path"], op, draw(st.integers(min_value=0, max_value=10**6)),
                    draw(st.integers(min_value=0, max_value=10**6)), draw(values)))
    return out


def apply(folder: Path, path: str, op: str, a: int, b: int, value: str) -> None:
    target = folder / path
    rows = _rows(target)
    header, body = rows[0], rows[1:]
    if not body:
        body = [[""] * len(header)]
    i, j = a % len(body), b % len(header)
    if op == "set":
        body[i][j] = value
    elif op == "remove":
        del body[i]
    elif op == "duplicate":
        body.insert(i, list(body[i]))
    elif op == "append":
        row = list(body[i])
        row[j] = value
        body.append(row)
    elif op == "swap_ids":  # a key of this table replaced by one that resolves nowhere
        body[i][0] = value or "zz-unknown"
    _write(target, [header, *body])


def snapshot(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@settings(max_examples=40, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutations())
def test_check_never_shows_a_traceback_and_never_writes(changes):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        shutil.copytree(DATA_DIR, folder)
        for change in changes:
            apply(folder, *change)
        before = snapshot(folder)
        result = CliRunner().invoke(main, ["check", "--data-dir", str(folder)])
        assert snapshot(folder) == before, "check must never write"
        assert result.exception is None or isinstance(result.exception, SystemExit), (changes, result.exception)
        assert "Traceback" not in result.output
        if result.exit_code == 0:
            assert result.output.startswith("coopdata check: ")
            return
        assert result.exit_code == 1, (changes, result.output)
        lines = result.output.strip().splitlines()
        assert len(lines) == 1, (changes, result.output)
        assert CLEAR.match(lines[0]), (changes, lines[0])


def test_the_unmutated_copy_passes():
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        shutil.copytree(DATA_DIR, folder)
        result = CliRunner().invoke(main, ["check", "--data-dir", str(folder)])
        assert result.exit_code == 0, result.output
