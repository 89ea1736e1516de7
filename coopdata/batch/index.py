"""The run's index pages, one per language, written for the programme officers who open the dated folder.

Each language has its page beside its reports, ``<lang>/index.html`` (:func:`index_rel`), so a report at
``<lang>/<job>.html`` links back with ``index.html`` in every language. The dated folder opens on ``index.html``:
the same French page (the first language's without French) with its links from the top of the folder.

Each page speaks its language throughout: for every report its title, the question it answers (labels
``run.about.NN``), its key points (read from the executed notebook: outputs whose metadata holds
``coopdata.key_points``, see :mod:`coopdata.views.report_blocks`), a small preview of its main figure
(``thumbnails/<lang>/<job>.png``, at most :data:`THUMB_BUDGET` bytes of previews per page) and the size of the
page; then the commune sheets as a compact list (page and PDF of each, and the booklet of all of them); then what
changed in the data since the previous dated run (:mod:`coopdata.batch.changes`). A report that failed is listed
with a plain note. Links are relative (the dated folder works from a USB key) and the pages load nothing from the
network (CSS inline); they read on a 390 px phone screen without sideways scrolling.
"""

from __future__ import annotations

import datetime as dt
import json
import posixpath
import re
import struct
from pathlib import Path
from urllib.parse import quote

from coopdata.batch.changes import DataChanges, TableChange
from coopdata.batch.execute import describe_error
from coopdata.batch.plan import Job
from coopdata.core.i18n import tr
from coopdata.core.text import esc
from coopdata.views.style import colon, fmt_date, fmt_int, fmt_num

INDEX_NAME = "index.html"
THUMBS_DIR = "thumbnails"
#: Row ids listed per cell of the changes table; beyond, « … (+N) ».
MAX_IDS = 30
#: Previews: CSS pixels shown (the file has twice as many, for sharp phone screens), and bytes per page at most.
THUMB_WIDTH, THUMB_MAX_HEIGHT = 160, 110
THUMB_BUDGET = 200_000
#: The question each report answers, by notebook number (a notebook without one shows its title only).
ABOUT = {"01": "run.about.01", "02": "run.about.02", "03": "run.about.03", "04": "run.about.04",
         "05": "run.about.05", "10": "run.about.10"}

_INDEX_CSS = """
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; margin: 0; color: #222; line-height: 1.45;
       background: #fff; font-size: 16px; }
main { max-width: 52rem; margin: 0 auto; padding: 1rem 1rem 2rem; overflow-wrap: break-word; }
a { color: #1f5f99; } a:visited { color: #5b3f8a; }
h1 { color: #1f5f99; font-size: 1.45rem; line-height: 1.25; margin: .6rem 0 .6rem; }
h2 { font-size: 1.2rem; border-bottom: 2px solid #1f5f99; margin: 2rem 0 .8rem; padding-bottom: .15rem; }
h3 { font-size: 1.05rem; margin: 0 0 .3rem; }
.langs { text-align: right; margin: 0; font-size: .95rem; }
.intro { font-size: 1rem; }
.report { border: 1px solid #c8ced6; border-radius: 6px; padding: .8rem; margin: 0 0 1rem; overflow: hidden; }
.report.failed-job { border-color: #a00; background: #fff6f6; }
.thumb { float: right; margin: 0 0 .5rem .8rem; border: 1px solid #ddd; max-width: 35%; height: auto; }
.about { margin: .2rem 0 .5rem; color: #333; }
.kp { margin: .3rem 0 .5rem; padding-left: 1.2rem; }
.kp li { margin: .15rem 0; }
.meta { margin: .4rem 0 0; clear: both; font-size: .95rem; }
.failed { color: #a00; font-weight: bold; }
.muted { color: #555; font-size: .88rem; }
.communes { list-style: none; padding: 0; margin: .5rem 0; display: grid;
            grid-template-columns: repeat(auto-fill, minmax(15rem, 1fr)); gap: .15rem 1rem; }
.communes li { padding: .3rem 0; border-bottom: 1px solid #eee; }
.booklet { font-weight: bold; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; font-size: .9rem; }
td, th { border-bottom: 1px solid #c8ced6; padding: .3em .35em; text-align: left; vertical-align: top;
         overflow-wrap: anywhere; }
th { background: #eef2f7; }
footer { margin-top: 2rem; }
@media (max-width: 30rem) { main { padding: .6rem .7rem 1.5rem; } h1 { font-size: 1.3rem; }
  .thumb { max-width: 30%; } table { font-size: .8rem; } }
"""


