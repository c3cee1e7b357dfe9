"""CloudFormation calls for the deploy engine: stacks, change sets, events, drift.

Every method takes the region, since one environment's stacks span its primary and replica
regions. Clients come from a getter on each call (the role broker renews them), and waits take a
stop event, never blocking a caller that wants to leave.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from opsconsole.aws.errors import aws_errors
from opsconsole.domain.errors import BackendError
from opsconsole.domain.identity import RoleSession
from opsconsole.domain.stacks import (
    ChangeAction,
    DeployedStack,
    ResourceChange,
    StackEvent,
    StackSpec,
    StackStatus,
)

ClientFor = Callable[[str], Any]
"""Returns a cloudformation client for a region."""

NESTED = "AWS::CloudFormation::Stack"
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")


@dataclass(frozen=True)
class ChangeSetResult:
    arn: str
    name: str
    status: str
    reason: str
    changes: tuple[ResourceChange, ...]

    @property
    def empty(self) -> bool:
        return self.status == "FAILED" and any(text in self.reason for text in NO_CHANGES)


class CloudFormation:
    def __init__(self, client_for: ClientFor, session: RoleSession, poll_seconds: float = 2.0) -> None:
        self._client_for = client_for
        self._session = session
        self.poll_seconds = poll_seconds

    def _errors(self, what: str) -> Any:
        return aws_errors(self._session, "cloudformation", what)

    # -- stacks ---------------------------------------------------------------------------------

    def describe(self, stack_name: str, region: str) -> DeployedStack | None:
        """The stack as deployed, or None when there is none (a deleted stack counts as none)."""
        from botocore.exceptions import ClientError

        client = self._client_for(region)
        with self._errors(f"describe {stack_name}"):
            try:
                answer = client.describe_stacks(StackName=stack_name)
            except ClientError as e:
                if "does not exist" in str(e):
                    return None
                raise
        stacks = answer.get("Stacks") or []
        if not stacks:
            return None
        raw = stacks[0]
        status = StackStatus.of(raw.get("StackStatus"))
        if status is StackStatus.DELETED:
            return None
        return DeployedStack(
            stack_name=raw["StackName"],
            status=status,
            raw_status=raw.get("StackStatus", ""),
            reason=raw.get("StackStatusReason"),
            updated_at=raw.get("LastUpdatedTime") or raw.get("CreationTime"),
            parameters={p["ParameterKey"]: p.get("ParameterValue", "") for p in raw.get("Parameters") or []},
            outputs={o["OutputKey"]: o.get("OutputValue", "") for o in raw.get("Outputs") or []},
            stack_id=raw.get("StackId"),
        )

    def template_body(self, stack_name: str, region: str) -> str:
        with self._errors(f"read the template of {stack_name}"):
            body = self._client_for(region).get_template(StackName=stack_name)["TemplateBody"]
        if isinstance(body, dict):
            import json

            return json.dumps(body, indent=2, sort_keys=True)
        return str(body)

    def delete(self, stack_name: str, region: str) -> None:
        with self._errors(f"delete {stack_name}"):
            self._client_for(region).delete_stack(StackName=stack_name)

    # -- change sets ----------------------------------------------------------------------------

    def unexecuted_change_sets(self, stack_name: str, region: str) -> list[tuple[str, str]]:
        """(name, ARN) of the stack's change sets that can still run (AVAILABLE): made by a plan or
        a deploy that ended before running or deleting them; none when there is no such stack."""
        return [
            (name, arn) for name, arn, status in self.change_sets(stack_name, region) if status == "AVAILABLE"
        ]

    def change_sets(
        self, stack_name: str, region: str, *, stack_id: str | None = None
    ) -> list[tuple[str, str, str]]:
        """(name, ARN, execution status) of every change set of the stack, whatever its status
        (but FAILED ones, which can never run); none when there is no such stack. With `stack_id`,
        only that stack's: an older stack of the same name (deleted) kept its own."""
        from botocore.exceptions import ClientError

        client = self._client_for(region)
        found: list[tuple[str, str, str]] = []
        with self._errors(f"list the change sets of {stack_name}"):
            try:
                for page in client.get_paginator("list_change_sets").paginate(StackName=stack_name):
                    found += [
                        (c["ChangeSetName"], c["ChangeSetId"], c.get("ExecutionStatus", ""))
                        for c in page.get("Summaries", [])
                        # moto lists every change set of the region, whichever stack is asked
                        if c.get("StackName") == stack_name
                        and c.get("Status") != "FAILED"
                        and stack_id in (None, c.get("StackId"))
                    ]
            except ClientError as e:
                if "does not exist" in str(e):
                    return []
                raise
        return found

    def create_change_set(
        self,
        spec: StackSpec,
        parameters: dict[str, str],
        *,
        update: bool,
        name: str,
        body: str | None = None,
        url: str | None = None,
    ) -> tuple[str, str] | None:
        """Create a change set and return its ARN and name; None when nothing would change.

        The template goes by `url` when given (a packaged one), else inline (`body`, or the spec's).
        """
        template = {"TemplateURL": url} if url else {"TemplateBody": body or spec.template_body}
        source = f" from {url}" if url else ""
        # Every botocore failure is translated, not only ClientError: an endpoint that answers an HTML
        # error page (moto on a template it cannot process) raises ResponseParserError.
        with self._errors(f"create a change set for {spec.stack_name}{source}"):
            return self._create_change_set(spec, parameters, update=update, name=name, template=template)

    def _create_change_set(
        self,
        spec: StackSpec,
        parameters: dict[str, str],
        *,
        update: bool,
        name: str,
        template: dict[str, str],
    ) -> tuple[str, str] | None:
        from botocore.exceptions import ClientError

        try:
            answer = self._client_for(spec.region).create_change_set(
                StackName=spec.stack_name,
                ChangeSetName=name,
                ChangeSetType="UPDATE" if update else "CREATE",
                **template,
                Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
                Capabilities=list(spec.capabilities),
                Tags=[{"Key": k, "Value": v} for k, v in spec.tags.items()],
                Description=f"opsconsole {self._session.session_name}",
            )
        except ClientError as e:
            # Some endpoints refuse an empty change set up front instead of failing it later.
            if any(text in str(e) for text in NO_CHANGES):
                return None
            raise
        return str(answer["Id"]), name

    def wait_change_set(self, arn: str, region: str, stop: threading.Event) -> ChangeSetResult:
        """Poll until the change set is ready or failed, then describe every page of it."""
        client = self._client_for(region)
        while True:
            with self._errors("describe a change set"):
                first = client.describe_change_set(ChangeSetName=arn)
            status = first.get("Status", "")
            if status in ("CREATE_COMPLETE", "FAILED", "DELETE_COMPLETE") or stop.is_set():
                break
            stop.wait(self.poll_seconds)
        changes = [_change(c) for c in first.get("Changes") or []]
        token = first.get("NextToken")
        while token:
            with self._errors("describe a change set"):
                page = client.describe_change_set(ChangeSetName=arn, NextToken=token)
            changes += [_change(c) for c in page.get("Changes") or []]
            token = page.get("NextToken")
        return ChangeSetResult(
            arn=arn,
            name=first.get("ChangeSetName", ""),
            status=status,
            reason=first.get("StatusReason") or "",
            changes=tuple(changes),
        )

    def delete_change_set(self, arn: str, region: str) -> None:
        with self._errors("delete a change set"):
            self._client_for(region).delete_change_set(ChangeSetName=arn)

    def execute_change_set(self, arn: str, region: str) -> None:
        with self._errors("execute a change set"):
            self._client_for(region).execute_change_set(ChangeSetName=arn)

    # -- events ---------------------------------------------------------------------------------

    def events(self, stack_name: str, region: str, since: datetime | None = None) -> list[StackEvent]:
        """Events of a stack, oldest first, from `since` on (all of them when None)."""
        client = self._client_for(region)
        collected: list[StackEvent] = []
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"StackName": stack_name}
            if token:
                kwargs["NextToken"] = token
            with self._errors(f"read the events of {stack_name}"):
                page = client.describe_stack_events(**kwargs)
            batch = [_event(e) for e in page.get("StackEvents") or []]
            fresh = [e for e in batch if since is None or e.timestamp >= since]
            collected += fresh
            token = page.get("NextToken")
            # Pages come newest first: once a page reaches past the watermark, stop paging.
            if not token or len(fresh) < len(batch):
                break
        return sorted(collected, key=lambda e: e.timestamp)

    def nested_stacks(self, stack_name: str, region: str) -> list[str]:
        """The physical ids of a stack's nested stacks, from its resources (moto never reports a
        nested stack's events in its parent's, real AWS does; both list it as a resource)."""
        with self._errors(f"read the resources of {stack_name}"):
            resources = self._client_for(region).describe_stack_resources(StackName=stack_name)
        return [
            str(r["PhysicalResourceId"])
            for r in resources.get("StackResources") or []
            if r.get("ResourceType") == NESTED and r.get("PhysicalResourceId")
        ]

    def events_with_nested(
        self, stack_name: str, region: str, since: datetime | None = None
    ) -> list[StackEvent]:
        """A stack's events and its nested stacks' (one level, as deployed now), oldest first."""
        events = self.events(stack_name, region, since)
        for child in self.nested_stacks(stack_name, region):
            events += self.events(child, region, since)
        return sorted(events, key=lambda e: e.timestamp)

    def follow(
        self, stack_name: str, region: str, since: datetime, stop: threading.Event, *, nested: bool = False
    ) -> Iterator[list[StackEvent]]:
        """Yield batches of new events, nested stacks' included, until the stack settles or
        `stop` is set.

        Events are deduplicated by EventId; the watermark is the newest timestamp seen, so a
        late page never replays what was already shown. Nested stacks are found from the
        parent's events as they come and, with `nested`, from its resources once it settles.
        """
        seen: set[str] = set()
        watermark = since
        children: dict[str, datetime] = {}
        last_status: str | None = None
        while not stop.is_set():
            batch = self._fresh(stack_name, region, watermark, seen)
            if batch:
                watermark = max(watermark, batch[-1].timestamp)
                own = [e for e in batch if e.logical_id == stack_name]
                last_status = own[-1].status if own else last_status
            for event in batch:
                if event.resource_type == NESTED and event.logical_id != stack_name and event.physical_id:
                    children.setdefault(event.physical_id, since)
            batch = sorted(batch + self._children_fresh(children, region, seen), key=lambda e: e.timestamp)
            if batch:
                yield batch
            # The stack's own events say when it settles; ask for its status only when they do not.
            final: list[StackEvent] | None = None
            if last_status is not None and StackStatus.of(last_status) is not StackStatus.IN_PROGRESS:
                final = []
            else:
                deployed = self.describe(stack_name, region)
                if deployed is None or deployed.status is not StackStatus.IN_PROGRESS:
                    final = self._fresh(stack_name, region, watermark, seen)
            if final is not None:
                if nested:
                    for child in self.nested_stacks(stack_name, region):
                        children.setdefault(child, since)
                    final += self._children_fresh(children, region, seen)
                if final:
                    yield sorted(final, key=lambda e: e.timestamp)
                return
            stop.wait(self.poll_seconds)

    def _children_fresh(self, children: dict[str, datetime], region: str, seen: set[str]) -> list[StackEvent]:
        """New events of the nested stacks, each from its own watermark (moved on as they come)."""
        fresh: list[StackEvent] = []
        for child, mark in list(children.items()):
            nested = self._fresh(child, region, mark, seen)
            if nested:
                children[child] = nested[-1].timestamp
                fresh += nested
        return fresh

    def _fresh(self, stack: str, region: str, since: datetime, seen: set[str]) -> list[StackEvent]:
        batch = [e for e in self.events(stack, region, since) if e.event_id not in seen]
        seen.update(e.event_id for e in batch)
        return batch

    # -- drift ----------------------------------------------------------------------------------

    def detect_drift(
        self, stack_name: str, region: str, stop: threading.Event
    ) -> tuple[str, list[dict[str, Any]]]:
        """Run drift detection and return the stack's drift status and drifted resources."""
        client = self._client_for(region)
        with self._errors(f"detect drift of {stack_name}"):
            detection = client.detect_stack_drift(StackName=stack_name)["StackDriftDetectionId"]
        started = time.monotonic()
        while True:
            with self._errors(f"detect drift of {stack_name}"):
                status = client.describe_stack_drift_detection_status(StackDriftDetectionId=detection)
            if status["DetectionStatus"] != "DETECTION_IN_PROGRESS":
                break
            if stop.is_set() or time.monotonic() - started > 600:
                raise BackendError(f"drift detection of {stack_name} did not finish")
            stop.wait(self.poll_seconds)
        if status["DetectionStatus"] == "DETECTION_FAILED":
            raise BackendError(
                f"drift detection of {stack_name} failed: {status.get('DetectionStatusReason', '')}"
            )
        drifts: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {
                "StackName": stack_name,
                "StackResourceDriftStatusFilters": ["MODIFIED", "DELETED"],
            }
            if token:
                kwargs["NextToken"] = token
            with self._errors(f"read the drift of {stack_name}"):
                page = client.describe_stack_resource_drifts(**kwargs)
            drifts += page.get("StackResourceDrifts") or []
            token = page.get("NextToken")
            if not token:
                break
        return str(status.get("StackDriftStatus", "UNKNOWN")), drifts


