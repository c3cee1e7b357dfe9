"""StackSet mode for the baseline every account shares: the opsconsole role trio.

Deployed from the identity (administration) account into each environment's account and region,
with the environment's ExternalId as a per-instance parameter override.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from opsconsole.domain.errors import BackendError

STACK_SET_NAME = "opsconsole-baseline"
_DONE = {"SUCCEEDED", "FAILED", "STOPPED"}


@dataclass(frozen=True)
class BaselineTarget:
    environment: str
    account_id: str
    region: str
    external_id: str | None


@dataclass(frozen=True)
class InstanceResult:
    environment: str
    account_id: str
    region: str
    status: str
    reason: str | None

    @property
    def succeeded(self) -> bool:
        return self.status == "CURRENT"


class BaselineDeployer:
    """Creates or updates the baseline StackSet and its instances, waiting on each operation."""

    def __init__(
        self, client: Any, template_body: str, identity_account: str, poll_seconds: float = 2.0
    ) -> None:
        self._client = client
        self._template = template_body
        self._identity_account = identity_account
        self.poll_seconds = poll_seconds

    def deploy(
        self,
        targets: Sequence[BaselineTarget],
        stop: threading.Event | None = None,
        on_progress: Callable[[str], None] | None = None,
    ) -> list[InstanceResult]:
        """Create or update the StackSet, add the missing instances, and report every target."""
        stop = stop or threading.Event()
        say = on_progress or (lambda text: None)
        self._put_stack_set(stop, say)
        present = {(i["Account"], i["Region"]) for i in self._instances()}
        for target in targets:
            if (target.account_id, target.region) not in present:
                self._add_instance(target, stop, say)
        by_place = {(i["Account"], i["Region"]): i for i in self._instances()}
        results = []
        for target in targets:
            instance = by_place.get((target.account_id, target.region), {})
            results.append(
                InstanceResult(
                    target.environment,
                    target.account_id,
                    target.region,
                    str(instance.get("Status", "MISSING")),
                    instance.get("StatusReason"),
                )
            )
        return results

    def _put_stack_set(self, stop: threading.Event, say: Callable[[str], None]) -> None:
        parameters = [
            {"ParameterKey": "IdentityAccountId", "ParameterValue": self._identity_account},
            {"ParameterKey": "ExternalId", "ParameterValue": "set-per-instance"},
        ]
        if self._exists():
            say(f"updating StackSet {STACK_SET_NAME}")
            operation = self._client.update_stack_set(
                StackSetName=STACK_SET_NAME,
                TemplateBody=self._template,
                Parameters=parameters,
                Capabilities=["CAPABILITY_NAMED_IAM"],
            ).get("OperationId")
            if operation:
                self._wait(operation, stop)
            return
        say(f"creating StackSet {STACK_SET_NAME}")
        self._client.create_stack_set(
            StackSetName=STACK_SET_NAME,
            TemplateBody=self._template,
            Parameters=parameters,
            Capabilities=["CAPABILITY_NAMED_IAM"],
            PermissionModel="SELF_MANAGED",
            Description="opsconsole role trio (read, operate, deploy) for every environment account",
        )

    def _add_instance(
        self, target: BaselineTarget, stop: threading.Event, say: Callable[[str], None]
    ) -> None:
        say(f"adding {target.environment} ({target.account_id}, {target.region})")
        operation = self._client.create_stack_instances(
            StackSetName=STACK_SET_NAME,
            Accounts=[target.account_id],
            Regions=[target.region],
            # Every parameter is given per instance, not only the one that differs: some
            # endpoints replace the set's parameters with the overrides instead of merging.
            ParameterOverrides=[
                {"ParameterKey": "IdentityAccountId", "ParameterValue": self._identity_account},
                {
                    "ParameterKey": "ExternalId",
                    "ParameterValue": target.external_id or f"opsconsole-{target.environment}",
                },
            ],
        )["OperationId"]
        self._wait(operation, stop)

    def _exists(self) -> bool:
        from botocore.exceptions import ClientError

        try:
            self._client.describe_stack_set(StackSetName=STACK_SET_NAME)
        except ClientError as e:
            if "StackSetNotFound" in str(e) or "not found" in str(e).lower():
                return False
            raise BackendError(f"cannot read StackSet {STACK_SET_NAME}: {e}") from e
        return True

    def _instances(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"StackSetName": STACK_SET_NAME}
            if token:
                kwargs["NextToken"] = token
            page = self._client.list_stack_instances(**kwargs)
            found += page.get("Summaries") or []
            token = page.get("NextToken")
            if not token:
                return found

    def _wait(self, operation_id: str, stop: threading.Event) -> None:
        while True:
            status = self._client.describe_stack_set_operation(
                StackSetName=STACK_SET_NAME, OperationId=operation_id
            )["StackSetOperation"]["Status"]
            if status in _DONE:
                if status != "SUCCEEDED":
                    raise BackendError(f"StackSet operation {operation_id} ended {status}")
                return
            if stop.is_set():
                raise BackendError("stopped watching the StackSet operation; it goes on in AWS")
            stop.wait(self.poll_seconds)
