"""The reader layer of the HTML export (coopdata.report.reader), on notebooks built in memory."""

from __future__ import annotations

import re

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from coopdata.report.html import export_html, notebook_title
from coopdata.report.reader import CONFLICTS_PAGE, link_conflicts


def _md(text, *tags):
    return new_markdown_cell(text, metadata={"tags": list(tags)})


def _html_out(text):
    return new_output("display_data", data={"text/html": text, "text/plain": "<HTML>"})


def _report():
    nb = new_notebook()
    table = "<table><caption>Tableau 1 : conflits</caption><tr><td>C09</td><td>Aiffres</td></tr></table>"
    nb.cells = [
        _md("# Chronologie\n\nLes partenariats.", "lang-fr"),
        _md("# Timelines\n\nThe partnerships.", "lang-en"),
        new_code_cell("lang = 'fr'", metadata={"tags": ["parameters"]},
                      outputs=[new_output("execute_result", data={"text/plain": "'fr'"}, execution_count=1)]),
        _md("## Par commune\n\nVoir C09.", "lang-fr"),
        _md("## By commune\n\nSee C09.", "lang-en"),
        new_code_cell("display(t)", outputs=[_html_out(table)]),
        new_code_cell("assert ok", metadata={"tags": ["check"]},
                      outputs=[new_output("stream", name="stdout", text="CHECK-OUTPUT\n")]),
        _md("### Détail\n\nTexte.", "lang-fr"),
        _md("### Detail\n\nText.", "lang-en"),
        _md("## Méthode\n\nLignes 976-986.", "annex", "lang-fr"),
        _md("## Method\n\nLines 976-986.", "annex", "lang-en"),
    ]
    return nb


@pytest.mark.parametrize(("lang", "title", "other"), [("fr", "Chronologie", "Timelines"),
                                                       ("en", "Timelines", "Chronologie")])
def test_a_report_keeps_one_language_and_hides_checks_and_parameters(lang, title, other):
    nb = _report()
    assert notebook_title(nb, lang=lang) == title
    page = export_html(nb, lang=lang, index_href="index.html")
    assert f'<html lang="{lang}">' in page
    assert f"<title>{title}</title>" in page
    assert other not in page and ("See" in page) == (lang == "en") and ("Voir" in page) == (lang == "fr")
    assert "CHECK-OUTPUT" not in page and "assert ok" not in page and "lang = " not in page


def test_the_report_has_a_back_link_a_table_of_contents_and_anchored_headings():
    page = export_html(_report(), lang="fr", index_href="index.html")
    assert re.search(r'<nav class="cp-topbar"[^>]*><a href="index.html">← Tous les rapports</a>', page)
    toc = re.search(r'<nav class="cp-toc" id="toc".*?</nav>', page, re.DOTALL).group(0)
    targets = re.findall(r'href="#([^"]+)"', toc)
    assert targets == ["par-commune", "detail", "annex"]
    for target in targets:
        assert f'id="{target}"' in page
    assert page.count("<h1") == 1


def test_the_annex_is_folded_at_the_end():
    page = export_html(_report(), lang="en")
    annex = page[page.index('<details class="cp-annex" id="annex">'):]
    assert "<summary>Annex: method, sources and data quality</summary>" in annex
    assert "Lines 976-986." in annex and "By commune" not in annex
    assert annex.index("</details>") < annex.index("</main>")


def test_tables_scroll_in_a_named_box_and_conflict_ids_link_to_their_row():
    page = export_html(_report(), lang="fr")
    assert re.search(r'<div class="cp-scroll" role="region" tabindex="0" aria-label="Tableau 1 : conflits"><table>',
                     page)
    assert page.count(f'href="{CONFLICTS_PAGE}#conflict-C09"') == 2  # the prose and the table cell
    target = export_html(_report(), lang="fr", page_name=CONFLICTS_PAGE)
    assert '<td id="conflict-C09">C09</td>' in target
    assert 'href="#conflict-C09"' in target  # the prose mention links to the row on the same page


def test_conflict_links_leave_scripts_links_and_other_words_alone():
    page = ('<html><head><title>C01</title></head><body><p>C01, C2, AC01, C123 et <a href="x">C02</a></p>'
            '<script>var C03 = 1;</script><svg><text>C04</text></svg></body></html>')
    out = link_conflicts(page, "02_timelines.html")
    assert out.count("cp-conflict") == 1 and '#conflict-C01">C01</a>, C2, AC01, C123' in out
    assert "<title>C01</title>" in out and "var C03" in out and "<text>C04</text>" in out


def test_plotly_figures_are_inline_svg_with_a_name():
    nb = new_notebook()
    svg = '<svg role="img" aria-label="Partenariats par décennie" viewBox="0 0 960 500"><rect/></svg>'
    nb.cells = [_md("# T", "lang-fr"), new_code_cell("fig", outputs=[new_output(
        "display_data", data={"image/svg+xml": svg, "application/vnd.plotly.v1+json": {"data": []}})])]
    page = export_html(nb, lang="fr")
    figure = re.search(r'<div [^>]*class="jp-RenderedSVG[^"]*cp-figure[^>]*>\s*<svg [^>]*>', page).group(0)
    assert 'tabindex="0"' in figure and 'role="img"' in figure
    assert 'aria-label="Partenariats par décennie"' in figure
    assert "plotly.js" not in page and "data:image/svg" not in page


def test_a_pandas_cell_id_gives_way_to_the_conflict_anchor():
    page = '<body><table><tr><td id="T_ab12_row0_col0" class="data">C12</td><td>C12</td></tr></table></body>'
    out = link_conflicts(page, CONFLICTS_PAGE)
    assert '<td class="data" id="conflict-C12">C12</td>' in out or '<td id="conflict-C12" class="data">C12</td>' in out
    assert out.count('id="conflict-C12"') == 1 and 'href="#conflict-C12"' in out


def test_every_map_frame_gets_a_title_even_when_its_document_has_one():
    from coopdata.report.reader import title_frames

    page = ('<iframe srcdoc="&lt;title&gt;x&lt;/title&gt; title=&quot;y&quot;" height="4"></iframe>'
            '<iframe title="Carte des partenaires" srcdoc="a"></iframe>')
    out = title_frames(page, "fr")
    assert out.startswith('<iframe title="Carte interactive" loading="lazy" srcdoc=')
    assert '<iframe loading="lazy" title="Carte des partenaires" srcdoc="a">' in out
