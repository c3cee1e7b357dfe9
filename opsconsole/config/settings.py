"""Every setting, declared once: its type and default, its TOML key, its check and how it is shown.

The loader's allowed keys, its conversions, the OPSCONSOLE_* overrides and the resolved view are
all derived from these declarations (see schema.py). The file never holds a secret: AWS
credentials come from AWS's own chain and profiles, backend tokens from an env var or a command.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from opsconsole.config.spec import Bounds, Invalid, Leaf, MapOf, Pattern, Problem, Record, Spec, spec
from opsconsole.domain.environment import Environment, RoleTier
from opsconsole.domain.errors import UnknownEnvironment
from opsconsole.domain.resources import ResourceKind
from opsconsole.links import TEMPLATE_SETS, check_template

ACCOUNT_ID = Pattern(re.compile(r"^\d{12}$"), "account id (12 digits, in quotes)")
ROLE_ARN = Pattern(
    re.compile(r"^arn:aws(?:-[a-z]+)*:iam::(\d{12}):role/[\w+=,.@/-]{1,512}$"),
    "role ARN (arn:aws:iam::<12 digits>:role/<name>)",
)
MFA_SERIAL = Pattern(
    re.compile(r"^(arn:aws(?:-[a-z]+)*:iam::\d{12}:(mfa|u2f)/[\w+=,.@/-]+|[A-Z0-9]{9,})$"),
    "MFA device ARN (arn:aws:iam::123456789012:mfa/name)",
)
_REGION_RE = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d$")
REGION = Pattern(_REGION_RE, "AWS region (e.g. eu-west-1)")
ENVIRONMENT_NAME = Pattern(
    re.compile(r"^[a-z][a-z0-9-]{0,30}$"),
    "environment name",
    hint="use lower-case letters, digits and dashes, starting with a letter",
)
SESSION_NAME = Pattern(
    re.compile(r"^[\w+=,.@-]{2,64}$"), "role session name (2-64 of letters, digits, +=,.@_-)"
)
EXTERNAL_ID = Pattern(re.compile(r"^[\w+=,.@:/-]{2,1224}$"), "external id")


def _url_problem(value: str, schemes: tuple[str, ...], what: str) -> str | None:
    """What is wrong with `value` as a URL of `schemes`: no host, a space, a port outside 1-65535."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as e:  # a port out of range or not a number, an unclosed [ipv6
        return f"{value!r} is not {what}: {e}"
    if parts.scheme not in schemes or not parts.hostname or any(c.isspace() for c in value):
        return f"{value!r} is not {what}"
    if port == 0 or (port is None and parts.scheme in ("udp", "tcp")):
        return f"{value!r} is not {what}: it needs a port from 1 to 65535"
    return None


HTTP_URL = Problem(lambda v: _url_problem(v, ("http", "https"), "an http(s) URL"))
GELF_ADDRESS = Problem(lambda v: _url_problem(v, ("udp", "tcp"), "a GELF address (udp://host:12201)"))


def _journal_problem(value: str) -> str | None:
    if not value.strip() or "\x00" in value:
        return f"{value!r} is not a file path"
    path = Path(value).expanduser()
    if path.is_dir():
        return f"{value} is a directory; name the journal file in it, e.g. {path / 'audit.jsonl'}"
    if any(parent.exists() and not parent.is_dir() for parent in path.parents):
        return f"{value}: a part of the path is a file, not a directory"
    return None


JOURNAL_PATH = Problem(_journal_problem)


@dataclass(frozen=True)
class IdentitySettings:
    """Where humans start: the identity account's credentials and MFA device."""

    profile: str | None = None
    """AWS profile for the identity credentials; the default chain when unset."""
    mfa_serial: str | None = field(default=None, metadata=spec(check=MFA_SERIAL))
    """MFA device ARN; a code is asked once per identity session when set."""
    region: str = field(default="us-east-1", metadata=spec(check=REGION))
    """Region for STS calls in the identity account."""
    session_duration: int = field(default=43200, metadata=spec(check=Bounds(900, 129600)))
    """Lifetime in seconds of the MFA session token (GetSessionToken)."""
    operator: str | None = None
    """Name in role session names and the audit trail; derived from the caller ARN when unset."""
    aws_config_file: str | None = field(default=None, metadata=spec(shown=False))
    """An AWS config file to use instead of ~/.aws/config (the demo world writes its own)."""
    aws_credentials_file: str | None = field(default=None, metadata=spec(shown=False))
    """An AWS credentials file to use instead of ~/.aws/credentials."""


