"""Creates the demo accounts' IAM: the operator in the identity account, a seeding admin in each
environment account, and the role trio through the console's baseline StackSet. Runs before
IAM enforcement is switched on."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from opsconsole.demo.accounts import ENVIRONMENTS, IDENTITY_ACCOUNT, IDENTITY_REGION

# moto matches statements only on Resource "*", so the demo's own users' policies use it.
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
    identity_iam = _in_account(session, "iam", endpoint, IDENTITY_ACCOUNT)
    operator_arn, operator_key = _create_operator(identity_iam, operator)
    admin_keys = {}
    for account in ENVIRONMENTS:
        admin_keys[account.name] = _create_admin(_in_account(session, "iam", endpoint, account.account_id))
    _deploy_role_trio(_in_account(session, "cloudformation", endpoint, IDENTITY_ACCOUNT))
    return Bootstrapped(operator_key=operator_key, operator_arn=operator_arn, admin_keys=admin_keys)


def _deploy_role_trio(cloudformation: Any) -> None:
    """The trio goes in as the console's own baseline StackSet, from the identity account."""
    from opsconsole import paths
    from opsconsole.domain.errors import BackendError
    from opsconsole.stacks.stackset import BaselineDeployer, BaselineTarget

    template = (paths.stacks_root(None) / "templates" / "baseline.yaml").read_text(encoding="utf-8")
    deployer = BaselineDeployer(cloudformation, template, IDENTITY_ACCOUNT, poll_seconds=0.2)
    targets = [BaselineTarget(a.name, a.account_id, a.region, a.external_id) for a in ENVIRONMENTS]
    failed = [r for r in deployer.deploy(targets) if not r.succeeded]
    if failed:
        raise BackendError(f"the demo's role trio did not deploy: {failed}")


def _in_account(session: Any, service: str, endpoint: str, account_id: str) -> Any:
    client = session.client(
        service,
        endpoint_url=endpoint,
        region_name=IDENTITY_REGION,
        aws_access_key_id="bootstrap",
        aws_secret_access_key="bootstrap",
    )

    # moto routes a request to the account this header names; only the bootstrap uses it.
    def pin_account(request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = account_id

    client.meta.events.register(f"before-sign.{service}.*", pin_account)
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


def _create_admin(iam: Any) -> AccessKey:
    """The demo's own seeding identity; it never appears in the console's config."""
    iam.create_user(UserName="opsconsole-demo-seeder")
    iam.put_user_policy(UserName="opsconsole-demo-seeder", PolicyName="admin", PolicyDocument=_policy(["*"]))
    key = iam.create_access_key(UserName="opsconsole-demo-seeder")["AccessKey"]
    return AccessKey(key["AccessKeyId"], key["SecretAccessKey"])
