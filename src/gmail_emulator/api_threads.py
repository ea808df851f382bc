"""Gmail ``users.threads.*`` routes."""

from __future__ import annotations

from typing import Any

from gmail_emulator.api_messages import page
from gmail_emulator.endpoint import ApiCall
from gmail_emulator.messages import message_resource

__all__ = ["ROUTES"]


def list_threads(call: ApiCall) -> dict[str, Any]:
    box = call.box
    found = box.search(
        call.param("q"),
        call.params("labelIds"),
        include_spam_trash=call.bool_param("includeSpamTrash"),
    )
    thread_ids = box.thread_ids(found)
    chunk, token = page(call, thread_ids)
    out: dict[str, Any] = {"resultSizeEstimate": len(thread_ids)}
    if chunk:
        threads = []
        for thread_id in chunk:
            messages = box.thread(thread_id)
            threads.append(
                {
                    "id": thread_id,
                    "snippet": messages[-1].parsed.snippet,
                    "historyId": str(max(m.history_id for m in messages)),
                }
            )
        out["threads"] = threads
    if token:
        out["nextPageToken"] = token
    return out


def _thread_resource(call: ApiCall, thread_id: str, fmt: str) -> dict[str, Any]:
    messages = call.box.thread(thread_id)
    headers = call.params("metadataHeaders")
    return {
        "id": thread_id,
        "historyId": str(max(m.history_id for m in messages)),
        "messages": [message_resource(m, fmt, headers) for m in messages],
    }


def get_thread(call: ApiCall) -> dict[str, Any]:
    return _thread_resource(call, call.message_id(), call.param("format") or "full")


def modify_thread(call: ApiCall) -> dict[str, Any]:
    thread_id = call.message_id()
    add = call.body.get("addLabelIds") or []
    remove = call.body.get("removeLabelIds") or []
    call.box.resolve_labels([*add, *remove])
    for message in call.box.thread(thread_id):
        call.box.modify(message.id, add=add, remove=remove)
    return _thread_resource(call, thread_id, "minimal")


def trash_thread(call: ApiCall) -> dict[str, Any]:
    thread_id = call.message_id()
    for message in call.box.thread(thread_id):
        call.box.modify(message.id, add=["TRASH"], remove=["INBOX"])
    call.violation("threads.trash", f"trashed thread {thread_id}")
    return _thread_resource(call, thread_id, "minimal")


def untrash_thread(call: ApiCall) -> dict[str, Any]:
    thread_id = call.message_id()
    for message in call.box.thread(thread_id):
        call.box.modify(message.id, remove=["TRASH"])
    call.violation("threads.untrash", f"untrashed thread {thread_id}")
    return _thread_resource(call, thread_id, "minimal")


def delete_thread(call: ApiCall) -> None:
    thread_id = call.message_id()
    for message in call.box.thread(thread_id):
        call.box.delete_message(message.id)
    call.violation("threads.delete", f"deleted thread {thread_id}")


_BASE = "/gmail/v1/users/{userId}/threads"
ROUTES = [
    ("threads.list", "GET", _BASE, list_threads),
    ("threads.get", "GET", _BASE + "/{id}", get_thread),
    ("threads.delete", "DELETE", _BASE + "/{id}", delete_thread),
    ("threads.modify", "POST", _BASE + "/{id}/modify", modify_thread),
    ("threads.trash", "POST", _BASE + "/{id}/trash", trash_thread),
    ("threads.untrash", "POST", _BASE + "/{id}/untrash", untrash_thread),
]
