"""Fixtures of the team tests: one small moto world per session, a Team per operator."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from opsconsole.app.context import AppContext
from opsconsole.app.team import Team
from opsconsole.aws.session import utc_now
from opsconsole.config import load_settings
from tests.support.forked_moto import run_root
from tests.team.world import APPROVERS_GROUP, TABLE, TeamWorld, start_team_world

MakeTeam = Callable[..., tuple[Team, AppContext]]


@pytest.fixture(scope="session")
def team_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TeamWorld]:
    world = start_team_world(tmp_path_factory.mktemp("team-world"), run_root(tmp_path_factory))
    yield world
    world.server.stop()


def team_config(world: TeamWorld, root: Path, name: str, endpoint: str, table: str = TABLE) -> Path:
    """A console config for one operator of the team world, signed in as that operator."""
    aws_config, aws_credentials = world.write_credentials(root, name)
    bob = world.operators["bob"].arn
    path = root / f"{name}.toml"
    path.write_text(
        f"""
[identity]
profile = "{name}"
operator = "{name}"
aws_config_file = "{aws_config}"
aws_credentials_file = "{aws_credentials}"

[aws]
endpoint_url = "{endpoint}"

[audit]
journal = "{root / (name + "-audit.jsonl")}"

[team]
table = "{table}"
approvers = ["{bob}"]
approver_groups = ["{APPROVERS_GROUP}"]
lock_minutes = 1
approval_minutes = 10

[environments.prod]
account_id = "333333333333"
region = "eu-west-1"
protected = true
roles = {{ read = "arn:aws:iam::333333333333:role/OpsConsoleReadOnly" }}
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def make_team(team_world: TeamWorld, tmp_path: Path) -> Iterator[MakeTeam]:
    contexts: list[AppContext] = []

    def make(
        name: str, *, endpoint: str | None = None, clock: Callable[[], datetime] = utc_now
    ) -> tuple[Team, AppContext]:
        config = team_config(team_world, tmp_path, name, endpoint or team_world.endpoint)
        context = AppContext.build(load_settings(config, environ={}), clock=clock)
        contexts.append(context)
        team = Team.of_context(context)
        assert team is not None
        return team, context

    yield make
    for context in contexts:
        context.close()
