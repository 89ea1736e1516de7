"""Folium maps that render with no network: Leaflet inlined from the installed XStatic package.

folium loads Leaflet, jQuery, Bootstrap and Font Awesome from CDNs by default (class-level
``default_js`` / ``default_css`` lists). :func:`offline_map` returns a :class:`OfflineMap` whose
*instance* lists are empty (the class lists are never touched) and which, at render time, puts
into the page head:

- Leaflet 1.9.3 CSS as an inline ``<style>`` (its three ``url(images/...)`` images inlined as
  ``data:`` URIs) and Leaflet's JS as an inline ``<script>``, both read at run time from
  ``xstatic.pkg.leaflet.BASE_DIR`` (never copied into the repository);
- jQuery 3.7.1 (from ``xstatic.pkg.jquery``) only when the map holds something that needs it
  (folium's own ``Popup`` builds its content with ``$(...)``); the helpers :func:`bind_popup` and
  :func:`bind_tooltip` below do not need it, so the project's maps carry no jQuery.

The saved HTML, and the notebook output (folium renders into an ``<iframe srcdoc>``), are thus
self-contained. Anything that would still ask for a script or style sheet over the network raises
:class:`OfflineError` at render time rather than giving a blank map on a USB key.

Text put into popups, tooltips and controls goes through ``tojson`` (JSON with ``<``, ``>``, ``&``
and ``'`` escaped) into JavaScript, never into a JS template literal; callers escape data values
in the HTML they build (with :func:`coopdata.core.text.esc`).
"""

from __future__ import annotations

import base64
import functools
import json
import os
import re
from pathlib import Path

import folium
import xstatic.pkg.jquery as xj
import xstatic.pkg.leaflet as xl
from branca.element import CssLink, Element, Figure, JavascriptLink, MacroElement
from folium.template import Template

from coopdata.core.io import write_text_atomic
from coopdata.core.text import esc

LEAFLET_VERSION = "1.9.3"
JQUERY_VERSION = "3.7.1"

#: An online tile layer that :func:`offline_map` can add, hidden, when asked (``online_tiles=True``).
ONLINE_TILES = "OpenStreetMap"

