"""Command line: ``coopdata check``, ``coopdata summary``, ``coopdata derive-sectors``, ``coopdata run``.

Built on click (well kept, explicit, no magic); bad data ends in one line on stderr and exit 1,
never in a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from coopdata import _speedups  # noqa: F401
from coopdata.errors import DataError

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
    from coopdata.validation import validate_data_dir

    try:
        tables = validate_data_dir(data_dir)
    except DataError as exc:
        _fail(exc)
    click.echo(f"coopdata check: {len(tables)} tables valid ({', '.join(tables)})")


@main.command()
@data_dir_option
def summary(data_dir: Path | None) -> None:
    """Print the main figures of the dataset (after validating it)."""
    from coopdata.summary import summary_lines

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
    from coopdata.provenance import verify

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
    from coopdata.paths import resolve_data_dir
    from coopdata.sectors import derive_from_dir

    folder = resolve_data_dir(data_dir)
    try:
        for kind in ("current", "interest"):
            table = derive_from_dir(kind, folder)
            target = folder / f"sectors_{kind}.csv"
            tmp = target.with_suffix(".csv.tmp")
            table.to_csv(tmp, index=False, lineterminator="\n")
            tmp.replace(target)
            click.echo(f"wrote {target} ({len(table)} rows, {int((table['value'] == 'yes').sum())} yes)")
    except DataError as exc:
        _fail(exc)


if __name__ == "__main__":  # pragma: no cover
    main()
