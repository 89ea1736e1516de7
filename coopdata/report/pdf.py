"""PDF of the reader's HTML pages (A4), printed offline by Debian's Chromium through Playwright's sync API.

:class:`PdfPrinter` starts **one** headless browser and prints every page given to it in turn (a run prints its
commune sheets in a few seconds instead of paying a browser start per sheet). Each print: A4, the page's own CSS
``@page`` size and margins first (``prefer_css_page_size``), an empty header and a running footer (8 pt,
escaped: commune, date, source and « page X / Y »). Every request that is not a local file is aborted, so a
print never waits on the network. A page without a script of its own is printed with JavaScript off: the
interactive maps of a commune sheet (folium iframes, shown on screen only; the sheet prints their PNG twin) then
cost nothing, which halves the time of a sheet. The PDF's creation and modification dates are set to the run's
date (Chromium writes the clock time), so the same page gives the same bytes on every run.

The booklet (:func:`merge_pdfs`) is the sheets' PDFs merged with pypdf, one outline entry per commune. Printing
one combined page instead would give one footer and one page count for the whole booklet; merging keeps each
sheet's own footer (« Tône 1 … page 1 / 2 ») and reuses the PDFs already printed, so it costs no second print.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

from coopdata.core.i18n import tr
from coopdata.core.io import write_bytes_atomic
from coopdata.core.text import esc
from coopdata.report.png import find_chromium

#: URL schemes a print may load (everything else is aborted).
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]
START_TIMEOUT_S = 120.0
PAGE_TIMEOUT_S = 120.0
FOOTER_PT = 8
#: Used only for a page without CSS ``@page`` margins: room for the footer.
DEFAULT_MARGIN = {"top": "14mm", "right": "13mm", "bottom": "16mm", "left": "13mm"}
EMPTY_HEADER = "<span></span>"
NO_PLAYWRIGHT = ("the playwright Python package is not installed: install the project again "
                 "(pip install -e .) or pip install playwright")
_PDF_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:\d{14}[^)]*\)")


class PdfError(RuntimeError):
    """A page could not be printed; the message is one line."""


@dataclass(frozen=True)
class PdfInfo:
    path: Path
    size: int  # bytes
    pages: int


def pdf_page_count(path) -> int:
    """The number of pages of a PDF file."""
    # start-up: pypdf takes ~0.13 s to import (python -X importtime); only the PDF steps need it
    from pypdf import PdfReader

    return len(PdfReader(str(path)).pages)


def footer_template(items: list[str], lang: str) -> str:
    """Playwright's footer: ``items`` (escaped) joined by « · », then « page X / Y »; 8 pt, its own styles
    (the footer is drawn apart from the page and gets none of its CSS)."""
    marker_page, marker_total = "\x00P\x00", "\x00T\x00"
    counter = esc(tr("pdf.page", lang, page=marker_page, pages=marker_total))
    counter = (counter.replace(esc(marker_page), '<span class="pageNumber"></span>')
               .replace(esc(marker_total), '<span class="totalPages"></span>'))
    text = " · ".join(esc(i) for i in items if str(i).strip())
    style = (f"font-family: 'DejaVu Sans', 'Liberation Sans', Arial, sans-serif; font-size: {FOOTER_PT}pt; "
             "color: #333; width: 100%; margin: 0 13mm; padding-top: 1.5mm; border-top: 0.5pt solid #999; "
             "display: flex; justify-content: space-between; gap: 4mm; -webkit-print-color-adjust: exact;")
    return (f'<div style="{style}"><span>{text}</span>'
            f'<span style="white-space: nowrap;">{counter}</span></div>')


def pdf_date(day: str | dt.date) -> bytes:
    """« D:20240501000000+00'00' »: the date Chromium's PDF writer would give at midnight UTC of ``day``."""
    day = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return f"D:{day:%Y%m%d}000000+00'00'".encode()


def set_pdf_dates(data: bytes, day: str | dt.date) -> bytes:
    """Chromium's creation and modification dates replaced by ``day`` (same length: offsets stay valid)."""
    stamp = pdf_date(day)

    def fix(m: re.Match) -> bytes:
        new = b"/" + m.group(1) + b" (" + stamp + b")"
        return new if len(new) == len(m.group(0)) else m.group(0)

    return _PDF_DATE.sub(fix, data)


