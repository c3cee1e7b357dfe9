"""Settings: the TOML file found in the documented order, OPSCONSOLE_* overrides, validation.

Every problem becomes one ConfigError naming the file, line and key. The file never holds a
secret: AWS credentials come from AWS's own chain and profiles, backend tokens from an env var
or a command.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from opsconsole import paths
from opsconsole.domain.environment import Environment, RoleTier
from opsconsole.domain.errors import ConfigError, UnknownEnvironment

ENV_PREFIX = "OPSCONSOLE_"
# OPSCONSOLE_* variables that are not config overrides.
# OPSCONSOLE_ENV and OPSCONSOLE_ROLE are set in a shell by `accounts assume --export`.
_RESERVED_ENV = {
    "OPSCONSOLE_CONFIG",
    "OPSCONSOLE_STATE_DIR",
    "OPSCONSOLE_MFA_CODE",
    "OPSCONSOLE_ENV",
    "OPSCONSOLE_ROLE",
}

_ACCOUNT_RE = re.compile(r"^\d{12}$")
_ROLE_ARN_RE = re.compile(r"^arn:aws(?:-[a-z]+)*:iam::(\d{12}):role/[\w+=,.@/-]{1,512}$")
_MFA_RE = re.compile(r"^(arn:aws(?:-[a-z]+)*:iam::\d{12}:(mfa|u2f)/[\w+=,.@/-]+|[A-Z0-9]{9,})$")
_REGION_RE = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d$")
_ENV_NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
_EXTERNAL_ID_RE = re.compile(r"^[\w+=,.@:/-]{2,1224}$")
_SECRET_KEYS = {"token", "password", "secret", "api_token", "aws_secret_access_key"}


@dataclass(frozen=True)
class IdentitySettings:
    """Where humans start: the identity account's credentials and MFA device."""

    profile: str | None = None
    """AWS profile for the identity credentials; the default chain when unset."""
    mfa_serial: str | None = None
    """MFA device ARN; a code is asked once per identity session when set."""
    region: str = "us-east-1"
    """Region for STS calls in the identity account."""
    session_duration: int = 43200
    """Lifetime in seconds of the MFA session token (GetSessionToken)."""
    operator: str | None = None
    """Name in role session names and the audit trail; derived from the caller ARN when unset."""
    aws_config_file: str | None = None
    """An AWS config file to use instead of ~/.aws/config (the demo world writes its own)."""
    aws_credentials_file: str | None = None
    """An AWS credentials file to use instead of ~/.aws/credentials."""


@dataclass(frozen=True)
class BackendSettings:
    """A Zabbix or Graylog server; its token comes from an env var or a command, never the file."""

    url: str | None = None
    token_env: str | None = None
    token_command: str | None = None
    username: str | None = None
    verify_tls: bool = True
    ca_bundle: str | None = None


@dataclass(frozen=True)
class AuditSettings:
    journal: str | None = None
    """Path of the JSONL journal; the user state directory when unset."""
    gelf: str | None = None
    """Where audit records also go as GELF, e.g. udp://graylog.example.com:12201."""


