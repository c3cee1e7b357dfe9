"""The CloudWatch series the simulator publishes, shaped as put_metric_data wants them."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any


def daylight(now: datetime) -> float:
    """0 at night to 1 in the afternoon: the load curve of a working day."""
    return 0.5 + 0.5 * math.sin(2 * math.pi * (now.hour + now.minute / 60 - 8) / 24)


def _datum(
    name: str, dimensions: list[dict[str, str]], now: datetime, value: float, unit: str
) -> dict[str, Any]:
    return {"MetricName": name, "Dimensions": dimensions, "Timestamp": now, "Value": value, "Unit": unit}


def _percent(value: float) -> float:
    return round(min(max(value, 0), 100), 2)


def ecs_metrics(cluster: str, now: datetime, loads: dict[str, tuple[float, float]]) -> list[dict[str, Any]]:
    """CPU and memory per service from {service: (cpu, memory)}, clamped to 0..100 percent."""
    data = []
    for service, (cpu, memory) in loads.items():
        dimensions = [{"Name": "ClusterName", "Value": cluster}, {"Name": "ServiceName", "Value": service}]
        data += [
            _datum("CPUUtilization", dimensions, now, _percent(cpu), "Percent"),
            _datum("MemoryUtilization", dimensions, now, _percent(memory), "Percent"),
        ]
    return data


def rds_metrics(db: str, now: datetime, cpu: float, connections: float, free: float) -> list[dict[str, Any]]:
    dimensions = [{"Name": "DBInstanceIdentifier", "Value": db}]
    return [
        _datum("CPUUtilization", dimensions, now, cpu, "Percent"),
        _datum("DatabaseConnections", dimensions, now, connections, "Count"),
        _datum("FreeStorageSpace", dimensions, now, free, "Bytes"),
    ]
