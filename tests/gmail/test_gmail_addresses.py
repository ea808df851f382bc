"""addresses.py: header text → mailboxes, and mailboxes → draft headers.

The property tests compose headers the way a sender's mail client does (names quoted and
RFC 2047-encoded by Python's email package), then read them back both raw and the way
Gmail's API shows them (encoded words decoded in place, nothing re-quoted: the emulator's
``header_text``), and check that no display name can add, drop or replace an address.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
from email.headerregistry import Address
from email.message import EmailMessage

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gmail_assistant.gmail.addresses import (
    format_addresses,
    parse_address_list,
    parse_sender,
    reply_recipients,
)
from gmail_assistant.gmail.compose import build_reply
from gmail_assistant.gmail.encoding import b64url_decode
from gmail_assistant.gmail.models import MailAddress
from gmail_emulator.mime import header_text

_LOCAL_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"
_atom = st.text(_LOCAL_CHARS, min_size=1, max_size=8)
local_parts = st.lists(_atom, min_size=1, max_size=3).flatmap(
    lambda parts: st.sampled_from([".", "_", "+", "-"]).map(lambda sep: sep.join(parts))
)
domains = st.lists(st.text(_LOCAL_CHARS, min_size=1, max_size=10), min_size=1, max_size=3).map(
    lambda labels: ".".join([*labels, "example"])
)
addresses = st.builds(lambda local, domain: f"{local}@{domain}", local_parts, domains)
# Any text a sender may put in a display name: punctuation, quotes, brackets, raw Unicode,
# control characters and line breaks included.
names = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
# Gmail's decoded text loses the quoting of encoded names. A list whose text holds one "@"
# is exact whatever the names; with several, names without "@", quotes and parentheses
# still are, and for the rest the product reads the raw header (`reply_to_exact`).
no_at_names = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="@"))
decoded_safe_names = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters='@"()'), max_size=30
)


def _raw_header(name: str, mailboxes: list[MailAddress]) -> str:
    """The header as a sender's client writes it, unfolded: quoted, RFC 2047-encoded."""
    # Folded only past 998 characters, as real clients do: Python's own folding of address
    # lists can pull the separating comma into an encoded word (see compose._POLICY).
    message = EmailMessage(policy=email.policy.SMTP.clone(max_line_length=998))
    message[name] = tuple(
        Address(display_name=" ".join(m.name.split()), addr_spec=m.address) for m in mailboxes
    )
    wire = message.as_bytes().decode("ascii")
    folded = wire.split(":", 1)[1].split("\r\n\r\n", 1)[0]
    return " ".join(folded.replace("\r\n", " ").split())


def _mailbox_lists(name_strategy: st.SearchStrategy[str]) -> st.SearchStrategy[list[MailAddress]]:
    return st.lists(
        st.builds(MailAddress, addresses, name_strategy),
        min_size=1,
        max_size=4,
        unique_by=lambda m: m.address,
    )


# --- the shapes of the issue ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "address", "name"),
    [
        ('"Novák, Jan" <jan.novak@example.cz>', "jan.novak@example.cz", "Novák, Jan"),
        ("Novák, Jan <jan.novak@example.cz>", "jan.novak@example.cz", "Novák, Jan"),
        (
            "Mallory Bcc: someone@else.example <mallory@example.net>",
            "mallory@example.net",
            "Mallory Bcc: someone@else.example",
        ),
        ("=?utf-8?q?M=C3=BCller=2C_Hans?= <hans@example.de>", "hans@example.de", "Müller, Hans"),
        ("Müller, Hans <hans@example.de>", "hans@example.de", "Müller, Hans"),
        ('"O\'Brien, Seán" <sean@example.ie>', "sean@example.ie", "O'Brien, Seán"),
        ("boss@corp.example, Eve <eve@example.org>", "eve@example.org", None),
        ("Eve <boss@corp.example> <eve@example.org>", "eve@example.org", None),
        ('Joe "Boss <joe@example.com>', "joe@example.com", None),
        ("jan@example.cz (Jan Novák)", "jan@example.cz", "Jan Novák"),
        ("Jan Novák jan@example.cz", "jan@example.cz", "Jan Novák"),
        ("<@relay.example:jan@example.cz>", "jan@example.cz", ""),
        ("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>", "pete@silly.test", None),
        ("John <John.Smith@Example.COM>", "john.smith@example.com", "John"),
    ],
)
def test_sender_shapes(value: str, address: str, name: str | None) -> None:
    sender, problem = parse_sender(value)
    assert problem is None and sender is not None
    assert sender.address == address
    if name is not None:
        assert sender.name == name


@pytest.mark.parametrize("value", ["", "Undisclosed recipients:;", "Jan Novák", "<not-an-address>"])
def test_a_from_without_an_address_says_why(value: str) -> None:
    sender, problem = parse_sender(value)
    assert sender is None and problem


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ann@example.com, bob@example.com", ["ann@example.com", "bob@example.com"]),
        (
            "Novák, Jan <jan@example.cz>, Dvořák, Petr <petr@example.cz>",
            ["jan@example.cz", "petr@example.cz"],
        ),
        ("Team: ann@example.com, Bob <bob@example.com>;", ["ann@example.com", "bob@example.com"]),
        ("undisclosed-recipients:;", []),
        ('"Smith; John" <j@example.com>, x@example.com', ["j@example.com", "x@example.com"]),
        ("A <a@example.com>, A <A@example.com>", ["a@example.com"]),
    ],
)
def test_address_lists(value: str, expected: list[str]) -> None:
    assert [m.address for m in parse_address_list(value)] == expected


