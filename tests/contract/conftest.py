"""The Zabbix contract suite's backends: the emulator (always) and a real Zabbix 6.0 (when one is
reachable, through tests/zabbix_real.py), and the objects a test sets up on either.

Both backends get the same tests; anything only one of them can show is not a contract test.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pyzabbix.api import ZabbixAPI
from zabbix_utils import Sender

from opsconsole.app.console import Console
from opsconsole.config import Settings, load_settings
from opsconsole.demo.zabbix.server import ZabbixEmulator
from opsconsole.domain.actions import ActionResult
from tests.zabbix_real import real_zabbix_or_skip

TOKEN_ENV = "CONTRACT_ZABBIX_TOKEN"
PASSWORD_ENV = "CONTRACT_ZABBIX_PASSWORD"
PROBLEM_TIMEOUT = 20.0


@dataclass
class ZabbixBackend:
    """One Zabbix to test against: its API, its trapper and an admin's credentials."""

    name: str
    url: str
    token: str
    username: str
    password: str
    trapper_host: str
    trapper_port: int
    reload: Callable[[], None] = field(default=lambda: None)  # the real server's config cache reload

    def admin(self) -> ZabbixAPI:
        api = ZabbixAPI(self.url)
        api.login(api_token=self.token)
        return api


@pytest.fixture(scope="session")
def emulator_backend() -> Iterator[ZabbixBackend]:
    with ZabbixEmulator() as emulator:
        yield ZabbixBackend(
            "emulator",
            emulator.url,
            emulator.add_token("contract"),
            "Admin",
            "zabbix",
            "127.0.0.1",
            emulator.trapper_port,
        )


@pytest.fixture(params=["emulator", "real"])
def zabbix_backend(request: pytest.FixtureRequest) -> ZabbixBackend:
    if request.param == "emulator":
        backend: ZabbixBackend = request.getfixturevalue("emulator_backend")
        return backend
    return real_backend()


def real_backend() -> ZabbixBackend:
    """The real Zabbix of $ZABBIX_TEST_ENV_FILE (scripts/zabbix/up.sh), or a skip."""
    real = real_zabbix_or_skip()
    return ZabbixBackend(
        "real",
        real.api_url,
        real.token,
        real.user,
        real.password,
        real.trapper_host,
        int(real.trapper_port),
        real.reload_config_cache,
    )


