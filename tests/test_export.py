"""PNG export through kaleido and Debian's chromium (coopdata.report.png), and byte-stable CSV tables
written atomically (coopdata.core.io)."""

import os
import stat
import struct
import subprocess
import sys

import pandas as pd
import plotly.graph_objects as go
import pytest

from coopdata.core import io as core_io
from coopdata.report import png as export

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def small_figure():
    return go.Figure(go.Bar(x=["Tône 1", "Kloto 1"], y=[1, 2]), layout_title_text="Essai « é »")


def test_save_plotly_png_writes_a_valid_png(tmp_path):
    path = export.save_plotly_png(small_figure(), tmp_path / "sub" / "fig.png", width=400, height=300, scale=2)
    assert path == tmp_path / "sub" / "fig.png"
    data = path.read_bytes()
    assert png_size(data) == (800, 600)  # layout pixels × scale
    assert data.endswith(b"IEND\xaeB`\x82")
    assert [p.name for p in path.parent.iterdir()] == ["fig.png"]  # no temporary file left


def test_png_export_is_byte_identical(tmp_path):
    a = export.save_plotly_png(small_figure(), tmp_path / "a.png", width=500, height=350, scale=1)
    b = export.save_plotly_png(small_figure(), tmp_path / "b.png", width=500, height=350, scale=1)
    assert png_size(a.read_bytes()) == (500, 350)
    assert a.read_bytes() == b.read_bytes()


def test_height_defaults_to_the_figure_layout(tmp_path):
    fig = small_figure().update_layout(height=420)
    assert png_size(export.plotly_png_bytes(fig, width=300, scale=1)) == (300, 420)


def test_no_browser_is_a_clear_error(tmp_path, monkeypatch):
    export.close_renderer()
    monkeypatch.delenv(export.BROWSER_ENV, raising=False)
    monkeypatch.setattr(export.shutil, "which", lambda name: None)
    monkeypatch.setattr(export, "DEBIAN_CHROMIUM", str(tmp_path / "no-chromium"))
    with pytest.raises(RuntimeError, match="Install Debian's chromium package"):
        export.save_plotly_png(small_figure(), tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def test_browser_path_must_be_executable(tmp_path, monkeypatch):
    not_exe = tmp_path / "chromium"
    not_exe.write_text("#!/bin/sh\n")
    monkeypatch.setenv(export.BROWSER_ENV, str(not_exe))
    with pytest.raises(RuntimeError, match="is not an executable file.*chromium package"):
        export.find_chromium()


def test_debian_chromium_is_found_and_exported_to_choreographer(monkeypatch):
    monkeypatch.delenv(export.BROWSER_ENV, raising=False)
    path = export.find_chromium()
    assert path.endswith(("chromium", "chromium-browser"))
    assert export.os.environ[export.BROWSER_ENV] == path


def test_write_table_csv_is_deterministic(tmp_path):
    df = pd.DataFrame({
        "commune_id": ["zio-1", "tone-1", "kloto-1"],
        "commune": ["Zio 1", "Tône 1", "Kloto 1"],
        "density": [241484 / 889, 176605 / 438, None],
        "count": [2, 1, 2],
    })
    path = core_io.write_table_csv(df, tmp_path / "t.csv", sort_by="commune_id")
    data = path.read_bytes()
    assert data.decode("utf-8") == (
        "commune_id,commune,density,count\n"
        "kloto-1,Kloto 1,,2\n"
        "tone-1,Tône 1,403.208,1\n"
        "zio-1,Zio 1,271.636,2\n"
    )
    assert b"\r\n" not in data
    again = core_io.write_table_csv(df.iloc[::-1], tmp_path / "t2.csv", sort_by="commune_id")
    assert again.read_bytes() == data
    fixed = core_io.write_table_csv(df, tmp_path / "t3.csv", float_format="%.2f")
    assert fixed.read_text(encoding="utf-8").splitlines()[2] == "tone-1,Tône 1,403.21,1"


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"old\n")
    with pytest.raises(TypeError):
        core_io.write_bytes_atomic(path, "not bytes")
    assert path.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]


def test_atomic_write_gives_the_mode_of_a_new_file(tmp_path):
    old = os.umask(0o027)
    try:
        path = core_io.write_bytes_atomic(tmp_path / "t.csv", b"x\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # 0666 less the umask, as open() would give


# ----------------------------------------------------------------------------- shared renderer
CLIENT = """
import sys
from coopdata.report import png as export
import plotly.graph_objects as go
fig = go.Figure(go.Bar(x=["Tône 1", "Kloto 1"], y=[1, 2]), layout_title_text="Essai « é »")
sys.stdout.buffer.write(export.plotly_png_bytes(fig, width=500, height=350, scale=1))
assert export._renderer is None, "the kernel started a browser of its own"
"""


def test_shared_renderer_serves_other_processes_the_same_bytes(tmp_path, monkeypatch):
    monkeypatch.delenv(export.SERVER_ENV, raising=False)
    local = export.plotly_png_bytes(small_figure(), width=500, height=350, scale=1)
    with export.serve_png() as env:
        address = env[export.SERVER_ENV]
        runs = [subprocess.run([sys.executable, "-c", CLIENT], capture_output=True, env={**os.environ, **env},
                               timeout=120) for _ in range(2)]
    for run in runs:
        assert run.returncode == 0, run.stderr.decode()
        assert run.stdout == local
    assert not os.path.exists(address)  # socket and folder removed


def test_an_unreachable_server_means_rendering_here(tmp_path, monkeypatch):
    monkeypatch.setenv(export.SERVER_ENV, str(tmp_path / "gone.sock"))
    assert png_size(export.plotly_png_bytes(small_figure(), width=320, height=200, scale=1)) == (320, 200)


def test_a_server_side_failure_is_reported_not_hidden(monkeypatch):
    def broken():
        raise RuntimeError("browser crashed")

    with export.serve_png() as env:
        monkeypatch.setenv(export.SERVER_ENV, env[export.SERVER_ENV])
        monkeypatch.setattr(export, "_get_renderer", broken)
        with pytest.raises(RuntimeError, match="shared renderer: RuntimeError: browser crashed"):
            export.plotly_png_bytes(small_figure(), width=320, height=200, scale=1)