@dataclass(frozen=True)
class Settings:
    """The resolved configuration."""

    source: Path | None
    environments: Mapping[str, Environment]
    identity: IdentitySettings = IdentitySettings()
    default_environment: str | None = None
    endpoint_url: str | None = None
    read_only: bool = False
    demo: bool = False
    zabbix: BackendSettings = BackendSettings()
    graylog: BackendSettings = BackendSettings()
    audit: AuditSettings = AuditSettings()
    keymap: Mapping[str, str] = field(default_factory=dict)
    stacks_root: str | None = None
    links: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Template overrides for links.py: {"log_query": {"service": "..."}, "stack": {...}, ...}."""

    def environment(self, name: str) -> Environment:
        """The environment called `name`; UnknownEnvironment lists the valid names otherwise."""
        try:
            return self.environments[name]
        except KeyError:
            raise UnknownEnvironment(name, list(self.environments)) from None

    @property
    def first_environment(self) -> Environment:
        name = self.default_environment or next(iter(self.environments))
        return self.environments[name]


# ---------------------------------------------------------------------------------------------
# Finding the file


def candidate_paths(
    explicit: str | os.PathLike[str] | None, environ: Mapping[str, str]
) -> list[tuple[Path, str]]:
    """The places searched for the config file, in order, with how each was chosen."""
    if explicit:
        return [(Path(explicit).expanduser(), "--config")]
    if environ.get("OPSCONSOLE_CONFIG"):
        return [(Path(environ["OPSCONSOLE_CONFIG"]).expanduser(), "$OPSCONSOLE_CONFIG")]
    return [
        (Path.cwd() / paths.CONFIG_FILE_NAME, "current directory"),
        (paths.user_config_dir() / paths.USER_CONFIG_FILE_NAME, "user config directory"),
    ]


def find_config(
    explicit: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> Path:
    environ = os.environ if environ is None else environ
    candidates = candidate_paths(explicit, environ)
    for path, _how in candidates:
        if path.is_file():
            return path
    if len(candidates) == 1:
        path, how = candidates[0]
        raise ConfigError(
            f"config file {path} (from {how}) does not exist",
            source=str(path),
            hint="check the path, or create a starter file with `opsconsole config init --path PATH`",
        )
    looked = ", ".join(str(p) for p, _ in candidates)
    raise ConfigError(
        "no configuration file found",
        hint=f"looked in: {looked}; create one with `opsconsole config init`, "
        "or try the demo world with `opsconsole demo`",
    )


def load_settings(
    explicit: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Find, read, override and validate the configuration.

    Raises:
        ConfigError: naming the file, line and key of the first problem.
    """
    environ = os.environ if environ is None else environ
    path = find_config(explicit, environ)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"cannot read the file: {e.strerror}", source=str(path)) from e
    except UnicodeDecodeError as e:
        raise ConfigError("the file is not UTF-8 text", source=str(path)) from e
    return parse_settings(text, source=path, environ=environ)


def parse_settings(text: str, *, source: Path | None, environ: Mapping[str, str] | None = None) -> Settings:
    environ = {} if environ is None else environ
    name = str(source) if source else "<config>"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        line = _decode_error_line(str(e))
        raise ConfigError(
            f"invalid TOML: {_strip_position(str(e))}",
            source=name,
            line=line,
            hint="fix the syntax at that line (strings need quotes, tables need [brackets])",
        ) from None
    locator = _Locator(text, name)
    _apply_env_overrides(data, environ)
    return _SettingsBuilder(locator).build(data, source)


def _decode_error_line(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


def _strip_position(message: str) -> str:
    return re.sub(r"\s*\(at line \d+, column \d+\)", "", message)


# ---------------------------------------------------------------------------------------------
# Environment overrides


@dataclass(frozen=True)
class _EnvValue:
    """A value from an OPSCONSOLE_* variable: a string converted to the type the key wants."""

    raw: str
    variable: str


def _apply_env_overrides(data: dict[str, Any], environ: Mapping[str, str]) -> None:
    """OPSCONSOLE_A__B__C=value sets data[a][b][c]; `__` separates levels as in pydantic."""
    for variable in sorted(environ):
        if not variable.startswith(ENV_PREFIX) or variable in _RESERVED_ENV:
            continue
        parts = [p.lower() for p in variable[len(ENV_PREFIX) :].split("__")]
        if not all(parts):
            continue
        node = data
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(
                    f"{variable} cannot override inside {part!r}, which is not a table",
                    source=variable,
                    key=".".join(parts),
                )
            node = child
        node[parts[-1]] = _EnvValue(environ[variable], variable)


# ---------------------------------------------------------------------------------------------
# Locating keys in the text, so messages can name a line


class _Locator:
    """Maps a key path to the line that defines it (tables, dotted keys and inline tables)."""

    _HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
    _KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"'. ]+?)\s*=")

    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self._entries: list[tuple[tuple[str, ...], int]] = []
        self._lines = text.splitlines()
        table: tuple[str, ...] = ()
        for number, line in enumerate(self._lines, start=1):
            if header := self._HEADER.match(line):
                table = _split_key(header.group(1))
                self._entries.append((table, number))
            elif key := self._KEY.match(line):
                self._entries.append((table + _split_key(key.group(1)), number))

    def line_of(self, path: tuple[str, ...]) -> int | None:
        for entry, number in self._entries:
            if entry == path:
                return number
        # Not defined on a line of its own: the line of the nearest parent, or for a key inside an
        # inline table (`roles = { read = ... }`), the line where that key appears.
        leaf = re.compile(rf"(^|[{{,\s]){re.escape(path[-1])}\s*=")
        for depth in range(len(path) - 1, 0, -1):
            for entry, number in self._entries:
                if entry != path[:depth]:
                    continue
                line = self._lines[number - 1]
                if self._HEADER.match(line):
                    return number
                if leaf.search(line.split("=", 1)[1]):
                    return number
                for offset, text in enumerate(self._lines[number : number + 20], start=1):
                    if self._HEADER.match(text):
                        break
                    if leaf.search(text):
                        return number + offset
                return number
        return None


