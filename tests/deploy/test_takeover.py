"""Replacing v2.3.0 in place: the facts its operator relies on (DESIGN.md "Replacing v2.3.0")."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
Manifest = dict[str, Any]
# v2.3.0 documents a Secret with API keys only; GEMINI_API_KEY is required in production.
DOCUMENTED_SECRET_KEYS = {"GEMINI_API_KEY", "ANTHROPIC_API_KEY"}
V230 = (2, 3, 0)


def semver(text: str) -> tuple[int, int, int]:
    match = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", text)
    assert match, f"not a plain semver: {text!r}"
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def pyproject_version() -> str:
    with (REPO / "pyproject.toml").open("rb") as file:
        return str(tomllib.load(file)["project"]["version"])


def test_only_the_documented_keys_are_required(secret_refs: dict[str, bool]) -> None:
    required = {key for key, optional in secret_refs.items() if not optional}
    assert required <= DOCUMENTED_SECRET_KEYS, sorted(required - DOCUMENTED_SECRET_KEYS)
    for key in ("GMA_SERVER_ADMIN_USER", "GMA_SERVER_ADMIN_PASSWORD", "GMA_WEBHOOK_TOKEN"):
        assert secret_refs[key] is True, f"{key} must be optional: true"


def test_the_config_secret_is_the_documented_one(deployment: Manifest) -> None:
    volumes = deployment["spec"]["template"]["spec"]["volumes"]
    (config,) = [v for v in volumes if "secret" in v]
    assert config["secret"]["secretName"] == "gmail-assistant-config"
    # Mounted whole: items would make a missing optional file fail the mount.
    assert "items" not in config["secret"]


def test_pods_carry_the_documented_label_and_the_selector_is_unchanged(
    deployment: Manifest,
) -> None:
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert labels["app"] == "gmail-assistant"
    # The selector of a live Deployment is immutable: it stays what is deployed today.
    assert deployment["spec"]["selector"] == {
        "matchLabels": {"app.kubernetes.io/name": "gmail-assistant"}
    }


def test_a_startup_probe_guards_a_slow_start(container: Manifest) -> None:
    startup = container["startupProbe"]
    assert startup["httpGet"]["path"] == "/api/health"
    assert startup["httpGet"]["port"] in (8000, "http")
    budget = startup["failureThreshold"] * startup["periodSeconds"]
    assert 120 <= budget <= 600
    # The fixed contract values are untouched.
    for name, period, delay in (("livenessProbe", 30, 10), ("readinessProbe", 10, 5)):
        probe = container[name]
        assert (probe["periodSeconds"], probe["initialDelaySeconds"]) == (period, delay)


def test_the_version_is_picked_over_v230_by_flux() -> None:
    version = pyproject_version()
    assert semver(version) >= (3, 0, 0) > V230
    from gmail_assistant import __version__

    assert __version__ == version
    lock = (REPO / "uv.lock").read_text()
    entry = re.search(r'\[\[package\]\]\nname = "gmail-assistant"\nversion = "([^"]+)"', lock)
    assert entry and entry.group(1) == version, "run `uv lock` after a version bump"


@pytest.mark.parametrize(
    "path", ["deploy/k8s/base/deployment.yaml", "deploy/k8s/tools/maintenance-pod.yaml"]
)
def test_manifests_name_the_current_version(path: str) -> None:
    tags = re.findall(r"ghcr\.io/landovsky/gmail-assistant:(\S+)", (REPO / path).read_text())
    assert tags and set(tags) == {pyproject_version()}


def test_the_image_tag_is_the_pyproject_version_and_flux_accepts_it() -> None:
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "docker.yml").read_text())
    (job,) = workflow["jobs"].values()
    read = next(s for s in job["steps"] if s.get("id") == "version")["run"]
    # The workflow's own command, run on this checkout, gives the tag it would push.
    match = re.search(r"python3 -c '([^']+)'", read)
    assert match, read
    ran = subprocess.run(
        [sys.executable, "-c", match.group(1)], cwd=REPO, capture_output=True, text=True, timeout=30
    )
    tag = ran.stdout.strip()
    assert tag == pyproject_version()
    assert semver(tag) > V230
    policy = yaml.safe_load((REPO / "deploy" / "k8s" / "flux" / "image-policy.yaml").read_text())
    assert policy["spec"]["policy"]["semver"]["range"] == ">=0.0.0"


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return text[start : end if end != -1 else len(text)]


def test_operations_says_how_to_onboard_with_a_command_that_exists() -> None:
    text = (REPO / "docs" / "operations.md").read_text()
    section = _section(text, "### 2.9 Onboard the owner")
    commands = re.findall(r"gmail-assistant onboard (\S+)", section)
    assert commands, "no `gmail-assistant onboard <email>` command in the section"
    cli = Path(sys.executable).parent / "gmail-assistant"
    if not cli.exists():
        pytest.skip("the gmail-assistant entry point is not installed in this environment")
    result = subprocess.run(
        [str(cli), "onboard", "--help"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "email" in result.stdout.lower() and "onboard" in result.stdout


def test_the_fork_checklist_lists_every_file_naming_the_host_or_registry() -> None:
    text = (REPO / "docs" / "operations.md").read_text()
    checklist = _section(text, "## 7. Running a fork")
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    naming = {
        name
        for name in tracked
        if not name.startswith(("tests/", "docs/"))
        and name not in ("README.md", "uv.lock")
        and (REPO / name).is_file()
        and re.search(
            r"gmail\.kopernici\.cz|ghcr\.io/landovsky/gmail-assistant|github\.com/landovsky",
            (REPO / name).read_text(errors="replace"),
        )
    }
    assert naming, "the search found nothing: the pattern is wrong"
    missing = sorted(name for name in naming if f"`{name}`" not in checklist)
    assert not missing, f"name the host or registry but are not in the checklist: {missing}"
