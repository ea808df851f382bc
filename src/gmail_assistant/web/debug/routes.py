"""The debug pages' routes: thin, the figures come from `emails/` and `stats.py`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from gmail_assistant.corrections import health as corrections_health
from gmail_assistant.db import utcnow
from gmail_assistant.emails import EmailFilter
from gmail_assistant.emails.actions import (
    JobTypeUnavailable,
    request_full_sync,
    request_reclassify,
)
from gmail_assistant.emails.debug import load_debug_bundle
from gmail_assistant.emails.queries import counts_by, get_email, list_emails, neighbours
from gmail_assistant.labels import CATEGORIES
from gmail_assistant.payments.views import payment_requests_of_email, recent_account_alerts
from gmail_assistant.style_learning.views import waiting_proposals
from gmail_assistant.web.debug.charts import bar_chart
from gmail_assistant.web.debug.stats import load_health
from gmail_assistant.web.deps import ContainerDep, DatabaseDep, QueueDep, SettingsDep, UsersDep
from gmail_assistant.web.params import Offset, OptionalText, RowId, UserIdQuery

__all__ = ["router", "templates"]

router = APIRouter(prefix="/debug", include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.filters["dt"] = lambda v: v.strftime("%Y-%m-%d %H:%M:%S") if v else "—"
templates.env.filters["seconds"] = lambda v: "—" if v is None else _duration(v)
PAGE_SIZE = 50
STATUSES = ("pending", "drafted", "rework_requested", "sent", "archived", "skipped")
FLASHES = {
    "reclassify": "Re-classification queued.",
    "sync": "Full sync queued for this user.",
    "unavailable": "That job type has no handler in this build; nothing was queued.",
}


def _same_origin(request: Request) -> None:
    """Forms post only from these pages: a browser sends Origin on cross-site POSTs."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.url.netloc:
        raise HTTPException(403, "cross-origin form post refused")


@router.get("/emails", response_class=HTMLResponse)
async def email_list(
    request: Request,
    db: DatabaseDep,
    users: UsersDep,
    q: OptionalText = None,
    status: OptionalText = None,
    classification: OptionalText = None,
    user_id: UserIdQuery = None,
    offset: Offset = 0,
) -> HTMLResponse:
    where = EmailFilter(user_id=user_id, status=status, classification=classification, query=q)
    page = await list_emails(db, where, limit=PAGE_SIZE, offset=offset)
    # Counts per dimension ignore that dimension's own filter, so every option shows its size.
    by_status = await counts_by(db, "status", EmailFilter(user_id, None, classification, q))
    by_class = await counts_by(db, "classification", EmailFilter(user_id, status, None, q))
    params = {
        k: v
        for k, v in {
            "q": q, "status": status, "classification": classification, "user_id": user_id,
        }.items()
        if v not in (None, "")
    }  # fmt: skip

    def page_url(new_offset: int) -> str:
        return "/debug/emails?" + urlencode({**params, "offset": new_offset})

    return templates.TemplateResponse(
        request,
        "debug/emails.html",
        {
            "page": page,
            "q": q or "",
            "status": status or "",
            "classification": classification or "",
            "user_id": user_id,
            "users": await users.list(),
            "statuses": _options(STATUSES, by_status),
            "classifications": _options((*CATEGORIES, "unclassified"), by_class),
            "by_status": by_status,
            "by_class": by_class,
            "prev_url": page_url(max(offset - PAGE_SIZE, 0)) if offset > 0 else None,
            "next_url": page_url(offset + PAGE_SIZE) if offset + PAGE_SIZE < page.total else None,
        },
    )


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _options(known: tuple[str, ...], counts: dict[str, int]) -> list[tuple[str, int]]:
    names = list(known) + sorted(set(counts) - set(known))
    return [(name, counts.get(name, 0)) for name in names]


@router.get("/emails/{email_id}", response_class=HTMLResponse)
async def email_page(
    request: Request,
    email_id: RowId,
    db: DatabaseDep,
    users: UsersDep,
    flash: Annotated[str | None, Query(max_length=30)] = None,
) -> HTMLResponse:
    bundle = await load_debug_bundle(db, email_id)
    if bundle is None:
        raise HTTPException(404, f"email {email_id} not found")
    newer, older = await neighbours(db, email_id, EmailFilter())
    owner = await users.get(bundle.email.user_id)
    return templates.TemplateResponse(
        request,
        "debug/email.html",
        {
            "b": bundle,
            "e": bundle.email,
            "owner": owner,
            "newer": newer,
            "older": older,
            "flash": FLASHES.get(flash or ""),
            "payments": await payment_requests_of_email(db, email_id),
        },
    )


@router.post("/emails/{email_id}/reclassify")
async def reclassify(
    request: Request, email_id: RowId, db: DatabaseDep, queue: QueueDep
) -> RedirectResponse:
    _same_origin(request)
    email = await get_email(db, email_id)
    if email is None:
        raise HTTPException(404, f"email {email_id} not found")
    try:
        await request_reclassify(queue, email)
        flash = "reclassify"
    except JobTypeUnavailable:
        flash = "unavailable"
    return RedirectResponse(f"/debug/emails/{email_id}?flash={flash}", status_code=303)


@router.post("/emails/{email_id}/full-sync")
async def full_sync(
    request: Request, email_id: RowId, db: DatabaseDep, queue: QueueDep
) -> RedirectResponse:
    _same_origin(request)
    email = await get_email(db, email_id)
    if email is None:
        raise HTTPException(404, f"email {email_id} not found")
    try:
        await request_full_sync(queue, email.user_id)
        flash = "sync"
    except JobTypeUnavailable:
        flash = "unavailable"
    return RedirectResponse(f"/debug/emails/{email_id}?flash={flash}", status_code=303)


@router.get("/health", response_class=HTMLResponse)
async def health_page(
    request: Request,
    db: DatabaseDep,
    queue: QueueDep,
    settings: SettingsDep,
    container: ContainerDep,
) -> HTMLResponse:
    report = await load_health(db, queue, settings)
    async with db.read() as session:
        corrections = await corrections_health(session, now=utcnow())
    queue_points = [
        (state, float(getattr(report.queue, state)))
        for state in ("pending", "running", "completed", "failed", "cancelled")
    ]
    day = [d.day.strftime("%d.%m") for d in report.days]
    charts: dict[str, Any] = {
        "queue": bar_chart("Jobs by state", queue_points),
        "calls": bar_chart(
            "LLM calls per day", list(zip(day, (d.calls for d in report.days), strict=True))
        ),
        "tokens": bar_chart(
            "Tokens per day", list(zip(day, (d.tokens for d in report.days), strict=True))
        ),
        "cost": bar_chart(
            "Cost per day (USD)",
            list(zip(day, (d.cost_usd for d in report.days), strict=True)),
            value_format="{:.4f}",
        ),
    }
    return templates.TemplateResponse(
        request,
        "debug/health.html",
        {
            "r": report,
            "charts": charts,
            "settings": settings,
            "warnings": getattr(request.app.state, "health_warnings", ()),
            "token_alerts": container.gmail.token_alerts.current(),
            "payment_alerts": await recent_account_alerts(db),
            "corrections": corrections,
            "style_proposals": await waiting_proposals(db),
        },
    )
