"""PDF printing of the reader's pages (coopdata.report.pdf): one browser, A4, a running footer, offline, booklets."""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import PARAMETERS, coopdata_command, write_notebook

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("playwright.sync_api")

from coopdata.report import pdf  # noqa: E402  (after the skips: both packages are needed)

pytestmark = pytest.mark.browser

A4_PT = (595.0, 842.0)
PAGE = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Fiche {n}</title>
<style>@page {{ size: A4 portrait; margin: 14mm 13mm 16mm 13mm; }} body {{ font-family: "DejaVu Sans"; }}</style>
</head><body><h1>Tône {n}</h1><p>Une page « é ».</p>{extra}
<img src="https://example.org/never.png" alt=""><link rel="stylesheet" href="http://example.org/x.css"></body></html>"""


class _PrinterThread:
    """A PdfPrinter driven from a thread of its own.

    Playwright's sync API allows one running instance per thread, and the session's browser
    (tests/conftest.py) may already hold the main thread's; in a batch the printer runs in the
    ``coopdata run`` process, where it is the only one. Every call goes to the printer's thread.
    """

    def __init__(self):
        self._thread = ThreadPoolExecutor(max_workers=1)
        self._printer = self._thread.submit(lambda: pdf.PdfPrinter().__enter__()).result()

    def __getattr__(self, name):
        attr = getattr(self._printer, name)
        if not callable(attr):
            return attr
        return lambda *args, **kw: self._thread.submit(attr, *args, **kw).result()

    def close(self):
        self._thread.submit(self._printer.__exit__, None, None, None).result()
        self._thread.shutdown()


@pytest.fixture(scope="module")
def printer():
    if not os.access("/usr/bin/chromium", os.X_OK) and not os.environ.get("BROWSER_PATH"):
        pytest.skip("no Chromium (Debian: apt-get install chromium)")
    p = _PrinterThread()
    yield p
    p.close()


def _page(tmp_path, n: int, paragraphs: int = 0):
    path = tmp_path / f"sheet-{n}.html"
    extra = "".join(f"<p>Paragraphe {i} " + "texte " * 60 + "</p>" for i in range(paragraphs))
    path.write_text(PAGE.format(n=n, extra=extra), encoding="utf-8")
    return path


def _footer_sizes(page) -> dict[str, float]:
    """Text drawn on the page → its size in points (font size × text and page scale)."""
    sizes: dict[str, float] = {}

    def visit(text, cm, tm, font, size):
        if text.strip():
            sizes[text.strip()] = size * abs(tm[0]) * abs(cm[0])

    page.extract_text(visitor_text=visit)
    return sizes


def test_a_small_page_prints_as_one_a4_page_with_the_footer(printer, tmp_path):
    footer = pdf.footer_template(["Tône 1 <b>", "Situation au 1 mai 2024", "Sources : étude ProDeGoL"], "fr")
    assert "Tône 1 &lt;b&gt;" in footer and '<span class="pageNumber"></span>' in footer
    info = printer.print_pdf(_page(tmp_path, 1), tmp_path / "out" / "sheet.pdf", footer=footer, date="2024-05-01")
    assert info.pages == 1 == pdf.pdf_page_count(info.path)
    assert info.size == info.path.stat().st_size
    reader = pypdf.PdfReader(str(info.path))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    text = reader.pages[0].extract_text()
    assert "Tône 1" in text and "Une page « é »." in text
    assert "Tône 1 <b> · Situation au 1 mai 2024 · Sources : étude ProDeGoL" in text  # escaped, shown as text
    assert "page 1 / 1" in text
    sizes = _footer_sizes(reader.pages[0])
    footer_sizes = [s for t, s in sizes.items() if "Situation au" in t or t == "page"]
    assert footer_sizes and min(footer_sizes) >= 7.9, sizes  # 8 pt at least
    assert reader.metadata["/CreationDate"] == "D:20240501000000+00'00'"
    # offline: what the page asked from the network was aborted, not waited for
    assert "https://example.org/never.png" in printer.blocked and "http://example.org/x.css" in printer.blocked


def test_the_same_page_gives_the_same_bytes(printer, tmp_path):
    page = _page(tmp_path, 2)
    a = printer.print_pdf(page, tmp_path / "a.pdf", footer=pdf.footer_template(["Oti 1"], "en"), date="2024-05-01")
    b = printer.print_pdf(page, tmp_path / "b.pdf", footer=pdf.footer_template(["Oti 1"], "en"), date="2024-05-01")
    assert a.path.read_bytes() == b.path.read_bytes()


def test_the_booklet_has_every_page_of_every_sheet_in_order(printer, tmp_path):
    parts = []
    for n, paragraphs in ((1, 0), (2, 40), (3, 0)):
        info = printer.print_pdf(_page(tmp_path, n, paragraphs), tmp_path / f"s{n}.pdf",
                                 footer=pdf.footer_template([f"Tône {n}"], "fr"), date="2024-05-01")
        parts.append((info, f"Tône {n}"))
    assert parts[1][0].pages >= 2  # a long sheet runs over several pages, each with its own footer
    book = pdf.merge_pdfs([(i.path, name) for i, name in parts], tmp_path / "fiches-communes.pdf",
                          title="Fiches des communes", date="2024-05-01")
    assert book.pages == sum(i.pages for i, _ in parts) == pdf.pdf_page_count(book.path)
    reader = pypdf.PdfReader(str(book.path))
    assert [o["/Title"] for o in reader.outline] == ["Tône 1", "Tône 2", "Tône 3"]
    texts = [p.extract_text() for p in reader.pages]
    assert texts[0].startswith("Tône 1") and texts[-1].startswith("Tône 3")
    assert f"Tône 2 page 2 / {parts[1][0].pages}" in texts[2]  # the sheet's own footer and page count
    again = pdf.merge_pdfs([(i.path, name) for i, name in parts], tmp_path / "again.pdf",
                           title="Fiches des communes", date="2024-05-01")
    assert again.path.read_bytes() == book.path.read_bytes()  # no random identifier, no clock time


def test_scripts_run_only_in_a_page_that_has_its_own(printer, tmp_path):
    script = "<script>document.body.insertAdjacentHTML('beforeend', '<p>Ajouté par un script</p>')</script>"
    page = tmp_path / "scripted.html"
    page.write_text(PAGE.format(n=4, extra="").replace("</body>", script + "</body>"), encoding="utf-8")
    assert pdf.has_script(page) and not pdf.has_script(_page(tmp_path, 5))
    srcdoc = _page(tmp_path, 6, 0)  # a screen-only map: its script is escaped text in the iframe's srcdoc
    srcdoc.write_text(srcdoc.read_text(encoding="utf-8").replace(
        "</body>", '<iframe srcdoc="&lt;script&gt;L.map()&lt;/script&gt;"></iframe></body>'), encoding="utf-8")
    assert not pdf.has_script(srcdoc)
    info = printer.print_pdf(page, tmp_path / "scripted.pdf")
    assert "Ajouté par un script" in pypdf.PdfReader(str(info.path)).pages[0].extract_text()
    off = printer.print_pdf(page, tmp_path / "off.pdf", javascript=False)
    assert "Ajouté par un script" not in pypdf.PdfReader(str(off.path)).pages[0].extract_text()


def test_a_page_that_cannot_be_printed_is_one_clear_line(printer, tmp_path):
    with pytest.raises(pdf.PdfError) as err:
        printer.print_pdf(tmp_path / "missing.html", tmp_path / "x.pdf")
    assert "missing.html" in str(err.value) and "\n" not in str(err.value)
    assert not (tmp_path / "x.pdf").exists()
    (tmp_path / "broken.pdf").write_bytes(b"not a PDF")
    with pytest.raises(pdf.PdfError, match=r"^book\.pdf: .+") as err:
        pdf.merge_pdfs([(tmp_path / "broken.pdf", "Tône 1")], tmp_path / "book.pdf")
    assert "\n" not in str(err.value) and not (tmp_path / "book.pdf").exists()


@pytest.mark.notebooks
def test_a_run_whose_sheets_cannot_be_printed_fails_with_one_line(tmp_path):
    """No browser for the PDFs: the notebooks ran, but the run fails, says why in one line and publishes nothing."""
    write_notebook(tmp_path / "notebooks" / "10_profile.ipynb", "Fiche", ["x = 1"],
                   parameters='commune = "Tône 1"\n' + PARAMETERS)
    res = coopdata_command("run", "--date", "2024-05-01", "--notebooks-dir", tmp_path / "notebooks", "--only", "tone-1",
                           "--output-dir", tmp_path / "out", "--maps-dir", tmp_path / "maps", "--jobs", "1",
                           env_extra={"JUPYTER_DATA_DIR": str(tmp_path / "jupyter"),
                                      "BROWSER_PATH": str(tmp_path / "no-chromium")})
    assert res.returncode == 1, res.stdout + res.stderr
    assert "ok     fr/10_profile-tone-1" in res.stdout and "Traceback" not in res.stderr
    (line,) = [ln for ln in res.stderr.splitlines() if "PDF" in ln]
    assert line.startswith("coopdata run: printing the PDFs FAILED: could not start a browser to print PDFs")
    assert "is not an executable file" in line and line.endswith("this run is kept in " + str(tmp_path / "out" /
                                                                                               "2024-05-01.failed"))
    assert not (tmp_path / "out" / "2024-05-01").exists()
    manifest = json.loads((tmp_path / "out/2024-05-01.failed/manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "failed" and "could not start a browser" in manifest["pdf"]["error"]


def test_set_pdf_dates_keeps_the_length():
    data = b"<< /CreationDate (D:20261203173235+00'00')\n/ModDate (D:20261203173235+00'00') >>"
    fixed = pdf.set_pdf_dates(data, "2024-05-01")
    assert len(fixed) == len(data) and fixed.count(b"D:20240501000000+00'00'") == 2
