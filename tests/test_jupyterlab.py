"""The executed notebooks of a batch run, opened in a real JupyterLab: maps and figures show.

papermill's outputs are untrusted, and JupyterLab drops the HTML (folium's ``<iframe srcdoc>``) of
an untrusted notebook; the runner signs them. This test starts JupyterLab on 127.0.0.1 with the
batch's Jupyter data folder (where the signatures are), opens the executed French notebooks in
headless Chromium and checks that every folium map is drawn by Leaflet inside its iframe and every
plotly figure is drawn by JupyterLab's plotly renderer. Nothing may be fetched beyond the server.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.notebooks]

LEAFLET_DRAWN = """() => document.querySelectorAll('.leaflet-overlay-pane path').length > 0"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def lab_server(root, jupyter_dir, tmp):
    """JupyterLab serving ``root`` on 127.0.0.1, with ``jupyter_dir`` as its data folder; yields (url, token)."""
    port, token = _free_port(), secrets.token_hex(16)
    env = {"JUPYTER_DATA_DIR": str(jupyter_dir), "JUPYTER_CONFIG_DIR": str(tmp / "config"),
           "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"), "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces")}
    log_path = tmp / "lab.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
             f"--ServerApp.port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
             "--ServerApp.allow_root=True", "--LabApp.news_url=",
             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
            env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"JupyterLab did not start:\n{log_path.read_text()}")
                time.sleep(0.5)
            yield base, token
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="module")
def lab_root(batch, tmp_path_factory):
    """A copy of the dated folder (JupyterLab writes checkpoints beside what it opens); signatures
    are by content, so the copies are as trusted as the originals."""
    out, _ = batch
    root = tmp_path_factory.mktemp("lab_root") / out.name
    shutil.copytree(out, root)
    return root


@pytest.fixture(scope="module")
def lab(lab_root, batch_jupyter_dir, tmp_path_factory):
    with lab_server(lab_root, batch_jupyter_dir, tmp_path_factory.mktemp("lab")) as server:
        yield server


def _executed_notebooks(out):
    """The French analytical notebooks and one commune profile (the 13 profiles are one notebook, run
    13 times; opening each in JupyterLab costs ~10 s and would prove nothing more)."""
    found = sorted((out / "notebooks" / "fr").glob("*.ipynb"))
    profiles = [p for p in found if p.name.startswith("10_commune_profile")]
    return [p for p in found if p not in profiles] + profiles[:1]


def _expected(path) -> tuple[int, int]:
    """(plotly figures, folium maps) among the saved outputs of an executed notebook."""
    nb = nbformat.read(path, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    n_plotly = sum("application/vnd.plotly.v1+json" in o.get("data", {}) for o in outputs)
    n_maps = sum("leaflet" in str(o.get("data", {}).get("text/html", "")).lower() for o in outputs)
    return n_plotly, n_maps


VISIBLE = ".jp-NotebookPanel:not(.lm-mod-hidden)"
PLOTS_DRAWN = """panel => [...document.querySelectorAll(panel + ' .jp-OutputArea-output.js-plotly-plot')]
    .filter(el => el.querySelector('svg.main-svg')).length"""


def check_in_lab(browser, base: str, token: str, out, notebooks=None) -> tuple[list[str], list[str], dict]:
    """Open the executed notebooks of ``out`` (default: every French one) in JupyterLab.

    Returns (problems, requests that left the server, {notebook: {"plotly"|"maps": (drawn, expected)}}).
    """
    problems, leaving, counts = [], [], {}
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, service_workers="block")

    def route(r):
        if r.request.url.startswith((base, "data:", "blob:", "about:")):
            r.continue_()
        else:
            leaving.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    try:
        for path in notebooks or _executed_notebooks(out):
            n_plotly, n_maps = _expected(path)
            rel = path.relative_to(out).as_posix()
            page = context.new_page()
            try:
                # ?reset: a fresh workspace, so that only this notebook is open
                page.goto(f"{base}/lab/tree/{rel}?reset&token={token}", wait_until="domcontentloaded",
                          timeout=90_000)
                page.locator(f"{VISIBLE} .jp-Cell").first.wait_for(timeout=90_000)
                # JupyterLab attaches and paints cells as they come into view: scroll to the end.
                scroller = page.locator(f"{VISIBLE} .jp-WindowedPanel-outer").first
                still = 0
                for _ in range(300):  # until the end stays the end for a while (outputs load as they come)
                    moved = scroller.evaluate("el => { const t = el.scrollTop; el.scrollBy(0, 800); "
                                              "return el.scrollTop !== t; }")
                    page.wait_for_timeout(60)
                    still = 0 if moved else still + 1
                    if still >= 15:
                        break
                # jupyterlab-plotly's mime renderer draws into the output element itself
                plots = page.evaluate(PLOTS_DRAWN, VISIBLE)
                drawn = 0
                for handle in page.locator(f"{VISIBLE} .jp-OutputArea-output iframe").element_handles():
                    handle.scroll_into_view_if_needed()
                    frame = handle.content_frame()
                    try:
                        frame.wait_for_function(LEAFLET_DRAWN, timeout=20_000)
                        drawn += 1
                    except Exception:  # noqa: BLE001
                        pass
                counts[rel] = {"plotly": (plots, n_plotly), "maps": (drawn, n_maps)}
                if plots < n_plotly:
                    problems.append(f"{rel}: {plots} plotly figures drawn of {n_plotly}")
                if drawn < n_maps:
                    problems.append(f"{rel}: {drawn} folium maps drawn of {n_maps}")
            finally:
                page.close()
                _shut_down_kernels(base, token)
    finally:
        context.close()
    return problems, leaving, counts


def _shut_down_kernels(base: str, token: str) -> None:
    """Opening a notebook starts its kernel: end them, so that 18 idle kernels do not pile up."""
    with urllib.request.urlopen(f"{base}/api/sessions?token={token}", timeout=10) as r:
        sessions = json.load(r)
    for session in sessions:
        req = urllib.request.Request(f"{base}/api/sessions/{session['id']}?token={token}", method="DELETE")
        with contextlib.suppress(OSError):
            urllib.request.urlopen(req, timeout=30).close()


def test_every_executed_notebook_shows_its_maps_and_figures_in_jupyterlab(browser, lab_root, lab):
    out = lab_root
    base, token = lab
    assert _executed_notebooks(out), "the batch wrote no executed notebook"
    problems, leaving, counts = check_in_lab(browser, base, token, out)
    assert not problems, problems
    assert sum(n for c in counts.values() for n, _ in c.values()) > 0, counts
    assert leaving == []


def test_an_unsigned_notebook_hides_its_map(browser, lab_root, lab):
    """The control: the same notebook, changed by one metadata key and so no longer signed, shows no map."""
    out = lab_root
    base, token = lab
    source = out / "notebooks" / "fr" / "01_map.ipynb"
    nb = nbformat.read(source, as_version=4)
    nb.metadata["coopdata_test"] = "unsigned copy"
    copy = out / "notebooks" / "unsigned" / "01_map.ipynb"
    copy.parent.mkdir()
    nbformat.write(nb, copy)
    problems, _, counts = check_in_lab(browser, base, token, out, notebooks=[copy])
    assert counts["notebooks/unsigned/01_map.ipynb"]["maps"] == (0, 1), counts
    assert problems == ["notebooks/unsigned/01_map.ipynb: 0 folium maps drawn of 1"]
