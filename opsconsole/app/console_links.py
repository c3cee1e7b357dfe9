"""Web links of a selected resource: its AWS console page, the console's switch-role link for the
environment's read role, its Grafana dashboard and its Zabbix page, where each is known.

Nothing here is a secret, so every link may be shown and copied. A federation sign-in URL
(getSigninToken) is not made: the sign-in token inside it is a bearer credential for the console,
and showing or copying it would put a secret on screen or in the clipboard. The switch-role link
names the account and role instead; the operator signs in with their own identity and switches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from opsconsole.domain.environment import RoleTier
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
        role = env.roles.get(RoleTier.READ)
        role_name = role.split(":role/", 1)[-1] if role else None
        signed_as = f"account {env.account_id}, role {role_name or '?'}"
        if settings.demo:
            signed_as += " (demo: no real AWS console behind it)"
        if links.console_url:
            label = f"AWS console: {ref.kind.value} {ref.name}"
            found.append(WebLink(label, links.console_url, signed_as))
        if role_name:
            switch = _switch_role(env.account_id, role_name, ref.environment)
            found.append(WebLink(f"switch role in the console to {ref.environment}", switch, signed_as))
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


def _switch_role(account: str, role_name: str, env_name: str) -> str:
    query = urlencode(
        {"roleName": role_name, "account": account, "displayName": f"{env_name} read"}, quote_via=quote
    )
    return f"{SWITCH_ROLE}?{query}"
