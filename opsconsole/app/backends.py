"""The Zabbix and Graylog clients of one console, built on first use from [zabbix] and [graylog]."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from opsconsole.config import Settings
from opsconsole.domain.errors import ConfigError, CredentialsError
from opsconsole.secrets import backend_token

if TYPE_CHECKING:
    from opsconsole.graylog.client import GraylogClient
    from opsconsole.zabbix.client import ZabbixClient


class Backends:
    """Holds one client per monitoring backend; thread-safe, since panes read from workers."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._zabbix: ZabbixClient | None = None
        self._graylog: GraylogClient | None = None

    def zabbix(self) -> ZabbixClient:
        """The Zabbix client, logged in on first use."""
        from opsconsole.zabbix.client import ZabbixClient

        with self._lock:
            if self._zabbix is None:
                self._zabbix = ZabbixClient.from_settings(self._settings.zabbix)
            return self._zabbix

    def graylog(self) -> GraylogClient:
        """The Graylog client: a token (sent as `<token>:token`), or with `username` the same secret
        as that user's password.

        Raises:
            ConfigError: [graylog] url is not set.
            CredentialsError: no token source is configured.
        """
        from opsconsole.graylog.client import GraylogClient

        with self._lock:
            if self._graylog is None:
                backend = self._settings.graylog
                if not backend.url:
                    raise ConfigError("[graylog] url is not set", hint='add url = "https://graylog…:9000"')
                secret = backend_token(backend, "graylog")
                if secret is None:
                    raise CredentialsError(
                        "graylog: no token source is configured",
                        hint="set [graylog] token_env (an environment variable) or token_command",
                    )
                self._graylog = GraylogClient(
                    backend.url,
                    token=None if backend.username else secret,
                    username=backend.username,
                    password=secret if backend.username else None,
                    verify_tls=backend.verify_tls,
                    ca_bundle=backend.ca_bundle,
                    timeout=backend.timeout,
                    connect_timeout=backend.connect_timeout,
                    deadline=backend.deadline,
                )
            return self._graylog

    def close(self) -> None:
        if self._zabbix is not None:
            self._zabbix.logout()
        if self._graylog is not None:
            self._graylog.close()
