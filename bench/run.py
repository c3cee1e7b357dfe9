"""Benchmarks against peer tools in the same run; writes bench/RESULTS.md.

Measures: `opsconsole --help` start-up (budget 0.3 s); `opsconsole demo --serve` until its export
line (budget 5 s) and until its estate is deployed; assuming prod's read role plus
GetCallerIdentity, opsconsole vs the AWS CLI with an equivalent role profile on the same moto
world; a full-environment deploy of stacks/, opsconsole vs `sceptre launch` of the same templates;
when a real Zabbix 6.0 is up (scripts/zabbix/up.sh), `opsconsole alerts list` vs zabbix-cli listing
the same problems (bench/alerts_vs_zabbix_cli.py); the console on a running demo world, from launch
to all panes filled, switching environments and key-to-paint, beside the AWS CLI reading the same
first screen (bench/console_live.py).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
OPSCONSOLE = str(BIN / "opsconsole")
PEERS = ROOT / ".venv-peers"


def timed(run: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return samples


def command(args: list[str], env: dict[str, str] | None = None) -> Callable[[], object]:
    def run() -> object:
        return subprocess.run(args, env=env, check=True, capture_output=True)

    return run


def peer(command: str, package: str) -> str:
    """A peer tool, installed once into .venv-peers (its own venv: its pins never touch ours)."""
    path = PEERS / "bin" / command
    if not path.exists():
        if not (PEERS / "bin" / "pip").exists():
            subprocess.run([sys.executable, "-m", "venv", str(PEERS)], check=True)
        subprocess.run([str(PEERS / "bin" / "pip"), "install", "-q", package], check=True)
    return str(path)


def start_demo(env: dict[str, str]) -> tuple[subprocess.Popen[str], float, float, Path]:
    """Start `demo --serve`; seconds to its export line and to its estate being deployed."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [OPSCONSOLE, "demo", "--serve"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    assert process.stdout is not None and process.stderr is not None
    line = process.stdout.readline()
    ready = time.perf_counter() - started
    if not line.startswith("export OPSCONSOLE_CONFIG="):
        process.kill()
        raise SystemExit(f"demo did not start: {line!r}")
    while "demo estate deployed" not in (progress := process.stderr.readline()):
        if not progress:
            raise SystemExit("demo stopped before its estate was deployed")
    return process, ready, time.perf_counter() - started, Path(line.strip().split("=", 1)[1])


def row(name: str, samples: list[float], budget: str = "") -> str:
    median = statistics.median(samples)
    low, high = min(samples), max(samples)
    return (
        f"| {name} | {len(samples)} | {median * 1000:.0f} | {low * 1000:.0f} | {high * 1000:.0f} | {budget} |"
    )


