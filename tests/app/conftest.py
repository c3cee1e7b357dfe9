"""The Zabbix contract suite's backends (the emulator, and a real Zabbix 6.0 when one is up) and
scenarios, for the application layer's tests."""

from __future__ import annotations

from tests.contract.conftest import emulator_backend, scenario, zabbix_backend

__all__ = ["emulator_backend", "scenario", "zabbix_backend"]
