"""PNG export of plotly figures, the same bytes on every run (kaleido 1.x); CSV tables: coopdata.core.io.

PNGs are rendered by kaleido 1.x in the Debian ``chromium`` browser, with plotly.js from the
installed plotly package and MathJax off, so nothing is fetched from the network. The browser is
started once per process, on the first export, and kept open (about 3 s for the first figure, then
about 0.25 s each); it is closed when the process exits.

kaleido's own ``start_sync_server()`` keeps a browser open the same way, but if the browser cannot
start its worker thread dies and every later export waits forever. This module keeps the browser in
its own event-loop thread instead, so a failure is raised at once and every wait has a time limit.

A batch run executes many notebooks, each in its own kernel: starting one Chromium per kernel
costs about 2.2 s of CPU and a few hundred MB each. :func:`serve_png` lets the runner keep **one**
renderer for the whole run, listening on a Unix socket whose path it puts in
``$COOPDATA_PNG_SERVER``; :func:`plotly_png_bytes` in the kernels then sends the figure there and
gets the PNG back. Without that variable (JupyterLab, papermill by hand) or when the server cannot be
reached, the kernel renders the figure itself as before.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import shutil
import socket
import socketserver
import struct
import tempfile
import threading
from pathlib import Path

from plotly.io.json import to_json_plotly  # numpy arrays and dates, as plotly itself encodes them

from coopdata.core.io import write_bytes_atomic

BROWSER_ENV = "BROWSER_PATH"  # read by choreographer, kaleido's browser driver
SERVER_ENV = "COOPDATA_PNG_SERVER"  # Unix socket of a shared renderer (set by the batch runner)
DEBIAN_CHROMIUM = "/usr/bin/chromium"
START_TIMEOUT_S = 120.0
RENDER_TIMEOUT_S = 120.0
NO_BROWSER = (
    "No Chromium browser found to export plotly figures as PNG. Install Debian's chromium package "
    "(sudo apt-get install chromium) or set the BROWSER_PATH environment variable to a Chromium or "
    "Chrome executable."
)


def find_chromium() -> str:
    """The browser kaleido will use: $BROWSER_PATH if set, else Debian's chromium (sets $BROWSER_PATH).

    choreographer (kaleido's browser driver) would otherwise prefer a Chrome it downloaded itself
    into the user's home; the project uses the system browser, so the path is always given.
    """
    configured = os.environ.get(BROWSER_ENV)
    if configured:
        if not _is_executable(configured):
            raise RuntimeError(f"BROWSER_PATH={configured!r} is not an executable file. {NO_BROWSER}")
        return configured
    for candidate in (shutil.which("chromium"), DEBIAN_CHROMIUM, shutil.which("chromium-browser")):
        if candidate and _is_executable(candidate):
            os.environ[BROWSER_ENV] = candidate
            return candidate
    raise RuntimeError(NO_BROWSER)


def _is_executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


class _Renderer:
    """One kaleido browser kept open in a background event loop (one per process)."""

    def __init__(self, browser: str) -> None:
        # start-up: kaleido costs 80-145 ms per process; batch kernels import this module, render via serve_png
        import kaleido

        self.browser = browser
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="coopdata-kaleido", daemon=True)
        self._thread.start()
        # mathjax=False: no CDN request; plotly.js comes from the installed plotly package.
        self._kaleido = kaleido.Kaleido(n=1, timeout=RENDER_TIMEOUT_S, mathjax=False, path=browser)
        try:
            self._call(self._kaleido.__aenter__(), START_TIMEOUT_S)
        except BaseException:
            self._loop.call_soon_threadsafe(self._loop.stop)
            raise

    def _call(self, coroutine, timeout: float):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def png(self, fig_dict: dict, width: int, height: int, scale: float, fmt: str = "png") -> bytes:
        opts = {"format": fmt, "width": width, "height": height, "scale": scale}
        return self._call(self._kaleido.calc_fig(fig_dict, opts=opts), RENDER_TIMEOUT_S + 10)

    def close(self) -> None:
        try:
            self._call(self._kaleido.__aexit__(None, None, None), 30)
        except Exception:  # noqa: BLE001  (best effort at exit)
            pass
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


_renderer: _Renderer | None = None
_lock = threading.Lock()
_close_at_exit = False


def _get_renderer() -> _Renderer:
    global _renderer, _close_at_exit
    with _lock:
        if _renderer is None:
            browser = find_chromium()
            try:
                _renderer = _Renderer(browser)
            except Exception as exc:
                raise RuntimeError(f"Could not start the browser {browser!r} for PNG export: {exc}") from exc
            if not _close_at_exit:
                atexit.register(close_renderer)
                _close_at_exit = True
        return _renderer


def close_renderer() -> None:
    """Close the export browser (done automatically at exit)."""
    global _renderer
    with _lock:
        if _renderer is not None:
            _renderer.close()
            _renderer = None


def plotly_png_bytes(fig, width: int = 1100, height: int | None = None, scale: float = 2,
                     fmt: str = "png") -> bytes:
    """The PNG (or, with ``fmt="svg"``, SVG) of a plotly figure. ``height`` defaults to the layout's, else 600.

    Rendered by the shared renderer of ``$COOPDATA_PNG_SERVER`` when there is one, else in this process.
    """
    fig_dict = fig.to_dict() if hasattr(fig, "to_dict") else dict(fig)
    layout = fig_dict.get("layout", {})
    width = int(width or layout.get("width") or 1100)
    height = int(height or layout.get("height") or 600)
    address = os.environ.get(SERVER_ENV)
    if address:
        try:
            return _request_png(address, fig_dict, width, height, scale, fmt)
        except OSError:  # no server (any more), ConnectionError included: render here
            pass
    return _get_renderer().png(fig_dict, width, height, scale, fmt)


def plotly_svg_text(fig, width: int = 1100, height: int | None = None) -> str:
    """The SVG of a plotly figure (text), for reports that show figures without loading plotly.js."""
    return plotly_png_bytes(fig, width=width, height=height, scale=1, fmt="svg").decode("utf-8")


# ----------------------------------------------------------------------------- shared renderer
# One message each way: 8-byte big-endian length, then the body. Request body: JSON
# {"fig", "width", "height", "scale", "format"}; reply body: b"P" + PNG bytes, or b"E" + UTF-8 error text.
def _send(sock: socket.socket, body: bytes) -> None:
    sock.sendall(struct.pack(">Q", len(body)) + body)


def _receive(sock: socket.socket) -> bytes:
    def exactly(n: int) -> bytes:
        chunks = []
        while n:
            chunk = sock.recv(min(n, 1 << 20))
            if not chunk:
                raise ConnectionError("the PNG server closed the connection")
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    (length,) = struct.unpack(">Q", exactly(8))
    return exactly(length)


def _request_png(address: str, fig_dict: dict, width: int, height: int, scale: float, fmt: str = "png") -> bytes:
    body = to_json_plotly({"fig": fig_dict, "width": width, "height": height, "scale": scale,
                           "format": fmt}).encode("utf-8")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(RENDER_TIMEOUT_S + 30)
        sock.connect(address)
        _send(sock, body)
        reply = _receive(sock)
    if reply[:1] == b"P":
        return reply[1:]
    raise RuntimeError(f"PNG export failed in the shared renderer: {reply[1:].decode('utf-8', 'replace')}")


class _PngHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        try:
            request = json.loads(_receive(self.request))
            with self.server.render_lock:  # one browser tab: one figure at a time
                png = _get_renderer().png(request["fig"], int(request["width"]), int(request["height"]),
                                          float(request["scale"]), request.get("format", "png"))
            _send(self.request, b"P" + png)
        except ConnectionError:
            return
        except Exception as exc:  # noqa: BLE001  (reported to the kernel that asked)
            with contextlib.suppress(OSError):
                _send(self.request, b"E" + f"{exc.__class__.__name__}: {exc}".encode())


class _PngServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def __init__(self, address: str):
        super().__init__(address, _PngHandler)
        self.render_lock = threading.Lock()


@contextlib.contextmanager
def serve_png():
    """Serve PNG exports from this process's renderer on a Unix socket; yields ``{SERVER_ENV: path}``.

    The browser starts on the first request (a run without plotly figures starts none); the socket
    and its folder are removed on exit.
    """
    had_renderer = _renderer is not None
    folder = tempfile.mkdtemp(prefix="coopdata-png-")
    address = os.path.join(folder, "render.sock")
    server = _PngServer(address)
    thread = threading.Thread(target=server.serve_forever, name="coopdata-png-server", daemon=True)
    thread.start()
    try:
        yield {SERVER_ENV: address}
    finally:
        server.shutdown()
        server.server_close()
        shutil.rmtree(folder, ignore_errors=True)
        if not had_renderer:
            close_renderer()


def save_plotly_png(fig, path, width: int = 1100, height: int | None = None, scale: float = 2) -> Path:
    """Write ``fig`` as a PNG at ``path`` (atomically) and return the path.

    Raises RuntimeError (saying to install Debian's chromium) when no browser is found.
    """
    data = plotly_png_bytes(fig, width=width, height=height, scale=scale)
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise RuntimeError(f"kaleido did not return a PNG for {path}")
    return write_bytes_atomic(path, data)
