"""The HTTP session of the Zabbix and Graylog clients."""

from __future__ import annotations

from typing import Any

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
