"""Every HTML file of a real batch run, opened in headless Chromium with the network cut.

The session fixture runs ``coopdata run --jobs 2`` once over the project's notebooks (whatever
exists of them) into a temporary folder. Each page is then opened from ``file://`` with every other
request aborted and recorded; a test fails if a page asks the network for anything, logs a console
error, or leaves a plotly figure or a folium map undrawn.

Chromium is Debian's (``/usr/bin/chromium``; ``COOPDATA_CHROMIUM`` overrides); Playwright never
downloads a browser here. Where it is missing the tests skip and say why, except when ``CI`` is
set: there a missing browser fails the run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.notebooks]

LOCAL = ("file:", "data:", "blob:", "about:")
TIMEOUT_MS = 90_000

PLOTS_DRAWN = """() => [...document.querySelectorAll('.plotly-graph-div')].every(
    gd => gd.classList.contains('js-plotly-plot') && gd.querySelector('svg.main-svg')
          && gd._fullData && gd._fullData.length > 0)"""
MAP_DRAWN = """() => { const c = document.querySelector('.leaflet-container');
    return !!c && c.getBoundingClientRect().width > 0
           && document.querySelectorAll('.leaflet-overlay-pane path').length > 0; }"""


def _open(browser, path: Path):
    """Open ``path`` offline; return (page, context, requests that tried to leave, console errors)."""
    context = browser.new_context(service_workers="block", viewport={"width": 1280, "height": 900})
    leaving: list[str] = []
    errors: list[str] = []

    def route(r):
        if r.request.url.startswith(LOCAL):
            r.continue_()
        else:
            leaving.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    context.on("request", lambda req: None if req.url.startswith(LOCAL) or req.url in leaving
               else leaving.append(req.url))
    page = context.new_page()
    def console(msg):
        if msg.type == "error":
            url = (msg.location or {}).get("url", "")
            errors.append(f"{msg.text} ({url})" if url and url not in msg.text else msg.text)

    page.on("console", console)
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    page.goto(path.as_uri(), wait_until="load", timeout=TIMEOUT_MS)
    return page, context, leaving, errors


def _check_report(browser, path: Path, timeout: int = TIMEOUT_MS) -> list[str]:
    problems = []
    source = path.read_text(encoding="utf-8")
    page, context, leaving, errors = _open(browser, path)
    try:
        expected_plots = source.count("Plotly.newPlot(")
        divs = page.locator(".plotly-graph-div").count()
        if divs != expected_plots:
            problems.append(f"{divs} plotly divs for {expected_plots} figures")
        if divs:
            try:
                page.wait_for_function(PLOTS_DRAWN, timeout=timeout)
            except Exception:
                problems.append("a plotly figure is not drawn (no .js-plotly-plot with svg.main-svg and data)")
        for i, frame_el in enumerate(page.locator("iframe").element_handles()):
            frame_el.scroll_into_view_if_needed()  # maps load lazily, when a reader scrolls to them
            frame = frame_el.content_frame()
            if frame is None:
                problems.append(f"iframe {i} has no document")
                continue
            try:
                frame.wait_for_function(MAP_DRAWN, timeout=timeout)
            except Exception:
                problems.append(f"iframe {i}: no .leaflet-container with drawn paths")
        page.wait_for_timeout(300)  # late console errors
    finally:
        context.close()
    problems += [f"request left the file: {u}" for u in leaving]
    problems += [f"console error: {e}" for e in errors]
    return problems


def _check_map(browser, path: Path) -> list[str]:
    page, context, leaving, errors = _open(browser, path)
    problems = []
    try:
        page.wait_for_function(MAP_DRAWN, timeout=TIMEOUT_MS)
    except Exception:
        problems.append("no .leaflet-container with drawn paths")
    finally:
        context.close()
    return problems + [f"request left the file: {u}" for u in leaving] + [f"console error: {e}" for e in errors]


def _report(results: dict[Path, list[str]], root: Path) -> str:
    return "\n".join(f"{p.relative_to(root)}: {'; '.join(msgs)}" for p, msgs in results.items() if msgs)


def test_every_report_renders_offline(browser, batch):
    out, _ = batch
    reports = sorted(out.glob("*/*.html"))
    assert reports, "no HTML report"
    results = {p: _check_report(browser, p) for p in reports}
    problems = _report(results, out)
    assert not problems, problems


def test_the_index_renders_offline(browser, batch):
    out, _ = batch
    results = {out / "index.html": _check_report(browser, out / "index.html")}
    problems = _report(results, out)
    assert not problems, problems


def test_every_standalone_map_renders_offline(browser, batch):
    out, maps = batch
    pages = sorted(out.glob("*/*/maps/*.html")) + sorted(maps.glob("*/*.html"))
    if not pages:
        pytest.skip("the notebooks wrote no standalone map yet")
    results = {p: _check_map(browser, p) for p in pages}
    problems = _report(results, out.parent.parent)
    assert not problems, problems


def test_the_network_cut_is_real(browser, tmp_path):
    """The harness itself: a page asking a CDN is caught, and its figure is reported undrawn."""
    page_path = tmp_path / "bad.html"
    page_path.write_text('<!DOCTYPE html><html><head><script src="https://cdn.plot.ly/plotly-3.0.0.min.js"></script>'
                         '</head><body><div class="plotly-graph-div" id="p"></div>'
                         '<script>Plotly.newPlot("p", [{"y": [1, 2]}])</script></body></html>', encoding="utf-8")
    problems = _check_report(browser, page_path, timeout=3000)
    assert "request left the file: https://cdn.plot.ly/plotly-3.0.0.min.js" in problems
    assert any("Plotly is not defined" in p for p in problems), problems
    assert any("not drawn" in p for p in problems)
