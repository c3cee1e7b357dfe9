"""The first minute: a fresh clone, then `./dev demo` in a real terminal (tmux, 160x48), timed to
the first painted screen of the console and to all of its panes filled.

The clock starts before `git clone` (of this repository's HEAD, to a temporary directory). The
screen is read with `tmux capture-pane` every 50 ms; what counts is what a person sees:
- installed: `./dev` writes its stamp `.venv/.installed-demo`;
- the CLI speaks: the line `starting the demo world` (the CLI's imports are done);
- first painted screen: the console's top bar and its ECS pane border are drawn;
- all panes filled: the ECS pane counts at least one cluster, RDS at least one instance, the Zabbix
  pane says how many problems it read (none is an answer) and the Graylog tail holds lines.
Then `q` quits the console, which stops the world (checked: the session ends).

The uv cache: "cold" is an empty UV_CACHE_DIR (every wheel downloaded from the index uv is
configured with), "warm" the same directory again, filled by the cold run. `./dev` finds uv on
PATH; without one it would install uv into the venv with pip first.

    .venv/bin/python -m bench.first_minute [--warm-only]
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAINTED = ("╭─ ECS", " opsconsole ")
FILLED = {
    "ecs": re.compile(r"\b[1-9]\d* clusters? ·"),
    "rds": re.compile(r"\b[1-9]\d* instances? ·"),
    "problems": re.compile(r"\b\d+ of \d+ problems ·"),
    "logs": re.compile(r"· [1-9]\d* lines"),
}
TIMEOUT = 300.0
TMUX = ("tmux", "-L", f"bench-first-minute-{os.getpid()}")
"""A tmux server of the bench's own: it starts with the bench's environment and is ended after."""


@dataclass
class Run:
    cache: str
    clone: float = 0.0
    installed: float | None = None
    cli: float | None = None
    painted: float | None = None
    panes: dict[str, float] = field(default_factory=dict)
    filled: float | None = None
    error: str = ""


def screen(session: str) -> str:
    done = subprocess.run(
        [*TMUX, "capture-pane", "-p", "-t", session], capture_output=True, text=True, check=False
    )
    return done.stdout


def alive(session: str) -> bool:
    return (
        subprocess.run([*TMUX, "has-session", "-t", session], capture_output=True, check=False).returncode
        == 0
    )


def watch(session: str, run: Run, started: float, clone: Path) -> None:
    stamp = clone / ".venv" / ".installed-demo"  # ./dev's mark of a finished install
    while time.perf_counter() - started < TIMEOUT:
        if not alive(session):
            run.error = "`./dev demo` ended before all panes were filled"
            return
        text, now = screen(session), time.perf_counter() - started
        if run.installed is None and stamp.exists():
            run.installed = now
        if run.cli is None and "starting the demo world" in text:
            run.cli = now
        if run.painted is None and all(mark in text for mark in PAINTED):
            run.painted = now
        if run.painted is not None:
            for pane, pattern in FILLED.items():
                if pane not in run.panes and pattern.search(text):
                    run.panes[pane] = now
            if len(run.panes) == len(FILLED):
                run.filled = now
                return
        time.sleep(0.05)
    run.error = f"not filled within {TIMEOUT:.0f} s; missing {sorted(set(FILLED) - set(run.panes))}"


def quit_console(session: str) -> None:
    subprocess.run([*TMUX, "send-keys", "-t", session, "q"], check=False)
    deadline = time.perf_counter() + 60
    while alive(session) and time.perf_counter() < deadline:
        time.sleep(0.2)
    if alive(session):  # the console did not quit: end the session (SIGHUP stops the world)
        subprocess.run([*TMUX, "kill-session", "-t", session], check=False)


def one(cache: Path, label: str, tmp: Path) -> Run:
    run = Run(label)
    clone = tmp / f"clone-{label}"
    started = time.perf_counter()
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, capture_output=True)
    run.clone = time.perf_counter() - started
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "OPSCONSOLE_", "AWS_"))}
    env |= {
        "UV_CACHE_DIR": str(cache),
        "OPSCONSOLE_STATE_DIR": str(tmp / f"state-{label}"),
        "TERM": "xterm-256color",
    }
    exports = " ".join(
        f"{k}={shlex_quote(v)}" for k, v in env.items() if k in {"UV_CACHE_DIR", "OPSCONSOLE_STATE_DIR"}
    )
    session = f"bench-first-minute-{os.getpid()}-{label}"
    subprocess.run(
        [*TMUX, "new-session", "-d", "-s", session, "-x", "160", "-y", "48",
         f"cd {shlex_quote(str(clone))} && env {exports} ./dev demo"],
        env=env, check=True,
    )  # fmt: skip
    try:
        watch(session, run, started, clone)
    finally:
        quit_console(session)
    return run


def shlex_quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


def measure(*, cold: bool = True) -> list[Run]:
    if shutil.which("tmux") is None:
        raise RuntimeError("tmux is not installed")
    with tempfile.TemporaryDirectory(prefix="bench-first-minute-") as name:
        tmp = Path(name)
        cache = tmp / "uv-cache"
        cache.mkdir()
        runs = []
        try:
            if cold:
                runs.append(one(cache, "cold", tmp))
            else:  # warm from the uv cache the machine already has
                where = subprocess.run(["uv", "cache", "dir"], capture_output=True, text=True, check=False)
                cache = Path(where.stdout.strip())
            runs.append(one(cache, "warm", tmp))
        finally:
            subprocess.run([*TMUX, "kill-server"], capture_output=True, check=False)
        return runs


def describe(runs: list[Run]) -> list[str]:
    lines = []
    for run in runs:
        if run.error:
            lines.append(f"- uv cache {run.cache}: {run.error} (clone {run.clone:.1f} s).")
            continue
        assert run.painted is not None and run.filled is not None
        panes = ", ".join(
            f"{pane} {seconds:.1f}" for pane, seconds in sorted(run.panes.items(), key=lambda x: x[1])
        )
        lines.append(
            f"- uv cache {run.cache}: first painted screen **{run.painted:.1f} s** (budget <= 20 s), "
            f"all panes filled **{run.filled:.1f} s** (budget <= 30 s); of which clone {run.clone:.1f} s, "
            f"venv + install done {run.installed or float('nan'):.1f} s, the CLI's first line (imports) "
            f"{run.cli or float('nan'):.1f} s, then the console paints while the world starts behind it; "
            f"panes filled at (s): {panes}."
        )
    return lines


def section(*, quick: bool = False) -> str:
    """The RESULTS.md section: cold then warm uv cache (warm only, from the machine's cache, if quick)."""
    load = os.getloadavg()[0]
    runs = measure(cold=not quick)
    return "\n".join(
        [
            "## The first minute (bench/first_minute.py)",
            "",
            f"Fresh `git clone` of this commit, then `./dev demo` in tmux (160x48), timed from before the "
            f"clone to what the screen shows (definitions in the module docstring). Load average "
            f"{load:.1f} at the start, {os.cpu_count()} cores.",
            "",
            *describe(runs),
            "",
        ]
    )


if __name__ == "__main__":
    print(section(quick="--warm-only" in sys.argv))
