"""`opsconsole audit list` reads intents with their outcomes: a failed change shows its error, an
intent whose outcome was never written shows "outcome unknown", and --outcome picks them out."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from opsconsole.app.audit import AuditScope, AuditTrail, journal_path
from opsconsole.audit import AuditJournal
from opsconsole.config import load_settings
from opsconsole.domain.errors import BackendError, CredentialsError
from tests.helpers import run_cli


def _write_records(config: Path) -> None:
    """Three changes: ok, failed with an error, and one cut off between its intent and outcome."""
    journal = AuditJournal(journal_path(load_settings(config, environ={})))
    trail = AuditTrail(journal, lambda: "alice", lambda: datetime.now(UTC))
    scope = AuditScope("dev", "111111111111", None, "operate")
    with trail.change("ecs.scale", scope, reason="INC-1"):
        pass
    with pytest.raises(BackendError), trail.change("ecs.redeploy", scope, reason="INC-2"):
        raise BackendError("ECS UpdateService: throttled")
    trail.intent("rds.reboot", scope, reason="INC-3")


def test_audit_list_shows_failed_and_unknown_outcomes(
    demo_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_records(demo_config)

    listed = run_cli(capsys, "-c", str(demo_config), "audit", "list", "-o", "json")
    assert listed.code == 0, listed.stderr
    rows = [(r["action"], r["reason"], r["outcome"], r["error"]) for r in json.loads(listed.stdout)]
    assert rows == [
        ("ecs.scale", "INC-1", "ok", None),
        ("ecs.redeploy", "INC-2", "failed", "ECS UpdateService: throttled"),
        ("rds.reboot", "INC-3", "outcome unknown", None),
    ]

    table = run_cli(capsys, "-c", str(demo_config), "audit", "list")
    assert "throttled" in table.stdout
    assert "outcome unknown" in table.stdout


@pytest.mark.parametrize(
    ("outcome", "actions"),
    [("failed", ["ecs.redeploy"]), ("unknown", ["rds.reboot"]), ("ok", ["ecs.scale"]), ("interrupted", [])],
)
def test_audit_list_outcome_filter(
    demo_config: Path, capsys: pytest.CaptureFixture[str], outcome: str, actions: list[str]
) -> None:
    _write_records(demo_config)
    listed = run_cli(capsys, "-c", str(demo_config), "audit", "list", "--outcome", outcome, "-o", "json")
    assert listed.code == 0, listed.stderr
    assert [r["action"] for r in json.loads(listed.stdout)] == actions


def test_audit_list_refuses_an_unknown_outcome(demo_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "-c", str(demo_config), "audit", "list", "--outcome", "maybe").code == 2


def test_a_change_without_aws_credentials_says_why_the_audit_trail_needs_them(tmp_path: Path) -> None:
    """A Zabbix-only operator: the record's name comes from the AWS identity unless [identity]
    operator is set, and the error says so (before: 'no AWS credentials found', with no why)."""

    def no_identity() -> str:
        raise CredentialsError("no AWS credentials found")

    journal = AuditJournal(tmp_path / "audit.jsonl")
    trail = AuditTrail(journal, no_identity, lambda: datetime.now(UTC))
    with pytest.raises(CredentialsError) as raised:
        trail.intent("zabbix.acknowledge", AuditScope("dev", "111111111111", None, "operate"), reason="on it")
    assert "no AWS credentials found" in raised.value.message
    assert "audit trail names who made the change" in raised.value.message
    assert raised.value.hint is not None and "[identity] operator" in raised.value.hint
    assert list(journal.records()) == []  # nothing half-written


def test_audit_list_names_what_each_change_acted_on(
    demo_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Three stack deploys failing in one run were three identical rows: which stack failed was only
    # in the JSON's details.
    journal = AuditJournal(journal_path(load_settings(demo_config, environ={})))
    trail = AuditTrail(journal, lambda: "alice", lambda: datetime.now(UTC))
    scope = AuditScope("dev", "111111111111", None, "deploy")
    with (
        pytest.raises(BackendError),
        trail.change("stacks.deploy", scope, reason=None, details={"stack": "shop-dev-db"}),
    ):
        raise BackendError("execute a change set failed in dev: engine MySQL not supported")
    with trail.change("ecs.scale", scope, reason=None, details={"target": "dev-cluster/api"}):
        pass
    trail.event("access.elevate", scope)

    listed = run_cli(capsys, "-c", str(demo_config), "audit", "list", "-o", "json")
    assert [(r["action"], r["target"]) for r in json.loads(listed.stdout)] == [
        ("stacks.deploy", "shop-dev-db"),
        ("ecs.scale", "dev-cluster/api"),
        ("access.elevate", None),
    ]
    table = run_cli(capsys, "-c", str(demo_config), "audit", "list")
    assert "TARGET" in table.stdout and "shop-dev-db" in table.stdout
