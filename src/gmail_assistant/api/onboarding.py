"""`POST /api/auth/init?email=`: onboard a mailbox (idempotent); returns what it did."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import APIRouter, HTTPException, Request

from gmail_assistant.gmail.errors import GmailAuthError, GmailError
from gmail_assistant.onboarding.config_files import ConfigFileError
from gmail_assistant.web.deps import ContainerDep, SyncComponentsDep

__all__ = ["router"]

log = logging.getLogger(__name__)
router = APIRouter(tags=["onboarding"])


async def _email_from_body(request: Request) -> str | None:
    body = await request.body()
    if not body.strip():
        return None
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise HTTPException(400, detail='body must be JSON like {"email": ...}') from None
    if not isinstance(data, dict):
        raise HTTPException(400, detail="body must be a JSON object")
    email = data.get("email")
    if email is not None and not isinstance(email, str):
        raise HTTPException(400, detail="email must be a string")
    return email or None


@router.post("/api/auth/init")
async def init(
    request: Request,
    container: ContainerDep,
    components: SyncComponentsDep,
    email: str | None = None,
) -> dict[str, Any]:
    email = email or await _email_from_body(request) or await _default_email(container)
    if "@" not in email:
        raise HTTPException(400, detail="email must be an address")
    try:
        result = await components.onboarding.run(email)
    except ConfigFileError as exc:
        raise HTTPException(400, detail=str(exc)) from None
    except GmailAuthError as exc:
        raise HTTPException(401, detail=f"Gmail refused the credentials: {exc}") from None
    except GmailError as exc:
        raise HTTPException(502, detail=f"Gmail call failed: {type(exc).__name__}") from None
    return result.as_dict()


async def _default_email(container: Any) -> str:
    """The only user, else the mailbox the configured credentials belong to."""
    users = await container.users.list()
    if len(users) == 1:
        return str(users[0].email)
    if len(users) > 1:
        raise HTTPException(400, detail="several users: say which with ?email=")
    auth = container.settings.auth
    if auth.mode == "service_account" and not auth.subject:
        raise HTTPException(400, detail="email required (service account without a subject)")
    try:
        profile = await container.gmail.for_user(auth.subject or "me").get_profile()
    except GmailError as exc:
        raise HTTPException(
            502, detail=f"cannot read the Gmail profile: {type(exc).__name__}"
        ) from None
    return profile.email
