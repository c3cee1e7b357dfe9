"""One contender of the lock race, run in its own process (multiprocessing, spawn)."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from typing import Any

from opsconsole.aws.session import utc_now
from opsconsole.aws.team_store import DynamoTeamStore
from opsconsole.domain.team import Lease, LockHeld
from tests.team.world import Operator


def contend(operator: Operator, endpoint: str, table: str, rounds: int, barrier: Any, results: Any) -> None:
    """Each round: wait for the other contender, then try to take lock `race-N` once."""
    store = DynamoTeamStore(lambda: operator.client("dynamodb", endpoint), table, utc_now)
    for n in range(rounds):
        now = utc_now()
        lease = Lease(
            f"race-{n}", operator.arn, f"race round {n}", now + timedelta(minutes=5), uuid.uuid4().hex, now
        )
        barrier.wait(120)
        started = time.time()
        try:
            store.take_lease(lease)
            results.put((n, operator.name, "won", operator.arn, started))
        except LockHeld as refused:
            results.put((n, operator.name, "refused", refused.lease.holder, started))
