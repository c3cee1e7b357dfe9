"""What every benchmark row shares: peers in venvs of their own, whole processes timed with their own
peak RSS, sides run alternated (A B A B), and rows that print the ratio beside the budget.

- Peers: each peer package gets its own venv under `.venv-peers/<package>/` (its pins never touch
  ours nor another peer's), made by the bench with uv when it is on PATH, else venv + pip. The
  installers use the index they are configured with. The AWS CLI is always this venv's `aws`,
  never one from PATH (a version manager's shim there adds 55-125 ms per process).
- Memory: the peak RSS of the measured process itself (`wait4`'s rusage of that child), never the
  harness's.
- Alternation: `alternate` runs one sample of every side per round, so a load that comes and goes
  on the shared machine falls on all sides alike.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
OPSCONSOLE = str(BIN / "opsconsole")
PEERS = ROOT / ".venv-peers"


@dataclass(frozen=True)
class Sample:
    seconds: float
    rss_mb: float | None = None
    """Peak resident memory of the measured process (None where it is not one process)."""


TIME = shutil.which("time", path="/usr/bin:/bin")
"""GNU time: a small process that forks the measured one and reads its peak RSS with wait4. The
harness cannot do that itself: a child forked from a big harness starts with the harness's pages
counted in its ru_maxrss."""


def run_measured(
    args: list[str], env: Mapping[str, str] | None = None, timeout: float = 300.0, cwd: Path | None = None
) -> tuple[Sample, str]:
    """Run one process to its end: wall seconds, its own peak RSS and its stdout. A failure or a
    timeout stops the bench with the command's own message."""
    with tempfile.TemporaryDirectory() as tmp:
        rss_file = Path(tmp) / "rss"
        argv = [TIME, "-f", "%M", "-o", str(rss_file), *args] if TIME else args
        started = time.perf_counter()
        try:
            done = subprocess.run(
                argv, env=dict(env) if env is not None else None, cwd=cwd, capture_output=True,
                stdin=subprocess.DEVNULL, text=True, timeout=timeout, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            raise SystemExit(f"`{' '.join(args[:6])}` took over {timeout:.0f} s") from None
        seconds = time.perf_counter() - started
        said = rss_file.read_text().split() if rss_file.exists() else []
    if done.returncode != 0:
        raise SystemExit(f"`{' '.join(args[:6])}` exited {done.returncode}: {done.stderr.strip()[-500:]}")
    rss = float(said[-1]) / 1024 if said and said[-1].isdigit() else None  # kB
    return Sample(seconds, rss), done.stdout


def measure(args: list[str], env: Mapping[str, str] | None = None, timeout: float = 300.0) -> Sample:
    return run_measured(args, env, timeout)[0]


def command(args: list[str], env: Mapping[str, str] | None = None) -> Callable[[], Sample]:
    return lambda: measure(args, env)


def timed(run: Callable[[], object], repeat: int) -> list[float]:
    """Wall seconds of `repeat` calls (kept for the modules that time in-process calls)."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return samples


def alternate(
    sides: Mapping[str, Callable[[], Sample]], rounds: int, *, warmup: bool = True
) -> dict[str, list[Sample]]:
    """A B A B: one sample of every side per round (the order flips every round), after one run of
    each side that is not counted (it writes bytecode and fills the server's lazy imports)."""
    samples: dict[str, list[Sample]] = {name: [] for name in sides}
    names = list(sides)
    if warmup:
        for name in names:
            sides[name]()
    for index in range(rounds):
        for name in names if index % 2 == 0 else reversed(names):
            samples[name].append(sides[name]())
    return samples


def peer_venv(package: str) -> Path:
    """`.venv-peers/<package>`, made and filled once; uv when it is on PATH, else venv + pip."""
    venv = PEERS / package.split("[")[0]
    stamp = venv / ".installed"
    if stamp.exists():
        return venv
    uv = shutil.which("uv")
    if uv:
        steps = [
            [uv, "venv", "--quiet", "--python", sys.executable, str(venv)],
            [uv, "pip", "install", "--quiet", "--compile-bytecode", "--python", str(venv / "bin" / "python"),
             package],
        ]  # fmt: skip
    else:
        steps = [
            [sys.executable, "-m", "venv", str(venv)],
            [str(venv / "bin" / "pip"), "install", "-q", package],
        ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(
                f"installing the peer {package}: `{' '.join(step[:3])}` said {done.stderr[-500:]}"
            )
    stamp.touch()
    return venv


def peer(command: str, package: str) -> str:
    """A peer tool's executable, from its own venv (never from PATH)."""
    path = peer_venv(package) / "bin" / command
    if not path.exists():
        raise SystemExit(f"{package} installed no `{command}` in {path.parent}")
    return str(path)


def version_of(args: list[str]) -> str:
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    return (done.stdout.strip() or done.stderr.strip()).splitlines()[0] if done.stdout or done.stderr else "?"


def clean_env(state_dir: str) -> dict[str, str]:
    env = {**os.environ, "OPSCONSOLE_STATE_DIR": state_dir}
    for var in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        env.pop(var, None)
    return env


# -- rows -------------------------------------------------------------------------------------------


@dataclass
class Table:
    """Markdown rows: one per measured side, the ratio to its peer and the budget beside it."""

    rows: list[str] = field(default_factory=list)
    verdicts: list[str] = field(default_factory=list)

    HEADER = (
        "| what | runs | median ms | min | max | peak RSS MB | ratio | budget | met |",
        "|---|---|---|---|---|---|---|---|---|",
    )

    def add(
        self,
        name: str,
        samples: list[Sample],
        peer: list[Sample] | None = None,
        budget: float | None = None,
        budget_ms: float | None = None,
        peer_name: str = "the row below",
    ) -> None:
        """A row; `budget` is a ratio to `peer` (median over median), `budget_ms` a median bound."""
        ms = sorted(s.seconds * 1000 for s in samples)
        rss = [s.rss_mb for s in samples if s.rss_mb is not None]
        ratio = statistics.median(ms) / statistics.median(p.seconds * 1000 for p in peer) if peer else None
        cells = [
            name,
            str(len(ms)),
            f"{statistics.median(ms):.0f}",
            f"{ms[0]:.0f}",
            f"{ms[-1]:.0f}",
            f"{statistics.median(rss):.0f}" if rss else "—",
            f"{ratio:.2f}x {peer_name}" if ratio is not None else "",
        ]
        met = ""
        if budget is not None and ratio is not None:
            cells.append(f"<= {budget}x")
            met = "yes" if ratio <= budget else "**no**"
        elif budget_ms is not None:
            cells.append(f"< {budget_ms:.0f} ms")
            met = "yes" if statistics.median(ms) < budget_ms else "**no**"
        else:
            cells.append("")
        cells.append(met)
        self.rows.append("| " + " | ".join(cells) + " |")
        if met:
            self.verdicts.append(f"{name}: {'met' if met == 'yes' else 'missed'}")

    def note(self, name: str, text: str) -> None:
        """A row that was not measured, and why: visible, never a crash."""
        self.rows.append(f"| {name} | 0 | — | — | — | — | {text} | | not run |")

    def markdown(self) -> list[str]:
        return [*self.HEADER, *self.rows]


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"


def start_demo(env: Mapping[str, str]) -> tuple[subprocess.Popen[str], float, float, Path]:
    """Start `opsconsole demo --serve`; seconds to its export line and to its estate being deployed."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [OPSCONSOLE, "demo", "--serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(env),
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


def stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def peak_rss_mb() -> float:
    """This process's own peak RSS since its exec (VmHWM), for a child that reports itself:
    getrusage's maxrss would count the parent's memory copied at fork."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")
