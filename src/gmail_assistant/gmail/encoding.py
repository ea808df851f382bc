"""Decoding at the Gmail boundary: base64url bodies, charsets, RFC 2047 encoded words."""

from __future__ import annotations

import base64
import binascii
import email.header

__all__ = ["b64url_decode", "decode_bytes", "decode_header_value"]


def b64url_decode(data: str) -> bytes:
    """Decode Gmail's base64url (padded or not, standard alphabet tolerated); strict otherwise."""
    cleaned = "".join(data.split()).replace("+", "-").replace("/", "_").rstrip("=")
    if len(cleaned) % 4 == 1:
        raise binascii.Error("truncated base64 data")
    padded = cleaned + "=" * (-len(cleaned) % 4)
    return base64.b64decode(padded, altchars=b"-_", validate=True)


def decode_bytes(data: bytes, charset: str | None) -> tuple[str, str | None]:
    """Text of ``data`` in its declared charset, else UTF-8, else Latin-1; plus a warning."""
    if charset:
        try:
            return data.decode(charset), None
        except (LookupError, UnicodeError, ValueError):
            pass
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1"), f"charset {charset or 'none'}: decoded as latin-1"
    return text, (f"charset {charset}: decoded as utf-8" if charset else None)


def decode_header_value(value: str) -> str:
    """Decode RFC 2047 encoded words (``=?utf-8?q?...?=``); the raw value if that fails."""
    if "=?" not in value:
        return value
    try:
        chunks = email.header.decode_header(value)
    except (ValueError, binascii.Error):
        return value
    out: list[str] = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            out.append(chunk)
        else:
            out.append(decode_bytes(chunk, charset)[0])
    # decode_header keeps the whitespace between encoded and plain words inconsistently.
    return " ".join("".join(out).split()) if out else value
