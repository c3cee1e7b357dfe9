"""The team use case: environment locks, four-eyes approvals and the team view, over the shared
DynamoDB store of `[team] table`. Without that setting `Team.of_context` returns None and the
console works alone.

Hooks for the engine and the deploy flow: `Team.guard(env, purpose)` (a lease held and renewed
while the block runs), `Team.request_approval(...)`, `Team.verify_approval(run, step, digest)`
(the approver's ARN, proven by STS) and `Team.sink()` (the audit trail's records, indexed).
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from opsconsole import paths
from opsconsole.app.audit import AuditScope
from opsconsole.app.context import AppContext
from opsconsole.app.team_approvals import Approvals
from opsconsole.app.team_journal import OfflineJournal
from opsconsole.app.team_parts import TeamParts
from opsconsole.aws.team_store import DynamoTeamStore
from opsconsole.aws.team_store_items import parse_items
from opsconsole.domain.audit import AuditRecord
from opsconsole.domain.errors import InvalidInput, OpsError
from opsconsole.domain.team import (
    ApprovalBinding,
    ApprovalProof,
    ApprovalRequest,
    ApproverPolicy,
    Lease,
    LeaseLost,
    RunState,
    TeamAction,
    TeamStoreUnavailable,
    TeamView,
)

LOCK, UNLOCK, BREAK = "team.lock", "team.unlock", "team.break"


class Team:
    """Locks, approvals and the team view of one console."""

    def __init__(self, parts: TeamParts) -> None:
        self.parts = parts
        self.store = parts.store
        self.approvals = Approvals(parts)
        self._held: dict[str, list[_Renewer]] = {}
        """Leases this console holds now, by environment (a guard inside a guard shares one)."""
        self._holding = threading.Lock()

    @classmethod
    def of_context(cls, context: AppContext) -> Team | None:
        """The team of `[team]` in the settings, or None when no table is configured."""
        from botocore.config import Config

        team = context.settings.team
        if not team.table:
            return None
        region = team.region or context.settings.identity.region
        fast = Config(
            retries={"mode": "standard", "total_max_attempts": 2}, connect_timeout=3, read_timeout=10
        )
        store = DynamoTeamStore(
            lambda: context.broker.identity_client("dynamodb", region, fast), team.table, context.clock
        )
        return cls(
            TeamParts(
                store=store,
                audit=context.audit,
                clock=context.clock,
                # The broker is built on first use (app/context.py), from the workers that need it.
                me=lambda: context.broker.caller_identity().arn,
                sts_client=lambda: context.broker.identity_client("sts", None, fast),
                iam_client=lambda: context.broker.identity_client("iam", None, fast),
                policy=ApproverPolicy(frozenset(team.approvers), frozenset(team.approver_groups)),
                lease_ttl=timedelta(minutes=team.lock_minutes),
                proof_max_age=timedelta(minutes=team.approval_minutes),
                journal=OfflineJournal(paths.state_dir() / f"team-unsent-{team.table}.jsonl"),
            )
        )

    # -- locks ----------------------------------------------------------------------------------

    def take(self, env: str, purpose: str) -> Lease:
        """Take `env`'s lock for `purpose`.

        Raises:
            LockHeld: another lease is live; names its holder, purpose and expiry.
            TeamStoreUnavailable: the store cannot be reached (the caller must not go on).
        """
        if not purpose.strip():
            raise InvalidInput("a lock needs a purpose", hint="say why: --purpose 'deploy api 1.4'")
        now = self.parts.clock()
        lease = Lease(env, self.parts.me(), purpose, now + self.parts.lease_ttl, uuid.uuid4().hex, now)
        self.store.take_lease(lease)
        self.parts.audit.event(LOCK, AuditScope(env), reason=purpose, details=_lease_details(lease))
        return lease

    def renew(self, lease: Lease) -> Lease:
        """Push the lease's expiry out by the TTL. Raises LeaseLost when it is no longer ours."""
        return self.store.renew_lease(lease, self.parts.clock() + self.parts.lease_ttl)

    def release(self, lease: Lease) -> None:
        self.store.delete_lease(lease.environment, lease.token)
        self.parts.audit.event(
            UNLOCK, AuditScope(lease.environment), reason=lease.purpose, details=_lease_details(lease)
        )

    def release_mine(self, env: str) -> Lease:
        """Release `env`'s lock held by this identity (a run killed before it could)."""
        lease = self.store.lease(env)
        if lease is None:
            raise InvalidInput(f"{env} is not locked")
        if lease.holder != self.parts.me():
            raise LeaseLost(
                f"{env} is locked by {lease.holder}, not by you",
                hint="`opsconsole team break ENV --reason ...` breaks someone else's lock (audited)",
            )
        self.release(lease)
        return lease

    def break_lock(self, env: str, reason: str) -> Lease:
        """Remove someone's lease on `env`, with a reason; intent and outcome are audited."""
        if not reason.strip():
            raise InvalidInput(
                "breaking a lock needs a reason", hint="--reason 'alice is away, deploy stuck'"
            )
        lease = self.store.lease(env)
        if lease is None:
            raise InvalidInput(f"{env} is not locked")
        details = _lease_details(lease)
        with self.parts.audit.change(BREAK, AuditScope(env), reason=reason, details=details):
            self.store.delete_lease(env, lease.token)
        return lease

    @contextmanager
    def guard(self, env: str, purpose: str) -> Iterator[Lease]:
        """Hold `env`'s lock while the block runs, renewed every third of its TTL, released after.

        A guard inside a guard of the same console (a runbook run holding the environment, then
        its step's change) shares the outer lease. A process killed inside the block leaves a
        lease that expires after the TTL.
        """
        with self._holding:
            shared = self._held.get(env)
            if shared:
                shared.append(shared[0])
        if shared:
            try:
                yield shared[0].lease
            finally:
                with self._holding:
                    shared.pop()
            return
        renewer = _Renewer(self, self.take(env, purpose))
        with self._holding:
            self._held[env] = [renewer]
        renewer.start()
        try:
            yield renewer.lease
        finally:
            with self._holding:
                del self._held[env]
            renewer.stop()
            # Broken meanwhile, or the store is away: the lease then expires by itself.
            with contextlib.suppress(LeaseLost, TeamStoreUnavailable):
                self.release(renewer.lease)

    # -- approvals (see app/team_approvals.py) --------------------------------------------------

    def request_approval(self, binding: ApprovalBinding, env: str, summary: str) -> ApprovalRequest:
        return self.approvals.request(binding, env, summary)

    def pending_approval(self, run_id: str, step_id: str) -> ApprovalRequest | None:
        return self.store.approval(run_id, step_id)

    def give_approval(self, run_id: str, step_id: str) -> ApprovalProof:
        return self.approvals.give(run_id, step_id)

    def verify_approval(self, run_id: str, step_id: str, digest: str) -> str:
        return self.approvals.verify(ApprovalBinding(run_id, step_id, digest))

    # -- runs, actions, the view ------------------------------------------------------------------

    def publish_run(self, run: RunState) -> None:
        """A run's state for the team view; journaled locally when the store is away."""
        self._write_or_keep("run", _run_data(run))

    def record(self, record: AuditRecord) -> None:
        """An audit record's index line (an intent, an event, an outcome) for its environment."""
        if not record.environment or record.phase == "intent":
            return
        action = TeamAction(
            record.environment, record.at, record.actor, record.action, record.outcome, record.id
        )
        self._write_or_keep("action", _action_data(action))

    def sink(self) -> TeamSink:
        """A RecordSink for the AuditTrail (the lead's wiring): every record also indexed here."""
        return TeamSink(self)

    def catch_up(self) -> int:
        """Replay what was kept while the store was away; returns how many writes went through."""
        return self.parts.journal.replay(self._send)

    def view(self) -> TeamView:
        """Locks, pending approvals, runs and recent actions; a store that is away says so."""
        unsent = len(self.parts.journal.pending())
        try:
            self.catch_up()
            leases, approvals, runs, actions = parse_items(self.store.scan())
        except TeamStoreUnavailable as e:
            return TeamView(unsent=unsent, notes=(e.message,))
        now = self.parts.clock()
        return TeamView(
            locks=tuple(
                sorted((lease for lease in leases if not lease.expired(now)), key=lambda x: x.environment)
            ),
            approvals=tuple(a for a in approvals if a.status == "pending"),
            runs=tuple(
                sorted((r for r in runs if r.status in {"running", "waiting"}), key=lambda r: r.updated_at)
            ),
            actions=_last_actions(actions, per_env=5),
            unsent=len(self.parts.journal.pending()),
        )

    def _write_or_keep(self, kind: str, data: dict[str, Any]) -> None:
        try:
            self.catch_up()
            self._send(kind, data)
        except TeamStoreUnavailable:
            self.parts.journal.add(kind, data)

    def _send(self, kind: str, data: dict[str, Any]) -> None:
        if kind == "run":
            self.store.put_run(RunState(**{**data, "updated_at": datetime.fromisoformat(data["updated_at"])}))
        elif kind == "action":
            self.store.put_action(TeamAction(**{**data, "at": datetime.fromisoformat(data["at"])}))


