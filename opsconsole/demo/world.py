"""The demo world: moto in its own process, bootstrapped accounts, and a config that uses them."""

from __future__ import annotations

import getpass
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from opsconsole import paths
from opsconsole.demo.accounts import DEMO_PROFILE, ENVIRONMENTS, IDENTITY_REGION
from opsconsole.demo.bootstrap import Bootstrapped, bootstrap
from opsconsole.demo.graylog.emulator import DEMO_TOKEN, GraylogEmulator
from opsconsole.demo.graylog.streams import env_streams
from opsconsole.demo.server import MotoServer, free_port
from opsconsole.demo.simulator import ZABBIX_TOKEN_ENV
from opsconsole.demo.team import TeamPeer, bootstrap_team, team_section, write_team_files
from opsconsole.demo.zabbix.server import ZabbixEmulator
from opsconsole.domain.environment import RoleTier
from opsconsole.paths import write_private

START_STEPS = 3
"""Steps of `DemoWorld.finish` before the estate's deploy (the TUI's DEMO badge counts them)."""


@dataclass(frozen=True)
class Listening:
    """Where an emulator listens: its API's URL and the port its senders write to (the Zabbix
    trapper's TCP port, the Graylog GELF input's UDP port)."""

    url: str
    port: int


@dataclass(frozen=True)
class DemoReady:
    endpoint: str
    config_path: Path
    seconds_to_ready: float
    accounts: Bootstrapped
    graylog: Listening
    zabbix: Listening | None = None
    """None when the world runs no Zabbix emulator."""


@dataclass(frozen=True)
class Seeded:
    """What a moto server already holds when a world opens on it: the accounts and the team (and the
    estate, when the world deploys one), e.g. a copy of a world bootstrapped and deployed before."""

    accounts: Bootstrapped
    peer: TeamPeer


def default_operator() -> str:
    try:
        name = getpass.getuser()
    except Exception:
        name = "operator"
    return re.sub(r"[^\w+=,.@-]", "-", name)[:32] or "operator"


