"""Gmail ``users.drafts.*`` routes."""

from __future__ import annotations

from typing import Any

from gmail_emulator import drafts
from gmail_emulator.api_messages import page, raw_of
from gmail_emulator.endpoint import ApiCall, check_id
from gmail_emulator.errors import bad_request
from gmail_emulator.query import compile_query

__all__ = ["ROUTES"]


def _message_part(call: ApiCall) -> dict[str, Any]:
    message = call.body.get("message")
    if not isinstance(message, dict):
        raise bad_request("Missing draft message")
    return message


def _short(call: ApiCall, draft_id: str) -> dict[str, Any]:
    return drafts.draft_resource(call.box, draft_id, "minimal")


def create_draft(call: ApiCall) -> dict[str, Any]:
    message = _message_part(call)
    draft_id = drafts.create_draft(call.box, raw_of(message), message.get("threadId"))
    return _short(call, draft_id)


def update_draft(call: ApiCall) -> dict[str, Any]:
    message = _message_part(call)
    draft_id = call.draft_id()
    drafts.update_draft(call.box, draft_id, raw_of(message), message.get("threadId"))
    return _short(call, draft_id)


def get_draft(call: ApiCall) -> dict[str, Any]:
    fmt = call.param("format") or "full"
    return drafts.draft_resource(call.box, call.draft_id(), fmt, call.params("metadataHeaders"))


def list_drafts(call: ApiCall) -> dict[str, Any]:
    box = call.box
    query = compile_query(call.param("q"))
    found = []
    for draft_id, message_id in box.drafts.items():
        message = box.messages.get(message_id)
        if message is not None and query.matches(box.search_doc(message)):
            found.append((message, draft_id))
    found.sort(key=lambda pair: (pair[0].internal_ms, pair[0].id), reverse=True)
    chunk, token = page(call, found)
    out: dict[str, Any] = {"resultSizeEstimate": len(found)}
    if chunk:
        out["drafts"] = [
            {"id": draft_id, "message": {"id": m.id, "threadId": m.thread_id}}
            for m, draft_id in chunk
        ]
    if token:
        out["nextPageToken"] = token
    return out


def delete_draft(call: ApiCall) -> None:
    drafts.delete_draft(call.box, call.draft_id())


def send_draft(call: ApiCall) -> dict[str, Any]:
    draft_id = call.body.get("id")
    if not draft_id:
        raise bad_request("Missing draft id")
    draft_id = check_id(draft_id, draft=True)
    message = call.body.get("message")
    if isinstance(message, dict) and message.get("raw"):
        drafts.update_draft(call.box, draft_id, raw_of(message), message.get("threadId"))
    sent = drafts.send_draft(call.box, draft_id)
    call.violation("drafts.send", f"sent draft {draft_id} as message {sent.id}")
    return {"id": sent.id, "threadId": sent.thread_id, "labelIds": list(sent.label_ids)}


_BASE = "/gmail/v1/users/{userId}/drafts"
ROUTES = [
    ("drafts.list", "GET", _BASE, list_drafts),
    ("drafts.create", "POST", _BASE, create_draft),
    ("drafts.send", "POST", f"{_BASE}/send", send_draft),
    ("drafts.get", "GET", _BASE + "/{id}", get_draft),
    ("drafts.update", "PUT", _BASE + "/{id}", update_draft),
    ("drafts.delete", "DELETE", _BASE + "/{id}", delete_draft),
]
