"""CloudWatch series for the panes, fetched in one batched get_metric_data call per refresh."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class MetricQuery:
    key: str
    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]
    stat: str = "Average"


def fetch(
    client: Callable[[], Any],
    queries: Sequence[MetricQuery],
    now: datetime,
    span: timedelta,
    period: int = 60,
) -> dict[str, list[float]]:
    """Each query's values, oldest first, over `span` before `now` (up to 500 queries a call)."""
    series: dict[str, list[tuple[datetime, float]]] = {q.key: [] for q in queries}
    ids = {f"m{index}": q.key for index, q in enumerate(queries)}
    for start in range(0, len(queries), 500):
        batch = list(enumerate(queries))[start : start + 500]
        request: dict[str, Any] = {
            "MetricDataQueries": [
                {
                    "Id": f"m{index}",
                    "MetricStat": {
                        "Metric": {
                            "Namespace": q.namespace,
                            "MetricName": q.metric,
                            "Dimensions": [{"Name": n, "Value": v} for n, v in q.dimensions],
                        },
                        "Period": period,
                        "Stat": q.stat,
                    },
                }
                for index, q in batch
            ],
            "StartTime": now - span,
            "EndTime": now,
        }
        while True:
            answer = client().get_metric_data(**request)
            for result in answer.get("MetricDataResults", []):
                key = ids[result["Id"]]
                series[key] += list(zip(result.get("Timestamps", []), result.get("Values", []), strict=False))
            token = answer.get("NextToken")
            if not token:
                break
            request["NextToken"] = token
    return {key: [value for _at, value in sorted(points)] for key, points in series.items()}
