"""What a Team is made of (shared by app/team.py and app/team_approvals.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from opsconsole.app.audit import AuditTrail
from opsconsole.app.team_journal import OfflineJournal
from opsconsole.aws.team_store import DynamoTeamStore
from opsconsole.domain.team import ApproverPolicy


@dataclass(frozen=True)
class TeamParts:
    """What a Team is made of; `of_context` builds them from the console's context."""

    store: DynamoTeamStore
    audit: AuditTrail
    clock: Callable[[], datetime]
    me: Callable[[], str]
    sts_client: Callable[[], Any]
    iam_client: Callable[[], Any]
    policy: ApproverPolicy
    lease_ttl: timedelta
    proof_max_age: timedelta
    journal: OfflineJournal
