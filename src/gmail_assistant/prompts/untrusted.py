"""Keep email content inert inside a prompt.

Email text is attacker-controlled. It goes into a prompt only between `<email_data>` and
`</email_data>`, and the prompts tell the model that everything there is data. For that to
hold, the content must not be able to close the block early: `escape_untrusted` rewrites
anything that a model could read as one of our delimiters (any case, spacing, `-`/`_`/space
between the words, zero-width characters spliced in) to `&lt;…`, drops control characters,
and bounds the length. Header values are flattened to one line so that a crafted subject
cannot fake further headers.
"""

from __future__ import annotations

import re

__all__ = [
    "DATA_TAG",
    "DEFAULT_MAX_CHARS",
    "INSTRUCTIONS_TAG",
    "NO_INSTRUCTIONS",
    "escape_untrusted",
    "wrap_email",
    "wrap_instructions",
]

DATA_TAG = "email_data"
INSTRUCTIONS_TAG = "owner_instructions"
DEFAULT_MAX_CHARS = 12_000
_HEADER_MAX_CHARS = 300
NO_INSTRUCTIONS = "(no specific instruction provided)"

# Zero-width and bidi-control characters, and C0/C1 controls other than tab and newline.
_INVISIBLE_RE = re.compile(
    "[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
)
_DELIMITER_RE = re.compile(
    r"<(?=\s*/?\s*(?:email[\s_\-]*data|owner[\s_\-]*instructions)\b)", re.IGNORECASE
)


_PARTIAL_TAIL_RE = re.compile(r"<[\s/]*([a-z_\-\s]*)$", re.IGNORECASE)
_TAG_WORDS = ("emaildata", "ownerinstructions")


def escape_untrusted(text: str, *, max_chars: int | None = DEFAULT_MAX_CHARS) -> str:
    """Neutralise our delimiters inside `text`, drop control characters, bound the length."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE_RE.sub("", text)
    if max_chars is not None and len(text) > max_chars:
        dropped = len(text) - max_chars
        text = text[:max_chars] + f"\n[… {dropped} more characters truncated]"
    text = _DELIMITER_RE.sub("&lt;", text)
    # A piece may end in the start of a delimiter ("…<", "…<email") and the next piece joined
    # after it (the body after a subject) supply the rest: neutralise such a tail too.
    tail = _PARTIAL_TAIL_RE.search(text)
    if tail is not None:
        word = re.sub(r"[\s_\-]", "", tail.group(1)).lower()
        if any(tag.startswith(word) for tag in _TAG_WORDS):
            text = text[: tail.start()] + "&lt;" + text[tail.start() + 1 :]
    return text


def _header(value: str) -> str:
    one_line = " ".join(value.split())
    return escape_untrusted(one_line, max_chars=_HEADER_MAX_CHARS)


def wrap_email(
    *,
    body: str,
    sender: str = "",
    to: str = "",
    date: str = "",
    subject: str = "",
    max_chars: int = DEFAULT_MAX_CHARS,
) -> str:
    """One message as an inert `<email_data>` block: its headers, a blank line, its body."""
    headers = [
        f"{label}: {_header(value)}"
        for label, value in (("From", sender), ("To", to), ("Date", date), ("Subject", subject))
        if value
    ]
    content = "\n".join([*headers, "", escape_untrusted(body, max_chars=max_chars).strip("\n")])
    return f"<{DATA_TAG}>\n{content.strip(chr(10))}\n</{DATA_TAG}>"


def wrap_instructions(text: str, *, max_chars: int = 4_000) -> str:
    """The owner's own instructions (rework notes), escaped the same way but not as data."""
    inner = (
        escape_untrusted(text, max_chars=max_chars).strip() or "(no specific instruction provided)"
    )
    return f"<{INSTRUCTIONS_TAG}>\n{inner}\n</{INSTRUCTIONS_TAG}>"