def log_pane_vs_toolong() -> list[str]:
    """The log pane and toolong, each in its own process, 10,000 lines a second for 20 s each."""
    peer("tl", "toolong")
    ours = json.loads(
        subprocess.run(
            [sys.executable, "-m", "bench.log_pane_10k"], cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout
    )
    theirs = json.loads(
        subprocess.run(
            [str(PEERS / "bin" / "python"), str(ROOT / "bench" / "toolong_follow.py")],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )

    def line(name: str, r: dict[str, float], took: str) -> str:
        return (
            f"{name}: {took}; key-to-paint over {r['presses']:.0f} presses median {r['median_ms']:.1f} ms, "
            f"p95 {r['p95_ms']:.1f} ms, max {r['max_ms']:.0f} ms; peak RSS {r['max_rss_mb']:.0f} MB"
        )

    return [
        line(
            "Log pane at 10,000 lines/s (synthetic in-memory feed, bench/log_pane_10k.py)",
            ours,
            f"{ours['lines_shown_per_s']:.0f} lines/s shown, buffer bounded at {ours['buffered']:.0f} lines",
        )
        + " (budget < 100 ms).",
        line(
            "toolong (peer) following a file growing by 10,000 lines/s (bench/toolong_follow.py)",
            theirs,
            f"{theirs['lines_indexed_per_s']:.0f} lines/s indexed",
        )
        + ". Same keys (up, up, down, down every 0.1 s); toolong stops following when scrolled up,"
        " the pane keeps rendering every line.",
    ]


def main() -> int:
    aws = shutil.which("aws") or peer("aws", "awscli")
    sceptre = peer("sceptre", "sceptre")
    sceptre_version = subprocess.run([sceptre, "--version"], capture_output=True, text=True).stdout.strip()
    aws_version = subprocess.run([aws, "--version"], capture_output=True, text=True).stdout.strip()
    rows = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "OPSCONSOLE_STATE_DIR": tmp}
        for var in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            env.pop(var, None)
        rows.append(row("`opsconsole --help`", timed(command([OPSCONSOLE, "--help"], env), 20), "< 300 ms"))
        rows.append(row("`aws --version` (peer: start-up only)", timed(command([aws, "--version"], env), 20)))

        ready, deployed = [], []
        for _ in range(5):
            process, to_ready, to_deployed, _config = start_demo(env)
            ready.append(to_ready)
            deployed.append(to_deployed)
            process.terminate()
            process.wait(30)
        rows.append(row("`opsconsole demo --serve` to export line", ready, "< 5000 ms"))
        rows.append(row("`opsconsole demo --serve` to estate deployed (3 envs × 7 stacks)", deployed))

        process, _ready, _deployed, config = start_demo(env)
        try:
            world = config.parent
            endpoint = next(
                line for line in config.read_text().splitlines() if line.startswith("endpoint_url")
            )
            endpoint = endpoint.split("=", 1)[1].strip().strip('"')
            aws_config = Path(tmp) / "aws-config"
            aws_config.write_text(
                (world / "aws-config").read_text()
                + "\n[profile prod-read]\nrole_arn = arn:aws:iam::333333333333:role/OpsConsoleReadOnly\n"
                "source_profile = opsconsole-demo\nexternal_id = opsconsole-prod\nregion = eu-west-1\n"
            )
            peer_env = {
                **env,
                "AWS_CONFIG_FILE": str(aws_config),
                "AWS_SHARED_CREDENTIALS_FILE": str(world / "aws-credentials"),
                "AWS_ENDPOINT_URL": endpoint,
                # The AWS CLI caches assumed-role keys under ~/.aws/cli/cache; a fresh HOME per
                # run keeps keys from an earlier, stopped world out of this one.
                "HOME": tmp,
            }
            ours = command(
                [OPSCONSOLE, "-c", str(config), "accounts", "whoami", "--env", "prod", "-o", "json"], env
            )
            theirs = command([aws, "sts", "get-caller-identity", "--profile", "prod-read"], peer_env)
            ours()
            theirs()  # warm both once: the server's first STS call imports moto's STS backend
            rows.append(
                row(
                    "assume prod read role + GetCallerIdentity: `opsconsole accounts whoami`", timed(ours, 10)
                )
            )
            rows.append(row("same with `aws sts get-caller-identity --profile prod-read`", timed(theirs, 10)))

            ours_services = command(
                [OPSCONSOLE, "-c", str(config), "ecs", "services", "--env", "prod", "-o", "json"], env
            )
            ours_services()
            rows.append(
                row("`opsconsole ecs services --env prod -o json` (6 services)", timed(ours_services, 10))
            )

            def aws_services() -> None:
                listed = subprocess.run(
                    [
                        aws,
                        "ecs",
                        "list-services",
                        "--cluster",
                        "prod-cluster",
                        "--profile",
                        "prod-read",
                        "--output",
                        "json",
                    ],
                    env=peer_env,
                    check=True,
                    capture_output=True,
                    text=True,
                )
                arns = json.loads(listed.stdout)["serviceArns"]
                subprocess.run(
                    [
                        aws,
                        "ecs",
                        "describe-services",
                        "--cluster",
                        "prod-cluster",
                        "--profile",
                        "prod-read",
                        "--services",
                        *arns,
                    ],
                    env=peer_env,
                    check=True,
                    capture_output=True,
                )

            aws_services()
            rows.append(
                row(
                    "same with `aws ecs list-services` + `aws ecs describe-services`", timed(aws_services, 10)
                )
            )
            all_envs = command(
                [OPSCONSOLE, "-c", str(config), "ecs", "services", "--all-envs", "-o", "json"], env
            )
            rows.append(
                row("`opsconsole ecs services --all-envs` (3 accounts in parallel)", timed(all_envs, 10))
            )
        finally:
            process.terminate()
            process.wait(30)

    from bench.stacks_vs_sceptre import run as stacks_run

    for name, seconds in stacks_run(OPSCONSOLE, sceptre).items():
        rows.append(row(f"dev estate, 7 stacks on moto: {name}", [seconds]))

    from bench.pane_2000 import run as pane_run

    pane = pane_run()
    notes.append(
        f"ECS pane with {pane['rows']:.0f} services seeded on moto: first load {pane['first_load_s']:.2f} s; "
        f"key-to-paint over 60 presses with refreshes in flight: median {pane['median_ms']:.1f} ms, "
        f"p95 {pane['p95_ms']:.1f} ms, max {pane['max_ms']:.0f} ms (budget < 100 ms); peak RSS "
        f"{pane['max_rss_mb']:.0f} MB. No peer TUI can run here (k9s has no ECS; e1s is a Go binary "
        "this machine cannot fetch), so this row has no comparison."
    )

    notes.extend(log_pane_vs_toolong())

    from bench.alerts_vs_zabbix_cli import real_zabbix
    from bench.alerts_vs_zabbix_cli import run as alerts_run

    peers = [aws_version, sceptre_version]
    real = real_zabbix()
    if real is None:
        notes.append(
            "`opsconsole alerts list` vs zabbix-cli: skipped, no real Zabbix 6.0 is up; start one as root "
            "with `scripts/zabbix/up.sh` (Debian 12) and rerun `./dev bench`."
        )
    else:
        alerts = alerts_run(real, problems=50, hosts=10)
        peers.append(alerts.peer_version)
        for timing in alerts.timings:
            rows.append(row(f"50 problems on 10 hosts, real Zabbix 6.0: {timing.name}", timing.samples))
        notes.extend(alerts.notes)

    from bench.graylog_tail import describe as describe_tail
    from bench.graylog_tail import run as tail_run

    graylog = ["## Graylog", "", f"- {describe_tail(tail_run())} (`python -m bench.graylog_tail`)", ""]

    from bench.console_live import describe as describe_console
    from bench.console_live import run as console_run

    console = describe_console(console_run())

    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = "\n".join(
        [
            "# Benchmark results",
            "",
            f"Run {stamp} by `./dev bench` on {platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}; peers: {'; '.join(peers)}.",
            "Wall time of whole processes (start-up included), in milliseconds. The stacks rows run each",
            "tool on its own fresh demo world with the same dev deploy role; opsconsole's cfn-lint cache",
            "is warm (its `stacks validate` ran first), sceptre lints nothing.",
            "",
            "| what | runs | median | min | max | budget |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            *(f"- {note}" for note in notes),
            "",
            *graylog,
            *console,
        ]
    )
    (ROOT / "bench" / "RESULTS.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
