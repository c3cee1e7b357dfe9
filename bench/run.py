"""`./dev bench`: every row beside its peer in the same run; writes bench/RESULTS.md.

    ./dev bench            full run (aimed at <= 10 minutes on 2 quiet cores), rewrites bench/RESULTS.md
                           after every step, so a run that is cut short still leaves its rows
    ./dev bench --quick    fewer runs per row, the slowest rows left out (<= 3 minutes); prints only

Repetitions are where the spread needs them: 9 alternated rounds of `--help` (a spread of tens
of ms), 5 of the commands on the demo world, 2 demo starts, 4 console runs, 2 rounds of the
stacks rows (each round two fresh worlds; their spread was under 10%), 3 of the 30 accounts.
Every row runs serially: two timed things at once on 2 cores would time each other.

Peers live in venvs of their own under .venv-peers/ (bench/common.py), installed by the bench on
first use; sides are alternated (A B A B); every row has several runs; memory is each measured
process's own peak RSS. Both sides run from bytecode: this machine may set
PYTHONDONTWRITEBYTECODE, which the bench lifts for its children as a user's machine has it, and
every side runs once before its measured rounds (that run writes what it imports; peer venvs are
installed compiled).

Sections of other modules are imported guarded: one that is missing or fails is a visible
"not run" line, never the end of the run.
"""

from __future__ import annotations

import importlib
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import (  # re-exported: other bench modules import these from here
    BIN,
    OPSCONSOLE,
    PEERS,
    ROOT,
    Sample,
    Table,
    clean_env,
    load_average,
    peer,
    start_demo,
    stop,
    timed,
    version_of,
)

__all__ = ["BIN", "OPSCONSOLE", "PEERS", "ROOT", "peer", "start_demo", "timed"]


def guarded(title: str, call: Callable[[], str], module: str | None = None) -> str:
    """A section's text, or one line saying it was not run and why."""
    try:
        return call()
    except ModuleNotFoundError as error:
        if module is not None and error.name is not None and module.startswith(error.name):
            return f"## {title}\n\n- not run: `{module}` is not on this branch.\n"
        return f"## {title}\n\n- not run: {error}\n"
    except (Exception, SystemExit) as error:
        traceback.print_exc()
        return f"## {title}\n\n- not run: it failed ({type(error).__name__}: {str(error)[:300]}).\n"


def other(module: str, title: str, *args: Any) -> str:
    """`module.section(*args)` of another helper's module, guarded."""
    return guarded(title, lambda: importlib.import_module(module).section(*args), module)


def write_bytecode() -> None:
    """Python's default (bytecode written on import) for every child, and the console's and the
    demo world's imports written once before anything is timed."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    imports = "import opsconsole.cli.main, opsconsole.tui.app, opsconsole.app.console, opsconsole.demo.world"
    subprocess.run([sys.executable, "-c", imports], check=True, cwd=ROOT)


class Bench:
    def __init__(self, quick: bool) -> None:
        self.quick = quick
        self.table = Table()
        self.notes: list[str] = []
        self.sections: list[str] = []
        self.took: list[str] = []
        self.peers: list[str] = []

    def step(self, name: str, call: Callable[[], None]) -> None:
        """One step, its failure a visible row; its rows are printed as they land (a run cut short
        still shows what it measured)."""
        started, shown = time.perf_counter(), len(self.table.rows)
        try:
            call()
        except (Exception, SystemExit) as error:
            traceback.print_exc()
            self.table.note(name, f"failed: {type(error).__name__}: {str(error)[:200]}")
        self.took.append(f"{name} {time.perf_counter() - started:.0f} s")
        print(f"[bench] {name}: {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
        print("\n".join(self.table.rows[shown:]), file=sys.stderr, flush=True)

    def cli(self, aws: str) -> None:
        from bench import cli_rows

        cli_rows.startup(self.table, aws, 6 if self.quick else 9)
        starts = 1 if self.quick else 2
        ready, deployed = [], []
        with tempfile.TemporaryDirectory() as tmp:
            env = clean_env(tmp)
            for index in range(starts):
                process, to_ready, to_deployed, config = start_demo(env)
                ready.append(Sample(to_ready))
                deployed.append(Sample(to_deployed))
                try:
                    if index == starts - 1:  # the last world serves the rows that read one
                        cli_rows.world_rows(self.table, aws, config, 3 if self.quick else 5)
                finally:
                    stop(process)
        self.table.add("`opsconsole demo --serve` to export line", ready, budget_ms=5000)
        self.table.add("`opsconsole demo --serve` to estate deployed (3 envs × 7 stacks)", deployed)

    def stacks(self, sceptre: str) -> None:
        from bench.stacks_vs_sceptre import run as stacks_run

        got = stacks_run(OPSCONSOLE, sceptre, rounds=1 if self.quick else 2)
        for kind in ("create", "no changes"):
            ours, theirs = got[f"opsconsole deploy ({kind})"], got[f"sceptre launch ({kind})"]
            self.table.add(
                f"dev estate, 7 stacks on moto: opsconsole deploy ({kind})", ours, theirs, peer_name="sceptre"
            )
            self.table.add(f"dev estate, 7 stacks on moto: sceptre launch ({kind})", theirs)

    def alerts(self) -> None:
        from bench.alerts_vs_zabbix_cli import real_zabbix
        from bench.alerts_vs_zabbix_cli import run as alerts_run

        real = real_zabbix()
        if real is None:
            self.table.note(
                "`opsconsole alerts list` vs zabbix-cli", "no real Zabbix 6.0 (scripts/zabbix/up.sh)"
            )
            return
        problems, hosts = (20, 5) if self.quick else (50, 10)
        outcome = alerts_run(real, problems=problems, hosts=hosts, repeat=3 if self.quick else 7)
        self.peers.append(outcome.peer_version)
        self.notes.extend(outcome.notes)
        ours, theirs = outcome.timings if len(outcome.timings) == 2 else (None, None)
        if ours is None or theirs is None:
            return
        name = f"{problems} problems on {hosts} hosts, real Zabbix 6.0: {ours.name}"
        self.table.add(name, ours.samples, theirs.samples, budget=0.6, peer_name="zabbix-cli")
        self.table.add(f"same: {theirs.name}", theirs.samples)

    def fleet(self) -> None:
        from bench import fleet_30

        with tempfile.TemporaryDirectory() as tmp:
            self.notes.extend(fleet_30.rows(self.table, clean_env(tmp), 1 if self.quick else 3))

    def console(self) -> None:
        from bench import console_live

        result = console_live.run(runs=2 if self.quick else 4, presses=60 if self.quick else 240)
        console_live.table_rows(result, self.table)
        self.sections.append("\n".join(console_live.describe(result)))

    def log_pane(self) -> None:
        from bench.log_pane_toolong import section

        self.sections.append(section())

    def graylog(self) -> None:
        from bench.graylog_tail import describe as describe_tail
        from bench.graylog_tail import run as tail_run

        self.sections.append(
            f"## Graylog\n\n- {describe_tail(tail_run())} (`python -m bench.graylog_tail`)\n"
        )


STEPS = 7
"""Steps of a full run before the other helpers' sections and the first minute."""


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    bench = Bench(quick)
    report = Report(bench, quick)
    write_bytecode()
    aws, sceptre = peer("aws", "awscli"), peer("sceptre", "sceptre")
    bench.peers += [version_of([aws, "--version"]), version_of([sceptre, "--version"])]

    def step(name: str, call: Callable[[], None]) -> None:
        bench.step(name, call)
        report.write()  # each section as it completes: a cut run still leaves its rows

    step("CLI rows on a demo world", lambda: bench.cli(aws))
    step("alerts vs zabbix-cli", bench.alerts)
    step("console on the demo world", bench.console)
    step("30 accounts", bench.fleet)
    if not quick:
        step("stacks vs sceptre", lambda: bench.stacks(sceptre))
        step("log pane vs toolong", bench.log_pane)
        step("Graylog tail", bench.graylog)
    for title, section in later_sections(quick):
        started = time.perf_counter()
        report.later.append(section())
        bench.took.append(f"{title} {time.perf_counter() - started:.0f} s")
        report.write()
    report.write(final=True)
    print(report.text(final=True))
    return 0


