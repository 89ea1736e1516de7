"""Publishing a finished run: nothing in the published folders changes until everything is ready.

Everything is written into ``OUTPUT_DIR/.DATE.partial-<pid>/`` (same file system as the target) and
moved into place by :func:`publish_dir`: atomically (``renameat2(RENAME_EXCHANGE)`` on Linux, else
two renames); an existing target becomes the backup (one level, replacing an older one) or is
removed. :func:`refresh_maps` then swaps ``MAPS_DIR/<lang>/`` the same way.

One run at a time writes into a folder (:func:`folder_lock`: ``FOLDER/.coopdata-run.lock``, released
by the kernel even after ``kill -9``); what killed runs left behind is removed by the next one
(:func:`remove_stale`).
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import shutil
import sys
from pathlib import Path

from coopdata.batch.plan import Job, RunError

LOCK_NAME = ".coopdata-run.lock"


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    return fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def publish_dir(new: Path, target: Path, backup: Path | None) -> None:
    """Put ``new`` at ``target``; the old ``target`` (if any) becomes ``backup`` (or is removed)."""
    if target.exists():
        if _exchange(new, target):
            old = new  # the previous content now lives at the temporary name
        else:
            old = new.with_name(new.name + ".old")
            os.rename(target, old)
            os.rename(new, target)
        if backup is not None:
            if backup.exists():
                shutil.rmtree(backup)
            os.rename(old, backup)
        else:
            shutil.rmtree(old)
    else:
        os.rename(new, target)


@contextlib.contextmanager
def folder_lock(folder: Path, blocking: bool):
    """Hold ``folder``'s run lock; without ``blocking``, a RunError if another run holds it."""
    folder.mkdir(parents=True, exist_ok=True)
    fh = (folder / LOCK_NAME).open("a+")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            raise RunError(f"another coopdata run is writing into {folder}; wait for it to end") from None
        yield
    finally:
        fh.close()


def remove_stale(folder: Path) -> None:
    """Remove what killed runs left (we hold the lock, so no live run owns them)."""
    if folder.is_dir():
        for p in folder.iterdir():
            if p.name.startswith(".") and (".partial-" in p.name or p.name.endswith(".old")) and p.is_dir():
                shutil.rmtree(p, ignore_errors=True)


def collect_maps(root: Path, jobs: list[Job], lang: str) -> dict[str, Path]:
    """Standalone maps of the finished run for ``lang``: {file name in maps/<lang>/: source path}."""
    found: list[tuple[Job, Path]] = []
    for job in jobs:
        if job.lang != lang:
            continue
        base = root / job.files_rel
        maps = sorted((base / "maps").glob("*.html")) if (base / "maps").is_dir() else []
        for page in maps:
            found.append((job, page))
            for folder in ("maps", "figures"):
                png = base / folder / f"{page.stem}.png"
                if png.is_file():
                    found.append((job, png))
                    break
    counts: dict[str, int] = {}
    for _, p in found:
        counts[p.name] = counts.get(p.name, 0) + 1
    return {(p.name if counts[p.name] == 1 else f"{job.name}-{p.name}"): p for job, p in found}


def refresh_maps(maps_dir: Path, root: Path, jobs: list[Job], langs: tuple[str, ...], partial_run: bool) -> dict:
    """Swap ``maps_dir/<lang>/`` for the maps of this run; with ``--only`` keep the others' maps."""
    counts = {}
    with folder_lock(maps_dir, blocking=True):
        remove_stale(maps_dir)
        for lang in langs:
            maps = collect_maps(root, jobs, lang)
            target = maps_dir / lang
            new = maps_dir / f".{lang}.partial-{os.getpid()}"
            if partial_run and target.is_dir():
                shutil.copytree(target, new)
            else:
                new.mkdir(parents=True)
            for name, src in maps.items():
                shutil.copy2(src, new / name)
            publish_dir(new, target, backup=None)
            counts[lang] = sum(1 for n in maps if n.endswith(".html"))
    return counts
