"""Same inputs, same bytes: executed notebooks and maps cleaned of everything that changes between runs.

Saved notebooks carry no timing (papermill's and nbclient's timestamps and durations are removed,
durations go to the manifest), no temporary path (the partial folder's path is replaced by the
final one, ``OUTPUT_DIR/DATE``, also in ``DATE.failed``), and no random identifier: plotly's and
folium's element ids, cell ids of papermill's injected cells and object addresses (``at 0x...``) are
renumbered in order of appearance, in the notebooks and in the maps' HTML files.
"""

from __future__ import annotations

import re
from pathlib import Path

from coopdata.batch.plan import Job

_UUID4 = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\b")
_HEX32 = re.compile(r"(?<=[a-z0-9]_)[0-9a-f]{32}(?![0-9A-Za-z])")  # folium's get_name(): "map_" + uuid4().hex
_STYLER = re.compile(r"(?<![0-9A-Za-z_])T_[0-9a-f]{5}(?![0-9a-f])")  # pandas Styler's table id: "T_" + 5 hex
_PLOTLY_SVG_UID = re.compile(r"\bdefs-([0-9a-f]{6})\b")  # a plotly SVG's uid: defs-<uid>, clip<uid>xyplot…
_ADDRESS = re.compile(r"( at 0x)[0-9a-f]{6,16}>")
_PLOTLY_BANNER = "* plotly.js v"
_TIMING_KEYS = ("start_time", "end_time", "duration")


def renumber_ids(text: str, seen: dict[str, str] | None = None) -> str:
    """Replace random element ids (plotly's uuid4 and SVG uid, folium's 32-hex names, pandas Styler's ``T_xxxxx``) by
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
    for uid in dict.fromkeys(_PLOTLY_SVG_UID.findall(text)):
        new = seen.setdefault(f"svg-{uid}", f"{len(seen) + 1:06x}")
        text = re.sub(rf"(?<=[A-Za-z-]){uid}(?![0-9a-f])", new, text)
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



def normalise_maps(folder: Path) -> None:
    """Renumber the random ids of every standalone map (``folder/*.html``) in place."""
    for page in sorted(folder.glob("*.html")) if folder.is_dir() else []:
        text = page.read_text(encoding="utf-8")
        fixed = renumber_ids(text)
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")
