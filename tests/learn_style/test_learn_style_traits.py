"""Traits of one sent reply: greeting, sign-off, language, form of address, quotes removed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gmail_assistant.style_learning.model_pass import interpret
from gmail_assistant.style_learning.profile import GROUPS
from gmail_assistant.style_learning.quotes import own_text
from gmail_assistant.style_learning.traits import _CLOSINGS, _TITLES, extract_traits


@pytest.mark.parametrize(
    ("text", "greeting", "sign_off", "language", "address", "register"),
    [
        (
            "Dobrý den, paní Nováková,\n\nděkuji za zprávu, pošlu Vám to zítra.\n\n"
            "S pozdravem\nJana Dvořáková",
            "Dobrý den, paní <name>,", "S pozdravem\nJana Dvořáková", "cs", "vykání", "business",
        ),
        (
            "Ahoj Petře,\n\ndíky, máš pravdu. Pošli mi to večer.\n\nMěj se\nJ.",
            "Ahoj <name>,", "Měj se\nJ.", "cs", "tykání", "informal",
        ),
        (
            "Vážený pane řediteli,\n\nděkuji za Váš dopis.\n\nS úctou\nJana Dvořáková",
            "Vážený pane <name>,", None, "cs", "vykání", "formal",
        ),
        (
            "Sehr geehrte Damen und Herren,\n\nanbei sende ich Ihnen die Unterlagen.\n\n"
            "Mit freundlichen Grüßen\nJana Dvořáková",
            "Sehr geehrte Damen und Herren,", "Mit freundlichen Grüßen\nJana Dvořáková", "de",
            "Sie", "formal",
        ),
        (
            "Hallo Lena,\n\nich freue mich, sag mir, wann du kommst.\n\nLiebe Grüße\nJana",
            "Hallo <name>,", "Liebe Grüße\nJana", "de", "du", "informal",
        ),
        (
            "Dear Mr Smith,\n\nthank you for your letter. I will reply in full next week.\n\n"
            "Yours sincerely,\nJana Dvořáková",
            "Dear Mr <name>,", "Yours sincerely,\nJana Dvořáková", "en", None, "formal",
        ),
        (
            "Hi Tom,\n\nsounds good, see you then.\n\nCheers,\nJana",
            "Hi <name>,", "Cheers,\nJana", "en", None, "informal",
        ),
        (
            "Thanks for your help with the plans. I will send the rest tomorrow.",
            None, None, "en", None, "business",
        ),
    ],
)  # fmt: skip
def test_known_replies(
    text: str,
    greeting: str | None,
    sign_off: str | None,
    language: str,
    address: str | None,
    register: str,
) -> None:
    traits = extract_traits(text)
    assert traits.greeting == greeting
    assert traits.sign_off == sign_off
    assert traits.language == language
    assert traits.address == address
    assert traits.register == register


def test_a_sentence_starting_like_a_greeting_or_closing_is_body() -> None:
    traits = extract_traits(
        "Hi there is one more thing I forgot to mention in the call.\n"
        "Thanks for the drawings you sent last week."
    )
    assert traits.greeting is None and traits.sign_off is None
    assert traits.words == 21


@pytest.mark.parametrize(
    "quoted",
    [
        "On Mon, 1 Dec 2026 at 10:00, Tom <tom@example.com> wrote:\n> Hello?",
        "On Mon, 1 Dec 2026 at 10:00, Tom Long Name <tom@example.com>\nwrote:\n> Hello?",
        "Dne 1. 12. 2026 v 10:00 Petr Svoboda <p@example.cz> napsal(a):\n> Dobrý den",
        "po 1. 12. 2026 v 10:00 odesílatel Petr <p@example.cz> napsal:\n> Dobrý den",
        "Am 01.12.2026 um 10:00 schrieb Anja Böhm <a@example.de>:\n> Hallo",
        "-----Original Message-----\nFrom: Tom\nSent: Monday",
        "From: Tom Smith <tom@example.com>\nSent: Monday, 1 December 2026 10:00\nTo: Jana",
        "> just a quoted line",
        "-- \nJana Dvořáková | architektka | +420 600 000 000",
    ],
)
def test_quoted_text_and_signature_blocks_are_not_the_owners(quoted: str) -> None:
    own = "Hi Tom,\n\nyes, Tuesday works.\n\nCheers,\nJana"
    assert own_text(f"{own}\n\n{quoted}\n> more\n") == own


# A name: never a word a greeting keeps ("Hi team," stays as it is: `traits._TITLES`), nor
# a closing word ("Díky" is a sign-off, not a signature: `traits._CLOSINGS`).
_NAMES = (
    st.text(
        alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzáéíóúěščřžý"), min_size=2, max_size=12
    )
    .filter(lambda name: name not in _TITLES and name not in _CLOSINGS)
    .map(str.capitalize)
)


@given(
    opener=st.sampled_from(["Dobrý den,", "Ahoj", "Hallo", "Hi", "Hello", "Liebe", "Dear"]),
    name=_NAMES,
    closing=st.sampled_from(
        [
            "S pozdravem",
            "Viele Grüße",
            "Best regards,",
            "Cheers,",
            "Díky",
            "Mit freundlichen Grüßen",
        ]
    ),
    signature=_NAMES,
    body=st.lists(
        st.sampled_from(
            [
                "the plans are ready.",
                "Termín mi vyhovuje.",
                "Das passt gut.",
                "I will send the drawings tomorrow.",
            ]
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_greeting_and_sign_off_are_found_around_any_body(
    opener: str, name: str, closing: str, signature: str, body: list[str]
) -> None:
    text = f"{opener} {name},\n\n" + " ".join(body) + f"\n\n{closing}\n{signature}"
    traits = extract_traits(text)
    assert traits.greeting == f"{opener} <name>,"
    assert traits.sign_off == f"{closing}\n{signature}"
    assert traits.body == " ".join(body)


@settings(max_examples=300)
@given(st.text(max_size=2000))
def test_any_text_gives_traits_and_never_raises(text: str) -> None:
    own = own_text(text)
    traits = extract_traits(own)
    assert traits.language in {"cs", "de", "en"}
    assert traits.register in GROUPS
    assert traits.words >= 0
    assert traits.address in {None, "vykání", "tykání", "Sie", "du"}
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    normalized = "\n".join(line.rstrip() for line in lines).strip("\n")
    assert normalized.startswith(own)  # only ever a leading part of the reply


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=300),
        lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=12), inner),
        max_leaves=30,
    )
)
def test_any_model_answer_is_checked_never_trusted(answer: object) -> None:
    data = {"styles": answer} if not isinstance(answer, dict) else answer
    found = interpret(data, set(GROUPS))
    assert set(found) <= set(GROUPS)
    for advice in found.values():
        assert len(advice.rules) <= 4
        assert all(isinstance(r, str) and 0 < len(r) <= 200 for r in advice.rules)
        assert len(advice.description) <= 200


@pytest.mark.parametrize(
    "line",
    [
        "On Monday I wrote the plan again",
        "Dne 5. jsem Vám napsala, že termín platí",
        "Am Montag schrieb ich Ihnen die Maße",
    ],
)
def test_the_owners_own_lines_that_look_like_intros_stay(line: str) -> None:
    text = f"Hello,\n\n{line}\nand more.\n\nBest regards,\nJana"
    assert own_text(text) == text
