"""The streaming fan-out: answers in the order they arrive, a lead that goes first, one deadline."""

from __future__ import annotations

import threading
import time

import pytest

from opsconsole.app import fanout
from opsconsole.app.fanout import fan_out, fan_out_stream
from opsconsole.domain.errors import BackendError, OpsError


def test_answers_come_as_they_arrive_and_fan_out_keeps_key_order() -> None:
    b_seen = threading.Event()

    def read(key: str) -> str:
        if key == "a":
            assert b_seen.wait(10), "a waits until b's answer was handed out"
        return key.upper()

    got = []
    for key, value in fan_out_stream(["a", "b"], read, deadline=10):
        got.append((key, value))
        if key == "b":
            b_seen.set()
    assert got == [("b", "B"), ("a", "A")]

    b_read = threading.Event()

    def a_after_b(key: str) -> str:
        if key == "a":
            assert b_read.wait(10)
        else:
            b_read.set()
        return key.upper()

    assert fan_out(["a", "b"], a_after_b, deadline=10) == [("a", "A"), ("b", "B")], "the CLI's order"


def test_the_lead_is_read_alone_and_the_rest_start_when_it_answers() -> None:
    started: list[str] = []
    lock = threading.Lock()

    def read(key: str) -> int:
        with lock:
            started.append(key)
            running_before_lead_answered = list(started)
        if key == "env01":
            assert running_before_lead_answered == ["env01"], "nobody else started before the lead answered"
        return len(key)

    keys = [f"env{i:02d}" for i in range(1, 31)]
    answers = list(fan_out_stream(keys, read, deadline=10, lead=1))
    assert answers[0] == ("env01", 5)
    assert started[0] == "env01"
    assert sorted(k for k, _ in answers) == keys and all(v == 5 for _, v in answers)


def test_a_slow_lead_lets_the_others_start_after_lead_at_most(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fanout, "LEAD_AT_MOST", 0.05)
    release = threading.Event()

    def read(key: str) -> str:
        if key == "slow":
            assert release.wait(10)
        return key

    stream = fan_out_stream(["slow", "b", "c"], read, deadline=10, lead=1)
    first_two = {next(stream)[0], next(stream)[0]}
    assert first_two == {"b", "c"}, "the others did not wait for the slow lead"
    release.set()
    assert next(stream) == ("slow", "slow")


def test_a_key_that_never_answers_comes_last_as_an_error_naming_the_wait() -> None:
    never = threading.Event()

    def read(key: str) -> str:
        if key == "hung":
            never.wait(5)
        if key == "broken":
            raise BackendError("broken: refused")
        return key

    answers = list(fan_out_stream(["hung", "ok", "broken"], read, deadline=0.3))
    never.set()
    assert answers[-1][0] == "hung"
    hung = answers[-1][1]
    assert isinstance(hung, OpsError) and "no answer within 0.3 s" in hung.message
    by_key = dict(answers)
    assert by_key["ok"] == "ok"
    assert isinstance(by_key["broken"], BackendError)


def test_other_fan_outs_wait_while_a_lead_is_read_and_go_once_its_answer_is_taken() -> None:
    lead_reading, lead_may_answer = threading.Event(), threading.Event()
    order: list[str] = []

    def lead_read(key: str) -> str:
        if key == "env01":
            lead_reading.set()
            assert lead_may_answer.wait(10)
        order.append(key)
        return key

    stream = fan_out_stream(["env01", "env02"], lead_read, deadline=10, lead=1)
    background: list[tuple[str, object]] = []
    other = threading.Thread(
        target=lambda: background.extend(fan_out(["x"], lambda k: order.append(k), deadline=10))
    )
    first = threading.Thread(target=lambda: background.append(next(stream)))
    first.start()
    assert lead_reading.wait(10)
    other.start()
    other.join(0.3)
    assert other.is_alive() and "x" not in order, "another fan-out's read waits while the lead is read"
    lead_may_answer.set()
    first.join(10)
    other.join(10)
    assert order[:2] == ["env01", "x"], "the other fan-out went once the lead's answer was taken"
    assert dict(stream)["env02"] == "env02"


def test_a_lead_never_taken_holds_the_others_lead_at_most(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fanout, "LEAD_AT_MOST", 0.3)
    stream = fan_out_stream(["lead", "b"], lambda k: k, deadline=10, lead=1)
    assert next(stream) == ("lead", "lead")  # the caller never comes back for the rest
    started = time.monotonic()
    assert fan_out(["x"], lambda k: k, deadline=10) == [("x", "x")]
    assert 0.1 < time.monotonic() - started < 2, "held while the lead was open, then read anyway"
    assert dict(stream) == {"b": "b"}
