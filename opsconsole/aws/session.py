"""The role broker: assumes an environment's role tiers, keeps them fresh, hands out clients.

One boto3 Session serves the whole process; clients are created with explicit credentials
(about 3 ms each) and cached per (account, tier, region, service). Callers ask the broker for a
client on every operation and never keep one, so a refresh is invisible to them.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from opsconsole.aws.identity import IdentitySource, make_boto_session, to_temporary
from opsconsole.config import Settings
from opsconsole.domain.environment import Environment, RoleTier
from opsconsole.domain.errors import (
    AccountMismatch,
    BackendError,
    CredentialsError,
    InvalidInput,
    ReadOnlyViolation,
)
from opsconsole.domain.identity import CallerIdentity, Clock, MfaPrompt, RoleSession, TemporaryCredentials

ElevationHook = Callable[[RoleSession, str | None], None]
"""Called once when a tier above read is first assumed in an environment, with the reason."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def refresh_margin(duration_seconds: int) -> timedelta:
    """How long before expiry a session is renewed: a fifth of its life, at most five minutes."""
    return timedelta(seconds=min(300, duration_seconds // 5))


@dataclass
class _Assumed:
    session: RoleSession
    credentials: TemporaryCredentials


class RoleBroker:
    """Assumes roles per environment and tier, on demand, and refreshes them before expiry."""

    def __init__(
        self,
        settings: Settings,
        *,
        mfa_prompt: MfaPrompt | None = None,
        on_elevation: ElevationHook | None = None,
        clock: Clock = utc_now,
        boto_session: Any = None,
    ) -> None:
        from botocore.config import Config

        self._settings = settings
        self._clock = clock
        self._on_elevation = on_elevation
        self._boto = boto_session if boto_session is not None else make_boto_session(settings.identity)
        self._config = Config(
            retries={"mode": "adaptive", "max_attempts": 5},
            connect_timeout=5,
            read_timeout=30,
            user_agent_extra="opsconsole",
        )
        self._identity = IdentitySource(
            self._boto,
            settings.identity,
            endpoint_url=settings.endpoint_url,
            client_config=self._config,
            mfa_prompt=mfa_prompt,
            clock=clock,
        )
        self._lock = threading.RLock()
        self._assumed: dict[tuple[str, RoleTier], _Assumed] = {}
        self._clients: dict[tuple[str, RoleTier, str, str], tuple[str, Any]] = {}
        self._caller: CallerIdentity | None = None
        self.assume_count = 0

    # -- identity ---------------------------------------------------------------------------

    def caller_identity(self) -> CallerIdentity:
        """Who the operator is signed in as, in the identity account."""
        from botocore.exceptions import BotoCoreError, ClientError

        with self._lock:
            if self._caller is None:
                try:
                    answer = self._identity.sts_client().get_caller_identity()
                except (ClientError, BotoCoreError) as e:
                    raise CredentialsError(
                        f"the identity credentials do not work: {e}",
                        hint="sign in again to the identity account (aws sso login, aws configure)",
                    ) from e
                self._caller = _to_identity(answer)
            return self._caller

    def identity_client(self, service: str, region: str | None = None) -> Any:
        """A client signed with the identity credentials (e.g. StackSets in the identity account)."""
        return self._identity.client(service, region)

    @property
    def operator(self) -> str:
        """The operator's name, for role session names and the audit trail."""
        if self._settings.identity.operator:
            return self._settings.identity.operator
        arn = self.caller_identity().arn
        return arn.rsplit("/", 1)[-1] or "operator"

    def session_name(self) -> str:
        name = re.sub(r"[^\w+=,.@-]", "-", f"opsconsole-{self.operator}")
        return name[:64]

    # -- role sessions -----------------------------------------------------------------------

    def session(self, env_name: str, tier: RoleTier, reason: str | None = None) -> RoleSession:
        """The role session for an environment and tier, assumed or renewed as needed.

        Raises:
            UnknownEnvironment, InvalidInput: the environment or its tier is not configured.
            ReadOnlyViolation: a tier above read was asked for where the console is read-only.
            CredentialsError: the role could not be assumed.
            AccountMismatch: the credentials landed in another account than the config names.
        """
        return self._fresh(env_name, tier, reason).session

    def credentials(self, env_name: str, tier: RoleTier, reason: str | None = None) -> TemporaryCredentials:
        """Secret keys of the role session; only `accounts assume --export` shows them."""
        return self._fresh(env_name, tier, reason).credentials

    def client(self, env_name: str, tier: RoleTier, service: str, region: str | None = None) -> Any:
        """A boto3 client for `service` in the environment's account, signed as `tier`."""
        assumed = self._fresh(env_name, tier, None)
        env = self._settings.environment(env_name)
        region = region or env.region
        key = (env.account_id, tier, region, service)
        with self._lock:
            cached = self._clients.get(key)
            if cached and cached[0] == assumed.credentials.access_key_id:
                return cached[1]
            creds = assumed.credentials
            client = self._boto.client(
                service,
                region_name=region,
                endpoint_url=self._settings.endpoint_url,
                config=self._config,
                aws_access_key_id=creds.access_key_id,
                aws_secret_access_key=creds.secret_access_key,
                aws_session_token=creds.session_token,
            )
            self._clients[key] = (creds.access_key_id, client)
            return client

    def renew(self, env_name: str, tier: RoleTier) -> RoleSession:
        """Assume the role again now, whatever time the current session has left."""
        env = self._settings.environment(env_name)
        with self._lock:
            self._assumed.pop((env.name, tier), None)
        return self._fresh(env_name, tier, None).session

    def expires_at(self, env_name: str, tier: RoleTier) -> datetime | None:
        with self._lock:
            assumed = self._assumed.get((env_name, tier))
            return assumed.session.expires_at if assumed else None

    def forget(self) -> None:
        """Drop every role session and client (e.g. after the identity changed)."""
        with self._lock:
            self._assumed.clear()
            self._clients.clear()
            self._caller = None

    def _fresh(self, env_name: str, tier: RoleTier, reason: str | None) -> _Assumed:
        env = self._settings.environment(env_name)
        self._check_allowed(env, tier)
        with self._lock:
            current = self._assumed.get((env.name, tier))
            margin = refresh_margin(env.session_duration)
            if current is not None and current.credentials.expires_at - self._clock() > margin:
                return current
            renewed = self._assume(env, tier)
            self._assumed[(env.name, tier)] = renewed
        if current is None and tier > RoleTier.READ and self._on_elevation is not None:
            self._on_elevation(renewed.session, reason)
        return renewed

    def _check_allowed(self, env: Environment, tier: RoleTier) -> None:
        if tier > RoleTier.READ and (self._settings.read_only or env.read_only):
            where = (
                "the console runs read-only"
                if self._settings.read_only
                else f"{env.name} is read_only in the config"
            )
            raise ReadOnlyViolation(
                f"the {tier.value} tier is not available: {where}",
                hint="drop --read-only / read_only = true to act on this environment",
            )
        if env.role_arn(tier) is None:
            raise InvalidInput(
                f"{env.name} has no {tier.value} role configured",
                hint=f"add roles.{tier.value} to [environments.{env.name}] in the config",
            )

    def _assume(self, env: Environment, tier: RoleTier) -> _Assumed:
        from botocore.exceptions import BotoCoreError, ClientError

        role_arn = env.role_arn(tier)
        assert role_arn is not None
        session_name = self.session_name()
        params: dict[str, Any] = {
            "RoleArn": role_arn,
            "RoleSessionName": session_name,
            "DurationSeconds": env.session_duration,
        }
        if env.external_id:
            params["ExternalId"] = env.external_id
        try:
            answer = self._identity.sts_client().assume_role(**params)
        except ClientError as e:
            message = e.response.get("Error", {}).get("Message", str(e))
            raise CredentialsError(
                f"cannot assume the {tier.value} role {role_arn} in {env.name}: {message}",
                hint="check the role's trust policy names your identity, the ExternalId and MFA",
            ) from e
        except BotoCoreError as e:
            raise BackendError(f"cannot reach AWS STS to assume {role_arn}: {e}") from e
        self.assume_count += 1
        credentials = to_temporary(answer["Credentials"])
        identity = self._verify_account(env, credentials)
        session = RoleSession(
            environment=env.name,
            tier=tier,
            role_arn=role_arn,
            session_name=session_name,
            identity=identity,
            expires_at=credentials.expires_at,
            region=env.region,
        )
        return _Assumed(session=session, credentials=credentials)

    def _verify_account(self, env: Environment, credentials: TemporaryCredentials) -> CallerIdentity:
        """GetCallerIdentity with the new credentials: the account in use is what counts."""
        from botocore.exceptions import BotoCoreError, ClientError

        sts = self._boto.client(
            "sts",
            region_name=env.region,
            endpoint_url=self._settings.endpoint_url,
            config=self._config,
            aws_access_key_id=credentials.access_key_id,
            aws_secret_access_key=credentials.secret_access_key,
            aws_session_token=credentials.session_token,
        )
        try:
            identity = _to_identity(sts.get_caller_identity())
        except (ClientError, BotoCoreError) as e:
            raise CredentialsError(f"the new {env.name} credentials do not work: {e}") from e
        if identity.account != env.account_id:
            raise AccountMismatch(
                f"ACCOUNT MISMATCH: the role for {env.name} landed in account {identity.account} "
                f"({identity.arn}), but the config says {env.name} is account {env.account_id}",
                hint="nothing was done; fix account_id or the role ARNs of this environment",
            )
        return identity


def _to_identity(answer: dict[str, Any]) -> CallerIdentity:
    return CallerIdentity(account=answer["Account"], arn=answer["Arn"], user_id=answer["UserId"])