class DemoWorld:
    """Start with `start()` (or `with DemoWorld() as ready:`); `stop()` removes the process and files."""

    def __init__(
        self,
        root: Path | None = None,
        operator: str | None = None,
        *,
        enforce_iam: bool = True,
        deploy_stacks: bool = True,
        server: MotoServer | None = None,
        seeded: Seeded | None = None,
    ) -> None:
        self.enforce_iam = enforce_iam
        self.deploy_stacks = deploy_stacks
        self.root = root or paths.state_dir() / "demo" / str(os.getpid())
        self.operator = operator or default_operator()
        self.server = server or MotoServer(self.root / "moto.log")
        self.seeded = seeded
        self.zabbix: ZabbixEmulator | None = None
        self._zabbix_token = ""
        # Graylog (GELF inputs + REST) in this process, with one stream per environment; a message
        # is searchable a second after it arrives, as on a real server.
        self.graylog = GraylogEmulator(env_streams([a.name for a in ENVIRONMENTS]), index_delay=1.0)
        self.simulation: subprocess.Popen[bytes] | None = None
        self.ready: DemoReady | None = None
        self.peer: TeamPeer | None = None
        self.peer_config: Path | None = None
        self._started = time.monotonic()
        self._moto_port = 0

    def start(self) -> DemoReady:
        """Everything at once: `prepare()` then `finish()`."""
        self.prepare()
        return self.finish()

    def prepare(self) -> Path:
        """What starts in milliseconds (the Zabbix and Graylog emulators) and the config, naming
        the port moto will listen on: a console can open on it while `finish()` runs."""
        self._started = time.monotonic()
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            self._start_zabbix()
            self.graylog.start()
            self._moto_port = free_port()
            return self._write_config(f"http://127.0.0.1:{self._moto_port}")
        except BaseException:
            self.stop()
            raise

    def finish(self, progress: Callable[[str], None] = lambda _step: None) -> DemoReady:
        """moto, the accounts, roles and team table, IAM enforcement, the operator's keys; then the
        estate if `deploy_stacks`. `progress` hears each step ("moto server 1/3", ...)."""
        try:
            progress(f"moto server 1/{START_STEPS}")
            endpoint = self.server.start(port=self._moto_port)
            seeded = self.seeded or self._seed(progress)
            accounts, self.peer = seeded.accounts, seeded.peer
            config_path = self._write_credentials(accounts)
            self.peer_config = write_team_files(self.root, config_path, self.peer)
            if self.deploy_stacks and self.seeded:
                EstateStatus(config_path.parent / ESTATE_STATUS, []).write("deployed")
            elif self.deploy_stacks:
                deploy_estate(config_path)
        except BaseException:
            self.stop()
            raise
        self.ready = DemoReady(
            endpoint,
            config_path,
            time.monotonic() - self._started,
            accounts,
            Listening(self.graylog.api_url, self.graylog.udp_port),
            Listening(self.zabbix.url, self.zabbix.trapper_port) if self.zabbix else None,
        )
        return self.ready

    def _seed(self, progress: Callable[[str], None]) -> Seeded:
        progress(f"accounts and roles 2/{START_STEPS}")
        accounts = bootstrap(self.server.endpoint, self.operator)
        progress(f"team table 3/{START_STEPS}")
        peer = bootstrap_team(self.server.endpoint, self.operator)  # a second operator and the team table
        if self.enforce_iam:
            # From here on every request is checked: the read role is really read-only.
            self.server.reset_auth(0)
        return Seeded(accounts, peer)

    def _start_zabbix(self) -> None:
        """The Zabbix emulator, in this process (it starts in milliseconds), with a host group per
        environment and an API token kept in a private file that the config's token_command reads."""
        self.zabbix = ZabbixEmulator().start()
        self._zabbix_token = self.zabbix.add_token("opsconsole-demo")
        write_private(self.root / "zabbix-token", self._zabbix_token + "\n")
        api = self.zabbix.api
        for account in ENVIRONMENTS:
            api.call("hostgroup.create", {"name": account.name}, self._zabbix_token)

    def start_simulation(self, seed: int = 0, interval: float = 2.0) -> None:
        """Start the simulator in its own process; it stops with this world."""
        assert self.ready is not None, "start() first"
        accounts = self.root / "simulation-accounts.json"
        from dataclasses import asdict

        from opsconsole.demo.sim_accounts import accounts_of

        write_private(accounts, json.dumps([asdict(a) for a in accounts_of(self.ready.accounts.admin_keys)]))
        log = (self.root / "simulation.log").open("wb")
        self.simulation = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "opsconsole.demo.simulator_process",
                "--endpoint",
                self.ready.endpoint,
                "--accounts",
                str(accounts),
                "--seed",
                str(seed),
                "--interval",
                str(interval),
                *self._zabbix_arguments(),
                "--gelf",
                f"udp://127.0.0.1:{self.graylog.udp_port}",
            ],
            env={**os.environ, ZABBIX_TOKEN_ENV: self._zabbix_token},
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def _zabbix_arguments(self) -> list[str]:
        if self.zabbix is None:
            return []
        return ["--zabbix-url", self.zabbix.url, "--zabbix-trapper-port", str(self.zabbix.trapper_port)]

    def stop(self) -> None:
        simulation, self.simulation = self.simulation, None
        if simulation is not None:
            if simulation.stdin:
                simulation.stdin.close()
            try:
                simulation.wait(5)
            except subprocess.TimeoutExpired:
                simulation.kill()
                simulation.wait()
        self.server.stop()
        zabbix, self.zabbix = self.zabbix, None
        if zabbix is not None:
            zabbix.stop()
        self.graylog.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> DemoReady:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _write_config(self, endpoint: str) -> Path:
        write_private(self.root / "aws-config", f"[profile {DEMO_PROFILE}]\nregion = {IDENTITY_REGION}\n")
        # The emulator's token is a public constant, but it is kept like a real one: in a 0600 file
        # the config's token_command reads, so any terminal with OPSCONSOLE_CONFIG can use it.
        write_private(self.root / "graylog-token", DEMO_TOKEN + "\n")
        config_path = self.root / "opsconsole.toml"
        write_private(
            config_path,
            render_config(
                endpoint,
                self.root,
                self.operator,
                self.zabbix.url if self.zabbix else None,
                graylog_url=self.graylog.api_url,
                gelf_port=self.graylog.udp_port,
            )
            + team_section(),
        )
        return config_path

    def _write_credentials(self, accounts: Bootstrapped) -> Path:
        # Keys of the moto world only: they open nothing outside this process's server.
        write_private(
            self.root / "aws-credentials",
            f"[{DEMO_PROFILE}]\n"
            f"aws_access_key_id = {accounts.operator_key.access_key_id}\n"
            f"aws_secret_access_key = {accounts.operator_key.secret_access_key}\n",
        )
        return self.root / "opsconsole.toml"


def deploy_estate_in_background(
    config_path: Path, on_done: Callable[[float, str | None], None]
) -> threading.Thread:
    """Deploy the estate on a thread; `on_done(seconds, error)` reports how it went."""

    def run() -> None:
        started = time.monotonic()
        try:
            deploy_estate(config_path)
        except Exception as e:  # reported, never raised into a thread that nobody joins
            on_done(time.monotonic() - started, str(e))
            return
        on_done(time.monotonic() - started, None)

    thread = threading.Thread(target=run, name="demo-estate-deploy", daemon=True)
    thread.start()
    return thread