def _split_key(key: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in key.split("."))


# ---------------------------------------------------------------------------------------------
# Validation

T = TypeVar("T")


class _SettingsBuilder:
    def __init__(self, locator: _Locator) -> None:
        self.loc = locator

    def error(
        self, path: tuple[str, ...], problem: str, hint: str | None = None, value: Any = None
    ) -> ConfigError:
        if isinstance(value, _EnvValue):
            return ConfigError(problem, source=f"${value.variable}", key=".".join(path), hint=hint)
        return ConfigError(
            problem, source=self.loc.source, line=self.loc.line_of(path), key=".".join(path), hint=hint
        )

    # -- typed getters --------------------------------------------------------------------

    def table(self, data: Mapping[str, Any], path: tuple[str, ...], allowed: set[str]) -> dict[str, Any]:
        value = data.get(path[-1], {}) if path else data
        if isinstance(value, _EnvValue):
            raise self.error(path, "is a table and cannot be set from one variable", value=value)
        if not isinstance(value, dict):
            raise self.error(path, f"must be a table, not {_type_name(value)}")
        for key in value:
            if key not in allowed:
                if key in _SECRET_KEYS:
                    raise self.error(
                        (*path, key),
                        "secrets do not belong in the config file",
                        hint="name an environment variable with token_env, or a command with token_command",
                        value=value[key],
                    )
                raise self.error(
                    (*path, key),
                    "unknown key",
                    hint=f"known keys here: {', '.join(sorted(allowed))}",
                    value=value[key],
                )
        return value

    def get(self, data: Mapping[str, Any], path: tuple[str, ...], kind: type[T], default: T) -> T:
        key = path[-1]
        if key not in data:
            return default
        value = data[key]
        if isinstance(value, _EnvValue):
            return self._convert_env(value, path, kind)
        if kind is bool and not isinstance(value, bool):
            raise self.error(path, f"must be true or false, not {_type_name(value)}")
        if kind is int and (not isinstance(value, int) or isinstance(value, bool)):
            raise self.error(path, f"must be an integer, not {_type_name(value)}")
        if kind is str and not isinstance(value, str):
            hint = "write it in quotes" if isinstance(value, int | float) else None
            raise self.error(path, f"must be a string, not {_type_name(value)}", hint=hint)
        if kind is list and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
            raise self.error(path, 'must be a list of strings, e.g. ["prod"]')
        return value  # type: ignore[no-any-return]

    def text(self, data: Mapping[str, Any], path: tuple[str, ...]) -> str | None:
        if path[-1] not in data:
            return None
        return self.get(data, path, str, "")

    def _convert_env(self, value: _EnvValue, path: tuple[str, ...], kind: type[T]) -> T:
        raw = value.raw.strip()
        converted: Any
        if kind is bool:
            if raw.lower() not in {"1", "0", "true", "false", "yes", "no"}:
                raise self.error(path, f"must be true or false, not {raw!r}", value=value)
            converted = raw.lower() in {"1", "true", "yes"}
        elif kind is int:
            if not re.fullmatch(r"-?\d+", raw):
                raise self.error(path, f"must be an integer, not {raw!r}", value=value)
            converted = int(raw)
        elif kind is list:
            converted = [part.strip() for part in raw.split(",") if part.strip()]
        else:
            converted = raw
        return converted  # type: ignore[no-any-return]

    def pattern(
        self,
        data: Mapping[str, Any],
        path: tuple[str, ...],
        regex: re.Pattern[str],
        what: str,
        *,
        required: bool = False,
    ) -> str | None:
        value = self.text(data, path)
        if value is None:
            if required:
                raise self.error(
                    path, f"is missing: every environment needs its {what}", hint=f'add {path[-1]} = "…"'
                )
            return None
        if not regex.match(value):
            raise self.error(path, f"{value!r} is not a valid {what}", value=data[path[-1]])
        return value

    def bounded(
        self, data: Mapping[str, Any], path: tuple[str, ...], low: int, high: int, default: int
    ) -> int:
        value = self.get(data, path, int, default)
        if not low <= value <= high:
            raise self.error(path, f"must be between {low} and {high}, not {value}", value=data.get(path[-1]))
        return value

    # -- sections ---------------------------------------------------------------------------

    def build(self, data: dict[str, Any], source: Path | None) -> Settings:
        top_keys = {
            "identity",
            "aws",
            "environments",
            "default_environment",
            "read_only",
            "demo",
            "zabbix",
            "graylog",
            "audit",
            "ui",
            "stacks",
            "links",
        }
        self._check_keys(data, (), top_keys)
        environments = self.environments(data)
        default = self.text(data, ("default_environment",))
        if default is not None and default not in environments:
            raise self.error(
                ("default_environment",),
                f"names {default!r}, which is not a configured environment",
                hint=f"use one of: {', '.join(environments)}",
                value=data["default_environment"],
            )
        aws = self.table(data, ("aws",), {"endpoint_url"})
        return Settings(
            source=source,
            environments=environments,
            identity=self.identity(data),
            default_environment=default,
            endpoint_url=self.url(aws, ("aws", "endpoint_url")),
            read_only=self.get(data, ("read_only",), bool, False),
            demo=self.get(data, ("demo",), bool, False),
            zabbix=self.backend(data, "zabbix"),
            graylog=self.backend(data, "graylog"),
            audit=self.audit(data),
            keymap=self.keymap(data),
            stacks_root=self.text(self.table(data, ("stacks",), {"root"}), ("stacks", "root")),
            links=self.links(data),
        )

    def links(self, top: Mapping[str, Any]) -> dict[str, dict[str, str]]:
        from opsconsole.domain.resources import ResourceKind
        from opsconsole.links import TEMPLATE_SETS, check_template

        t = self.table(top, ("links",), set(TEMPLATE_SETS))
        kinds = {kind.value for kind in ResourceKind}
        result: dict[str, dict[str, str]] = {}
        for which in t:
            p = ("links", which)
            section = self.table(t, p, kinds)
            result[which] = {}
            for kind in section:
                template = self.get(section, (*p, kind), str, "")
                problem = check_template(template)
                if problem:
                    raise self.error((*p, kind), problem, value=section[kind])
                result[which][kind] = template
        return result

    def keymap(self, top: Mapping[str, Any]) -> dict[str, str]:
        ui = self.table(top, ("ui",), {"keymap"})
        raw = ui.get("keymap", {})
        table = self.table(ui, ("ui", "keymap"), set(raw) if isinstance(raw, dict) else set())
        return {key: self.get(table, ("ui", "keymap", key), str, "") for key in table}

    def _check_keys(self, data: Mapping[str, Any], path: tuple[str, ...], allowed: set[str]) -> None:
        for key in data:
            if key not in allowed:
                raise self.error(
                    (*path, key),
                    "unknown key",
                    hint=f"known keys here: {', '.join(sorted(allowed))}",
                    value=data[key],
                )

    def identity(self, top: Mapping[str, Any]) -> IdentitySettings:
        p = ("identity",)
        t = self.table(
            top,
            p,
            {
                "profile",
                "mfa_serial",
                "region",
                "session_duration",
                "operator",
                "aws_config_file",
                "aws_credentials_file",
            },
        )
        return IdentitySettings(
            profile=self.text(t, (*p, "profile")),
            mfa_serial=self.pattern(
                t, (*p, "mfa_serial"), _MFA_RE, "MFA device ARN (arn:aws:iam::123456789012:mfa/name)"
            ),
            region=self.pattern(t, (*p, "region"), _REGION_RE, "AWS region (e.g. eu-west-1)") or "us-east-1",
            session_duration=self.bounded(t, (*p, "session_duration"), 900, 129600, 43200),
            operator=self.text(t, (*p, "operator")),
            aws_config_file=self.text(t, (*p, "aws_config_file")),
            aws_credentials_file=self.text(t, (*p, "aws_credentials_file")),
        )

    def environments(self, top: Mapping[str, Any]) -> dict[str, Environment]:
        if "environments" not in top:
            raise self.error(
                ("environments",),
                "no environments are configured",
                hint="add an [environments.dev] table with account_id, region and roles "
                "(see `opsconsole config init`)",
            )
        tables = self.table(
            top,
            ("environments",),
            set(top["environments"]) if isinstance(top["environments"], dict) else set(),
        )
        result: dict[str, Environment] = {}
        for name in tables:
            if not _ENV_NAME_RE.match(name):
                raise self.error(
                    ("environments", name),
                    f"{name!r} is not a valid environment name",
                    hint="use lower-case letters, digits and dashes, starting with a letter",
                )
            result[name] = self.environment(tables, name)
        if not result:
            raise self.error(("environments",), "no environments are configured")
        return result

    def environment(self, tables: Mapping[str, Any], name: str) -> Environment:
        p = ("environments", name)
        t = self.table(
            tables,
            p,
            {
                "account_id",
                "region",
                "replica_region",
                "protected",
                "read_only",
                "roles",
                "external_id",
                "session_duration",
                "zabbix",
                "graylog",
                "description",
            },
        )
        account = self.pattern(
            t, (*p, "account_id"), _ACCOUNT_RE, "account id (12 digits, in quotes)", required=True
        )
        assert account is not None
        region = self.pattern(t, (*p, "region"), _REGION_RE, "AWS region (e.g. eu-west-1)", required=True)
        assert region is not None
        if "roles" not in t:
            raise self.error(
                (*p, "roles"),
                "is missing: the console needs at least the read role to enter an environment",
                hint=f'add roles = {{ read = "arn:aws:iam::{account}:role/OpsConsoleReadOnly" }}',
            )
        roles_table = self.table(t, (*p, "roles"), {tier.value for tier in RoleTier})
        roles: dict[RoleTier, str] = {}
        for tier in RoleTier:
            arn = self.pattern(
                roles_table,
                (*p, "roles", tier.value),
                _ROLE_ARN_RE,
                "role ARN (arn:aws:iam::<12 digits>:role/<name>)",
            )
            if arn is None:
                continue
            arn_account = arn.split(":")[4]
            if arn_account != account:
                raise self.error(
                    (*p, "roles", tier.value),
                    f"role is in account {arn_account} but the environment's account_id is {account}",
                    hint="every role of an environment must live in that environment's account",
                )
            roles[tier] = arn
        if RoleTier.READ not in roles:
            raise self.error((*p, "roles"), "has no read role", hint='add read = "arn:aws:iam::…:role/…"')
        zabbix = self.table(t, (*p, "zabbix"), {"host_groups"})
        graylog = self.table(t, (*p, "graylog"), {"streams"})
        return Environment(
            name=name,
            account_id=account,
            region=region,
            roles=roles,
            external_id=self.pattern(t, (*p, "external_id"), _EXTERNAL_ID_RE, "external id"),
            replica_region=self.pattern(
                t, (*p, "replica_region"), _REGION_RE, "AWS region (e.g. eu-central-1)"
            ),
            protected=self.get(t, (*p, "protected"), bool, False),
            read_only=self.get(t, (*p, "read_only"), bool, False),
            session_duration=self.bounded(t, (*p, "session_duration"), 900, 43200, 3600),
            zabbix_host_groups=tuple(self.get(zabbix, (*p, "zabbix", "host_groups"), list, [])),
            graylog_streams=tuple(self.get(graylog, (*p, "graylog", "streams"), list, [])),
            description=self.get(t, (*p, "description"), str, ""),
        )

    def url(self, data: Mapping[str, Any], path: tuple[str, ...]) -> str | None:
        value = self.text(data, path)
        if value is not None and not re.match(r"^https?://[^\s/]+", value):
            raise self.error(path, f"{value!r} is not an http(s) URL", value=data[path[-1]])
        return value

    def backend(self, top: Mapping[str, Any], name: str) -> BackendSettings:
        p = (name,)
        t = self.table(top, p, {"url", "token_env", "token_command", "username", "verify_tls", "ca_bundle"})
        return BackendSettings(
            url=self.url(t, (*p, "url")),
            token_env=self.text(t, (*p, "token_env")),
            token_command=self.text(t, (*p, "token_command")),
            username=self.text(t, (*p, "username")),
            verify_tls=self.get(t, (*p, "verify_tls"), bool, True),
            ca_bundle=self.text(t, (*p, "ca_bundle")),
        )

    def audit(self, top: Mapping[str, Any]) -> AuditSettings:
        p = ("audit",)
        t = self.table(top, p, {"journal", "gelf"})
        gelf = self.text(t, (*p, "gelf"))
        if gelf is not None and not re.match(r"^(udp|tcp)://[^\s:/]+:\d{1,5}$", gelf):
            raise self.error(
                (*p, "gelf"),
                f"{gelf!r} is not a GELF address",
                hint="write udp://host:12201 or tcp://host:12201",
                value=t["gelf"],
            )
        return AuditSettings(journal=self.text(t, (*p, "journal")), gelf=gelf)


