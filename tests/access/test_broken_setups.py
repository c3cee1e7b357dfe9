"""A corpus of broken credential setups, each run through the CLI: no traceback, the documented
exit code (1 a backend or credential failure, 2 a configuration or input problem), one message
with a hint, the environment named at most once, never an HTML body.

The setups start from the realistic ~/.aws/config of tests/access/realistic.py and break one
thing each. Cases marked "world" use the demo world's moto server with IAM enforcement; cases
marked with a fake STS answer use tests/access/fake_sts.py (simulated failures moto cannot make).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.access.fake_sts import fake_sts
from tests.access.realistic import write_setup
from tests.helpers import run_cli

NOWHERE = "http://127.0.0.1:9"
PY = sys.executable


@dataclass(frozen=True)
class Case:
    name: str
    code: int
    hint: str
    """Words the hint (the line after the arrow) must contain."""
    args: tuple[str, ...] = ("accounts", "whoami", "--env", "dev")
    aws_config: tuple[tuple[str, str], ...] = ()
    """Replacements in ~/.aws/config (old, new); old "" appends new."""
    toml: tuple[tuple[str, str], ...] = ()
    credentials: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    server: str = "none"
    """"none" (nothing listens), "world" (the enforced demo world), or a fake STS answer."""
    files: dict[str, str] = field(default_factory=dict)
    """Extra files in the test's directory ({root} in aws_config is replaced by it)."""


def identity(profile: str, extra: str = "") -> dict[str, Any]:
    """The identity is `profile`, defined by `extra` appended to the AWS config."""
    return {
        "toml": (('[identity]\nprofile = "identity"', f'[identity]\nprofile = "{profile}"'),),
        "aws_config": (("", extra),) if extra else (),
    }


WHOAMI = ("accounts", "whoami")
CHECK = ("config", "check")
EXPIRED = (
    "import json; print(json.dumps({'Version': 1, 'AccessKeyId': 'AKIAX', 'SecretAccessKey': 's', "
    "'SessionToken': 't', 'Expiration': '2020-01-01T00:00:00Z'}))"
)

