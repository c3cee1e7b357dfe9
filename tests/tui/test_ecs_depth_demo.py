"""ECS depth read from the demo's moto over HTTP: the EC2 instance behind each task's container
instance, and the ALB target health of a service's target groups (moto's ECS never registers
targets, so the test registers two itself; moto then reports every target healthy: simulated)."""

from __future__ import annotations

from opsconsole.app.console import Console
from opsconsole.domain.environment import RoleTier


def test_every_running_task_names_its_ec2_instance(demo_console: Console) -> None:
    fleet = demo_console.fleet
    ec2 = fleet.ec2_instance_ids("prod", "prod-cluster")
    instances = {ci.arn: ci.ec2_instance_id for ci in fleet.container_instances("prod", "prod-cluster")}
    assert ec2 == {arn: i for arn, i in instances.items() if i}
    assert all(i.startswith("i-") for i in ec2.values())
    placed = [t for t in fleet.tasks("prod", "prod-cluster") if t.container_instance]
    assert all(t.container_instance in ec2 for t in placed)


def test_target_health_of_the_api_service(demo_console: Console) -> None:
    fleet = demo_console.fleet
    api = fleet.service("prod", "prod-cluster", "api")
    assert len(api.target_groups) == 1 and ":targetgroup/" in api.target_groups[0]
    assert fleet.target_health("prod", api) == []  # moto's ECS registers no targets
    # The world's own instances when it runs some; else EC2-shaped ids (moto checks no instance).
    ec2 = sorted(fleet.ec2_instance_ids("prod", "prod-cluster").values())[:2] or [
        "i-0123456789abcdef0",
        "i-0fedcba9876543210",
    ]
    elb = demo_console.context.broker.client("prod", RoleTier.DEPLOY, "elbv2")
    targets = [{"Id": i, "Port": 8000} for i in ec2]
    elb.register_targets(TargetGroupArn=api.target_groups[0], Targets=targets)
    try:
        health = fleet.target_health("prod", api)
        assert sorted((h.target, h.port) for h in health) == [(i, 8000) for i in ec2]
        assert {h.state for h in health} == {"healthy"}
        assert all(h.group_name == api.target_groups[0].split("/")[1] for h in health)
    finally:
        elb.deregister_targets(TargetGroupArn=api.target_groups[0], Targets=targets)


def test_a_service_without_a_load_balancer_reads_no_targets(demo_console: Console) -> None:
    worker = demo_console.fleet.service("prod", "prod-cluster", "worker")
    assert worker.target_groups == () and demo_console.fleet.target_health("prod", worker) == []
