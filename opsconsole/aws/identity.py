"""Identity credentials: the AWS chain or a profile, and one MFA session token per device.

A code is asked once per MFA device and identity session (GetSessionToken); every environment
whose role needs that device reuses the session. botocore itself never prompts: a role profile
with mfa_serial used as the identity asks through the console's prompt, or raises MfaCodeNeeded.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from opsconsole.aws.credential_cache import MemoryStore, SessionStore
from opsconsole.aws.sts_errors import provider_failure, raw_provider_failure, sts_errors, sts_failure
from opsconsole.config import IdentitySettings
from opsconsole.domain.errors import ConfigError, CredentialsError, MfaCodeNeeded, MfaRequired
from opsconsole.domain.identity import Clock, MfaPrompt, TemporaryCredentials

PROFILE_HINT = "check ~/.aws/config (or [identity] aws_config_file), or run `aws configure --profile NAME`"
RENEWAL_MARGIN = timedelta(minutes=5)
"""Every session (MFA session token, role session) is renewed this long before it expires."""


def make_boto_session(identity: IdentitySettings, prompter: Any = None, cache: Any = None) -> Any:
    """One session (botocore's, as boto3 would hold it), honouring AWS profiles as the AWS CLI
    does, that never prompts by itself.

    `prompter` replaces botocore's getpass for role profiles with mfa_serial; without one such a
    profile raises MfaCodeNeeded instead of reading the terminal.
    """
    import botocore.session
    from botocore.exceptions import BotoCoreError, ProfileNotFound

    core = botocore.session.Session()
    if identity.aws_config_file:
        core.set_config_variable("config_file", identity.aws_config_file)
    if identity.aws_credentials_file:
        core.set_config_variable("credentials_file", identity.aws_credentials_file)
    if identity.profile:
        core.set_config_variable("profile", identity.profile)
    try:
        session = CoreSession(core)
        provider = core.get_component("credential_provider").get_provider("assume-role")
    except ProfileNotFound as e:
        raise ConfigError(
            f"AWS profile {identity.profile!r} does not exist", key="identity.profile", hint=PROFILE_HINT
        ) from e
    except BotoCoreError as e:
        raise provider_failure(e, "cannot read the AWS profiles") from e
    try:
        if not core.get_config_variable("region"):
            core.set_config_variable("region", identity.region)  # a profile without one: [identity] region
    except BotoCoreError as e:
        raise provider_failure(e, "cannot read the AWS profiles") from e
    provider._prompter = prompter or _refuse_prompt
    if cache is not None:
        provider.cache = cache
    return session


class CoreSession:
    """What the console uses of a boto3 Session, over botocore's own: clients and credentials.
    boto3 adds s3transfer and its resource model to every command's imports (about a tenth of
    an ECS read's start-up) for features the console never calls."""

    def __init__(self, core: Any) -> None:
        self._session = core

    def client(self, service_name: str, region_name: str | None = None, **kwargs: Any) -> Any:
        return self._session.create_client(service_name, region_name=region_name, **kwargs)

    def get_credentials(self) -> Any:
        return self._session.get_credentials()


def _refuse_prompt(prompt: str) -> str:
    serial = prompt.replace("Enter MFA code for", "").strip().rstrip(":").strip()
    raise MfaCodeNeeded(serial or "the profile's MFA device")


@dataclass(frozen=True)
class ClientOptions:
    """How every boto3 client of the console is made: `[aws] endpoint_url` and the broker's botocore
    Config (timeouts, retries), alike for identity, MFA-session and role clients."""

    endpoint_url: str | None
    config: Any

    def client(
        self, boto_session: Any, service: str, region: str | None, *, config: Any = None, **keys: str | None
    ) -> Any:
        """`config` (a botocore Config) is merged over the console's own."""
        return boto_session.client(
            service,
            region_name=region,
            endpoint_url=self.endpoint_url,
            config=self.config.merge(config) if config is not None else self.config,
            **keys,
        )


@dataclass(frozen=True)
class _Keys:
    access_key_id: str
    secret_access_key: str
    session_token: str | None

    def as_client_kwargs(self) -> dict[str, str | None]:
        return {
            "aws_access_key_id": self.access_key_id,
            "aws_secret_access_key": self.secret_access_key,
            "aws_session_token": self.session_token,
        }


class IdentitySource:
    """The credentials humans start from; AssumeRole calls are signed with these.

    With an MFA device (the environment's, or [identity] mfa_serial for all), the first use asks
    for a code and calls GetSessionToken; later uses reuse that session, from the session store
    across commands, until it nears expiry.
    """

    def __init__(
        self,
        boto_session: Any,
        identity: IdentitySettings,
        *,
        client_options: ClientOptions,
        mfa_prompt: MfaPrompt | None,
        clock: Clock,
        store: SessionStore | None = None,
    ) -> None:
        self._boto = boto_session
        self._identity = identity
        self._client_options = client_options
        self._mfa_prompt = mfa_prompt
        self._clock = clock
        self._store: SessionStore = store if store is not None else MemoryStore()
        self._lock = threading.Lock()
        self._mfa_sessions: dict[str, TemporaryCredentials] = {}
        self._pending_code: str | None = None
        self.session_token_calls = 0

    @property
    def mfa_serial(self) -> str | None:
        """The device every environment needs: [identity] mfa_serial (an environment may add its own)."""
        return self._identity.mfa_serial

    @property
    def device(self) -> str | None:
        """The MFA device known for the identity: the config's, else the identity profile's."""
        return self._identity.mfa_serial or self.profile_value("mfa_serial")

    def supply_mfa_code(self, code: str) -> None:
        """A code for the next GetSessionToken (the TUI's modal answers MfaCodeNeeded with it)."""
        self._pending_code = code.strip()

    def sts_client(self, mfa_serial: str | None = None) -> Any:
        """An STS client signed with the identity credentials (after MFA when needed)."""
        return self.client("sts", mfa_serial=mfa_serial)

    def client(
        self, service: str, region: str | None = None, mfa_serial: str | None = None, *, config: Any = None
    ) -> Any:
        keys = self._keys(mfa_serial or self.mfa_serial)
        return self._client_options.client(
            self._boto, service, region or self._identity.region, config=config, **keys.as_client_kwargs()
        )

    def temporary(self) -> TemporaryCredentials:
        """The profile's own credentials with their expiry (SSO, credential_process); botocore
        refreshes them from its caches when they near their end."""
        frozen = self._base_credentials()
        try:
            expiry = getattr(self._boto.get_credentials(), "_expiry_time", None)
        except Exception:
            expiry = None
        expires_at = (
            expiry.astimezone(UTC) if isinstance(expiry, datetime) else self._clock() + timedelta(hours=1)
        )
        return TemporaryCredentials(frozen.access_key, frozen.secret_key, frozen.token or "", expires_at)

    def client_keys(self) -> str:
        """The base access key id: what cached sessions are tied to (never the secret)."""
        return str(self._base_credentials().access_key)

    def forget(self) -> None:
        with self._lock:
            self._mfa_sessions.clear()

    def _keys(self, serial: str | None) -> _Keys:
        """The base keys, or those of the MFA session for `serial`."""
        base = self._base_credentials()
        if serial is None:
            return _Keys(base.access_key, base.secret_key, base.token)
        with self._lock:
            session = self._mfa_sessions.get(serial)
            key = self._cache_key(base.access_key, serial)
            if session is None or not self._fresh(session):
                session = from_cache(self._store.get(key))
            if session is None or not self._fresh(session):
                session = self._get_session_token(serial)
                self._store.put(key, to_cache(session))
            self._mfa_sessions[serial] = session
        return _Keys(session.access_key_id, session.secret_access_key, session.session_token)

    def _fresh(self, session: TemporaryCredentials) -> bool:
        return session.expires_at - self._clock() > RENEWAL_MARGIN

    def _cache_key(self, access_key: str, serial: str) -> str:
        digest = hashlib.sha256(f"{self._identity.profile}|{access_key}|{serial}".encode()).hexdigest()
        return f"mfa-session:{digest[:32]}"

    def _base_credentials(self) -> Any:
        """The identity's frozen credentials; every provider failure is one typed error."""
        from botocore.exceptions import BotoCoreError, ProfileNotFound

        try:
            credentials = self._boto.get_credentials()
            frozen = credentials.get_frozen_credentials() if credentials is not None else None
        except ProfileNotFound as e:
            raise ConfigError(
                f"AWS profile {self._identity.profile!r} does not exist",
                key="identity.profile",
                hint=PROFILE_HINT,
            ) from e
        except BotoCoreError as e:
            raise provider_failure(e, "cannot load the identity credentials") from e
        except (ValueError, OSError, RuntimeError, KeyError) as e:
            raise raw_provider_failure(e, "cannot load the identity credentials") from e
        if frozen is None or not frozen.access_key:
            where = f"profile {self._identity.profile!r}" if self._identity.profile else "the default chain"
            raise CredentialsError(
                f"no AWS credentials found in {where}",
                hint="sign in to the identity account (aws configure, aws sso login, or set AWS_PROFILE)",
            )
        return frozen

    def _ask(self, serial: str) -> str:
        if self._pending_code:
            code, self._pending_code = self._pending_code, None
        elif self._mfa_prompt is not None:
            code = self._mfa_prompt(serial).strip()
        else:
            raise MfaCodeNeeded(serial)
        if not code.isdigit() or len(code) != 6:
            raise MfaRequired("an MFA code is six digits", hint="enter the code your device shows now")
        return code

    def _get_session_token(self, serial: str) -> TemporaryCredentials:
        base = self._base_credentials()
        code = self._ask(serial)
        sts = self._client_options.client(
            self._boto,
            "sts",
            self._identity.region,
            aws_access_key_id=base.access_key,
            aws_secret_access_key=base.secret_key,
            aws_session_token=base.token,
        )
        try:
            response = sts.get_session_token(
                SerialNumber=serial, TokenCode=code, DurationSeconds=self._identity.session_duration
            )
        except sts_errors() as e:
            raise sts_failure(
                e,
                f"the MFA session for {serial} was refused",
                role_hint="check the code is current and the device ARN (mfa_serial)",
            ) from e
        self.session_token_calls += 1
        return to_temporary(response["Credentials"])

    def profile_value(self, key: str) -> str | None:
        try:
            value = self._boto._session.get_scoped_config().get(key)
        except Exception:
            return None
        return str(value) if value else None


def to_temporary(credentials: dict[str, Any]) -> TemporaryCredentials:
    return TemporaryCredentials(
        access_key_id=credentials["AccessKeyId"],
        secret_access_key=credentials["SecretAccessKey"],
        session_token=credentials["SessionToken"],
        expires_at=credentials["Expiration"].astimezone(UTC),
    )


def to_cache(credentials: TemporaryCredentials, **extra: str) -> dict[str, str]:
    return {
        "AccessKeyId": credentials.access_key_id,
        "SecretAccessKey": credentials.secret_access_key,
        "SessionToken": credentials.session_token,
        "Expiration": credentials.expires_at.isoformat(),
        **extra,
    }


def from_cache(entry: dict[str, Any] | None) -> TemporaryCredentials | None:
    """A cached entry as credentials; None for a missing or unreadable one."""
    if not entry:
        return None
    try:
        return TemporaryCredentials(
            access_key_id=str(entry["AccessKeyId"]),
            secret_access_key=str(entry["SecretAccessKey"]),
            session_token=str(entry["SessionToken"]),
            expires_at=datetime.fromisoformat(str(entry["Expiration"])).astimezone(UTC),
        )
    except (KeyError, ValueError, TypeError):
        return None
