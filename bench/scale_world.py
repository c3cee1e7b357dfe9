"""The scale benchmark's world, parent side: the demo world (moto in its own process) with 2,000 ECS
services seeded into dev's account, most in the cluster the benchmark's cursor walks.

Seeding is direct `create_service` calls from a few threads (moto's server answers them in
parallel); a service's tasks are not started (moto would start `desiredCount` tasks each), so
the count columns read 0 running: the pane's cost is in its rows, not in their values.
The Zabbix problems and the log feed live in the app's process (bench/scale_feeds.py).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3

CLUSTER = "dev-cluster"
SERVICES = 2000
EXTRA_CLUSTERS = ("dev-batch", "dev-edge", "dev-jobs")
EXTRA_PER_CLUSTER = 50
DEMO_SERVICES = 6
"""dev-cluster's own services from the demo estate: seeded ones bring it to SERVICES."""
THREADS = 4


def ecs_client(endpoint: str, key: Any) -> Any:
    return boto3.client(
        "ecs",
        endpoint_url=endpoint,
        region_name="eu-west-1",
        aws_access_key_id=key.access_key_id,
        aws_secret_access_key=key.secret_access_key,
    )


def service_name(index: int) -> str:
    return f"svc-{index:04d}"


def seed(endpoint: str, key: Any, services: int = SERVICES) -> dict[str, float]:
    """`services` in dev-cluster (the demo's six included) and 50 in each extra cluster."""
    ecs = ecs_client(endpoint, key)
    started = time.perf_counter()
    for name in EXTRA_CLUSTERS:
        ecs.create_cluster(clusterName=name)
    jobs = [(CLUSTER, service_name(i)) for i in range(services - DEMO_SERVICES)]
    jobs += [(c, f"{c}-svc-{i:02d}") for c in EXTRA_CLUSTERS for i in range(EXTRA_PER_CLUSTER)]

    def create(part: list[tuple[str, str]]) -> None:
        client = ecs_client(endpoint, key)  # boto3 clients are not shared between threads
        for cluster, name in part:
            client.create_service(cluster=cluster, serviceName=name, taskDefinition="dev-web", desiredCount=0)

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(create, [jobs[i::THREADS] for i in range(THREADS)]))
    return {"seed_s": time.perf_counter() - started, "services_seeded": float(len(jobs))}
