"""The API half of scripts/zabbix/up.sh: disable the stock host, keep one API token for Admin and
write $ZBX_HOME/zabbix.env. Standard library only: it runs on the system Python, before any venv.

A rerun costs one API call when the saved token still works; the token is never printed.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import urllib.request
from pathlib import Path
from typing import Any

TOKEN_NAME = "opsconsole-tests"
# The stock "Zabbix server" host has an agent interface; with no agent it raises "Zabbix agent is
# not available" after 3 minutes and pollutes every problem count.
STOCK_HOST = "10084"
USER, PASSWORD = "Admin", "zabbix"


class ApiError(Exception):
    pass


def call(url: str, method: str, params: Any, auth: str | None = None) -> Any:
    body: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params, "id": 1}
    if auth:
        body["auth"] = auth  # 6.0 ignores the Authorization header: the auth goes in the body
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json-rpc"})
    with urllib.request.urlopen(request, timeout=30) as response:
        reply = json.load(response)
    if "error" in reply:
        error = reply["error"]
        raise ApiError(f"{method}: {error.get('message')} {error.get('data')}".strip())
    return reply["result"]


def disable_stock_host(url: str, auth: str) -> None:
    hosts = call(url, "host.get", {"hostids": [STOCK_HOST], "output": ["status"]}, auth)
    if hosts and hosts[0]["status"] != "1":
        call(url, "host.update", {"hostid": STOCK_HOST, "status": 1}, auth)


def new_token(url: str) -> str:
    session = call(url, "user.login", {"username": USER, "password": PASSWORD})
    try:
        disable_stock_host(url, session)
        userid = call(url, "user.get", {"filter": {"username": USER}, "output": ["userid"]}, session)[0][
            "userid"
        ]
        old = call(url, "token.get", {"filter": {"name": TOKEN_NAME}, "output": ["tokenid"]}, session)
        if old:
            call(url, "token.delete", [entry["tokenid"] for entry in old], session)
        tokenid = call(url, "token.create", {"name": TOKEN_NAME, "userid": userid}, session)["tokenids"][0]
        token: str = call(url, "token.generate", [tokenid], session)[0]["token"]
        return token
    finally:
        call(url, "user.logout", [], session)


def private_write(path: Path, text: str) -> None:
    """Write a file only root can read, without a moment where it is readable by others."""
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


def env_text(values: dict[str, str]) -> str:
    """`export NAME=value` lines a shell can source, quoted whatever the values hold."""
    return "".join(f"export {name}={shlex.quote(value)}\n" for name, value in values.items())


def main() -> int:
    url = os.environ["ZBX_API_URL"]
    home = Path(os.environ["ZBX_HOME"])
    token_file = home / "api-token"
    token = token_file.read_text(encoding="utf-8").strip() if token_file.exists() else ""
    try:
        if token:
            try:
                disable_stock_host(url, token)
            except ApiError:
                token = ""  # revoked, or the DB was recreated: make a new one
        if not token:
            token = new_token(url)
            private_write(token_file, token + "\n")
    except (ApiError, OSError) as error:
        print(f"zabbix: FAILED: {error}", file=sys.stderr)
        return 1
    values = {
        "ZABBIX_URL": url.removesuffix("/api_jsonrpc.php"),
        "ZABBIX_API_URL": url,
        "ZABBIX_USER": USER,
        "ZABBIX_PASSWORD": PASSWORD,
        "ZABBIX_API_TOKEN": token,
        "ZABBIX_TRAPPER_HOST": "127.0.0.1",
        "ZABBIX_TRAPPER_PORT": os.environ["ZBX_TRAPPER_PORT"],
        "ZABBIX_SERVER_CONF": os.environ["ZBX_SERVER_CONF"],
        "ZBX_HOME": str(home),
    }
    env_file = home / "zabbix.env"
    text = env_text(values)
    if not env_file.exists() or env_file.read_text(encoding="utf-8") != text:
        private_write(env_file, text)
    env_file.chmod(0o600)
    return 0


if __name__ == "__main__":
    sys.exit(main())