@dataclass(frozen=True)
class BackendSettings:
    """A Zabbix or Graylog server; its token comes from an env var or a command, never the file."""

    url: str | None = field(default=None, metadata=spec(check=HTTP_URL))
    token_env: str | None = None
    """The environment variable that holds the API token."""
    token_command: str | None = field(default=None, metadata=spec(shown=False))
    """A command that prints the API token (a password manager's CLI)."""
    username: str | None = field(default=None, metadata=spec(shown=False))
    verify_tls: bool = field(default=True, metadata=spec(shown=False))
    ca_bundle: str | None = field(default=None, metadata=spec(shown=False))
    """A PEM file of CA certificates to trust instead of the system's."""
    connect_timeout: int = field(default=3, metadata=spec(check=Bounds(1, 60)))
    """Seconds to open a connection to the server."""
    timeout: int = field(default=15, metadata=spec(check=Bounds(1, 600)))
    """Seconds the server may stay silent in one answer before the call fails as unanswered."""


@dataclass(frozen=True)
class GraylogSettings(BackendSettings):
    late_window: int = field(default=5, metadata=spec(check=Bounds(1, 3600)))
    """Seconds a log tail looks back for messages Graylog indexes late; later ones are counted, reported."""
    deadline: int = field(default=30, metadata=spec(check=Bounds(1, 600)))
    """Seconds one Graylog request may take in all, however slowly the server answers."""
    tail_max_interval: int = field(default=5, metadata=spec(check=Bounds(1, 600)))
    """Longest pause, in seconds, of a log tail between polls while idle or failing (it polls every
    second while messages flow). 5, not 10: a quiet tail's first new line (or a starting world's)
    waited up to 10 s."""


@dataclass(frozen=True)
class AuditSettings:
    journal: str | None = field(default=None, metadata=spec(check=JOURNAL_PATH))
    """Path of the JSONL journal; the user state directory when unset."""
    gelf: str | None = field(default=None, metadata=spec(check=GELF_ADDRESS))
    """Where audit records also go as GELF, e.g. udp://graylog.example.com:12201."""


@dataclass(frozen=True)
class TeamSettings:
    """The team's shared store (DynamoDB in the identity account); the console works alone without it."""

    table: str | None = None
    """The DynamoDB table of locks, approvals, runs and the action index; unset: no team features."""
    region: str | None = field(default=None, metadata=spec(check=REGION))
    """The table's region; [identity] region when unset."""
    approvers: tuple[str, ...] = ()
    """IAM ARNs (users, or roles: their sessions) whose approvals count."""
    approver_groups: tuple[str, ...] = ()
    """IAM groups of the identity account whose members' approvals count."""
    lock_minutes: int = field(default=15, metadata=spec(check=Bounds(1, 720)))
    """A lease's lifetime; a running holder renews it, a killed one lets it expire."""
    approval_minutes: int = field(default=15, metadata=spec(check=Bounds(1, 60)))
    """How long a signed approval stays valid (STS itself refuses signatures older than 15 minutes)."""


def _roles_in_account(arns: Mapping[str, str], record: Record) -> dict[RoleTier, str]:
    """The role ARNs by tier, each in the environment's own account; a read role is required."""
    account = record["account_id"]
    roles: dict[RoleTier, str] = {}
    for tier in RoleTier:
        arn = arns.get(tier.value)
        if arn is None:
            continue
        arn_account = arn.split(":")[4]
        if arn_account != account:
            raise Invalid(
                f"role is in account {arn_account} but the environment's account_id is {account}",
                "every role of an environment must live in that environment's account",
                at=(tier.value,),
            )
        roles[tier] = arn
    if RoleTier.READ not in roles:
        raise Invalid("has no read role", 'add read = "arn:aws:iam::…:role/…"')
    return roles


def _roles_missing(record: Record) -> Invalid:
    return Invalid(
        "is missing: the console needs at least the read role to enter an environment",
        f'add roles = {{ read = "arn:aws:iam::{record["account_id"]}:role/OpsConsoleReadOnly" }}',
    )


def _every_environment_needs(key: str, pattern: Pattern) -> Invalid:
    return Invalid(f"is missing: every environment needs its {pattern.what}", f'add {key} = "…"')


ENVIRONMENT_SETTINGS: Mapping[str, Spec] = {
    "name": Spec(from_file=False, shown=False),
    "account_id": Spec(check=ACCOUNT_ID, missing=_every_environment_needs("account_id", ACCOUNT_ID)),
    "region": Spec(check=REGION, missing=_every_environment_needs("region", REGION)),
    "roles": Spec(
        shape=MapOf(Leaf("str", ROLE_ARN), keys=frozenset(tier.value for tier in RoleTier)),
        missing=_roles_missing,
        finish=_roles_in_account,
    ),
    "external_id": Spec(check=EXTERNAL_ID, secret=True),
    "replica_region": Spec(check=Pattern(_REGION_RE, "AWS region (e.g. eu-central-1)")),
    "protected": Spec(),
    "read_only": Spec(),
    "session_duration": Spec(check=Bounds(900, 43200)),
    "zabbix_host_groups": Spec(key="zabbix.host_groups", shown=False),
    "graylog_streams": Spec(key="graylog.streams", shown=False),
    "description": Spec(shown=False),
    "profile": Spec(),
    "mfa_serial": Spec(check=MFA_SERIAL),
    "role_session_name": Spec(check=SESSION_NAME),
    "source_profile": Spec(),
    "via_roles": Spec(shown=False),
    "via_external_ids": Spec(shown=False),
}
"""The settings of one `[environments.NAME]` table, by field of the domain's Environment.

Written here rather than as metadata on Environment: the domain would otherwise hold the file's
keys, patterns and messages. Types and defaults still come from Environment itself, and
schema.py raises TypeError on first use if this table and Environment's fields differ.
"""


