"""Running sweep chunks on Dask (the optional ``distributed`` extra).

Imported only when a scheduler is asked for. ``local`` or ``local:N`` starts a
``LocalCluster`` of N worker processes for the run and closes it after; an
address (``tcp://host:8786``) is checked and connected within a few seconds,
and a failure is one line with nothing printed later. The sweep spec is
scattered to the workers once, not embedded in every task.
"""

from __future__ import annotations

import re
import socket
from typing import Any, Callable, Iterator

from .store import SweepError

CONNECT_TIMEOUT_S = 5
"""Seconds to reach a scheduler before giving up."""
_ADDRESS = re.compile(r"^(?:(tcp|tls)://)?(\[[0-9a-fA-F:]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$")


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise SweepError("--scheduler: Dask is not installed; pip install 'accelmodel[distributed]'") from None
    return distributed


def _local_workers(s: str) -> int:
    n_text = s.partition(":")[2]
    if not n_text:
        import os
        return max(1, os.cpu_count() or 1)
    if not n_text.isdigit() or not 1 <= int(n_text) <= 256:
        raise SweepError(f"--scheduler {s[:40]}: local:N needs N workers in 1..256")
    return int(n_text)


def _probe(address: str, host: str, port: int, handshake: bool) -> None:
    """Connect to ``host:port``; a Dask scheduler speaks first (its handshake), so
    silence means something else listens there (``Client`` would wait forever)."""
    try:
        sock = socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S)
    except OSError as exc:
        raise SweepError(f"--scheduler {address}: cannot connect ({exc.strerror or exc})") from None
    try:
        if handshake and not sock.recv(1):
            raise OSError("closed the connection")
    except OSError as exc:
        why = "no handshake" if isinstance(exc, TimeoutError) else str(exc)
        raise SweepError(f"--scheduler {address}: not a Dask scheduler ({why} within {CONNECT_TIMEOUT_S} s)") from None
    finally:
        sock.close()


def _connect(distributed, address: str):
    m = _ADDRESS.match(address)
    other = re.match(r"^(inproc|ucx|ws|wss)://\S+$", address)  # other Dask protocols: no TCP pre-check
    if other is None and (not m or not 0 < int(m.group(3)) < 65536):
        raise SweepError(f"--scheduler {address[:60]}: not a scheduler address; give tcp://host:port "
                         f"(e.g. tcp://10.0.0.5:8786) or local[:N]")
    if m is not None:
        host, port = m.group(2).strip("[]"), int(m.group(3))
        _probe(address, host, port, handshake=m.group(1) != "tls")
        address = address if m.group(1) else f"tcp://{address}"
    client = distributed.Client.__new__(distributed.Client)
    try:
        client.__init__(address, timeout=f"{CONNECT_TIMEOUT_S}s", set_as_default=False)
    except Exception as exc:
        try:
            client.close(timeout=1)
        except Exception:
            pass
        client._Client__loop = None  # nothing left for Client.__del__ to close (no late TimeoutError)
        raise SweepError(f"--scheduler {address}: not a Dask scheduler ({str(exc).splitlines()[0][:120]})") from None
    return client


def open_client(scheduler: Any) -> tuple[Any, Callable[[], None]]:
    """(client, close) for a scheduler: ``local[:N]``, an address or a ``distributed.Client``."""
    distributed = _import_distributed()
    if isinstance(scheduler, distributed.Client):
        return scheduler, lambda: None
    s = str(scheduler)
    if s == "local" or s.startswith("local:"):
        import logging
        n = _local_workers(s)
        cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                           dashboard_address=None, silence_logs=logging.ERROR)
        client = distributed.Client(cluster, set_as_default=False)

        def close() -> None:
            client.close()
            cluster.close()
        return client, close
    client = _connect(distributed, s)
    return client, client.close


def run_dask(client: Any, spec, chunks: list[tuple], accuracy: bool, evaluate: Callable) -> Iterator:
    """Evaluate ``chunks`` ((index, choices, point_ids) each) with ``evaluate(spec,
    *chunk, accuracy)`` on Dask, the spec scattered once; yields results as they finish."""
    import distributed
    futs: list = []
    try:
        spec_f = client.scatter(spec, broadcast=True)
        futs = [client.submit(evaluate, spec_f, *c, accuracy, pure=False) for c in chunks]
        for f in distributed.as_completed(futs, loop=client.loop):
            yield f.result()
    finally:
        for f in futs:
            if not f.done():
                f.cancel()
