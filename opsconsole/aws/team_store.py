"""The team's shared store: one DynamoDB table, every write conditional.

Items (pk, sk): `lock#ENV`/`lock` a lease; `run#RUN`/`run` a run's state; `run#RUN`/`approval#STEP`
an approval request and its proof; `env#ENV`/`action#ISO#ID` an index line of the audit trail.
`ttl` (epoch seconds) lets DynamoDB drop expired leases, old approvals and old index lines.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

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
    TeamStoreUnavailable,
)

_KEEP = timedelta(days=30)


class ConditionFailed(Exception):
    """A conditional write found the item in another state (internal to this module's callers)."""


def create_table(client: Any, table: str) -> None:
    """The table as the baseline stack declares it: on demand, encrypted with KMS, TTL, PITR."""
    client.create_table(
        TableName=table,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        BillingMode="PAY_PER_REQUEST",
        SSESpecification={"Enabled": True, "SSEType": "KMS"},
    )
    client.update_time_to_live(
        TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"}
    )
    client.update_continuous_backups(
        TableName=table, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )


class DynamoTeamStore:
    """Leases, approvals, runs and the action index in one table; botocore errors become OpsErrors."""

    def __init__(self, client: Callable[[], Any], table: str, clock: Callable[[], datetime]) -> None:
        """`client()` makes the DynamoDB client on first use: a console that never touches the team
        (a Zabbix read, say) resolves no identity credentials for it."""
        self._make_client = client
        self._made: Any = None
        self.table = table
        self._clock = clock

    @property
    def _client(self) -> Any:
        if self._made is None:
            self._made = self._make_client()
        return self._made

    # -- leases -------------------------------------------------------------------------------

    def take_lease(self, lease: Lease) -> None:
        """Raises LockHeld (naming the holder) unless the lock is free or its lease has expired."""
        item = {
            **_key(f"lock#{lease.environment}", "lock"),
            "holder": _s(lease.holder),
            "purpose": _s(lease.purpose),
            "expires": _n(lease.expires_at.timestamp()),
            "taken": _n(lease.taken_at.timestamp()),
            "token": _s(lease.token),
            "ttl": _n((lease.expires_at + _KEEP).timestamp()),
        }
        for _attempt in range(3):  # a lease released between the refusal and the read: try again
            try:
                now = _n(self._clock().timestamp())
                self._put(item, "attribute_not_exists(pk) OR expires < :now", {":now": now})
                return
            except ConditionFailed:
                held = self.lease(lease.environment)
                if held is not None:
                    raise LockHeld(held) from None
        raise BackendError(f"the lock on {lease.environment} keeps changing hands: try again")

    def renew_lease(self, lease: Lease, expires_at: datetime) -> Lease:
        """Raises LeaseLost unless `lease` (same token) is still the one in the table."""
        try:
            self._update(
                _key(f"lock#{lease.environment}", "lock"),
                "SET expires = :e, #ttl = :t",
                "#token = :token",
                {
                    ":e": _n(expires_at.timestamp()),
                    ":t": _n((expires_at + _KEEP).timestamp()),
                    ":token": _s(lease.token),
                },
                {"#token": "token", "#ttl": "ttl"},
            )
        except ConditionFailed:
            raise LeaseLost(f"the lock on {lease.environment} is no longer held by this run") from None
        return Lease(lease.environment, lease.holder, lease.purpose, expires_at, lease.token, lease.taken_at)

    def delete_lease(self, environment: str, token: str) -> None:
        """Release (the holder) or break (anyone, audited by the caller) the lease with this token."""
        with _translated(f"removing the lock on {environment}"):
            try:
                self._client.delete_item(
                    TableName=self.table,
                    Key=_key(f"lock#{environment}", "lock"),
                    ConditionExpression="#token = :token",
                    ExpressionAttributeNames={"#token": "token"},
                    ExpressionAttributeValues={":token": _s(token)},
                )
            except self._client.exceptions.ConditionalCheckFailedException:
                raise LeaseLost(f"the lock on {environment} changed hands meanwhile") from None

    def lease(self, environment: str) -> Lease | None:
        item = self._get(_key(f"lock#{environment}", "lock"))
        return _lease(item) if item else None

    # -- approvals ----------------------------------------------------------------------------

    def put_approval_request(self, request: ApprovalRequest) -> None:
        binding = request.binding
        item = {
            **_key(f"run#{binding.run_id}", f"approval#{binding.step_id}"),
            "digest": _s(binding.digest),
            "env": _s(request.environment),
            "summary": _s(request.summary),
            "starter": _s(request.starter),
            "requested": _n(request.requested_at.timestamp()),
            "status": _s("pending"),
            "ttl": _n((request.requested_at + _KEEP).timestamp()),
        }
        try:
            self._put(
                item,
                "attribute_not_exists(pk) OR #status <> :accepted",
                {":accepted": _s("accepted")},
                {"#status": "status"},
            )
        except ConditionFailed:
            raise BackendError(
                f"step {binding.step_id} of run {binding.run_id} is approved already"
            ) from None

    def put_proof(self, binding: ApprovalBinding, proof: ApprovalProof) -> None:
        """Attach a proof to the pending request for this exact binding (step and digest)."""
        values = {
            ":proof": _s(json.dumps(proof.__dict__)),
            ":pending": _s("pending"),
            ":digest": _s(binding.digest),
        }
        try:
            self._update(
                _key(f"run#{binding.run_id}", f"approval#{binding.step_id}"),
                "SET proof = :proof",
                "#status = :pending AND digest = :digest",
                values,
                {"#status": "status"},
            )
        except ConditionFailed:
            raise BackendError(
                f"no pending approval for step {binding.step_id} of run {binding.run_id} with that digest",
                hint="`opsconsole team` lists the pending approvals",
            ) from None

    def mark_approved(self, binding: ApprovalBinding, approver: str) -> None:
        try:
            self._update(
                _key(f"run#{binding.run_id}", f"approval#{binding.step_id}"),
                "SET #status = :accepted, approver = :approver",
                "#status = :pending AND digest = :digest",
                {
                    ":accepted": _s("accepted"),
                    ":pending": _s("pending"),
                    ":digest": _s(binding.digest),
                    ":approver": _s(approver),
                },
                {"#status": "status"},
            )
        except ConditionFailed:
            raise BackendError(f"the approval of step {binding.step_id} changed meanwhile") from None

    def approval(self, run_id: str, step_id: str) -> ApprovalRequest | None:
        item = self._get(_key(f"run#{run_id}", f"approval#{step_id}"))
        return _approval(item) if item else None

    # -- runs and actions -----------------------------------------------------------------------

    def put_run(self, run: RunState) -> None:
        """A newer state of the run (older ones lose: a late writer never rolls it back)."""
        item = {
            **_key(f"run#{run.run_id}", "run"),
            "env": _s(run.environment),
            "starter": _s(run.starter),
            "status": _s(run.status),
            "updated": _n(run.updated_at.timestamp()),
            "ttl": _n((run.updated_at + _KEEP).timestamp()),
        }
        if run.waiting_step:
            item["waiting"] = _s(run.waiting_step)
        try:
            self._put(item, "attribute_not_exists(pk) OR updated <= :u", {":u": item["updated"]})
        except ConditionFailed:
            return  # a newer state is there already

    def put_action(self, action: TeamAction) -> None:
        """Idempotent: the same audit record twice is one line (a replay after an outage)."""
        item = {
            **_key(f"env#{action.environment}", f"action#{action.at.isoformat()}#{action.record_id}"),
            "actor": _s(action.actor),
            "action": _s(action.action),
            "outcome": _s(action.outcome),
            "at": _n(action.at.timestamp()),
            "ttl": _n((action.at + _KEEP).timestamp()),
        }
        try:
            self._put(item, "attribute_not_exists(pk)", None)
        except ConditionFailed:
            return

    def scan(self) -> Iterator[dict[str, Any]]:
        """Every item (the table holds a team's live state: small by design)."""
        with _translated(f"reading the team table {self.table}"):
            for page in self._client.get_paginator("scan").paginate(
                TableName=self.table, ConsistentRead=True
            ):
                yield from page.get("Items", [])

    # -- plumbing -------------------------------------------------------------------------------

    def _put(
        self,
        item: dict[str, Any],
        condition: str,
        values: dict[str, Any] | None,
        names: dict[str, str] | None = None,
    ) -> None:
        kwargs: dict[str, Any] = {"TableName": self.table, "Item": item, "ConditionExpression": condition}
        if values:
            kwargs["ExpressionAttributeValues"] = values
        if names:
            kwargs["ExpressionAttributeNames"] = names
        with _translated(f"writing to the team table {self.table}"):
            try:
                self._client.put_item(**kwargs)
            except self._client.exceptions.ConditionalCheckFailedException as e:
                raise ConditionFailed() from e

    def _update(
        self, key: dict[str, Any], update: str, condition: str, values: dict[str, Any], names: dict[str, str]
    ) -> None:
        with _translated(f"writing to the team table {self.table}"):
            try:
                self._client.update_item(
                    TableName=self.table,
                    Key=key,
                    UpdateExpression=update,
                    ConditionExpression=condition,
                    ExpressionAttributeValues=values,
                    ExpressionAttributeNames=names,
                )
            except self._client.exceptions.ConditionalCheckFailedException as e:
                raise ConditionFailed() from e

    def _get(self, key: dict[str, Any]) -> dict[str, Any] | None:
        with _translated(f"reading the team table {self.table}"):
            item: dict[str, Any] | None = self._client.get_item(
                TableName=self.table, Key=key, ConsistentRead=True
            ).get("Item")
        return item


@contextmanager
def _translated(what: str) -> Iterator[None]:
    """botocore failures as TeamStoreUnavailable (network, 5xx) or BackendError (the answer refused)."""
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError

    try:
        yield
    except ClientError as e:
        error = e.response.get("Error", {})
        code, message = str(error.get("Code", "")), str(error.get("Message", "")) or str(e)
        status = int(e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        if status >= 500 or code in {"InternalServerError", "ServiceUnavailable", "ThrottlingException"}:
            raise TeamStoreUnavailable(
                f"the team store is unreachable ({what}: it answered {code or status})", hint=_OFFLINE_HINT
            ) from e
        if code == "ResourceNotFoundException":
            raise BackendError(
                f"{what}: {message}", hint="check [team] table and region in the config"
            ) from e
        raise BackendError(f"{what}: {code}: {message}") from e
    except (BotoCoreError, ResponseParserError) as e:
        detail = str(e).splitlines()[0]
        raise TeamStoreUnavailable(
            f"the team store is unreachable ({what}: {detail})", hint=_OFFLINE_HINT
        ) from e


_OFFLINE_HINT = (
    "locks and approvals wait until DynamoDB is back; reads and local work go on (try again later)"
)


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": _s(pk), "sk": _s(sk)}


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: float) -> dict[str, str]:
    return {"N": repr(round(value, 3))}


def _time(attribute: dict[str, str]) -> datetime:
    return datetime.fromtimestamp(float(attribute["N"]), UTC)


def _lease(item: dict[str, Any]) -> Lease:
    return Lease(
        environment=item["pk"]["S"].removeprefix("lock#"),
        holder=item["holder"]["S"],
        purpose=item["purpose"]["S"],
        expires_at=_time(item["expires"]),
        token=item["token"]["S"],
        taken_at=_time(item["taken"]),
    )


def _approval(item: dict[str, Any]) -> ApprovalRequest:
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


def parse_items(
    items: Iterator[dict[str, Any]],
) -> tuple[list[Lease], list[ApprovalRequest], list[RunState], list[TeamAction]]:
    """The scan's items sorted into the team view's parts."""
    leases, approvals, runs, actions = [], [], [], []
    for item in items:
        pk, sk = item["pk"]["S"], item["sk"]["S"]
        if sk == "lock":
            leases.append(_lease(item))
        elif sk.startswith("approval#"):
            approvals.append(_approval(item))
        elif sk == "run":
            runs.append(
                RunState(
                    pk.removeprefix("run#"),
                    item["env"]["S"],
                    item["starter"]["S"],
                    item["status"]["S"],
                    _time(item["updated"]),
                    item.get("waiting", {}).get("S"),
                )
            )
        elif sk.startswith("action#"):
            record_id = sk.rsplit("#", 1)[-1]
            actions.append(
                TeamAction(
                    pk.removeprefix("env#"),
                    _time(item["at"]),
                    item["actor"]["S"],
                    item["action"]["S"],
                    item["outcome"]["S"],
                    record_id,
                )
            )
    return leases, approvals, runs, actions
