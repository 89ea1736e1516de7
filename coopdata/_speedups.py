"""Keep a slow optional import out of every process that imports coopdata.

jsonschema (imported by nbformat, papermill, nbconvert, nbval and frictionless) registers an
"iri" format checker when the optional package ``rfc3987_syntax`` is importable. That package
compiles an Earley parser at import time (about 1.5-2.5 s here). It is installed only because
``jupyter-events`` asks for ``jsonschema[format-nongpl]``; nothing in this project validates IRIs.

Python's documented way to make an import fail is a ``None`` entry in ``sys.modules``: jsonschema
imports it inside ``suppress(ImportError)`` and simply skips the iri/iri-reference checkers.
"""

import os
import sys

_MODULE = "rfc3987_syntax"


def block_slow_iri_parser() -> None:
    if os.environ.get("COOPDATA_KEEP_RFC3987_SYNTAX"):
        return
    if _MODULE not in sys.modules:
        sys.modules[_MODULE] = None  # type: ignore[assignment]


block_slow_iri_parser()