def index_rel(lang: str) -> str:
    """The index page of ``lang`` in the dated folder, beside its reports: ``fr/index.html``, ``en/index.html``."""
    return f"{lang}/{INDEX_NAME}"


_LINK = re.compile(r'\b(href|src)="([^"#:?]+)"')


def rebase_links(page: str, folder: str) -> str:
    """The page's relative links (written from the top of the dated folder) as seen from ``folder``."""
    if not folder:
        return page
    return _LINK.sub(lambda m: f'{m.group(1)}="{posixpath.relpath(m.group(2), folder)}"', page)


def _href(rel: str) -> str:
    return esc(quote(rel))


def fmt_size(size: int, lang: str) -> str:
    """1 234 567 bytes → « 1,2 Mo » / "1.2 MB"; under a megabyte « 850 ko » / "850 kB"."""
    if size >= 1_000_000:
        return tr("run.size_mb", lang, n=fmt_num(size / 1_000_000, lang, 1))
    return tr("run.size_kb", lang, n=fmt_int(max(1, round(size / 1000)), lang))


def _bold(text: str) -> str:
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", esc(text))


# ----------------------------------------------------------------------------- what the executed notebook says
def _plain(text: str) -> str:
    return re.sub(r"[*_`]+", "", text).strip()


def read_notebook_facts(path: Path, lang: str) -> dict:
    """The report's title in ``lang`` (first ``# `` heading of a markdown cell of that language, or untagged)
    and its key points (outputs whose metadata holds ``coopdata.key_points``); empty when unreadable."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    title, points = None, []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown" and title is None:
            tags = cell.get("metadata", {}).get("tags", [])
            if any(t.startswith("lang-") and t != f"lang-{lang}" for t in tags):
                continue
            source = cell.get("source", "")
            for line in ("".join(source) if isinstance(source, list) else source).splitlines():
                m = re.match(r"^\s*#\s+(.+?)\s*#*\s*$", line)
                if m:
                    title = _plain(m.group(1))
                    break
        elif cell.get("cell_type") == "code":
            for out in cell.get("outputs", []):
                found = (out.get("metadata") or {}).get("coopdata", {})
                found = found.get("key_points") if isinstance(found, dict) else None
                if isinstance(found, list):
                    points += [str(p) for p in found if str(p).strip()]
    return {"title": title, "key_points": points}


# ----------------------------------------------------------------------------- previews
def thumbnail_rel(job: Job) -> str:
    return f"{THUMBS_DIR}/{job.lang}/{job.name}.png"


def preview_figure(root: Path, job: Job) -> Path | None:
    """The figure a report's preview is made of: its largest PNG (the richest: the timeline rather than a bar
    chart of counts), the first by name among equals."""
    folder = root / job.files_rel / "figures"
    pngs = sorted(folder.glob("*.png"), key=lambda p: (-p.stat().st_size, p.name)) if folder.is_dir() else []
    return pngs[0] if pngs else None


def _png_size(path: Path) -> tuple[int, int] | None:
    with path.open("rb") as fh:
        head = fh.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def _preview_jobs(jobs: list[Job], lang: str) -> list[Job]:
    """The jobs whose preview a page shows: each report, and the first commune sheet (for the sheets)."""
    mine = [j for j in jobs if j.lang == lang]
    sheets = [j for j in mine if j.commune]
    return [j for j in mine if not j.commune] + sheets[:1]


def make_thumbnails(root: Path, jobs: list[Job], lang: str, budget: int = THUMB_BUDGET) -> int:
    """Write the previews of ``lang``'s page (:func:`preview_figure` of each report), small enough that they add
    up to at most ``budget`` bytes; returns their total size. Same figures, same bytes."""
    # start-up: Pillow costs ~0.02 s to import (python -X importtime); only writing the index needs it
    from PIL import Image

    sources = [(j, f) for j in _preview_jobs(jobs, lang) if (f := preview_figure(root, j)) is not None]
    if not sources:
        return 0
    for scale, colours in ((2, 64), (2, 32), (1.5, 32), (1, 16)):  # smaller until the page fits its budget
        total = 0
        for job, figure in sources:
            with Image.open(figure) as img:
                img = img.convert("RGB")
                ratio = min(THUMB_WIDTH * scale / img.width, THUMB_MAX_HEIGHT * scale / img.height, 1.0)
                size = (max(1, round(img.width * ratio)), max(1, round(img.height * ratio)))
                small = img.resize(size, Image.Resampling.LANCZOS).quantize(colors=colours, dither=Image.Dither.NONE)
            out = root / thumbnail_rel(job)
            out.parent.mkdir(parents=True, exist_ok=True)
            small.save(out, format="PNG", optimize=True)
            total += out.stat().st_size
        if total <= budget:
            break
    return total


def _thumb_html(root: Path, job: Job, alt: str) -> str:
    path = root / thumbnail_rel(job)
    size = _png_size(path) if path.is_file() else None
    if not size:
        return ""
    # shown at THUMB_WIDTH CSS pixels at most (the file is up to twice as large, for sharp screens)
    ratio = min(THUMB_WIDTH / size[0], THUMB_MAX_HEIGHT / size[1], 1.0)
    width, height = max(1, round(size[0] * ratio)), max(1, round(size[1] * ratio))
    return (f'<img class="thumb" src="{_href(thumbnail_rel(job))}" alt="{esc(alt)}" width="{width}" '
            f'height="{height}" loading="lazy">')


# ----------------------------------------------------------------------------- what changed
def _ids(ids: list[str], keyed: bool, lang: str) -> str:
    if not ids:
        return "—"
    if not keyed:
        return esc(tr("run.changes.unkeyed", lang, n=len(ids)))
    shown = ", ".join(esc(i) for i in ids[:MAX_IDS])
    more = f" … (+{len(ids) - MAX_IDS})" if len(ids) > MAX_IDS else ""
    return f"<b>{len(ids)}</b>{esc(colon(lang))}{shown}{more}"


def _change_row(change: TableChange, lang: str) -> str:
    name = esc(change.table)
    if change.status != "changed":
        name += f' <span class="muted">({esc(tr("run.changes.table_" + change.status, lang))})</span>'
    cells = (_ids(ids, change.keyed, lang) for ids in (change.added, change.changed, change.removed))
    return f"<tr><td>{name}</td>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def changes_html(changes: DataChanges | None, lang: str) -> str:
    """The index's section on what changed in the data since the previous dated run (escaped)."""
    def t(key, **kw):
        return esc(tr(key, lang, **kw))

    out = [f'<h2 id="changes">{t("run.changes.heading")}</h2>']
    if changes is None or changes.since is None:
        return "\n".join([*out, f"<p>{t('run.changes.first')}</p>"])
    if not changes.comparable:
        return "\n".join([*out, f"<p>{t('run.changes.not_recorded', date=changes.since)}</p>"])
    if not changes.tables and not changes.files:
        return "\n".join([*out, f"<p>{t('run.changes.none', date=changes.since)}</p>"])
    out.append(f"<p>{t('run.changes.since', date=changes.since)}</p>")
    if changes.tables:
        out.append(f"<table>\n<tr><th>{t('overview.table')}</th><th>{t('run.changes.added')}</th>"
                   f"<th>{t('run.changes.changed')}</th><th>{t('run.changes.removed')}</th></tr>")
        out += [_change_row(c, lang) for c in changes.tables]
        out.append("</table>")
    if changes.files:
        out.append(f"<p>{t('run.changes.files', files=', '.join(changes.files))}</p>")
    return "\n".join(out)


