"""Gmail ``format=full`` (or ``metadata``) message JSON → :class:`ParsedMessage`.

Built to survive any MIME a mailbox holds: a part that cannot be decoded is skipped and
noted in ``parse_warnings``, never raised. Body choice: inside ``multipart/alternative``
text/plain wins, text/html (converted) is the fall-back; other multiparts join their
inline text parts in order.
"""

from __future__ import annotations

import binascii
import email.message
import email.parser
import email.policy
import email.utils
import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from gmail_assistant.gmail.addresses import parse_address_list, parse_sender
from gmail_assistant.gmail.encoding import b64url_decode, decode_bytes, decode_header_value
from gmail_assistant.gmail.html_text import html_to_text
from gmail_assistant.gmail.models import Headers, MailAddress, ParsedMessage

__all__ = ["MAX_BODY_CHARS", "parse_message", "raw_headers"]

MAX_BODY_CHARS = 100_000
# HTML is cut before conversion so a 5 MB newsletter costs little; text is cut after.
_MAX_HTML_CHARS = 1_000_000
_MAX_DEPTH = 50
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _headers_of(part: Mapping[str, Any]) -> Headers:
    raw = part.get("headers")
    pairs: list[tuple[str, str]] = []
    if isinstance(raw, list):
        for item in raw:
            if isinstance(item, Mapping) and item.get("name") is not None:
                pairs.append((str(item["name"]), str(item.get("value") or "")))
    return Headers(pairs)


def _charset(headers: Headers) -> str | None:
    content_type = headers.get("Content-Type")
    if not content_type:
        return None
    probe = email.message.Message()
    probe["Content-Type"] = content_type
    try:
        charset = probe.get_content_charset()
    except (ValueError, LookupError):
        return None
    return charset or None


@dataclass
class _Walk:
    plain: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    truncated: bool = False


def _is_attachment(part: Mapping[str, Any], headers: Headers) -> bool:
    disposition = headers.get("Content-Disposition", "").strip().lower()
    return bool(part.get("filename")) or disposition.startswith("attachment")


def _part_text(part: Mapping[str, Any], headers: Headers, walk: _Walk) -> str | None:
    body = part.get("body")
    data = body.get("data") if isinstance(body, Mapping) else None
    part_id = str(part.get("partId", ""))
    if not data:
        if isinstance(body, Mapping) and body.get("attachmentId"):
            walk.warnings.append(f"part {part_id!r}: text body not inline, skipped")
        return None
    try:
        raw = b64url_decode(str(data))
    except (binascii.Error, ValueError):
        walk.warnings.append(f"part {part_id!r}: broken base64, skipped")
        return None
    text, warning = decode_bytes(raw, _charset(headers))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if warning:
        walk.warnings.append(f"part {part_id!r}: {warning}")
    if str(part.get("mimeType", "")).lower() == "text/html":
        if len(text) > _MAX_HTML_CHARS:
            text = text[:_MAX_HTML_CHARS]
            walk.truncated = True
        return html_to_text(text)
    return text


def _text(part: Any, walk: _Walk, depth: int) -> str:
    """Readable text of one part and its children, collecting attachments on the way."""
    if not isinstance(part, Mapping):
        return ""
    if depth > _MAX_DEPTH:
        walk.warnings.append("MIME tree too deep, rest skipped")
        return ""
    mime = str(part.get("mimeType") or "text/plain").lower()
    headers = _headers_of(part)
    children = part.get("parts")
    if isinstance(children, list) and (mime.startswith("multipart/") or children):
        if mime == "multipart/alternative":
            return _alternative(children, walk, depth)
        texts = [_text(child, walk, depth + 1) for child in children]
        return "\n\n".join(text for text in texts if text.strip())
    if _is_attachment(part, headers):
        walk.attachments.append(decode_header_value(str(part.get("filename") or "")) or mime)
        return ""
    if mime in ("text/plain", "text/html"):
        return _part_text(part, headers, walk) or ""
    if isinstance(part.get("body"), Mapping) and part["body"].get("attachmentId"):
        walk.attachments.append(mime)  # an unnamed non-text part, e.g. an inline image
    return ""


def _alternative(children: list[Any], walk: _Walk, depth: int) -> str:
    candidates = [child for child in children if isinstance(child, Mapping)]
    # text/plain first; then whatever else (html, nested multipart) yields text.
    ordered = sorted(candidates, key=lambda c: str(c.get("mimeType", "")).lower() != "text/plain")
    for child in ordered:
        text = _text(child, walk, depth + 1)
        if text.strip():
            return text
    return ""


def _addresses(headers: Headers, name: str) -> tuple[MailAddress, ...]:
    found: dict[str, MailAddress] = {}
    for value in headers.get_all(name):
        for mailbox in parse_address_list(value):
            found.setdefault(mailbox.address, mailbox)
    return tuple(found.values())


def _header_date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _internal_date(value: Any, fallback: datetime | None) -> datetime:
    try:
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return fallback or _EPOCH


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def parse_message(
    resource: Mapping[str, Any], *, max_body_chars: int = MAX_BODY_CHARS
) -> ParsedMessage:
    """Turn a users.messages resource into a :class:`ParsedMessage`; never raises on bad MIME."""
    payload = resource.get("payload")
    payload = payload if isinstance(payload, Mapping) else {}
    raw_headers = _headers_of(payload)
    headers = Headers((key, decode_header_value(value)) for key, value in raw_headers.pairs)
    walk = _Walk()
    body = _text(payload, walk, 0).strip()
    truncated = walk.truncated
    if len(body) > max_body_chars:
        body, truncated = body[:max_body_chars], True
    sender, problem = parse_sender(raw_headers.get("From", ""))
    if problem:
        walk.warnings.append(problem)
    date = _header_date(raw_headers.get("Date", ""))
    labels = resource.get("labelIds")
    return ParsedMessage(
        id=str(resource.get("id", "")),
        thread_id=str(resource.get("threadId", "")),
        label_ids=tuple(str(label) for label in labels) if isinstance(labels, list) else (),
        history_id=_int(resource.get("historyId")),
        internal_date=_internal_date(resource.get("internalDate"), date),
        snippet=html.unescape(str(resource.get("snippet") or "")),
        sender_name=sender.name if sender else "",
        sender_email=sender.address if sender else "",
        to=_addresses(raw_headers, "To"),
        cc=_addresses(raw_headers, "Cc"),
        reply_to=_addresses(raw_headers, "Reply-To"),
        subject=headers.get("Subject", "").strip(),
        date=date,
        message_id=raw_headers.get("Message-ID", "").strip(),
        in_reply_to=raw_headers.get("In-Reply-To", "").strip(),
        references=" ".join(raw_headers.get("References", "").split()),
        headers=headers,
        body_text=body,
        body_truncated=truncated,
        has_attachments=bool(walk.attachments),
        attachment_names=tuple(walk.attachments),
        parse_warnings=tuple(walk.warnings),
        reply_to_exact=all(v.count("@") <= 1 for v in raw_headers.get_all("Reply-To")),
    )


def raw_headers(raw_b64: str) -> Headers:
    """The header block of a ``format=raw`` message, unfolded but otherwise as the sender
    wrote it: quoted strings and RFC 2047 encoded words intact."""
    try:
        data = b64url_decode(raw_b64)
    except (binascii.Error, ValueError):
        return Headers()
    head = data.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    parsed = email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(head)
    return Headers(
        (key, " ".join(value.encode("utf-8", "surrogateescape").decode("utf-8", "replace").split()))
        for key, value in parsed.raw_items()
    )
