"""The real-world-shaped estate (tests/stacks/estates/realworld) offline: Java-dialect patterns,
capabilities, naming, and every problem listed in one pass. Bad input: one clear message per
problem, exit 2, no traceback, nothing sent (AWS points at a closed port)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import run_cli
from tests.stacks.test_validation import config_for, edit

REALWORLD = Path(__file__).resolve().parent / "estates" / "realworld"
TEMPLATES = Path("templates")


@pytest.fixture(scope="module")
def lint_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """cfn-lint's findings for the unchanged templates, made once (cfn-lint takes about a second a
    template); each test lints only the template it changed."""
    from opsconsole.stacks.templates import lint_template

    cache = tmp_path_factory.mktemp("lint") / "cfn-lint-cache"
    for template in (REALWORLD / "templates").rglob("*.*"):
        lint_template(template.read_text(encoding="utf-8"), "eu-west-1", cache)
    return cache


@pytest.fixture
def estate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lint_cache: Path, isolated_environment: Path
) -> Path:
    root = tmp_path / "realworld"
    shutil.copytree(REALWORLD, root)
    shutil.copytree(lint_cache, isolated_environment / "cfn-lint-cache")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEFAKEFAKE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fake")
    return root


def replace(relative: str, old: str, new: str) -> Callable[[Path], None]:
    return lambda root: edit(root / relative, old, new)


def both(*edits: Callable[[Path], None]) -> Callable[[Path], None]:
    def run(root: Path) -> None:
        for change in edits:
            change(root)

    return run


BAD: dict[str, tuple[Callable[[Path], None], list[str]]] = {
    "value outside a Java-dialect pattern, with the ConstraintDescription": (
        replace("params/dev.toml", 'ServiceName = "web-api+v2"', 'ServiceName = "web api"'),
        [
            "names: ServiceName = 'web api' does not match the AllowedPattern ^[\\w-\\+]+$ "
            "(letters, digits, underscores, dashes and plus signs.)"
        ],
    ),
    "POSIX class is ASCII in Java": (
        replace("params/dev.toml", "team.shop@example.com", "équipe@example.com"),
        ["names: OwnerEmail = 'équipe@example.com' does not match", "(an e-mail address.)"],
    ),
    "JSON template's pattern and ConstraintDescription": (
        replace("params/dev.toml", 'DBName = "shopdb"', 'DBName = "1shop"'),
        [
            "db: DBName = '1shop' does not match the AllowedPattern [a-zA-Z][a-zA-Z0-9]* (must begin with a letter"
        ],
    ),
    "named IAM without CAPABILITY_NAMED_IAM": (
        replace("stacks.toml", 'capabilities = ["CAPABILITY_NAMED_IAM"]\n', ""),
        [
            "stacks.cluster: the template needs CAPABILITY_NAMED_IAM (ECSRole, ECSInstanceProfile); "
            "add it to stacks.cluster.capabilities in stacks.toml",
        ],
    ),
    "IAM in a local nested template": (
        replace("stacks.toml", 'capabilities = ["CAPABILITY_IAM"]\n', ""),
        ["stacks.app: the template needs CAPABILITY_IAM (Storage/WriterRole)"],
    ),
    "a macro without CAPABILITY_AUTO_EXPAND": (
        replace(
            "templates/java-pattern.yaml",
            "Description: Java-style AllowedPatterns.",
            "Description: Java-style AllowedPatterns.\nTransform: AWS::Serverless-2016-10-31",
        ),
        ["stacks.names: the template needs CAPABILITY_AUTO_EXPAND (Transform AWS::Serverless-2016-10-31)"],
    ),
    "capabilities not a list": (
        replace("stacks.toml", 'capabilities = ["CAPABILITY_IAM"]', 'capabilities = "CAPABILITY_IAM"'),
        ['stacks.app.capabilities: must be a list of strings, e.g. ["a", "b"]'],
    ),
    "depends_on not a list": (
        replace(
            "stacks.toml",
            'template = "templates/rds.json"',
            'template = "templates/rds.json"\ndepends_on = "vpc"',
        ),
        ["stacks.db.depends_on: must be a list of strings"],
    ),
    "prefix that makes no stack name": (
        replace("stacks.toml", 'prefix = "shop-{env}"', 'prefix = "9shop_{env}"'),
        ["defaults.prefix: '9shop_dev-vpc' is not a CloudFormation stack name"],
    ),
    "prefix with an unknown placeholder": (
        replace("stacks.toml", 'prefix = "shop-{env}"', 'prefix = "shop-{region}"'),
        ["defaults.prefix: a string in which only {env} is replaced"],
    ),
    "two stacks with one name": (
        replace("stacks.toml", 'name = "legacy-db-{env}"', 'name = "shop-{env}-vpc"'),
        ["stacks.db: its stack name shop-dev-vpc in eu-west-1 is also stacks.vpc's"],
    ),
    "reserved tag key": (
        replace("stacks.toml", '"cost-center" = "1234"', '"aws:cost" = "1234"'),
        ["defaults.tags.aws:cost: a tag key is 1-128 characters and does not start with aws:"],
    ),
    "unknown key in [defaults]": (
        replace("stacks.toml", 'prefix = "shop-{env}"', 'prefix = "shop-{env}"\nprefx = "x"'),
        ["defaults.prefx: unknown key (known: prefix, tags)"],
    ),
    "[defaults] not a table": (
        replace(
            "stacks.toml",
            '[defaults]\nprefix = "shop-{env}"\ntags = { product = "shop", "cost-center" = "1234" }\n',
            'defaults = "shop"\n',
        ),
        ["defaults: must be a table"],
    ),
    "stack name not a string": (
        replace("stacks.toml", 'name = "legacy-db-{env}"', "name = 7"),
        ['stacks.db.name: a string in which only {env} is replaced, e.g. "vpc-{env}"'],
    ),
    "nested template missing": (
        lambda root: (root / "templates/nested/queues.yaml").unlink(),
        ["stacks.app: nested stack Queues's TemplateURL nested/queues.yaml is not a file"],
    ),
    "nested template unreadable": (
        replace(
            "templates/nested/storage.yaml",
            "  Bucket:\n    Type: AWS::S3::Bucket",
            "  Bucket:\n  Type: [AWS::S3::Bucket",
        ),
        ["stacks.app: nested stack Storage's template", "storage.yaml: not a readable template"],
    ),
    "value outside AllowedValues": (
        replace("params/dev.toml", 'MultiAZ = "false"', 'MultiAZ = "maybe"'),
        ["db: MultiAZ = 'maybe' is not one of the AllowedValues ['true', 'false']"],
    ),
    "shorter than MinLength, with the ConstraintDescription": (
        replace("params/dev.toml", 'DBPassword = "not-a-real-secret-1"', 'DBPassword = "short"'),
        [
            "db: DBPassword is shorter than MinLength 8 (must contain only alphanumeric characters and dashes.)"
        ],
    ),
    "unknown capability": (
        replace("stacks.toml", '["CAPABILITY_IAM"]', '["CAPABILITY_IAM", "CAPABILITY_ALL"]'),
        ["stacks.app.capabilities: 'CAPABILITY_ALL' is not one of"],
    ),
    "stack name too long": (
        replace("stacks.toml", 'name = "legacy-db-{env}"', 'name = "db-' + "x" * 130 + '"'),
        ["stacks.db.name: 'db-xxxx", "is not a CloudFormation stack name"],
    ),
    "stack key too long (it named a character rule it did not break)": (
        replace("stacks.toml", "[stacks.vpc]", "[stacks." + "v" * 42 + "]"),
        [
            "stacks." + "v" * 42 + ": a stack key is lower-case letters, digits and dashes, starting",
            "at most 41",
        ],
    ),
    "tag value too long": (
        replace("stacks.toml", '"cost-center" = "1234"', '"cost-center" = "' + "9" * 300 + '"'),
        ["defaults.tags.cost-center: a tag value is at most 256 characters"],
    ),
    "cfn-lint and a parameter problem together": (
        lambda root: both(
            replace("templates/java-pattern.yaml", "Type: AWS::SSM::Parameter", "Type: AWS::SSM::Parametr"),
            replace("params/dev.toml", 'ServiceName = "web-api+v2"', 'ServiceName = "web api"'),
        )(root),
        ["E3006", "names: ServiceName = 'web api' does not match"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_listed_and_exits_2(
    case: str, estate: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mutate, expected = BAD[case]
    mutate(estate)
    result = run_cli(capsys, "-c", str(config_for(tmp_path, estate)), "stacks", "validate", "dev")
    assert result.code == 2, result.stderr
    for text in expected:
        assert text in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert "nothing was sent to AWS" in result.stderr


def test_a_yaml_error_is_one_problem_without_knock_on_output_errors(
    estate: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(estate / "templates/vpc.yaml", "  VPC:\n    Type: AWS::EC2::VPC", "  VPC:\n  Type: [AWS::EC2::VPC")
    result = run_cli(capsys, "-c", str(config_for(tmp_path, estate)), "stacks", "validate", "dev")
    assert result.code == 2
    assert "1 problem in the stacks of dev" in result.stderr, result.stderr
    assert "vpc.yaml: not a readable template" in result.stderr
    assert "has no output" not in result.stderr and "unknown stack" not in result.stderr


@pytest.mark.parametrize("command", ["validate", "list"])
def test_an_uncheckable_pattern_is_a_warning_naming_the_parameter(
    command: str, estate: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(estate / "templates/java-pattern.yaml", r"'^[\w-\+]+$'", r"'^[\w\p{javaMirrored}]+$'")
    result = run_cli(capsys, "-c", str(config_for(tmp_path, estate)), "stacks", command, "dev")
    assert result.code == 0, result.stderr
    assert (
        "warning: names: ServiceName: the AllowedPattern ^[\\w\\p{javaMirrored}]+$ cannot be checked "
        "offline (the Java property \\p{javaMirrored})"
    ) in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["status", "plan", "deploy"])
def test_an_uncheckable_pattern_never_stops_reading_commands(
    command: str, estate: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Past validation these reach for AWS (a closed port here): the warning comes first, and the
    failure is the connection's, not a traceback."""
    edit(estate / "templates/java-pattern.yaml", r"'^[\w-\+]+$'", r"'^\p{javaMirrored}+$'")
    extra = ["--yes"] if command == "deploy" else []
    result = run_cli(capsys, "-c", str(config_for(tmp_path, estate)), "stacks", command, "dev", *extra)
    assert result.code == 1, result.stderr
    assert "Traceback" not in result.stderr
    if command == "status":
        assert "warning: names: ServiceName: the AllowedPattern" in result.stderr


