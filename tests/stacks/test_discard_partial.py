"""`discard_change_sets` reports each stack it deleted as it goes: when a later delete is refused,
the caller's audit record still names the stacks already deleted (a change that reached
CloudFormation is never reported as not made). CloudFormation here is an in-memory stand-in of
the adapter's five calls, which lets the second DeleteStack fail on demand."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from opsconsole.domain.errors import BackendError
from opsconsole.stacks.changesets import NEVER_CREATED, PendingChangeSet, discard_change_sets, unaudited


@dataclass
class _Described:
    raw_status: str
    stack_id: str


@dataclass
class _StandIn:
    refuse_delete_of: str
    deleted: list[str] = field(default_factory=list)

    def delete_change_set(self, arn: str, region: str) -> None:
        return None

    def describe(self, stack_name: str, region: str) -> _Described:
        return _Described(NEVER_CREATED, f"stack/{stack_name}/1")

    def change_sets(
        self, stack_name: str, region: str, *, stack_id: str | None = None
    ) -> list[tuple[str, str, str]]:
        return []

    def delete(self, stack_id: str, region: str) -> None:
        if stack_id == self.refuse_delete_of:
            raise BackendError(f"DeleteStack {stack_id}: throttled")
        self.deleted.append(stack_id)


def test_a_refused_second_delete_still_reports_the_first() -> None:
    cfn = _StandIn(refuse_delete_of="stack/b/1")
    pending = [PendingChangeSet(f"arn:{n}", n, "eu-west-1", creates=True) for n in ("a", "b")]
    heard: list[str] = []
    with pytest.raises(BackendError, match="throttled"):
        discard_change_sets(cfn, pending, unaudited, strict=True, on_stack_deleted=heard.append)  # type: ignore[arg-type]
    assert cfn.deleted == ["stack/a/1"] and heard == ["a"]
