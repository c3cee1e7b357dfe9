"""`opsconsole alerts list` next to zabbix-cli (PyPI zabbix-cli-uio) listing the same problems from
the same real Zabbix 6.0 (scripts/zabbix/up.sh), in the same run.

It seeds problems in a host group of their own, then times whole processes: zabbix-cli's
`show_alarms --hostgroup G --ack` (every problem trigger of the group, acknowledged or not) and our
command, with a config whose dev environment maps to that group. Both must list every seeded
problem, or the row is not written. The seeded hosts are deleted afterwards.

    .venv/bin/python -m bench.alerts_vs_zabbix_cli [--problems 50] [--hosts 10] [--repeat 7] [--ours ARGV]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyzabbix.api import ZabbixAPI

from bench.common import BIN, Sample, alternate, command, peer
from opsconsole.domain.problems import Severity
from tests.zabbix_real import RealZabbix, env_file
from tests.zabbix_scenario import ProblemSpec, raise_problems, unique

PEER_PACKAGE = "zabbix-cli-uio"
OURS = ["opsconsole", "alerts", "list", "--env", "dev", "--output", "json"]


@dataclass(frozen=True)
class Timing:
    name: str
    samples: list[Sample]


@dataclass(frozen=True)
class Outcome:
    timings: list[Timing]
    notes: list[str]
    peer_version: str


def real_zabbix() -> RealZabbix | None:
    """The server up.sh started, if its env file is there and the API answers."""
    path = env_file()
    if path is None or not path.exists():
        return None
    try:
        server = RealZabbix.from_env_file(path)
        server.api_version()
    except (OSError, ValueError, RuntimeError):
        return None
    return server


def seed(api: Any, real: RealZabbix, group: str, problems: int, hosts: int) -> list[str]:
    """`problems` problems spread over `hosts` hosts of one new group; returns the host ids."""
    severities = list(Severity)
    specs = [
        ProblemSpec(
            host=f"{group}-host-{index % hosts:02d}",
            trigger_name=f"Bench check {index:03d} failed on {{HOST.NAME}}",
            severity=severities[index % len(severities)],
            group=group,
            host_tags={"team": "bench"},
            trigger_tags={"check": f"c{index:03d}"},
        )
        for index in range(problems)
    ]
    raised = raise_problems(api, real.send, specs, real.reload_config_cache, timeout=60)
    return sorted({problem.hostid for problem in raised})


def ours_config(path: Path, real: RealZabbix, group: str) -> None:
    """A config whose dev environment is the seeded group; the token comes from the environment."""
    path.write_text(
        f"""default_environment = "dev"

[environments.dev]
account_id = "111111111111"
region = "eu-west-1"
zabbix = {{ host_groups = [{json.dumps(group)}] }}
[environments.dev.roles]
read = "arn:aws:iam::111111111111:role/OpsConsoleReadOnly"

[zabbix]
url = {json.dumps(real.url)}
token_env = "ZABBIX_API_TOKEN"
""",
        encoding="utf-8",
    )


def peer_config(path: Path) -> None:
    """zabbix-cli without its session file, auth file, history and log: each run starts cold, as ours
    does, and nothing of the bench is left in a home directory. URL and token come from the env; the
    timeout is raised from httpx's 5 s, which a loaded machine can exceed."""
    path.write_text(
        """[api]
timeout = 60

[app]
use_session_file = false
use_auth_file = false
history = false

[logging]
enabled = false
""",
        encoding="utf-8",
    )


def listed(stdout: str) -> int | None:
    """How many problems a JSON listing holds: zabbix-cli wraps them in {"result": [...]}."""
    try:
        data = json.loads(stdout)
    except json.JSONDecodeError:
        return None
    if isinstance(data, dict):
        data = data.get("result", data.get("problems"))
    return len(data) if isinstance(data, list) else None


