"""Who the console is acting as: caller identities and assumed role sessions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from opsconsole.domain.environment import RoleTier

MfaPrompt = Callable[[str], str]
"""Asks the operator for the current code of the MFA device named by its argument."""

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class CallerIdentity:
    """What sts:GetCallerIdentity answered: the account really in use."""

    account: str
    arn: str
    user_id: str


@dataclass(frozen=True)
class RoleSession:
    """An assumed role in an environment, without its secret keys."""

    environment: str
    tier: RoleTier
    role_arn: str
    session_name: str
    identity: CallerIdentity
    expires_at: datetime
    region: str


@dataclass(frozen=True, repr=False)
class TemporaryCredentials:
    """Secret keys of a role session; repr hides them so they never reach a log."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    expires_at: datetime

    def __repr__(self) -> str:
        key = self.access_key_id[:4]
        return f"TemporaryCredentials(access_key_id='{key}…', expires_at={self.expires_at.isoformat()})"
