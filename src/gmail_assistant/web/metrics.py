"""`GET /metrics` for Prometheus; behind Basic Auth like the API when that is on."""

from __future__ import annotations

import dataclasses

from fastapi import APIRouter, Request, Response

from gmail_assistant.observability.metrics import CONTENT_TYPE_LATEST, Metrics
from gmail_assistant.web.deps import QueueDep

__all__ = ["router"]

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request, queue: QueueDep) -> Response:
    found: Metrics = request.app.state.metrics
    # Queue depth is read on scrape: the collector itself cannot await the database.
    found.set_queue_counts(dataclasses.asdict(await queue.counts()))
    return Response(found.render(), media_type=CONTENT_TYPE_LATEST)