def later_sections(quick: bool) -> list[tuple[str, Callable[[], str]]]:
    """The other helpers' sections (guarded) and the first minute, after the measuring steps."""

    def scale() -> str:
        return other("bench.scale_screen", "All panes live at full scale (bench/scale_screen.py)", quick)

    def faults() -> str:
        return other("bench.fault_recovery", "Fault recovery (bench/fault_recovery.py)")

    def first_minute() -> str:
        if quick:
            return (
                "## The first minute (bench/first_minute.py)\n\n- not run with --quick: a fresh clone "
                "and install take a minute or more; `./dev bench` runs it.\n"
            )
        return guarded("The first minute", lambda: importlib.import_module("bench.first_minute").section())

    return [("scale screen", scale), ("fault recovery", faults), ("first minute", first_minute)]


class Report:
    """bench/RESULTS.md, rewritten after every step of a full run (never by --quick)."""

    def __init__(self, bench: Bench, quick: bool, path: Path = ROOT / "bench" / "RESULTS.md") -> None:
        self.bench = bench
        self.quick = quick
        self.path = path
        self.started = time.perf_counter()
        self.load_before = load_average()
        self.later: list[str] = []

    def text(self, *, final: bool) -> str:
        bench = self.bench
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        minutes = (time.perf_counter() - self.started) / 60
        state = (
            f"in {minutes:.1f} minutes"
            if final
            else f"**partial**: {minutes:.1f} minutes in, after {len(bench.took)} steps "
            f"({STEPS} measuring steps and 3 sections in a full run); "
            "the run was still going when this was written"
        )
        return "\n".join(
            [
                "# Benchmark results",
                "",
                f"Run {stamp} by `./dev bench{' --quick' if self.quick else ''}` on {platform.machine()}, "
                f"{os.cpu_count()} cores, Python {platform.python_version()}, {state}; load "
                f"average (1/5/15 min) {self.load_before} before, {load_average()} "
                f"{'after' if final else 'now'}. Peers, each in its own venv under .venv-peers/: "
                f"{'; '.join(bench.peers)}.",
                "",
                "Wall time of whole processes (start-up included), in milliseconds; the sides of a "
                "comparison ran alternated (A B A B) and the ratio is median over median; peak RSS is each "
                "measured process's own. Both sides run from bytecode; each side's first run (which writes "
                "it) is not counted. The stacks rows run each tool on its own fresh demo world per round "
                "with the same dev deploy role; opsconsole's cfn-lint cache is warm (its `stacks validate` "
                "ran first), sceptre lints nothing.",
                "",
                *bench.table.markdown(),
                "",
                *(f"- {note}" for note in bench.notes),
                "",
                *bench.sections,
                *self.later,
                f"Time per step: {'; '.join(bench.took)}.",
                "",
            ]
        )

    def write(self, *, final: bool = False) -> None:
        if not self.quick:
            self.path.write_text(self.text(final=final), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
