"""Gmail routes about the mailbox as a whole: profile, labels, history, watch/stop."""

from __future__ import annotations

import re
import time
from typing import Any

from gmail_emulator.endpoint import ApiCall
from gmail_emulator.errors import bad_request, not_found
from gmail_emulator.history import HISTORY_TYPES

__all__ = ["ROUTES"]

WATCH_DAYS_MS = 7 * 86_400_000
_TOPIC = re.compile(r"projects/[^/\s]+/topics/[^/\s]+")


def get_profile(call: ApiCall) -> dict[str, Any]:
    box = call.box
    return {
        "emailAddress": box.email,
        "messagesTotal": len(box.messages),
        "threadsTotal": len({m.thread_id for m in box.messages.values()}),
        "historyId": str(box.history.current_id),
    }


def list_labels(call: ApiCall) -> dict[str, Any]:
    return {"labels": [label.resource() for label in call.box.labels.values()]}


def get_label(call: ApiCall) -> dict[str, Any]:
    label = call.box.label(call.path("id"))
    return {**label.resource(), **call.box.label_counts(label.id)}


def create_label(call: ApiCall) -> dict[str, Any]:
    return call.box.create_label(call.body).resource()


def patch_label(call: ApiCall) -> dict[str, Any]:
    return call.box.update_label(call.path("id"), call.body, partial=True).resource()


def update_label(call: ApiCall) -> dict[str, Any]:
    return call.box.update_label(call.path("id"), call.body, partial=False).resource()


def delete_label(call: ApiCall) -> None:
    call.box.delete_label(call.path("id"))


def list_history(call: ApiCall) -> dict[str, Any]:
    box = call.box
    start_text = call.param("startHistoryId")
    if not start_text:
        raise bad_request("Required parameter: startHistoryId")
    try:
        start = int(start_text)
    except ValueError:
        raise bad_request(f"Invalid startHistoryId: {start_text}") from None
    if box.history.is_expired(start):
        raise not_found()
    types = call.params("historyTypes")
    unknown = [t for t in types if t not in HISTORY_TYPES]
    if unknown:
        raise bad_request(f"Invalid value at 'history_types' ({unknown[0]})")
    records = box.history.since(start, types=types, label_id=call.param("labelId"))
    size = call.int_param("maxResults", 100, maximum=500)
    if size <= 0:
        size = 100
    token = call.param("pageToken")
    if token:
        try:
            after = int(token)
        except ValueError:
            raise bad_request("Invalid pageToken") from None
        records = [r for r in records if r.id > after]
    chunk = records[:size]
    out: dict[str, Any] = {"historyId": str(box.history.current_id)}
    if chunk:
        out["history"] = [record.resource() for record in chunk]
    if len(records) > size:
        out["nextPageToken"] = str(chunk[-1].id)
    return out


def watch(call: ApiCall) -> dict[str, Any]:
    topic = call.body.get("topicName")
    if not topic:
        raise bad_request("Invalid topicName: topicName is required")
    if not isinstance(topic, str) or not _TOPIC.fullmatch(topic):
        raise bad_request(
            f"Invalid topicName does not match projects/SOME-PROJECT/topics/*: {topic}"
        )
    call.box.resolve_labels(call.body.get("labelIds") or [])
    expiration = int(time.time() * 1000) + WATCH_DAYS_MS
    call.box.watch = {
        "topicName": topic,
        "labelIds": list(call.body.get("labelIds") or []),
        "labelFilterBehavior": call.body.get("labelFilterBehavior")
        or call.body.get("labelFilterAction")
        or "include",
        "expiration": str(expiration),
    }
    return {"historyId": str(call.box.history.current_id), "expiration": str(expiration)}


def stop(call: ApiCall) -> None:
    call.box.watch = None


_BASE = "/gmail/v1/users/{userId}"
ROUTES = [
    ("getProfile", "GET", f"{_BASE}/profile", get_profile),
    ("watch", "POST", f"{_BASE}/watch", watch),
    ("stop", "POST", f"{_BASE}/stop", stop),
    ("history.list", "GET", f"{_BASE}/history", list_history),
    ("labels.list", "GET", f"{_BASE}/labels", list_labels),
    ("labels.create", "POST", f"{_BASE}/labels", create_label),
    ("labels.get", "GET", _BASE + "/labels/{id}", get_label),
    ("labels.patch", "PATCH", _BASE + "/labels/{id}", patch_label),
    ("labels.update", "PUT", _BASE + "/labels/{id}", update_label),
    ("labels.delete", "DELETE", _BASE + "/labels/{id}", delete_label),
]
