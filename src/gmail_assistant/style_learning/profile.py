"""The sample's statistics: traits per contact group (a built-in style) and per language.

Each reply falls into the register it shows (formal, business, informal — the names of the
built-in styles); within a group, each language gets its most common greeting, sign-off and
form of address, and the group its median length and the phrases it repeats. A contact the
owner always writes to in one register gets an inferred `style_overrides` entry (formal and
informal only: business is the default anyway), and a company domain (not a shared mailbox
provider) whose contacts all share a register gets a `domain_overrides` entry. Examples are
single short sentences with no digits, addresses or links, trimmed.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from gmail_assistant.gmail.addresses import SHARED_MAIL_DOMAINS
from gmail_assistant.style_learning.sample import SentReply
from gmail_assistant.style_learning.traits import body_sentences, ngrams

__all__ = ["ContactInference", "GroupTraits", "LanguageTraits", "StyleProfile", "build_profile"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


GROUPS = ("formal", "business", "informal")
MAX_EXAMPLES = 2
MAX_EXAMPLE_CHARS = 160
MAX_PHRASES = 5
_PHRASE_STOP = _words(
    "a i v ve se na to je the a an of to and in on for it is de der die das und zu ich"
)


@dataclass(frozen=True)
class LanguageTraits:
    language: str
    replies: int
    greeting: str | None
    sign_off: str | None
    address: str | None  # vykání | tykání | Sie | du
    address_share: float  # of the replies whose form of address could be told


@dataclass(frozen=True)
class GroupTraits:
    name: str  # formal | business | informal
    replies: int
    median_words: int
    languages: tuple[LanguageTraits, ...]  # most replies first
    phrases: tuple[str, ...]
    examples: tuple[tuple[str, str], ...]  # (language, one short sentence)
    contacts: tuple[str, ...]


@dataclass(frozen=True)
class ContactInference:
    kind: str  # sender | domain
    key: str
    style: str
    replies: int


@dataclass(frozen=True)
class StyleProfile:
    replies: int
    languages: dict[str, int]
    groups: tuple[GroupTraits, ...]
    contacts: tuple[ContactInference, ...] = field(default=())

    def group(self, name: str) -> GroupTraits | None:
        return next((g for g in self.groups if g.name == name), None)


def _most_common(values: Iterable[str | None]) -> str | None:
    counted = Counter(v for v in values if v)
    return counted.most_common(1)[0][0] if counted else None


def _language_traits(language: str, replies: list[SentReply]) -> LanguageTraits:
    told = [r.traits.address for r in replies if r.traits.address]
    address = _most_common(told)
    return LanguageTraits(
        language=language,
        replies=len(replies),
        greeting=_most_common(r.traits.greeting for r in replies),
        sign_off=_most_common(r.traits.sign_off for r in replies),
        address=address,
        address_share=round(told.count(address) / len(told), 2) if address else 0.0,
    )


def _phrases(replies: list[SentReply]) -> tuple[str, ...]:
    """N-grams found in at least two replies (and a quarter of them), longest first."""
    counts: Counter[str] = Counter()
    for reply in replies:
        counts.update(ngrams(reply.traits.body, sizes=(2, 3, 4)))
    needed = max(2, len(replies) // 4)
    frequent = [
        p
        for p, n in counts.items()
        if n >= needed and not set(p.split()) <= _PHRASE_STOP and len(p) >= 6
    ]
    frequent.sort(key=lambda p: (-counts[p], -len(p.split()), p))
    chosen: list[str] = []
    for phrase in frequent:
        if any(phrase in longer for longer in chosen):
            continue
        chosen = [c for c in chosen if c not in phrase]
        chosen.append(phrase)
        if len(chosen) == MAX_PHRASES:
            break
    return tuple(chosen)


def _short(sentence: str) -> bool:
    lowered = sentence.lower()
    return (
        4 <= len(sentence.split()) <= 25
        and len(sentence) <= MAX_EXAMPLE_CHARS
        and not any(ch.isdigit() for ch in sentence)
        and "@" not in sentence
        and "http" not in lowered
        and "www." not in lowered
    )


def _examples(replies: list[SentReply]) -> tuple[tuple[str, str], ...]:
    """One short sentence per language (most used first), at most `MAX_EXAMPLES`."""
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    for reply in replies:
        language = reply.traits.language
        if language in seen:
            continue
        sentence = next((s for s in body_sentences(reply.traits.body) if _short(s)), None)
        if sentence:
            seen.add(language)
            found.append((language, sentence))
        if len(found) == MAX_EXAMPLES:
            break
    return tuple(found)


def _group(name: str, replies: list[SentReply]) -> GroupTraits:
    by_language: dict[str, list[SentReply]] = defaultdict(list)
    for reply in replies:
        by_language[reply.traits.language].append(reply)
    ordered = sorted(by_language.items(), key=lambda item: (-len(item[1]), item[0]))
    # Examples from the most used languages first.
    rank = {language: index for index, (language, _) in enumerate(ordered)}
    return GroupTraits(
        name=name,
        replies=len(replies),
        median_words=round(statistics.median(r.traits.words for r in replies)),
        languages=tuple(_language_traits(lang, rs) for lang, rs in ordered),
        phrases=_phrases(replies),
        examples=_examples(sorted(replies, key=lambda r: rank[r.traits.language])),
        contacts=tuple(sorted({r.recipient for r in replies})),
    )


def _contacts(replies: list[SentReply]) -> tuple[ContactInference, ...]:
    registers: dict[str, Counter[str]] = defaultdict(Counter)
    for reply in replies:
        registers[reply.recipient][reply.traits.register] += 1
    found: list[ContactInference] = []
    settled: dict[str, str] = {}
    for contact, counted in sorted(registers.items()):
        if len(counted) != 1:
            continue  # the owner writes to them in more than one register
        style = next(iter(counted))
        settled[contact] = style
        if style != "business":
            found.append(ContactInference("sender", contact, style, counted[style]))
    by_domain: dict[str, list[str]] = defaultdict(list)
    for contact in registers:
        by_domain[contact.rsplit("@", 1)[-1]].append(contact)
    for domain, contacts in sorted(by_domain.items()):
        styles = {settled.get(c) for c in contacts}
        if domain in SHARED_MAIL_DOMAINS or len(contacts) < 2 or len(styles) != 1:
            continue
        common = styles.pop()
        if common and common != "business":
            replies_there = sum(sum(registers[c].values()) for c in contacts)
            found.append(ContactInference("domain", domain, common, replies_there))
    return tuple(found)


def build_profile(replies: list[SentReply]) -> StyleProfile:
    groups = [
        _group(name, [r for r in replies if r.traits.register == name])
        for name in GROUPS
        if any(r.traits.register == name for r in replies)
    ]
    languages = Counter(r.traits.language for r in replies)
    return StyleProfile(
        replies=len(replies),
        languages=dict(languages.most_common()),
        groups=tuple(groups),
        contacts=_contacts(replies),
    )
