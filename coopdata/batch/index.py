"""``index.html`` of a run: one page linking every report, its notebook, figures, tables and maps, and
listing what changed in the data since the previous dated run (:mod:`coopdata.batch.changes`).

Links are relative, so the dated folder works from a USB key; the page loads nothing (CSS inline).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from coopdata.batch.changes import DataChanges, TableChange
from coopdata.batch.execute import describe_error
from coopdata.batch.plan import Job
from coopdata.core.i18n import tr
from coopdata.core.text import esc
from coopdata.report.html import read_print_css
from coopdata.views.style import colon

INDEX_NAME = "index.html"
#: Row ids listed per cell of the changes table; beyond, « … (+N) ».
MAX_IDS = 30

_INDEX_CSS = """
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; color: #222; line-height: 1.4; }
h1 { color: #1f5f99; font-size: 1.6em; } h2 { border-bottom: 2px solid #1f5f99; margin-top: 2em; }
table { border-collapse: collapse; width: 100%; } td, th { border-bottom: 1px solid #c8ced6; padding: .3em .5em;
text-align: left; vertical-align: top; } th { background: #eef2f7; } .failed { color: #a00; font-weight: bold; }
details { margin: .3em 0; } summary { cursor: pointer; } .muted { color: #555; font-size: .9em; }
"""


def _href(rel: str) -> str:
    return esc(quote(rel))


def _files(root: Path, job: Job, sub: str, suffix: str) -> list[str]:
    folder = root / job.files_rel / sub
    return [p.relative_to(root).as_posix() for p in sorted(folder.glob(f"*{suffix}"))] if folder.is_dir() else []


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

    if changes is None or changes.since is None:
        return f"<h3>{t('run.changes.heading')}</h3>\n<p>{t('run.changes.first')}</p>"
    out = [f"<h3>{t('run.changes.heading')}</h3>"]
    if not changes.comparable:
        out.append(f"<p>{t('run.changes.not_recorded', date=changes.since)}</p>")
        return "\n".join(out)
    if not changes.tables and not changes.files:
        out.append(f"<p>{t('run.changes.none', date=changes.since)}</p>")
        return "\n".join(out)
    out.append(f"<p>{t('run.changes.since', date=changes.since)}</p>")
    if changes.tables:
        out.append(f"<table>\n<tr><th>{t('overview.table')}</th><th>{t('run.changes.added')}</th>"
                   f"<th>{t('run.changes.changed')}</th><th>{t('run.changes.removed')}</th></tr>")
        out += [_change_row(c, lang) for c in changes.tables]
        out.append("</table>")
    if changes.files:
        out.append(f"<p>{t('run.changes.files', files=', '.join(changes.files))}</p>")
    return "\n".join(out)


def render_index(root: Path, manifest: dict, jobs: list[Job], results: dict[str, dict],
                 changes: DataChanges | None = None) -> str:
    """The index page of the run in ``root`` (its manifest, jobs and the workers' results), with what changed in
    the data since the previous dated run (``changes``: :func:`coopdata.batch.changes.changes_since_previous`)."""
    langs = manifest["parameters"]["langs"]
    first = langs[0]
    date = manifest["parameters"]["date"]
    out = [f'<!DOCTYPE html>\n<html lang="{first}">\n<head>\n<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1.0">',
           f"<title>{esc(tr('run.title', first, date=date))}</title>",
           f'<style type="text/css">{_INDEX_CSS}\n{read_print_css()}</style>\n</head>\n<body>\n<main>']
    out.append(f"<h1>{esc(tr('run.title', first, date=date))}</h1>")
    if manifest["status"] != "ok":
        out.append(f'<p class="failed">{esc(tr("run.failed_run", first))}</p>')
    for lang in langs:
        def t(key, lang=lang, **kw):
            return esc(tr(key, lang, **kw))

        out.append(f'<section lang="{lang}">')
        if len(langs) > 1:
            out.append(f"<h2>{t('run.section')}</h2>")
        counts = manifest["inputs"].get("communes") or {}
        if counts.get("other"):
            out.append(f"<p>{t('run.intro_mixed', date=date, n=counts['prodegol'], others=counts['other'])}</p>")
        elif counts:
            out.append(f"<p>{t('run.intro', date=date, n=counts['prodegol'])}</p>")
        out.append(changes_html(changes, lang))
        mine = [j for j in jobs if j.lang == lang]
        for heading, group in (("run.reports", [j for j in mine if not j.commune]),
                               ("run.profiles", [j for j in mine if j.commune])):
            if not group:
                continue
            out.append(f"<h3>{t(heading)}</h3>\n<table>\n<tr><th>{t('run.report')}</th><th>{t('run.status')}</th>"
                       f"<th>{t('run.files')}</th></tr>")
            for job in group:
                res = results.get(job.key, {})
                label = job.commune or res.get("title") or job.stem
                has_html = (root / job.html_rel).is_file()
                link = f'<a href="{_href(job.html_rel)}">{esc(label)}</a>' if has_html else esc(label)
                if (root / job.ipynb_rel).is_file():
                    link += f' <span class="muted">(<a href="{_href(job.ipynb_rel)}">{t("run.notebook")}</a>)</span>'
                if res.get("status") == "ok":
                    status = t("run.ok")
                else:
                    err = res.get("error") or {}
                    status = f'<span class="failed">{t("run.failed")}</span> {esc(describe_error(err))}'
                parts = []
                for sub, suffix, key in (("figures", ".png", "run.figures"), ("tables", ".csv", "run.tables"),
                                         ("maps", ".html", "run.maps")):
                    rels = _files(root, job, sub, suffix)
                    if rels:
                        items = "".join(f'<li><a href="{_href(r)}">{esc(Path(r).name)}</a></li>' for r in rels)
                        parts.append(f"<details><summary>{t(key)} ({len(rels)})</summary><ul>{items}</ul></details>")
                out.append(f"<tr><td>{link}</td><td>{status}</td><td>{''.join(parts)}</td></tr>")
            out.append("</table>")
        out.append("</section>")
    git = manifest.get("git")
    commit = git["commit"][:12] + (" (+)" if git["dirty"] else "") if git else tr("run.no_git", first)
    digest = manifest["inputs"]["data_digest"][:12]
    out.append(f'<p class="muted">{esc(tr("run.provenance", first, digest=digest, commit=commit))}'
               f'<a href="manifest.json">manifest.json</a></p>')
    out.append("</main>\n</body>\n</html>\n")
    return "\n".join(out)


def write_index(root: Path, manifest: dict, jobs: list[Job], results: dict[str, dict],
                changes: DataChanges | None = None) -> Path:
    path = root / INDEX_NAME
    path.write_text(render_index(root, manifest, jobs, results, changes), encoding="utf-8")
    return path
