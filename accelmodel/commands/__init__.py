"""CLI commands, one module each; the list below is the CLI's command set."""

from . import gemm, generate, listing, nonlinear, plot, run, schema, sensitivity, sweep, validate

COMMANDS = (run, generate, gemm, nonlinear, schema, plot, sweep, sensitivity, validate, listing)