def _some_environment(environments: Mapping[str, Environment], _record: Record) -> Mapping[str, Environment]:
    if not environments:
        raise Invalid("no environments are configured")
    return environments


def _configured_environment(name: str, record: Record) -> str:
    environments = record["environments"]
    if name not in environments:
        raise Invalid(
            f"names {name!r}, which is not a configured environment",
            f"use one of: {', '.join(environments)}",
        )
    return name


_LINK_TEMPLATES = MapOf(
    MapOf(Leaf("str", Problem(check_template)), keys=frozenset(kind.value for kind in ResourceKind)),
    keys=frozenset(TEMPLATE_SETS),
)


@dataclass(frozen=True)
class Settings:
    """The resolved configuration."""

    source: Path | None = field(metadata=spec(from_file=False))
    """The file the settings were read from."""
    environments: Mapping[str, Environment] = field(
        metadata=spec(
            shape=MapOf(Environment, names=ENVIRONMENT_NAME, key_field="name"),
            missing=Invalid(
                "no environments are configured",
                "add an [environments.dev] table with account_id, region and roles "
                "(see `opsconsole config init`)",
            ),
            finish=_some_environment,
        )
    )
    identity: IdentitySettings = IdentitySettings()
    default_environment: str | None = field(default=None, metadata=spec(finish=_configured_environment))
    """The environment the console starts in; the first one when unset."""
    endpoint_url: str | None = field(default=None, metadata=spec(key="aws.endpoint_url", check=HTTP_URL))
    """Where AWS calls go instead of AWS (moto in the demo world and the tests)."""
    aws_signin_url: str = field(
        default="https://signin.aws.amazon.com/federation",
        metadata=spec(key="aws.signin_url", check=HTTP_URL),
    )
    """AWS's federation endpoint for console sign-in (another partition's, or a test's stub)."""
    aws_connect_timeout: int = field(default=3, metadata=spec(key="aws.connect_timeout", check=Bounds(1, 60)))
    """Seconds to open a connection to an AWS endpoint."""
    aws_timeout: int = field(default=20, metadata=spec(key="aws.timeout", check=Bounds(1, 600)))
    """Seconds one AWS call may take, its retries included (botocore's adaptive mode, 3 attempts)."""
    aws_attempts: int = field(default=3, metadata=spec(key="aws.attempts", check=Bounds(1, 10)))
    """Attempts per AWS call (botocore's adaptive retry mode); they share `aws.timeout`."""
    aws_rate: int = field(default=20, metadata=spec(key="aws.rate_limit", check=Bounds(1, 1000)))
    """AWS calls per second per account and service (a token bucket, bursts of twice that): AWS
    throttles per account and API, so environments' reads run at once without tripping it."""
    breaker_failures: int = field(default=3, metadata=spec(key="breaker.failures", check=Bounds(1, 100)))
    """Transport failures in a row (refused, reset, no answer, 5xx) after which a backend's calls in
    one environment fail at once for `breaker.cooldown` seconds; then one call probes it."""
    breaker_cooldown: int = field(default=20, metadata=spec(key="breaker.cooldown", check=Bounds(1, 3600)))
    """Seconds an open circuit fails calls at once before one call tries the backend again."""
    read_only: bool = False
    demo: bool = False
    zabbix: BackendSettings = BackendSettings()
    graylog: GraylogSettings = GraylogSettings()
    audit: AuditSettings = AuditSettings()
    team: TeamSettings = TeamSettings()
    keymap: Mapping[str, str] = field(
        default_factory=dict, metadata=spec(key="ui.keymap", shape=MapOf(Leaf("str")), shown=False)
    )
    """Key bindings by binding id."""
    stacks_root: str | None = field(default=None, metadata=spec(key="stacks.root"))
    links: Mapping[str, Mapping[str, str]] = field(
        default_factory=dict, metadata=spec(shape=_LINK_TEMPLATES, shown=False)
    )
    """Template overrides for links.py: {"log_query": {"service": "..."}, "stack": {...}, ...}."""
    origins: Mapping[str, str] = field(default_factory=dict, metadata=spec(from_file=False, shown=False))
    """Where a value came from when not the file: "$OPSCONSOLE_X" or "AWS-CONFIG [profile NAME]"."""

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
