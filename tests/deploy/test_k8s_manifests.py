"""deploy/k8s checked against DESIGN.md §1 and against the settings class."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from gmail_assistant.settings import Settings

REPO = Path(__file__).resolve().parents[2]
BASE = REPO / "deploy" / "k8s" / "base"
IMAGE = "ghcr.io/landovsky/gmail-assistant"
SETTER = '# {"$imagepolicy": "flux-system:gmail-assistant"}'
Manifest = dict[str, Any]


def find(manifests: list[Manifest], kind: str, name: str) -> Manifest:
    matches = [m for m in manifests if m["kind"] == kind and m["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind} {name}, found {len(matches)}"
    return matches[0]


def plain_env(container: Manifest) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container["env"] if "value" in e}


def test_kubectl_kustomize_renders_what_the_files_say(
    base_manifests: list[Manifest], base_files: list[Manifest]
) -> None:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl not installed; the other tests read the YAML files with pyyaml")

    def key(m: Manifest) -> tuple[str, str, str]:
        return (m["kind"], m["metadata"]["name"], m["metadata"]["namespace"])

    assert sorted(map(key, base_manifests)) == sorted(map(key, base_files))


def test_every_object_is_named_and_in_default(base_manifests: list[Manifest]) -> None:
    found = {(m["kind"], m["metadata"]["name"]) for m in base_manifests}
    assert found == {
        ("Deployment", "gmail-assistant-deployment"),
        ("Service", "gmail-assistant-service"),
        ("Ingress", "gmail-assistant-ingress"),
        ("Middleware", "redirect-https"),
        ("PersistentVolumeClaim", "gmail-assistant-db"),
    }
    assert {m["metadata"]["namespace"] for m in base_manifests} == {"default"}


def test_deployment_shape(deployment: Manifest, container: Manifest) -> None:
    spec = deployment["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {"type": "Recreate"}
    labels = spec["template"]["metadata"]["labels"]
    assert spec["selector"]["matchLabels"].items() <= labels.items()
    assert container["image"].startswith(IMAGE + ":")
    assert container["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]
    assert container["resources"] == {
        "requests": {"memory": "256Mi", "cpu": "200m"},
        "limits": {"memory": "512Mi", "cpu": "500m"},
    }


@pytest.mark.parametrize(
    ("probe", "period", "delay"), [("livenessProbe", 30, 10), ("readinessProbe", 10, 5)]
)
def test_probes_hit_health(container: Manifest, probe: str, period: int, delay: int) -> None:
    spec = container[probe]
    assert spec["httpGet"]["path"] == "/api/health"
    assert spec["httpGet"]["port"] in (8000, "http")
    assert spec["periodSeconds"] == period
    assert spec["initialDelaySeconds"] == delay


def test_pod_runs_as_non_root(deployment: Manifest, container: Manifest) -> None:
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 1000
    assert pod["securityContext"]["fsGroup"] == 1000
    assert container["securityContext"]["allowPrivilegeEscalation"] is False


def test_volumes_and_mounts(deployment: Manifest, container: Manifest) -> None:
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    config = volumes[mounts["/app/config"]["name"]]
    assert config["secret"]["secretName"] == "gmail-assistant-config"
    assert mounts["/app/config"]["readOnly"] is True
    data = volumes[mounts["/app/data"]["name"]]
    assert data["persistentVolumeClaim"]["claimName"] == "gmail-assistant-db"
    assert not mounts["/app/data"].get("readOnly", False)
    env = plain_env(container)
    assert env["GMA_DB_SQLITE_PATH"] == "/app/data/inbox.db"
    assert env["GMA_AUTH_CREDENTIALS_FILE"] == "/app/config/credentials.json"
    assert env["GMA_AUTH_TOKEN_FILE"] == "/app/config/token.json"
    # Refreshed tokens must never go to the read-only Secret mount.
    assert env["GMA_AUTH_TOKEN_CACHE_FILE"].startswith("/app/data/")
    assert env["GMA_ENVIRONMENT"] == "production"


def test_pvc(base_manifests: list[Manifest]) -> None:
    spec = find(base_manifests, "PersistentVolumeClaim", "gmail-assistant-db")["spec"]
    assert spec["accessModes"] == ["ReadWriteOnce"]
    assert spec["storageClassName"] == "local-path"
    assert spec["resources"]["requests"]["storage"] == "1Gi"


def test_service_80_to_8000(base_manifests: list[Manifest], deployment: Manifest) -> None:
    spec = find(base_manifests, "Service", "gmail-assistant-service")["spec"]
    assert spec.get("type", "ClusterIP") == "ClusterIP"
    assert [(p["port"], p["targetPort"]) for p in spec["ports"]] == [(80, 8000)]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert spec["selector"].items() <= labels.items()


def test_ingress_and_https_redirect(base_manifests: list[Manifest]) -> None:
    ingress = find(base_manifests, "Ingress", "gmail-assistant-ingress")
    notes = ingress["metadata"]["annotations"]
    assert notes["cert-manager.io/cluster-issuer"] == "letsencrypt-prod"
    middleware = find(base_manifests, "Middleware", "redirect-https")
    reference = f"{middleware['metadata']['namespace']}-redirect-https@kubernetescrd"
    assert notes["traefik.ingress.kubernetes.io/router.middlewares"] == reference
    spec = ingress["spec"]
    assert spec["ingressClassName"] == "traefik"
    assert spec["tls"][0]["hosts"] == ["gmail.kopernici.cz"] and spec["tls"][0]["secretName"]
    (rule,) = spec["rules"]
    assert rule["host"] == "gmail.kopernici.cz"
    backend = rule["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "gmail-assistant-service", "port": {"number": 80}}
    assert middleware["apiVersion"] == "traefik.io/v1alpha1"
    assert middleware["spec"] == {"redirectScheme": {"scheme": "https", "permanent": True}}


def test_image_setter_marker_in_the_source_file() -> None:
    lines = [line for line in (BASE / "deployment.yaml").read_text().splitlines() if SETTER in line]
    assert len(lines) == 1
    assert re.fullmatch(
        rf"\s+image: {re.escape(IMAGE)}:\d+\.\d+\.\d+ {re.escape(SETTER)}", lines[0]
    )


def test_every_gma_variable_is_a_setting(container: Manifest, known_env_names: set[str]) -> None:
    names = [e["name"] for e in container["env"] if e["name"].startswith("GMA_")]
    assert names, "the Deployment sets no GMA_ variables?"
    unknown = sorted(set(names) - known_env_names)
    assert not unknown, f"not fields of gmail_assistant.settings.Settings: {unknown}"
    assert len(names) == len(set(names)), "a variable is set twice"


def test_deployment_values_parse_into_the_right_fields(
    container: Manifest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in list(os.environ):
        if name.startswith("GMA_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("GMA_CONFIG_FILE", str(tmp_path / "absent.yml"))
    env = {k: v for k, v in plain_env(container).items() if k.startswith("GMA_")}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = Settings()  # not load_settings(): /app/data does not exist on this machine
    for key, value in env.items():
        section, _, field = key.removeprefix("GMA_").lower().partition("_")
        parsed = getattr(getattr(settings, section), field) if field else getattr(settings, section)
        assert str(parsed) == value, key


def test_other_files_use_known_gma_variables(known_env_names: set[str]) -> None:
    sources = {
        "Dockerfile": (REPO / "Dockerfile").read_text(),
        ".env.example": (REPO / ".env.example").read_text(),
        "docker-compose.yml": (REPO / "docker-compose.yml").read_text(),
        "docs/operations.md": (REPO / "docs" / "operations.md").read_text(),
        "ci.yml": (REPO / ".github" / "workflows" / "ci.yml").read_text(),
        "k8s-update-secrets": (REPO / "bin" / "k8s-update-secrets").read_text(),
    }
    # GMA_CONFIG_FILE is read by the settings loader itself, GMA_BACKUP_S3_* by the backup CLI,
    # GMA_TEST_* by the test suite.
    extra = re.compile(r"GMA_(CONFIG_FILE|BACKUP_S3_\w+|TEST_\w+)$")
    for name, text in sources.items():
        # A trailing underscore is a family written as GMA_SERVER_ADMIN_* in prose.
        used = {v for v in re.findall(r"\bGMA_[A-Z0-9_]+", text) if not v.endswith("_")}
        unknown = sorted(v for v in used - known_env_names if not extra.match(v))
        assert not unknown, f"{name}: {unknown}"


def test_known_names_are_derived_not_hard_coded(known_env_names: set[str]) -> None:
    assert {"GMA_ENVIRONMENT", "GMA_SERVER_WORKER_CONCURRENCY", "GMA_WEBHOOK_TOKEN"} <= (
        known_env_names
    )
    assert "GMA_SERVER" not in known_env_names


def test_manifests_are_plain_yaml_without_tabs() -> None:
    for path in sorted((REPO / "deploy" / "k8s").rglob("*.yaml")):
        text = path.read_text()
        assert "\t" not in text, path
        list(yaml.safe_load_all(text))
