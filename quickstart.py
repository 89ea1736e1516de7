#!/usr/bin/env python3
"""Set up the project and run it, on a machine that has only Python >= 3.11.

    python3 quickstart.py run    # set up, validate the data, run every notebook in French and English
                                 # into outputs/<today>/ (open index.html; PDFs of the commune sheets)
    python3 quickstart.py run --lang fr --only 01   # options after "run" go to `coopdata run`
    python3 quickstart.py test   # set up (with test tools), lint, run the whole test suite

Standard library only, because nothing else exists yet on a fresh machine. It creates .venv/,
installs the project into it (again only when pyproject.toml changed), and makes sure Debian's
Chromium is present: kaleido needs it for the PNG figures, Playwright for the PDFs of the commune
sheets, and the browser tests need it. As root on Debian/Ubuntu it installs the missing system
packages with apt-get; otherwise it says which.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
STAMP = VENV / ".coopdata-installed"


def say(msg: str) -> None:
    print(f"[quickstart] {msg}", flush=True)


def run(cmd: list[str], **kw) -> None:
    say("$ " + " ".join(str(c) for c in cmd))
    subprocess.run(cmd, check=True, **kw)


def apt_install(packages: list[str]) -> bool:
    """Install Debian packages when we can (root + apt-get); return whether they are now there."""
    if not (shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0):
        return False
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        run(["apt-get", "update", "-qq"], env=env)
        run(["apt-get", "install", "-y", "-qq", *packages], env=env)
    except subprocess.CalledProcessError:
        return False
    return True


def ensure_venv() -> None:
    if (BIN / "python").exists():
        return
    if sys.version_info < (3, 11):  # noqa: UP036 (this script may be started by an older python3)
        sys.exit(f"Python >= 3.11 is needed, this is {sys.version.split()[0]}")
    try:
        import ensurepip  # noqa: F401
    except ImportError:
        if not apt_install([f"python3.{sys.version_info.minor}-venv"]):
            sys.exit("The venv module is missing: install Debian's python3-venv package, then run this again.")
    run([sys.executable, "-m", "venv", str(VENV)])


def ensure_installed(extras: str) -> None:
    spec = f".[{extras}]" if extras else "."
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + spec.encode()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    run([str(BIN / "python"), "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    run([str(BIN / "python"), "-m", "pip", "install", "--quiet", "-e", spec], cwd=ROOT)
    STAMP.write_text(digest)


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def ensure_chromium() -> None:
    if find_chromium() or apt_install(["chromium", "fonts-dejavu-core"]):
        return
    sys.exit("Chromium is needed for the PNG figures, the PDFs and the browser tests: install Debian's `chromium` "
             "package (sudo apt-get install chromium), then run this again.")


def run_args(extra: list[str]) -> list[str]:
    """`coopdata run` publishes both languages unless the options choose one (``--lang fr``)."""
    if any(a == "--lang" or a.startswith("--lang=") for a in extra):
        return ["run", *extra]
    return ["run", "--lang", "all", *extra]


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1] not in ("run", "test") or (argv[1] == "test" and len(argv) > 2):
        print(__doc__)
        return 2
    job, extra = argv[1], argv[2:]
    ensure_venv()
    ensure_installed("test" if job == "test" else "")
    ensure_chromium()
    os.chdir(ROOT)
    coopdata = str(BIN / "coopdata")
    try:
        if job == "run":
            run([coopdata, *run_args(extra)])  # validates the data first, then executes every notebook
        else:
            run([str(BIN / "ruff"), "check", "."])
            run([str(BIN / "python"), "-m", "pytest", "-ra"])
    except subprocess.CalledProcessError as exc:
        return exc.returncode or 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
