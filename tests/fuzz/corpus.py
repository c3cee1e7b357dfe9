"""A generated corpus of bad input for the CLI: configuration files, command-line arguments,
runbooks and runbook inputs. Every case names the exit code the README's table documents for it
(0 ok, 1 failed, 2 invalid input, 3 denied or not confirmed); none may end in a traceback.

The cases are generated from small tables (a key times its bad values, a command times its bad
arguments), so the corpus grows by adding a row. The config points every backend at a closed
loopback port: a case that reaches a backend instead of being refused at the edge exits 1, not 2,
and fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

CLOSED = "http://127.0.0.1:9"
"""The discard port: nothing listens, so a call that gets this far fails at once."""

BAD_URLS = [
    '""',
    '"ftp://example.com"',
    '"http://127.0.0.1:99999"',
    '"http://127.0.0.1:-1"',
    '"http://"',
    '"not a url"',
    "42",
    '"http://exa mple.com"',
    '"http://[::1"',
    '"http://127.0.0.1:0"',
    "true",
    '["http://a"]',
]
BAD_CONFIG_VALUES: dict[str, list[str]] = {
    "aws.endpoint_url": BAD_URLS,
    "zabbix.url": BAD_URLS,
    "graylog.url": BAD_URLS,
    "audit.journal": ['"{dir}"', '""', "42", '"{file}/x.jsonl"', '"bad\\u0000name"'],
    "audit.gelf": ['"udp://127.0.0.1:99999"', '"tcp://x"', '"udp://:1"', '"gelf"', "1", '"udp://h:0"'],
    "identity.region": ['""', '"mars-1"', "42", '"eu-west-1 "'],
    "identity.session_duration": [
        "0",
        "-1",
        "899",
        "129601",
        "99999999999999999",
        '"1h"',
        "1.5",
        "nan",
        "inf",
    ],
    "identity.mfa_serial": ['"123"', '""', "7"],
    "environments.dev.account_id": ['"12"', "111111111111", '"abcdefghijkl"', '""', '"1111111111111"'],
    "environments.dev.region": ['""', '"mars-1"', "42", "[]"],
    "environments.dev.protected": ['"yes"', "1", "{}"],
    "environments.dev.read_only": ['"no"', "0"],
    "environments.dev.session_duration": ["0", "43201", '"12h"', "-5"],
    "environments.dev.roles": [
        '"x"',
        '{ read = "not-an-arn" }',
        "{ read = 1 }",
        '{ admin = "arn:aws:iam::111111111111:role/A" }',
        "[]",
    ],
    "environments.dev.external_id": ["1", "[]"],
    "environments.dev.replica_region": ['"mars"', "3"],
    "default_environment": ['"nope"', '""', "1"],
    "ui.keymap": ['"x"', "{ quit = 1 }"],
}
BAD_TOML = [
    "this is not toml",
    "[environments.dev\naccount_id = 1",
    'a = "unclosed',
    "[[environments]]\nname = 1",
    "x = 1\nx = 2",
    "=",
    "[environments]\ndev = 1",
    "[environments.dev]\n",
    "[environments.Dev Env]\naccount_id = '111111111111'",
    "\x00\x01\x02",
    "k = 1e999999",
    'default_environment = "dev"\n' + "[" * 2000,
    "a = " + "[" * 5000 + "]" * 5000,
    "a = " + "{b = " * 400 + "1" + "}" * 400,
]


@dataclass
class Case:
    id: str
    argv: list[str]
    expect: int
    files: dict[str, bytes] = field(default_factory=dict)
    """Files written beside the config before the run: name -> content."""
    config: str | None = None
    """The config file's text; None for the good one."""


def good_sections(root: str) -> dict[str, list[str]]:
    sections = {
        "": ['default_environment = "dev"'],
        "aws": [f'endpoint_url = "{CLOSED}"'],
        "identity": ['operator = "fuzz"', 'region = "eu-west-1"'],
        "audit": [f'journal = "{root}/audit.jsonl"'],
        "zabbix": [f'url = "{CLOSED}"', 'token_env = "FUZZ_ZABBIX_TOKEN"'],
        "graylog": [f'url = "{CLOSED}"', 'token_env = "FUZZ_GRAYLOG_TOKEN"'],
    }
    for name, account, protected in (("dev", "111111111111", False), ("prod", "333333333333", True)):
        sections[f"environments.{name}"] = [
            f'account_id = "{account}"',
            'region = "eu-west-1"',
            f"protected = {str(protected).lower()}",
        ]
        sections[f"environments.{name}.roles"] = [
            f'{tier} = "arn:aws:iam::{account}:role/OpsConsole{tier.title()}"'
            for tier in ("read", "operate", "deploy")
        ]
    return sections


