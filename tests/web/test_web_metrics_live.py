"""`/metrics` after real work: a Pub/Sub push, a sync against the Gmail emulator, triage through
the fake LLM. The Gmail, LLM and webhook series are fed by the wiring, not by the test."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from flow_support import servers, world_for
from prometheus_client.parser import text_string_to_metric_families
from webhook_support import envelope

from gmail_assistant.app import create_app

pytestmark = pytest.mark.anyio


def _totals(text: str) -> dict[str, float]:
    """Each counter's sum over all its label sets, by sample name."""
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[sample.name] = found.get(sample.name, 0.0) + sample.value
    return found


async def test_metrics_count_gmail_llm_and_webhook_activity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'metrics.db'}"
    with servers() as (emulator, fake):
        async with world_for(tmp_path, db_url, emulator, fake, monkeypatch) as world:
            # The app's own metrics become the sink of the module functions, as in its lifespan
            # (which is not run here: the harness already started the container).
            app = create_app(world.container.settings, container=world.container)
            app.state.metrics.install()
            try:
                world.deliver(
                    subject="Question about the offer",
                    body="Hi, could you please send me the price list for next year? Alice",
                )
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(
                    transport=transport, base_url="http://testserver"
                ) as client:
                    push = await client.post("/webhook/gmail", json=envelope(history_id=999_999))
                    assert push.json() == {"status": "accepted"}
                    bad = await client.post("/webhook/gmail", content=b"not json")
                    assert bad.status_code == 400
                    await world.idle()
                    assert await world.llm_calls(), "the pushed mail was never classified"
                    text = (await client.get("/metrics")).text
            finally:
                app.state.metrics.uninstall()

    totals = _totals(text)
    assert totals["gma_gmail_calls_total"] > 0
    assert totals["gma_gmail_quota_units_total"] > 0
    assert totals["gma_llm_calls_total"] > 0
    assert totals["gma_llm_tokens_total"] > 0
    assert 'gma_webhook_pushes_total{outcome="accepted"} 1.0' in text
    assert 'gma_webhook_pushes_total{outcome="bad_request"} 1.0' in text
    assert 'gma_jobs_total{job_type="sync",outcome="completed"}' in text
