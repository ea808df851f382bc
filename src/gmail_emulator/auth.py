"""The OAuth token endpoint (``POST /token``) that google-auth refreshes against.

* ``grant_type=refresh_token``: refresh token ``emu-refresh:<email>`` → access token
  ``emu:<email>``; any other refresh token, or one whose grant was revoked (control API
  ``POST /_emulator/users/<email>/revoke``), → Google's ``400 invalid_grant``.
* ``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`` (service accounts with
  domain-wide delegation): the JWT's ``sub`` (else ``iss``) names the mailbox. The signature
  is not checked: this is a test double.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gmail_emulator.state import EmulatorState

__all__ = ["REFRESH_PREFIX", "jwt_subject", "token_endpoint"]

REFRESH_PREFIX = "emu-refresh:"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
SCOPE = "https://www.googleapis.com/auth/gmail.modify"
REVOKED = "Token has been expired or revoked."


def jwt_subject(assertion: str) -> str | None:
    try:
        payload_part = assertion.split(".")[1]
        payload: Any = json.loads(
            base64.urlsafe_b64decode(payload_part + "=" * (-len(payload_part) % 4))
        )
    except (IndexError, ValueError):
        return None
    if not isinstance(payload, dict):
        return None
    subject = payload.get("sub") or payload.get("iss")
    return str(subject) if subject else None


def _oauth_error(error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=400)


async def token_endpoint(request: Request) -> Response:
    state: EmulatorState = request.app.state.emulator
    form = await request.form()
    grant = str(form.get("grant_type") or "")
    if grant == "refresh_token":
        refresh = str(form.get("refresh_token") or "")
        if not refresh:
            return _oauth_error("invalid_request", "Missing required parameter: refresh_token")
        email = refresh[len(REFRESH_PREFIX) :] if refresh.startswith(REFRESH_PREFIX) else ""
        if not email or state.token_revoked(email):
            return _oauth_error("invalid_grant", REVOKED)
    elif grant == JWT_GRANT:
        email = jwt_subject(str(form.get("assertion") or "")) or ""
        if not email:
            return _oauth_error("invalid_grant", "Invalid JWT assertion")
        if state.token_revoked(email):
            return _oauth_error("invalid_grant", REVOKED)
    else:
        return _oauth_error("unsupported_grant_type", f"Invalid grant_type: {grant}")
    with state.lock:
        box = state.mailbox(email)
        state.count_refresh(box.email)
    return JSONResponse(
        {
            "access_token": f"emu:{box.email}",
            "expires_in": 3599,
            "token_type": "Bearer",
            "scope": SCOPE,
        }
    )
