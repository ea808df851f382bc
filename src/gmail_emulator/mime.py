"""RFC 822 bytes → Gmail ``payload`` JSON, snippet and searchable text (stdlib ``email``).

The multipart tree is kept exactly as ``email`` parses it: part ids ``""`` for the root,
``"0"``, ``"1"`` for its children, ``"1.0"`` below those, as Gmail numbers them.
"""

from __future__ import annotations

import base64
import email
import email.header
import email.policy
import email.utils
import html
import re
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

__all__ = [
    "Attachment",
    "ParsedMessage",
    "b64url_decode",
    "b64url_encode",
    "html_to_text",
    "parse_date_ms",
    "parse_message",
]

SNIPPET_LENGTH = 200
_TAG = re.compile(r"<(script|style)[^>]*>.*?</\1>|<[^>]+>", re.S | re.I)
_SPACE = re.compile(r"\s+")


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii")


def b64url_decode(text: str) -> bytes:
    cleaned = "".join(text.split())
    return base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))


@dataclass(frozen=True)
class Attachment:
    attachment_id: str
    part_id: str
    filename: str
    mime_type: str
    data: bytes


@dataclass(frozen=True)
class ParsedMessage:
    """Everything derived once from a message's raw bytes."""

    payload: dict[str, Any]
    headers: tuple[tuple[str, str], ...]
    snippet: str
    text: str  # plain text (HTML stripped) of every text part, for search
    attachments: dict[str, Attachment] = field(default_factory=dict)

    def header(self, name: str) -> str:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return ""

    def header_all(self, name: str) -> list[str]:
        lowered = name.lower()
        return [value for key, value in self.headers if key.lower() == lowered]


def html_to_text(markup: str) -> str:
    return html.unescape(_TAG.sub(" ", markup))


_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
_BETWEEN_WORDS = re.compile(r"(=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)\s+(?==\?[^?\s]+\?[bBqQ]\?)")


def _decode_word(match: re.Match[str]) -> str:
    try:
        [(data, charset)] = email.header.decode_header(match.group(0))
    except (ValueError, LookupError):
        return match.group(0)
    if isinstance(data, str):
        return data
    try:
        return data.decode(charset or "ascii")
    except (LookupError, UnicodeError):
        return data.decode("utf-8", "replace")


def header_text(raw: str) -> str:
    """A header value as Gmail's API shows it: unfolded, 8-bit bytes read as UTF-8, and
    every RFC 2047 encoded word decoded in place — decoded text is *not* re-quoted, so a
    name that was ``=?utf-8?q?M=C3=BCller=2C_Hans?=`` arrives as ``Müller, Hans``."""
    text = raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    text = _SPACE.sub(" ", text.replace("\r", "").replace("\n", " ")).strip()
    text = _BETWEEN_WORDS.sub(r"\1", text)  # whitespace between encoded words is dropped
    return _ENCODED_WORD.sub(_decode_word, text)


def _header_pairs(part: Message) -> list[tuple[str, str]]:
    return [(key, header_text(str(value))) for key, value in part.raw_items()]


def _decoded_bytes(part: Message) -> bytes:
    raw = part.get_payload(decode=True)
    if isinstance(raw, bytes):
        payload_bytes = raw
    else:
        payload_bytes = str(part.get_payload() or "").encode("utf-8", "replace")
    if part.get_content_maintype() != "text":
        return payload_bytes
    # Gmail hands text parts back as UTF-8 whatever the declared charset.
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload_bytes.decode(charset, "replace").encode("utf-8")
    except LookupError:
        return payload_bytes.decode("utf-8", "replace").encode("utf-8")


class _Walker:
    def __init__(self, message_id: str) -> None:
        self.message_id = message_id
        self.attachments: dict[str, Attachment] = {}
        self.plain: list[str] = []
        self.html: list[str] = []

    def part(self, part: Message, part_id: str) -> dict[str, Any]:
        mime_type = part.get_content_type()
        filename = part.get_filename() or ""
        node: dict[str, Any] = {
            "partId": part_id,
            "mimeType": mime_type,
            "filename": filename,
            "headers": [{"name": k, "value": v} for k, v in _header_pairs(part)],
        }
        if part.is_multipart():
            node["body"] = {"size": 0}
            children = part.get_payload()
            assert isinstance(children, list)
            prefix = f"{part_id}." if part_id else ""
            node["parts"] = [self.part(child, f"{prefix}{i}") for i, child in enumerate(children)]
            return node
        data = _decoded_bytes(part)
        is_attachment = bool(filename) or part.get_content_disposition() == "attachment"
        if is_attachment:
            attachment_id = f"ANGjdJ{self.message_id}_{part_id or 'root'}"
            self.attachments[attachment_id] = Attachment(
                attachment_id, part_id, filename, mime_type, data
            )
            node["body"] = {"attachmentId": attachment_id, "size": len(data)}
            return node
        node["body"] = {"size": len(data), "data": b64url_encode(data)} if data else {"size": 0}
        text = data.decode("utf-8", "replace")
        if mime_type == "text/plain":
            self.plain.append(text)
        elif mime_type == "text/html":
            self.html.append(html_to_text(text))
        return node


def parse_message(raw: bytes, *, message_id: str) -> ParsedMessage:
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    walker = _Walker(message_id)
    payload = walker.part(parsed, "")
    body_text = "\n".join(walker.plain) if walker.plain else "\n".join(walker.html)
    snippet = _SPACE.sub(" ", html.unescape(body_text)).strip()[:SNIPPET_LENGTH]
    search_text = "\n".join([*walker.plain, *walker.html])
    return ParsedMessage(
        payload=payload,
        headers=tuple(_header_pairs(parsed)),
        snippet=snippet,
        text=search_text,
        attachments=walker.attachments,
    )


def parse_date_ms(value: str) -> int | None:
    """RFC 2822 or ISO 8601 date → epoch milliseconds (None when unparseable)."""
    from datetime import UTC, datetime

    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp() * 1000)
