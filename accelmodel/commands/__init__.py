"""CLI commands, one module each; the list below is the CLI's command set."""

from . import gemm, run, schema

COMMANDS = (run, gemm, schema)
