"""What each role tier may do: the single source for the demo's IAM policies and for
telling a denied user which tier would allow an action."""

from __future__ import annotations

from fnmatch import fnmatchcase

from opsconsole.domain.environment import RoleTier

_READ_SERVICES = (
    "autoscaling",
    "backup",
    "cloudformation",
    "cloudfront",
    "cloudtrail",
    "cloudwatch",
    "dax",
    "dynamodb",
    "ec2",
    "ecr",
    "ecs",
    "elasticloadbalancing",
    "iam",
    "kms",
    "logs",
    "rds",
    "route53",
    "s3",
    "sns",
    "sts",
    "tag",
)

READ_ACTIONS: tuple[str, ...] = tuple(
    f"{svc}:{verb}*" for svc in _READ_SERVICES for verb in ("Describe", "List", "Get")
) + ("sts:GetCallerIdentity", "s3:HeadBucket")

# The operate tier: day-to-day fixes that change no infrastructure.
OPERATE_ACTIONS: tuple[str, ...] = (
    "ecs:UpdateService",
    "ecs:StopTask",
    "ecs:StartTask",
    "ecs:RunTask",
    "ecs:ExecuteCommand",
    "rds:RebootDBInstance",
    "rds:CreateDBSnapshot",
    "rds:CreateDBClusterSnapshot",
    "rds:FailoverDBCluster",
    "cloudwatch:PutMetricAlarm",
    "cloudwatch:SetAlarmState",
)

# The deploy tier: CloudFormation and what the estate's stacks create.
_DEPLOY_SERVICES = (
    "cloudformation",
    "ec2",
    "ecs",
    "ecr",
    "elasticloadbalancing",
    "autoscaling",
    "iam",
    "kms",
    "s3",
    "rds",
    "dynamodb",
    "dax",
    "cloudfront",
    "route53",
    "cloudtrail",
    "cloudwatch",
    "logs",
    "sns",
    "backup",
    "ssm",
)
DEPLOY_ACTIONS: tuple[str, ...] = tuple(f"{svc}:*" for svc in _DEPLOY_SERVICES) + ("sts:*",)


def allowed_actions(tier: RoleTier) -> tuple[str, ...]:
    """Every IAM action pattern a tier's policy allows, including the lower tiers'."""
    actions = READ_ACTIONS
    if tier >= RoleTier.OPERATE:
        actions += OPERATE_ACTIONS
    if tier >= RoleTier.DEPLOY:
        actions += DEPLOY_ACTIONS
    return actions


def tier_allows(tier: RoleTier, action: str) -> bool:
    # IAM matches action names case-insensitively.
    wanted = action.lower()
    return any(fnmatchcase(wanted, pattern.lower()) for pattern in allowed_actions(tier))


def required_tier(action: str) -> RoleTier | None:
    """The lowest tier whose policy allows `action` (e.g. "ecs:CreateCluster"), or None."""
    for tier in RoleTier:
        if tier_allows(tier, action):
            return tier
    return None
