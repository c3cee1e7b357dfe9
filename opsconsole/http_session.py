"""The HTTP session of the Zabbix and Graylog clients, and how each reaches its server."""

from __future__ import annotations

from typing import Any, TypedDict

import requests


class VerifyingSession(requests.Session):
    """A requests Session whose own `verify` (a configured ca_bundle, or verify_tls = false) is
    not overridden by REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE: requests lets those variables win over
    a session's setting (psf/requests#3829), so where a machine sets them, the configured CA was
    silently ignored and the user saw a TLS failure after following the hint. `verify = True`
    still takes the environment's bundle, as requests does."""

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        if self.verify is not True:
            kwargs.setdefault("verify", self.verify)
        return super().request(method, url, *args, **kwargs)


class Connection(TypedDict, total=False):
    """How a Zabbix or Graylog client reaches its server, declared once for both: an API `token`, or
    a `username` and `password`; TLS checked against the system's CAs, a `ca_bundle` (a PEM path), or
    not at all (`verify_tls` false); `connect_timeout` seconds to connect (3) and `timeout` seconds
    for each answer (the client's own default)."""

    token: str | None
    username: str | None
    password: str | None
    verify_tls: bool
    ca_bundle: str | None
    timeout: float
    connect_timeout: float


def connection_session(connection: Connection) -> VerifyingSession:
    """A session that verifies TLS as `connection` says."""
    session = VerifyingSession()
    session.verify = connection.get("ca_bundle") or connection.get("verify_tls", True)
    return session
