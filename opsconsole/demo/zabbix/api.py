"""JSON-RPC methods of the Zabbix 6.0 API, as the real one answers them: string ids, integer event
ids from event.acknowledge, `auth` in the body only, and the error codes and texts of
reference/zabbix-facts.md (cited per rule as "facts"). The methods live by object in
configuration.py, events_api.py and maintenance_api.py; the shared request helpers in rpc.py.
"""

from __future__ import annotations

import secrets
from typing import Any

from opsconsole.demo.zabbix.configuration import ConfigurationMethods
from opsconsole.demo.zabbix.events_api import EventMethods
from opsconsole.demo.zabbix.maintenance_api import MaintenanceMethods
from opsconsole.demo.zabbix.rpc import (
    APPLICATION_ERROR,
    INVALID_PARAMS,
    NO_SUCH_OBJECT,
    ApiError,
    _ids,
    _object,
    _objects,
    application,
    invalid,
)
from opsconsole.demo.zabbix.store import Store, User

__all__ = [
    "APPLICATION_ERROR",
    "INVALID_PARAMS",
    "VERSION",
    "ApiError",
    "ZabbixApi",
    "application",
    "invalid",
]

VERSION = "6.0.14"
ANONYMOUS = {"apiinfo.version", "user.login", "user.checkAuthentication"}


class ZabbixApi(ConfigurationMethods, EventMethods, MaintenanceMethods):
    """Dispatches one request object to the method that answers it."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def handle(self, request: Any) -> dict[str, Any]:
        if not isinstance(request, dict) or request.get("jsonrpc") != "2.0" or "method" not in request:
            error = ApiError(-32600, "Invalid request.", "JSON-rpc version is not specified or is incorrect.")
            return {"jsonrpc": "2.0", "error": error.to_json(), "id": None}
        rid = request.get("id")
        try:
            result = self.call(str(request["method"]), request.get("params", {}), request.get("auth"))
        except ApiError as e:
            return {"jsonrpc": "2.0", "error": e.to_json(), "id": rid}
        except Exception as e:  # an emulator bug answers like a failing server, not with a dropped socket
            error = ApiError(-32603, "Internal error.", f"{type(e).__name__}: {e}")
            return {"jsonrpc": "2.0", "error": error.to_json(), "id": rid}
        return {"jsonrpc": "2.0", "result": result, "id": rid}

    def call(self, method: str, params: Any, auth: Any) -> Any:
        handler = getattr(self, "m_" + method.replace(".", "_"), None)
        if method == "user.logout":
            with self.store.lock:
                self._authenticate(auth)
                return self.logout(str(auth))
        if handler is None:
            raise invalid(f'Incorrect method "{method}".')
        with self.store.lock:
            if method == "apiinfo.version":
                if auth is not None:  # facts: "apiinfo.version with an auth field"
                    raise invalid('The "apiinfo.version" method must be called without the "auth" parameter.')
                return handler(params, None)
            user = None if method in ANONYMOUS else self._authenticate(auth)
            return handler(params, user)

    def _authenticate(self, auth: Any) -> User:
        """The body's `auth` only: 6.0 ignores the Bearer header (facts, "Authentication")."""
        if not auth:
            raise invalid("Not authorized.")
        token = str(auth)
        if len(token) == 64:
            user = self.store.user_of_token(token)
            if user is None:
                raise invalid("Not authorized.")
            return user
        userid = self.store.sessions.get(token)
        if userid is None:
            raise invalid("Session terminated, re-login, please.")
        return self.store.users[userid]

    # -- api info, users, tokens ---------------------------------------------------------------

    def m_apiinfo_version(self, params: Any, user: User | None) -> str:
        return VERSION

    def m_user_login(self, params: Any, user: User | None) -> str:
        p = _object(params)
        if "user" in p and "username" in p:
            raise invalid('Parameter "user" is deprecated.')
        name = str(p.get("username", p.get("user", "")))
        found = next((u for u in self.store.users.values() if u.username == name), None)
        if found is None or not secrets.compare_digest(found.password, str(p.get("password", ""))):
            raise application("Incorrect user name or password or account is temporarily blocked.")
        session = secrets.token_hex(16)
        self.store.sessions[session] = found.userid
        return session

    def m_user_checkAuthentication(self, params: Any, user: User | None) -> dict[str, Any]:
        p = _object(params)
        if "token" in p:
            found = self.store.user_of_token(str(p["token"]))
            if found is None:
                raise invalid("Not authorized.")
        else:
            userid = self.store.sessions.get(str(p.get("sessionid", "")))
            if userid is None:
                raise invalid("Session terminated, re-login, please.")
            found = self.store.users[userid]
        return {"userid": found.userid, "username": found.username, "name": found.name}

    def logout(self, auth: str) -> bool:
        """user.logout ends a session; with an API token 6.0 fails on its sessions table (facts)."""
        if auth not in self.store.sessions:
            raise application(
                'Incorrect field "sessionid" name or value in where statement for table "sessions".'
            )
        del self.store.sessions[auth]
        return True

    def m_token_create(self, params: Any, user: User | None) -> dict[str, list[str]]:
        ids = []
        for p in _objects(params):
            if not p.get("name"):
                raise invalid('Invalid parameter "/1/name": cannot be empty.')
            tokenid, _secret = self.store.add_token(
                str(p.get("userid", user.userid if user else "1")), p["name"]
            )
            self.store.tokens[tokenid]["secret"] = ""  # generated on token.generate, as in 6.0
            ids.append(tokenid)
        return {"tokenids": ids}

    def m_token_generate(self, params: Any, user: User | None) -> list[dict[str, str]]:
        result = []
        for tokenid in _ids(params):
            row = self.store.tokens.get(tokenid)
            if row is None:
                raise application(NO_SUCH_OBJECT)
            row["secret"] = secrets.token_hex(32)
            result.append({"tokenid": tokenid, "token": row["secret"]})
        return result
