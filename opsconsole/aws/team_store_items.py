"""The team table's items, to and from DynamoDB's attribute shapes.

Items (pk, sk): `lock#ENV`/`lock` a lease; `run#RUN`/`run` a run's state; `run#RUN`/`approval#STEP`
an approval request and its proof; `env#ENV`/`action#ISO#ID` an index line of the audit trail.
`ttl` (epoch seconds) lets DynamoDB drop expired leases, old approvals and old index lines.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from opsconsole.domain.team import (
    ApprovalBinding,
    ApprovalProof,
    ApprovalRequest,
    Lease,
    RunState,
    TeamAction,
)

KEEP = timedelta(days=30)
"""How long DynamoDB keeps an item after it stops mattering (TTL)."""


def key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": s(pk), "sk": s(sk)}


def lock_key(environment: str) -> dict[str, Any]:
    return key(f"lock#{environment}", "lock")


def approval_key(binding: ApprovalBinding) -> dict[str, Any]:
    return key(f"run#{binding.run_id}", f"approval#{binding.step_id}")


def s(value: str) -> dict[str, str]:
    return {"S": value}


def n(value: float) -> dict[str, str]:
    return {"N": repr(round(value, 3))}


def ttl(at: datetime) -> dict[str, str]:
    return n((at + KEEP).timestamp())


def _time(attribute: dict[str, str]) -> datetime:
    return datetime.fromtimestamp(float(attribute["N"]), UTC)


def lease_item(lease: Lease) -> dict[str, Any]:
    return {
        **lock_key(lease.environment),
        "holder": s(lease.holder),
        "purpose": s(lease.purpose),
        "expires": n(lease.expires_at.timestamp()),
        "taken": n(lease.taken_at.timestamp()),
        "token": s(lease.token),
        "ttl": ttl(lease.expires_at),
    }


def approval_item(request: ApprovalRequest) -> dict[str, Any]:
    return {
        **approval_key(request.binding),
        "digest": s(request.binding.digest),
        "env": s(request.environment),
        "summary": s(request.summary),
        "starter": s(request.starter),
        "requested": n(request.requested_at.timestamp()),
        "status": s("pending"),
        "ttl": ttl(request.requested_at),
    }


def proof_value(proof: ApprovalProof) -> dict[str, str]:
    return s(json.dumps(proof.__dict__))


def run_item(run: RunState) -> dict[str, Any]:
    item = {
        **key(f"run#{run.run_id}", "run"),
        "env": s(run.environment),
        "starter": s(run.starter),
        "status": s(run.status),
        "updated": n(run.updated_at.timestamp()),
        "ttl": ttl(run.updated_at),
    }
    if run.waiting_step:
        item["waiting"] = s(run.waiting_step)
    if run.waiting_for:
        item["waits_for"] = s(run.waiting_for)
    return item


def action_item(action: TeamAction) -> dict[str, Any]:
    return {
        **key(f"env#{action.environment}", f"action#{action.at.isoformat()}#{action.record_id}"),
        "actor": s(action.actor),
        "action": s(action.action),
        "outcome": s(action.outcome),
        "at": n(action.at.timestamp()),
        "ttl": ttl(action.at),
    }


def lease_of(item: dict[str, Any]) -> Lease:
    return Lease(
        environment=item["pk"]["S"].removeprefix("lock#"),
        holder=item["holder"]["S"],
        purpose=item["purpose"]["S"],
        expires_at=_time(item["expires"]),
        token=item["token"]["S"],
        taken_at=_time(item["taken"]),
    )


def approval_of(item: dict[str, Any]) -> ApprovalRequest:
    proof = ApprovalProof(**json.loads(item["proof"]["S"])) if "proof" in item else None
    return ApprovalRequest(
        binding=ApprovalBinding(
            item["pk"]["S"].removeprefix("run#"),
            item["sk"]["S"].removeprefix("approval#"),
            item["digest"]["S"],
        ),
        environment=item["env"]["S"],
        summary=item["summary"]["S"],
        starter=item["starter"]["S"],
        requested_at=_time(item["requested"]),
        status=item["status"]["S"],
        proof=proof,
        approver=item.get("approver", {}).get("S"),
    )


def run_of(item: dict[str, Any]) -> RunState:
    return RunState(
        item["pk"]["S"].removeprefix("run#"),
        item["env"]["S"],
        item["starter"]["S"],
        item["status"]["S"],
        _time(item["updated"]),
        item.get("waiting", {}).get("S"),
        item.get("waits_for", {}).get("S"),
    )


def action_of(item: dict[str, Any]) -> TeamAction:
    return TeamAction(
        item["pk"]["S"].removeprefix("env#"),
        _time(item["at"]),
        item["actor"]["S"],
        item["action"]["S"],
        item["outcome"]["S"],
        item["sk"]["S"].rsplit("#", 1)[-1],
    )


def parse_items(
    items: Iterable[dict[str, Any]],
) -> tuple[list[Lease], list[ApprovalRequest], list[RunState], list[TeamAction]]:
    """The scan's items sorted into the team view's parts."""
    leases, approvals, runs, actions = [], [], [], []
    for item in items:
        sk = item["sk"]["S"]
        if sk == "lock":
            leases.append(lease_of(item))
        elif sk.startswith("approval#"):
            approvals.append(approval_of(item))
        elif sk == "run":
            runs.append(run_of(item))
        elif sk.startswith("action#"):
            actions.append(action_of(item))
    return leases, approvals, runs, actions
