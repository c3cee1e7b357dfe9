"""The application-level MFA API a front-end without a terminal uses (the TUI's modal): a renewal
that needs a code raises MfaCodeNeeded naming the device, nothing is sent; the code supplied
through `access.supply_mfa_code` is used once. Against the open demo world (moto over HTTP)."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsconsole.app.console import Console
from opsconsole.config import load_settings
from opsconsole.demo.world import DemoReady
from opsconsole.domain.environment import RoleTier
from opsconsole.domain.errors import MfaCodeNeeded, MfaRequired
from tests.access.realistic import MFA, server_sts, write_setup


def test_prod_raises_a_typed_need_for_a_code_and_takes_it_through_the_access_api(
    open_world: DemoReady, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup = write_setup(open_world, tmp_path, "mfaapi")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    console = Console.build(load_settings(setup.config, environ={}), mfa_prompt=None)
    tokens = len(server_sts(open_world)["Token"])
    # dev needs no code at all.
    assert console.access.session("dev", RoleTier.READ).identity.account == "111111111111"
    with pytest.raises(MfaCodeNeeded) as needed:
        console.access.session("prod", RoleTier.READ)
    assert needed.value.serial == MFA and needed.value.exit_code == 2
    assert len(server_sts(open_world)["Token"]) == tokens  # nothing was sent
    console.access.supply_mfa_code("12345")  # not six digits: refused before any call
    with pytest.raises(MfaRequired):
        console.access.session("prod", RoleTier.READ)
    console.access.supply_mfa_code("123456")
    assert console.access.session("prod", RoleTier.READ).identity.account == "333333333333"
    assert len(server_sts(open_world)["Token"]) == tokens + 1
    assert console.access.mfa_device == MFA
    assert "memory only" in console.access.session_store
    console.close()