class TeamSink:
    """The audit trail's optional sink: records go to the team index (or the offline journal)."""

    def __init__(self, team: Team) -> None:
        self._team = team

    def send(self, record: AuditRecord) -> None:
        # The local journal already holds the record: a refusing store must not fail the change.
        with contextlib.suppress(OpsError):
            self._team.record(record)

    def close(self) -> None:
        return None


class _Renewer:
    """Renews a lease every third of its TTL until stopped; stops quietly when the lease is lost."""

    def __init__(self, team: Team, lease: Lease) -> None:
        self._team = team
        self.lease = lease
        self._stop = threading.Event()
        self._every = max(team.parts.lease_ttl.total_seconds() / 3, 0.05)
        self._thread = threading.Thread(target=self._run, name=f"lease-{lease.environment}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                self.lease = self._team.renew(self.lease)
            except LeaseLost:
                return
            except TeamStoreUnavailable:
                continue  # try again; the lease holds for its TTL meanwhile


def _lease_details(lease: Lease) -> dict[str, Any]:
    return {"holder": lease.holder, "purpose": lease.purpose, "expires_at": lease.expires_at.isoformat()}


def _run_data(run: RunState) -> dict[str, Any]:
    return {**run.__dict__, "updated_at": run.updated_at.isoformat()}


def _action_data(action: TeamAction) -> dict[str, Any]:
    return {**action.__dict__, "at": action.at.isoformat()}


def _last_actions(actions: list[TeamAction], per_env: int) -> tuple[TeamAction, ...]:
    by_env: dict[str, list[TeamAction]] = {}
    for action in sorted(actions, key=lambda a: a.at, reverse=True):
        by_env.setdefault(action.environment, []).append(action)
    return tuple(a for env in sorted(by_env) for a in by_env[env][:per_env])
