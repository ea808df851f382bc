"""Preprocessors: turn the inbound mail into the agent's first message.

`default` passes the mail through; `crisp` reads a helpdesk (Crisp) forward: the customer's
name (a `From:`/`Od:`/`Name:`/`Jméno:` line), e-mail (Reply-To, else the first address in
the body) and the original message (after a `---` separator, else the whole body). What
comes out is still mail content: it reaches the model inside `<email_data>`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gmail_assistant.gmail.models import ParsedMessage
from gmail_assistant.prompts.untrusted import escape_untrusted, wrap_email

__all__ = ["PREPROCESSORS", "Prepared", "crisp", "passthrough"]

_NAME_RE = re.compile(r"^\s*(?:from|od|name|jméno|jmeno|von)\s*:\s*(.+?)\s*$", re.I | re.M)
_ADDRESS_RE = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_SEPARATOR_RE = re.compile(r"^\s*-{3,}\s*$", re.M)


@dataclass(frozen=True)
class Prepared:
    text: str  # the agent's first user message (data blocks included)
    customer_name: str | None = None
    customer_email: str | None = None


def passthrough(message: ParsedMessage) -> Prepared:
    block = wrap_email(
        body=message.body_text,
        sender=str(message.sender or ""),
        date=message.date.isoformat() if message.date else "",
        subject=message.subject,
    )
    return Prepared(f"A new email arrived in this thread:\n\n{block}")


def crisp(message: ParsedMessage) -> Prepared:
    body = message.body_text
    parts = _SEPARATOR_RE.split(body, maxsplit=1)
    head, original = (parts[0], parts[1].strip()) if len(parts) == 2 else ("", body.strip())
    name_match = _NAME_RE.search(head or body)
    name = _ADDRESS_RE.sub("", name_match.group(1)).strip(" <>\"'") if name_match else ""
    email = message.reply_to[0].address if message.reply_to else ""
    if not email:
        found = _ADDRESS_RE.search(head or body)
        email = found.group(0).lower() if found else ""
    facts = [f"Subject: {message.subject}"]
    if name:
        facts.append(f"Customer name: {name}")
    if email:
        facts.append(f"Customer email: {email}")
    summary = escape_untrusted("\n".join(facts), max_chars=2_000)
    block = wrap_email(body=original, subject=message.subject)
    text = (
        "A customer message forwarded by the helpdesk arrived.\n"
        f"<email_data>\n{summary}\n</email_data>\n\nThe customer's message:\n\n{block}"
    )
    return Prepared(text, customer_name=name or None, customer_email=email or None)


PREPROCESSORS = {"default": passthrough, "passthrough": passthrough, "crisp": crisp}
