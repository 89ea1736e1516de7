"""The style module: number formatting shared by maps, figures and profiles."""

import math

import pytest

from coopdata.views.style import fmt_int, fmt_num


@pytest.mark.parametrize(("value", "lang", "expected"), [
    (176605, "fr", "176\u202f605"), (176605, "en", "176,605"), ("176605", "fr", "176\u202f605"),
    (3512.6, "en", "3,513"), (None, "fr", ""), ("", "en", ""), ("  ", "fr", ""), (math.nan, "fr", ""),
])
def test_fmt_int(value, lang, expected):
    assert fmt_int(value, lang) == expected


def test_fmt_num_decimal_comma_in_french_and_sign():
    assert fmt_num(19975 / 17213 * 100 - 100, "fr") == "16,0"
    assert fmt_num(1234.56, "en", 2) == "1,234.56"
    assert fmt_num(1234.56, "fr", 2) == "1\u202f234,56"
    assert fmt_num(-4.2, "fr", 1, signed=True) == "-4,2" and fmt_num(4.2, "en", 1, signed=True) == "+4.2"
    assert fmt_num(None, "en") == ""
