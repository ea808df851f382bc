"""Reply drafts as RFC 822 (base64url ``raw``), and reading a draft's text back.

Drafts are sent as ``raw`` inside the JSON body (media uploads would keep Google's https
URL and miss a test endpoint). The body is UTF-8 text/plain in quoted-printable, so Czech
and German text survives any transport; headers are RFC 2047-encoded by the email policy.
"""

from __future__ import annotations

import base64
import binascii
import email
import email.policy
import re
from email.message import EmailMessage, Message

from gmail_assistant.gmail.html_text import html_to_text
from gmail_assistant.gmail.parse import b64url_decode

__all__ = ["build_reply", "parse_raw_text", "reply_references", "reply_subject"]

# Reply prefixes in the languages the owner's mail arrives in: Re (most), AW (German),
# Odp (Czech/Polish), SV/VS (Nordic), Antw (Dutch), RIF (Italian), RÉF (French), ...;
# also counted forms such as "Re[2]:" and the French "RE :".
_REPLY_PREFIX = re.compile(
    r"^\s*(re|aw|odp|sv|vs|antw|rif|r[ée]f|res|atb|vá|ynt)\s*(\[\d+\]|\(\d+\))?\s*:",
    re.IGNORECASE,
)
_FORWARD_PREFIX = re.compile(r"^\s*(fwd?|wg|tr|vs|rv|enc|pd|i)\s*:", re.IGNORECASE)


def reply_subject(subject: str) -> str:
    """``Re: <subject>``, unless the subject already carries a reply prefix (Re:, AW:, Odp:)."""
    subject = " ".join(subject.split())
    if _REPLY_PREFIX.match(subject):
        return subject
    return f"Re: {subject}" if subject else "Re:"


def reply_references(references: str | None, message_id: str | None) -> str:
    """The original References plus its Message-ID, each id once, in order."""
    ids = (references or "").split()
    if message_id and message_id.strip() and message_id.strip() not in ids:
        ids.append(message_id.strip())
    return " ".join(ids)


def _clean(value: str) -> str:
    # A CR or LF inside a header value would start a new header (header injection).
    return " ".join(value.replace("\r", " ").replace("\n", " ").split())


def build_reply(
    *,
    to: str,
    subject: str,
    body: str,
    in_reply_to: str | None,
    references: str | None,
    from_addr: str | None = None,
) -> str:
    """A reply as base64url RFC 822, ready for ``drafts.create``'s ``message.raw``.

    ``subject`` is the original subject (``Re:`` is added once); ``in_reply_to`` is the
    original Message-ID and ``references`` the original References header.
    """
    message = EmailMessage(policy=email.policy.SMTP)
    if from_addr:
        message["From"] = _clean(from_addr)
    message["To"] = _clean(to)
    message["Subject"] = reply_subject(_clean(subject))
    if in_reply_to and in_reply_to.strip():
        message["In-Reply-To"] = _clean(in_reply_to)
    chain = reply_references(_clean(references or ""), _clean(in_reply_to or ""))
    if chain:
        message["References"] = chain
    text = body.replace("\r\n", "\n")
    if not text.endswith("\n"):
        text += "\n"
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    return base64.urlsafe_b64encode(message.as_bytes()).decode("ascii")


def _body_part(message: Message) -> Message | None:
    if isinstance(message, EmailMessage):
        found = message.get_body(preferencelist=("plain", "html"))
        if found is not None:
            return found
    for part in message.walk():
        if part.get_content_maintype() == "text" and not part.get_filename():
            return part
    return None


def parse_raw_text(raw_b64: str) -> str:
    """The readable text of a base64url RFC 822 message (a draft's ``raw``); "" if none."""
    try:
        raw = b64url_decode(raw_b64)
    except (binascii.Error, ValueError):
        return ""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    part = _body_part(message)
    if part is None:
        return ""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        text = payload.decode(charset)
    except (LookupError, UnicodeError):
        text = payload.decode("utf-8", "replace")
    if part.get_content_subtype() == "html":
        text = html_to_text(text)
    return text.replace("\r\n", "\n").strip("\n")