def test_names_come_from_the_prefix_or_the_stack(
    estate: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(capsys, "-c", str(config_for(tmp_path, estate)), "stacks", "list", "dev", "-o", "json")
    assert result.code == 0, result.stderr
    names = {row["stack"]: row["stack_name"] for row in json.loads(result.stdout)}
    assert names == {
        "vpc": "shop-dev-vpc",
        "cluster": "shop-dev-cluster",
        "db": "legacy-db-dev",
        "app": "shop-dev-app",
        "names": "shop-dev-names",
    }


def test_root_flag_points_one_command_at_another_estate(
    estate: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shipped = Path(__file__).resolve().parents[2] / "stacks"
    config = str(config_for(tmp_path, shipped))
    result = run_cli(capsys, "-c", config, "stacks", "--root", str(estate), "list", "dev", "-o", "json")
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)[0]["stack_name"] == "shop-dev-vpc"
    default = run_cli(capsys, "-c", config, "stacks", "list", "dev", "-o", "json")
    assert json.loads(default.stdout)[0]["stack_name"] == "dev-network"


def test_a_lint_message_listing_hundreds_of_values_is_cut(
    estate: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """cfn-lint's W3037 for an unknown IAM action lists every action of the service (about 9,000
    characters for S3, seen with a public template): the warning keeps its start and says where
    to read it whole."""
    edit(
        estate / "templates/ecs-cluster.yaml",
        "      ManagedPolicyArns:",
        "      Policies:\n        - PolicyName: replication\n          PolicyDocument:\n"
        "            Statement:\n              - Effect: Allow\n                Action: s3:replicationtags\n"
        "                Resource: '*'\n      ManagedPolicyArns:",
    )
    result = run_cli(capsys, "-c", str(config_for(tmp_path, estate)), "stacks", "validate", "dev")
    assert result.code == 0, result.stderr
    [warning] = [line for line in result.stderr.splitlines() if "W3037" in line]
    assert "'replicationtags' is not one of" in warning
    assert warning.endswith(
        "… (cut; `cfn-lint " + str(estate / "templates/ecs-cluster.yaml") + "` shows it whole)"
    )
    path = str(estate / "templates/ecs-cluster.yaml")
    assert len(warning) - 2 * len(path) < 400, "the message itself is cut, whatever the path's length"
