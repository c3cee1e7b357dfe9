"""A run holding an environment's lock through Team.guard, in its own process, until killed.

python -m tests.team.holder ENDPOINT TABLE KEY_ID SECRET ARN ENV STATE_DIR
"""

from __future__ import annotations

import sys
import time
from datetime import timedelta
from pathlib import Path

from opsconsole.app.audit import AuditTrail
from opsconsole.app.team import Team
from opsconsole.app.team_journal import OfflineJournal
from opsconsole.app.team_parts import TeamParts
from opsconsole.audit import AuditJournal
from opsconsole.aws.session import utc_now
from opsconsole.aws.team_store import DynamoTeamStore
from opsconsole.domain.team import ApproverPolicy
from tests.team.world import Operator

TTL = timedelta(seconds=5)


def main(endpoint: str, table: str, key_id: str, secret: str, arn: str, env: str, state: str) -> None:
    operator = Operator("holder", arn, key_id, secret)
    parts = TeamParts(
        store=DynamoTeamStore(lambda: operator.client("dynamodb", endpoint), table, utc_now),
        audit=AuditTrail(AuditJournal(Path(state) / "audit.jsonl"), lambda: "holder", utc_now),
        clock=utc_now,
        me=lambda: arn,
        sts_client=lambda: operator.client("sts", endpoint),
        iam_client=lambda: operator.client("iam", endpoint),
        policy=ApproverPolicy(),
        lease_ttl=TTL,
        proof_max_age=timedelta(minutes=10),
        journal=OfflineJournal(Path(state) / "unsent.jsonl"),
    )
    with Team(parts).guard(env, "long deploy") as lease:
        sys.stdout.write(f"HELD {lease.token}\n")
        sys.stdout.flush()
        while True:
            time.sleep(1)


if __name__ == "__main__":
    main(*sys.argv[1:8])
