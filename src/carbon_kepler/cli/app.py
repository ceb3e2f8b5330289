"""Root Typer app and the single error boundary: a CarbonKeplerError is one line on stderr, exit 2."""

from __future__ import annotations

import logging
import sys

import typer

from carbon_kepler import __version__
from carbon_kepler.cli.commands.advise import advise
from carbon_kepler.cli.commands.assess import assess
from carbon_kepler.cli.commands.collect import collect
from carbon_kepler.cli.commands.energy import energy
from carbon_kepler.cli.commands.regions import regions
from carbon_kepler.cli.commands.schedule import schedule
from carbon_kepler.cli.commands.serve import serve
from carbon_kepler.core.errors import CarbonKeplerError

app = typer.Typer(
    name="carbon-kepler",
    help="Per-workload energy, carbon and Korean compliance for Kubernetes, from Kepler.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command()(energy)
app.command()(assess)
app.command()(schedule)
app.command()(regions)
app.command()(advise)
app.command()(collect)
app.command()(serve)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"carbon-kepler {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log details to stderr"),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version"
    ),
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def main() -> None:
    try:
        app()  # standalone: usage errors print click's message and exit 2 by themselves
    except CarbonKeplerError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
