"""The benchmark's "all panes filled" on the real console and demo world: it must become true for
the first environment and again after a switch, or bench/console_live.py would time a wait that
never ends (or one that ends too early)."""

from __future__ import annotations

import time

from bench.console_live import Watch, filled
from opsconsole.app.console import Console
from opsconsole.demo.world import DemoReady
from opsconsole.tui.app import OpsConsoleApp
from tests.graylog.gelf_sender import UdpSender


async def test_all_panes_fill_at_start_and_again_after_a_switch(
    demo_world: DemoReady, demo_console: Console
) -> None:
    sender = UdpSender(demo_world.graylog.port)
    for env in ("dev", "prod"):
        sender.send(f"GET /health 200 in {env}", env=env, service="api")
    sender.close()
    app = OpsConsoleApp(demo_console)
    watch = Watch(app)
    watch.hook()
    watch.expect("dev", time.time())
    async with app.run_test(size=(160, 48)) as pilot:
        start = await watch.wait()
        assert set(start) == {"all", "ecs", "rds", "problems", "logs"}
        assert 0 < start["all"] == max(start.values())
        before = time.time()
        watch.expect("prod", before)
        assert not any(filled(app.screen, "prod", before, watch.logs_received).values())
        await pilot.press("3")
        switched = await watch.wait()
        assert filled(app.screen, "prod", before, watch.logs_received) == dict.fromkeys(
            ("ecs", "rds", "problems", "logs"), True
        )
        assert 0 < switched["all"] < 30
