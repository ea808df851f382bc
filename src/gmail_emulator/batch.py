"""``POST /batch/gmail/v1``: Google's multipart/mixed batch, as googleapiclient sends it.

Each part is an ``application/http`` request; it is replayed against this same app (so it
is counted, faulted and answered like a single call) and answered in a part whose
Content-ID is ``<response-…>`` of the request's, as ``BatchHttpRequest`` expects.
"""

from __future__ import annotations

import email.parser
import email.policy
import uuid
from email.message import Message
from http import HTTPStatus

import httpx
from starlette.requests import Request
from starlette.responses import Response

from gmail_emulator.endpoint import json_error
from gmail_emulator.errors import bad_request

__all__ = ["batch_endpoint"]

MAX_PARTS = 100


def _split_http(text: str) -> tuple[str, str, dict[str, str], bytes]:
    head, _, body = text.replace("\r\n", "\n").partition("\n\n")
    lines = head.split("\n")
    method, path = lines[0].split(" ")[:2]
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip():
            headers[name.strip().lower()] = value.strip()
    return method, path, headers, body.encode()


def _part(content_id: str, response: httpx.Response) -> str:
    reason = HTTPStatus(response.status_code).phrase
    lines = [f"HTTP/1.1 {response.status_code} {reason}"]
    for name in ("content-type", "retry-after"):
        if name in response.headers:
            lines.append(f"{name.title()}: {response.headers[name]}")
    body = response.text
    return (
        "Content-Type: application/http\r\n"
        f"Content-ID: <response-{content_id}>\r\n\r\n" + "\r\n".join(lines) + f"\r\n\r\n{body}"
    )


async def batch_endpoint(request: Request) -> Response:
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/"):
        return json_error(bad_request("Batch requests must be multipart/mixed"))
    raw = await request.body()
    parser = email.parser.BytesParser(policy=email.policy.compat32)
    message = parser.parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
    parts = message.get_payload()
    if not isinstance(parts, list) or len(parts) > MAX_PARTS:
        return json_error(bad_request(f"A batch holds 1 to {MAX_PARTS} requests"))
    boundary = f"batch_{uuid.uuid4().hex}"
    answers: list[str] = []
    transport = httpx.ASGITransport(app=request.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as client:
        for part in parts:
            if not isinstance(part, Message):
                continue
            content_id = str(part.get("Content-ID") or "").strip().strip("<>")
            payload = part.get_payload()
            method, path, headers, body = _split_http(str(payload))
            headers.pop("content-length", None)
            headers.pop("host", None)
            response = await client.request(method, path, headers=headers, content=body or None)
            answers.append(_part(content_id, response))
    text = "".join(f"--{boundary}\r\n{answer}\r\n" for answer in answers) + f"--{boundary}--\r\n"
    return Response(text, media_type=f"multipart/mixed; boundary={boundary}")
