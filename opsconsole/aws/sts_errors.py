"""STS and credential-provider failures as one message each, with a hint chosen by the error itself.

The message names the environment once (callers do not prefix it again) and never carries an
HTML body: a 5xx page is reported by its status, not its markup.
"""

from __future__ import annotations

from typing import Any

from opsconsole.domain.errors import BackendError, ConfigError, CredentialsError, OpsError
from opsconsole.domain.tls import explain_tls_failure

_DENIED = {"AccessDenied", "AccessDeniedException", "403"}
_EXPIRED = {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"}
_BAD_KEYS = {
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "InvalidAccessKeyId",
    "UnrecognizedClientException",
}
_THROTTLED = {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded"}


def sts_errors() -> tuple[type[Exception], ...]:
    """What an STS call can raise that is not ours: API errors, transport, unreadable answers."""
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError

    return (ClientError, BotoCoreError, ResponseParserError)


def short_message(error: Exception) -> str:
    """The error's message without markup, on one line, at most 200 characters."""
    response: dict[str, Any] = getattr(error, "response", {}) or {}
    message = str(response.get("Error", {}).get("Message", "")) or str(error)
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if "<" in message and ">" in message and ("html" in message.lower() or "<!" in message):
        return f"HTTP {status or 'error'} (an HTML error page)"
    line = message.strip().splitlines()[0] if message.strip() else str(status or "no message")
    return line[:200]


def error_code(error: Exception) -> str:
    response: dict[str, Any] = getattr(error, "response", {}) or {}
    return str(response.get("Error", {}).get("Code", ""))


def _status(error: Exception) -> int:
    response: dict[str, Any] = getattr(error, "response", {}) or {}
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
    return int(status) if str(status).isdigit() else 0


def sts_failure(error: Exception, what: str, *, role_hint: str) -> OpsError:
    """`what` failed ("cannot assume the read role X in dev"); the hint follows the error code.

    `role_hint` is what to check when the role itself refused (trust policy, ExternalId, MFA).
    """
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        EndpointConnectionError,
        HTTPClientError,
        NoCredentialsError,
        ReadTimeoutError,
        SSLError,
    )

    if isinstance(error, ClientError):
        code = error_code(error)
        message = f"{what}: {short_message(error)}"
        if code in _DENIED:
            return CredentialsError(message, hint=role_hint)
        if code in _EXPIRED:
            return CredentialsError(
                message, hint="your identity credentials have expired: sign in again, then retry"
            )
        if code in _BAD_KEYS:
            return CredentialsError(
                message, hint="the identity's access keys are not valid: check the profile's keys"
            )
        if code in _THROTTLED:
            return BackendError(message, hint="AWS is throttling these calls: wait a minute and retry")
        if _status(error) >= 500 or code.isdigit():
            return BackendError(
                message,
                hint="AWS STS failed on its side (or the role does not exist): check the role ARN, retry",
            )
        return CredentialsError(message, hint=role_hint)
    if isinstance(error, NoCredentialsError):
        return CredentialsError(
            f"{what}: no AWS credentials found",
            hint="set [identity] profile to a profile with credentials, or sign in (aws configure)",
        )
    if isinstance(error, SSLError):
        return tls_failure(error, what)
    if isinstance(error, EndpointConnectionError | ReadTimeoutError):
        return BackendError(
            f"{what}: AWS cannot be reached", hint="check the network, the region and [aws] endpoint_url"
        )
    if isinstance(error, HTTPClientError):  # the connection closed or cut mid-answer
        return BackendError(
            f"{what}: {error}",
            hint="the connection to AWS broke mid-answer: retry; check any proxy on the way",
        )
    if isinstance(error, BotoCoreError):
        return provider_failure(error, what)
    if type(error).__name__ == "ResponseParserError":
        return BackendError(
            f"{what}: AWS STS answered with an unreadable page (an HTTP error page, not STS)",
            hint="check the role ARN and the endpoint; if both are right, STS is failing: retry later",
        )
    return raw_provider_failure(error, what)


def tls_failure(error: Exception, what: str) -> BackendError:
    """An AWS endpoint whose TLS handshake failed: an untrusted CA (a TLS-inspecting proxy) is the
    usual cause, and botocore's own text does not say where the fix goes."""
    cause, fix = explain_tls_failure(str(error), "ca_bundle in the AWS profile (or AWS_CA_BUNDLE)")
    return BackendError(f"{what}: {cause}", hint=fix)


def raw_provider_failure(error: Exception, what: str) -> OpsError:
    """Failures botocore's providers let through unwrapped: a credential_process that prints
    non-JSON (ValueError), names a missing program (OSError), or returns keys that are already
    expired (RuntimeError on refresh)."""
    if isinstance(error, ValueError):
        return CredentialsError(
            f"{what}: the profile's credential_process did not print JSON credentials",
            hint='run it yourself: it must print {"Version": 1, "AccessKeyId": ..., ...}',
        )
    if isinstance(error, FileNotFoundError | PermissionError):
        return CredentialsError(
            f"{what}: the profile's credential_process cannot be run ({error.strerror or 'not found'})",
            hint="check the program path in credential_process in ~/.aws/config",
        )
    if isinstance(error, RuntimeError) and "expired" in str(error).lower():
        return CredentialsError(
            f"{what}: the credential_process returned credentials that have already expired",
            hint="its Expiration must be in the future: fix the program or sign in again where it gets keys",
        )
    return CredentialsError(f"{what}: {str(error).splitlines()[0] if str(error) else type(error).__name__}")


def provider_failure(error: Exception, what: str) -> OpsError:
    """A botocore credential-provider failure (credential_process, config, SSO token) as one message."""
    from botocore.exceptions import (
        ConfigParseError,
        CredentialRetrievalError,
        InvalidConfigError,
        PartialCredentialsError,
        ProfileNotFound,
    )

    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    if isinstance(error, ConfigParseError):
        return ConfigError(f"the AWS config file cannot be parsed: {text}", hint="fix the file's syntax")
    if isinstance(error, ProfileNotFound):
        return ConfigError(f"{what}: {text}", hint="check the profile name in ~/.aws/config")
    if isinstance(error, InvalidConfigError | PartialCredentialsError):
        return ConfigError(f"{what}: {text}", hint="complete the profile in ~/.aws/config")
    if isinstance(error, CredentialRetrievalError):
        return CredentialsError(
            f"{what}: {text}",
            hint="run the profile's credential_process yourself: it must print the JSON the AWS CLI expects",
        )
    if "sso" in type(error).__name__.lower() or "Token" in type(error).__name__:
        return CredentialsError(
            f"{what}: the SSO sign-in is missing or has expired",
            hint="sign in again: `opsconsole accounts login --sso` (or `aws sso login`)",
        )
    return CredentialsError(f"{what}: {text}", hint="check the identity profile in ~/.aws/config")
