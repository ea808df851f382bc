"""v2.3.0's API paths and shapes, for the clients of the deployment this image replaces.

Thin routes over the same services as today's API, answering as v2.3.0 did:
`PUT /api/users/{id}/settings` with `{key, value}` → `{"ok": true}`;
`GET /api/users/{id}/labels` → `{label_key: gmail_label_id}`;
`GET /api/users/{id}/emails` → every matching email (`status=pending` when no filter is
given), confidence as `high`/`medium`/`low`; `GET /debug/email/{id}` → the debug page.
Each is tagged `compat v2.3.0` and deprecated in OpenAPI; new clients use today's routes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, status
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict, ValidationError

from gmail_assistant.emails import EmailFilter, EmailView
from gmail_assistant.emails.queries import list_emails
from gmail_assistant.users import UserService
from gmail_assistant.users.preferences import KNOWN_SETTINGS, validate_setting
from gmail_assistant.web.deps import DatabaseDep, UsersDep
from gmail_assistant.web.params import OptionalText, RowId

__all__ = ["TAG", "debug_router", "router"]

TAG = "compat v2.3.0"
router = APIRouter(tags=[TAG], deprecated=True)
# Outside /api: v2.3.0's debug page address.
debug_router = APIRouter(tags=[TAG], deprecated=True)
# v2.3.0 answered every matching email at once; this bounds one answer.
MAX_EMAILS = 10_000


class SettingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: Annotated[str, Body(max_length=100)]
    value: Any


class Ok(BaseModel):
    ok: bool = True


class EmailV2(BaseModel):
    """One email as v2.3.0's `GET /api/users/{id}/emails` listed it."""

    id: int
    user_id: int
    gmail_thread_id: str
    gmail_message_id: str
    sender_email: str
    sender_name: str | None
    subject: str | None
    snippet: str | None
    received_at: datetime | None
    classification: str | None
    confidence: str | None
    reasoning: str | None
    detected_language: str | None
    resolved_style: str | None
    message_count: int | None
    status: str
    draft_id: str | None
    rework_count: int
    last_rework_instruction: str | None
    vendor_name: str | None
    processed_at: datetime | None
    drafted_at: datetime | None
    acted_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, email: EmailView) -> EmailV2:
        return cls(
            **email.model_dump(
                include=(set(cls.model_fields) & set(EmailView.model_fields)) - {"confidence"}
            ),
            confidence=confidence_word(email.confidence),
            message_count=None,  # not tracked by this version
            vendor_name=None,  # not tracked by this version
            processed_at=email.classified_at,
        )


def confidence_word(value: float | None) -> str | None:
    """v2.3.0's confidence words for our 0–1 number."""
    if value is None:
        return None
    return "high" if value >= 0.8 else "medium" if value >= 0.5 else "low"


async def _require_user(users: UserService, user_id: int) -> None:
    if await users.get(user_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"user {user_id} not found")


@router.put("/users/{user_id}/settings", response_model=Ok)
async def put_setting(user_id: RowId, body: SettingIn, users: UsersDep) -> Ok:
    """Store one setting (`{key, value}`); the value is checked as in today's
    `PUT /api/users/{id}/settings/{key}`."""
    await _require_user(users, user_id)
    if body.key not in KNOWN_SETTINGS:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            f"unknown setting {body.key!r}; known: {', '.join(KNOWN_SETTINGS)}",
        )
    try:
        stored = validate_setting(body.key, body.value)
    except ValidationError as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            exc.errors(include_url=False, include_context=False, include_input=False),
        ) from None
    await users.set_setting(user_id, body.key, stored)
    return Ok()


@router.get("/users/{user_id}/labels", response_model=dict[str, str])
async def labels(user_id: RowId, users: UsersDep) -> dict[str, str]:
    """Label key → Gmail label id, for the labels the user has."""
    await _require_user(users, user_id)
    return dict((await users.labels(user_id)).ids)


@router.get("/users/{user_id}/emails", response_model=list[EmailV2])
async def user_emails(
    user_id: RowId,
    db: DatabaseDep,
    users: UsersDep,
    status: OptionalText = None,
    classification: OptionalText = None,
) -> list[EmailV2]:
    """The user's emails, newest first; `status=pending` unless a filter is given."""
    await _require_user(users, user_id)
    if status is None and classification is None:
        status = "pending"
    where = EmailFilter(user_id=user_id, status=status, classification=classification)
    page = await list_emails(db, where, limit=MAX_EMAILS, offset=0)
    return [EmailV2.of(email) for email in page.items]


@debug_router.get("/debug/email/{email_id}", response_class=RedirectResponse)
async def debug_email(email_id: RowId) -> RedirectResponse:
    """v2.3.0's debug page address: the same page now lives at `/debug/emails/{id}`."""
    return RedirectResponse(
        f"/debug/emails/{email_id}", status_code=status.HTTP_308_PERMANENT_REDIRECT
    )
