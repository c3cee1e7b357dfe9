"""What CloudFormation itself holds, read with the account's admin keys: the change sets left on
an environment's stacks, and a copy of stacks/ with parameters changed."""

from __future__ import annotations

import shutil
from pathlib import Path

from opsconsole.demo.world import DemoReady
from tests.world_helpers import admin

STACKS = Path(__file__).resolve().parents[2] / "stacks"
REGIONS = ("eu-west-1", "eu-central-1")


def change_sets(world: DemoReady, env: str) -> list[tuple[str, str, str]]:
    """(stack, change set, execution status) of every change set on the environment's stacks."""
    found: dict[str, tuple[str, str, str]] = {}
    for region in REGIONS:
        cfn = admin(world, env, "cloudformation", region)
        for stack in cfn.describe_stacks()["Stacks"]:
            if not stack["StackName"].startswith(f"{env}-"):
                continue
            # moto 5 answers with every change set of the region, whichever stack is asked about.
            for summary in cfn.list_change_sets(StackName=stack["StackName"]).get("Summaries", []):
                found[summary["ChangeSetId"]] = (
                    summary["StackName"],
                    summary["ChangeSetName"],
                    summary.get("ExecutionStatus", ""),
                )
    return sorted(found.values())


def available_change_sets(world: DemoReady, env: str) -> list[tuple[str, str, str]]:
    """The change sets that could still be executed (moto keeps executed ones, marked
    EXECUTE_COMPLETE, where AWS deletes them)."""
    return [found for found in change_sets(world, env) if found[2] == "AVAILABLE"]


def stacks_with(tmp_path: Path, env: str, *replacements: tuple[str, str]) -> Path:
    """A copy of stacks/ whose params/<env>.toml has each (old, new) text replaced."""
    root = tmp_path / "stacks"
    shutil.copytree(STACKS, root)
    params = root / "params" / f"{env}.toml"
    text = params.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    params.write_text(text, encoding="utf-8")
    return root
