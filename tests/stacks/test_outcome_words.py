"""Outcome text an operator reads: one word per ending, never the state twice, and botocore's
account of an unreadable answer kept whole (bounded) instead of its first line, an HTML page as
its title."""

from __future__ import annotations

from botocore.parsers import ResponseParserError

from opsconsole.aws.errors import unreadable_answer
from opsconsole.cli.stacks_view import outcome_line, outcome_row
from opsconsole.domain.stacks import StackOutcome, StackStatus


def test_a_stack_left_in_review_reads_not_created_once() -> None:
    outcome = StackOutcome("db", "dev-db", StackStatus.REVIEW, message="review")
    assert outcome_line(outcome) == "dev-db: not created"
    assert outcome_row(outcome)["message"] == ""


def test_a_failure_keeps_its_reason_and_success_reads_deployed() -> None:
    failed = StackOutcome(
        "db", "dev-db", StackStatus.FAILED, message="dev-db/Db (AWS::RDS::DBInstance) CREATE_FAILED: x"
    )
    assert outcome_line(failed) == "dev-db: failed — dev-db/Db (AWS::RDS::DBInstance) CREATE_FAILED: x"
    done = StackOutcome("db", "dev-db", StackStatus.COMPLETE, message="CREATE_COMPLETE")
    assert outcome_line(done) == "dev-db: deployed"
    same = StackOutcome("db", "dev-db", StackStatus.COMPLETE, message="no changes")
    assert outcome_row(same)["status"] == "no changes"


def test_an_unreadable_500_page_is_its_title_and_other_answers_are_whole_and_bounded() -> None:
    body = (
        b"<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n"
        b"<h1>Internal Server Error</h1>\n<p>The server encountered an internal error.</p>\n"
    )
    error = ResponseParserError(
        "Unable to parse response (syntax error: line 1, column 0), invalid XML received. "
        f"Further retries may succeed:\n{body!r}"
    )
    assert unreadable_answer(error) == "an HTML error page: 500 Internal Server Error"
    cut = ResponseParserError(f"Unable to parse response, invalid XML received:\n{b'<Error><Code>X</Co'!r}")
    text = unreadable_answer(cut)
    assert not text.endswith(":") and "X" in text
    long = unreadable_answer(ResponseParserError("x" * 5000))
    assert len(long) < 900 and long.endswith("(4200 more characters)")