def good_config(root: str) -> str:
    return _toml(good_sections(root))


def _toml(sections: dict[str, list[str]]) -> str:
    out = list(sections.get("", []))
    for name, lines in sections.items():
        if name:
            out += ["", f"[{name}]", *lines]
    return "\n".join(out) + "\n"


def config_with(root: str, key: str, value: str) -> str:
    """The good config with `key` (dotted) set to the raw TOML `value`."""
    sections = good_sections(root)
    section, _, leaf = key.rpartition(".")
    value = value.replace("{dir}", root).replace("{file}", f"{root}/opsconsole.toml")
    sections.pop(f"{key}", None)  # a table in the good config (roles) becomes a plain value
    lines = [line for line in sections.setdefault(section, []) if not line.startswith(f"{leaf} =")]
    sections[section] = [*lines, f"{leaf} = {value}"]
    return _toml(sections)


def config_cases() -> Iterator[Case]:
    for key, values in BAD_CONFIG_VALUES.items():
        for number, value in enumerate(values):
            yield Case(f"config-{key}-{number}", ["config", "check"], 2, config=f"@{key}={value}")
    for number, text in enumerate(BAD_TOML):
        yield Case(f"toml-{number}", ["config", "check"], 2, config=text)
    yield Case("config-binary", ["config", "check"], 2, config="@binary")
    yield Case("config-directory", ["config", "check"], 2, config="@directory")
    yield Case("config-missing", ["config", "check"], 2, config="@missing")
    yield Case("config-huge", ["config", "check"], 2, config="# " + "x" * 3_000_000 + "\nnope = 1\n")


# -- command-line arguments --------------------------------------------------------------------

BAD_SINCE = ["0m", "0s", "99999999d", "-5m", "5 years", "yesterday", "", "1e9d", "2999-01-01", "nan", "5q"]
BAD_COUNTS = ["-1", "5001", "99999", "1e3", "many", "", "18446744073709551617", "0x10"]
BAD_NAMES = ["", " ", "\n", "a\x00b"]

