"""The Makefile's promises, read from what `make -n` would run (nothing is run)."""
import os
import subprocess

from tests.conftest import ROOT


def _would_run(*args: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PORT", "MAKEFLAGS", "MAKELEVEL")}
    out = subprocess.run(["make", "-n", *args], cwd=ROOT, env=env,  # noqa: S603, S607 - make, fixed arguments
                         capture_output=True, text=True, check=True, timeout=60)
    return out.stdout.splitlines()


def _index(lines: list[str], needle: str) -> int:
    return next(i for i, line in enumerate(lines) if needle in line)


def test_seed_compiles_the_translations_first_so_the_server_speaks_chinese():
    lines = _would_run("-B", "seed")  # -B: as on a fresh checkout, where no catalogue is compiled
    assert _index(lines, "pybabel compile") < _index(lines, "seed-demo")


def test_run_serves_on_port_5000_or_the_one_given():
    assert _would_run("run")[-1].endswith("serve --host 127.0.0.1 --port 5000")
    assert _would_run("run", "PORT=5055")[-1].endswith("serve --host 127.0.0.1 --port 5055")
