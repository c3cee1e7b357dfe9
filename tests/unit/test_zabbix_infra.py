"""The pieces around the real Zabbix that need no server: what up.sh and down.sh say without root,
the env file round trip, and when the real half of the contract suite skips or fails."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.zabbix.api_setup import env_text
from tests import zabbix_real
from tests.zabbix_real import RealZabbix, read_env_file, real_zabbix_or_skip

ROOT = Path(__file__).resolve().parents[2]
VALUES = {
    "ZABBIX_URL": "http://127.0.0.1:18080",
    "ZABBIX_API_URL": "http://127.0.0.1:18080/api_jsonrpc.php",
    "ZABBIX_USER": "Admin",
    "ZABBIX_PASSWORD": "it's zabbix",  # a quote, to prove the quoting
    "ZABBIX_API_TOKEN": "0123abcd" * 8,
    "ZABBIX_TRAPPER_HOST": "127.0.0.1",
    "ZABBIX_TRAPPER_PORT": "10051",
    "ZABBIX_SERVER_CONF": "/tmp/zbx/srv/zabbix_server.conf",
    "ZBX_HOME": "/tmp/zbx",
}


def as_non_root(script: str) -> subprocess.CompletedProcess[str]:
    """Run a script as an ordinary user: as root through setpriv, otherwise as we are."""
    argv = ["bash", str(ROOT / "scripts" / "zabbix" / script)]
    if os.geteuid() == 0:
        argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *argv]
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False, cwd="/")


@pytest.mark.skipif(sys.platform != "linux", reason="the scripts are for Debian")
@pytest.mark.parametrize(("script", "says"), [("up.sh", "Run it as root"), ("down.sh", "needs root")])
def test_the_scripts_without_root_exit_3_saying_what_they_need(script: str, says: str) -> None:
    done = as_non_root(script)
    assert done.returncode == 3
    assert says in done.stderr
    assert "Traceback" not in done.stderr


def test_the_env_file_written_by_up_sh_reads_back_whole(tmp_path: Path) -> None:
    path = tmp_path / "zabbix.env"
    path.write_text(env_text(VALUES), encoding="utf-8")
    assert read_env_file(path) == VALUES
    shell = subprocess.run(
        ["bash", "-c", f'. {path} && printf %s "$ZABBIX_PASSWORD"'],
        capture_output=True,
        text=True,
        check=True,
    )
    assert shell.stdout == VALUES["ZABBIX_PASSWORD"]
    real = RealZabbix.from_env_file(path)
    assert (real.api_url, real.trapper_port, real.token) == (
        VALUES["ZABBIX_API_URL"],
        10051,
        VALUES["ZABBIX_API_TOKEN"],
    )
    assert VALUES["ZABBIX_API_TOKEN"] not in repr(real)


def test_an_env_file_without_the_token_names_it(tmp_path: Path) -> None:
    path = tmp_path / "zabbix.env"
    path.write_text(env_text({k: v for k, v in VALUES.items() if k != "ZABBIX_API_TOKEN"}), encoding="utf-8")
    with pytest.raises(ValueError, match=r"ZABBIX_API_TOKEN.*up\.sh"):
        RealZabbix.from_env_file(path)


@pytest.fixture
def no_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The real-Zabbix settings pointed at an env file that does not exist."""
    monkeypatch.setattr(zabbix_real, "_ENV_FILE_SETTING", str(tmp_path / "missing.env"))
    zabbix_real._probe.cache_clear()
    yield
    zabbix_real._probe.cache_clear()


@pytest.mark.usefixtures("no_server")
def test_without_a_server_the_real_half_skips_saying_how_to_enable_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(zabbix_real, "_REQUIRED", False)
    with pytest.raises(pytest.skip.Exception, match=r"scripts/zabbix/up.sh.*ZABBIX_TEST_ENV_FILE"):
        real_zabbix_or_skip()


@pytest.mark.usefixtures("no_server")
def test_without_a_server_ci_fails_instead_of_skipping(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zabbix_real, "_REQUIRED", True)
    with pytest.raises(pytest.fail.Exception, match=r"ZABBIX_TEST_REQUIRED=1 but .*missing\.env"):
        real_zabbix_or_skip()
