"""What each role tier may do: the single source for the demo's IAM policies and for
telling a denied user which tier would allow an action."""

from __future__ import annotations

from fnmatch import fnmatchcase

from opsconsole.domain.environment import RoleTier

# Read verbs per service: only patterns that match real IAM actions (cfn-lint W3037 checks).
_READ_VERBS: dict[str, tuple[str, ...]] = {
    "autoscaling": ("Describe", "Get"),
    "backup": ("Describe", "List", "Get"),
    "cloudformation": ("Describe", "List", "Get"),
    "cloudfront": ("Describe", "List", "Get"),
    "cloudtrail": ("Describe", "List", "Get"),
    "cloudwatch": ("Describe", "List", "Get"),
    "dax": ("Describe", "List"),
    "dynamodb": ("Describe", "List", "Get"),
    "ec2": ("Describe", "List", "Get"),
    "ecr": ("Describe", "List", "Get"),
    "ecs": ("Describe", "List"),
    "elasticloadbalancing": ("Describe", "Get"),
    "iam": ("List", "Get"),
    "kms": ("Describe", "List", "Get"),
    "logs": ("Describe", "List", "Get"),
    "rds": ("Describe", "List"),
    "route53": ("List", "Get"),
    "s3": ("List", "Get"),
    "sns": ("List", "Get"),
    "tag": ("Get",),
}

READ_ACTIONS: tuple[str, ...] = (
    *(f"{service}:{verb}*" for service, verbs in _READ_VERBS.items() for verb in verbs),
    "sts:GetCallerIdentity",
    # Drift detection changes nothing; reading the estate's drift belongs to the read tier.
    "cloudformation:DetectStackDrift",
    "cloudformation:DetectStackResourceDrift",
)

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
