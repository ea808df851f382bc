"""`/metrics`: job outcomes, queue depth on scrape, LLM, Gmail and webhook counters."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from api_support import ADMIN, PASSWORD, build_app, database, make_settings, running, seed_rows
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from gmail_assistant.db.models import Job as JobRow
from gmail_assistant.jobs import Job, JobOutcome
from gmail_assistant.observability import metrics as m

pytestmark = pytest.mark.anyio


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def test_metrics_report_what_happened(app: FastAPI, client: httpx.AsyncClient) -> None:
    await seed_rows(
        database(app),
        JobRow(job_type="sync", user_id=1, status="pending"),
        JobRow(job_type="classify", user_id=1, thread_id="t", status="failed"),
    )
    job = Job(id=1, job_type="classify", user_id=1, thread_id="t")
    # The worker pool reports to the app's metrics through on_outcome.
    on_outcome = app.state.container.workers.on_outcome
    on_outcome(JobOutcome(job, "completed", 0.2))
    on_outcome(JobOutcome(job, "retried", 1.5, "boom"))
    m.record_llm_call("gemini/gemini-2.0-flash", 120, 0.002, None)
    m.record_llm_call("gemini/gemini-2.0-flash", None, None, "LlmTimeout: slow")
    m.record_gmail_call("messages.get", 200, 5, 0.004)
    m.record_gmail_call("messages.get", 429, 5, 0.03)
    m.record_gmail_call("threads.modify", "timeout", 10, 30.0)
    m.record_webhook_push("accepted")

    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    s = _samples(response.text)
    assert s[("gma_jobs_total", (("job_type", "classify"), ("outcome", "completed")))] == 1
    assert s[("gma_jobs_total", (("job_type", "classify"), ("outcome", "retried")))] == 1
    assert s[("gma_job_duration_seconds_count", (("job_type", "classify"),))] == 2
    assert s[("gma_queue_jobs", (("state", "pending"),))] == 1
    assert s[("gma_queue_jobs", (("state", "failed"),))] == 1
    model = (("model", "gemini/gemini-2.0-flash"),)
    assert s[("gma_llm_calls_total", (*model, ("outcome", "ok")))] == 1
    assert s[("gma_llm_calls_total", (*model, ("outcome", "error")))] == 1
    assert s[("gma_llm_tokens_total", model)] == 120
    assert s[("gma_llm_cost_usd_total", model)] == pytest.approx(0.002)
    assert s[("gma_gmail_calls_total", (("method", "messages.get"), ("status", "429")))] == 1
    get = (("method", "messages.get"),)
    assert s[("gma_gmail_call_duration_seconds_count", get)] == 2
    assert s[("gma_gmail_call_duration_seconds_bucket", (("le", "0.005"), *get))] == 1
    assert s[("gma_gmail_errors_total", (("method", "messages.get"),))] == 1
    assert s[("gma_gmail_errors_total", (("method", "threads.modify"),))] == 1
    assert s[("gma_gmail_quota_units_total", (("method", "messages.get"),))] == 10
    assert s[("gma_webhook_pushes_total", (("outcome", "accepted"),))] == 1


async def test_each_app_has_its_own_registry(tmp_path: Path) -> None:
    first = build_app(make_settings(tmp_path / "a"))
    second = build_app(make_settings(tmp_path / "b"))
    async with running(first) as client:
        m.record_webhook_push("accepted")
        assert "gma_webhook_pushes_total" in (await client.get("/metrics")).text
    async with running(second) as client:
        text = (await client.get("/metrics")).text
        assert 'gma_webhook_pushes_total{outcome="accepted"}' not in text
    # No app running: the module functions are harmless no-ops.
    m.record_llm_call("x", 1, 0.1, None)
    assert m.active_metrics() is None


async def test_metrics_need_basic_auth_when_on(tmp_path: Path) -> None:
    async with running(build_app(make_settings(tmp_path, auth=True))) as client:
        assert (await client.get("/metrics")).status_code == 401
        ok = await client.get("/metrics", auth=(ADMIN, PASSWORD))
        assert ok.status_code == 200
        assert "gma_queue_jobs" in ok.text