@dataclass
class Scenario:
    """A host group, a host with tags and a trapper item, and triggers on it, all uniquely named."""

    backend: ZabbixBackend
    api: ZabbixAPI
    group: str
    host: str
    hostid: str
    key: str = "probe.value"
    triggers: dict[str, str] = field(default_factory=dict)  # name -> triggerid

    def trigger(
        self,
        name: str,
        threshold: int,
        *,
        priority: int,
        manual_close: bool,
        tags: dict[str, str] | list[tuple[str, str]],
    ) -> str:
        pairs = list(tags.items()) if isinstance(tags, dict) else tags  # a list may repeat a tag name
        triggerid = str(
            self.api.trigger.create(
                description=f"{name} on {{HOST.NAME}}",
                expression=f"last(/{self.host}/{self.key})>{threshold}",
                priority=priority,
                manual_close=int(manual_close),
                tags=[{"tag": k, "value": v} for k, v in pairs],
            )["triggerids"][0]
        )
        self.triggers[name] = triggerid
        return triggerid

    def send(self, value: int) -> None:
        """Push a value through the trapper, retrying until the server knows the item."""
        self.backend.reload()
        sender = Sender(server=self.backend.trapper_host, port=self.backend.trapper_port)
        deadline = time.monotonic() + PROBLEM_TIMEOUT
        while sender.send_value(self.host, self.key, value).processed != 1:
            assert time.monotonic() < deadline, f"the trapper never accepted {self.host}:{self.key}"
            time.sleep(0.3)

    def wait_for(self, check: Callable[[], bool], what: str, timeout: float = PROBLEM_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            time.sleep(0.3 if timeout <= PROBLEM_TIMEOUT else 2)

    def open_problems(self) -> list[dict[str, Any]]:
        return list(self.api.problem.get(hostids=[self.hostid], output=["eventid", "objectid", "name"]))

    def raise_all(self, value: int) -> dict[str, str]:
        """Send `value` and wait until every trigger over it has a problem; {trigger name: eventid}."""
        self.send(value)
        wanted = set(self.triggers.values())
        sent = [time.monotonic()]

        def raised() -> bool:
            if wanted <= {p["objectid"] for p in self.open_problems()}:
                return True
            if time.monotonic() - sent[0] > 3:  # a real server may not have loaded a new trigger yet
                self.send(value)
                sent[0] = time.monotonic()
            return False

        self.wait_for(raised, "the problems")
        by_trigger = {p["objectid"]: p["eventid"] for p in self.open_problems()}
        return {name: by_trigger[tid] for name, tid in self.triggers.items()}


@pytest.fixture
def scenario(zabbix_backend: ZabbixBackend) -> Scenario:
    api = zabbix_backend.admin()
    suffix = uuid.uuid4().hex[:8]
    group = f"contract-{suffix}"
    groupid = api.hostgroup.create(name=group)["groupids"][0]
    host = f"contract-host-{suffix}"
    hostid = str(
        api.host.create(
            host=host,
            name=f"Contract Host {suffix}",
            groups=[{"groupid": groupid}],
            tags=[{"tag": "env", "value": "ops"}, {"tag": "instance_id", "value": f"i-{suffix}"}],
        )["hostids"][0]
    )
    api.item.create(hostid=hostid, name="probe", key_="probe.value", type=2, value_type=3, trapper_hosts="")
    return Scenario(zabbix_backend, api, group, host, hostid)


def write_config(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    backend: ZabbixBackend,
    group: str,
    *,
    username: bool = False,
    extra: str = "",
) -> Path:
    """A console config with one environment, `ops`, watching `group` on the backend."""
    auth = (
        f'username = "{backend.username}"\ntoken_env = "{PASSWORD_ENV}"'
        if username
        else f'token_env = "{TOKEN_ENV}"'
    )
    path = tmp_path / "opsconsole.toml"
    path.write_text(
        f"""
[identity]
operator = "alice"

[audit]
journal = "{tmp_path / "audit.jsonl"}"

[zabbix]
url = "{backend.url}"
{auth}

[environments.ops]
account_id = "111111111111"
region = "eu-west-1"
zabbix = {{ host_groups = ["{group}"] }}
{extra}
[environments.ops.roles]
read = "arn:aws:iam::111111111111:role/OpsConsoleReadOnly"
operate = "arn:aws:iam::111111111111:role/OpsConsoleOperator"
""",
        encoding="utf-8",
    )
    monkeypatch.setenv(TOKEN_ENV, backend.token)
    monkeypatch.setenv(PASSWORD_ENV, backend.password)
    return path


def console_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: ZabbixBackend, group: str, **kwargs: Any
) -> Console:
    settings: Settings = load_settings(write_config(tmp_path, monkeypatch, backend, group, **kwargs))
    return Console.build(settings)


def problem_action(
    console: Console,
    env: str,
    eventids: list[str],
    *,
    dry_run: bool = False,
    reason: str | None = None,
    **options: Any,
) -> ActionResult:
    """Plan a problem update and send it, as every front-end does (audited intent, then outcome)."""
    planned = console.alerts.plan_problem_action(env, eventids, **options)
    return console.changes.execute(planned, reason=reason, dry_run=dry_run)


def create_maintenance(
    console: Console, env: str, name: str, *, reason: str | None = None, **options: Any
) -> ActionResult:
    planned = console.alerts.plan_maintenance(env, name, **options)
    return console.changes.execute(planned, reason=reason)


def delete_maintenance(console: Console, env: str, maintenanceid: str) -> ActionResult:
    planned = console.alerts.plan_end_maintenance(env, maintenanceid)
    return console.changes.execute(planned, reason=None)
