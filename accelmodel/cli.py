"""Command line: ``accelmodel run | gemm | schema | ...``. Thin: parsing and
printing only; every number comes from the library.

Each command lives in ``accelmodel/commands/<name>.py`` with ``add_parser(sub)``
registering its arguments and a ``run(args) -> int`` entry. User errors
(:class:`AccelModelError`) print one line on stderr and exit with code 2.
"""

from __future__ import annotations

import argparse
import sys

from .errors import AccelModelError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit code 2 (argparse's own convention)
        self.exit(2, f"accelmodel: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    from .commands import COMMANDS

    p = _Parser(prog="accelmodel", description="Analytical performance, energy and accuracy model of transformer "
                                                 "inference on Gemmini-like systolic-array accelerators.")
    from . import __version__

    p.add_argument("--version", action="version", version=f"accelmodel {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for mod in COMMANDS:
        mod.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except AccelModelError as exc:
        from .inputs import one_line

        print(f"accelmodel: error: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("accelmodel: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
