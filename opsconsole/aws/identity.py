"""Identity credentials: the AWS chain or a profile, and one MFA session token per sitting."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any

from opsconsole.config import IdentitySettings
from opsconsole.domain.errors import ConfigError, CredentialsError, MfaRequired
from opsconsole.domain.identity import Clock, MfaPrompt, TemporaryCredentials

PROFILE_HINT = "check ~/.aws/config (or [identity] aws_config_file), or run `aws configure --profile NAME`"


def make_boto_session(identity: IdentitySettings) -> Any:
    """One boto3 Session for the whole process, honouring AWS profiles as the AWS CLI does."""
    import boto3
    import botocore.session
    from botocore.exceptions import ProfileNotFound

    core = botocore.session.Session()
    if identity.aws_config_file:
        core.set_config_variable("config_file", identity.aws_config_file)
    if identity.aws_credentials_file:
        core.set_config_variable("credentials_file", identity.aws_credentials_file)
    if identity.profile:
        core.set_config_variable("profile", identity.profile)
    try:
        return boto3.Session(botocore_session=core)
    except ProfileNotFound as e:
        raise ConfigError(
            f"AWS profile {identity.profile!r} does not exist",
            key="identity.profile",
            hint=PROFILE_HINT,
        ) from e


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

    When an MFA device is configured (or the profile names one), the first use asks for a code
    and calls GetSessionToken; later uses reuse that session until it nears expiry.
    """

    def __init__(
        self,
        boto_session: Any,
        identity: IdentitySettings,
        *,
        endpoint_url: str | None,
        client_config: Any,
        mfa_prompt: MfaPrompt | None,
        clock: Clock,
    ) -> None:
        self._boto = boto_session
        self._identity = identity
        self._endpoint_url = endpoint_url
        self._config = client_config
        self._mfa_prompt = mfa_prompt
        self._clock = clock
        self._lock = threading.Lock()
        self._mfa_session: TemporaryCredentials | None = None

    @property
    def mfa_serial(self) -> str | None:
        """The MFA device to use: the config's, else the profile's when it assumes no role itself."""
        if self._identity.mfa_serial:
            return self._identity.mfa_serial
        scoped = self._scoped_profile_config()
        if scoped.get("mfa_serial") and not scoped.get("role_arn"):
            return str(scoped["mfa_serial"])
        return None

    def sts_client(self) -> Any:
        """An STS client signed with the identity credentials (after MFA when needed)."""
        return self.client("sts")

    def client(self, service: str, region: str | None = None, config: Any = None) -> Any:
        keys = self._keys()
        kwargs = keys.as_client_kwargs() if keys else {}
        return self._boto.client(
            service,
            region_name=region or self._identity.region,
            endpoint_url=self._endpoint_url,
            config=self._config.merge(config) if config is not None else self._config,
            **kwargs,
        )

    def _keys(self) -> _Keys | None:
        """Explicit keys for the MFA session, or None to use the session's own chain."""
        serial = self.mfa_serial
        if serial is None:
            self._base_credentials()
            return None
        with self._lock:
            session = self._mfa_session
            if session is None or session.expires_at - self._clock() < timedelta(minutes=5):
                session = self._mfa_session = self._get_session_token(serial)
        return _Keys(session.access_key_id, session.secret_access_key, session.session_token)

    def _base_credentials(self) -> Any:
        from botocore.exceptions import BotoCoreError, ProfileNotFound

        try:
            credentials = self._boto.get_credentials()
        except ProfileNotFound as e:
            raise ConfigError(
                f"AWS profile {self._identity.profile!r} does not exist",
                key="identity.profile",
                hint=PROFILE_HINT,
            ) from e
        except BotoCoreError as e:
            raise CredentialsError(f"cannot load identity credentials: {e}") from e
        if credentials is None:
            where = f"profile {self._identity.profile!r}" if self._identity.profile else "the default chain"
            raise CredentialsError(
                f"no AWS credentials found in {where}",
                hint="sign in to the identity account (aws configure, aws sso login, or set AWS_PROFILE)",
            )
        return credentials

    def _get_session_token(self, serial: str) -> TemporaryCredentials:
        from botocore.exceptions import BotoCoreError, ClientError

        if self._mfa_prompt is None:
            raise MfaRequired(
                f"an MFA code for {serial} is needed and no terminal is available to ask for it",
                hint="pass --mfa-code CODE or set OPSCONSOLE_MFA_CODE",
            )
        self._base_credentials()
        code = self._mfa_prompt(serial).strip()
        if not code.isdigit() or len(code) != 6:
            raise MfaRequired("an MFA code is six digits", hint="enter the code your device shows now")
        sts = self._boto.client(
            "sts", region_name=self._identity.region, endpoint_url=self._endpoint_url, config=self._config
        )
        try:
            response = sts.get_session_token(
                SerialNumber=serial, TokenCode=code, DurationSeconds=self._identity.session_duration
            )
        except ClientError as e:
            raise CredentialsError(
                f"the MFA session was refused: {e.response.get('Error', {}).get('Message', e)}",
                hint="check the code is current and the device ARN in [identity] mfa_serial",
            ) from e
        except BotoCoreError as e:
            raise CredentialsError(f"cannot reach AWS STS: {e}") from e
        return to_temporary(response["Credentials"])

    def _scoped_profile_config(self) -> dict[str, Any]:
        try:
            return dict(self._boto._session.get_scoped_config())
        except Exception:
            return {}


def to_temporary(credentials: dict[str, Any]) -> TemporaryCredentials:
    return TemporaryCredentials(
        access_key_id=credentials["AccessKeyId"],
        secret_access_key=credentials["SecretAccessKey"],
        session_token=credentials["SessionToken"],
        expires_at=credentials["Expiration"].astimezone(UTC),
    )
