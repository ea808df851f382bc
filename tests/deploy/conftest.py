"""Fixtures for the deployment tests: rendered manifests, the settings' env names."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from gmail_assistant.settings import Settings

REPO = Path(__file__).resolve().parents[2]
BASE = REPO / "deploy" / "k8s" / "base"
FLUX = REPO / "deploy" / "k8s" / "flux"
SCRIPT = REPO / "bin" / "k8s-update-secrets"

Manifest = dict[str, Any]


def load_kustomization_files(folder: Path) -> list[Manifest]:
    """What `kubectl kustomize` would give for our simple bases: the listed files, namespaced."""
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    docs: list[Manifest] = []
    for name in kustomization["resources"]:
        for doc in yaml.safe_load_all((folder / name).read_text()):
            if doc:
                if "namespace" in kustomization:
                    doc.setdefault("metadata", {})["namespace"] = kustomization["namespace"]
                docs.append(doc)
    return docs


def render(folder: Path) -> list[Manifest]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        return load_kustomization_files(folder)
    out = subprocess.run(
        [kubectl, "kustomize", str(folder)], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


def settings_env_names() -> set[str]:
    """Every GMA_* variable the settings class reads, derived from its fields."""
    names: set[str] = set()
    for name, field in Settings.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names.update(f"GMA_{name}_{sub}".upper() for sub in annotation.model_fields)
        else:
            names.add(f"GMA_{name}".upper())
    return names


@pytest.fixture(scope="session")
def base_manifests() -> list[Manifest]:
    return render(BASE)


@pytest.fixture(scope="session")
def base_files() -> list[Manifest]:
    return load_kustomization_files(BASE)


@pytest.fixture(scope="session")
def flux_manifests() -> list[Manifest]:
    return render(FLUX)


@pytest.fixture(scope="session")
def known_env_names() -> set[str]:
    return settings_env_names()


def find(manifests: list[Manifest], kind: str, name: str) -> Manifest:
    matches = [m for m in manifests if m["kind"] == kind and m["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind} {name}, found {len(matches)}"
    return matches[0]


@pytest.fixture(scope="session")
def deployment(base_manifests: list[Manifest]) -> Manifest:
    return find(base_manifests, "Deployment", "gmail-assistant-deployment")


@pytest.fixture(scope="session")
def container(deployment: Manifest) -> Manifest:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return dict(containers[0])


@pytest.fixture(scope="session")
def secret_refs(container: Manifest) -> dict[str, bool]:
    """Keys of gmail-assistant-secrets the Deployment reads, mapped to `optional`."""
    refs: dict[str, bool] = {}
    for env in container.get("env", []):
        ref = env.get("valueFrom", {}).get("secretKeyRef")
        if ref:
            assert ref["name"] == "gmail-assistant-secrets", env
            refs[ref["key"]] = bool(ref.get("optional", False))
    for source in container.get("envFrom", []):
        assert "secretRef" not in source, "envFrom hides which keys are used; use secretKeyRef"
    return refs


@pytest.fixture
def script_env() -> dict[str, str]:
    """A clean environment for bin/k8s-update-secrets: no GMA_* or keys from the caller."""
    keep = ("PATH", "HOME", "LANG", "TMPDIR", "SYSTEMROOT")
    return {name: os.environ[name] for name in keep if name in os.environ}
