"""A full-environment deploy of stacks/ on moto, opsconsole next to `sceptre launch` of the same
templates and parameters, each on a fresh demo world, signed with the same deploy role."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from opsconsole.app.console import Console
from opsconsole.config import load_settings
from opsconsole.demo.world import DemoWorld
from opsconsole.domain.stacks import OutputRef

ROOT = Path(__file__).resolve().parents[1]


def timed(run: Callable[[], Any]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


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


def run(opsconsole: str, sceptre: str, env: str = "dev") -> dict[str, float]:
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        base = {**os.environ, "OPSCONSOLE_STATE_DIR": tmp}
        for var in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            base.pop(var, None)

        with DemoWorld(root=Path(tmp) / "ours", operator="bench", deploy_stacks=False) as ready:
            config = str(ready.config_path)
            cli = [opsconsole, "-c", config, "stacks"]
            subprocess.run(
                [*cli, "validate", env], env=base, check=True, capture_output=True
            )  # warms the lint cache
            results["opsconsole deploy (create)"] = timed(
                lambda: subprocess.run(
                    [*cli, "deploy", env, "--yes"], env=base, check=True, capture_output=True
                )
            )
            results["opsconsole deploy (no changes)"] = timed(
                lambda: subprocess.run(
                    [*cli, "deploy", env, "--yes"], env=base, check=True, capture_output=True
                )
            )

        with DemoWorld(root=Path(tmp) / "theirs", operator="bench", deploy_stacks=False) as ready:
            settings = load_settings(ready.config_path, environ={})
            services = Console.build(settings)
            project = sceptre_project(Path(tmp), services, env)
            exported = subprocess.run(
                [
                    opsconsole,
                    "-c",
                    str(ready.config_path),
                    "accounts",
                    "assume",
                    env,
                    "--role",
                    "deploy",
                    "--export",
                    "-o",
                    "json",
                ],
                env=base,
                check=True,
                capture_output=True,
                text=True,
            )
            keys = json.loads(exported.stdout)
            peer = {
                **base,
                "AWS_ACCESS_KEY_ID": keys["AccessKeyId"],
                "AWS_SECRET_ACCESS_KEY": keys["SecretAccessKey"],
                "AWS_SESSION_TOKEN": keys["SessionToken"],
                "AWS_ENDPOINT_URL": ready.endpoint,
            }
            launch = [sceptre, "--dir", str(project), "launch", "-y", env]
            results["sceptre launch (create)"] = timed(
                lambda: subprocess.run(launch, env=peer, check=True, capture_output=True)
            )
            results["sceptre launch (no changes)"] = timed(
                lambda: subprocess.run(launch, env=peer, check=True, capture_output=True)
            )
    return results
