"""The role broker: assumes an environment's role tiers, keeps them fresh, hands out clients.

One boto3 Session serves the whole process; clients are created with explicit credentials
(about 3 ms each) and cached per (account, tier, region, service). Callers ask the broker for a
client on every operation and never keep one, so a refresh is invisible to them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from opsconsole.aws.assume import (
    Plan,
    assume_chain,
    cache_entry,
    check_account,
    from_entry,
    to_identity,
    verify_account,
)
from opsconsole.aws.credential_cache import BotocoreCache, MemoryStore, SessionStore, describe, open_store
from opsconsole.aws.errors import refuse_cut_answers
from opsconsole.aws.identity import RENEWAL_MARGIN, ClientOptions, IdentitySource, make_boto_session
from opsconsole.aws.sts_errors import sts_errors, sts_failure
from opsconsole.config import Settings
from opsconsole.domain.environment import Environment, RoleTier
from opsconsole.domain.errors import InvalidInput, ReadOnlyViolation
from opsconsole.domain.identity import CallerIdentity, Clock, MfaPrompt, RoleSession, TemporaryCredentials

ElevationHook = Callable[[RoleSession, str | None], None]
"""Called once when a tier above read is first assumed in an environment, with the reason."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def refresh_margin(_duration_seconds: int = 0) -> timedelta:
    """How long before expiry a session is renewed: RENEWAL_MARGIN (five minutes), for every session."""
    return RENEWAL_MARGIN


def botocore_prompter(mfa_prompt: MfaPrompt | None) -> Callable[[str], str] | None:
    """botocore's MFA prompt ("Enter MFA code for ARN: ") through the console's own prompt."""
    if mfa_prompt is None:
        return None

    def ask(prompt: str) -> str:
        return mfa_prompt(prompt.replace("Enter MFA code for", "").strip().rstrip(":").strip())

    return ask


@dataclass
class _Assumed:
    session: RoleSession
    credentials: TemporaryCredentials


