"""CLI commands, one module each; the list below is the CLI's command set."""

from . import gemm, listing, nonlinear, plot, run, schema, sweep, validate

COMMANDS = (run, gemm, nonlinear, schema, plot, sweep, validate, listing)