def _change(raw: dict[str, Any]) -> ResourceChange:
    change = raw.get("ResourceChange") or {}
    details = []
    for detail in change.get("Details") or []:
        target = detail.get("Target") or {}
        name = target.get("Name") or target.get("Attribute") or "?"
        recreation = target.get("RequiresRecreation")
        suffix = f" (recreation: {recreation})" if recreation and recreation != "Never" else ""
        details.append(f"{target.get('Attribute', 'Properties')}.{name}{suffix}")
    try:
        action = ChangeAction(change.get("Action", "Modify"))
    except ValueError:
        action = ChangeAction.MODIFY
    return ResourceChange(
        action=action,
        logical_id=change.get("LogicalResourceId", "?"),
        resource_type=change.get("ResourceType", "?"),
        physical_id=change.get("PhysicalResourceId"),
        replacement=change.get("Replacement"),
        details=tuple(dict.fromkeys(details)),
    )


def _event(raw: dict[str, Any]) -> StackEvent:
    return StackEvent(
        event_id=raw["EventId"],
        stack_name=raw.get("StackName", ""),
        logical_id=raw.get("LogicalResourceId") or raw.get("StackName", ""),
        resource_type=raw.get("ResourceType") or "AWS::CloudFormation::Stack",
        status=raw.get("ResourceStatus", ""),
        timestamp=raw["Timestamp"],
        reason=raw.get("ResourceStatusReason"),
        physical_id=raw.get("PhysicalResourceId"),
    )
