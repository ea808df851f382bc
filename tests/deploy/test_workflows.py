"""GitHub workflows, loaded and checked for structure (they run only on GitHub)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"


def load(name: str) -> dict[str, Any]:
    workflow = dict(yaml.safe_load((WORKFLOWS / name).read_text()))
    # YAML 1.1 reads the bare key `on` as the boolean True.
    if True in workflow:
        workflow["on"] = workflow.pop(True)
    return workflow


def steps_text(job: dict[str, Any]) -> str:
    return "\n".join(str(step.get("run", "")) for step in job["steps"])


def uses(job: dict[str, Any]) -> list[str]:
    return [step["uses"].split("@")[0] for step in job["steps"] if "uses" in step]


@pytest.fixture(scope="module")
def ci() -> dict[str, Any]:
    return load("ci.yml")


@pytest.fixture(scope="module")
def docker() -> dict[str, Any]:
    return load("docker.yml")


def test_ci_triggers(ci: dict[str, Any]) -> None:
    assert "push" in ci["on"] and "pull_request" in ci["on"]


def test_ci_lints_with_ruff(ci: dict[str, Any]) -> None:
    text = "\n".join(steps_text(job) for job in ci["jobs"].values())
    assert re.search(r"uv run ruff check\b", text)
    assert re.search(r"uv run ruff format --check\b", text)
    assert re.search(r"pip install .*\buv\b", text)


def test_ci_tests_on_both_pythons_with_postgres(ci: dict[str, Any]) -> None:
    (job,) = [j for j in ci["jobs"].values() if "pytest" in steps_text(j)]
    assert job["strategy"]["matrix"]["python-version"] == ["3.11", "3.12"]
    assert "${{ matrix.python-version }}" in str(job)
    postgres = job["services"]["postgres"]
    assert postgres["image"] == "postgres:16"
    assert "5432:5432" in postgres["ports"]
    assert "pg_isready" in postgres["options"]
    assert (
        job["env"]["GMA_TEST_POSTGRESQL_URL"]
        == "postgresql://postgres:postgres@localhost:5432/postgres"
    )
    assert "uv sync --frozen" in steps_text(job)


def test_docker_builds_everywhere_pushes_only_production(docker: dict[str, Any]) -> None:
    assert docker["on"]["push"]["branches"] == ["main", "production"]
    assert "pull_request" in docker["on"]
    assert docker["permissions"]["packages"] == "write"
    push_rule = docker["env"]["PUSH"]
    assert "refs/heads/production" in push_rule and "github.event_name == 'push'" in push_rule
    (job,) = docker["jobs"].values()
    assert {"docker/setup-buildx-action", "docker/build-push-action"} <= set(uses(job))
    login = next(s for s in job["steps"] if s.get("uses", "").startswith("docker/login-action"))
    assert login["if"] == "env.PUSH == 'true'"
    assert login["with"]["registry"] == "ghcr.io"
    build = next(s for s in job["steps"] if s.get("uses", "").startswith("docker/build-push"))
    assert build["with"]["push"] == "${{ env.PUSH == 'true' }}"
    assert build["with"]["cache-from"] == "type=gha"
    assert build["with"]["cache-to"].startswith("type=gha")
    tags = build["with"]["tags"].strip().splitlines()
    assert tags == [
        "${{ env.IMAGE }}:${{ steps.version.outputs.version }}",
        "${{ env.IMAGE }}:latest",
    ]
    assert docker["env"]["IMAGE"] == "ghcr.io/landovsky/gmail-assistant"


def test_docker_version_comes_from_pyproject(docker: dict[str, Any]) -> None:
    (job,) = docker["jobs"].values()
    step = next(s for s in job["steps"] if s.get("id") == "version")
    assert "pyproject.toml" in step["run"] and '["project"]["version"]' in step["run"]
    assert "$GITHUB_OUTPUT" in step["run"]