ARG_CASES: list[tuple[str, list[str], int]] = [
    *[(f"audit-since-{v!r}", ["audit", "list", "--since", v], 2) for v in BAD_SINCE],
    *[(f"logs-since-{v!r}", ["logs", "search", "--env", "dev", "--since", v], 2) for v in BAD_SINCE],
    *[(f"rds-events-since-{v!r}", ["rds", "events", "--env", "dev", "--since", v], 2) for v in BAD_SINCE],
    *[(f"timeline-since-{v!r}", ["timeline", "ecs:dev/web", "--since", v], 2) for v in BAD_SINCE],
    *[
        (f"tail-for-{v!r}", ["logs", "tail", "--env", "dev", "--for", v], 2)
        for v in BAD_SINCE
        if v != "2999-01-01"
    ],
    *[(f"ecs-scale-{v!r}", ["ecs", "scale", "web", v, "--env", "dev"], 2) for v in BAD_COUNTS],
    *[
        (f"ecs-scale-dry-{v!r}", ["ecs", "scale", "web", v, "--env", "dev", "--dry-run"], 2)
        for v in BAD_COUNTS
    ],
    *[(f"ecs-cluster-{v!r}", ["ecs", "services", "--env", "dev", "--cluster", v], 2) for v in BAD_NAMES],
    *[
        (f"ecs-scale-cluster-{v!r}", ["ecs", "scale", "web", "2", "--env", "dev", "--cluster", v], 2)
        for v in BAD_NAMES
    ],
    *[(f"ecs-redeploy-service-{v!r}", ["ecs", "redeploy", v, "--env", "dev"], 2) for v in BAD_NAMES],
    *[(f"rds-reboot-db-{v!r}", ["rds", "reboot", v, "--env", "dev"], 2) for v in BAD_NAMES],
    *[(f"rds-snapshot-db-{v!r}", ["rds", "snapshot", v, "--env", "dev"], 2) for v in BAD_NAMES],
    *[(f"ecs-stop-task-{v!r}", ["ecs", "stop-task", v, "--env", "dev"], 2) for v in BAD_NAMES],
    *[
        (f"taskdef-{v!r}", ["ecs", "taskdef-diff", "f", "--env", "dev", "--from", v], 2)
        for v in ["0", "-1", "x", ""]
    ],
    *[(f"env-{v!r}", ["ecs", "services", "--env", v], 2) for v in ["", "nope", "PROD", "dev ", "\x00"]],
    *[
        (f"alerts-ack-{v!r}", ["alerts", "ack", v, "--env", "dev"], 2)
        for v in ["abc", "-1", "0", "", "1.5", "9" * 30]
    ],
    *[
        (f"maintenance-duration-{v!r}", ["alerts", "maintenance", "create", "w", "--env", "dev", "-d", v], 2)
        for v in ["0m", "1m", "4m", "99999999d", "-1h", "soon", ""]
    ],
    *[
        (f"alerts-severity-{v!r}", ["alerts", "severity", v, "1", "--env", "dev"], 2)
        for v in ["", "huge", "9"]
    ],
    *[
        (f"logs-limit-{v}", ["logs", "search", "--env", "dev", "--limit", v], 2)
        for v in ["0", "-1", "10001", "x"]
    ],
    *[(f"logs-offset-{v}", ["logs", "search", "--env", "dev", "--offset", v], 2) for v in ["-1", "x"]],
    *[(f"logs-max-{v}", ["logs", "tail", "--env", "dev", "--max", v], 2) for v in ["0", "-3", "x"]],
    *[
        (f"stacks-events-limit-{v}", ["stacks", "events", "dev", "network", "-n", v], 2)
        for v in ["0", "-1", "x"]
    ],
    *[
        (f"role-{v!r}", ["ecs", "scale", "web", "2", "--env", "dev", "--role", v], 2)
        for v in ["", "root", "admin"]
    ],
    *[(f"output-{v!r}", ["audit", "list", "-o", v], 2) for v in ["", "xml", "yaml"]],
    ("audit-outcome-bad", ["audit", "list", "--outcome", "maybe"], 2),
    ("runbook-input-no-equals", ["runbook", "run", "{book}", "-i", "env"], 2),
    ("runbook-input-empty-key", ["runbook", "run", "{book}", "-i", "=dev"], 2),
    ("runbook-resume-missing", ["runbook", "resume", "20990101T000000Z-abcdef"], 2),
    ("runbook-resume-traversal", ["runbook", "resume", "../../etc/passwd"], 2),
    ("runbook-history-missing", ["runbook", "history", "nope"], 2),
    ("runbook-resume-both", ["runbook", "resume", "x", "--rerun-step", "--skip-step"], 2),
    ("runbook-missing-file", ["runbook", "validate", "/nonexistent/book.yaml"], 2),
    ("runbook-directory", ["runbook", "validate", "{dir}"], 2),
    ("runbook-show-missing", ["runbook", "show", "nope"], 2),
    ("stacks-plan-prod-unconfirmed", ["stacks", "plan", "prod"], 3),
    ("stacks-plan-prod-wrong-confirm", ["stacks", "plan", "prod", "--confirm", "dev"], 3),
    ("ecs-scale-prod-unconfirmed", ["ecs", "scale", "web", "2", "--env", "prod"], 3),
    ("read-only-scale", ["--read-only", "ecs", "scale", "web", "2", "--env", "dev"], 3),
    ("unknown-command", ["frobnicate"], 2),
    ("unknown-option", ["audit", "list", "--frob"], 2),
]


def argument_cases() -> Iterator[Case]:
    for name, argv, code in ARG_CASES:
        yield Case(f"arg-{name}", argv, code)


# -- runbooks and their inputs -------------------------------------------------------------------

HEAD = "title: t\ninputs:\n  env: environment\nsteps:\n"
WAIT = (
    "  - id: w\n    kind: wait\n    aws: {{service: ecs, operation: describe_services, "
    'params: {{cluster: "c", services: [web]}}}}\n    until: "output"\n    {key}: {value}\n'
)
ACTION = "  - id: a\n    kind: action\n    action: {action}\n    with: {params}\n"
NOTE = '  - id: n\n    kind: note\n    text: "{text}"\n'


