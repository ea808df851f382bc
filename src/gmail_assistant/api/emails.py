"""The triaged emails: the paginated list, search, the debug bundle, re-classification."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi import status as http
from pydantic import BaseModel

from gmail_assistant.emails import EmailFilter, EmailView
from gmail_assistant.emails.actions import JobTypeUnavailable, request_reclassify
from gmail_assistant.emails.debug import load_debug_bundle
from gmail_assistant.emails.queries import get_email, list_emails, search_emails
from gmail_assistant.payments.views import payment_requests_of_email
from gmail_assistant.web.deps import DatabaseDep, QueueDep
from gmail_assistant.web.params import Limit, Offset, OptionalText, RowId, UserIdQuery

__all__ = ["router"]

router = APIRouter(tags=["emails"])


class EmailPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[EmailView]


class SearchResult(BaseModel):
    count: int
    items: list[EmailView]


class Queued(BaseModel):
    job_id: int | None
    job_type: str


@router.get("/emails", response_model=EmailPage)
async def emails(
    db: DatabaseDep,
    user_id: UserIdQuery = None,
    status: OptionalText = None,
    classification: OptionalText = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> EmailPage:
    where = EmailFilter(user_id=user_id, status=status, classification=classification)
    page = await list_emails(db, where, limit=limit, offset=offset)
    return EmailPage(total=page.total, limit=limit, offset=offset, items=list(page.items))


@router.get("/emails/{email_id}/debug")
async def email_debug(email_id: RowId, db: DatabaseDep) -> dict[str, Any]:
    bundle = await load_debug_bundle(db, email_id)
    if bundle is None:
        raise HTTPException(http.HTTP_404_NOT_FOUND, f"email {email_id} not found")
    assert bundle.summary is not None
    return {
        "email": bundle.email.model_dump(mode="json"),
        "events": [e.model_dump(mode="json") for e in bundle.events],
        "llm_calls": [c.model_dump(mode="json") for c in bundle.llm_calls],
        "agent_runs": [r.model_dump(mode="json") for r in bundle.agent_runs],
        "jobs": [j.model_dump(mode="json") for j in bundle.jobs],
        "payment_requests": [
            p.model_dump(mode="json") for p in await payment_requests_of_email(db, email_id)
        ],
        "timeline": [{**asdict(entry), "at": entry.at.isoformat()} for entry in bundle.timeline],
        "summary": {
            "llm_calls": bundle.summary.llm_calls,
            "total_tokens": bundle.summary.total_tokens,
            "total_cost_usd": bundle.summary.total_cost_usd,
            "total_latency_ms": bundle.summary.total_latency_ms,
            "error_count": bundle.summary.error_count,
            "errors": list(bundle.summary.errors),
        },
    }


@router.post(
    "/emails/{email_id}/reclassify",
    response_model=Queued,
    status_code=http.HTTP_202_ACCEPTED,
)
async def reclassify(email_id: RowId, db: DatabaseDep, queue: QueueDep) -> Queued:
    email = await get_email(db, email_id)
    if email is None:
        raise HTTPException(http.HTTP_404_NOT_FOUND, f"email {email_id} not found")
    try:
        job_id = await request_reclassify(queue, email)
    except JobTypeUnavailable as exc:
        raise HTTPException(
            http.HTTP_503_SERVICE_UNAVAILABLE, f"no handler for job type {exc} is installed"
        ) from None
    return Queued(job_id=job_id, job_type="classify")


@router.get("/debug/emails", response_model=SearchResult)
async def debug_search(
    db: DatabaseDep,
    status: OptionalText = None,
    classification: OptionalText = None,
    q: OptionalText = None,
    limit: Limit = 50,
) -> SearchResult:
    where = EmailFilter(status=status, classification=classification, query=q)
    found = await search_emails(db, where, limit=limit)
    return SearchResult(count=len(found), items=found)
