"""A full-environment deploy of stacks/ on moto, opsconsole next to `sceptre launch` of the same
templates and parameters, each on a fresh demo world, signed with the same deploy role; rounds
alternate which tool goes first."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from bench.common import Sample, clean_env, measure, run_measured
from opsconsole.app.console import Console
from opsconsole.config import load_settings
from opsconsole.demo.world import DemoWorld
from opsconsole.domain.stacks import OutputRef

ROOT = Path(__file__).resolve().parents[1]


def sceptre_project(root: Path, services: Console, env: str) -> Path:
    """A sceptre project with our templates and the env's parameters (outputs as !stack_output)."""
    estate = services.stacks.estate(env, lint=False)
    project = root / "sceptre"
    (project / "config" / env).mkdir(parents=True)
    (project / "templates").mkdir()
    (project / "config" / "config.yaml").write_text(
        f"project_code: bench\nregion: {services.settings.environment(env).region}\n", encoding="utf-8"
    )
    for key, spec in estate.specs.items():
        (project / "templates" / f"{key}.yaml").write_text(spec.template_body, encoding="utf-8")
        lines = [f"template:\n  path: {key}.yaml", f"region: {spec.region}", "parameters:"]
        for name, value in spec.parameters.items():
            if isinstance(value, OutputRef):
                lines.append(f"  {name}: !stack_output {env}/{value.stack}.yaml::{value.output}")
            else:
                lines.append(f"  {name}: {json.dumps(value)}")
        if not spec.parameters:
            lines[-1] = "parameters: {}"
        (project / "config" / env / f"{key}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return project


def ours(opsconsole: str, base: dict[str, str], root: Path, env: str) -> dict[str, Sample]:
    with DemoWorld(root=root, operator="bench", deploy_stacks=False) as ready:
        cli = [opsconsole, "-c", str(ready.config_path), "stacks"]
        measure([*cli, "validate", env], base)  # warms the lint cache
        return {
            "opsconsole deploy (create)": measure([*cli, "deploy", env, "--yes"], base),
            "opsconsole deploy (no changes)": measure([*cli, "deploy", env, "--yes"], base),
        }


def theirs(opsconsole: str, sceptre: str, base: dict[str, str], root: Path, env: str) -> dict[str, Sample]:
    with DemoWorld(root=root, operator="bench", deploy_stacks=False) as ready:
        services = Console.build(load_settings(ready.config_path, environ={}))
        project = sceptre_project(root, services, env)
        services.close()
        _, exported = run_measured(
            [opsconsole, "-c", str(ready.config_path), "accounts", "assume", env, "--role", "deploy",
             "--export", "-o", "json"],
            base,
        )  # fmt: skip
        keys = json.loads(exported)
        peer = {
            **base,
            "AWS_ACCESS_KEY_ID": keys["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": keys["SecretAccessKey"],
            "AWS_SESSION_TOKEN": keys["SessionToken"],
            "AWS_ENDPOINT_URL": ready.endpoint,
        }
        launch = [sceptre, "--dir", str(project), "launch", "-y", env]
        return {
            "sceptre launch (create)": measure(launch, peer),
            "sceptre launch (no changes)": measure(launch, peer),
        }


def run(opsconsole: str, sceptre: str, env: str = "dev", rounds: int = 3) -> dict[str, list[Sample]]:
    """`rounds` rounds, each a fresh world per tool, the tools alternated (A B, then B A)."""
    results: dict[str, list[Sample]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        base = clean_env(tmp)
        for index in range(rounds):
            sides = [
                lambda i=index: ours(opsconsole, base, Path(tmp) / f"ours-{i}", env),
                lambda i=index: theirs(opsconsole, sceptre, base, Path(tmp) / f"theirs-{i}", env),
            ]
            for side in sides if index % 2 == 0 else reversed(sides):
                for name, sample in side().items():
                    results.setdefault(name, []).append(sample)
    return results