# ----------------------------------------------------------------------------- the page
def _pdf_records(manifest: dict) -> tuple[dict[str, dict], dict[str, dict]]:
    """{job key: PDF record} and {lang: booklet record} from the manifest (empty when it has none)."""
    sheets = {n["key"]: n["outputs"]["pdf"] for n in manifest.get("notebooks", [])
              if (n.get("outputs") or {}).get("pdf")}
    booklets = {b["lang"]: b for b in (manifest.get("pdf") or {}).get("booklets", [])}
    return sheets, booklets


def _failure_note(res: dict, lang: str) -> str:
    detail = describe_error(res.get("error") or {})
    note = f'<p class="failed">{esc(tr("run.failed_job", lang))}</p>'
    if detail:
        note += f'<p class="muted">{esc(tr("run.failed_detail", lang, error=detail))}</p>'
    return note


def _report_card(root: Path, job: Job, res: dict, lang: str) -> str:
    facts = read_notebook_facts(root / job.ipynb_rel, lang) if (root / job.ipynb_rel).is_file() else {}
    title = facts.get("title") or res.get("title") or job.stem
    html_path = root / job.html_rel
    failed = res.get("status") != "ok"
    heading = f'<a href="{_href(job.html_rel)}">{esc(title)}</a>' if html_path.is_file() else esc(title)
    out = [f'<article class="report{" failed-job" if failed else ""}" id="{esc(job.name)}">',
           _thumb_html(root, job, tr("run.thumb_alt", lang, title=title)) if not failed else "",
           f"<h3>{heading}</h3>"]
    about = ABOUT.get(job.stem.split("_", 1)[0])
    if about:
        out.append(f'<p class="about">{esc(tr(about, lang))}</p>')
    if failed:
        out.append(_failure_note(res, lang))
    elif facts.get("key_points"):
        out.append('<ul class="kp">' + "".join(f"<li>{_bold(p)}</li>" for p in facts["key_points"]) + "</ul>")
    if html_path.is_file():
        size = fmt_size(html_path.stat().st_size, lang)
        out.append(f'<p class="meta"><a href="{_href(job.html_rel)}">{esc(tr("run.read", lang, size=size))}</a></p>')
    out.append("</article>")
    return "\n".join(x for x in out if x)


