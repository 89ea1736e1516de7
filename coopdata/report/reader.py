"""The reader layer of an exported report: what turns a notebook's HTML into a report.

Before rendering, :func:`reader_cells` keeps the cells a reader of one language sees (markdown
cells tagged ``lang-fr`` / ``lang-en`` exist once per language; cells tagged ``check`` or
``parameters`` ran, and may have failed the run, but are not shown). After rendering,
:func:`finish_page` adds what nbconvert does not know about:

* an ``id`` on every heading, a table of contents of the ``##``/``###`` headings and a top bar
  with the link back to the run's index;
* the annex: everything from the first cell tagged ``annex`` to the end, folded in a ``<details>``;
* tables wrapped in a box that scrolls sideways on a phone (focusable, named by its caption);
* conflict ids (``C09``) linked to their row in the overview report, whose first cell holding the
  id becomes the anchor ``conflict-C09``.

It works on nbconvert's lab markup with regular expressions, not a DOM parser: the pages are
made by one template (ours), and a 1 MB page is finished in milliseconds.
"""

from __future__ import annotations

import html
import re
import unicodedata

from coopdata.core.i18n import tr
from coopdata.core.text import esc

LANG_TAG = "lang-"
HIDDEN_TAGS = {"check", "parameters", "injected-parameters", "remove-cell", "remove_cell"}
CONFLICTS_PAGE = "05_overview.html"
CONFLICT_ID = re.compile(r"(?<![\w/#-])(C\d{2})(?![\w-])")

_HEADING = re.compile(r"<h([1-3])((?:\s[^>]*)?)>(.*?)</h\1>", re.DOTALL)
_SKIP = re.compile(r"<(script|style|svg|iframe|textarea|title)\b.*?</\1\s*>", re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"(<[^>]*>)")
_TABLE = re.compile(r"<table\b.*?</table>", re.DOTALL)
_ATTRIBUTE = re.compile(r"""\s+([^\s=>]+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?""")
_IFRAME = re.compile(r"""<iframe((?:\s+[^\s=>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?)*)\s*>""", re.IGNORECASE)
_CAPTION = re.compile(r"<caption[^>]*>(.*?)</caption>", re.DOTALL)


def cell_langs(cell) -> set[str]:
    return {t[len(LANG_TAG):] for t in cell.get("metadata", {}).get("tags", []) if t.startswith(LANG_TAG)}


def shown_to_reader(cell, lang: str) -> bool:
    """Whether a reader of ``lang`` sees this cell (its language, not a check or parameters cell)."""
    tags = set(cell.get("metadata", {}).get("tags", []))
    if tags & HIDDEN_TAGS:
        return False
    langs = cell_langs(cell)
    return not langs or lang in langs


def reader_cells(nb, lang: str) -> None:
    """Keep (in place) only the cells a reader of ``lang`` sees."""
    nb.cells = [c for c in nb.cells if shown_to_reader(c, lang)]


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", fragment))).strip()


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def add_heading_ids(page: str) -> tuple[str, list[tuple[int, str, str]]]:
    """Give every h1–h3 an id (kept when it has one); returns the page and its headings (level, id, text)."""
    used: set[str] = set(re.findall(r'\bid="([^"]+)"', page))
    found: list[tuple[int, str, str]] = []

    def heading(m: re.Match) -> str:
        level, attrs, inner = int(m.group(1)), m.group(2) or "", m.group(3)
        have = re.search(r'\bid="([^"]+)"', attrs)
        text = _text(inner)
        if have:
            ident = have.group(1)
        else:
            base = ident = _slug(text)
            n = 1
            while ident in used:
                n += 1
                ident = f"{base}-{n}"
            used.add(ident)
            attrs = f' id="{ident}"{attrs}'
        found.append((level, ident, text))
        return f"<h{level}{attrs}>{inner}</h{level}>"

    return _HEADING.sub(heading, page), found


def toc_html(headings: list[tuple[int, str, str]], lang: str, annex: bool) -> str:
    """The table of contents: ``##`` headings, their ``###`` nested; the annex last."""
    items: list[tuple[str, str, list]] = []
    for level, ident, text in headings:
        if ident == "key-points":
            continue
        if level == 2:
            items.append((ident, text, []))
        elif level == 3 and items:
            items[-1][2].append((ident, text))
    if annex:
        items.append(("annex", tr("report.annex", lang), []))
    if not items:
        return ""
    lis = []
    for ident, text, subs in items:
        sub = "".join(f'<li><a href="#{esc(i)}">{esc(t)}</a></li>' for i, t in subs)
        lis.append(f'<li><a href="#{esc(ident)}">{esc(text)}</a>' + (f"<ol>{sub}</ol>" if sub else "") + "</li>")
    title = esc(tr("report.contents", lang))
    return (f'<nav class="cp-toc" id="toc" aria-labelledby="toc-title"><h2 id="toc-title">{title}</h2>'
            f'<ol>{"".join(lis)}</ol></nav>')


def wrap_annex(page: str, lang: str) -> tuple[str, bool]:
    """Fold everything from the first cell tagged ``annex`` to the end of the report."""
    at = page.find("celltag_annex")
    if at < 0:
        return page, False
    start = page.rfind('<div class="jp-Cell ', 0, at)
    end = page.rfind("</main>")
    if start < 0 or end < start:
        return page, False
    summary = esc(tr("report.annex", lang))
    return (page[:start] + f'<details class="cp-annex" id="annex"><summary>{summary}</summary>\n'
            + page[start:end] + "</details>\n" + page[end:]), True


