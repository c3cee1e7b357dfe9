"""ZabbixClient: one authenticated connection to a Zabbix API over pyzabbix, with typed errors.

Version aware through pyzabbix (reference/zabbix-facts.md, "Authentication"): 6.0 takes `auth` in the
body, 6.4 and later the Bearer header; 6.2 renamed the host group selects. Never the pyzabbix context
manager: its `__exit__` swallows API errors (gotcha 8).
"""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING, Any, Unpack

from opsconsole.config import BackendSettings
from opsconsole.domain.errors import BackendError, BackendUnreachable, ConfigError, CredentialsError
from opsconsole.domain.tls import explain_tls_failure
from opsconsole.zabbix.errors import SessionTerminated, api_error

if TYPE_CHECKING:
    from opsconsole.http_session import Connection

DEFAULT_TIMEOUT = 15.0


class ZabbixClient:
    """Log in lazily with an API token or a user name and password; `call` one API method.

    An expired or logged-out session gets one new login and one retry; a token cannot, so a rejected
    token is a CredentialsError at once.
    """

    def __init__(self, url: str, **connection: Unpack[Connection]) -> None:
        from pyzabbix.api import ZabbixAPI

        from opsconsole.http_session import connection_session

        self._token = connection.get("token")
        self._username = connection.get("username")
        self._password = connection.get("password")
        if not self._token and not (self._username and self._password):
            raise ConfigError(
                "Zabbix needs an API token, or a user name and a password",
                key="zabbix",
                hint="set token_env (or token_command) in [zabbix]; with username set, it gives the password",
            )
        timeouts = (connection.get("connect_timeout", 3.0), connection.get("timeout", DEFAULT_TIMEOUT))
        self.url = url
        self._api = ZabbixAPI(url, session=connection_session(connection), timeout=timeouts)  # type: ignore[arg-type]
        self._lock = threading.RLock()
        self._logged_in = False

    @classmethod
    def from_settings(cls, settings: BackendSettings) -> ZabbixClient:
        """A client for the [zabbix] table: with `username`, the secret is that user's password.

        Raises:
            ConfigError: no url; CredentialsError: the secret's source is empty or failing.
        """
        from opsconsole.secrets import backend_token

        if not settings.url:
            raise ConfigError("no Zabbix server configured", key="zabbix", hint="set url in [zabbix]")
        secret = backend_token(settings, "zabbix")
        if secret is None:
            raise ConfigError(
                "no Zabbix credentials configured",
                key="zabbix",
                hint="set token_env or token_command in [zabbix]",
            )
        connection: Connection = {
            "verify_tls": settings.verify_tls,
            "ca_bundle": settings.ca_bundle,
            "timeout": settings.timeout,
            "connect_timeout": settings.connect_timeout,
        }
        if settings.username:
            connection["username"], connection["password"] = settings.username, secret
        else:
            connection["token"] = secret
        return cls(settings.url, **connection)

    @property
    def version(self) -> tuple[int, ...]:
        """The server's API version, e.g. (6, 0, 14)."""
        with self._lock:
            self._ensure_login()
            assert self._api.version is not None
            return tuple(self._api.version.release)

    @property
    def session_id(self) -> str | None:
        """The user session in use (None with an API token); tests end it to check the re-login."""
        return None if self._token else (self._api.auth or None)

    def host_group_select(self) -> tuple[str, str]:
        """The select parameter for host groups and the key it fills: renamed in 6.2."""
        return ("selectHostGroups", "hostgroups") if self.version >= (6, 2) else ("selectGroups", "groups")

    def call(self, method: str, params: dict[str, Any] | list[Any] | None = None) -> Any:
        """The `result` of one API call.

        Raises:
            BackendError: unreachable, TLS, HTTP or server failure, naming the URL.
            CredentialsError: token or login refused (after one re-login for an ended session).
            ZabbixNotFound, ZabbixPermissionDenied, ZabbixRefused: the API refused the request.
        """
        with self._lock:  # only the login: calls from several threads (environments) overlap
            self._ensure_login()
            auth = self._api.auth
        try:
            return self._request(method, params)
        except SessionTerminated:
            with self._lock:
                if self._api.auth == auth:  # no other thread has logged in again meanwhile
                    self._login()
        try:
            return self._request(method, params)
        except SessionTerminated as e:
            raise CredentialsError(
                f"Zabbix at {self.url} ended the new session at once ({e})",
                hint="check the Zabbix user's access",
            ) from None

    def logout(self) -> None:
        """End a user session (nothing to do with an API token). A login still waiting on a server
        that does not answer keeps the lock: the session then ends on the server's own timeout,
        rather than the console waiting for that login."""
        if not self._lock.acquire(timeout=0.5):
            return
        try:
            if self._logged_in and not self._token:
                with contextlib.suppress(SessionTerminated, BackendError):
                    self._request("user.logout", [])
            self._logged_in = False
        finally:
            self._lock.release()

    def _ensure_login(self) -> None:
        if not self._logged_in:
            self._login()

    def _login(self) -> None:
        self._logged_in = False
        try:
            self._guarded(
                lambda: self._api.login(self._username or "", self._password or "", api_token=self._token)
            )
        except SessionTerminated as e:  # the login itself refused: nothing left to retry with
            raise CredentialsError(
                f"Zabbix at {self.url} refused the {'API token' if self._token else 'login'} ({e})",
                hint="check the token or password in [zabbix] and that the user is enabled",
            ) from None
        self._logged_in = True

    def _request(self, method: str, params: dict[str, Any] | list[Any] | None) -> Any:
        return self._guarded(lambda: self._api.do_request(method, params)["result"], method)

    def _guarded(self, send: Any, method: str = "user.login") -> Any:
        """Run `send`, turning transport and API failures into the console's errors."""
        import requests
        from pyzabbix.api import ZabbixAPIException

        try:
            return send()
        except SessionTerminated:
            raise
        except requests.exceptions.SSLError as e:
            cause, fix = explain_tls_failure(str(e), "[zabbix] ca_bundle")
            raise BackendError(f"Zabbix at {self.url}: {cause}", hint=fix) from None
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as e:
            raise BackendUnreachable(
                f"Zabbix at {self.url} is unreachable ({type(e).__name__})",
                hint="check [zabbix] url and that the server is up",
            ) from None
        except requests.exceptions.HTTPError as e:
            status = e.response.status_code if e.response is not None else 0
            raise (BackendUnreachable if status >= 500 else BackendError)(
                f"Zabbix at {self.url} answered HTTP {status}",
                hint="the server (or a gateway before it) failed: retry, or check the server"
                if status >= 500
                else "check [zabbix] url: it should point at the frontend or its api_jsonrpc.php",
            ) from None
        except ZabbixAPIException as e:
            raise api_error(self.url, method, e.error, str(e), token=bool(self._token)) from None