def _sheets_section(root: Path, sheets: list[Job], results: dict, manifest: dict, lang: str) -> str:
    pdfs, booklets = _pdf_records(manifest)
    out = [f'<h2 id="sheets">{esc(tr("run.profiles", lang))}</h2>', '<article class="report">']
    out.append(_thumb_html(root, sheets[0], tr("run.thumb_alt", lang, title=sheets[0].commune)))
    about = ABOUT.get(sheets[0].stem.split("_", 1)[0])
    if about:
        out.append(f'<p class="about">{esc(tr(about, lang))}</p>')
    error = (manifest.get("pdf") or {}).get("error")
    if error:
        out.append(f'<p class="failed">{esc(tr("run.pdf_failed", lang))}</p>'
                   f'<p class="muted">{esc(tr("run.failed_detail", lang, error=error))}</p>')
    booklet = booklets.get(lang)
    if booklet and (root / booklet["path"]).is_file():
        text = tr("run.booklet", lang, n=len(booklet.get("communes", [])), pages=booklet["pages"],
                  size=fmt_size(booklet["bytes"], lang))
        out.append(f'<p class="booklet"><a href="{_href(booklet["path"])}">{esc(text)}</a></p>')
    items = []
    for job in sheets:
        res = results.get(job.key, {})
        name = esc(job.commune)
        link = f'<a href="{_href(job.html_rel)}">{name}</a>' if (root / job.html_rel).is_file() else name
        pdf = pdfs.get(job.key)
        if pdf and (root / pdf["path"]).is_file():
            meta = tr("run.pdf_meta", lang, pages=pdf["pages"], size=fmt_size(pdf["bytes"], lang))
            link += f' · <a href="{_href(pdf["path"])}">{esc(meta)}</a>'
        if res.get("status") != "ok":
            link += f' <span class="failed">{esc(tr("run.failed_job", lang))}</span>'
            detail = describe_error(res.get("error") or {})
            if detail:
                link += f' <span class="muted">{esc(tr("run.failed_detail", lang, error=detail))}</span>'
        items.append(f"<li>{link}</li>")
    out.append('<ul class="communes">' + "".join(items) + "</ul>\n</article>")
    return "\n".join(x for x in out if x)


