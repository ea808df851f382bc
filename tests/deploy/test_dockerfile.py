"""The Dockerfile, parsed: no Docker engine runs here, the real build happens in GitHub Actions."""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

EXPECTED_CMD = [
    "uvicorn",
    "src.main:app",
    "--host",
    "0.0.0.0",
    "--port",
    "8000",
    "--proxy-headers",
    "--forwarded-allow-ips",
    "*",
]


@dataclass(frozen=True)
class Instruction:
    stage: int
    keyword: str
    args: str


def parse_dockerfile(text: str) -> list[Instruction]:
    """Instructions with continuation lines joined and comments dropped, tagged by stage."""
    logical: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):  # a comment inside a continued instruction
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    assert not pending, "dangling line continuation"
    result: list[Instruction] = []
    stage = -1
    for line in logical:
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stage += 1
        result.append(Instruction(stage, keyword, args.strip()))
    return result


@pytest.fixture(scope="module")
def instructions() -> list[Instruction]:
    return parse_dockerfile((REPO / "Dockerfile").read_text())


def resolve(value: str, instructions: list[Instruction]) -> str:
    """Expand `${ARG}` from the global ARG defaults (those before the first FROM)."""
    defaults = {}
    for ins in instructions:
        if ins.stage == -1 and ins.keyword == "ARG" and "=" in ins.args:
            name, _, default = ins.args.partition("=")
            defaults[name] = default
    return re.sub(r"\$\{?(\w+)\}?", lambda m: defaults.get(m[1], m[0]), value)


def of(instructions: list[Instruction], keyword: str, stage: int | None = None) -> list[str]:
    return [
        i.args for i in instructions if i.keyword == keyword and (stage is None or i.stage == stage)
    ]


def test_two_stages_on_python_312_slim(instructions: list[Instruction]) -> None:
    froms = of(instructions, "FROM")
    assert len(froms) == 2
    images = [resolve(f.split()[0], instructions) for f in froms]
    assert images == ["python:3.12-slim", "python:3.12-slim"]
    assert re.search(r"\bAS builder$", froms[0], re.IGNORECASE)


def test_builder_installs_the_lock_with_uv_from_pypi(instructions: list[Instruction]) -> None:
    runs = " ".join(of(instructions, "RUN", stage=0))
    assert re.search(r"pip install [^&;]*\buv\b", runs)
    syncs = re.findall(r"uv sync ([^&;]*)", runs)
    assert syncs and all("--frozen" in s and "--no-dev" in s for s in syncs)
    assert "UV_PROJECT_ENVIRONMENT=/app/.venv" in " ".join(of(instructions, "ENV", stage=0))
    copied = " ".join(of(instructions, "COPY", stage=0))
    assert "uv.lock" in copied and "pyproject.toml" in copied


def test_runtime_copies_the_venv_and_code(instructions: list[Instruction]) -> None:
    copies = of(instructions, "COPY", stage=1)
    assert any(c.startswith("--from=builder /app/.venv") for c in copies)
    assert any("src" in c for c in copies)
    assert any("config/app.example.yml" in c for c in copies)
    assert not any(re.search(r"config/(credentials|token)\.json|\.env\b", c) for c in copies)
    assert not of(instructions, "RUN", stage=1) or all(
        "uv " not in r and "pip install" not in r for r in of(instructions, "RUN", stage=1)
    )


def test_runtime_is_non_root_in_app(instructions: list[Instruction]) -> None:
    users = of(instructions, "USER", stage=1)
    assert users, "runtime stage must set USER"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    assert user in ("1000", "app")
    assert of(instructions, "WORKDIR", stage=1)[-1] == "/app"
    runs = " ".join(of(instructions, "RUN", stage=1))
    assert "useradd" in runs and "--uid 1000" in runs
    assert re.search(r"chown (app:app|1000:1000) /app/data", runs)


def test_port_healthcheck_and_command(instructions: list[Instruction]) -> None:
    assert of(instructions, "EXPOSE", stage=1) == ["8000"]
    (health,) = of(instructions, "HEALTHCHECK", stage=1)
    assert "/api/health" in health and "urllib" in health and "curl" not in health
    (cmd,) = of(instructions, "CMD", stage=1)
    assert json.loads(cmd) == EXPECTED_CMD


def test_runtime_environment(instructions: list[Instruction]) -> None:
    env = " ".join(of(instructions, "ENV", stage=1))
    for setting in (
        "GMA_DB_SQLITE_PATH=/app/data/inbox.db",
        "GMA_AUTH_CREDENTIALS_FILE=/app/config/credentials.json",
        "GMA_AUTH_TOKEN_FILE=/app/config/token.json",
        "GMA_AUTH_TOKEN_CACHE_FILE=/app/data/token-cache.json",
        "LITELLM_LOCAL_MODEL_COST_MAP=True",
    ):
        assert setting in env


def dockerignore_excludes(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last matching pattern wins; `!` re-includes."""
    excluded = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if any(fnmatch.fnmatch(prefix, pattern) for prefix in prefixes):
            excluded = not negate
    return excluded


def test_dockerignore_keeps_secrets_and_state_out() -> None:
    patterns = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for path in (
        "config/credentials.json",
        "config/token.json",
        "data/inbox.db",
        ".env",
        "tests/backup/test_backup_cli.py",
        ".venv/bin/python",
        ".git/HEAD",
        "bench/run.py",
        "src/gmail_assistant_testing/fake_llm.py",  # test doubles stay out of the image
    ):
        assert dockerignore_excludes(path, patterns), path
    for path in ("src/gmail_assistant/settings.py", "uv.lock", "pyproject.toml", "README.md"):
        assert not dockerignore_excludes(path, patterns), path
    assert not dockerignore_excludes("config/app.example.yml", patterns)