CASES = [
    # -- the environment's profile (configuration: exit 2) ------------------------------------
    Case(
        "env profile does not exist",
        2,
        "profiles there",
        toml=(('profile = "dev-read"', 'profile = "dev-raed"'),),
    ),
    Case(
        "source_profile does not exist",
        2,
        "profiles there",
        aws_config=(("source_profile = jump", "source_profile = jmup"),),
        args=("accounts", "whoami", "--env", "staging"),
    ),
    Case(
        "source_profile loops",
        2,
        "must hold credentials",
        aws_config=(
            ("[profile jump]\nrole_arn", "[profile jump]\nsource_profile = staging-read\nrole_arn"),
            (
                "role_arn = arn:aws:iam::999999999999:role/OpsConsoleJump\nsource_profile = identity",
                "role_arn = arn:aws:iam::999999999999:role/OpsConsoleJump",
            ),
        ),
        args=("accounts", "whoami", "--env", "staging"),
    ),
    Case(
        "role profile without source",
        2,
        "source_profile",
        aws_config=(
            (
                "role_arn = arn:aws:iam::111111111111:role/OpsConsoleReadOnly\nsource_profile = identity",
                "role_arn = arn:aws:iam::111111111111:role/OpsConsoleReadOnly",
            ),
        ),
    ),
    Case(
        "env profile assumes no role", 2, "role_arn", toml=(('profile = "dev-read"', 'profile = "tooling"'),)
    ),
    Case(
        "duration_seconds not a number",
        2,
        "duration_seconds = 3600",
        aws_config=(("duration_seconds = 1800", "duration_seconds = 30m"),),
    ),
    Case(
        "duration_seconds out of bounds",
        2,
        "",
        aws_config=(("duration_seconds = 1800", "duration_seconds = 60"),),
    ),
    Case("role_session_name with a space", 2, "", aws_config=(("-dev\nduration", " dev\nduration"),)),
    Case(
        "mfa_serial malformed",
        2,
        "",
        aws_config=(
            (
                "mfa_serial = arn:aws:iam::999999999999:mfa/alice\nregion = eu-west-1",
                "mfa_serial = alice-phone\nregion = eu-west-1",
            ),
        ),
        args=("accounts", "whoami", "--env", "prod"),
    ),
    Case(
        "role_arn malformed",
        2,
        "",
        aws_config=(
            (
                "role_arn = arn:aws:iam::111111111111:role/OpsConsoleReadOnly",
                "role_arn = arn:aws:iam:111111111111:role/OpsConsoleReadOnly",
            ),
        ),
    ),
    Case(
        "region malformed",
        2,
        "",
        aws_config=(("region = eu-west-1\n\n[profile jump]", "region = Ireland\n\n[profile jump]"),),
    ),
    Case(
        "role in another account than the TOML says",
        2,
        "account",
        toml=(('profile = "dev-read"', 'profile = "dev-read"\naccount_id = "444444444444"'),),
    ),
    Case(
        "AWS config with a line outside any section",
        2,
        "section",
        aws_config=(("[profile identity]", "stray = value\n[profile identity]"),),
    ),
    Case(
        "AWS config with an unclosed section header",
        2,
        "section",
        aws_config=(("[profile jump]", "[profile jump"),),
    ),
    Case("AWS config not UTF-8", 2, "", aws_config=(("", "# caf\udce9"),)),
    Case(
        "aws_config_file points at a directory",
        2,
        "profiles there",
        toml=(('operator = "alice"', 'operator = "alice"\naws_config_file = "{root}"'),),
    ),
    # -- the identity profile ------------------------------------------------------------------
    Case(
        "identity profile missing: config check",
        2,
        "aws configure",
        toml=(('profile = "identity"', 'profile = "identiy"'),),
        args=CHECK,
    ),
    Case(
        "identity profile missing: whoami",
        2,
        "aws configure",
        toml=(('profile = "identity"', 'profile = "identiy"'),),
        args=WHOAMI,
    ),
    Case(
        "credentials file malformed: config check",
        2,
        "section",
        credentials="aws_access_key_id = AKIA\n",
        args=CHECK,
    ),
    Case(
        "identity with only an access key id",
        2,
        "complete the profile",
        credentials="[identity]\naws_access_key_id = AKIAONLY\n",
        args=WHOAMI,
    ),
    Case(
        "identity profile with no credentials at all",
        1,
        "sign in",
        credentials="[other]\naws_access_key_id = A\naws_secret_access_key = B\n",
        args=WHOAMI,
        env={"AWS_EC2_METADATA_DISABLED": "true"},
    ),
    Case(
        "credential_process prints non-JSON",
        1,
        "JSON",
        **identity("proc", f"[profile proc]\ncredential_process = {PY} -c \"print('hello')\"\n"),
        args=WHOAMI,
    ),
    Case(
        "credential_process program missing",
        1,
        "program path",
        **identity("proc", "[profile proc]\ncredential_process = /nonexistent/bin/creds\n"),
        args=WHOAMI,
    ),
    Case(
        "credential_process not executable",
        1,
        "program path",
        **identity("proc", "[profile proc]\ncredential_process = {root}/creds.py\n"),
        args=WHOAMI,
    ),
    Case(
        "credential_process exits non-zero",
        1,
        "credential_process",
        **identity("proc", f'[profile proc]\ncredential_process = {PY} -c "import sys; sys.exit(3)"\n'),
        args=WHOAMI,
    ),
    Case(
        "credential_process returns expired keys",
        1,
        "Expiration",
        **identity("proc", "[profile proc]\ncredential_process = " + PY + " {root}/expired.py\n"),
        files={"expired.py": EXPIRED},
        args=WHOAMI,
    ),
    Case(
        "credential_process JSON without a secret",
        1,
        "credential_process",
        **identity(
            "proc",
            f'[profile proc]\ncredential_process = {PY} -c "print(\'{{\\"Version\\": 1, \\"AccessKeyId\\": \\"A\\"}}\')"\n',
        ),
        args=WHOAMI,
    ),
    Case(
        "credential_process with Version 2",
        1,
        "credential_process",
        **identity(
            "proc", f'[profile proc]\ncredential_process = {PY} -c "print(\'{{\\"Version\\": 2}}\')"\n'
        ),
        args=WHOAMI,
    ),
    Case(
        "role profile with mfa_serial as identity, no terminal",
        2,
        "--mfa-code",
        **identity(
            "admin",
            "[profile admin]\nrole_arn = arn:aws:iam::999999999999:role/Admin\nsource_profile = identity\nmfa_serial = arn:aws:iam::999999999999:mfa/alice\n",
        ),
        args=WHOAMI,
    ),
    Case("SSO profile without a cached token", 1, "sso login", **identity("sso-dev"), args=WHOAMI),
    Case(
        "SSO profile with an expired cached token",
        1,
        "sso login",
        **identity("sso-dev"),
        files={
            "home/.aws/sso/cache/SSO": '{"accessToken": "x", "expiresAt": "2020-01-01T00:00:00Z", "region": "eu-west-1", "startUrl": "https://corp.awsapps.com/start"}'
        },
        args=WHOAMI,
    ),
    Case(
        "credential_source with no source",
        1,
        "",
        **identity(
            "ec2",
            "[profile ec2]\nrole_arn = arn:aws:iam::999999999999:role/Admin\ncredential_source = Environment\n",
        ),
        args=WHOAMI,
    ),
    # -- overrides -------------------------------------------------------------------------------
    Case(
        "override names a missing profile",
        2,
        "profiles there",
        env={"OPSCONSOLE_ENVIRONMENTS__DEV__PROFILE": "nope"},
        args=CHECK,
    ),
    Case(
        "override with a leading empty key",
        2,
        "OPSCONSOLE_READ_ONLY",
        env={"OPSCONSOLE___READ_ONLY": "true"},
        args=CHECK,
    ),
    Case(
        "override key typo",
        2,
        "known keys",
        env={"OPSCONSOLE_ENVIRONMENTS__DEV__REGON": "eu-west-1"},
        args=CHECK,
    ),
    Case("override boolean not a boolean", 2, "", env={"OPSCONSOLE_READ_ONLY": "maybe"}, args=CHECK),
    Case(
        "override duration not a number",
        2,
        "",
        env={"OPSCONSOLE_ENVIRONMENTS__DEV__SESSION_DURATION": "1h"},
        args=CHECK,
    ),
    Case(
        "override mfa_serial malformed",
        2,
        "",
        env={"OPSCONSOLE_ENVIRONMENTS__DEV__MFA_SERIAL": "phone"},
        args=CHECK,
    ),
    # -- MFA input -------------------------------------------------------------------------------
    Case(
        "MFA code not six digits",
        2,
        "six digits",
        args=("accounts", "whoami", "--env", "prod", "--mfa-code", "12ab56"),
    ),
    Case(
        "prod needs MFA, no terminal, no code", 2, "--mfa-code", args=("accounts", "whoami", "--env", "prod")
    ),
    # -- STS answers -----------------------------------------------------------------------------
    Case("nothing listens at the endpoint", 1, "network", server="none"),
    Case(
        "role ARN typo (enforced world)",
        1,
        "role ARN",
        args=("ecs", "clusters", "--env", "dev"),
        aws_config=(
            (
                "role/OpsConsoleReadOnly\nsource_profile = identity\nexternal_id = opsconsole-dev",
                "role/OpsConsoleReadOnyl\nsource_profile = identity\nexternal_id = opsconsole-dev",
            ),
        ),
        server="world",
    ),
    Case(
        "wrong secret key (enforced world)",
        1,
        "keys",
        credentials="[identity]\naws_access_key_id = {key}\naws_secret_access_key = wrong\n",
        server="world",
    ),
    Case(
        "unknown access key (enforced world)",
        1,
        "keys",
        credentials="[identity]\naws_access_key_id = AKIANOSUCHKEY0000000\naws_secret_access_key = wrong\n",
        server="world",
    ),
    Case("STS denies AssumeRole", 1, "trust policy", server="denied"),
    Case("STS throttles", 1, "throttling", server="throttled"),
    Case("identity token expired", 1, "sign in again", server="expired"),
    Case("STS answers an HTML 500 page", 1, "role ARN", server="html500"),
    Case("STS says the keys are invalid", 1, "keys", server="badkeys"),
]