class RoleBroker:
    """Assumes roles per environment and tier, on demand, and refreshes them before expiry.

    Role and MFA sessions also go to the session store (keyring, encrypted file or memory), so
    the next command reuses them: checked for expiry and account before use.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        mfa_prompt: MfaPrompt | None = None,
        on_elevation: ElevationHook | None = None,
        clock: Clock = utc_now,
        boto_session: Any = None,
        store: SessionStore | None = None,
    ) -> None:
        from botocore.config import Config

        from opsconsole.paths import state_dir

        self._settings = settings
        self._clock = clock
        self._on_elevation = on_elevation
        self._mfa_prompt = mfa_prompt
        # The demo world's throwaway sessions never go to the operator's keyring.
        if store is None:
            store = MemoryStore() if settings.demo else open_store(state_dir())
        self.store: SessionStore = store
        self._boto = (
            boto_session
            if boto_session is not None
            else make_boto_session(
                settings.identity, botocore_prompter(mfa_prompt), BotocoreCache(self.store)
            )
        )
        # The attempts (`aws.attempts`, 3) share the call's time: a hung endpoint costs aws_timeout,
        # not five reads of 30 s each (which once left the CLI silent for ~185 s).
        config = Config(
            retries={"mode": "adaptive", "max_attempts": settings.aws_attempts},
            connect_timeout=settings.aws_connect_timeout,
            read_timeout=max(1, settings.aws_timeout // settings.aws_attempts),
            user_agent_extra="opsconsole",
        )
        self._client_options = ClientOptions(settings.endpoint_url, config)
        self._identity = self._source_for(self._boto, settings.identity.profile)
        self._sources: dict[str, IdentitySource] = {}
        self._lock = threading.RLock()
        """Guards the dictionaries below, never a call: a read waits on it only for a lookup."""
        self._making = threading.Lock()
        """A boto3 Session makes clients and sessions one thread at a time."""
        self._asking = threading.Lock()
        """One GetCallerIdentity for the identity at a time."""
        self._assumed: dict[tuple[str, RoleTier], _Assumed] = {}
        self._clients: dict[tuple[str, RoleTier, str, str], tuple[str, Any]] = {}
        self._assuming: dict[tuple[str, RoleTier], threading.Lock] = {}
        self._warm = False
        self.client_hook: Callable[[Any, str, str], Any] | None = None
        """Applied to each new client with its account and service (the app's rate limits)."""
        self._caller: CallerIdentity | None = None
        self.assume_count = 0

    def _source_for(self, boto_session: Any, profile: str | None) -> IdentitySource:
        identity = dataclasses.replace(self._settings.identity, profile=profile)
        return IdentitySource(
            boto_session,
            identity,
            client_options=self._client_options,
            mfa_prompt=self._mfa_prompt,
            clock=self._clock,
            store=self.store,
        )

    def source(self, profile: str | None) -> IdentitySource:
        """The identity source of a profile (an environment's source_profile); [identity]'s by default."""
        if not profile or profile == self._settings.identity.profile:
            return self._identity
        with self._making:
            if profile not in self._sources:
                identity = dataclasses.replace(self._settings.identity, profile=profile)
                boto = make_boto_session(
                    identity, botocore_prompter(self._mfa_prompt), BotocoreCache(self.store)
                )
                self._sources[profile] = self._source_for(boto, profile)
            return self._sources[profile]

    # -- identity ---------------------------------------------------------------------------

    @property
    def mfa_device(self) -> str | None:
        """The identity's MFA device: [identity] mfa_serial, else the identity profile's."""
        return self._identity.device

    @property
    def store_description(self) -> str:
        return describe(self.store)

    def supply_mfa_code(self, code: str) -> None:
        """The code for the next MFA session (after MfaCodeNeeded); used once."""
        self._identity.supply_mfa_code(code)
        for source in self._sources.values():
            source.supply_mfa_code(code)

    def logout(self) -> int:
        """Forget every session, in memory and in the store; returns how many stored entries went."""
        self.forget()
        self._identity.forget()
        for source in self._sources.values():
            source.forget()
        return self.store.clear()

    def caller_identity(self) -> CallerIdentity:
        """Who the operator is signed in as, in the identity account (cached with the keys)."""
        with self._asking:
            if self._caller is not None:
                return self._caller
            keys = self._identity.client_keys()
            key = (
                "caller:"
                + hashlib.sha256(f"{self._settings.identity.profile}|{keys}".encode()).hexdigest()[:32]
            )
            cached = self.store.get(key)
            if cached and {"Account", "Arn", "UserId"} <= set(cached):
                self._caller = to_identity(cached)
                return self._caller
            try:
                answer = self._identity.sts_client().get_caller_identity()
            except sts_errors() as e:
                raise sts_failure(
                    e,
                    "the identity credentials do not work",
                    role_hint="sign in again to the identity account (aws sso login, aws configure)",
                ) from e
            self._caller = to_identity(answer)
            self.store.put(
                key, {"Account": answer["Account"], "Arn": answer["Arn"], "UserId": answer["UserId"]}
            )
            return self._caller

    def identity_client(self, service: str, region: str | None = None, config: Any = None) -> Any:
        """A client signed with the identity credentials (e.g. StackSets in the identity account);
        `config` (a botocore Config) is merged over the console's own (the team store's fast retries)."""
        return self._identity.client(service, region, config=config)

    @property
    def operator(self) -> str:
        """The operator's name, for role session names and the audit trail."""
        if self._settings.identity.operator:
            return self._settings.identity.operator
        arn = self.caller_identity().arn
        return arn.rsplit("/", 1)[-1] or "operator"

    def session_name(self, env: Environment | None = None) -> str:
        """The environment's role_session_name (from its profile), else `opsconsole-<operator>`."""
        if env is not None and env.role_session_name:
            return env.role_session_name
        name = re.sub(r"[^\w+=,.@-]", "-", f"opsconsole-{self.operator}")
        return name[:64]

    # -- role sessions -----------------------------------------------------------------------

    def session(self, env_name: str, tier: RoleTier, reason: str | None = None) -> RoleSession:
        """The role session for an environment and tier, assumed or renewed as needed.

        Raises:
            UnknownEnvironment, InvalidInput: the environment or its tier is not configured.
            ReadOnlyViolation: a tier above read was asked for where the console is read-only.
            CredentialsError: the role could not be assumed.
            MfaCodeNeeded: the environment needs an MFA code and nothing can ask for one.
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
        keys_id = assumed.credentials.access_key_id
        with self._lock:
            cached = self._clients.get(key)
        if cached and cached[0] == keys_id:
            return cached[1]
        client = self._client_with(service, region, assumed.credentials)
        if self.client_hook is not None:
            client = self.client_hook(client, env.account_id, service)
        with self._lock:  # two threads may have made one at once: every caller gets the first kept
            cached = self._clients.get(key)
            if not cached or cached[0] != keys_id:
                self._clients[key] = cached = (keys_id, client)
            return cached[1]

    def renew(self, env_name: str, tier: RoleTier) -> RoleSession:
        """Assume the role again now, whatever time the current session has left."""
        env = self._settings.environment(env_name)
        with self._lock:
            self._assumed.pop((env.name, tier), None)
        return self._fresh(env_name, tier, None, cached=False).session

    def expires_at(self, env_name: str, tier: RoleTier) -> datetime | None:
        with self._lock:
            assumed = self._assumed.get((env_name, tier))
            return assumed.session.expires_at if assumed else None

    def forget(self) -> None:
        """Drop every role session and client held in memory (e.g. after the identity changed)."""
        with self._lock:
            self._assumed.clear()
            self._clients.clear()
            self._caller = None

    def _client_with(self, service: str, region: str, credentials: TemporaryCredentials) -> Any:
        with self._making:
            client = self._client_options.client(
                self._boto,
                service,
                region,
                aws_access_key_id=credentials.access_key_id,
                aws_secret_access_key=credentials.secret_access_key,
                aws_session_token=credentials.session_token,
            )
        client.meta.events.register("before-parse", refuse_cut_answers)
        return client

    def _load_models(self, region: str) -> None:
        """Make one throwaway STS client first, alone: it loads botocore's endpoint data and the STS
        model (~100 ms of CPU). botocore loads them lazily without a lock, so environments assumed
        at once (`--all-envs`) each parsed them again, side by side."""
        if self._warm:
            return
        with self._making:
            if not self._warm:
                self._client_options.client(
                    self._boto,
                    "sts",
                    region,
                    aws_access_key_id="unused",
                    aws_secret_access_key="unused",
                )
                self._warm = True

    def _fresh(self, env_name: str, tier: RoleTier, reason: str | None, *, cached: bool = True) -> _Assumed:
        env = self._settings.environment(env_name)
        self._check_allowed(env, tier)
        key = (env.name, tier)
        with self._lock:
            current = self._assumed.get(key)
            if current is not None and current.credentials.expires_at - self._clock() > RENEWAL_MARGIN:
                return current
            gate = self._assuming.setdefault(key, threading.Lock())
        with gate:  # one AssumeRole per environment and tier; other environments' go on at once
            with self._lock:
                latest = self._assumed.get(key)
            if latest is not current and latest is not None:
                return latest  # another thread renewed it while this one waited
            renewed = self._assume(env, tier, cached=cached)
            with self._lock:
                self._assumed[key] = renewed
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

    def _assume(self, env: Environment, tier: RoleTier, *, cached: bool = True) -> _Assumed:
        """The role's session: from the credential cache while it lasts (unless `cached` is False,
        as for a renewal asked for), else assumed now and cached."""
        role_arn = env.role_arn(tier)
        assert role_arn is not None
        self._load_models(env.region)
        source = self.source(env.source_profile)
        if env.profile and env.source_profile == env.profile:
            return self._direct(env, tier, source, role_arn)
        plan = Plan(env, tier, role_arn, self.session_name(env), env.mfa_serial or source.mfa_serial)
        key = plan.cache_key(source.client_keys())
        stored = from_entry(self.store.get(key)) if cached else None
        if stored is not None and stored[0].expires_at - self._clock() > RENEWAL_MARGIN:
            credentials, identity = stored
            check_account(env, identity)
        else:
            credentials, identity = assume_chain(
                source, plan, lambda keys: self._client_with("sts", env.region, keys)
            )
            self.assume_count += 1
            check_account(env, identity)
            self.store.put(key, cache_entry(credentials, identity))
        session = RoleSession(
            environment=env.name,
            tier=tier,
            role_arn=role_arn,
            session_name=plan.session_name,
            identity=identity,
            expires_at=credentials.expires_at,
            region=env.region,
        )
        return _Assumed(session=session, credentials=credentials)

    def _direct(self, env: Environment, tier: RoleTier, source: IdentitySource, role_arn: str) -> _Assumed:
        """An SSO profile's own credentials are the environment's read tier: no AssumeRole."""
        credentials = source.temporary()
        identity = verify_account(env, self._client_with("sts", env.region, credentials))
        session = RoleSession(
            environment=env.name,
            tier=tier,
            role_arn=role_arn,
            session_name=identity.arn.rsplit("/", 1)[-1],
            identity=identity,
            expires_at=credentials.expires_at,
            region=env.region,
        )
        return _Assumed(session=session, credentials=credentials)
