"""Turning botocore failures into the console's typed errors, with the role and tier in force."""

from __future__ import annotations

import ast
import contextlib
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from typing import Any

from opsconsole.domain.errors import AccessDenied, BackendError
from opsconsole.domain.identity import RoleSession
from opsconsole.domain.tiers import required_tier

# JSON-protocol services answer a denial with an XML body, which botocore reports as code "403".
_DENIED_CODES = {
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
    "AuthorizationError",
    "403",
}
_TAG_RE = re.compile(r"<[^>]{0,200}>")
_HTML_TAG = re.compile(r"<(!doctype\s+html|html|head|body)\b", re.I)
_PAGE_LIMIT = 120
"""Characters of an error page's text kept: its title or first line says what failed, the rest is
the proxy's decoration."""
_ACTION_RE = re.compile(r"perform:?\s+([a-z0-9-]+:[A-Za-z0-9*]+)")

# boto3 service names whose IAM prefix differs.
_IAM_PREFIX = {"elbv2": "elasticloadbalancing", "events": "events", "logs": "logs"}


def is_access_denied(error: Exception) -> bool:
    code = _error_code(error)
    return code in _DENIED_CODES


def denied_action(error: Exception, service: str) -> str:
    """The IAM action a denial names, or one derived from the operation that was called."""
    message = _error_message(error)
    if match := _ACTION_RE.search(message):
        return match.group(1)
    operation = getattr(error, "operation_name", None) or "Unknown"
    return f"{_IAM_PREFIX.get(service, service)}:{operation}"


@contextmanager
def aws_errors(session: RoleSession, service: str, what: str = "AWS call") -> Iterator[None]:
    """Re-raise botocore errors raised inside the block as AccessDenied or BackendError."""
    from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, SSLError
    from botocore.parsers import ResponseParserError

    try:
        yield
    except ClientError as e:
        if is_access_denied(e):
            action = denied_action(e, service)
            needed = required_tier(action)
            raise AccessDenied(
                role_arn=session.role_arn,
                action=action,
                tier=session.tier.value,
                required_tier=needed.value if needed else None,
                environment=session.environment,
            ) from e
        from opsconsole.aws.sts_errors import short_message

        # A proxy's or load balancer's HTML page in place of AWS's answer: its status and title, one line.
        page = html_page(_error_message(e), _status(e))
        said = page or f"{_error_code(e)}: {short_message(e)}"
        raise BackendError(f"{what} failed in {session.environment}: {said}") from e
    except SSLError as e:
        from opsconsole.aws.sts_errors import tls_failure

        raise tls_failure(e, f"cannot reach AWS for {session.environment}") from e
    except EndpointConnectionError as e:
        raise BackendError(
            f"cannot reach AWS for {session.environment}: {e}",
            hint="check the network, the region, and [aws] endpoint_url in the config",
        ) from e
    except (BotoCoreError, ResponseParserError) as e:
        # An unreadable answer (e.g. an HTML error page) is the backend's failure, not the user's.
        raise BackendError(f"{what} failed in {session.environment}: {unreadable_answer(e)}") from e


@contextmanager
def translate_unexpected(env_name: str) -> Iterator[None]:
    """botocore failures outside an aws_errors block, as one error naming the environment once
    (no HTML body: an error page is reported by its status), with a hint chosen by the error."""
    from opsconsole.aws.sts_errors import sts_errors, sts_failure

    try:
        yield
    except Exception as e:
        # No botocore loaded, no botocore error: a Zabbix-only read's failure imports nothing.
        if "botocore" not in sys.modules or not isinstance(e, sts_errors()):
            raise
        raise sts_failure(
            e,
            f"AWS call in {env_name} failed",
            role_hint="the role in force may not do this: check its policy, or use a higher --role",
        ) from e


def unreadable_answer(error: Exception, limit: int = 800) -> str:
    """botocore's account of an answer it could not parse: an HTML page (a proxy's error page) as
    its title or first text in one line; anything else whole (its body included, tags and
    whitespace collapsed) up to `limit` characters, since its first line alone ends in ':'."""
    page = html_page(_parsed_body(str(error)), None)
    if page is not None:
        return page
    text = str(error).replace("\\n", " ")
    text = " ".join(_TAG_RE.sub(" ", text).split())
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text) - limit} more characters)"


