#!/usr/bin/env python3
"""Set up everything on a fresh machine that has only Python >= 3.11, then run a task.

    python3 scripts/bootstrap.py run    # the offline demo (or `run serve` for the server)
    python3 scripts/bootstrap.py run --exit   # options alone go to the demo
    python3 scripts/bootstrap.py test   # lint, format check, type check, the whole test suite

It installs uv into `.tools/` when none is on PATH, syncs the locked environment (`uv.lock`)
into `.venv/`, and runs the task inside it. Extra arguments go to the task.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / ".tools"
CHROMIUM = Path("/usr/bin/chromium")


def find_uv() -> str:
    found = shutil.which("uv")
    if found:
        return found
    local = TOOLS / "bin" / "uv"
    if not local.exists():
        print("bootstrap: installing uv into .tools/", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(TOOLS)
        subprocess.run(
            [str(TOOLS / "bin" / "python"), "-m", "pip", "install", "--quiet", "uv"], check=True
        )
    return str(local)


def sh(*command: str) -> None:
    print("+", " ".join(command), flush=True)
    result = subprocess.run(command, cwd=ROOT)
    if result.returncode != 0:
        sys.exit(result.returncode)


def ensure_debian_package(package: str, program: str, *, why: str, fallback: str) -> None:
    """Install a Debian package when `program` is missing and we can: as root with apt-get.

    Bounded, and never fatal: without it, `fallback` happens (and is said).
    """
    if shutil.which(program) or Path(program).exists():
        return
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("apt-get"):
        return
    print(f"bootstrap: installing Debian's {package} {why}", flush=True)
    script = (
        "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq " + package
    )
    try:
        # Bounded so an unreachable mirror cannot hold up the run.
        result = subprocess.run(["sh", "-c", script], capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        reason = "apt-get took longer than 15 minutes"
    else:
        if result.returncode == 0:
            return
        lines = (result.stderr or result.stdout).strip().splitlines()
        reason = lines[-1] if lines else f"exit status {result.returncode}"
    print(f"bootstrap: {package} install failed ({reason}); {fallback}", flush=True)


def ensure_browser() -> None:
    """Debian's Chromium for the real-browser test. `playwright install` is not used: it
    downloads from a CDN that CI cannot reach."""
    if os.environ.get("GMA_SKIP_BROWSER_INSTALL"):
        return
    ensure_debian_package(
        "chromium",
        str(CHROMIUM),
        why=f"for the browser test ({CHROMIUM})",
        fallback="the browser test will skip",
    )


def cli_args(extra: list[str]) -> list[str]:
    """`gmail-assistant` arguments for `run`: a command if one is named, else the demo.

    Options alone (`run --exit`) are the demo's: they must not replace its name."""
    if not extra or extra[0].startswith("-"):
        return ["demo", *extra]
    return extra


def main() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - runs before any venv exists
        sys.exit("Gmail Assistant needs Python 3.11 or newer")
    task, *extra = sys.argv[1:] or ["run"]
    uv = find_uv()
    os.environ.setdefault("UV_PYTHON", sys.executable)
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    # Compile at install: a fresh venv would otherwise compile LiteLLM's hundreds of modules
    # on the first import inside the server, which makes the first start take a minute.
    os.environ.setdefault("UV_COMPILE_BYTECODE", "1")
    sh(uv, "sync", "--frozen")
    run = [uv, "run", "--frozen"]
    if task == "test":
        sh(*run, "ruff", "check", ".")
        sh(*run, "ruff", "format", "--check", ".")
        sh(*run, "mypy")
        sh(*run, "lint-imports")
        ensure_browser()
        sh(*run, "pytest", *extra)
    elif task == "run":
        sh(*run, "gmail-assistant", *cli_args(extra))
    elif task == "bench":
        name, *args = extra or ["pipeline"]
        if name == "webhook":
            ensure_debian_package(
                "wrk", "wrk", why="(HTTP load generator)", fallback="using the Python client"
            )
        sh(*run, "python", f"bench/{name}.py", *args)
    else:
        sys.exit(f"unknown task {task!r}: use `run`, `test` or `bench <name> [args]`")


if __name__ == "__main__":
    main()