def render_index(root: Path, manifest: dict, jobs: list[Job], results: dict[str, dict],
                 changes: DataChanges | None = None, lang: str | None = None, folder: str = "") -> str:
    """The index page in ``lang`` (default: the run's first language) of the run in ``root``: its manifest, jobs
    and the workers' results, with what changed in the data since the previous dated run (``changes``:
    :func:`coopdata.batch.changes.changes_since_previous`); its links go from ``folder`` ("": the top of the
    dated folder; "fr": the page at ``fr/index.html``)."""
    langs = manifest["parameters"]["langs"]
    lang = lang or langs[0]
    date = manifest["parameters"]["date"]

    def t(key, **kw):
        return esc(tr(key, lang, **kw))

    try:
        shown_date = fmt_date(dt.date.fromisoformat(date), lang)
    except ValueError:
        shown_date = date
    title = t("run.title", date=shown_date)
    out = [f'<!DOCTYPE html>\n<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{title}</title>", f'<style type="text/css">{_INDEX_CSS}</style>\n</head>\n<body>\n<main>']
    others = [o for o in langs if o != lang]
    if others:
        links = " · ".join(f'<a href="{_href(index_rel(o))}" hreflang="{esc(o)}" lang="{esc(o)}">'
                           f'{esc(tr("run.lang_link", o))}</a>' for o in others)
        out.append(f'<p class="langs">{links}</p>')
    out.append(f"<h1>{title}</h1>")
    counts = (manifest.get("inputs") or {}).get("communes") or {}
    if counts.get("other"):
        intro = t("run.intro_mixed", date=shown_date, n=counts["prodegol"], others=counts["other"])
        out.append(f'<p class="intro">{intro}</p>')
    elif counts:
        out.append(f'<p class="intro">{t("run.intro", date=shown_date, n=counts["prodegol"])}</p>')
    if manifest.get("status", "ok") != "ok":
        out.append(f'<p class="failed">{t("run.failed_run")}</p>')
    mine = [j for j in jobs if j.lang == lang]
    reports = [j for j in mine if not j.commune]
    sheets = [j for j in mine if j.commune]
    if reports:
        out.append(f'<h2 id="reports">{t("run.reports")}</h2>')
        out += [_report_card(root, j, results.get(j.key, {}), lang) for j in reports]
    if sheets:
        out.append(_sheets_section(root, sheets, results, manifest, lang))
    out.append(changes_html(changes, lang))
    git = manifest.get("git")
    commit = git["commit"][:12] + (" (+)" if git["dirty"] else "") if git else tr("run.no_git", lang)
    digest = ((manifest.get("inputs") or {}).get("data_digest") or "")[:12]
    out.append(f'<footer>\n<p class="muted">{t("run.provenance", digest=digest, commit=commit)}'
               f'<a href="manifest.json">manifest.json</a></p>\n</footer>')
    out.append("</main>\n</body>\n</html>\n")
    return rebase_links("\n".join(out), folder)


def write_index(root: Path, manifest: dict, jobs: list[Job], results: dict[str, dict],
                changes: DataChanges | None = None) -> list[Path]:
    """Write the previews and the index pages: ``<lang>/index.html`` per language, and ``index.html`` at the
    top (French, else the first language); returns the pages written."""
    langs = manifest["parameters"]["langs"]
    top = "fr" if "fr" in langs else langs[0]
    written = []
    for lang in langs:
        make_thumbnails(root, jobs, lang)
        for folder in [lang] + ([""] if lang == top else []):
            path = root / (index_rel(lang) if folder else INDEX_NAME)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render_index(root, manifest, jobs, results, changes, lang, folder), encoding="utf-8")
            written.append(path)
    return written
