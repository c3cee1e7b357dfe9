"""The audit trail as the application writes it: an intent before every change, its outcome after.

Everything a record needs (operator, account, role) is settled before the change is sent, so a
change that reached a backend always has its intent on disk, and a crash between the two records
leaves an intent that `audit list` shows as "outcome unknown".
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from opsconsole import paths
from opsconsole.audit import AuditJournal
from opsconsole.config import Settings
from opsconsole.domain.audit import AuditEntry, AuditRecord, Outcome, pair_records
from opsconsole.domain.environment import Environment, RoleTier
from opsconsole.domain.errors import CredentialsError, OpsError
from opsconsole.domain.identity import RoleSession


class RecordSink(Protocol):
    """Somewhere records also go after the journal (Graylog over GELF)."""

    def send(self, record: AuditRecord) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class AuditScope:
    """Where a change goes: the environment, account, role and tier the records name."""

    environment: str | None = None
    account: str | None = None
    role_arn: str | None = None
    tier: str | None = None

    @classmethod
    def of_session(cls, session: RoleSession) -> AuditScope:
        return cls(session.environment, session.identity.account, session.role_arn, session.tier.value)

    @classmethod
    def of_environment(cls, env: Environment, tier: RoleTier) -> AuditScope:
        """For a backend outside AWS (Zabbix): the environment stands in for a role session."""
        return cls(env.name, env.account_id, None, tier.value)


@dataclass
class ChangeRecord:
    """What the caller learns while a change runs, written into its outcome record."""

    intent: AuditRecord
    details: dict[str, Any] = field(default_factory=dict)
    outcome: str = Outcome.OK
    error: str | None = None

    def fail(self, error: str) -> None:
        """The change ran and did not succeed, without an exception (a stack that rolled back)."""
        self.outcome = Outcome.FAILED
        self.error = error


class AuditTrail:
    """Writes records durably to the journal first, then to its sinks (Graylog, the team store)."""

    def __init__(
        self,
        journal: AuditJournal,
        operator: Callable[[], str],
        clock: Callable[[], datetime],
        sink: RecordSink | None = None,
    ) -> None:
        self.journal = journal
        self._operator = operator
        self._clock = clock
        self.sinks: list[RecordSink] = [sink] if sink is not None else []

    def also_to(self, sink: RecordSink) -> None:
        """Send every record from now on to `sink` too, after the journal."""
        self.sinks.append(sink)

    def event(
        self,
        action: str,
        scope: AuditScope,
        *,
        reason: str | None = None,
        details: dict[str, Any] | None = None,
        outcome: str = Outcome.OK,
    ) -> AuditRecord:
        """A single record for something that changes no backend (an elevation, a credentials export,
        a runbook step's start)."""
        return self._write(action, scope, reason, "event", outcome, details)

    def intent(
        self, action: str, scope: AuditScope, *, reason: str | None, details: dict[str, Any] | None = None
    ) -> AuditRecord:
        """The record written before a change is sent.

        Raises:
            BackendError: the journal cannot be written; the change must not be sent.
        """
        return self._write(action, scope, reason, "intent", Outcome.PENDING, details)

    def outcome(
        self,
        intent: AuditRecord,
        outcome: str,
        *,
        error: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> AuditRecord:
        """The record written after the change, naming its intent."""
        scope = AuditScope(intent.environment, intent.account, intent.role_arn, intent.tier)
        return self._write(
            intent.action,
            scope,
            intent.reason,
            "outcome",
            outcome,
            details,
            intent_id=intent.id,
            error=error,
            actor=intent.actor,
        )

    @contextmanager
    def change(
        self, action: str, scope: AuditScope, *, reason: str | None, details: dict[str, Any] | None = None
    ) -> Iterator[ChangeRecord]:
        """Intent now; outcome when the block ends: ok, failed with the error, or interrupted."""
        record = ChangeRecord(self.intent(action, scope, reason=reason, details=details))
        try:
            yield record
        except OpsError as e:
            self.outcome(record.intent, Outcome.FAILED, error=e.message, details=record.details)
            raise
        except BaseException as e:  # Ctrl-C, a cancelled worker, or a bug: the change may be half made
            outcome = Outcome.FAILED if isinstance(e, Exception) else Outcome.INTERRUPTED
            self.outcome(record.intent, outcome, error=f"{type(e).__name__}: {e}", details=record.details)
            raise
        self.outcome(record.intent, record.outcome, error=record.error, details=record.details)

    def records(self, since: datetime | None = None) -> Iterator[AuditRecord]:
        return self.journal.records(since)

    def entries(self, since: datetime | None = None) -> list[AuditEntry]:
        """Changes with their outcomes and single events, in the order they began."""
        return pair_records(list(self.journal.records(since)))

    def _actor(self) -> str:
        """The operator the record names. Without `[identity] operator` that is the AWS identity's
        name, so a change to Zabbix alone needs AWS credentials too: say so, and how to avoid it."""
        try:
            return self._operator()
        except CredentialsError as e:
            raise CredentialsError(
                f"the audit trail names who made the change, and without [identity] operator that "
                f"name comes from AWS: {e.message}",
                hint='sign in to AWS, or set [identity] operator = "your name" in the config',
            ) from e

    def _write(
        self,
        action: str,
        scope: AuditScope,
        reason: str | None,
        phase: str,
        outcome: str,
        details: dict[str, Any] | None,
        *,
        intent_id: str | None = None,
        error: str | None = None,
        actor: str | None = None,
    ) -> AuditRecord:
        record = AuditRecord(
            at=self._clock(),
            actor=actor or self._actor(),
            action=action,
            environment=scope.environment,
            account=scope.account,
            role_arn=scope.role_arn,
            tier=scope.tier,
            reason=reason,
            outcome=outcome,
            details=dict(details or {}),
            id=uuid.uuid4().hex,
            phase=phase,
            intent_id=intent_id,
            error=error,
        )
        self.journal.append(record)  # durable first: Graylog may be down
        for sink in self.sinks:
            sink.send(record)
        return record


def journal_path(settings: Settings) -> Path:
    """The journal of [audit] journal, or audit.jsonl in the user state directory."""
    if settings.audit.journal:
        return Path(settings.audit.journal).expanduser()
    return paths.state_dir() / "audit.jsonl"
