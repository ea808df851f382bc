"""scripts/bootstrap.py `run`: options alone go to the demo; a named command runs as given."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]


def _bootstrap() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bootstrap", REPO / "scripts" / "bootstrap.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ([], ["demo"]),
        (["--exit"], ["demo", "--exit"]),
        (["--exit", "--port", "8123"], ["demo", "--exit", "--port", "8123"]),
        (["serve"], ["serve"]),
        (["demo", "--exit"], ["demo", "--exit"]),
    ],
)
def test_run_arguments(extra: list[str], expected: list[str]) -> None:
    assert _bootstrap().cli_args(extra) == expected


def test_the_real_cli_accepts_what_run_exit_hands_it() -> None:
    cli = shutil.which("gmail-assistant", path=str(Path(sys.executable).parent))
    if cli is None:
        pytest.skip("the gmail-assistant entry point is not installed in this environment")
    # --help after the options: Click parses (and rejects unknown) options before it answers.
    args = [*_bootstrap().cli_args(["--exit"]), "--help"]
    result = subprocess.run([cli, *args], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "No such option" not in result.stderr
    assert "--exit" in result.stdout
