"""Circuit breakers, one per backend x environment: after `failures` transport failures in a row
(refused, reset, closed mid-answer, no answer in time, a 5xx), calls fail at once for `cooldown`
seconds with an error that says so; then one call probes the backend (half-open) while the others
still fail at once, and its answer closes the circuit or opens it for another cooldown.

An answer that refuses the request (4xx: throttled, expired, denied, a bad query) is the backend
working and never counts: it resets the count like a success.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from opsconsole.domain.errors import BackendUnreachable, CircuitOpen

T = TypeVar("T")
Classifier = Callable[[BaseException], bool]
"""Whether an error is a transport failure of the backend (the breaker counts only those)."""


def unreachable(error: BaseException) -> bool:
    """The adapters' own mark: Zabbix and Graylog raise BackendUnreachable for transport failures."""
    return isinstance(error, BackendUnreachable)


@dataclass
class _Circuit:
    failures: int = 0
    opened_at: float | None = None
    probing: bool = False
    last_error: str = ""


class Breakers:
    """The circuits of one console (a TUI session keeps them between refreshes); thread-safe."""

    def __init__(
        self,
        *,
        failures: int = 3,
        cooldown: float = 20.0,
        clock: Callable[[], float] = time.monotonic,
        classifiers: dict[str, Classifier] | None = None,
    ) -> None:
        self.failures = failures
        self.cooldown = cooldown
        self._clock = clock
        self._classifiers = classifiers or {}
        self._circuits: dict[tuple[str, str], _Circuit] = {}
        self._lock = threading.Lock()
        self._active = threading.local()

    def call(self, backend: str, env_name: str, read: Callable[[], T]) -> T:
        """`read()` unless the circuit of `backend` in `env_name` is open.

        Raises:
            CircuitOpen: the circuit is open (or another call is probing it): nothing was sent.
        """
        key = (backend, env_name)
        active: set[tuple[str, str]] = self._active.__dict__.setdefault("keys", set())
        if key in active:
            return read()  # a read inside a read of the same circuit counts once, as the outer one
        self._admit(backend, env_name)
        active.add(key)
        try:
            value = read()
        except BaseException as e:
            self._settle(backend, env_name, e)
            raise
        finally:
            active.discard(key)
        self._settle(backend, env_name, None)
        return value

    def state(self, backend: str, env_name: str) -> str:
        """closed, open or half-open (a probe is due or under way)."""
        with self._lock:
            circuit = self._circuits.get((backend, env_name))
            if circuit is None or circuit.opened_at is None:
                return "closed"
            return "half-open" if circuit.probing or self._remaining(circuit) <= 0 else "open"

    def _admit(self, backend: str, env_name: str) -> None:
        with self._lock:
            circuit = self._circuits.setdefault((backend, env_name), _Circuit())
            if circuit.opened_at is None:
                return
            remaining = self._remaining(circuit)
            if remaining <= 0 and not circuit.probing:
                circuit.probing = True  # this call is the probe
                return
            raise CircuitOpen(
                backend,
                env_name,
                failures=circuit.failures,
                retry_in=max(1, math.ceil(remaining)),
                last_error=circuit.last_error,
            )

    def _remaining(self, circuit: _Circuit) -> float:
        assert circuit.opened_at is not None
        return circuit.opened_at + self.cooldown - self._clock()

    def _settle(self, backend: str, env_name: str, error: BaseException | None) -> None:
        transport = error is not None and self._classifiers.get(backend, unreachable)(error)
        with self._lock:
            circuit = self._circuits.setdefault((backend, env_name), _Circuit())
            circuit.probing = False
            if not transport:
                circuit.failures, circuit.opened_at = 0, None
                return
            circuit.failures += 1
            circuit.last_error = str(getattr(error, "message", error)).splitlines()[0][:200]
            if circuit.failures >= self.failures:
                circuit.opened_at = self._clock()
