"""Build RFC 822 bytes from simple fields (the control API's ``deliver`` and draft edits)."""

from __future__ import annotations

import base64
import email
import email.policy
import email.utils
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage

from gmail_emulator.mime import b64url_decode

__all__ = [
    "AttachmentSpec",
    "MailSpec",
    "build_raw",
    "ensure_message_id",
    "new_message_id",
    "raw_from_input",
    "replace_body",
]


@dataclass(frozen=True)
class AttachmentSpec:
    filename: str
    content_type: str = "application/octet-stream"
    data: bytes = b""


@dataclass(frozen=True)
class MailSpec:
    sender: str = "Sender <sender@example.com>"
    to: str = ""
    cc: str = ""
    subject: str = ""
    body: str | None = None
    html: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    attachments: Sequence[AttachmentSpec] = ()
    in_reply_to: str | None = None
    references: str | None = None
    date: str | None = None
    message_id: str | None = None


def new_message_id(domain: str = "emulator.local") -> str:
    return f"<{uuid.uuid4().hex}@{domain}>"


def build_raw(spec: MailSpec) -> bytes:
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = spec.sender
    if spec.to:
        msg["To"] = spec.to
    if spec.cc:
        msg["Cc"] = spec.cc
    msg["Subject"] = spec.subject
    msg["Date"] = spec.date or email.utils.formatdate(localtime=False)
    msg["Message-ID"] = spec.message_id or new_message_id()
    if spec.in_reply_to:
        msg["In-Reply-To"] = spec.in_reply_to
        msg["References"] = spec.references or spec.in_reply_to
    elif spec.references:
        msg["References"] = spec.references
    for name, value in spec.headers.items():
        if name in msg:
            del msg[name]
        msg[name] = value
    if spec.body is not None and spec.html is not None:
        msg.set_content(spec.body)
        msg.add_alternative(spec.html, subtype="html")
    elif spec.html is not None:
        msg.set_content(spec.html, subtype="html")
    else:
        msg.set_content(spec.body or "")
    for item in spec.attachments:
        maintype, _, subtype = item.content_type.partition("/")
        msg.add_attachment(
            item.data,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=item.filename,
        )
    return msg.as_bytes()


def raw_from_input(value: str) -> bytes:
    """Accept RFC 822 text or its base64url encoding (as the control API does)."""
    stripped = value.strip()
    if ":" in stripped.split("\n", 1)[0]:
        return value.encode("utf-8")
    try:
        return b64url_decode(stripped)
    except (ValueError, base64.binascii.Error):  # type: ignore[attr-defined]
        return value.encode("utf-8")


def ensure_message_id(raw: bytes) -> tuple[bytes, str]:
    """Return ``raw`` with a Message-ID header (added when missing) and that id."""
    parsed = email.message_from_bytes(raw, policy=email.policy.compat32)
    existing = parsed.get("Message-ID")
    if existing:
        return raw, str(existing).strip()
    message_id = new_message_id()
    return f"Message-ID: {message_id}\r\n".encode() + raw, message_id


def replace_body(raw: bytes, text: str) -> bytes:
    """Keep the headers of ``raw`` but make its content the given plain text."""
    parsed = email.message_from_bytes(raw, policy=email.policy.SMTP)
    assert isinstance(parsed, EmailMessage)
    parsed.clear_content()
    parsed.set_content(text)
    return parsed.as_bytes()
