"""Offline HTML export: the template drops every CDN block, outputs keep plotly and folium, nothing
is fetched from the network (checked on notebooks built in memory, no kernel needed)."""

from __future__ import annotations

import re

import folium
import nbformat
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from plotly.offline import get_plotlyjs

from coopdata.core.paths import TEMPLATES_DIR
from coopdata.report import html as htmlexport
from coopdata.report.html import OfflineHTMLError, export_html, external_resources, notebook_title, plotly_js_count
from coopdata.views.offline import offline_map

PLOTLY_INIT = f"<script>window.PlotlyConfig = {{MathJaxConfig: 'local'}};</script>\n<script>{get_plotlyjs()}</script>"


def _figure_html(title: str) -> str:
    """What plotly's notebook renderer writes for a figure (MathJax loader from a CDN included)."""
    fig = go.Figure(go.Bar(x=["Tône 1", "Oti 1"], y=[3, 1]), layout={"title": title})
    return pio.to_html(fig, include_plotlyjs=False, include_mathjax="cdn", full_html=False)


def _notebook(*outputs, code="fig.show()", markdown="# Chronologie des partenariats\n\nTexte $x^2$."):
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cell = new_code_cell(code, execution_count=1)
    cell.outputs = list(outputs)
    nb.cells = [new_markdown_cell(markdown), cell]
    return nb


def _html(text: str):
    return new_output("display_data", data={"text/html": text, "text/plain": "<Figure>"})


def test_the_template_is_not_named_index_and_extends_lab():
    assert (TEMPLATES_DIR / htmlexport.TEMPLATE_FILE).is_file()
    assert not list(TEMPLATES_DIR.rglob("index.html.j2"))
    assert "{%- extends 'lab/index.html.j2' -%}" in (TEMPLATES_DIR / htmlexport.TEMPLATE_FILE).read_text()


def test_external_resources_finds_loads_not_links():
    page = (
        '<a href="https://www.issy.com/">Issy</a>'
        '<script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"></script>'
        '<link rel="stylesheet" href="//maxcdn.bootstrapcdn.com/bootstrap.css">'
        '<style>@import url("https://fonts.googleapis.com/css?family=Roboto"); .x{background:url(http://a/b.png)}</style>'
        '<iframe srcdoc="&lt;script src=&quot;https://unpkg.com/x.js&quot;&gt;&lt;/script&gt;"></iframe>'
        '<script type="module">import "https://esm.sh/mermaid"</script>'
        '<img src="data:image/png;base64,AAAA"><script>var u = "https://example.org";</script>'
    )
    assert external_resources(page) == [
        "//maxcdn.bootstrapcdn.com/bootstrap.css", "http://a/b.png", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js",
        "https://esm.sh/mermaid", "https://fonts.googleapis.com/css?family=Roboto", "https://unpkg.com/x.js",
    ]


def test_plotly_figures_survive_with_plotly_js_once_and_no_cdn():
    nb = _notebook(_html(PLOTLY_INIT), _html(_figure_html("Partenariats par annee")),
                   _html(_figure_html("Modeles de cooperation")))
    assert "cdnjs.cloudflare.com/ajax/libs/mathjax" in nb.cells[1].outputs[1].data["text/html"]  # plotly adds it
    page = export_html(nb, lang="fr")
    assert external_resources(page) == []
    assert "cdnjs" not in page and "require.min.js" not in page and "unpkg.com" not in page
    assert plotly_js_count(page) == 1
    assert page.count("Plotly.newPlot(") == 2
    assert "Partenariats par annee" in page and "Modeles de cooperation" in page
    assert '<html lang="fr">' in page and "<title>Chronologie des partenariats</title>" in page
    assert "Texte $x^2$." in page  # no MathJax: shown as typed


def test_two_copies_of_plotly_js_are_refused():
    nb = _notebook(_html(PLOTLY_INIT), _html(PLOTLY_INIT))
    with pytest.raises(OfflineHTMLError, match="plotly.js 2 times"):
        export_html(nb)


def test_a_page_that_would_load_from_a_cdn_is_refused():
    nb = _notebook(_html('<script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"></script>'))
    with pytest.raises(OfflineHTMLError, match="cdn.jsdelivr.net/npm/leaflet@1.9.3"):
        export_html(nb, title="Carte")


def test_folium_map_in_srcdoc_iframe_is_self_contained():
    m = offline_map(location=[8.6, 1.0], zoom_start=6)
    folium.CircleMarker([10.86, 0.2], radius=8).add_to(m)
    nb = _notebook(_html(m._repr_html_()), code="m")
    page = export_html(nb)
    assert external_resources(page) == []
    assert "<iframe" in page and "srcdoc=" in page and "L.map(" in page
    assert "L.circleMarker" in page


def test_code_is_hidden_by_default_and_kept_with_show_code():
    stderr = new_output("stream", name="stderr", text="FutureWarning: something\n")
    stdout = new_output("stream", name="stdout", text="13 communes\n")
    nb = _notebook(stdout, stderr, code="print(len(communes), 'communes')")
    hidden = export_html(nb)
    assert "13 communes" in hidden and "print(" not in hidden and "FutureWarning" not in hidden
    shown = export_html(nb, show_code=True)
    assert "print" in shown and "FutureWarning" in shown and re.search(r"In\s\[1\]:", shown)


def test_remove_cell_tag_drops_the_cell():
    nb = _notebook(new_output("stream", name="stdout", text="secret\n"))
    nb.cells[1].metadata["tags"] = ["remove-cell"]
    assert "secret" not in export_html(nb)


def test_print_css_is_inlined_when_present(tmp_path, monkeypatch):
    css = tmp_path / "print.css"
    css.write_text("@media print { .cp-screen-only { display: none; } } /* marker-4242 */", encoding="utf-8")
    monkeypatch.setattr(htmlexport, "PRINT_CSS", css)
    assert "marker-4242" in export_html(_notebook())
    monkeypatch.setattr(htmlexport, "PRINT_CSS", tmp_path / "missing.css")
    assert "marker-4242" not in export_html(_notebook())


def test_notebook_title_is_the_first_heading():
    nb = _notebook(markdown="Intro\n\n## Fiche de présentation d’une commune ##\n\n# Later")
    assert notebook_title(nb) == "Fiche de présentation d’une commune"
    assert notebook_title(nbformat.v4.new_notebook(), "01_map") == "01_map"