def _type_name(value: Any) -> str:
    names: dict[type, str] = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }
    return names.get(type(value), type(value).__name__)


def resolved_view(settings: Settings) -> dict[str, Any]:
    """The configuration as plain data for `config check`; holds no secret by construction."""
    return {
        "source": str(settings.source) if settings.source else None,
        "default_environment": settings.first_environment.name,
        "read_only": settings.read_only,
        "demo": settings.demo,
        "endpoint_url": settings.endpoint_url,
        "identity": {
            "profile": settings.identity.profile,
            "mfa_serial": settings.identity.mfa_serial,
            "region": settings.identity.region,
            "session_duration": settings.identity.session_duration,
            "operator": settings.identity.operator,
        },
        "environments": {
            env.name: {
                "account_id": env.account_id,
                "region": env.region,
                "replica_region": env.replica_region,
                "protected": env.protected,
                "read_only": env.read_only,
                "external_id": "set" if env.external_id else None,
                "session_duration": env.session_duration,
                "roles": {tier.value: arn for tier, arn in env.roles.items()},
            }
            for env in settings.environments.values()
        },
        "zabbix": {"url": settings.zabbix.url, "token_env": settings.zabbix.token_env},
        "graylog": {"url": settings.graylog.url, "token_env": settings.graylog.token_env},
        "audit": {"journal": settings.audit.journal, "gelf": settings.audit.gelf},
        "stacks_root": settings.stacks_root,
    }
