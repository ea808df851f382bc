"""`GET /api/briefing/{email}`: the owner's inbox at a glance."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, status
from pydantic import AfterValidator, BaseModel

from gmail_assistant.emails import EmailView
from gmail_assistant.emails.briefing import load_briefing
from gmail_assistant.payments.views import PaymentRequestView, open_payment_requests
from gmail_assistant.web.deps import DatabaseDep, UsersDep
from gmail_assistant.web.params import check_text

__all__ = ["router"]

router = APIRouter(tags=["briefing"])


class CategoryOut(BaseModel):
    total: int
    active: int
    items: list[EmailView]


class BriefingOut(BaseModel):
    user_id: int
    email: str
    categories: dict[str, CategoryOut]
    pending_drafts: list[EmailView]
    action_items: list[EmailView]
    # Open payment requests, changed bank accounts first.
    payment_requests: list[PaymentRequestView] = []


@router.get("/briefing/{email}", response_model=BriefingOut)
async def briefing(
    email: Annotated[str, Path(max_length=320), AfterValidator(check_text)],
    db: DatabaseDep,
    users: UsersDep,
) -> BriefingOut:
    user = await users.get_by_email(email)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no user with email {email}")
    found = await load_briefing(db, user.id)
    return BriefingOut(
        user_id=user.id,
        email=user.email,
        categories={
            name: CategoryOut(total=c.total, active=c.active, items=list(c.items))
            for name, c in found.categories.items()
        },
        pending_drafts=list(found.pending_drafts),
        action_items=list(found.action_items),
        payment_requests=await open_payment_requests(db, user.id),
    )
