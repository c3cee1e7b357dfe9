"""Environments (dev, staging, prod) and the role tiers an operator holds in them."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field


class RoleTier(enum.Enum):
    """Privilege tiers, ordered: each one can do everything the one before it can."""

    READ = "read"
    OPERATE = "operate"
    DEPLOY = "deploy"

    @property
    def rank(self) -> int:
        return _TIER_ORDER.index(self)

    def __lt__(self, other: RoleTier) -> bool:
        return self.rank < other.rank

    def __le__(self, other: RoleTier) -> bool:
        return self.rank <= other.rank

    def __gt__(self, other: RoleTier) -> bool:
        return self.rank > other.rank

    def __ge__(self, other: RoleTier) -> bool:
        return self.rank >= other.rank

    @classmethod
    def parse(cls, text: str) -> RoleTier:
        """The tier named by `text`; ValueError names the valid tiers otherwise."""
        try:
            return cls(text.strip().lower())
        except ValueError:
            names = ", ".join(t.value for t in cls)
            raise ValueError(f"unknown role tier {text!r}; expected one of: {names}") from None


_TIER_ORDER = (RoleTier.READ, RoleTier.OPERATE, RoleTier.DEPLOY)


@dataclass(frozen=True)
class Environment:
    """One environment account as configured: where it lives and which roles reach it."""

    name: str
    account_id: str
    region: str
    roles: Mapping[RoleTier, str]
    external_id: str | None = None
    replica_region: str | None = None
    protected: bool = False
    read_only: bool = False
    session_duration: int = 3600
    zabbix_host_groups: tuple[str, ...] = ()
    graylog_streams: tuple[str, ...] = ()
    description: str = field(default="", compare=False)
    profile: str | None = None
    """The AWS profile the environment's role settings were read from."""
    mfa_serial: str | None = None
    """The MFA device this environment's roles need; its AssumeRole is signed by an MFA session."""
    role_session_name: str | None = None
    """The role session name (the profile's); `opsconsole-<operator>` when unset."""
    source_profile: str | None = None
    """The profile whose credentials start the chain; [identity] profile when unset."""
    via_roles: tuple[str, ...] = ()
    """Roles assumed in order between the source profile's credentials and this environment's role."""
    via_external_ids: tuple[str, ...] = ()
    """The ExternalId of each of `via_roles`, as its profile gives it ("" for none)."""

    def role_arn(self, tier: RoleTier) -> str | None:
        return self.roles.get(tier)

    @property
    def tiers(self) -> tuple[RoleTier, ...]:
        return tuple(t for t in _TIER_ORDER if t in self.roles)
