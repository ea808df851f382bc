"""What one sent reply shows about how the owner writes: deterministic, no model.

From the owner's own text (quotes already stripped, see `quotes.own_text`):

- greeting: the opening line when it starts with a known salutation, as a template with the
  addressee's name replaced by `<name>` ("Dobrý den, paní <name>,");
- sign-off: the closing formula near the end ("S pozdravem", "Viele Grüße", "Cheers"), with
  the name line under it when there is one;
- language (cs, de, en) from diacritics and stopwords;
- form of address: vykání/tykání in Czech, Sie/du in German, from pronouns and verb forms;
- register: formal, business or informal (the built-in style names), from the address form
  and the salutation;
- length in words of the body between greeting and sign-off, and its word n-grams.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from gmail_assistant.language import detect_language

__all__ = ["ReplyTraits", "body_sentences", "extract_traits"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_WORD_RE = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")

# Salutations by register; matched at the start of the first line, case-insensitively.
_FORMAL_GREETINGS = (
    "vážený pane", "vážená paní", "vážení", "vážený", "vážená",
    "sehr geehrte damen und herren", "sehr geehrter herr", "sehr geehrte frau",
    "sehr geehrte", "sehr geehrter",
    "dear sir or madam", "dear sir", "dear madam", "dear mr", "dear ms", "dear mrs", "dear dr",
    "to whom it may concern",
)  # fmt: skip
_BUSINESS_GREETINGS = (
    "dobrý den", "dobré ráno", "dobré odpoledne", "dobrý večer", "zdravím", "milý", "milá",
    "guten tag", "guten morgen", "hallo frau", "hallo herr", "liebe frau", "lieber herr",
    "dear", "hello", "good morning", "good afternoon", "good evening", "greetings",
)  # fmt: skip
_INFORMAL_GREETINGS = (
    "ahojte", "ahoj", "čau", "čauky", "nazdar", "zdar", "hallo", "hi", "hey", "hiya", "moin",
    "servus", "liebe", "lieber", "hej",
)  # fmt: skip
_GREETINGS = sorted(
    [(g, "formal") for g in _FORMAL_GREETINGS]
    + [(g, "business") for g in _BUSINESS_GREETINGS]
    + [(g, "informal") for g in _INFORMAL_GREETINGS],
    key=lambda item: -len(item[0]),
)
_TITLES = {
    "pane", "paní", "pani", "slečno", "inženýre", "doktore", "ing", "mgr", "dr", "herr", "frau",
    "mr", "ms", "mrs", "dr.", "mr.", "ms.", "mrs.",
    "miss", "sir", "madam", "damen", "und", "herren", "or", "kolegové",
    "kolegyně", "all", "team", "everyone", "zusammen", "prof", "architektko",
}  # fmt: skip

_CLOSINGS = (
    "s přátelským pozdravem", "s pozdravem", "se srdečným pozdravem", "srdečně zdravím",
    "zdravím", "pěkný den", "hezký den", "hezký večer", "děkuji a zdravím", "díky a zdravím",
    "děkuji moc", "díky moc", "děkuji", "díky", "mějte se", "měj se", "ahoj", "čau", "zatím", "pa",
    "mit freundlichen grüßen", "freundliche grüße", "beste grüße", "viele grüße",
    "herzliche grüße", "liebe grüße", "schöne grüße", "mit besten grüßen", "grüße", "gruß",
    "lg", "vg", "bis bald", "vielen dank", "danke schön", "danke",
    "yours sincerely", "sincerely", "yours faithfully", "kind regards", "best regards",
    "warm regards", "warmest regards", "regards", "best wishes", "all the best", "best",
    "cheers", "many thanks", "thanks again", "thanks a lot", "thanks", "thank you", "talk soon",
    "speak soon", "take care",
)  # fmt: skip
_FORMAL_CLOSINGS = {"yours sincerely", "sincerely", "yours faithfully", "s úctou"}
_INFORMAL_CLOSINGS = {"ahoj", "čau", "zatím", "pa", "lg", "liebe grüße", "cheers", "měj se"}

# Czech: pronouns and second-person verb endings; German: the pronouns (Sie is capitalised).
_CS_VY = _words(
    "vy vás vám vámi váš vaše vašeho vašemu vaši vašim vašich vašimi jste byste budete máte"
    " můžete chcete víte pošlete dejte napište potvrďte zašlete ozvěte mějte"
)
_CS_TY = _words(
    "ty tě tebe ti tobě tebou tvůj tvoje tvá tvé tvého tvému tvým tvých jsi bys budeš máš"
    " můžeš chceš víš pošli dej napiš potvrď zašli ozvi měj"
)
_DE_SIE_RE = re.compile(r"\b(Sie|Ihnen|Ihr|Ihre|Ihren|Ihrem|Ihrer|Ihres)\b")
_DE_DU_RE = re.compile(
    r"\b(du|dich|dir|dein|deine|deinen|deinem|deiner|deines|euch|euer|eure)\b", re.IGNORECASE
)
_NAME_LINE_RE = re.compile(r"^[^\W\d_][\w.'’-]*(\s+[^\W\d_][\w.'’-]*){0,3}$")
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+")
_MAX_GREETING_CHARS = 80
_MAX_SIGN_OFF_WORDS = 6


@dataclass(frozen=True)
class ReplyTraits:
    language: str  # cs | de | en
    greeting: str | None  # template, e.g. "Dobrý den, <name>,"
    sign_off: str | None  # as written, e.g. "S pozdravem\nJana Dvořáková"
    address: str | None  # vykání | tykání | Sie | du | None
    register: str  # formal | business | informal
    words: int  # body words (greeting and sign-off not counted)
    body: str  # the text between greeting and sign-off


def _normal(line: str) -> str:
    return " ".join(line.lower().replace("\u00a0", " ").split()).strip(" ,.!;:-–—")


def _name_or_title(match: re.Match[str]) -> str:
    word = match.group(0)
    return word if word.lower() in _TITLES else "<name>"


def _greeting(line: str) -> tuple[str, str] | None:
    """(template, register) of an opening line that starts with a known salutation."""
    text = " ".join(line.split())
    if not text or len(text) > _MAX_GREETING_CHARS:
        return None
    lowered = text.lower()
    for opener, register in _GREETINGS:
        if not lowered.startswith(opener):
            continue
        rest = text[len(opener) :]
        if rest and (rest[0].isalnum() or rest[0] in "'’-"):
            continue  # "Hint…", "Dearest" is not "Hi", "Dear"
        if len(_WORD_RE.findall(rest)) > 4:
            return None  # a sentence that starts with "Hi", not a salutation line
        named = _WORD_RE.sub(_name_or_title, rest)
        named = re.sub(r"<name>(\s+<name>)+", "<name>", named)
        return " ".join((text[: len(opener)] + named).split()), register
    return None


def _closing(line: str) -> str | None:
    """The closing formula a line consists of ("Viele Grüße", "Díky, Jana"), else None."""
    text = _normal(line)
    if not text or len(text.split()) > _MAX_SIGN_OFF_WORDS:
        return None
    original = " ".join(line.split()).strip(" ,.!;:-–—")
    for closing in _CLOSINGS:
        if text == closing:
            return closing
        if text.startswith((closing + " ", closing + ",")):
            rest = original[len(closing) :].strip(" ,")
            words = rest.split()
            if len(words) <= 2 and all(w[:1].isupper() for w in words):
                return closing  # "Díky, Jana", "Cheers Tom"
    return None


def _split(lines: list[str]) -> tuple[int, int | None, int | None]:
    """(body start, greeting line index, sign-off line index) over non-empty lines."""
    greeting = 0 if lines and _greeting(lines[0]) else None
    sign_off = None
    for index in range(len(lines) - 1, max(len(lines) - 5, -1), -1):
        if index == greeting:
            break
        if _closing(lines[index]):
            sign_off = index
            break
    return (1 if greeting is not None else 0), greeting, sign_off


def _address(language: str, text: str) -> str | None:
    if language == "de":
        sie, du = len(_DE_SIE_RE.findall(text)), len(_DE_DU_RE.findall(text))
        return "Sie" if sie > du else "du" if du > sie else None
    if language == "cs":
        words = [w.lower() for w in _WORD_RE.findall(text)]
        vy = sum(w in _CS_VY for w in words)
        ty = sum(w in _CS_TY for w in words)
        return "vykání" if vy > ty else "tykání" if ty > vy else None
    return None


def _register(greeting: str | None, closing: str | None, address: str | None) -> str:
    if address in ("tykání", "du"):
        return "informal"
    matched = _greeting(greeting) if greeting else None
    found = matched[1] if matched else None
    if found == "formal" or closing in _FORMAL_CLOSINGS:
        return "formal"
    if address in ("vykání", "Sie"):
        return "business"
    if found == "informal" or closing in _INFORMAL_CLOSINGS:
        return "informal"
    return "business"


def extract_traits(text: str) -> ReplyTraits:
    """The traits of one reply (the owner's own text); never raises."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    start, greeting_at, sign_off_at = _split(lines)
    greeting_line = lines[greeting_at] if greeting_at is not None else None
    greeting = _greeting(greeting_line) if greeting_line else None
    sign_off = None
    closing = None
    end = len(lines)
    if sign_off_at is not None:
        end = sign_off_at
        closing = _closing(lines[sign_off_at])
        parts = [lines[sign_off_at]]
        after = lines[sign_off_at + 1 : sign_off_at + 2]
        if after and _NAME_LINE_RE.match(after[0]) and len(after[0]) <= 40:
            parts.append(after[0])
        sign_off = "\n".join(parts)
    body = "\n".join(lines[start:end])
    language = detect_language(text)
    address = _address(language, body + "\n" + (greeting_line or ""))
    return ReplyTraits(
        language=language,
        greeting=greeting[0] if greeting else None,
        sign_off=sign_off,
        address=address,
        register=_register(greeting_line, closing, address),
        words=len(_WORD_RE.findall(body)),
        body=body,
    )


def body_sentences(body: str) -> list[str]:
    """The body's sentences, each on one line."""
    flat = " ".join(body.split())
    return [s.strip() for s in _SENTENCE_RE.split(flat) if s.strip()]


def ngrams(body: str, sizes: tuple[int, ...] = (2, 3)) -> Counter[str]:
    """Word n-grams of one body, each counted once (a phrase the owner reuses across replies
    counts, one repeated within a reply does not)."""
    words = [w.lower() for w in _WORD_RE.findall(body)]
    found: set[str] = set()
    for size in sizes:
        for index in range(len(words) - size + 1):
            found.add(" ".join(words[index : index + size]))
    return Counter(found)
