"""Command line: ``coopdata check``, ``summary``, ``derive-sectors``, ``workbook``, ``import``, ``run``.

Built on click (well kept, explicit, no magic); bad data ends in one line on stderr and exit 1,
never in a traceback.
"""

from __future__ import annotations

import datetime as dt
import signal
import sys
from pathlib import Path

import click

from coopdata import _speedups  # noqa: F401  (before jsonschema; coopdata/__init__ runs it first anyway)
from coopdata.core import paths
from coopdata.core.errors import DataError
from coopdata.data.provenance import verify
from coopdata.data.sectors import write_derived
from coopdata.data.validation import validate_data_dir
from coopdata.views.summary import summary_lines

data_dir_option = click.option(
    "--data-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
    help="Data folder (default: $COOPDATA_DATA_DIR or the project's data/).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="coopdata")
def main() -> None:
    """Sourced data, maps and notebooks on the decentralized cooperation of 13 Togolese communes."""


def _fail(exc: DataError) -> None:
    click.echo(f"coopdata: error: {exc.message}", err=True)
    sys.exit(1)


@main.command()
@data_dir_option
def check(data_dir: Path | None) -> None:
    """Validate every table against data/datapackage.json; never writes anything."""
    try:
        tables = validate_data_dir(data_dir)
    except DataError as exc:
        _fail(exc)
    click.echo(f"coopdata check: {len(tables)} tables valid ({', '.join(tables)})")


@main.command()
@data_dir_option
def summary(data_dir: Path | None) -> None:
    """Print the main figures of the dataset (after validating it)."""
    try:
        for line in summary_lines(data_dir):
            click.echo(line)
    except DataError as exc:
        _fail(exc)


@main.command("verify-source")
@click.argument("study", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@data_dir_option
def verify_source(study: Path, data_dir: Path | None) -> None:
    """Check that every printed value of data/ is at the lines of STUDY (the text extraction) its row cites."""
    try:
        checked, findings = verify(study, data_dir)
    except DataError as exc:
        _fail(exc)
    for finding in findings:
        click.echo(f"not found: {finding}", err=True)
    click.echo(f"coopdata verify-source: {checked} values checked, {len(findings)} not found at their cited lines")
    sys.exit(1 if findings else 0)


@main.command("derive-sectors")
@data_dir_option
def derive_sectors(data_dir: Path | None) -> None:
    """Rewrite sectors_current.csv and sectors_interest.csv from data/sector_rules.csv."""
    try:
        for path, table in write_derived(data_dir):
            click.echo(f"wrote {path} ({len(table)} rows, {int((table['value'] == 'yes').sum())} yes)")
    except DataError as exc:
        _fail(exc)


@main.command("workbook")
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
@data_dir_option
def workbook(out: Path, data_dir: Path | None) -> None:
    """Write the tables edited by hand as one workbook OUT.xlsx (a sheet each, dropdowns, column notes)."""
    # start-up: openpyxl takes ~0.45 s to import (python -X importtime); only the two workbook commands need it
    from coopdata.data.workbook import write_workbook

    if out.suffix.lower() != ".xlsx":
        click.echo(f"coopdata: error: {out.name}: the workbook's name must end in .xlsx", err=True)
        sys.exit(1)
    try:
        path = write_workbook(out, data_dir)
    except DataError as exc:
        _fail(exc)
    click.echo(f"wrote {path}: edit values (no formulas), then `coopdata import {out}`")


@main.command("import")
@click.argument("workbook_path", metavar="IN.xlsx", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@data_dir_option
def import_(workbook_path: Path, data_dir: Path | None) -> None:
    """Validate the sheets of IN.xlsx, and only when all is valid write the tables into the data folder.

    Prints one line per problem (sheet, row, column, rule) and writes nothing; or writes the changed
    tables atomically, re-derives the sector matrices, and prints what changed in each table.
    """
    # start-up: openpyxl takes ~0.45 s to import (python -X importtime); only the two workbook commands need it
    from coopdata.data.workbook import WorkbookError, import_workbook

    try:
        result = import_workbook(workbook_path, data_dir)
    except WorkbookError as exc:
        click.echo(f"coopdata: error: {exc}", err=True)
        sys.exit(1)
    except DataError as exc:
        _fail(exc)
    for problem in result.problems:
        click.echo(f"coopdata: error: {problem}", err=True)
    if result.problems:
        click.echo(f"coopdata import: {len(result.problems)} problem(s); nothing written", err=True)
        sys.exit(1)
    for change in result.changes:
        click.echo(str(change))
    click.echo(f"coopdata import: {len(result.written)} table(s) written" if result.written
               else "coopdata import: no change")


@main.command("run")
@click.option("--date", "date_", default=None, metavar="YYYY-MM-DD",
              help="Date of the run: names OUTPUT_DIR/DATE/ and is every notebook's as_of (default: today).")
@click.option("--lang", default="fr", show_default=True, type=click.Choice(["fr", "en", "all"]),
              help="Language of the reports; all = French and English.")
@click.option("--only", multiple=True, metavar="NAME",
              help="Run only these notebooks (repeat, or separate with commas): a name (01_map), a number (01), "
                   "a commune (tone-1) or a pattern (0*).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Notebooks executed in parallel (default: all cores).")
@data_dir_option
@click.option("--output-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Where dated folders go (default: the project's outputs/).")
@click.option("--show-code", is_flag=True, help="Keep the code cells in the HTML reports (hidden by default).")
@click.option("--maps-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Where the standalone maps go (default: the project's maps/).")
@click.option("--notebooks-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Notebooks to run (default: the project's notebooks/).")
@click.option("--cell-timeout", type=click.IntRange(min=1), default=None,
              help="Seconds a cell may run before it fails (default: 900).")
def run_command(date_, lang, only, jobs, data_dir, output_dir, show_code, maps_dir, notebooks_dir,
                cell_timeout) -> None:
    """Execute every notebook (and the commune profile once per commune) into OUTPUT_DIR/DATE/.

    Validates the data first. Writes the signed executed notebooks, an offline HTML report of each,
    their figures (PNG) and tables (CSV), index.html and manifest.json, then refreshes maps/. A run
    in which a notebook fails changes neither OUTPUT_DIR/DATE/ nor maps/ (it is kept in
    OUTPUT_DIR/DATE.failed/); a second successful run the same day moves the first to
    OUTPUT_DIR/DATE.previous/.
    """
    # start-up: coopdata.batch (papermill, nbconvert, nbformat, tqdm) costs 0.75-0.9 s; `coopdata --help` 0.85 s
    from coopdata.batch import plan, run

    try:
        try:
            date = dt.date.fromisoformat(date_) if date_ else dt.date.today()
        except ValueError:
            raise plan.RunError(f"--date must be a date YYYY-MM-DD, not {date_!r}") from None
        opts = plan.RunOptions(
            date=date, langs=plan.parse_langs(lang), only=tuple(only), jobs=jobs, data_dir=data_dir,
            output_dir=output_dir or paths.OUTPUTS_DIR, notebooks_dir=notebooks_dir or paths.NOTEBOOKS_DIR,
            maps_dir=maps_dir or paths.MAPS_DIR, show_code=show_code,
            cell_timeout=cell_timeout or plan.DEFAULT_CELL_TIMEOUT,
        )
        status = run.run_batch(opts)
        # The run has cleaned up and decided its status: a late Ctrl-C or SIGTERM (e.g. one that reached
        # the whole process group while the workers were being stopped) must not change the exit code.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    except DataError as exc:
        _fail(exc)
    except plan.RunError as exc:
        click.echo(f"coopdata: error: {exc}", err=True)
        sys.exit(1)
    sys.exit(status)


if __name__ == "__main__":  # pragma: no cover
    main()
