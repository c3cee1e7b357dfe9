"""How Zabbix API failures reach the user: one domain error per cause, each saying what to do.

Error texts are Zabbix 6.0's (reference/zabbix-facts.md, gotchas 7, 10 and 14).
"""

from __future__ import annotations

from typing import Any

from opsconsole.domain.errors import BackendError, ConfigError, CredentialsError, Denied, OpsError

SESSION_TERMINATED = "Session terminated, re-login, please."
NOT_AUTHORIZED = "Not authorized."
BAD_LOGIN = "Incorrect user name or password"
NO_SUCH_OBJECT = "No permissions to referred object or it does not exist!"


class ZabbixNotFound(OpsError):
    """An id the API does not know, or one the user may not see (Zabbix does not say which)."""


class UnknownHostGroups(ConfigError):
    """Host groups the server does not have (or the user may not see): a wrong name in the config,
    never "no problems". `known` holds the names the server does show."""

    def __init__(self, missing: list[str], known: list[str]) -> None:
        self.missing = missing
        self.known = known
        super().__init__(
            f"Zabbix has no host group {', '.join(map(repr, missing))}",
            hint=known_groups_hint(missing, known),
        )


def known_groups_hint(missing: list[str], known: list[str], shown: int = 15) -> str:
    """The groups the server has (the closest names first), so a typo is a one-look fix."""
    import difflib

    close = [k for m in missing for k in difflib.get_close_matches(m, known, n=3, cutoff=0.6)]
    ordered = list(dict.fromkeys([*close, *known]))
    listed = ", ".join(repr(k) for k in ordered[:shown])
    more = f" and {len(ordered) - shown} more" if len(ordered) > shown else ""
    guess = f"did you mean {close[0]!r}? " if close else ""
    return f"{guess}host groups this user can see: {listed or 'none'}{more}"


class ZabbixPermissionDenied(Denied):
    """The Zabbix user may not do this: Zabbix's own refusal."""


class ZabbixRefused(BackendError):
    """The API understood the request and refused it; the message is Zabbix's own."""


class SessionTerminated(Exception):
    """Internal: the session id is no longer valid, so the client may log in again once."""


def api_error(url: str, method: str, error: dict[str, Any] | None, text: str, *, token: bool) -> Exception:
    """The error for a JSON-RPC error object (`error` may be None for a non-JSON answer)."""
    if error is None:
        return BackendError(
            f"Zabbix at {url} gave an answer that is not the Zabbix API ({text})",
            hint="check [zabbix] url: it should point at the frontend or its api_jsonrpc.php",
        )
    data = str(error.get("data") or "")
    message = str(error.get("message") or "")
    if token and (SESSION_TERMINATED in data or NOT_AUTHORIZED in data):
        # 6.0 answers a wrong token either way; a token has no session to log in again with
        return CredentialsError(
            f"Zabbix at {url} did not accept the API token ({data})",
            hint="the token from [zabbix] token_env or token_command is wrong, expired or revoked, or "
            "its user is disabled: make a new one in Zabbix (User settings > API tokens)",
        )
    if SESSION_TERMINATED in data or NOT_AUTHORIZED in data:
        return SessionTerminated(data)
    if BAD_LOGIN in data:
        return CredentialsError(
            f"Zabbix at {url} refused the user name or password ({data})",
            hint="check [zabbix] username and the password source; 5 failed logins block it for a while",
        )
    if NO_SUCH_OBJECT in data:
        return ZabbixNotFound(
            f"Zabbix {method}: no such object, or no permission to it",
            hint="check the ids (e.g. `opsconsole alerts list`); the Zabbix user may lack access",
        )
    if "permission" in data.lower():
        return ZabbixPermissionDenied(f"Zabbix {method}: {data}", hint="ask for more rights in Zabbix")
    if error.get("code") == 1:  # the frontend's own failures: database down, config missing
        return BackendError(f"Zabbix at {url} is not working: {message}", hint="check the Zabbix frontend")
    return ZabbixRefused(f"Zabbix {method} failed: {message} {data}".rstrip())
