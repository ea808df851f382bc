"""Preprocessors: turn the inbound mail into the agent's first message.

`default` passes the mail through. `crisp` reads a helpdesk (Crisp) forward, whose top
holds marker lines in English or Czech (German too) and whose customer message follows:

    You have a new conversation in your website chat.      Nová zpráva z chatu na webu.
    Name: Lucy Grant                                       Jméno: Jan Novák
    Email: lucy.grant@example.co.uk                        E-mail: jan@example.cz
    ---                                                    Zpráva: Máte Ibuprofen?
    Hello, do you design loft conversions?

- the customer's name: a `Name:`/`From:`/`Customer:`/`Jméno:`/`Od:`/`Zákazník:` line;
- the customer's e-mail: an `Email:`/`E-mail:`/`Contact:`/`Kontakt:` line, else an address
  on the name line, else Reply-To, else an address in the marker block (never the
  helpdesk's own sender address);
- the original message: after a separator line (`---`, `===`, `___`), else after a
  `Message:`/`Zpráva:` marker (its text on the same line included), else the lines after
  the marker block.

Markers count only in the mail's top block (before the separator, else its first lines),
so a quoted `From:` further down a normal mail does not make it a helpdesk forward. A mail
with no marker there is not a Crisp mail: it passes through exactly as `default` would give
it. What comes out is still mail content: it reaches the model inside `<email_data>`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gmail_assistant.gmail.models import ParsedMessage
from gmail_assistant.prompts.untrusted import escape_untrusted, wrap_email

__all__ = ["PREPROCESSORS", "CrispFields", "Prepared", "crisp", "parse_crisp", "passthrough"]

_NAME_MARKERS = (
    r"(?:full )?name|from|customer|visitor|jméno(?: a příjmení)?|jmeno(?: a prijmeni)?|od"
    r"|zákazník|zakaznik|návštěvník|navstevnik|von"
)
_EMAIL_MARKERS = r"e-?mail|contact|kontakt|e-mailová adresa|emailová adresa"
_MESSAGE_MARKERS = r"message|zpráva|zprava|dotaz|nachricht"
_NAME_RE = re.compile(rf"^[ \t]*(?:{_NAME_MARKERS})[ \t]*:[ \t]*(.*?)[ \t]*$", re.I | re.M)
_EMAIL_LINE_RE = re.compile(rf"^[ \t]*(?:{_EMAIL_MARKERS})[ \t]*:[ \t]*(.*?)[ \t]*$", re.I | re.M)
_MESSAGE_RE = re.compile(rf"^[ \t]*(?:{_MESSAGE_MARKERS})[ \t]*:[ \t]*", re.I | re.M)
_ADDRESS_RE = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_SEPARATOR_RE = re.compile(r"^[ \t]*(?:-{3,}|={3,}|_{3,}|—{3,})[ \t]*$", re.M)
_TOP_LINES = 12  # without a separator, markers are looked for in this many first lines


@dataclass(frozen=True)
class Prepared:
    text: str  # the agent's first user message (data blocks included)
    customer_name: str | None = None
    customer_email: str | None = None
    original_message: str | None = None  # set when the mail was read as a helpdesk forward


@dataclass(frozen=True)
class CrispFields:
    name: str
    email: str
    message: str


def passthrough(message: ParsedMessage) -> Prepared:
    block = wrap_email(
        body=message.body_text,
        sender=str(message.sender or ""),
        date=message.date.isoformat() if message.date else "",
        subject=message.subject,
    )
    return Prepared(f"A new email arrived in this thread:\n\n{block}")


def _top(body: str) -> tuple[str, str | None]:
    """The marker block and, when a separator ends it, the text after the separator."""
    separator = _SEPARATOR_RE.search(body)
    if separator is not None:
        return body[: separator.start()], body[separator.end() :]
    lines = body.split("\n")
    return "\n".join(lines[:_TOP_LINES]), None


def _clean_name(value: str) -> str:
    return " ".join(_ADDRESS_RE.sub("", value).replace("<>", "").split()).strip(" <>\"'()[],;")


def parse_crisp(message: ParsedMessage) -> CrispFields | None:
    """The helpdesk forward's fields, or None when the mail carries no marker at its top."""
    body = message.body_text.replace("\r\n", "\n").replace("\r", "\n")
    head, after_separator = _top(body)
    name_line = _NAME_RE.search(head)
    email_line = _EMAIL_LINE_RE.search(head)
    message_line = _MESSAGE_RE.search(head)
    if name_line is None and email_line is None and message_line is None:
        return None

    own = message.sender_email.lower()

    def customer(text: str) -> str:
        found = (a.lower() for a in _ADDRESS_RE.findall(text))
        return next((a for a in found if a != own), "")

    email = customer(email_line.group(1)) if email_line else ""
    if not email and name_line:
        email = customer(name_line.group(1))
    if not email:
        replies = (r.address.lower() for r in message.reply_to)
        email = next((a for a in replies if a and a != own), "")
    if not email:
        email = customer(head)

    if after_separator is not None:
        original = after_separator
    elif message_line is not None:
        original = head[message_line.end() :] + body[len(head) :]
    else:
        markers = [m for m in (name_line, email_line) if m is not None]
        block_end = max(_line_end(head, m.end()) for m in markers)
        original = body[block_end:]
    original = original.strip() or body.strip()
    name = _clean_name(name_line.group(1)) if name_line else ""
    return CrispFields(name=name, email=email, message=original)


def _line_end(text: str, index: int) -> int:
    end = text.find("\n", index)
    return len(text) if end < 0 else end + 1


def crisp(message: ParsedMessage) -> Prepared:
    fields = parse_crisp(message)
    if fields is None:
        return passthrough(message)  # not a helpdesk forward: the mail as it is
    facts = [f"Subject: {message.subject}"]
    if fields.name:
        facts.append(f"Customer name: {fields.name}")
    if fields.email:
        facts.append(f"Customer email: {fields.email}")
    summary = escape_untrusted("\n".join(facts), max_chars=2_000)
    block = wrap_email(body=fields.message, subject=message.subject)
    text = (
        "A customer message forwarded by the helpdesk arrived.\n"
        f"<email_data>\n{summary}\n</email_data>\n\nThe customer's message:\n\n{block}"
    )
    return Prepared(
        text,
        customer_name=fields.name or None,
        customer_email=fields.email or None,
        original_message=fields.message,
    )


PREPROCESSORS = {"default": passthrough, "passthrough": passthrough, "crisp": crisp}
