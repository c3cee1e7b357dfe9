"""Scale in one screen (issue 18, item 2): 2,000 ECS services, 5,000 Zabbix problems and 10,000
log lines a second at the same time in one console (160x48), every pane live, links moving as
the cursor moves; key-to-paint per key kind and the app's memory.

This process holds the world: the demo world (moto in its own process, the estate deployed)
with 2,000 services seeded in dev (bench/scale_world.py). The console runs in a child process
(bench/scale_drive.py: the keys, what each changes, the RSS samples), with the Zabbix problems and
the log feed simulated behind its app layer (bench/scale_feeds.py says how and why).

    python -m bench.scale_screen            # 600 presses
    python -m bench.scale_screen --quick    # 300 presses
    python -m bench.scale_screen --soak 600 # then keys for ten minutes, RSS every 5 s
    python -m bench.scale_screen --serve    # the world alone, for `python -m bench.scale_drive CONFIG`

The console's process also reads SCALE_PROFILE (cProfile of the presses to that file),
SCALE_PARTIAL (what was measured so far, after each round of keys) and SCALE_TRACEMALLOC (the
call sites whose retained memory grew most over the presses and the soak).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.scale_world import CLUSTER, SERVICES, seed

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("cursor", "focus", "filter", "link", "severity")
BUDGET = "p99 < 50 ms, max < 100 ms; RSS < 400 MB, flat"


def run(presses: int, soak: float = 0.0) -> dict[str, Any]:
    from opsconsole.demo.world import DemoWorld

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        with DemoWorld(root=Path(tmp) / "world", operator="bench") as ready:
            world_s = time.perf_counter() - started
            seeded = seed(ready.endpoint, ready.accounts.admin_keys["dev"])
            env = {**os.environ, "OPSCONSOLE_STATE_DIR": tmp}
            for var in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
                env.pop(var, None)
            done = subprocess.run(
                [sys.executable, "-m", "bench.scale_drive", str(ready.config_path)]
                + ["--presses", str(presses), "--soak", str(soak), "--services", str(SERVICES)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
            )
    if done.returncode != 0:
        raise SystemExit(f"the console run failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result |= {"world_s": world_s, **seeded, "load": (load_before, os.getloadavg()[0])}
    return result


def serve() -> None:
    """The world alone until Enter, end of input or SIGTERM: its config path on stdout."""
    import signal

    from opsconsole.demo.world import DemoWorld

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # so the world stops its moto process

    with tempfile.TemporaryDirectory() as tmp, DemoWorld(root=Path(tmp) / "world", operator="bench") as ready:
        print(json.dumps(seed(ready.endpoint, ready.accounts.admin_keys["dev"])), flush=True)
        print(ready.config_path, flush=True)
        sys.stdin.readline()


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def quantiles(samples: list[float]) -> str:
    ms = [s * 1000 for s in samples]
    return (
        f"p50 {percentile(ms, 50):.0f}, p95 {percentile(ms, 95):.0f}, p99 {percentile(ms, 99):.0f}, "
        f"max {max(ms):.0f} ms"
    )


def memory(rss: list[tuple[float, float]]) -> str:
    """Peak RSS, and flatness: the mean of the first and of the last fifth after the first minute."""
    values = [mb for at, mb in rss]
    later = [mb for at, mb in rss if at >= 60] or values
    fifth = max(1, len(later) // 5)
    first, last = sum(later[:fifth]) / fifth, sum(later[-fifth:]) / fifth
    span = rss[-1][0] if rss else 0
    return (
        f"peak {max(values):.0f} MB over {span / 60:.1f} min ({len(values)} samples); "
        f"after the first minute, first fifth {first:.0f} MB, last fifth {last:.0f} MB "
        f"({last - first:+.0f} MB)"
    )


def describe(r: dict[str, Any]) -> list[str]:
    samples: dict[str, list[float]] = r["samples"]
    every = [t for kind in samples.values() for t in kind]
    missed = sum(r["missed"].values())
    per_kind = "; ".join(
        f"{kind} ({len(samples[kind])}) {quantiles(samples[kind])}" for kind in KINDS if samples.get(kind)
    )
    ready, log = r["ready"], r["log"]
    return [
        "## Scale in one screen (bench/scale_screen.py)",
        "",
        f"One console, headless (`App.run_test`, 160×48), in its own process: dev's ECS services "
        f"({r['rows']['ecs']} rows in {CLUSTER}; {r['services_seeded']:.0f} seeded into moto in "
        f"{r['seed_s']:.0f} s), {r['rows']['problems']} open Zabbix problems (simulated behind the app "
        f"layer, 1% churn per 10 s refresh, the console's own adapter decoding them), "
        f"{log['received'] / max(r['keys_s'] + r['soak_s'], 1):,.0f} log lines/s received (a synthetic "
        f"10,000 lines/s tail behind the app layer; {log['tails']} tails started as links moved). "
        f"Services shown {ready['first_services_s']:.1f} s after Enter (the first screen of them), "
        f"all {r['rows']['ecs']} after {ready['services_s']:.1f} s. Load average "
        f"{r['load'][0]:.1f} before, {r['load'][1]:.1f} after, on {os.cpu_count()} cores.",
        "",
        f"- Key-to-paint, {len(every)} presses over {r['keys_s']:.0f} s, each timed to the first frame "
        f"showing what it changes (budget {BUDGET}): all {quantiles(every)}"
        + (f"; {missed} presses showed nothing within 2 s" if missed else "")
        + ".",
        f"- Per key: {per_kind}.",
        *cpu_and_gc(r),
        f"- RSS of the console's process: {memory(r['rss'])}.",
        "",
    ]


def cpu_and_gc(r: dict[str, Any]) -> list[str]:
    """The UI thread's CPU time per key and the collector's pauses (runs before they were measured
    have neither)."""
    lines = []
    cpu: dict[str, list[float]] = r.get("cpu", {})
    if cpu:
        every = [t for kind in cpu.values() for t in kind]
        per_kind = "; ".join(f"{kind} {quantiles(cpu[kind])}" for kind in KINDS if cpu.get(kind))
        lines.append(
            f"- The UI thread's CPU time from press to paint (other processes' load does not count): "
            f"all {quantiles(every)}; {per_kind}."
        )
    if r.get("gc"):
        pauses = "; ".join(
            f"generation {gen}: {p['count']} collections, max {p['max_ms']:.0f}, total {p['total_ms']:.0f} ms"
            for gen, p in r["gc"].items()
        )
        lines.append(f"- Garbage collections during the presses (CPU of the collecting thread): {pauses}.")
    return lines


def section(quick: bool) -> str:
    """The RESULTS.md section (markdown): 300 presses when quick, else 600."""
    return "\n".join(describe(run(300 if quick else 600)))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale_screen")
    parser.add_argument("--quick", action="store_true", help="300 presses instead of 600")
    parser.add_argument("--soak", type=float, default=0.0, help="then keys for this many seconds")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--serve", action="store_true", help="the world alone, until Enter")
    args = parser.parse_args(argv)
    if args.serve:
        serve()
        return 0
    result = run(300 if args.quick else 600, args.soak)
    if args.json:
        args.json.write_text(json.dumps(result))
    print("\n".join(describe(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