def _bomb(levels: int, width: int) -> str:
    lines = [f"a0: &a0 [{', '.join(['lol'] * width)}]"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


RUNBOOK_TEXTS: dict[str, str | bytes] = {
    "alias-bomb-361": _bomb(9, 9),
    "alias-bomb-wide": _bomb(5, 40),
    "alias-self": "title: &t [*t]\n",
    "alias-chain": "\n".join(["a0: &a0 [1]", *[f"a{i}: &a{i} [*a{i - 1}]" for i in range(1, 300)]]) + "\n",
    "deep-flow": "title: " + "[" * 20000 + "]" * 20000 + "\n",
    "deep-block": "".join("  " * i + f"k{i}:\n" for i in range(500)) + "  " * 500 + "v: 1\n",
    "deep-map-flow": "title: " + "{a: " * 300 + "1" + "}" * 300 + "\n",
    "binary": bytes(range(256)) * 4,
    "latin1": "title: caf\xe9\n".encode("latin-1"),
    "nul": "title: a\x00b\nsteps: []\n",
    "empty": "",
    "scalar": "just a string\n",
    "list": "- 1\n- 2\n",
    "no-steps": "title: t\nsteps: []\n",
    "steps-scalar": "title: t\nsteps: 3\n",
    "huge": "title: t\n" + "# filler\n" * 70_000,
    "tabs": "title: t\n\tsteps: []\n",
    "dup-keys": "title: a\ntitle: b\nsteps: []\n",
    "unclosed-quote": 'title: "abc\nsteps: []\n',
    "python-tag": "title: !!python/object/apply:os.system ['true']\nsteps: []\n",
    "timestamp-title": "title: 2026-01-01\nsteps: [{id: n, kind: note, text: x}]\n",
    "set-tag": "title: !!set {a, b}\nsteps: []\n",
}
for _key, _values in {
    "interval": ["0s", "0", "-1s", "0.01s", "nan", "1e400s", "99999999d", "soon", "[]", "true", ".inf"],
    "timeout": ["0s", "-5m", "99999999d", "0.5s", "{}"],
    "retries": ["-1", "many", "1.5", "true"],
    "retry_delay": ["-1s", "forever", "99999999d"],
}.items():
    for _number, _value in enumerate(_values):
        RUNBOOK_TEXTS[f"wait-{_key}-{_number}"] = HEAD + WAIT.format(key=_key, value=_value)
for _number, (_action, _params) in enumerate(
    [
        ("ecs.scale", "{service: web, count: 99999}"),
        ("ecs.scale", "{service: web, count: -1}"),
        ("ecs.scale", "{service: web, count: many}"),
        ("ecs.scale", "{service: web, count: 1.5}"),
        ("ecs.scale", "{service: web, count: true}"),
        ("ecs.scale", "{service: web, delta: 100000}"),
        ("ecs.scale", "{service: '', count: 2}"),
        ("ecs.scale", "{service: web, cluster: '', count: 2}"),
        ("ecs.scale", "{count: 2}"),
        ("ecs.scale", "{service: web, count: 2, colour: red}"),
        ("ecs.scale", "[1, 2]"),
        ("ecs.redeploy", "{service: '   '}"),
        ("rds.reboot", "{instance: db, failover: maybe}"),
        ("rds.snapshot", "{instance: ''}"),
        ("zabbix.acknowledge", "{eventids: [abc]}"),
        ("zabbix.acknowledge", "{eventids: [-1]}"),
        ("zabbix.maintenance_create", "{name: w, duration: 0m}"),
        ("zabbix.maintenance_create", "{name: w, duration: 99999999d}"),
        ("zabbix.maintenance_create", "{name: w, duration: 1m}"),
        ("nope.nothing", "{}"),
        ("ecs.scale", '{service: "{{ inputs.env ", count: 2}'),
        ("ecs.scale", '{service: "web }}", count: 2}'),
        ("ecs.scale", '{service: "{{ inputs.nope }}", count: 2}'),
        ("ecs.scale", '{service: "{{ ][ }}", count: 2}'),
    ]
):
    RUNBOOK_TEXTS[f"action-{_number}"] = HEAD + ACTION.format(action=_action, params=_params)
for _number, _text in enumerate(
    ["{{ inputs.env", "a }} b", "{{ }}", "{{ {{ inputs.env }} }}", "{{ steps.ghost }}"]
):
    RUNBOOK_TEXTS[f"note-{_number}"] = HEAD + NOTE.format(text=_text)
for _number, _extra in enumerate(
    [
        "  - id: Bad-Id\n    kind: note\n    text: x\n",
        "  - id: end\n    kind: note\n    text: x\n",
        "  - id: n\n    kind: note\n    text: x\n  - id: n\n    kind: note\n    text: y\n",
        "  - id: n\n    kind: magic\n",
        "  - id: n\n    kind: note\n    text: x\n    next: nowhere\n",
        "  - id: n\n    kind: branch\n    if: '1 =='\n    then: n\n",
        "  - id: n\n    kind: note\n    text: x\n    next: n\n",
        "  - id: n\n    kind: note\n    text: x\n    on_failure: {goto: ghost}\n",
        "  - id: n\n    kind: note\n    text: x\n    on_failure: retry\n",
        "  - 42\n",
        "  - id: q\n    kind: query\n    aws: {service: rds, operation: delete_db_instance, params: {}}\n",
        "  - id: q\n    kind: query\n    aws: {service: ecs}\n",
        "  - id: q\n    kind: query\n",
        "  - id: q\n    kind: query\n    logs: {query: x, window: 0m}\n",
        "  - id: q\n    kind: query\n    logs: {query: x, window: 99999999d}\n",
    ]
):
    RUNBOOK_TEXTS[f"steps-{_number}"] = HEAD + _extra
for _number, _inputs in enumerate(
    [
        "inputs: {Env: environment}",
        "inputs: {n: {type: int, default: many}}",
        "inputs: {n: {type: number}}",
        "inputs: {c: {type: choice}}",
        "inputs: {c: {type: choice, choices: [a], default: b}}",
        "inputs: {n: {type: int, required: maybe}}",
        "inputs: 7",
        "inputs: {n: [1]}",
    ]
):
    RUNBOOK_TEXTS[f"inputs-{_number}"] = f"title: t\n{_inputs}\nsteps:\n" + NOTE.format(text="x")

GOOD_RUNBOOK = (
    "title: good\ninputs:\n  env: environment\n  n: {type: int, default: 1}\n"
    "  c: {type: choice, choices: [a, b], default: a}\n  flag: {type: bool, default: false}\n"
    "steps:\n  - id: n\n    kind: note\n    text: 'n is {{ inputs.n }}'\n"
)
BAD_INPUTS = [
    ["-i", "env=dev", "-i", "n=many"],
    ["-i", "env=dev", "-i", "n=1e999"],
    ["-i", "env=dev", "-i", "n=99999999999999999999999999"],
    ["-i", "env=dev", "-i", "n=" + "9" * 5000],
    ["-i", "env=dev", "-i", "n="],
    ["-i", "env=dev", "-i", "c=z"],
    ["-i", "env=dev", "-i", "flag=maybe"],
    ["-i", "env=nope"],
    ["-i", "env="],
    ["-i", "env=dev", "-i", "ghost=1"],
    [],
    ["-i", "env=dev", "-i", "n=1.5"],
    ["-i", "env=dev\x00"],
]


def runbook_cases() -> Iterator[Case]:
    for name, text in RUNBOOK_TEXTS.items():
        content = text if isinstance(text, bytes) else text.encode("utf-8")
        yield Case(f"runbook-{name}", ["runbook", "validate", "{book}"], 2, files={"book.yaml": content})
    # The same files through `run`: refused before any step or backend.
    for name in ("alias-bomb-361", "binary", "deep-flow", "wait-interval-0", "note-0", "action-0"):
        text = RUNBOOK_TEXTS[name]
        content = text if isinstance(text, bytes) else text.encode("utf-8")
        argv = ["runbook", "run", "{book}", "-i", "env=dev"]
        yield Case(f"runbook-run-{name}", argv, 2, files={"book.yaml": content})
    for number, given in enumerate(BAD_INPUTS):
        argv = ["runbook", "run", "{book}", *given]
        yield Case(f"input-{number}", argv, 2, files={"book.yaml": GOOD_RUNBOOK.encode()})
    yield Case(
        "runbook-good-dry-run",
        ["runbook", "run", "{book}", "-i", "env=dev", "--dry-run"],
        0,
        files={"book.yaml": GOOD_RUNBOOK.encode()},
    )


def all_cases() -> list[Case]:
    return [*config_cases(), *argument_cases(), *runbook_cases()]
