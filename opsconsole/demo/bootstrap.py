"""Creates the demo accounts' IAM: the operator in the identity account, the role trio and a
seeding admin in each environment account. Runs before IAM enforcement is switched on."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from opsconsole.demo.accounts import ENVIRONMENTS, IDENTITY_ACCOUNT, IDENTITY_REGION, ROLE_NAMES, DemoAccount
from opsconsole.domain.environment import RoleTier
from opsconsole.domain.tiers import allowed_actions

# moto matches statements only on Resource "*", so the demo's policies use it; the stacks'
# security template scopes them to real ARNs.
_ANY = "*"


@dataclass(frozen=True)
class AccessKey:
    access_key_id: str
    secret_access_key: str


@dataclass(frozen=True)
class Bootstrapped:
    operator_key: AccessKey
    operator_arn: str
    admin_keys: dict[str, AccessKey]


def bootstrap(endpoint: str, operator: str) -> Bootstrapped:
    """Create every account's users, roles and policies on a fresh moto server."""
    import boto3

    session = boto3.Session()
    identity_iam = _iam_in(session, endpoint, IDENTITY_ACCOUNT)
    operator_arn, operator_key = _create_operator(identity_iam, operator)
    admin_keys = {}
    for account in ENVIRONMENTS:
        iam = _iam_in(session, endpoint, account.account_id)
        _create_role_trio(iam, account)
        admin_keys[account.name] = _create_admin(iam)
    return Bootstrapped(operator_key=operator_key, operator_arn=operator_arn, admin_keys=admin_keys)


def _iam_in(session: Any, endpoint: str, account_id: str) -> Any:
    client = session.client(
        "iam",
        endpoint_url=endpoint,
        region_name=IDENTITY_REGION,
        aws_access_key_id="bootstrap",
        aws_secret_access_key="bootstrap",
    )

    # moto routes a request to the account this header names; only the bootstrap uses it.
    def pin_account(request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = account_id

    client.meta.events.register("before-sign.iam.*", pin_account)
    return client


def _policy(actions: list[str] | tuple[str, ...]) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": _ANY}],
        }
    )


def _create_operator(iam: Any, operator: str) -> tuple[str, AccessKey]:
    user = iam.create_user(UserName=operator)["User"]
    iam.put_user_policy(
        UserName=operator,
        PolicyName="AssumeOpsConsoleRoles",
        PolicyDocument=_policy(
            [
                "sts:AssumeRole",
                "sts:GetSessionToken",
                "sts:GetCallerIdentity",
                "iam:GetUser",
                "iam:ListMFADevices",
            ]
        ),
    )
    key = iam.create_access_key(UserName=operator)["AccessKey"]
    return user["Arn"], AccessKey(key["AccessKeyId"], key["SecretAccessKey"])


def _create_role_trio(iam: Any, account: DemoAccount) -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{IDENTITY_ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": account.external_id}},
            }
        ],
    }
    for tier in RoleTier:
        name = ROLE_NAMES[tier]
        iam.create_role(
            RoleName=name,
            AssumeRolePolicyDocument=json.dumps(trust),
            MaxSessionDuration=43200,
            Description=f"opsconsole {tier.value} tier",
            Tags=[{"Key": "opsconsole:tier", "Value": tier.value}],
        )
        iam.put_role_policy(
            RoleName=name,
            PolicyName=f"opsconsole-{tier.value}",
            PolicyDocument=_policy(allowed_actions(tier)),
        )


def _create_admin(iam: Any) -> AccessKey:
    """The demo's own seeding identity; it never appears in the console's config."""
    iam.create_user(UserName="opsconsole-demo-seeder")
    iam.put_user_policy(UserName="opsconsole-demo-seeder", PolicyName="admin", PolicyDocument=_policy(["*"]))
    key = iam.create_access_key(UserName="opsconsole-demo-seeder")["AccessKey"]
    return AccessKey(key["AccessKeyId"], key["SecretAccessKey"])
