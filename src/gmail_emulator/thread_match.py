"""Gmail's rule for putting a draft or a sent message into an existing thread.

Google's guide ("Managing threads") names three conditions, all required:

1. the request names the ``threadId``;
2. ``In-Reply-To`` / ``References`` name a message of that thread (its Message-ID);
3. the Subject matches the thread's, once reply and forward prefixes are set aside.

When any of them fails, the message opens a thread of its own. Being this strict is the
point: a product that forgets a reply header loses its threading in real Gmail, and must
lose it here too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from gmail_emulator.mime import ParsedMessage

__all__ = ["joins_thread", "normalize_subject", "referenced_ids"]

# Reply/forward prefixes of the languages the product serves and the common clients:
# Re, Fwd, Fw, AW (German Antwort), WG (Weitergeleitet), Odp (Polish/Czech), SV (Nordic),
# VS, Antw, Réf, TR, RIF, Ynt, Vá, Rif, Enc. An optional "[2]" counter, then the colon.
_PREFIX = re.compile(
    r"^\s*(?:re|fwd?|aw|wg|odp|sv|vs|antw|r[ée]f|tr|rif|ynt|v[áa]|enc)"
    r"\s*(?:\[\d+\])?\s*[:：]\s*",
    re.IGNORECASE,
)
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")


def normalize_subject(subject: str) -> str:
    """The subject Gmail compares: prefixes stripped (repeatedly), spacing and case folded."""
    text = " ".join((subject or "").split())
    while True:
        stripped = _PREFIX.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    return " ".join(text.split()).casefold()


def referenced_ids(message: ParsedMessage) -> set[str]:
    """Message-IDs named by In-Reply-To and References, in their ``<…>`` form, lower-cased."""
    found: set[str] = set()
    for name in ("In-Reply-To", "References"):
        for value in message.header_all(name):
            found.update(m.lower() for m in _MESSAGE_ID.findall(value))
    return found


def joins_thread(new: ParsedMessage, thread: Iterable[ParsedMessage]) -> bool:
    """True when ``new`` may join the thread made of ``thread`` (conditions 2 and 3)."""
    members = list(thread)
    thread_ids = {m.header("Message-ID").strip().lower() for m in members} - {""}
    if not referenced_ids(new) & thread_ids:
        return False
    subject = normalize_subject(new.header("Subject"))
    return any(normalize_subject(m.header("Subject")) == subject for m in members)
