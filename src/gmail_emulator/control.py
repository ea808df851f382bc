"""The control API under ``/_emulator/``: plain JSON, no auth, never faulted."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gmail_emulator.endpoint import json_error
from gmail_emulator.errors import GmailApiError, bad_request
from gmail_emulator.state import EmulatorState

__all__ = ["control_routes", "deliver_kwargs"]

Action = Callable[[EmulatorState, Request, dict[str, Any]], Any]
_DELIVER_FIELDS = {
    "raw": "raw",
    "from": "sender",
    "to": "to",
    "cc": "cc",
    "subject": "subject",
    "body": "body",
    "html": "html",
    "headers": "headers",
    "attachments": "attachments",
    "thread_id": "thread_id",
    "in_reply_to": "in_reply_to",
    "label_ids": "label_ids",
    "date": "date",
    "sent": "sent",
    "message_id": "message_id",
    "received_at": "received_at",
}


def _control(action: Action) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        state: EmulatorState = request.app.state.emulator
        data = await request.body()
        try:
            body = json.loads(data) if data.strip() else {}
        except ValueError:
            return json_error(bad_request("Invalid JSON"))
        if not isinstance(body, dict):
            return json_error(bad_request("JSON object expected"))
        try:
            result = action(state, request, body)
        except GmailApiError as exc:
            return json_error(exc)
        except (TypeError, ValueError) as exc:
            return json_error(bad_request(str(exc)))
        if result is None:
            return JSONResponse({"ok": True})
        return JSONResponse(result)

    return endpoint


def _email(request: Request) -> str:
    return str(request.path_params["email"])


def create_mailbox(state: EmulatorState, _req: Request, body: dict[str, Any]) -> Any:
    email = str(body.get("email") or "")
    if "@" not in email:
        raise bad_request("email required")
    return {"email": state.create_mailbox(email).email}


def reset(state: EmulatorState, _req: Request, _body: dict[str, Any]) -> Any:
    state.reset()


def deliver_kwargs(body: dict[str, Any]) -> dict[str, Any]:
    """Control-API deliver fields (``from``, ``thread_id`` …) → ``EmulatorState.deliver`` kwargs."""
    unknown = set(body) - set(_DELIVER_FIELDS)
    if unknown:
        raise bad_request(f"Unknown deliver fields: {', '.join(sorted(unknown))}")
    return {_DELIVER_FIELDS[key]: value for key, value in body.items()}


def deliver(state: EmulatorState, request: Request, body: dict[str, Any]) -> Any:
    return state.deliver(_email(request), **deliver_kwargs(body)).as_dict()


def message_labels(state: EmulatorState, request: Request, body: dict[str, Any]) -> Any:
    labels = state.owner_modify_labels(
        _email(request),
        str(request.path_params["id"]),
        add=body.get("add") or [],
        remove=body.get("remove") or [],
    )
    return {"labelIds": labels}


def thread_labels(state: EmulatorState, request: Request, body: dict[str, Any]) -> Any:
    state.owner_modify_thread_labels(
        _email(request),
        str(request.path_params["id"]),
        add=body.get("add") or [],
        remove=body.get("remove") or [],
    )


def edit_draft(state: EmulatorState, request: Request, body: dict[str, Any]) -> Any:
    message_id = state.owner_edit_draft(
        _email(request),
        str(request.path_params["draft_id"]),
        body=body.get("body"),
        raw=body.get("raw"),
    )
    return {"messageId": message_id}


def send_draft(state: EmulatorState, request: Request, body: dict[str, Any]) -> Any:
    draft_id = str(request.path_params["draft_id"])
    mode = body.get("mode") or None
    return state.owner_send_draft(_email(request), draft_id, mode=mode).as_dict()


def send_mode(state: EmulatorState, request: Request, body: dict[str, Any]) -> Any:
    state.set_send_mode(_email(request), str(body.get("mode") or ""))
    return {"mode": state.mailbox(_email(request)).send_mode}


def revoke_token(state: EmulatorState, request: Request, body: dict[str, Any]) -> Any:
    state.set_token_revoked(_email(request), revoked=bool(body.get("revoked", True)))


def expire_history(state: EmulatorState, request: Request, _body: dict[str, Any]) -> Any:
    return {"historyId": str(state.expire_history(_email(request)))}


def set_push(state: EmulatorState, request: Request, body: dict[str, Any]) -> Any:
    state.set_push_url(_email(request), body.get("url"))


def set_faults(state: EmulatorState, _req: Request, body: dict[str, Any]) -> Any:
    return state.set_faults(**body).as_dict()


def clear_faults(state: EmulatorState, _req: Request, _body: dict[str, Any]) -> Any:
    state.clear_faults()


def dump(state: EmulatorState, request: Request, _body: dict[str, Any]) -> Any:
    return state.dump(request.query_params.get("email") or None)


def calls(state: EmulatorState, _req: Request, _body: dict[str, Any]) -> Any:
    return state.calls_snapshot()


def reset_calls(state: EmulatorState, _req: Request, _body: dict[str, Any]) -> Any:
    state.reset_calls()


def control_routes() -> list[Route]:
    users = "/_emulator/users/{email}"
    table: list[tuple[str, str, Action]] = [
        ("POST", "/_emulator/mailboxes", create_mailbox),
        ("POST", "/_emulator/reset", reset),
        ("POST", f"{users}/deliver", deliver),
        ("POST", users + "/messages/{id}/labels", message_labels),
        ("POST", users + "/threads/{id}/labels", thread_labels),
        ("POST", users + "/drafts/{draft_id}/edit", edit_draft),
        ("POST", users + "/drafts/{draft_id}/send", send_draft),
        ("PUT", f"{users}/send-mode", send_mode),
        ("POST", f"{users}/revoke", revoke_token),
        ("POST", f"{users}/history/expire", expire_history),
        ("PUT", f"{users}/push", set_push),
        ("PUT", "/_emulator/faults", set_faults),
        ("DELETE", "/_emulator/faults", clear_faults),
        ("GET", "/_emulator/state", dump),
        ("GET", "/_emulator/calls", calls),
        ("DELETE", "/_emulator/calls", reset_calls),
    ]
    return [
        Route(path, _control(action), methods=[method], name=f"control_{action.__name__}_{method}")
        for method, path, action in table
    ]
