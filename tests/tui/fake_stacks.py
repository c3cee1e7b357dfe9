"""The stacks use case with fixed answers, for screens whose look is pinned by snapshots: three
stacks, a review of two changed ones, and a record of which reviews were closed."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from opsconsole.domain.stacks import (
    ChangeAction,
    DeployedStack,
    EnvironmentPlan,
    PlanAction,
    ResourceChange,
    StackEvent,
    StackOutcome,
    StackPlan,
    StackSpec,
    StackStatus,
)


def frozen_plan() -> EnvironmentPlan:
    return EnvironmentPlan(
        "prod",
        (
            StackPlan("network", "prod-network", "eu-west-1", PlanAction.NONE, note="no changes"),
            StackPlan(
                "data",
                "prod-data",
                "eu-west-1",
                PlanAction.UPDATE,
                changes=(
                    ResourceChange(
                        ChangeAction.MODIFY,
                        "Database",
                        "AWS::RDS::DBInstance",
                        "prod-db",
                        "True",
                        ("Properties.DBInstanceClass (recreation: Always)",),
                    ),
                    ResourceChange(
                        ChangeAction.MODIFY,
                        "AppBucket",
                        "AWS::S3::Bucket",
                        "prod-app",
                        "False",
                        ("Properties.LifecycleConfiguration",),
                    ),
                ),
                parameter_diff=(("DbInstanceClass", "db.r6g.large", "db.r6g.xlarge"),),
                change_set_arn="arn:aws:cloudformation:eu-west-1:333333333333:changeSet/opsconsole-1/abc",
            ),
            StackPlan(
                "compute",
                "prod-compute",
                "eu-west-1",
                PlanAction.UPDATE,
                changes=(
                    ResourceChange(ChangeAction.ADD, "ReportsService", "AWS::ECS::Service"),
                    ResourceChange(ChangeAction.REMOVE, "LegacyQueue", "AWS::SQS::Queue", "prod-legacy"),
                ),
                change_set_arn="arn:aws:cloudformation:eu-west-1:333333333333:changeSet/opsconsole-1/def",
            ),
        ),
    )


class FakeReview:
    """A review of the frozen plan; executing it is a test failure (snapshots never deploy)."""

    def __init__(self, plan: EnvironmentPlan) -> None:
        self.plan = plan
        self.closed = False

    def execute(
        self,
        *,
        on_events: Callable[[str, list[StackEvent]], None] | None = None,
        on_outcome: Callable[[StackOutcome], None] | None = None,
        stop: threading.Event | None = None,
        approve_deferred: Callable[[StackPlan], bool] | None = None,
    ) -> list[StackOutcome]:
        raise AssertionError("snapshots never deploy")

    def close(self) -> list[str]:
        self.closed = True
        return [p.stack_name for p in self.plan.stacks if p.change_set_arn]


class FakeStacks:
    """Three deployed stacks per environment, updated three days before `now`."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.reviews: list[FakeReview] = []

    def status(
        self, env_name: str, keys: tuple[str, ...] | list[str] = (), *, lint: bool = False
    ) -> list[tuple[StackSpec, DeployedStack | None]]:
        rows: list[tuple[StackSpec, DeployedStack | None]] = []
        for key, depends in (("network", ()), ("data", ("network",)), ("compute", ("network",))):
            spec = StackSpec(
                key, f"{env_name}-{key}", f"templates/{key}.yaml", "", "eu-west-1", depends_on=depends
            )
            updated = self.now - timedelta(days=3, hours=2)
            rows.append(
                (
                    spec,
                    DeployedStack(
                        spec.stack_name, StackStatus.COMPLETE, "UPDATE_COMPLETE", None, updated, {}, {}
                    ),
                )
            )
        return rows

    def plan(
        self,
        env_name: str,
        keys: tuple[str, ...] | list[str] = (),
        *,
        reason: str | None = None,
        lint: bool = True,
        stop: threading.Event | None = None,
    ) -> FakeReview:
        review = FakeReview(frozen_plan())
        self.reviews.append(review)
        return review
