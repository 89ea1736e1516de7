"""Loaded early by pytest (``-p coopdata.pytest_plugin`` in pyproject.toml).

Early plugins are imported before the entry-point plugins such as nbval, so the slow optional
import is blocked before nbval imports nbformat and jsonschema.
"""

from coopdata import _speedups  # noqa: F401
