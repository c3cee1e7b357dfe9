"""Audit records to Graylog as GELF, through graypy, without ever making the caller wait.

Records go on a bounded queue that a listener thread drains into graypy's UDP or TCP handler;
a full queue drops the newest record and counts it. Delivery failures are counted and kept,
never printed: the console's screen belongs to the TUI, and the journal on disk is the record
that must not be lost. graypy's TLS handler (broken on Python 3.12+) and HTTP handler (raises
into the caller) are not used.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import queue
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from opsconsole.domain.audit import AuditRecord
from opsconsole.domain.errors import InvalidInput

QUEUE_SIZE = 10_000


@dataclass
class DeliveryStats:
    sent: int = 0
    dropped: int = 0
    failed: int = 0
    last_error: str | None = None


class _DroppingQueueHandler(logging.handlers.QueueHandler):
    """Puts without waiting; a full queue loses the record (the journal still has it)."""

    def __init__(self, target: queue.Queue[Any], stats: DeliveryStats) -> None:
        super().__init__(target)
        self.stats = stats

    def enqueue(self, record: logging.LogRecord) -> None:
        try:
            self.queue.put_nowait(record)
        except queue.Full:
            self.stats.dropped += 1


class _Listener(logging.handlers.QueueListener):
    """Stops even when the queue is full, by dropping one queued record for the sentinel."""

    def __init__(self, target: queue.Queue[Any], handler: logging.Handler, stats: DeliveryStats) -> None:
        super().__init__(target, handler)
        self.stats = stats
        self.records = target

    def enqueue_sentinel(self) -> None:
        while True:
            try:
                self.records.put_nowait(None)  # QueueListener's sentinel is None
                return
            except queue.Full:
                try:
                    self.records.get_nowait()
                    self.stats.dropped += 1
                except queue.Empty:
                    continue


def _quiet(handler_class: Any, stats: DeliveryStats) -> Any:
    """The graypy handler class, counting failures instead of printing tracebacks to stderr."""

    class Quiet(handler_class):  # type: ignore[misc]
        def emit(self, record: logging.LogRecord) -> None:
            super().emit(record)
            if getattr(record, "_opsconsole_failed", False):
                return
            if (
                isinstance(self, logging.handlers.SocketHandler)
                and not isinstance(self, logging.handlers.DatagramHandler)
                and self.sock is None
            ):
                # SocketHandler drops a record silently while it cannot connect.
                stats.failed += 1
                stats.last_error = "cannot connect"
                return
            stats.sent += 1

        def handleError(self, record: logging.LogRecord) -> None:
            import sys

            stats.failed += 1
            error = sys.exc_info()[1]
            stats.last_error = str(error) if error else "delivery failed"
            record._opsconsole_failed = True
            sock = getattr(self, "sock", None)
            if sock is not None:  # reconnect next time, as SocketHandler does with closeOnError
                sock.close()
                self.sock = None

    return Quiet


def parse_address(address: str) -> tuple[str, str, int]:
    """`udp://host:12201` or `tcp://host:12201` as (scheme, host, port)."""
    parts = urlsplit(address)
    if parts.scheme not in ("udp", "tcp") or not parts.hostname or not parts.port:
        raise InvalidInput(
            f"{address!r} is not a GELF address", hint="write udp://host:12201 or tcp://host:12201"
        )
    return parts.scheme, parts.hostname, parts.port


class GelfAuditForwarder:
    """Sends audit records as GELF from a background thread; `send` never blocks."""

    def __init__(self, address: str, *, source: str = "opsconsole") -> None:
        import graypy

        scheme, host, port = parse_address(address)
        self.address = address
        self.stats = DeliveryStats()
        handler_class = graypy.GELFUDPHandler if scheme == "udp" else graypy.GELFTCPHandler
        self._handler = _quiet(handler_class, self.stats)(
            host, port, localname=source, debugging_fields=False, extra_fields=True, level_names=True
        )
        self._queue: queue.Queue[Any] = queue.Queue(QUEUE_SIZE)
        self._logger = logging.Logger(f"opsconsole.audit.gelf.{id(self)}")
        self._logger.propagate = False
        self._logger.addHandler(_DroppingQueueHandler(self._queue, self.stats))
        self._listener = _Listener(self._queue, self._handler, self.stats)
        self._listener.start()
        self._lock = threading.Lock()
        self._closed = False

    def send(self, record: AuditRecord) -> None:
        if self._closed:
            return
        fields = {
            "audit": True,
            "action": record.action,
            "actor": record.actor,
            "environment": record.environment,
            "account": record.account,
            "role_arn": record.role_arn,
            "tier": record.tier,
            "reason": record.reason,
            "outcome": record.outcome,
            "audit_at": record.at.isoformat(),
            "details": json.dumps(record.details, sort_keys=True, default=str) if record.details else None,
        }
        where = f" in {record.environment}" if record.environment else ""
        self._logger.info(
            f"audit: {record.actor} {record.action}{where} ({record.outcome})",
            extra={k: v for k, v in fields.items() if v is not None},
        )

    def close(self, timeout: float = 2.0) -> None:
        """Stop the listener, giving queued records `timeout` seconds to leave."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        stopper = threading.Thread(target=self._listener.stop, daemon=True)
        stopper.start()
        stopper.join(timeout)
        self._handler.close()


class FirstRecordSink:
    """A GelfAuditForwarder started by the first record: a read-only command writes none, so it
    pays neither graypy's import nor the listener thread."""

    def __init__(self, address: str) -> None:
        parse_address(address)  # a bad address is still refused at start-up
        self.address = address
        self._forwarder: GelfAuditForwarder | None = None
        self._lock = threading.Lock()
        self._closed = False
        self.stats = DeliveryStats()
        """Until the forwarder starts: a start that failed, and the records it lost."""

    def send(self, record: AuditRecord) -> None:
        """Never raises: the journal already holds `record`, and Graylog is a copy of it."""
        with self._lock:
            if self._closed:
                return
            if self.stats.last_error is not None:  # it failed to start: no retry per record
                self.stats.dropped += 1
                return
            if self._forwarder is None:
                try:
                    self._forwarder = GelfAuditForwarder(self.address)
                except Exception as e:  # graypy missing, no thread: a copy lost, not the change
                    self.stats.last_error, self.stats.dropped = f"{type(e).__name__}: {e}", 1
                    return
            forwarder = self._forwarder
        forwarder.send(record)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            forwarder = self._forwarder
        if forwarder is not None:
            forwarder.close()
