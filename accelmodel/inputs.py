"""The input boundary: every file and output path the tool touches goes through here.

* :func:`read_text` reads a file as strict UTF-8 (a clear error for a directory,
  a missing file, a file over :data:`MAX_FILE_BYTES`, or bytes that are not UTF-8);
* :func:`read_yaml_mapping` parses YAML safely with limits: nesting depth
  (:data:`MAX_DEPTH`), alias count (:data:`MAX_ALIASES`), expanded size
  (:data:`MAX_NODES`, so a "billion laughs" document is refused before anything
  walks it), duplicate keys rejected; :func:`read_json_mapping` the same for JSON;
* :func:`brief` and :func:`one_line` keep every message short: a value is
  described (its type and size, the head of a long string), never echoed whole;
* :func:`check_output_dir` refuses an output target that cannot be written
  before any work is done; :func:`atomic_path` and :func:`atomic_write_text`
  write a file under a temporary name and rename it into place.

Knows nothing of hardware, workloads or cost; raises :class:`SpecError`.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import uuid
from pathlib import Path
from typing import Any, Iterator

import yaml

from .errors import SpecError

MAX_FILE_BYTES = 1 << 20
"""Largest input file read, bytes (1 MiB; the bundled files are a few KiB)."""
MAX_DEPTH = 32
"""Deepest nesting of mappings and lists in a YAML or JSON input."""
MAX_ALIASES = 256
"""Most YAML aliases (``*name``) in one document."""
MAX_NODES = 200_000
"""Most values in a YAML document once its aliases are expanded."""
DEFAULT_MAX_POINTS = 1_000_000
"""Most points a sweep or search may sample unless raised (``--max-points``)."""
MAX_MESSAGE_CHARS = 300
"""Longest error message printed (longer ones are cut)."""


# ---------------------------------------------------------------------------
# short messages

def one_line(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` on one line (whitespace runs collapsed), cut to ``limit`` characters."""
    s = " ".join(str(text).split())
    return s if len(s) <= limit else s[: limit - 3] + "..."


def brief(value: Any, limit: int = 40) -> str:
    """A short description of a value for an error message. Strings longer than
    ``limit`` show their head and length; containers show their type and size
    (never their contents, which may be an expanded alias bomb)."""
    if isinstance(value, str):
        return repr(value) if len(value) <= limit else f"{value[:limit]!r}... ({len(value)} characters)"
    if isinstance(value, (dict, list, tuple)) and _fits(value, [limit]):
        r = repr(value)
        if len(r) <= 2 * limit:
            return r
    if isinstance(value, dict):
        return f"a mapping of {len(value)} key{'s' if len(value) != 1 else ''}"
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, (bool, int, float)) or value is None:
        r = repr(value)
        return r if len(r) <= limit else f"a number of {len(r)} characters"
    return f"a {type(value).__name__}"


def _fits(value: Any, budget: list[int]) -> bool:
    """Whether ``value`` has at most ``budget[0]`` scalars and short strings
    (stops walking as soon as the budget is spent: safe on an expanded alias bomb)."""
    budget[0] -= 1
    if budget[0] < 0:
        return False
    if isinstance(value, dict):
        return all(_fits(k, budget) and _fits(v, budget) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(_fits(v, budget) for v in value)
    return not isinstance(value, str) or len(value) <= 40


# ---------------------------------------------------------------------------
# reading files

def read_text(path: str | Path, what: str) -> str:
    """The text of a file, decoded as strict UTF-8 (a leading BOM is dropped).
    ``what`` names the file's role in the one-line ``SpecError`` messages."""
    p = Path(path)
    if p.is_dir():
        raise SpecError(f"{what}: {p} is a directory, not a file")
    if not p.is_file():
        raise SpecError(f"{what}: file not found: {p}")
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise SpecError(f"{what} {p.name}: file is {size} bytes; at most {MAX_FILE_BYTES} bytes (1 MiB) allowed")
        raw = p.read_bytes()
    except OSError as exc:
        raise SpecError(f"{what} {p.name}: cannot read ({exc.strerror or exc})") from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        hint = " (looks like UTF-16; save it as UTF-8)" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        raise SpecError(f"{what} {p.name}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
                        f"{hint}; give a UTF-8 text file") from None
    if "\x00" in text:
        raise SpecError(f"{what} {p.name}: contains NUL bytes (a binary file?); give a UTF-8 text file")
    return text


class _LimitedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that bounds nesting depth and alias count while it
    composes, and rejects duplicate mapping keys while it constructs."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _Limit(f"more than {MAX_ALIASES} aliases (*name); at most {MAX_ALIASES} allowed")
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Limit(f"nested deeper than {MAX_DEPTH} levels; at most {MAX_DEPTH} allowed")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):  # type: ignore[override]
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)
            seen: set = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    dup = key in seen
                    seen.add(key)
                except TypeError:
                    raise _Limit(f"line {key_node.start_mark.line + 1}: a mapping key must be a plain value") from None
                if dup:
                    raise _Limit(f"line {key_node.start_mark.line + 1}: duplicate key {brief(key)}; "
                                 f"each key may appear once")
        return super().construct_mapping(node, deep=deep)


class _Limit(Exception):
    """A YAML document over one of the limits."""


def _expanded_nodes(node: yaml.Node, memo: dict[int, int]) -> int:
    """Values in ``node`` once every alias is expanded (shared nodes counted each time)."""
    n = memo.get(id(node))
    if n is not None:
        return n
    n = 1
    if isinstance(node, yaml.SequenceNode):
        n += sum(_expanded_nodes(c, memo) for c in node.value)
    elif isinstance(node, yaml.MappingNode):
        n += sum(_expanded_nodes(k, memo) + _expanded_nodes(v, memo) for k, v in node.value)
    memo[id(node)] = n = min(n, MAX_NODES + 1)
    return n


