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
from collections.abc import Sequence
from email.message import EmailMessage, Message

from gmail_assistant.gmail.addresses import header_addresses
from gmail_assistant.gmail.encoding import b64url_decode
from gmail_assistant.gmail.html_text import html_to_text
from gmail_assistant.gmail.models import MailAddress

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
    """The subject with exactly one reply prefix.

    A subject that already starts with one (Re:, AW:, Odp:, SV:, …) keeps it as written, so
    it stays the subject Gmail threads on; a chain (``Re: AW: Re:``) keeps only its first.
    """
    subject = " ".join(subject.split())
    first = _REPLY_PREFIX.match(subject)
    if first is None:
        return f"Re: {subject}" if subject else "Re:"
    rest = subject[first.end() :]
    extra = _REPLY_PREFIX.match(rest)
    if extra is None:
        return subject
    while extra is not None:
        rest = rest[extra.end() :]
        extra = _REPLY_PREFIX.match(rest)
    return f"{subject[: first.end()]} {rest.strip()}".rstrip()


# Headers are folded only past RFC 5322's hard limit: when Python's email package folds an
# address list it can pull the separating comma into an encoded word (``=?utf-8?q?=2C?=``),
# which joins two recipients into one in the eyes of a strict reader.
_POLICY = email.policy.SMTP.clone(max_line_length=998)

_MSG_ID = re.compile(r"<[^<>\s]+>")


def _message_ids(text: str | None) -> list[str]:
    """The msg-ids of a header (``<a@b>`` each); a bare id gets its angle brackets."""
    text = _clean(text or "")
    found = _MSG_ID.findall(text)
    if not found and text and " " not in text and "@" in text:
        found = [f"<{text.strip('<>')}>"]
    return found


def reply_references(references: str | None, message_id: str | None) -> str:
    """The original References plus its Message-ID, each id once, in order."""
    ids: list[str] = []
    for item in [*_message_ids(references), *_message_ids(message_id)]:
        if item not in ids:
            ids.append(item)
    return " ".join(ids)


def _clean(value: str) -> str:
    # A CR or LF inside a header value would start a new header (header injection).
    return " ".join(value.replace("\r", " ").replace("\n", " ").split())


def build_reply(
    *,
    to: Sequence[MailAddress],
    subject: str,
    body: str,
    in_reply_to: str | None,
    references: str | None,
    from_addr: MailAddress | None = None,
    cc: Sequence[MailAddress] = (),
) -> str:
    """A reply as base64url RFC 822, ready for ``drafts.create``'s ``message.raw``.

    ``to`` and ``cc`` are mailboxes (their names are quoted and RFC 2047-encoded here, never
    pasted as text); ``subject`` is the original subject (one reply prefix is ensured);
    ``in_reply_to`` is the original Message-ID and ``references`` the original References
    (or, when it has none, its In-Reply-To), so the reply's References is that chain plus
    the original's id.
    """
    message = EmailMessage(policy=_POLICY)
    if from_addr is not None:
        message["From"] = header_addresses([from_addr])
    if to:
        message["To"] = header_addresses(to)
    if cc:
        message["Cc"] = header_addresses(cc)
    message["Subject"] = reply_subject(_clean(subject))
    original = _message_ids(in_reply_to)
    if original:
        message["In-Reply-To"] = original[-1]
    chain = reply_references(references, original[-1] if original else None)
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
