"""Circuit breakers per backend x environment, on real faults: each backend of the demo world (moto,
the Zabbix emulator, the Graylog emulator) behind the fault proxy. After `[breaker] failures`
transport failures in a row the next read fails at once without reaching the proxy; after the
cooldown one read probes the backend and closes the circuit; a 4xx answer never opens it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from opsconsole.app.breaker import Breakers
from opsconsole.app.console import Console
from opsconsole.config import Settings
from opsconsole.domain.errors import BackendError, BackendUnreachable, CircuitOpen, CredentialsError
from tests.faults import BAD_GATEWAY, RESET, THROTTLED, UNAVAILABLE, FaultProxy, fault_proxy

FAILURES, COOLDOWN = 3, 2


def through(settings: Settings, backend: str, url: str) -> Settings:
    """`settings` with `backend` reached at `url`, short timeouts and a short breaker cooldown.
    AWS reads make one attempt each: every read is one request at the proxy, and botocore's retries
    (backoff, and adaptive mode's slowdown to 0.5 requests/s after throttling: 43 s for the throttled
    case) are not what these tests are about: the breaker counts calls, not attempts."""
    if backend == "aws":
        settings = dataclasses.replace(
            settings, endpoint_url=url, aws_timeout=3, aws_connect_timeout=1, aws_attempts=1
        )
    elif backend == "zabbix":
        settings = dataclasses.replace(
            settings, zabbix=dataclasses.replace(settings.zabbix, url=url, connect_timeout=1, timeout=2)
        )
    else:
        graylog = dataclasses.replace(settings.graylog, url=url, connect_timeout=1, timeout=2)
        settings = dataclasses.replace(settings, graylog=graylog)
    return dataclasses.replace(settings, breaker_failures=FAILURES, breaker_cooldown=COOLDOWN)


def backend_url(settings: Settings, backend: str) -> str:
    url = {"aws": settings.endpoint_url, "zabbix": settings.zabbix.url, "graylog": settings.graylog.url}
    found = url[backend]
    assert found
    return found


READS: dict[str, Callable[[Console], Any]] = {
    "aws": lambda c: c.fleet.clusters("dev"),
    "zabbix": lambda c: c.alerts.problems("dev"),
    "graylog": lambda c: c.logs.search("dev", "*"),
}


@pytest.fixture(params=["aws", "zabbix", "graylog"])
def proxied(
    request: pytest.FixtureRequest, demo_settings: Settings
) -> Iterator[tuple[str, Console, FaultProxy]]:
    backend = str(request.param)
    with fault_proxy(backend_url(demo_settings, backend)) as proxy:
        console = Console.build(through(demo_settings, backend, proxy.url))
        READS[backend](console)  # signed in and warm, through the healthy proxy
        yield backend, console, proxy
        console.close()


def test_transport_failures_open_the_circuit_and_a_probe_closes_it(
    proxied: tuple[str, Console, FaultProxy],
) -> None:
    backend, console, proxy = proxied
    read = READS[backend]
    proxy.fail(RESET if backend != "aws" else BAD_GATEWAY)
    for _ in range(FAILURES):
        with pytest.raises(BackendError) as failed:
            read(console)
        assert not isinstance(failed.value, CircuitOpen)
    reached = proxy.refused
    started = time.monotonic()
    with pytest.raises(CircuitOpen) as opened:
        read(console)
    assert time.monotonic() - started < 0.5, "an open circuit fails at once"
    assert proxy.refused == reached, "an open circuit sends nothing"
    assert opened.value.message.startswith(f"{backend} dev: {FAILURES} failures in a row, next try in ")
    assert opened.value.hint and "the last one:" in opened.value.hint
    assert console.context.breakers.state(backend, "dev") == "open"
    # Other environments have circuits of their own.
    assert console.context.breakers.state(backend, "staging") == "closed"

    proxy.heal()
    time.sleep(COOLDOWN + 0.2)
    assert console.context.breakers.state(backend, "dev") == "half-open"
    read(console)  # the probe reaches the healed backend and closes the circuit
    assert console.context.breakers.state(backend, "dev") == "closed"


def test_a_probe_that_fails_opens_the_circuit_for_another_cooldown(
    proxied: tuple[str, Console, FaultProxy],
) -> None:
    backend, console, proxy = proxied
    proxy.fail(UNAVAILABLE)
    for _ in range(FAILURES):
        with pytest.raises(BackendError):
            READS[backend](console)
    time.sleep(COOLDOWN + 0.2)
    reached = proxy.refused
    with pytest.raises(BackendError) as probe:
        READS[backend](console)
    assert not isinstance(probe.value, CircuitOpen) and proxy.refused > reached, "the probe was sent"
    with pytest.raises(CircuitOpen):
        READS[backend](console)


def test_answers_that_refuse_the_request_never_open_the_circuit(
    proxied: tuple[str, Console, FaultProxy],
) -> None:
    backend, console, proxy = proxied
    proxy.fail(THROTTLED)
    for _ in range(FAILURES + 2):
        reached = proxy.refused
        with pytest.raises((BackendError, CredentialsError)) as failed:
            READS[backend](console)
        assert not isinstance(failed.value, CircuitOpen | BackendUnreachable), failed.value
        assert proxy.refused > reached, "every read was sent"
    assert console.context.breakers.state(backend, "dev") == "closed"


# -- the state machine alone, on a clock of the test's (no backend) ---------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def fail() -> None:
    raise BackendUnreachable("zabbix at http://z is unreachable (ConnectionError)")


def test_only_one_probe_is_let_through_while_half_open() -> None:
    clock = Clock()
    breakers = Breakers(failures=2, cooldown=20, clock=clock)
    for _ in range(2):
        with pytest.raises(BackendUnreachable):
            breakers.call("zabbix", "prod", fail)
    with pytest.raises(CircuitOpen, match=r"^zabbix prod: 2 failures in a row, next try in 20s\n"):
        breakers.call("zabbix", "prod", lambda: 1)
    clock.now += 20
    seen: list[str] = []

    def other() -> None:
        try:
            breakers.call("zabbix", "prod", lambda: 2)
            seen.append("other sent")
        except CircuitOpen:
            seen.append("other refused")

    def probe() -> int:
        # While the probe is out, a call from another thread fails at once.
        thread = threading.Thread(target=other)
        thread.start()
        thread.join(5)
        seen.append("probe")
        return 3

    assert breakers.call("zabbix", "prod", probe) == 3
    assert seen == ["other refused", "probe"] and breakers.state("zabbix", "prod") == "closed"


def test_a_success_resets_the_count_and_nested_reads_count_once() -> None:
    breakers = Breakers(failures=2, cooldown=20, clock=Clock())
    with pytest.raises(BackendUnreachable):
        breakers.call("graylog", "dev", fail)
    breakers.call("graylog", "dev", lambda: None)
    with pytest.raises(BackendUnreachable):
        breakers.call("graylog", "dev", lambda: breakers.call("graylog", "dev", fail))
    assert breakers.state("graylog", "dev") == "closed", "one failure since the success, counted once"


def test_the_cli_tail_says_in_one_line_that_the_circuit_is_open(demo_config: Path) -> None:
    """`logs tail` follows on through failures: once the circuit opens, its warning says so."""
    text = demo_config.read_text(encoding="utf-8")
    url = re.search(r'^\[graylog\]\n(?:.*\n)*?url = "([^"]+)"', text, re.MULTILINE)
    assert url
    with fault_proxy(url.group(1)) as proxy:
        text = text.replace(f'url = "{url.group(1)}"', f'url = "{proxy.url}"')
        text += f"\n[breaker]\nfailures = {FAILURES}\ncooldown = 60\n"
        # Polls a second apart, idle or failing (the default grows to 10 s: ~30 s to the warning).
        graylog = "[graylog]\nconnect_timeout = 1\ntimeout = 1\ntail_max_interval = 1\n"
        demo_config.write_text(text.replace("[graylog]\n", graylog))
        child = subprocess.Popen(
            [sys.executable, "-m", "opsconsole", "-c", str(demo_config), "logs", "tail", "--env", "dev"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        lines: list[str] = []
        try:
            started = time.monotonic() + 60
            while proxy.peak_connections == 0 and time.monotonic() < started:
                time.sleep(0.1)  # the process starts (slowly, on a loaded machine) and polls
            time.sleep(3)  # its first poll (streams, then the search) ends before the fault
            proxy.fail(RESET)
            assert child.stderr is not None
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and not any("failures in a row" in ln for ln in lines):
                line = child.stderr.readline()
                if not line:
                    break
                lines.append(line)
        finally:
            child.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(10)
            if child.poll() is None:
                child.kill()
    opened = [ln for ln in lines if "failures in a row" in ln]
    assert opened, lines
    assert re.match(
        rf"^warning: graylog dev: {FAILURES} failures in a row, next try in \d+s; retrying", opened[0]
    )
    assert not any("Traceback" in ln for ln in lines)