def parse_yaml(text: str, where: str) -> Any:
    """One YAML document parsed safely within the limits above."""
    if len(text) > MAX_FILE_BYTES:
        raise SpecError(f"{where}: {len(text)} characters; at most {MAX_FILE_BYTES} allowed")
    loader = None
    try:
        loader = _LimitedLoader(text)  # its reader rejects control characters here
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_nodes(node, {}) > MAX_NODES:
            raise _Limit(f"more than {MAX_NODES} values once aliases are expanded; at most {MAX_NODES} allowed")
        return loader.construct_document(node)
    except _Limit as exc:
        raise SpecError(f"{where}: {exc}") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"{where}: not valid YAML ({one_line(str(exc).splitlines()[0], 120)})") from None
    except RecursionError:
        raise SpecError(f"{where}: nested too deeply; at most {MAX_DEPTH} levels allowed") from None
    finally:
        if loader is not None:
            loader.dispose()


def read_yaml_mapping(path: str | Path, what: str) -> dict:
    """Read a YAML file whose top level is a mapping (strict UTF-8, safe YAML with
    limits, duplicate keys rejected). ``what`` names the file's role in the
    one-line ``SpecError`` messages (e.g. "hardware spec")."""
    p = Path(path)
    return parse_yaml_mapping(read_text(p, what), f"{what} {p.name}")


def parse_yaml_mapping(text: str, where: str) -> dict:
    """:func:`parse_yaml` of a document whose top level must be a mapping."""
    data = parse_yaml(text, where)
    if not isinstance(data, dict):
        raise SpecError(f"{where}: top level must be a mapping of fields, got {brief(data)}")
    return data


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    out: dict = {}
    for k, v in pairs:
        if k in out:
            raise _Limit(f"duplicate key {brief(k)}; each key may appear once")
        out[k] = v
    return out


def _no_constant(name: str) -> Any:
    raise _Limit(f"{name} is not a number JSON allows; give a finite number")


def _json_depth(v: Any, depth: int = 0) -> int:
    if depth > MAX_DEPTH:
        return depth
    if isinstance(v, dict):
        return max((_json_depth(x, depth + 1) for x in v.values()), default=depth + 1)
    if isinstance(v, list):
        return max((_json_depth(x, depth + 1) for x in v), default=depth + 1)
    return depth


def read_json_mapping(path: str | Path, what: str) -> dict:
    """Read a JSON file whose top level is an object (strict UTF-8, duplicate keys,
    NaN and Infinity rejected, nesting at most :data:`MAX_DEPTH`)."""
    p = Path(path)
    text = read_text(p, what)
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except _Limit as exc:
        raise SpecError(f"{what} {p.name}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise SpecError(f"{what} {p.name}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise SpecError(f"{what} {p.name}: nested too deeply; at most {MAX_DEPTH} levels allowed") from None
    if _json_depth(data) > MAX_DEPTH:
        raise SpecError(f"{what} {p.name}: nested deeper than {MAX_DEPTH} levels; at most {MAX_DEPTH} allowed")
    if not isinstance(data, dict):
        raise SpecError(f"{what} {p.name}: top level must be an object, got {brief(data)}")
    return data


# ---------------------------------------------------------------------------
# output paths

def check_output_dir(path: str | Path, flag: str) -> Path:
    """Make sure ``path`` can be an output directory (created if missing):
    not an existing file, its parent exists, and it is writable. One-line
    ``SpecError`` naming ``flag`` otherwise. Call it before any work is done."""
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise SpecError(f"{flag} {p}: exists and is a file; give a directory (new or existing)")
    if not p.exists():
        parent = p.parent if str(p.parent) else Path(".")
        if not parent.is_dir():
            raise SpecError(f"{flag} {p}: parent directory {parent} does not exist; create it first")
        try:
            p.mkdir()
        except FileExistsError:
            pass
        except OSError as exc:
            raise SpecError(f"{flag} {p}: cannot create the directory ({exc.strerror or exc})") from None
    _check_writable(p, f"{flag} {p}: directory is not writable")
    return p


def _check_writable(directory: Path, message: str) -> None:
    """``SpecError(message + reason)`` unless a file can be created in ``directory``."""
    probe = directory / f".write-test-{uuid.uuid4().hex[:8]}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise SpecError(f"{message} ({exc.strerror or exc})") from None


def check_output_file(path: str | Path, flag: str) -> Path:
    """Make sure ``path`` can be written as a file (an existing file is replaced):
    not a directory, its parent exists and is writable. One-line ``SpecError``
    naming ``flag`` otherwise. Call it before any work is done."""
    p = Path(path)
    if p.is_dir():
        raise SpecError(f"{flag} {p}: is a directory; give a file name")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise SpecError(f"{flag} {p}: parent directory {parent} does not exist; create it first")
    if p.exists() and not p.is_file():
        raise SpecError(f"{flag} {p}: exists and is not a regular file")
    _check_writable(parent, f"{flag} {p}: directory {parent} is not writable")
    return p


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """A temporary path next to ``target``; renamed onto ``target`` when the block
    ends without an error, removed otherwise (a crash never leaves a partial file
    under the final name)."""
    t = Path(target)
    fd, name = tempfile.mkstemp(prefix=f".tmp-{t.stem}-", suffix=t.suffix, dir=t.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, t)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_text(target: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``target`` via a temporary file and a rename."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
