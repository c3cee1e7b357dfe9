"""Token buckets per account x service: AWS throttles each account's calls per API, so the console
spends at most `rate` calls a second (bursts of `burst`) on one account's service, however many
environments' reads run at once. Environments in different accounts never wait on each other.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(eq=False)
class TokenBucket:
    """`take()` blocks until a token is free: `rate` tokens a second, at most `burst` saved up."""

    rate: float
    burst: float
    clock: Callable[[], float] = field(default=time.monotonic, kw_only=True)
    sleep: Callable[[float], None] = field(default=time.sleep, kw_only=True)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self._tokens = self.burst
        self._stamp = self.clock()

    def take(self) -> float:
        """One token; returns the seconds waited for it."""
        waited = 0.0
        while True:
            with self._lock:
                now = self.clock()
                self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
                self._stamp = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return waited
                wait = (1 - self._tokens) / self.rate
            self.sleep(wait)
            waited += wait


class RateLimits:
    """One bucket per (account, service), made on first use; thread-safe."""

    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.rate = rate
        self.burst = burst if burst is not None else 2 * rate
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._lock = threading.Lock()

    def bucket(self, account: str, service: str) -> TokenBucket:
        with self._lock:
            key = (account, service)
            if key not in self._buckets:
                self._buckets[key] = TokenBucket(self.rate, self.burst)
            return self._buckets[key]

    def limit(self, client: Any, account: str, service: str) -> Any:
        """`client` (a boto3 client), taking a token of its account's bucket before each call it
        sends, retries included; clients are cached, so the hook is registered once per client."""
        bucket = self.bucket(account, service)

        def take(**_: Any) -> None:  # a before-send handler returning anything else replaces the answer
            bucket.take()

        client.meta.events.register("before-send", take, unique_id=f"opsconsole-rate-{id(self)}")
        return client
