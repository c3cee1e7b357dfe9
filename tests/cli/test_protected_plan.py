"""`stacks plan` takes the deploy role and creates change sets: in a protected environment it needs
the environment's name, like every other elevation. The calls are counted on the wire to moto."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsconsole.demo.world import DemoReady
from tests.conftest import config_with_own_journal
from tests.helpers import run_cli
from tests.runbooks.withhold import relay


def test_stacks_plan_in_prod_needs_the_name_before_any_call(
    demo_world: DemoReady, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with relay(demo_world.endpoint) as wire:
        config = config_with_own_journal(demo_world, tmp_path)
        config.write_text(config.read_text().replace(demo_world.endpoint, wire.url), encoding="utf-8")
        refused = run_cli(capsys, "-c", str(config), "stacks", "plan", "prod")
        assert refused.code == 3, refused.stderr
        assert "pass --confirm prod" in refused.stderr and "Traceback" not in refused.stderr
        assert wire.sent["CreateChangeSet"] == 0 and wire.sent["AssumeRole"] == 0, wire.sent

        wrong = run_cli(capsys, "-c", str(config), "stacks", "plan", "prod", "--confirm", "dev")
        assert wrong.code == 3 and "does not match" in wrong.stderr
        assert sum(wire.sent.values()) == 0, wire.sent

        confirmed = run_cli(
            capsys, "-c", str(config), "stacks", "plan", "prod", "--confirm", "prod", "-o", "json"
        )
        assert confirmed.code == 0, confirmed.stderr
        assert wire.sent["CreateChangeSet"] > 0

        unprotected = dict(wire.sent)
        dev = run_cli(capsys, "-c", str(config), "stacks", "plan", "dev", "-o", "json")
        assert dev.code == 0, dev.stderr  # dev is not protected: no name needed
        assert wire.sent["CreateChangeSet"] > unprotected["CreateChangeSet"]