def _starts_as_html(body: str) -> bool:
    """Whether `body` opens as an HTML page, after an XML declaration and comments. A loop, not a
    regex: `(<!--.*?-->\\s*)*` backtracks exponentially on a page of many comments and no tag."""
    rest = body.lstrip()
    if rest.startswith("<?xml"):
        rest = rest[rest.find(">") + 1 :].lstrip()
    while rest.startswith("<!--"):
        end = rest.find("-->")
        if end < 0:
            return False
        rest = rest[end + 3 :].lstrip()
    return _HTML_TAG.match(rest) is not None


def html_page(body: str, status: int | None, limit: int = _PAGE_LIMIT) -> str | None:
    """One line for an HTML page answered in place of AWS's: the HTTP status when known, then the
    page's title, else its first line of visible text, at most `limit` characters; never markup.
    None when `body` is not an HTML page."""
    if not _starts_as_html(body):
        return None
    reader = _PageText()
    reader.feed(body)
    reader.close()
    text = " ".join((reader.title or reader.first_line).split())
    if status and text.startswith(f"{status} "):  # "503 Service Unavailable": the status once
        text = text[len(str(status)) + 1 :]
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    said = f": {text}" if text else ""
    return f"HTTP {status} (an HTML error page){said}" if status else f"an HTML error page{said}"


class _PageText(HTMLParser):
    """An HTML page's title and its first line of visible text (script and style are not text)."""

    _HIDDEN = frozenset({"script", "style", "noscript", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.first_line = ""
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN or tag == "title":
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            del self._open[len(self._open) - 1 - self._open[::-1].index(tag) :]

    def handle_data(self, data: str) -> None:
        if self._open and self._open[-1] == "title":
            self.title += data
        elif not self._open and not self.first_line:
            self.first_line = next((line.strip() for line in data.splitlines() if line.strip()), "")


def _parsed_body(message: str) -> str:
    """The body botocore quotes in a ResponseParserError ("...may succeed:\\nb'<html>...'"), as text."""
    _head, _sep, quoted = message.partition("\n")
    quoted = quoted.strip()
    if quoted[:2] not in ("b'", 'b"'):
        return quoted
    # A page's title and first text are near its start: a long body is not decoded whole.
    if len(quoted) < 65536:
        with contextlib.suppress(ValueError, SyntaxError):
            raw = ast.literal_eval(quoted)
            return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return quoted[2:].replace("\\n", "\n")


def _status(error: Exception) -> int | None:
    response: dict[str, Any] = getattr(error, "response", {}) or {}
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return status if isinstance(status, int) else None


def _error_code(error: Exception) -> str:
    response: dict[str, Any] = getattr(error, "response", {}) or {}
    return str(response.get("Error", {}).get("Code", ""))


def _error_message(error: Exception) -> str:
    response: dict[str, Any] = getattr(error, "response", {}) or {}
    return str(response.get("Error", {}).get("Message", "")) or str(error)


def transport_failure(error: BaseException) -> bool:
    """Whether an AWS failure (or what it was raised from) is the transport's, which a circuit
    breaker counts: no connection, a connection closed or silent, an unreadable answer, a 5xx.
    A 4xx answer (throttled, expired, denied, invalid) is AWS working, and is not."""
    from botocore.exceptions import ClientError, HTTPClientError
    from botocore.exceptions import ConnectionError as BotoConnectionError
    from botocore.parsers import ResponseParserError

    from opsconsole.domain.errors import BackendUnreachable

    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, BackendUnreachable | OSError | BotoConnectionError | HTTPClientError):
            return True
        if isinstance(current, ResponseParserError):
            return True
        if isinstance(current, ClientError):
            response = getattr(current, "response", {}) or {}
            status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            return isinstance(status, int) and status >= 500
        current = current.__cause__ or current.__context__
    return False


def refuse_cut_answers(response_dict: dict[str, Any], operation_model: Any, **_: Any) -> None:
    """A botocore before-parse hook: an answer with neither Content-Length nor chunked encoding and
    no body is a connection closed inside the headers, not an empty success (http.client reads
    headers cut short as complete, and an empty JSON answer parses as "no clusters")."""
    from botocore.exceptions import ConnectionClosedError

    if operation_model.has_streaming_output or response_dict.get("body"):
        return
    headers = response_dict.get("headers") or {}
    if not any(h.lower() in ("content-length", "transfer-encoding") for h in headers):
        raise ConnectionClosedError(endpoint_url=f"{operation_model.name}: the answer was cut short")
