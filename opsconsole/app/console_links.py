"""Web links of a selected resource: its AWS console page, the console's switch-role link for the
environment's read role, its Grafana dashboard and its Zabbix page, where each is known.

Nothing here is a secret, so every link may be shown and copied. The federation sign-in URL, whose
token is a bearer credential, is made only by `console_signin.py`, which hands it to the browser
alone; the switch-role link here is what an operator uses where no browser can be opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from opsconsole.domain.environment import Environment, RoleTier
from opsconsole.domain.problems import Problem
from opsconsole.domain.resources import ResourceRef
from opsconsole.links import Linker

if TYPE_CHECKING:
    from opsconsole.config import Settings

SWITCH_ROLE = "https://signin.aws.amazon.com/switchrole"


@dataclass(frozen=True)
class WebLink:
    label: str
    url: str
    note: str = ""


def web_links(settings: Settings, ref: ResourceRef | None, problem: Problem | None = None) -> list[WebLink]:
    """The links of `ref` (and of `problem`'s host in Zabbix), most useful first; [] when none."""
    found: list[WebLink] = []
    if ref is not None:
        env = settings.environment(ref.environment)
        links = Linker(settings.links).links(ref, env)
        role_name = _read_role_name(env)
        signed_as = f"account {env.account_id}, role {role_name or '?'}"
        if settings.demo:
            signed_as += " (demo: no real AWS console behind it)"
        if links.console_url:
            label = f"AWS console: {ref.kind.value} {ref.name}"
            found.append(WebLink(label, links.console_url, signed_as))
        if (switch := switch_role_link(env)) is not None:
            found.append(WebLink(switch.label, switch.url, signed_as))
        if links.grafana_url:
            found.append(WebLink(f"Grafana: {ref.kind.value} {ref.name}", links.grafana_url))
    if problem is not None:
        found += zabbix_links(settings, problem)
    return found


def zabbix_links(settings: Settings, problem: Problem) -> list[WebLink]:
    """The problem's event and its first host's problems in the Zabbix frontend ([zabbix] url)."""
    base = zabbix_frontend(settings.zabbix.url)
    if base is None:
        return []
    found = [
        WebLink(
            f"Zabbix: problem {problem.eventid}",
            f"{base}tr_events.php?{urlencode({'triggerid': problem.triggerid, 'eventid': problem.eventid})}",
        )
    ]
    for host in problem.hosts[:1]:
        query = urlencode({"action": "problem.view", "filter_set": "1", "hostids[]": host.hostid})
        found.append(WebLink(f"Zabbix: problems of host {host.name}", f"{base}zabbix.php?{query}"))
    return found


def zabbix_frontend(api_url: str | None) -> str | None:
    """The frontend's base URL from the API's ("http://zbx/api_jsonrpc.php" -> "http://zbx/")."""
    if not api_url:
        return None
    base = api_url.split("?", 1)[0]
    if base.endswith("api_jsonrpc.php"):
        base = base[: -len("api_jsonrpc.php")]
    return base if base.endswith("/") else base + "/"


def switch_role_link(env: Environment) -> WebLink | None:
    """The console's switch-role link to the environment's read role; None without one."""
    role_name = _read_role_name(env)
    if role_name is None:
        return None
    query = urlencode(
        {"roleName": role_name, "account": env.account_id, "displayName": f"{env.name} read"}, quote_via=quote
    )
    label = f"switch role in the console to {env.name}"
    return WebLink(label, f"{SWITCH_ROLE}?{query}", f"account {env.account_id}, role {role_name}")


def _read_role_name(env: Environment) -> str | None:
    role = env.roles.get(RoleTier.READ)
    return role.split(":role/", 1)[-1] if role else None
