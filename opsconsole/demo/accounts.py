"""The demo world's accounts: one identity account and three environment accounts."""

from __future__ import annotations

from dataclasses import dataclass

from opsconsole.domain.environment import RoleTier

IDENTITY_ACCOUNT = "999999999999"
IDENTITY_REGION = "us-east-1"
DEMO_PROFILE = "opsconsole-demo"

ROLE_NAMES = {
    RoleTier.READ: "OpsConsoleReadOnly",
    RoleTier.OPERATE: "OpsConsoleOperator",
    RoleTier.DEPLOY: "OpsConsoleDeployer",
}


@dataclass(frozen=True)
class DemoAccount:
    name: str
    account_id: str
    region: str
    replica_region: str | None
    protected: bool

    @property
    def external_id(self) -> str:
        return f"opsconsole-{self.name}"

    def role_arn(self, tier: RoleTier) -> str:
        return f"arn:aws:iam::{self.account_id}:role/{ROLE_NAMES[tier]}"


ENVIRONMENTS = (
    DemoAccount("dev", "111111111111", "eu-west-1", "eu-central-1", protected=False),
    DemoAccount("staging", "222222222222", "eu-west-1", "eu-central-1", protected=False),
    DemoAccount("prod", "333333333333", "eu-west-1", "eu-central-1", protected=True),
)
