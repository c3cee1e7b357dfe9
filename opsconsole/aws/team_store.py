"""The team's shared store: leases, approvals, runs and the action index in one DynamoDB table,
every write conditional (items: aws/team_store_items.py; plumbing: aws/team_store_table.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from opsconsole.aws.team_store_items import (
    action_item,
    approval_item,
    approval_key,
    approval_of,
    lease_item,
    lease_of,
    lock_key,
    n,
    parse_items,
    proof_value,
    run_item,
    s,
    ttl,
)
from opsconsole.aws.team_store_table import ConditionFailed, TeamTable, create_table
from opsconsole.domain.errors import BackendError
from opsconsole.domain.team import (
    ApprovalBinding,
    ApprovalProof,
    ApprovalRequest,
    Lease,
    LeaseLost,
    LockHeld,
    RunState,
    TeamAction,
)

__all__ = ["DynamoTeamStore", "create_table", "parse_items"]

_TOKEN = {"#token": "token"}
_STATUS = {"#status": "status"}


class DynamoTeamStore:
    """Leases, approvals, runs and the action index; botocore errors become OpsErrors."""

    def __init__(self, client: Callable[[], Any], table: str, clock: Callable[[], datetime]) -> None:
        """`client()` makes the DynamoDB client on first use (see TeamTable)."""
        self._table = TeamTable(client, table)
        self.table = table
        self._clock = clock

    # -- leases -------------------------------------------------------------------------------

    def take_lease(self, lease: Lease) -> None:
        """Raises LockHeld (naming the holder) unless the lock is free or its lease has expired."""
        item = lease_item(lease)
        for _attempt in range(3):  # a lease released between the refusal and the read: try again
            try:
                now = n(self._clock().timestamp())
                self._table.put(item, "attribute_not_exists(pk) OR expires < :now", {":now": now})
                return
            except ConditionFailed:
                held = self.lease(lease.environment)
                if held is not None:
                    raise LockHeld(held) from None
        raise BackendError(f"the lock on {lease.environment} keeps changing hands: try again")

    def renew_lease(self, lease: Lease, expires_at: datetime) -> Lease:
        """Raises LeaseLost unless `lease` (same token) is still the one in the table."""
        values = {":e": n(expires_at.timestamp()), ":t": ttl(expires_at), ":token": s(lease.token)}
        try:
            self._table.update(
                lock_key(lease.environment),
                "SET expires = :e, #ttl = :t",
                "#token = :token",
                values,
                {**_TOKEN, "#ttl": "ttl"},
            )
        except ConditionFailed:
            raise LeaseLost(f"the lock on {lease.environment} is no longer held by this run") from None
        return Lease(lease.environment, lease.holder, lease.purpose, expires_at, lease.token, lease.taken_at)

    def delete_lease(self, environment: str, token: str) -> None:
        """Release (the holder) or break (anyone, audited by the caller) the lease with this token."""
        try:
            self._table.delete(lock_key(environment), "#token = :token", {":token": s(token)}, _TOKEN)
        except ConditionFailed:
            raise LeaseLost(f"the lock on {environment} changed hands meanwhile") from None

    def lease(self, environment: str) -> Lease | None:
        item = self._table.get(lock_key(environment))
        return lease_of(item) if item else None

    # -- approvals ----------------------------------------------------------------------------

    def put_approval_request(self, request: ApprovalRequest) -> None:
        """A new (or renewed: what the step will do changed) request; an accepted one stays."""
        binding = request.binding
        try:
            self._table.put(
                approval_item(request),
                "attribute_not_exists(pk) OR #status <> :accepted",
                {":accepted": s("accepted")},
                _STATUS,
            )
        except ConditionFailed:
            raise BackendError(
                f"step {binding.step_id} of run {binding.run_id} is approved already"
            ) from None

    def put_proof(self, binding: ApprovalBinding, proof: ApprovalProof) -> None:
        """Attach a proof to the pending request for this exact binding (step and digest)."""
        self._update_pending(
            binding,
            "SET proof = :proof",
            {":proof": proof_value(proof)},
            BackendError(
                f"no pending approval for step {binding.step_id} of run {binding.run_id} with that digest",
                hint="`opsconsole team` lists the pending approvals",
            ),
        )

    def mark_approved(self, binding: ApprovalBinding, approver: str) -> None:
        self._update_pending(
            binding,
            "SET #status = :accepted, approver = :approver",
            {":accepted": s("accepted"), ":approver": s(approver)},
            BackendError(f"the approval of step {binding.step_id} changed meanwhile"),
        )

    def approval(self, run_id: str, step_id: str) -> ApprovalRequest | None:
        item = self._table.get(approval_key(ApprovalBinding(run_id, step_id, "")))
        return approval_of(item) if item else None

    def _update_pending(
        self, binding: ApprovalBinding, update: str, values: dict[str, Any], refused: BackendError
    ) -> None:
        """`update` the approval only while it is pending for this binding's digest."""
        try:
            self._table.update(
                approval_key(binding),
                update,
                "#status = :pending AND digest = :digest",
                {**values, ":pending": s("pending"), ":digest": s(binding.digest)},
                _STATUS,
            )
        except ConditionFailed:
            raise refused from None

    # -- runs and actions -----------------------------------------------------------------------

    def put_run(self, run: RunState) -> None:
        """A newer state of the run (older ones lose: a late writer never rolls it back)."""
        item = run_item(run)
        try:
            self._table.put(item, "attribute_not_exists(pk) OR updated <= :u", {":u": item["updated"]})
        except ConditionFailed:
            return  # a newer state is there already

    def put_action(self, action: TeamAction) -> None:
        """Idempotent: the same audit record twice is one line (a replay after an outage)."""
        try:
            self._table.put(action_item(action), "attribute_not_exists(pk)")
        except ConditionFailed:
            return

    def scan(self) -> Iterator[dict[str, Any]]:
        """Every item (the table holds a team's live state: small by design)."""
        return self._table.scan()
