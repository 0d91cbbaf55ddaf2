"""Errors a user can cause, each with a one-line message naming the field."""

from __future__ import annotations

from pydantic import ValidationError


class AccelModelError(Exception):
    """Base class: the CLI prints the message on one line and exits with code 2."""


class SpecError(AccelModelError):
    """Invalid hardware spec, workload or pruning plan."""


class MappingError(AccelModelError):
    """An op cannot be mapped onto the hardware (e.g. no tile fits)."""


def format_validation_error(exc: ValidationError) -> str:
    """First pydantic error as 'field.path: message (got value)', the value
    described briefly (:func:`accelmodel.inputs.brief`), never echoed whole."""
    from .inputs import brief, one_line

    errors = exc.errors(include_url=False, include_context=False)
    err = errors[0]
    loc = ".".join(str(p) for p in err.get("loc", ()))
    msg = err.get("msg", "invalid value")
    if msg.startswith("Value error, "):  # our validators say "field: problem"
        msg = msg[len("Value error, "):]
        head, sep, rest = msg.partition(": ")
        if sep and head.replace("_", "").replace(".", "").isalnum():
            loc = f"{loc}.{head}" if loc else head
            msg = rest
    if err.get("type") == "extra_forbidden":
        msg = "unknown field"
    if err.get("type") == "missing":
        msg = "required field is missing"
    more = len(errors) - 1
    tail = f" (and {more} more error{'s' if more > 1 else ''})" if more else ""
    got = ""
    if "input" in err and err.get("type") not in ("extra_forbidden", "missing") and not isinstance(err["input"], dict):
        got = f" (got {brief(err['input'])})"
    if len(loc) > 80:
        loc = loc[:77] + "..."
    return one_line(f"{loc or 'spec'}: {msg}{got}{tail}")