class PdfPrinter:
    """One headless Chromium printing pages to PDF, one after the other (a context manager)::

        with PdfPrinter() as printer:
            printer.print_pdf(html, pdf, footer=footer_template([...], "fr"), date="2024-05-01")
    """

    def __init__(self, executable: str | None = None):
        self.executable = executable
        self._pw = None
        self._browser = None
        self._pages: dict[bool, object] = {}  # one tab per setting of JavaScript, reused from page to page
        self.blocked: list[str] = []  # URLs aborted (what a page would have fetched)

    def __enter__(self) -> PdfPrinter:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        try:
            # start-up: playwright takes ~0.1 s to import (python -X importtime); only a run's PDF step needs it
            from playwright.sync_api import sync_playwright
        except ImportError:
            raise PdfError(NO_PLAYWRIGHT) from None
        executable = self.executable
        try:
            executable = executable or find_chromium()
            self._pw = sync_playwright().start()
            self._browser = self._pw.chromium.launch(executable_path=executable, args=BROWSER_ARGS, headless=True,
                                                     timeout=START_TIMEOUT_S * 1000)
        except Exception as exc:
            self.close()
            which = f"the browser {executable!r}" if executable else "a browser"
            raise PdfError(f"could not start {which} to print PDFs: {_one_line(exc)}") from exc

    def _page(self, javascript: bool):
        """The tab printing pages with (or without) JavaScript; reusing it saves a renderer per page (~0.5 s)."""
        if javascript not in self._pages:
            context = self._browser.new_context(service_workers="block", java_script_enabled=javascript)
            context.set_default_timeout(PAGE_TIMEOUT_S * 1000)
            context.route("**/*", self._route)
            self._pages[javascript] = context.new_page()
        return self._pages[javascript]

    def _drop_page(self, javascript: bool) -> None:
        page = self._pages.pop(javascript, None)
        if page is not None:
            with contextlib.suppress(Exception):
                page.context.close()

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(LOCAL_SCHEMES):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def print_pdf(self, html_path, pdf_path, *, footer: str = "", date: str | dt.date | None = None,
                  javascript: bool | None = None) -> PdfInfo:
        """Print ``html_path`` into ``pdf_path`` (written atomically); raises PdfError with one line.

        ``javascript``: run the page's scripts; by default only when the page has a ``<script>`` of its own
        (a script inside an ``<iframe srcdoc>`` is escaped text there, so a screen-only map does not count)."""
        if self._browser is None:
            raise PdfError("the PDF printer is not started")
        html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path)
        try:
            javascript = has_script(html_path) if javascript is None else bool(javascript)
        except OSError as exc:
            raise PdfError(f"{html_path.name}: {_one_line(exc)}") from exc
        try:
            page = self._page(javascript)
            page.goto(html_path.as_uri(), wait_until="load")
            page.evaluate("() => document.fonts ? document.fonts.ready.then(() => true) : true")
            data = page.pdf(format="A4", prefer_css_page_size=True, print_background=True,
                            display_header_footer=True, header_template=EMPTY_HEADER,
                            footer_template=footer or EMPTY_HEADER, margin=DEFAULT_MARGIN)
        except Exception as exc:
            self._drop_page(javascript)  # a fresh tab for the next page
            raise PdfError(f"{html_path.name}: {_one_line(exc)}") from exc
        if date is not None:
            data = set_pdf_dates(data, date)
        try:
            pages = _count_pages(data)
            write_bytes_atomic(pdf_path, data)
        except Exception as exc:  # an unreadable PDF, a full disk
            raise PdfError(f"{html_path.name}: {_one_line(exc)}") from exc
        return PdfInfo(pdf_path, len(data), pages)

    def close(self) -> None:
        for javascript in list(self._pages):
            self._drop_page(javascript)
        for step in (lambda: self._browser and self._browser.close(), lambda: self._pw and self._pw.stop()):
            with contextlib.suppress(Exception):
                step()
        self._pw = self._browser = None


def has_script(html_path) -> bool:
    """Whether the page has a ``<script>`` element of its own (not one inside an iframe's escaped ``srcdoc``)."""
    return b"<script" in Path(html_path).read_bytes().lower()


def _count_pages(data: bytes) -> int:
    # start-up: pypdf takes ~0.13 s to import (python -X importtime); only the PDF steps need it
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or exc.__class__.__name__
    return f"{exc.__class__.__name__}: {text[:300]}"


def merge_pdfs(parts: list[tuple[Path, str]], out: Path, *, title: str = "",
               date: str | dt.date | None = None) -> PdfInfo:
    """One PDF of ``parts`` ([(pdf, outline title)]), in order, each with an outline entry; written atomically.

    The metadata dates are ``date`` (midnight UTC) and pypdf writes no random file identifier, so the same parts
    give the same bytes."""
    # start-up: pypdf takes ~0.13 s to import (python -X importtime); only the PDF steps need it
    from pypdf import PdfWriter

    if not parts:
        raise PdfError(f"{Path(out).name}: nothing to merge")
    try:
        writer = PdfWriter()
        for path, label in parts:
            writer.append(str(path), outline_item=label or None)
        meta = {"/Producer": "coopdata (pypdf)"}
        if title:
            meta["/Title"] = title
        if date is not None:
            stamp = pdf_date(date).decode()
            meta.update({"/CreationDate": stamp, "/ModDate": stamp})
        writer.add_metadata(meta)
        writer.page_mode = "/UseOutlines"  # the viewer opens with the list of communes
        buf = io.BytesIO()
        writer.write(buf)
        data = buf.getvalue()
        write_bytes_atomic(out, data)
    except Exception as exc:  # a missing or unreadable part, a full disk
        raise PdfError(f"{Path(out).name}: {_one_line(exc)}") from exc
    return PdfInfo(Path(out), len(data), len(writer.pages))
