"""`POST /webhook/gmail`: Pub/Sub push. 400 for bad bodies, 401/403 for bad credentials.

Nothing a sender puts in the request can produce a 500: every step is wrapped, and the log
lines name the reason, never the body or a token.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from gmail_assistant.observability.metrics import record_webhook_push
from gmail_assistant.web.deps import SyncComponentsDep
from gmail_assistant.webhook.auth import PushAuthError
from gmail_assistant.webhook.envelope import BadEnvelope, decode_envelope

__all__ = ["router"]

log = logging.getLogger(__name__)
router = APIRouter(tags=["webhook"])
_MAX_BODY = 64 * 1024  # a Gmail notification is a few hundred bytes


def _answer(code: int, outcome: str, **body: Any) -> JSONResponse:
    # Every answer is counted once, by what became of the push.
    record_webhook_push(outcome)
    return JSONResponse(body, status_code=code)


@router.post("/webhook/gmail")
async def gmail_push(request: Request, components: SyncComponentsDep) -> JSONResponse:
    try:
        await components.push_auth.check(
            token=request.query_params.get("token"),
            authorization=request.headers.get("authorization"),
        )
    except PushAuthError as exc:
        log.warning("webhook rejected: %s", exc)
        return _answer(exc.status, "rejected", detail=str(exc))
    try:
        body = await request.body()
        if len(body) > _MAX_BODY:
            raise BadEnvelope("body too large")
        note = decode_envelope(body)
    except BadEnvelope as exc:
        log.warning("webhook bad request: %s", exc)
        return _answer(400, "bad_request", detail=str(exc))
    except Exception as exc:  # a broken client connection, say
        log.warning("webhook unreadable: %s", type(exc).__name__)
        return _answer(400, "bad_request", detail="unreadable request")
    try:
        user_id = await components.intake.accept(note)
    except Exception as exc:
        # Our side failed (database): 503 so Pub/Sub redelivers later.
        log.error("webhook could not enqueue a sync: %s", type(exc).__name__)
        return _answer(503, "error", detail="temporarily unavailable")
    if user_id is None:
        log.info("webhook for an unknown mailbox ignored", extra={"history_id": note.history_id})
        return _answer(200, "ignored", status="ignored")
    log.debug("webhook accepted", extra={"user_id": user_id, "history_id": note.history_id})
    return _answer(200, "accepted", status="accepted")
