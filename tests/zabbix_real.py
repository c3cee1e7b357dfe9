"""The real Zabbix 6.0 that scripts/zabbix/up.sh stands up, as the contract tests see it.

up.sh writes an env file (ZABBIX_API_URL, ZABBIX_API_TOKEN, ...); $ZABBIX_TEST_ENV_FILE names
it. Without one the real half of the contract suite is skipped with a message saying how to enable
it, unless ZABBIX_TEST_REQUIRED=1 (CI), where a missing server fails instead.
"""

from __future__ import annotations

import functools
import json
import os
import shlex
import shutil
import subprocess
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from zabbix_utils import Sender

ENV_FILE_VARIABLE = "ZABBIX_TEST_ENV_FILE"
REQUIRE_VARIABLE = "ZABBIX_TEST_REQUIRED"
DEFAULT_ENV_FILE = Path("/tmp/zbx/zabbix.env")
HOW_TO_ENABLE = (
    "to run it, start a real Zabbix 6.0 as root on Debian 12 with `scripts/zabbix/up.sh` "
    f"and `export {ENV_FILE_VARIABLE}=/tmp/zbx/zabbix.env` (stop it with `scripts/zabbix/down.sh`)"
)

# Read once, when the test modules are imported: tests/conftest.py gives each test a cleaned
# environment afterwards.
_ENV_FILE_SETTING = os.environ.get(ENV_FILE_VARIABLE, "")
_REQUIRED = os.environ.get(REQUIRE_VARIABLE, "") == "1"


@dataclass(frozen=True)
class RealZabbix:
    api_url: str
    url: str
    user: str
    password: str = field(repr=False)
    token: str = field(repr=False)
    trapper_host: str
    trapper_port: int
    server_conf: str

    @classmethod
    def from_env_file(cls, path: Path) -> RealZabbix:
        values = read_env_file(path)
        try:
            return cls(
                api_url=values["ZABBIX_API_URL"],
                url=values["ZABBIX_URL"],
                user=values["ZABBIX_USER"],
                password=values["ZABBIX_PASSWORD"],
                token=values["ZABBIX_API_TOKEN"],
                trapper_host=values["ZABBIX_TRAPPER_HOST"],
                trapper_port=int(values["ZABBIX_TRAPPER_PORT"]),
                server_conf=values["ZABBIX_SERVER_CONF"],
            )
        except KeyError as missing:
            raise ValueError(f"{path} has no {missing.args[0]}; rerun scripts/zabbix/up.sh") from None

    def reload_config_cache(self) -> None:
        """Make new hosts and items visible to the trapper now instead of at the next sync."""
        server = shutil.which("zabbix_server") or "/usr/sbin/zabbix_server"
        done = subprocess.run(
            [server, "-c", self.server_conf, "-R", "config_cache_reload"],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"config_cache_reload failed: {(done.stdout + done.stderr).strip()}")

    def send(self, host: str, key: str, value: str) -> bool:
        """Push one value through the trapper protocol; True when the server accepted it."""
        response = Sender(server=self.trapper_host, port=self.trapper_port).send_value(host, key, value)
        return bool(response.processed == 1 and response.failed == 0)

    def api_version(self) -> str:
        body = json.dumps({"jsonrpc": "2.0", "method": "apiinfo.version", "params": {}, "id": 1})
        request = urllib.request.Request(
            self.api_url, body.encode(), {"Content-Type": "application/json-rpc"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            reply = json.load(response)
        if "result" not in reply:
            raise RuntimeError(f"apiinfo.version answered {reply.get('error')}")
        return str(reply["result"])


def read_env_file(path: Path) -> dict[str, str]:
    """The `export NAME='value'` lines up.sh writes, as a dict."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        words = shlex.split(line, comments=True)
        if len(words) == 2 and words[0] == "export" and "=" in words[1]:
            name, value = words[1].split("=", 1)
            values[name] = value
    return values


def env_file() -> Path | None:
    if _ENV_FILE_SETTING:
        return Path(_ENV_FILE_SETTING)
    return DEFAULT_ENV_FILE if DEFAULT_ENV_FILE.exists() else None


@functools.cache
def _probe() -> RealZabbix | str:
    """The server, or why there is none; checked once per test session."""
    path = env_file()
    if path is None:
        return f"{ENV_FILE_VARIABLE} is not set and {DEFAULT_ENV_FILE} does not exist"
    try:
        server = RealZabbix.from_env_file(path)
        version = server.api_version()
    except (OSError, ValueError, RuntimeError) as error:
        return f"no real Zabbix answers as {path} says ({error})"
    if not version.startswith("6.0."):
        return f"the Zabbix at {server.api_url} is {version}, not 6.0"
    return server


def real_zabbix_or_skip() -> RealZabbix:
    """The real server; a skip saying how to enable it when there is none, a failure under CI."""
    found = _probe()
    if isinstance(found, RealZabbix):
        return found
    if _REQUIRED:
        pytest.fail(f"{REQUIRE_VARIABLE}=1 but {found}; {HOW_TO_ENABLE}", pytrace=False)
    pytest.skip(f"real Zabbix: {found}; {HOW_TO_ENABLE}")
