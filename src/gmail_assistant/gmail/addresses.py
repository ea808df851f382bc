"""One address model at the Gmail boundary: header text → (display name, address) pairs.

Gmail hands headers back with RFC 2047 encoded words already decoded, so a display name
such as ``=?utf-8?q?M=C3=BCller=2C_Hans?=`` arrives as the bare text ``Müller, Hans``:
commas, colons, semicolons and quotes that the sender meant as *name* now sit unquoted in
the header. The parser therefore reads structure, not the RFC grammar alone:

- an address only ever comes from an angle-addr ``<…>`` or from a bare addr-spec, never
  from display-name text; a fragment without an address (``Müller``) is name text and
  joins the display name of the mailbox that follows it;
- ``From`` names one mailbox: its address is the *last* angle-addr of the header, and
  everything before it is display name, whatever commas, colons or ``<…>`` that holds;
- comments ``(…)``, quoted strings, group syntax (``team: a@x, b@y;``), raw UTF-8 and
  still-encoded words (a raw header) are all understood.

Composing goes the other way through :mod:`email.headerregistry`, so names are quoted and
RFC 2047-encoded and no inbound text can add a recipient to a draft.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.headerregistry import Address

from gmail_assistant.gmail.encoding import decode_header_value
from gmail_assistant.gmail.models import MailAddress

__all__ = [
    "SHARED_MAIL_DOMAINS",
    "format_addresses",
    "header_addresses",
    "parse_address_list",
    "parse_sender",
    "reply_recipients",
]

# Mailbox providers: a domain shared by unrelated people says nothing about who writes (no
# payee, contact group or override is keyed by it).
SHARED_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "seznam.cz",
        "email.cz",
        "centrum.cz",
        "atlas.cz",
        "volny.cz",
        "post.cz",
        "gmx.de",
        "gmx.net",
        "web.de",
        "t-online.de",
        "aol.com",
        "proton.me",
        "protonmail.com",
    }
)

_ADDR_SPEC = re.compile(r"""^(?:"(?:[^"\\]|\\.)+"|[^\s"(),:;<>@\[\]\\]+)@[^\s"(),:;<>@\\]+$""")
_ROUTE = re.compile(r"^(?:@[^:,]*,?)+:")  # obsolete source route: <@relay,@relay:user@host>
_TRAILING_ANGLE = re.compile(r"<([^<>]*)>\s*(?:\((?:[^()\\]|\\.)*\)\s*)*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _clean_address(text: str) -> str | None:
    """A usable addr-spec from angle-addr content or a bare token, else None."""
    candidate = _ROUTE.sub("", text.strip()).strip()
    if candidate.lower().startswith("mailto:"):
        candidate = candidate[7:]
    if not candidate or _CONTROL.search(candidate) or not _ADDR_SPEC.match(candidate):
        return None
    local, _, domain = candidate.rpartition("@")
    domain = domain.rstrip(".")
    if not local or not domain or ".." in domain or domain.startswith("."):
        return None
    return f"{local}@{domain}".lower()


def _clean_name(text: str) -> str:
    """Display-name text: quotes and escapes undone, encoded words decoded, one line."""
    out: list[str] = []
    quoted = False
    escaped = False
    for char in text:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        else:
            out.append(char)
    name = decode_header_value("".join(out))
    name = " ".join(_CONTROL.sub(" ", name).split())
    return name.strip(" ,;")


@dataclass
class _Piece:
    """One comma-separated piece of a header at nesting depth zero."""

    text: str = ""
    angle: str | None = None  # content of the piece's last <…>
    before: str = ""  # text before that <…>
    comments: str = ""


def _split(value: str, *, honour_quotes: bool, honour_comments: bool = True) -> list[_Piece]:
    pieces: list[_Piece] = []
    piece = _Piece()
    buf: list[str] = []  # text of the piece outside comments
    angle: list[str] | None = None
    comment: list[str] = []
    depth = 0
    quoted = False
    escaped = False

    def flush() -> None:
        nonlocal piece, buf, angle
        if angle is not None:  # an unclosed "<" was name text after all
            buf.append("<" + "".join(angle))
            angle = None
        piece.text = "".join(buf)
        if piece.angle is None:
            piece.before = piece.text
        pieces.append(piece)
        piece, buf = _Piece(), []

    for char in value:
        if escaped:
            (comment if depth else angle if angle is not None else buf).append(char)
            escaped = False
            continue
        if char == "\\" and (quoted or depth):
            escaped = True
            (comment if depth else buf).append(char)
            continue
        if depth:
            if char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
                if depth == 0:
                    piece.comments += " " + "".join(comment)
                    comment = []
                    continue
            comment.append(char)
            continue
        if quoted:
            buf.append(char)
            if char == '"':
                quoted = False
            continue
        if angle is not None:
            if char == ">":
                piece.before = "".join(buf)
                piece.angle = "".join(angle)
                buf.append(" ")
                angle = None
            elif char == "<":
                buf.append("<" + "".join(angle))
                angle = []
            elif char == "(" and honour_comments:
                depth = 1
            else:
                angle.append(char)
            continue
        if char == '"' and honour_quotes:
            quoted = True
            buf.append(char)
        elif char == "(" and honour_comments:
            depth = 1
        elif char == "<":
            angle = []
        elif char in ",;":
            flush()
        else:
            buf.append(char)
    if quoted and honour_quotes:  # an unbalanced quote mark was name text after all
        return _split(value, honour_quotes=False, honour_comments=honour_comments)
    if depth:  # so was an unclosed "("
        return _split(value, honour_quotes=honour_quotes, honour_comments=False)
    flush()
    return pieces


def _group_free(text: str) -> str:
    """A bare piece without a leading group name (``team: ann@x`` → ``ann@x``)."""
    head, colon, tail = text.rpartition(":")
    return tail if colon and "@" not in head else text


def _bare_mailbox(text: str) -> tuple[str | None, str]:
    """A piece without ``<…>``: an addr-spec, or a name and an addr-spec whose angle
    brackets the sender forgot (``Jan Novák jan@example.cz``)."""
    address = _clean_address(text)
    if address is not None:
        return address, ""
    head, _, last = text.rpartition(" ")
    address = _clean_address(last) if head.strip() else None
    return (address, _clean_name(head)) if address else (None, "")


def parse_address_list(value: str) -> tuple[MailAddress, ...]:
    """Every mailbox of a To / Cc / Reply-To header, in order, each address once."""
    found: list[MailAddress] = []
    pending: list[str] = []  # address-less text, the start of the next display name
    for piece in _split(value or "", honour_quotes=True):
        address = _clean_address(piece.angle) if piece.angle is not None else None
        if address is not None:
            name = _clean_name(piece.before)
            name = ", ".join([*pending, name]) if pending and name else name or ", ".join(pending)
            pending = []
            found.append(MailAddress(address, name or _clean_name(piece.comments)))
            continue
        bare, name = _bare_mailbox(_group_free(piece.text).strip())
        if bare is not None:
            pending = []
            found.append(MailAddress(bare, name or _clean_name(piece.comments)))
            continue
        text = _clean_name(piece.text)
        if text:
            pending.append(text)
    unique: dict[str, MailAddress] = {}
    for mailbox in found:
        unique.setdefault(mailbox.address, mailbox)
    return tuple(unique.values())


def parse_sender(value: str) -> tuple[MailAddress | None, str | None]:
    """The one mailbox of a From header, or None and the reason it has no usable address.

    The address is the header's last angle-addr: an encoded display name can hold any text,
    commas, colons and ``<x@y>`` included, but it always comes *before* the real address.
    """
    value = " ".join((value or "").split())
    if not value:
        return None, "no From header"
    match = _TRAILING_ANGLE.search(value)
    if match is not None:
        address = _clean_address(match.group(1))
        if address is not None:
            return MailAddress(address, _clean_name(value[: match.start()])), None
    mailboxes = parse_address_list(value)
    if mailboxes:
        return mailboxes[-1], None
    return None, f"From holds no usable address: {value[:200]!r}"


def reply_recipients(
    *, sender: MailAddress | None, reply_to: Sequence[MailAddress], owner: Iterable[str]
) -> tuple[MailAddress, ...]:
    """Whom a mail client's Reply answers: every Reply-To mailbox, else the sender; never
    the owner's own addresses."""
    own = {address.strip().lower() for address in owner if address}
    chosen = [m for m in reply_to if m.address not in own]
    if not chosen and sender is not None and sender.address not in own:
        chosen = [sender]
    return tuple(chosen)


def header_addresses(mailboxes: Iterable[MailAddress]) -> tuple[Address, ...]:
    """The mailboxes as :class:`email.headerregistry.Address` objects for a message header;
    the email package quotes and RFC 2047-encodes their names when it writes them."""
    return tuple(_header_address(m) for m in mailboxes)


def format_addresses(mailboxes: Iterable[MailAddress]) -> str:
    """Readable text of the mailboxes (``"Novák, Jan" <jan@x.cz>``), for prompts and logs."""
    return ", ".join(str(mailbox) for mailbox in mailboxes)


def _header_address(mailbox: MailAddress) -> Address:
    local, _, domain = mailbox.address.rpartition("@")
    with contextlib.suppress(UnicodeError):  # else kept as it is: an SMTPUTF8 address
        domain = domain.encode("idna").decode("ascii")
    name = " ".join(_CONTROL.sub(" ", mailbox.name).split())
    if local.startswith('"') and local.endswith('"') and len(local) > 1:
        local = re.sub(r"\\(.)", r"\1", local[1:-1])
    return Address(display_name=name, username=local, domain=domain)