_EXTERNAL = re.compile(
    r"""<(?:script|link|img|iframe)\b[^>]*?\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE
)


class OfflineError(RuntimeError):
    """A map would load a script or style sheet from the network."""


# ----------------------------------------------------------------------------- assets
def _leaflet_dir() -> Path:
    if xl.VERSION != LEAFLET_VERSION:
        raise OfflineError(f"XStatic-Leaflet {xl.VERSION} is installed; coopdata expects {LEAFLET_VERSION}")
    return Path(xl.BASE_DIR)


def _strip_source_map(js: str) -> str:
    return re.sub(r"^//# sourceMappingURL=.*$", "", js, flags=re.MULTILINE).rstrip() + "\n"


def _check_inlinable(text: str, tag: str, what: str) -> str:
    if f"</{tag}" in text.lower():
        raise OfflineError(f"{what} contains '</{tag}' and cannot be inlined as is")
    return text


@functools.cache
def leaflet_js() -> str:
    """Leaflet's minified JS, as shipped by XStatic-Leaflet (source-map comment removed)."""
    js = (_leaflet_dir() / "leaflet.js").read_text(encoding="utf-8")
    return _check_inlinable(_strip_source_map(js), "script", "leaflet.js")


def _leaflet_image_uri(name: str) -> str:
    """One of XStatic-Leaflet's ``images/*.png`` as a ``data:`` URI."""
    data = base64.b64encode((_leaflet_dir() / "images" / name).read_bytes()).decode("ascii")
    return f"data:image/png;base64,{data}"


@functools.cache
def leaflet_css() -> str:
    """Leaflet's CSS with its ``url(images/*.png)`` replaced by ``data:`` URIs."""
    base = _leaflet_dir()
    css = (base / "leaflet.css").read_text(encoding="utf-8")

    def inline(match: re.Match) -> str:
        return f"url({_leaflet_image_uri(match.group(1))})"

    css = re.sub(r"url\(\s*['\"]?images/([A-Za-z0-9_.-]+\.png)['\"]?\s*\)", inline, css)
    if re.search(r"url\(\s*['\"]?(?!data:|#)", css):
        raise OfflineError("leaflet.css still refers to a file after inlining its images")
    return _check_inlinable(css, "style", "leaflet.css")


@functools.cache
def leaflet_icon_js() -> str:
    """Point Leaflet's default marker icon at ``data:`` URIs.

    Leaflet finds its marker images by reading the path of ``marker-icon.png`` out of its CSS; once
    the CSS images are inlined that path is empty and every ``L.marker`` (folium creates one even
    for a ``DivIcon`` label, before it sets the icon) asks for ``./marker-icon.png`` beside the page.
    """
    options = {"iconUrl": _leaflet_image_uri("marker-icon.png"),
               "iconRetinaUrl": _leaflet_image_uri("marker-icon-2x.png"),
               "shadowUrl": _leaflet_image_uri("marker-shadow.png")}
    return 'L.Icon.Default.imagePath = "";\nL.Icon.Default.mergeOptions(' + json.dumps(options) + ");\n"


@functools.cache
def jquery_js() -> str:
    if xj.VERSION != JQUERY_VERSION:
        raise OfflineError(f"XStatic-jQuery {xj.VERSION} is installed; coopdata expects {JQUERY_VERSION}")
    js = (Path(xj.BASE_DIR) / "jquery.min.js").read_text(encoding="utf-8")
    return _check_inlinable(_strip_source_map(js), "script", "jquery.min.js")


class RawHtml(Element):
    """An element rendered verbatim (not parsed as a Jinja template, unlike ``branca.Element``)."""

    def __init__(self, text: str):
        super().__init__()
        self._name = "RawHtml"
        self._text = text

    def render(self, **kwargs) -> str:
        return self._text


# ----------------------------------------------------------------------------- the map
def _walk(element):
    yield element
    for child in list(element._children.values()):
        yield from _walk(child)


class OfflineMap(folium.Map):
    """A ``folium.Map`` that inlines Leaflet (and jQuery only if needed) instead of CDN links."""

    def __init__(self, *args, jquery: bool | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # New lists on the instance: folium's class-level lists stay as they are.
        self.default_js = []
        self.default_css = []
        self.jquery = jquery

    def needs_jquery(self) -> bool:
        if self.jquery is not None:
            return bool(self.jquery)
        if self.objects_to_stay_in_front:
            return True
        return any(isinstance(el, folium.Popup) for el in _walk(self))

    def render(self, **kwargs):
        figure = self.get_root()
        if not isinstance(figure, Figure):
            raise OfflineError("an OfflineMap must be inside a Figure to render")
        header = figure.header
        header.add_child(RawHtml(f"<style>\n{leaflet_css()}</style>"), name="leaflet_css")
        header.add_child(RawHtml(f"<script>\n{leaflet_js()}</script>"), name="leaflet")
        header.add_child(RawHtml(f"<script>\n{leaflet_icon_js()}</script>"), name="leaflet_icons")
        if self.needs_jquery():
            header.add_child(RawHtml(f"<script>\n{jquery_js()}</script>"), name="jquery")
        super().render(**kwargs)
        remote = [
            f"{name}: {el.url}"
            for name, el in header._children.items()
            if isinstance(el, JavascriptLink | CssLink) and not str(el.url).startswith("data:")
        ]
        if remote:
            raise OfflineError(
                "these map elements load assets from the network, which offline maps cannot do: " + "; ".join(remote)
            )


def offline_map(*, online_tiles: bool = False, **kwargs) -> OfflineMap:
    """A folium map with no tiles (draw ``data/geo`` layers as the background) and inlined Leaflet.

    ``online_tiles=True`` adds an OpenStreetMap layer, hidden by default, that a reader with a
    network can switch on in the layer control; nothing needs it. Other keyword arguments go to
    ``folium.Map`` (``tiles`` is forced to ``None``).
    """
    if kwargs.get("tiles") not in (None, ""):
        raise ValueError("offline maps have no tiles; use online_tiles=True for an optional online layer")
    kwargs["tiles"] = None
    kwargs.setdefault("control_scale", True)
    m = OfflineMap(**kwargs)
    if online_tiles:
        folium.TileLayer(ONLINE_TILES, name=ONLINE_TILES, overlay=True, show=False, control=True).add_to(m)
    return m


def render_html(m: folium.Map, title: str | None = None) -> str:
    """The standalone HTML page of a map (as :func:`save_map` writes it)."""
    figure = m.get_root()
    if title is not None:
        figure.title = esc(title)
    return figure.render()


def external_assets(page: str) -> list[str]:
    """Tags of ``page`` that would load a script, style sheet, image or frame over the network."""
    return [m.group(0) for m in _EXTERNAL.finditer(page)]


def save_map(m: folium.Map, path: str | os.PathLike, title: str | None = None) -> Path:
    """Write the map as one standalone HTML file, atomically; refuse if it would need the network."""
    page = render_html(m, title)
    remote = external_assets(page)
    if remote:
        raise OfflineError(f"map HTML would load from the network: {remote[:3]}")
    return write_text_atomic(path, page)


# ----------------------------------------------------------------------------- safe helpers
class _Bind(MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.{{ this.method }}({{ this.content|tojson }}, {{ this.options|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, method: str, content: str, options: dict):
        super().__init__()
        self._name = "Bind"
        self.method = method
        self.content = content
        self.options = options


def bind_popup(layer, content_html: str, max_width: int = 320):
    """Bind a popup whose HTML (already escaped by the caller) is passed as a JSON string (no jQuery)."""
    layer.add_child(_Bind("bindPopup", content_html, {"maxWidth": max_width}))
    return layer


def bind_tooltip(layer, content_html: str, sticky: bool = True, permanent: bool = False,
                 direction: str = "auto", class_name: str | None = None):
    """Bind a tooltip whose HTML (already escaped by the caller) is passed as a JSON string.

    ``permanent=True`` makes it a label (e.g. a region name at the polygon's centre).
    """
    options = {"sticky": sticky, "permanent": permanent, "direction": direction}
    if class_name:
        options["className"] = class_name
    layer.add_child(_Bind("bindTooltip", content_html, options))
    return layer


class HtmlControl(MacroElement):
    """A Leaflet control holding a block of HTML (legend, caption); clicks and wheel stay in it."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <style>
            .coop-control { background: rgba(255,255,255,0.92); padding: 6px 9px; border-radius: 4px;
                box-shadow: 0 1px 4px rgba(0,0,0,0.35); font: 12px/1.35 "DejaVu Sans", Arial, sans-serif;
                color: #222; max-height: 60vh; max-width: 17em; overflow-y: auto; }
            .coop-control h4 { margin: 0 0 4px; font-size: 13px; }
            .coop-control .sw { display: inline-block; width: 12px; height: 12px; border-radius: 50%;
                vertical-align: middle; margin-right: 5px; border: 1px solid #333; }
            .coop-control .ln { display: inline-block; width: 22px; height: 0; vertical-align: middle;
                margin-right: 5px; border-top-width: 3px; }
            .coop-caption { max-width: 46em; font-size: 11px; }
            </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
            {{ this.get_name() }}.onAdd = function (map) {
                var div = L.DomUtil.create('div', {{ this.css_class|tojson }});
                div.innerHTML = {{ this.content|tojson }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, content_html: str, position: str = "bottomleft", css_class: str = "coop-control"):
        super().__init__()
        self._name = "HtmlControl"
        if position not in ("topleft", "topright", "bottomleft", "bottomright"):
            raise ValueError(f"bad control position {position!r}")
        self.content = content_html
        self.position = position
        self.css_class = css_class


class Attribution(MacroElement):
    """Replace Leaflet's attribution prefix (a link to leafletjs.com) by plain text attributions."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.attributionControl.setPrefix({{ this.prefix|tojson }});
            {%- for text in this.texts %}
            {{ this._parent.get_name() }}.attributionControl.addAttribution({{ text|tojson }});
            {%- endfor %}
        {% endmacro %}
        """
    )

    def __init__(self, texts: list[str], prefix: str = "Leaflet"):
        super().__init__()
        self._name = "Attribution"
        self.texts = [esc(t) for t in texts]
        self.prefix = esc(prefix)


class Caption(MacroElement):
    """A block of HTML shown *below* the map (title, sources, attribution), never over the data.

    The page becomes a flex column: the map takes the remaining height, the caption its own.
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <style>
            body { display: flex; flex-direction: column; }
            .folium-map { flex: 1 1 auto; height: auto !important; min-height: 200px; }
            .coop-caption-below { flex: 0 0 auto; padding: 5px 10px 6px; background: #fff; color: #333;
                border-top: 1px solid #ccc; font: 11.5px/1.4 "DejaVu Sans", Arial, sans-serif; }
            .coop-caption-below b { font-size: 12.5px; }
            </style>
        {% endmacro %}
        {% macro html(this, kwargs) %}
            <div class="coop-caption-below">{{ this.content }}</div>
        {% endmacro %}
        """
    )

    def __init__(self, content_html: str):
        super().__init__()
        self._name = "Caption"
        self.content = content_html