def test_reply_goes_to_every_reply_to_else_the_sender_never_the_owner() -> None:
    sender = MailAddress("ann@example.com", "Ann")
    both = (MailAddress("ann@example.com"), MailAddress("bob@example.com"))
    owner = ["Owner@Example.com"]
    assert reply_recipients(sender=sender, reply_to=both, owner=owner) == both
    assert reply_recipients(sender=sender, reply_to=(), owner=owner) == (sender,)
    with_owner = (MailAddress("owner@example.com"), MailAddress("desk@example.com"))
    assert reply_recipients(sender=sender, reply_to=with_owner, owner=owner) == (with_owner[1],)
    only_owner = (MailAddress("owner@example.com"),)
    assert reply_recipients(sender=sender, reply_to=only_owner, owner=owner) == (sender,)
    me = MailAddress("owner@example.com")
    assert reply_recipients(sender=me, reply_to=(), owner=owner) == ()
    assert reply_recipients(sender=None, reply_to=(), owner=owner) == ()


def test_draft_names_are_quoted_and_encoded() -> None:
    to = [
        MailAddress("jan@example.cz", "Novák, Jan"),
        MailAddress("m@example.net", "Mallory Bcc: someone@else.example"),
    ]
    raw = b64url_decode(
        build_reply(to=to, subject="Schůzka", body="x", in_reply_to=None, references=None)
    )
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert b"Bcc" not in head.replace(b"Mallory Bcc:", b"")  # only inside the quoted name
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == "Re: Schůzka"
    assert b"=?utf-8?" in head  # non-ASCII name and subject travel RFC 2047-encoded
    assert [a for _, a in email.utils.getaddresses([message["To"]])] == [
        "jan@example.cz",
        "m@example.net",
    ]
    assert format_addresses(to[:1]) == '"Novák, Jan" <jan@example.cz>'


# --- properties -------------------------------------------------------------------------------

_RELAXED = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_RELAXED
@given(_mailbox_lists(names))
@example([MailAddress("jan@example.cz", "Novák, Jan"), MailAddress("a@b.example", "x <y@z>")])
def test_raw_headers_round_trip_whatever_the_names(mailboxes: list[MailAddress]) -> None:
    raw = _raw_header("Reply-To", mailboxes)
    assert [m.address for m in parse_address_list(raw)] == [m.address for m in mailboxes]


@_RELAXED
@given(_mailbox_lists(decoded_safe_names))
@example([MailAddress("a@x.example", "Müller, Hans"), MailAddress("b@y.example", "Bcc: Re;")])
def test_gmail_decoded_headers_keep_every_address(mailboxes: list[MailAddress]) -> None:
    shown = header_text(_raw_header("To", mailboxes))
    assert [m.address for m in parse_address_list(shown)] == [m.address for m in mailboxes]


@_RELAXED
@given(addresses, no_at_names)
@example("a@x.example", '("')
def test_a_single_mailbox_survives_gmail_decoding(address: str, name: str) -> None:
    shown = header_text(_raw_header("Reply-To", [MailAddress(address, name)]))
    assert shown.count("@") == 1
    assert [m.address for m in parse_address_list(shown)] == [address]


@_RELAXED
@given(addresses, names)
@example("eve@example.org", "boss@corp.example, Eve")
@example("eve@example.org", "Eve <boss@corp.example>")
@example("joe@example.com", 'Joe "Boss')
def test_no_display_name_can_replace_the_sender(address: str, name: str) -> None:
    for shown in (
        _raw_header("From", [MailAddress(address, name)]),
        header_text(_raw_header("From", [MailAddress(address, name)])),
    ):
        sender, problem = parse_sender(shown)
        assert problem is None and sender is not None
        assert sender.address == address


@_RELAXED
@given(_mailbox_lists(names), st.text(max_size=40))
def test_a_draft_has_exactly_its_recipients(mailboxes: list[MailAddress], subject: str) -> None:
    raw = build_reply(
        to=mailboxes, subject=subject, body="ok", in_reply_to="<m@x>", references=None
    )
    message = email.message_from_bytes(b64url_decode(raw), policy=email.policy.default)
    assert message["Cc"] is None and message["Bcc"] is None
    assert {a.lower() for _, a in email.utils.getaddresses([str(message["To"])])} == {
        m.address for m in mailboxes
    }
    wire = email.message_from_bytes(b64url_decode(raw), policy=email.policy.compat32)["To"]
    again = parse_address_list(" ".join(str(wire).split()))
    assert {m.address for m in again} == {m.address for m in mailboxes}


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=120))
def test_addresses_only_come_from_the_text(value: str) -> None:
    """Never raises; every address found is written in the header itself."""
    for mailbox in parse_address_list(value):
        local, _, domain = mailbox.address.rpartition("@")
        assert local and domain
        assert mailbox.address in value.lower().replace(" ", "") or local in value.lower()
    sender, problem = parse_sender(value)
    assert (sender is None) != (problem is None)


@given(st.lists(addresses, max_size=3), addresses, addresses)
def test_the_owner_never_gets_the_reply(reply_to: list[str], sender: str, owner: str) -> None:
    chosen = reply_recipients(
        sender=MailAddress(sender),
        reply_to=tuple(MailAddress(a) for a in [*reply_to, owner]),
        owner=[owner.upper()],
    )
    assert owner not in {m.address for m in chosen}
    assert chosen or sender == owner
