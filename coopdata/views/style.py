"""The one visual vocabulary: each thing has one colour, one symbol and one way of being written, everywhere.

Maps, charts, tables and the commune sheet all take their colours, fonts and number and date formats from
here, so a cooperation model has the same colour on the territory map, the partner map, the timeline, the
counts and the profile. Labels are not here: they come from ``coopdata.core.i18n.tr``.
"""

from __future__ import annotations

import datetime as dt

from coopdata.core.i18n import check_lang
from coopdata.core.text import is_missing

FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"

#: Cooperation models, in the order legends list them. Okabe-Ito colours first (readable with the
#: common colour-vision deficiencies) for the five models of Tableau n°01, then the leads and mentions.
MODEL_COLOURS = {
    "jumelage": "#0072B2",
    "hors_jumelage": "#56B4E9",
    "regionale": "#009E73",
    "syndicat": "#E69F00",
    "osc": "#CC79A7",
    "pourparlers": "#6F6F6F",
    "sud_sud": "#D55E00",
    "triangulaire": "#8C564B",
    "diaspora": "#B8A100",
    "associative": "#6A3D9A",
    "religieuse": "#B15928",
}
MODELS = tuple(MODEL_COLOURS)
NO_MODEL_COLOUR = "#BDBDBD"


def model_colour(model) -> str:
    """The colour of a cooperation model (grey for none or an unknown model)."""
    return MODEL_COLOURS.get(model, NO_MODEL_COLOUR) if isinstance(model, str) else NO_MODEL_COLOUR


#: Regions: light fills, so that the commune points stay readable on top of them.
REGION_FILLS = {"savanes": "#F3E9D2", "kara": "#E4EDD3", "centrale": "#F6E0D6", "plateaux": "#DDE8E4",
                "maritime": "#E9E1EE"}
REGION_FILL_DEFAULT = "#EEEEEE"
NEIGHBOUR_FILL = "#F4F3EF"
SEA_COLOUR = "#E2E4E6"  # background: the sea and countries outside the layers alike

#: Togo among its neighbours (partner map) and the commune's own region (location map).
TOGO_FILL = "#FBF3DC"
OWN_REGION_FILL = "#F9D98B"

#: Bars that count something other than a model (per country, per decade): a neutral colour, so that no
#: bar reads as a cooperation model.
COUNT_COLOUR = "#5F6B7A"

#: A value that conflicts with another printed value (a competing start year, a flagged area).
CONFLICT_COLOUR = "#C0392B"

#: Cell values of the sector matrices (yes / no / unknown): three distinct colours, and text on each cell
#: so that colour is not needed.
VALUE_ORDER = ("yes", "no", "unknown")
VALUE_COLOURS = {"yes": "#1F5FA6", "no": "#E07B00", "unknown": "#D4D4D4"}
VALUE_TEXT_COLOURS = {"yes": "#FFFFFF", "no": "#000000", "unknown": "#333333"}

#: Statuses of the gap view (interest × current cooperation), same colours as the values they come from.
GAP_ORDER = ("covered", "gap", "not_known_covered", "interest_unknown")
GAP_COLOURS = {"covered": "#1F5FA6", "gap": "#E07B00", "not_known_covered": "#F6D58E", "interest_unknown": "#EFEFEF"}
GAP_TEXT_COLOURS = {"covered": "#FFFFFF", "gap": "#000000", "not_known_covered": "#333333",
                    "interest_unknown": "#9A9A9A"}

#: Context on timelines: the special delegations (a period) and the 2019 local elections (a date).
PERIOD_FILL = "#F0E6C8"
EVENT_LINE = "#555555"
SURVEY_LINE = "#1F5F99"

#: A partnership's life on timelines: after its last confirmation by a source it is drawn dotted, in its
#: model's colour (the legend's sample in UNCONFIRMED_LEGEND); the dated events of partnership_events.csv
#: are dark symbols, one per kind; a confirmation after a source's end is a conflict (CONFLICT_COLOUR).
UNCONFIRMED_DASH = "dot"
UNCONFIRMED_LEGEND = "#8A8A8A"
LIFE_EVENT_COLOUR = "#222222"
LIFE_EVENT_SYMBOLS = {"act": "star", "convention": "square", "decision": "triangle-right", "declaration": "hexagram",
                      "amendment": "square-open", "dormant": "hourglass", "relaunch": "triangle-up",
                      "term": "arrow-bar-right", "end": "line-ns"}

MONTHS = {
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}
_THIN_SPACE = "\u202f"  # French thousands separator (narrow no-break space)


def fmt_int(value, lang: str = "fr") -> str:
    """176605 → "176 605" (fr, narrow no-break space) or "176,605" (en); empty for NA or ""."""
    if is_missing(value):
        return ""
    text = f"{round(float(value)):,d}"
    return text.replace(",", _THIN_SPACE) if check_lang(lang) == "fr" else text


def fmt_num(value, lang: str = "fr", decimals: int = 1, signed: bool = False) -> str:
    """12.345 → "12,3" (fr) or "12.3" (en), thousands separated; ``signed`` adds "+"; empty for NA."""
    if is_missing(value):
        return ""
    text = f"{float(value):{'+' if signed else ''},.{decimals}f}"
    if check_lang(lang) == "fr":
        text = text.replace(",", _THIN_SPACE).replace(".", ",")
    return text


def fmt_pct(value, lang: str = "fr", decimals: int = 1, signed: bool = False) -> str:
    """30.3 → "30,3 %" (fr) or "30.3 %" (en); empty for NA."""
    text = fmt_num(value, lang, decimals, signed)
    return f"{text}\u00a0%" if text else ""


def fmt_date(day: dt.date, lang: str = "fr") -> str:
    """2019-06-30 → « 30 juin 2019 » / « 30 June 2019 »."""
    return f"{day.day} {MONTHS[check_lang(lang)][day.month - 1]} {day.year}"


def fmt_partial_date(text, lang: str = "fr") -> str:
    """A date at its source's precision: '2022-04-28' → « 28 avril 2022 », '2018-12' → « décembre 2018 »,
    '2019' → « 2019 » (English month names in "en")."""
    parts = [int(p) for p in str(text).split("-")]
    if len(parts) == 3:
        return fmt_date(dt.date(*parts), lang)
    if len(parts) == 2:
        return f"{MONTHS[check_lang(lang)][parts[1] - 1]} {parts[0]}"
    return str(parts[0])


def colon(lang: str) -> str:
    """« : » with a no-break space before it in French, ": " in English."""
    return "\u00a0: " if check_lang(lang) == "fr" else ": "


def list_sep(lang: str) -> str:
    """Separator between items of a list in running text: « ; » in French, "; " in English.

    The French space before « ; » is non-breaking, so that no line starts with the semicolon.
    """
    return "\u00a0; " if check_lang(lang) == "fr" else "; "
