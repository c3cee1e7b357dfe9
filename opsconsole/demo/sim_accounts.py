"""The accounts the simulator moves: the demo's environment accounts with their seeding admins' keys."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class SimAccount:
    name: str
    account_id: str
    region: str
    access_key_id: str
    secret_access_key: str


def accounts_of(admin_keys: dict[str, Any]) -> list[SimAccount]:
    """The demo's environment accounts, signed with their seeding admins' keys."""
    from opsconsole.demo.accounts import ENVIRONMENTS

    return [
        SimAccount(
            a.name,
            a.account_id,
            a.region,
            admin_keys[a.name].access_key_id,
            admin_keys[a.name].secret_access_key,
        )
        for a in ENVIRONMENTS
    ]


def load_accounts(path: Path) -> list[SimAccount]:
    return [SimAccount(**item) for item in json.loads(path.read_text(encoding="utf-8"))]
