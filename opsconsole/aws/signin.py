"""AWS's federation endpoint: a console sign-in token from a role session's credentials.

The token, and the login URL that carries it, are bearer credentials for the AWS console: nothing
here logs, prints or puts them in an error message. The request's own URL carries the session's
secret key, so no error repeats a URL or the library's text (requests names the URL in its
ConnectionError); each failure is said in our words.
"""

from __future__ import annotations

import json
import os
from urllib.parse import urlencode

import requests

from opsconsole.domain.errors import BackendError, BackendUnreachable, CredentialsError
from opsconsole.domain.identity import TemporaryCredentials
from opsconsole.domain.tls import explain_tls_failure

FEDERATION_ENDPOINT = "https://signin.aws.amazon.com/federation"
ISSUER = "opsconsole"
REDACTED = "REDACTED"


def signin_token(endpoint: str, credentials: TemporaryCredentials, *, timeout: float) -> str:
    """The sign-in token for `credentials` (Action=getSigninToken). No SessionDuration is sent: a
    role session's console session then lasts as long as its credentials, and AWS refuses the
    parameter for chained roles.

    Raises:
        BackendUnreachable: the endpoint could not be reached or answered 5xx.
        CredentialsError: the endpoint refused the session (expired, or not a role session).
        BackendError: an answer with no token in it.
    """
    session = json.dumps(
        {
            "sessionId": credentials.access_key_id,
            "sessionKey": credentials.secret_access_key,
            "sessionToken": credentials.session_token,
        }
    )
    where = _host(endpoint)
    try:
        response = requests.get(
            endpoint,
            params={"Action": "getSigninToken", "Session": session},
            timeout=timeout,
            verify=_trusted_cas(),
        )
    except requests.exceptions.SSLError as e:
        cause, fix = explain_tls_failure(str(e), "AWS_CA_BUNDLE")
        raise BackendUnreachable(f"the AWS sign-in endpoint {where}: {cause}", hint=fix) from None
    except requests.Timeout:
        raise BackendUnreachable(f"the AWS sign-in endpoint {where} did not answer in {timeout:g}s") from None
    except requests.RequestException as e:
        raise BackendUnreachable(
            f"the AWS sign-in endpoint {where} cannot be reached ({type(e).__name__})",
            hint="check the network, or [aws] signin_url in the config",
        ) from None
    if response.status_code >= 500:
        raise BackendUnreachable(f"the AWS sign-in endpoint {where} answered {response.status_code}")
    if response.status_code != 200:
        raise CredentialsError(
            f"the AWS sign-in endpoint {where} refused the role session ({response.status_code})",
            hint="the session may have expired (press r to renew, or sign in again)",
        )
    try:
        token = response.json()["SigninToken"]
    except (ValueError, KeyError, TypeError):
        token = None
    if not isinstance(token, str) or not token:
        raise BackendError(f"the AWS sign-in endpoint {where} answered without a sign-in token")
    return token


def login_url(endpoint: str, token: str, destination: str) -> str:
    """The URL that signs the browser in and lands on `destination` (Action=login)."""
    query = urlencode({"Action": "login", "Issuer": ISSUER, "Destination": destination, "SigninToken": token})
    return f"{endpoint}?{query}"


def redacted_login_url(endpoint: str, destination: str) -> str:
    """The login URL as it may be shown: the token's place says REDACTED."""
    return login_url(endpoint, REDACTED, destination)


def _trusted_cas() -> str | bool:
    """The CA bundle AWS calls trust: AWS_CA_BUNDLE, as botocore reads it, so that a machine behind
    a TLS-inspecting proxy signs in where its API calls already work; else the system's CAs."""
    return os.environ.get("AWS_CA_BUNDLE") or True


def _host(endpoint: str) -> str:
    return endpoint.split("://", 1)[-1].split("/", 1)[0]
