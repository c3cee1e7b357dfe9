"""Who the operator is and which role sessions they hold: identity, sessions, credential exports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from opsconsole.app.audit import AuditScope
from opsconsole.app.context import AppContext
from opsconsole.aws.sso import DeviceCode
from opsconsole.config import Settings
from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.environment import Environment, RoleTier
from opsconsole.domain.errors import InvalidInput
from opsconsole.domain.identity import CallerIdentity, RoleSession, TemporaryCredentials


class Access:
    """The operator's identity and role sessions, through the role broker.

    MFA from a front-end that cannot prompt on this thread (the TUI): `session()` raises
    `MfaCodeNeeded` (domain/errors.py, with `.serial`) when a renewal needs a code; nothing was
    sent to AWS. Ask the operator, call `supply_mfa_code(code)`, and call `session()` again.
    """

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

    def supply_mfa_code(self, code: str) -> None:
        """The code for the next MFA session, after MfaCodeNeeded; used once."""
        self._context.broker.supply_mfa_code(code)

    @property
    def mfa_device(self) -> str | None:
        """The identity's MFA device ([identity] mfa_serial, else the identity profile's)."""
        return self._context.broker.mfa_device

    @property
    def session_store(self) -> str:
        """Where sessions are kept between commands, in one line."""
        return self._context.broker.store_description

    def sso_login(self, profile: str | None, show: Callable[[DeviceCode], None]) -> datetime:
        """The device flow for `profile` (the identity's when None); see `sso_login` below."""
        return sso_login(self._context.settings, profile, show)

    def logout(self) -> int:
        """Forget every cached session (memory and store); returns how many stored entries went."""
        return self._context.broker.logout()


def sso_login(settings: Settings, profile: str | None, show: Callable[[DeviceCode], None]) -> datetime:
    """Sign in to IAM Identity Center for `profile` (default: [identity] profile) with the device
    flow; `show` displays the URL and code (a CLI line, a TUI modal). The token lands in
    ~/.aws/sso/cache as the AWS CLI writes it. Returns when it expires.

    Raises:
        ConfigError: the profile is missing or has no SSO settings.
        CredentialsError, BackendError: the sign-in was refused, expired or failed.
    """
    import os
    from pathlib import Path

    import boto3
    from botocore.configloader import load_config

    from opsconsole.aws.sso import device_login, sso_target
    from opsconsole.config.aws_profiles import aws_config_path, load_profiles

    name = profile or settings.identity.profile
    if not name:
        raise InvalidInput("which profile? pass --profile NAME (an SSO profile of ~/.aws/config)")
    path = aws_config_path({"aws_config_file": settings.identity.aws_config_file}, os.environ)
    load_profiles(path)  # a malformed file is one ConfigError
    config = load_config(str(path)) if path.is_file() else {}
    target = sso_target(name, config)
    cache_dir = Path(os.path.expanduser(os.path.join("~", ".aws", "sso", "cache")))
    return device_login(boto3.Session(), target, show, cache_dir=cache_dir)


def session_store_description() -> str:
    """Where sessions would be kept, without building a Console (for `config check`)."""
    from opsconsole.aws.credential_cache import describe, open_store
    from opsconsole.paths import state_dir

    return describe(open_store(state_dir()))
