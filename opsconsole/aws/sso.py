"""IAM Identity Center (SSO) sign-in: the OAuth device authorization flow, cached as the AWS CLI does.

`aws sso login` registers a public client with SSO-OIDC, starts a device authorization, shows
the verification URL and code, polls CreateToken until the user approves, and writes the token
to ~/.aws/sso/cache/<sha1 of the sso-session name, or of the start URL>.json. This module does
the same, with botocore's own SSOTokenLoader writing the file, so botocore (and the AWS CLI)
read the token back when a profile with sso_session / sso_start_url signs a request.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from opsconsole.aws.sts_errors import sts_errors
from opsconsole.domain.errors import BackendError, ConfigError, CredentialsError

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEFAULT_SCOPES = ("sso:account:access",)


@dataclass(frozen=True)
class SsoTarget:
    """Where to sign in: the start URL and region, and the cache key's name."""

    profile: str
    start_url: str
    region: str
    session_name: str | None
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class DeviceCode:
    """What the operator must open and type; shown by the front-end (CLI line, TUI modal)."""

    verification_uri: str
    verification_uri_complete: str
    user_code: str
    expires_in: int


def sso_target(profile: str, config: Mapping[str, Any]) -> SsoTarget:
    """The profile's SSO settings, from its sso-session or its legacy sso_start_url.

    Raises:
        ConfigError: the profile does not exist or has no SSO settings.
    """
    profiles = config.get("profiles", {})
    if profile not in profiles:
        raise ConfigError(
            f"AWS profile {profile!r} does not exist", hint="pass --profile with an SSO profile"
        )
    values = profiles[profile]
    session_name = values.get("sso_session")
    if session_name:
        session = config.get("sso_sessions", {}).get(session_name)
        if not session or not session.get("sso_start_url") or not session.get("sso_region"):
            raise ConfigError(
                f"profile {profile!r} names sso_session {session_name!r}, "
                "which lacks sso_start_url or sso_region",
                hint=f"add [sso-session {session_name}] with sso_start_url and sso_region to ~/.aws/config",
            )
        scopes = tuple(
            s.strip() for s in str(session.get("sso_registration_scopes", "")).split(",") if s.strip()
        )
        return SsoTarget(
            profile, session["sso_start_url"], session["sso_region"], session_name, scopes or DEFAULT_SCOPES
        )
    if values.get("sso_start_url") and values.get("sso_region"):
        return SsoTarget(profile, values["sso_start_url"], values["sso_region"], None, DEFAULT_SCOPES)
    raise ConfigError(
        f"profile {profile!r} has no SSO settings (sso_session, or sso_start_url and sso_region)",
        hint="name an SSO profile with --profile",
    )


def device_login(
    boto_session: Any,
    target: SsoTarget,
    show: Callable[[DeviceCode], None],
    *,
    cache_dir: Path,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> datetime:
    """Sign in with the device flow and cache the token; returns when the token expires.

    Raises:
        CredentialsError: the user denied the request, or it expired before approval.
        BackendError: SSO-OIDC could not be reached or failed.
    """
    oidc = boto_session.client("sso-oidc", region_name=target.region)
    try:
        client = oidc.register_client(
            clientName="opsconsole", clientType="public", scopes=list(target.scopes)
        )
        device = oidc.start_device_authorization(
            clientId=client["clientId"], clientSecret=client["clientSecret"], startUrl=target.start_url
        )
    except sts_errors() as e:
        raise BackendError(
            f"cannot start the SSO sign-in for {target.start_url}: {_message(e)}",
            hint="check sso_start_url and sso_region in ~/.aws/config",
        ) from e
    show(
        DeviceCode(
            verification_uri=device.get("verificationUri", ""),
            verification_uri_complete=device.get("verificationUriComplete")
            or device.get("verificationUri", ""),
            user_code=device["userCode"],
            expires_in=int(device.get("expiresIn", 600)),
        )
    )
    token = _poll(oidc, client, device, sleep, clock)
    expires_at = clock() + timedelta(seconds=int(token.get("expiresIn", 3600)))
    _save(target, client, token, expires_at, cache_dir)
    return expires_at


def _poll(
    oidc: Any,
    client: Mapping[str, Any],
    device: Mapping[str, Any],
    sleep: Callable[[float], None],
    clock: Callable[[], datetime],
) -> dict[str, Any]:
    interval = max(1, int(device.get("interval", 5)))
    deadline = clock() + timedelta(seconds=int(device.get("expiresIn", 600)))
    while clock() < deadline:
        try:
            return dict(
                oidc.create_token(
                    clientId=client["clientId"],
                    clientSecret=client["clientSecret"],
                    grantType=DEVICE_GRANT,
                    deviceCode=device["deviceCode"],
                )
            )
        except sts_errors() as e:
            code = str(getattr(e, "response", {}).get("Error", {}).get("Code", ""))
            if code == "AuthorizationPendingException":
                sleep(interval)
                continue
            if code == "SlowDownException":
                interval += 5
                sleep(interval)
                continue
            if code in {"AccessDeniedException", "ExpiredTokenException"}:
                raise CredentialsError(
                    f"the SSO sign-in was not approved: {_message(e)}",
                    hint="run `opsconsole accounts login --sso` again and approve the code in the browser",
                ) from e
            raise BackendError(f"the SSO sign-in failed: {_message(e)}", hint="retry the login") from e
    raise CredentialsError(
        "the SSO sign-in code expired before it was approved",
        hint="run `opsconsole accounts login --sso` again and approve the code in time",
    )


def _save(
    target: SsoTarget,
    client: Mapping[str, Any],
    token: Mapping[str, Any],
    expires_at: datetime,
    cache_dir: Path,
) -> None:
    from botocore.utils import JSONFileCache, SSOTokenLoader

    def stamp(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    entry: dict[str, Any] = {
        "startUrl": target.start_url,
        "region": target.region,
        "accessToken": token["accessToken"],
        "expiresAt": stamp(expires_at),
        "clientId": client["clientId"],
        "clientSecret": client["clientSecret"],
    }
    if client.get("clientSecretExpiresAt"):
        registration = datetime.fromtimestamp(int(client["clientSecretExpiresAt"]), UTC)
        entry["registrationExpiresAt"] = stamp(registration)
    if token.get("refreshToken"):
        entry["refreshToken"] = token["refreshToken"]
    from opsconsole.paths import ensure_private_dir

    ensure_private_dir(cache_dir)
    loader = SSOTokenLoader(cache=JSONFileCache(str(cache_dir)))
    loader.save_token(target.start_url, entry, session_name=target.session_name)


def _message(error: Exception) -> str:
    from opsconsole.aws.sts_errors import short_message

    return short_message(error)
