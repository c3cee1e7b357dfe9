"""The one context every use case is built from: settings, the role broker, the audit trail, the
clock, the monitoring backends, the circuit breakers, the AWS rate limits and the bounded fan-out.

The role broker (boto3, botocore, keyring: about half a second of imports) is built on first use,
so a command or a pane that reads only Zabbix or Graylog never pays for it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, TypedDict, TypeVar, Unpack

from opsconsole.app.audit import AuditScope, AuditTrail, journal_path
from opsconsole.app.backends import Backends
from opsconsole.app.breaker import Breakers
from opsconsole.app.fanout import fan_out, fan_out_stream
from opsconsole.app.ratelimit import RateLimits
from opsconsole.audit import AuditJournal
from opsconsole.aws.session import utc_now
from opsconsole.config import Settings
from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.environment import Environment
from opsconsole.domain.errors import OpsError, ReadOnlyViolation
from opsconsole.domain.identity import Clock, MfaPrompt, RoleSession

if TYPE_CHECKING:
    from opsconsole.aws.session import RoleBroker

T = TypeVar("T")


class ContextOptions(TypedDict, total=False):
    """What a console is built with besides its settings (`AppContext.build`, `Console.build`)."""

    mfa_prompt: MfaPrompt | None
    """Asks for an MFA code when a session needs one (None: a front-end that cannot ask)."""
    clock: Clock
    """The time (utc_now unless a test fixes it)."""
    ready: Callable[[], None] | None
    """The demo's world starting behind the TUI: blocks the first AWS read until it is up."""


EnvLock = Callable[[str, str], AbstractContextManager[object]]
"""`lock(env, purpose)`: a context manager holding the environment's team lock."""


@dataclass
class AppContext:
    """What use cases share; built once per console (a CLI command or a TUI session)."""

    settings: Settings
    make_broker: Callable[[], RoleBroker]
    """Builds the role broker; called once, on the first `broker` (see the module's doc)."""
    audit: AuditTrail
    clock: Callable[[], datetime]
    backends: Backends
    breakers: Breakers = field(default_factory=Breakers)
    """One circuit per backend x environment (`[breaker]`): reads fail at once while one is open."""
    limits: RateLimits = field(default_factory=lambda: RateLimits(20))
    """AWS calls per second per account x service (`[aws] rate_limit`), applied to every client."""
    ready: Callable[[], None] | None = None
    """Blocks until AWS can be reached (the demo world starting behind an open TUI), or raises
    an OpsError saying why it never will; called once, before the role broker is built."""
    env_lock: EnvLock = field(default=lambda _env, _purpose: contextlib.nullcontext())
    """Holds an environment's team lock while a change runs there (protected environments only);
    the Console sets it when `[team] table` is configured, and alone it holds nothing."""

    @classmethod
    def build(cls, settings: Settings, **options: Unpack[ContextOptions]) -> AppContext:
        from opsconsole.aws.errors import transport_failure

        mfa_prompt, clock = options.get("mfa_prompt"), options.get("clock", utc_now)
        context: AppContext

        def record_elevation(session: RoleSession, reason: str | None) -> None:
            context.audit.event(ActionKind.ELEVATE, AuditScope.of_session(session), reason=reason)

        def make_broker() -> RoleBroker:
            from opsconsole.aws.session import RoleBroker

            broker = RoleBroker(settings, mfa_prompt=mfa_prompt, on_elevation=record_elevation, clock=clock)
            broker.client_hook = context.limits.limit
            return broker

        sink = None
        if settings.audit.gelf:
            from opsconsole.graylog.audit_gelf import FirstRecordSink

            sink = FirstRecordSink(settings.audit.gelf)
        audit = AuditTrail(AuditJournal(journal_path(settings)), lambda: context.broker.operator, clock, sink)
        breakers = Breakers(
            failures=settings.breaker_failures,
            cooldown=settings.breaker_cooldown,
            classifiers={"aws": transport_failure},
        )
        limits = RateLimits(settings.aws_rate)
        context = cls(
            settings, make_broker, audit, clock, Backends(settings), breakers, limits, options.get("ready")
        )
        return context

    def __post_init__(self) -> None:
        self._broker: RoleBroker | None = None
        self._building = threading.Lock()

    @property
    def broker(self) -> RoleBroker:
        """The role broker, built on first use (thread-safe: panes ask from their workers)."""
        if self._broker is None:
            with self._building:
                if self._broker is None:
                    if self.ready is not None:
                        self.ready()  # raises while AWS cannot be reached: the next read asks again
                    self._broker = self.make_broker()
        return self._broker

    @property
    def broker_built(self) -> bool:
        """Whether anything has needed AWS yet (a Zabbix-only command never builds the broker)."""
        return self._broker is not None

    def environment(self, name: str) -> Environment:
        return self.settings.environment(name)

    def now(self) -> datetime:
        return self.clock()

    def fan_out(self, env_names: list[str], read: Callable[[str], T]) -> list[tuple[str, T | OpsError]]:
        """Every environment's read at once, within one deadline: twice the slowest backend's
        timeout, since one read may take a role and then call the backend."""
        return fan_out(env_names, read, deadline=self.read_deadline)

    def fan_out_stream(
        self, env_names: list[str], read: Callable[[str], T], *, lead: int = 0
    ) -> Iterator[tuple[str, T | OpsError]]:
        """The same reads under the same deadline, each answer as it arrives (see fan_out_stream)."""
        return fan_out_stream(env_names, read, deadline=self.read_deadline, lead=lead)

    def guard(self, backend: str, env_name: str, read: Callable[[], T]) -> T:
        """`read()` through the circuit of `backend` (aws, zabbix, graylog) in `env_name`.

        Raises:
            CircuitOpen: the backend failed `[breaker] failures` times in a row there; nothing was sent.
        """
        return self.breakers.call(backend, env_name, read)

    @property
    def read_deadline(self) -> float:
        s = self.settings
        return 2.0 * max(
            s.aws_timeout + s.aws_connect_timeout,
            *(b.timeout + b.connect_timeout for b in (s.zabbix, s.graylog)),
        )

    def guarded(self, env: Environment, purpose: str) -> AbstractContextManager[object]:
        """The team lock of a protected environment for the block's duration (nothing elsewhere).

        Raises:
            LockHeld: another operator holds it (names holder, purpose and expiry).
            TeamStoreUnavailable: the team store cannot be reached, so the lock cannot be taken.
        """
        return self.env_lock(env.name, purpose) if env.protected else contextlib.nullcontext()

    def writable(self, env: Environment, what: str) -> None:
        """Refuse a change where the console or the environment is read-only.

        Raises:
            ReadOnlyViolation: naming which of the two.
        """
        if self.settings.read_only or env.read_only:
            where = "the console runs read-only" if self.settings.read_only else f"{env.name} is read_only"
            raise ReadOnlyViolation(
                f"{what} is not available: {where}",
                hint="drop --read-only / read_only = true to act on this environment",
            )

    def close(self) -> None:
        """Let queued audit records leave for Graylog and the team (briefly; the journal already has them)."""
        for sink in self.audit.sinks:
            sink.close()
        self.backends.close()
