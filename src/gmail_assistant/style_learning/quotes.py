"""The part of a sent reply the owner wrote: no quoted original, no forwarded block.

Gmail keeps the quoted thread under the owner's text ("On … wrote:", "Dne … napsal(a):",
"Am … schrieb …:", Outlook's "-----Original Message-----" or its "From: … Sent: …" header
block, "> " lines). Everything from the first such line on is somebody else's text and is
dropped; the owner's lines above it are kept as they are (line breaks included, so that the
greeting and the sign-off can still be told apart). A "-- " signature block goes too.
"""

from __future__ import annotations

import re

__all__ = ["own_text"]

_INTRO_RE = re.compile(
    r"^(on .{1,200} wrote:"
    r"|dne .{1,200} napsal\w*(\s*\(a\))?:"
    r"|.{0,200}[\d@].{0,200} napsal\w*(\s*\(a\))?:"
    r"|am .{1,200} schrieb .{0,200}:"
    r"|le .{1,200} a écrit ?:"
    r"|-{2,}\s*(original message|původní zpráva|ursprüngliche nachricht|forwarded message"
    r"|přeposlaná zpráva|weitergeleitete nachricht)\s*-{2,}"
    r"|_{10,})\s*$",
    re.IGNORECASE,
)
# Outlook quotes with a header block instead of an intro line.
_HEADER_RE = re.compile(r"^\*?(from|od|von):\*?\s+\S", re.IGNORECASE)
_NEXT_HEADER_RE = re.compile(r"^\*?(sent|date|odesláno|datum|gesendet|to|komu|an):\*?\s", re.I)
_WRAPPED_START_RE = re.compile(r"^(on|dne|am)\s.*\d", re.IGNORECASE)
_WRAPPED_END_RE = re.compile(r"(wrote|napsal\w*|schrieb)(\s*\(a\))?:\s*$", re.IGNORECASE)
_SIGNATURE = "-- "


def own_text(body: str) -> str:
    """`body` up to the first quoted or forwarded block, trailing blank lines removed."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        if line == _SIGNATURE or line.rstrip() == "--":
            break
        if stripped.startswith(">") or _INTRO_RE.match(stripped):
            break
        following = lines[index + 1].strip() if index + 1 < len(lines) else ""
        if _HEADER_RE.match(stripped) and _NEXT_HEADER_RE.match(following):
            break
        # A wrapped intro: "On Mon, 1 Dec 2026 at 10:00, Petr <p@x>" + "wrote:".
        if _WRAPPED_START_RE.match(stripped) and _WRAPPED_END_RE.search(following):
            break
        kept.append(line.rstrip())
    while kept and not kept[-1].strip():
        kept.pop()
    return "\n".join(kept).strip("\n")
