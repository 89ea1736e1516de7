"""Text utilities shared by every layer: one HTML escaper, name folding, safe file names and links."""

from __future__ import annotations

import html
import math
import re
import unicodedata
from urllib.parse import urlsplit


def is_missing(value) -> bool:
    """None, an empty or blank string, NaN, or pandas' NA / NaT."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):
        return math.isnan(value)
    try:  # pandas.NA, NaT and numpy NaN without importing pandas here
        return bool(value != value) or type(value).__name__ in ("NAType", "NaTType")
    except (TypeError, ValueError):
        return type(value).__name__ in ("NAType", "NaTType")


def esc(value) -> str:
    """HTML-escape any value, quotes included; None and NA give an empty string."""
    if value is None or (not isinstance(value, str) and is_missing(value)):
        return ""
    return html.escape(str(value), quote=True)


def ascii_fold(text) -> str:
    """Accents removed and case folded: « Tône » → "tone"."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def normalize_name(text) -> str:
    """Lower-case ASCII letters and digits only: « Tône 1 », "TONE-1" and "tone1" all give "tone1"."""
    return re.sub(r"[^0-9a-z]+", "", ascii_fold(text))


def slug(text, max_length: int = 60) -> str:
    """A safe file-name part: ASCII lower-case letters, digits and single hyphens (« Tône 1 » → "tone-1")."""
    out = re.sub(r"[^0-9a-z]+", "-", ascii_fold(text)).strip("-")[:max_length].strip("-")
    if not out:
        raise ValueError(f"cannot make a file name from {text!r}")
    return out


def safe_url(url) -> str | None:
    """The address if it is a plain http(s) URL with a host, else None (never link anything else).

    Whitespace, control characters, quotes, angle brackets and backslashes are refused, not repaired."""
    if url is None or (not isinstance(url, str) and is_missing(url)):
        return None
    url = str(url)
    if any(ch.isspace() or ch in '"<>`\\' or unicodedata.category(ch).startswith("C") for ch in url):
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url
