#!/usr/bin/env python3
"""How heavy and how fast the reports of a dated run are for a reader (run by hand, not a test).

    .venv/bin/python benchmarks/bench_pages.py outputs/2026-12-03            # every report, both languages
    .venv/bin/python benchmarks/bench_pages.py outputs/2026-12-03 --json pages.json

Each page is opened from ``file://`` in headless Chromium (Debian's) with the network cut, three
times, at 1280 px without throttling and with the CPU slowed 4× (Chrome DevTools
``Emulation.setCPUThrottlingRate``, what Lighthouse uses for a mid-range phone). For each it prints
the bytes loaded (the page and every file it asks for) and the median time to the load event and
to the first contentful paint. The test suite checks the bytes (tests/test_reader_pages.py); times
depend on the machine, so they live here.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
RUNS = 3
TIMING = """() => { const n = performance.getEntriesByType('navigation')[0];
    const p = performance.getEntriesByName('first-contentful-paint')[0];
    return {load: n.loadEventEnd, fcp: p ? p.startTime : null}; }"""


def measure(page, path: Path, throttle: float) -> dict:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
    loads, paints, files = [], [], set()

    def route(r):
        url = r.request.url
        if url.startswith("file:"):
            files.add(Path(unquote(urlparse(url).path)))
        if url.startswith(("file:", "data:", "about:")):
            r.continue_()
        else:
            r.abort()

    page.route("**/*", route)
    for _ in range(RUNS):
        page.goto(path.as_uri(), wait_until="load")
        t = page.evaluate(TIMING)
        loads.append(t["load"])
        if t["fcp"] is not None:
            paints.append(t["fcp"])
    page.unroute("**/*")
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    return {"bytes": sum(f.stat().st_size for f in files if f.is_file()),
            "load_ms": statistics.median(loads), "fcp_ms": statistics.median(paints) if paints else None}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path, help="a dated folder of coopdata run (outputs/DATE)")
    ap.add_argument("--json", type=Path, help="also write the measurements here")
    args = ap.parse_args()
    pages = sorted(p for p in args.run.glob("*/*.html"))
    if not pages:
        print(f"no report in {args.run}", file=sys.stderr)
        return 2
    rows = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        print(f"{'page':<44} {'KiB':>7} {'load ms':>8} {'fcp ms':>7} {'4x load':>8} {'4x fcp':>7}")
        for path in pages:
            fast = measure(page, path, 1)
            slow = measure(page, path, 4)
            row = {"page": str(path.relative_to(args.run)), "bytes": fast["bytes"], "load_ms": fast["load_ms"],
                   "fcp_ms": fast["fcp_ms"], "load_ms_4x": slow["load_ms"], "fcp_ms_4x": slow["fcp_ms"]}
            rows.append(row)
            print(f"{row['page']:<44} {row['bytes'] / 1024:>7.0f} {row['load_ms']:>8.0f} {row['fcp_ms'] or 0:>7.0f} "
                  f"{row['load_ms_4x']:>8.0f} {row['fcp_ms_4x'] or 0:>7.0f}")
        browser.close()
    for key in ("bytes", "load_ms", "load_ms_4x"):
        values = [r[key] for r in rows]
        print(f"{key:<10} median {statistics.median(values):>10.0f}   max {max(values):>10.0f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
