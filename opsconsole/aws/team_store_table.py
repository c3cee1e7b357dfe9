"""The team table's plumbing: conditional writes, consistent reads, botocore errors as OpsErrors.

The DynamoDB client is made on first use: a console that never touches the team (a Zabbix read,
say) resolves no identity credentials for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from opsconsole.domain.errors import BackendError
from opsconsole.domain.team import TeamStoreUnavailable


class ConditionFailed(Exception):
    """A conditional write found the item in another state (the store turns it into an OpsError)."""


def create_table(client: Any, table: str) -> None:
    """The table as the baseline stack declares it: on demand, encrypted with KMS, TTL, PITR."""
    client.create_table(
        TableName=table,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        BillingMode="PAY_PER_REQUEST",
        SSESpecification={"Enabled": True, "SSEType": "KMS"},
    )
    client.update_time_to_live(
        TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"}
    )
    client.update_continuous_backups(
        TableName=table, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )


class TeamTable:
    """One DynamoDB table: every write conditional, every read consistent."""

    def __init__(self, client: Callable[[], Any], table: str) -> None:
        self._make_client = client
        self._made: Any = None
        self._making = threading.Lock()
        self.name = table

    @property
    def client(self) -> Any:
        with self._making:  # two workers at launch made two clients (~40 ms of CPU each)
            if self._made is None:
                self._made = self._make_client()
            return self._made

    def put(
        self,
        item: dict[str, Any],
        condition: str,
        values: dict[str, Any] | None = None,
        names: dict[str, str] | None = None,
    ) -> None:
        """Raises ConditionFailed when `condition` does not hold."""
        self._write("put_item", Item=item, **_condition(condition, values, names))

    def update(
        self, key: dict[str, Any], update: str, condition: str, values: dict[str, Any], names: dict[str, str]
    ) -> None:
        """Raises ConditionFailed when `condition` does not hold."""
        self._write("update_item", Key=key, UpdateExpression=update, **_condition(condition, values, names))

    def delete(
        self, key: dict[str, Any], condition: str, values: dict[str, Any], names: dict[str, str]
    ) -> None:
        """Raises ConditionFailed when `condition` does not hold."""
        self._write("delete_item", Key=key, **_condition(condition, values, names))

    def get(self, key: dict[str, Any]) -> dict[str, Any] | None:
        with translated(f"reading the team table {self.name}"):
            item: dict[str, Any] | None = self.client.get_item(
                TableName=self.name, Key=key, ConsistentRead=True
            ).get("Item")
        return item

    def scan(self) -> Iterator[dict[str, Any]]:
        """Every item (the table holds a team's live state: small by design)."""
        with translated(f"reading the team table {self.name}"):
            for page in self.client.get_paginator("scan").paginate(TableName=self.name, ConsistentRead=True):
                yield from page.get("Items", [])

    def _write(self, operation: str, **kwargs: Any) -> None:
        with translated(f"writing to the team table {self.name}"):
            client = self.client
            try:
                getattr(client, operation)(TableName=self.name, **kwargs)
            except client.exceptions.ConditionalCheckFailedException as e:
                raise ConditionFailed() from e


def _condition(condition: str, values: dict[str, Any] | None, names: dict[str, str] | None) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"ConditionExpression": condition}
    if values:
        kwargs["ExpressionAttributeValues"] = values
    if names:
        kwargs["ExpressionAttributeNames"] = names
    return kwargs


@contextmanager
def translated(what: str) -> Iterator[None]:
    """botocore failures as TeamStoreUnavailable (network, 5xx) or BackendError (the answer refused)."""
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError

    try:
        yield
    except ClientError as e:
        error = e.response.get("Error", {})
        code, message = str(error.get("Code", "")), str(error.get("Message", "")) or str(e)
        status = int(e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        if status >= 500 or code in {"InternalServerError", "ServiceUnavailable", "ThrottlingException"}:
            raise TeamStoreUnavailable(
                f"the team store is unreachable ({what}: it answered {code or status})", hint=OFFLINE_HINT
            ) from e
        if code == "ResourceNotFoundException":
            raise BackendError(
                f"{what}: {message}", hint="check [team] table and region in the config"
            ) from e
        raise BackendError(f"{what}: {code}: {message}") from e
    except (BotoCoreError, ResponseParserError) as e:
        detail = str(e).splitlines()[0]
        raise TeamStoreUnavailable(
            f"the team store is unreachable ({what}: {detail})", hint=OFFLINE_HINT
        ) from e


OFFLINE_HINT = "locks and approvals wait until DynamoDB is back; reads and local work go on (try again later)"
