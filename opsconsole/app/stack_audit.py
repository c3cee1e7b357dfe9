"""The deploy engine's audit hook: a plan is one event; each change set executed is an intent
whose outcome is written when its stack settles (ok, failed with the first cause, or
interrupted when the watching stopped first)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from opsconsole.app.audit import AuditScope, AuditTrail
from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.audit import AuditRecord, Outcome
from opsconsole.domain.stacks import StackOutcome, StackStatus


class StackAudit:
    """Called by the engine (from its worker threads) with what it is about to do."""

    def __init__(self, trail: AuditTrail, scope: Callable[[], AuditScope], reason: str | None) -> None:
        self._trail = trail
        self._scope = scope
        self._reason = reason
        self._open: dict[str, AuditRecord] = {}
        self._lock = threading.Lock()

    def __call__(self, kind: ActionKind, details: dict[str, Any]) -> None:
        if kind is not ActionKind.STACKS_DEPLOY:
            self._trail.event(kind, self._scope(), reason=self._reason, details=details)
            return
        intent = self._trail.intent(kind, self._scope(), reason=self._reason, details=details)
        with self._lock:
            self._open[str(details["stack"])] = intent

    def settled(self, outcome: StackOutcome) -> None:
        """The outcome of a stack whose change set was executed (others have no intent)."""
        with self._lock:
            intent = self._open.pop(outcome.stack_name, None)
        if intent is None:
            return
        if outcome.succeeded:
            self._trail.outcome(intent, Outcome.OK, details={"status": outcome.message})
        elif outcome.status is StackStatus.IN_PROGRESS:
            self._trail.outcome(intent, Outcome.INTERRUPTED, error=outcome.message)
        else:
            self._trail.outcome(intent, Outcome.FAILED, error=outcome.message)

    def unsettled(self, error: str) -> None:
        """Stacks executed whose outcome never came (Ctrl-C): written as interrupted."""
        with self._lock:
            open_intents, self._open = list(self._open.values()), {}
        for intent in open_intents:
            self._trail.outcome(intent, Outcome.INTERRUPTED, error=error)
