"""The CLI rows of `./dev bench`, each side beside its peer, alternated, on one demo world.

- start-up: `opsconsole --help` vs `aws --version` (budget <= 0.6x);
- whoami, both cold: `opsconsole accounts whoami --env prod` (AssumeRole + GetCallerIdentity, an
  empty session cache) vs `aws sts get-caller-identity --profile prod-read` with an empty
  ~/.aws/cli/cache (AssumeRole + GetCallerIdentity too); then both warm (our encrypted session
  file, the CLI's cache, each filled by one call first);
- `opsconsole ecs services --env prod` vs `aws ecs list-services` + `describe-services`, both with
  warm caches (budget <= 0.5x);
- `ecs services --all-envs` vs `--env prod` (budget <= 1.15x).

Our session cache: no OS keyring (PYTHON_KEYRING_BACKEND names keyring's fail backend), so the
encrypted file in the state dir, as on a server without Secret Service. But a demo world's config
says `demo = true`, and the broker keeps a demo world's role sessions in memory only
(aws/session.py): every one of our runs here assumes its role again (AssumeRole +
GetCallerIdentity), "warm" included, while the AWS CLI's warm runs read its cache.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from itertools import count
from pathlib import Path

from bench.common import OPSCONSOLE, Sample, Table, alternate, clean_env, command, measure, run_measured


def startup(table: Table, aws: str, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = clean_env(tmp)
        got = alternate(
            {"ours": command([OPSCONSOLE, "--help"], env), "aws": command([aws, "--version"], env)}, rounds
        )
    table.add("`opsconsole --help`", got["ours"], got["aws"], budget=0.6, peer_name="`aws --version`")
    table.add("`aws --version` (peer, its own venv)", got["aws"])


def world_rows(table: Table, aws: str, config: Path, rounds: int) -> None:
    """The rows that read the demo world `config` belongs to."""
    world = config.parent
    endpoint = next(x for x in config.read_text().splitlines() if x.startswith("endpoint_url"))
    endpoint = endpoint.split("=", 1)[1].strip().strip('"')
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        aws_config = root / "aws-config"
        aws_config.write_text(
            (world / "aws-config").read_text()
            + "\n[profile prod-read]\nrole_arn = arn:aws:iam::333333333333:role/OpsConsoleReadOnly\n"
            "source_profile = opsconsole-demo\nexternal_id = opsconsole-prod\nregion = eu-west-1\n"
        )
        fresh = count()

        def ours_env(state: Path) -> dict[str, str]:
            return {
                **clean_env(str(state)),
                "OPSCONSOLE_CACHE_PASSPHRASE": "bench",
                "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            }

        def peer_env(home: Path) -> dict[str, str]:
            home.mkdir(parents=True, exist_ok=True)
            return {
                **clean_env(str(root / "unused")),
                "AWS_CONFIG_FILE": str(aws_config),
                "AWS_SHARED_CREDENTIALS_FILE": str(world / "aws-credentials"),
                "AWS_ENDPOINT_URL": endpoint,
                "HOME": str(home),  # the CLI caches assumed-role keys in ~/.aws/cli/cache
            }

        ours = [OPSCONSOLE, "-c", str(config)]
        whoami = [*ours, "accounts", "whoami", "--env", "prod", "-o", "json"]
        identity = [aws, "sts", "get-caller-identity", "--profile", "prod-read"]

        def cold(args: list[str], env_of: Callable[[Path], dict[str, str]]) -> Callable[[], Sample]:
            return lambda: measure(args, env_of(root / f"cold-{next(fresh)}"))

        warm_state, warm_home = root / "warm-state", root / "warm-home"
        measure(whoami, ours_env(warm_state))  # fills our session file
        measure(identity, peer_env(warm_home))  # fills the CLI's cache (and warms moto's STS)
        got = alternate({"ours": cold(whoami, ours_env), "aws": cold(identity, peer_env)}, rounds)
        table.add(
            "whoami cold (AssumeRole + GetCallerIdentity): `opsconsole accounts whoami --env prod`",
            got["ours"], got["aws"], peer_name="aws",
        )  # fmt: skip
        table.add("same cold: `aws sts get-caller-identity --profile prod-read`, empty cache", got["aws"])
        got = alternate(
            {"ours": command(whoami, ours_env(warm_state)), "aws": command(identity, peer_env(warm_home))},
            rounds,
        )
        table.add(
            "whoami again: `opsconsole accounts whoami --env prod` (demo: sessions in memory, assumed again)",
            got["ours"],
            got["aws"],
            peer_name="aws",
        )
        table.add("same warm: `aws sts get-caller-identity` (~/.aws/cli/cache warm)", got["aws"])

        services = [*ours, "ecs", "services", "--env", "prod", "-o", "json"]
        all_envs = [*ours, "ecs", "services", "--all-envs", "-o", "json"]
        peer = peer_env(warm_home)

        def aws_services() -> Sample:
            listed, out = run_measured(
                [aws, "ecs", "list-services", "--cluster", "prod-cluster", "--profile", "prod-read"], peer
            )
            arns = json.loads(out)["serviceArns"]
            described = measure(
                [aws, "ecs", "describe-services", "--cluster", "prod-cluster", "--profile", "prod-read",
                 "--services", *arns],
                peer,
            )  # fmt: skip
            rss = max(listed.rss_mb or 0, described.rss_mb or 0) or None
            return Sample(listed.seconds + described.seconds, rss)

        got = alternate(
            {
                "ours": command(services, ours_env(warm_state)),
                "aws": aws_services,
                "all": command(all_envs, ours_env(warm_state)),
            },
            rounds,
        )
        table.add(
            "`opsconsole ecs services --env prod -o json` (6 services)",
            got["ours"],
            got["aws"],
            budget=0.5,
            peer_name="aws list+describe",
        )
        table.add(
            "same with `aws ecs list-services` + `aws ecs describe-services` (two processes)", got["aws"]
        )
        table.add(
            "`opsconsole ecs services --all-envs -o json` (3 accounts)",
            got["all"],
            got["ours"],
            budget=1.15,
            peer_name="`--env prod`",
        )
