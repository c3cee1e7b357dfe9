"""Environments from AWS profiles: `[environments.X] profile = "..."` read as the AWS CLI reads it.

The profile's role_arn, source_profile chain, external_id, duration_seconds, role_session_name,
mfa_serial and region fill the environment's keys the TOML does not set (TOML keys win). Each
value filled in is recorded with the file and profile it came from, for `config check` and for
messages about a bad value.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opsconsole.domain.errors import ConfigError

PROFILE_KEYS = (
    "role_arn",
    "source_profile",
    "credential_source",
    "external_id",
    "duration_seconds",
    "role_session_name",
    "mfa_serial",
    "region",
)
MAX_CHAIN = 10


def aws_config_path(identity: Mapping[str, Any], environ: Mapping[str, str]) -> Path:
    """The AWS config file: [identity] aws_config_file, $AWS_CONFIG_FILE, else ~/.aws/config."""
    return _aws_file(identity, "aws_config_file", environ, "AWS_CONFIG_FILE", "config")


def _aws_file(
    identity: Mapping[str, Any] | None, key: str, environ: Mapping[str, str], variable: str, name: str
) -> Path:
    """An AWS file as botocore finds it: the [identity] key, else the variable, else ~/.aws/<name>."""
    configured = identity.get(key) if isinstance(identity, Mapping) else None
    if isinstance(configured, str) and configured:
        return Path(configured).expanduser()
    if environ.get(variable):
        return Path(environ[variable]).expanduser()
    home = environ.get("HOME") or os.path.expanduser("~")
    return Path(home) / ".aws" / name


def load_profiles(path: Path) -> dict[str, dict[str, Any]]:
    """The profiles of an AWS config file by name (`[default]`, `[profile X]`), parsed by botocore.

    Raises:
        ConfigError: the file cannot be parsed (names the file and botocore's reason).
    """
    from botocore.configloader import load_config

    profiles = _parsed(path, load_config, "config", "[profile NAME]").get("profiles", {})
    return {str(name): dict(values) for name, values in profiles.items() if isinstance(values, dict)}


def _parsed(path: Path, parse: Callable[[str], dict[str, Any]], what: str, header: str) -> dict[str, Any]:
    """The AWS `what` file parsed by botocore's `parse`, {} when there is none.

    Raises:
        ConfigError: the file is malformed; names it and the `header` its sections take.
    """
    from botocore.exceptions import BotoCoreError, ConfigNotFound

    if not path.is_file():
        return {}
    try:
        return parse(str(path))
    except ConfigNotFound:
        return {}
    except (BotoCoreError, ValueError, UnicodeDecodeError) as e:
        raise ConfigError(
            f"the AWS {what} file cannot be parsed: {str(e).splitlines()[0]}",
            source=str(path),
            hint=f"fix the file: {header} section headers, then key = value lines",
        ) from None


@dataclass
class ProfileRole:
    """What one environment's profile resolves to: its role and where its credentials start."""

    profile: str
    values: dict[str, Any] = field(default_factory=dict)
    """Environment keys (account_id, region, roles.read, ...) with the value the profile gives."""
    origin: dict[str, str] = field(default_factory=dict)
    """The profile each value was read from."""


def resolve(profiles: Mapping[str, Mapping[str, Any]], name: str, source: Path) -> ProfileRole:
    """The environment keys that profile `name` supplies, walking its source_profile chain.

    Raises:
        ConfigError: the profile or a profile in its chain does not exist, the chain loops,
            the profile assumes no role, or a value is malformed.
    """
    profile = _profile(profiles, name, source, None)
    if "role_arn" not in profile and profile.get("sso_account_id") and profile.get("sso_role_name"):
        return _sso_direct(name, profile)
    if "role_arn" not in profile:
        raise ConfigError(
            f"profile {name!r} assumes no role (it has no role_arn)",
            source=f"{source} (profile {name})",
            hint="point the environment at a profile with role_arn and source_profile, "
            "or set roles.read in the TOML",
        )
    result = ProfileRole(profile=name)
    role_arn = str(profile["role_arn"])
    _put(result, "roles.read", role_arn, name)
    parts = role_arn.split(":")
    if len(parts) > 4 and parts[4].isdigit():
        _put(result, "account_id", parts[4], name)
    for key, target in (
        ("external_id", "external_id"),
        ("role_session_name", "role_session_name"),
        ("mfa_serial", "mfa_serial"),
        ("region", "region"),
    ):
        if profile.get(key):
            _put(result, target, str(profile[key]), name)
    if profile.get("duration_seconds"):
        _put(result, "session_duration", _seconds(profile["duration_seconds"], name, source), name)
    base, hops = _walk_sources(profiles, name, source)
    if base is not None:
        _put(result, "source_profile", base, name)
    if hops:
        # As botocore does, each hop is assumed with its own profile's external_id, and an MFA
        # device met on the way is the one the chain's first call is signed with.
        _put(result, "via_roles", [str(h["role_arn"]) for h in hops], name)
        if any(h.get("external_id") for h in hops):
            _put(result, "via_external_ids", [str(h.get("external_id") or "") for h in hops], name)
        device = next((str(h["mfa_serial"]) for h in hops if h.get("mfa_serial")), None)
        if device and "mfa_serial" not in result.values:
            _put(result, "mfa_serial", device, name)
    return result


def _sso_direct(name: str, profile: Mapping[str, Any]) -> ProfileRole:
    """An SSO profile signs in straight into the environment's account: its own credentials are
    the read tier (source_profile = the profile itself: no AssumeRole). The ARN is the
    permission set's role as IAM names it (aws-reserved/sso.amazonaws.com/...), for display."""
    result = ProfileRole(profile=name)
    account = str(profile["sso_account_id"])
    _put(result, "account_id", account, name)
    reserved = "aws-reserved/sso.amazonaws.com"
    role = f"arn:aws:iam::{account}:role/{reserved}/AWSReservedSSO_{profile['sso_role_name']}"
    _put(result, "roles.read", role, name)
    _put(result, "source_profile", name, name)
    if profile.get("region"):
        _put(result, "region", str(profile["region"]), name)
    return result


def _walk_sources(
    profiles: Mapping[str, Mapping[str, Any]], name: str, source: Path
) -> tuple[str | None, list[Mapping[str, Any]]]:
    """The profile whose own credentials start the chain, and the profiles of the roles assumed
    on the way, in the order they are assumed."""
    seen = [name]
    hops: list[Mapping[str, Any]] = []
    current = profiles[name]
    while True:
        if current.get("credential_source") and not current.get("source_profile"):
            return None, list(reversed(hops))
        parent = current.get("source_profile")
        if not parent:
            raise ConfigError(
                f"profile {seen[-1]!r} has role_arn but neither source_profile nor credential_source",
                source=f"{source} (profile {seen[-1]})",
                hint="add source_profile = <the profile with your own credentials>",
            )
        parent = str(parent)
        nested = _profile(profiles, parent, source, seen[-1])
        if parent == seen[-1] or "role_arn" not in nested or _has_keys(nested):
            return parent, list(reversed(hops))
        if parent in seen or len(seen) > MAX_CHAIN:
            raise ConfigError(
                f"the source_profile chain loops: {' -> '.join([*seen, parent])}",
                source=str(source),
                hint="one profile in the chain must hold credentials (keys, credential_process, SSO)",
            )
        seen.append(parent)
        hops.append(nested)
        current = nested


def _has_keys(profile: Mapping[str, Any]) -> bool:
    # botocore: a source profile's static keys win over its role_arn; anything else chains on.
    return bool(profile.get("aws_access_key_id"))


def _profile(
    profiles: Mapping[str, Mapping[str, Any]], name: str, source: Path, named_by: str | None
) -> Mapping[str, Any]:
    if name in profiles:
        return profiles[name]
    where = f"source_profile of profile {named_by!r}" if named_by else "the environment's profile"
    known = ", ".join(sorted(profiles)) or "none"
    raise ConfigError(
        f"AWS profile {name!r} ({where}) does not exist in {source}",
        hint=f"profiles there: {known}; check the name or the [identity] aws_config_file",
    )


def _seconds(raw: Any, name: str, source: Path) -> int:
    text = str(raw).strip()
    if not text.isdigit():
        raise ConfigError(
            f"duration_seconds must be a whole number of seconds, not {text!r}",
            source=f"{source} (profile {name})",
            hint="write e.g. duration_seconds = 3600",
        )
    return int(text)


def _put(result: ProfileRole, key: str, value: Any, profile: str) -> None:
    result.values[key] = value
    result.origin[key] = profile


Origins = dict[tuple[str, ...], str]


def apply_profiles(
    data: dict[str, Any], environ: Mapping[str, str], overrides: Origins | None = None
) -> Origins:
    """Fill each `[environments.X]` that names a profile with the profile's values (TOML wins).

    Returns:
        For each key filled in, "FILE [profile NAME]".

    Raises:
        ConfigError: for a missing profile, a broken chain or a malformed AWS config file.
    """
    environments = data.get("environments")
    if not isinstance(environments, dict):
        return {}
    wanted = {
        name: env["profile"]
        for name, env in environments.items()
        if isinstance(env, dict) and isinstance(env.get("profile"), str)
    }
    if not wanted:
        return {}
    identity = data.get("identity", {})
    source = aws_config_path(identity if isinstance(identity, dict) else {}, environ)
    profiles = load_profiles(source)
    origins: Origins = {}
    for env_name, profile_name in wanted.items():
        try:
            resolved = resolve(profiles, profile_name, source)
        except ConfigError as e:
            variable = (overrides or {}).get(("environments", env_name, "profile"))
            raise ConfigError(
                e.problem,
                source=f"${variable}" if variable else e.source,
                key=f"environments.{env_name}.profile",
                hint=e.hint,
            ) from None
        table = environments[env_name]
        for key, value in resolved.values.items():
            if _place_default(table, key, value):
                origins[("environments", env_name, *key.split("."))] = (
                    f"{source} (profile {resolved.origin[key]})"
                )
    return origins


def _place_default(table: dict[str, Any], key: str, value: Any) -> bool:
    """Set a dotted key unless the TOML already has it; True when it was set."""
    *parents, leaf = key.split(".")
    node = table
    for part in parents:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            return False
        node = child
    if leaf in node:
        return False
    node[leaf] = value
    return True


def credentials_path(identity: Mapping[str, Any] | None, environ: Mapping[str, str]) -> Path:
    """The shared credentials file: [identity] aws_credentials_file, $AWS_SHARED_CREDENTIALS_FILE,
    else ~/.aws/credentials."""
    return _aws_file(identity, "aws_credentials_file", environ, "AWS_SHARED_CREDENTIALS_FILE", "credentials")


@dataclass(frozen=True)
class IdentityCheck:
    """What `config check` says about the identity profile."""

    profile: str | None
    where: str
    """The file(s) that define the profile, or "default credential chain"."""
    mfa_device: str | None
    mfa_origin: str | None


def check_identity(
    profile: str | None,
    mfa_serial: str | None,
    files: tuple[str | None, str | None],
    environ: Mapping[str, str],
) -> IdentityCheck:
    """The identity profile exists (in the config or credentials file) and its MFA device.

    Raises:
        ConfigError: the profile is named but defined in neither file, or a file is malformed.
    """
    from botocore.configloader import raw_config_parse

    identity = {"aws_config_file": files[0], "aws_credentials_file": files[1]}
    config_file = aws_config_path(identity, environ)
    profiles = load_profiles(config_file)
    device_origin = "[identity] mfa_serial" if mfa_serial else None
    if not profile:
        return IdentityCheck(None, "default credential chain", mfa_serial, device_origin)
    creds_file = credentials_path(identity, environ)
    credentials = _parsed(creds_file, raw_config_parse, "credentials", "[NAME]")
    where = [
        str(path) for path, found in ((config_file, profiles), (creds_file, credentials)) if profile in found
    ]
    if not where:
        known = ", ".join(sorted({*profiles, *credentials})) or "none"
        raise ConfigError(
            f"AWS profile {profile!r} does not exist in {config_file} or {creds_file}",
            key="identity.profile",
            hint=f"profiles there: {known}; fix [identity] profile, or `aws configure --profile NAME`",
        )
    device = mfa_serial
    if device is None and profiles.get(profile, {}).get("mfa_serial"):
        device = str(profiles[profile]["mfa_serial"])
        device_origin = f"{config_file} (profile {profile})"
    return IdentityCheck(profile, " and ".join(where), device, device_origin)
