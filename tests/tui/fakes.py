"""A frozen stand-in for the services, for snapshots and failure cases: fixed clock, fixed answers."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from opsconsole.config import Settings, parse_settings
from opsconsole.demo.accounts import ENVIRONMENTS
from opsconsole.demo.world import render_config
from opsconsole.domain.environment import RoleTier
from opsconsole.domain.errors import CredentialsError
from opsconsole.domain.identity import CallerIdentity, RoleSession

NOW = datetime(2026, 11, 26, 9, 30, 0, tzinfo=UTC)


def demo_like_settings() -> Settings:
    text = render_config("http://127.0.0.1:4566", Path("/var/lib/opsconsole/demo"), "alice")
    return parse_settings(text, source=Path("demo.toml"), environ={})


class FrozenServices:
    def __init__(self, *, failing: set[str] | None = None, delay: float = 0.0) -> None:
        self.settings = demo_like_settings()
        self.failing = failing or set()
        self.delay = delay
        self.release = threading.Event()
        self.calls: list[str] = []

    def now(self) -> datetime:
        return NOW

    def caller_identity(self) -> CallerIdentity:
        return CallerIdentity("999999999999", "arn:aws:iam::999999999999:user/alice", "AIDAEXAMPLEALICE")

    def session(self, env_name: str, tier: RoleTier, reason: str | None = None) -> RoleSession:
        self.calls.append(env_name)
        if self.delay:
            self.release.wait(self.delay)
        if env_name in self.failing:
            raise CredentialsError(f"cannot assume the read role in {env_name}: AccessDenied")
        account = next(a for a in ENVIRONMENTS if a.name == env_name)
        role = account.role_arn(tier)
        return RoleSession(
            environment=env_name,
            tier=tier,
            role_arn=role,
            session_name="opsconsole-alice",
            identity=CallerIdentity(
                account.account_id,
                f"arn:aws:sts::{account.account_id}:assumed-role/{role.rsplit('/', 1)[1]}/opsconsole-alice",
                "AROAEXAMPLE:opsconsole-alice",
            ),
            expires_at=NOW + timedelta(minutes=47, seconds=12),
            region=account.region,
        )