def deploy_estate(config_path: Path) -> None:
    """Deploy stacks/ into every environment through the console's own engine, accounts in
    parallel; the shipped templates are linted in CI, so the demo skips cfn-lint to start fast."""
    from concurrent.futures import ThreadPoolExecutor

    from opsconsole.app.console import Console
    from opsconsole.config import load_settings
    from opsconsole.domain.errors import BackendError

    console = Console.build(load_settings(config_path, environ={}))
    status = EstateStatus(config_path.parent / ESTATE_STATUS, [a.name for a in ENVIRONMENTS])

    def deploy(env: str) -> list[str]:
        with console.stacks.plan(env, reason="demo world start", lint=False) as review:
            outcomes = review.execute()
        status.deployed(env)
        return [f"{o.stack_name}: {o.message}" for o in outcomes if not o.succeeded]

    try:
        with ThreadPoolExecutor(len(ENVIRONMENTS)) as pool:
            failures = [f for result in pool.map(deploy, [a.name for a in ENVIRONMENTS]) for f in result]
    finally:
        console.close()
    if failures:
        status.write(f"failed: {'; '.join(failures)[:200]}")
        raise BackendError("the demo world's stacks did not deploy: " + "; ".join(failures))
    status.write("deployed")


ESTATE_STATUS = "estate.status"
"""One line beside the demo's config saying how far the estate's deploy is (the TUI shows it)."""


class EstateStatus:
    """`deploying 1/3 (dev)`, then `deployed` or `failed: …`, replaced atomically as it goes."""

    def __init__(self, path: Path, envs: list[str]) -> None:
        self.path = path
        self.envs = envs
        self.done: list[str] = []
        self._lock = threading.Lock()
        self.write(f"deploying 0/{len(envs)}")

    def deployed(self, env: str) -> None:
        with self._lock:
            self.done.append(env)
            self.write(f"deploying {len(self.done)}/{len(self.envs)} ({', '.join(self.done)} done)")

    def write(self, line: str) -> None:
        temp = self.path.with_suffix(".tmp")
        temp.write_text(line + "\n", encoding="utf-8")
        temp.replace(self.path)


def render_config(
    endpoint: str,
    root: Path,
    operator: str,
    zabbix_url: str | None = None,
    *,
    graylog_url: str | None = None,
    gelf_port: int | None = None,
) -> str:
    lines = [
        "# opsconsole configuration for the demo world (moto on loopback); written by `opsconsole demo`.",
        "demo = true",
        'default_environment = "dev"',
        "",
        "[aws]",
        f'endpoint_url = "{endpoint}"',
        "",
        "[identity]",
        f'profile = "{DEMO_PROFILE}"',
        f'region = "{IDENTITY_REGION}"',
        f'operator = "{operator}"',
        f'aws_config_file = "{root / "aws-config"}"',
        f'aws_credentials_file = "{root / "aws-credentials"}"',
        "",
        "[audit]",
        f'journal = "{root / "audit.jsonl"}"',
    ]
    if gelf_port:
        lines.append(f'gelf = "udp://127.0.0.1:{gelf_port}"')
    if zabbix_url:
        # The token stays in a 0600 file of the world; the command reads it for any terminal.
        command = shlex.join(["cat", str(root / "zabbix-token")])
        lines += ["", "[zabbix]", f'url = "{zabbix_url}"', f"token_command = {json.dumps(command)}"]
    if graylog_url:
        command = shlex.join(["cat", str(root / "graylog-token")])
        lines += ["", "[graylog]", f'url = "{graylog_url}"', f"token_command = {json.dumps(command)}"]
    for account in ENVIRONMENTS:
        lines += [
            "",
            f"[environments.{account.name}]",
            f'account_id = "{account.account_id}"',
            f'region = "{account.region}"',
        ]
        if account.replica_region:
            lines.append(f'replica_region = "{account.replica_region}"')
        lines += [
            f"protected = {'true' if account.protected else 'false'}",
            f'external_id = "{account.external_id}"',
            f'zabbix = {{ host_groups = ["{account.name}"] }}',
            f'graylog = {{ streams = ["{account.name}"] }}',
            f"[environments.{account.name}.roles]",
        ]
        lines += [f'{tier.value} = "{account.role_arn(tier)}"' for tier in RoleTier]
    return "\n".join(lines) + "\n"
