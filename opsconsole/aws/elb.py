"""Load balancer reads: the health of the targets in an ECS service's target groups."""

from __future__ import annotations

from opsconsole.aws.paging import EnvReader
from opsconsole.domain.ecs import TargetHealth


class ElbReader(EnvReader):
    """elbv2 of one environment."""

    def target_health(self, target_groups: tuple[str, ...] | list[str]) -> list[TargetHealth]:
        """Every target of the groups with its state; a group with no targets adds nothing."""
        found: list[TargetHealth] = []
        for group in target_groups:
            answer = self._client().describe_target_health(TargetGroupArn=group)
            for raw in answer.get("TargetHealthDescriptions") or []:
                target, health = raw.get("Target") or {}, raw.get("TargetHealth") or {}
                found.append(
                    TargetHealth(
                        target_group=group,
                        target=str(target.get("Id", "?")),
                        port=target.get("Port"),
                        state=health.get("State", "unknown"),
                        reason=health.get("Reason"),
                        description=health.get("Description"),
                    )
                )
        return found
