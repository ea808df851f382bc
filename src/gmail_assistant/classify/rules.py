"""Rules that recognise automated mail before (and regardless of) what the LLM says.

A mail is automated when any of these holds: the sender matches the owner's blacklist globs;
the sender is a no-reply address; RFC 3834 `Auto-Submitted` is anything but `no`;
`Precedence` is bulk, list, junk or auto_reply; list headers (`List-Id`, `List-Unsubscribe`)
or a bulk sender's `Feedback-ID` are present; Microsoft's `X-Auto-Response-Suppress` or an
`X-Autoreply` header marks an auto-reply. Automated mail is never `needs_response`.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["AutomationVerdict", "detect_automation"]

_NO_REPLY = re.compile(
    r"^(no[-_.]?reply|do[-_.]?not[-_.]?reply|donotreply|mailer-daemon|postmaster|bounce[s]?"
    r"|notifications?|automailer|auto[-_.]?confirm)([+-].*)?@",
    re.IGNORECASE,
)
_BULK_PRECEDENCE = {"bulk", "list", "junk", "auto_reply"}


@dataclass(frozen=True)
class AutomationVerdict:
    automated: bool
    reasons: tuple[str, ...] = ()

    def describe(self) -> str:
        return "; ".join(self.reasons) if self.reasons else "no automation signal"


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    return value.strip() if isinstance(value, str) else ""


def detect_automation(
    *, sender_email: str, headers: Mapping[str, str], blacklist: Iterable[str] = ()
) -> AutomationVerdict:
    reasons: list[str] = []
    sender = sender_email.strip().lower()
    for pattern in blacklist:
        if sender and fnmatch.fnmatch(sender, pattern.strip().lower()):
            reasons.append(f"sender matches blacklist {pattern!r}")
            break
    if sender and _NO_REPLY.match(sender):
        reasons.append("no-reply sender")
    auto_submitted = _header(headers, "Auto-Submitted").lower()
    if auto_submitted and auto_submitted != "no":
        reasons.append(f"Auto-Submitted: {auto_submitted}")
    precedence = _header(headers, "Precedence").lower()
    if precedence in _BULK_PRECEDENCE:
        reasons.append(f"Precedence: {precedence}")
    for name in ("List-Id", "List-Unsubscribe", "Feedback-ID"):
        if _header(headers, name):
            reasons.append(f"{name} header")
    if _header(headers, "X-Autoreply") or _header(headers, "X-Autorespond"):
        reasons.append("auto-reply header")
    suppress = _header(headers, "X-Auto-Response-Suppress").lower()
    if suppress and suppress not in ("none", ""):
        reasons.append(f"X-Auto-Response-Suppress: {suppress}")
    return AutomationVerdict(bool(reasons), tuple(reasons))
