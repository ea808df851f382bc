"""Gmail ``users.messages.*`` routes (and attachments)."""

from __future__ import annotations

from typing import Any

from gmail_emulator import drafts
from gmail_emulator.endpoint import ApiCall, check_id
from gmail_emulator.errors import bad_request, not_found
from gmail_emulator.messages import StoredMessage, message_resource
from gmail_emulator.mime import b64url_decode, b64url_encode

__all__ = ["ROUTES", "page", "raw_of"]

MAX_PAGE = 500


def page(
    call: ApiCall, items: list[Any], *, default_size: int = 100
) -> tuple[list[Any], str | None]:
    size = call.int_param("maxResults", default_size, maximum=MAX_PAGE)
    if size <= 0:
        size = default_size
    token = call.param("pageToken") or "0"
    try:
        offset = int(token)
    except ValueError:
        raise bad_request("Invalid pageToken") from None
    chunk = items[offset : offset + size]
    more = offset + size < len(items)
    return chunk, str(offset + size) if more else None


def raw_of(body: dict[str, Any]) -> bytes:
    raw = body.get("raw")
    if not isinstance(raw, str) or not raw:
        raise bad_request(
            "'raw' RFC822 payload message string or uploading message via /upload/* URL required"
        )
    try:
        return b64url_decode(raw)
    except ValueError:
        raise bad_request("Invalid raw message (base64url expected)") from None


def _minimal(message: StoredMessage) -> dict[str, Any]:
    out: dict[str, Any] = {"id": message.id, "threadId": message.thread_id}
    if message.label_ids:
        out["labelIds"] = list(message.label_ids)
    return out


def list_messages(call: ApiCall) -> dict[str, Any]:
    found = call.box.search(
        call.param("q"),
        call.params("labelIds"),
        include_spam_trash=call.bool_param("includeSpamTrash"),
    )
    chunk, token = page(call, found)
    out: dict[str, Any] = {"resultSizeEstimate": len(found)}
    if chunk:
        out["messages"] = [{"id": m.id, "threadId": m.thread_id} for m in chunk]
    if token:
        out["nextPageToken"] = token
    return out


def get_message(call: ApiCall) -> dict[str, Any]:
    message = call.box.message(call.message_id())
    return message_resource(message, call.param("format") or "full", call.params("metadataHeaders"))


def modify_message(call: ApiCall) -> dict[str, Any]:
    message = call.box.modify(
        call.message_id(),
        add=call.body.get("addLabelIds") or [],
        remove=call.body.get("removeLabelIds") or [],
    )
    return _minimal(message)


def batch_modify(call: ApiCall) -> None:
    ids = [check_id(i) for i in call.body.get("ids") or []]
    if len(ids) > 1000:
        raise bad_request("Too many ids (max 1000)")
    add = call.body.get("addLabelIds") or []
    remove = call.body.get("removeLabelIds") or []
    call.box.resolve_labels([*add, *remove])  # validate before touching anything
    for message_id in ids:
        if message_id in call.box.messages:
            call.box.modify(message_id, add=add, remove=remove)


def get_attachment(call: ApiCall) -> dict[str, Any]:
    message = call.box.message(call.message_id("messageId"))
    attachment = message.parsed.attachments.get(call.path("id"))
    if attachment is None:
        raise not_found()
    return {
        "attachmentId": attachment.attachment_id,
        "size": len(attachment.data),
        "data": b64url_encode(attachment.data),
    }


# -- answered like Gmail, but each one is a safety violation --------------------------------


def send_message(call: ApiCall) -> dict[str, Any]:
    message = drafts.send_message(call.box, raw_of(call.body), call.body.get("threadId"))
    call.violation("messages.send", f"sent message {message.id} in thread {message.thread_id}")
    return _minimal(message)


def delete_message(call: ApiCall) -> None:
    message = call.box.delete_message(call.message_id())
    call.violation("messages.delete", f"deleted message {message.id}")


def batch_delete(call: ApiCall) -> None:
    ids = [i for i in call.body.get("ids") or [] if i in call.box.messages]
    for message_id in ids:
        call.box.delete_message(message_id)
    call.violation("messages.batchDelete", f"deleted messages {', '.join(ids)}")


def trash_message(call: ApiCall) -> dict[str, Any]:
    message = call.box.modify(call.message_id(), add=["TRASH"], remove=["INBOX"])
    call.violation("messages.trash", f"trashed message {message.id}")
    return _minimal(message)


def untrash_message(call: ApiCall) -> dict[str, Any]:
    message = call.box.modify(call.message_id(), remove=["TRASH"])
    call.violation("messages.untrash", f"untrashed message {message.id}")
    return _minimal(message)


def _insert(call: ApiCall, method: str) -> dict[str, Any]:
    raw = raw_of(call.body)
    labels = call.body.get("labelIds") or ["INBOX"]
    thread = call.box.reply_thread(raw, call.body.get("threadId"))
    message = call.box.add_message(raw, labels, thread_id=thread)
    call.violation(method, f"{method} created message {message.id}")
    return _minimal(message)


def insert_message(call: ApiCall) -> dict[str, Any]:
    return _insert(call, "messages.insert")


def import_message(call: ApiCall) -> dict[str, Any]:
    return _insert(call, "messages.import")


_BASE = "/gmail/v1/users/{userId}/messages"
ROUTES = [
    ("messages.list", "GET", _BASE, list_messages),
    ("messages.batchModify", "POST", f"{_BASE}/batchModify", batch_modify),
    ("messages.batchDelete", "POST", f"{_BASE}/batchDelete", batch_delete),
    ("messages.send", "POST", f"{_BASE}/send", send_message),
    ("messages.import", "POST", f"{_BASE}/import", import_message),
    ("messages.insert", "POST", _BASE, insert_message),
    ("messages.get", "GET", _BASE + "/{id}", get_message),
    ("messages.delete", "DELETE", _BASE + "/{id}", delete_message),
    ("messages.modify", "POST", _BASE + "/{id}/modify", modify_message),
    ("messages.trash", "POST", _BASE + "/{id}/trash", trash_message),
    ("messages.untrash", "POST", _BASE + "/{id}/untrash", untrash_message),
    ("messages.attachments.get", "GET", _BASE + "/{messageId}/attachments/{id}", get_attachment),
]