@pytest.fixture(scope="module")
def enforced(request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue("demo_world")


@pytest.fixture
def endpoint_for(request: pytest.FixtureRequest) -> Iterator[Any]:
    opened: list[Any] = []

    def endpoint(case: Case) -> tuple[str, Any]:
        if case.server == "world":
            world = request.getfixturevalue("demo_world")
            return world.endpoint, world.accounts.operator_key
        stub_key = SimpleNamespace(access_key_id="AKIASTUBSTUBSTUB0000", secret_access_key="stub")
        if case.server == "none":
            return NOWHERE, stub_key
        context = fake_sts(case.server)
        opened.append(context)
        return context.__enter__(), stub_key

    yield endpoint
    for context in opened:
        context.__exit__(None, None, None)


def build(case: Case, root: Path, endpoint: str, key: Any) -> Path:
    world = SimpleNamespace(endpoint=endpoint, accounts=SimpleNamespace(operator_key=key))
    setup = write_setup(world, root, "corpus")  # type: ignore[arg-type]
    for name, text in case.files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    text = setup.aws_config.read_text(encoding="utf-8")
    for old, new in case.aws_config:
        new = new.replace("{root}", str(root))
        assert old in text, f"case {case.name!r}: {old!r} is not in the AWS config"
        text = text.replace(old, new) if old else text + "\n" + new
    setup.aws_config.write_bytes(text.encode("utf-8", "surrogateescape"))
    toml = setup.config.read_text(encoding="utf-8")
    for old, new in case.toml:
        assert old in toml, f"case {case.name!r}: {old!r} is not in the TOML"
        toml = toml.replace(old, new.replace("{root}", str(root)))
    setup.config.write_text(toml, encoding="utf-8")
    if case.credentials is not None:
        setup.aws_credentials.write_text(
            case.credentials.replace("{key}", key.access_key_id), encoding="utf-8"
        )
    return setup.config


def test_the_corpus_is_big_enough() -> None:
    assert len(CASES) >= 40
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_broken_setup_is_one_message_with_a_hint(
    case: Case,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    endpoint_for: Any,
) -> None:
    endpoint, key = endpoint_for(case)
    config = build(case, tmp_path, endpoint, key)
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    # run_cli calls the CLI's main(): an exception it does not turn into a message fails the test.
    result = run_cli(capsys, "--config", str(config), *case.args)
    err = result.stderr
    assert result.code == case.code, f"exit {result.code}, expected {case.code}:\n{err}"
    assert "Traceback" not in err and "<html" not in err.lower() and "<!doctype" not in err.lower()
    lines = [line for line in err.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1, err
    hints = [line for line in lines if line.strip().startswith("→")]
    assert hints, f"no hint:\n{err}"
    assert case.hint.lower() in " ".join(hints).lower() or case.hint.lower() in err.lower(), err
    if "--env" in case.args:
        env = case.args[case.args.index("--env") + 1]
        # Named once: "dev", not "dev: dev: ..." (profile names such as dev-read do not count).
        assert len(re.findall(rf"(?<![\w./-]){env}(?![\w-])", errors[0])) <= 1, errors[0]
