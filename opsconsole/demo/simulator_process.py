"""The simulator as its own process, started by the demo world
(`python -m opsconsole.demo.simulator_process`): it reads the accounts from a file, wires the
Zabbix and Graylog emulators in, and ticks until its parent closes its stdin. Simulation, labelled so."""

from __future__ import annotations

import argparse
import os
import sys
import threading
from pathlib import Path

from opsconsole.demo.sim_accounts import load_accounts
from opsconsole.demo.simulator import ZABBIX_TOKEN_ENV, Simulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--accounts", required=True, type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument(
        "--story-at",
        type=int,
        default=10,
        help="tick of the bad prod release, then a DB CPU alarm (-1: none)",
    )
    parser.add_argument(
        "--zabbix-url", help=f"the Zabbix emulator's API; its token comes in ${ZABBIX_TOKEN_ENV}"
    )
    parser.add_argument("--zabbix-trapper-port", type=int)
    parser.add_argument("--gelf", help="udp://host:port of the Graylog emulator's GELF input, for app logs")
    args = parser.parse_args(argv)
    stop = threading.Event()

    def watch_parent() -> None:
        sys.stdin.read()
        stop.set()

    threading.Thread(target=watch_parent, name="parent-watch", daemon=True).start()
    zabbix = None
    if args.zabbix_url:
        from opsconsole.demo.zabbix.feed import ZabbixFeed

        zabbix = ZabbixFeed(args.zabbix_url, os.environ[ZABBIX_TOKEN_ENV], args.zabbix_trapper_port)
    traffic = None
    if args.gelf:
        from opsconsole.demo.traffic import LogTraffic

        traffic = LogTraffic(args.gelf, seed=args.seed)
    accounts = load_accounts(args.accounts)
    story = args.story_at if args.story_at >= 0 else None
    Simulator(args.endpoint, accounts, seed=args.seed, zabbix=zabbix, traffic=traffic, story_at=story).run(
        args.interval, stop
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
