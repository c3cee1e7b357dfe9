"""Who the operator is and which role sessions they hold: identity, sessions, credential exports."""

from __future__ import annotations

from datetime import datetime

from opsconsole.app.audit import AuditScope
from opsconsole.app.context import AppContext
from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.environment import Environment, RoleTier
from opsconsole.domain.identity import CallerIdentity, RoleSession, TemporaryCredentials


class Access:
    """The operator's identity and role sessions, through the role broker."""

    def __init__(self, context: AppContext) -> None:
        self._context = context

    def environments(self) -> list[Environment]:
        return list(self._context.settings.environments.values())

    def caller_identity(self) -> CallerIdentity:
        return self._context.broker.caller_identity()

    @property
    def operator(self) -> str:
        """The signed-in operator's name, as the audit trail shows it."""
        return self._context.broker.operator

    def session(self, env_name: str, tier: RoleTier, reason: str | None = None) -> RoleSession:
        """The role session for the environment and tier, assumed (and audited) when needed."""
        return self._context.broker.session(env_name, tier, reason)

    def renew(self, env_name: str, tier: RoleTier) -> RoleSession:
        """Assume the role again now (the TUI's `r`): a fresh session with its full duration."""
        return self._context.broker.renew(env_name, tier)

    def expires_at(self, env_name: str, tier: RoleTier) -> datetime | None:
        return self._context.broker.expires_at(env_name, tier)

    def export_credentials(self, env_name: str, tier: RoleTier, reason: str | None) -> TemporaryCredentials:
        """Credentials for a shell; the export itself is an audit record."""
        credentials = self._context.broker.credentials(env_name, tier, reason)
        session = self._context.broker.session(env_name, tier)
        self._context.audit.event(
            ActionKind.EXPORT_CREDENTIALS, AuditScope.of_session(session), reason=reason
        )
        return credentials
