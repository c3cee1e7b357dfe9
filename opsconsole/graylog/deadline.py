"""A total deadline for one HTTP request over requests/urllib3, which only bound each connect and each
read: a server that drips a byte every few seconds never trips a read timeout and holds a caller
forever. Here a timer shuts the request's socket down once the deadline passes, which wakes the
blocked read; the caller gets `DeadlineExceeded` and may retry or report.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_sockets: dict[int, socket.socket] = {}  # thread id -> the socket its request runs on, for the timer


class DeadlineExceeded(Exception):
    """The request did not finish within its total deadline."""


def _watch(connection: Any) -> None:
    sock = getattr(connection, "sock", None)
    if isinstance(sock, socket.socket):
        _sockets[threading.get_ident()] = sock


class _Watched:
    """Tells the deadline timer which socket this thread's request is on (new or kept alive)."""

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        _watch(self)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch(self)
        super().request(*args, **kwargs)  # type: ignore[misc]


class _HTTPConnection(_Watched, HTTPConnection):
    pass


class _HTTPSConnection(_Watched, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class DeadlineAdapter(HTTPAdapter):
    """An adapter whose connections tell `deadline()` which socket to cut."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
        self.poolmanager.key_fn_by_scheme = dict(self.poolmanager.key_fn_by_scheme)


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Run one request of this thread (through a DeadlineAdapter) under a total deadline.

    Raises:
        DeadlineExceeded: the deadline passed; whatever the request raised then is replaced.
    """
    thread = threading.get_ident()
    expired = threading.Event()
    lock = threading.Lock()
    finished = False

    def cut() -> None:
        with lock:
            if finished:
                return  # the answer came in time; its kept-alive socket stays usable
            expired.set()
            sock = _sockets.get(thread)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked connect/send/recv

    timer = threading.Timer(max(0.0, seconds), cut)
    timer.daemon = True
    timer.start()
    try:
        yield
    except Exception:
        if expired.is_set():
            raise DeadlineExceeded(f"no complete answer within {seconds:g} s") from None
        raise
    finally:
        with lock:
            finished = True
        timer.cancel()
        _sockets.pop(thread, None)
    if expired.is_set():
        raise DeadlineExceeded(f"no complete answer within {seconds:g} s")
