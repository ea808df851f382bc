"""Offline schema checks: kubernetes-validate for core kinds, hand checks for the CRDs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import latest_version

Manifest = dict[str, Any]
TOOLS = Path(__file__).resolve().parents[2] / "deploy" / "k8s" / "tools"
CORE_KINDS = {"Deployment", "Service", "Ingress", "PersistentVolumeClaim"}
# An older release the cluster may still run, and the newest schema the package ships.
VERSIONS = ("1.28.0", latest_version())


@pytest.mark.parametrize("version", VERSIONS)
def test_core_kinds_validate_strictly(base_manifests: list[Manifest], version: str) -> None:
    core = [m for m in base_manifests if m["kind"] in CORE_KINDS]
    assert {m["kind"] for m in core} == CORE_KINDS
    for manifest in core:
        kubernetes_validate.validate(manifest, version, strict=True)


@pytest.mark.parametrize("version", VERSIONS)
def test_maintenance_pod_validates_and_mounts_the_database(version: str) -> None:
    pod = yaml.safe_load((TOOLS / "maintenance-pod.yaml").read_text())
    kubernetes_validate.validate(pod, version, strict=True)
    (volume,) = pod["spec"]["volumes"]
    assert volume["persistentVolumeClaim"]["claimName"] == "gmail-assistant-db"
    assert pod["spec"]["securityContext"]["runAsUser"] == 1000


def test_traefik_middleware(base_manifests: list[Manifest]) -> None:
    (middleware,) = [m for m in base_manifests if m["kind"] == "Middleware"]
    assert middleware["apiVersion"] == "traefik.io/v1alpha1"
    assert set(middleware) == {"apiVersion", "kind", "metadata", "spec"}
    assert middleware["spec"]["redirectScheme"]["scheme"] == "https"


def by_kind(manifests: list[Manifest]) -> dict[str, Manifest]:
    kinds = [m["kind"] for m in manifests]
    assert len(kinds) == len(set(kinds))
    return {m["kind"]: m for m in manifests}


def test_flux_objects(flux_manifests: list[Manifest]) -> None:
    flux = by_kind(flux_manifests)
    assert set(flux) == {
        "ImageRepository",
        "ImagePolicy",
        "ImageUpdateAutomation",
        "Kustomization",
    }
    for manifest in flux.values():
        assert manifest["metadata"] == {"name": "gmail-assistant", "namespace": "flux-system"}
        assert set(manifest) == {"apiVersion", "kind", "metadata", "spec"}

    for kind in ("ImageRepository", "ImagePolicy", "ImageUpdateAutomation"):
        assert flux[kind]["apiVersion"] in (
            "image.toolkit.fluxcd.io/v1beta2",
            "image.toolkit.fluxcd.io/v1",
        )
    repository = flux["ImageRepository"]["spec"]
    assert repository["image"] == "ghcr.io/landovsky/gmail-assistant"
    assert repository["interval"]

    policy = flux["ImagePolicy"]["spec"]
    assert policy["imageRepositoryRef"] == {"name": "gmail-assistant"}
    assert policy["policy"] == {"semver": {"range": ">=0.0.0"}}

    automation = flux["ImageUpdateAutomation"]["spec"]
    assert automation["sourceRef"]["kind"] == "GitRepository"
    assert automation["update"]["strategy"] == "Setters"
    assert automation["git"]["commit"]["author"]["email"]
    assert automation["git"]["push"]["branch"]
    assert automation["interval"]

    app = flux["Kustomization"]
    assert app["apiVersion"] == "kustomize.toolkit.fluxcd.io/v1"
    spec = app["spec"]
    assert spec["sourceRef"]["kind"] == "GitRepository"
    assert spec["prune"] is True and spec["interval"]
    # The automation rewrites the same folder the Kustomization applies.
    assert spec["path"] == automation["update"]["path"]
    assert spec["path"].rstrip("/").endswith("apps/gmail-assistant")