def wrap_tables(page: str, lang: str) -> str:
    """Each table in a box that scrolls sideways, reachable by keyboard and named by its caption."""
    def wrap(m: re.Match) -> str:
        cap = _CAPTION.search(m.group(0))
        name = _text(cap.group(1)) if cap else tr("col.kind", lang)
        return f'<div class="cp-scroll" role="region" tabindex="0" aria-label="{esc(name[:150])}">{m.group(0)}</div>'

    return _TABLE.sub(wrap, page)


def link_conflicts(page: str, here: str) -> str:
    """Link conflict ids in the text to their row; on the conflicts page, anchor each id's first cell."""
    on_target = here == CONFLICTS_PAGE
    anchored: set[str] = set()
    body = page.find("<body")
    head, rest = page[:body], page[body:]
    out: list[str] = []
    pos = 0
    for m in _SKIP.finditer(rest):
        out.append(_link_segment(rest[pos:m.start()], on_target, anchored))
        out.append(m.group(0))
        pos = m.end()
    out.append(_link_segment(rest[pos:], on_target, anchored))
    return head + "".join(out)


def _link_segment(segment: str, on_target: bool, anchored: set[str]) -> str:
    tokens = _TAG.split(segment)
    in_link = 0
    last_tag_index = -1
    for i, tok in enumerate(tokens):
        if not tok:
            continue
        if tok.startswith("<"):
            low = tok[:3].lower()
            if low.startswith("<a") and (len(tok) < 3 or not tok[2].isalpha()):
                in_link += 1
            elif tok.lower().startswith("</a>"):
                in_link = max(0, in_link - 1)
            last_tag_index = i
            continue
        if in_link or "C" not in tok:
            continue
        whole = tok.strip()
        prev = tokens[last_tag_index] if last_tag_index >= 0 else ""
        if (on_target and CONFLICT_ID.fullmatch(whole) and whole not in anchored
                and re.match(r"<t[dh]\b", prev) and not re.search(r'\sid="(?!T_)', prev)):
            anchored.add(whole)
            prev = re.sub(r'\sid="T_[^"]*"', "", prev)  # a pandas Styler cell id gives way to the anchor
            tokens[last_tag_index] = prev[:3] + f' id="conflict-{whole}"' + prev[3:]
            continue
        tokens[i] = CONFLICT_ID.sub(_conflict_link_to("" if on_target else CONFLICTS_PAGE), tok)
    return "".join(tokens)


def _conflict_link_to(page: str):
    def link(m: re.Match) -> str:
        return f'<a class="cp-conflict" href="{page}#conflict-{m.group(1)}">{m.group(1)}</a>'
    return link


def top_bar(lang: str, index_href: str | None, has_toc: bool) -> str:
    links = []
    if index_href:
        links.append(f'<a href="{esc(index_href)}">← {esc(tr("report.back_to_index", lang))}</a>')
    if has_toc:
        links.append(f'<a href="#toc">{esc(tr("report.contents", lang))}</a>')
    return f'<nav class="cp-topbar" aria-label="{esc(tr("report.navigation", lang))}">{"".join(links)}</nav>'


def finish_page(page: str, *, lang: str, index_href: str | None = None, page_name: str = "") -> str:
    """Add headings' ids, table of contents, top bar, folded annex, table boxes and conflict links."""
    page = page.replace('<div class="jp-Cell-inputWrapper" tabindex="0">', '<div class="jp-Cell-inputWrapper">')
    page, annex = wrap_annex(page, lang)
    page, headings = add_heading_ids(page)
    annex_at = page.find('<details class="cp-annex"')
    if annex_at >= 0:
        in_annex = {m.group(1) for m in re.finditer(r'<h[1-3] id="([^"]+)"', page[annex_at:])}
        headings = [h for h in headings if h[1] not in in_annex]
    toc = toc_html(headings, lang, annex)
    if toc:
        anchor = page.find("</aside>")
        if anchor < 0:
            h1 = page.find("</h1>")
            anchor = page.find("</div>", h1) if h1 >= 0 else -1
            insert_at = anchor if anchor >= 0 else page.find("<main") + len('<main id="main">')
        else:
            insert_at = anchor + len("</aside>")
        page = page[:insert_at] + toc + page[insert_at:]
    body = re.search(r"<body[^>]*>", page)
    if body:
        page = page[:body.end()] + top_bar(lang, index_href, bool(toc)) + page[body.end():]
    page = wrap_tables(page, lang)
    page = title_frames(page, lang)
    return link_conflicts(page, page_name)


def title_frames(page: str, lang: str) -> str:
    """Name every ``<iframe>`` (folium's maps) for screen readers, and load it only when scrolled near.

    ``loading="lazy"``: a map lower in the page no longer holds up the page's first display. The
    attributes are read one by one: a map's ``srcdoc`` holds whole pages, ``title=`` included.
    """
    title = esc(tr("report.map_frame", lang))

    def fix(m: re.Match) -> str:
        names = {a.group(1).strip("\"'").lower() for a in _ATTRIBUTE.finditer(m.group(1))}
        extra = ("" if "title" in names else f' title="{title}"') + ("" if "loading" in names else ' loading="lazy"')
        return f"<iframe{extra}{m.group(1)}>"

    return _IFRAME.sub(fix, page)
