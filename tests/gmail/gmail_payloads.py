"""Hand-built Gmail ``format=full`` message resources for the parser tests."""

from __future__ import annotations

import base64
from typing import Any


def b64(data: str | bytes, charset: str = "utf-8") -> str:
    raw = data.encode(charset) if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).decode("ascii")


def headers(**values: str) -> list[dict[str, str]]:
    # Keyword names use underscores for dashes: Message_ID → Message-ID.
    return [{"name": key.replace("_", "-"), "value": value} for key, value in values.items()]


def leaf(
    mime: str,
    data: str | bytes | None = None,
    *,
    charset: str = "utf-8",
    declared: str | None = None,
    filename: str = "",
    part_id: str = "0",
    raw_data: str | None = None,
    attachment_id: str | None = None,
) -> dict[str, Any]:
    """A single-part body; ``declared`` is the charset named in Content-Type (default charset)."""
    content_type = (
        mime
        if mime.startswith(("image/", "application/"))
        else (f"{mime}; charset={declared or charset}")
    )
    part_headers = [{"name": "Content-Type", "value": content_type}]
    if filename:
        part_headers.append(
            {"name": "Content-Disposition", "value": f'attachment; filename="{filename}"'}
        )
    body: dict[str, Any] = {"size": 0}
    if raw_data is not None:
        body["data"] = raw_data
    elif data is not None:
        body["data"] = b64(data, charset)
    if attachment_id:
        body["attachmentId"] = attachment_id
    return {
        "partId": part_id,
        "mimeType": mime,
        "filename": filename,
        "headers": part_headers,
        "body": body,
    }


def multipart(subtype: str, *children: dict[str, Any], part_id: str = "") -> dict[str, Any]:
    return {
        "partId": part_id,
        "mimeType": f"multipart/{subtype}",
        "filename": "",
        "headers": [{"name": "Content-Type", "value": f'multipart/{subtype}; boundary="b"'}],
        "body": {"size": 0},
        "parts": list(children),
    }


def message(
    payload: dict[str, Any],
    *,
    top_headers: list[dict[str, str]] | None = None,
    msg_id: str = "m1",
    thread_id: str = "t1",
    labels: tuple[str, ...] = ("INBOX", "UNREAD"),
) -> dict[str, Any]:
    payload = dict(payload)
    if top_headers is None:
        top_headers = headers(
            From='"Jana Nováková" <Jana@Example.cz>',
            To="owner@example.com, Other <other@example.com>",
            Subject="Hello",
            Date="Tue, 01 Apr 2025 10:00:00 +0200",
            Message_ID="<abc@example.cz>",
        )
    payload["headers"] = top_headers + list(payload.get("headers", []))
    return {
        "id": msg_id,
        "threadId": thread_id,
        "labelIds": list(labels),
        "snippet": "It&#39;s here",
        "historyId": "1234",
        "internalDate": "1743494400000",
        "sizeEstimate": 100,
        "payload": payload,
    }
