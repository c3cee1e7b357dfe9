"""Cached sessions: `opsconsole accounts whoami --env prod` against the AWS CLI and awsume, each
with its own cache warm, on one open demo world (moto over HTTP, no IAM enforcement so the MFA
session token works). Each tool has its own copy of the same prod profile (role_session_name
tells their AssumeRole calls apart on the server); the first call of each fills its cache with
an MFA code, then N timed calls run with no code. Prints Markdown rows, and how many AssumeRole
and GetSessionToken calls the server saw from each tool during the timed calls.

    .venv/bin/python -m bench.access_cached [N]
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.common import OPSCONSOLE, peer

ROLE = "arn:aws:iam::333333333333:role/OpsConsoleReadOnly"
MFA = "arn:aws:iam::999999999999:mfa/alice"


def server_sts(endpoint: str) -> dict[str, list[dict[str, object]]]:
    with urllib.request.urlopen(endpoint + "/moto-api/data.json", timeout=30) as answer:
        sts = json.load(answer).get("sts", {})
    return {"AssumeRole": sts.get("AssumedRole", []), "Token": sts.get("Token", [])}


def profile(name: str, session: str) -> str:
    return (
        f"[profile {name}]\nrole_arn = {ROLE}\nsource_profile = identity\nexternal_id = opsconsole-prod\n"
        f"role_session_name = {session}\nduration_seconds = 3600\nmfa_serial = {MFA}\nregion = eu-west-1\n\n"
    )


def timed(args: list[str], env: dict[str, str], repeat: int) -> tuple[list[float], float]:
    """Wall seconds per run, and the median CPU seconds (user + system) per run: on a loaded
    machine the CPU time is the steadier number."""
    import resource

    samples, cpu = [], []
    for _ in range(repeat):
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(
            args, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False
        )
        samples.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - used.ru_utime + after.ru_stime - used.ru_stime)
        if done.returncode != 0:
            raise SystemExit(f"{args[0]} failed: {done.stderr.strip()[:300]}")
    return samples, statistics.median(cpu)


def counted(endpoint: str, session: str) -> tuple[int, int]:
    sts = server_sts(endpoint)
    return len([c for c in sts["AssumeRole"] if c.get("session_name") == session]), len(sts["Token"])


def main(repeat: int = 10) -> int:
    from opsconsole.demo.server import MotoServer
    from opsconsole.demo.world import DemoWorld

    MotoServer.start.__defaults__ = (60.0,)  # a loaded machine may need more than 20 s to start it

    root = Path(tempfile.mkdtemp(prefix="bench-access-"))
    world = DemoWorld(root=root / "world", operator="alice", enforce_iam=False, deploy_stacks=False)
    ready = world.start()
    try:
        home = root / "home"
        (home / ".aws").mkdir(parents=True)
        key = ready.accounts.operator_key
        (home / ".aws" / "credentials").write_text(
            f"[identity]\naws_access_key_id = {key.access_key_id}\n"
            f"aws_secret_access_key = {key.secret_access_key}\n"
        )
        (home / ".aws" / "config").write_text(
            "[profile identity]\nregion = us-east-1\n\n"
            + profile("prod-ops", "bench-ops")
            + profile("prod-cli", "bench-cli")
            + profile("prod-awsume", "bench-awsume")
        )
        config = root / "opsconsole.toml"
        config.write_text(
            f'[aws]\nendpoint_url = "{ready.endpoint}"\n'
            '[identity]\nprofile = "identity"\noperator = "alice"\n'
            f'[audit]\njournal = "{root / "audit.jsonl"}"\n'
            '[environments.prod]\nprofile = "prod-ops"\n'
        )
        base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OPSCONSOLE_"))}
        base.update({"HOME": str(home), "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
        ours_env = {
            **base,
            "OPSCONSOLE_STATE_DIR": str(root / "state"),
            "OPSCONSOLE_CACHE_PASSPHRASE": "bench",
        }
        peer_env = {**base, "AWS_ENDPOINT_URL": ready.endpoint}
        ours = [OPSCONSOLE, "-c", str(config), "accounts", "whoami", "--env", "prod", "-o", "json"]
        subprocess.run([*ours, "--mfa-code", "123456"], env=ours_env, check=True, capture_output=True)
        aws = os.environ.get("AWS_CLI") or peer("aws", "awscli")
        cli = [aws, "sts", "get-caller-identity", "--profile", "prod-cli"]
        subprocess.run(cli, env=peer_env, input="123456\n", text=True, check=True, capture_output=True)
        rows = []
        for name, args, env, session in (
            (
                "`opsconsole accounts whoami --env prod` (encrypted session file warm)",
                ours,
                ours_env,
                "bench-ops",
            ),
            (
                "`aws sts get-caller-identity --profile prod-cli` (~/.aws/cli/cache warm)",
                cli,
                peer_env,
                "bench-cli",
            ),
        ):
            before = counted(ready.endpoint, session)
            samples, cpu = timed(args, env, repeat)
            after = counted(ready.endpoint, session)
            rows.append(line(name, samples, cpu, after[0] - before[0], after[1] - before[1]))
        rows.append(awsume_row(ready.endpoint, peer_env, repeat))
        print("| what | runs | median ms | min | max | CPU ms (median) | STS calls during the timed runs |")
        print("|---|---|---|---|---|---|---|")
        print("\n".join(rows))
    finally:
        world.stop()
        shutil.rmtree(root, ignore_errors=True)
    return 0


def awsume_row(endpoint: str, env: dict[str, str], repeat: int) -> str:
    """awsume (its MFA session cached in ~/.awsume/cache; it assumes the role on every call)."""
    try:
        awsume = os.environ.get("AWSUME") or peer("awsumepy", "awsume")
    except (subprocess.CalledProcessError, OSError) as e:
        return f"| awsume | 0 | — | — | — | could not be installed: {e} |"
    first = subprocess.run(
        [awsume, "prod-awsume"], env=env, input="123456\n", text=True, capture_output=True, check=False
    )
    if first.returncode != 0:
        return f"| `awsume prod-awsume` | 0 | — | — | — | did not run here: {first.stderr.strip()[:120]} |"
    before = counted(endpoint, "bench-awsume")
    samples, cpu = timed([awsume, "prod-awsume"], env, repeat)
    after = counted(endpoint, "bench-awsume")
    name = "`awsume prod-awsume` (~/.awsume/cache warm)"
    return line(name, samples, cpu, after[0] - before[0], after[1] - before[1])


def line(name: str, samples: list[float], cpu: float, assumed: int, tokens: int) -> str:
    ms = [s * 1000 for s in samples]
    return (
        f"| {name} | {len(ms)} | {statistics.median(ms):.0f} | {min(ms):.0f} | {max(ms):.0f} "
        f"| {cpu * 1000:.0f} | {assumed} AssumeRole, {tokens} GetSessionToken |"
    )


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10))
