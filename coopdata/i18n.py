"""Labels in French (default) and English.

Each topic module keeps its own ``LABELS = {key: {"fr": ..., "en": ...}}`` and registers it with
``register(LABELS)``; ``tr(key, lang)`` looks a key up. Data values (names, printed text) are never
translated: they are quoted as the study prints them.
"""

from __future__ import annotations

LANGS = ("fr", "en")
_LABELS: dict[str, dict[str, str]] = {}


def register(labels: dict[str, dict[str, str]]) -> None:
    for key, texts in labels.items():
        missing = [lang for lang in LANGS if lang not in texts]
        if missing:
            raise ValueError(f"label {key!r} lacks {missing}")
        if key in _LABELS and _LABELS[key] != texts:
            raise ValueError(f"label {key!r} registered twice with different texts")
        _LABELS[key] = texts


def tr(key: str, lang: str = "fr", **fmt) -> str:
    check_lang(lang)
    try:
        text = _LABELS[key][lang]
    except KeyError:
        raise KeyError(f"no label {key!r}") from None
    return text.format(**fmt) if fmt else text


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    return lang


register({
    "source": {"fr": "Source", "en": "Source"},
    "unknown": {"fr": "inconnu", "en": "unknown"},
    "yes": {"fr": "oui", "en": "yes"},
    "no": {"fr": "non", "en": "no"},
    "commune": {"fr": "Commune", "en": "Commune"},
    "region": {"fr": "Région", "en": "Region"},
    "prefecture": {"fr": "Préfecture", "en": "Prefecture"},
    "population": {"fr": "Population", "en": "Population"},
    "area_km2": {"fr": "Superficie (km²)", "en": "Area (km²)"},
    "density": {"fr": "Densité (hab./km²)", "en": "Density (inh./km²)"},
    "partner": {"fr": "Partenaire", "en": "Partner"},
    "country": {"fr": "Pays", "en": "Country"},
    "start_year": {"fr": "Début", "en": "Start"},
    "model": {"fr": "Modèle de coopération", "en": "Model of cooperation"},
    "sector": {"fr": "Secteur", "en": "Sector"},
    "attribution_ne": {"fr": "Fonds : Natural Earth (domaine public)", "en": "Base map: Natural Earth (public domain)"},
    "attribution_gn": {"fr": "Coordonnées : GeoNames (www.geonames.org), CC BY 4.0",
                       "en": "Coordinates: GeoNames (www.geonames.org), CC BY 4.0"},
    "study": {"fr": "GIZ / ProDeGoL, « État des lieux de la coopération décentralisée au Togo »",
              "en": "GIZ / ProDeGoL, « État des lieux de la coopération décentralisée au Togo »"},
    "model.jumelage": {"fr": "Jumelage", "en": "Twinning"},
    "model.hors_jumelage": {"fr": "Coopération hors jumelage", "en": "Cooperation outside a twinning"},
    "model.regionale": {"fr": "Coopération régionale", "en": "Regional cooperation"},
    "model.syndicat": {"fr": "Appui d’un syndicat (projets multi-acteurs)",
                       "en": "Support from a syndicate (multi-actor projects)"},
    "model.osc": {"fr": "Coopération avec une OSC", "en": "Cooperation with a civil-society organisation"},
    "model.pourparlers": {"fr": "Pourparlers", "en": "Talks"},
    "model.sud_sud": {"fr": "Piste Sud-Sud", "en": "South-South lead"},
    "model.triangulaire": {"fr": "Coopération triangulaire", "en": "Triangular cooperation"},
    "model.diaspora": {"fr": "Diaspora", "en": "Diaspora"},
    "model.associative": {"fr": "Associations", "en": "Associations"},
    "model.religieuse": {"fr": "Entités religieuses", "en": "Religious bodies"},
    "sector.eau_assainissement": {"fr": "Eau et assainissement", "en": "Water and sanitation"},
    "sector.gouvernance_locale": {"fr": "Gouvernance locale", "en": "Local governance"},
    "sector.sante_social": {"fr": "Santé, social", "en": "Health, social"},
    "sector.education_jeunesse": {"fr": "Éducation, jeunesse", "en": "Education, youth"},
    "sector.energie_environnement_climat": {"fr": "Énergie, environnement, climat",
                                            "en": "Energy, environment, climate"},
    "sector.culture": {"fr": "Culture", "en": "Culture"},
    "sector.tourisme": {"fr": "Tourisme", "en": "Tourism"},
    "value.yes": {"fr": "oui", "en": "yes"},
    "value.no": {"fr": "non", "en": "no"},
    "value.unknown": {"fr": "inconnu", "en": "unknown"},
    "country.FR": {"fr": "France", "en": "France"},
    "country.DE": {"fr": "Allemagne", "en": "Germany"},
    "country.BF": {"fr": "Burkina Faso", "en": "Burkina Faso"},
    "country.US": {"fr": "États-Unis", "en": "United States"},
})


# ----------------------------------------------------------------------------- number formatting
def _missing(value) -> bool:
    if value is None or (isinstance(value, str) and not value.strip()):
        return True
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def fmt_int(value, lang: str = "fr") -> str:
    """176605 → "176 605" (fr, narrow no-break space) or "176,605" (en); empty for NA or ""."""
    if _missing(value):
        return ""
    text = f"{round(float(value)):,d}"
    return text.replace(",", "\u202f") if lang == "fr" else text


def fmt_num(value, lang: str = "fr", decimals: int = 1, signed: bool = False) -> str:
    """12.345 → "12,3" (fr) or "12.3" (en), thousands separated; ``signed`` adds "+"; empty for NA."""
    if _missing(value):
        return ""
    text = f"{float(value):{'+' if signed else ''},.{decimals}f}"
    if lang == "fr":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text
