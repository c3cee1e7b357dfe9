"""A proxy's or load balancer's HTML page answered in place of AWS's (a 5xx): the operator's error,
and the audit record's, is one line with the status and the page's title or first text, bounded,
never its markup. Unit tests of the translation, then one over HTTP through botocore's own parsers."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.parsers import ResponseParserError

from opsconsole.aws.cloudformation import CloudFormation
from opsconsole.aws.errors import aws_errors, html_page, unreadable_answer
from opsconsole.domain.environment import RoleTier
from opsconsole.domain.errors import BackendError
from opsconsole.domain.identity import CallerIdentity, RoleSession

SESSION = RoleSession(
    "dev",
    RoleTier.DEPLOY,
    "arn:aws:iam::111111111111:role/D",
    "opsconsole-alice",
    CallerIdentity("111111111111", "arn:aws:sts::111111111111:assumed-role/D/opsconsole-alice", "AROA:x"),
    datetime.now(UTC) + timedelta(hours=1),
    "eu-west-1",
)
# A maintenance page as load balancers serve them: a doctype, styles, a script, then paragraphs.
PAGE = (
    b"<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
    b"<title>503 Service Temporarily Unavailable</title>"
    b"<style>body{font-family:sans-serif;color:#333}.box{margin:0 auto;width:600px}</style>"
    b"<script>window.retry = function(){ location.reload() }</script></head>\n<body>"
    b"<div class=box><h1>Service Temporarily Unavailable</h1>"
    + b"<p>The server is temporarily unable to service your request. Please try again later.</p>" * 40
    + b"</div></body></html>\n"
)
NO_TITLE = b"<!doctype html><html><body><script>var a = '<b>';</script>\n\n  <h1>Gateway Timeout</h1><p>x</p>"


def parser_error(body: bytes) -> ResponseParserError:
    """What botocore's XML parser raises on such a page (CloudFormation, STS, RDS: query protocols)."""
    return ResponseParserError(
        "Unable to parse response (mismatched tag: line 2, column 205), invalid XML received. "
        f"Further retries may succeed:\n{body!r}"
    )


def client_error(body: bytes, status: int) -> ClientError:
    """What botocore's JSON parsers raise on it (ECS, Logs: the body becomes the message)."""
    response = {
        "Error": {"Code": str(status), "Message": body.decode()},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(response, "ListClusters")


def translated(error: Exception) -> str:
    with pytest.raises(BackendError) as caught, aws_errors(SESSION, "cloudformation", "execute a change set"):
        raise error
    return caught.value.message


def test_an_unparseable_html_page_is_one_line_with_its_title() -> None:
    message = translated(parser_error(PAGE))
    assert (
        message
        == "execute a change set failed in dev: an HTML error page: 503 Service Temporarily Unavailable"
    )


def test_an_html_message_says_the_status_once_and_the_title() -> None:
    message = translated(client_error(PAGE, 503))
    assert (
        message
        == "execute a change set failed in dev: HTTP 503 (an HTML error page): Service Temporarily Unavailable"
    )


def test_a_page_without_a_title_gives_its_first_visible_line_not_its_script() -> None:
    assert translated(parser_error(NO_TITLE)).endswith(": an HTML error page: Gateway Timeout")
    assert translated(client_error(NO_TITLE, 504)).endswith(
        ": HTTP 504 (an HTML error page): Gateway Timeout"
    )


def test_the_page_text_is_bounded_and_never_markup() -> None:
    long_title = b"<html><head><title>" + b"Unavailable " * 50 + b"</title></head></html>"
    said = html_page(long_title.decode(), 502)
    assert said is not None and len(said) <= len("HTTP 502 (an HTML error page): ") + 120
    assert said.endswith("…") and "<" not in said and "\n" not in said
    assert html_page("<html><body></body></html>", 502) == "HTTP 502 (an HTML error page)"


def test_an_answer_that_is_not_html_is_still_kept_whole_and_bounded() -> None:
    truncated = parser_error(b"<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exc")
    assert "Throttling Rate exc" in unreadable_answer(truncated)
    assert html_page('{"message": "<b>no</b>"}', 500) is None
    long = unreadable_answer(ResponseParserError("x" * 5000))
    assert len(long) < 900 and long.endswith("(4200 more characters)")


def test_many_comments_before_no_page_do_not_hang_the_reader() -> None:
    # The backtracking pattern this replaced took a second at 22 comments, doubling with each.
    assert html_page("<!--a-->" * 5000 + "x", 502) is None
    assert html_page("<!--a-->" * 5000 + "<html><title>Down</title></html>", 502) == (
        "HTTP 502 (an HTML error page): Down"
    )


class _Gateway(http.server.BaseHTTPRequestHandler):
    """A load balancer in maintenance: every request gets a 503 and its HTML page."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(503)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def gateway() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("service", ["cloudformation", "ecs"])
def test_over_http_a_failed_execution_reads_as_one_line(gateway: str, service: str) -> None:
    client = boto3.client(
        service,
        endpoint_url=gateway,
        region_name="eu-west-1",
        aws_access_key_id="x",
        aws_secret_access_key="y",
        config=Config(retries={"max_attempts": 1}),
    )
    with pytest.raises(BackendError) as caught:
        if service == "cloudformation":
            CloudFormation(lambda region: client, SESSION).execute_change_set("arn:cs", "eu-west-1")
        else:
            with aws_errors(SESSION, service, "list the clusters"):
                client.list_clusters()
    message = caught.value.message
    assert "Service Temporarily Unavailable" in message and "<" not in message and "\n" not in message
    assert len(message) < 160, message
