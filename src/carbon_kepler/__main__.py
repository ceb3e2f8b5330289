"""`python -m carbon_kepler` runs the CLI."""

from carbon_kepler.cli.app import main

main()
