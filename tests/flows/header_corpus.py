"""Real-world header shapes: RFC 5322 Appendix A, the shapes of issue 11, and what Czech,
German and English senders' clients write. Each case is a raw header block; the flow test
delivers it as an RFC 822 mail and checks whom the assistant's draft answers and how it
threads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

OWNER_ADDRESS = "owner@example.com"
QUESTION = "Could you please send me the price list for next year? Thank you."


@dataclass(frozen=True)
class Shape:
    name: str
    headers: str  # raw header lines (CRLF added), without Subject/Message-ID/To
    recipients: frozenset[str]  # the addresses the draft must go to, exactly
    subject: str = "Price list"
    reply_subject: str = ""  # expected; "Re: <subject>" when empty
    references: tuple[str, ...] = ()  # the original's References ids
    in_reply_to: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def _s(name: str, headers: str, *recipients: str, **kwargs: object) -> Shape:
    return Shape(name, headers, frozenset(recipients), **kwargs)  # type: ignore[arg-type]


SHAPES: tuple[Shape, ...] = (
    # --- issue 11 ---
    _s("last-first quoted", 'From: "Novák, Jan" <jan.novak@example.cz>', "jan.novak@example.cz"),
    _s(
        "colon in encoded name",
        "From: =?utf-8?q?Mallory_Bcc=3A_someone=40else=2Eexample?= <mallory@example.net>",
        "mallory@example.net",
    ),
    _s(
        "comma in encoded name",
        "From: =?utf-8?q?M=C3=BCller=2C_Hans?= <hans@example.de>",
        "hans@example.de",
    ),
    _s("raw utf-8 quoted comma", 'From: "O\'Brien, Seán" <sean@example.ie>', "sean@example.ie"),
    _s(
        "reply-to two addresses",
        "From: Ann <ann@example.com>\r\nReply-To: ann@example.com, bob@example.com",
        "ann@example.com",
        "bob@example.com",
    ),
    # --- RFC 5322 Appendix A ---
    _s("A.1.1 simple", "From: John Doe <jdoe@machine.example>", "jdoe@machine.example"),
    _s(
        "A.1.2 quoted with dots",
        'From: "Joe Q. Public" <john.q.public@example.com>',
        "john.q.public@example.com",
    ),
    _s(
        "A.1.3 group in Cc",
        "From: Pete <pete@silly.example>\r\n"
        "Cc: A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
        "pete@silly.example",
    ),
    _s(
        "A.2 reply-to mailbox",
        'From: Mary Smith <mary@example.net>\r\nReply-To: "Mary Smith: Personal Account" '
        "<smith@home.example>",
        "smith@home.example",
    ),
    _s(
        "A.5 comments everywhere",
        "From: Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
        "pete@silly.test",
    ),
    _s(
        "A.6.3 obsolete unquoted dots",
        "From: Joe Q. Public <john.q.public@example.com>",
        "john.q.public@example.com",
    ),
    _s(
        "obsolete source route",
        "From: <@relay.example,@relay2.example:jan@example.cz>",
        "jan@example.cz",
    ),
    # --- comments, bare and odd forms ---
    _s("comment as name", "From: jan@example.cz (Jan Novák)", "jan@example.cz"),
    _s("bare address", "From: info@firma.example", "info@firma.example"),
    _s("angle only", "From: <bare@example.com>", "bare@example.com"),
    _s("missing angle brackets", "From: Jan Novak jan@example.cz", "jan@example.cz"),
    _s("trailing comment", "From: Jan <jan@example.cz> (via Firma)", "jan@example.cz"),
    _s("upper-case address", "From: John <John.Smith@Example.COM>", "john.smith@example.com"),
    _s(
        "plus address", "From: Support <support+t-1234@help.example>", "support+t-1234@help.example"
    ),
    _s("address as quoted name", 'From: "info@firma.cz" <info@firma.cz>', "info@firma.cz"),
    _s(
        "address as encoded name",
        "From: =?utf-8?q?info=40firma=2Ecz?= <info@firma.cz>",
        "info@firma.cz",
    ),
    _s(
        "escaped quotes",
        'From: "Jan \\"Honza\\" Novák" <honza@example.cz>',
        "honza@example.cz",
    ),
    _s("raw utf-8 unquoted", "From: Jan Novák <jan@example.cz>", "jan@example.cz"),
    _s(
        "folded From",
        'From: "Very Long Name, With A Comma, Inc."\r\n <long@example.com>',
        "long@example.com",
    ),
    # --- encoded words that decode to specials ---
    _s(
        "latin-2 encoded name",
        "From: =?iso-8859-2?q?Ji=F8=ED_Dvo=F8=E1k?= <jiri@example.cz>",
        "jiri@example.cz",
    ),
    _s(
        "base64 name with comma",
        "From: =?utf-8?b?U2NobWlkdCwgQW5uYQ==?= <anna@example.de>",
        "anna@example.de",
    ),
    _s("semicolon in quotes", 'From: "Dr. Müller; Klaus" <klaus@example.de>', "klaus@example.de"),
    _s(
        "semicolon in encoded name",
        "From: =?utf-8?q?Dr=2E_M=C3=BCller=3B_Klaus?= <klaus@example.de>",
        "klaus@example.de",
    ),
    _s(
        "angle address in encoded name",
        "From: =?utf-8?q?Eve_=3Cboss=40corp=2Eexample=3E?= <eve@example.org>",
        "eve@example.org",
    ),
    _s(
        "address and comma in encoded name",
        "From: =?utf-8?q?boss=40corp=2Eexample=2C_Eve?= <eve@example.org>",
        "eve@example.org",
    ),
    _s(
        "unbalanced quote in encoded name",
        "From: =?utf-8?q?Joe_=22Boss?= <joe@example.com>",
        "joe@example.com",
    ),
    _s("emoji name", "From: =?utf-8?q?Anna_=F0=9F=8C=B8?= <anna@example.com>", "anna@example.com"),
    _s("cjk name", "From: =?utf-8?b?5bGx55Sw5aSq6YOO?= <yamada@example.jp>", "yamada@example.jp"),
    _s(
        "split encoded words",
        "From: =?utf-8?q?Nov=C3=A1k=2C?= =?utf-8?q?_Jan?= <jan@example.cz>",
        "jan@example.cz",
    ),
    # --- Reply-To ---
    _s(
        "reply-to with the owner",
        f"From: Ann <ann@example.com>\r\nReply-To: {OWNER_ADDRESS}, desk@example.com",
        "desk@example.com",
    ),
    _s(
        "reply-to only the owner",
        f"From: Ann <ann@example.com>\r\nReply-To: Owner <{OWNER_ADDRESS}>",
        "ann@example.com",
    ),
    _s(
        "reply-to group",
        "From: Ann <ann@example.com>\r\nReply-To: Team: ann@example.com, bob@example.com;",
        "ann@example.com",
        "bob@example.com",
    ),
    _s(
        "reply-to encoded last-first names",
        "From: Ann <ann@example.com>\r\nReply-To: =?utf-8?q?Nov=C3=A1k=2C_Jan?= "
        "<jan@example.cz>, =?utf-8?q?Dvo=C5=99=C3=A1k=2C_Petr?= <petr@example.cz>",
        "jan@example.cz",
        "petr@example.cz",
    ),
    _s(
        "reply-to colon name",
        "From: Ann <ann@example.com>\r\nReply-To: =?utf-8?q?Desk=3A_Support?= <desk@example.com>",
        "desk@example.com",
    ),
    _s("empty reply-to", "From: Ann <ann@example.com>\r\nReply-To: ", "ann@example.com"),
    _s(
        "reply-to name spelling an address",
        "From: Eve <eve@example.org>\r\n"
        "Reply-To: =?utf-8?q?boss=40corp=2Eexample=2C_Eve?= <eve@example.org>",
        "eve@example.org",
    ),
    _s(
        "reply-to name spelling an angle address",
        "From: Ann <ann@example.com>\r\n"
        "Reply-To: =?utf-8?q?Desk_=3Cboss=40corp=2Eexample=3E=2C?= <desk@example.com>, "
        "ann@example.com",
        "desk@example.com",
        "ann@example.com",
    ),
    # --- subjects and threading ---
    _s(
        "double re",
        "From: Ann <ann@example.com>",
        "ann@example.com",
        subject="Re: Re: Price list 2026",
        reply_subject="Re: Price list 2026",
        in_reply_to="<prior-1@example.com>",
        references=("<prior-0@example.com>", "<prior-1@example.com>"),
    ),
    _s(
        "german aw",
        "From: Hans <hans@example.de>",
        "hans@example.de",
        subject="AW: Angebot Nr. 7",
        reply_subject="AW: Angebot Nr. 7",
        in_reply_to="<prior-2@example.de>",
    ),
    _s(
        "czech odp encoded",
        "From: Jana <jana@example.cz>",
        "jana@example.cz",
        subject="=?utf-8?q?Odp=3A_Sch=C5=AFzka_v_=C3=BAter=C3=BD?=",
        reply_subject="Odp: Schůzka v úterý",
    ),
    _s(
        "swedish sv",
        "From: Sven <sven@example.se>",
        "sven@example.se",
        subject="SV: Möte",
        reply_subject="SV: Möte",
    ),
    _s(
        "forward gets re",
        "From: Ann <ann@example.com>",
        "ann@example.com",
        subject="Fwd: Question about the offer",
        reply_subject="Re: Fwd: Question about the offer",
    ),
    _s(
        "non-ascii subject",
        "From: Jana <jana@example.cz>",
        "jana@example.cz",
        subject="=?utf-8?b?UMWZw61sacWhIMW+bHXFpW91xI1rw70ga8WvxYg=?=",
        reply_subject="Re: Příliš žluťoučký kůň",
    ),
    _s(
        "in-reply-to without references",
        "From: Ann <ann@example.com>",
        "ann@example.com",
        subject="Re: Offer",
        reply_subject="Re: Offer",
        in_reply_to="<only-parent@example.com>",
    ),
)


def raw_mail(shape: Shape, index: int) -> tuple[bytes, str]:
    """The mail as bytes, and its Message-ID."""
    message_id = f"<corpus-{index}@sender.example>"
    lines = [
        shape.headers,
        f"To: {OWNER_ADDRESS}",
        f"Subject: {shape.subject} [{index}]",
        f"Message-ID: {message_id}",
        "Date: Thu, 03 Dec 2026 09:00:00 +0100",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
    ]
    if shape.in_reply_to:
        lines.append(f"In-Reply-To: {shape.in_reply_to}")
    if shape.references:
        lines.append(f"References: {' '.join(shape.references)}")
    text = "\r\n".join(lines) + "\r\n\r\n" + QUESTION + "\r\n"
    return text.encode("utf-8"), message_id


def expected_references(shape: Shape, message_id: str) -> list[str]:
    chain = list(shape.references) or ([shape.in_reply_to] if shape.in_reply_to else [])
    return [*chain, message_id]