def check(name: str, argv: list[str], env: dict[str, str], expected: int) -> str | None:
    """Why a command cannot be timed (it fails, or lists other than the `expected` problems), or None."""
    try:
        first = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)
    except OSError as error:
        return f"{name}: cannot run `{shlex.join(argv)}`: {error}"
    if first.returncode != 0:
        # typer draws errors in a box: keep the lines that say something, without the frame
        said = [line.strip("│╭╮╰╯─ ") for line in (first.stderr + first.stdout).splitlines()]
        reason = " ".join(line for line in said if line)[-300:] or "no output"
        return f"{name} exited {first.returncode}: {reason}"
    count = listed(first.stdout)
    if count != expected:
        return f"{name}: listed {count} problems where {expected} were seeded; not timed"
    return None


def interleaved(commands: dict[str, list[str]], env: dict[str, str], repeat: int) -> list[Timing]:
    """Time the commands in turns (A B A B), so a load that comes and goes falls on all of them."""
    got = alternate({name: command(argv, env) for name, argv in commands.items()}, repeat, warmup=False)
    return [Timing(name, samples) for name, samples in got.items()]


def run(
    real: RealZabbix, ours: list[str] | None = None, problems: int = 50, hosts: int = 10, repeat: int = 7
) -> Outcome:
    zabbix_cli = peer("zabbix-cli", PEER_PACKAGE)
    version = subprocess.run([zabbix_cli, "--version"], capture_output=True, text=True, check=False)
    api = ZabbixAPI(real.url, timeout=30)
    api.login(api_token=real.token)
    group = unique("bench-alerts")
    hostids = seed(api, real, group, problems, hosts)
    notes: list[str] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            env = {
                **{k: v for k, v in os.environ.items() if not k.startswith(("OPSCONSOLE_", "ZABBIX_"))},
                "HOME": tmp,
                "OPSCONSOLE_STATE_DIR": tmp,
                "ZABBIX_URL": real.url,
                "ZABBIX_API_TOKEN": real.token,
            }
            peer_conf, ours_conf = Path(tmp) / "zabbix-cli.toml", Path(tmp) / "opsconsole.toml"
            peer_config(peer_conf)
            ours_config(ours_conf, real, group)
            shown = ours or OURS
            program = str(BIN / "opsconsole") if shown[0] == "opsconsole" else shown[0]
            commands = {
                f"`{shlex.join(shown)}`": [program, "-c", str(ours_conf), *shown[1:]],
                "`zabbix-cli show_alarms --hostgroup G --ack --format json`": [
                    zabbix_cli, "-c", str(peer_conf), "--format", "json",
                    "show_alarms", "--hostgroup", group, "--ack",
                ],
            }  # fmt: skip
            for name, argv in list(commands.items()):
                if (problem := check(name, argv, env, problems)) is not None:
                    notes.append(problem)
                    del commands[name]
            timings = interleaved(commands, env, repeat)
    finally:
        api.host.delete(*hostids)
    return Outcome(timings, notes, version.stdout.strip() or version.stderr.strip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--problems", type=int, default=50)
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--ours", help="our command, as one shell-quoted string", default=None)
    args = parser.parse_args(argv)
    real = real_zabbix()
    if real is None:
        print("no real Zabbix answers: start one with `sudo scripts/zabbix/up.sh`", file=sys.stderr)
        return 1
    outcome = run(real, shlex.split(args.ours) if args.ours else None, args.problems, args.hosts, args.repeat)
    print(f"peer: {outcome.peer_version}; {args.problems} problems on {args.hosts} hosts")
    for timing in outcome.timings:
        samples = [s.seconds for s in timing.samples]
        print(
            f"{timing.name}: median {statistics.median(samples) * 1000:.0f} ms "
            f"(min {min(samples) * 1000:.0f}, max {max(samples) * 1000:.0f}, {len(samples)} runs)"
        )
    for note in outcome.notes:
        print(f"note: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
