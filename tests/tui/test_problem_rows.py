"""The problems pane's filtering over ranked problems agrees with `Filters.keep`, whatever changes."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from opsconsole.domain.problems import Problem, ProblemHost, Severity
from opsconsole.links import ProblemScope
from opsconsole.tui.widgets.problem_rows import Filters, RankedProblems

START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def problems(count: int = 300) -> list[Problem]:
    return [
        Problem(
            environment="dev",
            eventid=str(1000 + n),
            triggerid=str(5000 + n),
            name=f"{('High CPU', 'Disk full', 'Unreachable')[n % 3]} on web-{n % 11}",
            severity=Severity(n % 6),
            started=START - timedelta(minutes=(n * 7) % 90),
            acknowledged=n % 4 == 0,
            suppressed=False,
            hosts=(ProblemHost(str(n % 13), f"i-{n % 13:04x}", f"Host-{n % 13}"),),
            tags=(("env", "dev"), ("service", f"svc-{n % 9}")),
        )
        for n in range(count)
    ]


def expected(found: list[Problem], filters: Filters) -> list[str]:
    ranked = sorted(found, key=lambda p: (-p.severity, -p.started.timestamp()))
    return [p.eventid for p in ranked if filters.keep(p)]


def test_every_filter_combination_keeps_what_keep_keeps_in_rank_order() -> None:
    found = problems()
    ranked = RankedProblems(found)
    scopes = [
        None,
        ProblemScope(tags=(("service", "svc-3"),)).matches,
        ProblemScope(hosts=("Host-5", "i-0007")).matches,
        ProblemScope(tags=(("service", "svc-1"),), hosts=("Host-2",)).matches,
    ]
    kept: set[int] = set()
    # Scopes alternate between combinations, so a verdict kept for one scope must not serve another.
    for severity, unacked, text, scope in itertools.product(
        (Severity.NOT_CLASSIFIED, Severity.WARNING, Severity.DISASTER),
        (False, True),
        ("", "DISK", "host-1"),
        scopes,
    ):
        filters = Filters(min_severity=severity, unacknowledged_only=unacked, text=text, scope=scope)
        got = [p.eventid for p in ranked.matching(filters)]
        assert got == expected(found, filters)
        kept.add(len(got))
    assert len(kept) > 10, "the filters narrowed the problems in many different ways"


def test_a_new_read_is_filtered_afresh() -> None:
    found = problems()
    scope = ProblemScope(tags=(("service", "svc-3"),)).matches
    filters = Filters(text="cpu", scope=scope)
    assert [p.eventid for p in RankedProblems(found).matching(filters)] == expected(found, filters)
    read_in_scope = RankedProblems(found, scope)  # as the pane's worker reads them, linked
    assert [p.eventid for p in read_in_scope.matching(filters)] == expected(found, filters)
    assert [p.eventid for p in read_in_scope.matching(Filters())] == expected(found, Filters())
    later = problems(120)[60:]
    assert [p.eventid for p in RankedProblems(later).matching(filters)] == expected(later, filters)
    assert RankedProblems().matching(filters) == []
